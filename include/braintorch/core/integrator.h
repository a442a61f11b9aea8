#pragma once
// The integration method a fused model uses for its state (the same scheme on the fused and the
// differentiable path).
#include <string>

namespace braintorch {

enum class Integrator { Euler, ExpEuler };
// Names as the solver registry spells them (solvers/ode_step.h, case-insensitive): "euler" | "exp_euler"
// (aliases "exponential_euler", "exp_euler_auto", "exp_auto"). Another registry method (rk4, ...) fails
// saying the fused models do not implement it; an unknown name fails listing the valid ones.
// test_fused_model_solver_scheme.cpp checks that both schemes equal make_ode_step's on the LIF equation.
Integrator parse_integrator(const std::string& name);
std::string integrator_name(Integrator m);

}  // namespace braintorch
