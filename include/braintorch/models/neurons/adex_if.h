#pragma once
// Adaptive exponential integrate-and-fire (Brette & Gerstner 2005; BrainPy's AdExIF and twins):
//   tau   dV/dt = -(V - V_rest) + delta_T exp((V - V_T) / delta_T) - R w + R I
//   tau_w dw/dt = a (V - V_rest) - w
//   V >= V_th: V <- V_reset, w <- w + b.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct AdExIF {
  static constexpr const char* name = "AdExIF";
  static constexpr const char* doc = "adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005)";
  enum : int { V_rest, V_reset, V_th, V_T, delta_T, a, b, tau, tau_w, R, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", -65.0, "mV"}, {"V_reset", -68.0, "mV"},  {"V_th", -55.0, "mV"},
      {"V_T", -59.9, "mV"},    {"delta_T", 3.48, "mV", Domain::Positive},
      {"a", 1.0, "nS"},        {"b", 1.0, "pA"},          {"tau", 10.0, "ms", Domain::Positive},
      {"tau_w", 30.0, "ms", Domain::Positive},            {"R", 1.0, "MOhm"}};
  static constexpr ParamRelation relations[] = {{V_reset, V_th}};
  enum : int { V, w, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV"}, {"w", "pA"}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 15.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    if constexpr (K == V) {
      const X spike_current = p[delta_T] * exp((x[V] - p[V_T]) / p[delta_T]);
      return (p[V_rest] - x[V] + spike_current - p[R] * x[w] + p[R] * in(x[V])) / p[tau];
    } else {
      return (p[a] * (x[V] - p[V_rest]) - x[w]) / p[tau_w];
    }
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
