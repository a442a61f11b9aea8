// The prefetch window of the CPU event scatters across chunk boundaries: the previous loop (spiking
// rows collected 512 at a time, the row prefetch restarting in every chunk, so its last 16 rows were
// scattered unprefetched) against kernels::for_each_event (the last 16 rows of a chunk carried over
// to the next), both with prefetch_ahead and scatter_row_bounded as in the op.
//
//   cmake --build build --target experiment_event_chunk_carry   # with -DBRAINTORCH_BUILD_EXPERIMENTS=ON
//   build/bin/experiment_event_chunk_carry   # results/2026-11-24-ops-carry/chunk_carry.txt
// CMake uses the flags of the command the recorded figures were measured with:
//   g++ -O3 -std=gnu++17 -I include -I . -o /tmp/event_chunk_carry benchmarks/event_chunk_carry.cpp
//
// Same matrix as ops_benchmark.py (100 sorted random targets per row, int64 indptr, int32 indices,
// float32 weights); 60 different spike vectors (bool); the variants alternate call by call, each
// reading rows the other has not just read; median of 60 calls each, 1 thread.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "braintorch/kernels/event_csr_math.h"

namespace {

using namespace braintorch::kernels;

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Csr {
  std::vector<int64_t> ip;
  std::vector<int32_t> idx;
  std::vector<float> w;
};

// The loop of the previous revision.
__attribute__((noinline)) void restart_per_chunk(const Csr& m, const bool* x, int64_t n, float* out) {
  constexpr int64_t kChunk = 512;
  int64_t rows[kChunk];
  int64_t pos = 0;
  while (pos < n) {
    const int64_t k = collect_events(x, pos, n, rows, kChunk);
    for (int64_t r = 0; r < k; ++r) {
      prefetch_ahead(m.ip.data(), m.idx.data(), m.w.data(), false, rows, r, k, 0);
      if (!scatter_row_bounded(m.ip.data(), m.idx.data(), m.w.data(), false, rows[r], n, out)) std::abort();
    }
  }
}

__attribute__((noinline)) void carry_over(const Csr& m, const bool* x, int64_t n, float* out) {
  for_each_event(x, n, [&](const int64_t* rows, int64_t r, int64_t k) {
    prefetch_ahead(m.ip.data(), m.idx.data(), m.w.data(), false, rows, r, k, 0);
    if (!scatter_row_bounded(m.ip.data(), m.idx.data(), m.w.data(), false, rows[r], n, out)) std::abort();
    return true;
  });
}

}  // namespace

int main() {
  const int64_t fan = 100;
  std::mt19937 rng(1);
  std::printf("%8s %7s %16s %16s %7s\n", "n", "spikes", "restart us", "carry us", "ratio");
  for (const int64_t n : {int64_t(100000), int64_t(400000)}) {
    Csr m;
    m.ip.resize(n + 1);
    m.idx.resize(n * fan);
    m.w.assign(n * fan, 0.5f);
    for (int64_t i = 0; i <= n; ++i) m.ip[i] = i * fan;
    for (auto& j : m.idx) j = int32_t(rng() % n);
    for (int64_t i = 0; i < n; ++i) std::sort(m.idx.begin() + m.ip[i], m.idx.begin() + m.ip[i + 1]);
    std::vector<float> out(n), ref(n);
    for (const double rate : {0.01, 0.1}) {
      const int64_t k = int64_t(rate * double(n));
      std::vector<std::vector<char>> spikes(60, std::vector<char>(n, 0));
      std::vector<int64_t> all(n);
      for (auto& s : spikes) {
        for (int64_t i = 0; i < n; ++i) all[i] = i;
        std::shuffle(all.begin(), all.end(), rng);
        for (int64_t q = 0; q < k; ++q) s[all[q]] = 1;
      }
      std::vector<double> t_restart, t_carry;
      // Each variant gets its own spike vectors (30 each, swapped halfway), so that neither finds the
      // rows the other just read in the cache.
      for (int64_t c = 0; c < 60; ++c) {
        const auto& s_restart = spikes[c % 30 + (c < 30 ? 0 : 30)];
        const auto& s_carry = spikes[c % 30 + (c < 30 ? 30 : 0)];
        std::fill(ref.begin(), ref.end(), 0.0f);
        double t0 = now();
        restart_per_chunk(m, reinterpret_cast<const bool*>(s_restart.data()), n, ref.data());
        t_restart.push_back(now() - t0);
        std::fill(out.begin(), out.end(), 0.0f);
        t0 = now();
        carry_over(m, reinterpret_cast<const bool*>(s_carry.data()), n, out.data());
        t_carry.push_back(now() - t0);
      }
      // Same rows in the same order: bitwise the same sums.
      std::fill(ref.begin(), ref.end(), 0.0f);
      std::fill(out.begin(), out.end(), 0.0f);
      restart_per_chunk(m, reinterpret_cast<const bool*>(spikes[0].data()), n, ref.data());
      carry_over(m, reinterpret_cast<const bool*>(spikes[0].data()), n, out.data());
      if (out != ref) std::abort();
      std::sort(t_restart.begin(), t_restart.end());
      std::sort(t_carry.begin(), t_carry.end());
      const double a = t_restart[30] * 1e6, b = t_carry[30] * 1e6;
      std::printf("%8lld %6.0f%% %16.0f %16.0f %7.2f\n", static_cast<long long>(n), 100 * rate, a, b, a / b);
    }
  }
  return 0;
}
