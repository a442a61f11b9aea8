#!/usr/bin/env python3
"""The COBA benchmark network (Vogels & Abbott 2005 / Brette et al. 2007, as BrainPy's
examples/dynamics_simulation/COBA.py defines it) in Brian2 C++ standalone mode.

  python brian2_coba.py --seed 1 --threads 1 --duration-ms 1000 --out DIR [--repeats 3]

Writes DIR/summary.json (schema: see benchmarks/README.md).

Timing:
  wall_seconds   the simulation loop alone, as Brian2 measures it itself: Network::_last_run_time
                 (read back as device._last_run_time / results/last_run_info.txt). It spans the
                 `while (clock running)` loop of Network::run in the generated network.cpp: all
                 state updates, thresholds, spike propagation, resets and the SpikeMonitor, but not
                 synapse creation, initialisation or writing results. With OpenMP it is
                 omp_get_wtime() (wall clock); without OpenMP (threads=1) Brian2 uses std::clock()
                 (process CPU time), which equals wall time for this single-threaded CPU-bound loop.
                 With --repeats N the compiled binary is executed N times and the best is reported
                 (all in wall_seconds_all).
  setup_seconds  code generation + compilation: the wall time of device.build() minus the time
                 Brian2 spent running the binary (device.timers['run_binary']).
  init_seconds   (extra) run of the binary minus the loop: synapse creation, initialisation, I/O.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coba_stats import population_stats, synaptic_events, write_summary  # noqa: E402

N_E, N_I = 3200, 800
N = N_E + N_I


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (1 = no OpenMP)")
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--save-spikes", action="store_true", help="also write DIR/spikes.npz (times_ms, indices)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="execute the compiled binary this many times, report the fastest loop")
    ap.add_argument("--make-jobs", type=int, default=int(os.environ.get("BRAINTORCH_BENCH_MAKE_JOBS", "1")),
                    help="parallel make jobs for Brian2's build (default 1, env BRAINTORCH_BENCH_MAKE_JOBS)")
    ap.add_argument("--keep-build", action="store_true", help="keep the generated build directory")
    args = ap.parse_args()

    import brian2
    from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV, prefs, run,
                        seed, set_device)

    os.makedirs(args.out, exist_ok=True)
    build_dir = tempfile.mkdtemp(prefix=f"brian2_coba_s{args.seed}_t{args.threads}_")
    set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{max(1, args.make_jobs)}"]
    prefs.logging.std_redirection = False
    defaultclock.dt = args.dt_ms * ms
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
    t0 = time.perf_counter()
    device.build(directory=build_dir, compile=True, run=True, debug=False, clean=True)
    build_total = time.perf_counter() - t0
    run_binary = float(device.timers["run_binary"] or 0.0)
    loops = [float(device._last_run_time)]

    # further executions of the same binary (no recompilation) for best-of-N loop timing
    binary = "./main"
    for _ in range(max(0, args.repeats - 1)):
        subprocess.run([binary], cwd=build_dir, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(build_dir, "results", "last_run_info.txt")) as f:
            loops.append(float(f.read().split()[0]))

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
        "wall_seconds": min(loops),
        "setup_seconds": build_total - run_binary,
        "spike_count": int(spike_i.size),
        "synaptic_events": synaptic_events(spike_i, out_degree),
        "groups": population_stats(spike_t, spike_i, args.duration_ms),
        "wall_seconds_all": loops,
        "init_seconds": max(0.0, run_binary - loops[0]),
        "timing_note": "wall_seconds = Brian2 Network::_last_run_time (loop only); "
                       "setup_seconds = code generation + compilation",
        "backend": "cpp_standalone" + (f" openmp={args.threads}" if args.threads > 1 else " (no OpenMP)"),
    }
    write_summary(os.path.join(args.out, "summary.json"), summary)
    if args.save_spikes:
        np.savez_compressed(os.path.join(args.out, "spikes.npz"), times_ms=spike_t, indices=spike_i)
    g = summary["groups"]
    print(f"brian2 seed={args.seed} threads={args.threads}: E {g['E']['mean_rate_hz']:.2f} Hz "
          f"I {g['I']['mean_rate_hz']:.2f} Hz, CV E {g['E']['cv_isi']:.3f} I {g['I']['cv_isi']:.3f}, "
          f"loop {summary['wall_seconds']:.4f} s, setup {summary['setup_seconds']:.1f} s")
    if not args.keep_build:
        shutil.rmtree(build_dir, ignore_errors=True)
    else:
        print("build directory:", build_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
