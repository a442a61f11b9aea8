// CPU kernels of braintorch::event_dense_matvec and its backward.
//
// Work follows the spikes: each batch row's events are first compacted into an ascending list of
// active rows (forward) or columns (transpose), and only those rows/columns of W are read.
// Determinism: at::parallel_for splits only independent outputs (a block of output columns of one batch
// row, one output entry, one row of the weight gradient); every entry is summed in ascending row (or
// batch) order, so results are bitwise identical for any thread count.
#include <ATen/Parallel.h>
#include <ATen/ops/zeros.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "braintorch/kernels/event_dense_math.h"
#include "torch_ops/cpu/grain.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

// Output columns per work item of the row-accumulating loops.
constexpr int64_t kColumnBlock = 256;

// The event positions of every batch row of x (batch, n): a flat ascending list with offsets.
template <typename input_t>
void compact_events(const input_t* x, int64_t batch, int64_t n, std::vector<int64_t>& pos,
                    std::vector<int64_t>& offset) {
  offset.assign(batch + 1, 0);
  pos.clear();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < n; ++i)
      if (kernels::is_event(x[b * n + i])) pos.push_back(i);
    offset[b + 1] = int64_t(pos.size());
  }
}

at::Tensor event_dense_matvec_cpu(const at::Tensor& spikes_in, const at::Tensor& weights_in, bool transpose) {
  constexpr const char* op = "braintorch::event_dense_matvec";
  const auto s = check_event_dense_args(op, spikes_in, weights_in, transpose);
  const auto spikes = spikes_in.contiguous();
  const auto weights = weights_in.contiguous();
  auto out = at::zeros(output_shape(spikes, s.n_out), weights.options());
  if (out.numel() == 0 || s.n_in == 0) return out;

  dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
      using input_t = decltype(in_v);
      const scalar_t* W = weights.data_ptr<scalar_t>();
      scalar_t* o = out.data_ptr<scalar_t>();
      std::vector<int64_t> pos, offset;
      compact_events(spikes.data_ptr<input_t>(), s.batch, s.n_in, pos, offset);
      if (!transpose) {
        // post[b, j] = sum over event rows i (ascending) of W[i, j]; items = (b, block of columns).
        const int64_t blocks = (s.n_post + kColumnBlock - 1) / kColumnBlock;
        at::parallel_for(0, s.batch * blocks, 1, [&](int64_t t0, int64_t t1) {
          for (int64_t t = t0; t < t1; ++t) {
            const int64_t b = t / blocks, j0 = (t - b * blocks) * kColumnBlock;
            const int64_t j1 = std::min(s.n_post, j0 + kColumnBlock);
            scalar_t* ob = o + b * s.n_post;
            for (int64_t e = offset[b]; e < offset[b + 1]; ++e) {
              const scalar_t* w_row = W + pos[e] * s.n_post;
              for (int64_t j = j0; j < j1; ++j) ob[j] += w_row[j];
            }
          }
        });
      } else {
        // pre[b, i] = sum over event columns j (ascending) of W[i, j]; items = output entries.
        const int64_t avg = s.batch > 0 ? int64_t(pos.size()) / s.batch + 1 : 1;
        at::parallel_for(0, s.batch * s.n_pre, grain_for(avg), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t b = r / s.n_pre, i = r - b * s.n_pre;
            o[r] = kernels::dense_row_sum_at(W + i * s.n_post, pos.data() + offset[b], offset[b + 1] - offset[b]);
          }
        });
      }
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> event_dense_matvec_backward_cpu(const at::Tensor& grad_out_in,
                                                                   const at::Tensor& spikes_in,
                                                                   const at::Tensor& weights_in, bool transpose,
                                                                   std::array<bool, 2> output_mask) {
  const auto s = check_event_dense_backward_args(grad_out_in, spikes_in, weights_in, transpose, output_mask);
  const auto spikes = spikes_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  // The synapses are the entries of W, row-major: the weight gradient is dW.
  InputAndWeightGrads grads(spikes, weights, weights.numel(), output_mask);

  dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t* W = weights.data_ptr<scalar_t>();
    const scalar_t* go = g.data_ptr<scalar_t>();

    // ---- straight-through input gradient
    if (output_mask[0] && grads.gx.numel() > 0) {
      scalar_t* gsp = grads.gx.data_ptr<scalar_t>();
      if (!transpose) {
        // grad_s[b, i] = sum_j W[i, j] g[b, j]
        at::parallel_for(0, s.batch * s.n_pre, grain_for(s.n_post), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t b = r / s.n_pre, i = r - b * s.n_pre;
            gsp[r] = kernels::dense_row_dot(W + i * s.n_post, go + b * s.n_post, s.n_post);
          }
        });
      } else {
        // grad_v[b, j] = sum_i g[b, i] W[i, j], ascending i; items = (b, block of columns).
        const int64_t blocks = (s.n_post + kColumnBlock - 1) / kColumnBlock;
        at::parallel_for(0, s.batch * blocks, 1, [&](int64_t t0, int64_t t1) {
          for (int64_t t = t0; t < t1; ++t) {
            const int64_t b = t / blocks, j0 = (t - b * blocks) * kColumnBlock;
            const int64_t j1 = std::min(s.n_post, j0 + kColumnBlock);
            scalar_t* gb = gsp + b * s.n_post;
            for (int64_t i = 0; i < s.n_pre; ++i) {
              const scalar_t gi = go[b * s.n_pre + i];
              const scalar_t* w_row = W + i * s.n_post;
              for (int64_t j = j0; j < j1; ++j) gb[j] += gi * w_row[j];
            }
          }
        });
      }
    }

    // ---- weight gradient: one thread owns whole rows of dW, summing over the batch in order.
    if (output_mask[1] && grads.gw.numel() > 0) {
      scalar_t* gw = grads.gw.data_ptr<scalar_t>();
      dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
        using input_t = decltype(in_v);
        const input_t* x = spikes.data_ptr<input_t>();
        if (!transpose) {
          // dW[i, :] += g[b, :] for every batch row b in which neuron i fired.
          at::parallel_for(0, s.n_pre, grain_for(s.batch * s.n_post), [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; ++i)
              for (int64_t b = 0; b < s.batch; ++b) {
                if (!kernels::is_event(x[b * s.n_pre + i])) continue;
                const scalar_t* gb = go + b * s.n_post;
                scalar_t* row = gw + i * s.n_post;
                for (int64_t j = 0; j < s.n_post; ++j) row[j] += gb[j];
              }
          });
        } else {
          // dW[i, j] += g[b, i] for every event column j of v[b].
          std::vector<int64_t> pos, offset;
          compact_events(x, s.batch, s.n_post, pos, offset);
          at::parallel_for(0, s.n_pre, grain_for(int64_t(pos.size()) + 1), [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; ++i)
              for (int64_t b = 0; b < s.batch; ++b) {
                const scalar_t gi = go[b * s.n_pre + i];
                scalar_t* row = gw + i * s.n_post;
                for (int64_t e = offset[b]; e < offset[b + 1]; ++e) row[pos[e]] += gi;
              }
          });
        }
      });
    }
  });
  return grads.results(spikes, weights, /*homogeneous=*/false);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("event_dense_matvec", TORCH_FN(braintorch::ops::event_dense_matvec_cpu));
  m.impl("event_dense_matvec_backward", TORCH_FN(braintorch::ops::event_dense_matvec_backward_cpu));
}
