#pragma once
// Adding a list of JIT rows into one output vector on the CPU, in parallel where it pays: shared by the
// event_jitc_matvec / jitc_matvec scatter of a single input vector and by EventJitCommunication's
// fused network path, which must produce the same sums.
//
// A JIT row costs its generation (~16-40 ns per synapse, compute-bound), not its additions (a few ns).
// All rows add into the same output, so threads cannot split the additions without changing their
// order; they split the generation instead: a block of rows is generated in parallel into per-row
// buffers of (column, weight), then one thread adds the buffers to the output in list order. Every
// out[j] therefore sums its terms in exactly the order of the serial loop: bitwise the same result for
// any thread count. Below kMinParallelSynapses expected synapses (or with a team of one thread) the
// rows are generated and added directly.
//
// Host only. This layer has no ATen, so the threads come from the caller: a `team` with
//   int64_t size() const                             the threads a parallel loop started here would use
//                                                     (1 inside a parallel region: no nested teams);
//   void parallel_for(int64_t begin, int64_t end, f)  f(b0, b1) over disjoint ranges covering
//                                                     [begin, end), returning when all are done.
// braintorch::AtenThreadTeam (braintorch/common/parallel.h) is at::parallel_for's.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "braintorch/kernels/jitc_math.h"

namespace braintorch::kernels::jitc {

// Rows generated per parallel block: at most kRowBlock, and about kBlockSynapses synapses. With ~80-100
// synapses per row a block is 256 rows, ~10^4 synapses of generation (hundreds of microseconds) against a
// few microseconds of fork and join, and its buffers (~200-500 KiB) stay in the L2 cache until they are
// added. The synapse bound also bounds the buffers kept across calls: with 256 rows of 10^5 synapses
// they would keep ~400 MB per calling thread. Rows longer than that go a few per block (at least two
// per thread, so that every thread generates). The block size changes no sum: the additions stay in
// list order.
constexpr int64_t kRowBlock = 256;
constexpr double kBlockSynapses = 32768;
constexpr double kMinParallelSynapses = 4096;

// One generated row: its connected columns in order and, except for "homo" (every weight is w0), their
// weights.
template <typename scalar_t>
struct RowBuffer {
  std::vector<int64_t> columns;
  std::vector<scalar_t> weights;
};

// Fills `r` with the synapses of `row`.
template <int kKind, typename scalar_t>
void generate_row(const Params& p, int64_t row, scalar_t w0, scalar_t w1, RowBuffer<scalar_t>& r) {
  r.columns.clear();
  r.weights.clear();
  for_each_synapse<kKind>(p, row, [&](int64_t j, double a, double b) {
    r.columns.push_back(j);
    if constexpr (kKind != kHomo) r.weights.push_back(weight(kKind, a, b, w0, w1));
  });
}

// out[j] += contribution(w_j) over a generated row, in column order: the additions of the direct loop.
template <int kKind, typename scalar_t, typename Contribution>
void add_row_buffer(const RowBuffer<scalar_t>& r, scalar_t w0, Contribution contribution, scalar_t* out) {
  const int64_t* c = r.columns.data();
  const int64_t n = int64_t(r.columns.size());
  if constexpr (kKind == kHomo) {
    const scalar_t w = contribution(w0);
    for (int64_t s = 0; s < n; ++s) out[c[s]] += w;
  } else {
    const scalar_t* w = r.weights.data();
    for (int64_t s = 0; s < n; ++s) out[c[s]] += contribution(w[s]);
  }
}

// For k = 0 .. count-1 in order: out[j] += weight(i_k, j) * value(k) over the synapses (i_k, j) of row
// i_k = row_of(k). EVENTS: value(k) is 1 and not called (an event adds the weight itself).
// expected_row_length: synapses per row on average (decides whether the threads pay).
template <int kKind, bool EVENTS, typename scalar_t, typename RowOf, typename ValueOf, typename Team>
void add_rows(const Params& p, int64_t count, RowOf row_of, ValueOf value_of, scalar_t w0, scalar_t w1,
              double expected_row_length, scalar_t* out, const Team& team) {
  auto contribution_of = [&](int64_t k) {
    return [&value_of, k](scalar_t w) {
      if constexpr (EVENTS) return w;
      else return w * value_of(k);
    };
  };
  const int64_t threads = team.size();
  if (threads <= 1 || double(count) * expected_row_length < kMinParallelSynapses) {
    for (int64_t k = 0; k < count; ++k) {
      const auto contribution = contribution_of(k);
      for_each_synapse<kKind>(p, row_of(k), [&](int64_t j, double a, double b) {
        out[j] += contribution(weight(kKind, a, b, w0, w1));
      });
    }
    return;
  }
  // Kept per calling thread across calls: a network calls this every step, and fresh buffers would
  // cost thousands of allocations per step as they grow. (No call nests inside another on one thread.)
  // The workers must use the calling thread's buffers (a thread_local named inside the parallel loop
  // would be each worker's own, empty one), hence the plain pointer.
  const int64_t block = std::clamp<int64_t>(int64_t(kBlockSynapses / std::max(1.0, expected_row_length)),
                                            std::min<int64_t>(kRowBlock, 2 * threads), kRowBlock);
  static thread_local std::vector<RowBuffer<scalar_t>> kept;
  if (kept.size() < size_t(block)) kept.resize(size_t(block));
  RowBuffer<scalar_t>* rows = kept.data();
  for (int64_t k0 = 0; k0 < count; k0 += block) {
    const int64_t k1 = std::min(count, k0 + block);
    team.parallel_for(k0, k1, [&](int64_t a0, int64_t a1) {
      for (int64_t k = a0; k < a1; ++k) generate_row<kKind>(p, row_of(k), w0, w1, rows[size_t(k - k0)]);
    });
    // One thread, list order: the serial loop's additions.
    for (int64_t k = k0; k < k1; ++k) add_row_buffer<kKind>(rows[size_t(k - k0)], w0, contribution_of(k), out);
  }
}

}  // namespace braintorch::kernels::jitc
