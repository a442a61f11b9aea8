// How far software prefetching can take the event CSR scatter when its rows come from DRAM, and so
// whether the roofline goal (event CSR at >= 50% of a bandwidth roofline, benchmarks/README.md) is
// reachable at 1% and 10% spikes on this CPU by a better prefetch.
//
//   cmake --build build --target experiment_csr_prefetch_strategies   # with -DBRAINTORCH_BUILD_EXPERIMENTS=ON
//   build/bin/experiment_csr_prefetch_strategies 400000   # results/<date>-ops-prefetch-strategies/prefetch_strategies.txt
// CMake uses the flags of the command the recorded figures were measured with:
//   g++ -O3 -march=native -std=gnu++20 -I . -o /tmp/csr_prefetch_strategies benchmarks/csr_prefetch_strategies.cpp
//
// The matrix is the one of ops_benchmark.py at n = 400,000: 100 sorted random targets per row, int64
// indptr, int32 indices, float32 weights (308 MiB, more than the 260 MiB last-level cache). Every call
// delivers a freshly drawn set of spiking rows (as ops_benchmark.py does), so they come from DRAM or
// L3 as they would in the op; the output is zeroed untimed before each call. The loop is the op's
// (include/braintorch/kernels/event_csr_math.h: scatter_row over an ascending row list) without the op's other
// costs (the spike vector scan, at::zeros, bounds checks), so its times are a floor for the op. Each
// strategy is tried with the matrix in 4 KiB pages and with transparent huge pages (madvise), which
// the op cannot choose for its caller's tensors (torch does with THP_MEM_ALLOC_ENABLE=1).
//
// Strategies: the prefetch of the row rows[r + D] while rows[r] is scattered, with its indptr entry
// requested DI rows ahead (the op: all of the row's lines into L2, D = 8, DI = 16), other distances,
// other cache levels, and only the first line(s) of a row (leaving the rest to the hardware
// prefetcher, whose requests do not hold L1 fill buffers).
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "benchmarks/stream_triad.h"

namespace {

using bench::now;
using bench::triad_gbps;

enum Hint { kT0, kT1, kT2, kNta };

template <Hint H>
inline void prefetch(const void* p) {
  // asm volatile: GCC deletes __builtin_prefetch in some contexts (include/braintorch/kernels/prefetch.h).
  if constexpr (H == kT0) asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
  if constexpr (H == kT1) asm volatile("prefetcht1 %0" : : "m"(*static_cast<const char*>(p)));
  if constexpr (H == kT2) asm volatile("prefetcht2 %0" : : "m"(*static_cast<const char*>(p)));
  if constexpr (H == kNta) asm volatile("prefetchnta %0" : : "m"(*static_cast<const char*>(p)));
}

template <class T>
T* allocate(size_t n, bool huge) {
  constexpr size_t kHuge = size_t(1) << 21;
  const size_t bytes = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, bytes);
  if (huge) madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<T*>(p);
}

struct Csr {
  int64_t n, fan;
  int64_t* indptr;
  int32_t* indices;
  float* weights;
};

Csr make_csr(int64_t n, int64_t fan, bool huge, std::mt19937_64& rng) {
  Csr m{n, fan, allocate<int64_t>(n + 1, huge), allocate<int32_t>(n * fan, huge), allocate<float>(n * fan, huge)};
  for (int64_t i = 0; i <= n; ++i) m.indptr[i] = i * fan;
  for (int64_t q = 0; q < n * fan; ++q) {
    m.indices[q] = int32_t(rng() % uint64_t(n));
    m.weights[q] = float(rng() % 5);
  }
  for (int64_t i = 0; i < n; ++i) std::sort(m.indices + i * fan, m.indices + (i + 1) * fan);
  return m;
}

// The scatter of one row, as the op's scatter_row.
inline void scatter_row(const Csr& m, int64_t i, float* out) {
  for (int64_t q = m.indptr[i]; q < m.indptr[i + 1]; ++q) out[m.indices[q]] += m.weights[q];
}

// Prefetch `lines` lines (0: all) of each of the row's index and weight runs D rows ahead, its
// indptr entry DI rows ahead.
template <Hint H, int D, int DI, int Lines>
void scatter_prefetching(const Csr& m, const std::vector<int64_t>& rows, float* out) {
  const int64_t k = int64_t(rows.size());
  for (int64_t r = 0; r < k; ++r) {
    if (r + DI < k) prefetch<kT0>(m.indptr + rows[r + DI]);
    if (r + D < k) {
      const int64_t a = m.indptr[rows[r + D]], b = m.indptr[rows[r + D] + 1];
      const int64_t end = Lines == 0 ? b : std::min(b, a + 16 * Lines);
      for (int64_t q = a; q < end; q += 16) {
        prefetch<H>(m.indices + q);
        prefetch<H>(m.weights + q);
      }
    }
    scatter_row(m, rows[r], out);
  }
}

void scatter_plain(const Csr& m, const std::vector<int64_t>& rows, float* out) {
  for (const int64_t i : rows) scatter_row(m, i, out);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 400000, fan = 100;
  using Scatter = std::function<void(const Csr&, const std::vector<int64_t>&, float*)>;
  const std::vector<std::pair<std::string, Scatter>> strategies = {
      {"none", scatter_plain},
      {"all lines L2, D 8 / 16 (op)", scatter_prefetching<kT1, 8, 16, 0>},
      {"all lines L2, D 4 / 8", scatter_prefetching<kT1, 4, 8, 0>},
      {"all lines L2, D 16 / 32", scatter_prefetching<kT1, 16, 32, 0>},
      {"all lines L1, D 8 / 16", scatter_prefetching<kT0, 8, 16, 0>},
      {"all lines L3, D 8 / 16", scatter_prefetching<kT2, 8, 16, 0>},
      {"all lines NTA, D 8 / 16", scatter_prefetching<kNta, 8, 16, 0>},
      {"first line L2, D 16 / 32", scatter_prefetching<kT1, 16, 32, 1>},
      {"first 2 lines L2, D 16 / 32", scatter_prefetching<kT1, 16, 32, 2>},
      {"first line L3, D 32 / 64", scatter_prefetching<kT2, 32, 64, 1>},
  };
  std::mt19937_64 rng(1);
  const double bw = triad_gbps();
  std::printf("# n = %lld, %lld targets per row, fresh spiking rows every call, median of 7 (each the mean of\n"
              "# 20 calls at 1%%, 3 at 10%%); triad %.2f GB/s (1 thread, same run). roofline: bytes of the rows\n"
              "# touched (indptr pair + index + weight) + output (zeroed and written), over the triad, as\n"
              "# ops_benchmark.py; the op's own costs (spike scan, zeroing) are not in these times.\n",
              static_cast<long long>(n), static_cast<long long>(fan), bw);
  std::printf("%-6s %-5s %-30s %9s %10s %9s\n", "pages", "rate", "strategy", "us/call", "ns/synapse", "roofline");
  for (const bool huge : {false, true}) {
    const Csr m = make_csr(n, fan, huge, rng);
    float* out = allocate<float>(size_t(n), false);
    for (const double rate : {0.01, 0.1}) {
      const int64_t k = int64_t(rate * double(n));
      const int calls = rate > 0.05 ? 3 : 20, reps = 7;
      std::vector<int64_t> rows(static_cast<size_t>(k));
      std::vector<char> spiking(static_cast<size_t>(n));
      auto draw = [&] {
        std::fill(spiking.begin(), spiking.end(), 0);
        for (int64_t c = 0; c < k;) {
          const int64_t i = int64_t(rng() % uint64_t(n));
          if (!spiking[size_t(i)]) spiking[size_t(i)] = 1, ++c;
        }
        for (int64_t i = 0, c = 0; i < n; ++i)
          if (spiking[size_t(i)]) rows[size_t(c++)] = i;
      };
      std::vector<std::vector<double>> times(strategies.size());
      for (int rep = 0; rep < reps; ++rep) {
        // The order of the strategies rotates from one repetition to the next, so that none always
        // follows the same one (whose cache footprint it would inherit).
        for (size_t u = 0; u < strategies.size(); ++u) {
          const size_t v = (u + size_t(rep) * 3) % strategies.size();
          double total = 0;
          for (int c = 0; c < calls; ++c) {
            draw();
            std::memset(out, 0, size_t(n) * sizeof(float));
            const double t0 = now();
            strategies[v].second(m, rows, out);
            total += now() - t0;
          }
          times[v].push_back(total / calls);
        }
      }
      const double touched = double(k) * (2 * 8 + double(fan) * (4 + 4)) + 2.0 * double(n) * 4;
      for (size_t v = 0; v < strategies.size(); ++v) {
        auto t = times[v];
        std::sort(t.begin(), t.end());
        const double secs = t[t.size() / 2];
        std::printf("%-6s %4.0f%% %-30s %9.1f %10.2f %8.0f%%\n", huge ? "2 MiB" : "4 KiB", 100 * rate,
                    strategies[v].first.c_str(), secs * 1e6, secs * 1e9 / double(k * fan),
                    100 * touched / secs / 1e9 / bw);
      }
    }
    std::free(m.indptr);
    std::free(m.indices);
    std::free(m.weights);
    std::free(out);
  }
  return 0;
}
