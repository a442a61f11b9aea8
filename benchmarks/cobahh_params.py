"""The COBAHH network (Brette et al. 2007 benchmark 3: Traub-Miles HH neurons with exponential
conductances) shared by brian2_cobahh.py, brainpy_cobahh.py and compare_coba.py.

Two variants, identical except for the weights (braintorch: networks/cobahh.json and
networks/cobahh_brette.json):
  iclr    0.6 nS (E) / 6.7 nS (I): the variant BrainPy's ICLR'24 benchmark script
          (5.1_EI_balanced_network/COBAHH/brainpy_COBAHH.py) simulates; about 8 Hz
  brette  6 nS / 67 nS: Brette et al. 2007 and Brian2's example; about 40 Hz

Network: 3200 E + 800 I neurons in one group; each pre neuron has exactly 80 targets drawn without
replacement from all 4000 neurons (self-connections allowed); E_e = 0 mV, E_i = -80 mV, tau_e = 5 ms,
tau_i = 10 ms; V0 ~ N(-65, 5) mV, m = h = n = 0, g_e = g_i = 0; dt 0.1 ms, exponential Euler; a spike
at each upward crossing of -20 mV (V_old < -20 <= V_new), no reset, no refractory period.

This module needs only the standard library (numpy is imported inside fixed_out_degree).
"""
from __future__ import annotations

N_E, N_I = 3200, 800
N = N_E + N_I
OUT_DEGREE = 80  # FixedProb(0.02) of 4000 post neurons, BrainPy >= 2.4 semantics

# Traub-Miles HH (pF, nS, mV, ms)
C_M = 200.0
G_L = 10.0
G_NA = 20000.0
G_KD = 6000.0
E_L = -60.0
E_NA = 50.0
E_K = -90.0
V_T = -63.0
V_TH = -20.0
# synapses
TAU_E, TAU_I = 5.0, 10.0
E_E, E_I = 0.0, -80.0
# initial state
V0_MEAN, V0_STD = -65.0, 5.0

VARIANTS = {  # name: (E weight nS, I weight nS, braintorch network file, approximate rate)
    "iclr": (0.6, 6.7, "networks/cobahh.json", "~8 Hz"),
    "brette": (6.0, 67.0, "networks/cobahh_brette.json", "~40 Hz"),
}


def weights(variant: str) -> tuple:
    return VARIANTS[variant][0], VARIANTS[variant][1]


def fixed_out_degree(rng, n_pre: int, n_post: int, k: int = OUT_DEGREE):
    """(i, j) of a fixed out-degree connectivity: k distinct targets in [0, n_post) per pre neuron
    (self-connections allowed), drawn with a numpy Generator; i sorted, j in draw order per row."""
    import numpy as np

    j = np.empty((n_pre, k), dtype=np.int64)
    for p in range(n_pre):
        j[p] = rng.choice(n_post, size=k, replace=False)
    i = np.repeat(np.arange(n_pre, dtype=np.int64), k)
    return i, j.reshape(-1)
