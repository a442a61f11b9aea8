#pragma once
// The LIF group of the built-in COBA network and of JSON's "type": "LIF": BrainPy's LifRefLTC (the
// conductance inputs evaluated at the integration point) with Brian2's refractory timing
// (round(tau_ref / dt) - 1 held steps), Brian2-COBA defaults, and the hard reset on the differentiable
// path. Any other model: NeuronModelGroup (neuron_model_group.h).
#include <memory>
#include <string>

#include "braintorch/autograd/surrogate.h"
#include "braintorch/core/integrator.h"
#include "braintorch/init/initializer.h"
#include "braintorch/neurons/neuron_model_group.h"

namespace braintorch {

struct LIFOptions {
  double v_rest = -60.0;   // mV
  double v_reset = -60.0;  // mV
  double v_th = -50.0;     // mV
  double tau = 20.0;       // ms
  double tau_ref = 5.0;    // ms; V is held in the round(tau_ref/dt) - 1 steps after the spike step (Brian2)
  double r = 1.0;          // membrane resistance (input in mV per unit R)
  Integrator method = Integrator::ExpEuler;
  std::shared_ptr<Initializer> v_init;  // default: Constant(v_rest)
  SurrogateOptions surrogate;           // gradient of the threshold on the differentiable path
};

class LIF : public NeuronModelGroup {
 public:
  LIF(int64_t size, LIFOptions options = {});

  const LIFOptions& lif_options() const { return lif_opts_; }
  const at::Tensor& v() const { return state(0); }
  // For tests and custom initial conditions: replace V (same shape).
  void set_v(const at::Tensor& v) { set_state("V", v); }

 private:
  LIFOptions lif_opts_;
};

// The model options LIF runs with (exposed for the JSON loader, which builds "LIF" the same way).
NeuronModelOptions lif_model_options(const LIFOptions& options);

}  // namespace braintorch
