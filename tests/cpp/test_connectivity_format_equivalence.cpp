// One random connectivity (a fixed number of targets per row, duplicates included) expressed in every
// connectivity format the library has: dense (event_dense_matvec, and a plain dense float matmul), CSR
// (event_csr_matvec, csr_matvec) and ELL (event_fcn_matvec, fcn_matvec). In the spirit of GeNN's
// connectivity-format tests, all formats must give the same outputs and the same gradients w.r.t. the
// synapse weights and the input: EXACTLY with integer-valued weights, inputs and output gradients
// (every partial sum is then an exact small integer), and to float round-off otherwise.
//
// Every format is one FormatCase: it receives the synapse weights as one leaf tensor (nnz elements in
// row order, or 1 element for a homogeneous weight) and builds its own representation from it
// differentiably, so all cases share one parameter and their gradients compare directly. A new stored
// format is one more entry of format_cases(). JIT connectivity has rows of random length, so it cannot
// be written as ELL with this structure: its equivalence with dense and CSR is tested in
// test_jit_format_equivalence.cpp.
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "braintorch/ops/csr_matvec.h"
#include "braintorch/ops/event_csr_matvec.h"
#include "braintorch/ops/event_dense_matvec.h"
#include "braintorch/ops/fcn_matvec.h"
#include "tests/cpp/sparse_ops_test_util.h"

namespace {

using namespace sparse_test;
namespace ops = braintorch::ops;

// The structure every format may read.
struct Structure {
  Connectivity conn;
  int64_t n_conn = 0;
  at::Tensor rows, cols;  // int64 (nnz): the (pre, post) pair of every synapse, row order
};

struct FormatCase {
  std::string name;
  bool events;  // true: the input is a spike tensor (> 0 is an event); false: the 0/1 float input e(s)
  // input: (n_in) or (B, n_in); weights: the shared leaf (nnz or 1 elements).
  std::function<at::Tensor(const Structure&, const at::Tensor& input, const at::Tensor& weights, bool transpose)> apply;
};

// Dense (n_pre, n_post) matrix built differentiably from the synapse weights (duplicates add up).
at::Tensor dense_from(const Structure& st, const at::Tensor& w) {
  auto per_synapse = w.numel() == 1 ? w.expand({st.rows.numel()}) : w;
  c10::List<std::optional<at::Tensor>> where;
  where.push_back(st.rows);
  where.push_back(st.cols);
  return torch::zeros({st.conn.n_pre, st.conn.n_post}, w.options()).index_put(where, per_synapse, /*accumulate=*/true);
}
at::Tensor ell_weights(const Structure& st, const at::Tensor& w) {
  return w.numel() == 1 ? w : w.reshape({st.conn.n_pre, st.n_conn});
}

std::vector<FormatCase> format_cases() {
  return {
      {"dense/event_dense_matvec", true,
       [](const Structure& st, const at::Tensor& s, const at::Tensor& w, bool transpose) {
         return ops::event_dense_matvec(s, dense_from(st, w), transpose);
       }},
      {"dense/float matmul", false,
       [](const Structure& st, const at::Tensor& x, const at::Tensor& w, bool transpose) {
         auto W = dense_from(st, w);
         return at::matmul(x, transpose ? W.t() : W);
       }},
      {"csr/event_csr_matvec", true,
       [](const Structure& st, const at::Tensor& s, const at::Tensor& w, bool transpose) {
         return ops::event_csr_matvec(s, csr_indptr(st.conn, at::kLong), csr_indices(st.conn, at::kInt), w,
                                      st.conn.n_post, transpose);
       }},
      {"csr/csr_matvec", false,
       [](const Structure& st, const at::Tensor& x, const at::Tensor& w, bool transpose) {
         return ops::csr_matvec(x, csr_indptr(st.conn, at::kInt), csr_indices(st.conn, at::kLong), w, st.conn.n_post,
                                transpose);
       }},
      {"ell/event_fcn_matvec", true,
       [](const Structure& st, const at::Tensor& s, const at::Tensor& w, bool transpose) {
         return ops::event_fcn_matvec(s, fcn_indices(st.conn, st.n_conn, at::kInt), ell_weights(st, w),
                                      st.conn.n_post, transpose);
       }},
      {"ell/fcn_matvec", false,
       [](const Structure& st, const at::Tensor& x, const at::Tensor& w, bool transpose) {
         return ops::fcn_matvec(x, fcn_indices(st.conn, st.n_conn, at::kLong), ell_weights(st, w), st.conn.n_post,
                                transpose);
       }},
  };
}

Structure make_structure(int64_t n_pre, int64_t n_post, int64_t n_conn, uint32_t seed) {
  Structure st;
  st.conn = random_fixed_connectivity(n_pre, n_post, n_conn, seed);
  st.n_conn = n_conn;
  std::vector<int64_t> r, c;
  for (int64_t i = 0; i < n_pre; ++i)
    for (int64_t j : st.conn.rows[i]) {
      r.push_back(i);
      c.push_back(j);
    }
  st.rows = torch::tensor(r, torch::kLong).reshape({int64_t(r.size())});
  st.cols = torch::tensor(c, torch::kLong).reshape({int64_t(c.size())});
  return st;
}

struct Result {
  at::Tensor out, grad_input, grad_weights;
};

Result run_case(const FormatCase& fc, const Structure& st, const at::Tensor& spikes, const at::Tensor& weights,
                const at::Tensor& grad_out, bool transpose) {
  // Event formats get the spikes; float formats get e(spikes) as 0/1 floats of the same dtype.
  auto input = (fc.events ? spikes.clone() : (spikes > 0).to(spikes.scalar_type())).requires_grad_(true);
  auto w = weights.clone().requires_grad_(true);
  auto out = fc.apply(st, input, w, transpose);
  auto grads = torch::autograd::grad({out}, {input, w}, {grad_out});
  return {out.detach(), grads[0], grads[1]};
}

void check_all_formats(bool integer_values) {
  const auto cases = format_cases();
  uint32_t seed = integer_values ? 1000 : 2000;
  int compared = 0;
  for (auto [n_pre, n_post, n_conn] : std::vector<std::array<int64_t, 3>>{{13, 17, 4}, {40, 25, 9}, {1, 3, 2}})
    for (bool homog : {false, true})
      for (auto t : {at::kFloat, at::kDouble})
        for (bool transpose : {false, true})
          for (bool batch : {false, true}) {
            const auto st = make_structure(n_pre, n_post, n_conn, seed++);
            const int64_t n_in = transpose ? n_post : n_pre, n_out = transpose ? n_pre : n_post;
            std::vector<int64_t> shape = batch ? std::vector<int64_t>{4, n_in} : std::vector<int64_t>{n_in};
            std::vector<int64_t> oshape = batch ? std::vector<int64_t>{4, n_out} : std::vector<int64_t>{n_out};
            auto weights = weights_tensor(random_weights(homog ? 1 : st.conn.nnz(), seed++, integer_values), t);
            auto spikes = make_spikes(shape, Pattern::Random, seed++, t);
            auto g = integer_values ? at::round(make_values(oshape, seed++, at::kDouble) * 4).to(t)
                                    : make_values(oshape, seed++, t);
            const Result ref = run_case(cases[0], st, spikes, weights, g, transpose);
            // An independent float64 dense reference anchors the first case.
            const auto wd = weights.to(at::kDouble).contiguous();
            const auto W = dense_w(st.conn, std::vector<double>(wd.data_ptr<double>(), wd.data_ptr<double>() + wd.numel()));
            EXPECT_TRUE(close(ref.out, dense_product(events(spikes), W, transpose), t));
            for (size_t k = 1; k < cases.size(); ++k) {
              SCOPED_TRACE(::testing::Message() << cases[k].name << " vs " << cases[0].name << " " << n_pre << "x"
                                                << n_post << " homog=" << homog << " t=" << t << " T=" << transpose
                                                << " batch=" << batch << " integer=" << integer_values);
              const Result r = run_case(cases[k], st, spikes, weights, g, transpose);
              if (integer_values) {
                EXPECT_TRUE(at::equal(r.out, ref.out));
                EXPECT_TRUE(at::equal(r.grad_input, ref.grad_input));
                EXPECT_TRUE(at::equal(r.grad_weights, ref.grad_weights));
              } else {
                EXPECT_TRUE(close(r.out, ref.out, t));
                EXPECT_TRUE(close(r.grad_input, ref.grad_input, t));
                EXPECT_TRUE(close(r.grad_weights, ref.grad_weights, t));
              }
              ++compared;
            }
          }
  EXPECT_EQ(compared, 3 * 2 * 2 * 2 * 2 * int(cases.size() - 1));
}

TEST(ConnectivityFormatEquivalence, ExactWithIntegerValues) { check_all_formats(true); }

TEST(ConnectivityFormatEquivalence, EqualToRoundOffWithRealValues) { check_all_formats(false); }

}  // namespace
