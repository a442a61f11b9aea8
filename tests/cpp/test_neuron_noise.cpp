// BrainPy's `noise` on the neuron models: dV = f dt + sigma dW.
//   - each SDE scheme of a model step equals the solver registry's sde_step (solvers/sde_solvers.h) on
//     the same drift, diffusion and Wiener increment;
//   - the stationary law of a noisy leaky integrator is the Ornstein-Uhlenbeck one of the scheme
//     (mean V_inf, variance sigma^2 dt / (1 - q^2) with q the scheme's decay per step), over 20000
//     neurons: the increments are independent, of variance dt;
//   - a seed fixes the path (bitwise); rows of a batch are independent; a refractory V stays held;
//   - bad noise or a method without an additive-noise form is refused with a message.
#include <ATen/Functions.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "braintorch/core/clock.h"
#include "braintorch/models/registry.h"
#include "braintorch/neurons/neuron_model_group.h"
#include "braintorch/solvers/sde_solvers.h"

using namespace braintorch;

namespace {

const at::TensorOptions kF64 = at::TensorOptions().dtype(at::kDouble);

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

// AdExIF (two states, V nonlinear) below threshold, BrainPy's defaults: the drift written out again for
// sde_step.
solvers::Tensors adex_drift(const solvers::Tensors& y, double I) {
  const double V_rest = -65, delta_T = 3.48, V_T = -59.9, R = 1, tau = 10, a = 1, tau_w = 30;
  const at::Tensor& V = y[0];
  const at::Tensor& w = y[1];
  const at::Tensor dV = (-(V - V_rest) + delta_T * at::exp((V - V_T) / delta_T) - R * w + R * I) / tau;
  const at::Tensor dw = (a * (V - V_rest) - w) / tau_w;
  return {dV, dw};
}

TEST(NeuronNoise, EachSchemeEqualsTheSdeSolverStep) {
  const auto& info = models::neuron_model("AdExIF");
  const int64_t n = 64;
  const double dt = 0.1, I = 3.0;
  const at::Tensor sigma = at::linspace(0.5, 3.0, n, kF64);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(11);
  // Far enough below V_th = -55 that no step spikes (sde_step knows no reset).
  const at::Tensor V = -75 + 7 * at::rand({n}, gen, kF64), w = at::rand({n}, gen, kF64);
  const at::Tensor dW = std::sqrt(dt) * at::randn({n}, gen, kF64);
  for (const char* method : {"euler", "milstein", "milstein2", "heun", "exp_euler"}) {
    models::TensorStepArgs a;
    a.x = {V.clone(), w.clone()};
    for (const auto& p : info.params) a.params.push_back(at::scalar_tensor(p.value, kF64));
    a.i0 = at::full({n}, I, kF64);
    a.ltc = false;
    a.method = method;
    a.dt = dt;
    a.noise = sigma;
    a.dW = dW;
    info.tensor_step(a);

    const solvers::SdeMethod sm = solvers::parse_sde_method(method);
    const auto integral = sm == solvers::SdeMethod::Heun ? solvers::SdeIntegral::Stratonovich : solvers::SdeIntegral::Ito;
    solvers::SdeNoise nz;
    nz.dW = {dW, at::zeros_like(dW)};
    const solvers::Tensors want = solvers::sde_step(
        [&](const solvers::Tensors& y, double, const solvers::Tensors&) { return adex_drift(y, I); },
        [&](const solvers::Tensors& y, double, const solvers::Tensors&) {
          return solvers::Tensors{sigma.expand_as(y[0]), at::zeros_like(y[1])};
        },
        sm, integral, solvers::WienerType::Scalar, {V, w}, 0.0, dt, nz, {});
    for (int k = 0; k < 2; ++k)
      EXPECT_TRUE(at::allclose(a.x[size_t(k)], want[size_t(k)], 1e-12, 1e-12))
          << method << " state " << k << ": max diff " << (a.x[size_t(k)] - want[size_t(k)]).abs().max().item<double>();
    EXPECT_FALSE(at::allclose(a.x[0], V, 1e-3, 1e-3)) << method << ": the step did not move V";
  }
}

// A leaky integrator with noise is an Ornstein-Uhlenbeck process. One step maps the distance to V_inf
// by q and adds sigma dW, so the stationary variance is sigma^2 dt / (1 - q^2): exp_euler q = e^{-h},
// euler q = 1 - h, heun q = 1 - h + h^2/2 with the kick scaled by (1 - h/2) (h = dt/tau).
TEST(NeuronNoise, LeakyIntegratorReachesTheSchemesStationaryLaw) {
  const int64_t n = 20000;
  const double dt = 0.1, tau = 5.0, sigma = 2.0, I = 4.0, V_rest = -1.0, h = dt / tau;
  const double v_inf = V_rest + I;
  struct Scheme {
    const char* method;
    double q, kick;
  };
  for (const Scheme& s : {Scheme{"exp_euler", std::exp(-h), 1.0}, Scheme{"euler", 1.0 - h, 1.0},
                          Scheme{"heun", 1.0 - h + h * h / 2, 1.0 - h / 2}}) {
    NeuronModelOptions o;
    o.params = {{"tau", tau}, {"V_rest", V_rest}};
    o.noise = sigma;
    o.method = s.method;
    auto g = std::make_shared<NeuronModelGroup>("IF", n, o);
    g->set_state_options(kF64);
    g->set_seed(5);
    g->reset_state();
    g->set_state("V", at::full({n}, v_inf, kF64));
    g->set_external_input(ExternalInput::constant(I));
    c10::InferenceMode guard;  // as the CLI runs it
    Clock clock;
    clock.dt = dt;
    for (int k = 0; k < 1000; ++k) {  // 20 tau: the variance reaches its limit to 1e-17
      g->update(clock);
      clock.advance();
    }
    const at::Tensor v = g->state("V");
    const double var = sigma * sigma * s.kick * s.kick * dt / (1 - s.q * s.q);
    const double mean = v.mean().item<double>(), sample_var = v.var().item<double>();
    EXPECT_NEAR(mean, v_inf, 4 * std::sqrt(var / double(n))) << s.method;
    // The sample variance of n normals has a relative standard error sqrt(2 / n) = 1%.
    EXPECT_NEAR(sample_var / var, 1.0, 0.05) << s.method << ": variance " << sample_var << ", expected " << var;
  }
}

std::shared_ptr<NeuronModelGroup> noisy_group(const std::string& model, int64_t n, uint64_t seed, int64_t batch = 0,
                                              NeuronModelOptions o = {}) {
  if (o.noise == 0 && !o.noise_tensor.defined()) o.noise = 1.5;
  o.method = "euler";
  auto g = std::make_shared<NeuronModelGroup>(model, n, o);
  g->set_state_options(kF64);
  g->set_seed(seed);
  g->reset_state(batch);
  const int k = g->model().param_index("V_rest");
  if (k >= 0) g->set_state("V", at::full_like(g->state(0), g->model().params[size_t(k)].value));
  g->set_external_input(ExternalInput::constant(g->model().example_input));
  return g;
}

at::Tensor run_v(NeuronModelGroup& g, int steps) {
  Clock clock;
  clock.dt = 0.1;
  std::vector<at::Tensor> v;
  for (int k = 0; k < steps; ++k) {
    g.update(clock);
    v.push_back(g.state(0).clone());
    clock.advance();
  }
  return at::stack(v);
}

TEST(NeuronNoise, TheSeedFixesThePathAndBatchRowsAreIndependent) {
  c10::InferenceMode guard;
  auto a = noisy_group("Lif", 50, 3), b = noisy_group("Lif", 50, 3), c = noisy_group("Lif", 50, 4);
  const at::Tensor va = run_v(*a, 300), vb = run_v(*b, 300), vc = run_v(*c, 300);
  EXPECT_TRUE(at::equal(va, vb));
  EXPECT_FALSE(at::allclose(va, vc));
  auto batched = noisy_group("Lif", 50, 3, 2);
  const at::Tensor v2 = run_v(*batched, 50);
  EXPECT_FALSE(at::allclose(v2.select(1, 0), v2.select(1, 1)));
  // Per-neuron coefficients: a neuron with sigma 0 follows the noiseless trajectory.
  NeuronModelOptions o;
  o.noise_tensor = at::zeros({50}, kF64);
  o.noise_tensor[7] = 2.0;
  auto mixed = noisy_group("Lif", 50, 3, 0, o);
  ASSERT_TRUE(mixed->noisy());
  NeuronModelOptions quiet;
  quiet.method = "euler";
  auto plain = std::make_shared<NeuronModelGroup>("Lif", 50, quiet);
  plain->set_state_options(kF64);
  plain->reset_state();
  plain->set_state("V", mixed->state("V").clone());
  plain->set_external_input(ExternalInput::constant(plain->model().example_input));
  const at::Tensor vm = run_v(*mixed, 100), vp = run_v(*plain, 100);
  EXPECT_TRUE(at::allclose(vm.select(1, 0), vp.select(1, 0), 1e-12, 1e-12));
  EXPECT_FALSE(at::allclose(vm.select(1, 7), vp.select(1, 7), 1e-3, 1e-3));
}

TEST(NeuronNoise, RefractoryNeuronsStayHeldAndSpikesStillHappen) {
  c10::InferenceMode guard;
  NeuronModelOptions o;
  o.params = {{"tau_ref", 2.0}};
  auto g = noisy_group("LifRef", 200, 9, 0, o);
  Clock clock;
  clock.dt = 0.1;
  int64_t spikes = 0, held = 0;
  const double v_reset = g->model().params[size_t(g->model().param_index("V_reset"))].value;
  for (int k = 0; k < 2000; ++k) {
    const at::Tensor was_held = g->refractory() > 0;
    g->update(clock);
    const at::Tensor v = g->state("V");
    held += was_held.sum().item<int64_t>();
    EXPECT_TRUE(at::equal(v.masked_select(was_held), at::full({was_held.sum().item<int64_t>()}, v_reset, kF64)));
    spikes += g->spike().sum().item<int64_t>();
    clock.advance();
  }
  EXPECT_GT(spikes, 100);
  EXPECT_GT(held, 1000);
}

TEST(NeuronNoise, BadNoiseAndMethodsAreRefused) {
  NeuronModelOptions o;
  o.noise = -1;
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 4, o); }).find("Lif: noise must be >= 0, got -1"), std::string::npos);
  o.noise = 1;
  o.method = "rk4";
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 4, o); })
                .find("Lif: with noise, method 'rk4' must be an SDE method; valid: euler, heun, milstein, milstein2, exp_euler"),
            std::string::npos);
  o.method = "srk1w1";
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 4, o); }).find("is not offered (it needs iterated Wiener integrals)"),
            std::string::npos);
  o.method = "exp_auto";  // BrainPy's default spelling: the SDE exp_euler
  EXPECT_EQ(error_of([&] { NeuronModelGroup("Lif", 4, o); }), "");
  o.noise_tensor = at::ones({3}, kF64);
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 4, o); }).find("noise_tensor must be a floating-point tensor of shape (4)"),
            std::string::npos);
  o.noise_tensor = -at::ones({4}, kF64);
  EXPECT_NE(error_of([&] { NeuronModelGroup("Lif", 4, o); }).find("noise_tensor must be finite and >= 0"), std::string::npos);
}

}  // namespace
