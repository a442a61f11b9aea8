#pragma once
// FixedPreNum (BrainPy): every postsynaptic neuron receives exactly k presynaptic partners, drawn
// uniformly among the allowed pres (minus itself when self-connections are excluded), without replacement
// unless allow_multapses. Column j uses its own Philox stream keyed by (seed, j); the columns are built
// as a CSC and transposed to CSR by a counting sort (O(nnz) memory, thread-count independent).
#include <cstdint>

#include "braintorch/connect/csr_matrix.h"
#include "braintorch/connect/fixed_prob.h"  // ConnectionSite

namespace braintorch {

struct FixedPreNumOptions {
  int64_t k = 0;
  bool include_self = true;
  bool allow_multapses = false;
};

CSRMatrix fixed_pre_num_csr(const ConnectionSite& site, const FixedPreNumOptions& options, uint64_t seed);

}  // namespace braintorch
