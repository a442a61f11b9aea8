"""braintorch.ops.event_csr_matvec from Python.

Run with: PYTHONPATH=python_shim pytest tests/python

References are independent of the op: a dense float64 W assembled from the CSR with Python loops,
and plain torch matmuls of the event indicator with it.
"""

from __future__ import annotations

import itertools
import random

import pytest
import torch

import braintorch
from braintorch.ops import event_csr_matvec

# opcheck's schema test goes through torch.jit internals, which warn about their own deprecation.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

OP = torch.ops.braintorch.event_csr_matvec.default
BACKWARD_OP = torch.ops.braintorch.event_csr_matvec_backward.default


# ---------------------------------------------------------------- helpers


def random_csr(n_pre, n_post, p, seed, dup=False, p_empty=0.2):
    """CSR lists (indptr, indices); some rows empty, optionally a duplicated synapse in some rows."""
    rng = random.Random(seed)
    indptr, indices = [0], []
    for _ in range(n_pre):
        if rng.random() >= p_empty:
            indices += [j for j in range(n_post) if rng.random() < p]
            if dup and n_post > 0 and rng.random() < 0.5:
                indices.append(rng.randrange(n_post))
        indptr.append(len(indices))
    return indptr, indices


def dense_w(indptr, indices, weights, n_post):
    """Dense float64 (n_pre, n_post) matrix, by Python loops over the CSR."""
    w = [float(x) for x in weights.reshape(-1).tolist()]
    n_pre = len(indptr) - 1
    d = torch.zeros(n_pre, n_post, dtype=torch.float64)
    for i in range(n_pre):
        for k in range(indptr[i], indptr[i + 1]):
            d[i, indices[k]] += w[0] if len(w) == 1 else w[k]
    return d


def events(x):
    return (x.detach().to(torch.float64) > 0).to(torch.float64)


def reference(spikes, W, transpose):
    e = events(spikes)
    return e @ W.T if transpose else e @ W


def make_spikes(shape, pattern, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=g, dtype=torch.float64) * 3 - 1  # values in (-1, 2): > 0 decides
    if pattern == "none":
        x = -x.abs()
    elif pattern == "all":
        x = x.abs() + 0.25
    return x > 0 if dtype == torch.bool else x.to(dtype)


def make_case(n_pre, n_post, seed, homogeneous, wdtype=torch.float64, ptr=torch.int64, idx=torch.int32, dup=True):
    ip, ix = random_csr(n_pre, n_post, 0.3, seed, dup=dup)
    g = torch.Generator().manual_seed(seed + 1)
    nnz = len(ix)
    w = torch.rand(1 if homogeneous else nnz, generator=g, dtype=torch.float64) * 3 - 1
    return (torch.tensor(ip, dtype=ptr), torch.tensor(ix, dtype=idx), w.to(wdtype), dense_w(ip, ix, w, n_post))


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == torch.float32 else dict(rtol=1e-11, atol=1e-11)


# ---------------------------------------------------------------- loading


def test_import_loads_the_library():
    assert hasattr(torch.ops.braintorch, "event_csr_matvec")
    assert hasattr(torch.ops.braintorch, "event_csr_matvec_backward")
    assert braintorch.event_csr_matvec is event_csr_matvec
    # Exactly one fake implementation: the Python register_fake (which torch installs at the Meta key);
    # the C++ library registers CPU, CUDA and Autograd kernels but nothing at Meta.
    for name in ("event_csr_matvec", "event_csr_matvec_backward"):
        table = torch._C._dispatch_dump(f"braintorch::{name}")
        meta = [line for line in table.splitlines() if line.startswith("Meta:")]
        assert len(meta) == 1 and "torch/library.py" in meta[0], table
        assert any(line.startswith("Autograd") and ".cpp" in line for line in table.splitlines()), table
        assert any(line.startswith("CPU:") for line in table.splitlines()), table


# ---------------------------------------------------------------- forward

SIZES = [(1, 1), (7, 5), (40, 23), (0, 4), (5, 0)]


@pytest.mark.parametrize("n_pre,n_post", SIZES)
@pytest.mark.parametrize("homogeneous", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_forward_matches_dense(n_pre, n_post, homogeneous, transpose):
    seed = 100 * n_pre + n_post
    for wdtype, (ptr, idx), sdtype, batch, pattern in itertools.product(
        [torch.float32, torch.float64],
        [(torch.int32, torch.int32), (torch.int64, torch.int64), (torch.int64, torch.int32)],
        [torch.bool, torch.float32, torch.float64],
        [False, True],
        ["random", "none", "all"],
    ):
        indptr, indices, w, W = make_case(n_pre, n_post, seed, homogeneous, wdtype, ptr, idx)
        n_in = n_post if transpose else n_pre
        shape = (3, n_in) if batch else (n_in,)
        s = make_spikes(shape, pattern, seed, sdtype)
        out = event_csr_matvec(s, indptr, indices, w, n_post, transpose)
        ref = reference(s, W, transpose)
        assert out.dtype == wdtype
        assert out.shape == ref.shape
        torch.testing.assert_close(out.to(torch.float64), ref, **tol(wdtype))
        if pattern == "none":
            assert out.abs().sum().item() == 0


def test_non_contiguous_inputs():
    indptr, indices, w, W = make_case(30, 20, 5, homogeneous=False)
    s = make_spikes((30, 4), "random", 6, torch.float32).T
    w_strided = torch.zeros(2 * w.numel(), dtype=w.dtype)[::2]
    w_strided.copy_(w)
    idx_strided = torch.zeros(2 * indices.numel(), dtype=indices.dtype)[::2]
    idx_strided.copy_(indices)
    assert not s.is_contiguous() and not w_strided.is_contiguous() and not idx_strided.is_contiguous()
    torch.testing.assert_close(event_csr_matvec(s, indptr, idx_strided, w_strided, 20), reference(s, W, False))
    v = make_spikes((20, 4), "random", 7, torch.float64).T
    torch.testing.assert_close(event_csr_matvec(v, indptr, idx_strided, w_strided, 20, True), reference(v, W, True))


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("homogeneous", [True, False])
def test_input_and_weight_gradients_match_dense(transpose, homogeneous):
    indptr, indices, w0, W = make_case(25, 18, 11, homogeneous)
    n_in, n_out = (18, 25) if transpose else (25, 18)
    s = make_spikes((4, n_in), "random", 12, torch.float64).requires_grad_(True)
    w = w0.clone().requires_grad_(True)
    g = torch.randn(4, n_out, dtype=torch.float64, generator=torch.Generator().manual_seed(13))
    out = event_csr_matvec(s, indptr, indices, w, 18, transpose)
    gs, gw = torch.autograd.grad(out, (s, w), g)
    # Straight-through input gradient: the transposed dense product.
    torch.testing.assert_close(gs, g @ W if transpose else g @ W.T)
    # Weight gradient from the dense product with the count matrix (weights = 1) per synapse.
    e = events(s)
    ip, ix = indptr.tolist(), indices.tolist()
    ref = torch.zeros(len(ix), dtype=torch.float64)
    for i in range(len(ip) - 1):
        for k in range(ip[i], ip[i + 1]):
            j = ix[k]
            ref[k] = (g[:, i] * e[:, j]).sum() if transpose else (e[:, i] * g[:, j]).sum()
    if homogeneous:
        ref = ref.sum().reshape(1)
    torch.testing.assert_close(gw, ref)


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("homogeneous", [True, False])
def test_gradcheck(transpose, homogeneous):
    indptr, indices, w, _ = make_case(6, 5, 21, homogeneous)
    n_in = 5 if transpose else 6
    # gradcheck perturbs the spikes by ~1e-6: keep them away from the event threshold 0.
    s = make_spikes((2, n_in), "random", 22, torch.float64)
    s = torch.where(s.abs() < 0.1, torch.full_like(s, 0.5), s).requires_grad_(True)
    w = w.clone().requires_grad_(True)
    # Weights: exact (the op is linear in them). Spikes: the op is piecewise constant in s, so the
    # numerical Jacobian is 0 while the analytical one is the straight-through product; check weights
    # alone, and spikes through a function whose float product has the same Jacobian by construction.
    assert torch.autograd.gradcheck(lambda w_: event_csr_matvec(s.detach(), indptr, indices, w_, 5, transpose), (w,))
    # Straight-through: the gradient of the op wrt s is the gradient of the float product s -> s @ W
    # (transpose: s @ W.T), i.e. g @ W.T (transpose: g @ W), computed here from the dense float64 W.
    W = dense_w(indptr.tolist(), indices.tolist(), w.detach(), 5)
    g = torch.randn(2, 6 if transpose else 5, dtype=torch.float64, generator=torch.Generator().manual_seed(23))
    gs = torch.autograd.grad(event_csr_matvec(s, indptr, indices, w.detach(), 5, transpose), s, g)[0]
    torch.testing.assert_close(gs, g @ (W if transpose else W.T), rtol=0, atol=1e-12)


def test_bool_spikes_get_no_gradient_and_double_backward_raises():
    indptr, indices, w0, _ = make_case(6, 5, 31, homogeneous=False)
    w = w0.clone().requires_grad_(True)
    out = event_csr_matvec(make_spikes((6,), "all", 32, torch.bool), indptr, indices, w, 5)
    out.sum().backward()
    assert w.grad is not None
    s = make_spikes((6,), "random", 33, torch.float64).requires_grad_(True)
    out = event_csr_matvec(s, indptr, indices, w, 5)
    (gw,) = torch.autograd.grad(out.pow(2).sum(), w, create_graph=True)
    with pytest.raises(RuntimeError, match="braintorch::event_csr_matvec does not support double backward"):
        torch.autograd.grad(gw.sum(), w)


def test_backward_op_convention_for_unrequested_outputs():
    indptr, indices, w, _ = make_case(6, 5, 41, homogeneous=True)
    s = make_spikes((2, 6), "random", 42, torch.float32)
    gs, gw = BACKWARD_OP(torch.ones(2, 5, dtype=w.dtype), s, indptr, indices, w, 5, False, [False, True])
    assert gs.shape == (0,) and gs.dtype == w.dtype
    assert gw.shape == w.shape
    gs, gw = BACKWARD_OP(torch.ones(2, 5, dtype=w.dtype), s, indptr, indices, w, 5, False, [True, False])
    assert gs.shape == s.shape and gs.dtype == s.dtype
    assert gw.shape == (0,)


# ---------------------------------------------------------------- opcheck / compile


def _opcheck_cases():
    cases = []
    for transpose, homogeneous, sdtype in [
        (False, False, torch.float64),
        (False, True, torch.float64),
        (True, False, torch.float64),
        (True, True, torch.float32),
        (False, False, torch.bool),
    ]:
        indptr, indices, w, _ = make_case(9, 7, 51, homogeneous, wdtype=torch.float64)
        n_in = 7 if transpose else 9
        s = make_spikes((3, n_in), "random", 52, sdtype)
        if sdtype != torch.bool:
            s.requires_grad_(True)
        w.requires_grad_(True)
        cases.append(((s, indptr, indices, w, 7, transpose), f"t{int(transpose)}-h{int(homogeneous)}-{sdtype}"))
    # 1-D spikes, int32 everywhere, weights not requiring grad
    indptr, indices, w, _ = make_case(9, 7, 53, False, wdtype=torch.float32, ptr=torch.int32)
    cases.append(((make_spikes((9,), "random", 54, torch.float32), indptr, indices, w, 7, False), "1d-int32"))
    return cases


@pytest.mark.parametrize("args,name", _opcheck_cases(), ids=[c[1] for c in _opcheck_cases()])
def test_opcheck(args, name):
    torch.library.opcheck(OP, args)  # all default test_utils


def test_opcheck_backward_op():
    indptr, indices, w, _ = make_case(9, 7, 61, False)
    s = make_spikes((3, 9), "random", 62, torch.float64)
    g = torch.randn(3, 7, dtype=torch.float64)
    torch.library.opcheck(BACKWARD_OP, (g, s, indptr, indices, w, 7, False, [True, True]),
                          test_utils=("test_schema", "test_faketensor"))
    torch.library.opcheck(BACKWARD_OP, (g, s, indptr, indices, w, 7, False, [False, True]),
                          test_utils=("test_schema", "test_faketensor"))


def test_torch_compile_fullgraph():
    indptr, indices, w0, W = make_case(20, 15, 71, False)

    def f(s, w):
        return torch.tanh(event_csr_matvec(s, indptr, indices, w, 15)).sum(dim=-1)

    compiled = torch.compile(f, fullgraph=True)
    s = make_spikes((4, 20), "random", 72, torch.float64).requires_grad_(True)
    w = w0.clone().requires_grad_(True)
    out = compiled(s, w)
    torch.testing.assert_close(out, torch.tanh(reference(s, W, False)).sum(dim=-1))
    gs, gw = torch.autograd.grad(out.sum(), (s, w))
    gs_eager, gw_eager = torch.autograd.grad(f(s, w).sum(), (s, w))
    torch.testing.assert_close(gs, gs_eager)
    torch.testing.assert_close(gw, gw_eager)


# ---------------------------------------------------------------- errors


def _good():
    return dict(spikes=torch.ones(3), indptr=torch.tensor([0, 1, 2, 3]), indices=torch.tensor([0, 1, 1]),
                weights=torch.ones(3), n_post=2, transpose=False)


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(spikes=torch.ones(3, dtype=torch.int32)), "spikes must be bool, float32 or float64"),
        (dict(weights=torch.ones(3, dtype=torch.int64)), "weights must be float32 or float64"),
        (dict(indptr=torch.tensor([0.0, 1.0, 2.0, 3.0])), "indptr must be int32 or int64"),
        (dict(spikes=torch.ones(4)), "spikes has last dimension 4"),
        (dict(transpose=True), "spikes has last dimension 3"),
        (dict(indices=torch.tensor([0, 2, 1])), r"indices\[1\] = 2 is out of range"),
        (dict(indptr=torch.tensor([0, 2, 1, 3])), "indptr must be non-decreasing"),
        # Only rows 0 and 2 are read: each is in range on its own, but they overlap (synapse 1 in both).
        (dict(spikes=torch.tensor([1.0, 0.0, 1.0]), indptr=torch.tensor([0, 2, 1, 3])),
         "an earlier row ends at 2"),
        (dict(n_post=0), "n_post = 0 and nnz = 3"),
        (dict(weights=torch.ones(2)), r"weights must have 1 element \(homogeneous\) or nnz"),
        (dict(n_post=-1), "n_post must be >= 0"),
    ],
)
def test_bad_input_errors_name_the_argument(change, message):
    a = _good()
    event_csr_matvec(**a)
    a.update(change)
    with pytest.raises(RuntimeError, match=message):
        event_csr_matvec(**a)


# ---------------------------------------------------------------- CUDA

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@cuda
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("homogeneous", [True, False])
def test_cuda_matches_cpu(transpose, homogeneous):
    indptr, indices, w0, W = make_case(300, 200, 81, homogeneous)
    n_in = 200 if transpose else 300
    s = make_spikes((5, n_in), "random", 82, torch.float64).requires_grad_(True)
    w = w0.clone().requires_grad_(True)
    out = event_csr_matvec(s, indptr, indices, w, 200, transpose)
    sc = s.detach().cuda().requires_grad_(True)
    wc = w0.cuda().requires_grad_(True)
    outc = event_csr_matvec(sc, indptr.cuda(), indices.cuda(), wc, 200, transpose)
    torch.testing.assert_close(outc.cpu(), out)
    g = torch.randn_like(out)
    grads = torch.autograd.grad(out, (s, w), g)
    gradsc = torch.autograd.grad(outc, (sc, wc), g.cuda())
    for a, b in zip(gradsc, grads):
        torch.testing.assert_close(a.cpu(), b)


@cuda
def test_cuda_opcheck():
    indptr, indices, w, _ = make_case(9, 7, 91, False)
    s = make_spikes((3, 9), "random", 92, torch.float64).cuda().requires_grad_(True)
    torch.library.opcheck(OP, (s, indptr.cuda(), indices.cuda(), w.cuda().requires_grad_(True), 7, False))
