#include "braintorch/solvers/derivative_check.h"

#include <c10/util/Exception.h>

namespace braintorch::solvers {

void check_derivatives(const Tensors& dy, const Tensors& y, const char* who) {
  TORCH_CHECK(dy.size() == y.size(), who, ": the equation returned ", dy.size(), " derivatives for ", y.size(),
              " states");
  for (size_t i = 0; i < y.size(); ++i) {
    TORCH_CHECK(dy[i].defined(), who, ": the derivative of state ", i, " is undefined");
    TORCH_CHECK(dy[i].sizes() == y[i].sizes(), who, ": the derivative of state ", i, " has shape ", dy[i].sizes(),
                ", the state has shape ", y[i].sizes());
  }
}

Tensors evaluate_checked(const OdeFunction& f, const Tensors& y, double t, const Tensors& params, const char* who) {
  Tensors dy = f(y, t, params);
  check_derivatives(dy, y, who);
  return dy;
}

}  // namespace braintorch::solvers
