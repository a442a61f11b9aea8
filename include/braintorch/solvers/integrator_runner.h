#pragma once
// Drives any StepFunction over time and records chosen state tensors into preallocated trajectories
// (BrainPy's IntegratorRunner). The recording is a differentiable copy, so a loss on a trajectory
// back-propagates into the initial state and the parameters the step closes over.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

struct IntegrationResult {
  // (n_records) float64: the time of every record. Record r is taken after r * every steps, so the
  // first record is the initial state at t0.
  at::Tensor times;
  // One per monitored state, shape (n_records, *state_shape), dtype/device of that state.
  std::vector<at::Tensor> trajectories;
  // The state after the last step.
  Tensors final_state;
};

// Runs n_steps steps of size dt from (y0, t0). `monitored` lists the state indices to record (empty:
// every state); a record is taken at t0 and after every `every` steps (n_steps / every + 1 records).
IntegrationResult integrate(const StepFunction& step, Tensors y0, double t0, double dt, int64_t n_steps,
                            const std::vector<int>& monitored = {}, int64_t every = 1);

// The same over a duration: n_steps = round(duration / dt) (duration must be a whole number of steps
// to within 1e-9 relative).
IntegrationResult integrate_for(const StepFunction& step, Tensors y0, double t0, double dt, double duration,
                                const std::vector<int>& monitored = {}, int64_t every = 1);

}  // namespace braintorch::solvers
