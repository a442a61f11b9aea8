#pragma once
// braintorch::stdp_csr_update_: pair-based additive STDP (the classic Brian2 STDP example), applied in
// place to the per-synapse weights of a CSR connectivity matrix W (n_pre, n_post).
//
// Rule, for one time step, every synapse k from pre i to post j (j = indices[k]):
//   1. if pre i spiked  (e(pre_spikes[i])):   w_k <- clip(w_k - A_minus * post_trace[j], w_min, w_max)
//   2. then, if post j spiked (e(post_spikes[j])): w_k <- clip(w_k + A_plus * pre_trace[i], w_min, w_max)
// e(x) is the event indicator (bool, or a float entry > 0). The traces are used as given. The step order
// that reproduces Brian2 (its pre pathway runs before its post pathway, so on_pre sees apost without this
// step's post spikes, and on_post sees apre with this step's pre spikes) is:
//   stdp_trace_update_(pre_trace, pre_spikes, dt, tau_plus);   // decay, then + this step's pre spikes
//   stdp_trace_decay_(post_trace, dt, tau_minus);              // decay only
//   stdp_csr_update_(..., pre_trace, post_trace, ...);
//   stdp_trace_add_(post_trace, post_spikes);                  // this step's post spikes, after the op
// A pre and a post spike in the same step then potentiate only (by A_plus, the fresh pre trace), as in
// Brian2 (tests/python/test_stdp_brian2.py compares with weights stored from Brian2). A_minus > 0 is a
// magnitude (Brian2 writes the same term with a negative Apost). The arithmetic runs in the weights dtype.
//
// Column access for step 2: pass the CSC of W from braintorch::csr_to_csc (col_indptr int64 (n_post + 1),
// col_rows int32 (nnz), col_perm int64 (nnz): CSC entry e is synapse col_perm[e] from pre col_rows[e]);
// then only rows with a pre spike and columns with a post spike are visited. Without them every synapse
// is scanned once. Both paths perform the same operations per synapse and give bitwise equal results.
//
// Every synapse is updated by exactly one thread, so results are deterministic on CPU (any thread count)
// and on CUDA. Not differentiable: it is a learning rule; the schema marks `weights` as mutated
// (Tensor(a!)); it returns nothing. Its Autograd/ADInplaceOrView kernels bump the version counter of
// `weights` and refuse weights that require grad in grad mode (torch_ops/autograd/stdp_csr_update_kernel.cpp).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

namespace braintorch::ops {

void stdp_csr_update_(const at::Tensor& indptr, const at::Tensor& indices, at::Tensor& weights,
                      const at::Tensor& pre_spikes, const at::Tensor& post_spikes, const at::Tensor& pre_trace,
                      const at::Tensor& post_trace, double A_plus, double A_minus, double w_min, double w_max,
                      const std::optional<at::Tensor>& col_indptr = std::nullopt,
                      const std::optional<at::Tensor>& col_rows = std::nullopt,
                      const std::optional<at::Tensor>& col_perm = std::nullopt);

// Trace helpers (plain ATen ops, any device; errors name the argument), in place:
// trace <- trace * exp(-dt / tau)
void stdp_trace_decay_(at::Tensor& trace, double dt, double tau);
// trace <- trace + e(spikes)
void stdp_trace_add_(at::Tensor& trace, const at::Tensor& spikes);
// trace <- trace * exp(-dt / tau) + e(spikes)  (decay, then add)
void stdp_trace_update_(at::Tensor& trace, const at::Tensor& spikes, double dt, double tau);
}  // namespace braintorch::ops
