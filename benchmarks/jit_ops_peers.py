"""Just-in-time connectivity operators: braintorch against brainevent (BrainPy's operator library), same run.

    PYTHONPATH=python_shim ~/.cache/braintorch/venv/bin/python benchmarks/jit_ops_peers.py \
        [--sizes 10000 100000] [--fan 100] [--rates 0.01 0.1] [--batch 16] [--repeats 7] \
        [--out benchmarks/results/<date>-jit-ops]

For each n (n_pre = n_post = n) the matrix has connection probability fan / n, and each weight kind
(homo, uniform, normal) is timed in two products, both y = x @ W:
  - event: a bool spike vector with a fraction `rate` of the n neurons spiking (fresh every call);
    braintorch::event_jitc_matvec, and brainevent.binary_jit{s,u,n}mv with transpose=True;
  - batch (float): a (B, n) uniform(0, 1) batch; braintorch::jitc_matvec, and brainevent.jit{s,u,n}mm
    with transpose=True on the (n, B) transpose (rate column "float").
brainevent runs in the peers' venv (benchmarks/setup_peers.sh) in a child process, jax.jit-compiled, on
the CPU, with its `corder` option set both ways and the faster kept (corder=True generates every
column of the matrix; corder=False only the rows of the nonzero inputs, like braintorch). One thread
for both: torch.set_num_threads(1); for JAX, XLA_FLAGS single-threaded and the process pinned to one
CPU. Median of --repeats calls after a warm-up (the compile). Reported: µs per call, ns per synapse
(event: spikes x fan synapses; float batch: n x fan, every synapse of W once, whatever the batch) and
the time ratio brainevent / braintorch.
The two libraries draw different (equally distributed) matrices from the same seed: this compares
speed, not outputs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_VENV = Path.home() / ".cache" / "braintorch" / "bench-venv"
KINDS = {"homo": (0.5, 0.0), "uniform": (0.1, 0.9), "normal": (0.5, 0.1)}


def median_time(fn, make_input, repeats: int) -> float:
    fn(make_input())
    times = []
    for _ in range(repeats):
        x = make_input()
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_braintorch(cfg: dict) -> list:
    import torch

    import braintorch  # noqa: F401  (loads the operators)

    ops = torch.ops.braintorch
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(cfg["seed"])
    rows = []
    for n in cfg["sizes"]:
        prob = cfg["fan"] / n
        for kind, (a, b) in KINDS.items():
            w0, w1 = torch.tensor(a), torch.tensor(b)
            for rate in cfg["rates"]:
                k = max(1, round(rate * n))

                def spikes():
                    s = torch.zeros(n, dtype=torch.bool)
                    s[torch.randperm(n, generator=gen)[:k]] = True
                    return s

                secs = median_time(lambda s: ops.event_jitc_matvec(s, w0, w1, cfg["seed"], prob, n, n, kind, False),
                                   spikes, cfg["repeats"])
                rows.append({"tool": "braintorch", "n": n, "kind": kind, "rate": rate, "seconds": secs,
                             "synapses": k * cfg["fan"]})
            B = cfg["batch"]
            secs = median_time(lambda x: ops.jitc_matvec(x, w0, w1, cfg["seed"], prob, n, n, kind, False),
                               lambda: torch.rand(B, n, generator=gen), cfg["repeats"])
            rows.append({"tool": "braintorch", "n": n, "kind": kind, "rate": "float", "seconds": secs,
                         "synapses": n * cfg["fan"]})
    return rows


def run_brainevent(cfg: dict) -> list:
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ["NUMBA_NUM_THREADS"] = "1"
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])
    import brainevent
    import jax
    import jax.numpy as jnp
    import numpy as np

    rng = np.random.default_rng(cfg["seed"])
    event_fn = {"homo": lambda a, b, p, v, **kw: brainevent.binary_jitsmv(a, p, v, **kw),
                "uniform": brainevent.binary_jitumv, "normal": brainevent.binary_jitnmv}
    float_fn = {"homo": lambda a, b, p, m, **kw: brainevent.jitsmm(a, p, m, **kw),
                "uniform": brainevent.jitumm, "normal": brainevent.jitnmm}
    rows = []
    for n in cfg["sizes"]:
        prob = cfg["fan"] / n
        for kind, (a, b) in KINDS.items():
            cases = [(rate, event_fn[kind], lambda r=rate: jnp.asarray(rng.random(n) < r), max(1, round(rate * n)))
                     for rate in cfg["rates"]]
            cases.append(("float", float_fn[kind], lambda: jnp.asarray(rng.random((n, cfg["batch"]), np.float32)),
                          n))
            for rate, fn, make_input, active in cases:
                best = None
                for corder in (False, True):
                    f = jax.jit(lambda x, fn=fn, corder=corder: fn(a, b, prob, x, seed=cfg["seed"], shape=(n, n),
                                                                 transpose=True, corder=corder))
                    secs = median_time(lambda x: f(x).block_until_ready(), make_input, cfg["repeats"])
                    if best is None or secs < best[0]:
                        best = (secs, corder)
                rows.append({"tool": "brainevent", "n": n, "kind": kind, "rate": rate, "seconds": best[0],
                             "corder": best[1], "synapses": active * cfg["fan"]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--fan", type=int, default=100)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.01, 0.1])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--venv", type=Path, default=Path(os.environ.get("BRAINTORCH_BENCH_VENV", DEFAULT_VENV)))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results") / f"{dt.date.today()}-jit-ops")
    ap.add_argument("--worker", choices=["brainevent"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    cfg = {k: getattr(args, k) for k in ("sizes", "fan", "rates", "batch", "repeats", "seed")}
    if args.worker:  # child process in the peers' venv: print the rows as JSON
        print(json.dumps(run_brainevent(cfg)))
        return

    rows = run_braintorch(cfg)
    peer_python = args.venv / "bin" / "python"
    peer_versions = {}
    if peer_python.exists():
        proc = subprocess.run([str(peer_python), str(Path(__file__).resolve()), "--worker", "brainevent",
                               *sum(([f"--{k}", *map(str, v if isinstance(v, list) else [v])]
                                     for k, v in cfg.items()), [])],
                              capture_output=True, text=True)
        if proc.returncode == 0:
            rows += json.loads(proc.stdout.strip().splitlines()[-1])
            peer_versions = json.loads(subprocess.run(
                [str(peer_python), "-c", "import json, importlib.metadata as m; print(json.dumps("
                 "{p: m.version(p) for p in ('brainevent', 'jax', 'numba')}))"],
                capture_output=True, text=True).stdout)
        else:
            print(f"[jit_ops_peers] brainevent failed:\n{proc.stderr[-2000:]}")
    else:
        print(f"[jit_ops_peers] no peers' venv at {args.venv}: braintorch only (benchmarks/setup_peers.sh)")

    import torch
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "torch": torch.__version__,
            "peers": peer_versions, "threads": 1, **cfg,
            "command": "PYTHONPATH=python_shim python benchmarks/jit_ops_peers.py " + " ".join(
                f"--{k} {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in cfg.items())
            + f" --out {args.out}"}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "jit_ops.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    by_key = {(r["tool"], r["n"], r["kind"], str(r["rate"])): r for r in rows}
    lines = [f"# JIT connectivity operators, braintorch vs brainevent ({meta['date']})", "",
             f"1 thread each; fan {args.fan} (prob = fan / n); median of {args.repeats} calls; batch B = "
             f"{args.batch} for the float product; torch {meta['torch']}, peers {peer_versions or 'not run'}.", "",
             f"Command: `{meta['command']}`", "",
             "| n | kind | input | braintorch µs | ns/synapse | brainevent µs | ns/synapse | corder | brainevent / braintorch |",
             "|---:|---|---|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        if r["tool"] != "braintorch":
            continue
        p = by_key.get(("brainevent", r["n"], r["kind"], str(r["rate"])))
        ev = f"{100 * r['rate']:g}% spikes" if r["rate"] != "float" else f"float ({args.batch}, n)"
        peer = (f"{p['seconds'] * 1e6:,.0f} | {p['seconds'] * 1e9 / p['synapses']:.1f} | {p['corder']} | "
                f"{p['seconds'] / r['seconds']:.2f}") if p else "- | - | - | -"
        lines.append(f"| {r['n']} | {r['kind']} | {ev} | {r['seconds'] * 1e6:,.0f} | "
                     f"{r['seconds'] * 1e9 / r['synapses']:.1f} | {peer} |")
    (args.out / "jit_ops.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
