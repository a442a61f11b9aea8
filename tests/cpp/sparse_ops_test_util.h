#pragma once
// Helpers shared by the tests of the sparse/dense operator families (csr_matvec, event_dense_matvec,
// fcn_matvec, event_fcn_matvec) and the connectivity-format equivalence test. The references are built
// with plain loops and ATen float64 matmul, never through the ops under test.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace sparse_test {

// A connectivity as a list of rows of targets (duplicates allowed), from which every format is built.
struct Connectivity {
  int64_t n_pre = 0, n_post = 0;
  std::vector<std::vector<int64_t>> rows;
  int64_t nnz() const {
    int64_t n = 0;
    for (const auto& r : rows) n += int64_t(r.size());
    return n;
  }
};

// Random connectivity: each row empty with probability p_empty, otherwise Bernoulli(p) targets plus
// sometimes a duplicated target.
inline Connectivity random_connectivity(int64_t n_pre, int64_t n_post, double p, uint32_t seed, double p_empty = 0.2) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Connectivity c{n_pre, n_post, std::vector<std::vector<int64_t>>(n_pre)};
  for (int64_t i = 0; i < n_pre; ++i) {
    if (u(rng) < p_empty) continue;
    for (int64_t j = 0; j < n_post; ++j)
      if (u(rng) < p) c.rows[i].push_back(j);
    if (n_post > 0 && u(rng) < 0.3) c.rows[i].push_back(int64_t(u(rng) * n_post) % n_post);
  }
  return c;
}

// Fixed number of connections per row (targets drawn with replacement, so duplicates occur).
inline Connectivity random_fixed_connectivity(int64_t n_pre, int64_t n_post, int64_t n_conn, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> u(0, std::max<int64_t>(0, n_post - 1));
  Connectivity c{n_pre, n_post, std::vector<std::vector<int64_t>>(n_pre)};
  for (int64_t i = 0; i < n_pre; ++i)
    for (int64_t k = 0; k < n_conn; ++k) c.rows[i].push_back(u(rng));
  return c;
}

inline at::Tensor csr_indptr(const Connectivity& c, at::ScalarType t) {
  std::vector<int64_t> p{0};
  for (const auto& r : c.rows) p.push_back(p.back() + int64_t(r.size()));
  return torch::tensor(p, torch::kLong).to(t);
}
inline at::Tensor csr_indices(const Connectivity& c, at::ScalarType t) {
  std::vector<int64_t> v;
  for (const auto& r : c.rows) v.insert(v.end(), r.begin(), r.end());
  return torch::tensor(v, torch::kLong).to(t).reshape({int64_t(v.size())});
}
// ELL indices (n_pre, n_conn); every row must have n_conn synapses.
inline at::Tensor fcn_indices(const Connectivity& c, int64_t n_conn, at::ScalarType t) {
  return csr_indices(c, t).reshape({c.n_pre, n_conn});
}

// Synapse weights in row order; `integer` draws integers in [-3, 3] (exact float sums).
inline std::vector<double> random_weights(int64_t n, uint32_t seed, bool integer = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 2);
  std::uniform_int_distribution<int> ui(-3, 3);
  std::vector<double> w(n);
  for (auto& x : w) x = integer ? double(ui(rng)) : u(rng);
  return w;
}
inline at::Tensor weights_tensor(const std::vector<double>& w, at::ScalarType t) {
  return torch::tensor(w, torch::kDouble).to(t).reshape({int64_t(w.size())});
}

// Dense float64 (n_pre, n_post) from the connectivity and weights (1 = homogeneous), by plain loops.
inline at::Tensor dense_w(const Connectivity& c, const std::vector<double>& w) {
  auto d = torch::zeros({c.n_pre, c.n_post}, torch::kDouble);
  auto a = d.accessor<double, 2>();
  int64_t k = 0;
  for (int64_t i = 0; i < c.n_pre; ++i)
    for (int64_t j : c.rows[i]) {
      a[i][j] += w.size() == 1 ? w[0] : w[k];
      ++k;
    }
  return d;
}

// The gradient of each synapse k = (i -> j) from a dense float64 gradient dW: dW[i, j]; homogeneous:
// the sum over synapses.
inline at::Tensor synapse_grad(const Connectivity& c, const at::Tensor& dW, bool homogeneous) {
  auto a = dW.accessor<double, 2>();
  std::vector<double> g;
  for (int64_t i = 0; i < c.n_pre; ++i)
    for (int64_t j : c.rows[i]) g.push_back(a[i][j]);
  if (homogeneous) {
    double s = 0;
    for (double x : g) s += x;
    return torch::tensor({s}, torch::kDouble);
  }
  return torch::tensor(g, torch::kDouble).reshape({int64_t(g.size())});
}

enum class Pattern { Random, None, All };

// Float spikes in (-1, 2) (> 0 decides the event), forced by pattern; bool when t == kBool.
inline at::Tensor make_spikes(std::vector<int64_t> shape, Pattern pat, uint32_t seed, at::ScalarType t) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto x = torch::rand(shape, gen, torch::kDouble) * 3.0 - 1.0;
  if (pat == Pattern::None) x = -x.abs();
  if (pat == Pattern::All) x = x.abs() + 0.25;
  if (t == at::kBool) return x > 0;
  return x.to(t);
}
inline at::Tensor events(const at::Tensor& x) { return (x.to(torch::kDouble) > 0).to(torch::kDouble); }

inline at::Tensor make_values(std::vector<int64_t> shape, uint32_t seed, at::ScalarType t) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return (torch::rand(shape, gen, torch::kDouble) * 2.0 - 1.0).to(t);
}

// Float64 dense reference of post = x @ W, or W @ v (x @ W^T row-wise) when transposed.
inline at::Tensor dense_product(const at::Tensor& x, const at::Tensor& W, bool transpose) {
  auto xd = x.to(torch::kDouble);
  return transpose ? at::matmul(xd, W.t()) : at::matmul(xd, W);
}
// Float64 dense gradient of sum(g * product) w.r.t. W for input x (values or events already applied).
inline at::Tensor dense_weight_grad(const at::Tensor& x, const at::Tensor& g, bool transpose) {
  // 1-D inputs are a batch of one (unsqueeze rather than reshape(-1, n): n may be 0).
  auto x2 = x.dim() == 1 ? x.to(torch::kDouble).unsqueeze(0) : x.to(torch::kDouble);
  auto g2 = g.dim() == 1 ? g.to(torch::kDouble).unsqueeze(0) : g.to(torch::kDouble);
  return transpose ? at::matmul(g2.t(), x2) : at::matmul(x2.t(), g2);
}
// Float64 dense input gradient: g @ W^T (forward) or g @ W (transpose).
inline at::Tensor dense_input_grad(const at::Tensor& g, const at::Tensor& W, bool transpose) {
  auto gd = g.to(torch::kDouble);
  return transpose ? at::matmul(gd, W) : at::matmul(gd, W.t());
}

inline double tol_for(at::ScalarType t) { return t == at::kFloat ? 1e-4 : 1e-11; }
inline bool close(const at::Tensor& a, const at::Tensor& b, at::ScalarType t) {
  return a.sizes() == b.sizes() && at::allclose(a.to(torch::kDouble), b.to(torch::kDouble), tol_for(t), tol_for(t));
}

inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

// Runs f with n threads and restores the previous setting.
template <typename F>
auto with_threads(int n, F&& f) {
  const int old = at::get_num_threads();
  at::set_num_threads(n);
  auto r = f();
  at::set_num_threads(old);
  return r;
}

inline bool bitwise_equal(const at::Tensor& a, const at::Tensor& b) {
  return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && at::equal(a, b);
}

}  // namespace sparse_test

namespace sparse_test {
// EXPECT_TRUE(contains(message, "substring")) prints the message on failure.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}
}  // namespace sparse_test
