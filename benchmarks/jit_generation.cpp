// Cost of generating one JIT synapse (the column walk of kernels::jitc::for_each_column, and the
// weights of kernels::jitc::for_each_synapse), without the scatter: the current header against the
// previous revisions' schemes, in the same run.
//
//   cmake --build build --target experiment_jit_generation   # with -DBRAINTORCH_BUILD_EXPERIMENTS=ON
//   build/bin/experiment_jit_generation   # results/2026-11-24-jit-ops-rowstream/generation.txt
// CMake uses the flags of the command the recorded figures were measured with:
//   g++ -O3 -std=gnu++17 -ffp-contract=off -I include -I . -o /tmp/jit_generation benchmarks/jit_generation.cpp
//
// Rows of a 20,000 x 100,000 matrix at prob 0.001 (100 synapses per row) are walked, 1 thread; the
// checksum of the column indices shows that the walks agree with each other where they must: the
// "previous" walk and the current one draw the same uniforms but round differently, so their checksums
// may differ (in a handful of columns), the batched and the one-at-a-time current walks must not.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>

#include "braintorch/random/philox.h"
#include "braintorch/kernels/jitc_math.h"

namespace {

using namespace braintorch;
namespace jitc = kernels::jitc;

// The previous revision: an 18-term atanh series (degree 35) in one Horner chain, and a division by
// log(1 - prob) per gap, one gap per loop iteration.
double previous_log(double x) {
  int64_t e = 0;
  const double m = jitc::split_mantissa(x, e);
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double poly = 1.0 / 35.0;
  for (int k = 33; k >= 1; k -= 2) poly = poly * s2 + 1.0 / double(k);
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  return (double(e) * kLn2Hi + 2.0 * s * poly) + double(e) * kLn2Lo;
}

template <typename F>
void previous_walk(double log1mp, int64_t n_post, uint64_t seed, int64_t row, F&& f) {
  random::PhiloxStream stream(seed, uint64_t(row), jitc::kColumnTag);
  int64_t j = -1;
  for (;;) {
    const double skip = previous_log(stream.next_double()) / log1mp;
    if (!(skip < double(n_post - 1 - j))) break;
    j += 1 + int64_t(skip);
    f(j);
  }
}

// The current arithmetic, one gap per iteration (isolates the effect of the batching).
template <typename F>
void unbatched_walk(const jitc::Params& p, int64_t row, F&& f) {
  random::PhiloxStream stream(p.seed, uint64_t(row), jitc::kColumnTag);
  int64_t j = -1;
  for (;;) {
    const double skip = jitc::mul(jitc::portable_log(stream.next_double()), p.inv_log1mp);
    if (!(skip < double(p.n_post - 1 - j))) break;
    j += 1 + int64_t(skip);
    f(j);
  }
}

template <typename Walk>
void time_walk(const char* name, int64_t n_pre, Walk&& walk) {
  for (int rep = 0; rep < 3; ++rep) {
    int64_t count = 0, checksum = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t row = 0; row < n_pre; ++row) walk(row, [&](int64_t j) {
        ++count;
        checksum += j;
      });
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    if (rep == 2) std::printf("%-44s %6.2f ns/synapse  (%ld synapses, checksum %ld)\n", name, ns / double(count),
                              long(count), long(checksum));
  }
}

}  // namespace

int main() {
  const int64_t n_pre = 20000, n_post = 100000;
  const double prob = 0.001;
  const uint64_t seed = 42;
  const auto p = jitc::make_params(seed, prob, n_pre, n_post, jitc::kHomo);
  const double log1mp = previous_log(1.0 - prob);
  std::printf("JIT column walk, %ld x %ld, prob %g, 1 thread\n", long(n_pre), long(n_post), prob);
  time_walk("previous (18-term series, divide, 1 gap)", n_pre,
            [&](int64_t row, auto&& f) { previous_walk(log1mp, n_post, seed, row, f); });
  time_walk("current arithmetic, 1 gap per iteration", n_pre,
            [&](int64_t row, auto&& f) { unbatched_walk(p, row, f); });
  time_walk("current (for_each_column, 4 gaps per step)", n_pre,
            [&](int64_t row, auto&& f) { jitc::for_each_column(p, row, f); });
  // The floor: the Philox draws alone (two 53-bit uniforms per block).
  {
    double acc = 0;
    const int64_t draws = n_pre * 100;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t row = 0; row < n_pre; ++row) {
      random::PhiloxStream s(seed, uint64_t(row), jitc::kColumnTag);
      for (int k = 0; k < 100; ++k) acc += s.next_double();
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-44s %6.2f ns/draw     (sum %.3f)\n", "Philox draws alone", ns / double(draws), acc);
  }
  // Weights. Previous revision: a pure function of (seed, i, j), one Philox block per synapse at counter
  // (j, i, kWeightTag), and for normal weights a logarithm, a square root and a cosine per synapse.
  // Current: the row's own weight stream, in walk order; a normal Box-Muller pair serves two synapses.
  auto previous_weight = [&](int kind, int64_t i, int64_t j) {
    const uint64_t ui = uint64_t(i), uj = uint64_t(j);
    const auto block = random::philox4x32(uint32_t(uj), uint32_t(uj >> 32), uint32_t(ui),
                                          uint32_t(ui >> 32) ^ jitc::kWeightTag, uint32_t(seed), uint32_t(seed >> 32));
    const double u = random::uniform_open01(block.v[0], block.v[1]);
    if (kind == jitc::kUniform) return 0.5 * (1.0 - u) + 0.1 * u;
    const double v = random::uniform_open01(block.v[2], block.v[3]);
    double c, s;
    jitc::portable_sincos_2pi(v, c, s);
    return 0.5 + 0.1 * jitc::mul(std::sqrt(-2.0 * jitc::portable_log(u)), c);
  };
  for (const int kind : {int(jitc::kUniform), int(jitc::kNormal)}) {
    const char* kind_name = kind == jitc::kUniform ? "uniform" : "normal";
    const auto pk = jitc::make_params(seed, prob, n_pre, n_post, kind);
    for (const bool previous : {true, false}) {
      for (int rep = 0; rep < 3; ++rep) {
        double acc = 0;
        int64_t count = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (int64_t row = 0; row < n_pre; ++row) {
          if (previous) {
            jitc::for_each_column(pk, row, [&](int64_t j) {
              acc += previous_weight(kind, row, j);
              ++count;
            });
          } else {
            jitc::for_each_synapse(pk, row, [&](int64_t, double a, double b) {
              acc += jitc::weight(pk.kind, a, b, 0.5, 0.1);
              ++count;
            });
          }
        }
        const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        if (rep == 2) {
          char name[64];
          std::snprintf(name, sizeof name, "walk + %s weight (%s)", kind_name,
                        previous ? "previous: per (i, j)" : "row stream");
          std::printf("%-44s %6.2f ns/synapse  (mean weight %.6f)\n", name, ns / double(count), acc / double(count));
        }
      }
    }
  }
}
