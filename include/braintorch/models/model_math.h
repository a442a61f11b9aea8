#pragma once
// The kernel layer of the model layer: what a neuron model's declaration is written against, and the
// per-element integration, threshold, reset and refractory logic every model shares. Header-only,
// host+device, no ATen: the same templates run in the CPU loops (T = float, double), the CUDA kernels,
// and on tensors for autograd (T = at::Tensor, see csrc/models/tensor_values.h), so the CPU tests cover
// the arithmetic the GPU runs and the fused and differentiable paths cannot drift apart.
//
// A model (include/braintorch/models/neurons/*.h) is a struct with
//   name, doc                          BrainPy's class name, one line of documentation
//   enum { <params>..., kParams }      parameter indices, with `params[kParams]` (ParamSpec: BrainPy's
//                                      names, defaults, units, domains)
//   enum { <states>..., kStates }      state indices, with `states[kStates]` (StateSpec); state 0
//                                      receives the input current
//   derivative<K>(x, in, p)            d x_K / dt, for each K (in(V) is the input current at V)
//   kSpiking, threshold(x_old, x, p)   spike when threshold(...) >= 0 after integration (and, with
//                                      kUpwardCrossing, only if threshold(x_old, x_old, p) < 0)
//   reset(x, s, p)                     the jump after a spike, through the spike token s
//   relations[]                        parameter orderings the model requires (e.g. V_reset < V_th)
//   kRefVariant, kLTCVariant           which of BrainPy's `...Ref` / `...LTC` twins exist
//   kExampleInput                      a constant input current the model fires regularly under
// Constants in a model are written Num<T>(c), so float models compute in float on every path.
#include <math.h>

#include <cstdint>
#include <type_traits>

#include "braintorch/common/host_device.h"
#include "braintorch/models/fast_math.h"

namespace braintorch::models {

// ---------------------------------------------------------------- value traits
// The scalar type of a value: constants in model code are written Num<T>(0.32). Tensors use double
// (ATen scalars), dual numbers their value type.
template <class T>
struct ScalarOf {
  using type = T;
};
template <class T>
using Num = typename ScalarOf<T>::type;

// Operations that are not plain arithmetic or <math.h> functions go through ValueTraits, which
// csrc/models/tensor_values.h specialises for at::Tensor (class template specialisations are found at
// instantiation, where free-function overloads for a type of another namespace would not be).
template <class T, class Enable = void>
struct ValueTraits {
  template <class C>
  BT_HOST_DEVICE static T select(const C& c, const T& a, const T& b) { return c ? a : b; }
  BT_HOST_DEVICE static T max(const T& a, const T& b) { return a > b ? a : b; }
  // phi1(z) = (e^z - 1) / z, 1 at z = 0: the exponential Euler weight.
  BT_HOST_DEVICE_INLINE static T phi1(const T& z) { return z == T(0) ? T(1) : T(expm1(z) / z); }
  // z / (e^z - 1), 1 at z = 0: the removable singularity of HH rate functions such as
  // 0.1 (V + 40) / (1 - exp(-(V + 40) / 10)).
  BT_HOST_DEVICE_INLINE static T exprel_inv(const T& z) {
    const T safe = z == T(0) ? T(1) : z;
    return z == T(0) ? T(1) : T(safe / expm1(safe));
  }
  BT_HOST_DEVICE static T constant_like(const T&, double v) { return T(v); }
};

template <class C, class T>
BT_HOST_DEVICE T if_else(const C& c, const T& a, const T& b) { return ValueTraits<T>::select(c, a, b); }
template <class T>
BT_HOST_DEVICE T max_of(const T& a, const T& b) { return ValueTraits<T>::max(a, b); }
template <class T>
BT_HOST_DEVICE T exprel_inv(const T& z) { return ValueTraits<T>::exprel_inv(z); }

// ---------------------------------------------------------------- dual numbers
// v + d eps with eps^2 = 0: evaluating a derivative function on Dual gives its value and its derivative
// with respect to the seeded variable in one pass. Exponential Euler needs L = d f_K / d x_K at the old
// state (BrainPy's exp_auto takes it by autodiff); the dual part is that number, exactly.
// The math functions are hidden friends: found by argument-dependent lookup only, so they never hide
// ::exp and friends for plain floats.
template <class T>
struct Dual {
  T v, d;

  friend BT_HOST_DEVICE Dual operator+(const Dual& a, const Dual& b) { return {a.v + b.v, a.d + b.d}; }
  friend BT_HOST_DEVICE Dual operator-(const Dual& a, const Dual& b) { return {a.v - b.v, a.d - b.d}; }
  friend BT_HOST_DEVICE Dual operator*(const Dual& a, const Dual& b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
  friend BT_HOST_DEVICE Dual operator/(const Dual& a, const Dual& b) {
    const T q = a.v / b.v;
    return {q, (a.d - q * b.d) / b.v};
  }
  friend BT_HOST_DEVICE Dual operator-(const Dual& a) { return {-a.v, -a.d}; }
  // With a value of the underlying type or a constant (no dual part).
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator+(const Dual& a, const U& b) { return {a.v + b, a.d}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator+(const U& a, const Dual& b) { return {a + b.v, b.d}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator-(const Dual& a, const U& b) { return {a.v - b, a.d}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator-(const U& a, const Dual& b) { return {a - b.v, -b.d}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator*(const Dual& a, const U& b) { return {a.v * b, a.d * b}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator*(const U& a, const Dual& b) { return {a * b.v, a * b.d}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator/(const Dual& a, const U& b) { return {a.v / b, a.d / b}; }
  template <class U, class = std::enable_if_t<std::is_same_v<U, T> || std::is_arithmetic_v<U>>>
  friend BT_HOST_DEVICE Dual operator/(const U& a, const Dual& b) {
    const T q = a / b.v;
    return {q, -(q * b.d) / b.v};
  }

  friend BT_HOST_DEVICE Dual exp(const Dual& a) {
    const T e = exp(a.v);
    return {e, e * a.d};
  }
  friend BT_HOST_DEVICE Dual expm1(const Dual& a) { return {expm1(a.v), exp(a.v) * a.d}; }
  friend BT_HOST_DEVICE Dual log(const Dual& a) { return {log(a.v), a.d / a.v}; }
  friend BT_HOST_DEVICE Dual sqrt(const Dual& a) {
    const T r = sqrt(a.v);
    return {r, a.d / (r + r)};
  }
  friend BT_HOST_DEVICE Dual tanh(const Dual& a) {
    const T t = tanh(a.v);
    return {t, (Num<T>(1) - t * t) * a.d};
  }
  friend BT_HOST_DEVICE Dual cosh(const Dual& a) { return {cosh(a.v), sinh(a.v) * a.d}; }
  // Comparisons look at the value only (branch conditions inside a derivative).
  template <class U>
  friend BT_HOST_DEVICE auto operator<(const Dual& a, const U& b) { return a.v < value_of(b); }
  template <class U>
  friend BT_HOST_DEVICE auto operator>(const Dual& a, const U& b) { return a.v > value_of(b); }
  template <class U>
  BT_HOST_DEVICE static const U& value_of(const U& u) { return u; }
  BT_HOST_DEVICE static const T& value_of(const Dual& u) { return u.v; }
};

template <class T>
struct ScalarOf<Dual<T>> {
  using type = Num<T>;
};

template <class T>
struct ValueTraits<Dual<T>> {
  template <class C>
  BT_HOST_DEVICE static Dual<T> select(const C& c, const Dual<T>& a, const Dual<T>& b) {
    return {ValueTraits<T>::select(c, a.v, b.v), ValueTraits<T>::select(c, a.d, b.d)};
  }
  BT_HOST_DEVICE static Dual<T> max(const Dual<T>& a, const Dual<T>& b) { return select(a.v > b.v, a, b); }
  // d/dz [z / (e^z - 1)] = (e^z - 1 - z e^z) / (e^z - 1)^2, -1/2 at 0; value and slope share one expm1.
  BT_HOST_DEVICE static Dual<T> exprel_inv(const Dual<T>& z) {
    using VT = ValueTraits<T>;
    const auto zero = z.v == VT::constant_like(z.v, 0.0);
    const T safe = VT::select(zero, VT::constant_like(z.v, 1.0), z.v);
    const T em1 = expm1(safe);
    const T r = VT::select(zero, VT::constant_like(z.v, 1.0), T(safe / em1));
    const T slope = VT::select(zero, VT::constant_like(z.v, -0.5), T((em1 - safe * (em1 + Num<T>(1))) / (em1 * em1)));
    return {r, slope * z.d};
  }
};

// ---------------------------------------------------------------- declarations
enum class Domain : int { Any, Positive, NonNegative };

struct ParamSpec {
  const char* name;
  double value;  // BrainPy's default
  const char* unit;
  Domain domain = Domain::Any;
};

// How a state starts when the user gives no initializer.
enum class InitKind : int {
  Constant,  // `value`
  Param,     // the value of parameter `param`
  Uniform,   // uniform on [value, high), drawn from the group's seed (BrainPy's Uniform initializers)
  Model,     // the model's initial_value<K>(x, p), from the states before it (e.g. HH gates at steady
             // state for V0, Izhikevich u = b V0)
};

struct StateSpec {
  const char* name;
  const char* unit;
  InitKind init = InitKind::Constant;
  double value = 0.0;
  double high = 0.0;
  int param = -1;
};

// params[lower] < params[upper] is required (e.g. V_reset < V_th).
struct ParamRelation {
  int lower, upper;
};

// The per-element parameter pack: kParams values plus tau_ref (index kParams) for refractory twins.
template <class T, int N>
struct ParamPack {
  T v[N];
  BT_HOST_DEVICE const T& operator[](int k) const { return v[k]; }
};

// The input current of a step, as a function of the membrane potential:
//   I(V) = i0 - g V
// where i0 sums the external drive, current inputs and g_k E_k of conductance inputs, and g sums the
// conductances. The LTC twins evaluate it at every integration point; the plain models fold g V_old into
// i0 before integrating (g = 0 here), BrainPy's sum_current_inputs at the old V.
template <class T>
struct Input {
  T i0, g;
  template <class V>
  BT_HOST_DEVICE V operator()(const V& v) const { return i0 - g * v; }
};

// ---------------------------------------------------------------- spike tokens
// reset(x, s, p) writes the jump through a token, so one reset serves the event path (s is a bool: the
// jump happens or not, exactly) and the training path (s is the surrogate spike: hard or soft reset,
// as BrainPy's TrainingMode).
template <class T>
struct EventSpike {
  bool s;
  BT_HOST_DEVICE T set(const T& x, const T& value) const { return s ? value : x; }
  template <class D>
  BT_HOST_DEVICE T add(const T& x, const D& delta) const { return s ? T(x + delta) : x; }
  // The membrane reset: to V_reset (the threshold is BrainPy's soft-reset distance, unused here).
  BT_HOST_DEVICE T reset_v(const T& v, const T& v_reset, const T&) const { return s ? v_reset : v; }
};

// ---------------------------------------------------------------- integration
enum class Method : int { Euler = 0, ExpEuler = 1, RK2 = 2, RK4 = 3 };
constexpr int kNumFusedMethods = 4;

namespace detail {

// Every state's derivative; with `freeze` (a refractory neuron under Brian2's convention) state 0's is
// zero, as Brian2's `(unless refractory)`, so V holds in every stage and the other states see it held.
template <class M, int K = 0, class X, class T, class P, class F>
BT_HOST_DEVICE_INLINE void derivatives(const X* x, const Input<T>& in, const P& p, X* dx, const F& freeze) {
  if constexpr (K < M::kStates) {
    dx[K] = M::template derivative<K>(x, in, p);
    if constexpr (K == 0) dx[0] = ValueTraits<X>::select(freeze, ValueTraits<X>::constant_like(dx[0], 0.0), dx[0]);
    derivatives<M, K + 1>(x, in, p, dx, freeze);
  }
}

// x_K + phi1(L dt) f_K dt with (f_K, L) from one dual evaluation seeded at x_K; every variable is advanced
// from the old values of all the others (BrainPy's exp_auto on a JointEq).
template <class M, int K = 0, class T, class P, class F>
BT_HOST_DEVICE_INLINE void exp_euler(const T* x, const Input<T>& in, const P& p, Num<T> dt, T* out, const F& freeze) {
  if constexpr (K < M::kStates) {
    Dual<T> xd[M::kStates];
    for (int j = 0; j < M::kStates; ++j)
      xd[j] = Dual<T>{x[j], ValueTraits<T>::constant_like(x[j], j == K ? 1.0 : 0.0)};
    const Dual<T> f = M::template derivative<K>(xd, in, p);
    T fv = f.v;
    if constexpr (K == 0) fv = ValueTraits<T>::select(freeze, ValueTraits<T>::constant_like(fv, 0.0), fv);
    out[K] = x[K] + ValueTraits<T>::phi1(f.d * dt) * fv * dt;  // the registry's order (exponential_euler.cpp)
    exp_euler<M, K + 1>(x, in, p, dt, out, freeze);
  }
}

}  // namespace detail

// One integration step of every state variable of model M (no threshold, no reset): out = x(t + dt).
// RK2 is BrainPy's generic second-order rk2 with beta = 2/3 and RK4 the classical scheme, with the
// coefficients of the solver registry (solvers/butcher_tableau.cpp).
template <class M, Method kMethod, class T, class P, class F = bool>
BT_HOST_DEVICE_INLINE void integrate(const T* x, const Input<T>& in, const P& p, Num<T> dt, T* out, const F& freeze = false) {
  constexpr int K = M::kStates;
  if constexpr (kMethod == Method::ExpEuler) {
    detail::exp_euler<M>(x, in, p, dt, out, freeze);
  } else if constexpr (kMethod == Method::Euler) {
    T k1[K];
    detail::derivatives<M>(x, in, p, k1, freeze);
    for (int j = 0; j < K; ++j) out[j] = x[j] + dt * k1[j];
  } else if constexpr (kMethod == Method::RK2) {
    T k1[K], k2[K], y[K];
    detail::derivatives<M>(x, in, p, k1, freeze);
    const Num<T> b = Num<T>(2.0 / 3);
    for (int j = 0; j < K; ++j) y[j] = x[j] + dt * (b * k1[j]);
    detail::derivatives<M>(y, in, p, k2, freeze);
    for (int j = 0; j < K; ++j) out[j] = x[j] + dt * (Num<T>(0.25) * k1[j] + Num<T>(0.75) * k2[j]);
  } else {
    T k1[K], k2[K], k3[K], k4[K], y[K];
    detail::derivatives<M>(x, in, p, k1, freeze);
    for (int j = 0; j < K; ++j) y[j] = x[j] + dt * (Num<T>(0.5) * k1[j]);
    detail::derivatives<M>(y, in, p, k2, freeze);
    for (int j = 0; j < K; ++j) y[j] = x[j] + dt * (Num<T>(0.5) * k2[j]);
    detail::derivatives<M>(y, in, p, k3, freeze);
    for (int j = 0; j < K; ++j) y[j] = x[j] + dt * k3[j];
    detail::derivatives<M>(y, in, p, k4, freeze);
    for (int j = 0; j < K; ++j)
      out[j] = x[j] + dt * (Num<T>(1.0 / 6) * k1[j] + Num<T>(1.0 / 3) * k2[j] + Num<T>(1.0 / 3) * k3[j] +
                            Num<T>(1.0 / 6) * k4[j]);
  }
}

// Steps a refractory neuron holds its membrane potential after the spike step:
//   BrainPy: (t - t_spike) <= tau_ref, i.e. floor(tau_ref / dt) steps;
//   Brian2:  the step at t_spike + tau_ref integrates again, i.e. floor(tau_ref / dt) - 1 steps.
// Both floor with Brian2's tolerance (timestep(t, dt) = int((t + 1e-3 dt) / dt)), so a tau_ref that is
// a multiple of dt up to rounding counts as the multiple.
template <class T>
BT_HOST_DEVICE int32_t refractory_steps(T tau_ref, Num<T> inv_dt, int32_t convention_offset) {
  const int32_t steps = int32_t(tau_ref * inv_dt + Num<T>(1e-3)) - convention_offset;
  return steps > 0 ? steps : 0;
}

// One neuron, one step, on the event (non-training) path: integrate; hold V (state 0) while
// refractory (Brian2's convention also freezes it inside the step's stages); threshold; reset; count the refractory steps down. Branch-free, so CPU loops over simple
// models vectorise. Returns whether the neuron spiked. `counter` is the number of steps still held.
template <class M, Method kMethod, bool kRef, class T, class P>
BT_HOST_DEVICE_INLINE bool fused_step(T* x, int32_t& counter, const Input<T>& in, const P& p, Num<T> dt,
                               Num<T> inv_dt, int32_t convention_offset) {
  T xn[M::kStates];
  if constexpr (kRef) {
    // Brian2 freezes V inside the step (the other states see it held); BrainPy integrates the step and
    // puts V back. Both leave V at its old value. The single-stage methods evaluate every derivative at
    // the old state, where the two agree, so only rk2 and rk4 pay for the freeze.
    constexpr bool kStages = kMethod == Method::RK2 || kMethod == Method::RK4;
    const bool freeze = kStages & (counter > 0) & (convention_offset == 1);
    integrate<M, kMethod>(x, in, p, dt, xn, freeze);
    xn[0] = counter > 0 ? x[0] : xn[0];
  } else {
    integrate<M, kMethod>(x, in, p, dt, xn);
  }
  bool s = false;
  if constexpr (M::kSpiking) {
    const T d = M::threshold(x, xn, p);
    if constexpr (M::kUpwardCrossing) {
      // Both comparisons folded into one: V_old < V_th <= V, i.e. min(d, -d_old) >= 0 with d_old < 0
      // (a select of two float compares vectorises where a conjunction of two bools does not).
      const T d_old = M::threshold(x, x, p);
      const T neg_old = -d_old;
      const T m = d < neg_old ? d : neg_old;
      s = (m >= T(0)) & (neg_old > T(0));
    } else {
      s = d >= T(0);
    }
    M::reset(xn, EventSpike<T>{s}, p);
  }
  if constexpr (kRef) {
    const int32_t hold = refractory_steps(p[M::kParams], inv_dt, convention_offset);
    counter = s ? hold : (counter > 0 ? counter - 1 : 0);
  }
  for (int j = 0; j < M::kStates; ++j) x[j] = xn[j];
  return s;
}

}  // namespace braintorch::models
