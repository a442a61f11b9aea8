#include "braintorch/solvers/delay_solvers.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace braintorch::solvers {
namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

DdeMethod parse_dde_method(const std::string& name) {
  const std::string s = lower(name);
  if (s == "euler") return DdeMethod::Euler;
  if (s == "heun" || s == "rk2" || s == "heun2") return DdeMethod::Heun;
  TORCH_CHECK(false, "unknown DDE method '", name, "'; valid: euler, heun (rk2)");
}

DelayInterpolation parse_delay_interpolation(const std::string& name) {
  const std::string s = lower(name);
  if (s == "round" || s == "nearest") return DelayInterpolation::Round;
  if (s == "linear" || s == "linear_interp") return DelayInterpolation::Linear;
  TORCH_CHECK(false, "unknown delay interpolation '", name, "'; valid: round, linear");
}

DelayStepper::DelayStepper(DelayFunction f, const DdeOptions& o, Tensors params, HistoryFunction history)
    : f_(std::move(f)), method_(parse_dde_method(o.method)), interp_(parse_delay_interpolation(o.interpolation)),
      delays_(o.delays), params_(std::move(params)), history_fn_(std::move(history)) {
  for (size_t i = 0; i < delays_.size(); ++i)
    TORCH_CHECK(delays_[i] >= 0 && std::isfinite(delays_[i]), "DDE: delays[", i, "] must be non-negative, got ",
                delays_[i]);
}

void DelayStepper::reset() {
  n_ = 0;
  past_.clear();
  y0_.clear();
}

at::Tensor DelayStepper::value_at(size_t i, double s) const {
  const double pos = (s - t0_) / dt_;  // grid position
  auto grid = [&](int64_t k) -> at::Tensor {
    if (k <= 0) {
      if (k == 0) return y0_[i];
      return history_fn_ ? history_fn_(t0_ + double(k) * dt_)[i] : y0_[i];
    }
    const int64_t back = n_ - k;  // 0 = newest
    TORCH_INTERNAL_ASSERT(back >= 0 && size_t(back) < past_.size(), "DDE ring buffer read out of range");
    return past_[past_.size() - 1 - size_t(back)][i];
  };
  if (pos < 0 && history_fn_) {
    // Before t0 a history function is evaluated exactly rather than sampled on the grid.
    return history_fn_(s)[i];
  }
  if (pos < 0) return y0_[i];
  if (interp_ == DelayInterpolation::Round) return grid(std::llround(pos));
  const double lo = std::floor(pos + 1e-12);
  const double w = std::max(0.0, pos - lo);
  const int64_t k = int64_t(lo);
  if (w < 1e-12) return grid(k);
  return (1.0 - w) * grid(k) + w * grid(k + 1);
}

Tensors DelayStepper::delayed(double t) const {
  Tensors d(y0_.size());
  for (size_t i = 0; i < y0_.size(); ++i) d[i] = value_at(i, t - delays_[i]);
  return d;
}

Tensors DelayStepper::step(const Tensors& y, double t, double dt) {
  TORCH_CHECK(dt > 0 && std::isfinite(dt), "DDE: dt must be positive, got ", dt);
  TORCH_CHECK(delays_.size() == y.size(), "DDE: options.delays has ", delays_.size(), " entries for ", y.size(),
              " states");
  if (past_.empty()) {
    for (size_t i = 0; i < delays_.size(); ++i)
      TORCH_CHECK(delays_[i] >= dt, "DDE: delays[", i, "] = ", delays_[i], " must be >= dt = ", dt,
                  " (the delayed value would need the step being computed)");
    t0_ = t;
    dt_ = dt;
    y0_ = y;
    n_ = 0;
    const double tau_max = *std::max_element(delays_.begin(), delays_.end());
    capacity_ = size_t(std::ceil(tau_max / dt)) + 3;
    past_.push_back(y);
  }
  TORCH_CHECK(std::abs(dt - dt_) <= 1e-12 * dt_, "DDE: dt must stay ", dt_, " (got ", dt, "); call reset()");
  TORCH_CHECK(y.size() == y0_.size(), "DDE: got ", y.size(), " states, expected ", y0_.size());
  for (size_t i = 0; i < y.size(); ++i)
    TORCH_CHECK(y[i].sizes() == y0_[i].sizes(), "DDE: state ", i, " has shape ", y[i].sizes(), ", expected ",
                y0_[i].sizes());
  // The stepper integrates from the stored grid value; y is the caller's copy of it (used as given so
  // gradients through the caller's state are kept).
  auto eval = [&](const Tensors& x, double tt) {
    Tensors r = f_(x, delayed(tt), tt, params_);
    TORCH_CHECK(r.size() == x.size(), "DDE: f returned ", r.size(), " tensors for ", x.size(), " states");
    for (size_t i = 0; i < x.size(); ++i)
      TORCH_CHECK(r[i].sizes() == x[i].sizes(), "DDE: f output ", i, " has shape ", r[i].sizes(), " but state ", i,
                  " has shape ", x[i].sizes());
    return r;
  };
  Tensors k1 = eval(y, t);
  Tensors out(y.size());
  if (method_ == DdeMethod::Euler) {
    for (size_t i = 0; i < y.size(); ++i) out[i] = y[i] + dt * k1[i];
  } else {
    Tensors pred(y.size());
    for (size_t i = 0; i < y.size(); ++i) pred[i] = y[i] + dt * k1[i];
    Tensors k2 = eval(pred, t + dt);
    for (size_t i = 0; i < y.size(); ++i) out[i] = y[i] + (0.5 * dt) * (k1[i] + k2[i]);
  }
  past_.back() = y;
  past_.push_back(out);
  ++n_;
  while (past_.size() > capacity_) past_.pop_front();
  return out;
}

StepFunction DelayStepper::make(DelayFunction f, const DdeOptions& options, Tensors params, HistoryFunction history) {
  auto s = std::make_shared<DelayStepper>(std::move(f), options, std::move(params), std::move(history));
  return [s](const Tensors& y, double t, double dt) { return s->step(y, t, dt); };
}

}  // namespace braintorch::solvers
