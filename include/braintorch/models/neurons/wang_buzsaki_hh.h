#pragma once
// Wang-Buzsaki (1996) interneuron (BrainPy's WangBuzsakiHH / WangBuzsakiHHLTC):
//   C dV/dt = -gNa m_inf(V)^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL) + I
//   dh/dt = phi (alpha_h (1 - h) - beta_h h),  dn/dt = phi (alpha_n (1 - n) - beta_n n)
//   spike on the upward crossing of V_th, no reset.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct WangBuzsakiHH {
  static constexpr const char* name = "WangBuzsakiHH";
  static constexpr const char* doc = "Wang-Buzsaki (1996) fast-spiking interneuron";
  enum : int { ENa, gNa, EK, gK, EL, gL, V_th, phi, C, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"ENa", 55.0, "mV"},   {"gNa", 35.0, "mS/cm^2", Domain::NonNegative},
      {"EK", -90.0, "mV"},   {"gK", 9.0, "mS/cm^2", Domain::NonNegative},
      {"EL", -65.0, "mV"},   {"gL", 0.1, "mS/cm^2", Domain::NonNegative},
      {"V_th", 20.0, "mV"},  {"phi", 5.0, "", Domain::Positive}, {"C", 1.0, "uF/cm^2", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  enum : int { V, h, n, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV", InitKind::Constant, -65.0},
                                                {"h", "", InitKind::Constant, 0.6},
                                                {"n", "", InitKind::Constant, 0.32}};
  static constexpr bool kSpiking = true, kUpwardCrossing = true, kRefVariant = false, kLTCVariant = true;
  static constexpr double kExampleInput = 1.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    using S = Num<T>;
    if constexpr (K == V) {
      const X alpha = exprel_inv(S(-0.1) * (x[V] + S(35)));
      const X beta = S(4) * exp(-(x[V] + S(60)) / S(18));
      const X m_inf = alpha / (alpha + beta);
      const X n2 = x[n] * x[n];
      const X i_na = p[gNa] * m_inf * m_inf * m_inf * x[h] * (x[V] - p[ENa]);
      const X i_k = p[gK] * n2 * n2 * (x[V] - p[EK]);
      const X i_leak = p[gL] * (x[V] - p[EL]);
      return (in(x[V]) - i_na - i_k - i_leak) / p[C];
    } else if constexpr (K == h) {
      const X alpha = S(0.07) * exp(-(x[V] + S(58)) / S(20));
      const X beta = S(1) / (exp(S(-0.1) * (x[V] + S(28))) + S(1));
      return p[phi] * (alpha * (S(1) - x[h]) - beta * x[h]);
    } else {
      const X alpha = S(0.1) * exprel_inv(S(-0.1) * (x[V] + S(34)));
      const X beta = S(0.125) * exp(-(x[V] + S(44)) / S(80));
      return p[phi] * (alpha * (S(1) - x[n]) - beta * x[n]);
    }
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T*, const S&, const P&) {}
};

}  // namespace braintorch::models
