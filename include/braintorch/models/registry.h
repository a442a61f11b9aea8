#pragma once
// The registry of neuron models: every model declared under include/braintorch/models/neurons/ and
// listed once in csrc/models/model_list.h, with BrainPy's `...Ref` and `...LTC` twins as separate names.
// A registered model brings its parameter and state tables (what the JSON loader, the CLI and the typed
// test suite read) and its three compiled step functions: the fused CPU loop, the fused CUDA kernel and
// the differentiable tensor step, all built from the same per-element templates.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "braintorch/autograd/surrogate.h"
#include "braintorch/core/spike_list.h"
#include "braintorch/models/model_math.h"

namespace braintorch::models {

constexpr int kMaxStates = 8;
constexpr int kMaxParams = 24;

// BrainPy holds V for floor(tau_ref / dt) steps after a spike, Brian2 for one step less (model_math.h).
enum class RefractoryConvention { BrainPy, Brian2 };
// How the differentiable (training) path resets V after a surrogate spike s (BrainPy's spk_reset):
//   soft: V <- V - (V_th - V_reset) s;   hard: V <- V + (V_reset - V) s.
enum class SpikeReset { Soft, Hard };

// The fused step's view of a group: raw pointers into contiguous (rows, n) buffers of the state dtype.
struct FusedStepArgs {
  at::ScalarType dtype = at::kFloat;
  int device_index = 0;  // CUDA: the state's device (launches go to its current stream)
  int64_t rows = 0, n = 0;
  void* x[kMaxStates] = {};
  int32_t* counter = nullptr;  // refractory steps left (models with tau_ref)
  void* spike = nullptr;       // 0/1 output
  // Parameters: shared values, or (hetero) per-element arrays with a row stride (0: shared by the rows).
  bool hetero = false;
  double values[kMaxParams] = {};
  const void* ptr[kMaxParams] = {};
  int64_t row_stride[kMaxParams] = {};
  // Inputs (see Input in model_math.h). The accumulators are read and zeroed; null when unused.
  double ext0 = 0.0;
  const void* ext = nullptr;
  int64_t ext_row_stride = 0;
  void *cur = nullptr, *g = nullptr, *ge = nullptr;
  int n_channels = 0;  // conductance channels integrated in the same pass (conductance_channel.h)
  void* ch_g[2] = {};
  void* ch_pending[2] = {};
  double ch_decay[2] = {1.0, 1.0}, ch_rev[2] = {0.0, 0.0};
  bool ltc = true;
  Method method = Method::ExpEuler;
  double dt = 0.1;
  int32_t convention_offset = 0;  // 0 BrainPy, 1 Brian2
  SpikeList* spike_list = nullptr;  // CPU: filled with the indices that spiked, per row
};

// The differentiable step: tensors in, tensors out (no in-place writes), through autograd.
struct TensorStepArgs {
  std::vector<at::Tensor> x;  // states, replaced by the new states
  at::Tensor counter;         // int32 refractory steps left (models with tau_ref), replaced
  at::Tensor spike;           // output
  std::vector<at::Tensor> params;  // kParams (+ tau_ref) tensors, broadcastable to the state shape
  at::Tensor i0, g;           // input: I(V) = i0 - g V (g may be undefined: 0)
  bool ltc = true;
  std::string method = "exp_euler";  // any method of the solver registry (an SDE method with noise)
  // Additive noise on state 0 (BrainPy's `noise`): the diffusion coefficient, broadcastable to the state,
  // and this step's Wiener increment (the state's shape); undefined: an ODE step.
  at::Tensor noise, dW;
  double t = 0.0, dt = 0.1;
  int32_t convention_offset = 0;
  SurrogateOptions surrogate;
  SpikeReset spk_reset = SpikeReset::Soft;
  bool detach_spk = false;
};

using FusedFn = void (*)(const FusedStepArgs&);
using TensorStepFn = void (*)(TensorStepArgs&);
// The default value of state k computed by the model from the states before it (InitKind::Model).
using InitialValueFn = at::Tensor (*)(int k, const std::vector<at::Tensor>& x, const std::vector<at::Tensor>& params);

struct NeuronModelInfo {
  std::string name;  // registered name, BrainPy's class name: "LifRefLTC"
  std::string base;  // the declaration it comes from: "Lif"
  std::string doc;
  double example_input = 0.0;  // a constant input current the model fires regularly under
  bool spiking = true, refractory = false, ltc = false, upward_crossing = false;
  std::vector<ParamSpec> params;  // the model's, then tau_ref for refractory models
  std::vector<StateSpec> states;
  std::vector<ParamRelation> relations;
  FusedFn fused_cpu = nullptr;
  FusedFn fused_cuda = nullptr;  // null when built without CUDA
  TensorStepFn tensor_step = nullptr;
  InitialValueFn initial_value = nullptr;

  int param_index(const std::string& name) const;  // -1 if unknown
  int state_index(const std::string& name) const;
  std::string param_names() const;  // "V_rest, V_reset, ..." for error messages
  std::string state_names() const;
};

// The model of that name; an unknown name fails listing every registered one.
const NeuronModelInfo& neuron_model(const std::string& name);
bool has_neuron_model(const std::string& name);
std::vector<std::string> neuron_model_names();

// The methods the fused kernels implement for every model (names as the solver registry spells them).
const std::vector<std::string>& fused_method_names();
// The fused method for a solver-registry name or alias, or false if the fused path lacks it.
bool parse_fused_method(const std::string& name, Method* out);
const char* method_name(Method m);

}  // namespace braintorch::models
