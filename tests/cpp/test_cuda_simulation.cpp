// The fused step on the GPU against the CPU (same lif_math arithmetic). Skipped without a GPU.
#include <ATen/ops/equal.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "braintorch/core/network.h"
#include "braintorch/init/initializer.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {
std::shared_ptr<Network> driven_group(at::Device device, Integrator method) {
  auto net = std::make_shared<Network>(8);
  LIFOptions o;
  o.method = method;
  o.v_init = std::make_shared<Uniform>(-60.0, -50.0);
  auto g = net->add_group("n", std::make_shared<LIF>(1000, o));
  net->to_options(at::TensorOptions().dtype(at::kDouble).device(device));
  net->reset_state(2);
  g->set_external_input(ExternalInput::constant(15.0));
  return net;
}
}  // namespace

TEST(CudaSimulation, FusedLIFMatchesCPU) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (Integrator m : {Integrator::Euler, Integrator::ExpEuler}) {
    auto cpu = driven_group(at::kCPU, m);
    auto gpu = driven_group(at::Device(at::kCUDA, 0), m);
    Runner rc(cpu, RunnerOptions{0.1}), rg(gpu, RunnerOptions{0.1});
    for (Runner* r : {&rc, &rg}) {
      r->add_monitor({"v", "n", "V", {}, 10});
      r->add_spike_monitor({"s", "n"});
    }
    auto a = rc.run(50.0), b = rg.run(50.0);
    EXPECT_TRUE(at::allclose(a.values["v"], b.values["v"].cpu(), 1e-12, 1e-12)) << integrator_name(m);
    EXPECT_TRUE(at::equal(a.spikes["s"].steps, b.spikes["s"].steps));
    EXPECT_TRUE(at::equal(a.spikes["s"].indices, b.spikes["s"].indices));
  }
}
