#include "braintorch/synapses/synaptic_output.h"

#include <ATen/Dispatch.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

#include "csrc/common/cpu_clones.h"

namespace braintorch {
namespace {

// a[j] += g[j] and, for COBA, b[j] += e * g[j]: one pass over g for both accumulators.
template <typename T>
BT_ALWAYS_INLINE void accumulate(T* __restrict a, T* __restrict b, const T* __restrict g, int64_t n, T e) {
  if (b == nullptr) {
    for (int64_t j = 0; j < n; ++j) a[j] += g[j];
  } else {
    for (int64_t j = 0; j < n; ++j) {
      a[j] += g[j];
      b[j] += e * g[j];
    }
  }
}
BT_CPU_CLONES void accumulate_isa(float* a, float* b, const float* g, int64_t n, float e) { accumulate(a, b, g, n, e); }
BT_CPU_CLONES void accumulate_isa(double* a, double* b, const double* g, int64_t n, double e) {
  accumulate(a, b, g, n, e);
}

// acc[.., start + j] += g[.., j] (and rev[.., start + j] += E g[.., j] when rev is given), in place.
// On the CPU: raw loops, no dispatch, no allocation.
void add_fused(at::Tensor& acc, at::Tensor* rev, const at::Tensor& g, int64_t start, double e) {
  const int64_t n = g.size(-1);
  if (acc.is_cpu()) {
    TORCH_INTERNAL_ASSERT(acc.is_contiguous() && g.is_contiguous() && acc.scalar_type() == g.scalar_type());
    const int64_t rows = g.numel() / n, acc_n = acc.size(-1);
    AT_DISPATCH_FLOATING_TYPES(acc.scalar_type(), "synaptic_output", [&] {
      scalar_t* a = acc.data_ptr<scalar_t>() + start;
      scalar_t* b = rev ? rev->data_ptr<scalar_t>() + start : nullptr;
      const scalar_t* x = g.data_ptr<scalar_t>();
      for (int64_t r = 0; r < rows; ++r)
        accumulate_isa(a + r * acc_n, b ? b + r * acc_n : nullptr, x + r * n, n, scalar_t(e));
    });
  } else {
    acc.narrow(-1, start, n).add_(g);
    if (rev) rev->narrow(-1, start, n).add_(g, e);
  }
}

}  // namespace

COBA::COBA(double reversal) : e_(reversal) {
  TORCH_CHECK(std::isfinite(reversal), "COBA: reversal potential E must be finite, got ", reversal);
}

void COBA::deliver(const at::Tensor& g, const Population& post, bool fused) const {
  if (fused) {
    add_fused(post.group->conductance_accumulator(), &post.group->reversal_accumulator(), g, post.start, e_);
    post.group->mark_conductance_input();
  } else {
    post.group->add_conductance(g, e_, post.start);
  }
}

std::string COBA::describe() const {
  std::ostringstream s;
  s << "COBA(E=" << e_ << ")";
  return s.str();
}

void CUBA::deliver(const at::Tensor& g, const Population& post, bool fused) const {
  if (fused) {
    add_fused(post.group->current_accumulator(), nullptr, g, post.start, 0.0);
    post.group->mark_current_input();
  } else {
    post.group->add_current(g, post.start);
  }
}

}  // namespace braintorch
