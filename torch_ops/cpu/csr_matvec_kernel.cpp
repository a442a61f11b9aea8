// CPU kernels of braintorch::csr_matvec and its backward (loops shared with the ELL products in
// cpu/row_sparse_cpu.h; bitwise identical results for any thread count).
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include "braintorch/kernels/row_layouts.h"
#include "torch_ops/cpu/row_sparse_cpu.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

at::Tensor csr_matvec_cpu(const at::Tensor& x_in, const at::Tensor& indptr_in, const at::Tensor& indices_in,
                          const at::Tensor& weights_in, int64_t n_post, bool transpose) {
  constexpr const char* op = "braintorch::csr_matvec";
  const auto s = check_csr_matvec_args(op, x_in, indptr_in, indices_in, weights_in, n_post, transpose);
  const auto x = x_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  check_csr_structure_cpu(op, indptr, indices, n_post);

  auto out = at::zeros(output_shape(x, s.n_out), weights.options());
  if (out.numel() == 0 || s.nnz == 0) return out;
  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      // Indices were checked above; the float product has no event scatter to check them again.
      const bool in_range = row_sparse_cpu::forward<false>(
          x.data_ptr<scalar_t>(), indices.data_ptr<index_t>(), weights.data_ptr<scalar_t>(),
          kernels::CsrRows<ptr_t>{indptr.data_ptr<ptr_t>()}, s, transpose, out.data_ptr<scalar_t>());
      TORCH_INTERNAL_ASSERT(in_range, op, ": index out of range after the structure check");
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> csr_matvec_backward_cpu(const at::Tensor& grad_out_in, const at::Tensor& x_in,
                                                           const at::Tensor& indptr_in, const at::Tensor& indices_in,
                                                           const at::Tensor& weights_in, int64_t n_post,
                                                           bool transpose, std::array<bool, 2> output_mask) {
  constexpr const char* op = "braintorch::csr_matvec_backward";
  const auto s =
      check_csr_matvec_backward_args(grad_out_in, x_in, indptr_in, indices_in, weights_in, n_post, transpose);
  const auto x = x_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  check_csr_structure_cpu(op, indptr, indices, n_post);
  InputAndWeightGrads grads(x, weights, s.nnz, output_mask);

  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      const kernels::CsrRows<ptr_t> rows{indptr.data_ptr<ptr_t>()};
      const index_t* jp = indices.data_ptr<index_t>();
      if (output_mask[0] && grads.gx.numel() > 0 && s.nnz > 0)
        row_sparse_cpu::input_grad(g.data_ptr<scalar_t>(), jp, weights.data_ptr<scalar_t>(), rows, s, transpose,
                                   grads.gx.data_ptr<scalar_t>());
      if (output_mask[1] && s.nnz > 0)
        row_sparse_cpu::weight_grad<false>(x.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), jp, rows, s, transpose,
                                           grads.gw.data_ptr<scalar_t>());
    });
  });
  return grads.results(x, weights, s.homogeneous);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("csr_matvec", TORCH_FN(braintorch::ops::csr_matvec_cpu));
  m.impl("csr_matvec_backward", TORCH_FN(braintorch::ops::csr_matvec_backward_cpu));
}
