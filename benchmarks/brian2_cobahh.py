#!/usr/bin/env python3
"""The COBAHH network (Brette et al. 2007 benchmark 3, Traub-Miles HH; see cobahh_params.py) in
Brian2 C++ standalone mode, the same variant as braintorch's network file.

  python brian2_cobahh.py --variant iclr|brette --seed 1 --threads 1 --duration-ms 1000 --out DIR
      [--repeats 3] [--save-spikes] [--check-spikes]

Writes DIR/summary.json (schema: see benchmarks/README.md). Timing (wall_seconds, setup_seconds,
init_seconds): see brian2_standalone.py.

Model: one NeuronGroup of 4000 neurons, method='exponential_euler' for every variable:
  Cm dv/dt = gL (EL - v) + ge (Ee - v) + gi (Ei - v) - gNa m^3 h (v - ENa) - gKd n^4 (v - EK)
  dx/dt = alpha_x(v) (1 - x) - beta_x(v) x  for x in m, h, n (Traub-Miles rates, u = v - VT)
  dge/dt = -ge / tau_e, dgi/dt = -gi / tau_i
two Synapses (E -> all `ge += w_e`, I -> all `gi += w_i`, no delay). The connectivity (80 distinct
targets per pre neuron out of 4000, self-connections allowed) and V0 ~ N(-65, 5) mV are drawn with
numpy from --seed (numpy.random.default_rng([seed, k])) and passed to connect(i=, j=) and P.v, so
the network does not depend on the thread count; it is not braintorch's or BrainPy's draw for the
same seed (compare statistics over seeds, not spike trains). m = h = n = 0, ge = gi = 0.

Spike detection: threshold='v >= -20*mV', refractory='v >= -20*mV', no reset. Brian2 turns a
boolean refractory expression into `not_refractory = not_refractory or not (v >= -20 mV)` before
the threshold test `(v >= -20 mV) and not_refractory`, and a spike sets not_refractory = False. So a
neuron spikes at the first step that ends with v >= -20 mV after a step that ended below -20 mV: one
spike per upward crossing (V_old < -20 <= V_new), BrainPy's rule. Verified with --check-spikes,
which records v of every neuron at the end of every step (StateMonitor, when='end'), derives the
upward crossings from V0 and these values, and compares them with the SpikeMonitor's (neuron, step)
pairs; it writes the result into summary.json ("spike_check") and fails on any difference. Use it
on short runs only (it stores 4000 doubles per step and slows the loop).

Differences from BrainPy's step (both legitimate exponential Euler, so compare statistics): Brian2's
exponential_euler integrates v with ge, gi inside the linear coefficient, BrainPy holds the synaptic
current at the old V; Brian2's V at step n+1 sees g_n + w of a spike at step n, BrainPy's old-style
synapse g_n e^(-dt/tau) + w.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brian2_standalone as b2s  # noqa: E402
import cobahh_params as P_  # noqa: E402
from coba_stats import population_stats, synaptic_events, write_summary  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=sorted(P_.VARIANTS), default="iclr",
                    help="iclr: weights 0.6 / 6.7 nS (networks/cobahh.json); brette: 6 / 67 nS")
    ap.add_argument("--check-spikes", action="store_true",
                    help="record v everywhere and check one spike per upward crossing of -20 mV (short runs)")
    b2s.add_common_args(ap)
    args = ap.parse_args()

    import brian2
    from brian2 import NeuronGroup, SpikeMonitor, StateMonitor, Synapses, mV, ms, nS, pF, run, seed

    os.makedirs(args.out, exist_ok=True)
    build_dir = b2s.setup_device(f"brian2_cobahh_{args.variant}_s{args.seed}_t{args.threads}_", args.threads,
                                 args.make_jobs, args.dt_ms)
    seed(args.seed)  # nothing random is left to Brian2; set for completeness

    w_e, w_i = P_.weights(args.variant)
    ns = {
        "Cm": P_.C_M * pF, "gl": P_.G_L * nS, "g_na": P_.G_NA * nS, "g_kd": P_.G_KD * nS,
        "El": P_.E_L * mV, "ENa": P_.E_NA * mV, "EK": P_.E_K * mV, "VT": P_.V_T * mV,
        "Ee": P_.E_E * mV, "Ei": P_.E_I * mV, "taue": P_.TAU_E * ms, "taui": P_.TAU_I * ms,
        "v_th": P_.V_TH * mV, "we": w_e * nS, "wi": w_i * nS,
    }
    eqs = """
    dv/dt = (gl*(El-v) + ge*(Ee-v) + gi*(Ei-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m) - beta_m*m : 1
    dn/dt = alpha_n*(1-n) - beta_n*n : 1
    dh/dt = alpha_h*(1-h) - beta_h*h : 1
    dge/dt = -ge/taue : siemens
    dgi/dt = -gi/taui : siemens
    alpha_m = 0.32*(mV**-1)*(13*mV-v+VT)/(exp((13*mV-v+VT)/(4*mV))-1.)/ms : Hz
    beta_m = 0.28*(mV**-1)*(v-VT-40*mV)/(exp((v-VT-40*mV)/(5*mV))-1.)/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1.+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*(15*mV-v+VT)/(exp((15*mV-v+VT)/(5*mV))-1.)/ms : Hz
    beta_n = 0.5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    """
    N, N_E, N_I = P_.N, P_.N_E, P_.N_I
    Pop = NeuronGroup(N, eqs, threshold="v >= v_th", refractory="v >= v_th", method="exponential_euler",
                      namespace=ns, name="neurons")
    v0 = np.random.default_rng([args.seed, 0]).normal(P_.V0_MEAN, P_.V0_STD, N)
    Pop.v = v0 * mV
    Pop.m = 0
    Pop.h = 0
    Pop.n = 0
    Pop.ge = 0 * nS
    Pop.gi = 0 * nS
    Ce = Synapses(Pop[:N_E], Pop, on_pre="ge += we", namespace=ns, name="E_to_all")
    Ci = Synapses(Pop[N_E:], Pop, on_pre="gi += wi", namespace=ns, name="I_to_all")
    ie, je = P_.fixed_out_degree(np.random.default_rng([args.seed, 1]), N_E, N)
    ii, ji = P_.fixed_out_degree(np.random.default_rng([args.seed, 2]), N_I, N)
    Ce.connect(i=ie, j=je)
    Ci.connect(i=ii, j=ji)
    mon = SpikeMonitor(Pop, name="spikes")
    vmon = StateMonitor(Pop, "v", record=True, when="end", name="vmon") if args.check_spikes else None

    run(args.duration_ms * ms)
    timed = b2s.build_and_time(build_dir, args.repeats)

    spike_t = np.asarray(mon.t / ms)
    spike_i = np.asarray(mon.i[:], dtype=np.int64)
    out_degree = np.concatenate([np.bincount(ie, minlength=N_E), np.bincount(ii, minlength=N_I)])
    steps = int(round(args.duration_ms / args.dt_ms))
    summary = {
        "model": "cobahh" if args.variant == "iclr" else "cobahh_brette",
        "variant": args.variant,
        "weights_nS": [w_e, w_i],
        "tool": f"brian2 {brian2.__version__}",
        "duration_ms": float(args.duration_ms),
        "dt_ms": float(args.dt_ms),
        "steps": steps,
        "neurons": N,
        "synapses": int(len(ie) + len(ii)),
        "seed": args.seed,
        "threads": args.threads,
        "device": "cpu",
        "dtype": "float64",
        "method": "exponential_euler",
        "spike_count": int(spike_i.size),
        "synaptic_events": synaptic_events(spike_i, out_degree),
        "groups": population_stats(spike_t, spike_i, args.duration_ms),
        **b2s.timing_fields(timed, args.threads),
    }
    ok = True
    if vmon is not None:
        summary["spike_check"] = check_spikes(v0, np.asarray(vmon.v / mV).T, spike_t, spike_i, args.dt_ms,
                                              P_.V_TH)
        summary["timing_note"] += "; loop includes a StateMonitor of v (--check-spikes)"
        ok = summary["spike_check"]["identical"]
        print("spike check:", summary["spike_check"])
    write_summary(os.path.join(args.out, "summary.json"), summary)
    if args.save_spikes:
        np.savez_compressed(os.path.join(args.out, "spikes.npz"), times_ms=spike_t, indices=spike_i)
    g = summary["groups"]
    print(f"brian2 cobahh/{args.variant} seed={args.seed} threads={args.threads}: E {g['E']['mean_rate_hz']:.2f} Hz "
          f"I {g['I']['mean_rate_hz']:.2f} Hz, CV E {g['E']['cv_isi']:.3f} I {g['I']['cv_isi']:.3f}, "
          f"loop {summary['wall_seconds']:.4f} s, setup {summary['setup_seconds']:.1f} s")
    b2s.finish(build_dir, args.keep_build)
    return 0 if ok else 1


def check_spikes(v0_mV, v_end_mV, spike_t_ms, spike_i, dt_ms, v_th) -> dict:
    """Compare the SpikeMonitor with the upward crossings of v_th in the recorded v.
    v_end_mV: (steps, N), v at the end of each step; step n ends with v_end[n], spikes of step n are
    recorded at t = n * dt."""
    prev = np.vstack([v0_mV[None, :], v_end_mV[:-1]])
    cross_step, cross_i = np.nonzero((prev < v_th) & (v_end_mV >= v_th))
    steps_above = int((v_end_mV >= v_th).sum())
    expected = set(zip(cross_step.tolist(), cross_i.tolist()))
    got = set(zip(np.rint(np.asarray(spike_t_ms) / dt_ms).astype(np.int64).tolist(), spike_i.tolist()))
    return {"upward_crossings": len(expected), "spikes": int(len(spike_i)), "distinct_spikes": len(got),
            "steps_at_or_above_threshold": steps_above, "missing": len(expected - got), "extra": len(got - expected),
            "identical": expected == got and len(got) == len(spike_i)}


if __name__ == "__main__":
    sys.exit(main())
