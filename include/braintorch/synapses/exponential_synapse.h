#pragma once
// Exponential synapse on the postsynaptic side (BrainPy's Expon in an AlignPost projection):
//   dg/dt = -g / tau,  g += (incoming weighted events) at each step.
// One state per postsynaptic neuron, because the kinetics are linear (see align_post_projection.h).
#include <cmath>

#include "braintorch/common/host_device.h"
#include "braintorch/core/dynamical_system.h"
#include "braintorch/core/integrator.h"

namespace braintorch {

namespace exp_synapse_math {
// Decay factor of one step: exact (exp_euler) or forward Euler.
inline double decay_factor(double dt, double tau, Integrator method) {
  return method == Integrator::ExpEuler ? std::exp(-dt / tau) : 1.0 - dt / tau;
}
// g(t + dt) = decay * g(t) + input; works for scalars and tensors.
template <typename T, typename P>
BT_HOST_DEVICE T step(const T& g, const T& input, P decay) {
  return g * decay + input;
}
}  // namespace exp_synapse_math

struct ExponentialSynapseOptions {
  double tau = 5.0;  // ms
  Integrator method = Integrator::ExpEuler;
};

class ExponentialSynapse : public DynamicalSystem {
 public:
  ExponentialSynapse(int64_t size, ExponentialSynapseOptions options = {});

  // The state's own update (decay only), used when the synapse runs alone; projections call the two
  // halves below so the event input lands between decay and output.
  void update(const Clock& clock) override;
  // Fused path, in place: g *= decay.
  void decay_in_place(double dt);
  // Differentiable: g = decay * g + input.
  void step_with_input(double dt, const at::Tensor& input);

  int64_t size() const { return size_; }
  at::Tensor& g() { return g_; }
  const ExponentialSynapseOptions& options() const { return opts_; }

 protected:
  void reset_state_impl() override;

 private:
  int64_t size_;
  ExponentialSynapseOptions opts_;
  at::Tensor g_;
};

}  // namespace braintorch
