// Autograd of braintorch::event_csr_matvec, registered in C++ at the Autograd key (torchvision pattern) so
// that gradients work from pure C++ as well as from Python. The forward re-enters the dispatcher below
// autograd; the backward calls the registered backward op, which keeps the whole graph traceable with
// fake tensors (torch.compile / AOT autograd). No shape is read here: under dynamic-shape tracing the
// sizes are symbolic, and all shape logic lives in the kernels and the Python fake implementations.
#include <torch/autograd.h>
#include <torch/library.h>

#include "braintorch/ops/event_csr_matvec.h"

namespace braintorch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr const char* kNoDoubleBackward = "braintorch::event_csr_matvec does not support double backward";

class EventCsrMatvecFunction : public torch::autograd::Function<EventCsrMatvecFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& spikes, const at::Tensor& indptr,
                            const at::Tensor& indices, const at::Tensor& weights, int64_t n_post, bool transpose) {
    ctx->saved_data["n_post"] = n_post;
    ctx->saved_data["transpose"] = transpose;
    ctx->save_for_backward({spikes, indptr, indices, weights});
    at::AutoDispatchBelowADInplaceOrView guard;
    return event_csr_matvec(spikes, indptr, indices, weights, n_post, transpose);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& spikes = saved[0];
    const auto& weights = saved[3];
    // Tensor inputs are edges 0..3 in argument order: spikes, indptr, indices, weights. Bool spikes
    // cannot require grad, and indptr/indices are integer (never differentiable).
    const bool need_spikes = ctx->needs_input_grad(0) && spikes.is_floating_point();
    const bool need_weights = ctx->needs_input_grad(3);
    at::Tensor grad_spikes, grad_weights;
    if (grad_outputs[0].defined() && (need_spikes || need_weights)) {
      auto [gs, gw] = event_csr_matvec_backward(grad_outputs[0], spikes, saved[1], saved[2], weights,
                                                        ctx->saved_data["n_post"].toInt(),
                                                        ctx->saved_data["transpose"].toBool(),
                                                        {need_spikes, need_weights});
      if (need_spikes) grad_spikes = gs;
      if (need_weights) grad_weights = gw;
    }
    return {grad_spikes, at::Tensor(), at::Tensor(), grad_weights, at::Tensor(), at::Tensor()};
  }
};

// The backward op is itself differentiable only in the sense that autograd must not silently treat it
// as a constant: its own backward raises.
class EventCsrMatvecBackwardFunction : public torch::autograd::Function<EventCsrMatvecBackwardFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& grad_out, const at::Tensor& spikes,
                               const at::Tensor& indptr, const at::Tensor& indices, const at::Tensor& weights,
                               int64_t n_post, bool transpose, std::array<bool, 2> output_mask) {
    at::AutoDispatchBelowADInplaceOrView guard;
    auto [gs, gw] = event_csr_matvec_backward(grad_out, spikes, indptr, indices, weights, n_post, transpose,
                                                      output_mask);
    return {gs, gw};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(false, kNoDoubleBackward);
    return {};  // unreachable
  }
};

at::Tensor event_csr_matvec_autograd(const at::Tensor& spikes, const at::Tensor& indptr, const at::Tensor& indices,
                                     const at::Tensor& weights, int64_t n_post, bool transpose) {
  return EventCsrMatvecFunction::apply(spikes, indptr, indices, weights, n_post, transpose);
}

std::tuple<at::Tensor, at::Tensor> event_csr_matvec_backward_autograd(const at::Tensor& grad_out,
                                                                      const at::Tensor& spikes,
                                                                      const at::Tensor& indptr,
                                                                      const at::Tensor& indices,
                                                                      const at::Tensor& weights, int64_t n_post,
                                                                      bool transpose, std::array<bool, 2> output_mask) {
  auto out = EventCsrMatvecBackwardFunction::apply(grad_out, spikes, indptr, indices, weights, n_post, transpose,
                                                   output_mask);
  return {out[0], out[1]};
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, Autograd, m) {
  m.impl("event_csr_matvec", TORCH_FN(braintorch::ops::event_csr_matvec_autograd));
  m.impl("event_csr_matvec_backward", TORCH_FN(braintorch::ops::event_csr_matvec_backward_autograd));
}
