#!/usr/bin/env python3
"""One row of the per-model speed table (compare_models.py) in Brian2 C++ standalone mode: --size
unconnected neurons of one model under a constant input.

  python brian2_models.py --model Lif --duration-ms 1000 --out DIR [--repeats 3] [--input I]
      [--method exp_euler|euler] [--size 4000] [--threads 1]

Model, parameters, input and method: neuron_models.py (B2: the BrainPy model's equations written for
Brian2, dimensionless, the parameters and the input `I` as namespace constants; INIT: BrainPy's
default initial state, random parts drawn with numpy.random.default_rng([seed, 0])). method
exp_euler = Brian2's 'exponential_euler', euler = 'euler'. HH-type models spike at each upward
crossing of V_th (threshold='V >= V_th', refractory='V >= V_th', no reset; see brian2_cobahh.py for
why this is one spike per crossing); the others reset as BrainPy does. A SpikeMonitor records every
neuron, as the other tools do.

Before building, the script splits each equation into x' = A x + B with Brian2's own
get_conditionally_linear_system and records whether A and B are free of x ("exp_euler_exact"): only
then is Brian2's exponential_euler the scheme of BrainPy's exp_auto. An exp_euler row that is not
exact is refused (exit 2).

Writes DIR/summary.json: model, method, input, size, steps, wall_seconds (best loop), setup_seconds,
wall_seconds_all, init_seconds, spike_count, mean_rate_hz, per_step_us. Timing:
brian2_standalone.py.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brian2_standalone as b2s  # noqa: E402
import neuron_models as M  # noqa: E402
from coba_stats import write_summary  # noqa: E402


def exprel(x):
    x = np.asarray(x, dtype=np.float64)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.expm1(safe) / safe)


def hh_inf(V):
    """BrainPy HH's steady-state gates (its default initial m, h, n) at V."""
    am, bm_ = 1. / exprel(-(V + 40) / 10), 4.0 * np.exp(-(V + 65) / 18)
    ah, bh = 0.07 * np.exp(-(V + 65) / 20.), 1 / (1 + np.exp(-(V + 35) / 10))
    an, bn = 0.1 / exprel(-(V + 55) / 10), 0.125 * np.exp(-(V + 65) / 80)
    return {"m": am / (am + bm_), "h": ah / (ah + bh), "n": an / (an + bn)}


def initial_state(model: str, size: int, seed: int) -> dict:
    rng = np.random.default_rng([seed, 0])
    out = {}
    for var, spec in M.INIT[model].items():  # V first (dict order), so hh_inf can use it
        if isinstance(spec, (int, float)):
            out[var] = np.full(size, float(spec))
        elif spec == "hh_inf":
            out[var] = hh_inf(out["V"])[var]
        elif spec[0] == "uniform":
            out[var] = rng.uniform(spec[1], spec[2], size)
        elif spec[0] == "normal":
            out[var] = rng.normal(spec[1], spec[2], size)
        else:
            raise ValueError(f"{model}.{var}: unknown initial state {spec!r}")
    return out


def exp_euler_exact(eqs_str: str) -> dict:
    """For each differential equation x' = f: True when f splits into A x + B with A and B free of x
    (then Brian2's exponential_euler is BrainPy's exp_auto), False otherwise. The split is Brian2's
    own (stateupdaters.exponential_euler.get_conditionally_linear_system), one equation at a time."""
    import sympy as sp
    from brian2 import Equations
    from brian2.parsing.sympytools import str_to_sympy

    exact = {}
    for name, expr in Equations(eqs_str).get_substituted_expressions():
        x = sp.Symbol(name, real=True)
        f = str_to_sympy(expr.code).expand()
        if not f.has(x):
            exact[name] = True
            continue
        parts = sp.collect(f, x, evaluate=False)
        exact[name] = (len(parts) <= 2 and x in parts and not sp.sympify(parts[x]).has(x)
                       and not sp.sympify(parts.get(1, 0)).has(x))
    return exact


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=M.ORDER)
    ap.add_argument("--input", type=float, default=None, help="default: neuron_models.INPUT")
    ap.add_argument("--method", choices=["exp_euler", "euler"], default=None, help="default: neuron_models.METHOD")
    ap.add_argument("--size", type=int, default=4000)
    b2s.add_common_args(ap, save_spikes=False)
    args = ap.parse_args()
    I_ext = M.INPUT[args.model] if args.input is None else args.input
    method = args.method or M.METHOD[args.model]
    spec = M.B2[args.model]

    import brian2
    from brian2 import NeuronGroup, SpikeMonitor, ms, run, seed

    exact = exp_euler_exact(spec["eqs"])
    if method == "exp_euler" and not all(exact.values()):
        print(f"error: {args.model}: Brian2's exponential_euler is not BrainPy's exp_auto for "
              f"{[k for k, v in exact.items() if not v]} (not linear in themselves); use --method euler",
              file=sys.stderr)
        return 2

    os.makedirs(args.out, exist_ok=True)
    build_dir = b2s.setup_device(f"brian2_model_{args.model}_", args.threads, args.make_jobs, args.dt_ms)
    seed(args.seed)
    b2_method = "exponential_euler" if method == "exp_euler" else "euler"
    ns = dict(M.PARAMS[args.model])
    ns["I"] = I_ext
    kw = {"threshold": spec["threshold"], "method": b2_method, "namespace": ns, "name": "neurons"}
    if spec["reset"]:
        kw["reset"] = spec["reset"]
    if spec["refractory"]:
        kw["refractory"] = spec["refractory"]
    G = NeuronGroup(args.size, spec["eqs"], **kw)
    for var, values in initial_state(args.model, args.size, args.seed).items():
        setattr(G, var, values)
    mon = SpikeMonitor(G, name="spikes")

    run(args.duration_ms * ms)
    timed = b2s.build_and_time(build_dir, args.repeats)

    count = int(len(mon.i[:]))
    steps = int(round(args.duration_ms / args.dt_ms))
    best = min(timed["loops"])
    summary = {
        "model": args.model,
        "tool": f"brian2 {brian2.__version__}",
        "method": method,
        "tool_method": b2_method,
        "exp_euler_exact": exact,
        "input": I_ext,
        "size": args.size,
        "duration_ms": float(args.duration_ms),
        "dt_ms": float(args.dt_ms),
        "steps": steps,
        "threads": args.threads,
        "dtype": "float64",
        "spike_count": count,
        "mean_rate_hz": count / args.size / (args.duration_ms / 1000.0),
        "per_step_us": best / steps * 1e6,
        **b2s.timing_fields(timed, args.threads),
    }
    write_summary(os.path.join(args.out, "summary.json"), summary)
    print(f"brian2 {args.model} ({b2_method}, I={I_ext:g}): {summary['mean_rate_hz']:.2f} Hz, "
          f"loop {best:.4f} s ({summary['per_step_us']:.2f} us/step), setup {summary['setup_seconds']:.1f} s")
    b2s.finish(build_dir, args.keep_build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
