#pragma once
// GaussianProb: pre neurons on a (pre_height, pre_width) grid, post neurons on a (post_height, post_width)
// grid, neuron index = row * width + col (row-major). Pre (r, c) connects to post (r', c') independently
// with probability
//     p = exp(-d^2 / (2 sigma^2)),   d^2 = dr^2 + dc^2,   dr = r - r', dc = c - c'   (grid units)
// With periodic_boundary (requires equal grids) dr = min(|dr|, H - |dr|) and likewise dc (a torus).
// normalize is BrainPy's: every probability is divided by the largest one of the whole matrix, self-pairs
// included. Two grids that both start at position (0, 0) always share a point (p = exp(0) = 1), so it
// changes nothing, in BrainPy as here; it is accepted for scripts that pass it. (Dividing each row by its
// own maximum over the allowed targets instead would connect every nearest neighbour when
// self-connections are excluded, unlike BrainPy.)
// Row i draws one uniform per post neuron from its own Philox stream (seed, i): O(n_pre n_post) time,
// O(nnz) memory, independent of the thread count.
#include <cstdint>

#include "braintorch/connect/csr_matrix.h"

namespace braintorch {

struct GaussianProbOptions {
  int64_t pre_height = 0, pre_width = 0;
  int64_t post_height = 0, post_width = 0;
  double sigma = 1.0;
  bool periodic_boundary = false;
  bool normalize = false;
  // Pre and post are the same group (then the grids must be equal): whether i may connect to i.
  bool same_group = false;
  bool include_self = true;
};

CSRMatrix gaussian_prob_csr(const GaussianProbOptions& options, uint64_t seed);

// The connection probability of pre neuron `pre` and post neuron `post` before normalisation (exposed
// so tests and users can compare with the formula).
double gaussian_prob_value(const GaussianProbOptions& options, int64_t pre, int64_t post);

}  // namespace braintorch
