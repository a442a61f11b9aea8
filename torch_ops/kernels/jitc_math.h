#pragma once
// Per-element arithmetic of just-in-time (JIT) connectivity, shared by the CPU loops and the CUDA
// kernels: the matrix W (n_pre, n_post) is never stored, every call regenerates it from
// (seed, prob, n_pre, n_post, kind, w0, w1).
//
// The scheme (a pure function of those parameters; see include/braintorch/ops/jitc_matvec.h):
//   - Row i's columns: a Philox stream keyed by the seed, stream id i, draws u_1, u_2, ... in (0, 1);
//     the k-th connected column is c_k = c_{k-1} + 1 + floor(log(u_k) / log(1 - prob)), c_0 = -1, until
//     c_k >= n_post. The gaps are Geometric(prob), so every (i, j) is connected independently with
//     probability prob (prob = 1 connects every column).
//   - The weight of (i, j) is w0 * a_ij + w1 * b_ij, with coefficients that depend only on
//     (seed, i, j) through one Philox block at counter (j, i_lo, i_hi, kWeightTag):
//       homo:     a = 1,     b = 0          (w0 = the weight)
//       uniform:  a = 1 - u, b = u          (w0 = low, w1 = high; u uniform in (0, 1))
//       normal:   a = 1,     b = z          (w0 = mu, w1 = sigma; z standard normal, Box-Muller)
// Bitwise the same on CPU and CUDA: only integer arithmetic and correctly rounded double operations
// (+, -, *, /, sqrt) are used, the logarithm and cosine are this file's own polynomials, and on the
// device every product and sum is an explicitly rounded intrinsic, so no fused multiply-add can creep in.
#include <cstdint>

#include "braintorch/common/host_device.h"
#include "braintorch/random/philox.h"

namespace braintorch::kernels::jitc {

enum Kind : int { kHomo = 0, kUniform = 1, kNormal = 2 };

constexpr uint32_t kColumnTag = 0x4A49540Cu;  // "JIT" + column stream
constexpr uint32_t kWeightTag = 0x4A495457u;  // "JIT" + weight

// Correctly rounded double operations that the compiler may not contract into an FMA.
BT_HOST_DEVICE double mul(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
BT_HOST_DEVICE double add(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

// log(x) for x > 0, finite: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s),
// s = (m - 1)/(m + 1), |s| < 0.172, by its series to s^35 (relative error ~1e-16).
BT_HOST_DEVICE double portable_log(double x) {
  union {
    double d;
    uint64_t u;
  } bits;
  bits.d = x;
  int64_t e = int64_t((bits.u >> 52) & 0x7FF) - 1023;
  bits.u = (bits.u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;  // m in [1, 2), x = m 2^e
  double m = bits.d;
  if (m > 1.4142135623730951) {
    m = mul(m, 0.5);  // exact
    e += 1;
  }
  const double s = (m - 1.0) / (m + 1.0);  // m - 1 and m + 1 are exact here; '/' is correctly rounded
  const double s2 = mul(s, s);
  double poly = 1.0 / 35.0;
  for (int k = 33; k >= 1; k -= 2) poly = add(mul(poly, s2), 1.0 / double(k));
  const double log_m = mul(mul(2.0, s), poly);
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  return add(add(mul(double(e), kLn2Hi), log_m), mul(double(e), kLn2Lo));
}

// cos(2 pi v) for v in [0, 1): exact symmetry reductions to t in [0, 1/8], then the Taylor series of
// cos or sin of 2 pi t (|2 pi t| <= pi/4) to degree 20/21.
BT_HOST_DEVICE double portable_cos_2pi(double v) {
  // cos(2 pi v) = cos(2 pi (1 - v)); v in [0, 1/2] after this; all subtractions below are exact.
  if (v > 0.5) v = 1.0 - v;
  double sign = 1.0;
  if (v > 0.25) {  // cos(2 pi v) = -cos(2 pi (1/2 - v))
    v = 0.5 - v;
    sign = -1.0;
  }
  constexpr double kTwoPi = 6.283185307179586;
  bool use_sin = false;
  if (v > 0.125) {  // cos(2 pi v) = sin(2 pi (1/4 - v))
    v = 0.25 - v;
    use_sin = true;
  }
  const double x = mul(kTwoPi, v), x2 = mul(x, x);
  double term = use_sin ? x : 1.0, sum = term;
  for (int k = use_sin ? 2 : 1; k <= 11; ++k) {
    const int a = use_sin ? 2 * k - 2 : 2 * k - 1, b = use_sin ? 2 * k - 1 : 2 * k;
    term = mul(term, -x2) / double(a * b);
    sum = add(sum, term);
  }
  return mul(sign, sum);
}

// What a kernel needs to regenerate the matrix (built on the host by make_params).
struct Params {
  uint64_t seed = 0;
  double log1mp = 0.0;  // portable_log(1 - prob); unused when all_columns
  bool all_columns = false;  // prob == 1
  int64_t n_pre = 0, n_post = 0;
  int kind = kHomo;
};

inline Params make_params(uint64_t seed, double prob, int64_t n_pre, int64_t n_post, int kind) {
  Params p;
  p.seed = seed;
  p.all_columns = prob >= 1.0;
  p.log1mp = p.all_columns ? 0.0 : portable_log(1.0 - prob);
  p.n_pre = n_pre;
  p.n_post = n_post;
  p.kind = kind;
  return p;
}

// Calls f(j) for the connected columns j of `row`, ascending.
template <typename F>
BT_HOST_DEVICE void for_each_column(const Params& p, int64_t row, F&& f) {
  if (p.all_columns) {
    for (int64_t j = 0; j < p.n_post; ++j) f(j);
    return;
  }
  random::PhiloxStream stream(p.seed, uint64_t(row), kColumnTag);
  int64_t j = -1;
  for (;;) {
    // skipped columns before the next connection: Geometric(prob) failures
    const double skip = portable_log(stream.next_double()) / p.log1mp;
    if (!(skip < double(p.n_post - 1 - j))) break;  // also ends on a non-finite value
    j += 1 + int64_t(skip);
    f(j);
  }
}

// The coefficients (a, b) of the weight w_ij = w0 a + w1 b.
BT_HOST_DEVICE void coefficients(const Params& p, int64_t i, int64_t j, double& a, double& b) {
  if (p.kind == kHomo) {
    a = 1.0;
    b = 0.0;
    return;
  }
  const uint64_t ui = uint64_t(i), uj = uint64_t(j);
  const auto block = random::philox4x32(uint32_t(uj), uint32_t(uj >> 32), uint32_t(ui), uint32_t(ui >> 32) ^ kWeightTag,
                                        uint32_t(p.seed), uint32_t(p.seed >> 32));
  const double u = random::uniform_open01(block.v[0], block.v[1]);
  if (p.kind == kUniform) {
    a = 1.0 - u;
    b = u;
    return;
  }
  // Box-Muller: z = sqrt(-2 log u) cos(2 pi v); sqrt is correctly rounded everywhere.
  const double v = random::uniform_open01(block.v[2], block.v[3]);
  a = 1.0;
  b = mul(sqrt(-2.0 * portable_log(u)), portable_cos_2pi(v));
}

// Explicitly rounded float operations (the double ones are above), so that w0 a + w1 b is the same
// number on the host and the device.
BT_HOST_DEVICE float mul(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
BT_HOST_DEVICE float add(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// The weight of (i, j) in the compute type: w0 a + w1 b.
template <typename scalar_t>
BT_HOST_DEVICE scalar_t weight(const Params& p, int64_t i, int64_t j, scalar_t w0, scalar_t w1) {
  if (p.kind == kHomo) return w0;
  double a, b;
  coefficients(p, i, j, a, b);
  return add(mul(w0, scalar_t(a)), mul(w1, scalar_t(b)));
}

}  // namespace braintorch::kernels::jitc
