#pragma once
// braintorch::event_csr_matvec: the event-driven product of a spike vector with a CSR connectivity matrix.
//
// Convention
//   W has shape (n_pre, n_post) and is stored as CSR with one row per presynaptic neuron:
//   indptr (n_pre + 1), indices (nnz, the postsynaptic target of each synapse), weights (1 element: one
//   shared homogeneous weight; or nnz elements: one weight per synapse, in CSR order).
//   - transpose = false:  post = e(s) @ W    s: (n_pre)  or (B, n_pre)  -> (n_post) or (B, n_post)
//   - transpose = true:   pre  = W @ e(v)    v: (n_post) or (B, n_post) -> (n_pre)  or (B, n_pre)
//   e(x) is the event indicator: a bool entry, or a floating entry > 0, counts as one event; the value of
//   a float spike beyond that is ignored. The output has the dtype of `weights` (float32 or float64)
//   and lives on the device of `spikes`. indptr and indices may each be int32 or int64. Inputs may be
//   non-contiguous (they are made contiguous internally).
//
// Gradients (registered at the Autograd key, so they work from C++ and from Python)
//   - weights, forward:   dw_k = sum_b e(s[b, i]) * g[b, idx_k]     (k a synapse of row i)
//   - weights, transpose: dw_k = sum_b g[b, i] * e(v[b, idx_k])
//     homogeneous weights receive the sum of these over all synapses.
//   - float spikes (straight-through): the gradient of the same product with e(s) replaced by s, i.e.
//     the transposed product with the float weights:
//       forward:   grad_s[b, i] = sum_{k in row i} w_k g[b, idx_k]
//       transpose: grad_v[b, j] = sum_{k: idx_k = j} w_k g[b, row(k)]
//   - bool spikes get no gradient; indptr and indices are integer structure and are not differentiable.
//   - double backward is not supported and raises
//     "braintorch::event_csr_matvec does not support double backward".
//
// Validation: every user error is a c10::Error naming the offending argument. On CPU the CSR structure
// is checked as it is read (indptr[0] == 0, indptr[n_pre] == nnz, rows non-decreasing within [0, nnz],
// every index in [0, n_post)): the event-driven forward product checks the rows of spiking neurons only,
// so it stays O(events) (a row that is never read is never checked); every other direction reads, and
// checks, the whole structure. On CUDA only metadata
// is checked on the host (no device->host sync); the kernels assert index bounds on the device.
//
// Determinism: on CPU the results are bitwise identical for any number of threads (work is split only
// over independent outputs). On CUDA the scatters (forward product, transposed input gradient) use float
// atomicAdd, so their summation order, and hence the last bits, may vary from run to run.
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

#include <array>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

namespace braintorch::ops {

// Calls braintorch::event_csr_matvec through the dispatcher (CPU/CUDA kernels, autograd).
at::Tensor event_csr_matvec(const at::Tensor& spikes, const at::Tensor& indptr, const at::Tensor& indices,
                            const at::Tensor& weights, int64_t n_post, bool transpose = false);

namespace detail {

// Calls braintorch::event_csr_matvec_backward through the dispatcher. Returns (grad_spikes,
// grad_weights). An output that is not requested by output_mask, is returned as an empty tensor of
// shape (0,) with the dtype of `weights` (never an undefined tensor, so fake tensors and opcheck see
// ordinary outputs). A requested grad_spikes has the shape and dtype of `spikes` (which must then be
// floating point); a requested grad_weights has the shape of `weights`.
std::tuple<at::Tensor, at::Tensor> event_csr_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                             const at::Tensor& indptr, const at::Tensor& indices,
                                                             const at::Tensor& weights, int64_t n_post,
                                                             bool transpose, std::array<bool, 2> output_mask);

// ---- Shared by the CPU and CUDA kernels (not part of the user API).

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

// Checks dtypes, devices, shapes and sizes (host metadata only); `op` prefixes the messages.
EventCsrSizes check_event_csr_matvec_args(const char* op, const at::Tensor& spikes, const at::Tensor& indptr,
                                          const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                          bool transpose);
// Additionally checks grad_out (shape = the forward output shape, floating dtype, same device).
EventCsrSizes check_event_csr_matvec_backward_args(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                   const at::Tensor& indptr, const at::Tensor& indices,
                                                   const at::Tensor& weights, int64_t n_post, bool transpose,
                                                   std::array<bool, 2> output_mask);
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

// The output shape: spikes.shape[:-1] + (n_out,).
std::vector<int64_t> event_csr_output_shape(const at::Tensor& spikes, int64_t n_out);

// Calls f(ptr_t{}, index_t{}) with the integer types of indptr and indices (int32/int64 each).
template <typename F>
void dispatch_csr_index_types(const at::Tensor& indptr, const at::Tensor& indices, F&& f) {
  const bool ptr64 = indptr.scalar_type() == at::kLong, idx64 = indices.scalar_type() == at::kLong;
  if (ptr64 && idx64) f(int64_t{}, int64_t{});
  else if (ptr64) f(int64_t{}, int32_t{});
  else if (idx64) f(int32_t{}, int64_t{});
  else f(int32_t{}, int32_t{});
}

// Calls f(scalar_t{}) with the weights dtype (float32/float64, checked before).
template <typename F>
void dispatch_weight_type(at::ScalarType t, F&& f) {
  if (t == at::kDouble) f(double{});
  else f(float{});
}

// Calls f(input_t{}) with the spikes dtype (bool/float32/float64, checked before).
template <typename F>
void dispatch_spike_type(at::ScalarType t, F&& f) {
  if (t == at::kBool) f(bool{});
  else if (t == at::kDouble) f(double{});
  else f(float{});
}

}  // namespace detail
}  // namespace braintorch::ops
