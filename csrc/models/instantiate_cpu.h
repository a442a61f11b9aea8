#pragma once
// What a model's generated CPU translation unit compiles (see cmake/NeuronModels.cmake): the fused CPU
// step, the differentiable step, the default initial values, and the registry entries of the model's
// BrainPy names (plain, LTC, Ref, RefLTC as the model declares them).
#include <type_traits>
#include <vector>

#include "csrc/models/fused_cpu.h"
#include "csrc/models/tensor_step.h"

namespace braintorch::models::detail {

template <class M, class = void>
constexpr bool ref_only = false;
template <class M>
constexpr bool ref_only<M, std::void_t<decltype(M::kRefOnly)>> = M::kRefOnly;

template <class M>
void register_variants(std::vector<NeuronModelInfo>& out, FusedFn cpu, FusedFn cuda) {
  static_assert(M::kStates <= kMaxStates && M::kParams + 1 <= kMaxParams, "raise kMaxStates / kMaxParams");
  NeuronModelInfo base;
  base.base = M::name;
  base.doc = M::doc;
  base.example_input = M::kExampleInput;
  base.spiking = M::kSpiking;
  base.upward_crossing = M::kUpwardCrossing;
  base.params.assign(M::params, M::params + M::kParams);
  base.states.assign(M::states, M::states + M::kStates);
  for (const ParamRelation& r : M::relations)
    if (r.lower >= 0) base.relations.push_back(r);
  base.fused_cpu = cpu;
  base.fused_cuda = cuda;
  base.tensor_step = &tensor_step<M>;
  if constexpr (has_initial_value<M>) base.initial_value = &initial_value<M>;
  const bool refs[2] = {false, true};
  for (bool ref : refs) {
    if (ref && !(M::kRefVariant || ref_only<M>)) continue;
    if (!ref && ref_only<M>) continue;
    for (int ltc = 0; ltc < (M::kLTCVariant ? 2 : 1); ++ltc) {
      NeuronModelInfo info = base;
      info.refractory = ref;
      info.ltc = ltc == 1;  // a model without twins sums its inputs once, at the old V
      info.name = std::string(M::name) + (ref && !ref_only<M> ? "Ref" : "") + (ltc == 1 ? "LTC" : "");
      if (ref) info.params.push_back(ParamSpec{"tau_ref", 0.0, "ms", Domain::NonNegative});
      out.push_back(std::move(info));
    }
  }
}

}  // namespace braintorch::models::detail

#define BT_NEURON_MODEL_CPU(M)                                                                        \
  BT_NEURON_MODEL_FUSED_CPU(M)                                                                        \
  namespace braintorch::models::detail {                                                              \
  void register_neuron_model_##M(std::vector<NeuronModelInfo>& out, FusedFn cuda) {                 \
    register_variants<models::M>(out, &fused_cpu_##M, cuda);                                          \
  }                                                                                                   \
  }
