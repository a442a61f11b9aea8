#include "braintorch/core/integrator.h"

#include <c10/util/Exception.h>

#include "braintorch/models/registry.h"

namespace braintorch {

namespace {
constexpr const char* kValid = "valid: euler, exp_euler (aliases exponential_euler, exp_euler_auto, exp_auto)";
}

// Names go through the solver registry (models::parse_fused_method), so an alias means here what it
// means for every other solver; only the two schemes with a closed-form synaptic decay are accepted.
Integrator parse_integrator(const std::string& name) {
  models::Method m;
  bool fused = false;
  try {
    fused = models::parse_fused_method(name, &m);
  } catch (const c10::Error&) {
    TORCH_CHECK(false, "unknown integration method '", name, "'; ", kValid);
  }
  TORCH_CHECK(fused && (m == models::Method::Euler || m == models::Method::ExpEuler), "integration method '", name,
              "' is a solver of solvers::make_ode_step that the exponential synapse and LIFOptions do not "
              "implement; ",
              kValid);
  return m == models::Method::Euler ? Integrator::Euler : Integrator::ExpEuler;
}

std::string integrator_name(Integrator m) { return m == Integrator::Euler ? "euler" : "exp_euler"; }

}  // namespace braintorch
