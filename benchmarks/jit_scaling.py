"""COBA-LIF with just-in-time connectivity scaled from 4k to 1M neurons: time and peak memory.

    python3 benchmarks/jit_scaling.py [--sizes 4000 16000 64000 256000 1000000] [--duration-ms 100]
        [--comms EventJIT EventCSR] [--threads 1] [--profile] [--braintorch build/bin/braintorch]
        [--out benchmarks/results/<date>-jit-scaling]

Each size N is the built-in COBA network (networks/coba.json) with N neurons (80% E, 20% I) and
connection probability 80 / N, so every neuron receives 80 synapses on average (64 E, 16 I) and the
dynamics stay those of the 4000-neuron network. Each (size, comm) runs in its own `braintorch run`
process; time per biological second = loop seconds / duration, peak memory = the process's maximum
resident set size (wait4's ru_maxrss). EventJIT regenerates the connectivity of the spiking rows every
step and stores none; EventCSR builds it once. --threads runs every (size, comm) at each thread count
(`braintorch run --threads`). --profile adds `braintorch run --profile`'s time per step of each stage
(neurons, each projection, runner) to the table. Writes scaling.json, scaling.md and scaling.svg.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def network(n: int, comm: str, duration_ms: float) -> dict:
    spec = json.loads((ROOT / "networks" / "coba.json").read_text())
    n_e = int(round(0.8 * n))
    spec["name"] = f"coba_{comm.lower()}_{n}"
    spec["simulation"]["duration_ms"] = duration_ms
    spec["groups"][0]["size"] = n
    spec["populations"][0]["stop"] = n_e
    spec["populations"][1]["start"] = n_e
    spec["populations"][1]["stop"] = n
    for p in spec["projections"]:
        p["comm"]["type"] = comm
        p["comm"]["connectivity"]["prob"] = 80.0 / n
    return spec


def run(binary: str, spec: dict, workdir: Path, threads: int, profile: bool) -> dict:
    path = workdir / f"{spec['name']}.json"
    path.write_text(json.dumps(spec))
    out = workdir / f"{spec['name']}_{threads}"
    cmd = [binary, "run", str(path), "--out", str(out), "--no-progress", "--threads", str(threads)]
    proc = subprocess.Popen(cmd + (["--profile"] if profile else []), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{spec['name']} failed:\n{text}")
    summary = json.loads((out / "summary.json").read_text())
    # A library built without OpenMP runs its loops on one thread whatever --threads says (it once did,
    # and voided every 2-thread figure): refuse such a run instead of reporting it as a 2-thread one.
    if summary.get("parallel_loop_threads") != threads:
        raise RuntimeError(f"{spec['name']}: asked for {threads} thread(s), the library's loops ran on "
                           f"{summary.get('parallel_loop_threads')}")
    summary["peak_rss_mib"] = usage.ru_maxrss / 1024.0  # KiB on Linux
    return summary


def svg_plot(rows: list[dict], path: Path) -> None:
    """Two log-log panels: seconds per biological second, and peak memory, against N."""
    import math

    comms = sorted({r["series"] for r in rows})
    colours = {"EventJIT": "#c0392b", "EventCSR": "#2471a3"}
    w, h, pad = 420, 300, 60
    panels = [("time per biological second (s)", "seconds_per_bio_second"), ("peak memory (MiB)", "peak_rss_mib")]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h + 30}" font-family="sans-serif" '
             f'font-size="11">', '<rect width="100%" height="100%" fill="white"/>']
    xs = [r["neurons"] for r in rows]
    lx0, lx1 = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
    for k, (title, key) in enumerate(panels):
        ox = k * w
        ys = [r[key] for r in rows if r[key] > 0]
        ly0, ly1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
        if ly1 == ly0:
            ly1 += 1

        def px(x):
            return ox + pad + (math.log10(x) - lx0) / (lx1 - lx0) * (w - 1.5 * pad)

        def py(y):
            return h - pad + 20 - (math.log10(y) - ly0) / (ly1 - ly0) * (h - 1.5 * pad)

        parts.append(f'<text x="{ox + w / 2}" y="16" text-anchor="middle">{title}</text>')
        parts.append(f'<line x1="{px(min(xs)) - 10}" y1="{py(10 ** ly0)}" x2="{ox + w - pad / 2}" y2="{py(10 ** ly0)}" stroke="black"/>')
        parts.append(f'<line x1="{ox + pad}" y1="{py(10 ** ly0)}" x2="{ox + pad}" y2="{py(10 ** ly1)}" stroke="black"/>')
        for e in range(ly0, ly1 + 1):
            parts.append(f'<text x="{ox + pad - 5}" y="{py(10 ** e) + 4}" text-anchor="end">1e{e}</text>')
        for x in sorted(set(xs)):
            parts.append(f'<text x="{px(x)}" y="{py(10 ** ly0) + 15}" text-anchor="middle">{x:g}</text>')
        parts.append(f'<text x="{ox + w / 2}" y="{h + 25}" text-anchor="middle">neurons</text>')
        for c in comms:
            pts = sorted((r["neurons"], r[key]) for r in rows if r["series"] == c and r[key] > 0)
            poly = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
            colour = colours.get(c.split(",")[0], "gray")
            dash = ' stroke-dasharray="6,3"' if "," in c else ""  # more than one thread
            parts.append(f'<polyline points="{poly}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for x, y in pts:
                parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        for i, c in enumerate(comms):
            parts.append(f'<text x="{ox + pad + 10}" y="{40 + 14 * i}" fill="{colours.get(c.split(",")[0], "gray")}">'
                         f'{c}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000, 256000, 1000000])
    ap.add_argument("--comms", nargs="+", default=["EventJIT", "EventCSR"])
    ap.add_argument("--duration-ms", type=float, default=100.0)
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--braintorch", default=str(ROOT / "build" / "bin" / "braintorch"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results") / f"{dt.date.today()}-jit-scaling")
    args = ap.parse_args()
    if not args.duration_ms > 0:
        ap.error(f"--duration-ms must be > 0, got {args.duration_ms}")
    if any(n < 2 for n in args.sizes):
        ap.error(f"--sizes must be >= 2 neurons each, got {args.sizes}")
    if any(t < 1 for t in args.threads):
        ap.error(f"--threads must be >= 1 each, got {args.threads}")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for comm, threads in [(c, t) for c in args.comms for t in args.threads]:
                s = run(args.braintorch, network(n, comm, args.duration_ms), Path(tmp), threads, args.profile)
                series = comm if threads == 1 else f"{comm}, {threads} threads"
                row = {"neurons": n, "comm": comm, "threads": threads, "series": series, "synapses": s["synapses"],
                       "steps": s["steps"],
                       "loop_seconds": s["wall_seconds"], "setup_seconds": s["setup_seconds"],
                       "seconds_per_bio_second": s["wall_seconds"] / (args.duration_ms / 1000.0),
                       "peak_rss_mib": s["peak_rss_mib"], "rate_e_hz": s["groups"]["E"]["mean_rate_hz"],
                       "rate_i_hz": s["groups"]["I"]["mean_rate_hz"],
                       "profile_us_per_step": s.get("profile_us_per_step", {})}
                rows.append(row)
                print(f"[jit-scaling] N={n:>8} {comm:<8} {threads}T {row['seconds_per_bio_second']:9.2f} s/bio-s "
                      f"setup {row['setup_seconds']:7.2f} s  peak {row['peak_rss_mib']:8.1f} MiB  "
                      f"E {row['rate_e_hz']:.1f} Hz  I {row['rate_i_hz']:.1f} Hz", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    command = (f"python3 benchmarks/jit_scaling.py --sizes {' '.join(map(str, args.sizes))} --comms "
               f"{' '.join(args.comms)} --threads {' '.join(map(str, args.threads))} --duration-ms {args.duration_ms:g} "
               + ("--profile " if args.profile else "") + f"--out {args.out}")
    (args.out / "scaling.json").write_text(json.dumps({"command": command, "rows": rows}, indent=1))
    lines = [f"# COBA-LIF scaling, 80 synapses per neuron ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d})", "",
             f"Command: `{command}`", "",
             "| neurons | comm | threads | synapses | s per biological s | setup s | peak memory MiB | E Hz | I Hz |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['neurons']} | {r['comm']} | {r['threads']} | {r['synapses']} | "
                     f"{r['seconds_per_bio_second']:.2f} | "
                     f"{r['setup_seconds']:.2f} | {r['peak_rss_mib']:.0f} | {r['rate_e_hz']:.1f} | {r['rate_i_hz']:.1f} |")
    if args.profile:
        lines += ["", "Time per step of each stage (`--profile`, µs):", "",
                  "| neurons | comm | threads | stage | µs per step |", "|---:|---|---:|---|---:|"]
        for r in rows:
            for stage, us in r["profile_us_per_step"].items():
                lines.append(f"| {r['neurons']} | {r['comm']} | {r['threads']} | {stage} | {us:.1f} |")
    (args.out / "scaling.md").write_text("\n".join(lines) + "\n")
    svg_plot(rows, args.out / "scaling.svg")
    print(f"[jit-scaling] wrote {args.out}/scaling.md, scaling.json, scaling.svg")


if __name__ == "__main__":
    sys.exit(main())
