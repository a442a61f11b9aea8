#pragma once
// Common Brownian paths for SDE convergence tests (shared by the SDE tests and the order-table
// example): the finest level is drawn once, coarser levels are sums of fine increments, so every dt in
// a sweep sees the same Wiener path and the exact solution is evaluated on that path.
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace braintorch::solvers::testing {

struct BrownianLevel {
  double dt;
  std::vector<at::Tensor> dW;   // one (P) tensor per step
  std::vector<at::Tensor> I10;  // int over the step of (W_s - W_step_start) ds
};

// Levels with dt = T / 2^k for k = k_min..k_max, all on the same path (P paths in float64).
inline std::vector<BrownianLevel> brownian_levels(double T, int k_min, int k_max, int64_t paths, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto opts = at::TensorOptions().dtype(at::kDouble);
  BrownianLevel fine;
  fine.dt = T / std::ldexp(1.0, k_max);
  const int64_t n = int64_t(1) << k_max;
  const double sq = std::sqrt(fine.dt);
  for (int64_t i = 0; i < n; ++i) {
    at::Tensor x1 = at::randn({paths}, gen, opts), x2 = at::randn({paths}, gen, opts);
    fine.dW.push_back(sq * x1);
    fine.I10.push_back(0.5 * fine.dt * sq * (x1 + x2 / std::sqrt(3.0)));
  }
  std::vector<BrownianLevel> levels{fine};
  for (int k = k_max - 1; k >= k_min; --k) {
    const BrownianLevel& f = levels.back();
    BrownianLevel c;
    c.dt = 2 * f.dt;
    for (size_t i = 0; i + 1 < f.dW.size(); i += 2) {
      c.dW.push_back(f.dW[i] + f.dW[i + 1]);
      // int over [t0, t2] of (W_s - W_t0) = I10_a + I10_b + dW_a * h.
      c.I10.push_back(f.I10[i] + f.I10[i + 1] + f.dW[i] * f.dt);
    }
    levels.push_back(c);
  }
  return levels;  // finest first
}

// Least-squares slope of log(err) against log(dt).
inline double fitted_order(const std::vector<double>& dts, const std::vector<double>& errs) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = double(dts.size());
  for (size_t i = 0; i < dts.size(); ++i) {
    const double x = std::log(dts[i]), y = std::log(errs[i]);
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

}  // namespace braintorch::solvers::testing
