// braintorch::event_csr_matvec against independent float64 references: a dense W built from the CSR
// with plain loops (never through the op), s @ W / W @ v products with ATen matmul, central finite
// differences for the weight gradient, and the dense transposed product for the input gradient.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "braintorch/ops/event_csr_matvec.h"
#include "braintorch/ops/fcn_matvec.h"

namespace {

using braintorch::ops::event_csr_matvec;

struct Csr {
  int64_t n_pre = 0, n_post = 0;
  std::vector<int64_t> indptr;
  std::vector<int64_t> indices;
  int64_t nnz() const { return int64_t(indices.size()); }
};

// Random CSR with connection probability p; `dup` adds a duplicated synapse to some rows (two synapses
// with the same target are legal and must add up). Rows are left empty with probability `p_empty`.
Csr random_csr(int64_t n_pre, int64_t n_post, double p, uint32_t seed, bool dup = false, double p_empty = 0.2) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Csr c;
  c.n_pre = n_pre;
  c.n_post = n_post;
  c.indptr.push_back(0);
  for (int64_t i = 0; i < n_pre; ++i) {
    if (u(rng) >= p_empty) {
      for (int64_t j = 0; j < n_post; ++j)
        if (u(rng) < p) c.indices.push_back(j);
      if (dup && n_post > 0 && u(rng) < 0.5) c.indices.push_back(int64_t(u(rng) * n_post) % n_post);
    }
    c.indptr.push_back(int64_t(c.indices.size()));
  }
  return c;
}

at::Tensor to_tensor(const std::vector<int64_t>& v, at::ScalarType t) {
  return torch::tensor(v, torch::kLong).to(t);
}

// Dense float64 (n_pre, n_post) matrix from the CSR, by plain loops.
at::Tensor dense_w(const Csr& c, const std::vector<double>& w) {
  auto d = torch::zeros({c.n_pre, c.n_post}, torch::kDouble);
  auto a = d.accessor<double, 2>();
  for (int64_t i = 0; i < c.n_pre; ++i)
    for (int64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) a[i][c.indices[k]] += w.size() == 1 ? w[0] : w[k];
  return d;
}

std::vector<double> random_weights(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 2);
  std::vector<double> w(n);
  for (auto& x : w) x = u(rng);
  return w;
}

at::Tensor weights_tensor(const std::vector<double>& w, at::ScalarType t) {
  return torch::tensor(w, torch::kDouble).to(t);
}

enum class Pattern { Random, None, All };

// Float "spikes" with values in (-1, 2) (so > 0 decides the event, not == 1), zeroed/forced by pattern.
at::Tensor make_spikes(std::vector<int64_t> shape, Pattern pat, uint32_t seed, at::ScalarType t) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto x = torch::rand(shape, gen, torch::kDouble) * 3.0 - 1.0;
  if (pat == Pattern::None) x = -x.abs();             // no entry > 0
  if (pat == Pattern::All) x = x.abs() + 0.25;         // every entry > 0
  if (t == at::kBool) return x > 0;
  return x.to(t);
}

at::Tensor events(const at::Tensor& x) { return (x.to(torch::kDouble) > 0).to(torch::kDouble); }

// Reference: e(s) @ W, or for transpose e(v) @ W^T (= W @ e(v) row by row).
at::Tensor reference(const at::Tensor& spikes, const at::Tensor& W, bool transpose) {
  auto e = events(spikes);
  return transpose ? at::matmul(e, W.t()) : at::matmul(e, W);
}

double tol_for(at::ScalarType t) { return t == at::kFloat ? 1e-4 : 1e-11; }

std::string describe(int64_t n_pre, int64_t n_post, bool batch, at::ScalarType st, bool homog, at::ScalarType wt,
                     at::ScalarType pt, at::ScalarType it, bool transpose, int pat) {
  std::ostringstream s;
  s << "n_pre=" << n_pre << " n_post=" << n_post << " batch=" << batch << " spikes=" << st << " homog=" << homog
    << " weights=" << wt << " indptr=" << pt << " indices=" << it << " transpose=" << transpose << " pattern=" << pat;
  return s.str();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

// ------------------------------------------------------------------ forward

TEST(EventCsrMatvec, ForwardMatchesDenseReference) {
  const std::vector<std::pair<int64_t, int64_t>> sizes = {{1, 1}, {7, 5}, {40, 23}, {0, 4}, {5, 0}, {1, 9}};
  const std::vector<std::pair<at::ScalarType, at::ScalarType>> index_types = {
      {at::kInt, at::kInt}, {at::kLong, at::kLong}, {at::kLong, at::kInt}, {at::kInt, at::kLong}};
  uint32_t seed = 1;
  int checked = 0;
  for (auto [n_pre, n_post] : sizes) {
    const Csr c = random_csr(n_pre, n_post, 0.3, seed++, /*dup=*/true);
    for (bool homog : {true, false}) {
      const auto w = random_weights(homog ? 1 : c.nnz(), seed++);
      const auto W = dense_w(c, w);
      for (auto wt : {at::kFloat, at::kDouble})
        for (auto [pt, it] : index_types)
          for (auto st : {at::kBool, at::kFloat, at::kDouble})
            for (bool transpose : {false, true})
              for (bool batch : {false, true})
                for (int pat = 0; pat < 3; ++pat) {
                  SCOPED_TRACE(describe(n_pre, n_post, batch, st, homog, wt, pt, it, transpose, pat));
                  const int64_t n_in = transpose ? n_post : n_pre;
                  std::vector<int64_t> shape = batch ? std::vector<int64_t>{3, n_in} : std::vector<int64_t>{n_in};
                  auto s = make_spikes(shape, Pattern(pat), seed++, st);
                  auto out = event_csr_matvec(s, to_tensor(c.indptr, pt), to_tensor(c.indices, it),
                                              weights_tensor(w, wt), n_post, transpose);
                  auto ref = reference(s, W, transpose);
                  ASSERT_EQ(out.scalar_type(), wt);
                  ASSERT_EQ(out.sizes(), ref.sizes());
                  EXPECT_TRUE(at::allclose(out.to(at::kDouble), ref, tol_for(wt), tol_for(wt)));
                  if (Pattern(pat) == Pattern::None) EXPECT_EQ(out.abs().sum().item<double>(), 0.0);
                  ++checked;
                }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(EventCsrMatvec, EmptyRowsAndOneNeuron) {
  // Rows 0, 2 and 4 have no synapse; row 3 has two synapses to the same target.
  Csr c;
  c.n_pre = 5;
  c.n_post = 3;
  c.indptr = {0, 0, 2, 2, 4, 4};
  c.indices = {0, 2, 1, 1};
  const std::vector<double> w = {0.5, -1.0, 2.0, 0.25};
  auto s = torch::tensor({1.0, 1.0, 1.0, 1.0, 1.0}, torch::kDouble);
  auto out = event_csr_matvec(s, to_tensor(c.indptr, at::kLong), to_tensor(c.indices, at::kInt),
                              weights_tensor(w, at::kDouble), 3);
  // Hand-computed: post0 = 0.5, post1 = 2 + 0.25, post2 = -1.
  EXPECT_TRUE(at::allclose(out, torch::tensor({0.5, 2.25, -1.0}, torch::kDouble)));

  // One neuron connected to itself.
  auto one = event_csr_matvec(torch::tensor({true}), torch::tensor({0, 1}, torch::kInt), torch::tensor({0}, torch::kInt),
                              torch::tensor({3.0}, torch::kFloat), 1);
  EXPECT_EQ(one.item<float>(), 3.0f);
  auto one_t = event_csr_matvec(torch::tensor({false}), torch::tensor({0, 1}, torch::kInt),
                                torch::tensor({0}, torch::kInt), torch::tensor({3.0}, torch::kFloat), 1, true);
  EXPECT_EQ(one_t.item<float>(), 0.0f);

  // No synapses at all (nnz = 0) with a homogeneous weight, and batch size 0.
  auto none = event_csr_matvec(torch::ones({2, 4}), torch::zeros({5}, torch::kLong), torch::zeros({0}, torch::kLong),
                               torch::tensor({1.0}), 6);
  EXPECT_EQ(none.sizes(), at::IntArrayRef({2, 6}));
  EXPECT_EQ(none.abs().sum().item<float>(), 0.0f);
  auto empty_batch = event_csr_matvec(torch::ones({0, 4}), torch::zeros({5}, torch::kLong),
                                      torch::zeros({0}, torch::kLong), torch::tensor({1.0}), 6);
  EXPECT_EQ(empty_batch.sizes(), at::IntArrayRef({0, 6}));
}

TEST(EventCsrMatvec, NonContiguousInputs) {
  const Csr c = random_csr(30, 20, 0.3, 11);
  const auto w = random_weights(c.nnz(), 12);
  const auto W = dense_w(c, w);
  // spikes: a transposed (column-major) batch; weights and indices: every second element of a longer tensor.
  auto s_t = make_spikes({30, 4}, Pattern::Random, 13, at::kFloat).t();
  ASSERT_FALSE(s_t.is_contiguous());
  auto w_long = torch::zeros({2 * c.nnz()}, torch::kDouble);
  w_long.slice(0, 0, 2 * c.nnz(), 2).copy_(weights_tensor(w, at::kDouble));
  auto w_strided = w_long.slice(0, 0, 2 * c.nnz(), 2);
  auto idx_long = torch::zeros({2 * c.nnz()}, torch::kInt);
  idx_long.slice(0, 0, 2 * c.nnz(), 2).copy_(to_tensor(c.indices, at::kInt));
  auto idx_strided = idx_long.slice(0, 0, 2 * c.nnz(), 2);
  ASSERT_FALSE(w_strided.is_contiguous());
  ASSERT_FALSE(idx_strided.is_contiguous());
  auto out = event_csr_matvec(s_t, to_tensor(c.indptr, at::kLong), idx_strided, w_strided, 20);
  EXPECT_TRUE(at::allclose(out, reference(s_t, W, false), 1e-12, 1e-12));

  auto v_t = make_spikes({20, 4}, Pattern::Random, 14, at::kDouble).t();
  auto out_t = event_csr_matvec(v_t, to_tensor(c.indptr, at::kLong), idx_strided, w_strided, 20, true);
  EXPECT_TRUE(at::allclose(out_t, reference(v_t, W, true), 1e-12, 1e-12));
}

// ------------------------------------------------------------------ gradients

// loss = sum(out * R) for a fixed random R: d loss / d out = R.
double loss_of(const at::Tensor& out, const at::Tensor& R) { return (out * R).sum().item<double>(); }

TEST(EventCsrMatvec, WeightGradientMatchesFiniteDifferences) {
  for (bool transpose : {false, true})
    for (bool homog : {false, true})
      for (bool batch : {false, true}) {
        SCOPED_TRACE(std::string("transpose=") + std::to_string(transpose) + " homog=" + std::to_string(homog) +
                     " batch=" + std::to_string(batch));
        const Csr c = random_csr(9, 7, 0.4, 21, /*dup=*/true);
        auto indptr = to_tensor(c.indptr, at::kLong);
        auto indices = to_tensor(c.indices, at::kInt);
        auto w0 = weights_tensor(random_weights(homog ? 1 : c.nnz(), 22), at::kDouble);
        const int64_t n_in = transpose ? 7 : 9, n_out = transpose ? 9 : 7;
        auto shape = batch ? std::vector<int64_t>{3, n_in} : std::vector<int64_t>{n_in};
        auto s = make_spikes(shape, Pattern::Random, 23, at::kDouble);
        auto out_shape = batch ? std::vector<int64_t>{3, n_out} : std::vector<int64_t>{n_out};
        auto R = torch::randn(out_shape, torch::kDouble);

        auto w = w0.clone().requires_grad_(true);
        auto out = event_csr_matvec(s, indptr, indices, w, 7, transpose);
        auto grad = torch::autograd::grad({out}, {w}, {R})[0];
        ASSERT_EQ(grad.sizes(), w.sizes());

        const double eps = 1e-6;
        for (int64_t k = 0; k < w0.numel(); ++k) {
          auto wp = w0.clone(), wm = w0.clone();
          wp[k] += eps;
          wm[k] -= eps;
          const double fd = (loss_of(event_csr_matvec(s, indptr, indices, wp, 7, transpose), R) -
                             loss_of(event_csr_matvec(s, indptr, indices, wm, 7, transpose), R)) /
                            (2 * eps);
          EXPECT_NEAR(grad[k].item<double>(), fd, 1e-7) << "synapse " << k;
        }
      }
}

TEST(EventCsrMatvec, InputGradientIsTheTransposedDenseProduct) {
  for (bool transpose : {false, true})
    for (bool homog : {false, true})
      for (auto wt : {at::kFloat, at::kDouble}) {
        SCOPED_TRACE(std::string("transpose=") + std::to_string(transpose) + " homog=" + std::to_string(homog));
        const Csr c = random_csr(25, 18, 0.3, 31, /*dup=*/true);
        const auto wv = random_weights(homog ? 1 : c.nnz(), 32);
        const auto W = dense_w(c, wv);
        const int64_t n_in = transpose ? 18 : 25, n_out = transpose ? 25 : 18;
        auto s = make_spikes({4, n_in}, Pattern::Random, 33, wt).requires_grad_(true);
        auto g = torch::randn({4, n_out}, torch::kDouble);
        auto out = event_csr_matvec(s, to_tensor(c.indptr, at::kInt), to_tensor(c.indices, at::kLong),
                                    weights_tensor(wv, wt), 18, transpose);
        auto gs = torch::autograd::grad({out}, {s}, {g.to(wt)})[0];
        ASSERT_EQ(gs.scalar_type(), wt);
        // d (s @ W) / d s = g @ W^T; d (v @ W^T) / d v = g @ W.
        auto ref = transpose ? at::matmul(g, W) : at::matmul(g, W.t());
        EXPECT_TRUE(at::allclose(gs.to(at::kDouble), ref, tol_for(wt), tol_for(wt)));
      }
}

TEST(EventCsrMatvec, HomogeneousWeightGradientIsTheSumOverSynapses) {
  const Csr c = random_csr(20, 15, 0.3, 41, /*dup=*/true);
  auto indptr = to_tensor(c.indptr, at::kLong);
  auto indices = to_tensor(c.indices, at::kLong);
  // Count matrix: M[i, j] = number of synapses i -> j; the dense product with w = 1.
  const auto M = dense_w(c, {1.0});
  for (bool transpose : {false, true}) {
    auto s = make_spikes({3, transpose ? 15 : 20}, Pattern::Random, 42, at::kBool);
    auto g = torch::randn({3, transpose ? 20 : 15}, torch::kDouble);
    auto w = torch::tensor({0.7}, torch::kDouble).requires_grad_(true);
    auto out = event_csr_matvec(s, indptr, indices, w, 15, transpose);
    auto gw = torch::autograd::grad({out}, {w}, {g})[0];
    // out = w * e(s) @ M  (transpose: w * e(v) @ M^T), so d/dw sum(out * g) = sum(e(s) @ M * g).
    const double ref = (reference(s, M, transpose) * g).sum().item<double>();
    EXPECT_NEAR(gw.item<double>(), ref, 1e-10);
    // A 0-d homogeneous weight keeps its shape in the gradient.
    auto w0 = torch::tensor(0.7, torch::kDouble).requires_grad_(true);
    auto gw0 = torch::autograd::grad({event_csr_matvec(s, indptr, indices, w0, 15, transpose)}, {w0}, {g})[0];
    EXPECT_EQ(gw0.dim(), 0);
    EXPECT_NEAR(gw0.item<double>(), ref, 1e-10);
  }
}

TEST(EventCsrMatvec, BoolSpikesGetNoGradient) {
  const Csr c = random_csr(6, 5, 0.5, 51);
  auto s = make_spikes({6}, Pattern::All, 52, at::kBool);
  auto w = weights_tensor(random_weights(c.nnz(), 53), at::kDouble).requires_grad_(true);
  auto out = event_csr_matvec(s, to_tensor(c.indptr, at::kLong), to_tensor(c.indices, at::kLong), w, 5);
  out.sum().backward();
  EXPECT_TRUE(w.grad().defined());
  EXPECT_FALSE(s.requires_grad());
  // Asking the backward op for a bool-spike gradient is an error naming spikes.
  const auto msg = message_of([&] {
    braintorch::ops::event_csr_matvec_backward(torch::ones({5}, torch::kDouble), s,
                                                       to_tensor(c.indptr, at::kLong), to_tensor(c.indices, at::kLong),
                                                       w.detach(), 5, false, {true, true});
  });
  EXPECT_NE(msg.find("spikes"), std::string::npos) << msg;
}

TEST(EventCsrMatvec, BackwardOpReturnsEmptyForUnrequestedGradients) {
  const Csr c = random_csr(6, 5, 0.5, 61);
  auto s = make_spikes({2, 6}, Pattern::Random, 62, at::kFloat);
  auto w = weights_tensor(random_weights(c.nnz(), 63), at::kFloat);
  auto [gs, gw] = braintorch::ops::event_csr_matvec_backward(
      torch::ones({2, 5}), s, to_tensor(c.indptr, at::kLong), to_tensor(c.indices, at::kInt), w, 5, false,
      {false, true});
  EXPECT_EQ(gs.numel(), 0);
  EXPECT_EQ(gs.scalar_type(), at::kFloat);
  EXPECT_EQ(gw.sizes(), w.sizes());
  auto [gs2, gw2] = braintorch::ops::event_csr_matvec_backward(
      torch::ones({2, 5}), s, to_tensor(c.indptr, at::kLong), to_tensor(c.indices, at::kInt), w, 5, false,
      {true, false});
  EXPECT_EQ(gs2.sizes(), s.sizes());
  EXPECT_EQ(gw2.numel(), 0);
}

TEST(EventCsrMatvec, DoubleBackwardRaises) {
  const Csr c = random_csr(6, 5, 0.5, 71);
  auto s = make_spikes({6}, Pattern::Random, 72, at::kDouble).requires_grad_(true);
  auto w = weights_tensor(random_weights(c.nnz(), 73), at::kDouble).requires_grad_(true);
  auto out = event_csr_matvec(s, to_tensor(c.indptr, at::kLong), to_tensor(c.indices, at::kLong), w, 5);
  auto grads = torch::autograd::grad({out.pow(2).sum()}, {w}, {}, /*retain_graph=*/true, /*create_graph=*/true);
  ASSERT_TRUE(grads[0].requires_grad());
  const auto msg = message_of([&] { torch::autograd::grad({grads[0].sum()}, {w}); });
  EXPECT_NE(msg.find("braintorch::event_csr_matvec does not support double backward"), std::string::npos) << msg;
}

// ------------------------------------------------------------------ determinism

TEST(EventCsrMatvec, BitwiseIdenticalAcrossThreadCounts) {
  const Csr c = random_csr(600, 500, 0.05, 81, /*dup=*/true);
  auto indptr = to_tensor(c.indptr, at::kLong);
  auto indices = to_tensor(c.indices, at::kInt);
  const int before = at::get_num_threads();
  auto run = [&](int threads) {
    at::set_num_threads(threads);
    std::vector<at::Tensor> r;
    for (bool transpose : {false, true})
      for (bool homog : {false, true}) {
        auto s = make_spikes({8, transpose ? 500 : 600}, Pattern::Random, 82, at::kFloat).requires_grad_(true);
        auto w = weights_tensor(random_weights(homog ? 1 : c.nnz(), 83), at::kFloat).requires_grad_(true);
        auto out = event_csr_matvec(s, indptr, indices, w, 500, transpose);
        auto g = torch::randn(out.sizes(), at::make_generator<at::CPUGeneratorImpl>(84), torch::kFloat);
        auto grads = torch::autograd::grad({out}, {s, w}, {g});
        r.push_back(out.detach());
        r.push_back(grads[0]);
        r.push_back(grads[1]);
      }
    return r;
  };
  const auto one = run(1);
  const auto two = run(2);
  at::set_num_threads(before);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(at::equal(one[i], two[i])) << "result " << i;
}

// ------------------------------------------------------------------ errors

struct Args {
  at::Tensor spikes = torch::ones({3});
  at::Tensor indptr = torch::tensor({0, 1, 2, 3}, torch::kLong);
  at::Tensor indices = torch::tensor({0, 1, 1}, torch::kInt);
  at::Tensor weights = torch::ones({3});
  int64_t n_post = 2;
  bool transpose = false;
  at::Tensor call() const { return event_csr_matvec(spikes, indptr, indices, weights, n_post, transpose); }
};

void expect_error_naming(const Args& a, const std::string& name) {
  EXPECT_THROW(a.call(), c10::Error);
  const auto msg = message_of([&] { a.call(); });
  EXPECT_NE(msg.find(name), std::string::npos) << "message does not name '" << name << "': " << msg;
}

TEST(EventCsrMatvec, EventDrivenForwardChecksTheRowsItReads) {
  // The forward product reads only the rows of spiking neurons and validates exactly those (so it stays
  // O(events)); the transposed product reads every row and validates the whole structure.
  Args a;
  a.indices = torch::tensor({0, 5, 1}, torch::kInt);  // row 1 targets post neuron 5 >= n_post
  a.spikes = torch::tensor({1.0, 0.0, 1.0});
  EXPECT_NO_THROW(a.call());  // row 1 is not read
  a.spikes = torch::tensor({0.0, 1.0, 0.0});
  expect_error_naming(a, "indices[1] = 5 is out of range");
  Args t = a;
  t.spikes = torch::zeros({2});
  t.transpose = true;
  expect_error_naming(t, "indices[1] = 5 is out of range");
  Args r;
  r.indptr = torch::tensor({0, 2, 1, 3}, torch::kLong);  // row 1 runs backwards
  r.spikes = torch::tensor({0.0, 1.0, 0.0});
  expect_error_naming(r, "indptr must be non-decreasing");
}

TEST(EventCsrMatvec, ManyEventsAcrossCollectionChunksMatchExactly) {
  // The CPU scatters collect spiking rows 512 at a time and carry the last 16 of a chunk over to the
  // next (for_each_event), so that the row prefetch does not restart at chunk boundaries. Event counts
  // around and far beyond one chunk, events at the very end of the input, and a bad index in a row
  // read from a later chunk. Integer weights make every sum exact: the result must equal the float64
  // dense reference bit for bit, for the CSR op and for the same matrix as fixed-number rows (ELL).
  const int64_t n_pre = 1700, n_post = 300, fan = 6;
  std::mt19937 rng(7);
  std::vector<int64_t> idx(n_pre * fan), indptr(n_pre + 1);
  for (int64_t i = 0; i <= n_pre; ++i) indptr[i] = i * fan;
  for (auto& j : idx) j = int64_t(rng() % n_post);  // duplicates within a row are allowed
  std::vector<double> w(idx.size());
  for (auto& x : w) x = double(int64_t(rng() % 7) - 3);
  Csr c;
  c.n_pre = n_pre;
  c.n_post = n_post;
  c.indptr = indptr;
  c.indices = idx;
  const auto W = dense_w(c, w);
  const auto ip = to_tensor(indptr, at::kLong), ix = to_tensor(idx, at::kInt), wt = weights_tensor(w, at::kFloat);
  const auto ell = ix.view({n_pre, fan}), ell_w = wt.view({n_pre, fan});
  for (int64_t count : {int64_t(495), int64_t(496), int64_t(497), int64_t(512), int64_t(513), int64_t(1024),
                        int64_t(1300), n_pre}) {
    for (bool at_end : {false, true}) {
      SCOPED_TRACE("events " + std::to_string(count) + (at_end ? " (last rows)" : " (random rows)"));
      auto s = torch::zeros({n_pre}, torch::kBool);
      if (at_end) {
        s.narrow(0, n_pre - count, count).fill_(true);
      } else {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(count));
        s.index_fill_(0, torch::randperm(n_pre, gen, torch::kLong).narrow(0, 0, count), true);
      }
      ASSERT_EQ(s.sum().item<int64_t>(), count);
      const auto ref = reference(s, W, false).to(torch::kFloat);
      EXPECT_TRUE(at::equal(event_csr_matvec(s, ip, ix, wt, n_post, false), ref));
      EXPECT_TRUE(at::equal(braintorch::ops::event_fcn_matvec(s, ell, ell_w, n_post, false), ref));
    }
  }
  // A bad index in a row far beyond the first chunk is still found and named.
  auto bad = ix.clone();
  bad[1600 * fan + 2] = int32_t(n_post);
  const auto all = torch::ones({n_pre}, torch::kBool);
  const std::string csr_msg = message_of([&] { event_csr_matvec(all, ip, bad, wt, n_post, false); });
  EXPECT_NE(csr_msg.find("indices[" + std::to_string(1600 * fan + 2) + "] = " + std::to_string(n_post)),
            std::string::npos)
      << csr_msg;
  const std::string ell_msg =
      message_of([&] { braintorch::ops::event_fcn_matvec(all, bad.view({n_pre, fan}), ell_w, n_post, false); });
  EXPECT_NE(ell_msg.find("indices"), std::string::npos) << ell_msg;
}

TEST(EventCsrMatvec, LargeSpikeVectorIsBitwiseTheSameForAnyThreadCount) {
  // One large spike vector (about 2,000 spiking rows, 80,000 synapses; a splitting of its scatter over
  // threads would show here). Random float weights make the result depend on the order of the
  // additions: 2 and 3 threads must give exactly the 1-thread result, which is also checked against the
  // float64 dense reference. Rows in descending target order give the same product (to round-off);
  // a bad index in one of the last rows is named.
  const int64_t n_pre = 6000, n_post = 4096;
  Csr c = random_csr(n_pre, n_post, 0.01, 91, /*dup=*/false, /*p_empty=*/0.05);
  const auto w_syn = random_weights(c.nnz(), 92);
  const auto spikes = make_spikes({n_pre}, Pattern::Random, 93, at::kBool);  // about 1/3 spike
  ASSERT_GT(spikes.sum().item<double>() * double(c.nnz()) / double(n_pre), double(1 << 15));
  const int before = at::get_num_threads();
  auto run = [&](const Csr& m, bool homog, int threads) {
    at::set_num_threads(threads);
    auto out = event_csr_matvec(spikes, to_tensor(m.indptr, at::kLong), to_tensor(m.indices, at::kInt),
                                weights_tensor(homog ? std::vector<double>{0.37} : w_syn, at::kFloat), n_post, false);
    at::set_num_threads(before);
    return out;
  };
  Csr reversed = c;  // every row's synapses in descending target order (weights reversed with them)
  std::vector<double> w_rev = w_syn;
  for (int64_t i = 0; i < n_pre; ++i) {
    std::reverse(reversed.indices.begin() + c.indptr[i], reversed.indices.begin() + c.indptr[i + 1]);
    std::reverse(w_rev.begin() + c.indptr[i], w_rev.begin() + c.indptr[i + 1]);
  }
  for (bool homog : {false, true}) {
    SCOPED_TRACE(homog ? "homogeneous" : "per-synapse weights");
    const auto one = run(c, homog, 1);
    const auto ref = reference(spikes, dense_w(c, homog ? std::vector<double>{double(0.37f)} : w_syn), false);
    EXPECT_TRUE(at::allclose(one.to(at::kDouble), ref, 1e-4, 1e-4));
    for (int threads : {2, 3}) EXPECT_TRUE(at::equal(run(c, homog, threads), one)) << threads << " threads";
    if (!homog) {
      at::set_num_threads(2);
      const auto rev = event_csr_matvec(spikes, to_tensor(reversed.indptr, at::kLong),
                                        to_tensor(reversed.indices, at::kInt), weights_tensor(w_rev, at::kFloat),
                                        n_post, false);
      at::set_num_threads(before);
      EXPECT_TRUE(at::allclose(rev.to(at::kDouble), ref, 1e-4, 1e-4));
    }
  }
  // A bad index in one of the last rows, with 2 threads.
  int64_t row = n_pre - 1;
  while (!(spikes[row].item<bool>() && c.indptr[row + 1] > c.indptr[row])) --row;
  Csr bad = c;
  bad.indices[c.indptr[row]] = n_post + 5;
  at::set_num_threads(2);
  const std::string msg = message_of([&] {
    event_csr_matvec(spikes, to_tensor(bad.indptr, at::kLong), to_tensor(bad.indices, at::kInt),
                     weights_tensor(w_syn, at::kFloat), n_post, false);
  });
  at::set_num_threads(before);
  EXPECT_NE(msg.find("indices[" + std::to_string(c.indptr[row]) + "] = " + std::to_string(n_post + 5)),
            std::string::npos)
      << msg;
}

TEST(EventCsrMatvec, BadInputErrorsNameTheArgument) {
  ASSERT_NO_THROW(Args{}.call());
  {
    Args a;
    a.spikes = torch::ones({3}, torch::kInt);
    expect_error_naming(a, "spikes must be bool, float32 or float64");
  }
  {
    Args a;
    a.weights = torch::ones({3}, torch::kLong);
    expect_error_naming(a, "weights must be float32 or float64");
  }
  {
    Args a;
    a.indptr = torch::tensor({0.0, 1.0, 2.0, 3.0});
    expect_error_naming(a, "indptr must be int32 or int64");
  }
  {
    Args a;
    a.indices = torch::tensor({0.0, 1.0, 1.0});
    expect_error_naming(a, "indices must be int32 or int64");
  }
  {
    Args a;
    a.spikes = torch::ones({4});  // n_pre is 3
    expect_error_naming(a, "spikes has last dimension 4");
  }
  {
    Args a;
    a.transpose = true;  // expects n_post = 2 entries
    expect_error_naming(a, "spikes has last dimension 3");
  }
  {
    Args a;
    a.spikes = torch::ones({1, 2, 3});
    expect_error_naming(a, "spikes must be 1-D");
  }
  {
    Args a;
    a.indices = torch::tensor({0, 2, 1}, torch::kInt);  // 2 >= n_post
    expect_error_naming(a, "indices[1] = 2 is out of range");
  }
  {
    Args a;
    a.indices = torch::tensor({0, -1, 1}, torch::kInt);
    expect_error_naming(a, "indices[1] = -1 is out of range");
  }
  {
    Args a;
    a.indptr = torch::tensor({0, 2, 1, 3}, torch::kLong);
    expect_error_naming(a, "indptr must be non-decreasing");
  }
  {
    Args a;
    a.indptr = torch::tensor({0, 1, 2, 4}, torch::kLong);
    expect_error_naming(a, "indptr[n_pre] = 4 must equal nnz");
  }
  {
    Args a;
    a.weights = torch::ones({2});
    expect_error_naming(a, "weights must have 1 element (homogeneous) or nnz");
  }
  {
    Args a;
    a.n_post = -1;
    expect_error_naming(a, "n_post must be >= 0");
  }
}

// ------------------------------------------------------------------ CUDA (compared with the CPU kernels)

TEST(EventCsrMatvecCuda, MatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const Csr c = random_csr(300, 200, 0.1, 91, /*dup=*/true);
  const at::Device cuda("cuda");
  for (bool transpose : {false, true})
    for (bool homog : {false, true})
      for (auto st : {at::kBool, at::kFloat})
        for (auto [pt, it] : std::vector<std::pair<at::ScalarType, at::ScalarType>>{{at::kInt, at::kInt},
                                                                                   {at::kLong, at::kInt}}) {
          SCOPED_TRACE(std::string("transpose=") + std::to_string(transpose) + " homog=" + std::to_string(homog));
          auto indptr = to_tensor(c.indptr, pt);
          auto indices = to_tensor(c.indices, it);
          auto w = weights_tensor(random_weights(homog ? 1 : c.nnz(), 92), at::kDouble);
          auto s = make_spikes({5, transpose ? 200 : 300}, Pattern::Random, 93, st);
          auto out_cpu = event_csr_matvec(s, indptr, indices, w, 200, transpose);
          auto out_cuda = event_csr_matvec(s.to(cuda), indptr.to(cuda), indices.to(cuda), w.to(cuda), 200, transpose);
          EXPECT_TRUE(at::allclose(out_cuda.cpu(), out_cpu, 1e-10, 1e-10));

          auto g = torch::randn(out_cpu.sizes(), torch::kDouble);
          const std::array<bool, 2> mask = {st != at::kBool, true};
          auto [gs_cpu, gw_cpu] =
              braintorch::ops::event_csr_matvec_backward(g, s, indptr, indices, w, 200, transpose, mask);
          auto [gs_cuda, gw_cuda] = braintorch::ops::event_csr_matvec_backward(
              g.to(cuda), s.to(cuda), indptr.to(cuda), indices.to(cuda), w.to(cuda), 200, transpose, mask);
          EXPECT_TRUE(at::allclose(gs_cuda.cpu(), gs_cpu, 1e-6, 1e-6));  // float spikes: cast after the sum
          EXPECT_TRUE(at::allclose(gw_cuda.cpu(), gw_cpu, 1e-9, 1e-9));
        }
}

TEST(EventCsrMatvecCuda, AutogradAndFloat32) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const Csr c = random_csr(50, 40, 0.2, 101);
  const at::Device cuda("cuda");
  const auto wv = random_weights(c.nnz(), 102);
  const auto W = dense_w(c, wv);
  auto s = make_spikes({3, 50}, Pattern::Random, 103, at::kFloat).to(cuda).requires_grad_(true);
  auto w = weights_tensor(wv, at::kFloat).to(cuda).requires_grad_(true);
  auto out = event_csr_matvec(s, to_tensor(c.indptr, at::kLong).to(cuda), to_tensor(c.indices, at::kInt).to(cuda), w,
                              40);
  EXPECT_TRUE(at::allclose(out.cpu().to(at::kDouble), reference(s.detach().cpu(), W, false), 1e-4, 1e-4));
  auto g = torch::randn({3, 40}, torch::kDouble);
  auto grads = torch::autograd::grad({out}, {s}, {g.to(cuda).to(at::kFloat)});
  EXPECT_TRUE(at::allclose(grads[0].cpu().to(at::kDouble), at::matmul(g, W.t()), 1e-4, 1e-4));
}

}  // namespace
