#pragma once
// Summary statistics of recorded spikes, as reported in summary.json and compared with Brian2.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace braintorch {

struct PopulationStatistics {
  int64_t size = 0;
  int64_t spike_count = 0;
  double mean_rate_hz = 0.0;     // spikes / size / duration
  double cv_isi = 0.0;           // mean over neurons with >= 3 spikes of std(ISI) / mean(ISI) (ddof 0); NaN if none
  int64_t neurons_with_cv = 0;   // how many neurons entered cv_isi
};

// steps: int64 step of each spike (time = step * dt); indices: int64 neuron index in [0, size).
PopulationStatistics population_statistics(const at::Tensor& steps, const at::Tensor& indices, int64_t size,
                                           double dt_ms, double duration_ms);

}  // namespace braintorch
