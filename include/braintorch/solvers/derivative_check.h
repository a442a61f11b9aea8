#pragma once
// Evaluates an equation and checks that it returned one derivative per state with the state's shape:
// a model error is reported by state index instead of surfacing as a broadcasting error deep in a step.
#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

Tensors evaluate_checked(const OdeFunction& f, const Tensors& y, double t, const Tensors& params, const char* who);

// Checks a derivative list against the states (count, definedness, shape).
void check_derivatives(const Tensors& dy, const Tensors& y, const char* who);

}  // namespace braintorch::solvers
