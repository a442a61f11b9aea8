#pragma once
// FixedTotalNum (BrainPy): exactly `num` synapses in total, a uniformly random subset of the allowed
// (pre, post) pairs (all pairs minus self-pairs when excluded), no duplicates unless allow_multapses
// (then `num` independent uniform draws of a pair). Drawn from one Philox stream keyed by seed: rounds of
// draws over linear pair indices, de-duplicated (the complement when num > half the pairs); O(num)
// memory, O(num log num) time; then laid out as CSR. Serial, so independent of the thread count.
#include <cstdint>

#include "braintorch/connect/csr_matrix.h"
#include "braintorch/connect/fixed_prob.h"  // ConnectionSite

namespace braintorch {

struct FixedTotalNumOptions {
  int64_t num = 0;
  bool include_self = true;
  bool allow_multapses = false;
};

CSRMatrix fixed_total_num_csr(const ConnectionSite& site, const FixedTotalNumOptions& options, uint64_t seed);

}  // namespace braintorch
