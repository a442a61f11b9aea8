// Delay solvers on y'(t) = -y(t - 1), history y = 1 for t <= 0. Method of steps gives the exact
// piecewise polynomial on [0, 3]:
//   [0,1]: 1 - t;  [1,2]: t^2/2 - 2t + 3/2;  [2,3]: -1/2 - (t-1)^3/6 + (t-1)^2 - 3t/2 + 13/6.
// dt = 3 / n with n = 3 * 2^k + 1 puts t - 1 off the grid, so rounding the delayed read costs O(dt).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "braintorch/solvers/delay_solvers.h"
#include "sde_test_paths.h"

namespace bs = braintorch::solvers;

namespace {

double exact(double t) {
  if (t <= 0) return 1.0;
  if (t <= 1) return 1 - t;
  if (t <= 2) return t * t / 2 - 2 * t + 1.5;
  const double s = t - 1;
  return -0.5 - s * s * s / 6 + s * s - 1.5 * t + 13.0 / 6;
}

double max_error(const std::string& method, const std::string& interp, int64_t n) {
  bs::DdeOptions o;
  o.method = method;
  o.interpolation = interp;
  o.delays = {1.0};
  auto f = [](const bs::Tensors&, const bs::Tensors& yd, double, const bs::Tensors&) { return bs::Tensors{-yd[0]}; };
  bs::DelayStepper s(f, o, {});
  bs::Tensors y{at::ones({1}, at::kDouble)};
  const double dt = 3.0 / double(n);
  double err = 0;
  for (int64_t k = 0; k < n; ++k) {
    y = s.step(y, k * dt, dt);
    err = std::max(err, std::abs(y[0].item<double>() - exact((k + 1) * dt)));
  }
  return err;
}

double order(const std::string& method, const std::string& interp) {
  std::vector<double> dts, errs;
  for (int k = 4; k <= 8; ++k) {
    const int64_t n = 3 * (int64_t(1) << k) + 1;
    dts.push_back(3.0 / n);
    errs.push_back(max_error(method, interp, n));
  }
  return bs::testing::fitted_order(dts, errs);
}

TEST(DdeOrder, EulerRoundIsOrderOne) { EXPECT_NEAR(order("euler", "round"), 1.0, 0.15); }
TEST(DdeOrder, HeunRoundIsOrderOne) { EXPECT_NEAR(order("heun", "round"), 1.0, 0.15); }
TEST(DdeOrder, HeunLinearIsOrderTwo) { EXPECT_NEAR(order("heun", "linear"), 2.0, 0.15); }
TEST(DdeOrder, EulerLinearIsOrderOne) { EXPECT_NEAR(order("euler", "linear"), 1.0, 0.15); }

TEST(DdeHistory, HistoryFunctionIsUsedBeforeT0) {
  // y' = y(t - 0.5), history phi(t) = t: on [0, 0.5] y' = t - 0.5, y(0) = 0 -> y = t^2/2 - t/2.
  bs::DdeOptions o;
  o.method = "heun";
  o.interpolation = "linear";
  o.delays = {0.5};
  auto f = [](const bs::Tensors&, const bs::Tensors& yd, double, const bs::Tensors&) { return bs::Tensors{yd[0]}; };
  auto hist = [](double t) { return bs::Tensors{at::full({1}, t, at::kDouble)}; };
  bs::DelayStepper s(f, o, {}, hist);
  bs::Tensors y{at::zeros({1}, at::kDouble)};
  const double dt = 0.05;
  for (int k = 0; k < 10; ++k) y = s.step(y, k * dt, dt);
  EXPECT_NEAR(y[0].item<double>(), 0.125 - 0.25, 1e-13);  // Heun is exact for a linear right-hand side
}

TEST(DdeGradients, DelayedReadsCarryGradients) {
  at::Tensor y0 = torch::tensor({1.0}, at::kDouble).requires_grad_(true);
  bs::DdeOptions o;
  o.method = "heun";
  o.interpolation = "linear";
  o.delays = {0.3};
  auto f = [](const bs::Tensors&, const bs::Tensors& yd, double, const bs::Tensors&) { return bs::Tensors{-yd[0]}; };
  bs::DelayStepper s(f, o, {});
  bs::Tensors y{y0};
  for (int k = 0; k < 40; ++k) y = s.step(y, k * 0.05, 0.05);
  y[0].backward();
  // The equation is linear with constant history y0, so y_T = c * y0 and dy_T/dy0 = y_T / y0.
  EXPECT_NEAR(y0.grad().item<double>(), y[0].item<double>(), 1e-12);
}

TEST(DdeErrors, BadInputs) {
  auto f = [](const bs::Tensors&, const bs::Tensors& yd, double, const bs::Tensors&) { return bs::Tensors{-yd[0]}; };
  bs::DdeOptions o;
  o.delays = {-1.0};
  EXPECT_THROW(bs::DelayStepper(f, o, {}), c10::Error);
  o.delays = {1.0};
  o.method = "rk45";
  try {
    bs::DelayStepper(f, o, {});
    ADD_FAILURE();
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("valid: euler, heun"), std::string::npos);
  }
  o.method = "euler";
  o.interpolation = "cubic";
  EXPECT_THROW(bs::DelayStepper(f, o, {}), c10::Error);
  o.interpolation = "round";
  bs::DelayStepper s(f, o, {});
  bs::Tensors y{at::ones({1}, at::kDouble)};
  EXPECT_THROW(s.step(y, 0, 0.0), c10::Error);
  EXPECT_THROW(s.step(y, 0, 2.0), c10::Error);  // delay shorter than dt
  bs::DdeOptions two = o;
  EXPECT_THROW(bs::DelayStepper(f, two, {}).step({y[0], y[0]}, 0, 0.1), c10::Error);  // 1 delay, 2 states
}

}  // namespace
