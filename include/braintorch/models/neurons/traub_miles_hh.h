#pragma once
// The Traub-Miles HH neuron of the COBAHH benchmark (Brette et al. 2007, benchmark 3; Traub & Miles
// 1991), in the benchmark's units (pF, nS, mV, ms; currents in pA):
//   C dV/dt = -gL (V - EL) - gNa m^3 h (V - ENa) - gK n^4 (V - EK) + I
//   dx/dt = alpha_x (1 - x) - beta_x x with u = V - V_T:
//     alpha_m = 0.32 (13 - u) / (exp((13 - u) / 4) - 1),  beta_m = 0.28 (u - 40) / (exp((u - 40) / 5) - 1)
//     alpha_h = 0.128 exp((17 - u) / 18),                 beta_h = 4 / (1 + exp(-(u - 40) / 5))
//     alpha_n = 0.032 (15 - u) / (exp((15 - u) / 5) - 1), beta_n = 0.5 exp((10 - u) / 40)
//   (the removable singularities at u = 13, 40, 15 written through z / (e^z - 1));
//   spike on the upward crossing of V_th = -20 mV, no reset, no refractory period. Gates start at 0.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct TraubMilesHH {
  static constexpr const char* name = "TraubMilesHH";
  static constexpr const char* doc = "Traub-Miles Hodgkin-Huxley neuron of the COBAHH benchmark (Brette et al. 2007)";
  enum : int { C, gL, gNa, gK, EL, ENa, EK, V_T, V_th, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"C", 200.0, "pF", Domain::Positive},       {"gL", 10.0, "nS", Domain::NonNegative},
      {"gNa", 20000.0, "nS", Domain::NonNegative}, {"gK", 6000.0, "nS", Domain::NonNegative},
      {"EL", -60.0, "mV"}, {"ENa", 50.0, "mV"}, {"EK", -90.0, "mV"}, {"V_T", -63.0, "mV"}, {"V_th", -20.0, "mV"}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  enum : int { V, m, h, n, kStates };
  static constexpr StateSpec states[kStates] = {
      {"V", "mV", InitKind::Param, 0.0, 0.0, EL}, {"m", ""}, {"h", ""}, {"n", ""}};
  static constexpr bool kSpiking = true, kUpwardCrossing = true, kRefVariant = false, kLTCVariant = true;
  static constexpr double kExampleInput = 200.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    using S = Num<T>;
    if constexpr (K == V) {
      const X n2 = x[n] * x[n];
      const X i_leak = p[gL] * (x[V] - p[EL]);
      const X i_na = p[gNa] * x[m] * x[m] * x[m] * x[h] * (x[V] - p[ENa]);
      const X i_k = p[gK] * n2 * n2 * (x[V] - p[EK]);
      return (in(x[V]) - i_leak - i_na - i_k) / p[C];
    } else {
      const X u = x[V] - p[V_T];
      X alpha = u, beta = u;
      if constexpr (K == m) {
        alpha = S(1.28) * exprel_inv((S(13) - u) / S(4));
        beta = S(1.4) * exprel_inv((u - S(40)) / S(5));
      } else if constexpr (K == h) {
        alpha = S(0.128) * exp((S(17) - u) / S(18));
        beta = S(4) / (S(1) + exp(-(u - S(40)) / S(5)));
      } else {
        alpha = S(0.16) * exprel_inv((S(15) - u) / S(5));
        beta = S(0.5) * exp((S(10) - u) / S(40));
      }
      return alpha * (S(1) - x[K]) - beta * x[K];
    }
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T*, const S&, const P&) {}
};

}  // namespace braintorch::models
