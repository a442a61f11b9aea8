// Conductance channels: on the fused CPU path the LIF kernel integrates up to two COBA synapses itself
// (conductance_channel.h) and further ones go through the input accumulators. Whatever the mix, and
// when a run switches between the fused and the differentiable path, the network must follow the
// differentiable (plain tensor) reference.
#include <ATen/ops/allclose.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/scalar_tensor.h>
#include <gtest/gtest.h>

#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/connect/fixed_prob.h"
#include "braintorch/core/network.h"
#include "braintorch/init/initializer.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/projections/align_post_projection.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {

// 200 LIF neurons in float64 with `n_projections` COBA projections onto the whole group (E, I, then a
// second excitatory one), so with three the third cannot be a channel.
std::shared_ptr<Network> network_with(int n_projections) {
  const uint64_t seed = 21;
  auto net = std::make_shared<Network>(seed);
  LIFOptions o;
  o.method = Integrator::Euler;
  o.v_init = std::make_shared<Normal>(-55.0, 2.0);
  net->add_group("n", std::make_shared<LIF>(200, o));
  auto e = net->add_population("E", "n", 0, 160);
  auto i = net->add_population("I", "n", 160, 200);
  auto all = net->population("n");
  auto proj = [&](const Population& pre, double w, double tau, double rev, const std::string& name) {
    CSRMatrix c = fixed_prob_csr({pre.size(), 200, true, pre.start, 0}, {0.1, true}, derive_seed(seed, name));
    auto comm = std::make_shared<EventCSRCommunication>(c, at::scalar_tensor(w, at::kDouble));
    net->add_projection(name, std::make_shared<AlignPostProjection>(pre, all, comm,
                                                                    ExponentialSynapseOptions{tau, Integrator::Euler},
                                                                    std::make_shared<COBA>(rev)));
  };
  proj(e, 0.6, 5.0, 0.0, "EE");
  if (n_projections >= 2) proj(i, 6.7, 10.0, -80.0, "IE");
  if (n_projections >= 3) proj(e, 0.3, 2.0, 10.0, "EE2");
  net->to_options(at::TensorOptions().dtype(at::kDouble));
  net->reset_state();
  net->group("n")->set_external_input(ExternalInput::constant(20.0));
  return net;
}

struct Trace {
  SpikeRecord spikes;
  at::Tensor v, g_ee;
};

// Runs `pieces` (differentiable?, duration ms) one after the other on one network.
Trace run_pieces(int n_projections, const std::vector<std::pair<bool, double>>& pieces) {
  auto net = network_with(n_projections);
  std::vector<at::Tensor> steps, indices, v, g;
  int64_t offset = 0;
  for (const auto& [differentiable, ms] : pieces) {
    RunnerOptions o{0.1};
    o.differentiable = differentiable;
    o.progress = false;
    Runner r(net, o);
    r.add_spike_monitor({"s", "n"});
    r.add_monitor({"v", "n", "V", {}, 1});
    r.add_monitor({"g", "EE", "g", {}, 1});
    auto res = r.run(ms);
    steps.push_back(res.spikes["s"].steps + offset);
    indices.push_back(res.spikes["s"].indices);
    v.push_back(res.values["v"].detach());
    g.push_back(res.values["g"].detach());
    offset += res.steps;
  }
  Trace t;
  t.spikes.steps = at::cat(steps);
  t.spikes.indices = at::cat(indices);
  t.v = at::cat(v);
  t.g_ee = at::cat(g);
  return t;
}

void expect_same(const Trace& a, const Trace& b) {
  EXPECT_GT(a.spikes.steps.numel(), 50);
  EXPECT_TRUE(at::equal(a.spikes.steps, b.spikes.steps));
  EXPECT_TRUE(at::equal(a.spikes.indices, b.spikes.indices));
  EXPECT_TRUE(at::allclose(a.v, b.v, 1e-9, 1e-9));
  EXPECT_TRUE(at::allclose(a.g_ee, b.g_ee, 1e-12, 1e-12));  // g means the same on both paths
}

}  // namespace

TEST(ConductanceChannel, AnyNumberOfProjectionsFollowsTheDifferentiablePath) {
  for (int n : {1, 2, 3}) {
    SCOPED_TRACE(n);
    expect_same(run_pieces(n, {{false, 40.0}}), run_pieces(n, {{true, 40.0}}));
  }
}

TEST(ConductanceChannel, SwitchingPathsMidRunKeepsTheState) {
  // fused -> differentiable -> fused: the channel's `pending` is empty between steps and g keeps its
  // meaning, so nothing is lost or counted twice at a switch.
  const auto reference = run_pieces(3, {{true, 45.0}});
  expect_same(run_pieces(3, {{false, 15.0}, {true, 15.0}, {false, 15.0}}), reference);
}

TEST(ConductanceChannel, ResettingTheNetworkReattachesAndBatchRowsStayIndependent) {
  // Reset with a batch: the channels are re-created with the new state shape; batch row 0 equals the
  // unbatched run (the initial V of a batch row differs, so compare rows to themselves re-run).
  auto net = network_with(2);
  net->reset_state(3);
  net->group("n")->set_external_input(ExternalInput::constant(20.0));
  RunnerOptions o{0.1};
  o.progress = false;
  Runner r(net, o);
  r.add_monitor({"v", "n", "V", {}, 1});
  const at::Tensor fused = r.run(20.0).values["v"];
  net->reset_state(3);
  net->group("n")->set_external_input(ExternalInput::constant(20.0));
  o.differentiable = true;
  Runner rd(net, o);
  rd.add_monitor({"v", "n", "V", {}, 1});
  const at::Tensor diff = rd.run(20.0).values["v"].detach();
  ASSERT_EQ(fused.sizes(), diff.sizes());
  EXPECT_TRUE(at::allclose(fused, diff, 1e-9, 1e-9));
}
