#pragma once
// Leaky integrate-and-fire neurons with an absolute refractory period (BrainPy's LifRef, Brian2's
// `dv/dt = (V_rest - v + R I)/tau : volt (unless refractory)`).
#include <memory>
#include <string>

#include "braintorch/autograd/surrogate.h"
#include "braintorch/core/integrator.h"
#include "braintorch/core/neuron_group.h"
#include "braintorch/init/initializer.h"

namespace braintorch {

struct LIFOptions {
  double v_rest = -60.0;   // mV
  double v_reset = -60.0;  // mV
  double v_th = -50.0;     // mV
  double tau = 20.0;       // ms
  double tau_ref = 5.0;    // ms; refractory on [t_spike, t_spike + tau_ref): V is held in the
                           // round(tau_ref/dt) - 1 steps after the spike step (Brian2's timing)
  double r = 1.0;          // membrane resistance (input in mV per unit R)
  Integrator method = Integrator::ExpEuler;
  std::shared_ptr<Initializer> v_init;  // default: Constant(v_rest)
  SurrogateOptions surrogate;           // gradient of the threshold on the differentiable path
};

class LIF : public NeuronGroup {
 public:
  LIF(int64_t size, LIFOptions options = {});

  void update(const Clock& clock) override;
  // The fused CPU kernel integrates up to two conductance channels itself (conductance_channel.h).
  int max_channels() const override { return kMaxChannels; }

  const LIFOptions& options() const { return opts_; }
  const at::Tensor& v() const { return v_; }
  // Remaining refractory steps (int32); 0 means the neuron integrates.
  const at::Tensor& refractory() const { return refractory_; }
  // For tests and custom initial conditions: replace V (same shape).
  void set_v(const at::Tensor& v);

 protected:
  void reset_state_impl() override;

 private:
  void update_fused(const Clock& clock);
  void update_differentiable(const Clock& clock);

  LIFOptions opts_;
  at::Tensor v_, refractory_;
};

}  // namespace braintorch
