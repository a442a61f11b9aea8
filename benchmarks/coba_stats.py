"""Spike statistics shared by the COBA peer scripts (Brian2, BrainPy) and the comparison driver.

Conventions (the braintorch side uses the same ones):
  spike_count   number of spikes of the population in the whole run
  mean_rate_hz  spike_count / size / duration_s
  cv_isi        mean over the neurons with >= 3 spikes (so >= 2 inter-spike intervals) of
                std(ISI) / mean(ISI), std with ddof=0; NaN (written as null) when no neuron qualifies
"""
from __future__ import annotations

import json
import math
from typing import Dict, Iterable, Tuple

import numpy as np

# E = neurons [0, 3200), I = [3200, 4000) of the single 4000-neuron group
COBA_POPULATIONS: Dict[str, Tuple[int, int]] = {"E": (0, 3200), "I": (3200, 4000)}


def cv_isi(times_ms: np.ndarray, indices: np.ndarray, size: int) -> float:
    """Mean CV of the inter-spike intervals over neurons with >= 3 spikes (indices in [0, size))."""
    times_ms = np.asarray(times_ms, dtype=np.float64)
    indices = np.asarray(indices, dtype=np.int64)
    if times_ms.size == 0:
        return float("nan")
    order = np.lexsort((times_ms, indices))  # by neuron, then by time
    t = times_ms[order]
    idx = indices[order]
    counts = np.bincount(idx, minlength=size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    cvs = []
    for n in np.nonzero(counts >= 3)[0]:
        isi = np.diff(t[starts[n]:starts[n] + counts[n]])
        m = isi.mean()
        if m > 0:
            cvs.append(isi.std() / m)
    return float(np.mean(cvs)) if cvs else float("nan")


def population_stats(times_ms: np.ndarray, indices: np.ndarray, duration_ms: float,
                     populations: Dict[str, Tuple[int, int]] = COBA_POPULATIONS) -> Dict[str, dict]:
    """Per-population size, spike_count, mean_rate_hz and cv_isi from global neuron indices."""
    times_ms = np.asarray(times_ms, dtype=np.float64)
    indices = np.asarray(indices, dtype=np.int64)
    duration_s = duration_ms / 1000.0
    out = {}
    for name, (lo, hi) in populations.items():
        size = hi - lo
        sel = (indices >= lo) & (indices < hi)
        count = int(sel.sum())
        out[name] = {
            "size": size,
            "spike_count": count,
            "mean_rate_hz": count / size / duration_s,
            "cv_isi": cv_isi(times_ms[sel], indices[sel] - lo, size),
        }
    return out


def synaptic_events(spike_indices: np.ndarray, out_degree: np.ndarray) -> int:
    """Sum over spikes of the spiking neuron's out-degree (out_degree indexed by global neuron id)."""
    spike_indices = np.asarray(spike_indices, dtype=np.int64)
    return int(np.asarray(out_degree, dtype=np.int64)[spike_indices].sum())


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if math.isnan(x) or math.isinf(x) else x
    return x


def write_summary(path: str, summary: dict) -> None:
    """Write a summary.json (NaN -> null, numpy scalars -> Python numbers)."""
    with open(path, "w") as f:
        json.dump(_clean(summary), f, indent=2)
        f.write("\n")


def mean_ignore_none(values: Iterable) -> float:
    vals = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(vals)) if vals else float("nan")


if __name__ == "__main__":  # tiny self-check
    t = np.array([1.0, 11.0, 21.0, 31.0, 5.0, 10.0, 20.0, 3300.0 * 0 + 7.0])
    i = np.array([0, 0, 0, 0, 1, 1, 1, 3200])
    s = population_stats(t, i, 1000.0)
    assert s["E"]["spike_count"] == 7 and s["I"]["spike_count"] == 1
    # neuron 0: ISIs 10,10,10 -> CV 0; neuron 1: ISIs 5,10 -> std 2.5 / mean 7.5
    assert abs(s["E"]["cv_isi"] - (0.0 + 2.5 / 7.5) / 2) < 1e-12, s
    assert s["I"]["cv_isi"] != s["I"]["cv_isi"]  # NaN: no neuron with >= 3 spikes
    print("coba_stats self-check ok:", s)
