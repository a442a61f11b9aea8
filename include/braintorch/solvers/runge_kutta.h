#pragma once
// One engine for every explicit Runge-Kutta method: a step is the tableau's linear combination of stage
// derivatives, written as out-of-place ATen arithmetic on the state tensors so autograd differentiates
// through it (to the initial state and to any parameter the equation uses).
#include <string>

#include "braintorch/solvers/butcher_tableau.h"
#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

class RungeKutta {
 public:
  explicit RungeKutta(ButcherTableau tableau);
  explicit RungeKutta(const std::string& method) : RungeKutta(butcher_tableau(method)) {}

  const ButcherTableau& tableau() const { return tableau_; }
  int order() const { return tableau_.order; }

  // One step: y(t) -> y(t + dt) with the b weights (for an embedded pair: the higher-order solution).
  Tensors step(const OdeFunction& f, const Tensors& y, double t, double dt, const Tensors& params) const;

  struct EmbeddedStep {
    Tensors y_new;   // higher-order solution (propagated)
    Tensors error;   // y_high - y_low, per state (embedded pairs only)
    Tensors k_last;  // the last stage derivative (= f(y_new, t + dt) when the tableau is FSAL)
    int evaluations = 0;
  };
  // One step that also returns the embedded error estimate. `k1`, when defined (FSAL or cached from the
  // previous accepted step), is used as the first stage instead of evaluating f(y, t).
  EmbeddedStep step_with_error(const OdeFunction& f, const Tensors& y, double t, double dt, const Tensors& params,
                               const Tensors& k1 = {}) const;

 private:
  // y + dt * sum_j w[j] * k[j] per state; returns y itself (no copy) when every weight is zero.
  static Tensors combine(const Tensors& y, const std::vector<Tensors>& k, const std::vector<double>& w, double dt);

  ButcherTableau tableau_;
};

// A StepFunction for a Runge-Kutta method (fixed-step; an embedded pair steps with its higher-order
// solution) bound to an equation and parameters.
StepFunction make_runge_kutta_step(OdeFunction f, const std::string& method, Tensors params);

}  // namespace braintorch::solvers
