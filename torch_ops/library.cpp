// The home of the `braintorch` operator namespace. TORCH_LIBRARY may appear only once per namespace,
// so it holds nothing else: every op declares its schemas in its own file with
// TORCH_LIBRARY_FRAGMENT(braintorch, m) (see torch_ops/event_csr_matvec.cpp for the pattern).
#include <torch/library.h>

TORCH_LIBRARY(braintorch, m) {}
