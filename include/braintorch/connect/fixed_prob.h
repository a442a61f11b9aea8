#pragma once
// Random connectivity in which each (pre, post) pair is connected independently with probability p
// (BrainPy's FixedProb, Brian2's connect(p=...)), built straight into CSR: no dense n_pre x n_post
// intermediate, O(nnz) memory.
//
// Row i is drawn from its own counter-based Philox stream keyed by (seed, i), by geometric skipping
// (the gap to the next target is Geometric(p)), so the matrix depends only on (seed, p, shape,
// include_self) and not on the thread count or the order rows are built in.
#include <cstdint>

#include "braintorch/connect/csr_matrix.h"

namespace braintorch {

struct FixedProbOptions {
  double prob = 0.02;
  // When pre and post are populations of the same group, whether neuron k may connect to itself.
  bool include_self = true;
};

// Where pre and post sit, so self-connections can be recognised: pre neuron i is the same neuron as
// post neuron i + pre_start - post_start when same_group is true.
struct ConnectionSite {
  int64_t n_pre = 0, n_post = 0;
  bool same_group = false;
  int64_t pre_start = 0, post_start = 0;
};

CSRMatrix fixed_prob_csr(const ConnectionSite& site, const FixedProbOptions& options, uint64_t seed);

}  // namespace braintorch
