#include "braintorch/solvers/integrator_runner.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace braintorch::solvers {

namespace {

void check_step_output(const Tensors& next, const Tensors& prev, int64_t step_index) {
  TORCH_CHECK(next.size() == prev.size(), "integrate: step ", step_index, " returned ", next.size(),
              " state tensors, the initial state has ", prev.size());
  for (size_t i = 0; i < next.size(); ++i) {
    TORCH_CHECK(next[i].sizes() == prev[i].sizes(), "integrate: step ", step_index, " returned state ", i,
                " with shape ", next[i].sizes(), ", expected ", prev[i].sizes());
  }
}

}  // namespace

IntegrationResult integrate(const StepFunction& step, Tensors y0, double t0, double dt, int64_t n_steps,
                            const std::vector<int>& monitored, int64_t every) {
  TORCH_CHECK(step, "integrate: the step function is empty");
  TORCH_CHECK(std::isfinite(dt) && dt > 0, "integrate: dt must be positive and finite, got ", dt);
  TORCH_CHECK(n_steps >= 0, "integrate: n_steps must be >= 0, got ", n_steps);
  TORCH_CHECK(every >= 1, "integrate: every must be >= 1, got ", every);
  for (size_t i = 0; i < y0.size(); ++i) TORCH_CHECK(y0[i].defined(), "integrate: initial state ", i, " is undefined");

  std::vector<int> recorded = monitored;
  if (recorded.empty()) {
    for (size_t i = 0; i < y0.size(); ++i) recorded.push_back(static_cast<int>(i));
  }
  for (int idx : recorded) {
    TORCH_CHECK(idx >= 0 && static_cast<size_t>(idx) < y0.size(), "integrate: monitored state index ", idx,
                " is out of range for ", y0.size(), " states");
  }

  const int64_t n_records = n_steps / every + 1;
  IntegrationResult result;
  // Record times as t0 + r * every * dt (not a running sum) so they carry no accumulated rounding.
  result.times = at::arange(n_records, at::TensorOptions().dtype(at::kDouble)).mul_(static_cast<double>(every) * dt).add_(t0);
  result.trajectories.reserve(recorded.size());
  for (int idx : recorded) {
    std::vector<int64_t> shape{n_records};
    for (int64_t s : y0[idx].sizes()) shape.push_back(s);
    result.trajectories.push_back(at::empty(shape, y0[idx].options()));
  }
  auto record = [&](const Tensors& y, int64_t r) {
    for (size_t m = 0; m < recorded.size(); ++m) result.trajectories[m].select(0, r).copy_(y[recorded[m]]);
  };

  Tensors y = std::move(y0);
  record(y, 0);
  for (int64_t n = 0; n < n_steps; ++n) {
    // t from the step index, not accumulated, for the same reason as the record times.
    const double t = t0 + static_cast<double>(n) * dt;
    Tensors next = step(y, t, dt);
    check_step_output(next, y, n);
    y = std::move(next);
    if ((n + 1) % every == 0) record(y, (n + 1) / every);
  }
  result.final_state = std::move(y);
  return result;
}

IntegrationResult integrate_for(const StepFunction& step, Tensors y0, double t0, double dt, double duration,
                                const std::vector<int>& monitored, int64_t every) {
  TORCH_CHECK(std::isfinite(dt) && dt > 0, "integrate_for: dt must be positive and finite, got ", dt);
  TORCH_CHECK(std::isfinite(duration) && duration >= 0, "integrate_for: duration must be >= 0, got ", duration);
  const double steps = duration / dt;
  const double rounded = std::round(steps);
  TORCH_CHECK(std::abs(steps - rounded) <= 1e-9 * std::max(1.0, steps), "integrate_for: duration ", duration,
              " is not a whole number of steps of dt ", dt);
  return integrate(step, std::move(y0), t0, dt, static_cast<int64_t>(rounded), monitored, every);
}

}  // namespace braintorch::solvers
