// Bad input to the ODE solvers fails with messages that name the problem.
#include <ATen/TensorOperators.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include "braintorch/solvers/adaptive_integration.h"
#include "braintorch/solvers/exponential_euler.h"
#include "braintorch/solvers/integrator_runner.h"
#include "braintorch/solvers/ode_step.h"

using namespace braintorch;
using solvers::Tensors;

namespace {
auto kD = at::TensorOptions().dtype(at::kDouble);

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

solvers::OdeFunction decay() {
  return [](const Tensors& y, double, const Tensors&) { return Tensors{-y[0], -y[1]}; };
}
}  // namespace

TEST(OdeErrors, UnknownMethodListsValidNames) {
  const std::string msg = error_of([] { solvers::make_ode_step(decay(), "rk5"); });
  for (const char* name : {"rk5", "euler", "rk4_38rule", "ralston4", "rkf45", "BoSh3", "heun_euler", "exp_auto",
                           "exponential_euler"}) {
    EXPECT_NE(msg.find(name), std::string::npos) << name << " missing from: " << msg;
  }
  // Aliases and case are accepted.
  EXPECT_NO_THROW(solvers::make_ode_step(decay(), "BoSh3"));
  EXPECT_NO_THROW(solvers::make_ode_step(decay(), "RK4"));
  EXPECT_NO_THROW(solvers::make_ode_step(decay(), "exp_euler_auto"));
  EXPECT_NE(error_of([] { solvers::integrate_adaptive(decay(), "rk4", {}, 0, 1, {}); }).find("embedded"),
            std::string::npos);
}

TEST(OdeErrors, NonPositiveDt) {
  Tensors y{at::tensor({1.0}, kD), at::tensor({2.0}, kD)};
  for (const std::string m : {"rk4", "rkdp", "exp_euler"}) {
    auto step = solvers::make_ode_step(decay(), m);
    EXPECT_NE(error_of([&] { step(y, 0.0, 0.0); }).find("dt"), std::string::npos) << m;
    EXPECT_NE(error_of([&] { step(y, 0.0, -0.1); }).find("dt"), std::string::npos) << m;
  }
  EXPECT_NE(error_of([&] { solvers::integrate(solvers::make_ode_step(decay(), "rk4"), y, 0, -1.0, 3); }).find("dt"),
            std::string::npos);
}

TEST(OdeErrors, DerivativeMismatchNamesTheState) {
  Tensors y{at::tensor({1.0}, kD), at::tensor({2.0, 3.0}, kD)};
  solvers::OdeFunction too_few = [](const Tensors& s, double, const Tensors&) { return Tensors{-s[0]}; };
  solvers::OdeFunction bad_shape = [](const Tensors& s, double, const Tensors&) { return Tensors{-s[0], -s[0]}; };
  for (const std::string m : {"euler", "rk4", "exp_euler"}) {
    const std::string count = error_of([&] { solvers::make_ode_step(too_few, m)(y, 0.0, 0.1); });
    EXPECT_NE(count.find("1 derivatives for 2 states"), std::string::npos) << m << ": " << count;
    const std::string shape = error_of([&] { solvers::make_ode_step(bad_shape, m)(y, 0.0, 0.1); });
    EXPECT_NE(shape.find("state 1"), std::string::npos) << m << ": " << shape;
  }
  solvers::AdaptiveOptions o;
  EXPECT_NE(error_of([&] { solvers::integrate_adaptive(bad_shape, "rkf45", y, 0, 1, {}, o); }).find("state 1"),
            std::string::npos);
  o.rtol = -1;
  EXPECT_NE(error_of([&] { solvers::integrate_adaptive(decay(), "rkf45", y, 0, 1, {}, o); }).find("rtol"),
            std::string::npos);
}
