#pragma once
// Leaky integrate-and-fire (BrainPy's Lif / LifLTC / LifRef / LifRefLTC):
//   tau dV/dt = -(V - V_rest) + R I;   V >= V_th: spike, V <- V_reset.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct Lif {
  static constexpr const char* name = "Lif";
  static constexpr const char* doc = "leaky integrate-and-fire neuron (Lapicque 1907; Abbott 1999)";
  enum : int { V_rest, V_reset, V_th, R, tau, kParams };
  static constexpr ParamSpec params[kParams] = {{"V_rest", 0.0, "mV"},
                                                {"V_reset", -5.0, "mV"},
                                                {"V_th", 20.0, "mV"},
                                                {"R", 1.0, "MOhm"},
                                                {"tau", 10.0, "ms", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{V_reset, V_th}};
  enum : int { V, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV"}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 25.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    // Multiplying by 1/tau keeps a division out of the per-neuron loop when tau is shared.
    return (p[V_rest] - x[V] + p[R] * in(x[V])) * (Num<T>(1) / p[tau]);
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) { x[V] = s.reset_v(x[V], p[V_reset], p[V_th]); }
};

}  // namespace braintorch::models
