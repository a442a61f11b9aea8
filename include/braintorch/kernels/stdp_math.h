#pragma once
// Per-synapse arithmetic of braintorch::stdp_csr_update_, shared by the CPU loops and the CUDA kernels.
#include "braintorch/common/host_device.h"

namespace braintorch::kernels {

template <typename scalar_t>
BT_HOST_DEVICE scalar_t stdp_clip(scalar_t w, scalar_t w_min, scalar_t w_max) {
  return w < w_min ? w_min : (w > w_max ? w_max : w);
}

// A presynaptic spike: depression by the postsynaptic trace.
template <typename scalar_t>
BT_HOST_DEVICE scalar_t stdp_on_pre(scalar_t w, scalar_t post_trace, scalar_t A_minus, scalar_t w_min,
                                    scalar_t w_max) {
  return stdp_clip(w - A_minus * post_trace, w_min, w_max);
}

// A postsynaptic spike: potentiation by the presynaptic trace.
template <typename scalar_t>
BT_HOST_DEVICE scalar_t stdp_on_post(scalar_t w, scalar_t pre_trace, scalar_t A_plus, scalar_t w_min,
                                     scalar_t w_max) {
  return stdp_clip(w + A_plus * pre_trace, w_min, w_max);
}

// Both steps for one synapse (the scan path); the event-driven path applies the same two calls.
template <typename scalar_t>
BT_HOST_DEVICE scalar_t stdp_synapse(scalar_t w, bool pre_event, bool post_event, scalar_t pre_trace,
                                     scalar_t post_trace, scalar_t A_plus, scalar_t A_minus, scalar_t w_min,
                                     scalar_t w_max) {
  if (pre_event) w = stdp_on_pre(w, post_trace, A_minus, w_min, w_max);
  if (post_event) w = stdp_on_post(w, pre_trace, A_plus, w_min, w_max);
  return w;
}

}  // namespace braintorch::kernels
