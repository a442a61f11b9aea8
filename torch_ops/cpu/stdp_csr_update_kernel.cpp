// CPU kernel of braintorch::stdp_csr_update_. Each synapse is written by one thread only: the row pass
// (pre spikes, or the full scan) splits over CSR rows, the column pass (post spikes) over CSC columns,
// whose synapse sets are disjoint; so results are bitwise identical for any thread count.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "braintorch/kernels/event_csr_math.h"  // is_event
#include "braintorch/kernels/stdp_math.h"
#include "torch_ops/cpu/grain.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

constexpr const char* kOp = "braintorch::stdp_csr_update_";

// The CSC mapping must describe the same synapses; checked in one pass (O(n_post + nnz)).
void check_csc_cpu(const at::Tensor& cp_t, const at::Tensor& rows_t, const at::Tensor& perm_t, int64_t n_pre,
                   int64_t nnz) {
  const int64_t* cp = cp_t.data_ptr<int64_t>();
  const int32_t* rows = rows_t.data_ptr<int32_t>();
  const int64_t* perm = perm_t.data_ptr<int64_t>();
  const int64_t n_post = cp_t.numel() - 1;
  TORCH_CHECK(cp[0] == 0 && cp[n_post] == nnz, kOp, ": col_indptr must start at 0 and end at nnz = ", nnz);
  for (int64_t j = 0; j < n_post; ++j) TORCH_CHECK(cp[j] <= cp[j + 1], kOp, ": col_indptr decreases at ", j);
  for (int64_t e = 0; e < nnz; ++e) {
    TORCH_CHECK(rows[e] >= 0 && rows[e] < n_pre, kOp, ": col_rows[", e, "] = ", rows[e], " is outside [0, ", n_pre,
                ")");
    TORCH_CHECK(perm[e] >= 0 && perm[e] < nnz, kOp, ": col_perm[", e, "] = ", perm[e], " is outside [0, ", nnz,
                ")");
  }
}

void stdp_csr_update_cpu(const at::Tensor& indptr_in, const at::Tensor& indices_in, at::Tensor& weights,
                         const at::Tensor& pre_spikes_in, const at::Tensor& post_spikes_in,
                         const at::Tensor& pre_trace_in, const at::Tensor& post_trace_in, double A_plus,
                         double A_minus, double w_min, double w_max, const std::optional<at::Tensor>& col_indptr,
                         const std::optional<at::Tensor>& col_rows, const std::optional<at::Tensor>& col_perm) {
  const auto s = check_stdp_args(indptr_in, indices_in, weights, pre_spikes_in, post_spikes_in, pre_trace_in,
                                 post_trace_in, w_min, w_max, col_indptr, col_rows, col_perm);
  const auto indptr = indptr_in.contiguous(), indices = indices_in.contiguous();
  const auto pre_spikes = pre_spikes_in.contiguous(), post_spikes = post_spikes_in.contiguous();
  const auto pre_trace = pre_trace_in.contiguous(), post_trace = post_trace_in.contiguous();
  check_csr_structure_cpu(kOp, indptr, indices, s.n_post);
  at::Tensor cp, crows, cperm;
  if (s.use_csc) {
    cp = col_indptr->contiguous();
    crows = col_rows->contiguous();
    cperm = col_perm->contiguous();
    check_csc_cpu(cp, crows, cperm, s.n_pre, s.nnz);
  }
  if (s.nnz == 0) return;

  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      dispatch_spike_type(pre_spikes.scalar_type(), [&](auto pre_v) {
        using pre_t = decltype(pre_v);
        dispatch_spike_type(post_spikes.scalar_type(), [&](auto post_v) {
          using post_t = decltype(post_v);
          const ptr_t* ip = indptr.data_ptr<ptr_t>();
          const index_t* jp = indices.data_ptr<index_t>();
          const pre_t* xs = pre_spikes.data_ptr<pre_t>();
          const post_t* ys = post_spikes.data_ptr<post_t>();
          const scalar_t* xt = pre_trace.data_ptr<scalar_t>();
          const scalar_t* yt = post_trace.data_ptr<scalar_t>();
          scalar_t* w = weights.data_ptr<scalar_t>();
          const scalar_t ap = scalar_t(A_plus), am = scalar_t(A_minus), lo = scalar_t(w_min), hi = scalar_t(w_max);
          const int64_t grain = grain_for(s.nnz / std::max<int64_t>(s.n_pre, 1) + 1);
          if (!s.use_csc) {
            // Scan: every synapse once, both steps.
            at::parallel_for(0, s.n_pre, grain, [&](int64_t i0, int64_t i1) {
              for (int64_t i = i0; i < i1; ++i) {
                const bool pre_event = kernels::is_event(xs[i]);
                for (int64_t k = int64_t(ip[i]); k < int64_t(ip[i + 1]); ++k) {
                  const int64_t j = int64_t(jp[k]);
                  w[k] = kernels::stdp_synapse(w[k], pre_event, kernels::is_event(ys[j]), xt[i], yt[j], ap, am, lo,
                                               hi);
                }
              }
            });
            return;
          }
          const int64_t* cpp = cp.data_ptr<int64_t>();
          const int32_t* cr = crows.data_ptr<int32_t>();
          const int64_t* cperm_p = cperm.data_ptr<int64_t>();
          // The mapping must be the CSC of this CSR (checked before any weight is written, so a rejected call
          // leaves the weights as they were): entry e of column j is a synapse of row col_rows[e]
          // with target j, each synapse once (otherwise two threads could write one weight).
          std::vector<bool> seen(size_t(s.nnz), false);
          for (int64_t j = 0; j < s.n_post; ++j)
            for (int64_t e = cpp[j]; e < cpp[j + 1]; ++e) {
              const int64_t k = cperm_p[e], r = cr[e];
              TORCH_CHECK(!seen[size_t(k)] && int64_t(jp[k]) == j && int64_t(ip[r]) <= k && k < int64_t(ip[r + 1]),
                          kOp, ": col_indptr/col_rows/col_perm are not the CSC of (indptr, indices) at entry ", e,
                          "; build them with braintorch::csr_to_csc");
              seen[size_t(k)] = true;
            }
          // Event-driven: rows with a pre spike, then columns with a post spike.
          at::parallel_for(0, s.n_pre, grain, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; ++i) {
              if (!kernels::is_event(xs[i])) continue;
              for (int64_t k = int64_t(ip[i]); k < int64_t(ip[i + 1]); ++k)
                w[k] = kernels::stdp_on_pre(w[k], yt[jp[k]], am, lo, hi);
            }
          });
          at::parallel_for(0, s.n_post, grain, [&](int64_t j0, int64_t j1) {
            for (int64_t j = j0; j < j1; ++j) {
              if (!kernels::is_event(ys[j])) continue;
              for (int64_t e = cpp[j]; e < cpp[j + 1]; ++e) {
                const int64_t k = cperm_p[e];
                w[k] = kernels::stdp_on_post(w[k], xt[cr[e]], ap, lo, hi);
              }
            }
          });
        });
      });
    });
  });
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("stdp_csr_update_", TORCH_FN(braintorch::ops::stdp_csr_update_cpu));
}
