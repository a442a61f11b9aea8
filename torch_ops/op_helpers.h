#pragma once
// Helpers shared by the CPU and CUDA kernels of every operator family (not part of the user API): the
// dtype dispatch, the output shape, the checks of a backward op's grad_out, and the outputs of a
// backward op with an input and a weight gradient in the convention the public headers document.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <tuple>
#include <vector>

namespace braintorch::ops::detail {

// Calls f(ptr_t{}, index_t{}) with the integer types of indptr and indices (int32/int64 each).
template <typename F>
void dispatch_csr_index_types(const at::Tensor& indptr, const at::Tensor& indices, F&& f) {
  const bool ptr64 = indptr.scalar_type() == at::kLong, idx64 = indices.scalar_type() == at::kLong;
  if (ptr64 && idx64) f(int64_t{}, int64_t{});
  else if (ptr64) f(int64_t{}, int32_t{});
  else if (idx64) f(int32_t{}, int64_t{});
  else f(int32_t{}, int32_t{});
}

// Calls f(index_t{}) with the indices type (int32/int64).
template <typename F>
void dispatch_index_type(const at::Tensor& indices, F&& f) {
  if (indices.scalar_type() == at::kLong) f(int64_t{});
  else f(int32_t{});
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

// The input dtype of an op that takes events (EVENTS: bool/float32/float64) or a float input, which has
// the weights dtype.
template <bool EVENTS, typename F>
void dispatch_input_type(at::ScalarType t, F&& f) {
  if constexpr (EVENTS) {
    dispatch_spike_type(t, f);
  } else {
    dispatch_weight_type(t, f);
  }
}

// The output shape of a product: input.shape[:-1] + (n_out,).
std::vector<int64_t> output_shape(const at::Tensor& input, int64_t n_out);

// A backward op's grad_out: defined, floating point (the gradient is computed in the weights dtype, and
// an integer or bool tensor is no gradient), on the device of the input named `input_name`, with the
// forward output's shape. `op` prefixes the messages, which name the argument.
void check_grad_out(const char* op, const at::Tensor& grad_out, const at::Tensor& input, const char* input_name,
                    int64_t n_out);
// A bool (event) input has no gradient: asking for one (output_mask[0]) is an error.
void check_no_bool_input_grad(const char* op, bool requested, const at::Tensor& input);

// The gradients of a backward op with an input and per-synapse weights (event_csr, csr, fcn and the
// dense product, whose synapses are the entries of W). An output not requested is an empty (0,)
// tensor of the weights dtype; the input gradient has the shape and dtype of x; the weight gradient
// has the shape of the weights, a homogeneous weight receiving the sum over all synapses.
struct InputAndWeightGrads {
  InputAndWeightGrads(const at::Tensor& x, const at::Tensor& weights, int64_t nnz, std::array<bool, 2> output_mask);
  // What the kernels fill, zero-initialised where requested (undefined otherwise), in the weights dtype:
  at::Tensor gx;  // the shape of x
  at::Tensor gw;  // (nnz), one term per synapse
  // The op's outputs from them.
  std::tuple<at::Tensor, at::Tensor> results(const at::Tensor& x, const at::Tensor& weights, bool homogeneous) const;
};

}  // namespace braintorch::ops::detail
