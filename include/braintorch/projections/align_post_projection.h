#pragma once
// pre spikes -> comm -> synapse state on the post side -> output -> post neurons
// (BrainPy's HalfProjAlignPost / ProjAlignPostMg). Valid for synapses whose kinetics are linear
// (exponential): g_j = sum_i w_ij s_ij then obeys the same equation, so the state has one element per
// postsynaptic neuron instead of one per synapse.
//
// One step (spikes of the previous step act now, as in Brian2 and BrainPy with no delay):
//   g <- decay * g + W^T s_pre     (event-driven: only rows of spiking neurons are read)
//   post accumulators += out(g)
// On the fused CPU path a COBA projection onto a whole group hands the last two lines to the group's
// kernel when the group takes it as a conductance channel (conductance_channel.h): the projection then
// only scatters the events.
#include <memory>

#include "braintorch/projections/projection.h"
#include "braintorch/synapses/exponential_synapse.h"
#include "braintorch/synapses/synaptic_output.h"

namespace braintorch {

class AlignPostProjection : public Projection {
 public:
  AlignPostProjection(Population pre, Population post, std::shared_ptr<Communication> comm,
                      ExponentialSynapseOptions synapse, std::shared_ptr<SynapticOutput> output);

  void update(const Clock& clock) override;

  Communication& comm() override { return *comm_; }
  ExponentialSynapse& synapse() { return *syn_; }
  const SynapticOutput& output() const { return *out_; }

 protected:
  void reset_state_impl() override;

 private:
  std::shared_ptr<Communication> comm_;
  std::shared_ptr<ExponentialSynapse> syn_;
  std::shared_ptr<SynapticOutput> out_;
  SpikeList scratch_;  // the pre spikes as a list when the pre group produced none (differentiable or GPU update)
  std::shared_ptr<ConductanceChannel> channel_;  // set when the post group integrates this synapse
};

}  // namespace braintorch
