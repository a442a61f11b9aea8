#include "braintorch/autograd/surrogate.h"

#include <ATen/ops/abs.h>
#include <ATen/ops/sigmoid.h>
#include <torch/csrc/autograd/custom_function.h>

namespace braintorch {
namespace {

struct SpikeFunction : public torch::autograd::Function<SpikeFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, int64_t kind,
                            double alpha) {
    ctx->save_for_backward({x});
    ctx->saved_data["kind"] = kind;
    ctx->saved_data["alpha"] = alpha;
    return (x >= 0).to(x.scalar_type());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const at::Tensor x = ctx->get_saved_variables()[0];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    at::Tensor d;
    if (ctx->saved_data["kind"].toInt() == int64_t(SurrogateKind::Sigmoid)) {
      const at::Tensor s = at::sigmoid(alpha * x);
      d = alpha * s * (1 - s);
    } else {
      const at::Tensor q = alpha * at::abs(x) + 1;
      d = 1 / (q * q);
    }
    return {grad[0] * d, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor spike_function(const at::Tensor& x, const SurrogateOptions& options) {
  TORCH_CHECK(options.alpha > 0, "spike_function: surrogate alpha must be > 0, got ", options.alpha);
  return SpikeFunction::apply(x, int64_t(options.kind), options.alpha);
}

}  // namespace braintorch
