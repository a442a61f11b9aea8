// Connectivity builders (FixedPreNum, FixedPostNum, FixedTotalNum, GaussianProb, One2One, All2All, Grid) and
// the COO/CSR/CSC conversions: exact structure against dense references built by loops, statistics with
// stated tolerances, seed reproducibility, thread-count independence, and argument errors.
#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/eye.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "braintorch/connect/fixed_post_num.h"
#include "braintorch/connect/fixed_pre_num.h"
#include "braintorch/connect/fixed_total_num.h"
#include "braintorch/connect/gaussian_prob.h"
#include "braintorch/connect/regular_connectivity.h"
#include "braintorch/connect/sparse_conversions.h"

using namespace braintorch;

namespace {

// Rows strictly ascending (no multapses) or non-decreasing (multapses allowed).
void expect_sorted_rows(const CSRMatrix& c, bool strict) {
  c.validate("test");
  const int64_t* ip = c.indptr.data_ptr<int64_t>();
  const int32_t* jp = c.indices.data_ptr<int32_t>();
  for (int64_t i = 0; i < c.n_pre; ++i)
    for (int64_t k = ip[i] + 1; k < ip[i + 1]; ++k) {
      if (strict) ASSERT_LT(jp[k - 1], jp[k]) << "row " << i;
      else ASSERT_LE(jp[k - 1], jp[k]) << "row " << i;
    }
}

std::vector<int64_t> in_degrees(const CSRMatrix& c) {
  std::vector<int64_t> d(size_t(c.n_post), 0);
  const int32_t* jp = c.indices.data_ptr<int32_t>();
  for (int64_t k = 0; k < c.nnz(); ++k) ++d[size_t(jp[k])];
  return d;
}

std::vector<int64_t> out_degrees(const CSRMatrix& c) {
  const at::Tensor d = c.out_degrees();
  return std::vector<int64_t>(d.data_ptr<int64_t>(), d.data_ptr<int64_t>() + d.numel());
}

bool same_csr(const CSRMatrix& a, const CSRMatrix& b) {
  return at::equal(a.indptr, b.indptr) && at::equal(a.indices, b.indices);
}

// Builds with 1 and with 2 threads; the matrices must be bitwise equal.
void expect_thread_independent(const std::function<CSRMatrix()>& build) {
  const int saved = at::get_num_threads();
  at::set_num_threads(1);
  const CSRMatrix one = build();
  at::set_num_threads(2);
  const CSRMatrix two = build();
  at::set_num_threads(saved);
  EXPECT_TRUE(same_csr(one, two));
}

// The call must throw a c10::Error whose message (without the "Exception raised from <function> at
// <file>" context, which would match short needles by accident) contains `needle`.
void expect_error_naming(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error, expected one naming '" << needle << "'";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find(needle), std::string::npos) << e.what_without_backtrace();
  }
}

at::Tensor dense_of(const CSRMatrix& c) { return c.to_dense(at::ones({1}, at::kDouble)); }

// Sum over columns of (count - mean)^2 / variance, divided by the number of columns.
double dispersion_ratio(const std::vector<int64_t>& counts, double mean, double var) {
  double s = 0;
  for (int64_t c : counts) s += (double(c) - mean) * (double(c) - mean) / var;
  return s / double(counts.size());
}

}  // namespace

// ---------------------------------------------------------------- FixedPostNum

TEST(FixedPostNum, EveryPreHasExactlyKDistinctTargetsAndNoSelf) {
  const int64_t n = 700, k = 40;
  CSRMatrix c = fixed_post_num_csr({n, n, true, 0, 0}, {k, false, false}, 3);
  expect_sorted_rows(c, true);
  for (int64_t d : out_degrees(c)) ASSERT_EQ(d, k);
  const int64_t* ip = c.indptr.data_ptr<int64_t>();
  const int32_t* jp = c.indices.data_ptr<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = ip[i]; t < ip[i + 1]; ++t) ASSERT_NE(jp[t], i);
  // Offset populations of one group: pre [100, 400) -> post [0, 700); pre i is post i + 100.
  CSRMatrix d = fixed_post_num_csr({300, n, true, 100, 0}, {k, false, false}, 3);
  const int64_t* dp = d.indptr.data_ptr<int64_t>();
  const int32_t* dj = d.indices.data_ptr<int32_t>();
  for (int64_t i = 0; i < 300; ++i) {
    ASSERT_EQ(dp[i + 1] - dp[i], k);
    for (int64_t t = dp[i]; t < dp[i + 1]; ++t) ASSERT_NE(dj[t], i + 100);
  }
}

TEST(FixedPostNum, TargetsAreUniform) {
  // In-degree of a post: sum over 3000 independent rows of Bernoulli(k / n_post): mean 300, var 270
  // (the negative correlation of two columns within a row does not change a column's own variance).
  const int64_t n_pre = 3000, n_post = 1000, k = 100;
  CSRMatrix c = fixed_post_num_csr({n_pre, n_post}, {k, true, false}, 5);
  const double q = double(k) / n_post;
  const auto in = in_degrees(c);
  for (int64_t d : in) EXPECT_NEAR(double(d), n_pre * q, 6 * std::sqrt(n_pre * q * (1 - q)));
  // Chi-square / df over 1000 columns: mean 1, sd sqrt(2/1000) = 0.045; allowed: 5 sd either way.
  const double r = dispersion_ratio(in, n_pre * q, n_pre * q * (1 - q));
  EXPECT_NEAR(r, 1.0, 5 * std::sqrt(2.0 / n_post)) << r;
}

TEST(FixedPostNum, MultapsesAllowKAboveNPost) {
  CSRMatrix c = fixed_post_num_csr({50, 8}, {20, true, true}, 9);
  expect_sorted_rows(c, false);
  for (int64_t d : out_degrees(c)) ASSERT_EQ(d, 20);
}

TEST(FixedPostNum, KEqualToAllowedGivesAllToAllMinusSelf) {
  CSRMatrix c = fixed_post_num_csr({30, 30, true, 0, 0}, {29, false, false}, 1);
  EXPECT_TRUE(at::equal(dense_of(c), dense_of(all_to_all_csr({30, 30, true, 0, 0}, false))));
}

// ---------------------------------------------------------------- FixedPreNum

TEST(FixedPreNum, EveryPostHasExactlyKDistinctSourcesAndNoSelf) {
  const int64_t n = 600, k = 25;
  CSRMatrix c = fixed_pre_num_csr({n, n, true, 0, 0}, {k, false, false}, 4);
  expect_sorted_rows(c, true);
  for (int64_t d : in_degrees(c)) ASSERT_EQ(d, k);
  const at::Tensor dense = dense_of(c);
  EXPECT_EQ(dense.diagonal().sum().item<double>(), 0.0);
  EXPECT_EQ(dense.max().item<double>(), 1.0);  // no multapses
}

TEST(FixedPreNum, SourcesAreUniform) {
  // Out-degree of a pre: Binomial-like over 3000 columns with q = k / n_pre; chi-square / df over 1000
  // pres: mean 1, sd sqrt(2/1000); allowed: 5 sd either way.
  const int64_t n_pre = 1000, n_post = 3000, k = 100;
  CSRMatrix c = fixed_pre_num_csr({n_pre, n_post}, {k, true, false}, 6);
  const double q = double(k) / n_pre;
  const double r = dispersion_ratio(out_degrees(c), n_post * q, n_post * q * (1 - q));
  EXPECT_NEAR(r, 1.0, 5 * std::sqrt(2.0 / n_pre)) << r;
}

TEST(FixedPreNum, Multapses) {
  CSRMatrix c = fixed_pre_num_csr({5, 40}, {12, true, true}, 2);
  expect_sorted_rows(c, false);
  for (int64_t d : in_degrees(c)) ASSERT_EQ(d, 12);
}

// ---------------------------------------------------------------- FixedTotalNum

TEST(FixedTotalNum, ExactCountNoDuplicatesNoSelf) {
  const int64_t n = 400;
  CSRMatrix c = fixed_total_num_csr({n, n, true, 0, 0}, {12345, false, false}, 8);
  expect_sorted_rows(c, true);
  EXPECT_EQ(c.nnz(), 12345);
  EXPECT_EQ(dense_of(c).diagonal().sum().item<double>(), 0.0);
  // All allowed pairs: exactly All2All minus self.
  CSRMatrix full = fixed_total_num_csr({20, 20, true, 0, 0}, {380, false, false}, 8);
  EXPECT_TRUE(at::equal(dense_of(full), dense_of(all_to_all_csr({20, 20, true, 0, 0}, false))));
}

class FixedTotalNumUniform : public ::testing::TestWithParam<int64_t> {};

TEST_P(FixedTotalNumUniform, PairsAreUniformAcrossSeeds) {
  // 30 x 30 minus the diagonal = 870 allowed pairs, num drawn per seed, 400 seeds: each pair's count is
  // Binomial(400, num/870). The chi-square / df has sd ~ sqrt(2/870) = 0.05; accept 0.8 .. 1.2.
  // num = 200 draws the pairs; num = 600 (> half) draws the complement.
  const int64_t n = 30, num = GetParam(), seeds = 400;
  at::Tensor counts = at::zeros({n, n}, at::kDouble);
  for (int64_t s = 0; s < seeds; ++s) counts += dense_of(fixed_total_num_csr({n, n, true, 0, 0}, {num, false, false}, uint64_t(s)));
  EXPECT_EQ(counts.diagonal().sum().item<double>(), 0.0);
  const double q = double(num) / double(n * n - n);
  const double mean = seeds * q, var = seeds * q * (1 - q);
  double chi = 0;
  auto a = counts.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j) chi += (a[i][j] - mean) * (a[i][j] - mean) / var;
  chi /= double(n * n - n);
  EXPECT_GT(chi, 0.8);
  EXPECT_LT(chi, 1.2);
}
INSTANTIATE_TEST_SUITE_P(DirectAndComplement, FixedTotalNumUniform, ::testing::Values(200, 600));

TEST(FixedTotalNum, MultapsesAllowMoreThanAllPairs) {
  CSRMatrix c = fixed_total_num_csr({3, 4}, {50, true, true}, 1);
  expect_sorted_rows(c, false);
  EXPECT_EQ(c.nnz(), 50);
}

// ---------------------------------------------------------------- GaussianProb

TEST(GaussianProb, EmpiricalProbabilityMatchesFormulaPerDistance) {
  // 24 x 24 torus, sigma 2.5; pairs grouped by squared distance, counts pooled over 6 seeds. Each bin's
  // frequency must be within 5 binomial standard deviations (+ 1e-3) of exp(-d^2 / (2 sigma^2)).
  GaussianProbOptions o;
  o.pre_height = o.post_height = 24;
  o.pre_width = o.post_width = 24;
  o.sigma = 2.5;
  o.periodic_boundary = true;
  const int64_t n = 24 * 24;
  std::map<int64_t, std::pair<double, double>> bins;  // d^2 -> (connected, pairs)
  for (uint64_t seed = 0; seed < 6; ++seed) {
    CSRMatrix c = gaussian_prob_csr(o, seed);
    expect_sorted_rows(c, true);
    auto d = dense_of(c);
    auto a = d.accessor<double, 2>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t dr = std::abs(i / 24 - j / 24), dc = std::abs(i % 24 - j % 24);
        dr = std::min(dr, 24 - dr);
        dc = std::min(dc, 24 - dc);
        auto& b = bins[dr * dr + dc * dc];
        b.first += a[i][j];
        b.second += 1;
      }
  }
  int tested = 0;
  for (const auto& [d2, b] : bins) {
    const double p = std::exp(-double(d2) / (2 * 2.5 * 2.5));
    const double freq = b.first / b.second;
    EXPECT_NEAR(freq, p, 5 * std::sqrt(p * (1 - p) / b.second) + 1e-3) << "d^2 = " << d2;
    ++tested;
  }
  EXPECT_GT(tested, 50);
}

TEST(GaussianProb, DifferentGridsUseRawCoordinatesAndFormulaHelper) {
  GaussianProbOptions o;
  o.pre_height = 3;
  o.pre_width = 4;
  o.post_height = 5;
  o.post_width = 2;
  o.sigma = 1.3;
  // pre 7 = (1, 3), post 9 = (4, 1): d^2 = 9 + 4.
  EXPECT_DOUBLE_EQ(gaussian_prob_value(o, 7, 9), std::exp(-13.0 / (2 * 1.3 * 1.3)));
  CSRMatrix c = gaussian_prob_csr(o, 1);
  EXPECT_EQ(c.n_pre, 12);
  EXPECT_EQ(c.n_post, 10);
  expect_sorted_rows(c, true);
}

TEST(GaussianProb, NormalizeAndSelfExclusion) {
  // sigma 0.5 on a 30 x 30 torus without self-connections. normalize is BrainPy's division by the
  // matrix maximum (self-pairs included), which is 1: the same matrix with and without it. The nearest
  // neighbours (d = 1) keep p = exp(-2): their connected fraction over 3,600 pairs is within 5 standard
  // errors of it (BrainPy's row-maximum-free definition; a per-row normalisation would make it 1).
  GaussianProbOptions o;
  o.pre_height = o.post_height = 30;
  o.pre_width = o.post_width = 30;
  o.sigma = 0.5;
  o.periodic_boundary = true;
  o.same_group = true;
  o.include_self = false;
  const at::Tensor plain = dense_of(gaussian_prob_csr(o, 11));
  o.normalize = true;
  const at::Tensor d = dense_of(gaussian_prob_csr(o, 11));
  EXPECT_TRUE(at::equal(d, plain));
  EXPECT_EQ(d.diagonal().sum().item<double>(), 0.0);
  const at::Tensor grid4 = dense_of(grid_csr(30, 30, 4, true, false));
  const double pairs = grid4.sum().item<double>(), p = std::exp(-2.0);
  EXPECT_EQ(pairs, 3600.0);
  const double fraction = (d * grid4).sum().item<double>() / pairs;
  EXPECT_NEAR(fraction, p, 5 * std::sqrt(p * (1 - p) / pairs));
}

// ---------------------------------------------------------------- regular patterns

TEST(RegularConnectivity, One2OneAll2AllMatchDense) {
  EXPECT_TRUE(at::equal(dense_of(one_to_one_csr({7, 7})), at::eye(7, at::kDouble)));
  EXPECT_EQ(one_to_one_csr({7, 7, true, 0, 0}, false).nnz(), 0);
  EXPECT_EQ(one_to_one_csr({7, 7, true, 3, 0}, false).nnz(), 7);  // different neurons of one group
  EXPECT_TRUE(at::equal(dense_of(all_to_all_csr({4, 6})), at::ones({4, 6}, at::kDouble)));
  at::Tensor ref = at::ones({5, 5}, at::kDouble) - at::eye(5, at::kDouble);
  EXPECT_TRUE(at::equal(dense_of(all_to_all_csr({5, 5, true, 0, 0}, false)), ref));
  // pre [2, 5) -> post [0, 5) of one group: pre i is post i + 2.
  at::Tensor sub = at::ones({3, 5}, at::kDouble);
  for (int i = 0; i < 3; ++i) sub[i][i + 2] = 0;
  EXPECT_TRUE(at::equal(dense_of(all_to_all_csr({3, 5, true, 2, 0}, false)), sub));
}

namespace {
at::Tensor dense_grid(int64_t h, int64_t w, int nb, bool periodic, bool self) {
  at::Tensor d = at::zeros({h * w, h * w}, at::kDouble);
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c)
      for (int64_t r2 = 0; r2 < h; ++r2)
        for (int64_t c2 = 0; c2 < w; ++c2) {
          int64_t dr = std::abs(r - r2), dc = std::abs(c - c2);
          if (periodic) {
            dr = std::min(dr, h - dr);
            dc = std::min(dc, w - dc);
          }
          const bool same = r == r2 && c == c2;
          const bool nbr = nb == 4 ? dr + dc == 1 : (std::max(dr, dc) == 1);
          if ((same && self) || (!same && nbr)) d[r * w + c][r2 * w + c2] = 1;
        }
  return d;
}
}  // namespace

TEST(RegularConnectivity, GridMatchesDenseReference) {
  for (int nb : {4, 8})
    for (bool periodic : {false, true})
      for (bool self : {false, true})
        for (auto hw : std::vector<std::pair<int64_t, int64_t>>{{5, 7}, {2, 3}, {1, 4}, {3, 3}}) {
          CSRMatrix c = grid_csr(hw.first, hw.second, nb, periodic, self);
          expect_sorted_rows(c, true);
          EXPECT_TRUE(at::equal(dense_of(c), dense_grid(hw.first, hw.second, nb, periodic, self)))
              << "nb=" << nb << " periodic=" << periodic << " self=" << self << " " << hw.first << "x" << hw.second;
        }
}

// ---------------------------------------------------------------- reproducibility

TEST(ConnectivityReproducibility, SeedsAndThreadCounts) {
  ConnectionSite site{1500, 900, true, 0, 0};
  auto pre = [&] { return fixed_pre_num_csr(site, {30, false, false}, 21); };
  auto post = [&] { return fixed_post_num_csr(site, {30, false, false}, 21); };
  auto total = [&] { return fixed_total_num_csr(site, {40000, false, false}, 21); };
  GaussianProbOptions o;
  o.pre_height = o.post_height = 30;
  o.pre_width = o.post_width = 30;
  o.sigma = 2;
  auto gauss = [&] { return gaussian_prob_csr(o, 21); };
  for (const auto& build : std::vector<std::function<CSRMatrix()>>{pre, post, total, gauss}) {
    EXPECT_TRUE(same_csr(build(), build()));
    expect_thread_independent(build);
  }
  EXPECT_FALSE(same_csr(fixed_post_num_csr(site, {30, false, false}, 21), fixed_post_num_csr(site, {30, false, false}, 22)));
  EXPECT_FALSE(same_csr(fixed_pre_num_csr(site, {30, false, false}, 21), fixed_pre_num_csr(site, {30, false, false}, 22)));
  EXPECT_FALSE(same_csr(gaussian_prob_csr(o, 1), gaussian_prob_csr(o, 2)));
}

// ---------------------------------------------------------------- conversions

TEST(SparseConversions, CooToCsrToCscRoundTripWithWeights) {
  const int64_t n_pre = 37, n_post = 23, nnz = 300;
  at::manual_seed(0);
  const at::Tensor rows = at::randint(0, n_pre, {nnz}, at::kLong);
  const at::Tensor cols = at::randint(0, n_post, {nnz}, at::kInt);  // duplicates likely: kept
  const at::Tensor w = at::randn({nnz}, at::kDouble);
  at::Tensor ref = at::zeros({n_pre, n_post}, at::kDouble);
  for (int64_t k = 0; k < nnz; ++k) ref[rows[k].item<int64_t>()][cols[k].item<int64_t>()] += w[k];

  CSRWithPermutation csr = coo_to_csr(rows, cols, n_pre, n_post);
  expect_sorted_rows(csr.csr, false);
  const at::Tensor w_csr = w.index_select(0, csr.perm);
  EXPECT_TRUE(at::allclose(csr.csr.to_dense(w_csr), ref, 0, 1e-12));

  CSRWithPermutation csc = csr_transpose(csr.csr);
  expect_sorted_rows(csc.csr, false);
  const at::Tensor w_csc = w_csr.index_select(0, csc.perm);
  EXPECT_TRUE(at::allclose(csc.csr.to_dense(w_csc), ref.t(), 0, 1e-12));

  // Back: the transpose of the CSC is the CSR again, and the composed permutation the identity.
  CSRWithPermutation back = csr_transpose(csc.csr);
  EXPECT_TRUE(at::equal(back.csr.indptr, csr.csr.indptr));
  EXPECT_TRUE(at::equal(back.csr.indices, csr.csr.indices));
  EXPECT_TRUE(at::equal(csc.perm.index_select(0, back.perm), at::arange(nnz, at::kLong)));

  // CSR -> COO (CSR order) -> CSR is the identity with perm = arange.
  const at::Tensor r2 = csr_rows(csr.csr);
  CSRWithPermutation again = coo_to_csr(r2, csr.csr.indices, n_pre, n_post);
  EXPECT_TRUE(at::equal(again.perm, at::arange(nnz, at::kLong)));
  EXPECT_TRUE(at::equal(again.csr.indices, csr.csr.indices));
}

// ---------------------------------------------------------------- errors

TEST(ConnectivityErrors, MessagesNameTheArgument) {
  expect_error_naming([] { fixed_post_num_csr({10, 5}, {6, true, false}, 0); }, "FixedPostNum: k = 6 exceeds");
  expect_error_naming([] { fixed_post_num_csr({10, 10, true, 0, 0}, {10, false, false}, 0); }, "k = 10");
  expect_error_naming([] { fixed_pre_num_csr({5, 10}, {6, true, false}, 0); }, "FixedPreNum: k = 6 exceeds");
  expect_error_naming([] { fixed_pre_num_csr({5, 10}, {-1, true, false}, 0); }, "k must be >= 0");
  expect_error_naming([] { fixed_total_num_csr({3, 3, true, 0, 0}, {7, false, false}, 0); }, "num = 7 exceeds");
  expect_error_naming([] { fixed_post_num_csr({-1, 5}, {1, true, false}, 0); }, "n_pre");
  expect_error_naming([] { fixed_pre_num_csr({4, -5}, {1, true, false}, 0); }, "n_post");
  expect_error_naming([] { fixed_prob_csr({4, 5}, {1.5, true}, 0); }, "prob must be in (0, 1], got 1.5");
  GaussianProbOptions o;
  o.pre_height = o.post_height = o.pre_width = o.post_width = 3;
  o.sigma = 0;
  expect_error_naming([&] { gaussian_prob_csr(o, 0); }, "sigma");
  o.sigma = 1;
  o.pre_height = -1;
  expect_error_naming([&] { gaussian_prob_csr(o, 0); }, "pre_height");
  o.pre_height = 4;
  o.periodic_boundary = true;
  expect_error_naming([&] { gaussian_prob_csr(o, 0); }, "periodic_boundary");
  expect_error_naming([] { grid_csr(3, 3, 6, false, false); }, "neighbours");
  expect_error_naming([] { one_to_one_csr({3, 4}); }, "n_pre and n_post");
  expect_error_naming([] { coo_to_csr(at::tensor({0, 5}), at::tensor({0, 1}), 3, 3); }, "rows[1]");
  expect_error_naming([] { coo_to_csr(at::tensor({0, 1}), at::tensor({0}), 3, 3); }, "same length");
}
