"""Makes neuron_models.json: float64 reference runs of single point neurons by two independent peers, Brian2
2.9.0 (runtime mode, numpy target) and BrainPy 2.8.2 (CPU JAX with x64; BrainPy's own classes through
bp.DSRunner with per-step inputs), read by braintorch's C++ neuron-model tests (CI does not install the peers).

    ~/.cache/braintorch/bench-venv/bin/python tests/reference/neuron_models.py   # peers: benchmarks/setup_peers.sh
    (optional arguments: model names, for a partial run that prints the checks and writes nothing; ~15 min in all)

Models (BrainPy names, plain non-LTC forms; full parameter sets under BrainPy's names in every case): Lif, LifRef,
ExpIF(Ref), AdExIF(Ref), QuaIF(Ref), AdQuaIF(Ref), Gif(Ref) (+ variant "bursting"), Izhikevich(Ref),
ALIFBellec2020, HH, MorrisLecar, WangBuzsakiHH (+ variant "published_alpha_n"), and TraubMilesHH (the COBAHH
neuron, which BrainPy lacks; written below on bp.dyn.NeuDyn + JointEq). LifRef also has variant "tau_ref5".

Semantics:
- dt = 0.1 ms, 10000 steps (1 s). Exceptions, recorded per case with a note: euler/rk4 for HH and TraubMilesHH, and
  exp_euler/euler for WangBuzsakiHH/published_alpha_n, use dt = 0.01 ms and 100000 steps (1 s; at 0.1 ms they
  diverge or overshoot); the Izhikevich presets use their protocol's dt. Step n advances the
  state from t_n = n*dt to t_{n+1} with I(t_n) held over the whole step (Brian2: a "constant over dt"
  subexpression read from a TimedArray, so every rk4 stage sees it; BrainPy: the runner's per-step input).
- Inputs: {"type": "constant", "value": a}; {"type": "sine", "offset": a, "amplitude": b, "freq_hz": f} means
  I(t_n) = a + b*sin(2*pi*f*t_n/1000), t_n = n*dt.
- spike_steps: the steps n whose update spiked (BrainPy: the runner's `spike`; Brian2: spikemon.t/dt). HH-type
  models (HH, MorrisLecar, WangBuzsakiHH, TraubMilesHH) spike on V_old < V_th <= V_new and never reset.
- traces[s][k]: state s after step k, k < trace_steps = min(200, first spike step) (200 for HH-type models);
  init: every state's initial value.
- Refractoriness ("refractory_convention"): "brian2" = refractory=tau_ref with (unless refractory) on dV/dt only;
  after a spike in step n, V is held in steps n+1 .. n+k-1, k = floor(tau_ref/dt + 1e-3) (19 steps for 2.05 ms),
  in every rk4 stage. "brainpy" = BrainPy's update(): the step is integrated in full, then V is put back to its
  old value when t - t_last_spike <= tau_ref with t = m*dt in float64 (20 steps for 2.05 ms; for 5.0 ms, 49 or 50
  by float rounding, listed in refractory_held_steps); other states always integrate (under rk4 with the V stages
  free). Brian2 cannot express the latter, so Ref models also store BrainPy euler and rk4 cases.
- Methods: Brian2 "euler", "rk4"; BrainPy "exp_euler" (exp_auto: per variable x + dt*phi1(dt*L)*f, L = df/dx by
  autodiff at the old state, phi1(z) = (exp(z)-1)/z literally, 1 + z/2 + z^2/6 for |z| <= 1e-8; in a JointEq all
  variables advance from the old state). BrainPy euler/rk4 (and, for conditionally linear models, Brian2's
  exponential_euler) runs are compared with the other peer here and summarised in "cross_checks".
- f_I: spike counts over the run for 8 constant inputs, per model for brian2/euler and brainpy/exp_euler.
- izhikevich_presets: BrainPy ships no named presets, so Izhikevich (2004) figure1.m cells A-H (parameters, V0,
  u0 = b*V0, dt, input protocol), run with BrainPy's Izhikevich under exp_euler.
"""

import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

import brian2 as b2
import brainpy as bp
import brainpy.math as bm
import jax
from brainpy.context import share

bm.enable_x64()
bm.set_platform("cpu")
b2.prefs.codegen.target = "numpy"
b2.prefs.core.default_float_dtype = np.float64
b2.BrianLogger.suppress_name("brian2.codegen.generators.base")
b2.BrianLogger.suppress_name("brian2.groups.neurongroup")

DT = 0.1
STEPS = 10000
TRACE_MAX = 200
TAU_REF = 2.05

# ------------------------------------------------------------------------------------------------------------
# TraubMilesHH: the COBAHH neuron (Brette et al. 2007 benchmark 3), written on BrainPy's machinery.


class TraubMilesHH(bp.dyn.NeuDyn):
    """Traub-Miles HH of COBAHH. Units pF, nS, mV, ms, pA. Rates in 1/ms with u = V - V_T; the removable
    singularities are written with exprel: alpha_m = 1.28/exprel((13-u)/4), beta_m = 1.4/exprel((u-40)/5),
    alpha_n = 0.16/exprel((15-u)/5)."""

    def __init__(self, size, method="exp_auto", C=200., gL=10., gNa=20000., gK=6000., EL=-60., ENa=50., EK=-90.,
                 V_T=-63., V_th=-20., V_initializer=-65., m_initializer=0., h_initializer=0., n_initializer=0.):
        super().__init__(size=size, method=method)
        self.C, self.gL, self.gNa, self.gK = C, gL, gNa, gK
        self.EL, self.ENa, self.EK, self.V_T, self.V_th = EL, ENa, EK, V_T, V_th
        self._inits = (V_initializer, m_initializer, h_initializer, n_initializer)
        self.integral = bp.odeint(method=method, f=bp.JointEq(self.dV, self.dm, self.dh, self.dn))
        self.reset_state()

    def reset_state(self, batch_size=None, **kwargs):
        V0, m0, h0, n0 = self._inits
        self.V = bm.Variable(bm.ones(self.varshape) * V0)
        self.m = bm.Variable(bm.ones(self.varshape) * m0)
        self.h = bm.Variable(bm.ones(self.varshape) * h0)
        self.n = bm.Variable(bm.ones(self.varshape) * n0)
        self.spike = bm.Variable(bm.zeros(self.varshape, dtype=bool))

    def dm(self, m, t, V):
        u = V - self.V_T
        alpha = 1.28 / bm.exprel((13. - u) / 4.)
        beta = 1.4 / bm.exprel((u - 40.) / 5.)
        return alpha * (1. - m) - beta * m

    def dh(self, h, t, V):
        u = V - self.V_T
        alpha = 0.128 * bm.exp((17. - u) / 18.)
        beta = 4. / (1. + bm.exp(-(u - 40.) / 5.))
        return alpha * (1. - h) - beta * h

    def dn(self, n, t, V):
        u = V - self.V_T
        alpha = 0.16 / bm.exprel((15. - u) / 5.)
        beta = 0.5 * bm.exp((10. - u) / 40.)
        return alpha * (1. - n) - beta * n

    def dV(self, V, t, m, h, n, I):
        I_Na = self.gNa * m * m * m * h * (V - self.ENa)
        n2 = n * n
        I_K = self.gK * n2 * n2 * (V - self.EK)
        I_L = self.gL * (V - self.EL)
        return (-I_L - I_Na - I_K + I) / self.C

    def update(self, x=None):
        t, dt = share.load("t"), share.load("dt")
        x = 0. if x is None else x
        x = self.sum_current_inputs(self.V.value, init=x)
        V, m, h, n = self.integral(self.V.value, self.m.value, self.h.value, self.n.value, t, x, dt)
        self.spike.value = bm.logical_and(self.V < self.V_th, V >= self.V_th)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        return self.spike.value


class WangBuzsakiHHPublished(bp.dyn.WangBuzsakiHH):
    """bp.dyn.WangBuzsakiHH with Wang & Buzsaki's alpha_n = 0.1/exprel(-0.1 (V + 34)) (BrainPy 2.8.2 has 1/exprel)."""

    def dn(self, n, t, V):
        alpha = 0.1 / bm.exprel(-0.1 * (V + 34))
        beta = 0.125 * bm.exp(-(V + 44) / 80)
        return self.phi * (alpha * (1 - n) - beta * n)


# ------------------------------------------------------------------------------------------------------------
# Model specifications. "params" is the full BrainPy parameter set; "init" the initial state (checked against
# what the BrainPy object holds after construction); Brian2 equations are written in BrainPy's units with time
# in ms (every derivative divided by ms).

I_SUB = "I = I_arr(t, i) : 1 (constant over dt)\n"
UR = " (unless refractory)"


def c(v):
    return {"type": "constant", "value": float(v)}


def sine(a, b, f):
    return {"type": "sine", "offset": float(a), "amplitude": float(b), "freq_hz": float(f)}


LIF_P = dict(V_rest=0., V_reset=-5., V_th=20., R=1., tau=10.)
EXPIF_P = dict(V_rest=-65., V_reset=-68., V_th=-55., V_T=-59.9, delta_T=3.48, R=1., tau=10.)
ADEX_P = dict(V_rest=-65., V_reset=-68., V_th=-55., V_T=-59.9, delta_T=3.48, a=1., b=1., tau=10., tau_w=30., R=1.)
QUAIF_P = dict(V_rest=-65., V_reset=-68., V_th=-30., V_c=-50., c=0.07, R=1., tau=10.)
ADQUAIF_P = dict(V_rest=-65., V_reset=-68., V_th=-30., V_c=-50., a=1., b=0.1, c=0.07, tau=10., tau_w=10.)
GIF_P = dict(V_rest=-70., V_reset=-70., V_th_inf=-50., V_th_reset=-60., R=20., tau=20., a=0., b=0.01, k1=0.2,
             k2=0.02, R1=0., R2=1., A1=0., A2=0.)
IZH_P = dict(V_th=30., p1=0.04, p2=5., p3=140., a=0.02, b=0.2, c=-65., d=8., tau=10., R=1.)
HH_P = dict(ENa=50., gNa=120., EK=-77., gK=36., EL=-54.387, gL=0.03, V_th=20., C=1.0)
ML_P = dict(V_Ca=130., g_Ca=4.4, V_K=-84., g_K=8., V_leak=-60., g_leak=2., C=20., V1=-1.2, V2=18., V3=2., V4=30.,
            phi=0.04, V_th=10.)
WB_P = dict(ENa=55., gNa=35., EK=-90., gK=9., EL=-65., gL=0.1, V_th=20., phi=5.0, C=1.0)
TM_P = dict(C=200., gL=10., gNa=20000., gK=6000., EL=-60., ENa=50., EK=-90., V_T=-63., V_th=-20.)
ALIF_P = dict(V_rest=0., V_th=10., R=1., beta=1.6, tau=20., tau_a=2000.)

const_init = bp.init.Constant


def lif_family(name, params, init, states, b2_eqs, b2_reset, inputs, f_I, ref, extra_init_kw, b2_threshold="V >= V_th",
               b2_store=(), note=None):
    cls = getattr(bp.dyn, name)

    def make(n, method, p, **extra):
        kw = dict(p)
        kw.update(extra_init_kw)
        kw.update(extra)
        return cls(n, method=method, **kw)

    return dict(name=name, params=dict(params, **({"tau_ref": TAU_REF} if ref else {})), init=init, states=states,
                make=make, ref=ref, hh=False,
                b2=dict(eqs=b2_eqs, threshold=b2_threshold, reset=b2_reset, store=list(b2_store)),
                inputs=inputs, f_I=f_I, note=note)


UNSTABLE_NOTE = ("at dt = 0.1 ms forward Euler and rk4 diverge for this model (V and the gates reach NaN within "
                 "the first action potential, in both peers).")
V_REST_NOTE = ("V starts at V_rest (V_initializer=Constant(V_rest)); BrainPy's default ZeroInit would start "
               "at 0 mV, above the threshold.")


def build_models():
    models = []
    # --- LIF --------------------------------------------------------------------------------------------------
    lif_eq = "dV/dt = (-V + V_rest + R*I)/(tau*ms) : 1{ur}\n" + I_SUB
    lif_in = [c(20.5), c(25.), c(40.), sine(21., 8., 10.)]
    lif_fi = [20.2, 21., 22., 25., 30., 40., 60., 100.]
    for ref in (False, True):
        name = "LifRef" if ref else "Lif"
        models.append(dict(lif_family(name, LIF_P, dict(V=0.), ["V"], lif_eq.format(ur=UR if ref else ""),
                                      "V = V_reset", lif_in, lif_fi, ref, dict(V_initializer=const_init(0.))),
                           conditionally_linear=True))
    # --- ExpIF ------------------------------------------------------------------------------------------------
    expif_eq = ("dV/dt = (-(V - V_rest) + delta_T*exp((V - V_T)/delta_T) + R*I)/(tau*ms) : 1{ur}\n" + I_SUB)
    for ref in (False, True):
        name = "ExpIFRef" if ref else "ExpIF"
        models.append(lif_family(name, EXPIF_P, dict(V=-65.), ["V"], expif_eq.format(ur=UR if ref else ""),
                                 "V = V_reset", [c(3.), c(6.), c(15.), sine(4., 4., 10.)],
                                 [2.6, 3., 4., 6., 8., 12., 20., 40.], ref, dict(V_initializer=const_init(-65.)),
                                 note=V_REST_NOTE))
    # --- AdExIF -----------------------------------------------------------------------------------------------
    adex_eq = ("dV/dt = (-V + V_rest + delta_T*exp((V - V_T)/delta_T) - R*w + R*I)/(tau*ms) : 1{ur}\n"
               "dw/dt = (a*(V - V_rest) - w)/(tau_w*ms) : 1\n" + I_SUB)
    for ref in (False, True):
        name = "AdExIFRef" if ref else "AdExIF"
        models.append(lif_family(name, ADEX_P, dict(V=-65., w=0.), ["V", "w"], adex_eq.format(ur=UR if ref else ""),
                                 "V = V_reset\nw += b", [c(8.), c(12.), c(25.), sine(10., 6., 10.)],
                                 [7., 8., 10., 12., 15., 20., 30., 50.], ref,
                                 dict(V_initializer=const_init(-65.), w_initializer=const_init(0.)), note=V_REST_NOTE))
    # --- QuaIF ------------------------------------------------------------------------------------------------
    quaif_eq = "dV/dt = (c*(V - V_rest)*(V - V_c) + R*I)/(tau*ms) : 1{ur}\n" + I_SUB
    for ref in (False, True):
        name = "QuaIFRef" if ref else "QuaIF"
        models.append(lif_family(name, QUAIF_P, dict(V=-65.), ["V"], quaif_eq.format(ur=UR if ref else ""),
                                 "V = V_reset", [c(5.), c(10.), c(25.), sine(6., 5., 10.)],
                                 [4.2, 5., 6., 8., 10., 15., 25., 50.], ref, dict(V_initializer=const_init(-65.)),
                                 note=V_REST_NOTE))
    # --- AdQuaIF ----------------------------------------------------------------------------------------------
    adqua_eq = ("dV/dt = (c*(V - V_rest)*(V - V_c) - w + I)/(tau*ms) : 1{ur}\n"
                "dw/dt = (a*(V - V_rest) - w)/(tau_w*ms) : 1\n" + I_SUB)
    for ref in (False, True):
        name = "AdQuaIFRef" if ref else "AdQuaIF"
        models.append(lif_family(name, ADQUAIF_P, dict(V=-65., w=0.), ["V", "w"], adqua_eq.format(ur=UR if ref else ""),
                                 "V = V_reset\nw += b", [c(20.), c(30.), c(60.), sine(25., 15., 10.)],
                                 [16., 20., 25., 30., 40., 60., 100., 200.], ref,
                                 dict(V_initializer=const_init(-65.), w_initializer=const_init(0.)), note=V_REST_NOTE))
    # --- Gif --------------------------------------------------------------------------------------------------
    gif_eq = ("dI1/dt = -k1*I1/ms : 1\n"
              "dI2/dt = -k2*I2/ms : 1\n"
              "dV_th/dt = (a*(V - V_rest) - b*(V_th - V_th_inf))/ms : 1\n"
              "dV/dt = (-(V - V_rest) + R*(I + I1 + I2))/(tau*ms) : 1{ur}\n"
              "V_th_old : 1\n" + I_SUB)
    gif_reset = "V = V_reset\nI1 = R1*I1 + A1\nI2 = R2*I2 + A2\nV_th = clip(V_th, V_th_reset, inf)"
    gif_init_kw = dict(V_initializer=const_init(-70.), I1_initializer=const_init(0.), I2_initializer=const_init(0.),
                       Vth_initializer=const_init(-50.))
    gif_note = ("Spike test V >= V_th uses the OLD threshold state (BrainPy compares with self.V_th before "
                "assigning the integrated one; Brian2 copies V_th into V_th_old at the start of each step).")
    for ref in (False, True):
        name = "GifRef" if ref else "Gif"
        g = lif_family(name, GIF_P, dict(V=-70., I1=0., I2=0., V_th=-50.), ["V", "I1", "I2", "V_th"],
                       gif_eq.format(ur=UR if ref else ""), gif_reset, [c(1.05), c(1.5), c(3.), sine(1.2, 0.6, 10.)],
                       [1.01, 1.05, 1.1, 1.3, 1.5, 2., 3., 5.], ref, gif_init_kw,
                       b2_threshold="V >= V_th_old", b2_store=["V_th"],
                       note=gif_note + " With the default parameters (a = 0, A1 = A2 = 0) V_th stays at V_th_inf; "
                                       "the 'bursting' variant exercises it.")
        g["conditionally_linear"] = True
        models.append(g)
        # Mihalas-Niebur tonic bursting (BrainPy examples' Niebur_2009_GIF): a = 0.005, A1 = 10, A2 = -0.6.
        v = lif_family(name, dict(GIF_P, a=0.005, A1=10., A2=-0.6), dict(V=-70., I1=0., I2=0., V_th=-50.),
                       ["V", "I1", "I2", "V_th"], gif_eq.format(ur=UR if ref else ""), gif_reset,
                       [c(1.6), c(2.5), c(6.), sine(2.5, 1., 10.)], [1.5, 1.6, 1.8, 2., 2.5, 3., 4., 6.], ref,
                       gif_init_kw,
                       b2_threshold="V >= V_th_old", b2_store=["V_th"],
                       note=gif_note + " Parameter variant 'bursting' (Mihalas & Niebur 2009 tonic bursting: "
                                       "a = 0.005, A1 = 10, A2 = -0.6).")
        v.update(variant="bursting", conditionally_linear=True)
        models.append(v)
    # --- Izhikevich -------------------------------------------------------------------------------------------
    izh_eq = ("dV/dt = (p1*V*V + p2*V + p3 - u + I)/ms : 1{ur}\n"
              "du/dt = a*(b*V - u)/ms : 1\n" + I_SUB)
    for ref in (False, True):
        name = "IzhikevichRef" if ref else "Izhikevich"
        models.append(lif_family(name, IZH_P, dict(V=-70., u=-14.), ["V", "u"], izh_eq.format(ur=UR if ref else ""),
                                 "V = c\nu += d", [c(4.), c(10.), c(30.), sine(6., 6., 10.)],
                                 [3.8, 4., 5., 7., 10., 15., 25., 40.], ref, dict(V_initializer=const_init(-70.)),
                                 note="BrainPy default V0 = -70 and u0 = b*V0 (u_initializer=None); tau and R are "
                                      "BrainPy parameters the equations do not use."))
    # --- ALIFBellec2020 ---------------------------------------------------------------------------------------
    alif_eq = ("dV/dt = (-(V - V_rest) + R*I)/(tau*ms) : 1\n"
               "da/dt = -a/(tau_a*ms) : 1\n"
               "a_old : 1\n" + I_SUB)

    def make_alif(n, method, p):
        return bp.neurons.ALIFBellec2020(n, method=method, V_initializer=const_init(0.), a_initializer=const_init(0.),
                                         **p)

    models.append(dict(
        name="ALIFBellec2020", params=ALIF_P, conditionally_linear=True, init=dict(V=0., a=0.), states=["V", "a"],
        make=make_alif, ref=False,
        hh=False, b2=dict(eqs=alif_eq, threshold="V >= V_th + beta*a_old", reset="V -= V_th\na += 1", store=["a"]),
        inputs=[c(16.), c(30.), c(60.), sine(25., 15., 10.)], f_I=[12., 16., 20., 30., 40., 60., 100., 200.],
        note="BrainPy's legacy class bp.neurons.ALIFBellec2020 (there is no bp.dyn twin). Non-default V_rest = 0, "
             "V_th = 10 and V0 = 0: the reset is V -= V_th (soft), which with the defaults (V_rest = -70, V_th = -60) "
             "would add 60 mV per spike and run away. tau_ref = None (no refractoriness). Spike test "
             "V >= V_th + beta*a uses the OLD a (the state before this step's decay); then a = a_integrated + 1."))
    # --- HH-type ----------------------------------------------------------------------------------------------
    hh_eq = ("dV/dt = (-gNa*m**3*h*(V - ENa) - gK*n**4*(V - EK) - gL*(V - EL) + I)/(C*ms) : 1\n"
             "dm/dt = (1/exprel(-(V + 40)/10)*(1 - m) - 4.0*exp(-(V + 65)/18)*m)/ms : 1\n"
             "dh/dt = (0.07*exp(-(V + 65)/20.)*(1 - h) - 1/(1 + exp(-(V + 35)/10))*h)/ms : 1\n"
             "dn/dt = (0.1/exprel(-(V + 55)/10)*(1 - n) - 0.125*exp(-(V + 65)/80)*n)/ms : 1\n"
             "V_old : 1\n" + I_SUB)
    hh_V0 = -65.
    am, bm_ = 1. / math.expm1(-(hh_V0 + 40) / 10) * (-(hh_V0 + 40) / 10), 4.0 * math.exp(-(hh_V0 + 65) / 18)
    ah, bh = 0.07 * math.exp(-(hh_V0 + 65) / 20.), 1 / (1 + math.exp(-(hh_V0 + 35) / 10))
    an, bn = 0.1 * (-(hh_V0 + 55) / 10) / math.expm1(-(hh_V0 + 55) / 10), 0.125 * math.exp(-(hh_V0 + 65) / 80)
    hh_init = dict(V=hh_V0, m=am / (am + bm_), h=ah / (ah + bh), n=an / (an + bn))
    crossing = "V_old < V_th and V >= V_th"
    models.append(dict(
        name="HH", params=HH_P, conditionally_linear=True, init=hh_init, states=["V", "m", "h", "n"],
        make=lambda n, method, p: bp.dyn.HH(n, method=method, V_initializer=const_init(hh_V0), **p), ref=False, hh=True,
        b2=dict(eqs=hh_eq, threshold=crossing, reset=None, store=["V"]),
        inputs=[c(6.5), c(10.), c(20.), sine(8., 6., 10.)], f_I=[6.3, 6.5, 7., 8., 10., 15., 20., 30.],
        fine_dt={"euler": 0.01, "rk4": 0.01}, fine_dt_note=UNSTABLE_NOTE,
        note="V0 = -65 (BrainPy's default draws V0 from Uniform(-70, -60)); m, h, n start at their steady states "
             "x_inf(V0) = alpha/(alpha + beta) (BrainPy's default with m/h/n_initializer None). Rates use "
             "exprel as in BrainPy. Spike = upward crossing of V_th, no reset."))
    ml_eq = ("dV/dt = (-g_Ca*0.5*(1 + tanh((V - V1)/V2))*(V - V_Ca) - g_K*W*(V - V_K) - g_leak*(V - V_leak) + I)"
             "/(C*ms) : 1\n"
             "dW/dt = (0.5*(1 + tanh((V - V3)/V4)) - W)*(phi*cosh((V - V3)/(2*V4)))/ms : 1\n"
             "V_old : 1\n" + I_SUB)
    models.append(dict(
        name="MorrisLecar", params=ML_P, init=dict(V=-65., W=0.02), states=["V", "W"],
        make=lambda n, method, p: bp.dyn.MorrisLecar(n, method=method, V_initializer=const_init(-65.), **p),
        ref=False, hh=True, b2=dict(eqs=ml_eq, threshold=crossing, reset=None, store=["V"]),
        inputs=[c(88.), c(110.), c(170.), sine(110., 30., 5.)], f_I=[85., 88., 90., 95., 100., 120., 150., 180.],
        note="V0 = -65 (BrainPy's default draws V0 from Uniform(-70, -60)); W0 = 0.02 (default). "
             "Spike = upward crossing of V_th, no reset."))
    wb_eq = ("dV/dt = (-gNa*m_inf**3*h*(V - ENa) - gK*n**4*(V - EK) - gL*(V - EL) + I)/(C*ms) : 1\n"
             "m_inf = (1/exprel(-0.1*(V + 35)))/(1/exprel(-0.1*(V + 35)) + 4.*exp(-(V + 60.)/18.)) : 1\n"
             "dh/dt = phi*(0.07*exp(-(V + 58)/20)*(1 - h) - 1/(exp(-0.1*(V + 28)) + 1)*h)/ms : 1\n"
             "dn/dt = phi*({an}/exprel(-0.1*(V + 34))*(1 - n) - 0.125*exp(-(V + 44)/80)*n)/ms : 1\n"
             "V_old : 1\n" + I_SUB)
    wb_note = ("m = m_inf(V) is instantaneous. Defaults V0 = -65, h0 = 0.6, n0 = 0.32. Spike = upward crossing of "
               "V_th, no reset. BrainPy 2.8.2 writes alpha_n = 1/exprel(-0.1*(V + 34)), ten times Wang & Buzsaki's "
               "-0.01*(V + 34)/(exp(-0.1*(V + 34)) - 1) = 0.1/exprel(-0.1*(V + 34)) (its own comment shows the 0.01 "
               "form).")
    models.append(dict(
        name="WangBuzsakiHH", params=WB_P, init=dict(V=-65., h=0.6, n=0.32), states=["V", "h", "n"],
        make=lambda n, method, p: bp.dyn.WangBuzsakiHH(n, method=method, **p), ref=False, hh=True,
        b2=dict(eqs=wb_eq.format(an="1"), threshold=crossing, reset=None, store=["V"]),
        inputs=[c(1.), c(10.), c(30.), sine(10., 10., 10.)], f_I=[1., 5., 10., 20., 30., 40., 45., 60.],
        may_not_spike=True,
        note=wb_note + " This is BrainPy's model as shipped: with the oversized K activation it does not fire at "
                       "any input (so no case spikes); in the f_I sweep the dt = 0.1 ms runs show one spurious spike "
                       "at the largest inputs (exp_euler: I = 45 and 60; euler: I = 60), where V overshoots far above "
                       "ENa in one step; at dt = 0.01 ms there is none. The 'published_alpha_n' variant has the "
                       "published rate."))
    v = dict(models[-1], init=dict(models[-1]["init"]),
             make=lambda n, method, p: WangBuzsakiHHPublished(n, method=method, **p),
             b2=dict(eqs=wb_eq.format(an="0.1"), threshold=crossing, reset=None, store=["V"]),
             inputs=[c(0.5), c(1.5), c(5.), sine(1., 1., 10.)], f_I=[0.2, 0.3, 0.5, 1., 2., 3., 5., 10.],
             may_not_spike=False, variant="published_alpha_n", fine_dt={"exp_euler": 0.01, "euler": 0.01},
             fine_dt_note="at dt = 0.1 ms exp_euler overshoots to about +360 mV in the spike step (dt*L reaches "
                          "~3.6 on the upstroke, so phi1 ~ 10), which makes the run ill-conditioned (round-off "
                          "differences grow to O(1) within the first spikes), and forward Euler fires about 20% fewer "
                          "spikes than at 0.01 ms; rk4 at 0.1 ms gives the 0.01 ms spike counts and stays at 0.1 ms.",
             note=wb_note + " Variant 'published_alpha_n': bp.dyn.WangBuzsakiHH with dn overridden to use "
                            "alpha_n = 0.1/exprel(-0.1*(V + 34)) (Wang & Buzsaki 1996); everything else is BrainPy's.")
    models.append(v)
    tm_eq = ("dV/dt = (-gL*(V - EL) - gNa*m**3*h*(V - ENa) - gK*n**4*(V - EK) + I)/(C*ms) : 1\n"
             "dm/dt = (1.28/exprel((13 - (V - V_T))/4)*(1 - m) - 1.4/exprel(((V - V_T) - 40)/5)*m)/ms : 1\n"
             "dh/dt = (0.128*exp((17 - (V - V_T))/18)*(1 - h) - 4/(1 + exp(-((V - V_T) - 40)/5))*h)/ms : 1\n"
             "dn/dt = (0.16/exprel((15 - (V - V_T))/5)*(1 - n) - 0.5*exp((10 - (V - V_T))/40)*n)/ms : 1\n"
             "V_old : 1\n" + I_SUB)
    models.append(dict(
        name="TraubMilesHH", params=TM_P, conditionally_linear=True, init=dict(V=-65., m=0., h=0., n=0.),
        states=["V", "m", "h", "n"],
        make=lambda n, method, p: TraubMilesHH(n, method=method, **p), ref=False, hh=True,
        b2=dict(eqs=tm_eq, threshold=crossing, reset=None, store=["V"]),
        inputs=[c(0.), c(200.), c(1000.), sine(100., 300., 5.)], f_I=[-20., 0., 50., 100., 200., 500., 1000., 2000.],
        fine_dt={"euler": 0.01, "rk4": 0.01}, fine_dt_note=UNSTABLE_NOTE,
        note="The COBAHH neuron (no BrainPy class; written here on bp.dyn.NeuDyn with JointEq(dV, dm, dh, dn)). "
             "Units pF, nS, mV, ms, pA. u = V - V_T; alpha_m = 0.32(13-u)/(exp((13-u)/4)-1) = 1.28/exprel((13-u)/4), "
             "beta_m = 0.28(u-40)/(exp((u-40)/5)-1) = 1.4/exprel((u-40)/5), alpha_h = 0.128 exp((17-u)/18), "
             "beta_h = 4/(1+exp(-(u-40)/5)), alpha_n = 0.032(15-u)/(exp((15-u)/5)-1) = 0.16/exprel((15-u)/5), "
             "beta_n = 0.5 exp((10-u)/40). Init V = -65, m = h = n = 0 (the COBAHH network's gates). "
             "Spike = upward crossing of V_th = -20, no reset, no refractoriness."))
    return models


# ------------------------------------------------------------------------------------------------------------
# Inputs


def input_values(spec, steps, dt):
    t = np.arange(steps, dtype=np.float64) * dt
    if spec["type"] == "constant":
        return np.full(steps, spec["value"])
    if spec["type"] == "sine":
        return spec["offset"] + spec["amplitude"] * np.sin(2 * np.pi * spec["freq_hz"] * t / 1000.)
    raise ValueError(spec)


def input_matrix(model, dt):
    """Columns: the case inputs, then the f-I currents."""
    steps = n_steps(dt)
    cols = [input_values(s, steps, dt) for s in model["inputs"]] + [np.full(steps, float(v)) for v in model["f_I"]]
    return np.stack(cols, axis=1)


def n_steps(dt):
    return int(round(1000. / dt))


def method_dt(model, method):
    return model.get("fine_dt", {}).get(method, DT)


# ------------------------------------------------------------------------------------------------------------
# Peers


def run_brainpy(model, method, I_in, dt, params=None, monitor_refractory=False):
    params = dict(model["params"] if params is None else params)
    bm.set_dt(dt)
    extra = dict(ref_var=True) if monitor_refractory else {}
    neu = model["make"](I_in.shape[1], {"exp_euler": "exp_auto"}.get(method, method), params, **extra)
    for s in model["states"]:
        v = np.asarray(getattr(neu, s).value)
        assert v.dtype == np.float64 and np.all(v == model["init"][s]), (model["name"], s, v[0], model["init"][s])
    monitors = model["states"] + ["spike"] + (["refractory"] if monitor_refractory else [])
    runner = bp.DSRunner(neu, monitors=monitors, progress_bar=False, dt=dt)
    runner.run(inputs=bm.asarray(I_in))
    bm.set_dt(DT)
    traces = {s: np.asarray(runner.mon[s], dtype=np.float64) for s in model["states"]}
    spikes = np.asarray(runner.mon["spike"]).astype(bool)
    if model["hh"]:  # the crossing rule recomputed from V must agree with BrainPy's spike variable
        V = traces["V"]
        prev = np.vstack([np.full((1, V.shape[1]), model["init"]["V"]), V[:-1]])
        assert np.array_equal(spikes, (prev < params["V_th"]) & (V >= params["V_th"])), model["name"]
    out = dict(traces=traces, spikes=[np.nonzero(spikes[:, j])[0] for j in range(I_in.shape[1])], dt=dt,
               steps=I_in.shape[0])
    if monitor_refractory:  # steps held after each spike, read from BrainPy's own refractory flag
        R = np.asarray(runner.mon["refractory"]).astype(bool)
        out["held"] = []
        for j in range(I_in.shape[1]):
            held = []
            for n in out["spikes"][j]:
                k = 0
                while n + k + 1 < R.shape[0] and R[n + k + 1, j] and not spikes[n + k + 1, j]:
                    k += 1
                held.append(k)
            out["held"].append(held)
    return out


def run_brian2(model, method, I_in, dt, params=None):
    params = dict(model["params"] if params is None else params)
    b2.start_scope()
    b2.defaultclock.dt = dt * b2.ms
    ns = {k: v for k, v in params.items() if k != "tau_ref"}
    ns["I_arr"] = b2.TimedArray(I_in, dt=dt * b2.ms)
    b2spec = model["b2"]
    kw = {}
    if model["ref"]:
        kw["refractory"] = params["tau_ref"] * b2.ms
    G = b2.NeuronGroup(I_in.shape[1], b2spec["eqs"], threshold=b2spec["threshold"], reset=b2spec["reset"],
                       method={"exp_euler": "exponential_euler"}.get(method, method), namespace=ns, **kw)
    for s, v in model["init"].items():
        setattr(G, s, v)
    objs = [G]
    for s in b2spec["store"]:  # the value of s at the start of the step, for the spike test
        setattr(G, s + "_old", model["init"][s])
        objs.append(G.run_regularly(f"{s}_old = {s}", when="start"))
    sm = b2.SpikeMonitor(G)
    st = b2.StateMonitor(G, model["states"], record=True, when="end")
    net = b2.Network(*objs, sm, st)
    net.run(I_in.shape[0] * dt * b2.ms)
    steps = np.round(np.asarray(sm.t / b2.defaultclock.dt)).astype(np.int64)
    idx = np.asarray(sm.i)
    traces = {s: np.asarray(getattr(st, s), dtype=np.float64).T for s in model["states"]}
    assert all(v.shape[0] == I_in.shape[0] for v in traces.values())
    return dict(traces=traces, spikes=[np.sort(steps[idx == j]) for j in range(I_in.shape[1])], dt=dt,
                steps=I_in.shape[0])


# ------------------------------------------------------------------------------------------------------------
# An independent NumPy exp-Euler for the models that are not conditionally linear (no Brian2 counterpart): the
# right-hand sides written again, df/dx by complex step (exact to round-off), phi1 as BrainPy evaluates it.


def _np_rhs(model, p, x, I):
    V = x["V"]
    name, ex = model["name"], np.exp
    if name == "ExpIF":
        return {"V": (-(V - p["V_rest"]) + p["delta_T"] * ex((V - p["V_T"]) / p["delta_T"]) + p["R"] * I) / p["tau"]}
    if name == "AdExIF":
        w = x["w"]
        return {"V": (-V + p["V_rest"] + p["delta_T"] * ex((V - p["V_T"]) / p["delta_T"]) - p["R"] * w + p["R"] * I)
                / p["tau"], "w": (p["a"] * (V - p["V_rest"]) - w) / p["tau_w"]}
    if name == "QuaIF":
        return {"V": (p["c"] * (V - p["V_rest"]) * (V - p["V_c"]) + p["R"] * I) / p["tau"]}
    if name == "AdQuaIF":
        w = x["w"]
        return {"V": (p["c"] * (V - p["V_rest"]) * (V - p["V_c"]) - w + I) / p["tau"],
                "w": (p["a"] * (V - p["V_rest"]) - w) / p["tau_w"]}
    if name == "Izhikevich":
        u = x["u"]
        return {"V": p["p1"] * V * V + p["p2"] * V + p["p3"] - u + I, "u": p["a"] * (p["b"] * V - u)}
    if name == "MorrisLecar":
        W = x["W"]
        M = 0.5 * (1 + np.tanh((V - p["V1"]) / p["V2"]))
        return {"V": (-p["g_Ca"] * M * (V - p["V_Ca"]) - p["g_K"] * W * (V - p["V_K"]) - p["g_leak"] * (V - p["V_leak"])
                      + I) / p["C"],
                "W": (0.5 * (1 + np.tanh((V - p["V3"]) / p["V4"])) - W) * p["phi"]
                * np.cosh((V - p["V3"]) / (2 * p["V4"]))}
    if name == "WangBuzsakiHH":
        h, n = x["h"], x["n"]
        xm = -0.1 * (V + 35)
        am, bm_ = xm / (ex(xm) - 1), 4. * ex(-(V + 60.) / 18.)
        xn = -0.1 * (V + 34)
        an = (0.1 if model.get("variant") == "published_alpha_n" else 1.) * xn / (ex(xn) - 1)
        return {"V": (-p["gNa"] * (am / (am + bm_)) ** 3 * h * (V - p["ENa"]) - p["gK"] * n ** 4 * (V - p["EK"])
                      - p["gL"] * (V - p["EL"]) + I) / p["C"],
                "h": p["phi"] * (0.07 * ex(-(V + 58) / 20) * (1 - h) - 1 / (ex(-0.1 * (V + 28)) + 1) * h),
                "n": p["phi"] * (an * (1 - n) - 0.125 * ex(-(V + 44) / 80) * n)}
    return None


def numpy_exp_euler(model, I_in, dt):
    p = model["params"]
    x = {s: np.full(I_in.shape[1], model["init"][s]) for s in model["states"]}
    if _np_rhs(model, p, x, I_in[0]) is None:
        return None
    traces = {s: np.empty(I_in.shape) for s in model["states"]}
    spikes = np.zeros(I_in.shape, dtype=bool)
    h = 1e-30
    for n in range(I_in.shape[0]):
        f = _np_rhs(model, p, x, I_in[n])
        new = {}
        for s in model["states"]:
            L = _np_rhs(model, p, dict(x, **{s: x[s] + 1j * h}), I_in[n])[s].imag / h
            z = dt * L
            phi = np.where(np.abs(z) <= 1e-8, 1. + z / 2. + z * z / 6., (np.exp(z) - 1) / np.where(z == 0, 1., z))
            new[s] = x[s] + dt * phi * f[s]
        if model["hh"]:
            spikes[n] = (x["V"] < p["V_th"]) & (new["V"] >= p["V_th"])
        else:
            sp = spikes[n] = new["V"] >= p["V_th"]
            new["V"] = np.where(sp, p["c"] if model["name"] == "Izhikevich" else p["V_reset"], new["V"])
            for s, jump in (("w", "b"), ("u", "d")):
                if s in new:
                    new[s] = np.where(sp, new[s] + p[jump], new[s])
        x = new
        for s in model["states"]:
            traces[s][n] = x[s]
    return dict(traces=traces, spikes=[np.nonzero(spikes[:, j])[0] for j in range(I_in.shape[1])], dt=dt,
                steps=I_in.shape[0])


# ------------------------------------------------------------------------------------------------------------
# Cases


def trace_steps(model, spikes):
    if model["hh"] or len(spikes) == 0:
        return TRACE_MAX
    return int(min(TRACE_MAX, spikes[0]))


def make_case(model, source, method, res, j, params, variant, extra_note=None):
    inp = model["inputs"][j]
    label = ("const%d" % (j + 1)) if inp["type"] == "constant" else "sine"
    name = model["name"]
    cid = "/".join([name] + ([variant] if variant else []) + [source, method, label])
    K = trace_steps(model, res["spikes"][j])
    case = dict(id=cid, model=name, source=source, method=method, params=params)
    if variant:
        case["variant"] = variant
    if model["ref"]:
        case["refractory_convention"] = source
    case.update(dt=res["dt"], steps=res["steps"], input=inp, init=dict(model["init"]), trace_steps=K,
                traces={s: res["traces"][s][:K, j].tolist() for s in model["states"]},
                spike_steps=[int(x) for x in res["spikes"][j]])
    notes = [n for n in (model.get("note"), extra_note) if n]
    if res["dt"] != DT:
        notes.append(f"dt = {res['dt']} ms for {method}: {model['fine_dt_note']}")
    if notes:
        case["note"] = " ".join(notes)
    return case


def held_steps_brainpy(spike_steps, tau_ref, dt=DT):
    """BrainPy's held step count after each spike step n: the k with (n+k)*dt - n*dt <= tau_ref, in float64."""
    out = []
    for n in spike_steps:
        k = 0
        while (n + k + 1) * dt - n * dt <= tau_ref:
            k += 1
        out.append(k)
    return out


def compare(model, a, b, K_from):
    """Max |a - b| over the stored trace window and, where the spike trains agree, over the whole run."""
    cols = len(a["spikes"])
    eq = [bool(np.array_equal(a["spikes"][j], b["spikes"][j])) for j in range(cols)]
    win, full = 0., 0.
    for j in range(cols):
        K = trace_steps(model, K_from["spikes"][j])
        for s in model["states"]:
            d = np.abs(a["traces"][s][:, j] - b["traces"][s][:, j])
            win = max(win, float(d[:K].max()) if K else 0.)
            if eq[j]:
                full = max(full, float(d.max()))
    first = {}
    for j in range(cols):  # the first spike where the trains part: [step in a, step in b] (None: train ended)
        if not eq[j]:
            sa, sb = list(a["spikes"][j]), list(b["spikes"][j])
            k = next(i for i in range(max(len(sa), len(sb))) if i >= min(len(sa), len(sb)) or sa[i] != sb[i])
            first[str(j)] = [int(sa[k]) if k < len(sa) else None, int(sb[k]) if k < len(sb) else None]
    return dict(spikes_equal=eq, first_spike_difference=first, max_abs_diff_trace_window=win,
                max_abs_diff_full_run_where_spikes_equal=full)


def equivalent_brainpy_tau_ref(tau_ref_b2, dt=DT):
    """BrainPy tau_ref that holds as many steps as Brian2's refractory=tau_ref_b2 (k-1 steps, k = timestep)."""
    k = int(math.floor(tau_ref_b2 / dt + 1e-3))
    return round((k - 1) * dt + dt / 2, 10)  # strictly between (k-1)*dt and k*dt


# ------------------------------------------------------------------------------------------------------------
# Izhikevich (2004) figure1.m cells A-H


def izh_presets():
    def step_on(T1, dt):  # the first n with n*dt > T1 in exact decimal arithmetic
        return int(math.floor(Fraction(str(T1)) / Fraction(str(dt)))) + 1

    P = []
    for name, a, b_, c_, d, V0, dt, T, T1, kind, amp, extra in [
        ("tonic spiking", 0.02, 0.2, -65., 6., -70., 0.25, 100., 10., "step", 14., {}),
        ("phasic spiking", 0.02, 0.25, -65., 6., -64., 0.25, 200., 20., "step", 0.5, {}),
        ("tonic bursting", 0.02, 0.2, -50., 2., -70., 0.25, 220., 22., "step", 15., {}),
        ("phasic bursting", 0.02, 0.25, -55., 0.05, -64., 0.2, 200., 20., "step", 0.6, {}),
        ("mixed mode", 0.02, 0.2, -55., 4., -70., 0.25, 160., 16., "step", 10., {}),
        ("spike frequency adaptation", 0.01, 0.2, -65., 8., -70., 0.25, 85., 8.5, "step", 30., {}),
        ("class 1", 0.02, -0.1, -55., 6., -60., 0.25, 300., 30., "ramp", (0., 0.075), {"p2": 4.1, "p3": 108.}),
        ("class 2", 0.2, 0.26, -65., 0., -64., 0.25, 300., 30., "ramp", (-0.5, 0.015), {}),
    ]:
        steps = int(round(T / dt)) + 1  # tspan = 0:dt:T
        n_on = step_on(T1, dt)
        t = np.arange(steps, dtype=np.float64) * dt
        if kind == "step":
            I = np.where(np.arange(steps) >= n_on, amp, 0.)
            inp = dict(type="step", before=0., amplitude=amp, on_step=n_on, t_on_ms=T1,
                       meaning="I(t_n) = amplitude for n >= on_step (the first n with n*dt > t_on_ms), else before")
        else:
            off, slope = amp
            I = np.where(np.arange(steps) >= n_on, off + slope * (t - T1), off)
            inp = dict(type="ramp", offset=off, slope_per_ms=slope, on_step=n_on, t_on_ms=T1,
                       meaning="I(t_n) = offset + slope_per_ms*(t_n - t_on_ms) for n >= on_step, else offset; "
                               "t_n = n*dt in float64")
        params = dict(IZH_P, a=a, b=b_, c=c_, d=d, **extra)
        bm.set_dt(dt)
        neu = bp.dyn.Izhikevich(1, method="exp_auto", V_initializer=const_init(V0), **params)
        init = dict(V=float(neu.V.value[0]), u=float(neu.u.value[0]))
        assert init["u"] == b_ * V0
        runner = bp.DSRunner(neu, monitors=["spike"], progress_bar=False, dt=dt)
        runner.run(inputs=bm.asarray(I[:, None]))
        sp = np.nonzero(np.asarray(runner.mon["spike"])[:, 0])[0]
        P.append(dict(name=name, params=params, input=inp, dt=dt, steps=steps, init=init, method="exp_euler",
                      spike_count=int(len(sp)), first_isi_steps=int(sp[1] - sp[0]) if len(sp) > 1 else None,
                      spike_steps=[int(x) for x in sp]))
    bm.set_dt(DT)
    return P


# ------------------------------------------------------------------------------------------------------------


def cross_check_notes(checks):
    def tag(c):
        return c["model"] + ("/" + c["variant"] if "variant" in c else "")

    ref = [c for c in checks if "brian2_vs_brainpy_equivalent_tau_ref" in c]
    ok = sorted({f"{tag(c)} {c['method']}" for c in ref
                 if all(c["brian2_vs_brainpy_equivalent_tau_ref"]["spikes_equal"])})
    bad = sorted({f"{tag(c)} {c['method']}" for c in ref
                  if not all(c["brian2_vs_brainpy_equivalent_tau_ref"]["spikes_equal"])})
    plain = [f"{tag(c)} {c['method']} {key}: columns {[int(j) for j in c[key]['first_spike_difference']]}"
             for c in checks for key in ("brian2_vs_brainpy", "numpy_vs_brainpy")
             if key in c and "brian2_vs_brainpy_equivalent_tau_ref" not in c and not all(c[key]["spikes_equal"])]
    others = "; ".join(plain) + " (round-off differences grown over the run)" if plain else "none"
    return [
        "Columns of a check: the 4 case inputs, then the 8 f_I inputs. Trace differences are max |Brian2 - BrainPy| "
        "over all states, in the stored trace window and over the whole run where the spike trains agree.",
        "Ref models: the spike trains of the two peers differ by construction (Brian2 holds V for 19 steps after a "
        "spike at tau_ref = 2.05 ms, BrainPy for 20). BrainPy rerun with the tau_ref that holds as many steps as "
        "Brian2 (brian2_vs_brainpy_equivalent_tau_ref) gives Brian2's spike trains exactly in: " + "; ".join(ok) + ".",
        "It does not in: " + ("; ".join(bad) if bad else "none") + ". These are rk4 runs of models whose other "
        "states depend on V (w, u, V_th): BrainPy integrates the whole step with V free inside the rk4 stages and "
        "then puts V back, so the other states see a moving V; Brian2's (unless refractory) holds V in every stage.",
        "Other spike-train disagreements (no refractoriness involved): " + others + ".",
        "Brian2's exponential_euler is compared only for conditionally linear models (each equation linear in its "
        "own variable), where it is BrainPy's exp_euler up to round-off; for the others Brian2 linearises "
        "differently (or refuses). Those (non-Ref) models are checked instead against an independent NumPy "
        "exp-Euler in this script (numpy_vs_brainpy): right-hand sides written again, df/dx by complex step.",
    ]


def main():
    t_start = time.time()
    models = build_models()
    only = set(sys.argv[1:])
    cases, f_I, checks, problems = [], [], [], []
    for model in models:
        variant = model.get("variant")
        tag = model["name"] + ("/" + variant if variant else "")
        if only and model["name"] not in only and tag not in only:
            continue
        # The initial state BrainPy's object holds (HH gates x_inf(V0) computed by BrainPy itself).
        bm.set_dt(DT)
        neu = model["make"](1, "exp_auto", dict(model["params"]))
        for s in model["states"]:
            v = float(np.asarray(getattr(neu, s).value)[0])
            assert abs(v - model["init"][s]) <= 1e-12 * max(1., abs(v)), (model["name"], s, v, model["init"][s])
            model["init"][s] = v
        n_cases = len(model["inputs"])
        params = model["params"]
        inputs = {}

        def I_for(dt):
            if dt not in inputs:
                inputs[dt] = input_matrix(model, dt)
            return inputs[dt]

        res = {}
        for m in ("exp_euler", "euler", "rk4"):
            res[("brainpy", m)] = run_brainpy(model, m, I_for(method_dt(model, m)), method_dt(model, m))
        if model["b2"] is not None:
            for m in ("euler", "rk4"):
                res[("brian2", m)] = run_brian2(model, m, I_for(method_dt(model, m)), method_dt(model, m))
            if model.get("conditionally_linear"):
                # Brian2's exponential_euler (x' = M x + B, M and B at the old state) is BrainPy's exp_euler when
                # every equation is linear in its own variable: a check of BrainPy's scheme, not stored.
                dt_e = method_dt(model, "exp_euler")
                res[("brian2", "exp_euler")] = run_brian2(model, "exp_euler", I_for(dt_e), dt_e)
        # stored cases
        stored = [("brian2", "euler"), ("brian2", "rk4"), ("brainpy", "exp_euler")]
        if model["b2"] is None or model["ref"]:
            stored += [("brainpy", "euler"), ("brainpy", "rk4")]
        for src, m in stored:
            if (src, m) in res:
                for j in range(n_cases):
                    extra = None
                    if model["ref"] and src == "brainpy" and m != "exp_euler":
                        extra = ("Stored because Brian2 cannot express BrainPy's refractoriness (held-step count and, "
                                 "for rk4, V evolving inside the stages of a refractory step).")
                    cases.append(make_case(model, src, m, res[(src, m)], j, params, variant, extra))
        for src, m in (("brian2", "euler"), ("brainpy", "exp_euler")):
            if (src, m) not in res:
                continue
            entry = dict(model=model["name"])
            if variant:
                entry["variant"] = variant
            entry.update(source=src, method=m, params=params)
            if model["ref"]:
                entry["refractory_convention"] = src
            entry.update(dt=res[(src, m)]["dt"], steps=res[(src, m)]["steps"], init=dict(model["init"]),
                         inputs=[float(v) for v in model["f_I"]],
                         spike_counts=[int(len(s)) for s in res[(src, m)]["spikes"][n_cases:]])
            f_I.append(entry)
        # cross-checks: Brian2 vs BrainPy under the same method
        for m in ("euler", "rk4", "exp_euler"):
            if ("brian2", m) not in res:
                continue
            chk = dict(model=model["name"])
            if variant:
                chk["variant"] = variant
            chk.update(method=m, dt=res[("brian2", m)]["dt"],
                       columns=[*(f"case:{x['type']}" for x in model["inputs"]), *(f"f_I:{v}" for v in model["f_I"])])
            chk["brian2_vs_brainpy"] = compare(model, res[("brian2", m)], res[("brainpy", m)], res[("brian2", m)])
            if model["ref"]:
                tr = equivalent_brainpy_tau_ref(params["tau_ref"])
                eqv = run_brainpy(model, m, I_for(DT), DT, dict(params, tau_ref=tr))
                chk["brian2_vs_brainpy_equivalent_tau_ref"] = dict(
                    brainpy_tau_ref=tr, **compare(model, res[("brian2", m)], eqv, res[("brian2", m)]))
            checks.append(chk)
        if not model["ref"] and not model.get("conditionally_linear"):
            dt_e = method_dt(model, "exp_euler")
            npx = numpy_exp_euler(model, I_for(dt_e), dt_e)
            if npx is not None:
                checks.append(dict(model=model["name"], **({"variant": variant} if variant else {}),
                                   method="exp_euler", dt=dt_e,
                                   numpy_vs_brainpy=compare(model, npx, res[("brainpy", "exp_euler")], npx)))
        # LifRef with tau_ref = 5.0 (a multiple of dt)
        if model["name"] == "LifRef":
            p5 = dict(params, tau_ref=5.0)
            I = I_for(DT)
            r5 = {("brainpy", m): run_brainpy(model, m, I, DT, p5, monitor_refractory=True)
                  for m in ("exp_euler", "euler", "rk4")}
            for m in ("euler", "rk4", "exp_euler"):
                r5[("brian2", m)] = run_brian2(model, m, I, DT, p5)
            for src, m in (("brian2", "euler"), ("brian2", "rk4"), ("brainpy", "exp_euler"), ("brainpy", "euler"),
                           ("brainpy", "rk4")):
                for j in range(n_cases):
                    extra, held = None, None
                    if src == "brainpy":
                        held = r5[(src, m)]["held"][j]
                        # the float64 rule reproduces BrainPy's flag (the last spike's count may be cut by the end)
                        assert held[:-1] == held_steps_brainpy(r5[(src, m)]["spikes"][j], 5.0)[:-1]
                        extra = ("tau_ref = 5.0 is a multiple of dt: BrainPy holds V after the spike of step n in the "
                                 "steps m with m*dt - n*dt <= 5.0 in float64 (t = m*dt computed as m*0.1), i.e. 49 or "
                                 "50 steps depending on rounding; refractory_held_steps lists the count after each "
                                 "spike (the last one may be cut by the end of the run).")
                    case = make_case(model, src, m, r5[(src, m)], j, p5, "tau_ref5", extra)
                    if held is not None:
                        case["refractory_held_steps"] = held
                    cases.append(case)
            for m in ("euler", "rk4", "exp_euler"):
                eqv = run_brainpy(model, m, I, DT, dict(p5, tau_ref=equivalent_brainpy_tau_ref(5.0)))
                checks.append(dict(model="LifRef", variant="tau_ref5", method=m, dt=DT,
                                   brian2_vs_brainpy=compare(model, r5[("brian2", m)], r5[("brainpy", m)],
                                                             r5[("brian2", m)]),
                                   brian2_vs_brainpy_equivalent_tau_ref=dict(
                                       brainpy_tau_ref=equivalent_brainpy_tau_ref(5.0),
                                       **compare(model, r5[("brian2", m)], eqv, r5[("brian2", m)]))))
        # sanity
        for (src, m), r in res.items():
            for s in model["states"]:
                if not np.all(np.isfinite(r["traces"][s])):
                    problems.append(f"{tag} {src}/{m}: non-finite {s}")
            for j in range(n_cases):
                if model["inputs"][j]["type"] == "constant" and len(r["spikes"][j]) == 0 and \
                        not model.get("may_not_spike"):
                    problems.append(f"{tag} {src}/{m}: no spike for input {j}")
        for chk in checks:
            if chk["model"] == model["name"] and chk.get("variant") == variant:
                print("  check", chk["method"], {k: v for k, v in chk.items() if "_vs_" in k})
        counts = {f"{s}/{m}": [len(x) for x in r["spikes"]] for (s, m), r in res.items()}
        print(f"{tag}: {counts}  ({time.time() - t_start:.0f} s)", flush=True)
    presets = izh_presets() if not only or "presets" in only else []
    for p in presets:
        print(f"izhikevich preset {p['name']}: {p['spike_count']} spikes, first ISI {p['first_isi_steps']} steps")
    out = {"generator": "tests/reference/neuron_models.py",
           "versions": {"brian2": b2.__version__, "brainpy": bp.__version__, "jax": jax.__version__,
                        "numpy": np.__version__},
           "dt": DT, "steps": STEPS,
           "cases": cases, "f_I": f_I,
           "izhikevich_presets": presets,
           "preset_source": "Izhikevich (2004) 'Which model to use for cortical spiking neurons?', figure1.m cells "
                            "A-H (parameters, V0, u0 = b*V0, dt = the script's tau, steps = len(0:tau:T), input "
                            "protocol); BrainPy ships no named Izhikevich presets. Run with BrainPy's Izhikevich "
                            "(exp_euler, threshold V >= 30), not the script's own Euler with V > 30.",
           "cross_checks": checks,
           "cross_check_notes": cross_check_notes(checks)}
    for p in problems:
        print("PROBLEM:", p)
    if only:
        print("partial run (%s): not writing the JSON" % sorted(only))
        return
    path = Path(__file__).with_name("neuron_models.json")
    path.write_text(json.dumps(out) + "\n")
    print(f"{len(cases)} cases, {len(f_I)} f-I sweeps, {len(presets)} presets; {path.stat().st_size / 1e6:.2f} MB; "
          f"{time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
