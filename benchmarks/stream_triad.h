#pragma once
// A STREAM-style triad a = b + s c over three 512 MiB float32 arrays (far beyond the last-level
// cache), best of 5, in GB/s: the bandwidth the standalone C++ benchmarks state their roofline
// fractions against (ops_benchmark.py measures the same triad with torch).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace bench {

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double triad_gbps() {
  const size_t n = size_t(128) << 20;
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const double t0 = now();
    for (size_t i = 0; i < n; ++i) a[i] = b[i] + 1.5f * c[i];
    best = std::min(best, now() - t0);
  }
  volatile float sink = a[n / 2];
  (void)sink;
  return 3.0 * double(n) * 4 / best / 1e9;
}

}  // namespace bench
