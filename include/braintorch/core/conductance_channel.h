#pragma once
// A conductance-based synapse that the postsynaptic group's fused CPU kernel integrates itself.
//
// Why: on the fused path an AlignPost projection with an exponential synapse and a COBA output would
// otherwise make three passes over its post neurons every step (decay g, add g and g*E into the group's
// accumulators) before the group made a fourth to read and clear them. With a channel the projection
// only scatters its events into `pending`, and the group's single neuron loop does the rest per neuron:
//   g <- decay * g + pending;  pending <- 0;  conductance += g;  I_0 += E * g
// which is exactly the synapse step of the differentiable path (exp_synapse_math::step) followed by the
// COBA output, so both paths compute the same g. The state g keeps its meaning (the conductance used by
// the last step), and `pending` is zero between steps, so a network can switch between the fused and
// the differentiable path at any step. (GeNN merges postsynaptic models into the neuron kernel for the
// same reason; BrainPy's AlignPost projections share one state per post group.)
#include <ATen/core/Tensor.h>

namespace braintorch {

struct ConductanceChannel {
  at::Tensor* g = nullptr;  // the synapse state, owned by the projection (state shape of the post group)
  at::Tensor pending;       // events scattered this step (same shape); zeroed by the group's kernel
  double decay = 1.0;       // one step of the synapse's decay, set by the projection each step
  double reversal = 0.0;    // E of the COBA output
};

}  // namespace braintorch
