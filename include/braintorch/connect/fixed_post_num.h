#pragma once
// FixedPostNum (BrainPy): every presynaptic neuron gets exactly k postsynaptic targets, drawn uniformly
// among the allowed posts (all n_post, minus its own neuron when self-connections are excluded), without
// replacement unless allow_multapses. Built straight into CSR, O(nnz) memory, O(nnz log k) time.
// Row i uses its own Philox stream keyed by (seed, i): the matrix is independent of the thread count.
#include <cstdint>

#include "braintorch/connect/csr_matrix.h"
#include "braintorch/connect/fixed_prob.h"  // ConnectionSite

namespace braintorch {

struct FixedPostNumOptions {
  int64_t k = 0;
  bool include_self = true;
  // With multapses the k targets are drawn with replacement (a row may repeat a target; rows stay
  // non-decreasing) and k may exceed n_post.
  bool allow_multapses = false;
};

CSRMatrix fixed_post_num_csr(const ConnectionSite& site, const FixedPostNumOptions& options, uint64_t seed);

}  // namespace braintorch
