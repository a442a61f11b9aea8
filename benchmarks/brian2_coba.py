#!/usr/bin/env python3
"""The COBA benchmark network (Vogels & Abbott 2005 / Brette et al. 2007, as BrainPy's
examples/dynamics_simulation/COBA.py defines it) in Brian2 C++ standalone mode.

  python brian2_coba.py --seed 1 --threads 1 --duration-ms 1000 --out DIR [--repeats 3]

Writes DIR/summary.json (schema: see benchmarks/README.md).

Timing (wall_seconds, setup_seconds, init_seconds): see brian2_standalone.py, shared by the Brian2
scripts.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brian2_standalone as b2s  # noqa: E402
from coba_stats import population_stats, synaptic_events, write_summary  # noqa: E402

N_E, N_I = 3200, 800
N = N_E + N_I


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    b2s.add_common_args(ap)
    args = ap.parse_args()

    import brian2
    from brian2 import NeuronGroup, Synapses, SpikeMonitor, ms, mV, run, seed

    os.makedirs(args.out, exist_ok=True)
    build_dir = b2s.setup_device(f"brian2_coba_s{args.seed}_t{args.threads}_", args.threads, args.make_jobs,
                                 args.dt_ms)
    seed(args.seed)  # seeds the generated C++ code: connectivity and initial V

    v_rest, v_th, v_reset = -60 * mV, -50 * mV, -60 * mV
    tau, tau_ref, tau_e, tau_i = 20 * ms, 5 * ms, 5 * ms, 10 * ms
    E_e, E_i, I_ext = 0 * mV, -80 * mV, 20 * mV
    eqs = """
    dv/dt = (v_rest - v + I_ext + ge*(E_e - v) + gi*(E_i - v)) / tau : volt (unless refractory)
    dge/dt = -ge / tau_e : 1
    dgi/dt = -gi / tau_i : 1
    """
    P = NeuronGroup(N, eqs, threshold="v >= v_th", reset="v = v_reset", refractory=tau_ref,
                    method="euler", name="neurons")
    P.v = "-55*mV + 2*mV*randn()"
    P.ge = 0
    P.gi = 0
    Ce = Synapses(P[:N_E], P, on_pre="ge += 0.6", name="E_to_all")
    Ci = Synapses(P[N_E:], P, on_pre="gi += 6.7", name="I_to_all")
    Ce.connect(p=0.02)  # self-connections allowed, no multapses
    Ci.connect(p=0.02)
    mon = SpikeMonitor(P, name="spikes")

    run(args.duration_ms * ms)
    timed = b2s.build_and_time(build_dir, args.repeats)

    spike_t = np.asarray(mon.t / ms)
    spike_i = np.asarray(mon.i[:], dtype=np.int64)
    pre_e = np.asarray(Ce.i[:], dtype=np.int64)
    pre_i = np.asarray(Ci.i[:], dtype=np.int64)
    out_degree = np.concatenate([np.bincount(pre_e, minlength=N_E), np.bincount(pre_i, minlength=N_I)])
    steps = int(round(args.duration_ms / args.dt_ms))
    summary = {
        "model": "coba",
        "tool": f"brian2 {brian2.__version__}",
        "duration_ms": float(args.duration_ms),
        "dt_ms": float(args.dt_ms),
        "steps": steps,
        "neurons": N,
        "synapses": int(len(pre_e) + len(pre_i)),
        "seed": args.seed,
        "threads": args.threads,
        "device": "cpu",
        "method": "euler",
        "spike_count": int(spike_i.size),
        "synaptic_events": synaptic_events(spike_i, out_degree),
        "groups": population_stats(spike_t, spike_i, args.duration_ms),
        **b2s.timing_fields(timed, args.threads),
    }
    write_summary(os.path.join(args.out, "summary.json"), summary)
    if args.save_spikes:
        np.savez_compressed(os.path.join(args.out, "spikes.npz"), times_ms=spike_t, indices=spike_i)
    g = summary["groups"]
    print(f"brian2 seed={args.seed} threads={args.threads}: E {g['E']['mean_rate_hz']:.2f} Hz "
          f"I {g['I']['mean_rate_hz']:.2f} Hz, CV E {g['E']['cv_isi']:.3f} I {g['I']['cv_isi']:.3f}, "
          f"loop {summary['wall_seconds']:.4f} s, setup {summary['setup_seconds']:.1f} s")
    b2s.finish(build_dir, args.keep_build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
