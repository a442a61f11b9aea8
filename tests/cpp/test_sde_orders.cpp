// Strong and weak convergence orders of the SDE solvers on geometric Brownian motion
// dX = mu X dt + sigma X dW, whose exact solution on a given Wiener path is
//   Ito:          X_T = X0 exp((mu - sigma^2 / 2) T + sigma W_T)
//   Stratonovich: X_T = X0 exp(mu T + sigma W_T).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "braintorch/solvers/sde_solvers.h"
#include "sde_test_paths.h"

namespace bs = braintorch::solvers;
using bs::testing::brownian_levels;
using bs::testing::fitted_order;

namespace {

constexpr double kMu = 1.0, kSigma = 0.8, kX0 = 1.0, kT = 1.0;

bs::Tensors gbm_drift(const bs::Tensors& y, double, const bs::Tensors&) { return {kMu * y[0]}; }
bs::Tensors gbm_diffusion(const bs::Tensors& y, double, const bs::Tensors&) { return {kSigma * y[0]}; }

// Returns {dt, error} per level; weak=false: mean |X_num - X_exact|; weak=true: |mean(X_num^p - X_exact^p)|
// (an unbiased estimate of E[X_num^p] - E[X_T^p] with the exact path as control variate).
std::pair<std::vector<double>, std::vector<double>> sweep(const std::string& method, const std::string& intg,
                                                          int k_min, int k_max, int64_t paths, int power,
                                                          bool weak) {
  const auto integral = bs::parse_sde_integral(intg);
  const auto m = bs::parse_sde_method(method);
  auto levels = brownian_levels(kT, k_min, k_max, paths, 1234);
  std::vector<double> dts, errs;
  for (const auto& lv : levels) {
    at::Tensor x = at::full({paths}, kX0, at::kDouble), W = at::zeros({paths}, at::kDouble);
    double t = 0;
    for (size_t i = 0; i < lv.dW.size(); ++i) {
      bs::SdeNoise nz{{lv.dW[i]}, {lv.I10[i]}};
      x = bs::sde_step(gbm_drift, gbm_diffusion, m, integral, bs::WienerType::Scalar, {x}, t, lv.dt, nz, {})[0];
      W = W + lv.dW[i];
      t += lv.dt;
    }
    const double c = integral == bs::SdeIntegral::Ito ? kMu - 0.5 * kSigma * kSigma : kMu;
    at::Tensor exact = kX0 * at::exp(c * kT + kSigma * W);
    double e = weak ? (x.pow(power) - exact.pow(power)).mean().abs().item<double>()
                    : (x - exact).abs().mean().item<double>();
    dts.push_back(lv.dt);
    errs.push_back(e);
  }
  return {dts, errs};
}

struct StrongCase {
  const char* method;
  const char* intg;
  double order;
};

class SdeStrongOrder : public ::testing::TestWithParam<StrongCase> {};

TEST_P(SdeStrongOrder, MatchesTheoryOnGbmWithin015) {
  const auto& c = GetParam();
  auto [dts, errs] = sweep(c.method, c.intg, 3, 8, 4000, 1, false);
  const double p = fitted_order(dts, errs);
  EXPECT_NEAR(p, c.order, 0.15) << c.method << " (" << c.intg << "): errors " << errs.front() << " .. "
                                << errs.back();
}

INSTANTIATE_TEST_SUITE_P(
    Gbm, SdeStrongOrder,
    ::testing::Values(StrongCase{"euler", "Ito", 0.5}, StrongCase{"milstein", "Ito", 1.0},
                      StrongCase{"milstein2", "Ito", 1.0}, StrongCase{"milstein_grad_free", "Ito", 1.0},
                      StrongCase{"exp_euler", "Ito", 0.5}, StrongCase{"srk1w1_scalar", "Ito", 1.5},
                      StrongCase{"srk2w1_scalar", "Ito", 1.5}, StrongCase{"KlPl_scalar", "Ito", 1.5},
                      StrongCase{"euler", "Stratonovich", 1.0}, StrongCase{"heun", "Stratonovich", 1.0},
                      StrongCase{"milstein", "Stratonovich", 1.0}, StrongCase{"milstein2", "Stratonovich", 1.0}),
    [](const auto& info) {
      return std::string(info.param.method) + "_" + info.param.intg;
    });

// Weak order 1 of Euler-Maruyama for the first and second moments (40000 paths as one batch).
TEST(SdeWeakOrder, EulerMaruyamaMomentsOrderOne) {
  for (int power : {1, 2}) {
    auto [dts, errs] = sweep("euler", "Ito", 2, 6, 40000, power, true);
    EXPECT_NEAR(fitted_order(dts, errs), 1.0, 0.2) << "moment " << power;
  }
}

TEST(SdeWeakOrder, StratonovichHeunMeanOrderOne) {
  // Per step E[Heun] = 1 + (mu + s^2/2) dt + mu^2 dt^2 / 2 against exp((mu + s^2/2) dt): weak order 1.
  auto [dts, errs] = sweep("heun", "Stratonovich", 2, 6, 40000, 1, true);
  EXPECT_NEAR(fitted_order(dts, errs), 1.0, 0.2);
}

TEST(SdeSeeded, SameSeedSamePathDifferentSeedDifferentPath) {
  bs::SdeOptions o;
  o.method = "milstein";
  o.seed = 7;
  auto run = [&](uint64_t seed) {
    o.seed = seed;
    auto step = bs::make_sde_step(gbm_drift, gbm_diffusion, o, {});
    bs::Tensors y{at::ones({16}, at::kDouble)};
    for (int i = 0; i < 20; ++i) y = step(y, i * 0.01, 0.01);
    return y[0];
  };
  EXPECT_TRUE(at::equal(run(7), run(7)));
  EXPECT_FALSE(at::equal(run(7), run(8)));
}

TEST(SdeSeeded, VectorNoiseSumsSources) {
  // dX = 0 dt + [1, 2] . dW: the increment is dW0 + 2 dW1 with dW of shape (2) shared by elements.
  auto f = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{at::zeros_like(y[0])}; };
  auto g = [](const bs::Tensors& y, double, const bs::Tensors&) {
    return bs::Tensors{at::stack({at::ones_like(y[0]), 2 * at::ones_like(y[0])}, -1)};
  };
  bs::Tensors y{at::zeros({3}, at::kDouble)};
  bs::SdeNoise nz{{torch::tensor({0.1, -0.3}, at::kDouble)}, {}};
  auto out = bs::sde_step(f, g, bs::SdeMethod::Euler, bs::SdeIntegral::Ito, bs::WienerType::Vector, y, 0, 0.1,
                          nz, {});
  EXPECT_TRUE(at::allclose(out[0], at::full({3}, 0.1 - 0.6, at::kDouble)));
  bs::SdeOptions o;
  o.wiener_type = "vector";
  o.num_noise = 2;
  auto step = bs::make_sde_step(f, g, o, {});
  auto y1 = step(y, 0, 0.1);
  EXPECT_EQ(y1[0].sizes(), y[0].sizes());
}

TEST(SdeGradients, MilsteinStepIsDifferentiableInParameters) {
  auto g = [](const bs::Tensors& y, double, const bs::Tensors& p) { return bs::Tensors{p[0] * y[0]}; };
  at::Tensor sigma = torch::tensor({0.5}, at::kDouble).requires_grad_(true);
  bs::Tensors y{torch::tensor({2.0}, at::kDouble)};
  bs::SdeNoise nz{{torch::tensor({0.3}, at::kDouble)}, {}};
  auto out = bs::sde_step(gbm_drift, g, bs::SdeMethod::Milstein, bs::SdeIntegral::Ito, bs::WienerType::Scalar, y,
                          0, 0.1, nz, {sigma});
  out[0].sum().backward();
  // d/dsigma [y + mu y dt + s y dW + 0.5 s^2 y (dW^2 - dt)] = y dW + s y (dW^2 - dt)
  const double expect = 2.0 * 0.3 + 0.5 * 2.0 * (0.09 - 0.1);
  EXPECT_NEAR(sigma.grad().item<double>(), expect, 1e-12);
}

TEST(SdeErrors, BadInputsNameTheProblem) {
  auto expect_msg = [](auto fn, const std::string& text) {
    try {
      fn();
      ADD_FAILURE() << "no error, expected: " << text;
    } catch (const c10::Error& e) {
      EXPECT_NE(std::string(e.what_without_backtrace()).find(text), std::string::npos) << e.what_without_backtrace();
    }
  };
  expect_msg([] { bs::parse_sde_method("rk9"); }, "valid: euler, heun, milstein");
  expect_msg([] { bs::parse_sde_integral("levy"); }, "valid: Ito, Stratonovich");
  expect_msg([] { bs::parse_wiener_type("matrix"); }, "valid: scalar, vector");
  bs::Tensors y{at::ones({3}, at::kDouble)};
  bs::SdeNoise nz{{at::zeros({3}, at::kDouble)}, {}};
  expect_msg([&] {
    bs::sde_step(gbm_drift, gbm_diffusion, bs::SdeMethod::Euler, bs::SdeIntegral::Ito, bs::WienerType::Scalar, y, 0,
                 0.0, nz, {});
  }, "dt must be positive");
  auto bad_g = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{at::ones({4}, at::kDouble)}; };
  expect_msg([&] {
    bs::sde_step(gbm_drift, bad_g, bs::SdeMethod::Euler, bs::SdeIntegral::Ito, bs::WienerType::Scalar, y, 0, 0.1,
                 nz, {});
  }, "output 0 has shape");
  expect_msg([&] {
    bs::sde_step(gbm_drift, gbm_diffusion, bs::SdeMethod::Srk1w1, bs::SdeIntegral::Ito, bs::WienerType::Scalar, y, 0,
                 0.1, nz, {});
  }, "needs noise.dZ");
  bs::SdeOptions o;
  o.method = "srk1w1";
  o.intg_type = "Stratonovich";
  expect_msg([&] { bs::make_sde_step(gbm_drift, gbm_diffusion, o, {}); }, "supports only intg_type 'Ito'");
}

}  // namespace
