#pragma once
// Adaptive integration over [t0, t1] with an embedded Runge-Kutta pair (rkf12, rkf45, rkdp, ck, bs /
// BoSh3, heun_euler): per-step error control with rtol/atol, step rejection and the standard step-size
// controller. The higher-order solution is propagated (local extrapolation).
//
// Error norm (Hairer, Norsett & Wanner, eq. II.4.11): err = sqrt(mean_i (e_i / (atol + rtol * max(|y_i|,
// |y_new_i|)))^2) over every element of every state; a step is accepted when err <= 1. The next step is
// dt * clamp(safety * err^(-1 / (low_order + 1)), min_factor, max_factor) (max_factor is 1 right after a
// rejection). The step sequence depends on the data through err, so it is taken from .item(): the
// accept/reject decisions are not differentiated, the arithmetic of every accepted step is.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

struct AdaptiveOptions {
  double rtol = 1e-6;
  double atol = 1e-9;
  double dt_initial = 0;  // 0: chosen automatically (Hairer's starting step algorithm, one extra evaluation)
  double dt_min = 0;      // a step that must go below dt_min fails the integration
  double dt_max = std::numeric_limits<double>::infinity();
  double safety = 0.9;
  double min_factor = 0.2;
  double max_factor = 10.0;
  int64_t max_steps = 1000000;  // accepted + rejected
  // Dense output: the solution at these times (non-decreasing, within [t0, t1]) by cubic Hermite
  // interpolation on the accepted step containing each (third-order accurate within a step; uses f at
  // both step ends, which the integration evaluates anyway).
  std::vector<double> output_times;
};

struct AdaptiveResult {
  Tensors final_state;  // y(t1)
  int64_t accepted_steps = 0;
  int64_t rejected_steps = 0;
  int64_t function_evaluations = 0;  // every call of f, including the starting-step estimate
  std::vector<double> output_times;  // as requested
  std::vector<Tensors> outputs;      // one state list per output time
};

AdaptiveResult integrate_adaptive(const OdeFunction& f, const std::string& method, const Tensors& y0, double t0,
                                  double t1, const Tensors& params, const AdaptiveOptions& options = {});

}  // namespace braintorch::solvers
