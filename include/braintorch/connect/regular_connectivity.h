#pragma once
// Deterministic connectivity patterns (BrainPy One2One, All2All, GridFour, GridEight), built straight into
// CSR with ascending rows and no duplicates.
#include <cstdint>

#include "braintorch/connect/csr_matrix.h"
#include "braintorch/connect/fixed_prob.h"  // ConnectionSite

namespace braintorch {

// i -> i for i < n (requires n_pre == n_post). In one group with include_self == false and pre_start ==
// post_start every pair is a self-connection, so the result is empty (kept for a uniform interface).
CSRMatrix one_to_one_csr(const ConnectionSite& site, bool include_self = true);

// Every pre to every post; self-pairs dropped when same_group && !include_self. nnz = n_pre n_post
// (minus the self-pairs): the output itself is dense, there is no other intermediate.
CSRMatrix all_to_all_csr(const ConnectionSite& site, bool include_self = true);

// Neurons on a (height, width) grid (pre and post the same grid, index = row * width + col). Each neuron
// connects to its 4 (von Neumann: up, down, left, right) or 8 (Moore: plus diagonals) neighbours; at the
// border neighbours outside the grid are dropped unless periodic (torus wrap). A neighbour reached twice
// (periodic grids of height or width <= 2) is kept once. include_self adds i -> i.
CSRMatrix grid_csr(int64_t height, int64_t width, int neighbours, bool periodic, bool include_self);

}  // namespace braintorch
