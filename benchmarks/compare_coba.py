#!/usr/bin/env python3
"""COBA / COBAHH fidelity and speed comparison: braintorch vs Brian2 (C++ standalone) vs BrainPy (CPU).

  python3 benchmarks/compare_coba.py [--network coba|cobahh|cobahh_brette] [--seeds 5] [--threads 1 2]
      [--duration-ms 1000] [--braintorch build/bin/braintorch] [--peers brian2 brainpy]
      [--out benchmarks/results/<date>[-<network>]]

Networks (--network, default coba):
  coba           the COBA-LIF network: braintorch's built-in network (`braintorch run`), brian2_coba.py,
                 brainpy_coba.py
  cobahh         COBAHH, the ICLR'24 BrainPy variant (weights 0.6 / 6.7 nS, ~8 Hz):
                 `braintorch run networks/cobahh.json`, brian2_cobahh.py / brainpy_cobahh.py --variant iclr
  cobahh_brette  COBAHH with Brette et al.'s weights (6 / 67 nS, ~40 Hz): networks/cobahh_brette.json,
                 --variant brette
For COBAHH, BrainPy runs in the dtype of braintorch's network file (simulation.dtype, float32 when the
key is absent, as braintorch's default; float64 when the file is missing); Brian2 always in float64.

Fidelity: every tool runs seeds 1..S at 1 thread; the E rate, I rate, CV(ISI) E and CV(ISI) I are
averaged over the seeds, and braintorch is compared with Brian2 (relative difference, goal 10%).
Speed: for each thread count, each tool runs seed 1 and the best of --repeats (3) loop timings
(summary.json wall_seconds) is kept. braintorch is started --repeats times; a peer script is started
once with --repeats N (Brian2 executes its compiled binary N times, BrainPy calls its compiled loop N
times after the compile run), so setup (code generation / compilation) is paid and reported once.
Writes results.json and results.md into --out, and every run's summary.json under --out/runs/.
Peers run with the bench venv's python ($BRAINTORCH_BENCH_VENV, see setup_peers.sh); a tool that is
unavailable (no binary, no venv, import error) is skipped with a message.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_VENV = os.path.join(os.path.expanduser("~"), ".cache", "braintorch", "bench-venv")
NETWORKS = {
    # name: title, braintorch network file (None: the built-in COBA), peer scripts, peer arguments
    "coba": {"title": "COBA", "file": None,
             "scripts": {"brian2": "brian2_coba.py", "brainpy": "brainpy_coba.py"}, "peer_args": []},
    "cobahh": {"title": "COBAHH (ICLR BrainPy variant, weights 0.6 / 6.7 nS)", "file": "networks/cobahh.json",
               "scripts": {"brian2": "brian2_cobahh.py", "brainpy": "brainpy_cobahh.py"},
               "peer_args": ["--variant", "iclr"]},
    "cobahh_brette": {"title": "COBAHH (Brette et al. weights 6 / 67 nS)", "file": "networks/cobahh_brette.json",
                      "scripts": {"brian2": "brian2_cobahh.py", "brainpy": "brainpy_cobahh.py"},
                      "peer_args": ["--variant", "brette"]},
}
PEER_SCRIPTS = NETWORKS["coba"]["scripts"]  # the peers that exist (same names for every network)
OUT_DIR = [ROOT]  # the --out directory, for display of run directories outside the repository
PEER_MODULES = {"brian2": "brian2", "brainpy": "brainpy"}
METRICS = [("E rate (Hz)", ("E", "mean_rate_hz")), ("I rate (Hz)", ("I", "mean_rate_hz")),
           ("CV ISI E", ("E", "cv_isi")), ("CV ISI I", ("I", "cv_isi"))]


def log(msg: str) -> None:
    print(f"[compare_coba] {msg}", flush=True)


def run_logged(name: str, argv: list, out: str, timeout: float = 900.0) -> dict:
    """Run argv in the repository root, write its output to out/log.txt and return out/summary.json
    (with "_process_seconds"); raise RuntimeError with the output's tail when it fails."""
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)
    elapsed = time.perf_counter() - t0
    with open(os.path.join(out, "log.txt"), "w") as f:
        f.write(proc.stdout)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise RuntimeError(f"{name} exited {proc.returncode}:\n{tail}")
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    summary["_process_seconds"] = elapsed
    return summary


class Tool:
    def __init__(self, name: str, argv_prefix: list, display_prefix: str, is_peer: bool, extra_args=None):
        self.name = name
        self.argv_prefix = argv_prefix          # what is executed
        self.display_prefix = display_prefix    # what is written into results (no machine paths)
        self.is_peer = is_peer
        # peers: model options after the common ones (--variant ...); braintorch: the network file
        self.extra_args = list(extra_args or [])

    def args(self, seed: int, threads: int, duration_ms: float, out: str, repeats: int) -> list:
        if self.is_peer:
            a = ["--seed", str(seed), "--threads", str(threads), "--duration-ms", f"{duration_ms:g}",
                 "--out", out]
            if repeats > 1:
                a += ["--repeats", str(repeats)]
            return a + self.extra_args
        return ["run"] + self.extra_args + ["--duration", f"{duration_ms:g}", "--dt", "0.1", "--seed", str(seed),
                                            "--threads", str(threads), "--out", out, "--no-progress"]

    def run(self, seed: int, threads: int, duration_ms: float, out: str, repeats: int = 1,
            timeout: float = 900.0) -> dict:
        argv = self.argv_prefix + self.args(seed, threads, duration_ms, out, repeats)
        summary = run_logged(self.name, argv, out, timeout)
        if not summary.get("tool"):
            summary["tool"] = self.version()
        return summary

    def version(self) -> str:
        """`BIN --version` for a summary without a "tool" field (braintorch), else the tool name."""
        if not hasattr(self, "_version"):
            self._version = self.name
            if not self.is_peer:
                try:
                    p = subprocess.run(self.argv_prefix + ["--version"], stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, timeout=60)
                    line = p.stdout.strip().splitlines()[0] if p.returncode == 0 and p.stdout.strip() else ""
                    if line:
                        self._version = line if line.lower().startswith(self.name) else f"{self.name} {line}"
                except (OSError, subprocess.SubprocessError):
                    pass
        return self._version

    def command(self, seed: int, threads: int, duration_ms: float, out: str, repeats: int = 1) -> str:
        rel_out = os.path.relpath(out, ROOT) if os.path.isabs(out) else out
        if rel_out.startswith(".."):  # outside the repository: name it relative to --out
            rel_out = "$OUT/" + os.path.relpath(out, OUT_DIR[0])
        return " ".join([self.display_prefix] + [a if a.startswith("$OUT/") else shlex.quote(a) for a in
                                                 self.args(seed, threads, duration_ms, rel_out, repeats)])


def network_dtype(network: str):
    """simulation.dtype of braintorch's network file (its default float32 when absent); None when
    the network is the built-in one or the file is missing or unreadable."""
    rel = NETWORKS[network]["file"]
    if rel is None:
        return None
    try:
        with open(os.path.join(ROOT, rel)) as f:
            return json.load(f).get("simulation", {}).get("dtype", "float32")
    except (OSError, ValueError):
        return None


def bench_python(args) -> str:
    """The peers' interpreter: --python, else $BRAINTORCH_BENCH_VENV/bin/python."""
    return args.python or os.path.join(os.environ.get("BRAINTORCH_BENCH_VENV", DEFAULT_VENV), "bin", "python")


def check_peer(python: str, peer: str):
    """None when `python` can import the peer's module, else the reason (for the "skipped" list)."""
    if not os.path.exists(python):
        return "bench venv missing (run benchmarks/setup_peers.sh)"
    probe = subprocess.run([python, "-c", f"import {PEER_MODULES[peer]}"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    if probe.returncode != 0:
        last = probe.stdout.strip().splitlines()[-1:] or [""]
        return f"cannot import {PEER_MODULES[peer]} ({last[0]})"
    return None


def find_tools(args) -> tuple[list, list]:
    tools, skipped = [], []
    net = NETWORKS[args.network]
    bt = args.braintorch if os.path.isabs(args.braintorch) else os.path.join(ROOT, args.braintorch)
    if not (os.path.isfile(bt) and os.access(bt, os.X_OK)):
        msg = f"braintorch binary {args.braintorch} not found or not executable: skipping braintorch"
        log(msg)
        skipped.append({"tool": "braintorch", "reason": msg})
    elif net["file"] is not None and not os.path.isfile(os.path.join(ROOT, net["file"])):
        msg = f"braintorch network file {net['file']} not found: skipping braintorch"
        log(msg)
        skipped.append({"tool": "braintorch", "reason": msg})
    else:
        tools.append(Tool("braintorch", [bt], args.braintorch, False, [net["file"]] if net["file"] else []))
    python = bench_python(args)
    for peer in args.peers:
        if peer not in PEER_SCRIPTS:
            msg = f"unknown peer {peer!r} (known: {', '.join(PEER_SCRIPTS)})"
            log(msg)
            skipped.append({"tool": peer, "reason": msg})
            continue
        reason = check_peer(python, peer)
        if reason:
            log(f"{peer}: {reason}: skipping")
            skipped.append({"tool": peer, "reason": reason})
            continue
        script_name = net["scripts"][peer]
        script = os.path.join(HERE, script_name)
        display = f"$BRAINTORCH_BENCH_VENV/bin/python benchmarks/{script_name}"
        extra = list(net["peer_args"])
        if peer == "brainpy" and net["file"] is not None:
            extra += ["--dtype", network_dtype(args.network) or "float64"]
        tools.append(Tool(peer, [python, script], display, True, extra))
    return tools, skipped


def _get(summary: dict, path) -> float:
    grp, key = path
    v = summary.get("groups", {}).get(grp, {}).get(key)
    return float("nan") if v is None else float(v)


def _mean_std(vals):
    vals = [v for v in vals if not math.isnan(v)]
    if not vals:
        return float("nan"), float("nan")
    return statistics.fmean(vals), (statistics.pstdev(vals) if len(vals) > 1 else 0.0)


def _fmt(x, nd=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{nd}f}"


def _rel(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return float("nan")
    return (a - b) / abs(b)


def _nan_to_none(x):
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--network", choices=list(NETWORKS), default="coba",
                    help="coba (built-in), cobahh (networks/cobahh.json), cobahh_brette (networks/cobahh_brette.json)")
    ap.add_argument("--seeds", type=int, default=5, help="fidelity seeds 1..N (0 = skip fidelity)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="speed thread counts ([] via --no-speed)")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed part")
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--braintorch", default="build/bin/braintorch")
    ap.add_argument("--peers", nargs="*", default=["brian2", "brainpy"])
    ap.add_argument("--repeats", type=int, default=3, help="speed: best of this many loop timings")
    ap.add_argument("--speed-seed", type=int, default=1)
    ap.add_argument("--python", default=None, help="peer interpreter (default: $BRAINTORCH_BENCH_VENV/bin/python)")
    ap.add_argument("--out", default=None,
                    help="default: benchmarks/results/<UTC date> (coba), benchmarks/results/<UTC date>-<network>")
    args = ap.parse_args()
    date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    out = args.out or os.path.join(HERE, "results", date if args.network == "coba" else f"{date}-{args.network}")
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    OUT_DIR[0] = out

    tools, skipped = find_tools(args)
    if not tools:
        log("no tool available: nothing to do")
        return 1
    names = [t.name for t in tools]
    log(f"network: {args.network}; tools: {', '.join(names)}; output: {out}")
    runs_dir = os.path.join(out, "runs")
    failures = []
    t_all = time.perf_counter()

    # ---------------- fidelity ----------------
    fidelity = {}
    seeds = list(range(1, args.seeds + 1))
    for tool in tools:
        per_seed = []
        for s in seeds:
            d = os.path.join(runs_dir, tool.name, f"fidelity_seed{s}")
            try:
                summ = tool.run(s, 1, args.duration_ms, d)
            except Exception as e:  # noqa: BLE001
                log(f"fidelity {tool.name} seed {s} failed: {e}")
                failures.append({"tool": tool.name, "part": "fidelity", "seed": s, "error": str(e)})
                continue
            row = {"seed": s, "tool_version": summ.get("tool"), "spike_count": summ.get("spike_count"),
                   "synapses": summ.get("synapses"), "synaptic_events": summ.get("synaptic_events")}
            for label, path in METRICS:
                row[label] = _get(summ, path)
            per_seed.append(row)
            log(f"fidelity {tool.name} seed {s}: E {row['E rate (Hz)']:.2f} Hz, I {row['I rate (Hz)']:.2f} Hz, "
                f"CV E {row['CV ISI E']:.3f}, CV I {row['CV ISI I']:.3f}")
        if per_seed:
            agg = {}
            for label, _ in METRICS:
                m, sd = _mean_std([r[label] for r in per_seed])
                agg[label] = {"mean": m, "std": sd}
            fidelity[tool.name] = {"tool": per_seed[0]["tool_version"], "seeds": [r["seed"] for r in per_seed],
                                   "per_seed": per_seed, "mean": agg,
                                   "command": tool.command(1, 1, args.duration_ms,
                                                           os.path.join(runs_dir, tool.name, "fidelity_seed1"))}

    fid_compare = {}
    if "braintorch" in fidelity and "brian2" in fidelity:
        for label, _ in METRICS:
            rd = _rel(fidelity["braintorch"]["mean"][label]["mean"], fidelity["brian2"]["mean"][label]["mean"])
            fid_compare[label] = {"rel_diff": rd, "within_10pct": (not math.isnan(rd)) and abs(rd) <= 0.10}

    # ---------------- speed ----------------
    speed = []
    for threads in ([] if args.no_speed else args.threads):
        for tool in tools:
            d = os.path.join(runs_dir, tool.name, f"speed_threads{threads}")
            try:
                if tool.is_peer:
                    summ = tool.run(args.speed_seed, threads, args.duration_ms, d, repeats=args.repeats)
                    walls = summ.get("wall_seconds_all") or [summ["wall_seconds"]]
                    setups = [summ.get("setup_seconds")]
                    cmd = tool.command(args.speed_seed, threads, args.duration_ms, d, args.repeats)
                else:
                    walls, setups = [], []
                    for r in range(args.repeats):
                        summ = tool.run(args.speed_seed, threads, args.duration_ms, os.path.join(d, f"run{r + 1}"))
                        walls.append(summ["wall_seconds"])
                        setups.append(summ.get("setup_seconds"))
                    cmd = tool.command(args.speed_seed, threads, args.duration_ms, os.path.join(d, "runN"))
                    if args.repeats > 1:
                        cmd += f"   # x{args.repeats}, best"
            except Exception as e:  # noqa: BLE001
                log(f"speed {tool.name} threads {threads} failed: {e}")
                failures.append({"tool": tool.name, "part": "speed", "threads": threads, "error": str(e)})
                continue
            steps = int(summ.get("steps") or round(args.duration_ms / 0.1))
            best = min(walls)
            setup_vals = [s for s in setups if s is not None]
            entry = {"tool": tool.name, "tool_version": summ.get("tool"), "threads": threads,
                     "loop_seconds": best, "loop_seconds_all": walls, "us_per_step": best / steps * 1e6,
                     "setup_seconds": min(setup_vals) if setup_vals else None, "steps": steps,
                     "spike_count": summ.get("spike_count"), "synaptic_events": summ.get("synaptic_events"),
                     "command": cmd}
            speed.append(entry)
            log(f"speed {tool.name} threads {threads}: loop {best:.4f} s ({entry['us_per_step']:.2f} us/step), "
                f"setup {_fmt(entry['setup_seconds'], 1)} s")
    bt_loop = {e["threads"]: e["loop_seconds"] for e in speed if e["tool"] == "braintorch"}
    for e in speed:
        b = bt_loop.get(e["threads"])
        e["ratio_braintorch_over_tool"] = (b / e["loop_seconds"]) if b is not None and e["loop_seconds"] > 0 else None

    results = {
        "model": args.network, "title": NETWORKS[args.network]["title"],
        "network_file": NETWORKS[args.network]["file"], "duration_ms": args.duration_ms, "dt_ms": 0.1, "seeds": seeds,
        "speed_seed": args.speed_seed, "threads": [] if args.no_speed else args.threads, "repeats": args.repeats,
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_name(), "logical_cpus": os.cpu_count(), "platform": platform.platform()},
        "tools": names, "skipped": skipped, "failures": failures,
        "fidelity": fidelity, "fidelity_braintorch_vs_brian2": fid_compare, "speed": speed,
        "total_seconds": time.perf_counter() - t_all,
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(_nan_to_none(results), f, indent=2)
        f.write("\n")
    md = render_markdown(results)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    print(md)
    log(f"wrote {os.path.join(out, 'results.json')} and results.md ({results['total_seconds']:.0f} s)")
    return 1 if failures else 0


def render_markdown(r: dict) -> str:
    title = r.get("title", "COBA")
    L = [f"# {title} benchmark results ({r['date_utc']})", "",
         f"Machine: {r['machine']['cpu']}, {r['machine']['logical_cpus']} logical CPUs. "
         f"Duration {r['duration_ms']:g} ms, dt {r['dt_ms']} ms ({round(r['duration_ms'] / r['dt_ms'])} steps). "
         f"Tools: {', '.join(r['tools'])}."
         + (f" braintorch network file: `{r['network_file']}`." if r.get("network_file") else ""), ""]
    for s in r["skipped"]:
        L.append(f"- skipped {s['tool']}: {s['reason']}")
    for f in r["failures"]:
        L.append(f"- FAILED {f['tool']} {f['part']}: {f['error'].splitlines()[0] if f['error'] else ''}")
    if r["skipped"] or r["failures"]:
        L.append("")
    fid = r["fidelity"]
    if fid:
        L += [f"## Fidelity (seeds {', '.join(map(str, r['seeds']))}, 1 thread; mean ± std over seeds)", "",
              "| tool | " + " | ".join(label for label, _ in METRICS) + " |",
              "|---|" + "---:|" * len(METRICS)]
        for name, d in fid.items():
            cells = [f"{_fmt(d['mean'][label]['mean'], 2 if 'rate' in label else 3)} ± "
                     f"{_fmt(d['mean'][label]['std'], 2 if 'rate' in label else 3)}" for label, _ in METRICS]
            L.append(f"| {d['tool']} (n={len(d['seeds'])}) | " + " | ".join(cells) + " |")
        if "brian2" in fid:
            for name in fid:
                if name == "brian2":
                    continue
                cells = []
                for label, _ in METRICS:
                    rd = _rel(fid[name]["mean"][label]["mean"], fid["brian2"]["mean"][label]["mean"])
                    ok = "" if math.isnan(rd) else (" ✓" if abs(rd) <= 0.10 else " ✗")
                    cells.append("n/a" if math.isnan(rd) else f"{rd * 100:+.1f}%{ok}")
                L.append(f"| {name} vs Brian2 (rel. diff., goal ±10%) | " + " | ".join(cells) + " |")
        L += ["", "Commands (seed 1 shown; seeds 1..N):", ""]
        for name, d in fid.items():
            L.append(f"- {name}: `{d['command']}`")
        L.append("")
    if r["speed"]:
        L += [f"## Speed (seed {r['speed_seed']}, best of {r['repeats']} loop timings)", "",
              "| tool | threads | loop s | µs/step | setup s | braintorch / tool | command |",
              "|---|---:|---:|---:|---:|---:|---|"]
        order = {name: k for k, name in enumerate(r["tools"])}
        for e in sorted(r["speed"], key=lambda e: (e["threads"], order.get(e["tool"], 99))):
            ratio = e.get("ratio_braintorch_over_tool")
            L.append(f"| {e['tool_version']} | {e['threads']} | {e['loop_seconds']:.4f} | {e['us_per_step']:.2f} | "
                     f"{_fmt(e['setup_seconds'], 2)} | {_fmt(ratio, 2)} | `{e['command']}` |")
        L += ["", "loop s: the simulation loop alone (summary.json wall_seconds); setup s: code generation + "
              "compilation (Brian2), construction + compile run (BrainPy), as the tool reports it (braintorch); "
              "braintorch / tool < 1 means braintorch is faster.", ""]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
