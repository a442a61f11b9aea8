#pragma once
// Common Brownian paths for SDE convergence studies (tests, the order-table example, users comparing
// step sizes): the finest level of (dW, I10) is drawn once from a seeded generator and every coarser
// level is built from it exactly, so every dt in a sweep integrates the same Wiener path.
// Feed a level's dW[i] / I10[i] to sde_step as SdeNoise{{dW[i]}, {I10[i]}}.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/randn.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace braintorch::solvers {

struct BrownianLevel {
  double dt;
  std::vector<at::Tensor> dW;   // one (paths) tensor per step: W(t + dt) - W(t)
  std::vector<at::Tensor> I10;  // one (paths) tensor per step: int over the step of (W_s - W_t) ds
};

// Levels with dt = T / 2^k for k = k_max down to k_min (finest first), float64, `paths` paths.
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
    // (dW, I10) are jointly Gaussian: I10 = dt^{3/2} / 2 (x1 + x2 / sqrt(3)).
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
  return levels;
}

}  // namespace braintorch::solvers
