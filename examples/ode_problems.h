#pragma once
// Test problems with analytic solutions and the global-error order measurement shared by the ODE
// order example (examples/ode_order_table.cpp) and the order tests (tests/cpp/test_ode_order.cpp).
#include <ATen/TensorOperators.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/full.h>
#include <ATen/ops/sin.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "braintorch/solvers/integrator_runner.h"

namespace braintorch::ode_problems {

using solvers::OdeFunction;
using solvers::StepFunction;
using solvers::Tensors;

struct Problem {
  std::string name;
  OdeFunction f;
  Tensors y0;
  double t_end;
  // y(t), one value per state (every element of a state is the same).
  std::function<std::vector<double>(double)> exact;
};

inline at::Tensor scalar_state(double v) { return at::full({1}, v, at::TensorOptions().dtype(at::kDouble)); }

// y' = -a y + sin t, a = 2, y(0) = 1 on [0, 2]: linear, non-autonomous (tests the stage times c).
inline Problem linear_forced() {
  const double a = 2, y0 = 1, T = 2;
  const double C = y0 + 1 / (1 + a * a);
  return {"y' = -2y + sin t",
          [a](const Tensors& y, double t, const Tensors&) { return Tensors{y[0] * (-a) + std::sin(t)}; },
          {scalar_state(y0)},
          T,
          [=](double t) {
            return std::vector<double>{C * std::exp(-a * t) + (a * std::sin(t) - std::cos(t)) / (1 + a * a)};
          }};
}

// x' = v, v' = -w^2 x, w = 2, (x, v)(0) = (1, 0) on [0, 2]: two coupled states.
inline Problem harmonic_oscillator() {
  const double w = 2, T = 2;
  return {"harmonic oscillator (2 states)",
          [w](const Tensors& y, double, const Tensors&) { return Tensors{y[1], y[0] * (-w * w)}; },
          {scalar_state(1.0), scalar_state(0.0)},
          T,
          [w](double t) { return std::vector<double>{std::cos(w * t), -w * std::sin(w * t)}; }};
}

// y' = y (1 - y), y(0) = 0.5 on [0, 4]: nonlinear logistic, y = 1 / (1 + e^{-t}). (Chosen over y' = y^2
// because the fifth-order pairs reach their asymptotic rate on it within double precision.)
inline Problem logistic() {
  return {"logistic y' = y(1-y)",
          [](const Tensors& y, double, const Tensors&) { return Tensors{y[0] * (1 - y[0])}; },
          {scalar_state(0.5)},
          4.0,
          [](double t) { return std::vector<double>{1 / (1 + std::exp(-t))}; }};
}

// Global error after n steps of `step`: the max abs error over every state at the times T j / n_grid,
// j = 1..n_grid (n a multiple of n_grid). A sup norm over the trajectory rather than the error at T
// alone, because the leading error term of a method can cross zero near any single time and fake an
// order.
inline double global_error(const StepFunction& step, const Problem& p, int64_t n, int64_t n_grid) {
  auto r = solvers::integrate(step, p.y0, 0.0, p.t_end / static_cast<double>(n), n, {}, n / n_grid);
  double err = 0;
  for (int64_t j = 1; j <= n_grid; ++j) {
    const std::vector<double> exact = p.exact(r.times[j].item<double>());
    for (size_t i = 0; i < exact.size(); ++i) {
      err = std::max(err, (r.trajectories[i][j] - exact[i]).abs().max().item<double>());
    }
  }
  return err;
}

// Step counts of the sweep for a method of order `order`: coarse enough that the error stays far above
// double round-off, fine enough to be in the asymptotic regime.
inline std::vector<int64_t> step_counts(int order) {
  switch (order) {
    case 1: return {400, 800, 1600};
    case 2: return {100, 200, 400};
    case 3: return {40, 80, 160};
    case 4: return {20, 40, 80};
    default: return {40, 80, 160};
  }
}

// Least-squares slope of log(error) against log(dt) over the sweep.
inline double measured_order(const StepFunction& step, const Problem& p, const std::vector<int64_t>& counts) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double m = static_cast<double>(counts.size());
  for (int64_t n : counts) {
    const double x = std::log(p.t_end / static_cast<double>(n));
    const double y = std::log(global_error(step, p, n, counts.front()));
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

}  // namespace braintorch::ode_problems
