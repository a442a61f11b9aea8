#pragma once
// Exponential integrate-and-fire (Fourcaud-Trocme et al. 2003; BrainPy's ExpIF and twins):
//   tau dV/dt = -(V - V_rest) + delta_T exp((V - V_T) / delta_T) + R I;   V >= V_th: V <- V_reset.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct ExpIF {
  static constexpr const char* name = "ExpIF";
  static constexpr const char* doc = "exponential integrate-and-fire neuron (Fourcaud-Trocme et al. 2003)";
  enum : int { V_rest, V_reset, V_th, V_T, delta_T, R, tau, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", -65.0, "mV"}, {"V_reset", -68.0, "mV"}, {"V_th", -55.0, "mV"},
      {"V_T", -59.9, "mV"},    {"delta_T", 3.48, "mV", Domain::Positive},
      {"R", 1.0, "MOhm"},      {"tau", 10.0, "ms", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{V_reset, V_th}};
  enum : int { V, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV"}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 5.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    const X spike_current = p[delta_T] * exp((x[V] - p[V_T]) / p[delta_T]);
    return (p[V_rest] - x[V] + spike_current + p[R] * in(x[V])) / p[tau];
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) { x[V] = s.reset_v(x[V], p[V_reset], p[V_th]); }
};

}  // namespace braintorch::models
