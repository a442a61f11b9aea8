"""Python wrappers of the braintorch operators and their fake (meta) implementations.

The kernels (CPU, CUDA) and the autograd formulas are registered in C++ (``libbraintorch.so``); this
module only adds the documented Python entry points and the fake implementations that let
``torch.compile`` / ``torch.export`` / ``torch.library.opcheck`` trace the operators. The C++ side
registers nothing at the Meta key and names this module with ``m.set_python_module("braintorch.ops")``,
so these are the only fake implementations.
"""

from __future__ import annotations

import torch

from . import _library

_library.load()

__all__ = ["event_csr_matvec"]


def event_csr_matvec(
    spikes: torch.Tensor,
    indptr: torch.Tensor,
    indices: torch.Tensor,
    weights: torch.Tensor,
    n_post: int,
    transpose: bool = False,
) -> torch.Tensor:
    """Event-driven product of spikes with a CSR connectivity matrix ``W`` of shape ``(n_pre, n_post)``.

    ``W`` has one CSR row per presynaptic neuron: ``indptr`` (``n_pre + 1``, int32 or int64),
    ``indices`` (``nnz`` postsynaptic targets, int32 or int64) and ``weights`` (float32/float64; one
    element for a shared homogeneous weight, or ``nnz`` elements, one per synapse in CSR order).

    * ``transpose=False``: ``post = e(spikes) @ W``; spikes ``(n_pre,)`` or ``(B, n_pre)`` gives
      ``(n_post,)`` or ``(B, n_post)``.
    * ``transpose=True``: ``pre = W @ e(spikes)``; spikes ``(n_post,)`` or ``(B, n_post)`` gives
      ``(n_pre,)`` or ``(B, n_pre)``.

    ``e(x)`` is the event indicator: a bool entry, or a float entry ``> 0``, counts as one event (the
    float value is otherwise ignored). The result has the dtype of ``weights`` and the device of
    ``spikes``; all tensors must be on one device.

    Gradients (C++ autograd): ``weights`` get ``dw_k = sum_b e(s[b, i]) g[b, idx_k]`` (transpose:
    ``sum_b g[b, i] e(v[b, idx_k])``), summed over all synapses for a homogeneous weight. Float spikes
    get the straight-through gradient of the float product (``grad_s = W @ g``, transpose:
    ``grad_v = g @ W``). Bool spikes get none; ``indptr``/``indices`` are not differentiable. Double
    backward raises an error.

    On CPU the CSR structure is validated as it is read: the event-driven forward product checks the
    rows of spiking neurons only (so it stays O(events)): each row's extent and indices, and that it
    starts at or after the end of the previous row read, so the rows read never share synapses; a
    malformed row that is never read is not reported. Every other direction checks the whole structure. Results are bitwise identical for any
    thread count; on CUDA the scatters use float atomics (order not deterministic)
    and index errors surface as device-side asserts.
    """
    return torch.ops.braintorch.event_csr_matvec.default(spikes, indptr, indices, weights, n_post, transpose)


def _check_fake_args(spikes, indptr, indices, weights, n_post, transpose, op="braintorch::event_csr_matvec"):
    # The metadata checks of the C++ kernels, so a traced program fails where the eager one would.
    _library.check_same_device(op, spikes=spikes, indptr=indptr, indices=indices, weights=weights)
    torch._check(spikes.dtype in (torch.bool, torch.float32, torch.float64),
                 lambda: f"{op}: spikes must be bool, float32 or float64, got {spikes.dtype}")
    torch._check(indptr.dtype in (torch.int32, torch.int64),
                 lambda: f"{op}: indptr must be int32 or int64, got {indptr.dtype}")
    torch._check(indices.dtype in (torch.int32, torch.int64),
                 lambda: f"{op}: indices must be int32 or int64, got {indices.dtype}")
    torch._check(weights.dtype in (torch.float32, torch.float64),
                 lambda: f"{op}: weights must be float32 or float64, got {weights.dtype}")
    torch._check(n_post >= 0, lambda: f"{op}: n_post must be >= 0, got {n_post}")
    torch._check(indptr.dim() == 1 and indptr.shape[0] >= 1,
                 lambda: f"{op}: indptr must be 1-D with n_pre + 1 >= 1 entries, got {tuple(indptr.shape)}")
    torch._check(indices.dim() == 1, lambda: f"{op}: indices must be 1-D (nnz), got {tuple(indices.shape)}")
    torch._check(spikes.dim() in (1, 2), lambda: f"{op}: spikes must be 1-D or 2-D, got {tuple(spikes.shape)}")
    n_pre = indptr.shape[0] - 1
    n_in = n_post if transpose else n_pre
    torch._check(spikes.shape[-1] == n_in,
                 lambda: f"{op}: spikes has last dimension {spikes.shape[-1]}, expected {n_in}")
    torch._check(weights.numel() == 1 or weights.numel() == indices.shape[0],
                 lambda: f"{op}: weights must have 1 element or nnz = {indices.shape[0]}, got {weights.numel()}")
    return n_pre


@torch.library.register_fake("braintorch::event_csr_matvec")
def _event_csr_matvec_fake(spikes, indptr, indices, weights, n_post, transpose=False):
    n_pre = _check_fake_args(spikes, indptr, indices, weights, n_post, transpose)
    n_out = n_pre if transpose else n_post
    return spikes.new_empty((*spikes.shape[:-1], n_out), dtype=weights.dtype)


@torch.library.register_fake("braintorch::event_csr_matvec_backward")
def _event_csr_matvec_backward_fake(grad_out, spikes, indptr, indices, weights, n_post, transpose, output_mask):
    op = "braintorch::event_csr_matvec_backward"
    n_pre = _check_fake_args(spikes, indptr, indices, weights, n_post, transpose, op)
    _library.check_grad_out(op, grad_out, spikes, n_pre if transpose else n_post)
    # Convention shared with the C++ kernels: a gradient that is not requested is an empty (0,) tensor
    # of the weights dtype; grad_spikes has the shape/dtype of spikes, grad_weights the shape of weights.
    if output_mask[0]:
        grad_spikes = spikes.new_empty(spikes.shape)
    else:
        grad_spikes = weights.new_empty((0,))
    if output_mask[1]:
        grad_weights = weights.new_empty(weights.shape)
    else:
        grad_weights = weights.new_empty((0,))
    return grad_spikes, grad_weights
