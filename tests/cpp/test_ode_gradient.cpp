// Gradients through long integrations match central finite differences (float64).
#include <ATen/TensorOperators.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

#include "braintorch/solvers/integrator_runner.h"
#include "braintorch/solvers/ode_step.h"

using namespace braintorch;
using solvers::Tensors;

namespace {

// Damped oscillator x' = v, v' = -k x - c v; params {k, c}.
solvers::OdeFunction damped() {
  return [](const Tensors& y, double, const Tensors& p) { return Tensors{y[1], -p[0] * y[0] - p[1] * y[1]}; };
}

// loss = x(T)^2 + 0.5 v(T) + sum of the recorded x trajectory * 1e-3 (so the monitors are differentiated too).
double loss_value(const std::string& method, double k, double c, double x0, double v0, int64_t n, double dt) {
  auto o = at::TensorOptions().dtype(at::kDouble);
  auto step = solvers::make_ode_step(damped(), method, {at::tensor({k}, o), at::tensor({c}, o)});
  auto r = solvers::integrate(step, {at::tensor({x0}, o), at::tensor({v0}, o)}, 0.0, dt, n, {0}, 100);
  auto l = r.final_state[0].pow(2).sum() + 0.5 * r.final_state[1].sum() + 1e-3 * r.trajectories[0].sum();
  return l.item<double>();
}

void check_gradient(const std::string& method, int64_t n, double dt, double tol) {
  auto o = at::TensorOptions().dtype(at::kDouble);
  const double k0 = 4.0, c0 = 0.3, x00 = 1.0, v00 = -0.5;
  auto k = at::tensor({k0}, o).requires_grad_(true);
  auto c = at::tensor({c0}, o).requires_grad_(true);
  auto x0 = at::tensor({x00}, o).requires_grad_(true);
  auto v0 = at::tensor({v00}, o).requires_grad_(true);
  auto step = solvers::make_ode_step(damped(), method, {k, c});
  auto r = solvers::integrate(step, {x0, v0}, 0.0, dt, n, {0}, 100);
  auto l = r.final_state[0].pow(2).sum() + 0.5 * r.final_state[1].sum() + 1e-3 * r.trajectories[0].sum();
  auto g = torch::autograd::grad({l}, {k, c, x0, v0});
  const double h = 1e-6;
  const double fd[4] = {
      (loss_value(method, k0 + h, c0, x00, v00, n, dt) - loss_value(method, k0 - h, c0, x00, v00, n, dt)) / (2 * h),
      (loss_value(method, k0, c0 + h, x00, v00, n, dt) - loss_value(method, k0, c0 - h, x00, v00, n, dt)) / (2 * h),
      (loss_value(method, k0, c0, x00 + h, v00, n, dt) - loss_value(method, k0, c0, x00 - h, v00, n, dt)) / (2 * h),
      (loss_value(method, k0, c0, x00, v00 + h, n, dt) - loss_value(method, k0, c0, x00, v00 - h, n, dt)) / (2 * h)};
  const char* names[4] = {"k", "c", "x0", "v0"};
  for (int i = 0; i < 4; ++i) {
    const double a = g[i].item<double>();
    EXPECT_NEAR(a, fd[i], tol * std::max(1.0, std::abs(fd[i]))) << method << " d loss / d " << names[i];
  }
}

}  // namespace

TEST(OdeGradient, Rk4ThousandStepsMatchesFiniteDifferences) { check_gradient("rk4", 1000, 0.01, 1e-7); }

TEST(OdeGradient, OtherMethodsMatchFiniteDifferences) {
  check_gradient("rkdp", 300, 0.01, 1e-7);
  check_gradient("midpoint", 300, 0.01, 1e-7);
  // exp_euler with the automatic coefficient: d f_k / d y_k depends on the parameter c, so the
  // gradient flows through the autograd-computed coefficient as well (create_graph).
  check_gradient("exp_euler", 300, 0.01, 1e-7);
}
