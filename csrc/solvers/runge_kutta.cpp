#include "braintorch/solvers/runge_kutta.h"

#include <ATen/ops/add.h>
#include <ATen/ops/mul.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <utility>

#include "braintorch/solvers/derivative_check.h"

namespace braintorch::solvers {

RungeKutta::RungeKutta(ButcherTableau tableau) : tableau_(std::move(tableau)) {}

Tensors RungeKutta::combine(const Tensors& y, const std::vector<Tensors>& k, const std::vector<double>& w, double dt) {
  Tensors out;
  out.reserve(y.size());
  for (size_t s = 0; s < y.size(); ++s) {
    at::Tensor acc;
    for (size_t j = 0; j < w.size(); ++j) {
      if (w[j] == 0.0) continue;
      // The first term allocates a fresh tensor; later terms accumulate into it in place, which autograd
      // allows (add does not save its inputs) and which never touches the caller's state tensors.
      if (!acc.defined()) {
        acc = at::add(y[s], k[j][s], w[j] * dt);
      } else {
        acc.add_(k[j][s], w[j] * dt);
      }
    }
    out.push_back(acc.defined() ? acc : y[s]);
  }
  return out;
}

Tensors RungeKutta::step(const OdeFunction& f, const Tensors& y, double t, double dt, const Tensors& params) const {
  TORCH_CHECK(std::isfinite(dt) && dt > 0, tableau_.name, ": dt must be positive and finite, got ", dt);
  const int s = tableau_.stages();
  std::vector<Tensors> k;
  k.reserve(s);
  for (int i = 0; i < s; ++i) {
    Tensors yi = i == 0 ? y : combine(y, k, tableau_.a[i], dt);
    k.push_back(evaluate_checked(f, yi, t + tableau_.c[i] * dt, params, tableau_.name.c_str()));
  }
  return combine(y, k, tableau_.b, dt);
}

RungeKutta::EmbeddedStep RungeKutta::step_with_error(const OdeFunction& f, const Tensors& y, double t, double dt,
                                                     const Tensors& params, const Tensors& k1) const {
  TORCH_CHECK(tableau_.adaptive(), tableau_.name, " has no embedded error estimate");
  TORCH_CHECK(std::isfinite(dt) && dt > 0, tableau_.name, ": dt must be positive and finite, got ", dt);
  const int s = tableau_.stages();
  EmbeddedStep out;
  std::vector<Tensors> k;
  k.reserve(s);
  for (int i = 0; i < s; ++i) {
    if (i == 0 && !k1.empty()) {
      check_derivatives(k1, y, tableau_.name.c_str());
      k.push_back(k1);
      continue;
    }
    Tensors yi = i == 0 ? y : combine(y, k, tableau_.a[i], dt);
    k.push_back(evaluate_checked(f, yi, t + tableau_.c[i] * dt, params, tableau_.name.c_str()));
    ++out.evaluations;
  }
  out.y_new = combine(y, k, tableau_.b, dt);
  std::vector<double> diff(s);
  for (int j = 0; j < s; ++j) diff[j] = tableau_.b[j] - tableau_.b_low[j];
  out.error.reserve(y.size());
  for (size_t st = 0; st < y.size(); ++st) {
    at::Tensor e;
    for (int j = 0; j < s; ++j) {
      if (diff[j] == 0.0) continue;
      if (!e.defined()) {
        e = at::mul(k[j][st], diff[j] * dt);
      } else {
        e.add_(k[j][st], diff[j] * dt);
      }
    }
    out.error.push_back(e.defined() ? e : at::mul(y[st], 0.0));
  }
  out.k_last = std::move(k.back());
  return out;
}

StepFunction make_runge_kutta_step(OdeFunction f, const std::string& method, Tensors params) {
  TORCH_CHECK(f, "make_runge_kutta_step: the equation is empty");
  auto rk = std::make_shared<RungeKutta>(method);
  return [rk, f = std::move(f), params = std::move(params)](const Tensors& y, double t, double dt) {
    return rk->step(f, y, t, dt, params);
  };
}

}  // namespace braintorch::solvers
