#include "braintorch/solvers/sde_solvers.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/expm1.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros_like.h>
#include <ATen/ops/where.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <memory>

namespace braintorch::solvers {
namespace {

// Checks that an equation returned one tensor per state with the state's shape (plus the noise
// dimension for vector diffusion).
void check_outputs(const Tensors& y, const Tensors& out, const char* what, bool vector_noise) {
  TORCH_CHECK(out.size() == y.size(), what, " returned ", out.size(), " tensors for ", y.size(), " states");
  for (size_t i = 0; i < y.size(); ++i) {
    auto expected = y[i].sizes().vec();
    if (vector_noise) {
      TORCH_CHECK(out[i].dim() == y[i].dim() + 1, what, " output ", i, " must have shape state.shape + (m), got ",
                  out[i].sizes());
      expected.push_back(out[i].size(-1));
    }
    TORCH_CHECK(out[i].sizes().vec() == expected, what, " output ", i, " has shape ", out[i].sizes(),
                " but state ", i, " has shape ", y[i].sizes());
  }
}

// The diffusion's contribution g dW (summed over noise sources for vector noise).
at::Tensor noise_term(const at::Tensor& g, const at::Tensor& dW, WienerType wiener) {
  if (wiener == WienerType::Vector) {
    // O(1) per call; without it a wrong source count surfaces as an anonymous broadcasting error.
    TORCH_CHECK(dW.dim() >= 1 && (dW.size(-1) == g.size(-1) || dW.size(-1) == 1),
                "sde_step: with wiener_type 'vector', noise.dW needs the m = ", g.size(-1),
                " noise sources of g in its last dimension, got shape ", dW.sizes());
    return (g * dW).sum(-1);
  }
  return g * dW;
}

bool any_requires_grad(const Tensors& a, const Tensors& b) {
  for (const auto& x : a) if (x.requires_grad()) return true;
  for (const auto& x : b) if (x.requires_grad()) return true;
  return false;
}

// Evaluates h(y) and its element-wise derivative dh_i/dy_i by autograd. When neither the states nor
// the parameters carry gradients, the results are detached so no graph builds up across steps.
std::pair<Tensors, Tensors> value_and_diag_derivative(const OdeFunction& h, const Tensors& y, double t,
                                                      const Tensors& params, const char* what) {
  const bool keep_graph = any_requires_grad(y, params);
  at::AutoGradMode enable(true);
  Tensors yv(y.size());
  for (size_t i = 0; i < y.size(); ++i) yv[i] = y[i].requires_grad() ? y[i] : y[i].detach().requires_grad_(true);
  Tensors hv = h(yv, t, params);
  check_outputs(y, hv, what, false);
  Tensors dh(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    if (!hv[i].requires_grad()) {
      dh[i] = at::zeros_like(y[i]);
      continue;
    }
    auto grads = torch::autograd::grad({hv[i].sum()}, {yv[i]}, {}, /*retain_graph=*/true,
                                       /*create_graph=*/keep_graph, /*allow_unused=*/true);
    dh[i] = grads[0].defined() ? grads[0] : at::zeros_like(y[i]);
  }
  if (!keep_graph) {
    for (auto& x : hv) x = x.detach();
    for (auto& x : dh) x = x.detach();
  }
  return {hv, dh};
}

// Vector noise: g(y) of shape state.shape + (m) and D[..., k] = dg_{i,k}/dy_i by autograd, one backward
// pass per noise source (element-wise assumption as above). Detached when no gradients are wanted.
std::pair<Tensors, Tensors> value_and_diag_derivative_per_source(const SdeDiffusion& g, const Tensors& y, double t,
                                                                 const Tensors& params) {
  const bool keep_graph = any_requires_grad(y, params);
  at::AutoGradMode enable(true);
  Tensors yv(y.size());
  for (size_t i = 0; i < y.size(); ++i) yv[i] = y[i].requires_grad() ? y[i] : y[i].detach().requires_grad_(true);
  Tensors gv = g(yv, t, params);
  check_outputs(y, gv, "diffusion g", true);
  Tensors dg(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    if (!gv[i].requires_grad()) {
      dg[i] = at::zeros_like(gv[i]);
      continue;
    }
    std::vector<at::Tensor> columns;
    for (int64_t k = 0; k < gv[i].size(-1); ++k) {
      auto grads = torch::autograd::grad({gv[i].select(-1, k).sum()}, {yv[i]}, {}, /*retain_graph=*/true,
                                         /*create_graph=*/keep_graph, /*allow_unused=*/true);
      columns.push_back(grads[0].defined() ? grads[0] : at::zeros_like(y[i]));
    }
    dg[i] = at::stack(columns, -1);
  }
  if (!keep_graph) {
    for (auto& x : gv) x = x.detach();
    for (auto& x : dg) x = x.detach();
  }
  return {gv, dg};
}

// The Rossler SRI tableau (4 stages, strictly lower triangular A0, A1, B0, B1).
struct SriTableau {
  double c0[4], c1[4], A0[4][4], A1[4][4], B0[4][4], B1[4][4], alpha[4], beta1[4], beta2[4], beta3[4],
      beta4[4];
};

// SRI1W1 (Rossler 2010), as in DifferentialEquations.jl's SRIW1.
const SriTableau kSri1w1 = {
    {0, 0.75, 0, 0},
    {0, 0.25, 1, 0.25},
    {{0, 0, 0, 0}, {0.75, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {{0, 0, 0, 0}, {0.25, 0, 0, 0}, {1, 0, 0, 0}, {0.25, 0, 0, 0}},
    {{0, 0, 0, 0}, {1.5, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {{0, 0, 0, 0}, {0.5, 0, 0, 0}, {-1, 0, 0, 0}, {-5, 3, 0.5, 0}},
    {1.0 / 3, 2.0 / 3, 0, 0},
    {-1, 4.0 / 3, 2.0 / 3, 0},
    {-1, 4.0 / 3, -1.0 / 3, 0},
    {2, -4.0 / 3, -2.0 / 3, 0},
    {-2, 5.0 / 3, -2.0 / 3, 1}};

// SRI2W1 (Rossler 2010; BrainPy srk2w1_scalar). beta2 sums to zero as the order conditions require.
const SriTableau kSri2w1 = {
    {0, 1, 0.5, 0},
    {0, 0.25, 1, 0.25},
    {{0, 0, 0, 0}, {1, 0, 0, 0}, {0.25, 0.25, 0, 0}, {0, 0, 0, 0}},
    {{0, 0, 0, 0}, {0.25, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0.25, 0}},
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0.5, 0, 0}, {0, 0, 0, 0}},
    {{0, 0, 0, 0}, {-0.5, 0, 0, 0}, {1, 0, 0, 0}, {2, -1, 0.5, 0}},
    {1.0 / 6, 1.0 / 6, 2.0 / 3, 0},
    {-1, 4.0 / 3, 2.0 / 3, 0},
    {1, -4.0 / 3, 1.0 / 3, 0},
    {2, -4.0 / 3, -2.0 / 3, 0},
    {-2, 5.0 / 3, -2.0 / 3, 1}};

Tensors sri_step(const OdeFunction& f, const SdeDiffusion& g, const SriTableau& tab, const Tensors& y,
                 double t, double dt, const SdeNoise& nz, const Tensors& params) {
  const size_t n = y.size();
  const double sq = std::sqrt(dt);
  // Which stages are used at all (saves evaluations for the 2-stage drift of SRI1W1).
  bool need_f[4], need_g[4];
  for (int j = 0; j < 4; ++j) {
    need_f[j] = tab.alpha[j] != 0;
    need_g[j] = tab.beta1[j] != 0 || tab.beta2[j] != 0 || tab.beta3[j] != 0 || tab.beta4[j] != 0;
    for (int i = 0; i < 4; ++i) {
      need_f[j] = need_f[j] || tab.A0[i][j] != 0 || tab.A1[i][j] != 0;
      need_g[j] = need_g[j] || tab.B0[i][j] != 0 || tab.B1[i][j] != 0;
    }
  }
  std::vector<Tensors> F(4), G(4);
  for (int i = 0; i < 4; ++i) {
    if (need_f[i]) {
      Tensors h0 = y;
      for (size_t k = 0; k < n; ++k)
        for (int j = 0; j < i; ++j) {
          if (tab.A0[i][j] != 0) h0[k] = h0[k] + (tab.A0[i][j] * dt) * F[j][k];
          if (tab.B0[i][j] != 0) h0[k] = h0[k] + tab.B0[i][j] * G[j][k] * (nz.dZ[k] / dt);
        }
      F[i] = f(h0, t + tab.c0[i] * dt, params);
      check_outputs(y, F[i], "drift f", false);
    }
    if (need_g[i]) {
      Tensors h1 = y;
      for (size_t k = 0; k < n; ++k)
        for (int j = 0; j < i; ++j) {
          if (tab.A1[i][j] != 0) h1[k] = h1[k] + (tab.A1[i][j] * dt) * F[j][k];
          if (tab.B1[i][j] != 0) h1[k] = h1[k] + (tab.B1[i][j] * sq) * G[j][k];
        }
      G[i] = g(h1, t + tab.c1[i] * dt, params);
      check_outputs(y, G[i], "diffusion g", false);
    }
  }
  Tensors out(n);
  for (size_t k = 0; k < n; ++k) {
    const at::Tensor& dW = nz.dW[k];
    const at::Tensor I11 = 0.5 * (dW * dW - dt);
    const at::Tensor I111 = (dW * dW * dW - 3.0 * dt * dW) / 6.0;
    const at::Tensor I10 = nz.dZ[k];
    at::Tensor acc = y[k];
    for (int i = 0; i < 4; ++i) {
      if (tab.alpha[i] != 0) acc = acc + (tab.alpha[i] * dt) * F[i][k];
      if (!need_g[i]) continue;
      at::Tensor w = tab.beta1[i] * dW + (tab.beta2[i] / sq) * I11 + (tab.beta3[i] / dt) * I10 +
                     (tab.beta4[i] / dt) * I111;
      acc = acc + w * G[i][k];
    }
    out[k] = acc;
  }
  return out;
}

// Kloeden & Platen (1992), eq. (11.2.19): explicit strong order 1.5 scheme for scalar noise (Ito).
Tensors klpl_step(const OdeFunction& f, const SdeDiffusion& g, const Tensors& y, double t, double dt,
                  const SdeNoise& nz, const Tensors& params) {
  const size_t n = y.size();
  const double sq = std::sqrt(dt);
  Tensors a = f(y, t, params), b = g(y, t, params);
  check_outputs(y, a, "drift f", false);
  check_outputs(y, b, "diffusion g", false);
  Tensors up(n), um(n);
  for (size_t k = 0; k < n; ++k) {
    up[k] = y[k] + a[k] * dt + b[k] * sq;
    um[k] = y[k] + a[k] * dt - b[k] * sq;
  }
  Tensors a_up = f(up, t + dt, params), a_um = f(um, t + dt, params);
  Tensors b_up = g(up, t + dt, params), b_um = g(um, t + dt, params);
  Tensors pp(n), pm(n);
  for (size_t k = 0; k < n; ++k) {
    pp[k] = up[k] + b_up[k] * sq;
    pm[k] = up[k] - b_up[k] * sq;
  }
  Tensors b_pp = g(pp, t + dt, params), b_pm = g(pm, t + dt, params);
  Tensors out(n);
  for (size_t k = 0; k < n; ++k) {
    const at::Tensor& dW = nz.dW[k];
    const at::Tensor& dZ = nz.dZ[k];
    out[k] = y[k] + b[k] * dW + (a_up[k] - a_um[k]) * dZ / (2 * sq) +
             (a_up[k] + 2 * a[k] + a_um[k]) * (dt / 4) + (b_up[k] - b_um[k]) * (dW * dW - dt) / (4 * sq) +
             (b_up[k] - 2 * b[k] + b_um[k]) * (dW * dt - dZ) / (2 * dt) +
             (b_pp[k] - b_pm[k] - b_up[k] + b_um[k]) * (dW * dW / 3 - dt) * dW / (4 * dt);
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Derivative-free Milstein for vector noise (commutative noise, see the header). The direction
// derivative L^j g = sum_l g_{l,j} dg/dy_l is a difference quotient along source j's column, for every
// state at once (no element-wise assumption): Ito one-sided from y + f dt + g_j sqrt(dt), Stratonovich
// centred. Costs m (Ito) or 2m (Stratonovich) extra evaluations of g.
Tensors milstein2_vector_step(const OdeFunction& f, const SdeDiffusion& g, bool ito, const Tensors& y, double t,
                              double dt, const SdeNoise& nz, const Tensors& params) {
  const size_t n = y.size();
  const double sq = std::sqrt(dt);
  Tensors a = f(y, t, params);
  check_outputs(y, a, "drift f", false);
  Tensors b = g(y, t, params);
  check_outputs(y, b, "diffusion g", true);
  const int64_t m = n > 0 ? b[0].size(-1) : 0;
  for (size_t k = 0; k < n; ++k)
    TORCH_CHECK(b[k].size(-1) == m, "diffusion g: every output needs the same number of noise sources; output 0 has ",
                m, ", output ", k, " has ", b[k].size(-1));
  Tensors out(n), correction(n);
  for (int64_t j = 0; j < m; ++j) {
    Tensors yp(n), ym(n);
    for (size_t k = 0; k < n; ++k) {
      const at::Tensor step = b[k].select(-1, j) * sq;
      yp[k] = ito ? y[k] + a[k] * dt + step : y[k] + step;
      if (!ito) ym[k] = y[k] - step;
    }
    Tensors bp = g(yp, t, params);
    check_outputs(y, bp, "diffusion g", true);
    Tensors bm = b;
    if (!ito) {
      bm = g(ym, t, params);
      check_outputs(y, bm, "diffusion g", true);
    }
    for (size_t k = 0; k < n; ++k) {
      const at::Tensor& dW = nz.dW[k];
      const at::Tensor Ljg = (bp[k] - bm[k]) / (ito ? sq : 2 * sq);  // L^j g_k for every source k
      at::Tensor term = noise_term(Ljg, dW, WienerType::Vector) * dW.select(-1, j);
      if (ito) term = term - dt * Ljg.select(-1, j);
      correction[k] = correction[k].defined() ? correction[k] + term : term;
    }
  }
  for (size_t k = 0; k < n; ++k) {
    out[k] = y[k] + a[k] * dt + noise_term(b[k], nz.dW[k], WienerType::Vector);
    if (correction[k].defined()) out[k] = out[k] + 0.5 * correction[k];
  }
  return out;
}

}  // namespace

SdeMethod parse_sde_method(const std::string& name) {
  const std::string s = lower(name);
  if (s == "euler" || s == "euler_maruyama") return SdeMethod::Euler;
  if (s == "heun") return SdeMethod::Heun;
  if (s == "milstein") return SdeMethod::Milstein;
  if (s == "milstein2" || s == "milstein_grad_free") return SdeMethod::Milstein2;
  if (s == "exp_euler" || s == "exponential_euler") return SdeMethod::ExpEuler;
  if (s == "srk1w1" || s == "srk1w1_scalar") return SdeMethod::Srk1w1;
  if (s == "srk2w1" || s == "srk2w1_scalar") return SdeMethod::Srk2w1;
  if (s == "klpl" || s == "klpl_scalar") return SdeMethod::KlPl;
  TORCH_CHECK(false, "unknown SDE method '", name,
              "'; valid: euler, heun, milstein, milstein2 (milstein_grad_free), exp_euler (exponential_euler), "
              "srk1w1 (srk1w1_scalar), srk2w1 (srk2w1_scalar), klpl (KlPl_scalar)");
}

SdeIntegral parse_sde_integral(const std::string& name) {
  const std::string s = lower(name);
  if (s == "ito") return SdeIntegral::Ito;
  if (s == "stratonovich" || s == "strat") return SdeIntegral::Stratonovich;
  TORCH_CHECK(false, "unknown intg_type '", name, "'; valid: Ito, Stratonovich");
}

WienerType parse_wiener_type(const std::string& name) {
  const std::string s = lower(name);
  if (s == "scalar") return WienerType::Scalar;
  if (s == "vector") return WienerType::Vector;
  TORCH_CHECK(false, "unknown wiener_type '", name, "'; valid: scalar, vector");
}

bool sde_method_needs_dz(SdeMethod m) {
  return m == SdeMethod::Srk1w1 || m == SdeMethod::Srk2w1 || m == SdeMethod::KlPl;
}

Tensors sde_step(const OdeFunction& f, const SdeDiffusion& g, SdeMethod method, SdeIntegral integral,
                 WienerType wiener, const Tensors& y, double t, double dt, const SdeNoise& nz,
                 const Tensors& params) {
  TORCH_CHECK(dt > 0 && std::isfinite(dt), "sde_step: dt must be positive, got ", dt);
  TORCH_CHECK(nz.dW.size() == y.size(), "sde_step: noise.dW has ", nz.dW.size(), " tensors for ", y.size(),
              " states");
  const bool vec = wiener == WienerType::Vector;
  if (integral == SdeIntegral::Ito) {
    TORCH_CHECK(method != SdeMethod::Heun, "sde_step: method 'heun' is a Stratonovich scheme; valid Ito methods: "
                "euler, milstein, milstein2, exp_euler, srk1w1, srk2w1, klpl");
  } else {
    TORCH_CHECK(method == SdeMethod::Euler || method == SdeMethod::Heun || method == SdeMethod::Milstein ||
                    method == SdeMethod::Milstein2,
                "sde_step: this method only supports Ito; valid Stratonovich methods: euler, heun, milstein, milstein2");
  }
  if (vec) {
    TORCH_CHECK(!sde_method_needs_dz(method),
                "sde_step: srk1w1, srk2w1 and klpl are scalar-noise schemes; wiener_type 'vector' supports euler, "
                "milstein, milstein2 (Ito and Stratonovich), heun (Stratonovich) and exp_euler (Ito)");
  }
  if (sde_method_needs_dz(method)) {
    TORCH_CHECK(nz.dZ.size() == y.size(), "sde_step: this method needs noise.dZ (I10), one tensor per state");
  }
  const size_t n = y.size();
  const double sq = std::sqrt(dt);
  Tensors out(n);
  auto eval = [&](const auto& fn, const Tensors& x, double tt, const char* what, bool v) {
    Tensors r = fn(x, tt, params);
    check_outputs(y, r, what, v);
    return r;
  };

  switch (method) {
    case SdeMethod::Srk1w1:
      return sri_step(f, g, kSri1w1, y, t, dt, nz, params);
    case SdeMethod::Srk2w1:
      return sri_step(f, g, kSri2w1, y, t, dt, nz, params);
    case SdeMethod::KlPl:
      return klpl_step(f, g, y, t, dt, nz, params);
    case SdeMethod::Euler: {
      Tensors a = eval(f, y, t, "drift f", false), b = eval(g, y, t, "diffusion g", vec);
      if (integral == SdeIntegral::Ito) {
        for (size_t k = 0; k < n; ++k) out[k] = y[k] + a[k] * dt + noise_term(b[k], nz.dW[k], wiener);
        return out;
      }
      // Euler-Heun: the diffusion averaged over y and y + g dW (the Stratonovich midpoint rule).
      Tensors ybar(n);
      for (size_t k = 0; k < n; ++k) ybar[k] = y[k] + noise_term(b[k], nz.dW[k], wiener);
      Tensors b2 = eval(g, ybar, t + dt, "diffusion g", vec);
      for (size_t k = 0; k < n; ++k)
        out[k] = y[k] + a[k] * dt + 0.5 * (noise_term(b[k], nz.dW[k], wiener) + noise_term(b2[k], nz.dW[k], wiener));
      return out;
    }
    case SdeMethod::Heun: {
      Tensors a = eval(f, y, t, "drift f", false), b = eval(g, y, t, "diffusion g", vec);
      Tensors ybar(n);
      for (size_t k = 0; k < n; ++k) ybar[k] = y[k] + a[k] * dt + noise_term(b[k], nz.dW[k], wiener);
      Tensors a2 = eval(f, ybar, t + dt, "drift f", false), b2 = eval(g, ybar, t + dt, "diffusion g", vec);
      for (size_t k = 0; k < n; ++k)
        out[k] = y[k] + 0.5 * dt * (a[k] + a2[k]) +
                 0.5 * (noise_term(b[k], nz.dW[k], wiener) + noise_term(b2[k], nz.dW[k], wiener));
      return out;
    }
    case SdeMethod::Milstein: {
      Tensors a = eval(f, y, t, "drift f", false);
      if (vec) {
        // Commutative noise (see the header): sum_{j,k} L^j g_k (dW_j dW_k - [Ito] delta_jk dt) / 2 with
        // L^j g_{i,k} = g_{i,j} dg_{i,k}/dy_i factorises into two sums over the sources.
        auto [b, db] = value_and_diag_derivative_per_source(g, y, t, params);
        const double shift = integral == SdeIntegral::Ito ? dt : 0.0;
        for (size_t k = 0; k < n; ++k) {
          const at::Tensor& dW = nz.dW[k];
          const at::Tensor gdW = noise_term(b[k], dW, wiener);
          out[k] = y[k] + a[k] * dt + gdW + 0.5 * (gdW * noise_term(db[k], dW, wiener) - shift * (b[k] * db[k]).sum(-1));
        }
        return out;
      }
      auto [b, db] = value_and_diag_derivative(g, y, t, params, "diffusion g");
      const double shift = integral == SdeIntegral::Ito ? dt : 0.0;  // Ito: I11 = (dW^2 - dt)/2
      for (size_t k = 0; k < n; ++k) {
        const at::Tensor& dW = nz.dW[k];
        out[k] = y[k] + a[k] * dt + b[k] * dW + 0.5 * b[k] * db[k] * (dW * dW - shift);
      }
      return out;
    }
    case SdeMethod::Milstein2: {
      // Derivative-free (Kloeden-Platen 11.1.4): Ito uses the one-sided g g' ~ (g(y + f dt + g sqrt(dt)) -
      // g(y)) / sqrt(dt); its O(sqrt(dt)) bias multiplies the mean-zero dW^2 - dt. Stratonovich multiplies
      // dW^2 (mean dt), so it needs the centred difference (g(y + g sqrt(dt)) - g(y - g sqrt(dt))) / 2 sqrt(dt)
      // to keep strong order 1.
      const bool ito = integral == SdeIntegral::Ito;
      if (vec) return milstein2_vector_step(f, g, ito, y, t, dt, nz, params);
      Tensors a = eval(f, y, t, "drift f", false), b = eval(g, y, t, "diffusion g", false);
      Tensors yp(n), ym(n);
      for (size_t k = 0; k < n; ++k) {
        yp[k] = ito ? y[k] + a[k] * dt + b[k] * sq : y[k] + b[k] * sq;
        ym[k] = y[k] - b[k] * sq;
      }
      Tensors bp = eval(g, yp, t, "diffusion g", false);
      Tensors bm = ito ? b : eval(g, ym, t, "diffusion g", false);
      const double shift = ito ? dt : 0.0;
      const double denom = ito ? 2 * sq : 4 * sq;  // 0.5 * (difference quotient)
      for (size_t k = 0; k < n; ++k) {
        const at::Tensor& dW = nz.dW[k];
        out[k] = y[k] + a[k] * dt + b[k] * dW + (bp[k] - bm[k]) * (dW * dW - shift) / denom;
      }
      return out;
    }
    case SdeMethod::ExpEuler: {
      // The drift's element-wise linear part A = df/dy is integrated exactly: y + phi(A dt) f dt + g dW
      // with phi(z) = (e^z - 1) / z.
      auto [a, da] = value_and_diag_derivative(f, y, t, params, "drift f");
      Tensors b = eval(g, y, t, "diffusion g", vec);
      for (size_t k = 0; k < n; ++k) {
        const at::Tensor z = da[k] * dt;
        const at::Tensor small = z.abs() < 1e-10;
        const at::Tensor safe_z = at::where(small, at::ones_like(z), z);
        const at::Tensor phi = at::where(small, 1.0 + 0.5 * z, at::expm1(safe_z) / safe_z);
        out[k] = y[k] + phi * a[k] * dt + noise_term(b[k], nz.dW[k], wiener);
      }
      return out;
    }
  }
  TORCH_INTERNAL_ASSERT(false, "unhandled SDE method");
}

SdeNoise draw_sde_noise(const Tensors& y, double dt, WienerType wiener, int64_t num_noise, bool with_dz,
                        at::Generator& gen) {
  TORCH_CHECK(dt > 0, "draw_sde_noise: dt must be positive, got ", dt);
  TORCH_CHECK(wiener == WienerType::Scalar || num_noise >= 1, "draw_sde_noise: num_noise must be >= 1, got ",
              num_noise);
  SdeNoise nz;
  const double sq = std::sqrt(dt);
  for (const auto& x : y) {
    auto shape = x.sizes().vec();
    if (wiener == WienerType::Vector) shape.push_back(num_noise);
    const auto opts = x.options().requires_grad(false);
    at::Tensor xi1 = at::randn(shape, gen, opts);
    nz.dW.push_back(xi1 * sq);
    if (with_dz) {
      at::Tensor xi2 = at::randn(shape, gen, opts);
      // (dW, I10) jointly Gaussian: I10 = dt^{3/2} / 2 (xi1 + xi2 / sqrt(3)).
      nz.dZ.push_back((0.5 * dt * sq) * (xi1 + xi2 / std::sqrt(3.0)));
    }
  }
  return nz;
}

StepFunction make_sde_step(OdeFunction f, SdeDiffusion g, const SdeOptions& options, Tensors params) {
  const SdeMethod method = parse_sde_method(options.method);
  const SdeIntegral integral = parse_sde_integral(options.intg_type);
  const WienerType wiener = parse_wiener_type(options.wiener_type);
  TORCH_CHECK(wiener == WienerType::Scalar || options.num_noise >= 1, "make_sde_step: num_noise must be >= 1");
  // Validate the method / integral / noise combination once, on empty states.
  if (integral == SdeIntegral::Ito) {
    TORCH_CHECK(method != SdeMethod::Heun, "make_sde_step: 'heun' is Stratonovich only");
  } else {
    TORCH_CHECK(!sde_method_needs_dz(method) && method != SdeMethod::ExpEuler, "make_sde_step: method '",
                options.method, "' supports only intg_type 'Ito'");
  }
  auto gen = std::make_shared<at::Generator>(at::make_generator<at::CPUGeneratorImpl>(options.seed));
  const int64_t m = options.num_noise;
  return [=](const Tensors& y, double t, double dt) {
    TORCH_CHECK(dt > 0, "sde step: dt must be positive, got ", dt);
    // Noise is drawn on the CPU generator and moved, so a seed gives the same path on every device.
    Tensors ycpu;
    for (const auto& x : y) ycpu.push_back(at::empty(x.sizes(), x.options().device(at::kCPU).requires_grad(false)));
    SdeNoise nz = draw_sde_noise(ycpu, dt, wiener, m, sde_method_needs_dz(method), *gen);
    for (size_t i = 0; i < y.size(); ++i) {
      nz.dW[i] = nz.dW[i].to(y[i].device());
      if (!nz.dZ.empty()) nz.dZ[i] = nz.dZ[i].to(y[i].device());
    }
    return sde_step(f, g, method, integral, wiener, y, t, dt, nz, params);
  };
}

}  // namespace braintorch::solvers
