// Schemas of braintorch::event_csr_matvec (+ its backward), the C++ dispatcher wrappers and the argument
// checks shared by the CPU and CUDA kernels. The kernels live in cpu/, cuda/ and autograd/ (torchvision
// csrc/ops layout); the fake (meta) implementation is registered once, in Python
// (python_shim/braintorch/ops.py), and nothing is registered at the Meta key here.
#include "braintorch/ops/event_csr_matvec.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <algorithm>

#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {

at::Tensor event_csr_matvec(const at::Tensor& spikes, const at::Tensor& indptr, const at::Tensor& indices,
                            const at::Tensor& weights, int64_t n_post, bool transpose) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::event_csr_matvec", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                         int64_t, bool)>();
  return op.call(spikes, indptr, indices, weights, n_post, transpose);
}

std::tuple<at::Tensor, at::Tensor> event_csr_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                             const at::Tensor& indptr, const at::Tensor& indices,
                                                             const at::Tensor& weights, int64_t n_post,
                                                             bool transpose, std::array<bool, 2> output_mask) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::event_csr_matvec_backward", "")
                       .typed<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, const at::Tensor&,
                                                                 const at::Tensor&, const at::Tensor&,
                                                                 const at::Tensor&, int64_t, bool, std::array<bool, 2>)>();
  return op.call(grad_out, spikes, indptr, indices, weights, n_post, transpose, output_mask);
}

namespace detail {

EventCsrSizes check_event_csr_matvec_args(const char* op, const at::Tensor& spikes, const at::Tensor& indptr,
                                          const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                          bool transpose) {
  TORCH_CHECK(spikes.defined(), op, ": spikes is undefined");
  TORCH_CHECK(indptr.defined(), op, ": indptr is undefined");
  TORCH_CHECK(indices.defined(), op, ": indices is undefined");
  TORCH_CHECK(weights.defined(), op, ": weights is undefined");

  // dtypes
  const auto st = spikes.scalar_type();
  TORCH_CHECK(st == at::kBool || st == at::kFloat || st == at::kDouble, op,
              ": spikes must be bool, float32 or float64 (an entry > 0 is an event), got ", st);
  TORCH_CHECK(indptr.scalar_type() == at::kInt || indptr.scalar_type() == at::kLong, op,
              ": indptr must be int32 or int64, got ", indptr.scalar_type());
  TORCH_CHECK(indices.scalar_type() == at::kInt || indices.scalar_type() == at::kLong, op,
              ": indices must be int32 or int64, got ", indices.scalar_type());
  TORCH_CHECK(weights.scalar_type() == at::kFloat || weights.scalar_type() == at::kDouble, op,
              ": weights must be float32 or float64, got ", weights.scalar_type());

  // devices: one device for everything (the kernels read all of them directly)
  const auto dev = spikes.device();
  TORCH_CHECK(dev.is_cpu() || dev.is_cuda(), op, ": spikes must be on a CPU or CUDA device, got ", dev);
  TORCH_CHECK(indptr.device() == dev, op, ": indptr is on ", indptr.device(), " but spikes is on ", dev,
              "; all tensors must be on the same device");
  TORCH_CHECK(indices.device() == dev, op, ": indices is on ", indices.device(), " but spikes is on ", dev,
              "; all tensors must be on the same device");
  TORCH_CHECK(weights.device() == dev, op, ": weights is on ", weights.device(), " but spikes is on ", dev,
              "; all tensors must be on the same device");

  // shapes
  TORCH_CHECK(n_post >= 0, op, ": n_post must be >= 0, got ", n_post);
  TORCH_CHECK(indptr.dim() == 1 && indptr.numel() >= 1, op,
              ": indptr must be 1-D with n_pre + 1 >= 1 entries, got shape ", indptr.sizes());
  TORCH_CHECK(indices.dim() == 1, op, ": indices must be 1-D (nnz), got shape ", indices.sizes());
  EventCsrSizes s;
  s.n_pre = indptr.numel() - 1;
  s.n_post = n_post;
  s.nnz = indices.numel();
  s.n_in = transpose ? s.n_post : s.n_pre;
  s.n_out = transpose ? s.n_pre : s.n_post;
  TORCH_CHECK(spikes.dim() == 1 || spikes.dim() == 2, op, ": spikes must be 1-D (",
              transpose ? "n_post" : "n_pre", ") or 2-D (B, ", transpose ? "n_post" : "n_pre", "), got shape ",
              spikes.sizes());
  TORCH_CHECK(spikes.size(-1) == s.n_in, op, ": spikes has last dimension ", spikes.size(-1), " but ",
              transpose ? "transpose=True expects n_post = " : "the CSR has n_pre = indptr.numel() - 1 = ", s.n_in);
  s.batch = spikes.dim() == 2 ? spikes.size(0) : 1;
  TORCH_CHECK(weights.numel() == 1 || weights.numel() == s.nnz, op,
              ": weights must have 1 element (homogeneous) or nnz = indices.numel() = ", s.nnz,
              " elements (one per synapse), got ", weights.numel(), " (shape ", weights.sizes(), ")");
  s.homogeneous = weights.numel() == 1;
  return s;
}

EventCsrSizes check_event_csr_matvec_backward_args(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                   const at::Tensor& indptr, const at::Tensor& indices,
                                                   const at::Tensor& weights, int64_t n_post, bool transpose,
                                                   std::array<bool, 2> output_mask) {
  constexpr const char* op = "braintorch::event_csr_matvec_backward";
  const auto s = check_event_csr_matvec_args(op, spikes, indptr, indices, weights, n_post, transpose);
  check_grad_out(op, grad_out, spikes, "spikes", s.n_out);
  check_no_bool_input_grad(op, output_mask[0], spikes);
  return s;
}

void check_csr_structure_cpu(const char* op, const at::Tensor& indptr, const at::Tensor& indices, int64_t n_post) {
  TORCH_INTERNAL_ASSERT(indptr.is_cpu() && indices.is_cpu() && indptr.is_contiguous() && indices.is_contiguous());
  const int64_t n_pre = indptr.numel() - 1, nnz = indices.numel();
  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    const ptr_t* ip = indptr.data_ptr<ptr_t>();
    const index_t* jp = indices.data_ptr<index_t>();
    TORCH_CHECK(ip[0] == 0, op, ": indptr[0] must be 0, got ", int64_t(ip[0]));
    for (int64_t i = 0; i < n_pre; ++i)
      TORCH_CHECK(ip[i + 1] >= ip[i], op, ": indptr must be non-decreasing, but indptr[", i + 1,
                  "] = ", int64_t(ip[i + 1]), " < indptr[", i, "] = ", int64_t(ip[i]));
    TORCH_CHECK(int64_t(ip[n_pre]) == nnz, op, ": indptr[n_pre] = ", int64_t(ip[n_pre]),
                " must equal nnz = indices.numel() = ", nnz);
    // min/max in one pass; the error is reported for the first offending position afterwards.
    index_t lo = 0, hi = 0;
    for (int64_t k = 0; k < nnz; ++k) {
      lo = std::min(lo, jp[k]);
      hi = std::max(hi, jp[k]);
    }
    if (nnz > 0 && (lo < 0 || int64_t(hi) >= n_post)) {
      for (int64_t k = 0; k < nnz; ++k)
        TORCH_CHECK(jp[k] >= 0 && int64_t(jp[k]) < n_post, op, ": indices[", k, "] = ", int64_t(jp[k]),
                    " is out of range for n_post = ", n_post);
    }
  });
}

void check_csr_ends_cpu(const char* op, const at::Tensor& indptr, int64_t nnz) {
  TORCH_INTERNAL_ASSERT(indptr.is_cpu() && indptr.is_contiguous());
  const int64_t n_pre = indptr.numel() - 1;
  const int64_t first = indptr.scalar_type() == at::kLong ? indptr.data_ptr<int64_t>()[0] : indptr.data_ptr<int32_t>()[0];
  const int64_t last =
      indptr.scalar_type() == at::kLong ? indptr.data_ptr<int64_t>()[n_pre] : indptr.data_ptr<int32_t>()[n_pre];
  TORCH_CHECK(first == 0, op, ": indptr[0] must be 0, got ", first);
  TORCH_CHECK(last == nnz, op, ": indptr[n_pre] = ", last, " must equal nnz = indices.numel() = ", nnz);
}

}  // namespace detail
}  // namespace braintorch::ops

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  // The fake (meta) implementations are Python register_fake calls in this module; torch requires the
  // C++ definition to name it so that a fake-tensor trace can tell the user which module to import.
  m.set_python_module("braintorch.ops");
  m.def(
      "event_csr_matvec(Tensor spikes, Tensor indptr, Tensor indices, Tensor weights, int n_post, "
      "bool transpose=False) -> Tensor");
  m.def(
      "event_csr_matvec_backward(Tensor grad_out, Tensor spikes, Tensor indptr, Tensor indices, Tensor weights, "
      "int n_post, bool transpose, bool[2] output_mask) -> (Tensor, Tensor)");
}
