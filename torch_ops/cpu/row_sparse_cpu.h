#pragma once
// CPU loops shared by the row-sparse products (csr_matvec, fcn_matvec, event_fcn_matvec). They take
// raw contiguous pointers, a row layout (kernels::CsrRows / kernels::FixedRows) and EVENTS (whether the
// input is an event indicator or a float value).
//
// Determinism: at::parallel_for only splits independent outputs (a batch row of a scatter, one entry of
// a gather, the synapses of one row for the weight gradient), and every sum runs in a fixed order, so
// results are bitwise identical for any thread count.
#include <ATen/Parallel.h>

#include <atomic>
#include <cstdint>

#include "braintorch/kernels/row_sparse_math.h"
#include "torch_ops/cpu/grain.h"
#include "torch_ops/op_checks.h"

namespace braintorch::ops::row_sparse_cpu {

using detail::avg_row_length;
using detail::grain_for;

// out (batch, n_out), zero-initialised by the caller. The event scatter checks the target indices of
// the rows it visits while it scatters them (the rows of silent neurons are never read, so a check
// of all rows would cost O(nnz) per call): it returns false at the first index outside [0, n_post),
// and the caller then reports it. Every other direction expects indices checked beforehand.
template <bool EVENTS, typename scalar_t, typename input_t, typename index_t, typename Rows>
[[nodiscard]] bool forward(const input_t* x, const index_t* jp, const scalar_t* w, Rows rows,
                           const detail::EventCsrSizes& s, bool transpose, scalar_t* o) {
  std::atomic<bool> in_range{true};
  if (!transpose) {
    // Scatter: one thread owns one batch row of the output, rows in ascending order. Event inputs
    // visit only active rows (for_each_event), so that the synapses of the row kRowPrefetchDistance
    // ahead can be requested early (event_csr_math.h); float inputs visit every row in memory order,
    // which the hardware prefetcher streams.
    at::parallel_for(0, s.batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const input_t* xb = x + b * s.n_pre;
        scalar_t* ob = o + b * s.n_post;
        if constexpr (EVENTS) {
          const bool ok = kernels::for_each_event(xb, s.n_pre, [&](const int64_t* active, int64_t r, int64_t n) {
            if (r + kernels::kRowPrefetchDistance < n) {
              const int64_t ahead = active[r + kernels::kRowPrefetchDistance];
              kernels::prefetch_synapses(jp, w, s.homogeneous, rows.begin(ahead), rows.end(ahead));
            }
            const int64_t i = active[r];
            return kernels::scatter_range_bounded(jp, w, s.homogeneous, rows.begin(i), rows.end(i), s.n_post, ob);
          });
          if (!ok) {
            in_range = false;
            return;
          }
        } else {
          for (int64_t i = 0; i < s.n_pre; ++i)
            kernels::scatter_range(jp, w, s.homogeneous, rows.begin(i), rows.end(i),
                                   kernels::input_factor<EVENTS, scalar_t>(xb[i]), ob);
        }
      }
    });
  } else {
    // Gather: every output entry (b, i) is an independent sum over the synapses of row i.
    at::parallel_for(0, s.batch * s.n_pre, grain_for(avg_row_length(s)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t b = r / s.n_pre, i = r - b * s.n_pre;
        o[r] = kernels::gather_range<EVENTS>(jp, w, s.homogeneous, rows.begin(i), rows.end(i), x + b * s.n_post,
                                             s.n_post);
      }
    });
  }
  return in_range;
}

// Input gradient (the transposed float product with the weights; straight-through for events).
// gx (batch, n_in), zero-initialised by the caller; g (batch, n_out).
template <typename scalar_t, typename index_t, typename Rows>
void input_grad(const scalar_t* g, const index_t* jp, const scalar_t* w, Rows rows, const detail::EventCsrSizes& s,
                bool transpose, scalar_t* gx) {
  if (!transpose) {
    // grad_x[b, i] = sum_{k in row i} w_k g[b, idx_k]
    at::parallel_for(0, s.batch * s.n_pre, grain_for(avg_row_length(s)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t b = r / s.n_pre, i = r - b * s.n_pre;
        gx[r] = kernels::gather_range<false>(jp, w, s.homogeneous, rows.begin(i), rows.end(i), g + b * s.n_post,
                                             s.n_post);
      }
    });
  } else {
    // grad_v[b, idx_k] += w_k g[b, i]: a scatter, split over batch rows only.
    at::parallel_for(0, s.batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        for (int64_t i = 0; i < s.n_pre; ++i)
          kernels::scatter_range(jp, w, s.homogeneous, rows.begin(i), rows.end(i), g[b * s.n_pre + i],
                                 gx + b * s.n_post);
    });
  }
}

// Per-synapse weight gradient gw (nnz), zero-initialised by the caller. One thread owns the synapses of
// a row; each synapse sums over the batch in order.
template <bool EVENTS, typename scalar_t, typename input_t, typename index_t, typename Rows>
void weight_grad(const input_t* x, const scalar_t* g, const index_t* jp, Rows rows, const detail::EventCsrSizes& s,
                 bool transpose, scalar_t* gw) {
  at::parallel_for(0, s.n_pre, grain_for(avg_row_length(s) * s.batch), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t begin = rows.begin(i), end = rows.end(i);
      for (int64_t b = 0; b < s.batch; ++b) {
        if (!transpose) {
          const input_t xi = x[b * s.n_pre + i];
          if (!kernels::row_is_active<EVENTS>(xi)) continue;
          const scalar_t* gb = g + b * s.n_post;
          for (int64_t k = begin; k < end; ++k) gw[k] += kernels::weight_grad_product<EVENTS>(xi, gb[jp[k]]);
        } else {
          const scalar_t gi = g[b * s.n_pre + i];
          const input_t* vb = x + b * s.n_post;
          for (int64_t k = begin; k < end; ++k) gw[k] += kernels::weight_grad_product<EVENTS>(vb[jp[k]], gi);
        }
      }
    }
  });
}

}  // namespace braintorch::ops::row_sparse_cpu
