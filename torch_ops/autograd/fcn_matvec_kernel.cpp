// Autograd of braintorch::fcn_matvec and braintorch::event_fcn_matvec at the Autograd key (pattern of
// autograd/event_csr_matvec_kernel.cpp). EVENTS selects the op: its forward, its backward op, and
// whether a bool input (spikes) can have a gradient (it cannot).
#include <torch/autograd.h>
#include <torch/library.h>

#include "braintorch/ops/fcn_matvec.h"

namespace braintorch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <bool EVENTS>
at::Tensor call_forward(const at::Tensor& x, const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                        bool transpose) {
  return EVENTS ? event_fcn_matvec(x, indices, weights, n_post, transpose)
                : fcn_matvec(x, indices, weights, n_post, transpose);
}

template <bool EVENTS>
std::tuple<at::Tensor, at::Tensor> call_backward(const at::Tensor& g, const at::Tensor& x, const at::Tensor& indices,
                                                 const at::Tensor& weights, int64_t n_post, bool transpose,
                                                 std::array<bool, 2> mask) {
  return EVENTS ? event_fcn_matvec_backward(g, x, indices, weights, n_post, transpose, mask)
                : fcn_matvec_backward(g, x, indices, weights, n_post, transpose, mask);
}

template <bool EVENTS>
class FcnMatvecFunction : public torch::autograd::Function<FcnMatvecFunction<EVENTS>> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& indices,
                            const at::Tensor& weights, int64_t n_post, bool transpose) {
    ctx->saved_data["n_post"] = n_post;
    ctx->saved_data["transpose"] = transpose;
    ctx->save_for_backward({x, indices, weights});
    at::AutoDispatchBelowADInplaceOrView guard;
    return call_forward<EVENTS>(x, indices, weights, n_post, transpose);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    // Edges: x, indices, weights. Bool spikes cannot require grad; indices are integer.
    const bool need_x = ctx->needs_input_grad(0) && saved[0].is_floating_point();
    const bool need_w = ctx->needs_input_grad(2);
    at::Tensor grad_x, grad_w;
    if (grad_outputs[0].defined() && (need_x || need_w)) {
      auto [gx, gw] = call_backward<EVENTS>(grad_outputs[0], saved[0], saved[1], saved[2],
                                            ctx->saved_data["n_post"].toInt(), ctx->saved_data["transpose"].toBool(),
                                            {need_x, need_w});
      if (need_x) grad_x = gx;
      if (need_w) grad_w = gw;
    }
    return {grad_x, at::Tensor(), grad_w, at::Tensor(), at::Tensor()};
  }
};

template <bool EVENTS>
class FcnMatvecBackwardFunction : public torch::autograd::Function<FcnMatvecBackwardFunction<EVENTS>> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& grad_out, const at::Tensor& x,
                               const at::Tensor& indices, const at::Tensor& weights, int64_t n_post, bool transpose,
                               std::array<bool, 2> output_mask) {
    at::AutoDispatchBelowADInplaceOrView guard;
    auto [gx, gw] = call_backward<EVENTS>(grad_out, x, indices, weights, n_post, transpose, output_mask);
    return {gx, gw};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(false, EVENTS ? "braintorch::event_fcn_matvec does not support double backward"
                              : "braintorch::fcn_matvec does not support double backward");
    return {};
  }
};

template <bool EVENTS>
at::Tensor fcn_autograd(const at::Tensor& x, const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                        bool transpose) {
  return FcnMatvecFunction<EVENTS>::apply(x, indices, weights, n_post, transpose);
}

template <bool EVENTS>
std::tuple<at::Tensor, at::Tensor> fcn_backward_autograd(const at::Tensor& grad_out, const at::Tensor& x,
                                                         const at::Tensor& indices, const at::Tensor& weights,
                                                         int64_t n_post, bool transpose,
                                                         std::array<bool, 2> output_mask) {
  auto out = FcnMatvecBackwardFunction<EVENTS>::apply(grad_out, x, indices, weights, n_post, transpose, output_mask);
  return {out[0], out[1]};
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, Autograd, m) {
  m.impl("fcn_matvec", TORCH_FN(braintorch::ops::fcn_autograd<false>));
  m.impl("fcn_matvec_backward", TORCH_FN(braintorch::ops::fcn_backward_autograd<false>));
  m.impl("event_fcn_matvec", TORCH_FN(braintorch::ops::fcn_autograd<true>));
  m.impl("event_fcn_matvec_backward", TORCH_FN(braintorch::ops::fcn_backward_autograd<true>));
}
