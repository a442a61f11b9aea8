// Spike statistics against hand-computed values.
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <cmath>

#include "braintorch/io/spike_statistics.h"

using namespace braintorch;

TEST(SpikeStatistics, RateAndCvByHand) {
  // Neuron 0: spikes at steps 0, 10, 30 (ISIs 1 and 2 ms at dt 0.1): CV = std/mean = 0.5/1.5.
  // Neuron 1: steps 5, 15, 25, 35 (ISIs 1, 1, 1): CV 0. Neuron 2: two spikes, excluded from the CV.
  const at::Tensor steps = at::tensor({0, 5, 10, 15, 25, 30, 35, 40, 60}, at::kLong);
  const at::Tensor idx = at::tensor({0, 1, 0, 1, 1, 0, 1, 2, 2}, at::kLong);
  const auto st = population_statistics(steps, idx, 4, 0.1, 100.0);
  EXPECT_EQ(st.spike_count, 9);
  EXPECT_DOUBLE_EQ(st.mean_rate_hz, 9.0 / 4.0 / 0.1);
  EXPECT_EQ(st.neurons_with_cv, 2);
  EXPECT_NEAR(st.cv_isi, (0.5 / 1.5 + 0.0) / 2.0, 1e-12);
  const auto none = population_statistics(at::tensor({1}, at::kLong), at::tensor({0}, at::kLong), 2, 0.1, 10.0);
  EXPECT_TRUE(std::isnan(none.cv_isi));
  EXPECT_THROW(population_statistics(at::tensor({1}, at::kLong), at::tensor({5}, at::kLong), 2, 0.1, 10.0),
               c10::Error);
}
