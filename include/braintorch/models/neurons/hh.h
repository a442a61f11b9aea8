#pragma once
// Hodgkin-Huxley (1952) squid axon (BrainPy's HH / HHLTC), per-area units (mS/cm^2, uF/cm^2, uA/cm^2):
//   C dV/dt = -gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL) + I
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x,  x in {m, h, n}
//   spike on the upward crossing of V_th (V_old < V_th <= V), no reset. Gates start at steady state.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct HH {
  static constexpr const char* name = "HH";
  static constexpr const char* doc = "Hodgkin-Huxley (1952) neuron";
  enum : int { ENa, gNa, EK, gK, EL, gL, V_th, C, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"ENa", 50.0, "mV"},      {"gNa", 120.0, "mS/cm^2", Domain::NonNegative},
      {"EK", -77.0, "mV"},      {"gK", 36.0, "mS/cm^2", Domain::NonNegative},
      {"EL", -54.387, "mV"},    {"gL", 0.03, "mS/cm^2", Domain::NonNegative},
      {"V_th", 20.0, "mV"},     {"C", 1.0, "uF/cm^2", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  enum : int { V, m, h, n, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV", InitKind::Uniform, -70.0, -60.0},
                                                {"m", "", InitKind::Model},
                                                {"h", "", InitKind::Model},
                                                {"n", "", InitKind::Model}};
  static constexpr bool kSpiking = true, kUpwardCrossing = true, kRefVariant = false, kLTCVariant = true;
  static constexpr double kExampleInput = 10.0;  // a constant input it fires regularly under (examples, tests)

  template <class X>
  BT_HOST_DEVICE static void rates(int gate, const X& v, X& alpha, X& beta) {
    using S = Num<X>;
    if (gate == m) {
      alpha = exprel_inv(-(v + S(40)) / S(10));
      beta = S(4) * exp(-(v + S(65)) / S(18));
    } else if (gate == h) {
      alpha = S(0.07) * exp(-(v + S(65)) / S(20));
      beta = S(1) / (S(1) + exp(-(v + S(35)) / S(10)));
    } else {
      alpha = S(0.1) * exprel_inv(-(v + S(55)) / S(10));
      beta = S(0.125) * exp(-(v + S(65)) / S(80));
    }
  }
  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    if constexpr (K == V) {
      const X n2 = x[n] * x[n];
      const X i_na = p[gNa] * x[m] * x[m] * x[m] * x[h] * (x[V] - p[ENa]);
      const X i_k = p[gK] * n2 * n2 * (x[V] - p[EK]);
      const X i_leak = p[gL] * (x[V] - p[EL]);
      return (in(x[V]) - i_na - i_k - i_leak) / p[C];
    } else {
      X alpha = x[V], beta = x[V];
      rates(K, x[V], alpha, beta);
      return alpha * (Num<T>(1) - x[K]) - beta * x[K];
    }
  }
  template <int K, class T, class P>
  static T initial_value(const T* x, const P&) {
    T alpha = x[V], beta = x[V];
    rates(K, x[V], alpha, beta);
    return alpha / (alpha + beta);
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T*, const S&, const P&) {}
};

}  // namespace braintorch::models
