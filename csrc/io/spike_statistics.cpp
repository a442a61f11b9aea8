#include "braintorch/io/spike_statistics.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <limits>
#include <vector>

namespace braintorch {

PopulationStatistics population_statistics(const at::Tensor& steps, const at::Tensor& indices, int64_t size,
                                           double dt_ms, double duration_ms) {
  TORCH_CHECK(steps.numel() == indices.numel(), "population_statistics: steps and indices differ in length");
  TORCH_CHECK(size > 0 && dt_ms > 0 && duration_ms > 0, "population_statistics: size, dt and duration must be > 0");
  const at::Tensor s = steps.to(at::kLong).contiguous().cpu(), idx = indices.to(at::kLong).contiguous().cpu();
  const int64_t* sp = s.data_ptr<int64_t>();
  const int64_t* ip = idx.data_ptr<int64_t>();
  PopulationStatistics st;
  st.size = size;
  st.spike_count = s.numel();
  st.mean_rate_hz = double(st.spike_count) / double(size) / (duration_ms / 1000.0);
  // Per neuron: last spike, count, and running sums of ISIs (spikes arrive in time order per neuron).
  std::vector<int64_t> last(size_t(size), -1), count(size_t(size), 0);
  std::vector<double> sum(size_t(size), 0.0), sum_sq(size_t(size), 0.0);
  for (int64_t k = 0; k < s.numel(); ++k) {
    const int64_t i = ip[k];
    TORCH_CHECK(i >= 0 && i < size, "population_statistics: index ", i, " outside [0, ", size, ")");
    if (last[size_t(i)] >= 0) {
      const double isi = double(sp[k] - last[size_t(i)]) * dt_ms;
      sum[size_t(i)] += isi;
      sum_sq[size_t(i)] += isi * isi;
    }
    last[size_t(i)] = sp[k];
    ++count[size_t(i)];
  }
  double cv_sum = 0.0;
  for (int64_t i = 0; i < size; ++i) {
    if (count[size_t(i)] < 3) continue;
    const double n = double(count[size_t(i)] - 1);
    const double mean = sum[size_t(i)] / n;
    const double var = std::max(0.0, sum_sq[size_t(i)] / n - mean * mean);
    cv_sum += std::sqrt(var) / mean;
    ++st.neurons_with_cv;
  }
  st.cv_isi = st.neurons_with_cv > 0 ? cv_sum / double(st.neurons_with_cv) : std::numeric_limits<double>::quiet_NaN();
  return st;
}

}  // namespace braintorch
