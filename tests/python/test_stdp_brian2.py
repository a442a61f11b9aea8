"""Pair-based STDP against Brian2: the same spike trains through the same CSR synapses, every final weight
compared with the weights Brian2 2.9.0 computed (tests/reference/stdp_brian2.json, made by
tests/reference/stdp_brian2.py, which documents the model). The trains include pre and post spikes in
the same step on connected pairs, where the order of Brian2's two pathways decides the result. Two
parameter sets: "gentle" (no weight reaches a bound) and "clipping" (weights driven to 0 and to wmax)."""

import json
from pathlib import Path

import pytest
import torch

from braintorch import connect

REFERENCE = json.loads((Path(__file__).parents[1] / "reference" / "stdp_brian2.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}


def run_braintorch(case: dict, dtype: torch.dtype, use_csc: bool) -> torch.Tensor:
    r = REFERENCE
    indptr = torch.tensor(r["indptr"], dtype=torch.int64)
    indices = torch.tensor(r["indices"], dtype=torch.int32)
    csc = connect.csr_to_csc(indptr, indices, r["n_post"]) if use_csc else None
    w = torch.tensor(r["w0"], dtype=dtype)
    pre_trace, post_trace = torch.zeros(r["n_pre"], dtype=dtype), torch.zeros(r["n_post"], dtype=dtype)
    # Brian2's trace increments are Apre and Apost; braintorch's traces count spikes and the op scales
    # them by A_plus = Apre and A_minus = -Apost.
    a_plus, a_minus = case["Apre"], -case["Apost"]
    for step in range(r["steps"]):
        pre = torch.zeros(r["n_pre"], dtype=torch.bool)
        pre[r["pre_spikes"][step]] = True
        post = torch.zeros(r["n_post"], dtype=torch.bool)
        post[r["post_spikes"][step]] = True
        connect.stdp_trace_update_(pre_trace, pre, r["dt_ms"], case["taupre_ms"])
        connect.stdp_trace_decay_(post_trace, r["dt_ms"], case["taupost_ms"])
        connect.stdp_csr_update_(indptr, indices, w, pre, post, pre_trace, post_trace, a_plus, a_minus, 0.0,
                                 case["wmax"], csc=csc)
        connect.stdp_trace_add_(post_trace, post)
    return w


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("use_csc", [False, True])
def test_weights_equal_brian2s(name, use_csc):
    case = CASES[name]
    expected = torch.tensor(case["w_brian2"], dtype=torch.float64)
    w0 = torch.tensor(REFERENCE["w0"], dtype=torch.float64)
    assert (expected - w0).abs().max() > 0.1  # the weights moved: the comparison is not vacuous
    if name == "clipping":  # both bounds are reached, so the clipping is compared too
        assert (expected == 0).any() and (expected == case["wmax"]).any()
    # float64: Brian2 multiplies its traces by exp(-dt/tau) at each event (event-driven), braintorch at
    # each step; the two agree to round-off.
    torch.testing.assert_close(run_braintorch(case, torch.float64, use_csc), expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(run_braintorch(case, torch.float32, use_csc).double(), expected, rtol=0, atol=2e-6)


def test_same_step_pre_and_post_spikes_occur_on_connected_pairs():
    r = REFERENCE
    rows = [i for i in range(r["n_pre"]) for _ in range(r["indptr"][i], r["indptr"][i + 1])]
    pairs = {(i, j) for i, j in zip(rows, r["indices"])}
    coincident = sum(1 for p, q in zip(r["pre_spikes"], r["post_spikes"]) for i in p for j in q if (i, j) in pairs)
    assert coincident >= 5
