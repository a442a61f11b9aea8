#pragma once
// Per-element arithmetic of braintorch::event_dense_matvec, shared by the CPU loops and the CUDA kernels.
// W is a row-major (n_pre, n_post) matrix.
#include <cstdint>

#include "braintorch/kernels/event_csr_math.h"

namespace braintorch::kernels {

// sum over rows i in [0, n_rows), i = start, start + stride, ..., with an event in s[i] of W[i, j]:
// one entry of the forward product (one column j of W, event rows in ascending order).
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t dense_event_column_sum(const scalar_t* W, int64_t n_cols, const input_t* s, int64_t n_rows,
                                               int64_t j, int64_t start = 0, int64_t stride = 1) {
  scalar_t acc = scalar_t(0);
  for (int64_t i = start; i < n_rows; i += stride)
    if (is_event(s[i])) acc += W[i * n_cols + j];
  return acc;
}

// sum over the listed columns of one row of W: the transposed product over a compact list of event
// columns (CPU), ascending.
template <typename scalar_t, typename col_t>
BT_HOST_DEVICE scalar_t dense_row_sum_at(const scalar_t* w_row, const col_t* cols, int64_t n) {
  scalar_t acc = scalar_t(0);
  for (int64_t c = 0; c < n; ++c) acc += w_row[cols[c]];
  return acc;
}

// sum_j e(v[j]) W[i, j] over j = start, start + stride, ... (the CUDA transposed product, per lane).
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t dense_event_row_sum(const scalar_t* w_row, const input_t* v, int64_t n_cols,
                                            int64_t start = 0, int64_t stride = 1) {
  scalar_t acc = scalar_t(0);
  for (int64_t j = start; j < n_cols; j += stride)
    if (is_event(v[j])) acc += w_row[j];
  return acc;
}

// sum_j w_row[j] g[j] over j = start, start + stride, ...: the straight-through input gradient of the
// forward product, grad_s[b, i] = (g @ W^T)[b, i].
template <typename scalar_t>
BT_HOST_DEVICE scalar_t dense_row_dot(const scalar_t* w_row, const scalar_t* g, int64_t n_cols, int64_t start = 0,
                                      int64_t stride = 1) {
  scalar_t acc = scalar_t(0);
  for (int64_t j = start; j < n_cols; j += stride) acc += w_row[j] * g[j];
  return acc;
}

// Weight-gradient term of W[i, j] for one batch row: forward e(s[i]) g[j], transpose g[i] e(v[j]).
template <typename scalar_t, typename input_t>
BT_HOST_DEVICE scalar_t dense_weight_grad_term(input_t event_input, scalar_t g) {
  return is_event(event_input) ? g : scalar_t(0);
}

}  // namespace braintorch::kernels
