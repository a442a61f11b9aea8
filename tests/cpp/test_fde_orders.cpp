// Fractional (Caputo) solvers against analytic solutions:
//  * manufactured y = t^2, D^a t^2 = 2 t^(2-a) / Gamma(3-a): L1 order 2 - a, Euler and GL order 1;
//  * fractional relaxation D^a y = -lambda y, y = E_a(-lambda t^a) (Mittag-Leffler, by its series).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "braintorch/solvers/fractional_solvers.h"
#include "sde_test_paths.h"

namespace bs = braintorch::solvers;

namespace {

double mittag_leffler(double a, double z) {
  double sum = 0;
  for (int k = 0; k < 200; ++k) {
    const double term = std::pow(z, k) / std::tgamma(a * k + 1);
    if (!std::isfinite(term)) break;
    sum += term;
    if (k > 5 && std::abs(term) < 1e-17) break;
  }
  return sum;
}

double solve_at(const std::string& method, double alpha, int64_t steps, int64_t memory, const bs::OdeFunction& f,
                double y0, double T) {
  bs::FdeOptions o;
  o.method = method;
  o.alpha = alpha;
  o.num_memory = memory;
  bs::FractionalStepper s(f, o, {});
  bs::Tensors y{at::full({1}, y0, at::kDouble)};
  const double dt = T / double(steps);
  for (int64_t n = 0; n < steps; ++n) y = s.step(y, n * dt, dt);
  return y[0].item<double>();
}

bs::OdeFunction square_rhs(double a) {
  return [a](const bs::Tensors& y, double t, const bs::Tensors&) {
    return bs::Tensors{at::full_like(y[0], 2 * std::pow(t, 2 - a) / std::tgamma(3 - a))};
  };
}

double order_on_square(const std::string& method, double a) {
  std::vector<double> dts, errs;
  for (int64_t n : {32, 64, 128, 256, 512}) {
    dts.push_back(1.0 / n);
    errs.push_back(std::abs(solve_at(method, a, n, n, square_rhs(a), 0.0, 1.0) - 1.0));
  }
  return bs::testing::fitted_order(dts, errs);
}

TEST(FdeOrder, CaputoL1IsTwoMinusAlphaOnTSquared) {
  for (double a : {0.3, 0.5, 0.8}) EXPECT_NEAR(order_on_square("CaputoL1Schema", a), 2 - a, 0.15) << "alpha " << a;
}

TEST(FdeOrder, CaputoEulerIsOrderOneOnTSquared) {
  for (double a : {0.5, 0.8}) EXPECT_NEAR(order_on_square("CaputoEuler", a), 1.0, 0.15) << "alpha " << a;
}

TEST(FdeOrder, GrunwaldLetnikovFullMemoryIsOrderOneOnTSquared) {
  for (double a : {0.5, 0.8}) EXPECT_NEAR(order_on_square("GLShortMemory", a), 1.0, 0.15) << "alpha " << a;
}

TEST(FdeOrder, AlphaOneL1IsForwardEulerInTime) {
  // With alpha = 1 and f(t) = 2t evaluated at t_{n+1}: y_{n+1} = y_n + 2 t_{n+1} dt, exact sum known.
  const int64_t n = 10;
  const double got = solve_at("l1", 1.0, n, n, square_rhs(1.0), 0.0, 1.0);
  double expect = 0;
  for (int k = 1; k <= n; ++k) expect += 2.0 * (k / 10.0) * 0.1;
  EXPECT_NEAR(got, expect, 1e-13);
}

TEST(FdeRelaxation, MatchesMittagLefflerWithinStatedBound) {
  const double a = 0.7, lambda = 1.0, T = 1.0;
  auto f = [lambda](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{-lambda * y[0]}; };
  const double exact = mittag_leffler(a, -lambda * std::pow(T, a));
  for (const char* m : {"l1", "euler", "short-memory"}) {
    const double e400 = std::abs(solve_at(m, a, 400, 400, f, 1.0, T) - exact);
    const double e100 = std::abs(solve_at(m, a, 100, 100, f, 1.0, T) - exact);
    EXPECT_LT(e400, 5e-3) << m;   // stated bound at dt = 1/400
    EXPECT_LT(e400, e100) << m;   // and converging
  }
}

TEST(FdeRelaxation, ShortMemoryHasAnErrorFloor) {
  const double a = 0.7, T = 2.0;
  auto f = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{-y[0]}; };
  const double exact = mittag_leffler(a, -std::pow(T, a));
  const double full = std::abs(solve_at("short-memory", a, 800, 800, f, 1.0, T) - exact);
  const double short_mem = std::abs(solve_at("short-memory", a, 800, 50, f, 1.0, T) - exact);
  EXPECT_GT(short_mem, 2 * full);  // dropping the tail of the memory costs accuracy
}

TEST(FdeGradients, L1StepsAreDifferentiable) {
  at::Tensor lam = torch::tensor({1.0}, at::kDouble).requires_grad_(true);
  auto f = [](const bs::Tensors& y, double, const bs::Tensors& p) { return bs::Tensors{-p[0] * y[0]}; };
  bs::FdeOptions o;
  o.alpha = 0.6;
  o.num_memory = 16;
  bs::FractionalStepper s(f, o, {lam});
  bs::Tensors y{at::ones({1}, at::kDouble)};
  for (int n = 0; n < 20; ++n) y = s.step(y, n * 0.05, 0.05);
  y[0].sum().backward();
  // finite-difference check of d y_T / d lambda
  auto run = [&](double l) {
    auto fl = [l](const bs::Tensors& x, double, const bs::Tensors&) { return bs::Tensors{-l * x[0]}; };
    bs::FractionalStepper s2(fl, o, {});
    bs::Tensors x{at::ones({1}, at::kDouble)};
    for (int n = 0; n < 20; ++n) x = s2.step(x, n * 0.05, 0.05);
    return x[0].item<double>();
  };
  const double fd = (run(1.0 + 1e-6) - run(1.0 - 1e-6)) / 2e-6;
  EXPECT_NEAR(lam.grad().item<double>(), fd, 1e-7);
}

TEST(FdeErrors, BadInputs) {
  auto f = square_rhs(0.5);
  bs::FdeOptions o;
  o.alpha = 1.5;
  EXPECT_THROW(bs::FractionalStepper(f, o, {}), c10::Error);
  o.alpha = 0.0;
  EXPECT_THROW(bs::FractionalStepper(f, o, {}), c10::Error);
  o.alpha = 0.5;
  o.method = "rk4";
  try {
    bs::FractionalStepper(f, o, {});
    ADD_FAILURE();
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("valid: l1"), std::string::npos);
  }
  o.method = "l1";
  bs::FractionalStepper s(f, o, {});
  bs::Tensors y{at::zeros({1}, at::kDouble)};
  EXPECT_THROW(s.step(y, 0, -0.1), c10::Error);
  s.step(y, 0, 0.1);
  EXPECT_THROW(s.step(y, 0.1, 0.2), c10::Error);  // dt changed
  EXPECT_THROW(s.step({at::zeros({2}, at::kDouble)}, 0.1, 0.1), c10::Error);  // shape changed
}

}  // namespace
