#pragma once
// Morris-Lecar (1981) neuron (BrainPy's MorrisLecar / MorrisLecarLTC):
//   C dV/dt = -g_Ca M_inf(V) (V - V_Ca) - g_K W (V - V_K) - g_leak (V - V_leak) + I
//   dW/dt = (W_inf(V) - W) / tau_W(V)
//   M_inf = (1 + tanh((V - V1) / V2)) / 2, W_inf = (1 + tanh((V - V3) / V4)) / 2,
//   tau_W = 1 / (phi cosh((V - V3) / (2 V4))); spike on the upward crossing of V_th, no reset.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct MorrisLecar {
  static constexpr const char* name = "MorrisLecar";
  static constexpr const char* doc = "Morris-Lecar (1981) neuron";
  enum : int { V_Ca, g_Ca, V_K, g_K, V_leak, g_leak, C, V1, V2, V3, V4, phi, V_th, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_Ca", 130.0, "mV"},  {"g_Ca", 4.4, "mS/cm^2", Domain::NonNegative},
      {"V_K", -84.0, "mV"},   {"g_K", 8.0, "mS/cm^2", Domain::NonNegative},
      {"V_leak", -60.0, "mV"}, {"g_leak", 2.0, "mS/cm^2", Domain::NonNegative},
      {"C", 20.0, "uF/cm^2", Domain::Positive},
      {"V1", -1.2, "mV"}, {"V2", 18.0, "mV"}, {"V3", 2.0, "mV"}, {"V4", 30.0, "mV"},
      {"phi", 0.04, "1/ms", Domain::Positive}, {"V_th", 10.0, "mV"}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  enum : int { V, W, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV", InitKind::Uniform, -70.0, -60.0},
                                                {"W", "", InitKind::Constant, 0.02}};
  static constexpr bool kSpiking = true, kUpwardCrossing = true, kRefVariant = false, kLTCVariant = true;
  static constexpr double kExampleInput = 100.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    using S = Num<T>;
    if constexpr (K == V) {
      const X m_inf = S(0.5) * (S(1) + tanh((x[V] - p[V1]) / p[V2]));
      const X i_ca = p[g_Ca] * m_inf * (x[V] - p[V_Ca]);
      const X i_k = p[g_K] * x[W] * (x[V] - p[V_K]);
      const X i_leak = p[g_leak] * (x[V] - p[V_leak]);
      return (in(x[V]) - i_ca - i_k - i_leak) / p[C];
    } else {
      const X w_inf = S(0.5) * (S(1) + tanh((x[V] - p[V3]) / p[V4]));
      const X rate = p[phi] * cosh((x[V] - p[V3]) / (S(2) * p[V4]));  // 1 / tau_W
      return (w_inf - x[W]) * rate;
    }
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T*, const S&, const P&) {}
};

}  // namespace braintorch::models
