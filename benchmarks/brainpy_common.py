"""BrainPy (CPU, JAX/XLA) thread pinning and loop timing shared by the BrainPy peer scripts
(brainpy_coba.py, brainpy_cobahh.py, brainpy_models.py).

Import this module before JAX: configure_threads() must run before the first `import jax`.

Timing definitions (every BrainPy script reports these):
  setup_seconds  network construction + the first call of the jitted loop (tracing, XLA compilation
                 and one full simulation).
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


def add_common_args(ap: argparse.ArgumentParser, save_spikes: bool = True) -> None:
    """The options every BrainPy peer script takes (besides its model options)."""
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--out", required=True)
    if save_spikes:
        ap.add_argument("--save-spikes", action="store_true", help="also write DIR/spikes.npz (times_ms, indices)")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs after the compile run; best is reported")


def configure_threads(n: int) -> list:
    """XLA flags, BLAS/OpenMP variables and CPU affinity for n threads; call before importing JAX.
    Returns the CPUs the process is pinned to."""
    n = max(1, n)
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


def run_timed(simulate, indices, states, repeats: int, t_setup_start: float) -> dict:
    """Call simulate(indices) once (compile + first run), then `repeats` more times, each from the
    initial values of `states` (a dict of brainpy Variables, e.g. net.vars().unique()), timing each
    call. Returns output (numpy array of the last timed call), setup_seconds and loops."""
    import jax
    import numpy as np
    import brainpy.math as bm

    init_state = {k: bm.as_jax(v.value) for k, v in states.items()}

    def restore():
        for k, v in states.items():
            v.value = init_state[k]

    first = np.asarray(jax.block_until_ready(simulate(indices)))  # compile + first run
    setup_seconds = time.perf_counter() - t_setup_start
    loops, out = [], first
    for _ in range(max(1, repeats)):
        restore()
        t0 = time.perf_counter()
        res = jax.block_until_ready(simulate(indices))
        loops.append(time.perf_counter() - t0)
        out = np.asarray(res)
    if not np.array_equal(first, out):
        print("warning: timed run differs from the compile run", file=sys.stderr)
    return {"output": out, "setup_seconds": setup_seconds, "loops": loops}


def timing_fields(timed: dict, cpus: list) -> dict:
    """The summary.json timing fields of a BrainPy run (see the module docstring)."""
    return {
        "wall_seconds": min(timed["loops"]),
        "setup_seconds": timed["setup_seconds"],
        "wall_seconds_all": timed["loops"],
        "cpus": cpus,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "timing_note": "wall_seconds = best jitted for_loop call after a compile run; "
                       "setup_seconds = construction + compile run",
    }


def traub_miles_hh_class(bp, bm, params: dict, input_var: bool):
    """The Traub-Miles HH neuron of BrainPy's ICLR'24 COBAHH script (brainpy_COBAHH.py, class HH),
    as a bp.dyn.NeuDyn subclass for BrainPy 2.8.2. params: C, gL, gNa, gK, EL, ENa, EK, V_T, V_th
    (pF, nS, mV). V, m, h, n are integrated together (bp.JointEq, exp_auto by default); spike =
    V_old < V_th <= V_new, no reset; V0 = EL + 5 randn - 5 (bm.random), m = h = n = 0; rate functions
    as the script's float64 branch. The input current is update()'s argument plus, with input_var,
    the `input` variable that old-style synapse outputs add to (reset to 0 after each update)."""
    C, gL, gNa, gK = params["C"], params["gL"], params["gNa"], params["gK"]
    EL, ENa, EK, VT, V_th = params["EL"], params["ENa"], params["EK"], params["V_T"], params["V_th"]

    def dV(V, t, m, h, n, Isyn):
        gna = gNa * (m * m * m) * h
        gkd = gK * (n * n * n * n)
        return (-gL * (V - EL) - gna * (V - ENa) - gkd * (V - EK) + Isyn) / C

    def dm(m, t, V):
        m_alpha = 0.32 * (13 - V + VT) / (bm.exp((13 - V + VT) / 4) - 1.)
        m_beta = 0.28 * (V - VT - 40) / (bm.exp((V - VT - 40) / 5) - 1)
        return m_alpha * (1 - m) - m_beta * m

    def dh(h, t, V):
        h_alpha = 0.128 * bm.exp((17 - V + VT) / 18)
        h_beta = 4. / (1 + bm.exp(-(V - VT - 40) / 5))
        return h_alpha * (1 - h) - h_beta * h

    def dn(n, t, V):
        c = 15 - V + VT
        n_alpha = 0.032 * c / (bm.exp(c / 5) - 1.)
        n_beta = .5 * bm.exp((10 - V + VT) / 40)
        return n_alpha * (1 - n) - n_beta * n

    class TraubMilesHH(bp.dyn.NeuDyn):
        def __init__(self, size, method="exp_auto"):
            super().__init__(size)
            self.V = bm.Variable(EL + bm.random.randn(self.num) * 5 - 5.)
            self.m = bm.Variable(bm.zeros(self.num))
            self.n = bm.Variable(bm.zeros(self.num))
            self.h = bm.Variable(bm.zeros(self.num))
            self.spike = bm.Variable(bm.zeros(self.num, dtype=bool))
            if input_var:
                self.input = bm.Variable(bm.zeros(self.num))
            self.integral = bp.odeint(bp.JointEq([dV, dm, dh, dn]), method=method)

        def update(self, x=None):
            if input_var:
                I = self.input.value if x is None else self.input.value + x
            else:
                I = 0. if x is None else x
            V, m, h, n = self.integral(self.V.value, self.m.value, self.h.value, self.n.value, bp.share["t"],
                                       Isyn=I, dt=bp.share["dt"])
            self.spike.value = bm.logical_and(self.V.value < V_th, V >= V_th)
            self.m.value = m
            self.h.value = h
            self.n.value = n
            self.V.value = V
            if input_var:
                self.input.value = bm.zeros_like(self.input.value)
            return self.spike.value

    return TraubMilesHH


def version(name: str) -> str:
    try:
        from importlib.metadata import version as _v
        return _v(name)
    except Exception:  # pragma: no cover
        return "unknown"
