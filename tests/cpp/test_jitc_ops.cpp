// The JIT connectivity operators (braintorch::jitc_matvec, event_jitc_matvec, jitc_to_dense and the
// backward op) against independent float64 references: products with ATen matmul of the materialised
// matrix, statistics of a large matrix against the requested distribution, central finite differences
// and dense formulas for the gradients, and std::log for the portable logarithm.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "braintorch/ops/jitc_matvec.h"
#include "braintorch/kernels/jitc_math.h"

namespace {

using braintorch::ops::event_jitc_matvec;
using braintorch::ops::jitc_matvec;
using braintorch::ops::jitc_to_dense;

struct Weights {
  std::string kind;
  double w0, w1;
};
const std::vector<Weights> kKinds = {{"homo", 0.7, 0.0}, {"uniform", -0.5, 1.5}, {"normal", 0.3, 0.8}};

at::Tensor scalar(double v, at::ScalarType t, bool requires_grad = false) {
  return torch::tensor({v}, torch::dtype(t)).requires_grad_(requires_grad);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

at::Tensor events(const at::Tensor& x) { return (x.to(torch::kDouble) > 0).to(torch::kDouble); }

// ------------------------------------------------------------------ portable log

TEST(JitcOps, PortableLogMatchesStdLog) {
  double worst = 0;
  for (double x : {1.0, 0.5, 0.25, 1e-300, 1.1102230246251565e-16, 0.7071067811865476, 0.70710678118654746, 0.999999})
    worst = std::max(worst, std::abs(braintorch::kernels::jitc::portable_log(x) - std::log(x)) /
                                std::max(1e-300, std::abs(std::log(x))));
  for (int k = 1; k < 20000; ++k) {
    const double x = double(k) / 20000.0;
    const double ref = std::log(x);
    const double err = std::abs(braintorch::kernels::jitc::portable_log(x) - ref);
    worst = std::max(worst, ref == 0 ? err : err / std::abs(ref));
  }
  EXPECT_EQ(braintorch::kernels::jitc::portable_log(1.0), 0.0);
  EXPECT_LT(worst, 1e-14);
}

TEST(JitcOps, PortableLog1mMatchesLog1p) {
  // log(1 - p) without the rounding of 1 - p: relative error at the level of the logarithm itself,
  // including probabilities far below 2^-53, where 1 - p == 1.
  for (double p : {1e-300, 1e-20, 1e-17, 1e-10, 1e-6, 1e-3, 0.1, 0.2499, 0.25, 0.3, 0.5, 0.9, 1 - 1e-9}) {
    const double ref = std::log1p(-p);
    EXPECT_LT(std::abs(braintorch::kernels::jitc::portable_log1m(p) - ref), 1e-15 * std::abs(ref)) << p;
  }
}

TEST(JitcOps, PortableSinCos2PiMatchesStd) {
  // Box-Muller's cosine and sine over [0, 1), including the reduction boundaries 1/8, 1/4, 3/8, 1/2, ...
  double worst_cos = 0, worst_sin = 0;
  for (int k = 0; k < 80000; ++k) {
    const double v = double(k) / 80000.0;
    double c, s;
    braintorch::kernels::jitc::portable_sincos_2pi(v, c, s);
    worst_cos = std::max(worst_cos, std::abs(c - std::cos(2 * M_PI * v)));
    worst_sin = std::max(worst_sin, std::abs(s - std::sin(2 * M_PI * v)));
  }
  double c0, s0;
  braintorch::kernels::jitc::portable_sincos_2pi(0.0, c0, s0);
  EXPECT_EQ(c0, 1.0);
  EXPECT_EQ(s0, 0.0);
  EXPECT_LT(worst_cos, 1e-15);
  EXPECT_LT(worst_sin, 1e-15);
}

TEST(JitcOps, ProbabilityBelowDoubleResolutionConnectsNothing) {
  // log(1 - p) rounds to 0 for p < 2^-53 if 1 - p is formed; the skip was then -inf and its integer
  // conversion wrote far outside the row (a segfault). Now such rows have (almost surely) no synapse.
  for (double prob : {1e-17, 1e-300, 4.9e-324}) {
    SCOPED_TRACE(prob);
    const auto W = jitc_to_dense(scalar(1.0, at::kDouble), scalar(0.0, at::kDouble), 5, prob, 40, 30, "homo");
    EXPECT_EQ(W.count_nonzero().item<int64_t>(), 0);
    const auto y = event_jitc_matvec(torch::ones({40}, torch::kBool), scalar(1.0, at::kFloat), scalar(0.0, at::kFloat),
                                     5, prob, 40, 30, "homo", false);
    EXPECT_EQ(y.count_nonzero().item<int64_t>(), 0);
  }
  // Small but representable: 10^8 pairs at p = 1e-6 hold Poisson(100) synapses; all spiking rows
  // of a homogeneous weight 1 count them (5 standard deviations).
  const auto count = event_jitc_matvec(torch::ones({10000}, torch::kBool), scalar(1.0, at::kDouble),
                                       scalar(0.0, at::kDouble), 9, 1e-6, 10000, 10000, "homo", false)
                         .sum()
                         .item<double>();
  EXPECT_LT(std::abs(count - 100.0), 50.0) << count;
}

// ------------------------------------------------------------------ products vs the dense matrix

TEST(JitcOps, ProductsMatchDenseReference) {
  const std::vector<std::pair<int64_t, int64_t>> sizes = {{1, 1}, {7, 5}, {40, 23}, {0, 4}, {5, 0}, {1, 9}, {31, 64}};
  int checked = 0;
  int64_t seed = 11;
  for (auto [n_pre, n_post] : sizes)
    for (double prob : {0.3, 1.0})
      for (const auto& k : kKinds)
        for (auto wt : {at::kFloat, at::kDouble}) {
          ++seed;
          // The reference W is materialised in the same dtype, then promoted to float64.
          const auto W = jitc_to_dense(scalar(k.w0, wt), scalar(k.w1, wt), seed, prob, n_pre, n_post, k.kind)
                             .to(torch::kDouble);
          ASSERT_EQ(W.sizes(), at::IntArrayRef({n_pre, n_post}));
          for (bool ev : {false, true})
            for (bool transpose : {false, true})
              for (int layout = 0; layout < 3; ++layout)  // 0: (n), 1: (B, n), 2: (B, n) non-contiguous
                for (int pat = 0; pat < 3; ++pat) {        // 0: random, 1: none > 0, 2: all > 0
                  std::ostringstream d;
                  d << "n_pre=" << n_pre << " n_post=" << n_post << " prob=" << prob << " kind=" << k.kind
                    << " dtype=" << wt << " events=" << ev << " transpose=" << transpose << " layout=" << layout
                    << " pattern=" << pat;
                  SCOPED_TRACE(d.str());
                  const int64_t n_in = transpose ? n_post : n_pre;
                  auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(seed * 100 + layout * 10 + pat));
                  at::Tensor x;
                  if (layout == 0) x = torch::rand({n_in}, gen, torch::kDouble);
                  else if (layout == 1) x = torch::rand({3, n_in}, gen, torch::kDouble);
                  else x = torch::rand({n_in, 3}, gen, torch::kDouble).t();  // (3, n_in), not contiguous
                  x = x * 3.0 - 1.0;
                  if (pat == 1) x = -x.abs();
                  if (pat == 2) x = x.abs() + 0.25;
                  for (auto xt : ev ? std::vector<at::ScalarType>{at::kBool, wt} : std::vector<at::ScalarType>{wt}) {
                    const auto xin = xt == at::kBool ? (x > 0) : x.to(xt);
                    if (layout == 2 && n_in > 1 && xt != at::kBool) ASSERT_FALSE(xin.is_contiguous());
                    const auto out = ev ? event_jitc_matvec(xin, scalar(k.w0, wt), scalar(k.w1, wt), seed, prob, n_pre,
                                                            n_post, k.kind, transpose)
                                        : jitc_matvec(xin, scalar(k.w0, wt), scalar(k.w1, wt), seed, prob, n_pre,
                                                      n_post, k.kind, transpose);
                    const auto xv = ev ? events(xin) : xin.to(torch::kDouble);
                    const auto ref = transpose ? at::matmul(xv, W.t()) : at::matmul(xv, W);
                    ASSERT_EQ(out.sizes(), ref.sizes());
                    ASSERT_EQ(out.scalar_type(), wt);
                    const double tol = wt == at::kFloat ? 1e-4 : 1e-11;
                    EXPECT_TRUE(torch::allclose(out.to(torch::kDouble), ref, tol, tol))
                        << (out.to(torch::kDouble) - ref).abs().max().item<double>();
                    ++checked;
                  }
                }
        }
  EXPECT_GT(checked, 2000);
}

// ------------------------------------------------------------------ statistics of a large matrix

TEST(JitcOps, ConnectionProbabilityAndWeightMoments) {
  // 1000 x 2000 entries; every check allows 5 standard errors of its estimator.
  const int64_t n_pre = 1000, n_post = 2000;
  const double N = double(n_pre * n_post);
  for (double prob : {0.05, 0.3}) {
    for (const auto& k : kKinds) {
      SCOPED_TRACE(k.kind + " prob=" + std::to_string(prob));
      const auto W = jitc_to_dense(scalar(k.w0, at::kDouble), scalar(k.w1, at::kDouble), 1234, prob, n_pre, n_post,
                                   k.kind);
      // A homo/uniform/normal weight is never exactly 0 here (w0 = 0.7; U(-0.5, 1.5) and N(0.3, 0.8) hit
      // 0 with probability 0), so the support is the non-zero pattern.
      const auto mask = W != 0;
      const double nnz = mask.sum().item<double>();
      const double se_p = std::sqrt(prob * (1 - prob) / N);
      EXPECT_LT(std::abs(nnz / N - prob), 5 * se_p) << nnz / N;
      // Rows are independent streams: the per-row degrees have variance n_post p (1 - p).
      const auto deg = mask.sum(1).to(torch::kDouble);
      const double var_deg = deg.var().item<double>(), exp_var = n_post * prob * (1 - prob);
      EXPECT_LT(std::abs(var_deg / exp_var - 1), 5 * std::sqrt(2.0 / n_pre)) << var_deg << " vs " << exp_var;
      const auto w = W.masked_select(mask);
      const double n = double(w.numel());
      const double mean = w.mean().item<double>(), var = w.var().item<double>();
      double exp_mean = k.w0, exp_var_w = 0;
      if (k.kind == "uniform") {
        exp_mean = 0.5 * (k.w0 + k.w1);
        exp_var_w = (k.w1 - k.w0) * (k.w1 - k.w0) / 12;
      } else if (k.kind == "normal") {
        exp_var_w = k.w1 * k.w1;
      }
      if (k.kind == "homo") {
        EXPECT_EQ(w.min().item<double>(), k.w0);
        EXPECT_EQ(w.max().item<double>(), k.w0);
        continue;
      }
      EXPECT_LT(std::abs(mean - exp_mean), 5 * std::sqrt(exp_var_w / n)) << mean;
      // Independence of neighbours: a row's weights come from one stream in walk order (normal ones
      // two per Box-Muller pair), so consecutive weights, and their squares, must be uncorrelated.
      // masked_select keeps row-major order: w[k], w[k + 1] are neighbours within a row (or across a
      // row boundary, also independent). Both parities of the pairing, 5 standard errors (1/sqrt(m)).
      for (int64_t lag_start : {0, 1}) {
        const int64_t m = (w.numel() - lag_start) / 2;
        const auto x = w.narrow(0, lag_start, 2 * m).view({m, 2});
        for (int power : {1, 2}) {
          const auto xp = x.pow(power);
          const auto c = torch::corrcoef(xp.t())[0][1].item<double>();
          EXPECT_LT(std::abs(c), 5 / std::sqrt(double(m))) << "lag_start " << lag_start << " power " << power;
        }
      }
      const double m4 = (w - exp_mean).pow(4).mean().item<double>();
      EXPECT_LT(std::abs(var - exp_var_w), 5 * std::sqrt((m4 - exp_var_w * exp_var_w) / n)) << var;
      if (k.kind == "uniform") {
        EXPECT_GT(w.min().item<double>(), k.w0);
        EXPECT_LT(w.max().item<double>(), k.w1);
      } else {
        // Shape, not only moments: the fraction within one sigma is 0.682689.
        const double f = ((w - k.w0).abs() < k.w1).to(torch::kDouble).mean().item<double>();
        EXPECT_LT(std::abs(f - 0.682689492), 5 * std::sqrt(0.6827 * 0.3173 / n)) << f;
      }
    }
  }
}

// Checks the generator cannot pass by its moments alone: every column and every row must receive its
// Binomial share (a chi-square over the columns sees a single neglected column), the weights must have
// the requested distribution function (Kolmogorov-Smirnov), prob = 1 must connect every pair, and the
// float32 matrix must have the float64 one's pattern. Tolerances are stated with each check.
TEST(JitcOps, DegreesAndWeightDistributionFitTheParameters) {
  const int64_t n_pre = 4000, n_post = 500;
  const double prob = 0.1;
  for (const auto& k : kKinds) {
    SCOPED_TRACE(k.kind);
    const auto W = jitc_to_dense(scalar(k.w0, at::kDouble), scalar(k.w1, at::kDouble), 99, prob, n_pre, n_post,
                                 k.kind);
    const auto mask = W != 0;
    // Column c receives Binomial(n_pre, p) connections, row r Binomial(n_post, p), independently, so
    // sum (count - mean)^2 / variance over the m columns (rows) is ~ chi-square(m): mean m, sd sqrt(2m).
    // Allowed: 5 sd. One column that is never connected adds n_pre p / (1 - p) = 444 (14 sd of 500).
    for (int dim : {0, 1}) {
      const auto count = mask.sum(dim).to(torch::kDouble);
      const double trials = dim == 0 ? double(n_pre) : double(n_post), m = double(count.numel());
      const double mean = trials * prob, var = trials * prob * (1 - prob);
      const double chi2 = ((count - mean).pow(2) / var).sum().item<double>();
      EXPECT_LT(std::abs(chi2 - m), 5 * std::sqrt(2 * m)) << (dim == 0 ? "columns" : "rows") << ": chi2 " << chi2;
    }
    if (k.kind == "homo") continue;
    // Kolmogorov-Smirnov against the requested CDF; the critical value at alpha = 0.001 is 1.949 / sqrt(n).
    const auto w = std::get<0>(W.masked_select(mask).sort());
    const double n = double(w.numel());
    at::Tensor cdf;
    if (k.kind == "uniform") cdf = (w - k.w0) / (k.w1 - k.w0);
    else cdf = 0.5 * (1 + torch::erf((w - k.w0) / (k.w1 * std::sqrt(2.0))));
    const auto i = torch::arange(1, w.numel() + 1, torch::kDouble);
    const double d = std::max((i / n - cdf).max().item<double>(), (cdf - (i - 1) / n).max().item<double>());
    EXPECT_LT(d, 1.949 / std::sqrt(n)) << "KS statistic " << d << " with n = " << n;
    // The same matrix in float32: the same pattern, each weight within float32 round-off of the float64 one.
    const auto W32 = jitc_to_dense(scalar(k.w0, at::kFloat), scalar(k.w1, at::kFloat), 99, prob, n_pre, n_post,
                                   k.kind);
    EXPECT_TRUE(torch::equal(W32 != 0, mask));
    EXPECT_TRUE(torch::allclose(W32.to(torch::kDouble), W, 1e-6, 1e-6));
  }
  // prob = 1: every pair, every weight drawn.
  for (const auto& k : kKinds) {
    const auto W = jitc_to_dense(scalar(k.w0, at::kDouble), scalar(k.w1, at::kDouble), 5, 1.0, 37, 23, k.kind);
    EXPECT_EQ((W != 0).sum().item<int64_t>(), 37 * 23) << k.kind;
  }
}

// ------------------------------------------------------------------ determinism

TEST(JitcOps, MaterialisedMatrixIsBitwiseReproducible) {
  // 3000 rows of ~34 synapses: more than one parallel_for grain (32768 synapse visits), so the second
  // thread really takes part (300 rows did not split).
  const int threads = at::get_num_threads();
  for (const auto& k : kKinds)
    for (auto wt : {at::kFloat, at::kDouble}) {
      SCOPED_TRACE(k.kind);
      auto dense = [&] { return jitc_to_dense(scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind); };
      at::set_num_threads(1);
      const auto W1 = dense();
      const auto x = torch::rand({4, 3000}, torch::dtype(wt));
      const auto y1 = jitc_matvec(x, scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, false);
      at::set_num_threads(2);
      const auto W2 = dense();
      const auto y2 = jitc_matvec(x, scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, false);
      at::set_num_threads(threads);
      EXPECT_TRUE(torch::equal(W1, W2));
      EXPECT_TRUE(torch::equal(W1, dense()));
      EXPECT_TRUE(torch::equal(y1, y2));
      // A batch shares each generated row among a tile of up to 16 batch rows (37 rows: tiles of 16,
      // 16 and 5 at 1 thread, other tiles at 2); one vector at a time adds while it generates: the same
      // sums in the same order, bit for bit.
      const auto xb = torch::rand({37, 3000}, torch::dtype(wt));
      const auto spikes = xb > 0.7;
      for (int t : {1, 2}) {
        at::set_num_threads(t);
        const auto fb = jitc_matvec(xb, scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, false);
        const auto eb = event_jitc_matvec(spikes, scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, false);
        for (int64_t b = 0; b < 37; ++b) {
          EXPECT_TRUE(torch::equal(
              fb[b], jitc_matvec(xb[b], scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, false)));
          EXPECT_TRUE(torch::equal(eb[b], event_jitc_matvec(spikes[b], scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2,
                                                            3000, 170, k.kind, false)));
        }
      }
      at::set_num_threads(threads);
      // Products with identity columns reproduce W (rows) and W^T (transposed), bit for bit: the
      // transposed product uses exactly the transpose of the forward matrix.
      const auto I_pre = torch::eye(3000, torch::dtype(wt)), I_post = torch::eye(170, torch::dtype(wt));
      EXPECT_TRUE(torch::equal(
          jitc_matvec(I_pre, scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, false), W1));
      EXPECT_TRUE(torch::equal(
          event_jitc_matvec(I_post > 0, scalar(k.w0, wt), scalar(k.w1, wt), 77, 0.2, 3000, 170, k.kind, true),
          W1.t()));
      // A different seed is a different matrix.
      EXPECT_FALSE(torch::equal(
          W1, jitc_to_dense(scalar(k.w0, wt), scalar(k.w1, wt), 78, 0.2, 3000, 170, k.kind)));
    }
}

// One input vector: its rows are generated on all threads in blocks of 256 and added in row order by
// one thread (include/braintorch/kernels/jitc_rows.h), so the product must be bitwise the 1-thread
// product for any thread count. Sizes are large enough for the threads to be used (>= 4096 expected
// synapses, several blocks, a last partial block), float and event inputs, both dtypes.
TEST(JitcOps, OneVectorIsBitwiseTheSameForAnyThreadCount) {
  const int threads = at::get_num_threads();
  const int64_t n_pre = 1300, n_post = 400;
  const double prob = 0.1;
  for (const auto& k : kKinds)
    for (auto wt : {at::kFloat, at::kDouble}) {
      SCOPED_TRACE(k.kind);
      const auto x = torch::randn({n_pre}, torch::dtype(wt));
      const auto spikes = x > 0.0;
      const auto w0 = scalar(k.w0, wt), w1 = scalar(k.w1, wt);
      at::set_num_threads(1);
      const auto f1 = jitc_matvec(x, w0, w1, 5, prob, n_pre, n_post, k.kind, false);
      const auto e1 = event_jitc_matvec(spikes, w0, w1, 5, prob, n_pre, n_post, k.kind, false);
      for (int t : {2, 3}) {
        at::set_num_threads(t);
        EXPECT_TRUE(torch::equal(f1, jitc_matvec(x, w0, w1, 5, prob, n_pre, n_post, k.kind, false))) << t;
        EXPECT_TRUE(torch::equal(e1, event_jitc_matvec(spikes, w0, w1, 5, prob, n_pre, n_post, k.kind, false)))
            << t;
      }
      at::set_num_threads(threads);
      // and it is the product: float64 dense reference on the materialised matrix
      const auto W = jitc_to_dense(w0, w1, 5, prob, n_pre, n_post, k.kind).to(at::kDouble);
      const double tol = wt == at::kFloat ? 1e-4 : 1e-11;
      EXPECT_TRUE(torch::allclose(f1.to(at::kDouble), x.to(at::kDouble).matmul(W), tol, tol));
      EXPECT_TRUE(torch::allclose(e1.to(at::kDouble), spikes.to(at::kDouble).matmul(W), tol, tol));
    }
}

// ------------------------------------------------------------------ gradients

TEST(JitcOps, GradientsMatchDenseFormulaAndFiniteDifferences) {
  const int64_t n_pre = 23, n_post = 17;
  for (const auto& k : kKinds)
    for (bool ev : {false, true})
      for (bool transpose : {false, true})
        for (bool batch : {false, true}) {
          SCOPED_TRACE(k.kind + " events=" + std::to_string(ev) + " transpose=" + std::to_string(transpose) +
                       " batch=" + std::to_string(batch));
          const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
          auto x = (batch ? torch::rand({2, n_in}, torch::kDouble) : torch::rand({n_in}, torch::kDouble)) * 2 - 0.7;
          auto g = batch ? torch::randn({2, n_out}, torch::kDouble) : torch::randn({n_out}, torch::kDouble);
          auto loss = [&](double a, double c, const at::Tensor& xin) {
            const auto out = ev ? event_jitc_matvec(xin, scalar(a, at::kDouble), scalar(c, at::kDouble), 5, 0.4,
                                                    n_pre, n_post, k.kind, transpose)
                                : jitc_matvec(xin, scalar(a, at::kDouble), scalar(c, at::kDouble), 5, 0.4, n_pre,
                                              n_post, k.kind, transpose);
            return (out * g).sum();
          };
          auto xr = x.clone().requires_grad_(true);
          auto w0 = scalar(k.w0, at::kDouble, true), w1 = scalar(k.w1, at::kDouble, true);
          auto out = ev ? event_jitc_matvec(xr, w0, w1, 5, 0.4, n_pre, n_post, k.kind, transpose)
                        : jitc_matvec(xr, w0, w1, 5, 0.4, n_pre, n_post, k.kind, transpose);
          (out * g).sum().backward();
          // Input: the transposed product with the same W (straight-through for events).
          const auto W = jitc_to_dense(scalar(k.w0, at::kDouble), scalar(k.w1, at::kDouble), 5, 0.4, n_pre, n_post,
                                       k.kind);
          const auto gx_ref = transpose ? at::matmul(g, W) : at::matmul(g, W.t());
          EXPECT_TRUE(torch::allclose(xr.grad(), gx_ref, 1e-10, 1e-10));
          // Parameters: the loss is linear in w0 and w1, so central differences are exact up to round-off.
          const double h = 1e-3;
          const double fd0 = (loss(k.w0 + h, k.w1, x).item<double>() - loss(k.w0 - h, k.w1, x).item<double>()) / (2 * h);
          EXPECT_NEAR(w0.grad().item<double>(), fd0, 1e-7 * (1 + std::abs(fd0)));
          if (k.kind == "homo") {
            EXPECT_EQ(w1.grad().item<double>(), 0.0);
          } else {
            const double fd1 =
                (loss(k.w0, k.w1 + h, x).item<double>() - loss(k.w0, k.w1 - h, x).item<double>()) / (2 * h);
            EXPECT_NEAR(w1.grad().item<double>(), fd1, 1e-7 * (1 + std::abs(fd1)));
          }
        }
}

TEST(JitcOps, BoolSpikesGetNoGradientAndDoubleBackwardRaises) {
  auto w0 = scalar(0.5, at::kDouble, true), w1 = scalar(0.0, at::kDouble);
  auto s = torch::rand({10}) > 0.5;
  event_jitc_matvec(s, w0, w1, 1, 0.5, 10, 8, "homo", false).sum().backward();
  EXPECT_TRUE(w0.grad().defined());
  auto x = torch::rand({10}, torch::kDouble).requires_grad_(true);
  auto y = jitc_matvec(x, w0, w1, 1, 0.5, 10, 8, "homo", false);
  auto gx = torch::autograd::grad({(y * y).sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  const auto msg = message_of([&] { gx.sum().backward(); });
  EXPECT_NE(msg.find("not support double backward"), std::string::npos) << msg;
}

// ------------------------------------------------------------------ errors

TEST(JitcOps, InvalidArgumentsNameTheArgument) {
  const auto w0 = scalar(1.0, at::kFloat), w1 = scalar(0.5, at::kFloat);
  const auto x = torch::rand({6});
  auto expect = [](const std::function<void()>& f, const std::string& what) {
    const auto m = message_of(f);
    EXPECT_NE(m.find(what), std::string::npos) << "expected '" << what << "' in: " << m;
  };
  expect([&] { jitc_matvec(x, w0, w1, 1, 0.0, 6, 4); }, "prob must be in (0, 1]");
  expect([&] { jitc_matvec(x, w0, w1, 1, 1.5, 6, 4); }, "prob must be in (0, 1]");
  expect([&] { jitc_matvec(x, w0, w1, 1, std::nan(""), 6, 4); }, "prob must be in (0, 1]");
  expect([&] { jitc_matvec(x, w0, w1, 1, 0.5, -1, 4); }, "n_pre must be");
  expect([&] { jitc_to_dense(w0, w1, 1, 0.5, 6, -4); }, "n_post must be");
  expect([&] { jitc_matvec(x, w0, w1, 1, 0.5, 6, 4, "lognormal"); }, "kind must be");
  expect([&] { jitc_matvec(x, torch::ones({1}, torch::kInt), w1, 1, 0.5, 6, 4); }, "w0 must be float32 or float64");
  expect([&] { jitc_matvec(x, w0, scalar(0.5, at::kDouble), 1, 0.5, 6, 4); }, "w1 must have the dtype of w0");
  expect([&] { jitc_matvec(x, torch::ones({2}), w1, 1, 0.5, 6, 4); }, "w0 must have exactly 1 element");
  expect([&] { jitc_matvec(torch::rand({5}), w0, w1, 1, 0.5, 6, 4); }, "x has last dimension 5");
  expect([&] { jitc_matvec(torch::rand({6}), w0, w1, 1, 0.5, 6, 4, "homo", true); }, "transpose=True expects n_post");
  expect([&] { jitc_matvec(torch::rand({2, 2, 6}), w0, w1, 1, 0.5, 6, 4); }, "x must be 1-D");
  expect([&] { jitc_matvec(x > 0, w0, w1, 1, 0.5, 6, 4); }, "x must have the dtype of w0");
  expect([&] { jitc_matvec(x.to(at::kDouble), w0, w1, 1, 0.5, 6, 4); }, "x must have the dtype of w0");
  expect([&] { event_jitc_matvec(torch::ones({6}, torch::kInt), w0, w1, 1, 0.5, 6, 4); }, "spikes must be bool");
}

// As every backward op, the backward of the JIT products refuses a grad_out that is no gradient (an
// integer or bool tensor), naming it, for float and event inputs alike.
TEST(JitcOps, BackwardRefusesAnIntegerOrBoolGradOut) {
  const auto w0 = scalar(0.5, at::kDouble), w1 = scalar(1.5, at::kDouble);
  const auto x = torch::rand({2, 6}, torch::kDouble);
  for (bool events : {false, true})
    for (auto dtype : {at::kLong, at::kInt, at::kBool}) {
      SCOPED_TRACE(std::string(events ? "events " : "float ") + c10::toString(dtype));
      const auto grad_out = torch::ones({2, 4}, torch::dtype(dtype));
      const auto msg = message_of([&] {
        braintorch::ops::jitc_matvec_backward(grad_out, x, w0, w1, 1, 0.5, 6, 4, "uniform", false, events,
                                              {true, true, true});
      });
      EXPECT_NE(msg.find("braintorch::jitc_matvec_backward: grad_out must be floating point, got " +
                         std::string(c10::toString(dtype))),
                std::string::npos)
          << msg;
    }
  // A floating grad_out of any precision is accepted (the gradient is computed in the dtype of w0).
  const auto [gx, gw0, gw1] = braintorch::ops::jitc_matvec_backward(torch::ones({2, 4}, torch::kFloat), x, w0, w1, 1,
                                                                    0.5, 6, 4, "uniform", false, false,
                                                                    {true, true, true});
  EXPECT_EQ(gx.sizes(), x.sizes());
  EXPECT_EQ(gw0.scalar_type(), at::kDouble);
}

// ------------------------------------------------------------------ CUDA

TEST(JitcOpsCuda, MaterialisedMatrixBitwiseEqualToCpuAndProductsClose) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto cuda = torch::Device(torch::kCUDA);
  for (const auto& k : kKinds)
    for (auto wt : {at::kFloat, at::kDouble})
      for (double prob : {0.01, 0.25, 1.0}) {
        SCOPED_TRACE(k.kind + " prob=" + std::to_string(prob));
        const int64_t n_pre = 513, n_post = 301;
        const auto a = scalar(k.w0, wt), c = scalar(k.w1, wt);
        const auto W = jitc_to_dense(a, c, 99, prob, n_pre, n_post, k.kind);
        EXPECT_TRUE(torch::equal(W, jitc_to_dense(a.to(cuda), c.to(cuda), 99, prob, n_pre, n_post, k.kind).cpu()));
        // The transposed product with identity columns is W^T on the device too, bit for bit.
        EXPECT_TRUE(torch::equal(W.t(), jitc_matvec(torch::eye(n_post, torch::dtype(wt)).to(cuda), a.to(cuda),
                                                    c.to(cuda), 99, prob, n_pre, n_post, k.kind, true)
                                            .cpu()));
        const double tol = wt == at::kFloat ? 1e-4 : 1e-10;
        for (bool transpose : {false, true})
          for (bool ev : {false, true}) {
            const auto x = torch::rand({3, transpose ? n_post : n_pre}, torch::dtype(wt)) - 0.3;
            const auto xin = ev ? (x > 0) : x;
            const auto cpu = ev ? event_jitc_matvec(xin, a, c, 99, prob, n_pre, n_post, k.kind, transpose)
                                : jitc_matvec(xin, a, c, 99, prob, n_pre, n_post, k.kind, transpose);
            const auto gpu = ev ? event_jitc_matvec(xin.to(cuda), a.to(cuda), c.to(cuda), 99, prob, n_pre, n_post,
                                                    k.kind, transpose)
                                : jitc_matvec(xin.to(cuda), a.to(cuda), c.to(cuda), 99, prob, n_pre, n_post, k.kind,
                                              transpose);
            EXPECT_TRUE(torch::allclose(cpu.to(torch::kDouble), gpu.cpu().to(torch::kDouble), tol, tol));
            // Gradients on the device against the CPU ones.
            auto xg = x.clone().requires_grad_(true);
            auto w0c = a.clone().requires_grad_(true), w1c = c.clone().requires_grad_(true);
            jitc_matvec(xg, w0c, w1c, 99, prob, n_pre, n_post, k.kind, transpose).pow(2).sum().backward();
            auto xd = x.to(cuda).requires_grad_(true);
            auto w0d = a.to(cuda).requires_grad_(true), w1d = c.to(cuda).requires_grad_(true);
            jitc_matvec(xd, w0d, w1d, 99, prob, n_pre, n_post, k.kind, transpose).pow(2).sum().backward();
            const double gtol = wt == at::kFloat ? 1e-3 : 1e-9;
            EXPECT_TRUE(torch::allclose(xg.grad().to(torch::kDouble), xd.grad().cpu().to(torch::kDouble), gtol, gtol));
            EXPECT_TRUE(torch::allclose(w0c.grad().to(torch::kDouble), w0d.grad().cpu().to(torch::kDouble), gtol, gtol));
            EXPECT_TRUE(torch::allclose(w1c.grad().to(torch::kDouble), w1d.grad().cpu().to(torch::kDouble), gtol, gtol));
          }
      }
}

}  // namespace
