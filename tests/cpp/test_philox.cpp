// The uniform draws behind the JIT connectivity and the noise: open (0, 1) at both ends, for every
// input word, including the ones whose exact value (bits + 0.5) / 2^k is not representable and rounds
// to 1 (the largest input word).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "braintorch/random/philox.h"

namespace {

using braintorch::random::uniform_open01;

TEST(Philox, FloatUniformStaysInsideZeroOne) {
  EXPECT_GT(uniform_open01(0u), 0.0f);
  EXPECT_LT(uniform_open01(0xFFFFFFFFu), 1.0f);
  EXPECT_EQ(uniform_open01(0xFFFFFFFFu), std::nextafter(1.0f, 0.0f));
  // The top values below the rounded one are unchanged by the mapping, and all of [0, 2^32) stays
  // strictly inside (0, 1) (sampled every 257 words, and the last 4096 exhaustively).
  for (uint64_t x = 0; x < (uint64_t(1) << 32); x += 257) {
    const float u = uniform_open01(uint32_t(x));
    ASSERT_GT(u, 0.0f) << x;
    ASSERT_LT(u, 1.0f) << x;
  }
  for (uint32_t x = 0xFFFFF000u; x != 0; ++x) ASSERT_LT(uniform_open01(x), 1.0f) << x;
  EXPECT_FLOAT_EQ(uniform_open01(0x80000000u), (8388608.0f + 0.5f) / 16777216.0f);
}

TEST(Philox, DoubleUniformStaysInsideZeroOne) {
  EXPECT_GT(uniform_open01(0u, 0u), 0.0);
  EXPECT_EQ(uniform_open01(0u, 0u), 0.5 / 9007199254740992.0);
  EXPECT_LT(uniform_open01(0xFFFFFFFFu, 0xFFFFFFFFu), 1.0);
  EXPECT_EQ(uniform_open01(0xFFFFFFFFu, 0xFFFFFFFFu), std::nextafter(1.0, 0.0));
  // Every value with the top 32 bits set (lo >> 11 runs over all 2^21 low parts): strictly inside (0, 1).
  for (uint64_t lo = 0; lo < (uint64_t(1) << 32); lo += 0x800u) {
    const double u = uniform_open01(0xFFFFFFFFu, uint32_t(lo));
    ASSERT_GT(u, 0.0) << lo;
    ASSERT_LT(u, 1.0) << lo;
  }
}

}  // namespace
