"""`braintorch run` output files read back with NumPy (an independent reader of our .npz writer)."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("BRAINTORCH_BUILD_DIR", ROOT / "build")) / "bin" / "braintorch"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    if not BINARY.exists():
        pytest.skip(f"{BINARY} not built")
    out = tmp_path_factory.mktemp("coba")
    subprocess.run([str(BINARY), "run", "--duration", "200", "--seed", "5", "--no-progress", "--out", str(out)],
                   check=True, capture_output=True)
    return out


def test_spikes_npz_matches_summary(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    spikes = np.load(run_dir / "spikes.npz")
    assert set(spikes.files) == {"E_times_ms", "E_indices", "I_times_ms", "I_indices"}
    total = 0
    for pop, size in (("E", 3200), ("I", 800)):
        t, i = spikes[f"{pop}_times_ms"], spikes[f"{pop}_indices"]
        assert t.dtype == np.float64 and i.dtype == np.int64 and t.shape == i.shape
        assert np.all((i >= 0) & (i < size))
        assert np.all(np.diff(t) >= 0), "spikes are in time order"
        assert np.all((t >= 0) & (t < summary["duration_ms"]))
        g = summary["groups"][pop]
        assert g["spike_count"] == len(t)
        assert g["mean_rate_hz"] == pytest.approx(len(t) / size / (summary["duration_ms"] / 1000))
        # CV(ISI) recomputed here from the raw spikes.
        cvs = []
        for n in np.unique(i):
            tn = np.sort(t[i == n])
            if len(tn) >= 3:
                isi = np.diff(tn)
                cvs.append(isi.std() / isi.mean())
        assert g["cv_isi"] == pytest.approx(np.mean(cvs), rel=1e-9)
        total += len(t)
    assert summary["spike_count"] == total


def test_raster_is_svg(run_dir):
    text = (run_dir / "raster.svg").read_text()
    assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
    assert "time (ms)" in text and "neuron index" in text
