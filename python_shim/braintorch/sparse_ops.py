"""Sparse, dense and fixed-connection-number products, their fake implementations, and nn.Module layers.

Operators (kernels and autograd in C++, ``libbraintorch.so``; see docs/sparse_ops.md):

* ``csr_matvec``: float input times a CSR matrix (same layout as ``event_csr_matvec``);
* ``event_dense_matvec``: spikes times a dense weight matrix, reading only the rows (columns) with an event;
* ``fcn_matvec`` / ``event_fcn_matvec``: a fixed number of connections per presynaptic row (ELL layout).

Convention for every op: ``W`` has shape ``(n_pre, n_post)``; ``transpose=False`` computes
``post = x @ W`` for ``x`` of shape ``(n_pre,)`` or ``(B, n_pre)``; ``transpose=True`` computes
``pre = W @ v`` for ``v`` of shape ``(n_post,)`` or ``(B, n_post)``. Event inputs count an entry as one
event when it is ``True`` or ``> 0``; float event inputs get the straight-through gradient of the
equivalent float product. Structure tensors (indptr, indices) are never differentiable.

The C++ side names this module (``m.set_python_module("braintorch.sparse_ops")``), so the
``register_fake`` calls below are the only fake implementations of these ops.
"""

from __future__ import annotations

import torch
from torch import nn

from . import _library
from .ops import event_csr_matvec

_library.load()

__all__ = [
    "csr_matvec",
    "event_dense_matvec",
    "fcn_matvec",
    "event_fcn_matvec",
    "CSRLinear",
    "EventCSRLinear",
    "EventDenseLinear",
    "FCNLinear",
    "EventFCNLinear",
]


# ---------------------------------------------------------------- wrappers


def csr_matvec(x, indptr, indices, weights, n_post: int, transpose: bool = False) -> torch.Tensor:
    """Product of a float input with a CSR matrix ``W`` of shape ``(n_pre, n_post)``.

    ``indptr`` (``n_pre + 1``) and ``indices`` (``nnz``) are int32 or int64; ``weights`` has one element
    (homogeneous) or ``nnz`` (one per synapse, CSR order) and the dtype of ``x`` (float32/float64).
    ``transpose=False``: ``x @ W``; ``transpose=True``: ``W @ x``. Gradients: ``x`` gets the transposed
    product, ``weights`` ``dw_k = sum_b x[b, i] g[b, idx_k]`` (summed for a homogeneous weight).
    CPU results are bitwise identical for any thread count; the CUDA scatters use float atomics.
    """
    return torch.ops.braintorch.csr_matvec.default(x, indptr, indices, weights, n_post, transpose)


def event_dense_matvec(spikes, weights, transpose: bool = False) -> torch.Tensor:
    """Event-driven product of spikes with a dense ``(n_pre, n_post)`` weight matrix.

    ``transpose=False``: ``post[b, j] = sum_{i: s[b, i] event} W[i, j]`` (only event rows of ``W`` are
    read); ``transpose=True``: ``pre[b, i] = sum_{j: v[b, j] event} W[i, j]``. ``spikes`` is bool or
    float (``> 0`` is an event). Gradients: ``W`` gets the outer product ``e(s)^T g`` (transpose
    ``g^T e(v)``); float spikes the straight-through ``g @ W^T`` (transpose ``g @ W``); bool spikes none.
    Deterministic on CPU (any thread count) and CUDA (no atomics).
    """
    return torch.ops.braintorch.event_dense_matvec.default(spikes, weights, transpose)


def fcn_matvec(x, indices, weights, n_post: int, transpose: bool = False) -> torch.Tensor:
    """Product of a float input with a fixed-number-of-connections matrix (ELL layout).

    ``indices`` (``(n_pre, n_conn)``, int32/int64, targets in ``[0, n_post)``); ``weights`` one element
    or ``(n_pre, n_conn)``, the dtype of ``x``. Same conventions and gradients as :func:`csr_matvec`.
    """
    return torch.ops.braintorch.fcn_matvec.default(x, indices, weights, n_post, transpose)


def event_fcn_matvec(spikes, indices, weights, n_post: int, transpose: bool = False) -> torch.Tensor:
    """Event-driven product with a fixed-number-of-connections matrix (ELL layout).

    As :func:`fcn_matvec` with the input replaced by its event indicator (bool, or float ``> 0``);
    float spikes get the straight-through gradient, bool spikes none. On CPU the forward product
    (``transpose=False``) checks the indices of the spiking rows only, as it reads them (O(events));
    an out-of-range index in a row that is never read is not reported.
    """
    return torch.ops.braintorch.event_fcn_matvec.default(spikes, indices, weights, n_post, transpose)


# ---------------------------------------------------------------- fake implementations
# The metadata checks of the C++ kernels, so a traced program fails where the eager one would.


def _check_input(op, name, x, events, weights):
    if events:
        torch._check(x.dtype in (torch.bool, torch.float32, torch.float64),
                     lambda: f"{op}: spikes must be bool, float32 or float64, got {x.dtype}")
    else:
        torch._check(x.dtype in (torch.float32, torch.float64),
                     lambda: f"{op}: x must be float32 or float64, got {x.dtype}")
        torch._check(x.dtype == weights.dtype,
                     lambda: f"{op}: x has dtype {x.dtype} but weights has dtype {weights.dtype}")
    torch._check(weights.dtype in (torch.float32, torch.float64),
                 lambda: f"{op}: weights must be float32 or float64, got {weights.dtype}")
    torch._check(x.dim() in (1, 2), lambda: f"{op}: {name} must be 1-D or 2-D, got {tuple(x.shape)}")


def _out_like(x, n_out, weights):
    return x.new_empty((*x.shape[:-1], n_out), dtype=weights.dtype)


def _backward_outputs(x, weights, output_mask):
    # Convention shared with the C++ kernels: an unrequested gradient is an empty (0,) tensor of the
    # weights dtype; grad_x has the shape/dtype of x, grad_weights the shape of weights.
    gx = x.new_empty(x.shape) if output_mask[0] else weights.new_empty((0,))
    gw = weights.new_empty(weights.shape) if output_mask[1] else weights.new_empty((0,))
    return gx, gw


def _csr_sizes(op, x, indptr, indices, weights, n_post, transpose):
    _library.check_same_device(op, x=x, indptr=indptr, indices=indices, weights=weights)
    _check_input(op, "x", x, False, weights)
    torch._check(indptr.dtype in (torch.int32, torch.int64), lambda: f"{op}: indptr must be int32 or int64")
    torch._check(indices.dtype in (torch.int32, torch.int64), lambda: f"{op}: indices must be int32 or int64")
    torch._check(n_post >= 0, lambda: f"{op}: n_post must be >= 0, got {n_post}")
    torch._check(indptr.dim() == 1 and indptr.shape[0] >= 1, lambda: f"{op}: indptr must be 1-D with n_pre + 1 >= 1 entries")
    torch._check(indices.dim() == 1, lambda: f"{op}: indices must be 1-D (nnz)")
    n_pre = indptr.shape[0] - 1
    n_in, n_out = (n_post, n_pre) if transpose else (n_pre, n_post)
    torch._check(x.shape[-1] == n_in, lambda: f"{op}: x has last dimension {x.shape[-1]}, expected {n_in}")
    torch._check(weights.numel() == 1 or weights.numel() == indices.shape[0],
                 lambda: f"{op}: weights must have 1 element or nnz = {indices.shape[0]}")
    return n_out


@torch.library.register_fake("braintorch::csr_matvec")
def _csr_matvec_fake(x, indptr, indices, weights, n_post, transpose=False):
    n_out = _csr_sizes("braintorch::csr_matvec", x, indptr, indices, weights, n_post, transpose)
    return _out_like(x, n_out, weights)


@torch.library.register_fake("braintorch::csr_matvec_backward")
def _csr_matvec_backward_fake(grad_out, x, indptr, indices, weights, n_post, transpose, output_mask):
    op = "braintorch::csr_matvec_backward"
    _library.check_grad_out(op, grad_out, x, _csr_sizes(op, x, indptr, indices, weights, n_post, transpose))
    return _backward_outputs(x, weights, output_mask)


def _dense_sizes(op, spikes, weights, transpose):
    _library.check_same_device(op, spikes=spikes, weights=weights)
    _check_input(op, "spikes", spikes, True, weights)
    torch._check(weights.dim() == 2, lambda: f"{op}: weights must be a 2-D (n_pre, n_post) matrix")
    n_pre, n_post = weights.shape
    n_in, n_out = (n_post, n_pre) if transpose else (n_pre, n_post)
    torch._check(spikes.shape[-1] == n_in, lambda: f"{op}: spikes has last dimension {spikes.shape[-1]}, expected {n_in}")
    return n_out


@torch.library.register_fake("braintorch::event_dense_matvec")
def _event_dense_matvec_fake(spikes, weights, transpose=False):
    return _out_like(spikes, _dense_sizes("braintorch::event_dense_matvec", spikes, weights, transpose), weights)


@torch.library.register_fake("braintorch::event_dense_matvec_backward")
def _event_dense_matvec_backward_fake(grad_out, spikes, weights, transpose, output_mask):
    op = "braintorch::event_dense_matvec_backward"
    _library.check_grad_out(op, grad_out, spikes, _dense_sizes(op, spikes, weights, transpose))
    return _backward_outputs(spikes, weights, output_mask)


def _fcn_sizes(op, events, x, indices, weights, n_post, transpose):
    _library.check_same_device(op, **{"spikes" if events else "x": x}, indices=indices, weights=weights)
    _check_input(op, "spikes" if events else "x", x, events, weights)
    torch._check(indices.dtype in (torch.int32, torch.int64), lambda: f"{op}: indices must be int32 or int64")
    torch._check(indices.dim() == 2, lambda: f"{op}: indices must be 2-D (n_pre, n_conn)")
    torch._check(n_post >= 0, lambda: f"{op}: n_post must be >= 0, got {n_post}")
    n_pre = indices.shape[0]
    n_in, n_out = (n_post, n_pre) if transpose else (n_pre, n_post)
    torch._check(x.shape[-1] == n_in, lambda: f"{op}: input has last dimension {x.shape[-1]}, expected {n_in}")
    torch._check(weights.numel() == 1 or weights.shape == indices.shape,
                 lambda: f"{op}: weights must have 1 element or the shape of indices")
    return n_out


@torch.library.register_fake("braintorch::fcn_matvec")
def _fcn_matvec_fake(x, indices, weights, n_post, transpose=False):
    return _out_like(x, _fcn_sizes("braintorch::fcn_matvec", False, x, indices, weights, n_post, transpose), weights)


@torch.library.register_fake("braintorch::fcn_matvec_backward")
def _fcn_matvec_backward_fake(grad_out, x, indices, weights, n_post, transpose, output_mask):
    op = "braintorch::fcn_matvec_backward"
    _library.check_grad_out(op, grad_out, x, _fcn_sizes(op, False, x, indices, weights, n_post, transpose))
    return _backward_outputs(x, weights, output_mask)


@torch.library.register_fake("braintorch::event_fcn_matvec")
def _event_fcn_matvec_fake(spikes, indices, weights, n_post, transpose=False):
    n_out = _fcn_sizes("braintorch::event_fcn_matvec", True, spikes, indices, weights, n_post, transpose)
    return _out_like(spikes, n_out, weights)


@torch.library.register_fake("braintorch::event_fcn_matvec_backward")
def _event_fcn_matvec_backward_fake(grad_out, spikes, indices, weights, n_post, transpose, output_mask):
    op = "braintorch::event_fcn_matvec_backward"
    _library.check_grad_out(op, grad_out, spikes, _fcn_sizes(op, True, spikes, indices, weights, n_post, transpose))
    return _backward_outputs(spikes, weights, output_mask)


# ---------------------------------------------------------------- layers
# Thin nn.Modules: the weights are an nn.Parameter, the structure (indptr/indices) buffers, so
# .to(device) moves both and state_dict() saves both. forward(x) computes x @ W (or W @ x with
# transpose=True in the constructor).


class _SparseLayer(nn.Module):
    def __init__(self, n_pre: int, n_post: int, weights: torch.Tensor, transpose: bool):
        super().__init__()
        if n_pre < 0 or n_post < 0:
            raise ValueError(f"n_pre and n_post must be >= 0, got {n_pre}, {n_post}")
        self.n_pre, self.n_post, self.transpose = int(n_pre), int(n_post), bool(transpose)
        self.weight = nn.Parameter(torch.as_tensor(weights).clone())

    def extra_repr(self) -> str:
        return f"n_pre={self.n_pre}, n_post={self.n_post}, transpose={self.transpose}"


class CSRLinear(_SparseLayer):
    """``x @ W`` with ``W`` in CSR form (``csr_matvec``); ``weights``: 1 element or ``nnz``."""

    def __init__(self, indptr, indices, weights, n_post: int, transpose: bool = False):
        indptr = torch.as_tensor(indptr)
        if indptr.dim() != 1 or indptr.numel() < 1:
            raise ValueError(f"indptr must be 1-D with n_pre + 1 >= 1 entries, got shape {tuple(indptr.shape)}")
        super().__init__(indptr.numel() - 1, n_post, weights, transpose)
        self.register_buffer("indptr", indptr.clone())
        self.register_buffer("indices", torch.as_tensor(indices).clone())

    def forward(self, x):
        return csr_matvec(x, self.indptr, self.indices, self.weight, self.n_post, self.transpose)


class EventCSRLinear(CSRLinear):
    """``e(s) @ W`` with ``W`` in CSR form (``event_csr_matvec``)."""

    def forward(self, spikes):
        return event_csr_matvec(spikes, self.indptr, self.indices, self.weight, self.n_post, self.transpose)


class EventDenseLinear(_SparseLayer):
    """``e(s) @ W`` with a dense ``(n_pre, n_post)`` weight matrix (``event_dense_matvec``)."""

    def __init__(self, weights, transpose: bool = False):
        weights = torch.as_tensor(weights)
        if weights.dim() != 2:
            raise ValueError(f"weights must be a 2-D (n_pre, n_post) matrix, got shape {tuple(weights.shape)}")
        super().__init__(weights.shape[0], weights.shape[1], weights, transpose)

    def forward(self, spikes):
        return event_dense_matvec(spikes, self.weight, self.transpose)


class FCNLinear(_SparseLayer):
    """``x @ W`` with a fixed number of connections per row (``fcn_matvec``); ``indices``
    ``(n_pre, n_conn)``, ``weights`` 1 element or ``(n_pre, n_conn)``."""

    def __init__(self, indices, weights, n_post: int, transpose: bool = False):
        indices = torch.as_tensor(indices)
        if indices.dim() != 2:
            raise ValueError(f"indices must be 2-D (n_pre, n_conn), got shape {tuple(indices.shape)}")
        super().__init__(indices.shape[0], n_post, weights, transpose)
        self.register_buffer("indices", indices.clone())

    def forward(self, x):
        return fcn_matvec(x, self.indices, self.weight, self.n_post, self.transpose)


class EventFCNLinear(FCNLinear):
    """``e(s) @ W`` with a fixed number of connections per row (``event_fcn_matvec``)."""

    def forward(self, spikes):
        return event_fcn_matvec(spikes, self.indices, self.weight, self.n_post, self.transpose)
