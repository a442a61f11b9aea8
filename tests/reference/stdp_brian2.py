"""Makes stdp_brian2.json: the weights Brian2 computes for pair-based STDP on a small network with given
spike trains, the reference of tests/python/test_stdp_brian2.py.

    ~/.cache/braintorch/bench-venv/bin/python tests/reference/stdp_brian2.py   # brian2 2.9.0 (benchmarks/setup_peers.sh)

The model is Brian2's classic STDP example (its documentation's "Spike-timing dependent plasticity"):
event-driven traces, on_pre `apre += Apre; w = clip(w + apost, 0, wmax)`, on_post `apost += Apost;
w = clip(w + apre, 0, wmax)`, with spike trains from SpikeGeneratorGroups (so no neuron model is
involved) and a CSR connectivity with an empty row and a multapse-free random pattern. The trains force
pre and post spikes in the same step on connected pairs, the case where the order of the two pathways
matters. Two parameter sets: one where no weight reaches a bound, one that drives weights to 0 and to
wmax (the clipping). Brian2 runs with the numpy target in float64.
"""

import json
from pathlib import Path

import numpy as np
from brian2 import (Network, Synapses, SpikeGeneratorGroup, defaultclock, ms, prefs, start_scope,
                    __version__ as brian2_version)

prefs.codegen.target = "numpy"

rng = np.random.default_rng(2026)
n_pre, n_post, steps, dt_ms = 12, 9, 600, 0.1
pre = rng.random((steps, n_pre)) < 0.02
post = rng.random((steps, n_post)) < 0.02
# CSR: row 4 empty, the others a random subset of the targets (ascending).
indptr, indices = [0], []
for i in range(n_pre):
    if i != 4:
        indices += sorted(rng.choice(n_post, size=int(rng.integers(1, n_post + 1)), replace=False).tolist())
    indptr.append(len(indices))
rows = [i for i in range(n_pre) for _ in range(indptr[i], indptr[i + 1])]
# Same-step pre and post spikes on connected pairs (and on the empty row's neuron).
for step, k in [(50, 0), (51, 3), (200, 7), (201, 7), (350, len(indices) - 1)]:
    pre[step, rows[k]] = post[step, indices[k]] = True
pre[120, 4] = post[120, 0] = True
w0 = rng.uniform(0.2, 0.8, len(indices))
# Two parameter sets: "gentle" (no weight reaches a bound) and "clipping" (strong updates that drive
# weights to 0 and to wmax, so the clip order matters: depression, clip, potentiation, clip).
cases = [dict(name="gentle", taupre_ms=2.0, taupost_ms=2.5, Apre=0.05, Apost=-0.06, wmax=1.0),
         dict(name="clipping", taupre_ms=2.0, taupost_ms=2.5, Apre=0.25, Apost=-0.3, wmax=0.9)]


def brian2_weights(params):
    start_scope()
    defaultclock.dt = dt_ms * ms
    ti, ii = np.nonzero(pre)
    tj, jj = np.nonzero(post)
    G_pre = SpikeGeneratorGroup(n_pre, ii, ti * dt_ms * ms)
    G_post = SpikeGeneratorGroup(n_post, jj, tj * dt_ms * ms)
    namespace = dict(taupre=params["taupre_ms"] * ms, taupost=params["taupost_ms"] * ms, Apre=params["Apre"],
                     Apost=params["Apost"], wmax=params["wmax"])
    S = Synapses(G_pre, G_post, """w : 1
dapre/dt = -apre / taupre : 1 (event-driven)
dapost/dt = -apost / taupost : 1 (event-driven)""",
                 on_pre="apre += Apre\nw = clip(w + apost, 0, wmax)",
                 on_post="apost += Apost\nw = clip(w + apre, 0, wmax)", namespace=namespace)
    S.connect(i=np.array(rows), j=np.array(indices))
    # Brian2 creates the synapses in the order given: synapse k is CSR entry k.
    assert list(S.i[:]) == rows and list(S.j[:]) == indices
    S.w[:] = w0
    net = Network(G_pre, G_post, S)
    net.run(steps * dt_ms * ms)
    return [float(v) for v in S.w[:]]


for case in cases:
    case["w_brian2"] = brian2_weights(case)
    final = np.array(case["w_brian2"])
    print(f"brian2 {brian2_version} {case['name']}: max |w - w0| = {np.abs(final - w0).max():.3f}, "
          f"{int((final == 0).sum())} at 0, {int((final == case['wmax']).sum())} at wmax")
out = dict(brian2=brian2_version, dt_ms=dt_ms, steps=steps, n_pre=n_pre, n_post=n_post, indptr=indptr,
           indices=indices, w0=w0.tolist(), pre_spikes=[np.nonzero(r)[0].tolist() for r in pre],
           post_spikes=[np.nonzero(r)[0].tolist() for r in post], cases=cases)
Path(__file__).with_name("stdp_brian2.json").write_text(json.dumps(out) + "\n")
print(f"{len(indices)} synapses, {pre.sum()} pre / {post.sum()} post spikes")
