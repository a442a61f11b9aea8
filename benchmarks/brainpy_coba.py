#!/usr/bin/env python3
"""The COBA benchmark network (Vogels & Abbott 2005 / Brette et al. 2007, as BrainPy's
examples/dynamics_simulation/COBA.py defines it) in BrainPy on the CPU (JAX/XLA).

  python brainpy_coba.py --seed 1 --threads 1 --duration-ms 1000 --out DIR [--repeats 3]

Writes DIR/summary.json (schema: see benchmarks/README.md).

Model: bp.dyn.LifRef (4000 neurons, method='euler'), two bp.dyn.HalfProjAlignPostMg projections
(E -> all, I -> all) with bp.dyn.Expon (method='euler') + bp.dyn.COBA, and event-driven CSR
communication: bp.dnn.EventCSRLinear on an explicit bp.conn.FixedProb(0.02, include_self=True,
allow_multi_conn=False) matrix (brainevent's event CSR mat-vec on the CPU). The projections read the
spikes of the previous step before the neurons update, so a spike at step n acts on V from step n+1.

Timing:
  setup_seconds  network construction (connectivity, CSR) + the first call of the jitted loop
                 (tracing, XLA compilation and one full simulation).
  wall_seconds   a later call of the same compiled loop from the same initial state
                 (jax.block_until_ready, time.perf_counter): the simulation loop alone. With
                 --repeats N the best of N such calls (all listed in wall_seconds_all).
Threads: XLA's CPU client is told `--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=N` via XLA_FLAGS (set before JAX is imported), and the process is pinned
to N CPUs with os.sched_setaffinity (the equivalent of `taskset`), since XLA:CPU otherwise spreads
its thread pools over every core.
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def _configure_threads(n: int) -> list:
    flags = os.environ.get("XLA_FLAGS", "")
    flags += f" --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={n}"
    os.environ["XLA_FLAGS"] = flags.strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    cpus = sorted(os.sched_getaffinity(0))
    if n < len(cpus):
        cpus = cpus[:n]
        os.sched_setaffinity(0, cpus)
    return cpus


N_E, N_I = 3200, 800
N = N_E + N_I


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--save-spikes", action="store_true", help="also write DIR/spikes.npz (times_ms, indices)")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs after the compile run; best is reported")
    args = ap.parse_args()
    cpus = _configure_threads(max(1, args.threads))

    import jax
    import numpy as np
    import brainpy as bp
    import brainpy.math as bm

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from coba_stats import population_stats, synaptic_events, write_summary

    os.makedirs(args.out, exist_ok=True)
    t_setup = time.perf_counter()
    bm.set_platform("cpu")
    bm.set_dt(args.dt_ms)
    bm.random.seed(args.seed)

    class EINet(bp.DynSysGroup):
        def __init__(self, seed):
            super().__init__()
            self.N = bp.dyn.LifRef(N, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                   V_initializer=bp.init.Normal(-55., 2., seed=seed), method="euler")
            self.conn_e = bp.conn.FixedProb(0.02, pre=N_E, post=N, include_self=True,
                                            allow_multi_conn=False, seed=seed * 2 + 1)
            self.conn_i = bp.conn.FixedProb(0.02, pre=N_I, post=N, include_self=True,
                                            allow_multi_conn=False, seed=seed * 2 + 2)
            self.E = bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventCSRLinear(self.conn_e, weight=0.6),
                syn=bp.dyn.Expon.desc(size=N, tau=5., method="euler"),
                out=bp.dyn.COBA.desc(E=0.), post=self.N)
            self.I = bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventCSRLinear(self.conn_i, weight=6.7),
                syn=bp.dyn.Expon.desc(size=N, tau=10., method="euler"),
                out=bp.dyn.COBA.desc(E=-80.), post=self.N)

        def update(self, inp):
            spk = self.N.spike.value  # spikes of the previous step
            self.E(spk[:N_E])
            self.I(spk[N_E:])
            self.N(inp)
            return self.N.spike.value

    net = EINet(args.seed)
    v0 = np.asarray(net.N.V.value).copy()
    states = net.vars().unique()
    init_state = {k: bm.as_jax(v.value) for k, v in states.items()}

    steps = int(round(args.duration_ms / args.dt_ms))
    indices = np.arange(steps)

    @bm.jit
    def simulate(idx):
        return bm.for_loop(lambda i: net.step_run(i, 20.), idx, progress_bar=False)

    def restore():
        for k, v in states.items():
            v.value = init_state[k]

    spikes = jax.block_until_ready(simulate(indices))  # compile + first run
    setup_seconds = time.perf_counter() - t_setup
    first = np.asarray(spikes)

    loops = []
    for _ in range(max(1, args.repeats)):
        restore()
        t0 = time.perf_counter()
        spikes = jax.block_until_ready(simulate(indices))
        loops.append(time.perf_counter() - t0)
    spk = np.asarray(spikes)
    if not np.array_equal(first, spk):
        print("warning: timed run differs from the compile run", file=sys.stderr)
    assert np.allclose(np.asarray(net.N.V.value).shape, v0.shape)

    step_idx, neuron_idx = np.nonzero(spk)
    # bm.for_loop step i runs at t = i*dt and the spike is the state after that step: t = (i+1)*dt
    spike_t = (step_idx + 1) * args.dt_ms
    indptr_e = np.asarray(net.conn_e.require("pre2post")[1])
    indptr_i = np.asarray(net.conn_i.require("pre2post")[1])
    out_degree = np.concatenate([np.diff(indptr_e), np.diff(indptr_i)])
    summary = {
        "model": "coba",
        "tool": f"brainpy {bp.__version__}",
        "duration_ms": float(args.duration_ms),
        "dt_ms": float(args.dt_ms),
        "steps": steps,
        "neurons": N,
        "synapses": int(out_degree.sum()),
        "seed": args.seed,
        "threads": args.threads,
        "device": "cpu",
        "method": "euler",
        "wall_seconds": min(loops),
        "setup_seconds": setup_seconds,
        "spike_count": int(neuron_idx.size),
        "synaptic_events": synaptic_events(neuron_idx, out_degree),
        "groups": population_stats(spike_t, neuron_idx, args.duration_ms),
        "wall_seconds_all": loops,
        "comm": "event CSR (bp.dnn.EventCSRLinear, brainevent)",
        "versions": {"jax": jax.__version__, "brainevent": _version("brainevent")},
        "cpus": cpus,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "timing_note": "wall_seconds = best jitted for_loop call after a compile run; "
                       "setup_seconds = construction + compile run",
    }
    write_summary(os.path.join(args.out, "summary.json"), summary)
    if args.save_spikes:
        np.savez_compressed(os.path.join(args.out, "spikes.npz"), times_ms=spike_t, indices=neuron_idx)
    g = summary["groups"]
    print(f"brainpy seed={args.seed} threads={args.threads}: E {g['E']['mean_rate_hz']:.2f} Hz "
          f"I {g['I']['mean_rate_hz']:.2f} Hz, CV E {g['E']['cv_isi']:.3f} I {g['I']['cv_isi']:.3f}, "
          f"loop {summary['wall_seconds']:.4f} s, setup {summary['setup_seconds']:.1f} s")
    return 0


def _version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # pragma: no cover
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
