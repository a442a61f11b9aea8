#pragma once
// Generalized integrate-and-fire (Mihalas & Niebur 2009; BrainPy's Gif and twins):
//   dI1/dt = -k1 I1,  dI2/dt = -k2 I2,  dV_th/dt = a (V - V_rest) - b (V_th - V_th_inf)
//   tau dV/dt = -(V - V_rest) + R (I + I1 + I2)
//   V >= V_th (the threshold state before this step, as BrainPy compares): V <- V_reset,
//   I1 <- R1 I1 + A1, I2 <- R2 I2 + A2, V_th <- max(V_th_reset, V_th).
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct Gif {
  static constexpr const char* name = "Gif";
  static constexpr const char* doc = "generalized integrate-and-fire neuron (Mihalas & Niebur 2009)";
  enum : int { V_rest, V_reset, V_th_inf, V_th_reset, R, tau, a, b, k1, k2, R1, R2, A1, A2, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", -70.0, "mV"}, {"V_reset", -70.0, "mV"}, {"V_th_inf", -50.0, "mV"}, {"V_th_reset", -60.0, "mV"},
      {"R", 20.0, "MOhm"},     {"tau", 20.0, "ms", Domain::Positive},
      {"a", 0.0, "1/ms"},      {"b", 0.01, "1/ms"},     {"k1", 0.2, "1/ms"},      {"k2", 0.02, "1/ms"},
      {"R1", 0.0, ""},         {"R2", 1.0, ""},         {"A1", 0.0, "nA"},        {"A2", 0.0, "nA"}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  // V first: state 0 receives the input. BrainPy integrates (I1, I2, V_th, V) from the old values of
  // all of them, so the order changes nothing.
  enum : int { V, I1, I2, V_th, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV", InitKind::Constant, -70.0},
                                                {"I1", "nA"},
                                                {"I2", "nA"},
                                                {"V_th", "mV", InitKind::Constant, -50.0}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 1.5;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    if constexpr (K == V) return (p[V_rest] - x[V] + p[R] * (in(x[V]) + x[I1] + x[I2])) / p[tau];
    else if constexpr (K == I1) return -p[k1] * x[I1];
    else if constexpr (K == I2) return -p[k2] * x[I2];
    else return p[a] * (x[V] - p[V_rest]) - p[b] * (x[V_th] - p[V_th_inf]);
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T* x_old, const T* x, const P&) { return x[V] - x_old[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) {
    x[V] = s.reset_v(x[V], p[V_reset], x[V_th]);
    x[I1] = s.set(x[I1], p[R1] * x[I1] + p[A1]);
    x[I2] = s.set(x[I2], p[R2] * x[I2] + p[A2]);
    x[V_th] = s.set(x[V_th], max_of(p[V_th_reset], x[V_th]));
  }
};

}  // namespace braintorch::models
