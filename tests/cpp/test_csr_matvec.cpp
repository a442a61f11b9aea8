// braintorch::csr_matvec against float64 dense references (see sparse_ops_test_util.h): the product,
// the exact dense weight and input gradients, error messages, thread-count determinism, CUDA vs CPU.
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "braintorch/ops/csr_matvec.h"
#include "tests/cpp/sparse_ops_test_util.h"

namespace {

using braintorch::ops::csr_matvec;
using namespace sparse_test;

const std::vector<std::pair<at::ScalarType, at::ScalarType>> kIndexTypes = {
    {at::kInt, at::kInt}, {at::kLong, at::kLong}, {at::kLong, at::kInt}, {at::kInt, at::kLong}};

TEST(CsrMatvec, ForwardAndGradientsMatchDenseReference) {
  const std::vector<std::pair<int64_t, int64_t>> sizes = {{1, 1}, {7, 5}, {33, 21}, {0, 4}, {5, 0}, {1, 9}};
  uint32_t seed = 100;
  int checked = 0;
  for (auto [n_pre, n_post] : sizes) {
    const auto c = random_connectivity(n_pre, n_post, 0.3, seed++);
    for (bool homog : {true, false}) {
      const auto w = random_weights(homog ? 1 : c.nnz(), seed++);
      const auto W = dense_w(c, w);
      for (auto t : {at::kFloat, at::kDouble})
        for (auto [pt, it] : kIndexTypes)
          for (bool transpose : {false, true})
            for (bool batch : {false, true}) {
              SCOPED_TRACE(::testing::Message() << n_pre << "x" << n_post << " homog=" << homog << " t=" << t
                                                << " pt=" << pt << " it=" << it << " T=" << transpose
                                                << " batch=" << batch);
              const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
              std::vector<int64_t> shape = batch ? std::vector<int64_t>{3, n_in} : std::vector<int64_t>{n_in};
              std::vector<int64_t> oshape = batch ? std::vector<int64_t>{3, n_out} : std::vector<int64_t>{n_out};
              auto x = make_values(shape, seed++, t).requires_grad_(true);
              auto wt = weights_tensor(w, t).requires_grad_(true);
              auto out = csr_matvec(x, csr_indptr(c, pt), csr_indices(c, it), wt, n_post, transpose);
              ASSERT_EQ(out.scalar_type(), t);
              EXPECT_TRUE(close(out, dense_product(x.detach(), W, transpose), t));
              auto g = make_values(oshape, seed++, t);
              auto [gx, gw] = [&] {
                auto grads = torch::autograd::grad({out}, {x, wt}, {g}, /*retain_graph=*/false,
                                                   /*create_graph=*/false, /*allow_unused=*/true);
                return std::make_pair(grads[0], grads[1]);
              }();
              EXPECT_TRUE(close(gx, dense_input_grad(g, W, transpose), t));
              const auto dW = dense_weight_grad(x.detach(), g, transpose);
              EXPECT_TRUE(close(gw.reshape({-1}), synapse_grad(c, dW, homog), t));
              ++checked;
            }
    }
  }
  EXPECT_EQ(checked, 6 * 2 * 2 * 4 * 2 * 2);
}

TEST(CsrMatvec, EmptyRowsOneNeuronAndHandValues) {
  // Rows 0, 2, 4 empty; row 3 has two synapses onto target 1.
  auto indptr = torch::tensor({0, 0, 2, 2, 4, 4}, torch::kLong);
  auto indices = torch::tensor({0, 2, 1, 1}, torch::kInt);
  auto w = torch::tensor({0.5, -1.0, 2.0, 0.25}, torch::kDouble);
  auto x = torch::tensor({1.0, 2.0, 3.0, -1.0, 5.0}, torch::kDouble);
  // post0 = 2 * 0.5, post1 = -1 * (2 + 0.25), post2 = 2 * -1
  auto out = csr_matvec(x, indptr, indices, w, 3);
  EXPECT_TRUE(at::allclose(out, torch::tensor({1.0, -2.25, -2.0}, torch::kDouble)));
  // transposed: pre1 = 0.5 v0 - v2, pre3 = 2.25 v1
  auto pre = csr_matvec(torch::tensor({1.0, 2.0, 4.0}, torch::kDouble), indptr, indices, w, 3, true);
  EXPECT_TRUE(at::allclose(pre, torch::tensor({0.0, -3.5, 0.0, 4.5, 0.0}, torch::kDouble)));
  auto one = csr_matvec(torch::tensor({2.0f}), torch::tensor({0, 1}, torch::kInt), torch::tensor({0}, torch::kInt),
                        torch::tensor({3.0f}), 1);
  EXPECT_EQ(one.item<float>(), 6.0f);
  auto zero = csr_matvec(torch::zeros({2, 4}), torch::zeros({5}, torch::kLong), torch::zeros({0}, torch::kLong),
                         torch::tensor({1.0f}), 6);
  EXPECT_EQ(zero.sizes(), at::IntArrayRef({2, 6}));
  EXPECT_EQ(zero.abs().sum().item<float>(), 0.0f);
}

TEST(CsrMatvec, NonContiguousInputs) {
  const auto c = random_connectivity(30, 20, 0.3, 7);
  const auto w = random_weights(c.nnz(), 8);
  const auto W = dense_w(c, w);
  auto x_t = make_values({30, 4}, 9, at::kDouble).t();  // (4, 30), column-major
  ASSERT_FALSE(x_t.is_contiguous());
  auto w_long = torch::zeros({2 * c.nnz()}, torch::kDouble);
  w_long.slice(0, 0, 2 * c.nnz(), 2).copy_(weights_tensor(w, at::kDouble));
  auto w_strided = w_long.slice(0, 0, 2 * c.nnz(), 2);
  ASSERT_FALSE(w_strided.is_contiguous());
  auto out = csr_matvec(x_t, csr_indptr(c, at::kLong), csr_indices(c, at::kInt), w_strided, 20);
  EXPECT_TRUE(close(out, dense_product(x_t, W, false), at::kDouble));
}

TEST(CsrMatvec, BadInputsNameTheArgument) {
  auto indptr = torch::tensor({0, 1, 2}, torch::kLong);
  auto indices = torch::tensor({0, 1}, torch::kLong);
  auto w = torch::tensor({1.0f, 2.0f});
  auto x = torch::ones({2});
  auto msg = [](const std::function<void()>& f) { return message_of(f); };
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x.to(torch::kInt), indptr, indices, w, 2); }), "x must be float32 or float64"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x.to(torch::kDouble), indptr, indices, w, 2); }), "x has dtype"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x, indptr.to(torch::kFloat), indices, w, 2); }), "indptr must be int32 or int64"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x, indptr, indices.to(torch::kFloat), w, 2); }), "indices must be int32 or int64"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x, indptr, indices, w, -1); }), "n_post must be >= 0"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(torch::ones({3}), indptr, indices, w, 2); }), "x has last dimension 3"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x, indptr, indices, torch::ones({3}), 2); }), "weights must"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x, indptr, torch::tensor({0, 5}, torch::kLong), w, 2); }), "indices[1] = 5 is out of range"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(x, torch::tensor({0, 2, 1}, torch::kLong), indices, w, 2); }), "indptr must be non-decreasing"));
  EXPECT_TRUE(contains(msg([&] { csr_matvec(torch::ones({1, 2, 2}), indptr, indices, w, 2); }), "x must be 1-D"));
  // Double backward is refused with a clear message.
  auto xr = torch::ones({2}, torch::kDouble).requires_grad_(true);
  auto out = csr_matvec(xr, indptr, indices, w.to(torch::kDouble), 2);
  auto gx = torch::autograd::grad({out.sum()}, {xr}, {}, true, /*create_graph=*/true)[0];
  EXPECT_TRUE(contains(msg([&] { torch::autograd::grad({gx.sum()}, {xr}, {}, false, false, true); }), "csr_matvec does not support double backward"));
}

TEST(CsrMatvec, BitwiseIdenticalAcrossThreadCounts) {
  const auto c = random_connectivity(300, 200, 0.2, 21);
  auto w = weights_tensor(random_weights(c.nnz(), 22), at::kFloat);
  auto indptr = csr_indptr(c, at::kLong), indices = csr_indices(c, at::kInt);
  for (bool transpose : {false, true}) {
    auto x = make_values({5, transpose ? 200 : 300}, 23, at::kFloat);
    auto g = make_values({5, transpose ? 300 : 200}, 24, at::kFloat);
    auto run = [&] {
      auto out = csr_matvec(x, indptr, indices, w, 200, transpose);
      auto [gx, gw] = braintorch::ops::csr_matvec_backward(g, x, indptr, indices, w, 200, transpose,
                                                                   {true, true});
      return std::vector<at::Tensor>{out, gx, gw};
    };
    auto a = with_threads(1, run), b = with_threads(2, run);
    for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(bitwise_equal(a[k], b[k])) << "output " << k;
  }
}

TEST(CsrMatvec, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto c = random_connectivity(120, 90, 0.2, 31);
  for (bool homog : {true, false})
    for (bool transpose : {false, true}) {
      auto w = weights_tensor(random_weights(homog ? 1 : c.nnz(), 32), at::kDouble);
      auto indptr = csr_indptr(c, at::kLong), indices = csr_indices(c, at::kInt);
      auto x = make_values({4, transpose ? 90 : 120}, 33, at::kDouble);
      auto g = make_values({4, transpose ? 120 : 90}, 34, at::kDouble);
      auto cpu = csr_matvec(x, indptr, indices, w, 90, transpose);
      auto cuda = csr_matvec(x.cuda(), indptr.cuda(), indices.cuda(), w.cuda(), 90, transpose);
      EXPECT_TRUE(at::allclose(cuda.cpu(), cpu, 1e-10, 1e-10));
      auto [gx, gw] = braintorch::ops::csr_matvec_backward(g, x, indptr, indices, w, 90, transpose, {true, true});
      auto [cgx, cgw] = braintorch::ops::csr_matvec_backward(g.cuda(), x.cuda(), indptr.cuda(), indices.cuda(),
                                                                     w.cuda(), 90, transpose, {true, true});
      EXPECT_TRUE(at::allclose(cgx.cpu(), gx, 1e-10, 1e-10));
      EXPECT_TRUE(at::allclose(cgw.cpu(), gw, 1e-10, 1e-10));
    }
}

}  // namespace
