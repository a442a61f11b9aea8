#pragma once
// The fused LIF step (one kernel per group per step) on CPU and CUDA; both call lif_math::fused_step.
#include <ATen/core/Tensor.h>

#include "braintorch/core/spike_list.h"
#include "braintorch/neurons/lif_math.h"

namespace braintorch::detail {

struct LIFFusedArgs {
  at::Tensor v, refractory, spike;  // state shape; refractory int32
  at::Tensor external;              // undefined, or state-shaped / (N) contiguous
  double external_scalar = 0.0;
  at::Tensor current, conductance, reversal;  // accumulators, zeroed after reading
  bool use_current = false, use_conductance = false;
  SpikeList* spike_list = nullptr;  // CPU only: filled with the indices that spiked
  // CPU only: conductance channels the kernel integrates itself (conductance_channel.h), state-shaped.
  int n_channels = 0;
  at::Tensor channel_g[2], channel_pending[2];
  double channel_decay[2] = {1.0, 1.0}, channel_reversal[2] = {0.0, 0.0};
};

void lif_fused_cpu(LIFFusedArgs& args, const lif_math::StepParams<double>& params);
#ifdef BRAINTORCH_WITH_CUDA
void lif_fused_cuda(LIFFusedArgs& args, const lif_math::StepParams<double>& params);
#endif

template <typename T>
lif_math::StepParams<T> cast_params(const lif_math::StepParams<double>& p) {
  return {T(p.v_rest), T(p.v_reset), T(p.v_th), T(p.r), T(p.dt), T(p.tau), T(p.dt_over_tau), T(p.decay),
          p.refractory_steps, p.exp_euler, p.has_conductance};
}

}  // namespace braintorch::detail
