// Vector Wiener noise: strong orders on a geometric Brownian motion driven by m = 3 sources,
// dX = mu X dt + sum_k sigma_k X dW_k (commutative noise), whose exact solution on a given path is
//   Ito:          X_T = X0 exp((mu - |sigma|^2 / 2) T + sigma . W_T)
//   Stratonovich: X_T = X0 exp(mu T + sigma . W_T),
// and the reduction of every vector scheme with m = 1 to its scalar form.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "braintorch/solvers/sde_solvers.h"
#include "sde_test_paths.h"

namespace bs = braintorch::solvers;
using bs::testing::brownian_levels;
using bs::testing::fitted_order;

namespace {

constexpr double kMu = 0.8, kX0 = 1.0, kT = 1.0;
constexpr int64_t kSources = 3;

at::Tensor sigma() { return torch::tensor({0.3, 0.5, 0.4}, at::kDouble); }

bs::Tensors drift(const bs::Tensors& y, double, const bs::Tensors&) { return {kMu * y[0]}; }
bs::Tensors diffusion(const bs::Tensors& y, double, const bs::Tensors&) { return {y[0].unsqueeze(-1) * sigma()}; }

// Mean |X_num - X_exact| at T per level, every level integrating the same 3-source Wiener path.
std::pair<std::vector<double>, std::vector<double>> strong_sweep(const std::string& method, const std::string& intg,
                                                                 int k_min, int k_max, int64_t paths) {
  const auto integral = bs::parse_sde_integral(intg);
  const auto m = bs::parse_sde_method(method);
  auto levels = brownian_levels(kT, k_min, k_max, paths * kSources, 4321);
  std::vector<double> dts, errs;
  for (const auto& lv : levels) {
    at::Tensor x = at::full({paths}, kX0, at::kDouble), W = at::zeros({paths, kSources}, at::kDouble);
    double t = 0;
    for (size_t i = 0; i < lv.dW.size(); ++i) {
      const at::Tensor dW = lv.dW[i].view({paths, kSources});
      x = bs::sde_step(drift, diffusion, m, integral, bs::WienerType::Vector, {x}, t, lv.dt, bs::SdeNoise{{dW}, {}},
                       {})[0];
      W = W + dW;
      t += lv.dt;
    }
    const double s2 = sigma().pow(2).sum().item<double>();
    const double c = integral == bs::SdeIntegral::Ito ? kMu - 0.5 * s2 : kMu;
    const at::Tensor exact = kX0 * at::exp(c * kT + (W * sigma()).sum(-1));
    dts.push_back(lv.dt);
    errs.push_back((x - exact).abs().mean().item<double>());
  }
  return {dts, errs};
}

struct Case {
  const char* method;
  const char* intg;
  double order;
};

class SdeVectorStrongOrder : public ::testing::TestWithParam<Case> {};

TEST_P(SdeVectorStrongOrder, MatchesTheoryOnCommutativeGbmWithin015) {
  const auto& c = GetParam();
  auto [dts, errs] = strong_sweep(c.method, c.intg, 3, 8, 3000);
  const double p = fitted_order(dts, errs);
  EXPECT_NEAR(p, c.order, 0.15) << c.method << " (" << c.intg << "): errors " << errs.front() << " .. " << errs.back();
  std::printf("[vector order] %s %s: %.3f\n", c.method, c.intg, p);
}

INSTANTIATE_TEST_SUITE_P(
    Gbm3, SdeVectorStrongOrder,
    ::testing::Values(Case{"euler", "Ito", 0.5}, Case{"milstein", "Ito", 1.0}, Case{"milstein2", "Ito", 1.0},
                      Case{"exp_euler", "Ito", 0.5}, Case{"euler", "Stratonovich", 1.0},
                      Case{"heun", "Stratonovich", 1.0}, Case{"milstein", "Stratonovich", 1.0},
                      Case{"milstein2", "Stratonovich", 1.0}),
    [](const auto& info) { return std::string(info.param.method) + "_" + info.param.intg; });

// With one source the vector form of each scheme is its scalar form: same step to round-off, for a
// nonlinear diffusion and both integrals.
TEST(SdeVectorNoise, OneSourceReducesToScalarScheme) {
  auto f = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{-y[0] + y[0].pow(2) * 0.1}; };
  auto g_scalar = [](const bs::Tensors& y, double, const bs::Tensors&) { return bs::Tensors{at::sin(y[0]) + 1.5}; };
  auto g_vector = [&](const bs::Tensors& y, double t, const bs::Tensors& p) {
    return bs::Tensors{g_scalar(y, t, p)[0].unsqueeze(-1)};
  };
  const at::Tensor y0 = torch::linspace(-1.0, 2.0, 7, at::kDouble);
  const at::Tensor dW = torch::tensor({0.03, -0.1, 0.2, 0.0, -0.05, 0.12, 0.07}, at::kDouble);
  for (const char* intg : {"Ito", "Stratonovich"}) {
    for (const char* method : {"euler", "milstein", "milstein2", "heun", "exp_euler"}) {
      const auto integral = bs::parse_sde_integral(intg);
      const auto m = bs::parse_sde_method(method);
      if (m == bs::SdeMethod::Heun && integral == bs::SdeIntegral::Ito) continue;  // Stratonovich only
      if (m == bs::SdeMethod::ExpEuler && integral != bs::SdeIntegral::Ito) continue;
      auto s = bs::sde_step(f, g_scalar, m, integral, bs::WienerType::Scalar, {y0}, 0.0, 0.01, {{dW}, {}}, {})[0];
      auto v = bs::sde_step(f, g_vector, m, integral, bs::WienerType::Vector, {y0}, 0.0, 0.01,
                            {{dW.unsqueeze(-1)}, {}}, {})[0];
      EXPECT_TRUE(at::allclose(s, v, 1e-13, 1e-15)) << method << " " << intg << ": " << (s - v).abs().max().item<double>();
    }
  }
}

TEST(SdeVectorNoise, WrongSourceCountIsNamed) {
  bs::Tensors y{at::ones({2}, at::kDouble)};
  bs::SdeNoise nz{{at::zeros({2, kSources + 1}, at::kDouble)}, {}};
  for (auto m : {bs::SdeMethod::Euler, bs::SdeMethod::Milstein, bs::SdeMethod::Milstein2, bs::SdeMethod::ExpEuler}) {
    try {
      bs::sde_step(drift, diffusion, m, bs::SdeIntegral::Ito, bs::WienerType::Vector, y, 0, 0.1, nz, {});
      ADD_FAILURE() << "no error for dW with the wrong number of sources";
    } catch (const c10::Error& e) {
      EXPECT_NE(std::string(e.what_without_backtrace()).find("noise.dW needs the m = 3 noise sources"), std::string::npos) << e.what_without_backtrace();
    }
  }
}

TEST(SdeVectorNoise, ScalarOnlySchemesRefuseVectorNoise) {
  bs::Tensors y{at::ones({2}, at::kDouble)};
  bs::SdeNoise nz{{at::zeros({2, kSources}, at::kDouble)}, {at::zeros({2, kSources}, at::kDouble)}};
  for (auto m : {bs::SdeMethod::Srk1w1, bs::SdeMethod::Srk2w1, bs::SdeMethod::KlPl}) {
    try {
      bs::sde_step(drift, diffusion, m, bs::SdeIntegral::Ito, bs::WienerType::Vector, y, 0, 0.1, nz, {});
      ADD_FAILURE() << "no error for a scalar-noise scheme with vector noise";
    } catch (const c10::Error& e) {
      EXPECT_NE(std::string(e.what_without_backtrace()).find("scalar-noise schemes"), std::string::npos) << e.what_without_backtrace();
    }
  }
}

}  // namespace
