#pragma once
// Per-element arithmetic of the leaky integrate-and-fire neuron, written once:
//   tau dV/dt = V_rest - V + R * I(V),   I(V) = I_0 - g V
// where I_0 = external + current input + sum_k g_k E_k and g = sum_k g_k (see neuron_group.h).
// The templates compile for float/double in the CPU loops and CUDA kernels, and for at::Tensor on the
// differentiable path, so all three evaluate the same formula.
#include <math.h>

#include <cstdint>

#include "braintorch/common/host_device.h"

namespace braintorch::lif_math {

// Forward Euler: V + dt/tau * (V_rest - V + R (I_0 - g V)).
template <typename T, typename P>
BT_HOST_DEVICE T euler_step(const T& v, const T& i0, const T& g, P v_rest, P r, P dt_over_tau) {
  return v + (v_rest - v + r * (i0 - g * v)) * dt_over_tau;
}

// Exponential Euler: exact when I_0 and g are constant over the step (they are: inputs are held for
// the step). The equation is linear in V with rate (1 + R g)/tau and fixed point (V_rest + R I_0)/(1 + R g).
template <typename T, typename P>
BT_HOST_DEVICE T exp_euler_step(const T& v, const T& i0, const T& g, P v_rest, P r, P dt, P tau) {
  const T a = 1 + r * g;
  const T v_inf = (v_rest + r * i0) / a;
  return v_inf + (v - v_inf) * exp(-(dt / tau) * a);
}

// Exponential Euler without conductance input (g == 0): the decay factor is a constant per step.
template <typename T, typename P>
BT_HOST_DEVICE T exp_euler_step_current(const T& v, const T& i0, P v_rest, P r, P decay) {
  const T v_inf = v_rest + r * i0;
  return v_inf + (v - v_inf) * decay;
}

// Everything the fused step needs, precomputed per step in the state's scalar type.
template <typename T>
struct StepParams {
  T v_rest, v_reset, v_th, r, dt, tau, dt_over_tau, decay;  // decay = exp(-dt/tau)
  int32_t refractory_steps;  // steps V is held after the spike step: round(tau_ref / dt) - 1 (Brian2's timing)
  bool exp_euler;
  bool has_conductance;
};

// The membrane potential after one step of integration (not yet thresholded).
template <bool kExpEuler, bool kConductance, typename T>
BT_HOST_DEVICE T integrate(T v, T i0, T g, const StepParams<T>& p) {
  if constexpr (kExpEuler) {
    if constexpr (kConductance) return exp_euler_step(v, i0, g, p.v_rest, p.r, p.dt, p.tau);
    else return exp_euler_step_current(v, i0, p.v_rest, p.r, p.decay);
  } else {
    return euler_step(v, i0, g, p.v_rest, p.r, p.dt_over_tau);
  }
}

// One neuron, one step: hold while refractory; otherwise integrate, then threshold (V >= V_th after
// integration, as BrainPy) and reset. Branch-free, so the CPU loop vectorises; returns whether it spiked.
template <bool kExpEuler, bool kConductance, typename T>
BT_HOST_DEVICE bool fused_step(T& v, int32_t& refractory, T i0, T g, const StepParams<T>& p) {
  const T vn = integrate<kExpEuler, kConductance>(v, i0, g, p);
  const bool active = refractory <= 0;
  const bool spiked = active & (vn >= p.v_th);  // & not &&: no branch, so loops vectorise
  v = spiked ? p.v_reset : (active ? vn : v);
  refractory = spiked ? p.refractory_steps : (active ? 0 : refractory - 1);
  return spiked;
}

// The same with the method chosen at run time (GPU kernels, scalar callers).
template <typename T>
BT_HOST_DEVICE bool fused_step(T& v, int32_t& refractory, T i0, T g, const StepParams<T>& p) {
  if (p.exp_euler) {
    return p.has_conductance ? fused_step<true, true>(v, refractory, i0, g, p)
                             : fused_step<true, false>(v, refractory, i0, g, p);
  }
  return fused_step<false, false>(v, refractory, i0, g, p);
}

}  // namespace braintorch::lif_math
