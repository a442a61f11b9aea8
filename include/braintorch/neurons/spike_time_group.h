#pragma once
// A group whose neurons spike at given times (BrainPy's SpikeTimeGroup, Brian2's SpikeGeneratorGroup):
// neuron indices[k] spikes in the step that contains times_ms[k] (step round(t / dt)).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "braintorch/core/neuron_group.h"

namespace braintorch {

class SpikeTimeGroup : public NeuronGroup {
 public:
  SpikeTimeGroup(int64_t size, std::vector<int64_t> indices, std::vector<double> times_ms);
  void update(const Clock& clock) override;

 protected:
  void reset_state_impl() override;

 private:
  std::vector<int64_t> indices_;
  std::vector<double> times_;
};

}  // namespace braintorch
