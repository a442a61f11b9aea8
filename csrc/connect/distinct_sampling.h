#pragma once
// Internal helper: k distinct integers uniformly from [0, m) (Floyd's algorithm, O(k) expected time and
// memory), or k independent uniform draws with replacement; appended to `out` in ascending order.
#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "braintorch/random/philox.h"
#include "csrc/connect/csr_row_builder.h"

namespace braintorch::connect_detail {

template <typename T>
void sample_sorted(random::PhiloxStream& rng, int64_t m, int64_t k, bool with_replacement,
                   std::unordered_set<int64_t>& scratch, std::vector<T>& out) {
  const size_t first = out.size();
  if (with_replacement) {
    for (int64_t n = 0; n < k; ++n) out.push_back(T(uniform_below(rng.next_double(), m)));
  } else {
    scratch.clear();
    for (int64_t j = m - k; j < m; ++j) {
      const int64_t t = uniform_below(rng.next_double(), j + 1);
      const int64_t pick = scratch.insert(t).second ? t : j;
      if (pick == j) scratch.insert(j);
      out.push_back(T(pick));
    }
  }
  std::sort(out.begin() + std::ptrdiff_t(first), out.end());
}

}  // namespace braintorch::connect_detail
