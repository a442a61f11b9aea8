// Autograd of braintorch::csr_matvec at the Autograd key (pattern of autograd/event_csr_matvec_kernel.cpp):
// the backward calls the registered backward op so the graph stays traceable; the backward op's own
// backward raises (no double backward).
#include <torch/autograd.h>
#include <torch/library.h>

#include "braintorch/ops/csr_matvec.h"

namespace braintorch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class CsrMatvecFunction : public torch::autograd::Function<CsrMatvecFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& indptr,
                            const at::Tensor& indices, const at::Tensor& weights, int64_t n_post, bool transpose) {
    ctx->saved_data["n_post"] = n_post;
    ctx->saved_data["transpose"] = transpose;
    ctx->save_for_backward({x, indptr, indices, weights});
    at::AutoDispatchBelowADInplaceOrView guard;
    return csr_matvec(x, indptr, indices, weights, n_post, transpose);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const bool need_x = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(3);
    at::Tensor grad_x, grad_w;
    if (grad_outputs[0].defined() && (need_x || need_w)) {
      auto [gx, gw] = csr_matvec_backward(grad_outputs[0], saved[0], saved[1], saved[2], saved[3],
                                                  ctx->saved_data["n_post"].toInt(),
                                                  ctx->saved_data["transpose"].toBool(), {need_x, need_w});
      if (need_x) grad_x = gx;
      if (need_w) grad_w = gw;
    }
    return {grad_x, at::Tensor(), at::Tensor(), grad_w, at::Tensor(), at::Tensor()};
  }
};

class CsrMatvecBackwardFunction : public torch::autograd::Function<CsrMatvecBackwardFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& grad_out, const at::Tensor& x,
                               const at::Tensor& indptr, const at::Tensor& indices, const at::Tensor& weights,
                               int64_t n_post, bool transpose, std::array<bool, 2> output_mask) {
    at::AutoDispatchBelowADInplaceOrView guard;
    auto [gx, gw] = csr_matvec_backward(grad_out, x, indptr, indices, weights, n_post, transpose, output_mask);
    return {gx, gw};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(false, "braintorch::csr_matvec does not support double backward");
    return {};
  }
};

at::Tensor csr_matvec_autograd(const at::Tensor& x, const at::Tensor& indptr, const at::Tensor& indices,
                               const at::Tensor& weights, int64_t n_post, bool transpose) {
  return CsrMatvecFunction::apply(x, indptr, indices, weights, n_post, transpose);
}

std::tuple<at::Tensor, at::Tensor> csr_matvec_backward_autograd(const at::Tensor& grad_out, const at::Tensor& x,
                                                                const at::Tensor& indptr, const at::Tensor& indices,
                                                                const at::Tensor& weights, int64_t n_post,
                                                                bool transpose, std::array<bool, 2> output_mask) {
  auto out = CsrMatvecBackwardFunction::apply(grad_out, x, indptr, indices, weights, n_post, transpose, output_mask);
  return {out[0], out[1]};
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, Autograd, m) {
  m.impl("csr_matvec", TORCH_FN(braintorch::ops::csr_matvec_autograd));
  m.impl("csr_matvec_backward", TORCH_FN(braintorch::ops::csr_matvec_backward_autograd));
}
