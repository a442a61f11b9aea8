#include "braintorch/synapses/synaptic_output.h"

#include <ATen/Dispatch.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

namespace braintorch {
namespace {

// acc[b, start + j] += scale * g[b, j] on the CPU with raw loops (no dispatch, no allocation).
template <typename T>
void add_rows(T* acc, int64_t acc_n, int64_t start, const T* g, int64_t n, int64_t rows, T scale) {
  for (int64_t b = 0; b < rows; ++b) {
    T* a = acc + b * acc_n + start;
    const T* x = g + b * n;
    for (int64_t j = 0; j < n; ++j) a[j] += scale * x[j];
  }
}

void add_fused(at::Tensor& acc, const at::Tensor& g, int64_t start, double scale) {
  const int64_t n = g.size(-1);
  if (acc.is_cpu()) {
    TORCH_INTERNAL_ASSERT(acc.is_contiguous() && g.is_contiguous() && acc.scalar_type() == g.scalar_type());
    AT_DISPATCH_FLOATING_TYPES(acc.scalar_type(), "synaptic_output", [&] {
      add_rows<scalar_t>(acc.data_ptr<scalar_t>(), acc.size(-1), start, g.data_ptr<scalar_t>(), n, g.numel() / n,
                         scalar_t(scale));
    });
  } else {
    acc.narrow(-1, start, n).add_(g, scale);
  }
}

}  // namespace

COBA::COBA(double reversal) : e_(reversal) {
  TORCH_CHECK(std::isfinite(reversal), "COBA: reversal potential E must be finite, got ", reversal);
}

void COBA::deliver(const at::Tensor& g, const Population& post, bool fused) const {
  if (fused) {
    add_fused(post.group->conductance_accumulator(), g, post.start, 1.0);
    add_fused(post.group->reversal_accumulator(), g, post.start, e_);
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
    add_fused(post.group->current_accumulator(), g, post.start, 1.0);
    post.group->mark_current_input();
  } else {
    post.group->add_current(g, post.start);
  }
}

}  // namespace braintorch
