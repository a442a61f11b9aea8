#pragma once
// The argument checks of the operators, shared by their CPU and CUDA kernels (not part of the user API).
// They check host metadata only (dtypes, devices, shapes, sizes) and return the sizes of the call;
// every message starts with `op` (or the op's name) and names the offending argument. The *_cpu checks
// also read the structure tensors (CPU, contiguous). Defined next to each op's schema (torch_ops/<op>.cpp).
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <optional>

#include <array>
#include <cstdint>
#include <string>

namespace braintorch::ops::detail {

// ---------------------------------------------------------------- row-sparse products
// event_csr_matvec, csr_matvec, fcn_matvec and event_fcn_matvec share the sizes and the row loops.

// Sizes of one call after the argument checks.
struct EventCsrSizes {
  int64_t batch = 1;   // B, 1 for 1-D spikes
  int64_t n_pre = 0;   // rows of W (indptr.numel() - 1)
  int64_t n_post = 0;  // columns of W
  int64_t nnz = 0;     // synapses (indices.numel())
  int64_t n_in = 0;    // last dim of spikes: n_pre, or n_post when transposed
  int64_t n_out = 0;   // last dim of the output: n_post, or n_pre when transposed
  bool homogeneous = false;
};

EventCsrSizes check_event_csr_matvec_args(const char* op, const at::Tensor& spikes, const at::Tensor& indptr,
                                          const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                          bool transpose);
// Additionally checks grad_out (shape = the forward output shape, floating dtype, same device).
EventCsrSizes check_event_csr_matvec_backward_args(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                   const at::Tensor& indptr, const at::Tensor& indices,
                                                   const at::Tensor& weights, int64_t n_post, bool transpose,
                                                   std::array<bool, 2> output_mask);

EventCsrSizes check_csr_matvec_args(const char* op, const at::Tensor& x, const at::Tensor& indptr,
                                    const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                    bool transpose);
EventCsrSizes check_csr_matvec_backward_args(const at::Tensor& grad_out, const at::Tensor& x,
                                             const at::Tensor& indptr, const at::Tensor& indices,
                                             const at::Tensor& weights, int64_t n_post, bool transpose);

// `events` selects the input rules (and the argument name: "spikes" or "x"). nnz = n_pre * n_conn.
EventCsrSizes check_fcn_args(const char* op, bool events, const at::Tensor& x, const at::Tensor& indices,
                             const at::Tensor& weights, int64_t n_post, bool transpose);
EventCsrSizes check_fcn_backward_args(const char* op, bool events, const at::Tensor& grad_out, const at::Tensor& x,
                                      const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                      bool transpose, std::array<bool, 2> output_mask);
// Every index in [0, n_post) (CPU, contiguous). O(nnz).
void check_fcn_indices_cpu(const char* op, const at::Tensor& indices, int64_t n_post);

// Full CSR structure check on CPU tensors (contiguous): indptr[0] == 0, monotone, indptr[n_pre] == nnz,
// 0 <= indices < n_post. O(n_pre + nnz).
void check_csr_structure_cpu(const char* op, const at::Tensor& indptr, const at::Tensor& indices, int64_t n_post);
// The O(1) part of it: indptr[0] == 0 and indptr[n_pre] == nnz (CPU, contiguous).
void check_csr_ends_cpu(const char* op, const at::Tensor& indptr, int64_t nnz);
// One row's extent: min_begin <= indptr[row] <= indptr[row + 1] <= nnz. O(1). An event-driven scatter
// passes as min_begin the end of the previous row it read (rows ascending), so the rows it reads are
// disjoint and in order even though the rows between them are not checked: a decreasing indptr that
// would make two read rows share synapses is an error, not a silently wrong product.
template <typename ptr_t>
void check_csr_row_extent_cpu(const char* op, const ptr_t* indptr, int64_t row, int64_t nnz, int64_t min_begin = 0) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  TORCH_CHECK(min_begin <= begin && begin <= end && end <= nnz, op, ": indptr must be non-decreasing within [0, nnz = ",
              nnz, "], but row ", row, " spans indptr[", row, "] = ", begin, " to indptr[", row + 1, "] = ", end,
              min_begin > 0 ? " and an earlier row ends at " : "", min_begin > 0 ? c10::str(min_begin) : "");
}
// One row as it is used: its extent and its indices in [0, n_post). O(row length); the event-driven
// kernels check the rows of spiking neurons only (the CPU scatter checks indices while it scatters and
// calls this to raise the error).
template <typename ptr_t, typename index_t>
void check_csr_row_cpu(const char* op, const ptr_t* indptr, const index_t* indices, int64_t row, int64_t nnz,
                       int64_t n_post) {
  check_csr_row_extent_cpu(op, indptr, row, nnz);
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  bool ok = true;
  for (int64_t k = begin; k < end; ++k) ok &= (indices[k] >= 0) & (int64_t(indices[k]) < n_post);
  if (ok) return;
  for (int64_t k = begin; k < end; ++k)
    TORCH_CHECK(indices[k] >= 0 && int64_t(indices[k]) < n_post, op, ": indices[", k, "] = ", int64_t(indices[k]),
                " is out of range for n_post = ", n_post);
}

// ---------------------------------------------------------------- event_dense_matvec

struct EventDenseSizes {
  int64_t batch = 1, n_pre = 0, n_post = 0, n_in = 0, n_out = 0;
};

EventDenseSizes check_event_dense_args(const char* op, const at::Tensor& spikes, const at::Tensor& weights,
                                       bool transpose);
EventDenseSizes check_event_dense_backward_args(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                const at::Tensor& weights, bool transpose,
                                                std::array<bool, 2> output_mask);

// ---------------------------------------------------------------- JIT connectivity

struct JitcSizes {
  int64_t batch = 1, n_pre = 0, n_post = 0, n_in = 0, n_out = 0;
  int kind = 0;  // kernels::jitc::Kind
};

JitcSizes check_jitc_args(const char* op, const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1,
                          double prob, int64_t n_pre, int64_t n_post, const std::string& kind, bool transpose,
                          bool events);
// check_jitc_args plus grad_out (as every backward op checks it) and no input gradient for bool spikes.
JitcSizes check_jitc_backward_args(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& w0,
                                   const at::Tensor& w1, double prob, int64_t n_pre, int64_t n_post,
                                   const std::string& kind, bool transpose, bool events,
                                   std::array<bool, 3> output_mask);
void check_jitc_weight_args(const char* op, const at::Tensor& w0, const at::Tensor& w1, double prob, int64_t n_pre,
                            int64_t n_post);

// ---------------------------------------------------------------- stdp_csr_update_

struct StdpSizes {
  int64_t n_pre = 0, n_post = 0, nnz = 0;
  bool use_csc = false;
};

StdpSizes check_stdp_args(const at::Tensor& indptr, const at::Tensor& indices, const at::Tensor& weights,
                          const at::Tensor& pre_spikes, const at::Tensor& post_spikes, const at::Tensor& pre_trace,
                          const at::Tensor& post_trace, double w_min, double w_max,
                          const std::optional<at::Tensor>& col_indptr, const std::optional<at::Tensor>& col_rows,
                          const std::optional<at::Tensor>& col_perm);

}  // namespace braintorch::ops::detail
