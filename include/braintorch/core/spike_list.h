#pragma once
// The compact list of neurons that spiked in the last step, per batch row, in ascending order.
// Written by a group's fused update on the CPU; read by event-driven projections (work proportional to
// the number of spikes) and by spike monitors.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace braintorch {

struct SpikeList {
  int64_t batch = 1;   // rows (1 for an unbatched group)
  int64_t size = 0;    // neurons per row
  std::vector<int32_t> indices;  // batch * size slots; row b uses [b*size, b*size + counts[b])
  std::vector<int64_t> counts;   // batch

  void resize(int64_t batch_rows, int64_t n) {
    batch = batch_rows;
    size = n;
    indices.assign(size_t(batch_rows * n), 0);
    counts.assign(size_t(batch_rows), 0);
  }
  const int32_t* row(int64_t b) const { return indices.data() + b * size; }
  // The spikes of row b that fall in [start, stop): a pointer into the list and a count.
  std::pair<const int32_t*, int64_t> range(int64_t b, int64_t start, int64_t stop) const {
    const int32_t* first = row(b);
    const int32_t* last = first + counts[size_t(b)];
    const int32_t* lo = std::lower_bound(first, last, int32_t(start));
    const int32_t* hi = std::lower_bound(lo, last, int32_t(stop));
    return {lo, hi - lo};
  }
};

}  // namespace braintorch
