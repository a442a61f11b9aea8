#!/usr/bin/env python3
"""One row of the per-model speed table (compare_models.py) in BrainPy on the CPU (JAX/XLA):
--size unconnected neurons of one BrainPy 2.8.2 model under a constant input.

  python brainpy_models.py --model Lif --duration-ms 1000 --out DIR [--repeats 3] [--input I]
      [--method exp_euler|euler] [--size 4000] [--threads 1] [--dtype float64]

Model, parameters, input and method: neuron_models.py (BrainPy's class of that name with the
parameters of PARAMS and BrainPy's default initial state; TraubMilesHH is brainpy_common's copy of
the ICLR'24 COBAHH neuron). method exp_euler = BrainPy's 'exp_auto', euler = 'euler'. The loop is
bm.for_loop over neuron.step_run(i, I) and returns the spikes of every step.

Writes DIR/summary.json: model, method, input, size, steps, wall_seconds (best loop), setup_seconds,
wall_seconds_all, spike_count, mean_rate_hz, per_step_us. Timing and threads: brainpy_common.py.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brainpy_common as bpc  # noqa: E402  (imports no JAX)
import neuron_models as M  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=M.ORDER)
    ap.add_argument("--input", type=float, default=None, help="default: neuron_models.INPUT")
    ap.add_argument("--method", choices=["exp_euler", "euler"], default=None, help="default: neuron_models.METHOD")
    ap.add_argument("--size", type=int, default=4000)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    bpc.add_common_args(ap, save_spikes=False)
    args = ap.parse_args()
    cpus = bpc.configure_threads(args.threads)
    I_ext = M.INPUT[args.model] if args.input is None else args.input
    method = args.method or M.METHOD[args.model]

    import jax
    import numpy as np
    import brainpy as bp
    import brainpy.math as bm

    from coba_stats import write_summary

    os.makedirs(args.out, exist_ok=True)
    t_setup = time.perf_counter()
    bm.set_platform("cpu")
    if args.dtype == "float64":
        bm.enable_x64()
    bm.set_dt(args.dt_ms)
    bm.random.seed(args.seed)
    bp_method = "exp_auto" if method == "exp_euler" else "euler"
    params = M.PARAMS[args.model]
    if args.model == "TraubMilesHH":
        neu = bpc.traub_miles_hh_class(bp, bm, params, input_var=False)(args.size, method=bp_method)
    else:
        neu = getattr(bp.dyn, args.model)(args.size, method=bp_method, **params)

    steps = int(round(args.duration_ms / args.dt_ms))
    indices = np.arange(steps)

    @bm.jit
    def simulate(idx):
        return bm.for_loop(lambda i: neu.step_run(i, I_ext), idx, progress_bar=False)

    timed = bpc.run_timed(simulate, indices, neu.vars().unique(), args.repeats, t_setup)
    spk = np.asarray(timed["output"])
    count = int(spk.sum())
    best = min(timed["loops"])
    summary = {
        "model": args.model,
        "tool": f"brainpy {bp.__version__}",
        "method": method,
        "tool_method": bp_method,
        "input": I_ext,
        "size": args.size,
        "duration_ms": float(args.duration_ms),
        "dt_ms": float(args.dt_ms),
        "steps": steps,
        "threads": args.threads,
        "dtype": args.dtype,
        "spike_count": count,
        "mean_rate_hz": count / args.size / (args.duration_ms / 1000.0),
        "per_step_us": best / steps * 1e6,
        **bpc.timing_fields(timed, cpus),
        "versions": {"jax": jax.__version__},
    }
    write_summary(os.path.join(args.out, "summary.json"), summary)
    print(f"brainpy {args.model} ({bp_method}, I={I_ext:g}): {summary['mean_rate_hz']:.2f} Hz, "
          f"loop {best:.4f} s ({summary['per_step_us']:.2f} us/step), setup {summary['setup_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
