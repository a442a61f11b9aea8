// The exponential synapse of an AlignPost projection against its closed form, on both paths.
#include <ATen/ops/full.h>
#include <ATen/ops/scalar_tensor.h>
#include <gtest/gtest.h>

#include <cmath>

#include "braintorch/comm/dense_communication.h"
#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/core/network.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/neurons/spike_time_group.h"
#include "braintorch/projections/align_post_projection.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {

// One presynaptic neuron spiking at t_spike, a dense weight w onto 3 postsynaptic LIF neurons.
struct Probe {
  std::shared_ptr<Network> net;
  std::unique_ptr<Runner> runner;
};

Probe make_probe(Integrator method, double tau, double w, double t_spike, bool differentiable) {
  Probe p;
  p.net = std::make_shared<Network>(3);
  auto pre = p.net->add_group("pre", std::make_shared<SpikeTimeGroup>(1, std::vector<int64_t>{0},
                                                                      std::vector<double>{t_spike}));
  auto post = p.net->add_group("post", std::make_shared<LIF>(3, LIFOptions{}));
  auto comm = std::make_shared<DenseCommunication>(at::full({1, 3}, w, at::TensorOptions().dtype(at::kDouble)));
  p.net->add_projection("syn", std::make_shared<AlignPostProjection>(p.net->population("pre"),
                                                                     p.net->population("post"), comm,
                                                                     ExponentialSynapseOptions{tau, method},
                                                                     std::make_shared<CUBA>()));
  p.net->to_options(at::TensorOptions().dtype(at::kDouble));
  p.net->reset_state();
  RunnerOptions o{0.1};
  o.differentiable = differentiable;
  p.runner = std::make_unique<Runner>(p.net, o);
  p.runner->add_monitor({"g", "syn", "g", {}, 1});
  return p;
}

}  // namespace

TEST(ExponentialSynapse, MatchesClosedFormOnBothPaths) {
  const double tau = 5.0, w = 0.7, dt = 0.1, t_spike = 1.0;
  const int64_t spike_step = std::llround(t_spike / dt);
  for (bool differentiable : {false, true}) {
    for (Integrator m : {Integrator::ExpEuler, Integrator::Euler}) {
      auto p = make_probe(m, tau, w, t_spike, differentiable);
      auto r = p.runner->run(30.0);
      const at::Tensor g = r.values["g"].detach();  // (steps, 3)
      for (int64_t k = 0; k < r.steps; ++k) {
        // The spike of step s acts from step s + 1 on (one step of transmission, as Brian2/BrainPy).
        double expected = 0.0;
        if (k > spike_step) {
          const double n = double(k - spike_step - 1);
          expected = m == Integrator::ExpEuler ? w * std::exp(-n * dt / tau) : w * std::pow(1.0 - dt / tau, n);
        }
        for (int64_t j = 0; j < 3; ++j)
          ASSERT_NEAR(g[k][j].item<double>(), expected, 1e-12)
              << "step " << k << " differentiable " << differentiable << " " << integrator_name(m);
      }
    }
  }
}

TEST(ExponentialSynapse, RejectsBadTau) {
  EXPECT_THROW(ExponentialSynapse(3, ExponentialSynapseOptions{0.0}), c10::Error);
  EXPECT_THROW(ExponentialSynapse(0, ExponentialSynapseOptions{}), c10::Error);
}

TEST(AlignPostProjection, RejectsMismatchedSizes) {
  Network net;
  net.add_group("a", std::make_shared<LIF>(4, LIFOptions{}));
  net.add_group("b", std::make_shared<LIF>(5, LIFOptions{}));
  auto comm = std::make_shared<DenseCommunication>(at::full({4, 6}, 1.0));
  try {
    AlignPostProjection(net.population("a"), net.population("b"), comm, {}, std::make_shared<CUBA>());
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("n_post"), std::string::npos) << e.what_without_backtrace();
  }
}
