// A network simulated without gradients (InferenceMode, fused path) can be reset and trained with
// autograd afterwards; gradients through the differentiable path match finite differences.
#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>

#include "braintorch/comm/dense_communication.h"
#include "braintorch/core/network.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/neurons/spike_time_group.h"
#include "braintorch/projections/align_post_projection.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {

struct Model {
  std::shared_ptr<Network> net;
  std::shared_ptr<DenseCommunication> comm;
};

// 5 input neurons firing at fixed times -> dense weights -> exponential synapses -> CUBA -> 3 LIF
// neurons. v_th is given by the caller (high: subthreshold, smooth loss; low: spiking).
Model make_model(double v_th) {
  Model m;
  m.net = std::make_shared<Network>(11);
  m.net->add_group("in", std::make_shared<SpikeTimeGroup>(5, std::vector<int64_t>{0, 1, 2, 3, 4, 0, 2},
                                                          std::vector<double>{0.5, 1.0, 1.7, 2.2, 3.0, 4.1, 5.3}));
  LIFOptions o;
  o.v_th = v_th;
  o.tau = 10.0;
  o.tau_ref = 1.0;
  m.net->add_group("out", std::make_shared<LIF>(3, o));
  at::Tensor w = at::randn({5, 3}, at::TensorOptions().dtype(at::kDouble)) * 3.0 + 4.0;
  m.comm = std::make_shared<DenseCommunication>(w);
  m.net->add_projection("p", std::make_shared<AlignPostProjection>(m.net->population("in"), m.net->population("out"),
                                                                   m.comm, ExponentialSynapseOptions{2.0},
                                                                   std::make_shared<CUBA>()));
  m.net->to_options(at::TensorOptions().dtype(at::kDouble));
  return m;
}

at::Tensor loss_of_run(Model& m, int64_t steps) {
  m.net->reset_state();
  RunnerOptions o{0.1};
  o.differentiable = true;
  Runner r(m.net, o);
  r.add_monitor({"v", "out", "V", {}, 1});
  return r.run_steps(steps).values["v"].sum();
}

}  // namespace

TEST(Training, GradientAfterInferenceRunMatchesFiniteDifferences) {
  Model m = make_model(/*v_th=*/100.0);  // never spikes: the loss is smooth in the weights
  // 1. Simulate without gradients first (the fast path, under InferenceMode).
  m.net->reset_state();
  Runner fast(m.net, RunnerOptions{0.1});
  fast.add_monitor({"v", "out", "V", {}, 1});
  const at::Tensor v_fast = fast.run_steps(80).values["v"];
  // 2. Reset and train: autograd through 80 steps.
  m.comm->weight().set_requires_grad(true);
  at::Tensor loss = loss_of_run(m, 80);
  auto grads = torch::autograd::grad({loss}, {m.comm->weight()});
  const at::Tensor g = grads[0];
  // 3. Central finite differences on every weight (these runs take the fused path: grad mode is off).
  const double eps = 1e-5;
  at::NoGradGuard no_grad;
  at::Tensor w = m.comm->weight();
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      const double w0 = w[i][j].item<double>();
      w[i][j] = w0 + eps;
      const double lp = loss_of_run(m, 80).item<double>();
      w[i][j] = w0 - eps;
      const double lm = loss_of_run(m, 80).item<double>();
      w[i][j] = w0;
      const double fd = (lp - lm) / (2 * eps);
      EXPECT_NEAR(g[i][j].item<double>(), fd, 1e-6 * std::max(1.0, std::abs(fd))) << i << "," << j;
    }
  // The differentiable path reproduces the fast trajectory.
  at::Tensor v_diff;
  {
    at::AutoGradMode with_grad(true);
    m.net->reset_state();
    RunnerOptions o{0.1};
    o.differentiable = true;
    Runner r(m.net, o);
    r.add_monitor({"v", "out", "V", {}, 1});
    v_diff = r.run_steps(80).values["v"];
  }
  EXPECT_TRUE(at::allclose(v_fast, v_diff, 1e-12, 1e-12));
}

TEST(Training, SurrogateGradientFlowsThroughSpikes) {
  Model m = make_model(/*v_th=*/-58.0);
  m.comm->weight().set_requires_grad(true);
  m.net->reset_state();
  RunnerOptions o{0.1};
  o.differentiable = true;
  Runner r(m.net, o);
  r.add_monitor({"s", "out", "spike", {}, 1});
  at::Tensor spikes = r.run_steps(100).values["s"];
  ASSERT_GT(spikes.sum().item<double>(), 0.0) << "the test needs output spikes";
  auto g = torch::autograd::grad({spikes.sum()}, {m.comm->weight()})[0];
  EXPECT_TRUE(g.isfinite().all().item<bool>());
  EXPECT_GT(g.abs().sum().item<double>(), 0.0);
}
