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

#include <array>
#include <cstdint>
#include <tuple>

namespace braintorch::ops {

// Calls braintorch::event_csr_matvec through the dispatcher (CPU/CUDA kernels, autograd).
at::Tensor event_csr_matvec(const at::Tensor& spikes, const at::Tensor& indptr, const at::Tensor& indices,
                            const at::Tensor& weights, int64_t n_post, bool transpose = false);

// Calls braintorch::event_csr_matvec_backward through the dispatcher (the op the autograd kernel calls).
// Returns (grad_spikes, grad_weights). An output that is not requested by output_mask, is returned as an
// empty tensor of shape (0,) with the dtype of `weights` (never an undefined tensor, so fake tensors and
// opcheck see ordinary outputs). A requested grad_spikes has the shape and dtype of `spikes` (which must
// then be floating point); a requested grad_weights has the shape of `weights`. grad_out must be floating
// point, with the forward output's shape, on the device of spikes.
std::tuple<at::Tensor, at::Tensor> event_csr_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                             const at::Tensor& indptr, const at::Tensor& indices,
                                                             const at::Tensor& weights, int64_t n_post,
                                                             bool transpose, std::array<bool, 2> output_mask);

}  // namespace braintorch::ops
