#pragma once
// braintorch::fcn_matvec and braintorch::event_fcn_matvec: products with a connectivity that has a fixed
// number of connections per presynaptic row (the ELL layout, "fcn").
//
// Convention
//   W has shape (n_pre, n_post). indices (n_pre, n_conn), int32 or int64: row i connects to the
//   postsynaptic neurons indices[i, :] (each in [0, n_post); a repeated target adds up). weights: one
//   element (a shared homogeneous weight) or (n_pre, n_conn), one per synapse.
//   - transpose = false:  post = f(x) @ W    x: (n_pre)  or (B, n_pre)  -> (n_post) or (B, n_post)
//   - transpose = true:   pre  = W @ f(v)    v: (n_post) or (B, n_post) -> (n_pre)  or (B, n_pre)
//   fcn_matvec:       f(x) = x, x float32/float64 with the dtype of weights.
//   event_fcn_matvec: f(x) = e(x), the event indicator (bool, or float > 0); only active rows are read.
//   The output has the weights dtype and the device of x. Inputs may be non-contiguous.
//
// Gradients (Autograd key)
//   - weights, forward: dw[i, c] = sum_b f(x[b, i]) g[b, indices[i, c]];
//     transpose: dw[i, c] = sum_b g[b, i] f(v[b, indices[i, c]]); homogeneous: the sum over synapses.
//   - x (float input, and float spikes straight-through): the transposed float product with the weights,
//     forward grad_x = g @ W^T, transpose grad_v = g @ W. Bool spikes get none; indices none.
//   - double backward raises "braintorch::<op> does not support double backward".
//
// Validation: CPU checks every index (O(nnz)); CUDA checks metadata on the host and asserts indices on
// the device. Determinism: CPU bitwise identical for any thread count; the CUDA scatters (forward
// product, transposed input gradient) use float atomicAdd and may differ in the last bits run to run.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <tuple>

namespace braintorch::ops {

// Call the ops through the dispatcher.
at::Tensor fcn_matvec(const at::Tensor& x, const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                      bool transpose = false);
at::Tensor event_fcn_matvec(const at::Tensor& spikes, const at::Tensor& indices, const at::Tensor& weights,
                            int64_t n_post, bool transpose = false);

// The backward ops (which the autograd kernels call): (grad_x, grad_weights); an output not requested by
// output_mask is an empty (0,) tensor of the weights dtype; a requested grad_x has the shape and dtype of
// x (which must be floating point). grad_out must be floating point, with the forward output's shape, on
// the device of x.
std::tuple<at::Tensor, at::Tensor> fcn_matvec_backward(const at::Tensor& grad_out, const at::Tensor& x,
                                                       const at::Tensor& indices, const at::Tensor& weights,
                                                       int64_t n_post, bool transpose, std::array<bool, 2> output_mask);
std::tuple<at::Tensor, at::Tensor> event_fcn_matvec_backward(const at::Tensor& grad_out, const at::Tensor& spikes,
                                                             const at::Tensor& indices, const at::Tensor& weights,
                                                             int64_t n_post, bool transpose,
                                                             std::array<bool, 2> output_mask);
}  // namespace braintorch::ops
