#include "braintorch/solvers/fractional_solvers.h"

#include <ATen/ops/full.h>
#include <ATen/ops/index_copy.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <cctype>
#include <cmath>

namespace braintorch::solvers {
namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

FdeMethod parse_fde_method(const std::string& name) {
  const std::string s = lower(name);
  if (s == "l1" || s == "caputol1schema" || s == "caputo_l1") return FdeMethod::CaputoL1;
  if (s == "euler" || s == "caputoeuler" || s == "caputo_euler") return FdeMethod::CaputoEuler;
  if (s == "short-memory" || s == "short_memory" || s == "glshortmemory" || s == "gl") return FdeMethod::GLShortMemory;
  TORCH_CHECK(false, "unknown fractional method '", name,
              "'; valid: l1 (CaputoL1Schema), euler (CaputoEuler), short-memory (GLShortMemory)");
}

FractionalStepper::FractionalStepper(OdeFunction f, const FdeOptions& o, Tensors params)
    : f_(std::move(f)), method_(parse_fde_method(o.method)), alpha_(o.alpha), memory_(o.num_memory),
      params_(std::move(params)) {
  TORCH_CHECK(alpha_ > 0 && alpha_ <= 1, "fractional solver: alpha must be in (0, 1], got ", alpha_);
  TORCH_CHECK(memory_ >= 1, "fractional solver: num_memory must be >= 1, got ", memory_);
  // Kernel weights by lag k (k = 0 is the newest history entry).
  std::vector<double> w(memory_ + 1);
  const double a = alpha_;
  for (int64_t k = 0; k <= memory_; ++k) {
    const double kk = double(k);
    if (method_ == FdeMethod::CaputoL1) w[k] = std::pow(kk + 1, 1 - a) - std::pow(kk, 1 - a);
    else if (method_ == FdeMethod::CaputoEuler) w[k] = std::pow(kk + 1, a) - std::pow(kk, a);
    else w[k] = k == 0 ? 1.0 : w[k - 1] * (1.0 - (1.0 + a) / kk);  // GL coefficients (-1)^k binom(a, k)
  }
  weights_ = at::empty({memory_ + 1}, at::kDouble);
  std::copy(w.begin(), w.end(), weights_.data_ptr<double>());
}

void FractionalStepper::reset() {
  n_ = 0;
  history_.clear();
  y0_.clear();
}

Tensors FractionalStepper::step(const Tensors& y, double t, double dt) {
  TORCH_CHECK(dt > 0 && std::isfinite(dt), "fractional solver: dt must be positive, got ", dt);
  if (n_ == 0) {
    dt_ = dt;
    t0_ = t;
    y0_ = y;
    history_.clear();
    for (const auto& x : y) history_.push_back(at::zeros({memory_, x.numel()}, x.options().requires_grad(false)));
  }
  TORCH_CHECK(std::abs(dt - dt_) <= 1e-12 * dt_, "fractional solver: dt must stay ", dt_, " (got ", dt,
              "); call reset() to change it");
  TORCH_CHECK(y.size() == y0_.size(), "fractional solver: got ", y.size(), " states, expected ", y0_.size());
  // L1 and GL discretise the derivative at t_{n+1}; the Euler rectangle rule uses f_n = f(y_n, t_n).
  Tensors fy = f_(y, method_ == FdeMethod::CaputoEuler ? t : t + dt, params_);
  TORCH_CHECK(fy.size() == y.size(), "fractional solver: f returned ", fy.size(), " tensors for ", y.size(), " states");
  for (size_t i = 0; i < y.size(); ++i) {
    TORCH_CHECK(fy[i].sizes() == y[i].sizes(), "fractional solver: f output ", i, " has shape ", fy[i].sizes(),
                " but state ", i, " has shape ", y[i].sizes());
    TORCH_CHECK(y[i].sizes() == y0_[i].sizes(), "fractional solver: state ", i, " changed shape from ",
                y0_[i].sizes(), " to ", y[i].sizes());
  }

  bool grad = false;
  for (const auto& x : y) grad = grad || x.requires_grad();
  for (const auto& x : params_) grad = grad || x.requires_grad();
  for (const auto& x : fy) grad = grad || x.requires_grad();

  const int64_t used = std::min(n_, memory_);  // history entries present
  const int64_t slot_new = n_ % memory_;       // where this step's entry goes
  // The ring stores entry j (step index) at slot j % memory; lag k = (n-1) - j for the sum below.
  auto lagged_sum = [&](const at::Tensor& hist, int64_t lag_offset) -> at::Tensor {
    // sum over the used entries of weights[lag + lag_offset] * entry, as one matmul.
    if (used == 0) return at::zeros({hist.size(1)}, hist.options());
    std::vector<double> w(memory_, 0.0);
    const double* W = weights_.data_ptr<double>();
    for (int64_t lag = 0; lag < used; ++lag) {
      const int64_t slot = ((n_ - 1 - lag) % memory_ + memory_) % memory_;
      if (lag + lag_offset <= memory_) w[slot] = W[lag + lag_offset];
    }
    at::Tensor wt = at::empty({memory_}, at::kDouble);
    std::copy(w.begin(), w.end(), wt.data_ptr<double>());
    return at::matmul(wt.to(hist.options()), hist);
  };
  auto store = [&](size_t i, const at::Tensor& entry) {
    at::Tensor row = entry.reshape({1, -1});
    at::Tensor idx = at::full({1}, slot_new, at::kLong).to(history_[i].device());
    if (grad) history_[i] = history_[i].index_copy(0, idx, row);
    else history_[i].index_copy_(0, idx, row.detach());
  };

  Tensors out(y.size());
  const double a = alpha_;
  for (size_t i = 0; i < y.size(); ++i) {
    const auto shape = y[i].sizes();
    if (method_ == FdeMethod::CaputoL1) {
      // dt^-a / G(2-a) sum_{k=0}^{n} b_k (y_{n+1-k} - y_{n-k}) = f  =>
      // y_{n+1} = y_n + G(2-a) dt^a f - sum_{k=1}^{n} b_k d_{n-k}, d_j = y_{j+1} - y_j (history, lag k-1).
      at::Tensor mem = lagged_sum(history_[i], 1).reshape(shape);
      out[i] = y[i] + std::tgamma(2 - a) * std::pow(dt, a) * fy[i] - mem;
      store(i, out[i] - y[i]);
    } else if (method_ == FdeMethod::CaputoEuler) {
      // y_{n+1} = y0 + dt^a / G(a+1) sum_{j=0}^{n} ((n+1-j)^a - (n-j)^a) f_j, f_j = f(y_j): store f_n first.
      store(i, fy[i]);
      ++n_;  // temporarily include the new entry at lag 0
      at::Tensor mem;
      {
        const int64_t used_now = std::min(n_, memory_);
        std::vector<double> w(memory_, 0.0);
        const double* W = weights_.data_ptr<double>();
        for (int64_t lag = 0; lag < used_now; ++lag) w[((n_ - 1 - lag) % memory_ + memory_) % memory_] = W[lag];
        at::Tensor wt = at::empty({memory_}, at::kDouble);
        std::copy(w.begin(), w.end(), wt.data_ptr<double>());
        mem = at::matmul(wt.to(history_[i].options()), history_[i]).reshape(shape);
      }
      --n_;
      out[i] = y0_[i] + (std::pow(dt, a) / std::tgamma(a + 1)) * mem;
    } else {
      // sum_{k=0}^{n+1} c_k (y_{n+1-k} - y0) = dt^a f  =>  y_{n+1} = y0 + dt^a f - sum_{k=1} c_k (y_{n+1-k} - y0);
      // history holds y_j - y0 for j = 1..n (j = 0 contributes zero); lag 0 there is c_1.
      at::Tensor mem = lagged_sum(history_[i], 1).reshape(shape);
      out[i] = y0_[i] + std::pow(dt, a) * fy[i] - mem;
      store(i, out[i] - y0_[i]);
    }
  }
  ++n_;
  return out;
}

StepFunction FractionalStepper::make(OdeFunction f, const FdeOptions& options, Tensors params) {
  auto s = std::make_shared<FractionalStepper>(std::move(f), options, std::move(params));
  return [s](const Tensors& y, double t, double dt) { return s->step(y, t, dt); };
}

}  // namespace braintorch::solvers
