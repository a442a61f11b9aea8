// Autograd of the JIT-connectivity operators, registered in C++ at the Autograd key (as
// event_csr_matvec): the forward re-enters the dispatcher below autograd, the backward calls the
// registered backward op (traceable with fake tensors). jitc_to_dense differentiates with respect to
// w0 and w1 through its own coefficient matrices (see JitcToDenseFunction).
#include <torch/autograd.h>
#include <ATen/ops/full.h>
#include <torch/library.h>

#include "braintorch/ops/jitc_matvec.h"

namespace braintorch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class JitcMatvecFunction : public torch::autograd::Function<JitcMatvecFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1,
                            int64_t seed, double prob, int64_t n_pre, int64_t n_post, const std::string& kind,
                            bool transpose, bool events) {
    ctx->saved_data["seed"] = seed;
    ctx->saved_data["prob"] = prob;
    ctx->saved_data["n_pre"] = n_pre;
    ctx->saved_data["n_post"] = n_post;
    ctx->saved_data["kind"] = kind;
    ctx->saved_data["transpose"] = transpose;
    ctx->saved_data["events"] = events;
    ctx->save_for_backward({x, w0, w1});
    at::AutoDispatchBelowADInplaceOrView guard;
    return events ? event_jitc_matvec(x, w0, w1, seed, prob, n_pre, n_post, kind, transpose)
                  : jitc_matvec(x, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    // edges in argument order: x, w0, w1 (then the non-tensor arguments)
    const bool need_x = ctx->needs_input_grad(0) && x.is_floating_point();
    const bool need_w0 = ctx->needs_input_grad(1), need_w1 = ctx->needs_input_grad(2);
    at::Tensor gx, gw0, gw1;
    if (grad_outputs[0].defined() && (need_x || need_w0 || need_w1)) {
      auto [a, b, c] = jitc_matvec_backward(
          grad_outputs[0], x, saved[1], saved[2], ctx->saved_data["seed"].toInt(), ctx->saved_data["prob"].toDouble(),
          ctx->saved_data["n_pre"].toInt(), ctx->saved_data["n_post"].toInt(),
          ctx->saved_data["kind"].toStringRef(), ctx->saved_data["transpose"].toBool(),
          ctx->saved_data["events"].toBool(), {need_x, need_w0, need_w1});
      if (need_x) gx = a;
      if (need_w0) gw0 = b;
      if (need_w1) gw1 = c;
    }
    return {gx, gw0, gw1, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(),
            at::Tensor()};
  }
};

class JitcMatvecBackwardFunction : public torch::autograd::Function<JitcMatvecBackwardFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& grad_out, const at::Tensor& x,
                               const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob, int64_t n_pre,
                               int64_t n_post, const std::string& kind, bool transpose, bool events,
                               std::array<bool, 3> output_mask) {
    at::AutoDispatchBelowADInplaceOrView guard;
    auto [a, b, c] = jitc_matvec_backward(grad_out, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose,
                                                  events, output_mask);
    return {a, b, c};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(false, "braintorch::jitc_matvec and event_jitc_matvec do not support double backward");
    return {};
  }
};

// W = jitc_to_dense(w0, w1) is linear in (w0, w1): W_ij = w0 a_ij + w1 b_ij on the connected (i, j),
// so dL/dw0 = sum_ij G_ij a_ij and dL/dw1 = sum_ij G_ij b_ij. The coefficient matrices A and B are
// jitc_to_dense itself at (w0, w1) = (1, 0) and (0, 1) in float64 (exactly a_ij and b_ij): O(nnz)
// generation plus one dense product with G, the size of W, on CPU and CUDA alike. (The weight
// gradient of an event product with an identity spike batch gives the same sums but costs
// O(n_pre) per synapse.)
class JitcToDenseFunction : public torch::autograd::Function<JitcToDenseFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob,
                            int64_t n_pre, int64_t n_post, const std::string& kind) {
    ctx->saved_data["seed"] = seed;
    ctx->saved_data["prob"] = prob;
    ctx->saved_data["n_pre"] = n_pre;
    ctx->saved_data["n_post"] = n_post;
    ctx->saved_data["kind"] = kind;
    ctx->save_for_backward({w0, w1});
    at::AutoDispatchBelowADInplaceOrView guard;
    return jitc_to_dense(w0, w1, seed, prob, n_pre, n_post, kind);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    // Double backward needs nothing more: the gradient sum(G * C) is built from differentiable ATen ops
    // in G, and C (the coefficients at constant (1, 0) / (0, 1)) does not depend on (w0, w1), whose
    // second derivative is 0 since W is linear in them. Under create_graph=True autograd records it.
    const auto saved = ctx->get_saved_variables();
    const auto& g = grad_outputs[0];
    auto coefficient_sum = [&](double a, double b, const at::Tensor& w) {
      const auto f64 = g.options().dtype(at::kDouble);
      const auto C = jitc_to_dense(at::full({}, a, f64), at::full({}, b, f64), ctx->saved_data["seed"].toInt(),
                                   ctx->saved_data["prob"].toDouble(), ctx->saved_data["n_pre"].toInt(),
                                   ctx->saved_data["n_post"].toInt(), ctx->saved_data["kind"].toStringRef());
      return (g.to(at::kDouble) * C).sum().to(w.scalar_type()).reshape(w.sizes());
    };
    at::Tensor gw0, gw1;
    if (g.defined() && ctx->needs_input_grad(0)) gw0 = coefficient_sum(1.0, 0.0, saved[0]);
    if (g.defined() && ctx->needs_input_grad(1)) gw1 = coefficient_sum(0.0, 1.0, saved[1]);
    return {gw0, gw1, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor jitc_to_dense_autograd(const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob, int64_t n_pre,
                                  int64_t n_post, c10::string_view kind) {
  return JitcToDenseFunction::apply(w0, w1, seed, prob, n_pre, n_post, std::string(kind));
}

at::Tensor jitc_matvec_autograd(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
                                double prob, int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose) {
  return JitcMatvecFunction::apply(x, w0, w1, seed, prob, n_pre, n_post, std::string(kind), transpose, false);
}

at::Tensor event_jitc_matvec_autograd(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
                                      double prob, int64_t n_pre, int64_t n_post, c10::string_view kind,
                                      bool transpose) {
  return JitcMatvecFunction::apply(x, w0, w1, seed, prob, n_pre, n_post, std::string(kind), transpose, true);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> jitc_matvec_backward_autograd(
    const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
    double prob, int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose, bool events,
    std::array<bool, 3> output_mask) {
  auto out = JitcMatvecBackwardFunction::apply(grad_out, x, w0, w1, seed, prob, n_pre, n_post, std::string(kind),
                                               transpose, events, output_mask);
  return {out[0], out[1], out[2]};
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, Autograd, m) {
  m.impl("jitc_matvec", TORCH_FN(braintorch::ops::jitc_matvec_autograd));
  m.impl("event_jitc_matvec", TORCH_FN(braintorch::ops::event_jitc_matvec_autograd));
  m.impl("jitc_matvec_backward", TORCH_FN(braintorch::ops::jitc_matvec_backward_autograd));
  m.impl("jitc_to_dense", TORCH_FN(braintorch::ops::jitc_to_dense_autograd));
}
