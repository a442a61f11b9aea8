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

Timing (setup_seconds, wall_seconds) and thread pinning: see brainpy_common.py, shared by the
BrainPy scripts.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brainpy_common as bpc  # noqa: E402  (imports no JAX)


N_E, N_I = 3200, 800
N = N_E + N_I


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bpc.add_common_args(ap)
    args = ap.parse_args()
    cpus = bpc.configure_threads(args.threads)

    import jax
    import numpy as np
    import brainpy as bp
    import brainpy.math as bm

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
    steps = int(round(args.duration_ms / args.dt_ms))
    indices = np.arange(steps)

    @bm.jit
    def simulate(idx):
        return bm.for_loop(lambda i: net.step_run(i, 20.), idx, progress_bar=False)

    timed = bpc.run_timed(simulate, indices, net.vars().unique(), args.repeats, t_setup)
    spk = timed["output"]

    step_idx, neuron_idx = np.nonzero(spk)
    # bm.for_loop step i runs at t = i*dt and the spike is the state after that step: t = (i+1)*dt
    spike_t = (step_idx + 1) * args.dt_ms
    # the CSR the projections use (conn.require() would draw a new matrix)
    indptr_e = np.asarray(net.E.comm.indptr)
    indptr_i = np.asarray(net.I.comm.indptr)
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
        "spike_count": int(neuron_idx.size),
        "synaptic_events": synaptic_events(neuron_idx, out_degree),
        "groups": population_stats(spike_t, neuron_idx, args.duration_ms),
        **bpc.timing_fields(timed, cpus),
        "comm": "event CSR (bp.dnn.EventCSRLinear, brainevent)",
        "versions": {"jax": jax.__version__, "brainevent": bpc.version("brainevent")},
    }
    write_summary(os.path.join(args.out, "summary.json"), summary)
    if args.save_spikes:
        np.savez_compressed(os.path.join(args.out, "spikes.npz"), times_ms=spike_t, indices=neuron_idx)
    g = summary["groups"]
    print(f"brainpy seed={args.seed} threads={args.threads}: E {g['E']['mean_rate_hz']:.2f} Hz "
          f"I {g['I']['mean_rate_hz']:.2f} Hz, CV E {g['E']['cv_isi']:.3f} I {g['I']['cv_isi']:.3f}, "
          f"loop {summary['wall_seconds']:.4f} s, setup {summary['setup_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
