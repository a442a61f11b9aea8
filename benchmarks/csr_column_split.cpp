// Splitting one spike vector's event CSR scatter over threads by output columns, without changing
// the sums (a negative result on this 2-core machine; the op does not split, see
// torch_ops/cpu/event_csr_matvec_kernel.cpp).
//
//   cmake --build build --target experiment_csr_column_split   # with -DBRAINTORCH_BUILD_EXPERIMENTS=ON
//   build/bin/experiment_csr_column_split   # results/2026-11-24-ops-carry/column_split.txt
// CMake uses the flags of the command the recorded figures were measured with:
//   g++ -O3 -pthread -std=gnu++17 -I include -I . -o /tmp/csr_column_split benchmarks/csr_column_split.cpp
//
// Part t of T owns the output columns [c_t, c_t+1) and walks every spiking row, delivering the synapses
// whose targets it owns: each output entry still receives its terms in row order, so the result is
// bitwise the one-thread result for any T (a split by input rows would reorder the additions). A part
// finds its share of a row sorted by target with two binary searches. Measured against the one-thread
// scatter (the op's loop: prefetch_ahead + scatter_row_bounded), the same two parts run one after the
// other in one thread (the split's extra work), and the two parts on two threads (one std::thread
// started per call, ~20-50 us of the time). Every call reads spiking rows no other call has just read. Same matrix as ops_benchmark.py: n = 100,000, 100 sorted
// random targets per row, int64 indptr, int32 indices, float32 weights, 1% and 10% of rows spiking.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "braintorch/kernels/event_csr_math.h"

namespace braintorch::kernels {

// One batch row's scatter split over threads by output columns: part t of T owns the targets
// [c_t, c_t+1) and visits every active row, delivering only the synapses whose targets it owns. Every
// output entry still receives its terms in row order and, within a row, in synapse order, so the sums
// are bitwise those of the one-thread scatter, for any number of parts.

// First position in [begin, end) whose target is >= c, assuming the row is sorted by target (branch-free
// binary search: its iteration count depends only on the row length). For an unsorted row it returns
// some position in [begin, end]; scatter_row_part then detects that the row is not partitioned.
template <typename index_t>
inline int64_t lower_bound_target(const index_t* indices, int64_t begin, int64_t end, int64_t c) {
  int64_t first = begin, n = end - begin;
  while (n > 0) {
    const int64_t half = n >> 1;
    const bool right = int64_t(indices[first + half]) < c;
    first = right ? first + half + 1 : first;
    n = right ? n - half - 1 : half;
  }
  return first;
}

// Part [lo, hi) of row `row`: the positions [s, e) with s = lower_bound(lo) (begin for the first part)
// and e = lower_bound(hi) (end for the last part), scattered in order. Neighbouring parts compute the
// same boundary, so if every part finds s <= e and every target of [s, e) inside [lo, hi), the parts
// tile the row and each synapse is delivered exactly once, by the part that owns its target. Returns
// false otherwise (an unsorted row, or a target outside [0, n_post)), having written only targets in
// [lo, hi); the caller then redoes the whole product with the one-thread scatter, which handles
// unsorted rows and names a bad index.
template <typename scalar_t, typename ptr_t, typename index_t>
inline bool scatter_row_part(const ptr_t* indptr, const index_t* indices, const scalar_t* weights, bool homogeneous,
                             int64_t row, int64_t lo, int64_t hi, bool first_part, bool last_part, scalar_t* out) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  const int64_t s = first_part ? begin : lower_bound_target(indices, begin, end, lo);
  const int64_t e = last_part ? end : lower_bound_target(indices, begin, end, hi);
  if (s > e) return false;
  const scalar_t w0 = weights[0];
  for (int64_t k = s; k < e; ++k) {
    const int64_t j = int64_t(indices[k]);
    if (static_cast<uint64_t>(j - lo) >= static_cast<uint64_t>(hi - lo)) return false;
    out[j] += homogeneous ? w0 : weights[k];
  }
  return true;
}

// The row-ahead prefetch of one part: indptr 2 * kRowPrefetchDistance rows ahead, and the part's
// expected share of the row kRowPrefetchDistance ahead (proportional to its columns, with a line of
// slack on either side; the exact boundary is not known before the row's binary search).
template <typename scalar_t, typename ptr_t, typename index_t>
inline void prefetch_ahead_part(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                                bool homogeneous, const int64_t* rows, int64_t r, int64_t n_rows, int64_t part,
                                int64_t parts) {
  if (r + 2 * kRowPrefetchDistance < n_rows) prefetch_read<PrefetchTo::kL1>(indptr + rows[r + 2 * kRowPrefetchDistance]);
  if (r + kRowPrefetchDistance < n_rows) {
    const int64_t row = rows[r + kRowPrefetchDistance];
    const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]), len = end - begin;
    constexpr int64_t kSlack = 64 / int64_t(sizeof(index_t));
    const int64_t b = std::max(begin, begin + len * part / parts - kSlack);
    const int64_t e = std::min(end, begin + len * (part + 1) / parts + kSlack);
    prefetch_synapses(indices, weights, homogeneous, b, e);
  }
}

}  // namespace braintorch::kernels

namespace {

using namespace braintorch::kernels;

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

int main() {
  const int64_t n = 100000, fan = 100, calls = 15;
  std::vector<int64_t> ip(n + 1);
  std::vector<int32_t> idx(n * fan);
  std::vector<float> w(n * fan, 1.0f);
  std::mt19937 rng(1);
  for (int64_t i = 0; i <= n; ++i) ip[i] = i * fan;
  for (auto& j : idx) j = int32_t(rng() % n);
  for (int64_t i = 0; i < n; ++i) std::sort(idx.begin() + ip[i], idx.begin() + ip[i + 1]);
  std::vector<float> out(n);
  std::printf("n = %ld, fan %ld; median of %ld calls, us\n", long(n), long(fan), long(calls));
  std::printf("%6s %10s %24s %24s\n", "spikes", "1 thread", "2 parts in 1 thread", "2 parts on 2 threads");
  for (const double rate : {0.01, 0.1}) {
    const int64_t k = int64_t(rate * double(n));
    // Fresh spiking rows for every call of every variant (call c of variant v reads list
    // (c + 5 v) mod 15), so that no variant finds the rows another one just read in the cache.
    std::vector<std::vector<int64_t>> lists(calls);
    std::vector<int64_t> all(n);
    for (auto& rows : lists) {
      for (int64_t i = 0; i < n; ++i) all[i] = i;
      std::shuffle(all.begin(), all.end(), rng);
      rows.assign(all.begin(), all.begin() + k);
      std::sort(rows.begin(), rows.end());
    }
    auto part = [&](const std::vector<int64_t>& rows, int64_t p, int64_t parts) {
      const int64_t lo = n * p / parts, hi = n * (p + 1) / parts;
      for (int64_t r = 0; r < k; ++r) {
        prefetch_ahead_part(ip.data(), idx.data(), w.data(), false, rows.data(), r, k, p, parts);
        if (!scatter_row_part(ip.data(), idx.data(), w.data(), false, rows[r], lo, hi, p == 0, p == parts - 1,
                              out.data()))
          std::abort();
      }
    };
    auto one_thread = [&](const std::vector<int64_t>& rows) {
      for (int64_t r = 0; r < k; ++r) {
        prefetch_ahead(ip.data(), idx.data(), w.data(), false, rows.data(), r, k, 0);
        scatter_row_bounded(ip.data(), idx.data(), w.data(), false, rows[r], n, out.data());
      }
    };
    auto two_parts_serial = [&](const std::vector<int64_t>& rows) {
      part(rows, 0, 2);
      part(rows, 1, 2);
    };
    auto two_threads = [&](const std::vector<int64_t>& rows) {
      std::thread second([&] { part(rows, 1, 2); });
      part(rows, 0, 2);
      second.join();
    };
    // The split gives exactly the one-thread sums.
    std::vector<float> ref;
    std::fill(out.begin(), out.end(), 0.0f);
    one_thread(lists[0]);
    ref = out;
    for (int v = 1; v < 3; ++v) {
      std::fill(out.begin(), out.end(), 0.0f);
      v == 1 ? two_parts_serial(lists[0]) : two_threads(lists[0]);
      if (out != ref) std::abort();
    }
    std::vector<double> t[3];
    for (int64_t c = 0; c < calls; ++c) {
      for (int v = 0; v < 3; ++v) {
        const auto& rows = lists[(c + 5 * v) % calls];
        std::fill(out.begin(), out.end(), 0.0f);
        const double t0 = now();
        if (v == 0) one_thread(rows);
        else if (v == 1) two_parts_serial(rows);
        else two_threads(rows);
        t[v].push_back(now() - t0);
      }
    }
    for (auto& tv : t) std::sort(tv.begin(), tv.end());
    std::printf("%5.0f%% %10.0f %24.0f %24.0f\n", 100 * rate, t[0][calls / 2] * 1e6, t[1][calls / 2] * 1e6,
                t[2][calls / 2] * 1e6);
  }
  return 0;
}
