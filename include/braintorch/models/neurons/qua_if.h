#pragma once
// Quadratic integrate-and-fire (Latham et al. 2000; BrainPy's QuaIF and twins):
//   tau dV/dt = c (V - V_rest) (V - V_c) + R I;   V >= V_th: V <- V_reset.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct QuaIF {
  static constexpr const char* name = "QuaIF";
  static constexpr const char* doc = "quadratic integrate-and-fire neuron (Latham et al. 2000)";
  enum : int { V_rest, V_reset, V_th, V_c, c, R, tau, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", -65.0, "mV"}, {"V_reset", -68.0, "mV"}, {"V_th", -30.0, "mV"}, {"V_c", -50.0, "mV"},
      {"c", 0.07, "1/mV"},     {"R", 1.0, "MOhm"},       {"tau", 10.0, "ms", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{V_reset, V_th}};
  enum : int { V, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV"}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 10.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    return (p[c] * (x[V] - p[V_rest]) * (x[V] - p[V_c]) + p[R] * in(x[V])) / p[tau];
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) { x[V] = s.reset_v(x[V], p[V_reset], p[V_th]); }
};

}  // namespace braintorch::models
