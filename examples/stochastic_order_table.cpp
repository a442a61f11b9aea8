// Measures the convergence order of every SDE, fractional and delay method and prints a markdown
// table: method, theoretical order, measured order (least-squares slope of log error vs log dt), problem.
//   build/bin/example_stochastic_order_table
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "braintorch/solvers/brownian_levels.h"
#include "braintorch/solvers/delay_solvers.h"
#include "braintorch/solvers/fractional_solvers.h"
#include "braintorch/solvers/sde_solvers.h"

namespace bs = braintorch::solvers;
namespace {

// Least-squares slope of log(err) against log(dt).
double fitted_order(const std::vector<double>& dts, const std::vector<double>& errs) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = double(dts.size());
  for (size_t i = 0; i < dts.size(); ++i) {
    const double x = std::log(dts[i]), y = std::log(errs[i]);
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

constexpr double kMu = 1.0, kSigma = 0.8, kT = 1.0;

double sde_order(const std::string& method, const std::string& intg, bool weak, int64_t paths, int k0, int k1) {
  auto f = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{kMu * y[0]}; };
  auto g = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{kSigma * y[0]}; };
  const auto m = bs::parse_sde_method(method);
  const auto integral = bs::parse_sde_integral(intg);
  auto levels = bs::brownian_levels(kT, k0, k1, paths, 1234);
  std::vector<double> dts, errs;
  for (const auto& lv : levels) {
    at::Tensor x = at::ones({paths}, at::kDouble), W = at::zeros({paths}, at::kDouble);
    for (size_t i = 0; i < lv.dW.size(); ++i) {
      x = bs::sde_step(f, g, m, integral, bs::WienerType::Scalar, {x}, i * lv.dt, lv.dt, {{lv.dW[i]}, {lv.I10[i]}},
                       {})[0];
      W = W + lv.dW[i];
    }
    const double c = integral == bs::SdeIntegral::Ito ? kMu - 0.5 * kSigma * kSigma : kMu;
    at::Tensor exact = at::exp(c * kT + kSigma * W);
    dts.push_back(lv.dt);
    errs.push_back(weak ? (x - exact).mean().abs().item<double>() : (x - exact).abs().mean().item<double>());
  }
  return fitted_order(dts, errs);
}

double fde_order(const std::string& method, double a) {
  auto f = [a](const bs::Tensors& y, double t, const bs::Tensors&) {
    return bs::Tensors{at::full_like(y[0], 2 * std::pow(t, 2 - a) / std::tgamma(3 - a))};
  };
  std::vector<double> dts, errs;
  for (int64_t n : {32, 64, 128, 256, 512}) {
    bs::FdeOptions o;
    o.method = method;
    o.alpha = a;
    o.num_memory = n;
    bs::FractionalStepper s(f, o, {});
    bs::Tensors y{at::zeros({1}, at::kDouble)};
    for (int64_t k = 0; k < n; ++k) y = s.step(y, k * (1.0 / n), 1.0 / n);
    dts.push_back(1.0 / n);
    errs.push_back(std::abs(y[0].item<double>() - 1.0));
  }
  return fitted_order(dts, errs);
}

double dde_exact(double t) {
  if (t <= 1) return 1 - t;
  if (t <= 2) return t * t / 2 - 2 * t + 1.5;
  const double s = t - 1;
  return -0.5 - s * s * s / 6 + s * s - 1.5 * t + 13.0 / 6;
}

double dde_order(const std::string& method, const std::string& interp) {
  std::vector<double> dts, errs;
  for (int k = 4; k <= 8; ++k) {
    const int64_t n = 3 * (int64_t(1) << k) + 1;
    const double dt = 3.0 / n;
    bs::DdeOptions o;
    o.method = method;
    o.interpolation = interp;
    o.delays = {1.0};
    bs::DelayStepper s([](const bs::Tensors&, const bs::Tensors& yd, double, const bs::Tensors&) {
      return bs::Tensors{-yd[0]};
    }, o, {});
    bs::Tensors y{at::ones({1}, at::kDouble)};
    double err = 0;
    for (int64_t i = 0; i < n; ++i) {
      y = s.step(y, i * dt, dt);
      err = std::max(err, std::abs(y[0].item<double>() - dde_exact((i + 1) * dt)));
    }
    dts.push_back(dt);
    errs.push_back(err);
  }
  return fitted_order(dts, errs);
}

double mittag_leffler(double a, double z) {
  double sum = 0;
  for (int k = 0; k < 200; ++k) {
    const double term = std::pow(z, k) / std::tgamma(a * k + 1);
    if (!std::isfinite(term)) break;
    sum += term;
    if (k > 5 && std::abs(term) < 1e-17) break;
  }
  return sum;
}

// |y_num(T) - E_a(-T^a)| for D^a y = -y, y(0) = 1.
double relaxation_error(const std::string& method, double a, double T, int64_t n, int64_t memory) {
  bs::FdeOptions o;
  o.method = method;
  o.alpha = a;
  o.num_memory = memory;
  bs::FractionalStepper s([](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{-y[0]}; }, o, {});
  bs::Tensors y{at::ones({1}, at::kDouble)};
  for (int64_t k = 0; k < n; ++k) y = s.step(y, k * (T / n), T / n);
  return std::abs(y[0].item<double>() - mittag_leffler(a, -std::pow(T, a)));
}

}  // namespace

int main() {
  at::set_num_threads(1);
  std::printf("| kind | method | theoretical order | measured order | problem |\n|---|---|---|---|---|\n");
  const char* gbm = "GBM mu=1 sigma=0.8 T=1, 4000 common paths, dt=2^-3..2^-8, mean |error| at T";
  struct S { const char* m; const char* intg; double p; };
  for (S s : {S{"euler", "Ito", 0.5}, S{"milstein", "Ito", 1.0}, S{"milstein2", "Ito", 1.0}, S{"exp_euler", "Ito", 0.5},
              S{"srk1w1_scalar", "Ito", 1.5}, S{"srk2w1_scalar", "Ito", 1.5}, S{"KlPl_scalar", "Ito", 1.5},
              S{"euler", "Stratonovich", 1.0}, S{"heun", "Stratonovich", 1.0}, S{"milstein", "Stratonovich", 1.0},
              S{"milstein2", "Stratonovich", 1.0}})
    std::printf("| SDE strong (%s) | %s | %.1f | %.2f | %s |\n", s.intg, s.m, s.p,
                sde_order(s.m, s.intg, false, 4000, 3, 8), gbm);
  const char* weak = "GBM mean, 40000 paths, dt=2^-2..2^-6, |mean(X_num - X_exact)|";
  std::printf("| SDE weak (Ito) | euler | 1.0 | %.2f | %s |\n", sde_order("euler", "Ito", true, 40000, 2, 6), weak);
  std::printf("| SDE weak (Stratonovich) | heun | 1.0 | %.2f | %s |\n",
              sde_order("heun", "Stratonovich", true, 40000, 2, 6), weak);
  for (double a : {0.3, 0.5, 0.8}) {
    std::printf("| FDE alpha=%.1f | l1 (CaputoL1Schema) | %.1f | %.2f | y=t^2 on [0,1], dt=1/32..1/512 |\n", a, 2 - a,
                fde_order("l1", a));
    std::printf("| FDE alpha=%.1f | euler (CaputoEuler) | 1.0 | %.2f | y=t^2 on [0,1] |\n", a, fde_order("euler", a));
    std::printf("| FDE alpha=%.1f | short-memory (GLShortMemory, full memory) | 1.0 | %.2f | y=t^2 on [0,1] |\n", a,
                fde_order("short-memory", a));
  }
  const char* dde = "y'=-y(t-1), history 1, [0,3], dt=3/(3*2^k+1), k=4..8, max error";
  std::printf("| DDE | euler + round | 1.0 | %.2f | %s |\n", dde_order("euler", "round"), dde);
  std::printf("| DDE | euler + linear | 1.0 | %.2f | %s |\n", dde_order("euler", "linear"), dde);
  std::printf("| DDE | heun + round | 1.0 | %.2f | %s |\n", dde_order("heun", "round"), dde);
  std::printf("| DDE | heun + linear | 2.0 | %.2f | %s |\n", dde_order("heun", "linear"), dde);
  std::printf("\nFractional relaxation D^0.7 y = -y, y(0) = 1, against E_0.7(-t^0.7) (series):\n\n"
              "| method | T | steps | num_memory | abs error at T |\n|---|---|---|---|---|\n");
  for (const char* m : {"l1", "euler", "short-memory"})
    for (int64_t n : {100, 400})
      std::printf("| %s | 1 | %lld | %lld | %.2e |\n", m, (long long)n, (long long)n, relaxation_error(m, 0.7, 1.0, n, n));
  for (int64_t mem : {800, 200, 50, 10})
    std::printf("| short-memory | 2 | 800 | %lld | %.2e |\n", (long long)mem, relaxation_error("short-memory", 0.7, 2.0, 800, mem));
  return 0;
}
