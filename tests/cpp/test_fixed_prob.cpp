// FixedProb connectivity: degree statistics, structure, and reproducibility.
#include <ATen/Parallel.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "braintorch/connect/fixed_prob.h"

using namespace braintorch;

TEST(FixedProb, DegreeStatisticsMatchBinomial) {
  const int64_t n_pre = 2000, n_post = 1000;
  const double p = 0.05;
  CSRMatrix c = fixed_prob_csr({n_pre, n_post}, {p, true}, 7);
  c.validate("test");
  // Out-degrees ~ Binomial(n_post, p): mean n p, variance n p (1 - p).
  const at::Tensor out = c.out_degrees().to(at::kDouble);
  const double mean = out.mean().item<double>(), var = out.var(/*unbiased=*/true).item<double>();
  const double mu = n_post * p, sigma2 = n_post * p * (1 - p);
  EXPECT_NEAR(mean, mu, 5 * std::sqrt(sigma2 / n_pre));
  EXPECT_NEAR(var / sigma2, 1.0, 0.15);
  // In-degrees ~ Binomial(n_pre, p).
  at::Tensor in = at::zeros({n_post}, at::TensorOptions().dtype(at::kDouble));
  const int32_t* j = c.indices.data_ptr<int32_t>();
  for (int64_t k = 0; k < c.nnz(); ++k) in[j[k]] += 1;
  const double in_mu = n_pre * p, in_s2 = n_pre * p * (1 - p);
  EXPECT_NEAR(in.mean().item<double>(), in_mu, 5 * std::sqrt(in_s2 / n_post));
  EXPECT_NEAR(in.var(true).item<double>() / in_s2, 1.0, 0.2);
}

TEST(FixedProb, RowsAreSortedWithoutDuplicatesAndSelfExclusionWorks) {
  const int64_t n = 500;
  ConnectionSite site{n, n, true, 0, 0};
  CSRMatrix c = fixed_prob_csr(site, {0.2, false}, 11);
  const int64_t* ip = c.indptr.data_ptr<int64_t>();
  const int32_t* j = c.indices.data_ptr<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = ip[i]; k < ip[i + 1]; ++k) {
      ASSERT_NE(j[k], i) << "self-connection in row " << i;
      if (k > ip[i]) ASSERT_LT(j[k - 1], j[k]) << "row " << i << " not strictly ascending";
    }
  // Populations of one group: pre [100, 300) -> post [0, 500); self is pre i -> post i + 100.
  ConnectionSite sub{200, n, true, 100, 0};
  CSRMatrix d = fixed_prob_csr(sub, {0.5, false}, 11);
  const int64_t* dp = d.indptr.data_ptr<int64_t>();
  const int32_t* dj = d.indices.data_ptr<int32_t>();
  for (int64_t i = 0; i < 200; ++i)
    for (int64_t k = dp[i]; k < dp[i + 1]; ++k) ASSERT_NE(dj[k], i + 100);
  // prob 1 without self: every other neuron.
  CSRMatrix full = fixed_prob_csr(site, {1.0, false}, 1);
  EXPECT_EQ(full.nnz(), n * (n - 1));
}

TEST(FixedProb, SameSeedSameMatrixAcrossThreadCounts) {
  ConnectionSite site{3000, 4000};
  const int threads_before = at::get_num_threads();
  at::set_num_threads(1);
  CSRMatrix a = fixed_prob_csr(site, {0.02, true}, 42);
  at::set_num_threads(2);
  CSRMatrix b = fixed_prob_csr(site, {0.02, true}, 42);
  at::set_num_threads(threads_before);
  EXPECT_TRUE(at::equal(a.indptr, b.indptr));
  EXPECT_TRUE(at::equal(a.indices, b.indices));
  CSRMatrix c = fixed_prob_csr(site, {0.02, true}, 43);
  EXPECT_FALSE(c.nnz() == a.nnz() && at::equal(a.indices, c.indices));
}

TEST(FixedProb, RejectsBadArguments) {
  EXPECT_THROW(fixed_prob_csr({10, 10}, {0.0, true}, 1), c10::Error);
  EXPECT_THROW(fixed_prob_csr({10, 10}, {1.5, true}, 1), c10::Error);
  EXPECT_THROW(fixed_prob_csr({-1, 10}, {0.5, true}, 1), c10::Error);
  try {
    fixed_prob_csr({10, 10}, {-0.1, true}, 1);
    ADD_FAILURE() << "no error for prob = -0.1";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("prob must be in (0, 1], got -0.1"), std::string::npos)
        << e.what_without_backtrace();
  }
}
