"""braintorch.sparse_ops (csr_matvec, event_dense_matvec, fcn_matvec, event_fcn_matvec) from Python.

References are independent of the ops: dense float64 matrices assembled with Python loops and plain
torch matmuls.
"""

from __future__ import annotations

import random

import pytest
import torch

import braintorch  # noqa: F401  (loads the library and the fakes)
from braintorch import sparse_ops
from braintorch.sparse_ops import csr_matvec, event_dense_matvec, event_fcn_matvec, fcn_matvec

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

OPS = torch.ops.braintorch


# ---------------------------------------------------------------- helpers


def random_rows(n_pre, n_post, seed, n_conn=None, p=0.3):
    """Target lists per row: Bernoulli(p) (some rows empty) or exactly n_conn with replacement."""
    rng = random.Random(seed)
    if n_conn is not None:
        return [[rng.randrange(n_post) for _ in range(n_conn)] for _ in range(n_pre)]
    rows = []
    for _ in range(n_pre):
        rows.append([] if rng.random() < 0.2 else [j for j in range(n_post) if rng.random() < p])
    return rows


def csr_of(rows, dtype=torch.int64):
    indptr = [0]
    for r in rows:
        indptr.append(indptr[-1] + len(r))
    return torch.tensor(indptr, dtype=dtype), torch.tensor([j for r in rows for j in r], dtype=dtype)


def dense_of(rows, w, n_post):
    """Dense float64 W by Python loops; w has 1 element or one per synapse (row order)."""
    w = [float(x) for x in w.reshape(-1).tolist()]
    d = torch.zeros(len(rows), n_post, dtype=torch.float64)
    k = 0
    for i, r in enumerate(rows):
        for j in r:
            d[i, j] += w[0] if len(w) == 1 else w[k]
            k += 1
    return d


def events(x):
    return (x.detach().to(torch.float64) > 0).to(torch.float64)


def product(x, W, transpose):
    x = x.detach().to(torch.float64)
    return x @ W.T if transpose else x @ W


def spikes(shape, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=g, dtype=torch.float64) * 3 - 1
    return x > 0 if dtype == torch.bool else x.to(dtype)


# ---------------------------------------------------------------- forward vs dense reference


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize("homogeneous", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n_pre, n_post", [(11, 8), (1, 5), (6, 1), (0, 4)])  # incl. one neuron, none
def test_csr_and_fcn_match_dense(transpose, batch, homogeneous, dtype, n_pre, n_post):
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == torch.float32 else dict(rtol=1e-12, atol=1e-12)
    for layout in ("csr", "fcn"):
        rows = random_rows(n_pre, n_post, 3, n_conn=4 if layout == "fcn" else None)
        nnz = sum(len(r) for r in rows)
        w = torch.rand(1 if homogeneous else nnz, dtype=torch.float64).to(dtype)
        W = dense_of(rows, w, n_post)
        n_in = n_post if transpose else n_pre
        shape = (3, n_in) if batch else (n_in,)
        x = torch.randn(shape, dtype=dtype)
        s = spikes(shape, 5, torch.float32)
        if layout == "csr":
            indptr, indices = csr_of(rows)
            out = csr_matvec(x, indptr, indices, w, n_post, transpose)
        else:
            indices = torch.tensor(rows, dtype=torch.int32).reshape(n_pre, 4)
            wf = w if homogeneous else w.reshape(n_pre, 4)
            out = fcn_matvec(x, indices, wf, n_post, transpose)
            out_e = event_fcn_matvec(s, indices, wf, n_post, transpose)
            torch.testing.assert_close(out_e.double(), product(events(s), W, transpose), **tol)
        torch.testing.assert_close(out.double(), product(x, W, transpose), **tol)


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("sdtype", [torch.bool, torch.float32])
@pytest.mark.parametrize("n_pre, n_post", [(9, 13), (1, 4), (5, 1), (0, 3)])  # incl. one neuron, none
def test_event_dense_matches_dense(transpose, sdtype, n_pre, n_post):
    W = torch.randn(n_pre, n_post, dtype=torch.float64)
    s = spikes((4, n_post if transpose else n_pre), 7, sdtype)
    torch.testing.assert_close(event_dense_matvec(s, W, transpose), product(events(s), W, transpose))
    none = torch.zeros(n_post if transpose else n_pre, dtype=sdtype)
    assert event_dense_matvec(none, W, transpose).abs().sum() == 0
    every = torch.ones(n_post if transpose else n_pre, dtype=sdtype)
    torch.testing.assert_close(event_dense_matvec(every, W, transpose), product(every, W, transpose))


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("homogeneous", [False, True])
def test_gradcheck(transpose, homogeneous):
    n_pre, n_post = 6, 5
    rows = random_rows(n_pre, n_post, 11)
    indptr, indices = csr_of(rows)
    nnz = len(indices)
    w = torch.rand(1 if homogeneous else nnz, dtype=torch.float64, requires_grad=True)
    x = torch.randn(2, n_post if transpose else n_pre, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x_, w_: csr_matvec(x_, indptr, indices, w_, n_post, transpose), (x, w))

    frows = random_rows(n_pre, n_post, 12, n_conn=3)
    fidx = torch.tensor(frows).reshape(n_pre, 3)
    fw = torch.rand(1 if homogeneous else (n_pre, 3), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x_, w_: fcn_matvec(x_, fidx, w_, n_post, transpose), (x, fw))
    # event ops: w.r.t. the weights (spikes kept away from the event threshold)
    s = spikes((2, n_post if transpose else n_pre), 13, torch.float64)
    s = torch.where(s > 0, s + 0.5, s - 0.5)
    assert torch.autograd.gradcheck(lambda w_: event_fcn_matvec(s, fidx, w_, n_post, transpose), (fw,))
    Wd = torch.randn(n_pre, n_post, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w_: event_dense_matvec(s, w_, transpose), (Wd,))


@pytest.mark.parametrize("transpose", [False, True])
def test_event_straight_through_gradients(transpose):
    """Float spikes get the gradient of the float product with the same weights."""
    n_pre, n_post = 7, 6
    W = torch.randn(n_pre, n_post, dtype=torch.float64)
    s = spikes((3, n_post if transpose else n_pre), 21, torch.float64).requires_grad_(True)
    g = torch.randn(3, n_pre if transpose else n_post, dtype=torch.float64)
    (gs,) = torch.autograd.grad(event_dense_matvec(s, W, transpose), s, g)
    torch.testing.assert_close(gs, g @ W if transpose else g @ W.T)
    rows = random_rows(n_pre, n_post, 22, n_conn=2)
    idx = torch.tensor(rows).reshape(n_pre, 2)
    w = torch.randn(n_pre, 2, dtype=torch.float64)
    Wf = dense_of(rows, w, n_post)
    (gs,) = torch.autograd.grad(event_fcn_matvec(s, idx, w, n_post, transpose), s, g)
    torch.testing.assert_close(gs, g @ Wf if transpose else g @ Wf.T)
    # bool spikes: no gradient, weights still get one
    sb = s.detach() > 0
    wr = w.clone().requires_grad_(True)
    out = event_fcn_matvec(sb, idx, wr, n_post, transpose)
    (gw,) = torch.autograd.grad(out, wr, g)
    assert gw.shape == wr.shape


def test_double_backward_raises():
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    indptr, indices = csr_of([[0, 1], [1], []])
    w = torch.rand(3, dtype=torch.float64)
    (gx,) = torch.autograd.grad((csr_matvec(x, indptr, indices, w, 2) ** 2).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="csr_matvec does not support double backward"):
        torch.autograd.grad(gx.sum(), x)


# ---------------------------------------------------------------- opcheck / compile


def _op_cases():
    rows = random_rows(9, 7, 31)
    indptr, indices = csr_of(rows)
    nnz = len(indices)
    frows = random_rows(9, 7, 32, n_conn=3)
    fidx = torch.tensor(frows, dtype=torch.int32).reshape(9, 3)
    cases = []
    for transpose in (False, True):
        n_in = 7 if transpose else 9
        x = torch.randn(3, n_in, dtype=torch.float64, requires_grad=True)
        s = spikes((3, n_in), 33, torch.float64).requires_grad_(True)
        sb = spikes((n_in,), 34, torch.bool)
        w = torch.rand(nnz, dtype=torch.float64, requires_grad=True)
        fw = torch.rand(9, 3, dtype=torch.float64, requires_grad=True)
        W = torch.randn(9, 7, dtype=torch.float64, requires_grad=True)
        t = f"t{int(transpose)}"
        cases += [
            (OPS.csr_matvec.default, (x, indptr, indices, w, 7, transpose), f"csr-{t}"),
            (OPS.csr_matvec.default, (x.detach().float(), indptr.int(), indices, torch.ones(1), 7, transpose),
             f"csr-homog-f32-{t}"),
            (OPS.fcn_matvec.default, (x, fidx, fw, 7, transpose), f"fcn-{t}"),
            (OPS.event_fcn_matvec.default, (s, fidx, fw, 7, transpose), f"efcn-{t}"),
            (OPS.event_fcn_matvec.default, (sb, fidx.long(), torch.ones(1, requires_grad=True), 7, transpose),
             f"efcn-bool-homog-{t}"),
            (OPS.event_dense_matvec.default, (s, W, transpose), f"edense-{t}"),
            (OPS.event_dense_matvec.default, (sb, W.detach().float().requires_grad_(True), transpose),
             f"edense-bool-{t}"),
        ]
    return cases


@pytest.mark.parametrize("op,args,name", _op_cases(), ids=[c[2] for c in _op_cases()])
def test_opcheck(op, args, name):
    torch.library.opcheck(op, args)


def test_opcheck_backward_ops():
    rows = random_rows(9, 7, 41)
    indptr, indices = csr_of(rows)
    w = torch.rand(len(indices), dtype=torch.float64)
    fidx = torch.tensor(random_rows(9, 7, 42, n_conn=3)).reshape(9, 3)
    fw = torch.rand(9, 3, dtype=torch.float64)
    W = torch.randn(9, 7, dtype=torch.float64)
    x = torch.randn(3, 9, dtype=torch.float64)
    g = torch.randn(3, 7, dtype=torch.float64)
    utils = ("test_schema", "test_faketensor")
    for mask in ([True, True], [False, True], [True, False]):
        torch.library.opcheck(OPS.csr_matvec_backward.default, (g, x, indptr, indices, w, 7, False, mask), test_utils=utils)
        torch.library.opcheck(OPS.fcn_matvec_backward.default, (g, x, fidx, fw, 7, False, mask), test_utils=utils)
        torch.library.opcheck(OPS.event_fcn_matvec_backward.default, (g, x, fidx, fw, 7, False, mask), test_utils=utils)
        torch.library.opcheck(OPS.event_dense_matvec_backward.default, (g, x, W, False, mask), test_utils=utils)


def test_torch_compile_fullgraph():
    rows = random_rows(10, 8, 51)
    indptr, indices = csr_of(rows)
    fidx = torch.tensor(random_rows(10, 8, 52, n_conn=3)).reshape(10, 3)

    def f(x, s, w, fw, W):
        a = csr_matvec(x, indptr, indices, w, 8)
        b = fcn_matvec(x, fidx, fw, 8) + event_fcn_matvec(s, fidx, fw, 8)
        c = event_dense_matvec(s, W) + event_dense_matvec(a, W, transpose=True).sum(-1, keepdim=True)
        return torch.tanh(a + b + c).sum()

    x = torch.randn(4, 10, dtype=torch.float64, requires_grad=True)
    s = spikes((4, 10), 53, torch.float64).requires_grad_(True)
    w = torch.rand(len(indices), dtype=torch.float64, requires_grad=True)
    fw = torch.rand(10, 3, dtype=torch.float64, requires_grad=True)
    W = torch.randn(10, 8, dtype=torch.float64, requires_grad=True)
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    out = compiled(x, s, w, fw, W)
    torch.testing.assert_close(out, f(x, s, w, fw, W))
    grads = torch.autograd.grad(out, (x, s, w, fw, W))
    grads_eager = torch.autograd.grad(f(x, s, w, fw, W), (x, s, w, fw, W))
    for a, b in zip(grads, grads_eager):
        torch.testing.assert_close(a, b)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: csr_matvec(torch.ones(2, dtype=torch.int32), torch.tensor([0, 1, 2]), torch.tensor([0, 1]),
                            torch.ones(2), 2), "x must be float32 or float64"),
        (lambda: csr_matvec(torch.ones(2, dtype=torch.float64), torch.tensor([0, 1, 2]), torch.tensor([0, 1]),
                            torch.ones(2), 2), "x has dtype"),
        (lambda: csr_matvec(torch.ones(2), torch.tensor([0, 1, 2]), torch.tensor([0, 3]), torch.ones(2), 2),
         r"indices\[1\] = 3 is out of range"),
        (lambda: fcn_matvec(torch.ones(2), torch.tensor([[0], [5]]), torch.ones(2, 1), 2),
         r"indices\[1, 0\] = 5 is out of range"),
        (lambda: fcn_matvec(torch.ones(2), torch.tensor([0, 1]), torch.ones(2), 2), "indices must be 2-D"),
        (lambda: event_fcn_matvec(torch.ones(3), torch.tensor([[0], [1]]), torch.ones(2, 1), 2),
         "spikes has last dimension 3"),
        (lambda: event_fcn_matvec(torch.ones(2), torch.tensor([[0], [1]]), torch.ones(3), 2),
         "weights must have 1 element"),
        (lambda: fcn_matvec(torch.ones(2), torch.tensor([[0], [1]]), torch.ones(2, 1), -1), "n_post must be >= 0"),
        (lambda: event_dense_matvec(torch.ones(2), torch.ones(6)), "weights must be a 2-D"),
        (lambda: event_dense_matvec(torch.ones(2, dtype=torch.int64), torch.ones(2, 3)), "spikes must be bool"),
    ],
)
def test_bad_input_errors_name_the_argument(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


# ---------------------------------------------------------------- layers


def test_layers_match_ops_and_train():
    rows = random_rows(12, 9, 61)
    indptr, indices = csr_of(rows)
    w = torch.rand(len(indices), dtype=torch.float64)
    W = dense_of(rows, w, 9)
    x = torch.randn(5, 12, dtype=torch.float64)
    s = spikes((5, 12), 62, torch.bool)

    csr = sparse_ops.CSRLinear(indptr, indices, w, 9)
    torch.testing.assert_close(csr(x), x @ W)
    ecsr = sparse_ops.EventCSRLinear(indptr, indices, w, 9)
    torch.testing.assert_close(ecsr(s), events(s) @ W)
    dense = sparse_ops.EventDenseLinear(W)
    torch.testing.assert_close(dense(s), events(s) @ W)
    frows = random_rows(12, 9, 63, n_conn=4)
    fidx = torch.tensor(frows).reshape(12, 4)
    fw = torch.rand(12, 4, dtype=torch.float64)
    Wf = dense_of(frows, fw, 9)
    torch.testing.assert_close(sparse_ops.FCNLinear(fidx, fw, 9)(x), x @ Wf)
    efcn = sparse_ops.EventFCNLinear(fidx, fw, 9, transpose=True)
    v = spikes((5, 9), 64, torch.float64)
    torch.testing.assert_close(efcn(v), events(v) @ Wf.T)

    # parameters and buffers: weights train, structure is saved but not a parameter
    for layer in (csr, ecsr, dense, efcn):
        assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert set(dict(csr.named_buffers())) == {"indptr", "indices"}
    assert set(csr.state_dict()) == {"weight", "indptr", "indices"}
    loss = csr(x).pow(2).sum()
    loss.backward()
    assert csr.weight.grad is not None and csr.weight.grad.shape == csr.weight.shape
    with pytest.raises(ValueError, match="indices must be 2-D"):
        sparse_ops.FCNLinear(torch.tensor([0, 1]), torch.ones(2), 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    rows = random_rows(30, 20, 71)
    indptr, indices = csr_of(rows)
    w = torch.rand(len(indices), dtype=torch.float64)
    x = torch.randn(3, 30, dtype=torch.float64)
    torch.testing.assert_close(csr_matvec(x.cuda(), indptr.cuda(), indices.cuda(), w.cuda(), 20).cpu(),
                               csr_matvec(x, indptr, indices, w, 20))
    fidx = torch.tensor(random_rows(30, 20, 72, n_conn=5)).reshape(30, 5)
    fw = torch.rand(30, 5, dtype=torch.float64)
    s = spikes((3, 30), 73, torch.bool)
    torch.testing.assert_close(event_fcn_matvec(s.cuda(), fidx.cuda(), fw.cuda(), 20).cpu(),
                               event_fcn_matvec(s, fidx, fw, 20))
    W = torch.randn(30, 20, dtype=torch.float64)
    torch.testing.assert_close(event_dense_matvec(s.cuda(), W.cuda()).cpu(), event_dense_matvec(s, W))
    torch.library.opcheck(OPS.fcn_matvec.default, (x.cuda(), fidx.cuda(), fw.cuda().requires_grad_(True), 20, False))


def test_fake_kernels_refuse_mixed_devices():
    # A meta tensor next to a CPU one reaches the fake kernel; it must raise as the CPU kernel would,
    # not return an uninitialised CPU tensor.
    cases = [
        lambda: torch.ops.braintorch.event_dense_matvec(torch.ones(3), torch.ones(3, 4, device="meta"), False),
        lambda: torch.ops.braintorch.event_csr_matvec(torch.ones(3), torch.tensor([0, 1, 2, 3]),
                                                     torch.tensor([0, 1, 1]), torch.ones(3, device="meta"), 2, False),
        lambda: torch.ops.braintorch.jitc_matvec(torch.ones(3), torch.tensor(1.0, device="meta"),
                                                torch.tensor(0.0, device="meta"), 1, 0.5, 3, 2, "homo", False),
    ]
    for call in cases:
        with pytest.raises(RuntimeError, match="same device"):
            call()


def test_csr_layer_names_a_malformed_indptr():
    for indptr in (torch.tensor([], dtype=torch.int64), torch.zeros(2, 2, dtype=torch.int64)):
        with pytest.raises(ValueError, match="indptr must be 1-D with n_pre \\+ 1 >= 1 entries"):
            sparse_ops.CSRLinear(indptr, torch.tensor([], dtype=torch.int32), torch.ones(1), 5)


def test_backward_fake_kernels_check_grad_out():
    meta = dict(device="meta")
    s, w = torch.ones(2, 3, **meta), torch.ones(3, 4, **meta)
    backward = torch.ops.braintorch.event_dense_matvec_backward
    backward(torch.ones(2, 4, **meta), s, w, False, [True, True])  # the output shape (2, 4): accepted
    with pytest.raises(RuntimeError, match=r"grad_out must have the output shape \(2, 4\)"):
        backward(torch.ones(2, 3, **meta), s, w, False, [True, True])
    x = torch.ones(3, **meta)
    jit_backward = torch.ops.braintorch.jitc_matvec_backward
    with pytest.raises(RuntimeError, match="grad_out is on cpu but the input is on meta"):
        jit_backward(torch.ones(2), x, torch.tensor(1.0, **meta), torch.tensor(0.0, **meta), 1, 0.5, 3, 2, "homo",
                     False, False, [True, True, True])
