#pragma once
// Per-element arithmetic of just-in-time (JIT) connectivity, shared by the CPU loops and the CUDA
// kernels: the matrix W (n_pre, n_post) is never stored, every call regenerates it from
// (seed, prob, n_pre, n_post, kind, w0, w1).
//
// The scheme (a pure function of those parameters; see include/braintorch/ops/jitc_matvec.h):
//   - Row i's columns: a Philox stream keyed by the seed, stream id i, draws u_1, u_2, ... in (0, 1);
//     the k-th connected column is c_k = c_{k-1} + 1 + floor(log(u_k) * (1 / log(1 - prob))), c_0 = -1, until
//     c_k >= n_post. The gaps are Geometric(prob), so every (i, j) is connected independently with
//     probability prob (prob = 1 connects every column).
//   - The weight of (i, j) is w0 * a_ij + w1 * b_ij. The coefficients come from the row's own weight
//     stream (Philox keyed by the seed, stream id i, kWeightTag), handed out in the order the walk
//     visits the row's synapses (k = 0, 1, ...):
//       homo:     a = 1,       b = 0            (w0 = the weight; no draws)
//       uniform:  a = 1 - u_k, b = u_k          (w0 = low, w1 = high; u_k the k-th draw)
//       normal:   a = 1,       b = z_k          (w0 = mu, w1 = sigma; z_k standard normal)
//     where synapses 2m and 2m + 1 share the m-th Box-Muller pair of draws (u, v):
//     z_2m = sqrt(-2 log u) cos(2 pi v), z_2m+1 = sqrt(-2 log u) sin(2 pi v). Every row is always
//     walked from its first column, so the forward and the transposed products, the gradients and the
//     dense materialisation all see the same weights.
// Bitwise the same on CPU and CUDA: only integer arithmetic and correctly rounded double operations
// (+, -, *, /, sqrt) are used, the logarithm, cosine and sine are this file's own polynomials, and on the
// device every product and sum is an explicitly rounded intrinsic, so no fused multiply-add can creep in.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "braintorch/common/host_device.h"
#include "braintorch/random/philox.h"

// The walk must inline into each kernel's loop. With the three kinds' walks behind one per-row switch
// the homogeneous event product (n = 100k, 10% spikes) became clearly slower (ad-hoc runs, not kept);
// forcing the inlining recovered part of it, dispatching on the kind once per call (dispatch_kind) the rest.
#if defined(__CUDACC__)
#define BT_JITC_INLINE __host__ __device__ __forceinline__
#elif defined(__GNUC__) || defined(__clang__)
#define BT_JITC_INLINE inline __attribute__((always_inline))
#else
#define BT_JITC_INLINE inline
#endif

namespace braintorch::kernels::jitc {

enum Kind : int { kHomo = 0, kUniform = 1, kNormal = 2 };

// The names of the kinds as every error message lists them.
inline constexpr const char* kKindNames = "'homo', 'uniform' or 'normal'";

// The Kind named `name`, or -1 for any other name. No exception here (this layer has no ATen): the
// callers raise, naming the valid kinds (kKindNames).
inline int parse_kind(std::string_view name) {
  if (name == "homo") return kHomo;
  if (name == "uniform") return kUniform;
  if (name == "normal") return kNormal;
  return -1;
}

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

// 2 atanh(s) = log((1 + s) / (1 - s)) for |s| <= 0.1716: 2s + s R(s^2), R the degree-7 minimax
// polynomial of fdlibm's e_log.c (Lg1..Lg7, |error| < 2^-58.45), evaluated as two interleaved Horner
// chains in s^4 so that its latency is four steps, not seven.
BT_HOST_DEVICE double two_atanh(double s) {
  constexpr double kLg1 = 6.666666666666735130e-01, kLg2 = 3.999999999940941908e-01, kLg3 = 2.857142874366239149e-01,
                   kLg4 = 2.222219843214978396e-01, kLg5 = 1.818357216161805012e-01, kLg6 = 1.531383769920937332e-01,
                   kLg7 = 1.479819860511658591e-01;
  const double z = mul(s, s), w = mul(z, z);
  const double even = mul(w, add(kLg2, mul(w, add(kLg4, mul(w, kLg6)))));
  const double odd = mul(z, add(kLg1, mul(w, add(kLg3, mul(w, add(kLg5, mul(w, kLg7)))))));
  return add(mul(2.0, s), mul(s, add(even, odd)));
}

// x = m 2^e for a normal x > 0, with m in [sqrt(1/2), sqrt(2)) (exact; returns m, sets e).
BT_HOST_DEVICE double split_mantissa(double x, int64_t& e) {
  union {
    double d;
    uint64_t u;
  } bits;
  bits.d = x;
  e = int64_t((bits.u >> 52) & 0x7FF) - 1023;
  bits.u = (bits.u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;  // m in [1, 2), x = m 2^e
  if (bits.d > 1.4142135623730951) {
    e += 1;
    return mul(bits.d, 0.5);  // exact
  }
  return bits.d;
}

// log(x) for x > 0, finite: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s),
// s = (m - 1)/(m + 1), |s| < 0.172 (relative error a few 1e-16).
BT_HOST_DEVICE double portable_log(double x) {
  int64_t e = 0;
  const double m = split_mantissa(x, e);
  const double s = (m - 1.0) / (m + 1.0);  // m - 1 and m + 1 are exact here; '/' is correctly rounded
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  return add(add(mul(double(e), kLn2Hi), two_atanh(s)), mul(double(e), kLn2Lo));
}

// log(1 - p) for p in (0, 1) without forming 1 - p where that would round: for p < 1/4,
// 2 atanh(-p / (2 - p)) (|s| < 0.143); 1 - p loses the low bits of a small p (at p = 1e-10 the relative
// error of log(1 - p) would be 1e-6, and below 2^-53 log(1 - p) would be 0).
BT_HOST_DEVICE double portable_log1m(double p) {
  if (p < 0.25) return two_atanh(-p / (2.0 - p));
  return portable_log(1.0 - p);  // 1 - p >= 0.5 is within half an ulp, log(1 - p) >= 0.29 in size
}

// cos(2 pi v) and sin(2 pi v) for v in [0, 1): exact symmetry reductions to t in [0, 1/8], then the
// Taylor series of cos and sin of x = 2 pi t (|x| <= pi/4) to degree 16/17 (truncation < 1e-17),
// Horner in x^2 with correctly rounded reciprocal factorials (the two chains side by side).
BT_HOST_DEVICE void portable_sincos_2pi(double v, double& cos_out, double& sin_out) {
  // All subtractions below are exact (Sterbenz).
  double sin_sign = 1.0, cos_sign = 1.0;
  if (v > 0.5) {  // (cos, sin)(2 pi v) = (cos, -sin)(2 pi (1 - v))
    v = 1.0 - v;
    sin_sign = -1.0;
  }
  if (v > 0.25) {  // (cos, sin)(2 pi v) = (-cos, sin)(2 pi (1/2 - v))
    v = 0.5 - v;
    cos_sign = -1.0;
  }
  bool swap = false;
  if (v > 0.125) {  // (cos, sin)(2 pi v) = (sin, cos)(2 pi (1/4 - v))
    v = 0.25 - v;
    swap = true;
  }
  // (-1)^k / (2k)! and (-1)^k / (2k+1)!, k = 0..8
  constexpr double kCos[9] = {1.0, -0x1.0p-1, 0x1.5555555555555p-5, -0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-16,
                              -0x1.27e4fb7789f5cp-22, 0x1.1eed8eff8d898p-29, -0x1.93974a8c07c9dp-37,
                              0x1.ae7f3e733b81fp-45};
  constexpr double kSin[9] = {1.0, -0x1.5555555555555p-3, 0x1.1111111111111p-7, -0x1.a01a01a01a01ap-13,
                              0x1.71de3a556c734p-19, -0x1.ae64567f544e4p-26, 0x1.6124613a86d09p-33,
                              -0x1.ae7f3e733b81fp-41, 0x1.952c77030ad4ap-49};
  constexpr double kTwoPi = 6.283185307179586;
  const double x = mul(kTwoPi, v), x2 = mul(x, x);
  double c = kCos[8], s = kSin[8];
  for (int k = 7; k >= 0; --k) {
    c = add(mul(c, x2), kCos[k]);
    s = add(mul(s, x2), kSin[k]);
  }
  s = mul(x, s);
  cos_out = mul(cos_sign, swap ? s : c);
  sin_out = mul(sin_sign, swap ? c : s);
}

// What a kernel needs to regenerate the matrix (built on the host by make_params).
struct Params {
  uint64_t seed = 0;
  double inv_log1mp = 0.0;  // 1 / log(1 - prob) (-inf where that logarithm underflows); unused when all_columns
  bool all_columns = false;  // prob == 1
  int64_t n_pre = 0, n_post = 0;
  int kind = kHomo;
};

inline Params make_params(uint64_t seed, double prob, int64_t n_pre, int64_t n_post, int kind) {
  Params p;
  p.seed = seed;
  p.all_columns = prob >= 1.0;
  if (!p.all_columns) {
    const double log1mp = portable_log1m(prob);
    // A prob so small that log(1 - prob) is 0 connects nothing: log(u) * -inf = +inf ends every row.
    p.inv_log1mp = log1mp < 0.0 ? 1.0 / log1mp : -std::numeric_limits<double>::infinity();
  }
  p.n_pre = n_pre;
  p.n_post = n_post;
  p.kind = kind;
  return p;
}

constexpr int kGapBatch = 4;  // gaps drawn per step of for_each_column (two Philox blocks)

// Calls f(j) for the connected columns j of `row`, ascending.
template <typename F>
BT_JITC_INLINE void for_each_column(const Params& p, int64_t row, F&& f) {
  if (p.all_columns) {
    for (int64_t j = 0; j < p.n_post; ++j) f(j);
    return;
  }
  random::PhiloxStream stream(p.seed, uint64_t(row), kColumnTag);
  int64_t j = -1;
  for (;;) {
    // The gaps are drawn kGapBatch at a time (the same draws in the same order as one at a time):
    // their logarithms are independent, and written next to each other their long dependency chains
    // overlap, which the CPU's scheduler does not manage across loop iterations (21.7 -> 16.3 ns per
    // synapse, benchmarks/jit_generation.cpp).
    double skip[kGapBatch];
    for (int k = 0; k < kGapBatch; ++k) skip[k] = stream.next_double();
    // skip[k]: the failures (unconnected columns) before the next connection
    for (int k = 0; k < kGapBatch; ++k) skip[k] = mul(portable_log(skip[k]), p.inv_log1mp);
    for (int k = 0; k < kGapBatch; ++k) {
      if (!(skip[k] < double(p.n_post - 1 - j))) return;  // also ends on a non-finite value
      j += 1 + int64_t(skip[k]);
      f(j);
    }
  }
}

// Standard normals of one row's weight stream, in order: each Box-Muller pair of draws (u, v) gives
// sqrt(-2 log u) cos(2 pi v), then sqrt(-2 log u) sin(2 pi v). Both halves of a pair are used (a
// logarithm, a square root and a Philox block per two synapses, not per synapse), and two pairs are
// computed side by side so that their long dependency chains overlap (as in for_each_column).
class RowNormals {
 public:
  BT_HOST_DEVICE RowNormals(uint64_t seed, int64_t row) : draws_(seed, uint64_t(row), kWeightTag) {}
  BT_HOST_DEVICE double next() {
    if (next_ == kBatch) refill();
    return z_[next_++];
  }

 private:
  static constexpr int kPairs = 2, kBatch = 2 * kPairs;
  BT_HOST_DEVICE void refill() {
    double u[kPairs], v[kPairs], r[kPairs], c[kPairs], s[kPairs];
    for (int k = 0; k < kPairs; ++k) {
      u[k] = draws_.next_double();
      v[k] = draws_.next_double();
    }
    for (int k = 0; k < kPairs; ++k) r[k] = sqrt(-2.0 * portable_log(u[k]));  // sqrt is correctly rounded everywhere
    for (int k = 0; k < kPairs; ++k) portable_sincos_2pi(v[k], c[k], s[k]);
    for (int k = 0; k < kPairs; ++k) {
      z_[2 * k] = mul(r[k], c[k]);
      z_[2 * k + 1] = mul(r[k], s[k]);
    }
    next_ = 0;
  }
  random::PhiloxStream draws_;
  double z_[kBatch] = {};
  int next_ = kBatch;
};

// Calls f(j, a, b) for the connected columns j of `row`, ascending, with the coefficients (a, b) of
// their weights w_ij = w0 a + w1 b (the scheme at the top of this file), for a kind known at compile
// time (CPU kernels dispatch on the kind once per call, dispatch_kind, so each kind's loop is its own
// code; see BT_JITC_INLINE for what a per-row switch cost).
template <int kKind, typename F>
BT_JITC_INLINE void for_each_synapse(const Params& p, int64_t row, F&& f) {
  if constexpr (kKind == kNormal) {
    RowNormals z(p.seed, row);
    for_each_column(p, row, [&](int64_t j) { f(j, 1.0, z.next()); });
  } else if constexpr (kKind == kUniform) {
    random::PhiloxStream draws(p.seed, uint64_t(row), kWeightTag);
    for_each_column(p, row, [&](int64_t j) {
      const double u = draws.next_double();
      f(j, 1.0 - u, u);
    });
  } else {
    for_each_column(p, row, [&](int64_t j) { f(j, 1.0, 0.0); });
  }
}

// The same with the kind read at run time (CUDA kernels: one thread per row, the branch is uniform).
template <typename F>
BT_JITC_INLINE void for_each_synapse(const Params& p, int64_t row, F&& f) {
  if (p.kind == kNormal) for_each_synapse<kNormal>(p, row, f);
  else if (p.kind == kUniform) for_each_synapse<kUniform>(p, row, f);
  else for_each_synapse<kHomo>(p, row, f);
}

// Calls f(std::integral_constant<int, kind>) for a run-time kind.
template <typename F>
inline void dispatch_kind(int kind, F&& f) {
  if (kind == kNormal) f(std::integral_constant<int, kNormal>{});
  else if (kind == kUniform) f(std::integral_constant<int, kUniform>{});
  else f(std::integral_constant<int, kHomo>{});
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

// A weight in the compute type from its coefficients: w0 a + w1 b ("homo": w0 itself).
template <typename scalar_t>
BT_HOST_DEVICE scalar_t weight(int kind, double a, double b, scalar_t w0, scalar_t w1) {
  if (kind == kHomo) return w0;
  return add(mul(w0, scalar_t(a)), mul(w1, scalar_t(b)));
}

}  // namespace braintorch::kernels::jitc
