#pragma once
// The differentiable step of any neuron model: the per-element templates of model_math.h evaluated on
// tensors, so autograd differentiates exactly the arithmetic the fused kernels run. Spikes go through the
// surrogate spike function and reset as BrainPy's TrainingMode does (spk_reset, detach_spk); methods
// the fused kernels lack come from the solver registry (make_ode_step).
#include <ATen/ops/clamp_min.h>
#include <ATen/ops/floor.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros_like.h>

#include <vector>

#include "braintorch/models/registry.h"
#include "braintorch/solvers/ode_step.h"
#include "braintorch/solvers/sde_solvers.h"
#include "csrc/models/tensor_values.h"

namespace braintorch::models::detail {

// The spike token of the training path (see EventSpike in model_math.h): s is the surrogate spike.
struct TrainingSpike {
  at::Tensor s;
  bool soft;
  at::Tensor set(const at::Tensor& x, const at::Tensor& value) const { return x + (value - x) * s; }
  template <class D>
  at::Tensor add(const at::Tensor& x, const D& delta) const { return x + s * delta; }
  at::Tensor reset_v(const at::Tensor& v, const at::Tensor& v_reset, const at::Tensor& v_th) const {
    return soft ? v - (v_th - v_reset) * s : v + (v_reset - v) * s;
  }
};

// Whether a model computes default initial values (InitKind::Model), and its value for a run-time k.
template <class M, class = void>
constexpr bool has_initial_value = false;
template <class M>
constexpr bool has_initial_value<M, std::void_t<decltype(M::template initial_value<0>(
                                        std::declval<const at::Tensor*>(),
                                        std::declval<const ParamPack<at::Tensor, M::kParams + 1>&>()))>> = true;

template <class M, int J = 0, class P>
at::Tensor initial_value_at(int k, const at::Tensor* x, const P& p) {
  if constexpr (J < M::kStates) {
    if (k == J) return M::template initial_value<J>(x, p);
    return initial_value_at<M, J + 1>(k, x, p);
  } else {
    TORCH_INTERNAL_ASSERT(false, "no state ", k);
  }
}

template <class M>
void tensor_step(TensorStepArgs& a) {
  constexpr int K = M::kStates;
  TORCH_INTERNAL_ASSERT(int(a.x.size()) == K && int(a.params.size()) >= M::kParams);
  ParamPack<at::Tensor, M::kParams + 1> p;
  for (size_t k = 0; k < a.params.size(); ++k) p.v[k] = a.params[k];
  at::Tensor x[K], xn[K];
  for (int k = 0; k < K; ++k) x[k] = a.x[k];
  at::Tensor i0 = a.i0, g = a.g.defined() ? a.g : at::zeros_like(x[0]);
  if (!a.ltc) {  // the plain models sum their inputs once, at the old V
    i0 = i0 - g * x[0];
    g = at::zeros_like(x[0]);
  }
  const Input<at::Tensor> in{i0, g};
  const bool refractory = a.counter.defined();
  // Brian2's convention freezes V inside a refractory step (model_math.h, fused_step).
  const at::Tensor freeze = refractory && a.convention_offset == 1 ? (a.counter > 0) : at::zeros_like(x[0], at::kBool);
  Method fused;
  if (a.noise.defined()) {
    // dV = f dt + noise dW with a diffusion coefficient that does not depend on the state (BrainPy's
    // `noise`), so the registry's SDE schemes reduce to closed forms: euler, milstein and milstein2 to
    // Euler-Maruyama (their corrections are derivatives of g, which vanish), exp_euler to the ODE
    // exp_euler step plus the kick, heun to its predictor-corrector with the kick in both stages. Written
    // here on the model's own arithmetic rather than through solvers::sde_step, whose exp_euler and
    // milstein take derivatives by autograd and so cannot run under InferenceMode (the CLI);
    // test_neuron_noise.cpp checks every scheme against sde_step.
    const at::Tensor kick = a.noise * a.dW;
    const solvers::SdeMethod sm = solvers::parse_sde_method(a.method);
    if (sm == solvers::SdeMethod::Heun) {
      at::Tensor k1[K], k2[K], y[K];
      derivatives<M>(x, in, p, k1, freeze);
      for (int k = 0; k < K; ++k) y[k] = x[k] + k1[k] * a.dt;
      y[0] = y[0] + kick;
      derivatives<M>(y, in, p, k2, freeze);
      for (int k = 0; k < K; ++k) xn[k] = x[k] + (k1[k] + k2[k]) * (0.5 * a.dt);
    } else if (sm == solvers::SdeMethod::ExpEuler) {
      integrate<M, Method::ExpEuler>(x, in, p, a.dt, xn, freeze);
    } else {
      TORCH_CHECK(sm == solvers::SdeMethod::Euler || sm == solvers::SdeMethod::Milstein ||
                      sm == solvers::SdeMethod::Milstein2,
                  "neuron noise: SDE method '", a.method, "' is not offered; valid: euler, heun, milstein, milstein2, "
                  "exp_euler");
      integrate<M, Method::Euler>(x, in, p, a.dt, xn, freeze);
    }
    xn[0] = xn[0] + kick;
  } else if (parse_fused_method(a.method, &fused)) {
    switch (fused) {
      case Method::Euler: integrate<M, Method::Euler>(x, in, p, a.dt, xn, freeze); break;
      case Method::ExpEuler: integrate<M, Method::ExpEuler>(x, in, p, a.dt, xn, freeze); break;
      case Method::RK2: integrate<M, Method::RK2>(x, in, p, a.dt, xn, freeze); break;
      case Method::RK4: integrate<M, Method::RK4>(x, in, p, a.dt, xn, freeze); break;
    }
  } else {
    // Inputs are held over the step, as on the fused path.
    solvers::OdeFunction f = [&](const solvers::Tensors& y, double, const solvers::Tensors&) {
      at::Tensor dy[K];
      derivatives<M>(y.data(), in, p, dy, freeze);
      return solvers::Tensors(dy, dy + K);
    };
    const auto step = solvers::make_ode_step(f, a.method);
    const solvers::Tensors y = step(solvers::Tensors(x, x + K), a.t, a.dt);
    for (int k = 0; k < K; ++k) xn[k] = y[size_t(k)];
  }
  if (refractory) xn[0] = at::where(a.counter > 0, x[0], xn[0]);
  if constexpr (M::kSpiking) {
    at::Tensor s = spike_function(M::threshold(x, xn, p), a.surrogate);
    if constexpr (M::kUpwardCrossing) s = s * (M::threshold(x, x, p) < 0).to(s.scalar_type());
    const at::Tensor s_reset = a.detach_spk ? s.detach() : s;
    M::reset(xn, TrainingSpike{s_reset, a.spk_reset == SpikeReset::Soft}, p);
    if (refractory) {
      const at::Tensor spiked = s.detach() > 0;
      const at::Tensor hold =
          at::clamp_min(at::floor(p[M::kParams].detach() / a.dt + 1e-3) - a.convention_offset, 0)
              .to(at::kInt)
              .expand_as(a.counter);
      a.counter = at::where(spiked, hold, at::clamp_min(a.counter - 1, 0));
    }
    a.spike = s;
  } else {
    a.spike = at::zeros_like(x[0]);
  }
  for (int k = 0; k < K; ++k) a.x[size_t(k)] = xn[k];
}

template <class M>
at::Tensor initial_value(int k, const std::vector<at::Tensor>& x, const std::vector<at::Tensor>& params) {
  if constexpr (has_initial_value<M>) {
    ParamPack<at::Tensor, M::kParams + 1> p;
    for (size_t j = 0; j < params.size(); ++j) p.v[j] = params[j];
    return initial_value_at<M>(k, x.data(), p);
  } else {
    TORCH_INTERNAL_ASSERT(false, M::name, " declares no initial_value");
  }
}

}  // namespace braintorch::models::detail
