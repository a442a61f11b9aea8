#pragma once
// A spike raster plot as a standalone SVG file: time (ms) on x, neuron index on y, one colour per
// population, with axes, ticks, labels, a legend and a title.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace braintorch {

struct RasterSeries {
  std::string label;
  at::Tensor times_ms;  // float64
  at::Tensor neurons;   // int64, the y coordinate
};

struct RasterOptions {
  std::string title;
  double duration_ms = 0.0;
  int64_t neurons = 0;           // y range [0, neurons)
  int64_t max_points = 200000;   // beyond this every k-th spike is drawn (and the plot says so)
};

void write_raster_svg(const std::string& path, const std::vector<RasterSeries>& series, const RasterOptions& options);

}  // namespace braintorch
