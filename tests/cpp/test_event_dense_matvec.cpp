// braintorch::event_dense_matvec against float64 dense references: e(s) @ W and W @ e(v) by ATen matmul,
// the exact dense gradients (straight-through for float spikes), errors, thread-count determinism and
// CUDA vs CPU.
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "braintorch/ops/event_dense_matvec.h"
#include "tests/cpp/sparse_ops_test_util.h"

namespace {

using braintorch::ops::event_dense_matvec;
using namespace sparse_test;

TEST(EventDenseMatvec, ForwardAndGradientsMatchDenseReference) {
  const std::vector<std::pair<int64_t, int64_t>> sizes = {{1, 1}, {7, 5}, {33, 300}, {0, 4}, {5, 0}, {1, 9}};
  uint32_t seed = 400;
  int checked = 0;
  for (auto [n_pre, n_post] : sizes)
    for (auto wtype : {at::kFloat, at::kDouble})
      for (auto st : {at::kBool, at::kFloat, at::kDouble})
        for (bool transpose : {false, true})
          for (bool batch : {false, true})
            for (int pat = 0; pat < 3; ++pat) {
              SCOPED_TRACE(::testing::Message() << n_pre << "x" << n_post << " w=" << wtype << " s=" << st
                                                << " T=" << transpose << " batch=" << batch << " pat=" << pat);
              const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
              std::vector<int64_t> shape = batch ? std::vector<int64_t>{3, n_in} : std::vector<int64_t>{n_in};
              std::vector<int64_t> oshape = batch ? std::vector<int64_t>{3, n_out} : std::vector<int64_t>{n_out};
              auto W = make_values({n_pre, n_post}, seed++, at::kDouble);
              auto wt = W.to(wtype).requires_grad_(true);
              auto s = make_spikes(shape, Pattern(pat), seed++, st);
              if (st != at::kBool) s.requires_grad_(true);
              auto out = event_dense_matvec(s, wt, transpose);
              ASSERT_EQ(out.scalar_type(), wtype);
              const auto e = events(s.detach());
              const auto Wr = wt.detach().to(at::kDouble);
              EXPECT_TRUE(close(out, dense_product(e, Wr, transpose), wtype));
              if (Pattern(pat) == Pattern::None) EXPECT_EQ(out.abs().sum().item<double>(), 0.0);
              auto g = make_values(oshape, seed++, wtype);
              if (st == at::kBool) {
                auto gw = torch::autograd::grad({out}, {wt}, {g})[0];
                EXPECT_TRUE(close(gw, dense_weight_grad(e, g, transpose), wtype));
              } else {
                auto grads = torch::autograd::grad({out}, {s, wt}, {g}, false, false, true);
                ASSERT_EQ(grads[0].scalar_type(), st);
                // Computed in the weights dtype, returned in the spikes dtype: float64 round-off only if both are.
                const auto input_grad_tolerance = wtype == at::kDouble && st == at::kDouble ? at::kDouble : at::kFloat;
                EXPECT_TRUE(close(grads[0], dense_input_grad(g, Wr, transpose), input_grad_tolerance));
                EXPECT_TRUE(close(grads[1], dense_weight_grad(e, g, transpose), wtype));
              }
              ++checked;
            }
  EXPECT_EQ(checked, 6 * 2 * 3 * 2 * 2 * 3);
}

TEST(EventDenseMatvec, HandValuesAndNonContiguous) {
  auto W = torch::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, torch::kDouble).reshape({2, 3});
  // only row 1 fires
  EXPECT_TRUE(at::equal(event_dense_matvec(torch::tensor({false, true}), W), torch::tensor({4.0, 5.0, 6.0}, torch::kDouble)));
  // columns 0 and 2 fire (0.5 > 0 counts, -1 does not)
  EXPECT_TRUE(at::equal(event_dense_matvec(torch::tensor({0.5, -1.0, 1.0}, torch::kDouble), W, true),
                        torch::tensor({4.0, 10.0}, torch::kDouble)));
  // One neuron.
  EXPECT_EQ(event_dense_matvec(torch::tensor({true}), torch::tensor({{3.0f}})).item<float>(), 3.0f);

  auto Wbig = make_values({40, 30}, 71, at::kDouble);
  auto W_t = Wbig.t().contiguous().t();  // column-major storage
  auto s_t = make_spikes({40, 4}, Pattern::Random, 72, at::kFloat).t();
  ASSERT_FALSE(W_t.is_contiguous());
  ASSERT_FALSE(s_t.is_contiguous());
  EXPECT_TRUE(close(event_dense_matvec(s_t, W_t), dense_product(events(s_t), Wbig, false), at::kDouble));
}

TEST(EventDenseMatvec, BadInputsNameTheArgument) {
  auto W = torch::ones({2, 3});
  auto msg = [](const std::function<void()>& f) { return message_of(f); };
  EXPECT_THROW(event_dense_matvec(torch::ones({2}, torch::kInt), W), c10::Error);
  EXPECT_TRUE(contains(msg([&] { event_dense_matvec(torch::ones({2}, torch::kInt), W); }), "spikes must be bool"));
  EXPECT_TRUE(contains(msg([&] { event_dense_matvec(torch::ones({2}), W.to(torch::kInt)); }),
                       "weights must be float32 or float64"));
  EXPECT_TRUE(contains(msg([&] { event_dense_matvec(torch::ones({2}), torch::ones({6})); }), "weights must be a 2-D"));
  EXPECT_TRUE(contains(msg([&] { event_dense_matvec(torch::ones({3}), W); }), "spikes has last dimension 3"));
  EXPECT_TRUE(contains(msg([&] { event_dense_matvec(torch::ones({2}), W, true); }), "transpose=True expects n_post"));
  EXPECT_TRUE(contains(msg([&] { event_dense_matvec(torch::ones({1, 1, 2}), W); }), "spikes must be 1-D"));
  auto sr = torch::ones({2}, torch::kDouble).requires_grad_(true);
  auto out = event_dense_matvec(sr, W.to(torch::kDouble));
  auto gs = torch::autograd::grad({out.sum()}, {sr}, {}, true, /*create_graph=*/true)[0];
  EXPECT_TRUE(contains(msg([&] { torch::autograd::grad({gs.sum()}, {sr}, {}, false, false, true); }),
                       "event_dense_matvec does not support double backward"));
}

TEST(EventDenseMatvec, BitwiseIdenticalAcrossThreadCounts) {
  auto W = make_values({300, 700}, 81, at::kFloat);
  for (bool transpose : {false, true}) {
    auto s = make_spikes({5, transpose ? 700 : 300}, Pattern::Random, 82, at::kFloat);
    auto g = make_values({5, transpose ? 300 : 700}, 83, at::kFloat);
    auto run = [&] {
      auto out = event_dense_matvec(s, W, transpose);
      auto [gs, gw] = braintorch::ops::event_dense_matvec_backward(g, s, W, transpose, {true, true});
      return std::vector<at::Tensor>{out, gs, gw};
    };
    auto a = with_threads(1, run), b = with_threads(2, run);
    for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(bitwise_equal(a[k], b[k])) << "output " << k;
  }
}

TEST(EventDenseMatvec, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto W = make_values({120, 90}, 91, at::kDouble);
  for (auto st : {at::kBool, at::kDouble})
    for (bool transpose : {false, true}) {
      auto s = make_spikes({4, transpose ? 90 : 120}, Pattern::Random, 92, st);
      auto g = make_values({4, transpose ? 120 : 90}, 93, at::kDouble);
      auto cpu = event_dense_matvec(s, W, transpose);
      auto cuda = event_dense_matvec(s.cuda(), W.cuda(), transpose);
      EXPECT_TRUE(at::allclose(cuda.cpu(), cpu, 1e-10, 1e-10));
      if (!transpose) EXPECT_TRUE(at::equal(cuda.cpu(), cpu));  // same summation order
      const bool fs = st != at::kBool;
      auto [gs, gw] = braintorch::ops::event_dense_matvec_backward(g, s, W, transpose, {fs, true});
      auto [cgs, cgw] =
          braintorch::ops::event_dense_matvec_backward(g.cuda(), s.cuda(), W.cuda(), transpose, {fs, true});
      if (fs) EXPECT_TRUE(at::allclose(cgs.cpu(), gs, 1e-10, 1e-10));
      EXPECT_TRUE(at::allclose(cgw.cpu(), gw, 1e-10, 1e-10));
    }
}

}  // namespace
