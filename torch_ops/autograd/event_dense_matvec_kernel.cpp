// Autograd of braintorch::event_dense_matvec at the Autograd key (pattern of
// autograd/event_csr_matvec_kernel.cpp).
#include <torch/autograd.h>
#include <torch/library.h>

#include "braintorch/ops/event_dense_matvec.h"

namespace braintorch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class EventDenseMatvecFunction : public torch::autograd::Function<EventDenseMatvecFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& spikes, const at::Tensor& weights,
                            bool transpose) {
    ctx->saved_data["transpose"] = transpose;
    ctx->save_for_backward({spikes, weights});
    at::AutoDispatchBelowADInplaceOrView guard;
    return event_dense_matvec(spikes, weights, transpose);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const bool need_s = ctx->needs_input_grad(0) && saved[0].is_floating_point();
    const bool need_w = ctx->needs_input_grad(1);
    at::Tensor grad_s, grad_w;
    if (grad_outputs[0].defined() && (need_s || need_w)) {
      auto [gs, gw] = event_dense_matvec_backward(grad_outputs[0], saved[0], saved[1],
                                                          ctx->saved_data["transpose"].toBool(), {need_s, need_w});
      if (need_s) grad_s = gs;
      if (need_w) grad_w = gw;
    }
    return {grad_s, grad_w, at::Tensor()};
  }
};

class EventDenseMatvecBackwardFunction : public torch::autograd::Function<EventDenseMatvecBackwardFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& grad_out, const at::Tensor& spikes,
                               const at::Tensor& weights, bool transpose, std::array<bool, 2> output_mask) {
    at::AutoDispatchBelowADInplaceOrView guard;
    auto [gs, gw] = event_dense_matvec_backward(grad_out, spikes, weights, transpose, output_mask);
    return {gs, gw};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(false, "braintorch::event_dense_matvec does not support double backward");
    return {};
  }
};

at::Tensor event_dense_matvec_autograd(const at::Tensor& spikes, const at::Tensor& weights, bool transpose) {
  return EventDenseMatvecFunction::apply(spikes, weights, transpose);
}

std::tuple<at::Tensor, at::Tensor> event_dense_matvec_backward_autograd(const at::Tensor& grad_out,
                                                                        const at::Tensor& spikes,
                                                                        const at::Tensor& weights, bool transpose,
                                                                        std::array<bool, 2> output_mask) {
  auto out = EventDenseMatvecBackwardFunction::apply(grad_out, spikes, weights, transpose, output_mask);
  return {out[0], out[1]};
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, Autograd, m) {
  m.impl("event_dense_matvec", TORCH_FN(braintorch::ops::event_dense_matvec_autograd));
  m.impl("event_dense_matvec_backward", TORCH_FN(braintorch::ops::event_dense_matvec_backward_autograd));
}
