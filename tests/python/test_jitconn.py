"""braintorch.jitconn (JIT connectivity operators and layers) from Python.

References: the materialised matrix from jitc_to_dense (itself checked against the statistics and the
bitwise determinism in tests/cpp/test_jitc_ops.cpp) with plain float64 torch matmuls.
"""

from __future__ import annotations

import itertools

import pytest
import torch

import braintorch
from braintorch.jitconn import (
    EventJitFixedProbLinear,
    JitFixedProbLinear,
    event_jitc_matvec,
    jitc_matvec,
    jitc_to_dense,
)

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

OPS = torch.ops.braintorch
KINDS = {"homo": (0.7, 0.0), "uniform": (-0.5, 1.5), "normal": (0.3, 0.8)}


def params(kind, dtype=torch.float64, requires_grad=False):
    a, c = KINDS[kind]
    return (torch.tensor(a, dtype=dtype, requires_grad=requires_grad),
            torch.tensor(c, dtype=dtype, requires_grad=requires_grad))


def dense(kind, seed, prob, n_pre, n_post, dtype=torch.float64):
    w0, w1 = params(kind, dtype)
    return jitc_to_dense(w0, w1, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind).to(torch.float64)


def test_package_exports_module():
    assert braintorch.jitconn.jitc_matvec is jitc_matvec


@pytest.mark.parametrize("kind,transpose,events,batch",
                         list(itertools.product(KINDS, [False, True], [False, True], [False, True])))
def test_products_match_dense(kind, transpose, events, batch):
    n_pre, n_post, seed, prob = 19, 13, 3, 0.35
    W = dense(kind, seed, prob, n_pre, n_post)
    n_in = n_post if transpose else n_pre
    torch.manual_seed(1)
    x = torch.rand((4, n_in) if batch else (n_in,), dtype=torch.float64) * 2 - 0.6
    w0, w1 = params(kind)
    fn = event_jitc_matvec if events else jitc_matvec
    out = fn(x, w0, w1, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind, transpose=transpose)
    xv = (x > 0).double() if events else x
    ref = xv @ W.T if transpose else xv @ W
    torch.testing.assert_close(out, ref, rtol=1e-11, atol=1e-11)
    if events:  # bool spikes give the same result
        out_b = fn(x > 0, w0, w1, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind, transpose=transpose)
        torch.testing.assert_close(out_b, ref, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("prob", [1e-17, 1e-300, 5e-324])
def test_probability_below_double_resolution_connects_nothing(prob):
    # 1 - prob == 1 here; forming it made the skip -inf and the op wrote far outside its output.
    W = dense("homo", seed=3, prob=prob, n_pre=20, n_post=15)
    assert W.count_nonzero() == 0
    w0, w1 = params("homo")
    y = event_jitc_matvec(torch.ones(20, dtype=torch.bool), w0, w1, seed=3, prob=prob, n_pre=20, n_post=15, kind="homo")
    assert y.count_nonzero() == 0


def test_transpose_is_exact_transpose_and_float32():
    w0, w1 = params("normal", torch.float32)
    W = jitc_to_dense(w0, w1, seed=9, prob=0.2, n_pre=50, n_post=30, kind="normal")
    assert W.dtype == torch.float32
    assert torch.equal(jitc_matvec(torch.eye(50), w0, w1, seed=9, prob=0.2, n_pre=50, n_post=30, kind="normal"), W)
    eye = torch.eye(30)
    assert torch.equal(jitc_matvec(eye, w0, w1, seed=9, prob=0.2, n_pre=50, n_post=30, kind="normal",
                                   transpose=True), W.T)


@pytest.mark.parametrize("kind,events,transpose", list(itertools.product(KINDS, [False, True], [False, True])))
def test_gradcheck(kind, events, transpose):
    n_pre, n_post = 7, 6
    n_in = n_post if transpose else n_pre
    torch.manual_seed(2)
    # gradcheck perturbs x by ~1e-6: keep float spikes away from the event threshold 0.
    x = (torch.rand(3, n_in, dtype=torch.float64) + 0.1) * torch.sign(torch.rand(3, n_in, dtype=torch.float64) - 0.4)
    x.requires_grad_(True)
    w0, w1 = params(kind, requires_grad=True)
    fn = event_jitc_matvec if events else jitc_matvec

    def f(x_, a, c):
        return fn(x_, a, c, seed=4, prob=0.5, n_pre=n_pre, n_post=n_post, kind=kind, transpose=transpose)

    if events:
        # Event inputs are straight-through; the input gradient is that of the float product, which
        # gradcheck cannot see numerically: check the parameters numerically and the input by formula.
        assert torch.autograd.gradcheck(lambda a, c: f(x.detach(), a, c), (w0, w1))
        g = torch.randn(3, n_pre if transpose else n_post, dtype=torch.float64)
        (gx,) = torch.autograd.grad((f(x, w0, w1) * g).sum(), (x,))
        W = dense(kind, 4, 0.5, n_pre, n_post)
        torch.testing.assert_close(gx, g @ W if transpose else g @ W.T)
    else:
        assert torch.autograd.gradcheck(f, (x, w0, w1))


def test_double_backward_raises():
    x = torch.rand(5, dtype=torch.float64, requires_grad=True)
    w0, w1 = params("uniform", requires_grad=True)
    y = jitc_matvec(x, w0, w1, seed=1, prob=0.5, n_pre=5, n_post=4, kind="uniform")
    (gx,) = torch.autograd.grad((y * y).sum(), (x,), create_graph=True)
    with pytest.raises(RuntimeError, match="not support double backward"):
        gx.sum().backward()


# ---------------------------------------------------------------- opcheck / compile


def _opcheck_cases():
    cases = []
    for kind, transpose, dtype in [("homo", False, torch.float64), ("uniform", True, torch.float64),
                                   ("normal", False, torch.float32), ("normal", True, torch.float64)]:
        n_in = 6 if transpose else 9
        x = torch.randn(3, n_in, dtype=dtype, requires_grad=True)
        w0, w1 = params(kind, dtype, requires_grad=True)
        cases.append((OPS.jitc_matvec.default, (x, w0, w1, 5, 0.4, 9, 6, kind, transpose), f"mv-{kind}-{transpose}"))
        xs = torch.randn(n_in, dtype=dtype, requires_grad=True)
        cases.append((OPS.event_jitc_matvec.default, (xs, w0, w1, 5, 0.4, 9, 6, kind, transpose),
                      f"ev-{kind}-{transpose}"))
    w0, w1 = params("normal")
    cases.append((OPS.event_jitc_matvec.default, (torch.rand(2, 9) > 0.5, w0.requires_grad_(True), w1, 5, 0.4, 9, 6,
                                                  "normal", False), "ev-bool"))
    cases.append((OPS.jitc_to_dense.default, (*params("uniform"), 5, 0.4, 9, 6, "uniform"), "dense"))
    cases.append((OPS.jitc_to_dense.default, (*params("normal", requires_grad=True), 5, 0.4, 9, 6, "normal"),
                  "dense-grad"))
    return cases


@pytest.mark.parametrize("op,args,name", _opcheck_cases(), ids=[c[2] for c in _opcheck_cases()])
def test_opcheck(op, args, name):
    torch.library.opcheck(op, args)


@pytest.mark.parametrize("kind", KINDS)
def test_to_dense_gradient_is_the_coefficient_sum(kind):
    # W = w0 A + w1 B on the connected entries, so dL/dw0 = sum(G * A) and dL/dw1 = sum(G * B), with
    # A and B materialised as to_dense(1, 0) and to_dense(0, 1) (as the backward does); the finite
    # differences of gradcheck below are the check independent of that.
    n_pre, n_post, seed, prob = 23, 17, 4, 0.3
    one, zero = torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    A = jitc_to_dense(one, zero, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind)
    B = jitc_to_dense(zero, one, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind)
    w0, w1 = params(kind, requires_grad=True)
    W = jitc_to_dense(w0, w1, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind)
    G = torch.randn(n_pre, n_post, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    gw0, gw1 = torch.autograd.grad((W * G).sum(), (w0, w1))
    torch.testing.assert_close(gw0, (G * A).sum(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gw1, (G * B).sum(), rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(
        lambda a, c: jitc_to_dense(a, c, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind), (w0, w1))
    # Double backward: the gradient is linear in G with constant coefficients, so it is differentiable.
    dense_fn = lambda a, c: jitc_to_dense(a, c, seed=seed, prob=prob, n_pre=n_pre, n_post=n_post, kind=kind)  # noqa: E731
    assert torch.autograd.gradgradcheck(dense_fn, (w0, w1))
    # A loss quadratic in W: d2L/dw0^2 = 2 sum(A * A), through the recorded gradient.
    (g0,) = torch.autograd.grad((dense_fn(w0, w1) ** 2).sum(), (w0,), create_graph=True)
    (h00,) = torch.autograd.grad(g0, (w0,))
    torch.testing.assert_close(h00, 2 * (A * A).sum(), rtol=1e-12, atol=1e-12)


def test_opcheck_backward_op():
    w0, w1 = params("uniform")
    x = torch.randn(3, 9, dtype=torch.float64)
    g = torch.randn(3, 6, dtype=torch.float64)
    for mask in ([True, True, True], [False, True, False]):
        torch.library.opcheck(OPS.jitc_matvec_backward.default,
                              (g, x, w0, w1, 5, 0.4, 9, 6, "uniform", False, True, mask),
                              test_utils=("test_schema", "test_faketensor"))


def test_torch_compile_fullgraph():
    def f(s, a, c):
        y = event_jitc_matvec(s, a, c, seed=7, prob=0.3, n_pre=20, n_post=15, kind="uniform")
        return torch.tanh(y).sum(dim=-1)

    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    torch.manual_seed(3)
    s = (torch.rand(4, 20, dtype=torch.float64) - 0.5).requires_grad_(True)
    a, c = params("uniform", requires_grad=True)
    out = compiled(s, a, c)
    torch.testing.assert_close(out, f(s, a, c))
    grads = torch.autograd.grad(out.sum(), (s, a, c))
    eager = torch.autograd.grad(f(s, a, c).sum(), (s, a, c))
    for g1, g2 in zip(grads, eager):
        torch.testing.assert_close(g1, g2)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(prob=0.0), r"prob must be in \(0, 1\]"),
        (dict(prob=1.5), r"prob must be in \(0, 1\]"),
        (dict(prob=1 + 1e-9), r"prob must be in \(0, 1\], got 1.000000001"),
        (dict(kind="beta"), "kind must be"),
        (dict(n_pre=-1), "n_pre must be >= 0"),
        (dict(x=torch.ones(4)), "x has last dimension 4"),
        (dict(x=torch.ones(5, dtype=torch.float64)), "x must have the dtype of w0"),
        (dict(w0=torch.ones(2)), "w0 must have exactly 1 element"),
        (dict(w1=torch.tensor(0.5, dtype=torch.float64)), "w1 must have the dtype of w0"),
    ],
)
def test_bad_input_errors_name_the_argument(change, message):
    args = dict(x=torch.ones(5), w0=torch.tensor(1.0), w1=torch.tensor(0.5), seed=1, prob=0.5, n_pre=5, n_post=3,
                kind="homo", transpose=False)
    args.update(change)
    with pytest.raises(RuntimeError, match=message):
        OPS.jitc_matvec.default(*args.values())


@pytest.mark.parametrize("device", ["cpu", "meta"])  # meta: the fake kernel
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
@pytest.mark.parametrize("events", [False, True])
def test_backward_op_refuses_a_grad_out_that_is_not_floating_point(device, dtype, events):
    # As every backward op: an integer or bool grad_out is no gradient, and the error names it.
    w0, w1 = (t.to(device) for t in params("uniform"))
    x = torch.rand(2, 5, dtype=torch.float64, device=device)
    grad_out = torch.ones(2, 3, dtype=dtype, device=device)
    with pytest.raises(RuntimeError, match="braintorch::jitc_matvec_backward: grad_out must be floating point"):
        OPS.jitc_matvec_backward.default(grad_out, x, w0, w1, 1, 0.5, 5, 3, "uniform", False, events,
                                         [True, True, True])
    # The same message as the other backward ops give.
    with pytest.raises(RuntimeError, match="event_csr_matvec_backward: grad_out must be floating point"):
        OPS.event_csr_matvec_backward.default(grad_out, x, torch.tensor([0, 1, 1, 2, 2, 3], device=device),
                                              torch.tensor([0, 2, 1], device=device),
                                              torch.ones(3, dtype=torch.float64, device=device), 3, False,
                                              [True, True])


# ---------------------------------------------------------------- layers


@pytest.mark.parametrize("kind", list(KINDS))
def test_layers_forward_and_learn(kind):
    torch.manual_seed(5)
    layer = JitFixedProbLinear(12, 8, 0.4, kind=kind, seed=3, dtype=torch.float64)
    names = {n for n, _ in layer.named_parameters()}
    assert names == {"homo": {"weight"}, "uniform": {"low", "high"}, "normal": {"mu", "sigma"}}[kind]
    x = torch.rand(5, 12, dtype=torch.float64)
    W = layer.to_dense().double()
    torch.testing.assert_close(layer(x), x @ W)
    layer(x).sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())
    ev = EventJitFixedProbLinear(12, 8, 0.4, kind=kind, seed=3, dtype=torch.float64)
    s = torch.rand(5, 12) > 0.6
    torch.testing.assert_close(ev(s), s.double() @ ev.to_dense())
    # No per-synapse storage: the parameters are scalars.
    assert sum(p.numel() for p in layer.parameters()) <= 2


def test_layer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        JitFixedProbLinear(3, 3, 0.5, kind="beta")
    with pytest.raises(ValueError, match="prob"):
        JitFixedProbLinear(3, 3, 0.0)
    with pytest.raises(ValueError, match="in_features"):
        JitFixedProbLinear(-1, 3, 0.5)
    with pytest.raises(ValueError, match="dtype"):
        JitFixedProbLinear(3, 3, 0.5, dtype=torch.float16)
    with pytest.raises(ValueError, match="seed"):
        JitFixedProbLinear(3, 3, 0.5, seed=2**64)
    with pytest.raises(ValueError, match="needs w1"):
        jitc_matvec(torch.ones(3), 0.5, seed=1, prob=0.5, n_pre=3, n_post=2, kind="uniform")


def test_layer_state_dict_carries_the_connectivity():
    x = torch.rand(4, 6, dtype=torch.float64)
    saved = JitFixedProbLinear(6, 5, 0.5, kind="uniform", seed=3, dtype=torch.float64)
    other = JitFixedProbLinear(6, 5, 0.5, kind="uniform", seed=4, dtype=torch.float64)
    assert not torch.equal(saved(x), other(x))
    other.load_state_dict(saved.state_dict())
    assert other.seed == 3 and torch.equal(saved(x), other(x))
    with pytest.raises(ValueError, match="out_features=5"):
        JitFixedProbLinear(6, 4, 0.5, kind="uniform").load_state_dict(saved.state_dict())
    # A state dict of the format before the connectivity was saved (version 1, no _extra_state) still
    # loads strictly, and the layer keeps its own connectivity.
    old = saved.state_dict()
    del old["_extra_state"]
    old._metadata[""]["version"] = 1
    other = JitFixedProbLinear(6, 5, 0.5, kind="uniform", seed=4, dtype=torch.float64)
    other.load_state_dict(old, strict=True)
    assert other.seed == 4 and torch.equal(other.high, saved.high)


def test_seeds_above_2_63_are_the_same_64_bits():
    w0, w1 = params("normal")
    a = jitc_to_dense(w0, w1, seed=2**64 - 5, prob=0.5, n_pre=7, n_post=6, kind="normal")
    b = jitc_to_dense(w0, w1, seed=-5, prob=0.5, n_pre=7, n_post=6, kind="normal")
    assert torch.equal(a, b)
    assert torch.equal(JitFixedProbLinear(7, 6, 0.5, seed=2**63).to_dense(),
                       JitFixedProbLinear(7, 6, 0.5, seed=-(2**63)).to_dense())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("kind", list(KINDS))
def test_cuda_matches_cpu(kind):
    w0, w1 = params(kind)
    W = jitc_to_dense(w0, w1, seed=8, prob=0.1, n_pre=300, n_post=200, kind=kind)
    Wc = jitc_to_dense(w0.cuda(), w1.cuda(), seed=8, prob=0.1, n_pre=300, n_post=200, kind=kind)
    assert torch.equal(W, Wc.cpu())
    s = torch.rand(3, 300) > 0.7
    out = event_jitc_matvec(s.cuda(), w0.cuda(), w1.cuda(), seed=8, prob=0.1, n_pre=300, n_post=200, kind=kind)
    torch.testing.assert_close(out.cpu(), s.double() @ W)


def test_long_rows_do_not_keep_hundreds_of_megabytes():
    # Rows of 10^5 synapses (prob = 1): the parallel generation buffers a block of rows and keeps the
    # buffers across calls; a fixed block of 256 such rows kept ~330 MiB. Run in a fresh process so that
    # the peak resident size is this call's.
    import os
    import subprocess
    import sys
    code = (
        "import resource, torch, braintorch\n"
        "torch.set_num_threads(2)\n"
        "x = torch.ones(2000, dtype=torch.bool)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "torch.ops.braintorch.event_jitc_matvec(x, torch.tensor(0.5), torch.tensor(0.1), 1, 1.0, 2000, 100000,"
        " 'uniform', False)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    assert float(out.stdout.strip()) < 64, out.stdout
