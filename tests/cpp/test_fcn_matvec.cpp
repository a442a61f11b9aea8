// braintorch::fcn_matvec and braintorch::event_fcn_matvec (fixed connections per row, ELL layout) against
// float64 dense references: products, exact dense weight/input gradients (straight-through for float
// spikes), error messages, thread-count determinism, CUDA vs CPU.
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "braintorch/ops/fcn_matvec.h"
#include "tests/cpp/sparse_ops_test_util.h"

namespace {

using braintorch::ops::event_fcn_matvec;
using braintorch::ops::fcn_matvec;
using namespace sparse_test;

// Weights as the op wants them: (1,) homogeneous or (n_pre, n_conn).
at::Tensor fcn_weights(const std::vector<double>& w, int64_t n_pre, int64_t n_conn, at::ScalarType t) {
  auto wt = weights_tensor(w, t);
  return w.size() == 1 ? wt : wt.reshape({n_pre, n_conn});
}

TEST(FcnMatvec, ForwardAndGradientsMatchDenseReference) {
  const std::vector<std::array<int64_t, 3>> sizes = {{1, 1, 1}, {7, 5, 3}, {33, 21, 6}, {0, 4, 2}, {6, 4, 0}, {1, 9, 4}};
  uint32_t seed = 200;
  int checked = 0;
  for (auto [n_pre, n_post, n_conn] : sizes) {
    const auto c = random_fixed_connectivity(n_pre, n_post, n_conn, seed++);
    for (bool homog : {true, false}) {
      const auto w = random_weights(homog ? 1 : c.nnz(), seed++);
      const auto W = dense_w(c, w);
      for (auto t : {at::kFloat, at::kDouble})
        for (auto it : {at::kInt, at::kLong})
          for (bool transpose : {false, true})
            for (bool batch : {false, true}) {
              SCOPED_TRACE(::testing::Message() << n_pre << "x" << n_post << "/" << n_conn << " homog=" << homog
                                                << " t=" << t << " it=" << it << " T=" << transpose
                                                << " batch=" << batch);
              const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
              std::vector<int64_t> shape = batch ? std::vector<int64_t>{3, n_in} : std::vector<int64_t>{n_in};
              std::vector<int64_t> oshape = batch ? std::vector<int64_t>{3, n_out} : std::vector<int64_t>{n_out};
              auto x = make_values(shape, seed++, t).requires_grad_(true);
              auto wt = fcn_weights(w, n_pre, n_conn, t).requires_grad_(true);
              auto idx = fcn_indices(c, n_conn, it);
              auto out = fcn_matvec(x, idx, wt, n_post, transpose);
              ASSERT_EQ(out.scalar_type(), t);
              EXPECT_TRUE(close(out, dense_product(x.detach(), W, transpose), t));
              auto g = make_values(oshape, seed++, t);
              auto grads = torch::autograd::grad({out}, {x, wt}, {g}, false, false, true);
              EXPECT_TRUE(close(grads[0], dense_input_grad(g, W, transpose), t));
              EXPECT_TRUE(close(grads[1].reshape({-1}),
                                synapse_grad(c, dense_weight_grad(x.detach(), g, transpose), homog), t));
              ++checked;
            }
    }
  }
  EXPECT_EQ(checked, 6 * 2 * 2 * 2 * 2 * 2);
}

TEST(EventFcnMatvec, ForwardAndGradientsMatchDenseReference) {
  const std::vector<std::array<int64_t, 3>> sizes = {{1, 1, 1}, {7, 5, 3}, {33, 21, 6}, {0, 4, 2}, {6, 4, 0}};
  uint32_t seed = 300;
  int checked = 0;
  for (auto [n_pre, n_post, n_conn] : sizes) {
    const auto c = random_fixed_connectivity(n_pre, n_post, n_conn, seed++);
    for (bool homog : {true, false}) {
      const auto w = random_weights(homog ? 1 : c.nnz(), seed++);
      const auto W = dense_w(c, w);
      for (auto wtype : {at::kFloat, at::kDouble})
        for (auto st : {at::kBool, at::kFloat, at::kDouble})
          for (bool transpose : {false, true})
            for (bool batch : {false, true})
              for (int pat = 0; pat < 3; ++pat) {
                SCOPED_TRACE(::testing::Message() << n_pre << "x" << n_post << "/" << n_conn << " homog=" << homog
                                                  << " w=" << wtype << " s=" << st << " T=" << transpose
                                                  << " batch=" << batch << " pat=" << pat);
                const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
                std::vector<int64_t> shape = batch ? std::vector<int64_t>{3, n_in} : std::vector<int64_t>{n_in};
                std::vector<int64_t> oshape = batch ? std::vector<int64_t>{3, n_out} : std::vector<int64_t>{n_out};
                auto s = make_spikes(shape, Pattern(pat), seed++, st);
                if (st != at::kBool) s.requires_grad_(true);
                auto wt = fcn_weights(w, n_pre, n_conn, wtype).requires_grad_(true);
                auto idx = fcn_indices(c, n_conn, pat == 1 ? at::kInt : at::kLong);
                auto out = event_fcn_matvec(s, idx, wt, n_post, transpose);
                ASSERT_EQ(out.scalar_type(), wtype);
                const auto e = events(s.detach());
                EXPECT_TRUE(close(out, dense_product(e, W, transpose), wtype));
                if (Pattern(pat) == Pattern::None) EXPECT_EQ(out.abs().sum().item<double>(), 0.0);
                auto g = make_values(oshape, seed++, wtype);
                if (st == at::kBool) {
                  auto gw = torch::autograd::grad({out}, {wt}, {g})[0];
                  EXPECT_TRUE(close(gw.reshape({-1}), synapse_grad(c, dense_weight_grad(e, g, transpose), homog), wtype));
                } else {
                  auto grads = torch::autograd::grad({out}, {s, wt}, {g}, false, false, true);
                  // straight-through: the gradient of the float product
                  ASSERT_EQ(grads[0].scalar_type(), st);
                  // Computed in the weights dtype, returned in the spikes dtype: float64 round-off only if both are.
                  const auto input_grad_tolerance = wtype == at::kDouble && st == at::kDouble ? at::kDouble : at::kFloat;
                  EXPECT_TRUE(close(grads[0], dense_input_grad(g, W, transpose), input_grad_tolerance));
                  EXPECT_TRUE(close(grads[1].reshape({-1}),
                                    synapse_grad(c, dense_weight_grad(e, g, transpose), homog), wtype));
                }
                ++checked;
              }
    }
  }
  EXPECT_EQ(checked, 5 * 2 * 2 * 3 * 2 * 2 * 3);
}

TEST(FcnMatvec, NonContiguousInputs) {
  const auto c = random_fixed_connectivity(30, 20, 5, 41);
  const auto w = random_weights(c.nnz(), 42);
  const auto W = dense_w(c, w);
  auto x_t = make_values({30, 4}, 43, at::kDouble).t();
  auto idx_t = fcn_indices(c, 5, at::kLong).t().contiguous().t();  // column-major (30, 5)
  auto w_t = fcn_weights(w, 30, 5, at::kDouble).t().contiguous().t();
  ASSERT_FALSE(x_t.is_contiguous());
  ASSERT_FALSE(idx_t.is_contiguous());
  ASSERT_FALSE(w_t.is_contiguous());
  EXPECT_TRUE(close(fcn_matvec(x_t, idx_t, w_t, 20), dense_product(x_t, W, false), at::kDouble));
  auto s_t = make_spikes({30, 4}, Pattern::Random, 44, at::kBool).t();
  EXPECT_TRUE(close(event_fcn_matvec(s_t, idx_t, w_t, 20), dense_product(events(s_t), W, false), at::kDouble));
}

TEST(FcnMatvec, BadInputsNameTheArgument) {
  auto idx = torch::tensor({0, 1, 1, 0}, torch::kLong).reshape({2, 2});
  auto w = torch::ones({2, 2});
  auto x = torch::ones({2});
  auto msg = [](const std::function<void()>& f) { return message_of(f); };
  EXPECT_THROW(fcn_matvec(x.to(torch::kInt), idx, w, 2), c10::Error);
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x.to(torch::kInt), idx, w, 2); }), "x must be float32 or float64"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x.to(torch::kDouble), idx, w, 2); }), "x has dtype"));
  EXPECT_TRUE(contains(msg([&] { event_fcn_matvec(x.to(torch::kInt), idx, w, 2); }), "spikes must be bool"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x, idx.to(torch::kFloat), w, 2); }), "indices must be int32 or int64"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x, idx.reshape({4}), w, 2); }), "indices must be 2-D"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x, idx, w, -1); }), "n_post must be >= 0"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x, idx, torch::ones({3}), 2); }), "weights must have 1 element"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(torch::ones({3}), idx, w, 2); }), "x has last dimension 3"));
  EXPECT_TRUE(contains(msg([&] { event_fcn_matvec(torch::ones({3}), idx, w, 2); }), "spikes has last dimension 3"));
  EXPECT_TRUE(contains(msg([&] { fcn_matvec(x, torch::tensor({0, 1, 2, 0}).reshape({2, 2}), w, 2); }),
                       "indices[1, 0] = 2 is out of range for n_post = 2"));
  EXPECT_TRUE(contains(msg([&] { event_fcn_matvec(x, torch::tensor({0, -1, 0, 0}).reshape({2, 2}), w, 2); }),
                       "indices[0, 1] = -1 is out of range"));
  auto xr = torch::ones({2}, torch::kDouble).requires_grad_(true);
  for (bool events_op : {false, true}) {
    auto out = events_op ? event_fcn_matvec(xr, idx, w.to(torch::kDouble), 2) : fcn_matvec(xr, idx, w.to(torch::kDouble), 2);
    auto gx = torch::autograd::grad({(out * out).sum()}, {xr}, {}, true, /*create_graph=*/true)[0];
    EXPECT_TRUE(contains(msg([&] { torch::autograd::grad({gx.sum()}, {xr}, {}, false, false, true); }),
                         events_op ? "event_fcn_matvec does not support double backward"
                                   : "fcn_matvec does not support double backward"));
  }
}

TEST(FcnMatvec, BitwiseIdenticalAcrossThreadCounts) {
  // Large enough that every parallel loop (gather, weight gradient) spans several grains: at 300 x 200
  // they ran on one thread whatever the setting.
  const auto c = random_fixed_connectivity(3000, 2000, 17, 51);
  auto idx = fcn_indices(c, 17, at::kInt);
  auto w = weights_tensor(random_weights(c.nnz(), 52), at::kFloat).reshape({3000, 17});
  for (bool events_op : {false, true})
    for (bool transpose : {false, true}) {
      auto x = events_op ? make_spikes({5, transpose ? 2000 : 3000}, Pattern::Random, 53, at::kFloat)
                         : make_values({5, transpose ? 2000 : 3000}, 53, at::kFloat);
      auto g = make_values({5, transpose ? 3000 : 2000}, 54, at::kFloat);
      auto run = [&] {
        auto out = events_op ? event_fcn_matvec(x, idx, w, 2000, transpose) : fcn_matvec(x, idx, w, 2000, transpose);
        auto [gx, gw] = events_op
                            ? braintorch::ops::event_fcn_matvec_backward(g, x, idx, w, 2000, transpose, {true, true})
                            : braintorch::ops::fcn_matvec_backward(g, x, idx, w, 2000, transpose, {true, true});
        return std::vector<at::Tensor>{out, gx, gw};
      };
      auto a = with_threads(1, run), b = with_threads(2, run);
      for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(bitwise_equal(a[k], b[k])) << "output " << k;
    }
}

TEST(FcnMatvec, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto c = random_fixed_connectivity(120, 90, 9, 61);
  auto idx = fcn_indices(c, 9, at::kInt);
  for (bool homog : {true, false})
    for (bool events_op : {false, true})
      for (bool transpose : {false, true}) {
        auto w = homog ? torch::tensor({0.7}, torch::kDouble)
                       : weights_tensor(random_weights(c.nnz(), 62), at::kDouble).reshape({120, 9});
        auto x = events_op ? make_spikes({4, transpose ? 90 : 120}, Pattern::Random, 63, at::kDouble)
                           : make_values({4, transpose ? 90 : 120}, 63, at::kDouble);
        auto g = make_values({4, transpose ? 120 : 90}, 64, at::kDouble);
        auto fwd = [&](const at::Tensor& a, const at::Tensor& i, const at::Tensor& ww) {
          return events_op ? event_fcn_matvec(a, i, ww, 90, transpose) : fcn_matvec(a, i, ww, 90, transpose);
        };
        auto bwd = [&](const at::Tensor& gg, const at::Tensor& a, const at::Tensor& i, const at::Tensor& ww) {
          return events_op ? braintorch::ops::event_fcn_matvec_backward(gg, a, i, ww, 90, transpose, {true, true})
                           : braintorch::ops::fcn_matvec_backward(gg, a, i, ww, 90, transpose, {true, true});
        };
        EXPECT_TRUE(at::allclose(fwd(x.cuda(), idx.cuda(), w.cuda()).cpu(), fwd(x, idx, w), 1e-10, 1e-10));
        auto [gx, gw] = bwd(g, x, idx, w);
        auto [cgx, cgw] = bwd(g.cuda(), x.cuda(), idx.cuda(), w.cuda());
        EXPECT_TRUE(at::allclose(cgx.cpu(), gx, 1e-10, 1e-10));
        EXPECT_TRUE(at::allclose(cgw.cpu(), gw, 1e-10, 1e-10));
      }
}

}  // namespace
