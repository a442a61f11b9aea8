"""Brian2 C++ standalone set-up and loop timing shared by the Brian2 peer scripts
(brian2_coba.py, brian2_cobahh.py, brian2_models.py).

Timing definitions (every Brian2 script reports these):
  wall_seconds   the simulation loop alone, as Brian2 measures it itself: Network::_last_run_time
                 (read back as device._last_run_time / results/last_run_info.txt). It spans the
                 `while (clock running)` loop of Network::run in the generated network.cpp: all
                 state updates, thresholds, spike propagation, resets and the monitors, but not
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
import tempfile
import time


def add_common_args(ap: argparse.ArgumentParser, save_spikes: bool = True) -> None:
    """The options every Brian2 peer script takes (besides its model options)."""
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (1 = no OpenMP)")
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--out", required=True)
    if save_spikes:
        ap.add_argument("--save-spikes", action="store_true", help="also write DIR/spikes.npz (times_ms, indices)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="execute the compiled binary this many times, report the fastest loop")
    ap.add_argument("--make-jobs", type=int, default=int(os.environ.get("BRAINTORCH_BENCH_MAKE_JOBS", "1")),
                    help="parallel make jobs for Brian2's build (default 1, env BRAINTORCH_BENCH_MAKE_JOBS)")
    ap.add_argument("--keep-build", action="store_true", help="keep the generated build directory")


def setup_device(prefix: str, threads: int, make_jobs: int, dt_ms: float) -> str:
    """Select cpp_standalone in a fresh temporary directory (build_on_run=False), set the OpenMP
    threads (1 = no OpenMP), the make jobs and the default clock. Returns the build directory."""
    from brian2 import defaultclock, ms, prefs, set_device

    build_dir = tempfile.mkdtemp(prefix=prefix)
    set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{max(1, make_jobs)}"]
    prefs.logging.std_redirection = False
    defaultclock.dt = dt_ms * ms
    return build_dir


def build_and_time(build_dir: str, repeats: int) -> dict:
    """Generate, compile and run the standalone project, then re-execute the binary repeats - 1 more
    times (no recompilation). Call after brian2.run(...). Returns loops (each run's
    Network::_last_run_time), setup_seconds and init_seconds as defined in the module docstring."""
    from brian2 import device

    t0 = time.perf_counter()
    device.build(directory=build_dir, compile=True, run=True, debug=False, clean=True)
    build_total = time.perf_counter() - t0
    run_binary = float(device.timers["run_binary"] or 0.0)
    loops = [float(device._last_run_time)]
    for _ in range(max(0, repeats - 1)):
        subprocess.run(["./main"], cwd=build_dir, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(build_dir, "results", "last_run_info.txt")) as f:
            loops.append(float(f.read().split()[0]))
    return {"loops": loops, "setup_seconds": build_total - run_binary,
            "init_seconds": max(0.0, run_binary - loops[0])}


def timing_fields(timed: dict, threads: int) -> dict:
    """The summary.json timing fields of a Brian2 run (see the module docstring)."""
    return {
        "wall_seconds": min(timed["loops"]),
        "setup_seconds": timed["setup_seconds"],
        "wall_seconds_all": timed["loops"],
        "init_seconds": timed["init_seconds"],
        "timing_note": "wall_seconds = Brian2 Network::_last_run_time (loop only); "
                       "setup_seconds = code generation + compilation",
        "backend": "cpp_standalone" + (f" openmp={threads}" if threads > 1 else " (no OpenMP)"),
    }


def finish(build_dir: str, keep: bool) -> None:
    if keep:
        print("build directory:", build_dir)
    else:
        shutil.rmtree(build_dir, ignore_errors=True)
