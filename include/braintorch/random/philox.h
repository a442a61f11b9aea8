#pragma once
// Philox4x32-10 (Salmon et al. 2011), a counter-based generator: the numbers for (key, counter) are a
// pure function of both, so connectivity and noise can be generated in any order, on any thread or on
// the GPU, and still be bitwise the same.
#include <cstdint>

#include "braintorch/common/host_device.h"

namespace braintorch::random {

struct Philox4x32 {
  uint32_t v[4];
};

BT_HOST_DEVICE uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  *hi = uint32_t(p >> 32);
  return uint32_t(p);
}

// Returns the four 32-bit words for counter (c0..c3) under key (k0, k1).
BT_HOST_DEVICE Philox4x32 philox4x32(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                                     uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo32(0xD2511F53u, c0, &hi0);
    const uint32_t lo1 = mulhilo32(0xCD9E8D57u, c2, &hi1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4x32{{c0, c1, c2, c3}};
}

// Uniform in the open interval (0, 1) with 24 random bits (never 0, so log(u) is finite). The top
// value (2^24 - 1 + 0.5) / 2^24 is not a float and rounds to 1, so it is mapped to the float just
// below 1 (every other value is unchanged).
BT_HOST_DEVICE float uniform_open01(uint32_t x) {
  const float u = (float(x >> 8) + 0.5f) * (1.0f / 16777216.0f);
  return u < 1.0f ? u : 0x1.fffffep-1f;
}

// Uniform in (0, 1) with 53 random bits, from two words. As above, the top value rounds to 1 and is
// mapped to the double just below 1 (the uniform JIT weight stays below `high`, log(1 - u) finite).
BT_HOST_DEVICE double uniform_open01(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (uint64_t(hi) << 21) ^ uint64_t(lo >> 11);
  const double u = (double(bits & ((uint64_t(1) << 53) - 1)) + 0.5) * (1.0 / 9007199254740992.0);
  return u < 1.0 ? u : 0x1.fffffffffffffp-1;
}

// A stream of doubles for one (seed, stream id): draw k is counter (k/2, stream lo, stream hi, tag).
class PhiloxStream {
 public:
  BT_HOST_DEVICE PhiloxStream(uint64_t seed, uint64_t stream, uint32_t tag = 0)
      : k0_(uint32_t(seed)), k1_(uint32_t(seed >> 32)), s0_(uint32_t(stream)), s1_(uint32_t(stream >> 32)),
        tag_(tag) {}
  BT_HOST_DEVICE double next_double() {
    if (have_ == 0) {
      block_ = philox4x32(counter_++, s0_, s1_, tag_, k0_, k1_);
      have_ = 2;
    }
    --have_;
    return have_ == 1 ? uniform_open01(block_.v[0], block_.v[1]) : uniform_open01(block_.v[2], block_.v[3]);
  }

 private:
  uint32_t k0_, k1_, s0_, s1_, tag_;
  uint32_t counter_ = 0;
  int have_ = 0;
  Philox4x32 block_{};
};

}  // namespace braintorch::random
