"""Connectivity builders, sparse-format conversions and pair-based STDP.

Every builder returns a CSR matrix ``W`` of shape ``(n_pre, n_post)`` as ``(indptr, indices)``:
``indptr`` int64 of length ``n_pre + 1`` and ``indices`` int32 (the postsynaptic targets, ascending
within a row; no duplicates unless ``allow_multapses``). The builders are CPU operators in the
``braintorch`` namespace (``torch.ops.braintorch.conn_*``); they use O(nnz) memory (never a dense
``n_pre x n_post`` intermediate) and are reproducible from ``seed`` independently of the thread count
(one counter-based Philox stream per row, or per column for ``fixed_pre_num``).

``same_group=True`` states that pre and post are populations of the same group; then
``include_self=False`` removes the self-connections. Pre ``i`` is the same neuron as post
``i + pre_start - post_start``: with the default starts (0, 0) that is post ``i``; for two different slices of
one group (say E = neurons [0, 3200) and all = [0, 4000)) give each slice's first index.

Their outputs have data-dependent sizes, so no fake (meta) implementation is registered: they are meant
to run eagerly when a network is built, not inside ``torch.compile``.
"""

from __future__ import annotations

import warnings
from typing import Optional, Tuple

import torch

from . import _library

_library.load()

__all__ = [
    "fixed_prob",
    "fixed_pre_num",
    "fixed_post_num",
    "fixed_total_num",
    "gaussian_prob",
    "one_to_one",
    "all_to_all",
    "grid",
    "coo_to_csr",
    "csr_to_csc",
    "csr_to_coo",
    "stdp_csr_update_",
    "stdp_trace_decay_",
    "stdp_trace_add_",
    "stdp_trace_update_",
]

Csr = Tuple[torch.Tensor, torch.Tensor]


def _warn_if_self_flag_is_moot(builder: str, same_group: bool, include_self: bool) -> None:
    # BrainPy's include_self=False removes the pairs (i, i) whatever the groups; here it needs
    # same_group=True (pre i and post i are then one neuron). Code ported from BrainPy would otherwise
    # keep its autapses without a word.
    if not include_self and not same_group:
        warnings.warn(f"{builder}: include_self=False has no effect without same_group=True (pre and post are "
                      "then different neurons, so no pair is a self-connection); pass same_group=True if they "
                      "are one group", stacklevel=3)


def fixed_prob(n_pre: int, n_post: int, prob: float, seed: int, same_group: bool = False,
               include_self: bool = True, pre_start: int = 0, post_start: int = 0) -> Csr:
    """Each (pre, post) pair connected independently with probability ``prob`` in [0, 1]."""
    _warn_if_self_flag_is_moot("fixed_prob", same_group, include_self)
    return torch.ops.braintorch.conn_fixed_prob.default(n_pre, n_post, prob, seed, same_group, include_self,
                                                        pre_start, post_start)


def fixed_pre_num(n_pre: int, n_post: int, k: int, seed: int, same_group: bool = False, include_self: bool = True,
                  allow_multapses: bool = False, pre_start: int = 0, post_start: int = 0) -> Csr:
    """Every post neuron receives exactly ``k`` presynaptic partners, uniformly among the allowed pres.

    Without multapses ``k`` must not exceed the number of allowed pres (``n_pre``, minus one when
    self-connections are excluded); with ``allow_multapses`` the ``k`` are drawn with replacement.
    """
    _warn_if_self_flag_is_moot("fixed_pre_num", same_group, include_self)
    return torch.ops.braintorch.conn_fixed_pre_num.default(n_pre, n_post, k, seed, same_group, include_self,
                                                           allow_multapses, pre_start, post_start)


def fixed_post_num(n_pre: int, n_post: int, k: int, seed: int, same_group: bool = False, include_self: bool = True,
                   allow_multapses: bool = False, pre_start: int = 0, post_start: int = 0) -> Csr:
    """Every pre neuron gets exactly ``k`` postsynaptic targets, uniformly among the allowed posts."""
    _warn_if_self_flag_is_moot("fixed_post_num", same_group, include_self)
    return torch.ops.braintorch.conn_fixed_post_num.default(n_pre, n_post, k, seed, same_group, include_self,
                                                            allow_multapses, pre_start, post_start)


def fixed_total_num(n_pre: int, n_post: int, num: int, seed: int, same_group: bool = False,
                    include_self: bool = True, allow_multapses: bool = False, pre_start: int = 0,
                    post_start: int = 0) -> Csr:
    """Exactly ``num`` synapses, a uniformly random subset of the allowed pairs (no duplicates)."""
    _warn_if_self_flag_is_moot("fixed_total_num", same_group, include_self)
    return torch.ops.braintorch.conn_fixed_total_num.default(n_pre, n_post, num, seed, same_group, include_self,
                                                             allow_multapses, pre_start, post_start)


def gaussian_prob(pre_shape: Tuple[int, int], post_shape: Tuple[int, int], sigma: float, seed: int,
                  periodic_boundary: bool = False, normalize: bool = False, same_group: bool = False,
                  include_self: bool = True) -> Csr:
    """Neurons on 2-D grids (``(height, width)``, row-major). Pre ``(r, c)`` connects to post ``(r', c')``
    with probability ``exp(-((r - r')^2 + (c - c')^2) / (2 sigma^2))`` (grid units; with
    ``periodic_boundary`` the distance on a torus, grids must be equal). ``normalize`` is BrainPy's: a
    division by the matrix's largest probability (self-pairs included), which is exp(0) = 1, so it changes
    nothing, in BrainPy as here."""
    _warn_if_self_flag_is_moot("gaussian_prob", same_group, include_self)
    return torch.ops.braintorch.conn_gaussian_prob.default(list(pre_shape), list(post_shape), sigma, seed,
                                                           periodic_boundary, normalize, same_group, include_self)


def one_to_one(n: int, same_group: bool = False, include_self: bool = True, pre_start: int = 0,
               post_start: int = 0) -> Csr:
    """``i -> i``. In one group with ``include_self=False`` the pairs that are self-connections (all of
    them when ``pre_start == post_start``) are removed."""
    _warn_if_self_flag_is_moot("one_to_one", same_group, include_self)
    return torch.ops.braintorch.conn_one_to_one.default(n, same_group, include_self, pre_start, post_start)


def all_to_all(n_pre: int, n_post: int, same_group: bool = False, include_self: bool = True, pre_start: int = 0,
               post_start: int = 0) -> Csr:
    """Every pre to every post (self-pairs removed when ``same_group`` and not ``include_self``)."""
    _warn_if_self_flag_is_moot("all_to_all", same_group, include_self)
    return torch.ops.braintorch.conn_all_to_all.default(n_pre, n_post, same_group, include_self, pre_start,
                                                        post_start)


def grid(height: int, width: int, neighbours: int = 4, periodic: bool = False, include_self: bool = False) -> Csr:
    """Each neuron of a ``(height, width)`` grid to its 4 (von Neumann) or 8 (Moore) neighbours;
    outside neighbours dropped unless ``periodic`` (torus); a neighbour reached twice is kept once."""
    return torch.ops.braintorch.conn_grid.default(height, width, neighbours, periodic, include_self)


def coo_to_csr(rows: torch.Tensor, cols: torch.Tensor, n_pre: int, n_post: int):
    """COO -> ``(indptr, indices, perm)``, sorted by (row, col), stable; ``values[perm]`` reorders
    per-synapse values from COO order to CSR order. Duplicates are kept."""
    return torch.ops.braintorch.coo_to_csr.default(rows, cols, n_pre, n_post)


def csr_to_csc(indptr: torch.Tensor, indices: torch.Tensor, n_post: int):
    """CSR -> CSC ``(col_indptr, row_indices, perm)`` (the CSR of the transpose, rows ascending in a
    column); ``weights[perm]`` gives the weights in CSC order. Feed it to :func:`stdp_csr_update_`."""
    return torch.ops.braintorch.csr_to_csc.default(indptr, indices, n_post)


def csr_to_coo(indptr: torch.Tensor, indices: torch.Tensor):
    """CSR -> ``(rows, cols)`` in CSR order (no permutation needed)."""
    return torch.ops.braintorch.csr_to_coo.default(indptr, indices)


def stdp_csr_update_(indptr: torch.Tensor, indices: torch.Tensor, weights: torch.Tensor, pre_spikes: torch.Tensor,
                     post_spikes: torch.Tensor, pre_trace: torch.Tensor, post_trace: torch.Tensor, A_plus: float,
                     A_minus: float, w_min: float, w_max: float,
                     csc: Optional[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = None) -> None:
    """Pair-based additive STDP, in place on ``weights`` (one per CSR synapse; CPU or CUDA).

    For every synapse ``k`` from pre ``i`` to post ``j``: if pre ``i`` spiked,
    ``w_k = clip(w_k - A_minus * post_trace[j], w_min, w_max)``; then, if post ``j`` spiked,
    ``w_k = clip(w_k + A_plus * pre_trace[i], w_min, w_max)``. A spike is a bool entry or a float > 0.
    ``csc`` is the output of :func:`csr_to_csc` (event-driven column access); without it every synapse
    is scanned; both give identical results. Not differentiable (a learning rule): the update bumps
    the version counter of ``weights`` (a graph that saved them raises at backward), and weights that
    require grad are refused in grad mode (use ``torch.no_grad()``).

    The traces are used as given. Brian2's order (its pre pathway runs before its post pathway), which
    this reproduces to round-off, is::

        stdp_trace_update_(pre_trace, pre_spikes, dt, tau_plus)   # decay, + this step's pre spikes
        stdp_trace_decay_(post_trace, dt, tau_minus)              # decay only
        stdp_csr_update_(indptr, indices, w, pre_spikes, post_spikes, pre_trace, post_trace, ...)
        stdp_trace_add_(post_trace, post_spikes)                  # this step's post spikes, after

    so a pre and a post spike in the same step potentiate by ``A_plus`` and do not depress.
    """
    if csc is None:
        torch.ops.braintorch.stdp_csr_update_.default(indptr, indices, weights, pre_spikes, post_spikes, pre_trace,
                                                      post_trace, A_plus, A_minus, w_min, w_max)
    else:
        col_indptr, col_rows, col_perm = csc
        torch.ops.braintorch.stdp_csr_update_.default(indptr, indices, weights, pre_spikes, post_spikes, pre_trace,
                                                      post_trace, A_plus, A_minus, w_min, w_max, col_indptr,
                                                      col_rows, col_perm)


# The trace helpers are operators (torch.ops.braintorch.stdp_trace_*_, one C++ implementation with its
# argument checks; CompositeImplicitAutograd, so they trace and differentiate as the ATen ops they are).
def stdp_trace_decay_(trace: torch.Tensor, dt: float, tau: float) -> torch.Tensor:
    """``trace = trace * exp(-dt / tau)`` in place; returns ``trace``."""
    torch.ops.braintorch.stdp_trace_decay_.default(trace, dt, tau)
    return trace


def stdp_trace_add_(trace: torch.Tensor, spikes: torch.Tensor) -> torch.Tensor:
    """``trace = trace + e(spikes)`` in place (``e``: bool, or float > 0); returns ``trace``."""
    torch.ops.braintorch.stdp_trace_add_.default(trace, spikes)
    return trace


def stdp_trace_update_(trace: torch.Tensor, spikes: torch.Tensor, dt: float, tau: float) -> torch.Tensor:
    """``trace = trace * exp(-dt / tau) + e(spikes)`` in place; returns ``trace``. Checks every argument
    before writing (no broadcasting: ``spikes`` must have the shape of ``trace``)."""
    torch.ops.braintorch.stdp_trace_update_.default(trace, spikes, dt, tau)
    return trace


# The STDP op returns nothing and only mutates `weights` in place, so its fake (meta) implementation is
# trivial; it lets torch.compile / opcheck trace programs that call it. The builders and conversions have
# data-dependent output sizes and get no fake implementation (they run eagerly).
@torch.library.register_fake("braintorch::stdp_csr_update_")
def _stdp_csr_update_fake(indptr, indices, weights, pre_spikes, post_spikes, pre_trace, post_trace, A_plus, A_minus,
                          w_min, w_max, col_indptr=None, col_rows=None, col_perm=None):
    return None
