// Schemas of braintorch::fcn_matvec and braintorch::event_fcn_matvec (+ backward ops), the C++ dispatcher
// wrappers and the argument checks. Kernels: cpu/fcn_matvec_kernel.cpp, cuda/fcn_matvec_kernel.cu,
// autograd/fcn_matvec_kernel.cpp; fakes in python_shim/braintorch/sparse_ops.py.
#include "braintorch/ops/fcn_matvec.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <algorithm>

#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {

using Fwd = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, int64_t, bool);
using Bwd = std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                               const at::Tensor&, int64_t, bool, std::array<bool, 2>);

at::Tensor fcn_matvec(const at::Tensor& x, const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                      bool transpose) {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("braintorch::fcn_matvec", "").typed<Fwd>();
  return op.call(x, indices, weights, n_post, transpose);
}

at::Tensor event_fcn_matvec(const at::Tensor& spikes, const at::Tensor& indices, const at::Tensor& weights,
                            int64_t n_post, bool transpose) {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("braintorch::event_fcn_matvec", "").typed<Fwd>();
  return op.call(spikes, indices, weights, n_post, transpose);
}

std::tuple<at::Tensor, at::Tensor> fcn_matvec_backward(const at::Tensor& grad_out, const at::Tensor& x,
                                                       const at::Tensor& indices, const at::Tensor& weights,
                                                       int64_t n_post, bool transpose,
                                                       std::array<bool, 2> output_mask) {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("braintorch::fcn_matvec_backward", "").typed<Bwd>();
  return op.call(grad_out, x, indices, weights, n_post, transpose, output_mask);
}

std::tuple<at::Tensor, at::Tensor> event_fcn_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                             const at::Tensor& indices, const at::Tensor& weights,
                                                             int64_t n_post, bool transpose,
                                                             std::array<bool, 2> output_mask) {
  static auto op =
      c10::Dispatcher::singleton().findSchemaOrThrow("braintorch::event_fcn_matvec_backward", "").typed<Bwd>();
  return op.call(grad_out, spikes, indices, weights, n_post, transpose, output_mask);
}

namespace detail {

EventCsrSizes check_fcn_args(const char* op, bool events, const at::Tensor& x, const at::Tensor& indices,
                             const at::Tensor& weights, int64_t n_post, bool transpose) {
  const char* xn = events ? "spikes" : "x";
  TORCH_CHECK(x.defined(), op, ": ", xn, " is undefined");
  TORCH_CHECK(indices.defined(), op, ": indices is undefined");
  TORCH_CHECK(weights.defined(), op, ": weights is undefined");

  const auto st = x.scalar_type();
  TORCH_CHECK(weights.scalar_type() == at::kFloat || weights.scalar_type() == at::kDouble, op,
              ": weights must be float32 or float64, got ", weights.scalar_type());
  if (events) {
    TORCH_CHECK(st == at::kBool || st == at::kFloat || st == at::kDouble, op,
                ": spikes must be bool, float32 or float64 (an entry > 0 is an event), got ", st);
  } else {
    TORCH_CHECK(st == at::kFloat || st == at::kDouble, op, ": x must be float32 or float64, got ", st);
    TORCH_CHECK(st == weights.scalar_type(), op, ": x has dtype ", st, " but weights has dtype ",
                weights.scalar_type(), "; they must match");
  }
  TORCH_CHECK(indices.scalar_type() == at::kInt || indices.scalar_type() == at::kLong, op,
              ": indices must be int32 or int64, got ", indices.scalar_type());

  const auto dev = x.device();
  TORCH_CHECK(dev.is_cpu() || dev.is_cuda(), op, ": ", xn, " must be on a CPU or CUDA device, got ", dev);
  TORCH_CHECK(indices.device() == dev, op, ": indices is on ", indices.device(), " but ", xn, " is on ", dev,
              "; all tensors must be on the same device");
  TORCH_CHECK(weights.device() == dev, op, ": weights is on ", weights.device(), " but ", xn, " is on ", dev,
              "; all tensors must be on the same device");

  TORCH_CHECK(n_post >= 0, op, ": n_post must be >= 0, got ", n_post);
  TORCH_CHECK(indices.dim() == 2, op, ": indices must be 2-D (n_pre, n_conn), got shape ", indices.sizes());
  EventCsrSizes s;
  s.n_pre = indices.size(0);
  s.n_post = n_post;
  s.nnz = indices.numel();
  s.n_in = transpose ? s.n_post : s.n_pre;
  s.n_out = transpose ? s.n_pre : s.n_post;
  TORCH_CHECK(indices.size(1) == 0 || n_post > 0, op, ": indices has ", indices.size(1),
              " connections per row but n_post = 0 leaves no valid target");
  TORCH_CHECK(x.dim() == 1 || x.dim() == 2, op, ": ", xn, " must be 1-D (", transpose ? "n_post" : "n_pre",
              ") or 2-D (B, ", transpose ? "n_post" : "n_pre", "), got shape ", x.sizes());
  TORCH_CHECK(x.size(-1) == s.n_in, op, ": ", xn, " has last dimension ", x.size(-1), " but ",
              transpose ? "transpose=True expects n_post = " : "indices has n_pre = indices.size(0) = ", s.n_in);
  s.batch = x.dim() == 2 ? x.size(0) : 1;
  TORCH_CHECK(weights.numel() == 1 || weights.sizes() == indices.sizes(), op,
              ": weights must have 1 element (homogeneous) or the shape of indices ", indices.sizes(),
              " (one per synapse), got shape ", weights.sizes());
  s.homogeneous = weights.numel() == 1;
  return s;
}

EventCsrSizes check_fcn_backward_args(const char* op, bool events, const at::Tensor& grad_out, const at::Tensor& x,
                                      const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                      bool transpose, std::array<bool, 2> output_mask) {
  const auto s = check_fcn_args(op, events, x, indices, weights, n_post, transpose);
  check_grad_out(op, grad_out, x, events ? "spikes" : "x", s.n_out);
  check_no_bool_input_grad(op, output_mask[0], x);
  return s;
}

void check_fcn_indices_cpu(const char* op, const at::Tensor& indices, int64_t n_post) {
  TORCH_INTERNAL_ASSERT(indices.is_cpu() && indices.is_contiguous());
  const int64_t nnz = indices.numel();
  if (nnz == 0) return;
  const int64_t n_conn = indices.size(1);
  dispatch_index_type(indices, [&](auto idx_v) {
    using index_t = decltype(idx_v);
    const index_t* jp = indices.data_ptr<index_t>();
    index_t lo = jp[0], hi = jp[0];
    for (int64_t k = 0; k < nnz; ++k) {
      lo = std::min(lo, jp[k]);
      hi = std::max(hi, jp[k]);
    }
    if (lo < 0 || int64_t(hi) >= n_post) {
      for (int64_t k = 0; k < nnz; ++k)
        TORCH_CHECK(jp[k] >= 0 && int64_t(jp[k]) < n_post, op, ": indices[", k / n_conn, ", ", k % n_conn,
                    "] = ", int64_t(jp[k]), " is out of range for n_post = ", n_post);
    }
  });
}

}  // namespace detail
}  // namespace braintorch::ops

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  m.set_python_module("braintorch.sparse_ops");  // the fake implementations
  m.def("fcn_matvec(Tensor x, Tensor indices, Tensor weights, int n_post, bool transpose=False) -> Tensor");
  m.def(
      "fcn_matvec_backward(Tensor grad_out, Tensor x, Tensor indices, Tensor weights, int n_post, bool transpose, "
      "bool[2] output_mask) -> (Tensor, Tensor)");
  m.def("event_fcn_matvec(Tensor spikes, Tensor indices, Tensor weights, int n_post, bool transpose=False) -> Tensor");
  m.def(
      "event_fcn_matvec_backward(Tensor grad_out, Tensor spikes, Tensor indices, Tensor weights, int n_post, "
      "bool transpose, bool[2] output_mask) -> (Tensor, Tensor)");
}
