#pragma once
// exp, expm1, tanh, cosh and sinh for the per-element model arithmetic on the CPU, written as
// branch-free arithmetic so the neuron loops that call them vectorise (glibc's are scalar calls, and a
// single call keeps GCC from vectorising a loop). Cephes' rational approximations (exp: 1 + 2 r P(r^2) /
// (Q(r^2) - r P(r^2)) after r = x - n ln 2; expm1 the same form for |x| <= 1/2), accurate to about
// 1 ulp in double; float evaluates them in double. On the GPU the CUDA library functions are used.
// Declared in braintorch::models, so model code that calls exp(x) unqualified on a float or double
// finds these (tensors and dual numbers have their own through argument-dependent lookup). Always
// inlined: an out-of-line call per element keeps the whole loop scalar.
#include <math.h>

#include <cstdint>
#include <cstring>

#include "braintorch/common/host_device.h"

namespace braintorch::models {
namespace fast {

BT_HOST_DEVICE_INLINE double bits_to_double(int64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}
BT_HOST_DEVICE_INLINE int64_t double_to_bits(double d) {
  int64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

// e^x for x in [-708, 709] (clamped there; +inf above 709.78, 0 below -745, NaN stays NaN).
BT_HOST_DEVICE_INLINE double exp_core(double x) {
  const double xc = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
  // n = round(x / ln 2) by the 3 * 2^51 shift (no floor call, which would stop vectorisation); the low
  // mantissa bits of t are n, two's complement, which gives 2^n without a float to int64 conversion
  // (AVX2 has none).
  const double t = xc * 1.4426950408889634073599 + 6755399441055744.0;
  const double n = t - 6755399441055744.0;
  double r = xc - n * 6.93145751953125E-1;
  r = r - n * 1.42860682030941723212E-6;
  const double rr = r * r;
  const double p = r * ((1.26177193074810590878E-4 * rr + 3.02994407707441961300E-2) * rr + 9.99999999999999999910E-1);
  const double q = ((3.00198505138664455042E-6 * rr + 2.52448340349684104192E-3) * rr + 2.27265548208155028766E-1) * rr +
                   2.00000000000000000009E0;
  const double e = 1.0 + 2.0 * (p / (q - p));
  return e * bits_to_double((double_to_bits(t) + 1023) << 52);
}

BT_HOST_DEVICE_INLINE double exp(double x) {
#ifdef __CUDA_ARCH__
  return ::exp(x);
#else
  const double e = exp_core(x);
  const double big = x > 709.782712893384 ? HUGE_VAL : e;
  const double all = x < -745.1332191019412 ? 0.0 : big;
  return x != x ? x : all;
#endif
}

BT_HOST_DEVICE_INLINE double expm1(double x) {
#ifdef __CUDA_ARCH__
  return ::expm1(x);
#else
  // |x| <= 1/2: Cephes' rational form (no cancellation); elsewhere e^x - 1.
  // One comparison (fabs), not a disjunction: a select on a mask the vectoriser can combine.
  const bool far_range = fabs(x) > 0.5;
  const double small = far_range ? 0.0 : x;
  const double xx = small * small;
  const double r = small * ((1.2617719307481059087798E-4 * xx + 3.0299440770744196129956E-2) * xx +
                            9.9999999999999999991025E-1);
  const double q = ((3.0019850513866445504159E-6 * xx + 2.5244834034968410419224E-3) * xx + 2.2726554820815502876593E-1) *
                       xx + 2.0000000000000000000897E0;
  const double near = 2.0 * (r / (q - r));
  const double far = exp(x) - 1.0;
  return far_range ? far : near;
#endif
}

}  // namespace fast

#ifdef __CUDA_ARCH__
BT_HOST_DEVICE double exp(double x) { return ::exp(x); }
BT_HOST_DEVICE float exp(float x) { return ::expf(x); }
BT_HOST_DEVICE double expm1(double x) { return ::expm1(x); }
BT_HOST_DEVICE float expm1(float x) { return ::expm1f(x); }
BT_HOST_DEVICE double tanh(double x) { return ::tanh(x); }
BT_HOST_DEVICE float tanh(float x) { return ::tanhf(x); }
BT_HOST_DEVICE double cosh(double x) { return ::cosh(x); }
BT_HOST_DEVICE float cosh(float x) { return ::coshf(x); }
BT_HOST_DEVICE double sinh(double x) { return ::sinh(x); }
BT_HOST_DEVICE float sinh(float x) { return ::sinhf(x); }
#else
BT_HOST_DEVICE_INLINE double exp(double x) { return fast::exp(x); }
BT_HOST_DEVICE_INLINE float exp(float x) { return float(fast::exp(double(x))); }
BT_HOST_DEVICE_INLINE double expm1(double x) { return fast::expm1(x); }
BT_HOST_DEVICE_INLINE float expm1(float x) { return float(fast::expm1(double(x))); }
// tanh(x) = e / (e + 2) with e = expm1(2x), for |x| <= 20 (|tanh| rounds to 1 beyond).
BT_HOST_DEVICE_INLINE double tanh(double x) {
  const double xc = x < -20.0 ? -20.0 : (x > 20.0 ? 20.0 : x);
  const double e = fast::expm1(2.0 * xc);
  return e / (e + 2.0);
}
BT_HOST_DEVICE_INLINE float tanh(float x) { return float(tanh(double(x))); }
BT_HOST_DEVICE_INLINE double cosh(double x) {
  const double e = fast::exp(x);
  return 0.5 * (e + 1.0 / e);
}
BT_HOST_DEVICE_INLINE float cosh(float x) { return float(cosh(double(x))); }
BT_HOST_DEVICE_INLINE double sinh(double x) {
  const double e = fast::exp(x);
  return 0.5 * (e - 1.0 / e);
}
BT_HOST_DEVICE_INLINE float sinh(float x) { return float(sinh(double(x))); }
#endif

}  // namespace braintorch::models
