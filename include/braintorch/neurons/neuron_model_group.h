#pragma once
// A group of neurons of any registered model (models/registry.h), by BrainPy's class name:
//
//   NeuronModelOptions o;
//   o.params = {{"tau", 20.0}, {"tau_ref", 5.0}};
//   o.init["V"] = std::make_shared<Normal>(-55.0, 2.0);
//   auto g = std::make_shared<NeuronModelGroup>("LifRef", 4000, o);
//
// Without gradients (inference, the CLI) a step is the model's fused kernel on the group's buffers (CPU
// loop or CUDA kernel); with grad mode on it is the same arithmetic on tensors through autograd
// (training mode: surrogate spikes, soft or hard reset, detach_spk, any solver-registry method).
// Parameters are BrainPy's names and defaults; each is a number, a per-neuron tensor (N) or a
// per-(batch, neuron) tensor (B, N), and may be trainable (an nn parameter of this module).
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "braintorch/autograd/surrogate.h"
#include "braintorch/core/neuron_group.h"
#include "braintorch/init/initializer.h"
#include "braintorch/models/registry.h"

namespace braintorch {

struct NeuronModelOptions {
  std::map<std::string, double> params;            // overrides of BrainPy's defaults
  std::map<std::string, at::Tensor> param_tensors;  // per-neuron (N) or per-(batch, neuron) (B, N) values
  std::set<std::string> trainable;                 // parameters registered as nn parameters
  std::map<std::string, std::shared_ptr<Initializer>> init;  // initial states (default: the model's)
  // Any solver-registry method; the fused path implements euler, exp_euler, rk2 and rk4.
  std::string method = "exp_euler";
  models::RefractoryConvention refractory_convention = models::RefractoryConvention::BrainPy;
  // BrainPy's `noise`: the diffusion coefficient sigma of the first state (V), dV = f dt + sigma dW with
  // one independent Wiener process per neuron and batch row; the other states stay deterministic.
  // A noisy group is integrated by the SDE solvers (solvers/sde_solvers.h) with `method` read as an SDE
  // method (euler = Euler-Maruyama, heun, milstein, milstein2, exp_euler; the ODE aliases of exp_euler
  // are accepted), on the tensor path in every mode: the fused kernels draw no random numbers.
  // The increments come from the group's seed (set_seed), drawn on the CPU in float64, so a run is
  // reproducible on any device. 0: no noise; `noise_tensor`: per-neuron (N) or per-(batch, neuron) (B, N).
  double noise = 0.0;
  at::Tensor noise_tensor;
  // Training mode (the differentiable path).
  SurrogateOptions surrogate;
  models::SpikeReset spk_reset = models::SpikeReset::Soft;
  bool detach_spk = false;  // the reset sees the spike without its gradient (the output keeps it)
};

class NeuronModelGroup : public NeuronGroup {
 public:
  NeuronModelGroup(const std::string& model, int64_t size, NeuronModelOptions options = {});
  // The same under another kind name (messages, summaries): JSON's "LIF" is LifRefLTC as kind "LIF".
  NeuronModelGroup(const std::string& kind, const std::string& model, int64_t size, NeuronModelOptions options);

  void update(const Clock& clock) override;
  int max_channels() const override { return kMaxChannels; }

  const models::NeuronModelInfo& model() const { return *info_; }
  const NeuronModelOptions& options() const { return opts_; }
  // Whether the fused path implements the group's method (and the group has no noise).
  bool fused_method_supported() const { return fused_ok_; }
  bool noisy() const { return noisy_; }

  const at::Tensor& state(const std::string& name) const;
  const at::Tensor& state(int k) const { return states_.at(size_t(k)); }
  // Replaces a state (same shape as now): custom initial conditions, tests.
  void set_state(const std::string& name, const at::Tensor& value);
  // Remaining refractory steps (int32; models with tau_ref), 0 when the neuron integrates.
  const at::Tensor& refractory() const { return counter_; }
  void set_refractory(const at::Tensor& steps);
  // A parameter's current value: a 0-dim tensor for shared values, else its tensor (trainable ones are
  // the nn parameters themselves).
  at::Tensor param(const std::string& name) const;

 protected:
  void reset_state_impl() override;

 private:
  void update_fused(const Clock& clock);
  void update_differentiable(const Clock& clock);
  std::vector<at::Tensor> param_tensors() const;  // every parameter as a tensor of the state options

  const models::NeuronModelInfo* info_;
  NeuronModelOptions opts_;
  bool fused_ok_ = false;
  models::Method fused_method_ = models::Method::ExpEuler;
  bool noisy_ = false;
  std::string sde_method_;      // the SDE solver's name for opts_.method when noisy_
  at::Generator noise_gen_;     // Wiener increments, seeded at reset_state
  std::vector<double> values_;            // shared parameter values (defaults and overrides)
  std::vector<at::Tensor> tensors_;       // per-element values (undefined where shared)
  std::vector<at::Tensor> hetero_;        // contiguous per-element copies for the fused kernels
  std::vector<at::Tensor> states_;
  at::Tensor counter_;
};

}  // namespace braintorch
