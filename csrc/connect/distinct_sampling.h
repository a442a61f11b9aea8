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

namespace braintorch::connect_detail {

// k distinct integers uniformly from [0, m), ascending, for large k (a whole matrix): rounds of draws with
// replacement, each round drawing as many values as are still missing, sorted and de-duplicated, until k
// distinct values are held. The stopping rule depends only on how many distinct values there are, not on
// which, so by symmetry every k-subset is equally likely. For k > m / 2 the complement (m - k values) is
// drawn instead, which keeps the number of rounds logarithmic. O(k log k) time, O(k) memory, no hash set.
inline void sample_sorted_distinct_large(random::PhiloxStream& rng, int64_t m, int64_t k, std::vector<int64_t>& out) {
  const bool complement = 2 * k > m;
  const int64_t want = complement ? m - k : k;
  std::vector<int64_t> held;
  held.reserve(size_t(want));
  while (int64_t(held.size()) < want) {
    const size_t before = held.size();
    const int64_t need = want - int64_t(before);
    for (int64_t n = 0; n < need; ++n) held.push_back(uniform_below(rng.next_double(), m));
    std::sort(held.begin() + std::ptrdiff_t(before), held.end());
    std::inplace_merge(held.begin(), held.begin() + std::ptrdiff_t(before), held.end());
    held.erase(std::unique(held.begin(), held.end()), held.end());
  }
  if (!complement) {
    out.insert(out.end(), held.begin(), held.end());
    return;
  }
  out.reserve(out.size() + size_t(k));
  size_t h = 0;
  for (int64_t v = 0; v < m; ++v) {
    if (h < held.size() && held[h] == v) {
      ++h;
      continue;
    }
    out.push_back(v);
  }
}

}  // namespace braintorch::connect_detail
