#pragma once
// Izhikevich (2003) neuron (BrainPy's Izhikevich and twins):
//   dV/dt = p1 V^2 + p2 V + p3 - u + I,   du/dt = a (b V - u)
//   V >= V_th: V <- c, u <- u + d.   u starts at b V0. (tau and R are BrainPy parameters its equations
//   do not use; they are kept so BrainPy parameter sets load unchanged.)
#include "braintorch/models/model_math.h"

namespace braintorch::models {

struct Izhikevich {
  static constexpr const char* name = "Izhikevich";
  static constexpr const char* doc = "Izhikevich (2003) simple spiking neuron";
  enum : int { V_th, p1, p2, p3, a, b, c, d, tau, R, kParams };
  static constexpr ParamSpec params[kParams] = {
      {"V_th", 30.0, "mV"}, {"p1", 0.04, "1/(mV ms)"}, {"p2", 5.0, "1/ms"}, {"p3", 140.0, "mV/ms"},
      {"a", 0.02, "1/ms"},  {"b", 0.2, "1/ms"},        {"c", -65.0, "mV"},  {"d", 8.0, "mV/ms"},
      {"tau", 10.0, "ms", Domain::Positive},           {"R", 1.0, "MOhm"}};
  static constexpr ParamRelation relations[] = {{c, V_th}};
  enum : int { V, u, kStates };
  static constexpr StateSpec states[kStates] = {{"V", "mV", InitKind::Constant, -70.0},
                                                {"u", "mV/ms", InitKind::Model}};
  static constexpr bool kSpiking = true, kUpwardCrossing = false, kRefVariant = true, kLTCVariant = true;
  static constexpr double kExampleInput = 10.0;  // a constant input it fires regularly under (examples, tests)

  template <int K, class X, class T, class P>
  BT_HOST_DEVICE static X derivative(const X* x, const Input<T>& in, const P& p) {
    if constexpr (K == V) return p[p1] * x[V] * x[V] + p[p2] * x[V] + p[p3] - x[u] + in(x[V]);
    else return p[a] * (p[b] * x[V] - x[u]);
  }
  template <int K, class T, class P>
  static T initial_value(const T* x, const P& p) { return p[b] * x[V]; }
  template <class T, class P>
  BT_HOST_DEVICE static T threshold(const T*, const T* x, const P& p) { return x[V] - p[V_th]; }
  template <class T, class S, class P>
  BT_HOST_DEVICE static void reset(T* x, const S& s, const P& p) {
    x[V] = s.reset_v(x[V], p[c], p[V_th]);
    x[u] = s.add(x[u], p[d]);
  }
};

}  // namespace braintorch::models
