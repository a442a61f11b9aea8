#include "braintorch/solvers/adaptive_integration.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/add.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/sub.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>

#include "braintorch/solvers/derivative_check.h"
#include "braintorch/solvers/runge_kutta.h"

namespace braintorch::solvers {

namespace {

// sqrt(mean((e / (atol + rtol * max(|a|, |b|)))^2)) over all elements of all states; b may be empty.
double scaled_rms(const Tensors& e, const Tensors& a, const Tensors& b, double rtol, double atol) {
  double sum = 0;
  int64_t count = 0;
  for (size_t s = 0; s < e.size(); ++s) {
    at::Tensor mag = a[s].detach().abs();
    if (!b.empty()) mag = at::maximum(mag, b[s].detach().abs());
    at::Tensor r = e[s].detach() / (mag * rtol + atol);
    sum += r.pow(2).sum().item<double>();
    count += r.numel();
  }
  return count == 0 ? 0.0 : std::sqrt(sum / static_cast<double>(count));
}

// Cubic Hermite interpolation on [ta, tb] from values and derivatives at both ends.
Tensors hermite(const Tensors& ya, const Tensors& fa, const Tensors& yb, const Tensors& fb, double ta, double tb,
                double t) {
  const double h = tb - ta;
  const double s = (t - ta) / h;
  const double h00 = (1 + 2 * s) * (1 - s) * (1 - s), h10 = s * (1 - s) * (1 - s);
  const double h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1);
  Tensors out;
  for (size_t i = 0; i < ya.size(); ++i) {
    out.push_back(ya[i] * h00 + fa[i] * (h10 * h) + yb[i] * h01 + fb[i] * (h11 * h));
  }
  return out;
}

}  // namespace

AdaptiveResult integrate_adaptive(const OdeFunction& f, const std::string& method, const Tensors& y0, double t0,
                                  double t1, const Tensors& params, const AdaptiveOptions& o) {
  TORCH_CHECK(f, "integrate_adaptive: the equation is empty");
  const RungeKutta rk(method);
  const ButcherTableau& tab = rk.tableau();
  TORCH_CHECK(tab.adaptive(), "integrate_adaptive: method '", method,
              "' has no embedded error estimate; adaptive methods: rkf12, rkf45, rkdp, ck, bs (BoSh3), heun_euler");
  TORCH_CHECK(std::isfinite(t0) && std::isfinite(t1) && t1 >= t0, "integrate_adaptive: need finite t0 <= t1, got t0=",
              t0, " t1=", t1);
  TORCH_CHECK(o.rtol >= 0 && o.atol >= 0 && (o.rtol > 0 || o.atol > 0),
              "integrate_adaptive: rtol and atol must be >= 0 and not both 0 (rtol=", o.rtol, ", atol=", o.atol, ")");
  TORCH_CHECK(o.safety > 0 && o.safety <= 1, "integrate_adaptive: safety must be in (0, 1], got ", o.safety);
  TORCH_CHECK(o.min_factor > 0 && o.min_factor < 1, "integrate_adaptive: min_factor must be in (0, 1), got ",
              o.min_factor);
  TORCH_CHECK(o.max_factor > 1, "integrate_adaptive: max_factor must be > 1, got ", o.max_factor);
  TORCH_CHECK(o.dt_initial >= 0 && std::isfinite(o.dt_initial), "integrate_adaptive: dt_initial must be >= 0, got ",
              o.dt_initial);
  TORCH_CHECK(o.dt_max > 0, "integrate_adaptive: dt_max must be positive, got ", o.dt_max);
  for (size_t i = 0; i < o.output_times.size(); ++i) {
    TORCH_CHECK(o.output_times[i] >= t0 && o.output_times[i] <= t1, "integrate_adaptive: output_times[", i, "] = ",
                o.output_times[i], " is outside [", t0, ", ", t1, "]");
    TORCH_CHECK(i == 0 || o.output_times[i] >= o.output_times[i - 1],
                "integrate_adaptive: output_times must be non-decreasing (index ", i, ")");
  }

  AdaptiveResult res;
  res.output_times = o.output_times;
  size_t next_out = 0;
  Tensors y = y0;
  double t = t0;
  // Outputs at t0 exactly.
  while (next_out < o.output_times.size() && o.output_times[next_out] == t0) {
    res.outputs.push_back(y);
    ++next_out;
  }
  if (t1 == t0) {
    res.final_state = y;
    return res;
  }

  // The first stage of the coming step, f(y, t); kept across rejections and reused after acceptance
  // (FSAL pairs get it for free, the others need it anyway as the next step's first stage).
  Tensors k1 = evaluate_checked(f, y, t, params, "integrate_adaptive");
  res.function_evaluations = 1;
  const double err_exponent = -1.0 / (tab.low_order + 1);

  double dt = o.dt_initial;
  if (dt == 0) {
    // Hairer, Norsett & Wanner, Solving ODEs I, II.4 "starting step size".
    const double d0 = scaled_rms(y, y, {}, o.rtol, o.atol);
    const double d1 = scaled_rms(k1, y, {}, o.rtol, o.atol);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = std::min(h0, t1 - t0);
    Tensors y1;
    for (size_t i = 0; i < y.size(); ++i) y1.push_back(at::add(y[i], k1[i], h0));
    Tensors f1 = evaluate_checked(f, y1, t + h0, params, "integrate_adaptive");
    res.function_evaluations += 1;
    Tensors df;
    for (size_t i = 0; i < y.size(); ++i) df.push_back(at::sub(f1[i], k1[i]));
    const double d2 = scaled_rms(df, y, {}, o.rtol, o.atol) / h0;
    const double dmax = std::max(d1, d2);
    const double h1 = dmax <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / dmax, 1.0 / (tab.order + 1));
    dt = std::min(100 * h0, h1);
  }
  dt = std::min(dt, o.dt_max);

  bool just_rejected = false;
  while (t < t1) {
    TORCH_CHECK(res.accepted_steps + res.rejected_steps < o.max_steps, "integrate_adaptive: reached max_steps = ",
                o.max_steps, " at t = ", t, " (dt = ", dt, ")");
    // Land exactly on t1; stretch a last step that would leave a sliver behind.
    bool last = false;
    if (t + dt >= t1 || t + 1.01 * dt >= t1) {
      dt = t1 - t;
      last = true;
    }
    TORCH_CHECK(dt > o.dt_min && dt > 0 && t + dt > t, "integrate_adaptive: step size underflow (dt = ", dt,
                ") at t = ", t, "; the tolerances may be too tight");
    auto st = rk.step_with_error(f, y, t, dt, params, k1);
    res.function_evaluations += st.evaluations;
    const double err = scaled_rms(st.error, y, st.y_new, o.rtol, o.atol);
    TORCH_CHECK(std::isfinite(err), "integrate_adaptive: non-finite error estimate at t = ", t, " (dt = ", dt, ")");
    if (err <= 1.0) {
      const double t_new = last ? t1 : t + dt;
      Tensors k_new;
      const bool need_k_new = !last || next_out < o.output_times.size();
      if (tab.fsal()) {
        k_new = st.k_last;
      } else if (need_k_new) {
        k_new = evaluate_checked(f, st.y_new, t_new, params, "integrate_adaptive");
        res.function_evaluations += 1;
      }
      while (next_out < o.output_times.size() && o.output_times[next_out] <= t_new) {
        const double to = o.output_times[next_out];
        res.outputs.push_back(to == t_new ? st.y_new : hermite(y, k1, st.y_new, k_new, t, t_new, to));
        ++next_out;
      }
      y = std::move(st.y_new);
      k1 = std::move(k_new);
      t = t_new;
      ++res.accepted_steps;
      const double fmax = just_rejected ? 1.0 : o.max_factor;
      const double factor = err == 0 ? fmax : std::clamp(o.safety * std::pow(err, err_exponent), o.min_factor, fmax);
      dt = std::min(dt * factor, o.dt_max);
      just_rejected = false;
    } else {
      ++res.rejected_steps;
      const double factor = std::clamp(o.safety * std::pow(err, err_exponent), o.min_factor, 1.0);
      dt *= factor;
      just_rejected = true;
    }
  }
  res.final_state = y;
  return res;
}

}  // namespace braintorch::solvers
