// braintorch::stdp_csr_update_ at the Autograd and ADInplaceOrView keys. The op is a learning rule with
// no derivative, but it writes `weights` in place, and autograd must know: without these kernels nothing
// bumps the version counter of `weights`, so a graph that saved them before the update would
// backpropagate with the updated values and no error (where a native in-place op makes it raise).
//   - Autograd: refuses weights that require grad while grad mode is on (the update would have to be
//     recorded, and it cannot be differentiated; under torch.no_grad() they are allowed, as for native
//     ops), and inference tensors outside inference mode. Inference mode skips this key.
//   - ADInplaceOrView (reached in grad mode, no_grad and inference mode alike, for every tensor that is
//     not an inference tensor, as for native in-place ops): bumps the version counter, then runs the
//     kernels.
#include <torch/autograd.h>
#include <torch/library.h>

#include "braintorch/ops/stdp_csr_update.h"

namespace braintorch::ops {
namespace {

void stdp_csr_update_autograd(const at::Tensor& indptr, const at::Tensor& indices, at::Tensor& weights,
                              const at::Tensor& pre_spikes, const at::Tensor& post_spikes,
                              const at::Tensor& pre_trace, const at::Tensor& post_trace, double A_plus,
                              double A_minus, double w_min, double w_max, const std::optional<at::Tensor>& col_indptr,
                              const std::optional<at::Tensor>& col_rows, const std::optional<at::Tensor>& col_perm) {
  // This key is reached outside inference mode only; an inference tensor has no version counter and,
  // as for native in-place ops, may not be written there (it would skip ADInplaceOrView below).
  TORCH_CHECK(!weights.is_inference(), "braintorch::stdp_csr_update_: weights is an inference tensor, which can "
              "only be updated in place inside InferenceMode");
  TORCH_CHECK(!(at::GradMode::is_enabled() && weights.requires_grad()),
              "braintorch::stdp_csr_update_: weights requires grad, and STDP is not differentiable; apply it "
              "under torch.no_grad() (C++: torch::NoGradGuard) or to weights.detach()");
  at::AutoDispatchBelowAutograd guard;
  stdp_csr_update_(indptr, indices, weights, pre_spikes, post_spikes, pre_trace, post_trace, A_plus, A_minus, w_min,
                   w_max, col_indptr, col_rows, col_perm);
}

void stdp_csr_update_inplace_or_view(const at::Tensor& indptr, const at::Tensor& indices, at::Tensor& weights,
                                     const at::Tensor& pre_spikes, const at::Tensor& post_spikes,
                                     const at::Tensor& pre_trace, const at::Tensor& post_trace, double A_plus,
                                     double A_minus, double w_min, double w_max,
                                     const std::optional<at::Tensor>& col_indptr,
                                     const std::optional<at::Tensor>& col_rows,
                                     const std::optional<at::Tensor>& col_perm) {
  torch::autograd::impl::bump_version(weights);
  at::AutoDispatchBelowADInplaceOrView guard;
  stdp_csr_update_(indptr, indices, weights, pre_spikes, post_spikes, pre_trace, post_trace, A_plus, A_minus, w_min,
                   w_max, col_indptr, col_rows, col_perm);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, Autograd, m) {
  m.impl("stdp_csr_update_", TORCH_FN(braintorch::ops::stdp_csr_update_autograd));
}

TORCH_LIBRARY_IMPL(braintorch, ADInplaceOrView, m) {
  m.impl("stdp_csr_update_", TORCH_FN(braintorch::ops::stdp_csr_update_inplace_or_view));
}
