// Adaptive embedded-pair integration: tolerance met, dense output, and efficiency on a fast transient.
#include <ATen/TensorOperators.h>
#include <ATen/ops/full.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>

#include "braintorch/solvers/adaptive_integration.h"
#include "braintorch/solvers/ode_step.h"
#include "examples/ode_problems.h"

using namespace braintorch;
using namespace braintorch::ode_problems;
using solvers::Tensors;

namespace {

const std::vector<std::string> kAdaptive{"rkf12", "rkf45", "rkdp", "ck", "bs", "BoSh3", "heun_euler"};

// y' = -k (y - cos t), y(0) = 0: a transient e^{-k t} followed by slow tracking of cos t.
struct Transient {
  double k = 50;
  double exact(double t) const {
    return (k * k * std::cos(t) + k * std::sin(t)) / (k * k + 1) - k * k / (k * k + 1) * std::exp(-k * t);
  }
  solvers::OdeFunction f() const {
    const double kk = k;
    return [kk](const Tensors& y, double t, const Tensors&) { return Tensors{(y[0] - std::cos(t)) * (-kk)}; };
  }
};

}  // namespace

TEST(OdeAdaptive, MeetsTolerance) {
  c10::InferenceMode guard;
  const Problem p = harmonic_oscillator();
  for (const auto& m : kAdaptive) {
    double loose_error = -1;
    for (double tol : {1e-4, 1e-7}) {
      solvers::AdaptiveOptions o;
      o.rtol = tol;
      o.atol = tol;
      auto r = solvers::integrate_adaptive(p.f, m, p.y0, 0.0, p.t_end, {}, o);
      const std::vector<double> exact = p.exact(p.t_end);
      double err = 0;
      for (size_t i = 0; i < exact.size(); ++i)
        err = std::max(err, std::abs(r.final_state[i].item<double>() - exact[i]));
      // Global error commensurate with the per-step tolerance (solution magnitude ~ 2).
      const double bound = 10 * tol * 3;
      EXPECT_LT(err, bound) << m << " tol " << tol;
      // 1000x tighter tolerance: at least 100x smaller global error.
      if (loose_error >= 0) EXPECT_LT(err, loose_error * 1e-2) << m;
      loose_error = err;
      EXPECT_GT(r.accepted_steps, 0) << m;
      EXPECT_GE(r.function_evaluations, r.accepted_steps) << m;
      std::printf("[tolerance] %s tol %.0e: global error %.2e, %lld accepted, %lld rejected, %lld evaluations\n",
                  m.c_str(), tol, err, static_cast<long long>(r.accepted_steps),
                  static_cast<long long>(r.rejected_steps), static_cast<long long>(r.function_evaluations));
    }
  }
}

TEST(OdeAdaptive, RejectsStepsAndCountsEvaluations) {
  c10::InferenceMode guard;
  Transient tr;
  solvers::AdaptiveOptions o;
  o.rtol = 1e-6;
  o.atol = 1e-9;
  o.dt_initial = 0.5;  // far too large for the transient: must be rejected
  auto r = solvers::integrate_adaptive(tr.f(), "rkf45", {scalar_state(0.0)}, 0.0, 1.0, {}, o);
  EXPECT_GT(r.rejected_steps, 0);
  // rkf45 (not FSAL): 5 new stages per attempted step + f at every accepted end point (first stage of
  // the next step), minus the last one, plus the initial f.
  EXPECT_EQ(r.function_evaluations, 5 * (r.accepted_steps + r.rejected_steps) + r.accepted_steps);
  EXPECT_NEAR(r.final_state[0].item<double>(), tr.exact(1.0), 1e-5);
  auto d = solvers::integrate_adaptive(tr.f(), "rkdp", {scalar_state(0.0)}, 0.0, 1.0, {}, o);
  // rkdp is FSAL: 6 new stages per attempted step + the initial f.
  EXPECT_EQ(d.function_evaluations, 6 * (d.accepted_steps + d.rejected_steps) + 1);
}

TEST(OdeAdaptive, DenseOutput) {
  c10::InferenceMode guard;
  Transient tr;
  solvers::AdaptiveOptions o;
  o.rtol = 1e-8;
  o.atol = 1e-10;
  for (int i = 0; i <= 40; ++i) o.output_times.push_back(0.05 * i);
  auto r = solvers::integrate_adaptive(tr.f(), "rkdp", {scalar_state(0.0)}, 0.0, 2.0, {}, o);
  ASSERT_EQ(r.outputs.size(), o.output_times.size());
  double err = 0;
  for (size_t i = 0; i < r.outputs.size(); ++i)
    err = std::max(err, std::abs(r.outputs[i][0].item<double>() - tr.exact(o.output_times[i])));
  EXPECT_LT(err, 1e-6);
}

TEST(OdeAdaptive, FewerEvaluationsThanRk4OnFastTransient) {
  c10::InferenceMode guard;
  Transient tr;
  const double T = 10, target = 1e-6;
  // Accuracy: max error over the grid t = 0.05 j (covers the transient and the slow phase).
  std::vector<double> grid;
  for (int j = 1; j <= 200; ++j) grid.push_back(0.05 * j);
  auto max_grid_error = [&](const std::vector<Tensors>& ys) {
    double e = 0;
    for (size_t i = 0; i < grid.size(); ++i) e = std::max(e, std::abs(ys[i][0].item<double>() - tr.exact(grid[i])));
    return e;
  };
  // Fixed-step rk4: the cheapest step count (doubling) that reaches the target.
  int64_t rk4_evals = -1;
  auto rk4 = solvers::make_ode_step(tr.f(), "rk4");
  for (int64_t per_cell = 1; per_cell <= 1024 && rk4_evals < 0; per_cell *= 2) {
    const int64_t n = 200 * per_cell;
    auto run = solvers::integrate(rk4, {scalar_state(0.0)}, 0.0, T / n, n, {0}, per_cell);
    std::vector<Tensors> ys;
    for (int j = 1; j <= 200; ++j) ys.push_back({run.trajectories[0][j]});
    if (max_grid_error(ys) <= target) rk4_evals = 4 * n;
  }
  ASSERT_GT(rk4_evals, 0);
  for (const std::string m : {"rkf45", "rkdp", "ck", "bs"}) {
    int64_t evals = -1;
    double err = 0;
    for (double tol = 1e-5; tol >= 1e-11 && evals < 0; tol /= 10) {
      solvers::AdaptiveOptions o;
      o.rtol = tol;
      o.atol = tol;
      o.output_times = grid;
      auto r = solvers::integrate_adaptive(tr.f(), m, {scalar_state(0.0)}, 0.0, T, {}, o);
      err = max_grid_error(r.outputs);
      if (err <= target) evals = r.function_evaluations;
    }
    ASSERT_GT(evals, 0) << m;
    EXPECT_LT(evals, rk4_evals) << m << " error " << err;
    std::printf("[transient] %s: %lld evaluations (rk4: %lld)\n", m.c_str(), static_cast<long long>(evals),
                static_cast<long long>(rk4_evals));
  }
}
