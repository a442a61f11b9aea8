#include "braintorch/models/registry.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>

#include "braintorch/solvers/ode_step.h"

namespace braintorch::models {
namespace detail {
// Defined in the generated per-model translation units (cmake/NeuronModels.cmake).
#define BT_NEURON_MODEL(M, header)                                              \
  void register_neuron_model_##M(std::vector<NeuronModelInfo>& out, FusedFn cuda); \
  FusedFn neuron_model_cuda_##M();
#include "csrc/models/model_list.h"
#undef BT_NEURON_MODEL
}  // namespace detail

namespace {

const std::vector<NeuronModelInfo>& registry() {
  static const std::vector<NeuronModelInfo> models = [] {
    std::vector<NeuronModelInfo> out;
#ifdef BRAINTORCH_WITH_CUDA
#define BT_CUDA_FN(M) detail::neuron_model_cuda_##M()
#else
#define BT_CUDA_FN(M) nullptr
#endif
#define BT_NEURON_MODEL(M, header) detail::register_neuron_model_##M(out, BT_CUDA_FN(M));
#include "csrc/models/model_list.h"
#undef BT_NEURON_MODEL
#undef BT_CUDA_FN
    return out;
  }();
  return models;
}

template <class Spec>
std::string join_names(const std::vector<Spec>& specs) {
  std::string s;
  for (const auto& x : specs) s += (s.empty() ? "" : ", ") + std::string(x.name);
  return s;
}

}  // namespace

#ifndef BRAINTORCH_WITH_CUDA
// Without CUDA the per-model CUDA units are not compiled; the registry never calls these.
#endif

int NeuronModelInfo::param_index(const std::string& n) const {
  for (size_t k = 0; k < params.size(); ++k)
    if (n == params[k].name) return int(k);
  return -1;
}
int NeuronModelInfo::state_index(const std::string& n) const {
  for (size_t k = 0; k < states.size(); ++k)
    if (n == states[k].name) return int(k);
  return -1;
}
std::string NeuronModelInfo::param_names() const { return join_names(params); }
std::string NeuronModelInfo::state_names() const { return join_names(states); }

bool has_neuron_model(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return true;
  return false;
}

const NeuronModelInfo& neuron_model(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return m;
  std::string all;
  for (const auto& n : neuron_model_names()) all += (all.empty() ? "" : ", ") + n;
  TORCH_CHECK(false, "unknown neuron model '", name, "'; registered models: ", all);
}

std::vector<std::string> neuron_model_names() {
  std::vector<std::string> names;
  for (const auto& m : registry()) names.push_back(m.name);
  return names;
}

const std::vector<std::string>& fused_method_names() {
  static const std::vector<std::string> names{"euler", "exp_euler", "rk2", "rk4"};
  return names;
}

const char* method_name(Method m) {
  switch (m) {
    case Method::Euler: return "euler";
    case Method::ExpEuler: return "exp_euler";
    case Method::RK2: return "rk2";
    case Method::RK4: return "rk4";
  }
  return "?";
}

bool parse_fused_method(const std::string& name, Method* out) {
  // Through the solver registry, so aliases ("exp_auto", "RK4") mean what they mean there; an unknown
  // name fails there listing every method.
  const std::string canonical = solvers::canonical_ode_method(name);
  for (int k = 0; k < kNumFusedMethods; ++k)
    if (canonical == method_name(Method(k))) {
      *out = Method(k);
      return true;
    }
  return false;
}

}  // namespace braintorch::models
