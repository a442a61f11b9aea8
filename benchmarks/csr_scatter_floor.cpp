// The floor of an event-driven CSR scatter on this CPU, without torch: how long `out[idx[k]] += w[k]`
// takes per synapse when nothing has to come from memory (hot: the same spikes every call, everything
// cached) and when the rows come from DRAM (cold: a 256 MiB buffer is streamed between calls), next to a
// STREAM triad measured in the same run. It explains the event CSR op's roofline fraction in
// ops_benchmark.py: the roofline counts 8 bytes (index + weight) per synapse, but each synapse also
// reads and writes one output line that misses L1 once the output outgrows it. The last table isolates
// that cost: a fixed stream of 4096 random synapses (always in L1) scattered into outputs from 16 KB
// (L1) to 6 MB, so nothing but the output's residency changes. The hot/cold loops do not prefetch;
// the op does (two stages: indptr, then the row's lines).
//
//   cmake --build build --target experiment_csr_scatter_floor   # with -DBRAINTORCH_BUILD_EXPERIMENTS=ON
//   build/bin/experiment_csr_scatter_floor
// CMake uses the flags of the command the recorded figures were measured with:
//   g++ -O3 -march=native -I . -o /tmp/csr_scatter_floor benchmarks/csr_scatter_floor.cpp
//
// Same layout as ops_benchmark.py: n = 100,000 rows of 100 sorted random targets, int64 indptr, int32
// indices, float32 weights, a fraction of rows spiking, spikes compacted first (not timed separately).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "benchmarks/stream_triad.h"

namespace {

using bench::now;
using bench::triad_gbps;

}  // namespace

int main() {
  const int64_t n = 100000, fan = 100;
  std::mt19937 rng(1);
  std::vector<int64_t> indptr(n + 1);
  std::vector<int32_t> indices(n * fan);
  std::vector<float> weights(n * fan, 1.0f);
  for (int64_t i = 0; i <= n; ++i) indptr[i] = i * fan;
  for (auto& j : indices) j = int32_t(rng() % n);
  for (int64_t i = 0; i < n; ++i) std::sort(indices.begin() + indptr[i], indices.begin() + indptr[i + 1]);
  std::vector<float> flush(size_t(64) << 20), out(n);
  const double bw = triad_gbps();
  std::printf("triad %.2f GB/s (1 thread)\n", bw);
  std::printf("%-5s %7s %10s %10s %9s\n", "mode", "spikes", "us/call", "ns/synapse", "roofline");
  for (const bool hot : {true, false}) {
    for (const int64_t k : {int64_t(100), int64_t(1000), int64_t(10000)}) {
      std::vector<std::vector<int32_t>> lists(hot ? 1 : 20);
      for (auto& l : lists) {
        std::vector<int32_t> all(n);
        for (int64_t i = 0; i < n; ++i) all[i] = int32_t(i);
        std::shuffle(all.begin(), all.end(), rng);
        l.assign(all.begin(), all.begin() + k);
        std::sort(l.begin(), l.end());
      }
      double total = 0;
      const int calls = 20;
      for (int c = 0; c < calls; ++c) {
        if (!hot)
          for (size_t q = 0; q < flush.size(); q += 16) flush[q] += 1.0f;
        const auto& rows = lists[c % lists.size()];
        const double t0 = now();
        std::fill(out.begin(), out.end(), 0.0f);
        for (const int32_t i : rows)
          for (int64_t q = indptr[i]; q < indptr[i + 1]; ++q) out[indices[q]] += weights[q];
        total += now() - t0;
      }
      const double secs = total / calls;
      const double touched = double(k) * (2 * 8 + fan * (4 + 4)) + 2.0 * n * 4;  // as ops_benchmark.py
      std::printf("%-5s %7lld %10.1f %10.2f %8.0f%%\n", hot ? "hot" : "cold", static_cast<long long>(k), secs * 1e6,
                  secs * 1e9 / double(k * fan), 100 * touched / secs / 1e9 / bw);
    }
  }
  std::printf("\noutput residency: 4096 L1-resident synapses scattered 200 times, best of 20\n");
  std::printf("%10s %9s %10s\n", "out floats", "out KB", "ns/synapse");
  for (const int64_t m : {int64_t(4096), int64_t(8192), int64_t(16384), int64_t(65536), int64_t(100000),
                          int64_t(400000), int64_t(1600000)}) {
    const int64_t k = 4096;
    std::vector<int32_t> idx(k);
    std::vector<float> w(k, 1.0f), o(m);
    for (auto& j : idx) j = int32_t(rng() % m);
    double best = 1e30;
    for (int r = 0; r < 20; ++r) {
      const double t0 = now();
      for (int it = 0; it < 200; ++it)
        for (int64_t q = 0; q < k; ++q) o[idx[q]] += w[q];
      best = std::min(best, now() - t0);
    }
    volatile float sink = o[0];
    (void)sink;
    std::printf("%10lld %9lld %10.2f\n", static_cast<long long>(m), static_cast<long long>(m * 4 / 1024),
                best / (200.0 * k) * 1e9);
  }
  return 0;
}
