#pragma once
// Per-element arithmetic of the event-driven CSR product, shared by the CPU loops, the CUDA kernels
// and the simulation fast path. A connectivity matrix W has shape (n_pre, n_post), one CSR row per
// presynaptic neuron; `weights` holds either one shared value (homogeneous) or one per synapse.
#include <cstdint>

#include "braintorch/common/host_device.h"

// Device-side index checks: the CPU path validates the whole CSR structure before any kernel runs,
// the CUDA path cannot do that without a device->host sync, so its kernels assert on every index they
// touch (CUDA_KERNEL_ASSERT stays on in Release builds; a failure surfaces as a device-side assert).
#if defined(__CUDA_ARCH__)
#include <c10/macros/Macros.h>
#define BT_DEVICE_CHECK_INDEX(cond) CUDA_KERNEL_ASSERT(cond)
#else
#define BT_DEVICE_CHECK_INDEX(cond) ((void)0)
#endif

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

// ---------------------------------------------------------------- gather (transposed) direction
// The helpers below take a (start, stride) pair over the synapses of one row so that a CUDA warp can
// split a row between its lanes (start = lane, stride = 32) while the CPU walks it with (0, 1). The
// partial sums are accumulated in synapse order, so one CPU thread always produces the same bits.

// sum over synapses k of row `row` with an event at their target: w_k * [x[indices[k]] is an event].
// This is one output entry of the transposed event product pre = W @ e(v).
template <typename scalar_t, typename ptr_t, typename index_t, typename input_t>
BT_HOST_DEVICE scalar_t event_gather_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                                         bool homogeneous, int64_t row, const input_t* x, int64_t n_cols,
                                         int64_t start = 0, int64_t stride = 1) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  scalar_t acc = scalar_t(0);
  for (int64_t k = begin + start; k < end; k += stride) {
    const int64_t j = int64_t(indices[k]);
    BT_DEVICE_CHECK_INDEX(j >= 0 && j < n_cols);
    if (is_event(x[j])) acc += synapse_weight(weights, homogeneous, k);
  }
  return acc;
}

// sum over synapses k of row `row` of w_k * x[indices[k]]: the float (straight-through) product. Used
// for the input gradient of the forward product, grad_s[i] = sum_k w_k g[idx_k].
template <typename scalar_t, typename ptr_t, typename index_t>
BT_HOST_DEVICE scalar_t gather_row(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                                   bool homogeneous, int64_t row, const scalar_t* x, int64_t n_cols,
                                   int64_t start = 0, int64_t stride = 1) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  scalar_t acc = scalar_t(0);
  for (int64_t k = begin + start; k < end; k += stride) {
    const int64_t j = int64_t(indices[k]);
    BT_DEVICE_CHECK_INDEX(j >= 0 && j < n_cols);
    acc += synapse_weight(weights, homogeneous, k) * x[j];
  }
  return acc;
}

// out[indices[k]] += w_k * scale for every synapse of `row` (host loop): the input gradient of the
// transposed product, grad_v[j] += w_k g[row]. The CUDA kernel does the same with atomicAdd.
template <typename scalar_t, typename ptr_t, typename index_t>
inline void scatter_row_scaled(const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                               bool homogeneous, int64_t row, scalar_t scale, scalar_t* out) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  for (int64_t k = begin; k < end; ++k) out[indices[k]] += synapse_weight(weights, homogeneous, k) * scale;
}

// ---------------------------------------------------------------- weight-gradient terms
// Forward product post = e(s) @ W: d post[j] / d w_k = e(s[row(k)]) for j = idx_k, so synapse k gains
// g[idx_k] from every batch row in which its presynaptic neuron fired.
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t weight_grad_term(input_t pre_spike, scalar_t g_post) {
  return is_event(pre_spike) ? g_post : scalar_t(0);
}

// Transposed product pre = W @ e(v): d pre[i] / d w_k = e(v[idx_k]) for i = row(k).
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t weight_grad_term_transposed(scalar_t g_pre, input_t post_value) {
  return is_event(post_value) ? g_pre : scalar_t(0);
}

}  // namespace braintorch::kernels
