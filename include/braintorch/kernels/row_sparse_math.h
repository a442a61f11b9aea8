#pragma once
// Per-element arithmetic of the row-sparse products shared by braintorch::csr_matvec (CSR rows) and
// braintorch::fcn_matvec / event_fcn_matvec (a fixed number of connections per row, the ELL layout).
// A row is a half-open range [begin, end) of synapses; CSR reads it from indptr, the ELL layout computes
// it as [i * n_conn, (i + 1) * n_conn). The input is either a float value (EVENTS = false: the value
// multiplies the weight) or an event (EVENTS = true: e(x) in {0, 1}, see kernels::is_event).
#include <cstdint>

#include "braintorch/kernels/event_csr_math.h"

namespace braintorch::kernels {

// The factor an input entry contributes: x itself, or its event indicator e(x).
template <bool EVENTS, typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t input_factor(input_t x) {
  if constexpr (EVENTS) {
    return is_event(x) ? scalar_t(1) : scalar_t(0);
  } else {
    return scalar_t(x);
  }
}

// Whether a row with input x has to be visited at all by a scatter: every event row, every float row
// (a float row is never skipped, so NaN/Inf propagate exactly as in the dense product).
template <bool EVENTS, typename input_t>
BT_HOST_DEVICE bool row_is_active(input_t x) {
  if constexpr (EVENTS) {
    return is_event(x);
  } else {
    return true;
  }
}

// out[indices[k]] += w_k * f for the synapses k in [begin, end) (host loop; the CUDA kernels use
// atomicAdd). f = 1 for an event row.
template <typename scalar_t, typename index_t>
inline void scatter_range(const index_t* indices, const scalar_t* weights, bool homogeneous, int64_t begin,
                          int64_t end, scalar_t f, scalar_t* out) {
  for (int64_t k = begin; k < end; ++k) out[indices[k]] += synapse_weight(weights, homogeneous, k) * f;
}

// sum_{k in [begin, end), k = begin + start, step stride} w_k * factor(x[indices[k]]): one entry of
// the transposed product (or of the straight-through input gradient of the forward product when x is
// the output gradient). Accumulated in synapse order.
template <bool EVENTS, typename scalar_t, typename index_t, typename input_t>
BT_HOST_DEVICE scalar_t gather_range(const index_t* indices, const scalar_t* weights, bool homogeneous,
                                     int64_t begin, int64_t end, const input_t* x, int64_t n_cols,
                                     int64_t start = 0, int64_t stride = 1) {
  scalar_t acc = scalar_t(0);
  for (int64_t k = begin + start; k < end; k += stride) {
    const int64_t j = int64_t(indices[k]);
    BT_DEVICE_CHECK_INDEX(j >= 0 && j < n_cols);
    if constexpr (EVENTS) {
      if (is_event(x[j])) acc += synapse_weight(weights, homogeneous, k);
    } else {
      acc += synapse_weight(weights, homogeneous, k) * scalar_t(x[j]);
    }
  }
  return acc;
}

// Weight-gradient term of one synapse k = (i -> j) for one batch row:
//   forward   (post = x @ W):  d post[j] / d w_k = factor(x[i]), times g[j]
//   transpose (pre  = W @ v):  d pre[i]  / d w_k = factor(v[j]), times g[i]
template <bool EVENTS, typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t weight_grad_product(input_t x, scalar_t g) {
  if constexpr (EVENTS) {
    return is_event(x) ? g : scalar_t(0);
  } else {
    return scalar_t(x) * g;
  }
}

}  // namespace braintorch::kernels
