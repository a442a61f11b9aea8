#pragma once
// Fractional differential equations with the Caputo derivative, D^alpha y = f(y, t), 0 < alpha <= 1
// (BrainPy's fdeint). Methods (BrainPy names accepted):
//   l1 / CaputoL1Schema:        L1 discretisation of the Caputo derivative at t_{n+1};
//                               order 2 - alpha when f does not depend on y.
//   euler / CaputoEuler:        fractional forward Euler (product rectangle rule); order 1 for smooth data.
//   short-memory / GLShortMemory: Grunwald-Letnikov applied to y - y0 with the memory cut to num_memory
//                               steps (order 1 with full memory; a short memory leaves an error floor).
// The right-hand side is evaluated at (y_n, t_{n+1}) by l1 and short-memory, at (y_n, t_n) by euler
// (all explicit). Every method keeps the last
// num_memory steps in a preallocated history buffer (a ring indexed modulo num_memory); older terms
// are dropped (the "short memory principle"), so num_memory >= the number of steps gives the full scheme.
// The buffer is written in place when no gradient is requested; when the states or parameters require
// grad it is updated functionally (index_copy), so gradients flow through the whole history.
#include <cstdint>
#include <memory>
#include <string>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

enum class FdeMethod { CaputoL1, CaputoEuler, GLShortMemory };

FdeMethod parse_fde_method(const std::string& name);

struct FdeOptions {
  std::string method = "l1";
  double alpha = 1.0;          // the Caputo order, in (0, 1]
  int64_t num_memory = 1000;   // steps of history kept
};

// A stateful stepper: the first call fixes y0, t0 and dt (the history is on a uniform grid); every
// later call must continue from the previous one with the same dt. reset() starts a new trajectory.
class FractionalStepper {
 public:
  FractionalStepper(OdeFunction f, const FdeOptions& options, Tensors params);
  Tensors step(const Tensors& y, double t, double dt);
  void reset();
  FdeMethod method() const { return method_; }
  // A StepFunction sharing this stepper's state.
  static StepFunction make(OdeFunction f, const FdeOptions& options, Tensors params);

 private:
  OdeFunction f_;
  FdeMethod method_;
  double alpha_;
  int64_t memory_;
  Tensors params_;
  int64_t n_ = 0;       // steps taken
  double dt_ = 0, t0_ = 0;
  Tensors y0_;
  Tensors history_;     // per state: (memory, numel) ring of past increments / f values / y - y0
  at::Tensor weights_;  // (memory + 1) kernel weights, weights_[k] for lag k
};

}  // namespace braintorch::solvers
