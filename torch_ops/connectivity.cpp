// Schemas of the connectivity builders and sparse-format conversions (braintorch::conn_*, coo_to_csr,
// csr_to_csc, csr_to_coo). The kernels are in cpu/connectivity_kernel.cpp. The builders take no tensor
// argument, so they are registered at CompositeExplicitAutograd (reached for every backend, including the
// empty dispatch key set of a call without tensors) and always return CPU tensors; the conversions are
// registered at CPU. All outputs have data-dependent sizes, so no fake (meta) implementation exists: they
// run eagerly, not under torch.compile tracing. indptr is int64, indices int32, permutations int64.
// pre_start / post_start: where pre and post sit in their group when same_group is true (pre i is the
// same neuron as post i + pre_start - post_start), so include_self=False removes the right pairs when pre
// and post are different slices of one group.
#include <torch/library.h>

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  m.def(
      "conn_fixed_prob(int n_pre, int n_post, float prob, int seed, bool same_group=False, "
      "bool include_self=True, int pre_start=0, int post_start=0) -> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_fixed_pre_num(int n_pre, int n_post, int k, int seed, bool same_group=False, bool include_self=True, "
      "bool allow_multapses=False, int pre_start=0, int post_start=0) -> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_fixed_post_num(int n_pre, int n_post, int k, int seed, bool same_group=False, bool include_self=True, "
      "bool allow_multapses=False, int pre_start=0, int post_start=0) -> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_fixed_total_num(int n_pre, int n_post, int num, int seed, bool same_group=False, "
      "bool include_self=True, bool allow_multapses=False, int pre_start=0, int post_start=0) "
      "-> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_gaussian_prob(int[2] pre_shape, int[2] post_shape, float sigma, int seed, bool periodic_boundary=False, "
      "bool normalize=False, bool same_group=False, bool include_self=True) -> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_one_to_one(int n, bool same_group=False, bool include_self=True, int pre_start=0, int post_start=0) "
      "-> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_all_to_all(int n_pre, int n_post, bool same_group=False, bool include_self=True, int pre_start=0, "
      "int post_start=0) -> (Tensor indptr, Tensor indices)");
  m.def(
      "conn_grid(int height, int width, int neighbours=4, bool periodic=False, bool include_self=False) "
      "-> (Tensor indptr, Tensor indices)");
  m.def(
      "coo_to_csr(Tensor rows, Tensor cols, int n_pre, int n_post) "
      "-> (Tensor indptr, Tensor indices, Tensor perm)");
  m.def(
      "csr_to_csc(Tensor indptr, Tensor indices, int n_post) "
      "-> (Tensor col_indptr, Tensor row_indices, Tensor perm)");
  m.def("csr_to_coo(Tensor indptr, Tensor indices) -> (Tensor rows, Tensor cols)");
}
