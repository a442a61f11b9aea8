#include "braintorch/neurons/lif.h"

#include <ATen/ops/clamp_min.h>
#include <ATen/ops/exp.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/logical_not.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>

#include "braintorch/solvers/ode_step.h"
#include "csrc/neurons/lif_fused.h"

namespace braintorch {

Integrator parse_integrator(const std::string& name) {
  // The solver registry's keywords and aliases (solvers/ode_step.h), so a name means the same scheme on
  // the fused kernel, the differentiable path and solvers::make_ode_step.
  std::string canonical;
  try {
    canonical = solvers::canonical_ode_method(name);
  } catch (const c10::Error&) {
    TORCH_CHECK(false, "unknown integration method '", name,
                "'; valid: euler, exp_euler (aliases exponential_euler, exp_euler_auto, exp_auto)");
  }
  if (canonical == "euler") return Integrator::Euler;
  if (canonical == "exp_euler") return Integrator::ExpEuler;
  TORCH_CHECK(false, "integration method '", name, "' is a solver of solvers::make_ode_step that the fused neuron "
              "models do not implement; valid: euler, exp_euler (aliases exponential_euler, exp_euler_auto, exp_auto)");
}

std::string integrator_name(Integrator m) { return m == Integrator::Euler ? "euler" : "exp_euler"; }

LIF::LIF(int64_t size, LIFOptions options) : NeuronGroup("LIF", size), opts_(std::move(options)) {
  TORCH_CHECK(std::isfinite(opts_.v_rest) && std::isfinite(opts_.v_reset) && std::isfinite(opts_.v_th),
              "LIF: v_rest, v_reset and v_th must be finite");
  TORCH_CHECK(opts_.tau > 0 && std::isfinite(opts_.tau), "LIF: tau must be > 0, got ", opts_.tau);
  TORCH_CHECK(opts_.tau_ref >= 0 && std::isfinite(opts_.tau_ref), "LIF: tau_ref must be >= 0, got ", opts_.tau_ref);
  TORCH_CHECK(std::isfinite(opts_.r), "LIF: r must be finite, got ", opts_.r);
  if (!opts_.v_init) opts_.v_init = std::make_shared<Constant>(opts_.v_rest);
  register_variable("V", &v_);
  register_variable("refractory", &refractory_);
}

void LIF::reset_state_impl() {
  reset_group_state();
  at::Generator gen = make_cpu_generator(seed_);
  v_ = (*opts_.v_init)(state_shape(size_), options_, gen);
  refractory_ = at::zeros(state_shape(size_), options_.dtype(at::kInt));
}

void LIF::set_v(const at::Tensor& v) {
  TORCH_CHECK(v_.defined(), "LIF.set_v: call reset_state first");
  TORCH_CHECK(v.sizes() == v_.sizes(), "LIF.set_v: v must have shape ", v_.sizes(), ", got ", v.sizes());
  v_ = v.to(options_).clone();
}

void LIF::update(const Clock& clock) {
  TORCH_CHECK(v_.defined(), "LIF.update: call reset_state before simulating");
  TORCH_CHECK(clock.dt > 0, "LIF.update: dt must be > 0, got ", clock.dt);
  if (fused_path_enabled())
    update_fused(clock);
  else
    update_differentiable(clock);
}

namespace {
lif_math::StepParams<double> step_params(const LIFOptions& o, double dt, bool has_conductance) {
  lif_math::StepParams<double> p{};
  p.v_rest = o.v_rest;
  p.v_reset = o.v_reset;
  p.v_th = o.v_th;
  p.r = o.r;
  p.dt = dt;
  p.tau = o.tau;
  p.dt_over_tau = dt / o.tau;
  p.decay = std::exp(-dt / o.tau);
  // Brian2's timing: a spike in step n (time t_n) makes the neuron refractory on [t_n, t_n + tau_ref);
  // the step that starts at t_n + tau_ref integrates again. So V is held in the round(tau_ref/dt) - 1
  // steps after the spike step.
  p.refractory_steps = int32_t(std::max<long long>(std::llround(o.tau_ref / dt) - 1, 0));
  p.exp_euler = o.method == Integrator::ExpEuler;
  p.has_conductance = has_conductance;
  return p;
}
}  // namespace

void LIF::update_fused(const Clock& clock) {
  detail::LIFFusedArgs a;
  a.v = v_;
  a.refractory = refractory_;
  a.spike = spike_;
  a.external = external_at(clock, &a.external_scalar);
  if (a.external.defined()) {
    a.external = a.external.to(options_);
    if (a.external.numel() != size_) a.external = a.external.expand(v_.sizes());
    a.external = a.external.contiguous();
  }
  a.current = current_in_;
  a.conductance = conductance_in_;
  a.reversal = reversal_in_;
  a.use_current = has_current_input_;
  a.use_conductance = has_conductance_input_;
  std::shared_ptr<ConductanceChannel> channels[kMaxChannels];
  if (v_.is_cpu()) {
    a.n_channels = lock_channels(channels);
    for (int c = 0; c < a.n_channels; ++c) {
      TORCH_CHECK(channels[c]->g->sizes() == v_.sizes(), "LIF.update: a conductance channel has shape ",
                  channels[c]->g->sizes(), " but V has ", v_.sizes(), "; call reset_state on the network");
      a.channel_g[c] = *channels[c]->g;
      a.channel_pending[c] = channels[c]->pending;
      a.channel_decay[c] = channels[c]->decay;
      a.channel_reversal[c] = channels[c]->reversal;
    }
  }
  const auto p = step_params(opts_, clock.dt, has_conductance_input_ || a.n_channels > 0);
  if (v_.is_cpu()) {
    a.spike_list = &spike_list_;
    detail::lif_fused_cpu(a, p);
    spike_list_valid_ = true;
  } else {
#ifdef BRAINTORCH_WITH_CUDA
    TORCH_CHECK(v_.is_cuda(), "LIF: unsupported device ", v_.device());
    detail::lif_fused_cuda(a, p);
    spike_list_valid_ = false;
#else
    TORCH_CHECK(false, "LIF: braintorch was built without CUDA; state is on ", v_.device());
#endif
  }
  inputs_consumed();  // the kernel zeroed the accumulators as it read them
}

void LIF::update_differentiable(const Clock& clock) {
  const auto p = step_params(opts_, clock.dt, has_conductance_input_);
  double ext_scalar = 0.0;
  at::Tensor ext = external_at(clock, &ext_scalar);
  // I_0 and g of lif_math: every input that does not depend on V, and the total conductance.
  at::Tensor i0 = at::full_like(v_, ext_scalar);
  if (ext.defined()) i0 = i0 + ext.to(options_);
  if (has_current_input_) i0 = i0 + current_in_;
  at::Tensor g = at::zeros_like(v_);
  if (has_conductance_input_) {
    i0 = i0 + reversal_in_;
    g = conductance_in_;
  }
  at::Tensor v_int;
  if (p.exp_euler)
    v_int = lif_math::exp_euler_step(v_, i0, g, p.v_rest, p.r, p.dt, p.tau);
  else
    v_int = lif_math::euler_step(v_, i0, g, p.v_rest, p.r, p.dt_over_tau);
  const at::Tensor refractory = refractory_ > 0;
  const at::Tensor v_cand = at::where(refractory, v_, v_int);
  spike_ = spike_function(v_cand - p.v_th, opts_.surrogate) * at::logical_not(refractory).to(v_.scalar_type());
  v_ = v_cand * (1 - spike_) + p.v_reset * spike_;
  const at::Tensor spiked = spike_ > 0;
  refractory_ = at::where(spiked, at::full_like(refractory_, p.refractory_steps),
                          at::clamp_min(refractory_ - 1, 0));
  spike_list_valid_ = false;
  clear_inputs(/*fused=*/false);
}

}  // namespace braintorch
