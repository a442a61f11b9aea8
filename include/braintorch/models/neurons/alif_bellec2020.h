#pragma once
// Adaptive LIF of Bellec et al. 2020 (e-prop; BrainPy's ALIFBellec2020):
//   tau dV/dt = -(V - V_rest) + R I,   tau_a da/dt = -a
//   V >= V_th + beta a (a before this step's decay, as BrainPy compares): V <- V - V_th, a <- a + 1;
//   optional absolute refractory period tau_ref.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct ALIFBellec2020 {
  static constexpr const char* name = "ALIFBellec2020";
  static constexpr const char* doc = "adaptive leaky integrate-and-fire neuron of Bellec et al. 2020";
  enum : int { V_rest, V_th, R, beta, tau, tau_a, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", -70.0, "mV"}, {"V_th", -60.0, "mV"}, {"R", 1.0, "MOhm"}, {"beta", 1.6, "mV"},
      {"tau", 20.0, "ms", Domain::Positive},        {"tau_a", 2000.0, "ms", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  enum : int { V, a, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV", InitKind::Constant, -70.0}, {"a", ""}};
  // One registered name, with tau_ref (default 0: no refractory period, as BrainPy's None).
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = false, kLTCVariant = false;
  static constexpr double kExampleInput = 20.0;  // a constant input it fires regularly under (examples, tests)
  static constexpr bool kRefOnly = true;

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    if constexpr (K == V) return (p[V_rest] - x[V] + p[R] * in(x[V])) / p[tau];
    else return -x[a] / p[tau_a];
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T* x_old, const T* x, const P& p) {
    return x[V] - (p[V_th] + p[beta] * x_old[a]);
  }
  // BrainPy subtracts V_th (a soft reset) in every mode.
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) {
    x[V] = s.add(x[V], -p[V_th]);
    x[a] = s.add(x[a], Num<T>(1));
  }
};

}  // namespace braintorch::models
