// Just-in-time connectivity inside a network: EventJitCommunication regenerates the rows of spiking
// neurons every step. The reference is the same network with the JIT matrix materialised
// (jitc_to_dense) and stored as an event CSR: both deliver the same weights in the same order, so the
// spikes must be identical; the differentiable path (event_jitc_matvec with autograd) must agree too.
#include <ATen/ops/cumsum.h>
#include <ATen/Parallel.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/nonzero.h>
#include <ATen/ops/scalar_tensor.h>
#include <gtest/gtest.h>

#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/comm/event_jit_communication.h"
#include "braintorch/core/network.h"
#include "braintorch/init/initializer.h"
#include "braintorch/io/network_json.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/ops/jitc_matvec.h"
#include "braintorch/projections/align_post_projection.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {

constexpr int64_t kN = 300, kE = 240;

EventJitOptions jit_options(bool excitatory) {
  EventJitOptions o;
  o.prob = 0.1;
  o.kind = excitatory ? "uniform" : "normal";
  o.w0 = excitatory ? 0.2 : 6.7;
  o.w1 = excitatory ? 1.0 : 0.5;
  o.seed = excitatory ? 11 : 12;
  return o;
}

// The JIT matrix of `o` (n_pre x n_post) as an event CSR with per-synapse weights (float64 by default).
std::shared_ptr<EventCSRCommunication> materialised(int64_t n_pre, const EventJitOptions& o,
                                                    at::ScalarType dtype = at::kDouble) {
  const auto opts = at::TensorOptions().dtype(dtype);
  const at::Tensor w = ops::jitc_to_dense(at::scalar_tensor(o.w0, opts), at::scalar_tensor(o.w1, opts), o.seed,
                                          o.prob, n_pre, kN, o.kind);
  const at::Tensor nz = at::nonzero(w);  // row-major order: rows ascending, columns ascending
  CSRMatrix c;
  c.n_pre = n_pre;
  c.n_post = kN;
  c.indices = nz.select(1, 1).to(at::kInt).contiguous();
  c.indptr = at::zeros({n_pre + 1}, at::kLong);
  const at::Tensor rows = nz.select(1, 0).contiguous();
  for (int64_t k = 0; k < rows.numel(); ++k) c.indptr.data_ptr<int64_t>()[rows.data_ptr<int64_t>()[k] + 1] += 1;
  c.indptr = c.indptr.cumsum(0);
  const at::Tensor weights = w.reshape({-1}).index_select(0, nz.select(1, 0) * kN + nz.select(1, 1));
  return std::make_shared<EventCSRCommunication>(std::move(c), weights);
}

std::shared_ptr<Network> network(bool jit) {
  auto net = std::make_shared<Network>(5);
  LIFOptions o;
  o.method = Integrator::Euler;
  o.v_init = std::make_shared<Normal>(-55.0, 2.0);
  net->add_group("n", std::make_shared<LIF>(kN, o));
  auto e = net->add_population("E", "n", 0, kE);
  auto i = net->add_population("I", "n", kE, kN);
  auto all = net->population("n");
  for (bool exc : {true, false}) {
    const Population& pre = exc ? e : i;
    std::shared_ptr<Communication> comm;
    if (jit) comm = std::make_shared<EventJitCommunication>(pre.size(), kN, jit_options(exc));
    else comm = materialised(pre.size(), jit_options(exc));
    net->add_projection(exc ? "EE" : "IE",
                        std::make_shared<AlignPostProjection>(pre, all, comm,
                                                              ExponentialSynapseOptions{exc ? 5.0 : 10.0, Integrator::Euler},
                                                              std::make_shared<COBA>(exc ? 0.0 : -80.0)));
  }
  net->to_options(at::TensorOptions().dtype(at::kDouble));
  net->reset_state();
  net->group("n")->set_external_input(ExternalInput::constant(20.0));
  return net;
}

struct Outcome {
  SpikeRecord spikes;
  at::Tensor v;  // membrane potentials at the end
};

Outcome run_network(bool jit, bool differentiable) {
  auto net = network(jit);
  RunnerOptions o{0.1};
  o.differentiable = differentiable;
  o.progress = false;
  Runner r(net, o);
  r.add_spike_monitor({"s", "n"});
  Outcome out{r.run(50.0).spikes["s"], {}};
  out.v = std::dynamic_pointer_cast<LIF>(net->group("n"))->v().detach().clone();
  return out;
}
SpikeRecord spikes_of(bool jit, bool differentiable) { return run_network(jit, differentiable).spikes; }

}  // namespace

TEST(EventJitCommunication, NetworkEqualsTheMaterialisedMatrixAsCsr) {
  const auto jit = run_network(true, false), csr = run_network(false, false);
  EXPECT_GT(jit.spikes.steps.numel(), 100);
  EXPECT_TRUE(at::equal(jit.spikes.steps, csr.spikes.steps));
  EXPECT_TRUE(at::equal(jit.spikes.indices, csr.spikes.indices));
  // Both add each spiking row's weights straight into the synapse state in the same order, so not only
  // the spikes but every state is bitwise the same after 500 steps.
  EXPECT_TRUE(at::equal(jit.v, csr.v));
}

// The fused path on its own, with many spikes per step (where the order of the additions shows): a
// batch of two spike lists of a group of 700 neurons whose neurons [100, 600) are the presynaptic
// population, added onto a nonzero float32 state. The stored matrix must give bitwise the same state,
// and both must be the float64 dense product up to float32 round-off.
TEST(EventJitCommunication, DeliverAddsTheSpikingRowsAsTheStoredMatrixDoes) {
  constexpr int64_t kGroup = 700, kStart = 100, kPre = 500;
  for (const char* kind : {"homo", "uniform", "normal"}) {
    SCOPED_TRACE(kind);
    EventJitOptions o;
    o.prob = 0.15;
    o.kind = kind;
    o.w0 = 0.37;
    o.w1 = 1.3;
    o.seed = 7;
    EventJitCommunication jit(kPre, kN, o);
    jit.to(at::kFloat);
    const auto csr = materialised(kPre, o, at::kFloat);
    SpikeList spikes;
    spikes.resize(2, kGroup);
    at::Tensor dense_spikes = at::zeros({2, kPre}, at::kDouble);
    for (int64_t b = 0; b < 2; ++b) {
      int64_t c = 0;
      for (int64_t n = 0; n < kGroup; ++n) {
        if ((n * (b + 3)) % 5 >= 2) continue;  // 40% of the neurons, a different set per row
        spikes.indices[size_t(b * kGroup + c++)] = int32_t(n);
        if (n >= kStart && n < kStart + kPre) dense_spikes[b][n - kStart] = 1.0;
      }
      spikes.counts[size_t(b)] = c;
    }
    const at::Tensor start = at::linspace(-3.0, 5.0, 2 * kN, at::kFloat).reshape({2, kN});
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    at::Tensor c = start.clone();
    csr->deliver(spikes, kStart, c);
    // The batch rows go to different threads; a single row's JIT rows are generated on several threads
    // (here ~12k synapses, two blocks of rows) and added in order by one: bitwise the same for any
    // thread count, and the same as the stored matrix.
    at::Tensor a;
    for (int t : {1, 2, 3}) {
      at::set_num_threads(t);
      a = start.clone();
      jit.deliver(spikes, kStart, a);
      EXPECT_TRUE(at::equal(a, c)) << t << " threads";
      at::Tensor c_t = start.clone();
      csr->deliver(spikes, kStart, c_t);
      EXPECT_TRUE(at::equal(c_t, c)) << t << " threads";
      for (int64_t b = 0; b < 2; ++b) {  // one batch row alone: the parallel generation path
        SpikeList one;
        one.resize(1, kGroup);
        const int32_t* first = spikes.row(b);
        std::copy(first, first + spikes.counts[size_t(b)], one.indices.begin());
        one.counts[0] = spikes.counts[size_t(b)];
        at::Tensor row = start[b].clone();
        jit.deliver(one, kStart, row);
        EXPECT_TRUE(at::equal(row, c[b])) << t << " threads, row " << b;
      }
    }
    at::set_num_threads(threads);
    const at::Tensor w = ops::jitc_to_dense(at::scalar_tensor(float(o.w0)).to(at::kDouble),
                                            at::scalar_tensor(float(o.w1)).to(at::kDouble), o.seed, o.prob, kPre, kN,
                                            o.kind);
    const at::Tensor expected = start.to(at::kDouble) + dense_spikes.mm(w);
    EXPECT_TRUE(at::allclose(a.to(at::kDouble), expected, 1e-5, 1e-4));
    EXPECT_GT((a - start).abs().sum().item<double>(), 100.0);  // something was delivered
  }
}

TEST(EventJitCommunication, DifferentiablePathGivesTheSameSpikes) {
  const auto fused = spikes_of(true, false), diff = spikes_of(true, true);
  EXPECT_TRUE(at::equal(fused.steps, diff.steps));
  EXPECT_TRUE(at::equal(fused.indices, diff.indices));
}

TEST(EventJitCommunication, DegreesAndSynapseCountMatchTheMaterialisedMatrix) {
  const auto o = jit_options(true);
  EventJitCommunication comm(kE, kN, o);
  const auto csr = materialised(kE, o);
  EXPECT_TRUE(at::equal(comm.out_degrees(), csr->out_degrees()));
  EXPECT_EQ(comm.num_synapses(), csr->num_synapses());
  // about prob * n_pre * n_post synapses (5 standard deviations of a binomial count)
  const double mean = o.prob * kE * kN, sd = std::sqrt(mean * (1 - o.prob));
  EXPECT_NEAR(double(comm.num_synapses()), mean, 5 * sd);
}

TEST(EventJitCommunication, BadOptionsAreErrors) {
  auto o = jit_options(true);
  o.prob = 0.0;
  EXPECT_THROW(EventJitCommunication(10, 10, o), c10::Error);
  o = jit_options(true);
  o.kind = "lognormal";
  EXPECT_THROW(EventJitCommunication(10, 10, o), c10::Error);
  o = jit_options(true);
  EXPECT_THROW(EventJitCommunication(0, 10, o), c10::Error);
}

TEST(EventJitCommunication, JsonSelectsItAndRejectsWhatItCannotDo) {
  auto doc = [](const std::string& connectivity, const std::string& weight) {
    return std::string(R"({"groups": [{"name": "n", "type": "LIF", "size": 50}],
      "projections": [{"name": "p", "type": "AlignPost", "pre": "n", "post": "n",
        "comm": {"type": "EventJIT", "connectivity": )") +
           connectivity + R"(, "weight": )" + weight + R"(},
        "synapse": {"type": "Exponential", "tau": 5.0}, "output": {"type": "COBA", "E": 0.0}}]})";
  };
  const std::string fp = R"({"type": "FixedProb", "prob": 0.2})";
  LoadedNetwork a = load_network_json(doc(fp, R"({"type": "Uniform", "low": 0.1, "high": 0.3})"), "t.json");
  auto proj = std::dynamic_pointer_cast<AlignPostProjection>(a.network->projection("p"));
  ASSERT_TRUE(proj);
  auto* comm = dynamic_cast<EventJitCommunication*>(&proj->comm());
  ASSERT_NE(comm, nullptr);
  EXPECT_EQ(comm->options().kind, "uniform");
  EXPECT_DOUBLE_EQ(comm->options().w0, 0.1);
  EXPECT_DOUBLE_EQ(comm->options().w1, 0.3);
  auto error_of = [](const std::string& d) -> std::string {
    try {
      load_network_json(d, "t.json");
    } catch (const NetworkSpecError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(doc(R"({"type": "FixedProb", "prob": 0.2, "include_self": false})", "0.5"))
                .find("projections[0].comm.connectivity.include_self"),
            std::string::npos);
  EXPECT_NE(error_of(doc(R"({"type": "FixedProb", "prob": 1.5})", "0.5")).find("connectivity.prob"),
            std::string::npos);
}
