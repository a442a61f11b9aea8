"""Just-in-time (JIT) connectivity: products with a random fixed-probability matrix that is never stored.

The matrix ``W`` of shape ``(n_pre, n_post)`` (one row per presynaptic neuron) is regenerated from
``(seed, prob, n_pre, n_post, kind, w0, w1)`` on every call by the counter-based Philox generator, as
BrainPy's ``jitconn`` and GeNN's procedural connectivity do, so connectivity storage is O(1):

* row ``i`` connects each column independently with probability ``prob`` (geometric skipping over a
  Philox stream keyed by ``(seed, i)``);
* the weights of row ``i`` come from the row's own weight stream (keyed by ``(seed, i)``), in column
  order: ``w_ij = w0 a_ij + w1 b_ij`` with ``(a, b)`` = ``(1, 0)`` for ``"homo"`` (``w0`` the weight),
  ``(1 - u, u)`` for ``"uniform"`` (``w0, w1`` = low, high), ``(1, z)`` for ``"normal"`` (mu, sigma;
  Box-Muller, both normals of a pair used).

The same arguments give bitwise the same matrix on CPU and CUDA and for any thread count;
``transpose=True`` uses exactly its transpose. Gradients flow to the input (the transposed product;
straight-through for event inputs) and to ``w0``/``w1``; ``seed``, ``prob`` and the shape are not
differentiable. See docs/jit_connectivity.md.
"""

from __future__ import annotations


import torch
from torch import nn

from . import _library

_library.load()

__all__ = [
    "jitc_matvec",
    "event_jitc_matvec",
    "jitc_to_dense",
    "JitFixedProbLinear",
    "EventJitFixedProbLinear",
]

KINDS = ("homo", "uniform", "normal")


def _seed(seed) -> int:
    """A seed in [-2^63, 2^64) as the int64 the operators take (the same 64 bits: the C++ side reads it
    as unsigned), so seeds from numpy's or Python's 64-bit generators work as given."""
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError(f"seed must be in [-2^63, 2^64), got {seed}")
    return seed - 2**64 if seed >= 2**63 else seed


def _params(w0, w1, like=None, kind="homo"):
    """Weight parameters as 1-element tensors (w1 defaults to 0 for a homogeneous weight; the other
    kinds need both: a missing high or sigma must not silently become 0)."""
    if w1 is None and kind != "homo":
        raise ValueError(f"kind={kind!r} needs w1 ({'high' if kind == 'uniform' else 'sigma'})")
    dtype = like.dtype if isinstance(like, torch.Tensor) and like.is_floating_point() else torch.float32
    device = like.device if isinstance(like, torch.Tensor) else None
    if not isinstance(w0, torch.Tensor):
        w0 = torch.tensor(float(w0), dtype=dtype, device=device)
    if w1 is None:
        w1 = torch.zeros((), dtype=w0.dtype, device=w0.device)
    elif not isinstance(w1, torch.Tensor):
        w1 = torch.tensor(float(w1), dtype=w0.dtype, device=w0.device)
    return w0, w1


def jitc_matvec(x, w0, w1=None, *, seed: int, prob: float, n_pre: int, n_post: int, kind: str = "homo",
                transpose: bool = False) -> torch.Tensor:
    """Float product with the JIT matrix: ``x @ W`` (``x``: ``(n_pre,)``/``(B, n_pre)``) or, with
    ``transpose=True``, ``W @ x`` per batch row (``x``: ``(n_post,)``/``(B, n_post)``).

    ``w0``/``w1`` are 1-element tensors (or Python numbers): ``homo`` weight ``w0`` (``w1`` unused),
    ``uniform`` ``(low, high)``, ``normal`` ``(mu, sigma)``. ``x`` must have the dtype of ``w0``, which
    is the dtype of the result.
    """
    w0, w1 = _params(w0, w1, x, kind)
    return torch.ops.braintorch.jitc_matvec.default(x, w0, w1, _seed(seed), prob, n_pre, n_post, kind, transpose)


def event_jitc_matvec(spikes, w0, w1=None, *, seed: int, prob: float, n_pre: int, n_post: int, kind: str = "homo",
                      transpose: bool = False) -> torch.Tensor:
    """Event-driven product with the JIT matrix: as :func:`jitc_matvec` with ``spikes`` replaced by its
    event indicator (bool true or float ``> 0``). The forward direction generates only the rows of
    neurons that spiked. Float spikes get the straight-through gradient of the float product.
    """
    w0, w1 = _params(w0, w1, spikes if spikes.is_floating_point() else None, kind)
    return torch.ops.braintorch.event_jitc_matvec.default(spikes, w0, w1, _seed(seed), prob, n_pre, n_post, kind,
                                                          transpose)


def jitc_to_dense(w0, w1=None, *, seed: int, prob: float, n_pre: int, n_post: int,
                  kind: str = "homo") -> torch.Tensor:
    """The JIT matrix materialised: dense ``(n_pre, n_post)`` on the device of ``w0``, bitwise the
    matrix the products use. For inspection and tests; differentiable with respect to ``w0`` and
    ``w1`` (``W`` is linear in them)."""
    w0, w1 = _params(w0, w1, kind=kind)
    return torch.ops.braintorch.jitc_to_dense.default(w0, w1, _seed(seed), prob, n_pre, n_post, kind)


# ---------------------------------------------------------------- fake (meta) implementations


def _check_params(op, w0, w1, prob, n_pre, n_post, kind):
    # The metadata checks of the C++ kernels, so a traced program fails where the eager one would.
    torch._check(kind in KINDS, lambda: f"{op}: kind must be 'homo', 'uniform' or 'normal', got '{kind}'")
    torch._check(0.0 < prob <= 1.0, lambda: f"{op}: prob must be in (0, 1], got {prob}")
    torch._check(n_pre >= 0, lambda: f"{op}: n_pre must be >= 0, got {n_pre}")
    torch._check(n_post >= 0, lambda: f"{op}: n_post must be >= 0, got {n_post}")
    torch._check(n_pre < 2**40 and n_post < 2**40, lambda: f"{op}: n_pre and n_post must be < 2^40")
    torch._check(w0.dtype in (torch.float32, torch.float64),
                 lambda: f"{op}: w0 must be float32 or float64, got {w0.dtype}")
    _library.check_same_device(op, w0=w0, w1=w1)
    torch._check(w1.dtype == w0.dtype, lambda: f"{op}: w1 must have the dtype of w0 ({w0.dtype}), got {w1.dtype}")
    torch._check(w0.numel() == 1, lambda: f"{op}: w0 must have exactly 1 element, got shape {tuple(w0.shape)}")
    torch._check(w1.numel() == 1, lambda: f"{op}: w1 must have exactly 1 element, got shape {tuple(w1.shape)}")


def _check_input(op, x, w0, n_pre, n_post, transpose, events):
    _library.check_same_device(op, x=x, w0=w0)
    if events:
        torch._check(x.dtype in (torch.bool, torch.float32, torch.float64),
                     lambda: f"{op}: spikes must be bool, float32 or float64, got {x.dtype}")
    else:
        torch._check(x.dtype == w0.dtype, lambda: f"{op}: x must have the dtype of w0 ({w0.dtype}), got {x.dtype}")
    torch._check(x.dim() in (1, 2), lambda: f"{op}: x must be 1-D or 2-D, got {tuple(x.shape)}")
    n_in, n_out = (n_post, n_pre) if transpose else (n_pre, n_post)
    torch._check(x.shape[-1] == n_in, lambda: f"{op}: x has last dimension {x.shape[-1]}, expected {n_in}")
    return n_out


def _product_fake(op, events):
    def fake(x, w0, w1, seed, prob, n_pre, n_post, kind="homo", transpose=False):
        _check_params(op, w0, w1, prob, n_pre, n_post, kind)
        n_out = _check_input(op, x, w0, n_pre, n_post, transpose, events)
        return x.new_empty((*x.shape[:-1], n_out), dtype=w0.dtype)

    return fake


torch.library.register_fake("braintorch::jitc_matvec")(_product_fake("braintorch::jitc_matvec", False))
torch.library.register_fake("braintorch::event_jitc_matvec")(_product_fake("braintorch::event_jitc_matvec", True))


@torch.library.register_fake("braintorch::jitc_to_dense")
def _jitc_to_dense_fake(w0, w1, seed, prob, n_pre, n_post, kind="homo"):
    _check_params("braintorch::jitc_to_dense", w0, w1, prob, n_pre, n_post, kind)
    return w0.new_empty((n_pre, n_post))


@torch.library.register_fake("braintorch::jitc_matvec_backward")
def _jitc_matvec_backward_fake(grad_out, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose, events, output_mask):
    op = "braintorch::jitc_matvec_backward"
    _check_params(op, w0, w1, prob, n_pre, n_post, kind)
    _library.check_grad_out(op, grad_out, x, _check_input(op, x, w0, n_pre, n_post, transpose, events))
    # Not requested: an empty (0,) tensor of the w0 dtype (the C++ convention).
    gx = x.new_empty(x.shape) if output_mask[0] else w0.new_empty((0,))
    g0 = w0.new_empty(w0.shape) if output_mask[1] else w0.new_empty((0,))
    g1 = w1.new_empty(w1.shape) if output_mask[2] else w0.new_empty((0,))
    return gx, g0, g1


# ---------------------------------------------------------------- layers


class JitFixedProbLinear(nn.Module):
    """``y = x @ W`` with a JIT fixed-probability matrix ``W`` (``in_features``, ``out_features``).

    The connectivity (``seed``, ``prob``) is fixed; the weight parameters are learnable
    ``nn.Parameter`` scalars: ``kind="homo"``: ``weight``; ``"uniform"``: ``low``, ``high``;
    ``"normal"``: ``mu``, ``sigma``. No per-synapse storage.
    """

    _events = False

    def __init__(self, in_features: int, out_features: int, prob: float, *, kind: str = "homo",
                 weight: float = 1.0, low: float = 0.0, high: float = 1.0, mu: float = 0.0, sigma: float = 1.0,
                 seed: int = 0, dtype=torch.float32, device=None):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if not 0.0 < prob <= 1.0:
            raise ValueError(f"prob must be in (0, 1], got {prob}")
        if in_features < 0 or out_features < 0:
            raise ValueError(f"in_features and out_features must be >= 0, got {in_features}, {out_features}")
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.prob, self.kind, self.seed = float(prob), kind, _seed(seed)
        p = lambda v: nn.Parameter(torch.tensor(float(v), dtype=dtype, device=device))  # noqa: E731
        if kind == "homo":
            self.weight = p(weight)
        elif kind == "uniform":
            self.low, self.high = p(low), p(high)
        else:
            self.mu, self.sigma = p(mu), p(sigma)

    def weight_params(self):
        if self.kind == "homo":
            return self.weight, torch.zeros_like(self.weight)
        if self.kind == "uniform":
            return self.low, self.high
        return self.mu, self.sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w0, w1 = self.weight_params()
        op = torch.ops.braintorch.event_jitc_matvec if self._events else torch.ops.braintorch.jitc_matvec
        return op.default(x, w0, w1, self.seed, self.prob, self.in_features, self.out_features, self.kind, False)

    def to_dense(self) -> torch.Tensor:
        w0, w1 = self.weight_params()
        return jitc_to_dense(w0.detach(), w1.detach(), seed=self.seed, prob=self.prob, n_pre=self.in_features,
                             n_post=self.out_features, kind=self.kind)

    # The connectivity is not a tensor, so it travels in the state dict as extra state: loading a saved
    # layer restores its matrix (as CSR layers' index buffers do), and a layer of another shape or weight
    # kind refuses the state instead of silently computing with another matrix.
    def get_extra_state(self):
        return {"in_features": self.in_features, "out_features": self.out_features, "kind": self.kind,
                "prob": self.prob, "seed": self.seed}

    def set_extra_state(self, state):
        for key in ("in_features", "out_features", "kind"):
            if state[key] != getattr(self, key):
                raise ValueError(f"{type(self).__name__}: the state has {key}={state[key]!r}, this layer "
                                 f"{getattr(self, key)!r}")
        if not 0.0 < float(state["prob"]) <= 1.0:
            raise ValueError(f"{type(self).__name__}: the state has prob={state['prob']}, not in (0, 1]")
        self.prob, self.seed = float(state["prob"]), _seed(state["seed"])

    # State dicts saved before the connectivity was part of them (version 1) have no _extra_state: they
    # still load (strict=True included), keeping this layer's own connectivity.
    _version = 2

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if local_metadata.get("version", 1) < 2 and prefix + "_extra_state" not in state_dict:
            state_dict[prefix + "_extra_state"] = self.get_extra_state()
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, prob={self.prob}, "
                f"kind={self.kind!r}, seed={self.seed}")


class EventJitFixedProbLinear(JitFixedProbLinear):
    """:class:`JitFixedProbLinear` for spike inputs: ``y = e(s) @ W`` (bool or float ``> 0`` events),
    generating only the rows of neurons that spiked; float spikes get the straight-through gradient."""

    _events = True
