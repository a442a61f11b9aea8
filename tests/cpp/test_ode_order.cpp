// Global convergence order of every ODE method against analytic solutions (float64).
#include <ATen/TensorOperators.h>
#include <ATen/ops/exp.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/tensor.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>

#include "braintorch/solvers/butcher_tableau.h"
#include "braintorch/solvers/exponential_euler.h"
#include "braintorch/solvers/ode_step.h"
#include "examples/ode_problems.h"

using namespace braintorch;
using namespace braintorch::ode_problems;
using solvers::Tensors;

namespace {

const std::vector<std::string> kMethods{"euler", "midpoint", "heun2", "ralston2", "rk2", "rk3", "heun3", "ralston3",
                                        "ssprk3", "rk4", "ralston4", "rk4_38rule",
                                        // embedded pairs in fixed-step mode (higher-order solution)
                                        "heun_euler", "rkf12", "bs", "rkf45", "rkdp", "ck"};

void expect_order(const std::string& method, const Problem& p) {
  const int order = solvers::ode_method_order(method);
  const double q = measured_order(solvers::make_ode_step(p.f, method), p, step_counts(order));
  EXPECT_NEAR(q, order, 0.15) << method << " on " << p.name;
}

}  // namespace

TEST(OdeOrder, TableauxAreConsistent) {
  // Row sums of A equal c, weights sum to 1: the first-order conditions every tableau must meet.
  for (const auto& m : kMethods) {
    const auto& tab = solvers::butcher_tableau(m);
    double sb = 0, sbl = 0;
    for (int i = 0; i < tab.stages(); ++i) {
      double row = 0;
      for (double a : tab.a[i]) row += a;
      EXPECT_NEAR(row, tab.c[i], 1e-14) << m << " row " << i;
      sb += tab.b[i];
      if (tab.adaptive()) sbl += tab.b_low[i];
    }
    EXPECT_NEAR(sb, 1.0, 1e-14) << m;
    if (tab.adaptive()) EXPECT_NEAR(sbl, 1.0, 1e-14) << m;
  }
  EXPECT_TRUE(solvers::butcher_tableau("rkdp").fsal());
  EXPECT_TRUE(solvers::butcher_tableau("BoSh3").fsal());
  EXPECT_FALSE(solvers::butcher_tableau("rkf45").fsal());
}

TEST(OdeOrder, LinearForced) {
  c10::InferenceMode guard;
  for (const auto& m : kMethods) expect_order(m, linear_forced());
}

TEST(OdeOrder, HarmonicOscillator) {
  c10::InferenceMode guard;
  for (const auto& m : kMethods) expect_order(m, harmonic_oscillator());
}

TEST(OdeOrder, NonlinearLogistic) {
  c10::InferenceMode guard;
  for (const auto& m : kMethods) expect_order(m, logistic());
}

TEST(OdeOrder, ExpEulerFirstOrderWhereNotLinearConstant) {
  c10::InferenceMode guard;
  // Non-autonomous forcing: first order with the automatic coefficient.
  const Problem lf = linear_forced();
  EXPECT_NEAR(measured_order(solvers::make_ode_step(lf.f, "exp_euler"), lf, step_counts(1)), 1.0, 0.15);
  // Nonlinear logistic with the supplied linear coefficient A = 1: first order.
  const Problem lg = logistic();
  auto supplied = solvers::make_exponential_euler_step(
      lg.f, [](const Tensors& y, double, const Tensors&) { return Tensors{at::ones_like(y[0])}; }, {});
  EXPECT_NEAR(measured_order(supplied, lg, step_counts(1)), 1.0, 0.15);
  // The automatic per-step coefficient on an autonomous problem is exponential Rosenbrock-Euler:
  // second order (documented, and checked so the documentation stays true).
  EXPECT_NEAR(measured_order(solvers::make_ode_step(lg.f, "exp_auto"), lg, step_counts(2)), 2.0, 0.15);
}

TEST(OdeOrder, ExpEulerExactOnLinearConstantCoefficients) {
  // No InferenceMode here: the equation captures A and b, which the automatic coefficient's autograd
  // pass must be able to save.
  // y' = A y + b per element, including A = 0 (pure drift) and tiny A (the expm1 limit).
  auto opts = at::TensorOptions().dtype(at::kDouble);
  const at::Tensor A = at::tensor({-3.0, -0.5, 0.0, 1e-12, 0.7}, opts);
  const at::Tensor b = at::tensor({1.0, -2.0, 0.5, 1.5, -0.3}, opts);
  const at::Tensor y0 = at::tensor({0.2, 1.0, -1.0, 2.0, 0.4}, opts);
  solvers::OdeFunction f = [A, b](const Tensors& y, double, const Tensors&) { return Tensors{A * y[0] + b}; };
  const double dt = 0.25, T = 5.0;
  const int64_t n = 20;
  // Exact: y(T) = e^{AT} y0 + (e^{AT} - 1)/A b (= y0 + b T where A = 0).
  at::Tensor exact = at::exp(A * T) * y0 + solvers::exprel(A * T) * b * T;
  for (bool constant : {false, true}) {
    auto step = solvers::make_exponential_euler_auto_step(f, {}, constant);
    auto r = solvers::integrate(step, {y0}, 0.0, dt, n, {0}, n);
    const double rel = ((r.final_state[0] - exact).abs() / exact.abs().clamp_min(1.0)).max().item<double>();
    EXPECT_LT(rel, 1e-13) << "constant_coefficient=" << constant;
  }
  auto supplied = solvers::make_exponential_euler_step(
      f, [A](const Tensors&, double, const Tensors&) { return Tensors{A}; }, {});
  auto r = solvers::integrate(supplied, {y0}, 0.0, dt, n, {0}, n);
  EXPECT_LT(((r.final_state[0] - exact).abs() / exact.abs().clamp_min(1.0)).max().item<double>(), 1e-13);
  // The automatic coefficient recovers A.
  auto Aauto = solvers::diagonal_coefficient(f, {y0}, 0.0, {});
  EXPECT_LT((Aauto[0] - A).abs().max().item<double>(), 1e-15);
}

TEST(OdeOrder, AutomaticCoefficientIsJacobianDiagonal) {
  // Element-wise system with cross-state coupling: f0 = -p y0 + y1 y0^2, f1 = y0 - 2 y1^3.
  // d f0 / d y0 = -p + 2 y1 y0, d f1 / d y1 = -6 y1^2 (the cross terms are ignored by design).
  c10::InferenceMode guard;  // works from inference mode, with an inference-tensor parameter
  auto opts = at::TensorOptions().dtype(at::kDouble);
  const at::Tensor y0 = at::tensor({0.3, -1.2, 2.0}, opts), y1 = at::tensor({0.5, 0.1, -0.7}, opts);
  const at::Tensor p = at::tensor({1.5, 0.2, -0.4}, opts);
  solvers::OdeFunction f = [](const Tensors& y, double, const Tensors& q) {
    return Tensors{-q[0] * y[0] + y[1] * y[0] * y[0], y[0] - 2 * y[1] * y[1] * y[1]};
  };
  Tensors dy;
  auto A = solvers::diagonal_coefficient(f, {y0, y1}, 0.0, {p}, &dy);
  EXPECT_LT((A[0] - (-p + 2 * y1 * y0)).abs().max().item<double>(), 1e-15);
  EXPECT_LT((A[1] - (-6 * y1 * y1)).abs().max().item<double>(), 1e-15);
  EXPECT_LT((dy[1] - (y0 - 2 * y1 * y1 * y1)).abs().max().item<double>(), 1e-15);
  EXPECT_FALSE(A[0].requires_grad());
}
