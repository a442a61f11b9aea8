#include "braintorch/neurons/neuron_model_group.h"

#include <ATen/ops/all.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/normal.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

#include "braintorch/solvers/ode_step.h"
#include "braintorch/solvers/sde_solvers.h"

namespace braintorch {
namespace {

std::string number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

void check_domain(const models::NeuronModelInfo& m, const models::ParamSpec& spec, double v) {
  TORCH_CHECK(std::isfinite(v), m.name, ": parameter '", spec.name, "' must be finite, got ", number(v));
  if (spec.domain == models::Domain::Positive)
    TORCH_CHECK(v > 0, m.name, ": parameter '", spec.name, "' must be > 0, got ", number(v));
  if (spec.domain == models::Domain::NonNegative)
    TORCH_CHECK(v >= 0, m.name, ": parameter '", spec.name, "' must be >= 0, got ", number(v));
}

void check_domain(const models::NeuronModelInfo& m, const models::ParamSpec& spec, const at::Tensor& t) {
  const at::Tensor d = t.detach().to(at::kDouble);
  TORCH_CHECK(d.isfinite().all().item<bool>(), m.name, ": parameter '", spec.name, "' must be finite");
  if (spec.domain == models::Domain::Positive)
    TORCH_CHECK((d > 0).all().item<bool>(), m.name, ": parameter '", spec.name, "' must be > 0 everywhere");
  if (spec.domain == models::Domain::NonNegative)
    TORCH_CHECK((d >= 0).all().item<bool>(), m.name, ": parameter '", spec.name, "' must be >= 0 everywhere");
}

}  // namespace

NeuronModelGroup::NeuronModelGroup(const std::string& model, int64_t size, NeuronModelOptions options)
    : NeuronModelGroup(model, model, size, std::move(options)) {}

NeuronModelGroup::NeuronModelGroup(const std::string& kind, const std::string& model, int64_t size,
                                   NeuronModelOptions options)
    : NeuronGroup(kind, size), info_(&models::neuron_model(model)), opts_(std::move(options)) {
  const auto& m = *info_;
  const size_t np = m.params.size();
  values_.resize(np);
  tensors_.resize(np);
  for (size_t k = 0; k < np; ++k) values_[k] = m.params[k].value;
  for (const auto& [name, v] : opts_.params) {
    const int k = m.param_index(name);
    TORCH_CHECK(k >= 0, m.name, ": unknown parameter '", name, "'; valid: ", m.param_names());
    values_[size_t(k)] = v;
  }
  for (const auto& [name, t] : opts_.param_tensors) {
    const int k = m.param_index(name);
    TORCH_CHECK(k >= 0, m.name, ": unknown parameter '", name, "'; valid: ", m.param_names());
    TORCH_CHECK(t.defined() && t.is_floating_point(), m.name, ": parameter '", name, "' must be a floating-point tensor");
    TORCH_CHECK(t.dim() == 0 || (t.dim() == 1 && t.size(0) == size) || (t.dim() == 2 && t.size(1) == size), m.name,
                ": parameter '", name, "' must have shape () (shared), (", size, ") (per neuron) or (batch, ", size,
                ") (per batch row and neuron), got ", t.sizes());
    tensors_[size_t(k)] = t.detach().clone();
  }
  for (size_t k = 0; k < np; ++k) {
    if (tensors_[k].defined()) check_domain(m, m.params[k], tensors_[k]);
    else check_domain(m, m.params[k], values_[k]);
  }
  for (const auto& r : m.relations) {
    const auto& lo = m.params[size_t(r.lower)];
    const auto& hi = m.params[size_t(r.upper)];
    if (!tensors_[size_t(r.lower)].defined() && !tensors_[size_t(r.upper)].defined()) {
      TORCH_CHECK(values_[size_t(r.lower)] < values_[size_t(r.upper)], m.name, ": parameter '", lo.name, "' (",
                  number(values_[size_t(r.lower)]), ") must be < '", hi.name, "' (", number(values_[size_t(r.upper)]), ")");
    } else {
      auto as_tensor = [&](size_t k) {
        return tensors_[k].defined() ? tensors_[k].to(at::kDouble) : at::scalar_tensor(values_[k], at::kDouble);
      };
      TORCH_CHECK((as_tensor(size_t(r.lower)) < as_tensor(size_t(r.upper))).all().item<bool>(), m.name,
                  ": parameter '", lo.name, "' must be < '", hi.name, "' everywhere");
    }
  }
  for (const auto& name : opts_.trainable) {
    const int k = m.param_index(name);
    TORCH_CHECK(k >= 0, m.name, ": unknown trainable parameter '", name, "'; valid: ", m.param_names());
    at::Tensor init = tensors_[size_t(k)].defined() ? tensors_[size_t(k)].to(at::kDouble)
                                                    : at::scalar_tensor(values_[size_t(k)], at::kDouble);
    tensors_[size_t(k)] = register_parameter(name, init, /*requires_grad=*/true);
  }
  for (const auto& [name, init] : opts_.init) {
    TORCH_CHECK(m.state_index(name) >= 0, m.name, ": unknown state '", name, "' in the initializers; valid: ",
                m.state_names());
    TORCH_CHECK(init, m.name, ": the initializer of '", name, "' is empty");
  }
  TORCH_CHECK(opts_.surrogate.alpha > 0, m.name, ": surrogate alpha must be > 0");

  TORCH_CHECK(std::isfinite(opts_.noise) && opts_.noise >= 0, m.name, ": noise must be >= 0, got ", number(opts_.noise));
  if (opts_.noise_tensor.defined()) {
    const at::Tensor& t = opts_.noise_tensor;
    TORCH_CHECK(t.is_floating_point() && ((t.dim() == 1 && t.size(0) == size) || (t.dim() == 2 && t.size(1) == size)),
                m.name, ": noise_tensor must be a floating-point tensor of shape (", size, ") or (batch, ", size,
                "), got ", t.sizes());
    const at::Tensor d = t.detach().to(at::kDouble);
    TORCH_CHECK((d.isfinite() & (d >= 0)).all().item<bool>(), m.name, ": noise_tensor must be finite and >= 0");
    opts_.noise_tensor = d.clone();
  }
  // The method: without noise any ODE registry name (an unknown one fails there, listing all), and the
  // fused path needs one of its four; with noise an SDE method.
  noisy_ = opts_.noise != 0 || opts_.noise_tensor.defined();
  if (noisy_) {
    // BrainPy's neurons pass `method` to sdeint; its ODE spellings of exponential Euler mean the SDE one.
    std::string name = opts_.method;
    try {
      if (solvers::canonical_ode_method(name) == "exp_euler") name = "exp_euler";
    } catch (const c10::Error&) {
    }
    solvers::SdeMethod sm;
    try {
      sm = solvers::parse_sde_method(name);
    } catch (const c10::Error&) {
      TORCH_CHECK(false, m.name, ": with noise, method '", opts_.method, "' must be an SDE method; valid: euler, "
                  "heun, milstein, milstein2, exp_euler");
    }
    TORCH_CHECK(!solvers::sde_method_needs_dz(sm), m.name, ": with noise, method '", opts_.method,
                "' is not offered (it needs iterated Wiener integrals); valid: euler, heun, milstein, milstein2, "
                "exp_euler");
    sde_method_ = name;
    fused_ok_ = false;
  } else {
    fused_ok_ = models::parse_fused_method(opts_.method, &fused_method_);
  }

  states_.resize(m.states.size());  // fixed size: register_variable keeps pointers into it
  for (size_t k = 0; k < m.states.size(); ++k) register_variable(m.states[k].name, &states_[k]);
  if (m.refractory) register_variable("refractory", &counter_);
}

const at::Tensor& NeuronModelGroup::state(const std::string& name) const {
  const int k = info_->state_index(name);
  TORCH_CHECK(k >= 0, info_->name, ": unknown state '", name, "'; valid: ", info_->state_names());
  return states_[size_t(k)];
}

void NeuronModelGroup::set_state(const std::string& name, const at::Tensor& value) {
  const int k = info_->state_index(name);
  TORCH_CHECK(k >= 0, info_->name, ".set_state: unknown state '", name, "'; valid: ", info_->state_names());
  at::Tensor& s = states_[size_t(k)];
  TORCH_CHECK(s.defined(), info_->name, ".set_state: call reset_state first");
  TORCH_CHECK(value.sizes() == s.sizes(), info_->name, ".set_state: '", name, "' must have shape ", s.sizes(),
              ", got ", value.sizes());
  s = value.to(options_).clone();
}

void NeuronModelGroup::set_refractory(const at::Tensor& steps) {
  TORCH_CHECK(info_->refractory, info_->name, ".set_refractory: the model has no refractory period");
  TORCH_CHECK(counter_.defined() && steps.sizes() == counter_.sizes(), info_->name,
              ".set_refractory: expected shape ", counter_.sizes(), ", got ", steps.sizes());
  counter_ = steps.to(counter_.options()).clone();
}

at::Tensor NeuronModelGroup::param(const std::string& name) const {
  const int k = info_->param_index(name);
  TORCH_CHECK(k >= 0, info_->name, ": unknown parameter '", name, "'; valid: ", info_->param_names());
  if (tensors_[size_t(k)].defined()) return tensors_[size_t(k)];
  return at::scalar_tensor(values_[size_t(k)], at::kDouble);
}

std::vector<at::Tensor> NeuronModelGroup::param_tensors() const {
  std::vector<at::Tensor> out(info_->params.size());
  for (size_t k = 0; k < out.size(); ++k) {
    if (!tensors_[k].defined()) {
      out[k] = at::scalar_tensor(values_[k], options_);
    } else {
      out[k] = tensors_[k].to(options_);
      TORCH_CHECK(out[k].dim() < 2 || out[k].size(0) == batch_size_, info_->name, ": parameter '",
                  info_->params[k].name, "' has ", out[k].size(0), " batch rows but the group has ", batch_size_,
                  " (0: unbatched)");
    }
  }
  return out;
}

void NeuronModelGroup::reset_state_impl() {
  reset_group_state();
  const auto& m = *info_;
  const auto shape = state_shape(size_);
  at::Generator gen = make_cpu_generator(seed_);
  const std::vector<at::Tensor> params = param_tensors();
  for (size_t k = 0; k < m.states.size(); ++k) {
    const auto& spec = m.states[k];
    const auto user = opts_.init.find(spec.name);
    at::Tensor s;
    if (user != opts_.init.end()) {
      s = (*user->second)(shape, options_, gen);
    } else {
      switch (spec.init) {
        case models::InitKind::Constant: s = at::full(shape, spec.value, options_); break;
        case models::InitKind::Param: s = params[size_t(spec.param)].detach().expand(shape).clone(); break;
        case models::InitKind::Uniform: s = Uniform(spec.value, spec.high)(shape, options_, gen); break;
        case models::InitKind::Model: {
          at::NoGradGuard no_grad;
          std::vector<at::Tensor> before(states_.begin(), states_.begin() + std::ptrdiff_t(k));
          s = m.initial_value(int(k), before, params).expand(shape).contiguous();
          break;
        }
      }
    }
    states_[k] = s.contiguous();
  }
  if (m.refractory) counter_ = at::zeros(shape, options_.dtype(at::kInt));
  hetero_.clear();
  // Its own stream, apart from the initial states' draws: 0x6E6F697365 is "noise" in ASCII.
  if (noisy_) noise_gen_ = make_cpu_generator(seed_ ^ 0x6E6F697365ULL);
}

void NeuronModelGroup::update(const Clock& clock) {
  TORCH_CHECK(!states_.empty() && states_[0].defined(), kind(), ".update: call reset_state before simulating");
  TORCH_CHECK(clock.dt > 0, kind(), ".update: dt must be > 0, got ", clock.dt);
  if (fused_path_enabled() && !noisy_) update_fused(clock);
  else update_differentiable(clock);
}

void NeuronModelGroup::update_fused(const Clock& clock) {
  const auto& m = *info_;
  TORCH_CHECK(fused_ok_, kind(), ": method '", opts_.method, "' is not implemented by the fused (no-grad) path; it "
              "implements euler, exp_euler, rk2 and rk4 (other solver-registry methods run with grad mode on)");
  const bool cpu = states_[0].is_cpu();
  models::FusedStepArgs a;
  a.dtype = states_[0].scalar_type();
  a.device_index = states_[0].is_cuda() ? states_[0].device().index() : 0;
  a.n = size_;
  a.rows = states_[0].numel() / size_;
  for (size_t k = 0; k < states_.size(); ++k) {
    if (!states_[k].is_contiguous() || states_[k].requires_grad()) states_[k] = states_[k].detach().contiguous();
    a.x[k] = states_[k].data_ptr();
  }
  if (m.refractory) a.counter = counter_.data_ptr<int32_t>();
  if (!spike_.is_contiguous() || spike_.requires_grad()) spike_ = spike_.detach().contiguous();
  if (m.refractory && !counter_.is_contiguous()) counter_ = counter_.contiguous();
  a.spike = spike_.data_ptr();
  // Parameters: shared values stay in registers; any per-element (or trainable, whose value may change
  // between steps) parameter makes every parameter a contiguous array of the state dtype.
  bool hetero = false;
  for (const auto& t : tensors_) hetero = hetero || t.defined();
  a.hetero = hetero;
  if (hetero) {
    const std::vector<at::Tensor> params = param_tensors();
    hetero_.resize(params.size());
    for (size_t k = 0; k < params.size(); ++k) {
      at::Tensor p = params[k].detach();
      const bool per_row = p.dim() == 2;
      const std::vector<int64_t> target = per_row ? std::vector<int64_t>{p.size(0), size_} : std::vector<int64_t>{size_};
      if (!hetero_[k].defined() || hetero_[k].sizes() != at::IntArrayRef(target) ||
          hetero_[k].options().dtype() != options_.dtype() || hetero_[k].device() != options_.device())
        hetero_[k] = at::empty(target, options_);
      hetero_[k].copy_(p.expand(target));
      a.ptr[k] = hetero_[k].data_ptr();
      a.row_stride[k] = per_row ? size_ : 0;
    }
  } else {
    for (size_t k = 0; k < values_.size(); ++k) a.values[k] = values_[k];
  }
  double ext0 = 0.0;
  at::Tensor ext = external_at(clock, &ext0);
  a.ext0 = ext0;
  if (ext.defined()) {
    ext = ext.to(options_);
    if (ext.numel() != size_) ext = ext.expand(states_[0].sizes());
    ext = ext.contiguous();
    a.ext = ext.data_ptr();
    a.ext_row_stride = ext.numel() == size_ ? 0 : size_;
  }
  if (has_current_input_ || has_conductance_input_) {
    a.cur = current_in_.data_ptr();
    a.g = conductance_in_.data_ptr();
    a.ge = reversal_in_.data_ptr();
  }
  std::shared_ptr<ConductanceChannel> channels[kMaxChannels];
  if (cpu) {
    a.n_channels = lock_channels(channels);
    for (int c = 0; c < a.n_channels; ++c) {
      TORCH_CHECK(channels[c]->g->sizes() == states_[0].sizes(), kind(), ".update: a conductance channel has shape ",
                  channels[c]->g->sizes(), " but the group's state has ", states_[0].sizes(),
                  "; call reset_state on the network");
      a.ch_g[c] = channels[c]->g->data_ptr();
      a.ch_pending[c] = channels[c]->pending.data_ptr();
      a.ch_decay[c] = channels[c]->decay;
      a.ch_rev[c] = channels[c]->reversal;
    }
  }
  a.ltc = m.ltc;
  a.method = fused_method_;
  a.dt = clock.dt;
  a.convention_offset = opts_.refractory_convention == models::RefractoryConvention::Brian2 ? 1 : 0;
  if (cpu) {
    a.spike_list = &spike_list_;
    m.fused_cpu(a);
    spike_list_valid_ = true;
  } else {
    TORCH_CHECK(states_[0].is_cuda(), kind(), ": unsupported device ", states_[0].device());
    TORCH_CHECK(m.fused_cuda, kind(), ": braintorch was built without CUDA; the state is on ", states_[0].device());
    m.fused_cuda(a);
    spike_list_valid_ = false;
  }
  inputs_consumed();  // the kernels zeroed the accumulators as they read them
}

void NeuronModelGroup::update_differentiable(const Clock& clock) {
  const auto& m = *info_;
  models::TensorStepArgs a;
  a.x = states_;
  a.counter = counter_;
  a.params = param_tensors();
  double ext0 = 0.0;
  at::Tensor ext = external_at(clock, &ext0);
  at::Tensor i0 = at::full(states_[0].sizes(), ext0, options_);
  if (ext.defined()) i0 = i0 + ext.to(options_);
  if (has_current_input_) i0 = i0 + current_in_;
  if (has_conductance_input_) {
    i0 = i0 + reversal_in_;
    a.g = conductance_in_;
  }
  a.i0 = i0;
  a.ltc = m.ltc;
  a.method = opts_.method;
  if (noisy_) {
    a.method = sde_method_;
    a.noise = opts_.noise_tensor.defined() ? opts_.noise_tensor.to(options_)
                                           : at::scalar_tensor(opts_.noise, options_);
    a.dW = at::normal(0.0, std::sqrt(clock.dt), states_[0].sizes(), noise_gen_, at::TensorOptions().dtype(at::kDouble))
               .to(options_);
  }
  a.t = clock.t;
  a.dt = clock.dt;
  a.convention_offset = opts_.refractory_convention == models::RefractoryConvention::Brian2 ? 1 : 0;
  a.surrogate = opts_.surrogate;
  // Without gradients (a noisy group's inference) the event semantics hold, as on the fused path: a
  // spike sets V to V_reset (BrainPy's non-training mode); spk_reset is a training-mode choice.
  a.spk_reset = at::GradMode::is_enabled() ? opts_.spk_reset : models::SpikeReset::Hard;
  a.detach_spk = opts_.detach_spk;
  m.tensor_step(a);
  for (size_t k = 0; k < states_.size(); ++k) states_[k] = a.x[k];  // the slots stay: variables point at them
  if (m.refractory) counter_ = a.counter;
  spike_ = a.spike;
  spike_list_valid_ = false;
  clear_inputs(/*fused=*/false);
}

}  // namespace braintorch
