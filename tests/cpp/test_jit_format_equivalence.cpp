// GeNN-style equivalence for just-in-time connectivity: a JIT matrix, materialised once with
// jitc_to_dense, stored as dense and as CSR, must give exactly the same outputs and gradients as the
// JIT operators that regenerate it on every call, when the weights are integers (every sum is exact).
// (The fixed-fan-out formats of test_connectivity_format_equivalence.cpp cannot hold a JIT matrix,
// whose rows have random lengths.)
#include <ATen/TensorOperators.h>
#include <ATen/ops/cumsum.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/nonzero.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>

#include "braintorch/ops/event_csr_matvec.h"
#include "braintorch/ops/event_dense_matvec.h"
#include "braintorch/ops/jitc_matvec.h"

#include <string>
#include <tuple>
#include <vector>

namespace ops = braintorch::ops;

namespace {

struct Csr {
  at::Tensor indptr, indices;
};

Csr csr_of(const at::Tensor& dense) {
  const at::Tensor nz = at::nonzero(dense);  // row-major: rows, then columns, ascending
  Csr c;
  c.indices = nz.select(1, 1).to(at::kInt).contiguous();
  c.indptr = at::zeros({dense.size(0) + 1}, at::kLong);
  const at::Tensor rows = nz.select(1, 0).contiguous();
  for (int64_t k = 0; k < rows.numel(); ++k) c.indptr.data_ptr<int64_t>()[rows.data_ptr<int64_t>()[k] + 1] += 1;
  c.indptr = c.indptr.cumsum(0);
  return c;
}

}  // namespace

TEST(JitFormatEquivalence, JitDenseAndCsrAgreeExactlyWithIntegerWeights) {
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const int64_t n_pre = 90, n_post = 70, seed = 17;
  const double prob = 0.15;
  const at::Tensor w = at::scalar_tensor(3.0, f64), unused = at::scalar_tensor(0.0, f64);
  const at::Tensor W = ops::jitc_to_dense(w, unused, seed, prob, n_pre, n_post, "homo");
  const Csr c = csr_of(W);
  for (bool transpose : {false, true}) {
    SCOPED_TRACE(transpose);
    const int64_t n_in = transpose ? n_post : n_pre;
    // Events: bool spikes, integer-weight sums are exact in every format.
    const at::Tensor s = at::rand({4, n_in}, f64) < 0.3;
    const at::Tensor jit = ops::event_jitc_matvec(s, w, unused, seed, prob, n_pre, n_post, "homo", transpose);
    const at::Tensor csr = ops::event_csr_matvec(s, c.indptr, c.indices, w.reshape({1}), n_post, transpose);
    const at::Tensor dense = ops::event_dense_matvec(s, W, transpose);
    const at::Tensor ref = at::matmul(s.to(at::kDouble), transpose ? W.t() : W);
    EXPECT_TRUE(at::equal(jit, ref));
    EXPECT_TRUE(at::equal(csr, ref));
    EXPECT_TRUE(at::equal(dense, ref));
    // Gradients of the float products with an integer upstream gradient: input and the shared weight.
    const at::Tensor x = (at::rand({4, n_in}, f64) * 4).floor();
    const at::Tensor g = (at::rand({4, transpose ? n_pre : n_post}, f64) * 4).floor();
    auto grads = [&](bool use_jit) {
      at::Tensor xi = x.clone().requires_grad_(true), wi = w.clone().requires_grad_(true);
      const at::Tensor y = use_jit ? ops::jitc_matvec(xi, wi, unused, seed, prob, n_pre, n_post, "homo", transpose)
                                   : at::matmul(xi, (transpose ? W.t() : W) / 3.0 * wi);
      const auto gr = torch::autograd::grad({y}, {xi, wi}, {g});
      return std::make_pair(gr[0], gr[1]);
    };
    const auto [gx_jit, gw_jit] = grads(true);
    const auto [gx_ref, gw_ref] = grads(false);
    EXPECT_TRUE(at::equal(gx_jit, gx_ref));
    EXPECT_TRUE(at::equal(gw_jit, gw_ref));
  }
}

// Real-valued weights (uniform and normal kinds): the JIT products, the CSR of the materialised matrix
// and the dense matrix agree to float64 round-off, forward and transposed, event and float inputs, and
// so do the input gradients of the float products (the straight-through gradients of the event ones).
TEST(JitFormatEquivalence, JitDenseAndCsrAgreeToRoundOffWithRealWeights) {
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const int64_t n_pre = 90, n_post = 70, seed = 23;
  const double prob = 0.15;
  for (const auto& [kind, a, b] : std::vector<std::tuple<std::string, double, double>>{{"uniform", -0.5, 1.5},
                                                                                        {"normal", 0.3, 0.8}}) {
    const at::Tensor w0 = at::scalar_tensor(a, f64), w1 = at::scalar_tensor(b, f64);
    const at::Tensor W = ops::jitc_to_dense(w0, w1, seed, prob, n_pre, n_post, kind);
    const Csr c = csr_of(W);
    const at::Tensor csr_w = W.flatten().index_select(0, at::nonzero(W.flatten()).flatten());  // row-major order
    for (bool transpose : {false, true}) {
      SCOPED_TRACE(kind + (transpose ? " transpose" : ""));
      const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
      const at::Tensor Wt = transpose ? W.t() : W;
      const at::Tensor s = at::rand({4, n_in}, f64) < 0.3;
      const at::Tensor ref = at::matmul(s.to(at::kDouble), Wt);
      for (const at::Tensor& y : {ops::event_jitc_matvec(s, w0, w1, seed, prob, n_pre, n_post, kind, transpose),
                                  ops::event_csr_matvec(s, c.indptr, c.indices, csr_w, n_post, transpose),
                                  ops::event_dense_matvec(s, W, transpose)})
        EXPECT_TRUE(at::allclose(y, ref, 1e-12, 1e-12));
      const at::Tensor x = at::rand({4, n_in}, f64), g = at::rand({4, n_out}, f64);
      const at::Tensor gx_ref = at::matmul(g, Wt.t());
      auto input_grad = [&](auto&& product) {
        at::Tensor xi = x.clone().requires_grad_(true);
        return torch::autograd::grad({product(xi)}, {xi}, {g})[0];
      };
      EXPECT_TRUE(at::allclose(
          input_grad([&](const at::Tensor& xi) { return ops::jitc_matvec(xi, w0, w1, seed, prob, n_pre, n_post, kind, transpose); }),
          gx_ref, 1e-12, 1e-12));
      EXPECT_TRUE(at::allclose(
          input_grad([&](const at::Tensor& xi) { return ops::event_jitc_matvec(xi, w0, w1, seed, prob, n_pre, n_post, kind, transpose); }),
          gx_ref, 1e-12, 1e-12));
      EXPECT_TRUE(at::allclose(
          input_grad([&](const at::Tensor& xi) { return ops::event_csr_matvec(xi, c.indptr, c.indices, csr_w, n_post, transpose); }),
          gx_ref, 1e-12, 1e-12));
    }
  }
}
