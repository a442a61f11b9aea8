#pragma once
// Helpers shared by the SDE / FDE / DDE convergence tests.
#include <cmath>
#include <vector>

#include "braintorch/solvers/brownian_levels.h"

namespace braintorch::solvers::testing {

using braintorch::solvers::brownian_levels;

// Least-squares slope of log(err) against log(dt).
inline double fitted_order(const std::vector<double>& dts, const std::vector<double>& errs) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = double(dts.size());
  for (size_t i = 0; i < dts.size(); ++i) {
    const double x = std::log(dts[i]), y = std::log(errs[i]);
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

}  // namespace braintorch::solvers::testing
