// Schemas of braintorch::event_dense_matvec (+ backward), the C++ dispatcher wrappers and the argument
// checks. Kernels: cpu/event_dense_matvec_kernel.cpp, cuda/event_dense_matvec_kernel.cu,
// autograd/event_dense_matvec_kernel.cpp; fakes in python_shim/braintorch/sparse_ops.py.
#include "braintorch/ops/event_dense_matvec.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {

at::Tensor event_dense_matvec(const at::Tensor& spikes, const at::Tensor& weights, bool transpose) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::event_dense_matvec", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, bool)>();
  return op.call(spikes, weights, transpose);
}

std::tuple<at::Tensor, at::Tensor> event_dense_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                               const at::Tensor& weights, bool transpose,
                                                               std::array<bool, 2> output_mask) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::event_dense_matvec_backward", "")
                       .typed<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, const at::Tensor&,
                                                                 const at::Tensor&, bool, std::array<bool, 2>)>();
  return op.call(grad_out, spikes, weights, transpose, output_mask);
}

namespace detail {

EventDenseSizes check_event_dense_args(const char* op, const at::Tensor& spikes, const at::Tensor& weights,
                                       bool transpose) {
  TORCH_CHECK(spikes.defined(), op, ": spikes is undefined");
  TORCH_CHECK(weights.defined(), op, ": weights is undefined");
  const auto st = spikes.scalar_type();
  TORCH_CHECK(st == at::kBool || st == at::kFloat || st == at::kDouble, op,
              ": spikes must be bool, float32 or float64 (an entry > 0 is an event), got ", st);
  TORCH_CHECK(weights.scalar_type() == at::kFloat || weights.scalar_type() == at::kDouble, op,
              ": weights must be float32 or float64, got ", weights.scalar_type());
  const auto dev = spikes.device();
  TORCH_CHECK(dev.is_cpu() || dev.is_cuda(), op, ": spikes must be on a CPU or CUDA device, got ", dev);
  TORCH_CHECK(weights.device() == dev, op, ": weights is on ", weights.device(), " but spikes is on ", dev,
              "; all tensors must be on the same device");
  TORCH_CHECK(weights.dim() == 2, op, ": weights must be a 2-D (n_pre, n_post) matrix, got shape ",
              weights.sizes());
  EventDenseSizes s;
  s.n_pre = weights.size(0);
  s.n_post = weights.size(1);
  s.n_in = transpose ? s.n_post : s.n_pre;
  s.n_out = transpose ? s.n_pre : s.n_post;
  TORCH_CHECK(spikes.dim() == 1 || spikes.dim() == 2, op, ": spikes must be 1-D (",
              transpose ? "n_post" : "n_pre", ") or 2-D (B, ", transpose ? "n_post" : "n_pre", "), got shape ",
              spikes.sizes());
  TORCH_CHECK(spikes.size(-1) == s.n_in, op, ": spikes has last dimension ", spikes.size(-1), " but ",
              transpose ? "transpose=True expects n_post = weights.size(1) = "
                        : "weights has n_pre = weights.size(0) = ",
              s.n_in);
  s.batch = spikes.dim() == 2 ? spikes.size(0) : 1;
  return s;
}

EventDenseSizes check_event_dense_backward_args(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                const at::Tensor& weights, bool transpose,
                                                std::array<bool, 2> output_mask) {
  constexpr const char* op = "braintorch::event_dense_matvec_backward";
  const auto s = check_event_dense_args(op, spikes, weights, transpose);
  check_grad_out(op, grad_out, spikes, "spikes", s.n_out);
  check_no_bool_input_grad(op, output_mask[0], spikes);
  return s;
}

}  // namespace detail
}  // namespace braintorch::ops

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  m.set_python_module("braintorch.sparse_ops");  // the fake implementations
  m.def("event_dense_matvec(Tensor spikes, Tensor weights, bool transpose=False) -> Tensor");
  m.def(
      "event_dense_matvec_backward(Tensor grad_out, Tensor spikes, Tensor weights, bool transpose, "
      "bool[2] output_mask) -> (Tensor, Tensor)");
}
