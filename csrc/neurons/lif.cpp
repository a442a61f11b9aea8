#include "braintorch/neurons/lif.h"

#include <c10/util/Exception.h>

#include <cmath>

namespace braintorch {

NeuronModelOptions lif_model_options(const LIFOptions& o) {
  TORCH_CHECK(std::isfinite(o.v_rest) && std::isfinite(o.v_reset) && std::isfinite(o.v_th),
              "LIF: v_rest, v_reset and v_th must be finite");
  NeuronModelOptions m;
  m.params = {{"V_rest", o.v_rest}, {"V_reset", o.v_reset}, {"V_th", o.v_th},
              {"tau", o.tau},       {"tau_ref", o.tau_ref}, {"R", o.r}};
  m.init["V"] = o.v_init ? o.v_init : std::make_shared<Constant>(o.v_rest);
  m.method = integrator_name(o.method);
  m.refractory_convention = models::RefractoryConvention::Brian2;
  m.surrogate = o.surrogate;
  m.spk_reset = models::SpikeReset::Hard;
  return m;
}

LIF::LIF(int64_t size, LIFOptions options)
    : NeuronModelGroup("LIF", "LifRefLTC", size, lif_model_options(options)), lif_opts_(std::move(options)) {}

}  // namespace braintorch
