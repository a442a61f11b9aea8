// braintorch::stdp_csr_update_ (pair-based additive STDP on CSR weights) against a float64 dense
// reference of the same rule, the analytic pair case, bounds, the CSC vs scan paths, threads and CUDA.
#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/flip.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cmath>
#include <functional>
#include <string>

#include "braintorch/connect/fixed_prob.h"
#include "braintorch/connect/sparse_conversions.h"
#include "braintorch/ops/stdp_csr_update.h"

using namespace braintorch;

namespace {

struct StdpParams {
  double A_plus = 0.01, A_minus = 0.0105, w_min = 0.0, w_max = 1.0;
  double dt = 0.1, tau_plus = 2.0, tau_minus = 2.5;
};

struct Synapses {
  CSRMatrix csr;
  CSRWithPermutation csc;
};

Synapses make_synapses(int64_t n_pre, int64_t n_post, double p, uint64_t seed) {
  Synapses s;
  s.csr = fixed_prob_csr({n_pre, n_post}, {p, true}, seed);
  s.csc = csr_transpose(s.csr);
  return s;
}

// The rule on a dense float64 matrix, written from the definition (not from the kernel code): for every
// connected (i, j): on a pre spike of i, w -= A_minus * y[j], clip; then on a post spike of j,
// w += A_plus * x[i], clip.
void dense_reference_step(at::Tensor& W, const at::Tensor& mask, const at::Tensor& pre, const at::Tensor& post,
                          const at::Tensor& x, const at::Tensor& y, const StdpParams& p) {
  auto w = W.accessor<double, 2>();
  auto m = mask.accessor<double, 2>();
  const at::Tensor pre_b = pre.to(at::kBool), post_b = post.to(at::kBool);
  auto e_pre = pre_b.accessor<bool, 1>();
  auto e_post = post_b.accessor<bool, 1>();
  auto xa = x.accessor<double, 1>();
  auto ya = y.accessor<double, 1>();
  for (int64_t i = 0; i < W.size(0); ++i)
    for (int64_t j = 0; j < W.size(1); ++j) {
      if (m[i][j] == 0) continue;
      if (e_pre[i]) w[i][j] = std::min(p.w_max, std::max(p.w_min, w[i][j] - p.A_minus * ya[j]));
      if (e_post[j]) w[i][j] = std::min(p.w_max, std::max(p.w_min, w[i][j] + p.A_plus * xa[i]));
    }
}

// Runs `steps` steps of random spikes through the op (and the reference) and returns (op weights, ref W).
std::pair<at::Tensor, at::Tensor> run_random(const Synapses& s, at::ScalarType dtype, bool use_csc, int steps,
                                             const StdpParams& p, uint64_t seed) {
  at::manual_seed(seed);
  const int64_t n_pre = s.csr.n_pre, n_post = s.csr.n_post;
  const at::Tensor w0 = at::rand({s.csr.nnz()}, at::kDouble) * 0.6 + 0.2;
  at::Tensor w = w0.to(dtype);
  at::Tensor W = s.csr.to_dense(w0);
  const at::Tensor mask = s.csr.to_dense(at::ones({1}, at::kDouble));
  at::Tensor x = at::zeros({n_pre}, dtype), y = at::zeros({n_post}, dtype);
  at::Tensor xr = at::zeros({n_pre}, at::kDouble), yr = at::zeros({n_post}, at::kDouble);
  for (int t = 0; t < steps; ++t) {
    const at::Tensor pre = at::rand({n_pre}) < 0.15, post = at::rand({n_post}) < 0.15;
    // Brian2's order (stdp_csr_update.h): the post trace gets this step's spikes after the update.
    ops::stdp_trace_update_(x, pre, p.dt, p.tau_plus);
    ops::stdp_trace_decay_(y, p.dt, p.tau_minus);
    xr = xr * std::exp(-p.dt / p.tau_plus) + pre.to(at::kDouble);
    yr = yr * std::exp(-p.dt / p.tau_minus);
    if (use_csc)
      ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w, pre, post, x, y, p.A_plus, p.A_minus, p.w_min, p.w_max,
                            s.csc.csr.indptr, s.csc.csr.indices, s.csc.perm);
    else
      ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w, pre, post, x, y, p.A_plus, p.A_minus, p.w_min, p.w_max);
    dense_reference_step(W, mask, pre, post, xr, yr, p);
    ops::stdp_trace_add_(y, post);
    yr = yr + post.to(at::kDouble);
  }
  return {w, W};
}

void expect_error_naming(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error, expected one naming '" << needle << "'";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find(needle), std::string::npos) << e.what_without_backtrace();
  }
}

}  // namespace

TEST(StdpCsrUpdate, MatchesDenseFloat64ReferenceOverManySteps) {
  const Synapses s = make_synapses(30, 25, 0.3, 1);
  StdpParams gentle;  // bounds rarely reached
  gentle.A_plus = 0.05;
  gentle.A_minus = 0.06;
  StdpParams strong = gentle;  // bounds reached often: the order depression -> clip -> potentiation matters
  strong.A_plus = 0.3;
  strong.A_minus = 0.35;
  strong.w_min = 0.1;
  strong.w_max = 0.9;
  for (const StdpParams& p : {gentle, strong})
  for (bool csc : {false, true}) {
    auto [w64, W] = run_random(s, at::kDouble, csc, 150, p, 7);
    EXPECT_TRUE(at::allclose(s.csr.to_dense(w64), W, 0, 1e-12)) << "csc=" << csc;
    auto [w32, W2] = run_random(s, at::kFloat, csc, 150, p, 7);
    EXPECT_TRUE(at::allclose(s.csr.to_dense(w32), W2, 0, 2e-5)) << "csc=" << csc;
    // The weights moved (by far more than the tolerance), so the comparison is not vacuous.
    at::manual_seed(7);
    const at::Tensor w_initial = at::rand({s.csr.nnz()}, at::kDouble) * 0.6 + 0.2;
    EXPECT_GT((w64 - w_initial).abs().max().item<double>(), 0.05);
    // The weights moved, so the comparison is not vacuous.
  }
}

TEST(StdpCsrUpdate, AnalyticPairCase) {
  // One synapse 0 -> 0. A single pre spike at step a and a single post spike at step b.
  StdpParams p;
  p.w_min = -10;
  p.w_max = 10;
  const at::Tensor indptr = at::tensor({int64_t(0), int64_t(1)}), indices = at::tensor({int32_t(0)});
  auto total_dw = [&](int a, int b) {
    at::Tensor w = at::full({1}, 0.5, at::kDouble);
    at::Tensor x = at::zeros({1}, at::kDouble), y = at::zeros({1}, at::kDouble);
    for (int t = 0; t <= std::max(a, b) + 3; ++t) {
      const at::Tensor pre = at::full({1}, t == a, at::kBool), post = at::full({1}, t == b, at::kBool);
      ops::stdp_trace_update_(x, pre, p.dt, p.tau_plus);
      ops::stdp_trace_decay_(y, p.dt, p.tau_minus);
      ops::stdp_csr_update_(indptr, indices, w, pre, post, x, y, p.A_plus, p.A_minus, p.w_min, p.w_max);
      ops::stdp_trace_add_(y, post);
    }
    return w.item<double>() - 0.5;
  };
  for (int lag : {1, 5, 20}) {
    const double delta = lag * p.dt;
    EXPECT_NEAR(total_dw(10, 10 + lag), p.A_plus * std::exp(-delta / p.tau_plus), 1e-12) << "pre before post";
    EXPECT_NEAR(total_dw(10 + lag, 10), -p.A_minus * std::exp(-delta / p.tau_minus), 1e-12) << "post before pre";
  }
  // Simultaneous: as in Brian2, the pre pathway sees no post trace yet (no depression) and the post
  // pathway the fresh pre trace (1): potentiation only.
  EXPECT_NEAR(total_dw(10, 10), p.A_plus, 1e-12);
}

TEST(StdpCsrUpdate, NoSpikesLeaveWeightsAndAllSpikesMatchTheReference) {
  const Synapses s = make_synapses(30, 25, 0.3, 8);
  StdpParams p;
  p.A_plus = 0.05;
  p.A_minus = 0.06;
  at::manual_seed(3);
  const at::Tensor w0 = at::rand({s.csr.nnz()}, at::kDouble) * 0.6 + 0.2;
  const at::Tensor x = at::rand({30}, at::kDouble), y = at::rand({25}, at::kDouble);  // nonzero traces
  const at::Tensor mask = s.csr.to_dense(at::ones({1}, at::kDouble));
  for (bool csc : {false, true}) {
    for (bool all : {false, true}) {
      const at::Tensor pre = at::full({30}, all, at::kBool), post = at::full({25}, all, at::kBool);
      at::Tensor w = w0.clone(), W = s.csr.to_dense(w0);
      if (csc)
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w, pre, post, x, y, p.A_plus, p.A_minus, p.w_min, p.w_max,
                              s.csc.csr.indptr, s.csc.csr.indices, s.csc.perm);
      else
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w, pre, post, x, y, p.A_plus, p.A_minus, p.w_min, p.w_max);
      if (!all) {
        EXPECT_TRUE(at::equal(w, w0)) << "csc=" << csc;
        continue;
      }
      dense_reference_step(W, mask, pre, post, x, y, p);
      EXPECT_TRUE(at::allclose(s.csr.to_dense(w), W, 0, 1e-12)) << "csc=" << csc;
      EXPECT_GT((w - w0).abs().min().item<double>(), 0.0);  // every synapse moved
    }
  }
}

TEST(StdpCsrUpdate, BoundsAreRespected) {
  const Synapses s = make_synapses(40, 40, 0.4, 2);
  StdpParams p;
  p.A_plus = 0.4;
  p.A_minus = 0.45;
  p.w_min = 0.1;
  p.w_max = 0.9;
  auto [w, W] = run_random(s, at::kFloat, true, 60, p, 3);
  EXPECT_GE(w.min().item<float>(), 0.1f);
  EXPECT_LE(w.max().item<float>(), 0.9f);
  EXPECT_GT((w == 0.9f).sum().item<int64_t>(), 0);  // the bounds are reached, so clipping was exercised
  EXPECT_GT((w == 0.1f).sum().item<int64_t>(), 0);
}

TEST(StdpCsrUpdate, CscAndScanPathsAndThreadCountsAreBitwiseEqual) {
  // Rows of ~30 synapses: the parallel_for grain is ~1000 rows (or columns), so 4000 x 3000 is split
  // over the threads in both passes (600 x 500 was not).
  const Synapses s = make_synapses(4000, 3000, 0.01, 4);
  StdpParams p;
  const int saved = at::get_num_threads();
  at::set_num_threads(1);
  auto scan1 = run_random(s, at::kFloat, false, 20, p, 9).first;
  auto csc1 = run_random(s, at::kFloat, true, 20, p, 9).first;
  at::set_num_threads(2);
  auto csc2 = run_random(s, at::kFloat, true, 20, p, 9).first;
  at::set_num_threads(saved);
  EXPECT_TRUE(at::equal(scan1, csc1));
  EXPECT_TRUE(at::equal(csc1, csc2));
}

TEST(StdpCsrUpdate, ErrorsNameTheArgument) {
  const Synapses s = make_synapses(5, 4, 0.5, 5);
  at::Tensor w = at::zeros({s.csr.nnz()});
  const at::Tensor pre = at::zeros({5}, at::kBool), post = at::zeros({4}, at::kBool);
  const at::Tensor x = at::zeros({5}), y = at::zeros({4});
  auto call = [&](at::Tensor ww, at::Tensor a, at::Tensor b, at::Tensor xx, at::Tensor yy, double lo, double hi) {
    ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, ww, a, b, xx, yy, 0.1, 0.1, lo, hi);
  };
  expect_error_naming([&] { call(at::zeros({s.csr.nnz() + 1}), pre, post, x, y, 0, 1); }, "weights");
  expect_error_naming([&] { call(w, at::zeros({6}, at::kBool), post, x, y, 0, 1); }, "pre_spikes");
  expect_error_naming([&] { call(w, pre, post, at::zeros({5}, at::kDouble), y, 0, 1); }, "pre_trace");
  expect_error_naming([&] { call(w, pre, post, x, at::zeros({3}), 0, 1); }, "post_trace");
  expect_error_naming([&] { call(w, pre, post, x, y, 1, 0); }, "w_min");
  expect_error_naming(
      [&] {
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w, pre, post, x, y, 0.1, 0.1, 0, 1, s.csc.csr.indptr,
                              std::nullopt, s.csc.perm);
      },
      "col_rows");
  // A wrong CSC (the identity permutation) is rejected, not raced on.
  expect_error_naming(
      [&] {
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w, pre, post, x, y, 0.1, 0.1, 0, 1, s.csc.csr.indptr,
                              s.csc.csr.indices, at::arange(s.csr.nnz(), at::kLong).flip(0));
      },
      "csr_to_csc");
  // ... and rejected before any weight is written: every pre neuron spikes onto a nonzero post trace.
  at::Tensor w_kept = at::full({s.csr.nnz()}, 0.5);
  expect_error_naming(
      [&] {
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, w_kept, at::ones({5}, at::kBool), post, x, at::ones({4}),
                              0.1, 0.1, 0, 1, s.csc.csr.indptr, s.csc.csr.indices,
                              at::arange(s.csr.nnz(), at::kLong).flip(0));
      },
      "csr_to_csc");
  EXPECT_TRUE(at::equal(w_kept, at::full({s.csr.nnz()}, 0.5)));
  // The trace helpers check before they write.
  at::Tensor trace = at::ones({4});
  expect_error_naming([&] { ops::stdp_trace_update_(trace, at::zeros({3}, at::kBool), 0.1, 1.0); }, "spikes");
  expect_error_naming([&] { ops::stdp_trace_update_(trace, at::zeros({4}, at::kBool), -0.1, 1.0); }, "dt");
  expect_error_naming([&] { ops::stdp_trace_decay_(trace, 0.1, 0.0); }, "tau");
  expect_error_naming([&] { ops::stdp_trace_add_(trace, at::zeros({3}, at::kBool)); }, "spikes");
  EXPECT_TRUE(at::equal(trace, at::ones({4})));
}

TEST(StdpCsrUpdate, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const Synapses s = make_synapses(300, 200, 0.1, 6);
  StdpParams p;
  at::manual_seed(1);
  const at::Tensor w0 = at::rand({s.csr.nnz()}, at::kDouble);
  for (bool csc : {false, true}) {
    at::Tensor wc = w0.clone(), wg = w0.cuda();
    at::Tensor x = at::zeros({300}, at::kDouble), y = at::zeros({200}, at::kDouble);
    at::Tensor xg = x.cuda(), yg = y.cuda();
    for (int t = 0; t < 30; ++t) {
      const at::Tensor pre = at::rand({300}) < 0.2, post = at::rand({200}) < 0.2;
      ops::stdp_trace_update_(x, pre, p.dt, p.tau_plus);
      ops::stdp_trace_decay_(y, p.dt, p.tau_minus);
      ops::stdp_trace_update_(xg, pre.cuda(), p.dt, p.tau_plus);
      ops::stdp_trace_decay_(yg, p.dt, p.tau_minus);
      if (csc) {
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, wc, pre, post, x, y, p.A_plus, p.A_minus, 0, 1,
                              s.csc.csr.indptr, s.csc.csr.indices, s.csc.perm);
        ops::stdp_csr_update_(s.csr.indptr.cuda(), s.csr.indices.cuda(), wg, pre.cuda(), post.cuda(), xg, yg,
                              p.A_plus, p.A_minus, 0, 1, s.csc.csr.indptr.cuda(), s.csc.csr.indices.cuda(),
                              s.csc.perm.cuda());
      } else {
        ops::stdp_csr_update_(s.csr.indptr, s.csr.indices, wc, pre, post, x, y, p.A_plus, p.A_minus, 0, 1);
        ops::stdp_csr_update_(s.csr.indptr.cuda(), s.csr.indices.cuda(), wg, pre.cuda(), post.cuda(), xg, yg,
                              p.A_plus, p.A_minus, 0, 1);
      }
      ops::stdp_trace_add_(y, post);
      ops::stdp_trace_add_(yg, post.cuda());
    }
    EXPECT_TRUE(at::allclose(wg.cpu(), wc, 0, 1e-12)) << "csc=" << csc;
  }
}
