"""braintorch.connect from Python: builders vs small dense references, conversions, errors, and the STDP op
against a numpy reference of the same rule.

Run with: PYTHONPATH=python_shim pytest tests/python/test_connect.py
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import braintorch
from braintorch import connect


def dense(indptr, indices, n_post, weights=None):
    """Dense float64 matrix from a CSR by Python loops (multapses add up)."""
    n_pre = indptr.numel() - 1
    d = np.zeros((n_pre, n_post))
    ip, ix = indptr.tolist(), indices.tolist()
    w = None if weights is None else weights.double().tolist()
    for i in range(n_pre):
        for k in range(ip[i], ip[i + 1]):
            d[i, ix[k]] += 1.0 if w is None else w[k]
    return d


def rows_strictly_ascending(indptr, indices):
    ip, ix = indptr.tolist(), indices.tolist()
    return all(ix[k - 1] < ix[k] for i in range(len(ip) - 1) for k in range(ip[i] + 1, ip[i + 1]))


def test_dtypes_and_fixed_post_num_degrees():
    indptr, indices = connect.fixed_post_num(50, 40, 7, seed=1, same_group=False)
    assert indptr.dtype == torch.int64 and indices.dtype == torch.int32
    assert torch.equal(indptr.diff(), torch.full((50,), 7))
    assert rows_strictly_ascending(indptr, indices)


def test_fixed_pre_num_in_degrees_and_no_self():
    indptr, indices = connect.fixed_pre_num(60, 60, 9, seed=2, same_group=True, include_self=False)
    d = dense(indptr, indices, 60)
    assert (d.sum(axis=0) == 9).all() and np.trace(d) == 0 and d.max() == 1


def test_fixed_total_num_exact_and_reproducible():
    a = connect.fixed_total_num(30, 20, 123, seed=3)
    b = connect.fixed_total_num(30, 20, 123, seed=3)
    assert a[1].numel() == 123 and torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert dense(*a, 20).max() == 1


def test_regular_patterns_vs_dense():
    assert (dense(*connect.one_to_one(6), 6) == np.eye(6)).all()
    assert (dense(*connect.all_to_all(4, 5, same_group=False), 5) == np.ones((4, 5))).all()
    assert (dense(*connect.all_to_all(5, 5, same_group=True, include_self=False), 5) == 1 - np.eye(5)).all()
    # 3 x 3 grid, 4 neighbours, not periodic: the centre (4) connects to 1, 3, 5, 7.
    indptr, indices = connect.grid(3, 3, neighbours=4)
    assert indices[indptr[4]:indptr[5]].tolist() == [1, 3, 5, 7]
    indptr, indices = connect.grid(3, 3, neighbours=8, periodic=True, include_self=True)
    assert (dense(indptr, indices, 9) == np.ones((9, 9))).all()


def test_fixed_prob_and_gaussian_prob_shapes():
    indptr, indices = connect.fixed_prob(100, 80, 0.0, seed=0)
    assert indices.numel() == 0 and indptr.numel() == 101
    indptr, indices = connect.fixed_prob(100, 80, 1.0, seed=0, same_group=False)
    assert indices.numel() == 8000
    indptr, indices = connect.gaussian_prob((4, 5), (4, 5), sigma=0.3, seed=1, same_group=True)
    # sigma 0.3: p(d = 1) = exp(-5.6) ~ 0.004; self p = 1, so every neuron connects to itself.
    d = dense(indptr, indices, 20)
    assert (np.diag(d) == 1).all()


def test_conversions_round_trip_with_weights():
    g = torch.Generator().manual_seed(0)
    rows = torch.randint(0, 9, (60,), generator=g)
    cols = torch.randint(0, 7, (60,), generator=g, dtype=torch.int32)
    w = torch.randn(60, generator=g, dtype=torch.float64)
    ref = np.zeros((9, 7))
    for r, c, v in zip(rows.tolist(), cols.tolist(), w.tolist()):
        ref[r, c] += v
    indptr, indices, perm = connect.coo_to_csr(rows, cols, 9, 7)
    w_csr = w[perm]
    np.testing.assert_allclose(dense(indptr, indices, 7, w_csr), ref, atol=1e-12)
    col_indptr, row_indices, cperm = connect.csr_to_csc(indptr, indices, 7)
    np.testing.assert_allclose(dense(col_indptr, row_indices, 9, w_csr[cperm]), ref.T, atol=1e-12)
    r2, c2 = connect.csr_to_coo(indptr, indices)
    assert torch.equal(c2, indices)
    assert torch.equal(r2, torch.repeat_interleave(torch.arange(9), indptr.diff()))


def test_pre_and_post_slices_of_one_group_drop_exactly_their_self_pairs():
    # E = neurons [0, 30) of a 40-neuron group projecting to all 40 (pre_start 0, post_start 0), and
    # I = neurons [30, 40) (pre_start 30): pre i is post i + pre_start - post_start. With
    # include_self=False every builder must avoid exactly those pairs: the builders asked for every
    # allowed pair must give all of them, fixed_pre_num (not every pair) none of the self pairs.
    for pre_start, n_pre in ((0, 30), (30, 10)):
        self_pairs = np.zeros((n_pre, 40))
        self_pairs[np.arange(n_pre), np.arange(n_pre) + pre_start] = 1
        kw = dict(same_group=True, include_self=False, pre_start=pre_start, post_start=0)
        assert (dense(*connect.all_to_all(n_pre, 40, **kw), 40) == 1 - self_pairs).all()
        d = dense(*connect.fixed_prob(n_pre, 40, 1.0, seed=3, **kw), 40)
        assert (d == 1 - self_pairs).all()
        d = dense(*connect.fixed_post_num(n_pre, 40, 39, seed=3, **kw), 40)
        assert (d == 1 - self_pairs).all()  # 39 of the 39 allowed targets
        d = dense(*connect.fixed_pre_num(n_pre, 40, n_pre - 1, seed=3, **kw), 40)  # a post with a self pair
        assert (d * self_pairs).sum() == 0 and (d.sum(axis=0) == n_pre - 1).all()  # allows n_pre - 1 pres
        d = dense(*connect.fixed_total_num(n_pre, 40, n_pre * 39, seed=3, **kw), 40)
        assert (d == 1 - self_pairs).all()
    # one_to_one: pre i -> post i is a self pair only when the slices start at the same neuron
    assert connect.one_to_one(5, same_group=True, include_self=False, pre_start=0, post_start=0)[1].numel() == 0
    assert connect.one_to_one(5, same_group=True, include_self=False, pre_start=5, post_start=0)[1].numel() == 5
    # the offsets only matter together with same_group
    assert torch.equal(connect.fixed_prob(20, 20, 0.3, seed=1, pre_start=7)[1], connect.fixed_prob(20, 20, 0.3, seed=1)[1])


@pytest.mark.parametrize(
    "call, needle",
    [
        (lambda: connect.fixed_post_num(5, 4, 5, seed=0), "k = 5 exceeds the 4 allowed"),
        (lambda: connect.fixed_pre_num(-1, 4, 1, seed=0), "n_pre must be >= 0, got -1"),
        (lambda: connect.fixed_prob(5, 4, 1.5, seed=0), r"prob must be in \[0, 1\], got 1.5"),
        (lambda: connect.gaussian_prob((3, 3), (3, 3), 0.0, seed=0), "sigma must be > 0"),
        (lambda: connect.fixed_total_num(2, 2, 5, seed=0), "num = 5 exceeds"),
        (lambda: connect.grid(3, 3, neighbours=5), "neighbours must be 4 or 8"),
        (lambda: connect.fixed_prob(5, 4, 0.5, seed=0, pre_start=-1), r"pre_start must be in \[0, 2\^31\), got -1"),
        (lambda: connect.all_to_all(5, 4, post_start=-2), r"post_start must be in \[0, 2\^31\), got -2"),
        (lambda: connect.one_to_one(5, pre_start=2**40), r"pre_start must be in \[0, 2\^31\)"),
    ],
)
def test_errors_name_the_argument(call, needle):
    with pytest.raises(RuntimeError, match=needle):
        call()


def numpy_stdp(W, mask, pre, post, x, y, a_plus, a_minus, lo, hi):
    """The rule on a dense float64 matrix, from its definition."""
    W = W.copy()
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            if not mask[i, j]:
                continue
            if pre[i]:
                W[i, j] = min(hi, max(lo, W[i, j] - a_minus * y[j]))
            if post[j]:
                W[i, j] = min(hi, max(lo, W[i, j] + a_plus * x[i]))
    return W


@pytest.mark.parametrize("use_csc", [False, True])
def test_stdp_vs_numpy_reference(use_csc):
    n_pre, n_post, dt, tau_p, tau_m = 20, 15, 0.1, 2.0, 2.5
    indptr, indices = connect.fixed_prob(n_pre, n_post, 0.4, seed=4)
    csc = connect.csr_to_csc(indptr, indices, n_post) if use_csc else None
    g = torch.Generator().manual_seed(1)
    w = torch.rand(indices.numel(), generator=g, dtype=torch.float64)
    mask = dense(indptr, indices, n_post) > 0
    W = dense(indptr, indices, n_post, w)
    x, y = torch.zeros(n_pre, dtype=torch.float64), torch.zeros(n_post, dtype=torch.float64)
    xr, yr = np.zeros(n_pre), np.zeros(n_post)
    for _ in range(60):
        pre = torch.rand(n_pre, generator=g) < 0.2
        post = (torch.rand(n_post, generator=g) < 0.2).float()
        connect.stdp_trace_update_(x, pre, dt, tau_p)
        connect.stdp_trace_decay_(y, dt, tau_m)
        xr = xr * math.exp(-dt / tau_p) + pre.numpy()
        yr = yr * math.exp(-dt / tau_m)
        connect.stdp_csr_update_(indptr, indices, w, pre, post, x, y, 0.05, 0.06, 0.0, 1.0, csc=csc)
        connect.stdp_trace_add_(y, post)
        W = numpy_stdp(W, mask, pre.numpy(), post.numpy(), xr, yr, 0.05, 0.06, 0.0, 1.0)
        yr = yr + post.numpy()
    np.testing.assert_allclose(dense(indptr, indices, n_post, w), W, atol=1e-12)


def test_stdp_errors():
    indptr, indices = connect.all_to_all(3, 2)
    w = torch.zeros(6)
    with pytest.raises(RuntimeError, match="post_trace"):
        connect.stdp_csr_update_(indptr, indices, w, torch.zeros(3, dtype=torch.bool), torch.zeros(2),
                                 torch.zeros(3), torch.zeros(4), 0.1, 0.1, 0.0, 1.0)


@pytest.mark.parametrize("call, needle", [
    (lambda t: connect.stdp_trace_update_(t, torch.ones(1, dtype=torch.bool), 0.1, 1.0), "spikes must have the shape"),
    (lambda t: connect.stdp_trace_update_(t, torch.ones(3, dtype=torch.bool), -0.1, 1.0), "dt must be >= 0"),
    (lambda t: connect.stdp_trace_update_(t, torch.ones(3, dtype=torch.bool), 0.1, 0.0), "tau must be > 0"),
    (lambda t: connect.stdp_trace_update_(t, torch.ones(3, dtype=torch.bool), 0.1, float("nan")), "tau must be > 0"),
    (lambda t: connect.stdp_trace_decay_(t, -1.0, 1.0), "dt must be >= 0"),
    (lambda t: connect.stdp_trace_decay_(t, float("nan"), 1.0), "dt must be >= 0"),
    (lambda t: connect.stdp_trace_add_(t, torch.ones(2)), "spikes must have the shape"),
    (lambda t: connect.stdp_trace_add_(t, torch.ones(3, dtype=torch.int32)), "spikes must be bool, float32 or float64"),
    (lambda t: connect.stdp_trace_add_(t.long(), torch.ones(3)), "trace must be floating point"),
])
def test_stdp_trace_helpers_check_before_writing(call, needle):
    trace = torch.ones(3)
    with pytest.raises(RuntimeError, match=needle):
        call(trace)
    assert torch.equal(trace, torch.ones(3))  # a one-element spike vector is not broadcast


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_stdp_cuda_matches_cpu():
    indptr, indices = connect.fixed_prob(100, 90, 0.1, seed=5)
    csc = connect.csr_to_csc(indptr, indices, 90)
    w = torch.rand(indices.numel(), dtype=torch.float64)
    wg = w.cuda()
    pre, post = torch.rand(100) < 0.3, torch.rand(90) < 0.3
    x, y = torch.rand(100, dtype=torch.float64), torch.rand(90, dtype=torch.float64)
    connect.stdp_csr_update_(indptr, indices, w, pre, post, x, y, 0.1, 0.12, 0.0, 1.0, csc=csc)
    connect.stdp_csr_update_(indptr.cuda(), indices.cuda(), wg, pre.cuda(), post.cuda(), x.cuda(), y.cuda(), 0.1,
                             0.12, 0.0, 1.0, csc=tuple(t.cuda() for t in csc))
    torch.testing.assert_close(wg.cpu(), w, rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("use_csc", [False, True])
def test_stdp_opcheck_schema_and_fake(use_csc):
    # The schema must be honest: only `weights` (Tensor(a!)) is mutated.
    indptr, indices = connect.fixed_prob(12, 10, 0.5, seed=7)
    extra = tuple(connect.csr_to_csc(indptr, indices, 10)) if use_csc else ()
    args = (indptr, indices, torch.rand(indices.numel()), torch.rand(12) < 0.5, torch.rand(10) < 0.5,
            torch.rand(12), torch.rand(10), 0.1, 0.12, 0.0, 1.0) + extra
    torch.library.opcheck(torch.ops.braintorch.stdp_csr_update_.default, args,
                          test_utils=("test_schema", "test_faketensor"))


def test_stdp_tells_autograd_it_wrote_the_weights():
    indptr, indices = connect.fixed_prob(5, 4, 1.0, seed=1)
    args = (torch.ones(5, dtype=torch.bool), torch.ones(4, dtype=torch.bool), torch.ones(5), torch.ones(4),
            0.1, 0.3, 0.0, 1.0)
    w = torch.nn.Parameter(torch.full((indices.numel(),), 0.5))
    with pytest.raises(RuntimeError, match="weights requires grad"):
        connect.stdp_csr_update_(indptr, indices, w, *args)
    assert torch.equal(w.detach(), torch.full_like(w, 0.5))
    loss = (w * w).sum()  # saves w for backward
    version = w._version
    with torch.no_grad():
        connect.stdp_csr_update_(indptr, indices, w, *args)
    assert w._version > version
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()  # it would otherwise use the updated weights without a word


def test_fixed_prob_reserves_for_the_rows_it_has():
    # One pre neuron into 50M targets: 25M synapses (100 MB). Reserving a full block of 256 rows
    # (28 GB) would fail with bad_alloc on a 24 GB machine (with more memory, or overcommit set to
    # always, the untouched reservation would not fail: this test then passes either way).
    indptr, indices = connect.fixed_prob(1, 50_000_000, 0.5, seed=1)
    assert abs(indices.numel() - 25_000_000) < 5 * math.sqrt(50_000_000 * 0.25)
    assert indptr.tolist() == [0, indices.numel()]


def test_conversions_check_int64_indices_before_narrowing_and_do_not_alias():
    for convert in (lambda ip, ix: connect.csr_to_csc(ip, ix, 4), lambda ip, ix: connect.csr_to_coo(ip, ix)):
        with pytest.raises(RuntimeError, match=r"indices\[0\] = 4294967297 is out of range"):
            convert(torch.tensor([0, 1]), torch.tensor([2**32 + 1]))
    indptr, indices = connect.fixed_prob(6, 5, 0.5, seed=2)
    rows, cols = connect.csr_to_coo(indptr, indices)
    assert cols.data_ptr() != indices.data_ptr() and torch.equal(cols, indices)
    torch.library.opcheck(torch.ops.braintorch.csr_to_coo.default, (indptr, indices), test_utils=("test_schema",))


def test_grid_sizes_that_would_overflow_are_refused():
    for call in (lambda: connect.grid(2**32, 2**32), lambda: connect.grid(2**62, 4),
                 lambda: connect.gaussian_prob((2**32, 2**32), (1, 1), 1.0, 0)):
        with pytest.raises(RuntimeError, match="2\\^31 or more sites"):
            call()


def test_include_self_false_without_same_group_warns():
    # BrainPy removes (i, i) whatever the groups; here the flag needs same_group=True, and silently
    # keeping the autapses of ported code would be a surprise.
    with pytest.warns(UserWarning, match="include_self=False has no effect without same_group=True"):
        indptr, indices = connect.fixed_prob(4, 4, 1.0, seed=0, include_self=False)
    assert indices.numel() == 16  # the pairs (i, i) are kept: pre and post are different neurons
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert connect.fixed_prob(4, 4, 1.0, seed=0, same_group=True, include_self=False)[1].numel() == 12


def test_stdp_bumps_the_version_in_inference_mode_and_guards_inference_tensors():
    indptr, indices = connect.fixed_prob(5, 4, 1.0, seed=1)
    args = (torch.ones(5, dtype=torch.bool), torch.ones(4, dtype=torch.bool), torch.ones(5), torch.ones(4),
            0.1, 0.3, 0.0, 1.0)
    a = torch.ones(indices.numel(), requires_grad=True)
    w = torch.full((indices.numel(),), 0.5)
    loss = (a * w).sum()  # saves w for the gradient of a
    with torch.inference_mode():
        connect.stdp_csr_update_(indptr, indices, w, *args)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    with torch.inference_mode():
        w_inf = torch.full((indices.numel(),), 0.5)
        connect.stdp_csr_update_(indptr, indices, w_inf, *args)  # allowed inside inference mode
    before = w_inf.clone()
    with pytest.raises(RuntimeError, match="inference tensor"):
        connect.stdp_csr_update_(indptr, indices, w_inf, *args)
    assert torch.equal(w_inf, before)  # refused before anything was written


def test_trace_helpers_are_operators_with_their_schemas():
    for op, args in [(torch.ops.braintorch.stdp_trace_update_.default, (torch.rand(3), torch.ones(3) > 0.5, 0.1, 1.0)),
                     (torch.ops.braintorch.stdp_trace_decay_.default, (torch.rand(3), 0.1, 1.0)),
                     (torch.ops.braintorch.stdp_trace_add_.default, (torch.rand(3), torch.rand(3) - 0.5))]:
        torch.library.opcheck(op, args)
    trace = torch.tensor([1.0, 2.0])
    connect.stdp_trace_update_(trace, torch.tensor([0.5, -1.0]), 1.0, 2.0)
    torch.testing.assert_close(trace, torch.tensor([1.0, 2.0]) * math.exp(-0.5) + torch.tensor([1.0, 0.0]))
