// JointEq against the same system written as one equation; the integration runner's records.
#include <ATen/TensorOperators.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/tensor.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>

#include "braintorch/solvers/integrator_runner.h"
#include "braintorch/solvers/joint_eq.h"
#include "braintorch/solvers/ode_step.h"

using namespace braintorch;
using solvers::Tensors;

namespace {
auto kD = at::TensorOptions().dtype(at::kDouble);
}

TEST(OdeJointEq, MatchesMonolithicSystem) {
  c10::InferenceMode guard;
  // Part "x": x' = -x + y z ; part "yz": y' = -2 y + x, z' = -z + sin(t) x. Parameters shared.
  solvers::JointEq joint({{"x", 1, [](const Tensors& s, double, const Tensors& p) { return Tensors{-s[0] + s[1] * s[2] * p[0]}; }},
                          {"yz", 2, [](const Tensors& s, double t, const Tensors&) {
                             return Tensors{-2 * s[1] + s[0], -s[2] + std::sin(t) * s[0]};
                           }}});
  solvers::OdeFunction mono = [](const Tensors& s, double t, const Tensors& p) {
    return Tensors{-s[0] + s[1] * s[2] * p[0], -2 * s[1] + s[0], -s[2] + std::sin(t) * s[0]};
  };
  EXPECT_EQ(joint.n_states(), 3);
  EXPECT_EQ(joint.state_offset("yz"), 1);
  Tensors params{at::tensor({0.7}, kD)};
  Tensors y0 = joint.join({{at::tensor({1.0, 0.5}, kD)}, {at::tensor({0.2, -0.3}, kD), at::tensor({0.4, 0.1}, kD)}});
  for (const std::string m : {"rk4", "rkf45", "exp_euler"}) {
    auto a = solvers::integrate(solvers::make_ode_step(joint.function(), m, params), y0, 0.0, 0.01, 200);
    auto b = solvers::integrate(solvers::make_ode_step(mono, m, params), y0, 0.0, 0.01, 200);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(at::equal(a.trajectories[i], b.trajectories[i])) << m << " state " << i;
  }
  auto parts = joint.split(y0);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].size(), 2u);
  EXPECT_TRUE(at::equal(parts[1][1], y0[2]));
  // A part returning the wrong number of derivatives is named.
  solvers::JointEq bad({{"x", 1, [](const Tensors& s, double, const Tensors&) { return Tensors{s[0], s[0]}; }}});
  try {
    bad.function()({at::tensor({1.0}, kD)}, 0.0, {});
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("'x'"), std::string::npos) << e.what_without_backtrace();
  }
}

TEST(OdeRunner, RecordsEveryKStepsAndMonitors) {
  c10::InferenceMode guard;
  // x' = v, v' = -x with euler: compare every record against manual stepping.
  solvers::OdeFunction f = [](const Tensors& y, double, const Tensors&) { return Tensors{y[1], -y[0]}; };
  auto step = solvers::make_ode_step(f, "euler");
  Tensors y0{at::tensor({1.0, 2.0}, kD), at::tensor({0.0, -1.0}, kD)};
  const double dt = 0.1, t0 = 0.5;
  auto r = solvers::integrate(step, y0, t0, dt, 10, {1}, 3);
  ASSERT_EQ(r.trajectories.size(), 1u);
  ASSERT_EQ(r.trajectories[0].sizes(), (std::vector<int64_t>{4, 2}));  // records at steps 0, 3, 6, 9
  ASSERT_EQ(r.times.numel(), 4);
  Tensors y = y0;
  for (int n = 0; n <= 10; ++n) {
    if (n % 3 == 0) {
      EXPECT_TRUE(at::equal(r.trajectories[0][n / 3], y[1])) << "record " << n / 3;
      EXPECT_NEAR(r.times[n / 3].item<double>(), t0 + n * dt, 1e-15);
    }
    if (n < 10) y = step(y, t0 + n * dt, dt);
  }
  EXPECT_TRUE(at::equal(r.final_state[0], y[0]));
  EXPECT_TRUE(at::equal(r.final_state[1], y[1]));
  // Default: every state, every step; integrate_for over a duration.
  auto all = solvers::integrate_for(step, y0, 0.0, 0.1, 1.0);
  ASSERT_EQ(all.trajectories.size(), 2u);
  EXPECT_EQ(all.trajectories[0].size(0), 11);
  // n_steps = 0: only the initial record.
  auto none = solvers::integrate(step, y0, 0.0, 0.1, 0);
  EXPECT_EQ(none.trajectories[0].size(0), 1);
  EXPECT_THROW(solvers::integrate(step, y0, 0.0, 0.1, 5, {2}), c10::Error);
  EXPECT_THROW(solvers::integrate(step, y0, 0.0, 0.1, 5, {}, 0), c10::Error);
  EXPECT_THROW(solvers::integrate_for(step, y0, 0.0, 0.3, 1.0), c10::Error);
}
