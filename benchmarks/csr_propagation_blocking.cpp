// Propagation blocking (Beamer et al., IPDPS 2017) as an alternative to the plain event CSR scatter,
// kept as a negative result: the op in torch_ops/cpu/event_csr_matvec_kernel.cpp does not use it.
// The plain scatter `out[idx[k]] += w[k]` misses L1 on every synapse once the output outgrows L1.
// Blocked: the synapses of up to 65,536 active-row synapses are first binned by output block
// (2^shift floats per block; the bin write is an 8-byte (index, weight) record), then each bin is
// scattered into its block, which fits L1. Same matrix layout as ops_benchmark.py and
// csr_scatter_floor.cpp (100 sorted random targets per row, int64 indptr, int32 indices, float32
// weights); both variants prefetch the row 8 ahead; results are checked bitwise equal.
//
//   cmake --build build --target experiment_csr_propagation_blocking   # with -DBRAINTORCH_BUILD_EXPERIMENTS=ON
//   for n in 100000 400000; do for s in 11 12 13 14; do build/bin/experiment_csr_propagation_blocking $n $s; done; done
// CMake uses the flags of the command the recorded figures were measured with:
//   g++ -O3 -march=native -o /tmp/csr_propagation_blocking benchmarks/csr_propagation_blocking.cpp
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>
namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? atoll(argv[1]) : 100000, fan = 100;
  const int shift = argc > 2 ? atoi(argv[2]) : 12;
  std::mt19937 rng(1);
  std::vector<int64_t> indptr(n + 1);
  std::vector<int32_t> indices(n * fan);
  std::vector<float> weights(n * fan);
  for (int64_t i = 0; i <= n; ++i) indptr[i] = i * fan;
  for (auto& j : indices) j = int32_t(rng() % n);
  for (auto& w : weights) w = float(rng() % 7);
  for (int64_t i = 0; i < n; ++i) std::sort(indices.begin() + indptr[i], indices.begin() + indptr[i + 1]);
  std::vector<float> out(n), ref(n);
  const int64_t nb = (n + (1 << shift) - 1) >> shift;
  for (const double rate : {0.01, 0.1}) {
    const int64_t k = int64_t(rate * n);
    std::vector<std::vector<int64_t>> lists(10);
    for (auto& l : lists) {
      std::vector<int64_t> all(n);
      for (int64_t i = 0; i < n; ++i) all[i] = i;
      std::shuffle(all.begin(), all.end(), rng);
      l.assign(all.begin(), all.begin() + k);
      std::sort(l.begin(), l.end());
    }
    const int calls = 20;
    // baseline with prefetch
    double tb = 0, tp = 0;
    const int64_t S = 1 << 16;  // synapses per chunk
    std::vector<uint64_t> buf(nb * S);
    std::vector<int64_t> cur(nb);
    for (int c = 0; c < calls; ++c) {
      const auto& rows = lists[c % lists.size()];
      double t0 = now();
      std::fill(ref.begin(), ref.end(), 0.f);
      for (size_t r = 0; r < rows.size(); ++r) {
        if (r + 8 < rows.size()) { int64_t b = indptr[rows[r+8]]; for (int q=0;q<7;++q){__builtin_prefetch(&indices[b+16*q],0,2);__builtin_prefetch(&weights[b+16*q],0,2);} }
        const int64_t i = rows[r];
        for (int64_t q = indptr[i]; q < indptr[i + 1]; ++q) ref[indices[q]] += weights[q];
      }
      tb += now() - t0;
      t0 = now();
      std::fill(out.begin(), out.end(), 0.f);
      size_t r = 0;
      while (r < rows.size()) {
        for (int64_t b = 0; b < nb; ++b) cur[b] = b * S;
        int64_t filled = 0;
        for (; r < rows.size() && filled + fan <= S; ++r) {
          if (r + 8 < rows.size()) { int64_t b = indptr[rows[r+8]]; for (int q=0;q<7;++q){__builtin_prefetch(&indices[b+16*q],0,2);__builtin_prefetch(&weights[b+16*q],0,2);} }
          const int64_t i = rows[r];
          const int64_t e = indptr[i + 1];
          for (int64_t q = indptr[i]; q < e; ++q) {
            const uint32_t j = uint32_t(indices[q]);
            uint32_t wb; std::memcpy(&wb, &weights[q], 4);
            buf[cur[j >> shift]++] = (uint64_t(wb) << 32) | j;
          }
          filled += e - indptr[i];
        }
        for (int64_t b = 0; b < nb; ++b) {
          for (int64_t p = b * S; p < cur[b]; ++p) {
            const uint64_t v = buf[p];
            float w; uint32_t wb = uint32_t(v >> 32); std::memcpy(&w, &wb, 4);
            out[uint32_t(v)] += w;
          }
        }
      }
      tp += now() - t0;
      if (std::memcmp(out.data(), ref.data(), n * 4) != 0) std::printf("MISMATCH\n");
    }
    std::printf("n=%lld rate=%.2f base %.2f ns/syn  blocked(shift %d, %lld bins) %.2f ns/syn\n", (long long)n, rate,
                tb / calls * 1e9 / (k * fan), shift, (long long)nb, tp / calls * 1e9 / (k * fan));
  }
}
