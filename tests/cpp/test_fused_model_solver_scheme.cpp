// A model's method name means the same scheme on its fused kernel, on its differentiable path and in
// the solver library: one LIF step (both paths) and the per-element arithmetic the fused kernels use
// (models::integrate on the Lif declaration, with a conductance) against solvers::make_ode_step on the
// LIF equation
//   tau dV/dt = V_rest - V + R (I_0 - g V).
#include <ATen/ops/linspace.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "braintorch/core/network.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/models/neurons/lif.h"
#include "braintorch/runner/runner.h"
#include "braintorch/solvers/ode_step.h"

using namespace braintorch;

namespace {

constexpr double kVRest = -60, kTau = 20, kR = 1.5, kInput = 8, kDt = 0.25;

// The solver library's step of the LIF equation with inputs held over the step.
at::Tensor solver_step(const std::string& method, const at::Tensor& v, double i0, double g) {
  auto f = [=](const solvers::Tensors& y, double, const solvers::Tensors&) {
    return solvers::Tensors{(kVRest - y[0] + kR * (i0 - g * y[0])) / kTau};
  };
  return solvers::make_ode_step(f, method)({v}, 0.0, kDt)[0];
}

// One step of an LIF group (subthreshold: v_th far away) from the potentials v0.
at::Tensor lif_step(const std::string& method, const at::Tensor& v0, bool differentiable) {
  auto net = std::make_shared<Network>(1);
  LIFOptions o;
  o.v_rest = kVRest;
  o.v_reset = kVRest;
  o.v_th = 1e6;
  o.tau = kTau;
  o.r = kR;
  o.method = parse_integrator(method);
  auto lif = net->add_group("n", std::make_shared<LIF>(v0.numel(), o));
  net->to_options(at::TensorOptions().dtype(at::kDouble));
  net->reset_state();
  lif->set_v(v0);
  lif->set_external_input(ExternalInput::constant(kInput));
  RunnerOptions ro{kDt};
  ro.differentiable = differentiable;
  Runner runner(net, ro);
  runner.add_monitor({"v", "n", "V", {}, 1});
  return runner.run(kDt).values["v"].reshape({-1}).detach();
}

}  // namespace

TEST(FusedModelSolverScheme, LifStepEqualsSolverStepOnBothPaths) {
  const at::Tensor v0 = at::linspace(-75.0, -45.0, 9, at::TensorOptions().dtype(at::kDouble));
  // Aliases resolve through the solver registry, in any case.
  for (const std::string method : {"euler", "Euler", "exp_euler", "exponential_euler", "exp_auto"}) {
    const at::Tensor expected = solver_step(method, v0, kInput, 0.0);
    for (bool differentiable : {false, true}) {
      const at::Tensor got = lif_step(method, v0, differentiable);
      EXPECT_TRUE(at::allclose(got, expected, 1e-13, 1e-11))
          << method << (differentiable ? " differentiable" : " fused") << ": max diff "
          << (got - expected).abs().max().item<double>();
    }
  }
  // Different schemes do differ here (the test can tell them apart).
  EXPECT_GT((solver_step("euler", v0, kInput, 0) - solver_step("exp_euler", v0, kInput, 0)).abs().max().item<double>(),
            1e-6);
}

TEST(FusedModelSolverScheme, ConductanceArithmeticEqualsSolverStep) {
  c10::InferenceMode guard;
  const at::Tensor v0 = at::linspace(-80.0, -40.0, 11, at::TensorOptions().dtype(at::kDouble));
  const double i0 = 12.0, g = 0.7;  // I_0 = external + sum_k g_k E_k, g = sum_k g_k (neuron_group.h)
  using models::Lif;
  models::ParamPack<double, Lif::kParams + 1> p{};
  p.v[Lif::V_rest] = kVRest;
  p.v[Lif::R] = kR;
  p.v[Lif::tau] = kTau;
  const models::Input<double> in{i0, g};
  for (const std::string method : {"euler", "exp_euler", "rk2", "rk4"}) {
    const at::Tensor expected = solver_step(method, v0, i0, g);
    for (int64_t k = 0; k < v0.numel(); ++k) {
      const double v[1] = {v0[k].item<double>()};
      double got[1];
      if (method == "euler") models::integrate<Lif, models::Method::Euler>(v, in, p, kDt, got);
      else if (method == "exp_euler") models::integrate<Lif, models::Method::ExpEuler>(v, in, p, kDt, got);
      else if (method == "rk2") models::integrate<Lif, models::Method::RK2>(v, in, p, kDt, got);
      else models::integrate<Lif, models::Method::RK4>(v, in, p, kDt, got);
      EXPECT_NEAR(got[0], expected[k].item<double>(), 1e-11) << method << " v0 = " << v[0];
    }
  }
}

TEST(FusedModelSolverScheme, OtherSolverNamesAreRefusedClearly) {
  try {
    parse_integrator("rk4");
    ADD_FAILURE() << "rk4 accepted by a fused model";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("do not implement"), std::string::npos) << e.what_without_backtrace();
  }
  try {
    parse_integrator("rk9");
    ADD_FAILURE() << "unknown name accepted";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("unknown integration method 'rk9'"), std::string::npos) << e.what_without_backtrace();
  }
}
