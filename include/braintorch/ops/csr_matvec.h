#pragma once
// braintorch::csr_matvec: the product of a real-valued vector (or batch) with a CSR matrix.
//
// Convention (the same CSR layout as braintorch::event_csr_matvec)
//   W has shape (n_pre, n_post), one CSR row per presynaptic neuron: indptr (n_pre + 1, int32/int64),
//   indices (nnz postsynaptic targets, int32/int64), weights (1 element: homogeneous; or nnz, CSR order).
//   - transpose = false:  post = x @ W    x: (n_pre)  or (B, n_pre)  -> (n_post) or (B, n_post)
//   - transpose = true:   pre  = W @ v    v: (n_post) or (B, n_post) -> (n_pre)  or (B, n_pre)
//   x must be float32 or float64 with the dtype of `weights`; the output has that dtype and the
//   device of x. Inputs may be non-contiguous.
//
// Gradients (Autograd key; C++ and Python)
//   - x, forward:   grad_x = g @ W^T   (grad_x[b, i] = sum_{k in row i} w_k g[b, idx_k])
//   - v, transpose: grad_v = g @ W     (grad_v[b, j] = sum_{k: idx_k = j} w_k g[b, row(k)])
//   - weights, forward:   dw_k = sum_b x[b, i] g[b, idx_k]; transpose: dw_k = sum_b g[b, i] v[b, idx_k];
//     a homogeneous weight receives the sum over all synapses.
//   - indptr / indices are not differentiable; double backward raises
//     "braintorch::csr_matvec does not support double backward".
//
// Validation and determinism: as braintorch::event_csr_matvec (full CSR check on CPU, device asserts on
// CUDA; CPU bitwise identical for any thread count; the CUDA scatters use float atomicAdd).
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <tuple>

namespace braintorch::ops {

// Calls braintorch::csr_matvec through the dispatcher (CPU/CUDA kernels, autograd).
at::Tensor csr_matvec(const at::Tensor& x, const at::Tensor& indptr, const at::Tensor& indices,
                      const at::Tensor& weights, int64_t n_post, bool transpose = false);

// Calls braintorch::csr_matvec_backward (the op the autograd kernel calls): (grad_x, grad_weights); an
// output not requested by output_mask is an empty (0,) tensor of the weights dtype. grad_out must be
// floating point, with the forward output's shape, on the device of x.
std::tuple<at::Tensor, at::Tensor> csr_matvec_backward(const at::Tensor& grad_out, const at::Tensor& x,
                                                       const at::Tensor& indptr, const at::Tensor& indices,
                                                       const at::Tensor& weights, int64_t n_post, bool transpose,
                                                       std::array<bool, 2> output_mask);

}  // namespace braintorch::ops
