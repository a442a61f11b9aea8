#!/usr/bin/env python3
"""The COBAHH network (Brette et al. 2007 benchmark 3, Traub-Miles HH; see cobahh_params.py) in
BrainPy on the CPU (JAX/XLA), as BrainPy's ICLR'24 benchmark script
(brainpy-iclr24-reproducibility, 5.1_EI_balanced_network/COBAHH/brainpy_COBAHH.py) defines it, with
the variant's weights.

  python brainpy_cobahh.py --variant iclr|brette --seed 1 --threads 1 --duration-ms 1000 --out DIR
      [--repeats 3] [--dtype float64|float32] [--save-spikes]

Writes DIR/summary.json (schema: see benchmarks/README.md). Timing (setup_seconds, wall_seconds) and
thread pinning: see brainpy_common.py.

Model, as in the ICLR script (written for BrainPy 2.4; here with BrainPy 2.8.2's update signature):
- HH: a bp.dyn.NeuDyn with V, m, h, n integrated together (bp.JointEq, method 'exp_auto', i.e.
  exponential Euler with the Jacobian diagonal from autodiff); the synaptic input is the `input`
  variable summed by the projections before the neuron update (so held at the old V), reset to 0
  after the update; spike = V_old < -20 <= V_new; no reset. V0 = -60 + 5 randn - 5 (N(-65, 5)),
  m = h = n = 0. The script's rate functions (plain exp forms, no exprel). The class is
  brainpy_common.traub_miles_hh_class.
- synapses: two old-style bp.synapses.Exponential projections (E -> all, I -> all) on views of the
  group, bp.conn.FixedProb(0.02) (80 distinct targets per pre neuron, self-connections allowed),
  output bp.synouts.COBA(E), tau 5 / 10 ms, method exp_auto, comp_method 'sparse' (event CSR,
  brainevent's numba CPU kernel). Old style: g_n = g_(n-1) e^(-dt/tau) + w * spikes_(n-1).
- step order (DynSysGroup): projections (reading the previous step's spikes), then the neurons.
Checked once (ad hoc, not kept) against a NumPy re-implementation of this step (same connectivity and
V0): the same spikes in every step over 300 ms, both variants, float64.
Seeding: V0 from bm.random.seed(seed); connectivity seeds 2 seed + 1 (E) and 2 seed + 2 (I).
dtype: float64 by default (bm.enable_x64(), as Brian2); the ICLR run used BrainPy's default float32
(--dtype float32).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brainpy_common as bpc  # noqa: E402  (imports no JAX)
import cobahh_params as P_  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=sorted(P_.VARIANTS), default="iclr",
                    help="iclr: weights 0.6 / 6.7 nS (networks/cobahh.json); brette: 6 / 67 nS")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
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
    if args.dtype == "float64":
        bm.enable_x64()
    bm.set_dt(args.dt_ms)
    bm.random.seed(args.seed)

    w_e, w_i = P_.weights(args.variant)
    HH = bpc.traub_miles_hh_class(bp, bm, {"C": P_.C_M, "gL": P_.G_L, "gNa": P_.G_NA, "gK": P_.G_KD, "EL": P_.E_L,
                                           "ENa": P_.E_NA, "EK": P_.E_K, "V_T": P_.V_T, "V_th": P_.V_TH},
                                  input_var=True)

    class COBAHH(bp.DynSysGroup):
        def __init__(self, seed, method="exp_auto"):
            neu = HH(P_.N, method=method)
            self.conn_e = bp.conn.FixedProb(prob=0.02, seed=2 * seed + 1)
            self.conn_i = bp.conn.FixedProb(prob=0.02, seed=2 * seed + 2)
            E = bp.synapses.Exponential(neu[:P_.N_E], neu, self.conn_e, g_max=w_e,
                                        output=bp.synouts.COBA(E=P_.E_E), tau=P_.TAU_E, method=method)
            I = bp.synapses.Exponential(neu[P_.N_E:], neu, self.conn_i, g_max=w_i,
                                        output=bp.synouts.COBA(E=P_.E_I), tau=P_.TAU_I, method=method)
            super().__init__(E, I, N=neu)

    net = COBAHH(args.seed)
    v0 = np.asarray(net.N.V.value).copy()
    steps = int(round(args.duration_ms / args.dt_ms))
    indices = np.arange(steps)

    def step(i):
        net.step_run(i)
        return net.N.spike.value

    @bm.jit
    def simulate(idx):
        return bm.for_loop(step, idx, progress_bar=False)

    timed = bpc.run_timed(simulate, indices, net.vars().unique(), args.repeats, t_setup)
    spk = timed["output"]

    step_idx, neuron_idx = np.nonzero(spk)
    # bm.for_loop step i runs at t = i*dt and the spike is the state after that step: t = (i+1)*dt
    spike_t = (step_idx + 1) * args.dt_ms
    # the CSR the projections use (conn.require() would draw a new matrix)
    syns = {s.pre.num: s for s in net.nodes(level=1).values() if isinstance(s, bp.synapses.Exponential)}
    indptr_e = np.asarray(syns[P_.N_E].comm.indptr)
    indptr_i = np.asarray(syns[P_.N_I].comm.indptr)
    out_degree = np.concatenate([np.diff(indptr_e), np.diff(indptr_i)])
    summary = {
        "model": "cobahh" if args.variant == "iclr" else "cobahh_brette",
        "variant": args.variant,
        "weights_nS": [w_e, w_i],
        "tool": f"brainpy {bp.__version__}",
        "duration_ms": float(args.duration_ms),
        "dt_ms": float(args.dt_ms),
        "steps": steps,
        "neurons": P_.N,
        "synapses": int(out_degree.sum()),
        "seed": args.seed,
        "threads": args.threads,
        "device": "cpu",
        "dtype": args.dtype,
        "method": "exp_auto",
        "spike_count": int(neuron_idx.size),
        "synaptic_events": synaptic_events(neuron_idx, out_degree),
        "groups": population_stats(spike_t, neuron_idx, args.duration_ms),
        **bpc.timing_fields(timed, cpus),
        "comm": "event CSR (bp.synapses.Exponential comp_method='sparse' -> bp.dnn.EventCSRLinear, brainevent)",
        "versions": {"jax": jax.__version__, "brainevent": bpc.version("brainevent")},
        "v0_mean_std_mV": [float(v0.mean()), float(v0.std())],
    }
    if int(out_degree.min()) != P_.OUT_DEGREE or int(out_degree.max()) != P_.OUT_DEGREE:
        print(f"warning: out-degree {out_degree.min()}..{out_degree.max()}, expected {P_.OUT_DEGREE}", file=sys.stderr)
    write_summary(os.path.join(args.out, "summary.json"), summary)
    if args.save_spikes:
        np.savez_compressed(os.path.join(args.out, "spikes.npz"), times_ms=spike_t, indices=neuron_idx)
    g = summary["groups"]
    print(f"brainpy cobahh/{args.variant} seed={args.seed} threads={args.threads} {args.dtype}: "
          f"E {g['E']['mean_rate_hz']:.2f} Hz I {g['I']['mean_rate_hz']:.2f} Hz, "
          f"CV E {g['E']['cv_isi']:.3f} I {g['I']['cv_isi']:.3f}, "
          f"loop {summary['wall_seconds']:.4f} s, setup {summary['setup_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
