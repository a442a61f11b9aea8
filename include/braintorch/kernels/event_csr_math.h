#pragma once
// Per-element arithmetic of the event-driven CSR product, shared by the CPU loops, the CUDA kernels
// and the simulation fast path. A connectivity matrix W has shape (n_pre, n_post), one CSR row per
// presynaptic neuron; `weights` holds either one shared value (homogeneous) or one per synapse.
#include <cstdint>
#include <cstring>

#include "braintorch/common/host_device.h"
#include "braintorch/kernels/prefetch.h"

// Device-side index checks: the CPU path validates the whole CSR structure before any kernel runs,
// the CUDA path cannot do that without a device->host sync, so its kernels assert on every index they
// touch (CUDA_KERNEL_ASSERT stays on in Release builds; a failure surfaces as a device-side assert).
#if defined(__CUDA_ARCH__)
#include <c10/macros/Macros.h>
#define BT_DEVICE_CHECK_INDEX(cond) CUDA_KERNEL_ASSERT(cond)
#else
#define BT_DEVICE_CHECK_INDEX(cond) ((void)0)
#endif

namespace braintorch::kernels {

// An input entry counts as one event when it is > 0 (bool true, or a float spike of 1).
template <typename input_t>
BT_HOST_DEVICE bool is_event(input_t x) {
  return x > input_t(0);
}
BT_HOST_DEVICE bool is_event(bool x) { return x; }

template <typename scalar_t, typename index_t>
BT_HOST_DEVICE scalar_t synapse_weight(const scalar_t* weights, bool homogeneous, index_t k) {
  return homogeneous ? weights[0] : weights[k];
}

// out[indices[k]] += w_k for every synapse k of row `row`: one presynaptic event delivered.
// indptr and indices may have different integer types (int64 offsets with int32 targets, say).
template <typename scalar_t, typename ptr_t, typename index_t>
inline void scatter_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                        bool homogeneous, int64_t row, scalar_t* out) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  if (homogeneous) {
    const scalar_t w = weights[0];
    for (int64_t k = begin; k < end; ++k) out[indices[k]] += w;
  } else {
    for (int64_t k = begin; k < end; ++k) out[indices[k]] += weights[k];
  }
}

// out[indices[k]] += w_k for the synapses k in [begin, end), every target index checked against
// [0, n_out) in the same pass (CPU event ops: a separate validation pass over a row cost as much as
// the scatter itself, since it takes the row's cache misses without work to overlap them with). Stops
// at the first bad index without writing it and returns false; the caller reports it. Synapses are
// visited in order, so the sums are those of the unchecked loop.
template <typename scalar_t, typename index_t>
inline bool scatter_range_bounded(const index_t* indices, const scalar_t* weights, bool homogeneous, int64_t begin,
                                  int64_t end, int64_t n_out, scalar_t* out) {
  const scalar_t w0 = weights[0];
  for (int64_t k = begin; k < end; ++k) {
    const int64_t j = int64_t(indices[k]);
    if (static_cast<uint64_t>(j) >= static_cast<uint64_t>(n_out)) return false;
    out[j] += homogeneous ? w0 : weights[k];
  }
  return true;
}

// scatter_range_bounded over the synapses of CSR row `row`.
template <typename scalar_t, typename ptr_t, typename index_t>
inline bool scatter_row_bounded(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                                bool homogeneous, int64_t row, int64_t n_post, scalar_t* out) {
  return scatter_range_bounded(indices, weights, homogeneous, int64_t(indptr[row]), int64_t(indptr[row + 1]), n_post,
                               out);
}

// Asks the cache hierarchy for the index (and weight) lines of a CSR row that will be scattered soon
// (CPU only). The rows of spiking neurons lie scattered through the matrix, so each row starts with
// cache and TLB misses; fetched one row at a time they serialise, requested a few rows ahead they
// overlap with the scatter of the rows before. At most kMaxLines lines per array: a long row's tail
// is streamed by the hardware prefetcher anyway. Measured in benchmarks/ops_benchmark.py.
template <typename scalar_t, typename index_t>
inline void prefetch_synapses(const index_t* indices, const scalar_t* weights, bool homogeneous, int64_t begin,
                              int64_t end) {
  constexpr int64_t kMaxLines = 16;
  constexpr int64_t idx_per_line = 64 / int64_t(sizeof(index_t)), w_per_line = 64 / int64_t(sizeof(scalar_t));
  for (int64_t k = begin, n = 0; k < end && n < kMaxLines; k += idx_per_line, ++n) prefetch_read<PrefetchTo::kL2>(indices + k);
  if (!homogeneous)
    for (int64_t k = begin, n = 0; k < end && n < kMaxLines; k += w_per_line, ++n) prefetch_read<PrefetchTo::kL2>(weights + k);
}
template <typename scalar_t, typename ptr_t, typename index_t>
inline void prefetch_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights, bool homogeneous,
                         int64_t row) {
  prefetch_synapses(indices, weights, homogeneous, int64_t(indptr[row]), int64_t(indptr[row + 1]));
}

// Two-stage prefetch for the scatter of rows[r] (row numbers relative to row_offset): the row
// kRowPrefetchDistance ahead has its index and weight lines requested, and the row twice as far ahead
// has its indptr entry requested. prefetch_row must read indptr to know where a row lies; with a large
// matrix that read is itself a cache miss, and a demand miss stalls the scatter behind it (the
// out-of-order window holds less than one row of work). Fetched a stage earlier it is a hit. Measured
// (benchmarks/README.md) on a 400k-row CSR at 1% spikes: 8.8 ns per synapse without prefetch, 4.2 ns
// with both stages; in a standalone loop the indptr stage alone took 5.2 to 3.7 ns.
constexpr int64_t kRowPrefetchDistance = 8;  // rows ahead; 4, 8 and 16 were within 10% in a standalone loop
template <typename scalar_t, typename ptr_t, typename index_t, typename row_t>
inline void prefetch_ahead(const ptr_t* indptr, const index_t* indices, const scalar_t* weights, bool homogeneous,
                           const row_t* rows, int64_t r, int64_t n_rows, int64_t row_offset) {
  if (r + 2 * kRowPrefetchDistance < n_rows)
    prefetch_read<PrefetchTo::kL1>(indptr + (int64_t(rows[r + 2 * kRowPrefetchDistance]) - row_offset));
  if (r + kRowPrefetchDistance < n_rows)
    prefetch_row(indptr, indices, weights, homogeneous, int64_t(rows[r + kRowPrefetchDistance]) - row_offset);
}

// Delivers the events of a list of active rows (e.g. the compact spike list of one step), in list
// order (so the float additions into `out` happen in the same order as without prefetching).
template <typename scalar_t, typename ptr_t, typename index_t, typename row_t>
inline void scatter_rows(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                         bool homogeneous, const row_t* rows, int64_t n_rows, int64_t row_offset,
                         scalar_t* out) {
  for (int64_t r = 0; r < n_rows; ++r) {
    prefetch_ahead(indptr, indices, weights, homogeneous, rows, r, n_rows, row_offset);
    scatter_row(indptr, indices, weights, homogeneous, int64_t(rows[r]) - row_offset, out);
  }
}

// Collects the positions i >= pos (up to end) whose input is an event into rows[0, n), n <= cap, and
// advances pos past the positions examined; returns n. Blocks of 16 without an event are skipped with
// one vectorisable test, so a sparse spike vector is scanned at memory speed, not element by element.
// Positions come out ascending: the caller delivers them in the same order as a plain loop would.
template <typename input_t>
inline int64_t collect_events(const input_t* x, int64_t& pos, int64_t end, int64_t* rows, int64_t cap) {
  constexpr int64_t kBlock = 16;
  int64_t n = 0;
  while (pos < end && n + kBlock <= cap) {
    if (pos + kBlock <= end) {
      bool any = false;
      if constexpr (sizeof(input_t) == 1) {
        // bool: two 8-byte words (the compiler does not vectorise the loop below over bool loads).
        uint64_t w0, w1;
        std::memcpy(&w0, x + pos, 8);
        std::memcpy(&w1, x + pos + 8, 8);
        any = (w0 | w1) != 0;
      } else {
        for (int64_t j = 0; j < kBlock; ++j) any |= is_event(x[pos + j]);
      }
      if (any) {
        for (int64_t j = 0; j < kBlock; ++j) {
          rows[n] = pos + j;
          n += is_event(x[pos + j]) ? 1 : 0;
        }
      }
      pos += kBlock;
    } else {
      for (; pos < end; ++pos) {
        rows[n] = pos;
        n += is_event(x[pos]) ? 1 : 0;
      }
    }
  }
  return n;
}

// Calls visit(rows, r, n) for the event positions of x[0, end) in ascending order, rows[r] being the
// current one and rows[r + 1, n) those after it that are already known (for prefetch_ahead); visit
// returns false to stop early (then so does this, returning false). The positions are collected a
// chunk at a time into a fixed buffer (no allocation), and the last 2 * kRowPrefetchDistance of a
// chunk are carried over to the next one instead of being visited at its end, so the prefetch distance
// holds across chunk boundaries (restarting it at each would leave 16 rows of every 512 unprefetched;
// benchmarks/event_chunk_carry.cpp measures the difference). The CSR and ELL scatters share it.
template <typename input_t, typename Visit>
inline bool for_each_event(const input_t* x, int64_t end, Visit&& visit) {
  constexpr int64_t kChunk = 512, kCarry = 2 * kRowPrefetchDistance;
  static_assert(kChunk >= 4 * kCarry, "a chunk must make progress after the carried rows");
  int64_t rows[kChunk];
  int64_t pos = 0;
  int64_t n = collect_events(x, pos, end, rows, kChunk);
  for (;;) {
    const bool more = pos < end;  // then collect_events stopped on a full buffer: n > kChunk - 16
    const int64_t stop = more ? n - kCarry : n;
    for (int64_t r = 0; r < stop; ++r)
      if (!visit(static_cast<const int64_t*>(rows), r, n)) return false;
    if (!more) return true;
    std::memmove(rows, rows + stop, sizeof(int64_t) * size_t(n - stop));
    n -= stop;
    n += collect_events(x, pos, end, rows + n, kChunk - n);
  }
}

// ---------------------------------------------------------------- gather (transposed) direction
// The helpers below take a (start, stride) pair over the synapses of one row so that a CUDA warp can
// split a row between its lanes (start = lane, stride = 32) while the CPU walks it with (0, 1). The
// partial sums are accumulated in synapse order, so one CPU thread always produces the same bits.

// sum over synapses k of row `row` with an event at their target: w_k * [x[indices[k]] is an event].
// This is one output entry of the transposed event product pre = W @ e(v).
template <typename scalar_t, typename ptr_t, typename index_t, typename input_t>
BT_HOST_DEVICE scalar_t event_gather_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                                         bool homogeneous, int64_t row, const input_t* x, int64_t n_cols,
                                         int64_t start = 0, int64_t stride = 1) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  scalar_t acc = scalar_t(0);
  for (int64_t k = begin + start; k < end; k += stride) {
    const int64_t j = int64_t(indices[k]);
    BT_DEVICE_CHECK_INDEX(j >= 0 && j < n_cols);
    if (is_event(x[j])) acc += synapse_weight(weights, homogeneous, k);
  }
  return acc;
}

// sum over synapses k of row `row` of w_k * x[indices[k]]: the float (straight-through) product. Used
// for the input gradient of the forward product, grad_s[i] = sum_k w_k g[idx_k].
template <typename scalar_t, typename ptr_t, typename index_t>
BT_HOST_DEVICE scalar_t gather_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                                   bool homogeneous, int64_t row, const scalar_t* x, int64_t n_cols,
                                   int64_t start = 0, int64_t stride = 1) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  scalar_t acc = scalar_t(0);
  for (int64_t k = begin + start; k < end; k += stride) {
    const int64_t j = int64_t(indices[k]);
    BT_DEVICE_CHECK_INDEX(j >= 0 && j < n_cols);
    acc += synapse_weight(weights, homogeneous, k) * x[j];
  }
  return acc;
}

// out[indices[k]] += w_k * scale for every synapse of `row` (host loop): the input gradient of the
// transposed product, grad_v[j] += w_k g[row]. The CUDA kernel does the same with atomicAdd.
template <typename scalar_t, typename ptr_t, typename index_t>
inline void scatter_row_scaled(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                               bool homogeneous, int64_t row, scalar_t scale, scalar_t* out) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  for (int64_t k = begin; k < end; ++k) out[indices[k]] += synapse_weight(weights, homogeneous, k) * scale;
}

// ---------------------------------------------------------------- weight-gradient terms
// Forward product post = e(s) @ W: d post[j] / d w_k = e(s[row(k)]) for j = idx_k, so synapse k gains
// g[idx_k] from every batch row in which its presynaptic neuron fired.
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t weight_grad_term(input_t pre_spike, scalar_t g_post) {
  return is_event(pre_spike) ? g_post : scalar_t(0);
}

// Transposed product pre = W @ e(v): d pre[i] / d w_k = e(v[idx_k]) for i = row(k).
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t weight_grad_term_transposed(scalar_t g_pre, input_t post_value) {
  return is_event(post_value) ? g_pre : scalar_t(0);
}

}  // namespace braintorch::kernels
