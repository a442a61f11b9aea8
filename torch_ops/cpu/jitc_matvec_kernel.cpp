// CPU kernels of the JIT-connectivity operators. The matrix is regenerated row by row
// (kernels::jitc::for_each_synapse); work is split only over independent outputs, so results are
// bitwise identical for any thread count:
//   forward x @ W      a scatter of the rows of nonzero (event) inputs: one batch row generates its rows
//                      on all threads and adds them in order (kernels/jitc_rows.h); a batch, a chunk of
//                      batch rows per task, each row generated once per tile of 16 batch rows;
//   transpose W @ x    a gather per row i (all batch rows at once, the row generated once), rows split;
//   weight gradient    per-row partial sums (double), added up in row order.
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>
#include <torch/library.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "braintorch/common/parallel.h"
#include "braintorch/kernels/event_csr_math.h"  // is_event
#include "braintorch/kernels/jitc_math.h"
#include "braintorch/kernels/jitc_rows.h"
#include "braintorch/ops/jitc_matvec.h"  // parse_jitc_kind
#include "torch_ops/cpu/grain.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;
namespace jitc = kernels::jitc;

int64_t expected_row_length(const jitc::Params& p, double prob) {
  return std::max<int64_t>(1, int64_t(prob * double(p.n_post)));
}

// The value an input entry contributes: e(x) for events, x itself for floats.
template <bool kEvents, typename scalar_t, typename input_t>
inline scalar_t input_value(input_t x) {
  if constexpr (kEvents) return kernels::is_event(x) ? scalar_t(1) : scalar_t(0);
  else return scalar_t(x);
}

// Batch rows that share one generation of each JIT row in scatter(); their partial sums sit side by
// side in a (n_post, tile) accumulator, so a synapse updates one cache line (16 floats) instead of
// `tile` lines n_post elements apart.
constexpr int64_t kBatchTile = 16;

// One batch row: out[j] += sum_i v(x[i]) w_ij over the rows with a nonzero input, in row order
// (jitc::add_rows generates the rows on several threads when it pays and adds them in order).
template <int kKind, bool kEvents, typename scalar_t, typename input_t>
void scatter_one(const jitc::Params& p, double prob, const input_t* x, scalar_t w0, scalar_t w1, scalar_t* out) {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < p.n_pre; ++i)
    if (input_value<kEvents, scalar_t>(x[i]) != scalar_t(0)) rows.push_back(i);
  jitc::add_rows<kKind, kEvents>(
      p, int64_t(rows.size()), [&](int64_t k) { return rows[size_t(k)]; },
      [&](int64_t k) { return input_value<kEvents, scalar_t>(x[rows[size_t(k)]]); }, w0, w1,
      double(expected_row_length(p, prob)), out, AtenThreadTeam{});
}

// out[b, j] += sum_i v(x[b, i]) w_ij, rows with a zero input skipped (an event row adds w_ij itself).
// One batch row: scatter_one. Otherwise a task owns a chunk of batch rows and walks it in tiles of
// kBatchTile: each row i is generated once per tile (generation, not the additions, is what a JIT row
// costs; B float inputs would otherwise pay it B times) and added to every batch row of the tile whose
// input is nonzero. Every out[b, j] still sums its terms in row order from 0, so the result does not
// depend on the chunking, the tiling or the number of threads.
template <int kKind, bool kEvents, typename scalar_t, typename input_t>
void scatter(const jitc::Params& p, double prob, const input_t* x, int64_t batch, scalar_t w0, scalar_t w1,
             scalar_t* out) {
  if (batch == 1) return scatter_one<kKind, kEvents>(p, prob, x, w0, w1, out);
  at::parallel_for(0, batch, 1, [&](int64_t b0, int64_t b1) {
    std::vector<scalar_t> acc;  // (n_post, width) partial sums of the tile
    for (int64_t t0 = b0; t0 < b1; t0 += kBatchTile) {
      const int64_t width = std::min(kBatchTile, b1 - t0);
      if (width == 1) {  // one batch row: add straight into it
        scatter_one<kKind, kEvents>(p, prob, x + t0 * p.n_pre, w0, w1, out + t0 * p.n_post);
        continue;
      }
      acc.assign(size_t(p.n_post * width), scalar_t(0));
      int64_t lane[kBatchTile];  // the tile's batch rows with a nonzero input in row i, and their values
      scalar_t value[kBatchTile];
      for (int64_t i = 0; i < p.n_pre; ++i) {
        int64_t active = 0;
        for (int64_t b = 0; b < width; ++b) {
          const scalar_t v = input_value<kEvents, scalar_t>(x[(t0 + b) * p.n_pre + i]);
          if (v == scalar_t(0)) continue;
          lane[active] = b;
          value[active++] = v;
        }
        if (active == 0) continue;
        jitc::for_each_synapse<kKind>(p, i, [&](int64_t j, double ca, double cb) {
          const scalar_t w = jitc::weight(kKind, ca, cb, w0, w1);
          scalar_t* a = acc.data() + j * width;
          for (int64_t k = 0; k < active; ++k) {
            if constexpr (kEvents) a[lane[k]] += w;
            else a[lane[k]] += w * value[k];
          }
        });
      }
      for (int64_t b = 0; b < width; ++b) {
        scalar_t* ob = out + (t0 + b) * p.n_post;
        for (int64_t j = 0; j < p.n_post; ++j) ob[j] = acc[size_t(j * width + b)];
      }
    }
  });
}

// out[b, i] = sum_j w_ij v(x[b, j]) for every row i.
template <int kKind, bool kEvents, typename scalar_t, typename input_t>
void gather(const jitc::Params& p, double prob, const input_t* x, int64_t batch, scalar_t w0, scalar_t w1,
            scalar_t* out) {
  at::parallel_for(0, p.n_pre, grain_for(expected_row_length(p, prob) * batch), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      for (int64_t b = 0; b < batch; ++b) out[b * p.n_pre + i] = scalar_t(0);
      jitc::for_each_synapse<kKind>(p, i, [&](int64_t j, double ca, double cb) {
        const scalar_t w = jitc::weight(kKind, ca, cb, w0, w1);
        for (int64_t b = 0; b < batch; ++b) {
          if constexpr (kEvents) {
            if (kernels::is_event(x[b * p.n_post + j])) out[b * p.n_pre + i] += w;
          } else {
            out[b * p.n_pre + i] += w * scalar_t(x[b * p.n_post + j]);
          }
        }
      });
    }
  });
}

template <typename scalar_t>
scalar_t scalar_of(const at::Tensor& t) {
  return t.to(at::kCPU).reshape({}).template item<scalar_t>();
}

at::Tensor matvec_cpu(const char* op, bool events, const at::Tensor& x_in, const at::Tensor& w0, const at::Tensor& w1,
                      int64_t seed, double prob, int64_t n_pre, int64_t n_post, c10::string_view kind,
                      bool transpose) {
  const auto s = check_jitc_args(op, x_in, w0, w1, prob, n_pre, n_post, std::string(kind), transpose, events);
  const auto x = x_in.contiguous();
  auto out = at::zeros(output_shape(x, s.n_out), w0.options());
  if (out.numel() == 0 || x.numel() == 0) return out;
  const auto p = jitc::make_params(uint64_t(seed), prob, n_pre, n_post, s.kind);
  dispatch_weight_type(w0.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t a = scalar_of<scalar_t>(w0), b = scalar_of<scalar_t>(w1);
    scalar_t* o = out.data_ptr<scalar_t>();
    auto run = [&](auto in_v, auto events_v) {
      using input_t = decltype(in_v);
      constexpr bool kEvents = decltype(events_v)::value;
      const input_t* xp = x.data_ptr<input_t>();
      jitc::dispatch_kind(p.kind, [&](auto kind) {
        if (transpose) gather<kind.value, kEvents, scalar_t>(p, prob, xp, s.batch, a, b, o);
        else scatter<kind.value, kEvents, scalar_t>(p, prob, xp, s.batch, a, b, o);
      });
    };
    if (events) dispatch_spike_type(x.scalar_type(), [&](auto in_v) { run(in_v, std::true_type{}); });
    else run(scalar_t{}, std::false_type{});
  });
  return out;
}

at::Tensor jitc_matvec_cpu(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob,
                           int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose) {
  return matvec_cpu("braintorch::jitc_matvec", false, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
}

at::Tensor event_jitc_matvec_cpu(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
                                 double prob, int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose) {
  return matvec_cpu("braintorch::event_jitc_matvec", true, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> jitc_matvec_backward_cpu(
    const at::Tensor& grad_out, const at::Tensor& x_in, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
    double prob, int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose, bool events,
    std::array<bool, 3> output_mask) {
  const auto s = check_jitc_backward_args(grad_out, x_in, w0, w1, prob, n_pre, n_post, std::string(kind), transpose,
                                          events, output_mask);
  const auto x = x_in.contiguous();
  const auto g = grad_out.to(w0.scalar_type()).contiguous();
  const auto p = jitc::make_params(uint64_t(seed), prob, n_pre, n_post, s.kind);
  at::Tensor gx = at::empty({0}, w0.options()), gw0 = at::empty({0}, w0.options()), gw1 = at::empty({0}, w0.options());
  dispatch_weight_type(w0.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t a0 = scalar_of<scalar_t>(w0), a1 = scalar_of<scalar_t>(w1);
    const scalar_t* gp = g.data_ptr<scalar_t>();
    // ---- input: the product of grad_out with the transposed matrix (straight-through for events)
    if (output_mask[0]) {
      gx = at::zeros(x.sizes(), w0.options());
      if (gx.numel() > 0) {
        scalar_t* o = gx.data_ptr<scalar_t>();
        jitc::dispatch_kind(p.kind, [&](auto kind) {
          if (transpose) scatter<kind.value, false, scalar_t>(p, prob, gp, s.batch, a0, a1, o);  // g (B, n_pre) @ W
          else gather<kind.value, false, scalar_t>(p, prob, gp, s.batch, a0, a1, o);       // W @ g (B, n_post)
        });
      }
      gx = gx.to(x.scalar_type());
    }
    // ---- weight parameters: per-row partial sums of a_ij t_ij and b_ij t_ij
    if (output_mask[1] || output_mask[2]) {
      std::vector<double> partial(size_t(2 * p.n_pre), 0.0);
      auto accumulate = [&](auto in_v, auto events_v, auto kind) {
        using input_t = decltype(in_v);
        constexpr bool kEvents = decltype(events_v)::value;
        constexpr int kKind = decltype(kind)::value;
        const input_t* xp = x.data_ptr<input_t>();
        at::parallel_for(0, p.n_pre, grain_for(expected_row_length(p, prob) * s.batch), [&](int64_t i0, int64_t i1) {
          for (int64_t i = i0; i < i1; ++i) {
            if (!transpose) {  // rows without any nonzero input contribute nothing
              bool any = false;
              for (int64_t b = 0; b < s.batch && !any; ++b)
                any = input_value<kEvents, double>(xp[b * p.n_pre + i]) != 0.0;
              if (!any) continue;
            }
            double sa = 0.0, sb = 0.0;
            jitc::for_each_synapse<kKind>(p, i, [&](int64_t j, double ca, double cb) {
              double t = 0.0;
              for (int64_t b = 0; b < s.batch; ++b) {
                if (!transpose) t += input_value<kEvents, double>(xp[b * p.n_pre + i]) * double(gp[b * p.n_post + j]);
                else t += double(gp[b * p.n_pre + i]) * input_value<kEvents, double>(xp[b * p.n_post + j]);
              }
              sa += ca * t;
              sb += cb * t;
            });
            partial[size_t(2 * i)] = sa;
            partial[size_t(2 * i + 1)] = sb;
          }
        });
      };
      jitc::dispatch_kind(p.kind, [&](auto kind) {
        if (events) dispatch_spike_type(x.scalar_type(), [&](auto in_v) { accumulate(in_v, std::true_type{}, kind); });
        else accumulate(scalar_t{}, std::false_type{}, kind);
      });
      double ta = 0.0, tb = 0.0;
      for (int64_t i = 0; i < p.n_pre; ++i) {
        ta += partial[size_t(2 * i)];
        tb += partial[size_t(2 * i + 1)];
      }
      if (output_mask[1]) gw0 = at::full(w0.sizes(), ta, w0.options());
      if (output_mask[2]) gw1 = at::full(w1.sizes(), tb, w1.options());  // 0 for "homo" (every b_ij is 0)
    }
  });
  return {gx, gw0, gw1};
}

at::Tensor jitc_to_dense_cpu(const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob, int64_t n_pre,
                             int64_t n_post, c10::string_view kind) {
  constexpr const char* op = "braintorch::jitc_to_dense";
  check_jitc_weight_args(op, w0, w1, prob, n_pre, n_post);
  const auto p = jitc::make_params(uint64_t(seed), prob, n_pre, n_post, parse_jitc_kind(op, std::string(kind)));
  auto out = at::zeros({n_pre, n_post}, w0.options());
  if (out.numel() == 0) return out;
  dispatch_weight_type(w0.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t a = scalar_of<scalar_t>(w0), b = scalar_of<scalar_t>(w1);
    scalar_t* o = out.data_ptr<scalar_t>();
    jitc::dispatch_kind(p.kind, [&](auto kind) {
      constexpr int kKind = decltype(kind)::value;
      at::parallel_for(0, n_pre, grain_for(expected_row_length(p, prob)), [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
          jitc::for_each_synapse<kKind>(
              p, i, [&](int64_t j, double ca, double cb) { o[i * n_post + j] = jitc::weight(kKind, ca, cb, a, b); });
      });
    });
  });
  return out;
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("jitc_matvec", TORCH_FN(braintorch::ops::jitc_matvec_cpu));
  m.impl("event_jitc_matvec", TORCH_FN(braintorch::ops::event_jitc_matvec_cpu));
  m.impl("jitc_matvec_backward", TORCH_FN(braintorch::ops::jitc_matvec_backward_cpu));
  m.impl("jitc_to_dense", TORCH_FN(braintorch::ops::jitc_to_dense_cpu));
}
