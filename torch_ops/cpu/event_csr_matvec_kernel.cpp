// CPU kernels of braintorch::event_csr_matvec and its backward.
//
// Determinism: results must be bitwise identical for any thread count, so at::parallel_for only splits
// work over independent outputs whose summation order is fixed by the data (a batch row of a scatter,
// one output entry of a gather, the synapses of one CSR row for the weight gradient). A scatter of one
// batch row is not split over threads: split by input rows it would change the order of the float
// additions; split by output columns (which keeps it) it gained 1.08-1.24x on two threads at 10% spikes
// and lost at 1% in a standalone measurement (benchmarks/csr_column_split.cpp, benchmarks/README.md).
#include <ATen/Parallel.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include "braintorch/kernels/event_csr_math.h"
#include "torch_ops/cpu/grain.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

at::Tensor event_csr_matvec_cpu(const at::Tensor& spikes_in, const at::Tensor& indptr_in,
                                const at::Tensor& indices_in, const at::Tensor& weights_in, int64_t n_post,
                                bool transpose) {
  constexpr const char* op = "braintorch::event_csr_matvec";
  const auto s = check_event_csr_matvec_args(op, spikes_in, indptr_in, indices_in, weights_in, n_post, transpose);
  const auto spikes = spikes_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  // The event-driven direction reads only the rows of spiking neurons, so it checks only those rows
  // (check_csr_row_cpu, O(events)); a full structure check would cost O(nnz) per call and dominate a
  // sparse step. The gather reads every row and checks the whole structure.
  if (transpose) check_csr_structure_cpu(op, indptr, indices, n_post);
  else check_csr_ends_cpu(op, indptr, s.nnz);

  // With n_post = 0 no index is valid, whether or not a row that holds one is read.
  TORCH_CHECK(s.nnz == 0 || n_post > 0, op, ": indices must lie in [0, n_post), but n_post = 0 and nnz = ", s.nnz);

  auto out = at::zeros(output_shape(spikes, s.n_out), weights.options());
  if (out.numel() == 0 || s.nnz == 0) return out;

  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
        using input_t = decltype(in_v);
        const ptr_t* ip = indptr.data_ptr<ptr_t>();
        const index_t* jp = indices.data_ptr<index_t>();
        const scalar_t* w = weights.data_ptr<scalar_t>();
        const input_t* x = spikes.data_ptr<input_t>();
        scalar_t* o = out.data_ptr<scalar_t>();
        if (!transpose) {
          // Event-driven scatter: per batch row, only rows with an event are visited, in ascending
          // order. One thread owns one batch row of the output. Each spiking row's lines are
          // prefetched a few rows ahead (for_each_event, prefetch_ahead in event_csr_math.h).
          at::parallel_for(0, s.batch, 1, [&](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b) {
              scalar_t* ob = o + b * s.n_post;
              int64_t previous_end = 0;  // where the last row read ends: the rows read must not overlap
              kernels::for_each_event(x + b * s.n_pre, s.n_pre, [&](const int64_t* rows, int64_t r, int64_t n) {
                kernels::prefetch_ahead(ip, jp, w, s.homogeneous, rows, r, n, 0);
                // indptr is checked per row; indices while they are scattered.
                check_csr_row_extent_cpu(op, ip, rows[r], s.nnz, previous_end);
                previous_end = int64_t(ip[rows[r] + 1]);
                if (!kernels::scatter_row_bounded(ip, jp, w, s.homogeneous, rows[r], s.n_post, ob))
                  check_csr_row_cpu(op, ip, jp, rows[r], s.nnz, s.n_post);  // raises, naming the index
                return true;
              });
            }
          });
        } else {
          // Gather: every output entry (b, i) is an independent sum over the synapses of row i.
          at::parallel_for(0, s.batch * s.n_pre, grain_for(avg_row_length(s)),
                           [&](int64_t r0, int64_t r1) {
                             for (int64_t r = r0; r < r1; ++r) {
                               const int64_t b = r / s.n_pre, i = r - b * s.n_pre;
                               o[r] = kernels::event_gather_row(ip, jp, w, s.homogeneous, i, x + b * s.n_post,
                                                                s.n_post);
                             }
                           });
        }
      });
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> event_csr_matvec_backward_cpu(const at::Tensor& grad_out_in,
                                                                 const at::Tensor& spikes_in,
                                                                 const at::Tensor& indptr_in,
                                                                 const at::Tensor& indices_in,
                                                                 const at::Tensor& weights_in, int64_t n_post,
                                                                 bool transpose, std::array<bool, 2> output_mask) {
  constexpr const char* op = "braintorch::event_csr_matvec_backward";
  const auto s = check_event_csr_matvec_backward_args(grad_out_in, spikes_in, indptr_in, indices_in, weights_in,
                                                      n_post, transpose, output_mask);
  const auto spikes = spikes_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  // The gradient is computed in the weights dtype (the forward output dtype).
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  check_csr_structure_cpu(op, indptr, indices, n_post);
  InputAndWeightGrads grads(spikes, weights, s.nnz, output_mask);

  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      const ptr_t* ip = indptr.data_ptr<ptr_t>();
      const index_t* jp = indices.data_ptr<index_t>();
      const scalar_t* w = weights.data_ptr<scalar_t>();
      const scalar_t* go = g.data_ptr<scalar_t>();

      // ---- input gradient (straight-through: the transposed float product)
      if (output_mask[0] && grads.gx.numel() > 0 && s.nnz > 0) {
        scalar_t* gsp = grads.gx.data_ptr<scalar_t>();
        if (!transpose) {
          // grad_s[b, i] = sum_{k in row i} w_k g[b, idx_k]: a gather, independent per (b, i).
          at::parallel_for(0, s.batch * s.n_pre, grain_for(avg_row_length(s)),
                           [&](int64_t r0, int64_t r1) {
                             for (int64_t r = r0; r < r1; ++r) {
                               const int64_t b = r / s.n_pre, i = r - b * s.n_pre;
                               gsp[r] = kernels::gather_row(ip, jp, w, s.homogeneous, i, go + b * s.n_post,
                                                            s.n_post);
                             }
                           });
        } else {
          // grad_v[b, j] = sum_{k: idx_k = j} w_k g[b, row(k)]: a scatter, split over batch rows only.
          at::parallel_for(0, s.batch, 1, [&](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b)
              for (int64_t i = 0; i < s.n_pre; ++i)
                kernels::scatter_row_scaled(ip, jp, w, s.homogeneous, i, go[b * s.n_pre + i], gsp + b * s.n_post);
          });
        }
      }

      // ---- weight gradient, per synapse; every CSR row's synapses are owned by one thread and each
      // synapse sums over the batch in order.
      if (output_mask[1] && s.nnz > 0) {
        scalar_t* gwp = grads.gw.data_ptr<scalar_t>();
        dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
          using input_t = decltype(in_v);
          const input_t* x = spikes.data_ptr<input_t>();
          at::parallel_for(0, s.n_pre, grain_for(avg_row_length(s) * s.batch), [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; ++i) {
              const int64_t begin = int64_t(ip[i]), end = int64_t(ip[i + 1]);
              for (int64_t b = 0; b < s.batch; ++b) {
                if (!transpose) {
                  // dw_k += e(s[b, i]) g[b, idx_k]; rows without an event contribute nothing.
                  const input_t si = x[b * s.n_pre + i];
                  if (!kernels::is_event(si)) continue;
                  const scalar_t* gb = go + b * s.n_post;
                  for (int64_t k = begin; k < end; ++k) gwp[k] += kernels::weight_grad_term(si, gb[jp[k]]);
                } else {
                  // dw_k += g[b, i] e(v[b, idx_k])
                  const scalar_t gi = go[b * s.n_pre + i];
                  const input_t* vb = x + b * s.n_post;
                  for (int64_t k = begin; k < end; ++k)
                    gwp[k] += kernels::weight_grad_term_transposed(gi, vb[jp[k]]);
                }
              }
            }
          });
        });
      }
    });
  });
  return grads.results(spikes, weights, s.homogeneous);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("event_csr_matvec", TORCH_FN(braintorch::ops::event_csr_matvec_cpu));
  m.impl("event_csr_matvec_backward", TORCH_FN(braintorch::ops::event_csr_matvec_backward_cpu));
}
