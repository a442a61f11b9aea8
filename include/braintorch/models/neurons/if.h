#pragma once
// Leaky integrator without a threshold (BrainPy's IF / IFLTC): tau dV/dt = -(V - V_rest) + R I.
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct IF {
  static constexpr const char* name = "IF";
  static constexpr const char* doc = "leaky integrator: the membrane of a Lif without threshold or reset";
  enum : int { V_rest, R, tau, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_rest", 0.0, "mV"}, {"R", 1.0, "MOhm"}, {"tau", 10.0, "ms", Domain::Positive}};
  static constexpr ParamRelation relations[] = {{-1, -1}};
  enum : int { V, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV"}};
  static constexpr bool kSpiking = false, kUpwardCrossing = false, kRefVariant = false, kLTCVariant = true;
  static constexpr double kExampleInput = 20.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    return (p[V_rest] - x[V] + p[R] * in(x[V])) * (Num<T>(1) / p[tau]);
  }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P&) { return -x[V]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T*, const S&, const P&) {}
};

}  // namespace braintorch::models
