#pragma once
// Event-driven communication over just-in-time connectivity (BrainPy's EventJitFP*Linear, GeNN's
// procedural connectivity): the FixedProb matrix is regenerated from (seed, prob, weight parameters)
// for the rows of the neurons that spiked, every step, and never stored, so a network's connectivity
// costs O(1) memory whatever its number of synapses. The differentiable product is
// braintorch::event_jitc_matvec (include/braintorch/ops/jitc_matvec.h), which also defines the matrix;
// the fused network path (deliver) adds the same rows straight into the synapse state, generating them
// on all threads and adding them in spike order (include/braintorch/kernels/jitc_rows.h).
//
// Weights: kind "homo" (w0), "uniform" (low w0, high w1) or "normal" (mean w0, std w1), registered as
// the parameters "w0" and "w1". Self-connections cannot be excluded (the generator does not know which
// pre neuron is which post neuron): every pair, the diagonal included, is connected with probability prob.
#include <string>

#include "braintorch/comm/communication.h"

namespace braintorch {

struct EventJitOptions {
  double prob = 0.02;
  std::string kind = "homo";
  double w0 = 1.0, w1 = 0.0;
  int64_t seed = 0;
};

class EventJitCommunication : public Communication {
 public:
  EventJitCommunication(int64_t n_pre, int64_t n_post, EventJitOptions options);

  at::Tensor forward(const at::Tensor& spikes) override;  // braintorch::event_jitc_matvec
  void deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) override;
  // Both regenerate the whole matrix once (O(synapses) time, O(n_pre) memory) and cache the degrees.
  int64_t num_synapses() const override;
  at::Tensor out_degrees() const override;
  std::string describe() const override;

  const EventJitOptions& options() const { return opts_; }

 private:
  EventJitOptions opts_;
  int kind_ = 0;  // opts_.kind parsed once (kernels::jitc::Kind)
  at::Tensor w0_, w1_;
  mutable at::Tensor out_degrees_;  // cached
};

}  // namespace braintorch
