#include "braintorch/projections/align_post_projection.h"

#include <ATen/Dispatch.h>
#include <ATen/ops/zeros_like.h>
#include <c10/util/Exception.h>

namespace braintorch {

AlignPostProjection::AlignPostProjection(Population pre, Population post, std::shared_ptr<Communication> comm,
                                         ExponentialSynapseOptions synapse, std::shared_ptr<SynapticOutput> output)
    : Projection("AlignPostProjection", std::move(pre), std::move(post)), comm_(std::move(comm)),
      out_(std::move(output)) {
  TORCH_CHECK(comm_ && out_, "AlignPostProjection: comm and output are required");
  TORCH_CHECK(comm_->n_pre() == pre_.size(), "AlignPostProjection: comm has n_pre = ", comm_->n_pre(),
              " but the pre population '", pre_.name, "' has ", pre_.size(), " neurons");
  TORCH_CHECK(comm_->n_post() == post_.size(), "AlignPostProjection: comm has n_post = ", comm_->n_post(),
              " but the post population '", post_.name, "' has ", post_.size(), " neurons");
  syn_ = register_module("synapse", std::make_shared<ExponentialSynapse>(post_.size(), synapse));
  register_module("comm", comm_);
  register_variable("g", &syn_->g());
}

void AlignPostProjection::reset_state_impl() {
  syn_->set_state_options(options_);
  syn_->reset_state(batch_size_);
  // A COBA synapse onto a whole group can be integrated by the group's fused kernel.
  channel_.reset();
  const auto* coba = dynamic_cast<const COBA*>(out_.get());
  if (coba && post_.whole() && post_.group->max_channels() > 0) {
    auto channel = std::make_shared<ConductanceChannel>();
    channel->g = &syn_->g();
    channel->pending = at::zeros_like(syn_->g());
    channel->reversal = coba->reversal();
    if (post_.group->attach_channel(channel)) channel_ = std::move(channel);
  }
}

namespace {
// The spike list of a population's group, rebuilt from the spike tensor when the group did not write
// one (its last update ran on the differentiable path).
const SpikeList& spike_list_of(const NeuronGroup& group, SpikeList& scratch) {
  if (group.spike_list_valid()) return group.spike_list();
  const at::Tensor s = group.spike().detach().contiguous();
  const int64_t n = group.size(), rows = s.numel() / n;
  scratch.resize(rows, n);
  AT_DISPATCH_FLOATING_TYPES(s.scalar_type(), "spike_list_of", [&] {
    const scalar_t* p = s.data_ptr<scalar_t>();
    for (int64_t b = 0; b < rows; ++b) {
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i)
        if (p[b * n + i] > 0) scratch.indices[size_t(b * n + c++)] = int32_t(i);
      scratch.counts[size_t(b)] = c;
    }
  });
  return scratch;
}
}  // namespace

void AlignPostProjection::update(const Clock& clock) {
  at::Tensor& g = syn_->g();
  TORCH_CHECK(g.defined(), "AlignPostProjection.update: call reset_state before simulating");
  if (fused_path_enabled()) {
    if (g.is_cpu() && channel_) {
      // The post group's kernel decays g, adds `pending` and applies the output (conductance_channel.h).
      TORCH_CHECK(channel_->pending.sizes() == g.sizes(), "AlignPostProjection.update: the synapse state changed "
                  "shape since reset_state; call reset_state on the network");
      channel_->decay = exp_synapse_math::decay_factor(clock.dt, syn_->options().tau, syn_->options().method);
      comm_->deliver(spike_list_of(*pre_.group, scratch_), pre_.start, channel_->pending);
      return;
    }
    if (g.is_cpu()) {
      syn_->decay_in_place(clock.dt);
      comm_->deliver(spike_list_of(*pre_.group, scratch_), pre_.start, g);
    } else {
      syn_->decay_in_place(clock.dt);
      g.add_(comm_->forward(pre_.spike()));
    }
    out_->deliver(g, post_, /*fused=*/true);
  } else {
    syn_->step_with_input(clock.dt, comm_->forward(pre_.spike()));
    out_->deliver(syn_->g(), post_, /*fused=*/false);
  }
}

}  // namespace braintorch
