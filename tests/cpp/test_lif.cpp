// A single LIF neuron against its analytic membrane trajectory and spike times.
#include <ATen/ops/tensor.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "braintorch/core/network.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

namespace {

struct NeuronSetup {
  double v_rest = -60, v_th = -50, tau = 20, input = 20, tau_ref = 5;
};

std::shared_ptr<Network> single_neuron(Integrator method, const NeuronSetup& s, at::ScalarType dtype = at::kDouble) {
  auto net = std::make_shared<Network>(1);
  LIFOptions o;
  o.v_rest = s.v_rest;
  o.v_reset = s.v_rest;
  o.v_th = s.v_th;
  o.tau = s.tau;
  o.tau_ref = s.tau_ref;
  o.method = method;
  auto lif = net->add_group("n", std::make_shared<LIF>(1, o));
  net->to_options(at::TensorOptions().dtype(dtype));
  net->reset_state();
  lif->set_external_input(ExternalInput::constant(s.input));
  return net;
}

// Analytic: V(t) = V_inf + (V0 - V_inf) exp(-t/tau), V_inf = V_rest + R I; first crossing t*.
double analytic_v(const NeuronSetup& s, double t) {
  const double v_inf = s.v_rest + s.input;
  return v_inf + (s.v_rest - v_inf) * std::exp(-t / s.tau);
}
double analytic_spike_time(const NeuronSetup& s) {
  const double v_inf = s.v_rest + s.input;
  return s.tau * std::log((s.v_rest - v_inf) / (s.v_th - v_inf));
}

}  // namespace

TEST(LIF, ExpEulerIsExactForConstantInput) {
  NeuronSetup s;
  const double dt = 0.1;
  auto net = single_neuron(Integrator::ExpEuler, s);
  Runner runner(net, RunnerOptions{dt});
  runner.add_monitor({"v", "n", "V", {}, 1});
  runner.add_spike_monitor({"spikes", "n"});
  auto r = runner.run(100.0);
  const at::Tensor v = r.values["v"].reshape({-1});
  const double t_star = analytic_spike_time(s);  // 13.8629 ms
  const int64_t first_spike_step = int64_t(std::ceil(t_star / dt)) - 1;  // step k ends at (k+1) dt
  for (int64_t k = 0; k < first_spike_step; ++k)
    ASSERT_NEAR(v[k].item<double>(), analytic_v(s, double(k + 1) * dt), 1e-10) << "step " << k;
  const auto& sp = r.spikes["spikes"];
  ASSERT_GE(sp.steps.numel(), 2);
  EXPECT_EQ(sp.steps[0].item<int64_t>(), first_spike_step);
  // Refractory on [t_spike, t_spike + tau_ref) as in Brian2: V stays at V_reset through step
  // spike + n_ref - 1 and integrates from V_reset again in step spike + n_ref, so the next spike comes
  // first_spike_step + 1 integration steps later.
  const int64_t n_ref = std::llround(s.tau_ref / dt);
  EXPECT_EQ(sp.steps[1].item<int64_t>() - sp.steps[0].item<int64_t>(), n_ref + first_spike_step);
  for (int64_t k = first_spike_step; k < first_spike_step + n_ref; ++k)
    EXPECT_DOUBLE_EQ(v[k].item<double>(), s.v_rest) << "refractory step " << k;
  EXPECT_GT(v[first_spike_step + n_ref].item<double>(), s.v_rest);
}

TEST(LIF, EulerConvergesAtFirstOrder) {
  NeuronSetup s;
  s.input = 9.0;  // stays subthreshold: V_inf = -51 mV
  const double t_end = 30.0;
  std::vector<double> errors;
  for (double dt : {0.2, 0.1, 0.05}) {
    auto net = single_neuron(Integrator::Euler, s);
    Runner runner(net, RunnerOptions{dt});
    runner.add_monitor({"v", "n", "V", {}, 1});
    auto r = runner.run(t_end);
    const double v_end = r.values["v"].reshape({-1})[-1].item<double>();
    errors.push_back(std::abs(v_end - analytic_v(s, t_end)));
  }
  EXPECT_GT(errors[0], 0.0);
  for (size_t i = 1; i < errors.size(); ++i) {
    const double order = std::log2(errors[i - 1] / errors[i]);
    EXPECT_NEAR(order, 1.0, 0.1);
  }
}

TEST(LIF, DifferentiablePathMatchesFusedPath) {
  NeuronSetup s;
  for (Integrator m : {Integrator::Euler, Integrator::ExpEuler}) {
    auto fused = single_neuron(m, s);
    auto diff = single_neuron(m, s);
    Runner rf(fused, RunnerOptions{0.1});
    RunnerOptions od{0.1};
    od.differentiable = true;
    Runner rd(diff, od);
    for (Runner* r : {&rf, &rd}) r->add_monitor({"v", "n", "V", {}, 1});
    auto a = rf.run(60.0);
    auto b = rd.run(60.0);
    EXPECT_TRUE(at::allclose(a.values["v"], b.values["v"].detach(), 1e-12, 1e-12)) << integrator_name(m);
  }
}

TEST(LIF, RejectsBadParameters) {
  LIFOptions o;
  o.tau = -1;
  EXPECT_THROW(LIF(10, o), c10::Error);
  EXPECT_THROW(LIF(0, LIFOptions{}), c10::Error);
  EXPECT_THROW(parse_integrator("rk9"), c10::Error);
  try {
    parse_integrator("rk9");
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("exp_euler"), std::string::npos);
  }
}
