"""The single-neuron models of the per-model speed table (compare_models.py), shared by
brian2_models.py, brainpy_models.py and the driver. Standard library only.

Every model is BrainPy 2.8.2's class of that name with BrainPy's default parameters (all written out
in PARAMS, so braintorch gets them explicitly) and BrainPy's default initial state, except:
- LifRef: tau_ref = 2 ms (BrainPy's default 0 never holds V, which makes it Lif);
- TraubMilesHH: not a BrainPy class; the COBAHH neuron (cobahh_params.py, the ICLR'24 script's HH
  class) with its initial state V ~ N(-65, 5) mV, m = h = n = 0.
Units are BrainPy's (ms, mV; the HH-type models per area: uF/cm2, mS/cm2, uA/cm2; TraubMilesHH
pF, nS, pA). INPUT is the constant external current, chosen so that BrainPy fires at 10-50 Hz
(see NOTES where that is impossible).

METHOD is the integration method of the whole row, the same in every tool: "exp_euler" (BrainPy
exp_auto, Brian2 exponential_euler, braintorch exp_euler) where Brian2's exponential_euler integrates
the equations as BrainPy's exp_auto does, i.e. where each variable's right-hand side is linear in that
variable (x' = A x + B with A, B free of x: then both compute x + dt phi1(A dt) (A x + B)); else "euler"
(forward Euler in all three). Brian2 refuses QuaIF, AdQuaIF, Izhikevich and WangBuzsakiHH with
exponential_euler; it accepts ExpIF, AdExIF and MorrisLecar, but there it leaves the exponential term
(or the V dependence of M_inf) in B at the old V, a different scheme from exp_auto, whose coefficient
is the full derivative d f / d V; so those rows use euler too. brian2_models.py checks the choice with
Brian2's own linear-system split (summary.json "exp_euler_exact") and refuses an exp_euler row that is
not exactly linear.

B2 holds the Brian2 form of each model: dimensionless variables, time in ms (written `/ms`), the
parameters and INPUT (`I`) as namespace constants.
"""
from __future__ import annotations

ORDER = ["Lif", "LifRef", "ExpIF", "AdExIF", "QuaIF", "AdQuaIF", "Gif", "Izhikevich", "HH", "MorrisLecar",
         "WangBuzsakiHH", "TraubMilesHH"]

PARAMS = {
    "Lif": {"V_rest": 0.0, "V_reset": -5.0, "V_th": 20.0, "R": 1.0, "tau": 10.0},
    "LifRef": {"V_rest": 0.0, "V_reset": -5.0, "V_th": 20.0, "R": 1.0, "tau": 10.0, "tau_ref": 2.0},
    "ExpIF": {"V_rest": -65.0, "V_reset": -68.0, "V_th": -55.0, "V_T": -59.9, "delta_T": 3.48, "R": 1.0,
              "tau": 10.0},
    "AdExIF": {"V_rest": -65.0, "V_reset": -68.0, "V_th": -55.0, "V_T": -59.9, "delta_T": 3.48, "a": 1.0,
               "b": 1.0, "tau": 10.0, "tau_w": 30.0, "R": 1.0},
    "QuaIF": {"V_rest": -65.0, "V_reset": -68.0, "V_th": -30.0, "V_c": -50.0, "c": 0.07, "R": 1.0, "tau": 10.0},
    "AdQuaIF": {"V_rest": -65.0, "V_reset": -68.0, "V_th": -30.0, "V_c": -50.0, "a": 1.0, "b": 0.1, "c": 0.07,
                "tau": 10.0, "tau_w": 10.0},
    "Gif": {"V_rest": -70.0, "V_reset": -70.0, "V_th_inf": -50.0, "V_th_reset": -60.0, "R": 20.0, "tau": 20.0,
            "a": 0.0, "b": 0.01, "k1": 0.2, "k2": 0.02, "R1": 0.0, "R2": 1.0, "A1": 0.0, "A2": 0.0},
    "Izhikevich": {"V_th": 30.0, "p1": 0.04, "p2": 5.0, "p3": 140.0, "a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0,
                   "tau": 10.0, "R": 1.0},
    "HH": {"ENa": 50.0, "gNa": 120.0, "EK": -77.0, "gK": 36.0, "EL": -54.387, "gL": 0.03, "V_th": 20.0, "C": 1.0},
    "MorrisLecar": {"V_Ca": 130.0, "g_Ca": 4.4, "V_K": -84.0, "g_K": 8.0, "V_leak": -60.0, "g_leak": 2.0,
                    "C": 20.0, "V1": -1.2, "V2": 18.0, "V3": 2.0, "V4": 30.0, "phi": 0.04, "V_th": 10.0},
    "WangBuzsakiHH": {"ENa": 55.0, "gNa": 35.0, "EK": -90.0, "gK": 9.0, "EL": -65.0, "gL": 0.1, "V_th": 20.0,
                      "phi": 5.0, "C": 1.0},
    "TraubMilesHH": {"C": 200.0, "gL": 10.0, "gNa": 20000.0, "gK": 6000.0, "EL": -60.0, "ENa": 50.0, "EK": -90.0,
                     "V_T": -63.0, "V_th": -20.0},
}

# parameters that differ from BrainPy's defaults (shown in the table)
NON_DEFAULT = {"LifRef": {"tau_ref": 2.0}}

METHOD = {
    "Lif": "exp_euler", "LifRef": "exp_euler", "ExpIF": "euler", "AdExIF": "euler", "QuaIF": "euler",
    "AdQuaIF": "euler", "Gif": "exp_euler", "Izhikevich": "euler", "HH": "exp_euler", "MorrisLecar": "euler",
    "WangBuzsakiHH": "euler", "TraubMilesHH": "exp_euler",
}

# why a row is euler: Brian2 "refuses" exponential_euler for the equations (UnsupportedEquations),
# or accepts them but is "inexact" there (not BrainPy's exp_auto); checked with Brian2 2.9.0
EULER_WHY = {"ExpIF": "inexact", "AdExIF": "inexact", "MorrisLecar": "inexact", "QuaIF": "refuses",
             "AdQuaIF": "refuses", "Izhikevich": "refuses", "WangBuzsakiHH": "refuses"}

INPUT = {  # BrainPy's rate with this input (4000 neurons, 1 s, float64) in compare_models.py's table
    "Lif": 21.0, "LifRef": 21.0, "ExpIF": 4.0, "AdExIF": 8.0, "QuaIF": 8.0, "AdQuaIF": 20.0, "Gif": 1.2,
    "Izhikevich": 10.0, "HH": 6.5, "MorrisLecar": 100.0, "WangBuzsakiHH": 1.0, "TraubMilesHH": 50.0,
}

NOTES = {
    "HH": "no constant input gives 10-50 Hz: the HH model fires tonically at >= ~54 Hz (type II onset); "
          "6.5 is near that minimum",
    "WangBuzsakiHH": "BrainPy 2.8.2's WangBuzsakiHH does not fire tonically at any constant input: its "
                     "alpha_n is 1/exprel(-0.1 (V + 34)), 10x Wang & Buzsaki's 0.01 (V + 34) / (1 - "
                     "exp(-0.1 (V + 34))), so the K current wins (silent up to I = 50, 1-4 spikes then rest "
                     "for 55-90, NaN with euler at 80 and 100); the row times BrainPy's model as it is, at rest",
    "TraubMilesHH": "fires at ~13 Hz with no input (V_T = -63 mV); 50 pA gives ~22 Hz",
}

# Brian2: equations, threshold, reset, refractory (None: no reset / no refractory)
_SPIKE_CROSS = {"threshold": "V >= V_th", "reset": None, "refractory": "V >= V_th"}  # upward crossing
_HH_RATES = """
m_alpha = 1. / exprel(-(V + 40.) / 10.) : 1
m_beta = 4.0 * exp(-(V + 65.) / 18.) : 1
h_alpha = 0.07 * exp(-(V + 65.) / 20.) : 1
h_beta = 1. / (1. + exp(-(V + 35.) / 10.)) : 1
n_alpha = 0.1 / exprel(-(V + 55.) / 10.) : 1
n_beta = 0.125 * exp(-(V + 65.) / 80.) : 1
"""
_TM_RATES = """
m_alpha = 0.32 * (13. - V + V_T) / (exp((13. - V + V_T) / 4.) - 1.) : 1
m_beta = 0.28 * (V - V_T - 40.) / (exp((V - V_T - 40.) / 5.) - 1.) : 1
h_alpha = 0.128 * exp((17. - V + V_T) / 18.) : 1
h_beta = 4. / (1. + exp(-(V - V_T - 40.) / 5.)) : 1
n_alpha = 0.032 * (15. - V + V_T) / (exp((15. - V + V_T) / 5.) - 1.) : 1
n_beta = 0.5 * exp((10. - V + V_T) / 40.) : 1
"""
B2 = {
    "Lif": {"eqs": "dV/dt = (-V + V_rest + R * I) / (tau * ms) : 1",
            "threshold": "V >= V_th", "reset": "V = V_reset", "refractory": None},
    "LifRef": {"eqs": "dV/dt = (-V + V_rest + R * I) / (tau * ms) : 1 (unless refractory)",
               "threshold": "V >= V_th", "reset": "V = V_reset", "refractory": "tau_ref * ms"},
    "ExpIF": {"eqs": "dV/dt = (-(V - V_rest) + delta_T * exp((V - V_T) / delta_T) + R * I) / (tau * ms) : 1",
              "threshold": "V >= V_th", "reset": "V = V_reset", "refractory": None},
    "AdExIF": {"eqs": """
dV/dt = (-V + V_rest + delta_T * exp((V - V_T) / delta_T) - R * w + R * I) / (tau * ms) : 1
dw/dt = (a * (V - V_rest) - w) / (tau_w * ms) : 1
""", "threshold": "V >= V_th", "reset": "V = V_reset; w = w + b", "refractory": None},
    "QuaIF": {"eqs": "dV/dt = (c * (V - V_rest) * (V - V_c) + R * I) / (tau * ms) : 1",
              "threshold": "V >= V_th", "reset": "V = V_reset", "refractory": None},
    "AdQuaIF": {"eqs": """
dV/dt = (c * (V - V_rest) * (V - V_c) - w + I) / (tau * ms) : 1
dw/dt = (a * (V - V_rest) - w) / (tau_w * ms) : 1
""", "threshold": "V >= V_th", "reset": "V = V_reset; w = w + b", "refractory": None},
    "Gif": {"eqs": """
dI1/dt = -k1 * I1 / ms : 1
dI2/dt = -k2 * I2 / ms : 1
dV_th/dt = (a * (V - V_rest) - b * (V_th - V_th_inf)) / ms : 1
dV/dt = (-(V - V_rest) + R * (I + I1 + I2)) / (tau * ms) : 1
""", "threshold": "V >= V_th",  # the updated V_th; BrainPy compares with the step's old V_th (a = 0: tiny)
        "reset": "V = V_reset; I1 = R1 * I1 + A1; I2 = R2 * I2 + A2; V_th = clip(V_th, V_th_reset, inf)",
        "refractory": None},
    "Izhikevich": {"eqs": """
dV/dt = (p1 * V * V + p2 * V + p3 - u + I) / ms : 1
du/dt = a * (b * V - u) / ms : 1
""", "threshold": "V >= V_th", "reset": "V = c; u = u + d", "refractory": None},
    "HH": {"eqs": """
dV/dt = (-(gNa * m * m * m * h) * (V - ENa) - (gK * n * n * n * n) * (V - EK) - gL * (V - EL) + I) / (C * ms) : 1
dm/dt = (m_alpha * (1 - m) - m_beta * m) / ms : 1
dh/dt = (h_alpha * (1 - h) - h_beta * h) / ms : 1
dn/dt = (n_alpha * (1 - n) - n_beta * n) / ms : 1
""" + _HH_RATES, **_SPIKE_CROSS},
    "MorrisLecar": {"eqs": """
dV/dt = (-g_Ca * M_inf * (V - V_Ca) - g_K * W * (V - V_K) - g_leak * (V - V_leak) + I) / (C * ms) : 1
dW/dt = (W_inf - W) / (tau_W * ms) : 1
M_inf = 0.5 * (1 + tanh((V - V1) / V2)) : 1
W_inf = 0.5 * (1 + tanh((V - V3) / V4)) : 1
tau_W = 1. / (phi * cosh((V - V3) / (2 * V4))) : 1
""", **_SPIKE_CROSS},
    "WangBuzsakiHH": {"eqs": """
dV/dt = (-gNa * m_inf ** 3 * h * (V - ENa) - gK * n ** 4 * (V - EK) - gL * (V - EL) + I) / (C * ms) : 1
dh/dt = phi * (h_alpha * (1 - h) - h_beta * h) / ms : 1
dn/dt = phi * (n_alpha * (1 - n) - n_beta * n) / ms : 1
m_alpha = 1. / exprel(-0.1 * (V + 35.)) : 1
m_beta = 4. * exp(-(V + 60.) / 18.) : 1
m_inf = m_alpha / (m_alpha + m_beta) : 1
h_alpha = 0.07 * exp(-(V + 58.) / 20.) : 1
h_beta = 1. / (exp(-0.1 * (V + 28.)) + 1.) : 1
n_alpha = 1. / exprel(-0.1 * (V + 34.)) : 1
n_beta = 0.125 * exp(-(V + 44.) / 80.) : 1
""", **_SPIKE_CROSS},
    "TraubMilesHH": {"eqs": """
dV/dt = (-gL * (V - EL) - gNa * (m * m * m) * h * (V - ENa) - gK * (n * n * n * n) * (V - EK) + I) / (C * ms) : 1
dm/dt = (m_alpha * (1 - m) - m_beta * m) / ms : 1
dh/dt = (h_alpha * (1 - h) - h_beta * h) / ms : 1
dn/dt = (n_alpha * (1 - n) - n_beta * n) / ms : 1
""" + _TM_RATES, **_SPIKE_CROSS},
}

# BrainPy's default initial states (what brian2_models.py sets; BrainPy and braintorch use their own
# defaults). "uniform": (low, high) drawn per neuron; "normal": (mean, std); "hh_inf": the gates at
# their steady state for the initial V (BrainPy's HH); a number: a constant.
INIT = {
    "Lif": {"V": 0.0}, "LifRef": {"V": 0.0}, "ExpIF": {"V": 0.0}, "AdExIF": {"V": 0.0, "w": 0.0},
    "QuaIF": {"V": 0.0}, "AdQuaIF": {"V": 0.0, "w": 0.0},
    "Gif": {"V": -70.0, "V_th": -50.0, "I1": 0.0, "I2": 0.0},
    "Izhikevich": {"V": -70.0, "u": -14.0},  # u = b * V
    "HH": {"V": ("uniform", -70.0, -60.0), "m": "hh_inf", "h": "hh_inf", "n": "hh_inf"},
    "MorrisLecar": {"V": ("uniform", -70.0, -60.0), "W": 0.02},
    "WangBuzsakiHH": {"V": -65.0, "h": 0.6, "n": 0.32},
    "TraubMilesHH": {"V": ("normal", -65.0, 5.0), "m": 0.0, "h": 0.0, "n": 0.0},
}


def network_json(model: str, size: int = 4000, duration_ms: float = 1000.0, dt_ms: float = 0.1,
                 seed: int = 1) -> dict:
    """braintorch's network file for one row: `size` unconnected neurons under INPUT."""
    return {
        "name": f"model_{model}",
        "simulation": {"duration_ms": duration_ms, "dt_ms": dt_ms, "seed": seed, "dtype": "float64"},
        "groups": [{"name": "neurons", "type": model, "size": size, "method": METHOD[model],
                    "params": dict(PARAMS[model])}],
        "inputs": [{"group": "neurons", "value": INPUT[model]}],
        "monitors": {"spikes": ["neurons"]},
    }
