#pragma once
// Adaptive quadratic integrate-and-fire (Izhikevich 2004; Touboul 2008; BrainPy's AdQuaIF and twins):
//   tau   dV/dt = c (V - V_rest) (V - V_c) - w + I       (no R: BrainPy's equation)
//   tau_w dw/dt = a (V - V_rest) - w
//   V >= V_th: V <- V_reset, w <- w + b.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct AdQuaIF {
  static constexpr const char* name = "AdQuaIF";
  static constexpr const char* doc = "adaptive quadratic integrate-and-fire neuron (Izhikevich 2004)";
  enum : int { V_rest, V_reset, V_th, V_c, a, b, c, tau, tau_w, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", -65.0, "mV"}, {"V_reset", -68.0, "mV"}, {"V_th", -30.0, "mV"},
      {"V_c", -50.0, "mV"},    {"a", 1.0, ""},           {"b", 0.1, ""},
      {"c", 0.07, "1/mV"},     {"tau", 10.0, "ms", Domain::Positive}, {"tau_w", 10.0, "ms", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{V_reset, V_th}};
  enum : int { V, w, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV"}, {"w", ""}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 30.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    if constexpr (K == V) return (p[c] * (x[V] - p[V_rest]) * (x[V] - p[V_c]) - x[w] + in(x[V])) / p[tau];
    else return (p[a] * (x[V] - p[V_rest]) - x[w]) / p[tau_w];
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) {
    x[V] = s.reset_v(x[V], p[V_reset], p[V_th]);
    x[w] = s.add(x[w], p[b]);
  }
};

}  // namespace braintorch::models
