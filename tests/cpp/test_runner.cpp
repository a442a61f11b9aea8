// The runner: monitors (whole variable, subsets, every k steps), chunked and streamed recording,
// inputs (constant, per step, callable), batching, and errors.
#include <ATen/Parallel.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <map>

#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/connect/fixed_prob.h"
#include "braintorch/core/network.h"
#include "braintorch/init/initializer.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/projections/align_post_projection.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {

// A small recurrent E/I network (the COBA structure at 200 neurons) with random initial V.
std::shared_ptr<Network> small_network(uint64_t seed, int64_t batch = 0, int64_t n = 200, double prob = 0.1) {
  auto net = std::make_shared<Network>(seed);
  LIFOptions o;
  o.method = Integrator::Euler;
  o.v_init = std::make_shared<Normal>(-55.0, 2.0);
  const int64_t n_e = n * 4 / 5;
  auto g = net->add_group("n", std::make_shared<LIF>(n, o));
  auto e = net->add_population("E", "n", 0, n_e);
  auto i = net->add_population("I", "n", n_e, n);
  auto all = net->population("n");
  auto proj = [&](const Population& pre, double w, double tau, double rev, const std::string& name) {
    CSRMatrix c = fixed_prob_csr({pre.size(), n, true, pre.start, 0}, {prob, true}, derive_seed(seed, name));
    auto comm = std::make_shared<EventCSRCommunication>(c, at::scalar_tensor(w));
    net->add_projection(name, std::make_shared<AlignPostProjection>(pre, all, comm,
                                                                    ExponentialSynapseOptions{tau, Integrator::Euler},
                                                                    std::make_shared<COBA>(rev)));
  };
  proj(e, 0.6 * 20.0 / (prob * n), 5.0, 0.0, "EE");  // the 200-neuron network's input per neuron
  proj(i, 6.7 * 20.0 / (prob * n), 10.0, -80.0, "IE");
  net->reset_state(batch);
  g->set_external_input(ExternalInput::constant(20.0));
  return net;
}

// The spikes of `net` converted to float64 (states reset with `batch` rows), fused or differentiable.
SpikeRecord float64_spikes(const std::shared_ptr<Network>& net, int64_t batch, bool differentiable, double ms) {
  net->to_options(at::TensorOptions().dtype(at::kDouble));
  net->reset_state(batch);
  net->group("n")->set_external_input(ExternalInput::constant(20.0));
  RunnerOptions o{0.1};
  o.differentiable = differentiable;
  Runner r(net, o);
  r.add_spike_monitor({"s", "n"});
  return r.run(ms).spikes["s"];
}

}  // namespace

TEST(Runner, ChunkedRecordingEqualsOneChunkAndStreamingDeliversEverything) {
  std::map<std::string, at::Tensor> reference;
  {
    auto net = small_network(5);
    RunnerOptions o{0.1};
    o.chunk_records = 100000;
    Runner r(net, o);
    r.add_monitor({"v", "n", "V", {}, 1});
    r.add_monitor({"v_sub", "n", "V", at::tensor({3, 150, 7}, at::kLong), 3});
    auto res = r.run(50.0);
    reference = res.values;
    ASSERT_EQ(res.values["v"].size(0), 500);
    ASSERT_EQ(res.values["v_sub"].size(0), 500 / 3);
    // The subset is the same as indexing the whole record.
    const at::Tensor every3 = res.values["v"].index_select(0, at::arange(2, 500, 3, at::kLong));
    EXPECT_TRUE(at::equal(res.values["v_sub"], every3.index_select(1, at::tensor({3, 150, 7}, at::kLong))));
    EXPECT_NEAR(res.times["v_sub"][0].item<double>(), 0.3, 1e-12);
  }
  {
    auto net = small_network(5);
    RunnerOptions o{0.1};
    o.chunk_records = 7;  // many small chunks, the last one partial
    Runner r(net, o);
    r.add_monitor({"v", "n", "V", {}, 1});
    r.add_monitor({"v_sub", "n", "V", at::tensor({3, 150, 7}, at::kLong), 3});
    auto res = r.run(50.0);
    EXPECT_TRUE(at::equal(res.values["v"], reference["v"]));
    EXPECT_TRUE(at::equal(res.values["v_sub"], reference["v_sub"]));
  }
  {
    auto net = small_network(5);
    RunnerOptions o{0.1};
    o.chunk_records = 64;
    std::vector<at::Tensor> streamed;
    int64_t expected_first = 0;
    o.chunk_writer = [&](const std::string& name, const at::Tensor& chunk, int64_t first) {
      ASSERT_EQ(name, "v");
      ASSERT_EQ(first, expected_first);
      expected_first += chunk.size(0);
      streamed.push_back(chunk.clone());
    };
    Runner r(net, o);
    r.add_monitor({"v", "n", "V", {}, 1});
    auto res = r.run(50.0);
    EXPECT_EQ(res.values.count("v"), 0u);  // streamed, not held
    EXPECT_TRUE(at::equal(at::cat(streamed), reference["v"]));
  }
}

TEST(Runner, RunningInPiecesEqualsOneRun) {
  auto a = small_network(9), b = small_network(9);
  Runner ra(a, RunnerOptions{0.1}), rb(b, RunnerOptions{0.1});
  ra.add_spike_monitor({"s", "n"});
  rb.add_spike_monitor({"s", "n"});
  auto whole = ra.run(100.0);
  auto first = rb.run(40.0);
  auto second = rb.run(60.0);
  const at::Tensor steps = at::cat({first.spikes["s"].steps, second.spikes["s"].steps});
  const at::Tensor idx = at::cat({first.spikes["s"].indices, second.spikes["s"].indices});
  EXPECT_GT(whole.spikes["s"].steps.numel(), 100);
  EXPECT_TRUE(at::equal(steps, whole.spikes["s"].steps));
  EXPECT_TRUE(at::equal(idx, whole.spikes["s"].indices));
}

TEST(Runner, PerStepAndCallableInputsEqualTheConstant) {
  auto spikes_with = [](ExternalInput in) {
    auto net = small_network(3);
    Runner r(net, RunnerOptions{0.1});
    r.set_input("n", std::move(in));
    r.add_spike_monitor({"s", "n"});
    return r.run(30.0).spikes["s"];
  };
  auto c = spikes_with(ExternalInput::constant(20.0));
  auto p = spikes_with(ExternalInput::per_step(at::full({300, 200}, 20.0)));
  auto f = spikes_with(ExternalInput::callable([](const Clock&) { return at::full({200}, 20.0); }));
  EXPECT_GT(c.steps.numel(), 0);
  EXPECT_TRUE(at::equal(c.steps, p.steps) && at::equal(c.indices, p.indices));
  EXPECT_TRUE(at::equal(c.steps, f.steps) && at::equal(c.indices, f.indices));
  // A per-step input shorter than the run is an error naming the group.
  auto net = small_network(3);
  Runner r(net, RunnerOptions{0.1});
  r.set_input("n", ExternalInput::per_step(at::full({10, 200}, 20.0)));
  try {
    r.run(30.0);
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("'n'"), std::string::npos) << e.what_without_backtrace();
  }
}

TEST(Runner, BatchRowsAreIndependentCopies) {
  // Three copies started from the same V as the unbatched network produce its spikes exactly.
  auto single = small_network(4);
  auto batched = small_network(4, 3);
  auto lif = std::dynamic_pointer_cast<LIF>(batched->group("n"));
  auto lif1 = std::dynamic_pointer_cast<LIF>(single->group("n"));
  lif->set_v(lif1->v().unsqueeze(0).expand({3, 200}).contiguous());
  Runner rs(single, RunnerOptions{0.1}), rb(batched, RunnerOptions{0.1});
  rs.add_spike_monitor({"s", "n"});
  rb.add_spike_monitor({"s", "n"});
  auto a = rs.run(40.0).spikes["s"];
  auto b = rb.run(40.0).spikes["s"];
  ASSERT_EQ(b.steps.numel(), 3 * a.steps.numel());
  for (int64_t row = 0; row < 3; ++row) {
    const at::Tensor mask = b.batch_rows == row;
    EXPECT_TRUE(at::equal(b.steps.masked_select(mask), a.steps));
    EXPECT_TRUE(at::equal(b.indices.masked_select(mask), a.indices));
  }
  // Batched initial states are drawn per row: rows differ.
  auto fresh = small_network(4, 2);
  const at::Tensor v = std::dynamic_pointer_cast<LIF>(fresh->group("n"))->v();
  EXPECT_FALSE(at::equal(v[0], v[1]));
}

TEST(Runner, SameSeedSameSpikesAcrossThreadCounts) {
  auto run = [](int threads) {
    at::set_num_threads(threads);
    auto net = small_network(21, 2);
    Runner r(net, RunnerOptions{0.1});
    r.add_spike_monitor({"s", "n"});
    return r.run(50.0).spikes["s"];
  };
  const int before = at::get_num_threads();
  auto a = run(1), b = run(2);
  at::set_num_threads(before);
  EXPECT_TRUE(at::equal(a.steps, b.steps) && at::equal(a.indices, b.indices) && at::equal(a.batch_rows, b.batch_rows));
}

// A group larger than one parallel task of the fused LIF update (32,768 neurons; this one is three,
// the last partial, and two batch rows): every chunk compacts its own spikes and the slices are joined,
// so 1, 2 and 3 threads must give bitwise the same spikes and membrane potentials.
TEST(Runner, LargeGroupSplitOverThreadsGivesBitwiseTheSameRun) {
  constexpr int64_t kN = 70001;
  auto run = [](int threads) {
    at::set_num_threads(threads);
    auto net = small_network(8, 2, kN, 20.0 / kN);
    Runner r(net, RunnerOptions{0.1});
    r.add_spike_monitor({"s", "n"});
    auto spikes = r.run(30.0).spikes["s"];
    return std::make_pair(spikes, std::dynamic_pointer_cast<LIF>(net->group("n"))->v().clone());
  };
  const int before = at::get_num_threads();
  const auto [a, va] = run(1);
  for (int t : {2, 3}) {
    const auto [b, vb] = run(t);
    EXPECT_TRUE(at::equal(a.steps, b.steps) && at::equal(a.indices, b.indices) &&
                at::equal(a.batch_rows, b.batch_rows))
        << t << " threads";
    EXPECT_TRUE(at::equal(va, vb)) << t << " threads";
  }
  at::set_num_threads(before);
  // Spikes in every chunk, including the last, partial one, and in both batch rows.
  EXPECT_GT(a.indices.numel(), 1000);
  EXPECT_TRUE((a.indices >= 2 * 32768).any().item<bool>());
  EXPECT_TRUE((a.indices < 32768).any().item<bool>());
  EXPECT_TRUE((a.batch_rows == 1).any().item<bool>());
  // The chunked update and spike list against the unfused path (tensor operations over the whole
  // group), in float64: the same spikes.
  auto spikes_of = [](bool differentiable) {
    return float64_spikes(small_network(9, 2, kN, 20.0 / kN), 2, differentiable, 20.0);
  };
  const auto fused = spikes_of(false), diff = spikes_of(true);
  EXPECT_GT(fused.indices.numel(), 1000);
  EXPECT_TRUE(at::equal(fused.steps, diff.steps) && at::equal(fused.indices, diff.indices) &&
              at::equal(fused.batch_rows, diff.batch_rows));
}

TEST(Runner, ErrorsNameWhatIsWrong) {
  auto net = small_network(1);
  Runner r(net, RunnerOptions{0.1});
  EXPECT_THROW(r.add_monitor({"x", "nope", "V", {}, 1}), c10::Error);
  EXPECT_THROW(r.add_monitor({"x", "n", "V", {}, 0}), c10::Error);
  EXPECT_THROW(r.add_spike_monitor({"x", "nope"}), c10::Error);
  r.add_monitor({"x", "n", "W", {}, 1});
  try {
    r.run(1.0);
    FAIL();
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("unknown variable 'W'"), std::string::npos) << e.what_without_backtrace();
  }
  Runner r2(net, RunnerOptions{0.1});
  r2.add_monitor({"x", "n", "V", at::tensor({0, 500}, at::kLong), 1});
  EXPECT_THROW(r2.run(1.0), c10::Error);
  EXPECT_THROW(Runner(net, RunnerOptions{-0.1}), c10::Error);
  Runner r3(net, RunnerOptions{0.1});
  EXPECT_THROW(r3.run(-5.0), c10::Error);
  auto unreset = std::make_shared<Network>(1);
  unreset->add_group("n", std::make_shared<LIF>(10, LIFOptions{}));
  Runner r4(unreset, RunnerOptions{0.1});
  EXPECT_THROW(r4.run(1.0), c10::Error);
}

TEST(Runner, DifferentiablePathReproducesTheFusedPath) {
  // The whole E/I network (event CSR op with autograd, COBA outputs, LIF with surrogate spikes) run as
  // tensor operations gives the same spikes as the fused kernels, in float64.
  auto spikes_of = [](bool differentiable) { return float64_spikes(small_network(13), 0, differentiable, 60.0); };
  auto fused = spikes_of(false), diff = spikes_of(true);
  EXPECT_GT(fused.steps.numel(), 100);
  EXPECT_TRUE(at::equal(fused.steps, diff.steps));
  EXPECT_TRUE(at::equal(fused.indices, diff.indices));
}
