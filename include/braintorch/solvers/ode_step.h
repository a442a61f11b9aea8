#pragma once
// The single entry point for BrainPy's odeint method keywords: a fixed-step StepFunction for any ODE
// method name.
//   Runge-Kutta: euler, midpoint, heun2, ralston2, rk2, rk3, rk4, heun3, ralston3, ssprk3, ralston4, rk4_38rule
//   Embedded pairs, stepping with their higher-order solution: rkf12, rkf45, rkdp, ck, bs (BoSh3), heun_euler
//     (for error-controlled integration over an interval use integrate_adaptive)
//   Exponential Euler with the automatic (autograd, per-step) coefficient: exp_euler, exponential_euler,
//     exp_euler_auto, exp_auto (to supply the coefficient use make_exponential_euler_step)
// Names are case-insensitive; an unknown name fails listing every valid one.
#include <string>
#include <vector>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

StepFunction make_ode_step(OdeFunction f, const std::string& method, Tensors params = {});

// Every name make_ode_step accepts.
std::vector<std::string> ode_method_names();
// The theoretical order of a method's step (exp_euler: 1).
int ode_method_order(const std::string& method);
// The canonical name of a method keyword or alias (case-insensitive): "BoSh3" -> "bs",
// "exponential_euler" -> "exp_euler". Unknown names fail listing every valid one. Models with a fused
// step (core/integrator.h) parse their method through this, so a name means the same scheme there.
std::string canonical_ode_method(const std::string& method);

}  // namespace braintorch::solvers
