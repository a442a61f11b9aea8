// Measures the global convergence order of every fixed-step ODE method (and the embedded pairs in
// fixed-step mode) on problems with analytic solutions, and prints a markdown table.
//   build/bin/example_ode_order_table
#include <ATen/ops/ones_like.h>
#include <c10/core/InferenceMode.h>

#include <cstdio>
#include <string>
#include <vector>

#include "braintorch/solvers/exponential_euler.h"
#include "braintorch/solvers/ode_step.h"
#include "ode_problems.h"

using namespace braintorch;
using namespace braintorch::ode_problems;

int main() {
  c10::InferenceMode no_autograd;
  const std::vector<std::string> methods{"euler", "midpoint", "heun2", "ralston2", "rk2", "rk3", "heun3", "ralston3",
                                         "ssprk3", "rk4", "ralston4", "rk4_38rule", "heun_euler", "rkf12", "bs",
                                         "rkf45", "rkdp", "ck"};
  const std::vector<Problem> problems{linear_forced(), harmonic_oscillator(), logistic()};
  std::printf("| method | theoretical order | measured order | problem |\n|---|---|---|---|\n");
  for (const auto& m : methods) {
    const int order = solvers::ode_method_order(m);
    for (const auto& p : problems) {
      const double q = measured_order(solvers::make_ode_step(p.f, m), p, step_counts(order));
      std::printf("| %s | %d | %.3f | %s |\n", m.c_str(), order, q, p.name.c_str());
    }
  }
  // Exponential Euler: first order where the equation is not linear with constant coefficients.
  {
    const Problem lf = linear_forced();
    std::printf("| exp_euler (auto A, per step) | 1 | %.3f | %s |\n",
                measured_order(solvers::make_ode_step(lf.f, "exp_euler"), lf, step_counts(1)), lf.name.c_str());
    const Problem lg = logistic();
    // Supplied linear coefficient A = 1 (the linear part of y - y^2).
    auto supplied = solvers::make_exponential_euler_step(
        lg.f, [](const Tensors& y, double, const Tensors&) { return Tensors{at::ones_like(y[0])}; }, {});
    std::printf("| exp_euler (supplied A = 1) | 1 | %.3f | %s |\n", measured_order(supplied, lg, step_counts(1)),
                lg.name.c_str());
    std::printf("| exp_euler (auto A, per step) | 1 (2 on autonomous: Rosenbrock) | %.3f | %s |\n",
                measured_order(solvers::make_ode_step(lg.f, "exp_euler"), lg, step_counts(2)), lg.name.c_str());
  }
  return 0;
}
