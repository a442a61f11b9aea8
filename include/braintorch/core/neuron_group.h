#pragma once
// A population of neurons: emits spikes and receives synaptic input.
//
// Synaptic input reaches a group through three accumulators, all of the group's state shape:
//   current       sum of current-based inputs (CUBA outputs)
//   conductance   sum of conductances g_k of conductance-based inputs (COBA outputs)
//   reversal      sum of g_k * E_k
// so that the total synaptic current at membrane potential V is current + reversal - conductance * V.
// Because COBA is linear in V, any number of COBA projections collapse into two numbers per neuron and
// the neuron's fused kernel can evaluate the current at the V it integrates (exactly, with exp_euler).
// Projections add to the accumulators before the group updates; the group's update clears them.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "braintorch/core/conductance_channel.h"
#include "braintorch/core/dynamical_system.h"
#include "braintorch/core/external_input.h"
#include "braintorch/core/spike_list.h"

namespace braintorch {

class NeuronGroup : public DynamicalSystem {
 public:
  NeuronGroup(std::string kind, int64_t size);

  int64_t size() const { return size_; }
  // Spikes of the last step, 0/1 in the state dtype (float so surrogate gradients flow), state shape.
  const at::Tensor& spike() const { return spike_; }
  // Compact spike list of the last step (filled by the fused CPU path only).
  const SpikeList& spike_list() const { return spike_list_; }
  bool spike_list_valid() const { return spike_list_valid_; }

  void set_external_input(ExternalInput input) { external_ = std::move(input); }
  const ExternalInput& external_input() const { return external_; }

  // Differentiable accumulation of synaptic input into neurons [start, start + x.size(-1)).
  void add_current(const at::Tensor& x, int64_t start = 0);
  void add_conductance(const at::Tensor& g, double reversal, int64_t start = 0);

  // Raw accumulators for fused (no-grad) projections, which add into them in place.
  at::Tensor& current_accumulator() { return current_in_; }
  at::Tensor& conductance_accumulator() { return conductance_in_; }
  at::Tensor& reversal_accumulator() { return reversal_in_; }
  // Fused projections call this when they add conductances, so the group knows to read them.
  void mark_conductance_input() { has_conductance_input_ = true; }
  void mark_current_input() { has_current_input_ = true; }

  // Fused CPU path: a group whose kernel integrates conductance channels itself (see
  // conductance_channel.h) takes up to max_channels() of them; the others keep using the accumulators.
  // Returns whether `channel` is (now) attached. The group holds it weakly: a channel whose projection
  // is gone is dropped.
  bool attach_channel(const std::shared_ptr<ConductanceChannel>& channel);
  virtual int max_channels() const { return 0; }
  static constexpr int kMaxChannels = 2;  // what any fused kernel supports

 protected:
  // Allocates spike, accumulators and the spike list; subclasses call it from reset_state_impl.
  void reset_group_state();
  // Clears the accumulators after the update used them (in place on the fused path).
  void clear_inputs(bool fused);
  // For fused kernels that zero the accumulators themselves as they read them.
  void inputs_consumed();
  // The external input at this step as a contiguous tensor of the state shape, or undefined if it is
  // a scalar (returned through *scalar).
  at::Tensor external_at(const Clock& clock, double* scalar) const;

  // Locks the attached channels that are still alive into out[0 .. count) (at most max_channels(),
  // expired ones are removed) and returns the count. No allocation: it runs every step.
  int lock_channels(std::shared_ptr<ConductanceChannel>* out);

  int64_t size_;
  at::Tensor spike_;
  at::Tensor current_in_, conductance_in_, reversal_in_;
  bool has_current_input_ = false, has_conductance_input_ = false;
  SpikeList spike_list_;
  bool spike_list_valid_ = false;
  ExternalInput external_;
  std::vector<std::weak_ptr<ConductanceChannel>> channels_;
};

// A contiguous slice [start, stop) of a group (Brian2's subgroup, BrainPy's view): the E and I
// populations of one LIF group, say. A whole group is the population [0, size).
struct Population {
  std::string name;
  std::shared_ptr<NeuronGroup> group;
  int64_t start = 0;
  int64_t stop = 0;

  int64_t size() const { return stop - start; }
  bool whole() const { return start == 0 && stop == group->size(); }
  // Spikes of the last step restricted to the population (a view).
  at::Tensor spike() const;
};

Population whole_population(const std::string& name, std::shared_ptr<NeuronGroup> group);

}  // namespace braintorch
