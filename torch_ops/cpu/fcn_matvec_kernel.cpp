// CPU kernels of braintorch::fcn_matvec / event_fcn_matvec and their backward ops (loops shared with
// csr_matvec in cpu/row_sparse_cpu.h; bitwise identical results for any thread count).
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <algorithm>

#include "braintorch/kernels/row_layouts.h"
#include "torch_ops/cpu/row_sparse_cpu.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

template <bool EVENTS>
constexpr const char* op_name() {
  return EVENTS ? "braintorch::event_fcn_matvec" : "braintorch::fcn_matvec";
}
template <bool EVENTS>
constexpr const char* backward_op_name() {
  return EVENTS ? "braintorch::event_fcn_matvec_backward" : "braintorch::fcn_matvec_backward";
}

// The index check of check_fcn_indices_cpu, for the rows that have an event in some batch row; run
// only after the event scatter found an index out of range, to name it.
void check_active_rows(const char* op, const at::Tensor& x, const at::Tensor& indices, int64_t n_post) {
  const int64_t n_pre = indices.size(0), n_conn = indices.size(1), batch = x.numel() / std::max<int64_t>(n_pre, 1);
  if (n_conn == 0) return;
  dispatch_index_type(indices, [&](auto idx_v) {
    using index_t = decltype(idx_v);
    const index_t* jp = indices.data_ptr<index_t>();
    dispatch_spike_type(x.scalar_type(), [&](auto in_v) {
      using input_t = decltype(in_v);
      const input_t* xp = x.data_ptr<input_t>();
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t i = 0; i < n_pre; ++i) {
          if (!kernels::is_event(xp[b * n_pre + i])) continue;
          for (int64_t k = i * n_conn; k < (i + 1) * n_conn; ++k)
            TORCH_CHECK(jp[k] >= 0 && int64_t(jp[k]) < n_post, op, ": indices[", i, ", ", k - i * n_conn, "] = ",
                        int64_t(jp[k]), " is out of range for n_post = ", n_post);
        }
    });
  });
}

template <bool EVENTS>
at::Tensor fcn_cpu(const at::Tensor& x_in, const at::Tensor& indices_in, const at::Tensor& weights_in, int64_t n_post,
                   bool transpose) {
  constexpr const char* op = op_name<EVENTS>();
  const auto s = check_fcn_args(op, EVENTS, x_in, indices_in, weights_in, n_post, transpose);
  const auto x = x_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  // The event-driven forward product reads only the rows of spiking neurons and checks only those,
  // while it scatters them (O(events) instead of O(n_pre * n_conn) per call); every other direction
  // reads all rows and checks them first.
  const bool checked_while_scattered = EVENTS && !transpose;
  if (!checked_while_scattered) check_fcn_indices_cpu(op, indices, n_post);

  auto out = at::zeros(output_shape(x, s.n_out), weights.options());
  if (out.numel() == 0 || s.nnz == 0) return out;
  const kernels::FixedRows rows{indices.size(1)};
  dispatch_index_type(indices, [&](auto idx_v) {
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      dispatch_input_type<EVENTS>(x.scalar_type(), [&](auto in_v) {
        using input_t = decltype(in_v);
        const bool in_range =
            row_sparse_cpu::forward<EVENTS>(x.data_ptr<input_t>(), indices.data_ptr<index_t>(),
                                            weights.data_ptr<scalar_t>(), rows, s, transpose, out.data_ptr<scalar_t>());
        if (!in_range) check_active_rows(op, x, indices, n_post);  // raises, naming the index
        TORCH_INTERNAL_ASSERT(in_range, op, ": the scatter met a bad index that the row check did not find");
      });
    });
  });
  return out;
}

template <bool EVENTS>
std::tuple<at::Tensor, at::Tensor> fcn_backward_cpu(const at::Tensor& grad_out_in, const at::Tensor& x_in,
                                                    const at::Tensor& indices_in, const at::Tensor& weights_in,
                                                    int64_t n_post, bool transpose, std::array<bool, 2> output_mask) {
  constexpr const char* op = backward_op_name<EVENTS>();
  const auto s =
      check_fcn_backward_args(op, EVENTS, grad_out_in, x_in, indices_in, weights_in, n_post, transpose, output_mask);
  const auto x = x_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  check_fcn_indices_cpu(op, indices, n_post);
  InputAndWeightGrads grads(x, weights, s.nnz, output_mask);
  const kernels::FixedRows rows{indices.size(1)};

  dispatch_index_type(indices, [&](auto idx_v) {
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      const index_t* jp = indices.data_ptr<index_t>();
      if (output_mask[0] && grads.gx.numel() > 0 && s.nnz > 0)
        row_sparse_cpu::input_grad(g.data_ptr<scalar_t>(), jp, weights.data_ptr<scalar_t>(), rows, s, transpose,
                                   grads.gx.data_ptr<scalar_t>());
      if (output_mask[1] && s.nnz > 0) {
        dispatch_input_type<EVENTS>(x.scalar_type(), [&](auto in_v) {
          using input_t = decltype(in_v);
          row_sparse_cpu::weight_grad<EVENTS>(x.data_ptr<input_t>(), g.data_ptr<scalar_t>(), jp, rows, s, transpose,
                                              grads.gw.data_ptr<scalar_t>());
        });
      }
    });
  });
  return grads.results(x, weights, s.homogeneous);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("fcn_matvec", TORCH_FN(braintorch::ops::fcn_cpu<false>));
  m.impl("fcn_matvec_backward", TORCH_FN(braintorch::ops::fcn_backward_cpu<false>));
  m.impl("event_fcn_matvec", TORCH_FN(braintorch::ops::fcn_cpu<true>));
  m.impl("event_fcn_matvec_backward", TORCH_FN(braintorch::ops::fcn_backward_cpu<true>));
}
