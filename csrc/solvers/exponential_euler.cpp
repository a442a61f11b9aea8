#include "braintorch/solvers/exponential_euler.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/expm1.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <memory>
#include <mutex>

#include "braintorch/solvers/derivative_check.h"

namespace braintorch::solvers {

at::Tensor exprel(const at::Tensor& z) {
  // Below |z| = 1e-5 the series 1 + z/2 + z^2/6 is exact to double round-off; the division branch is
  // evaluated on a safe denominator so neither branch produces NaN (which would poison gradients).
  const at::Tensor small = z.abs() < 1e-5;
  const at::Tensor safe_z = at::where(small, at::ones_like(z), z);
  const at::Tensor ratio = at::expm1(safe_z) / safe_z;
  const at::Tensor series = 1 + z * (0.5 + z * (1.0 / 6));
  return at::where(small, series, ratio);
}

Tensors exponential_euler_step(const Tensors& y, const Tensors& dy, const Tensors& A, double dt) {
  TORCH_CHECK(std::isfinite(dt) && dt > 0, "exp_euler: dt must be positive and finite, got ", dt);
  check_derivatives(A, y, "exp_euler (linear coefficient)");
  Tensors out;
  out.reserve(y.size());
  for (size_t i = 0; i < y.size(); ++i) out.push_back(y[i] + exprel(A[i] * dt) * dy[i] * dt);
  return out;
}

Tensors diagonal_coefficient(const OdeFunction& f, const Tensors& y, double t, const Tensors& params,
                             Tensors* dy_out) {
  const bool outer_grad = at::GradMode::is_enabled() && !c10::InferenceMode::is_enabled();
  bool needs_graph = false;
  if (outer_grad) {
    for (const auto& v : y) needs_graph = needs_graph || v.requires_grad();
    for (const auto& p : params) needs_graph = needs_graph || p.requires_grad();
  }
  // Autograd needs ordinary (non-inference) tensors with grad mode on, whatever the caller's context.
  c10::InferenceMode not_inference(false);
  at::AutoGradMode grad_on(true);
  Tensors yy;
  yy.reserve(y.size());
  for (const auto& v : y) {
    // Keep the caller's graph when it is needed (create_graph below); otherwise a fresh leaf.
    at::Tensor leaf = needs_graph && v.requires_grad() ? v : v.detach().clone();
    if (!leaf.requires_grad()) leaf.requires_grad_(true);
    yy.push_back(leaf);
  }
  // Inference tensors cannot take part in autograd: use ordinary copies of any such parameter. (Tensors
  // the equation captures itself must be ordinary tensors for the automatic mode.)
  Tensors pp;
  pp.reserve(params.size());
  for (const auto& p : params) pp.push_back(p.defined() && p.is_inference() ? p.clone() : p);
  Tensors dy = f(yy, t, pp);
  check_derivatives(dy, y, "exp_euler_auto");
  Tensors A;
  A.reserve(y.size());
  for (size_t k = 0; k < y.size(); ++k) {
    if (!dy[k].requires_grad()) {  // f_k does not depend on anything differentiable: A = 0
      A.push_back(at::zeros_like(y[k]));
      continue;
    }
    auto g = torch::autograd::grad({dy[k]}, {yy[k]}, {at::ones_like(dy[k])}, /*retain_graph=*/true,
                                   /*create_graph=*/needs_graph, /*allow_unused=*/true);
    A.push_back(g[0].defined() ? (needs_graph ? g[0] : g[0].detach()) : at::zeros_like(y[k]));
  }
  if (dy_out != nullptr) {
    dy_out->clear();
    for (auto& d : dy) dy_out->push_back(needs_graph ? d : d.detach());
  }
  return A;
}

StepFunction make_exponential_euler_step(OdeFunction f, CoefficientFunction coefficient, Tensors params) {
  TORCH_CHECK(f, "exp_euler: the equation is empty");
  TORCH_CHECK(coefficient, "exp_euler: the coefficient function is empty");
  return [f = std::move(f), coefficient = std::move(coefficient), params = std::move(params)](
             const Tensors& y, double t, double dt) {
    Tensors dy = evaluate_checked(f, y, t, params, "exp_euler");
    Tensors A = coefficient(y, t, params);
    return exponential_euler_step(y, dy, A, dt);
  };
}

StepFunction make_exponential_euler_auto_step(OdeFunction f, Tensors params, bool constant_coefficient) {
  TORCH_CHECK(f, "exp_euler_auto: the equation is empty");
  // The cached coefficient of constant_coefficient mode, filled on the first step.
  auto cache = std::make_shared<Tensors>();
  return [f = std::move(f), params = std::move(params), constant_coefficient, cache](const Tensors& y, double t,
                                                                                     double dt) {
    Tensors dy, A;
    if (constant_coefficient) {
      if (cache->empty()) *cache = diagonal_coefficient(f, y, t, params);
      A = *cache;
      dy = evaluate_checked(f, y, t, params, "exp_euler_auto");
    } else {
      A = diagonal_coefficient(f, y, t, params, &dy);
    }
    return exponential_euler_step(y, dy, A, dt);
  };
}

}  // namespace braintorch::solvers
