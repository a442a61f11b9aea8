#pragma once
// The integration method a fused model uses for its state (the same scheme on the fused and the
// differentiable path).
#include <string>

namespace braintorch {

enum class Integrator { Euler, ExpEuler };
// "euler" | "exp_euler" (aliases "exponential_euler", "exp_auto"); anything else is an error listing these.
Integrator parse_integrator(const std::string& name);
std::string integrator_name(Integrator m);

}  // namespace braintorch
