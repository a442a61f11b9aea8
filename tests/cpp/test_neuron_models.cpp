// The common checks every registered neuron model runs through (the suite is instantiated over
// models::neuron_model_names(), so a new model is picked up with no edit here):
//   - the fused path equals the differentiable path (float64, 1e-12) over steps with spikes and
//     refractory periods, with conductance and current input;
//   - a batch of B equals B single runs (fused, bitwise);
//   - gradients of a subthreshold loss through 500 steps, with respect to the initial state and to
//     trainable parameters, match central finite differences (1e-6 relative);
//   - per-neuron parameters equal separate groups with shared parameters;
//   - CUDA equals CPU (1e-6 relative) when a GPU is present.
#include <ATen/Functions.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "braintorch/core/clock.h"
#include "braintorch/models/registry.h"
#include "braintorch/neurons/neuron_model_group.h"

using namespace braintorch;

namespace {

const at::TensorOptions kF64 = at::TensorOptions().dtype(at::kDouble);

// Starts state 0 at V_rest where the model has one (BrainPy's ExpIF starts at 0 mV, where its spike
// current is e^17 and a step leaves the floating-point range on one path and not the other).
void start_at_rest(NeuronModelGroup& g) {
  const int k = g.model().param_index("V_rest");
  if (k >= 0) g.set_state(g.model().states[0].name, at::full_like(g.state(0), g.model().params[size_t(k)].value));
}

// A group of n neurons of `model` driven by scaled example inputs (one scale per neuron), float64.
std::shared_ptr<NeuronModelGroup> make_group(const std::string& model, int64_t n, NeuronModelOptions o = {},
                                             int64_t batch = 0, at::Device device = at::kCPU) {
  const auto& info = models::neuron_model(model);
  if (info.refractory && !o.params.count("tau_ref")) o.params["tau_ref"] = 1.05;
  auto g = std::make_shared<NeuronModelGroup>(model, n, o);
  g->set_state_options(kF64.device(device));
  g->set_seed(7);
  g->reset_state(batch);
  start_at_rest(*g);
  return g;
}

// Per-neuron drive: the model's example input times 0.5 .. 2 (several rates, some neurons silent).
at::Tensor drive(const models::NeuronModelInfo& info, int64_t n) {
  return at::linspace(0.5, 2.0, n, kF64) * info.example_input;
}

struct Trace {
  std::vector<at::Tensor> states;  // per step: (K, ...) stacked states
  std::vector<at::Tensor> spikes;
};

// Runs `steps` steps; conductance input g_syn(t) with reversal E is added before each update (the
// LTC twins see it at the integration point), the external drive is constant.
Trace run(NeuronModelGroup& g, int steps, const at::Tensor& ext, bool differentiable, double g_syn = 0.05,
          double reversal = 0.0) {
  Trace t;
  Clock clock;
  clock.dt = 0.05;
  g.set_external_input(ExternalInput::constant(ext));
  for (int s = 0; s < steps; ++s) {
    c10::AutoGradMode grad(differentiable);
    if (g_syn != 0.0) {
      const double gs = g_syn * (1.0 + std::sin(0.05 * s));
      g.add_conductance(at::full({g.size()}, gs, g.state(0).options()).expand(g.state(0).sizes()), reversal);
    }
    g.update(clock);
    std::vector<at::Tensor> xs;
    for (size_t k = 0; k < g.model().states.size(); ++k) xs.push_back(g.state(int(k)).detach().clone());
    t.states.push_back(at::stack(xs));
    t.spikes.push_back(g.spike().detach().clone());
    clock.advance();
  }
  return t;
}

class NeuronModels : public ::testing::TestWithParam<std::string> {};

// Each step of the fused kernel against one differentiable step from the same state, along a trajectory
// with spikes and refractory periods: no round-off accumulates, so 1e-12 holds for every model.
TEST_P(NeuronModels, FusedStepEqualsDifferentiableStep) {
  const auto& info = models::neuron_model(GetParam());
  const int64_t n = 8;
  const double dt = 0.05;
  for (const char* method : {"euler", "exp_euler", "rk2", "rk4"}) {
    NeuronModelOptions o;
    o.method = method;
    o.spk_reset = models::SpikeReset::Hard;  // the training path's hard reset is the event path's jump
    auto fused = make_group(info.name, n, o);
    auto diff = make_group(info.name, n, o);
    const at::Tensor ext = drive(info, n);
    fused->set_external_input(ExternalInput::constant(ext));
    diff->set_external_input(ExternalInput::constant(ext));
    Clock clock;
    clock.dt = dt;
    int64_t spikes = 0, held = 0;
    for (int s = 0; s < 400; ++s) {
      for (size_t k = 0; k < info.states.size(); ++k) diff->set_state(info.states[k].name, fused->state(int(k)));
      if (info.refractory) diff->set_refractory(fused->refractory());
      // Conductance input with a reversal above rest: the LTC twins see it at the integration point.
      const double gs = 0.02 * (1.0 + std::sin(0.05 * s));
      const at::Tensor g = at::full({n}, gs, kF64);
      {
        c10::InferenceMode guard;
        fused->add_conductance(g, 0.0);
        fused->update(clock);
      }
      {
        c10::AutoGradMode grad(true);
        diff->add_conductance(g, 0.0);
        diff->update(clock);
      }
      for (size_t k = 0; k < info.states.size(); ++k) {
        const at::Tensor a = fused->state(int(k)), b = diff->state(int(k)).detach();
        ASSERT_TRUE(at::isfinite(a).all().item<bool>()) << info.name << " " << method << " step " << s;
        ASSERT_TRUE(at::allclose(a, b, 1e-12, 1e-12)) << info.name << " " << method << " step " << s << " "
            << info.states[k].name << ": max diff " << (a - b).abs().max().item<double>();
      }
      ASSERT_TRUE(at::equal(fused->spike(), diff->spike().detach())) << info.name << " " << method << " step " << s;
      if (info.refractory) {
        ASSERT_TRUE(at::equal(fused->refractory(), diff->refractory())) << info.name << " " << method << " step " << s;
        held += (fused->refractory() > 0).sum().item<int64_t>();
      }
      spikes += fused->spike().sum().item<int64_t>();
      clock.advance();
    }
    if (info.spiking) EXPECT_GT(spikes, 0) << info.name << " " << method << ": the comparison saw no spike";
    if (info.refractory) EXPECT_GT(held, 0) << info.name << " " << method << ": no refractory step";
  }
}

TEST_P(NeuronModels, BatchEqualsSingleRuns) {
  const auto& info = models::neuron_model(GetParam());
  const int64_t n = 5, batch = 3;
  c10::InferenceMode guard;
  auto batched = make_group(info.name, n, {}, batch);
  std::vector<at::Tensor> ext_rows;
  for (int64_t b = 0; b < batch; ++b) ext_rows.push_back(drive(info, n) * (1.0 + 0.2 * double(b)));
  // Rows start from different states too.
  batched->set_state(info.states[0].name, batched->state(0) + at::arange(batch, kF64).unsqueeze(1));
  std::vector<at::Tensor> init;
  for (size_t k = 0; k < info.states.size(); ++k) init.push_back(batched->state(int(k)).clone());
  const Trace all = run(*batched, 200, at::stack(ext_rows), false);
  for (int64_t b = 0; b < batch; ++b) {
    auto single = make_group(info.name, n);
    for (size_t k = 0; k < info.states.size(); ++k) single->set_state(info.states[k].name, init[k][b]);
    const Trace one = run(*single, 200, ext_rows[size_t(b)], false);
    for (size_t s = 0; s < one.states.size(); ++s) {
      ASSERT_TRUE(at::equal(one.states[s], all.states[s].select(1, b))) << info.name << " row " << b << " step " << s;
      ASSERT_TRUE(at::equal(one.spikes[s], all.spikes[s][b])) << info.name << " row " << b << " step " << s;
    }
  }
}

TEST_P(NeuronModels, PerNeuronParametersEqualSeparateGroups) {
  const auto& info = models::neuron_model(GetParam());
  // The first parameter with a positive domain (a time constant, a capacitance) takes two values.
  int k = 0;
  while (k < int(info.params.size()) && info.params[size_t(k)].domain != models::Domain::Positive) ++k;
  ASSERT_LT(k, int(info.params.size())) << info.name << " has no positive parameter";
  const std::string name = info.params[size_t(k)].name;
  const double base = info.params[size_t(k)].value;
  c10::InferenceMode guard;
  NeuronModelOptions hetero;
  hetero.param_tensors[name] = at::tensor({base, 1.5 * base}, kF64);
  auto both = make_group(info.name, 2, hetero);
  std::vector<at::Tensor> init;
  for (size_t s = 0; s < info.states.size(); ++s) init.push_back(both->state(int(s)).clone());
  const at::Tensor ext = at::full({2}, info.example_input, kF64);
  const Trace t = run(*both, 200, ext, false);
  for (int j = 0; j < 2; ++j) {
    NeuronModelOptions o;
    o.params[name] = j == 0 ? base : 1.5 * base;
    auto one = make_group(info.name, 2, o);
    for (size_t s = 0; s < info.states.size(); ++s) one->set_state(info.states[s].name, init[s]);
    const Trace u = run(*one, 200, ext, false);
    for (size_t s = 0; s < u.states.size(); ++s)
      ASSERT_TRUE(at::equal(u.states[s].select(1, j), t.states[s].select(1, j))) << info.name << " " << name << " step " << s;
  }
}

// Loss: the mean of state 0 over 500 subthreshold steps (no input, so integrate-and-fire models stay
// below threshold; conductance-based models need no reset to be smooth).
double subthreshold_loss(const std::string& model, const std::map<std::string, double>& params, double v0_shift,
                         const std::vector<std::string>& trainable, std::vector<at::Tensor>* grads) {
  const auto& info = models::neuron_model(model);
  NeuronModelOptions o;
  o.params = params;
  if (info.refractory) o.params["tau_ref"] = 1.05;
  // The reset sees the spike without its gradient: below threshold the loss then has no surrogate term
  // (with it, the soft reset adds (V_th - V_reset) * surrogate'(V - V_th) at every step).
  o.detach_spk = true;
  for (const auto& n : trainable) o.trainable.insert(n);
  auto g = std::make_shared<NeuronModelGroup>(model, 2, o);
  g->set_state_options(kF64);
  g->set_seed(3);
  g->reset_state();
  start_at_rest(*g);
  c10::AutoGradMode grad_mode(true);
  const at::Tensor v0 = (g->state(0).detach() + v0_shift).requires_grad_(grads != nullptr);
  g->set_state(info.states[0].name, v0);  // set_state clones: the graph reaches v0
  at::Tensor loss = at::zeros({}, kF64);
  Clock clock;
  clock.dt = 0.1;
  for (int s = 0; s < 500; ++s) {
    g->update(clock);
    loss = loss + g->state(0).mean();
    clock.advance();
  }
  loss = loss / 500;
  if (grads) {
    std::vector<at::Tensor> inputs;
    for (const auto& n : trainable) inputs.push_back(g->param(n));
    inputs.push_back(v0);
    *grads = torch::autograd::grad({loss}, inputs, {}, std::nullopt, false, /*allow_unused=*/true);
  }
  return loss.item<double>();
}

TEST_P(NeuronModels, GradientsMatchFiniteDifferences) {
  const auto& info = models::neuron_model(GetParam());
  // The twins share their arithmetic with the declaration: check the first registered name of each.
  for (const auto& other : models::neuron_model_names()) {
    if (models::neuron_model(other).base != info.base) continue;
    if (other != info.name) GTEST_SKIP() << "checked through " << other;
    break;
  }
  // Time constants and capacitances first, then the others: the first two that reach the loss are checked.
  std::vector<std::string> names;
  for (const auto& p : info.params)
    if (p.domain == models::Domain::Positive) names.push_back(p.name);
  for (const auto& p : info.params)
    if (p.domain != models::Domain::Positive) names.push_back(p.name);
  std::vector<at::Tensor> grads;
  subthreshold_loss(info.name, {}, 0.0, names, &grads);
  int checked = 0;
  auto loss = [&](const std::map<std::string, double>& params, double shift) {
    return subthreshold_loss(info.name, params, shift, {}, nullptr);
  };
  for (size_t k = 0; k < names.size() && checked < 2; ++k) {
    // Skip a parameter the loss does not see (Izhikevich's tau and R; thresholds below threshold).
    if (!grads[k].defined() || grads[k].item<double>() == 0.0) continue;
    ++checked;
    const double v = info.params[size_t(info.param_index(names[k]))].value, h = 1e-6 * (v != 0.0 ? std::abs(v) : 1.0);
    const double numeric = (loss({{names[k], v + h}}, 0.0) - loss({{names[k], v - h}}, 0.0)) / (2 * h);
    const double analytic = grads[k].item<double>();
    EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(std::abs(numeric), 1e-4)) << info.name << " d loss / d " << names[k];
  }
  EXPECT_GT(checked, 0) << info.name << ": no parameter reaches the loss";
  // Both neurons' initial state moves together in the finite difference.
  const double h = 1e-4;
  const double numeric = (loss({}, h) - loss({}, -h)) / (2 * h);
  const double analytic = grads.back().sum().item<double>();
  EXPECT_GT(std::abs(numeric), 1e-8) << info.name << ": the loss does not depend on V0";
  EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(std::abs(numeric), 1e-4)) << info.name << " d loss / d V0";
}

TEST_P(NeuronModels, CudaEqualsCpu) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no GPU";
  const auto& info = models::neuron_model(GetParam());
  const int64_t n = 64;
  c10::InferenceMode guard;
  for (const char* method : {"euler", "exp_euler", "rk2", "rk4"}) {
    NeuronModelOptions o;
    o.method = method;
    auto cpu = make_group(info.name, n, o);
    auto gpu = make_group(info.name, n, o, 0, at::kCUDA);
    for (size_t k = 0; k < info.states.size(); ++k) gpu->set_state(info.states[k].name, cpu->state(int(k)).cuda());
    const at::Tensor ext = drive(info, n);
    const Trace a = run(*cpu, 200, ext, false);
    const Trace b = run(*gpu, 200, ext.cuda(), false);
    for (size_t s = 0; s < a.states.size(); ++s) {
      ASSERT_TRUE(at::allclose(a.states[s], b.states[s].cpu(), 1e-6, 1e-9))
          << info.name << " " << method << " step " << s << ": max diff "
          << (a.states[s] - b.states[s].cpu()).abs().max().item<double>();
    }
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Registered, NeuronModels, ::testing::ValuesIn(models::neuron_model_names()), test_name);

// ---------------------------------------------------------------- errors

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

TEST(NeuronModelErrors, NamesWhatIsWrong) {
  EXPECT_NE(error_of([] { models::neuron_model("Lifff"); }).find("unknown neuron model 'Lifff'; registered models: IF"),
            std::string::npos);
  NeuronModelOptions o;
  o.params["tua"] = 1;
  const std::string unknown = error_of([&] { NeuronModelGroup("LifRef", 3, o); });
  EXPECT_NE(unknown.find("LifRef: unknown parameter 'tua'; valid: V_rest, V_reset, V_th, R, tau, tau_ref"),
            std::string::npos) << unknown;
  o.params = {{"tau", -2.0}};
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 3, o); }).find("Lif: parameter 'tau' must be > 0, got -2"),
            std::string::npos);
  o.params = {{"tau_ref", -1.0}};
  EXPECT_NE(error_of([&] { NeuronModelGroup("LifRef", 3, o); }).find("parameter 'tau_ref' must be >= 0"),
            std::string::npos);
  o.params = {{"V_reset", 25.0}};
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 3, o); }).find("parameter 'V_reset' (25) must be < 'V_th' (20)"),
            std::string::npos);
  o.params.clear();
  o.param_tensors["tau"] = at::tensor({1.0, -1.0, 2.0}, kF64);
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 3, o); }).find("parameter 'tau' must be > 0 everywhere"),
            std::string::npos);
  o.param_tensors["tau"] = at::ones({4}, kF64);
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 3, o); }).find("must have shape () (shared), (3)"), std::string::npos);
  o.param_tensors.clear();
  o.init["W"] = std::make_shared<Constant>(0.0);
  EXPECT_NE(error_of([&] { NeuronModelGroup("AdExIF", 3, o); }).find("unknown state 'W' in the initializers; valid: V, w"),
            std::string::npos);
  o.init.clear();
  o.method = "rk9";
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 3, o); }).find("unknown ODE method 'rk9'"), std::string::npos);
  // A registry method the fused kernels lack: accepted for the differentiable path, refused fused.
  o.method = "rk3";
  auto g = make_group("Lif", 3, o);
  c10::InferenceMode guard;
  EXPECT_NE(error_of([&] { g->update(Clock{}); }).find("method 'rk3' is not implemented by the fused (no-grad) path"),
            std::string::npos);
}

TEST(NeuronModelRegistry, BrainPyNamesAndTwins) {
  for (const char* name : {"IF", "IFLTC", "Lif", "LifLTC", "LifRef", "LifRefLTC", "ExpIF", "ExpIFRefLTC", "AdExIF",
                           "AdExIFRef", "QuaIF", "QuaIFRef", "AdQuaIF", "AdQuaIFRefLTC", "Gif", "GifRef",
                           "Izhikevich", "IzhikevichRef", "ALIFBellec2020", "HH", "HHLTC", "MorrisLecar",
                           "WangBuzsakiHH", "TraubMilesHH"})
    EXPECT_TRUE(models::has_neuron_model(name)) << name;
  EXPECT_FALSE(models::has_neuron_model("IFRef"));  // BrainPy has no refractory leaky integrator
  EXPECT_TRUE(models::neuron_model("LifRefLTC").ltc);
  EXPECT_FALSE(models::neuron_model("LifRef").ltc);
  EXPECT_EQ(models::neuron_model("LifRef").params.back().name, std::string("tau_ref"));
  // BrainPy's defaults.
  const auto& adex = models::neuron_model("AdExIF");
  EXPECT_EQ(adex.params[size_t(adex.param_index("tau_w"))].value, 30.0);
  EXPECT_EQ(adex.params[size_t(adex.param_index("V_T"))].value, -59.9);
}

// The LTC twin evaluates conductance input at the integration point, the plain model at the old V:
// one exponential-Euler step of each against the closed forms.
TEST(NeuronModelInputs, PlainAndLtcTwinsUseTheirInputForms) {
  c10::InferenceMode guard;
  const double v0 = -10.0, g = 0.5, e = 30.0, i_ext = 2.0, dt = 0.1, tau = 10.0;
  for (const char* name : {"Lif", "LifLTC"}) {
    NeuronModelOptions o;
    o.params["V_th"] = 1e3;
    auto grp = make_group(name, 1, o);
    grp->set_state("V", at::full({1}, v0, kF64));
    grp->set_external_input(ExternalInput::constant(i_ext));
    grp->add_conductance(at::full({1}, g, kF64), e);
    Clock clock;
    clock.dt = dt;
    grp->update(clock);
    double expected;
    if (std::string(name) == "Lif") {  // I = i_ext + g (E - V0), constant over the step
      const double vinf = i_ext + g * (e - v0);
      expected = vinf + (v0 - vinf) * std::exp(-dt / tau);
    } else {  // tau dV/dt = -V + i_ext + g (E - V): rate (1 + g) / tau
      const double a = 1 + g, vinf = (i_ext + g * e) / a;
      expected = vinf + (v0 - vinf) * std::exp(-dt * a / tau);
    }
    EXPECT_NEAR(grp->state("V").item<double>(), expected, 1e-12) << name;
  }
}

}  // namespace
