#pragma once
// braintorch::event_dense_matvec: the event-driven product of spikes with a dense weight matrix.
//
// Convention
//   weights W: a dense (n_pre, n_post) float32/float64 matrix, one row per presynaptic neuron.
//   - transpose = false:  post = e(s) @ W    s: (n_pre)  or (B, n_pre)  -> (n_post) or (B, n_post)
//     post[b, j] = sum over the event rows i of s[b] of W[i, j]: only rows with an event are read.
//   - transpose = true:   pre  = W @ e(v)    v: (n_post) or (B, n_post) -> (n_pre)  or (B, n_pre)
//     pre[b, i] = sum over the event columns j of v[b] of W[i, j].
//   e(x): bool, or float > 0, counts as one event. The output has the dtype of W and the device of s.
//   Sums run over the event rows (columns) in ascending order. Inputs may be non-contiguous.
//
// Gradients (Autograd key)
//   - W, forward: dW = e(s)^T g (dW[i, j] = sum_b e(s[b, i]) g[b, j]); transpose: dW = g^T e(v).
//   - float spikes (straight-through, the gradient of the float product): forward grad_s = g @ W^T,
//     transpose grad_v = g @ W. Bool spikes get none.
//   - double backward raises "braintorch::event_dense_matvec does not support double backward".
//
// Determinism: every output entry is one sum in a fixed order (no atomics on CPU or CUDA): CPU results
// are bitwise identical for any thread count and CUDA results are identical run to run. CPU and CUDA
// agree bitwise for the forward product and the weight gradient; the warp reductions of the CUDA
// transposed product and forward input gradient sum in a different order than the CPU.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <tuple>

namespace braintorch::ops {

at::Tensor event_dense_matvec(const at::Tensor& spikes, const at::Tensor& weights, bool transpose = false);

// Calls braintorch::event_dense_matvec_backward (the op the autograd kernel calls): (grad_spikes,
// grad_weights); an output not requested by output_mask is an empty (0,) tensor of the weights dtype.
// grad_out must be floating point, with the forward output's shape, on the device of spikes.
std::tuple<at::Tensor, at::Tensor> event_dense_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                               const at::Tensor& weights, bool transpose,
                                                               std::array<bool, 2> output_mask);
}  // namespace braintorch::ops
