#pragma once
// Per-element arithmetic of the event-driven CSR product, shared by the CPU loops, the CUDA kernels
// and the simulation fast path. A connectivity matrix W has shape (n_pre, n_post), one CSR row per
// presynaptic neuron; `weights` holds either one shared value (homogeneous) or one per synapse.
#include <cstdint>

#include "braintorch/common/host_device.h"

namespace braintorch::kernels {

// An input entry counts as one event when it is > 0 (bool true, or a float spike of 1).
template <typename input_t>
BT_HOST_DEVICE bool is_event(input_t x) {
  return x > input_t(0);
}
BT_HOST_DEVICE bool is_event(bool x) { return x; }

template <typename scalar_t, typename index_t>
BT_HOST_DEVICE scalar_t synapse_weight(const scalar_t* weights, bool homogeneous, index_t k) {
  return homogeneous ? weights[0] : weights[k];
}

// out[indices[k]] += w_k for every synapse k of row `row`: one presynaptic event delivered.
// indptr and indices may have different integer types (int64 offsets with int32 targets, say).
template <typename scalar_t, typename ptr_t, typename index_t>
inline void scatter_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                        bool homogeneous, int64_t row, scalar_t* out) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  if (homogeneous) {
    const scalar_t w = weights[0];
    for (int64_t k = begin; k < end; ++k) out[indices[k]] += w;
  } else {
    for (int64_t k = begin; k < end; ++k) out[indices[k]] += weights[k];
  }
}

// Delivers the events of a list of active rows (e.g. the compact spike list of one step).
template <typename scalar_t, typename ptr_t, typename index_t, typename row_t>
inline void scatter_rows(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                         bool homogeneous, const row_t* rows, int64_t n_rows, int64_t row_offset,
                         scalar_t* out) {
  for (int64_t r = 0; r < n_rows; ++r)
    scatter_row(indptr, indices, weights, homogeneous, int64_t(rows[r]) - row_offset, out);
}

}  // namespace braintorch::kernels
