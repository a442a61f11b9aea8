#!/usr/bin/env python3
"""Per-model speed table: braintorch vs Brian2 (C++ standalone) vs BrainPy (CPU), one thread.

  python3 benchmarks/compare_models.py [--models Lif HH ...] [--repeats 3] [--duration-ms 1000]
      [--size 4000] [--braintorch build/bin/braintorch] [--peers brian2 brainpy]
      [--out benchmarks/results/<UTC date>-models]

For each neuron model of neuron_models.py (BrainPy 2.8.2's class and default parameters; see there
for the exceptions, the inputs and the method of each row): --size unconnected neurons under a
constant input, --duration-ms at dt 0.1 ms, float64, spikes of every neuron recorded, 1 thread.
- braintorch: the script writes the network file (neuron_models.network_json) to
  --out/networks/<model>.json and runs `braintorch run FILE --no-progress --threads 1 --out DIR`
  --repeats times; loop time = summary.json wall_seconds.
- Brian2: brian2_models.py, started once with --repeats N (compiled once, binary executed N times).
- BrainPy: brainpy_models.py, started once with --repeats N (compiled once, loop called N times).
µs/step = the best loop time / steps. The row's method (exp_euler or euler) is the same in all three
tools. The table also gives each tool's mean rate (a check that the three simulate the same model).
Writes models.md and models.json into --out and every run's summary.json and log under --out/runs/.
A tool that is unavailable (no braintorch binary, no bench venv) is skipped with a message.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_coba as cc  # noqa: E402  (standard library only)
import neuron_models as M  # noqa: E402

PEER_SCRIPTS = {"brian2": "brian2_models.py", "brainpy": "brainpy_models.py"}
TOOLS = ["braintorch", "brian2", "brainpy"]


def log(msg: str) -> None:
    print(f"[compare_models] {msg}", flush=True)


def method_label(model: str) -> str:
    """The row's method, and why euler where it is euler."""
    if M.METHOD[model] == "exp_euler":
        return "exp_euler"
    return "euler (a)" if M.EULER_WHY.get(model) == "refuses" else "euler (b)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=M.ORDER, choices=M.ORDER, metavar="MODEL",
                    help=f"default: all ({' '.join(M.ORDER)})")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many loop timings")
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--size", type=int, default=4000)
    ap.add_argument("--braintorch", default="build/bin/braintorch")
    ap.add_argument("--peers", nargs="*", default=["brian2", "brainpy"], choices=list(PEER_SCRIPTS))
    ap.add_argument("--python", default=None, help="peer interpreter (default: $BRAINTORCH_BENCH_VENV/bin/python)")
    ap.add_argument("--out", default=None, help="default: benchmarks/results/<UTC date>-models")
    args = ap.parse_args()
    date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    out = os.path.abspath(args.out or os.path.join(HERE, "results", f"{date}-models"))
    os.makedirs(out, exist_ok=True)

    # ---- tools
    skipped, available = [], {}
    bt = args.braintorch if os.path.isabs(args.braintorch) else os.path.join(cc.ROOT, args.braintorch)
    if os.path.isfile(bt) and os.access(bt, os.X_OK):
        available["braintorch"] = cc.Tool("braintorch", [bt], args.braintorch, False)
    else:
        msg = (f"braintorch binary {args.braintorch} not found or not executable: skipping braintorch "
               f"(the network files are still written to {os.path.join(out, 'networks')})")
        log(msg)
        skipped.append({"tool": "braintorch", "reason": msg})
    python = cc.bench_python(args)
    for peer in args.peers:
        reason = cc.check_peer(python, peer)
        if reason:
            log(f"{peer}: {reason}: skipping")
            skipped.append({"tool": peer, "reason": reason})
        else:
            available[peer] = python
    log(f"models: {' '.join(args.models)}; tools: {', '.join(available) or 'none'}; output: {out}")

    steps = int(round(args.duration_ms / 0.1))
    rows, failures = [], []
    t_all = time.perf_counter()
    for model in args.models:
        net_path = os.path.join(out, "networks", f"{model}.json")
        os.makedirs(os.path.dirname(net_path), exist_ok=True)
        with open(net_path, "w") as f:
            json.dump(M.network_json(model, size=args.size, duration_ms=args.duration_ms), f, indent=2)
            f.write("\n")
        row = {"model": model, "method": M.METHOD[model], "input": M.INPUT[model],
               "non_default_params": M.NON_DEFAULT.get(model, {}), "note": M.NOTES.get(model), "tools": {}}
        for tool in TOOLS:
            if tool not in available:
                continue
            d = os.path.join(out, "runs", model, tool)
            try:
                if tool == "braintorch":
                    walls, summ = [], None
                    for r in range(args.repeats):
                        argv = [bt, "run", net_path, "--no-progress", "--threads", "1", "--out",
                                os.path.join(d, f"run{r + 1}")]
                        summ = cc.run_logged(tool, argv, os.path.join(d, f"run{r + 1}"))
                        walls.append(float(summ["wall_seconds"]))
                    rate = summ.get("groups", {}).get("neurons", {}).get("mean_rate_hz")
                    version = available[tool].version()
                    setup = summ.get("setup_seconds")
                    n_steps = int(summ.get("steps") or steps)
                else:
                    argv = [available[tool], os.path.join(HERE, PEER_SCRIPTS[tool]), "--model", model,
                            "--duration-ms", f"{args.duration_ms:g}", "--size", str(args.size), "--threads", "1",
                            "--repeats", str(args.repeats), "--out", d]
                    summ = cc.run_logged(tool, argv, d)
                    if summ.get("method") != M.METHOD[model]:
                        raise RuntimeError(f"{tool} ran method {summ.get('method')}, the row's is {M.METHOD[model]}")
                    walls = summ.get("wall_seconds_all") or [summ["wall_seconds"]]
                    rate, version, setup = summ.get("mean_rate_hz"), summ.get("tool"), summ.get("setup_seconds")
                    n_steps = int(summ.get("steps") or steps)
            except Exception as e:  # noqa: BLE001
                log(f"{model} {tool} failed: {e}")
                failures.append({"model": model, "tool": tool, "error": str(e)})
                continue
            best = min(walls)
            row["tools"][tool] = {"tool_version": version, "loop_seconds": best, "loop_seconds_all": walls,
                                  "us_per_step": best / n_steps * 1e6, "rate_hz": rate, "setup_seconds": setup}
            log(f"{model} {tool}: {best / n_steps * 1e6:.2f} us/step, {_f(rate, 2)} Hz")
        t = row["tools"]
        for peer in ("brian2", "brainpy"):
            row[f"braintorch_over_{peer}"] = (t["braintorch"]["loop_seconds"] / t[peer]["loop_seconds"]
                                              if "braintorch" in t and peer in t else None)
        rows.append(row)

    results = {
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": cc.cpu_name(), "logical_cpus": os.cpu_count(), "platform": platform.platform()},
        "size": args.size, "duration_ms": args.duration_ms, "dt_ms": 0.1, "steps": steps, "threads": 1,
        "dtype": "float64", "repeats": args.repeats, "tools": list(available), "skipped": skipped,
        "failures": failures, "rows": rows, "total_seconds": time.perf_counter() - t_all,
    }
    with open(os.path.join(out, "models.json"), "w") as f:
        json.dump(cc._nan_to_none(results), f, indent=2)
        f.write("\n")
    md = render_markdown(results)
    with open(os.path.join(out, "models.md"), "w") as f:
        f.write(md)
    print(md)
    log(f"wrote {os.path.join(out, 'models.json')} and models.md ({results['total_seconds']:.0f} s)")
    return 1 if failures else 0


def _f(x, nd=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{nd}f}"


def render_markdown(r: dict) -> str:
    versions = {}
    for row in r["rows"]:
        for tool, d in row["tools"].items():
            versions.setdefault(tool, d.get("tool_version") or tool)
    L = [f"# Per-model speed ({r['date_utc']})", "",
         f"Machine: {r['machine']['cpu']}, {r['machine']['logical_cpus']} logical CPUs. "
         f"{r['size']} unconnected neurons, constant input, {r['duration_ms']:g} ms at dt {r['dt_ms']} ms "
         f"({r['steps']} steps), {r['dtype']}, 1 thread, spikes recorded; best of {r['repeats']} loop timings. "
         f"Tools: {', '.join(versions.get(t, t) for t in r['tools']) or 'none'}.", ""]
    for s in r["skipped"]:
        L.append(f"- skipped {s['tool']}: {s['reason']}")
    for f in r["failures"]:
        L.append(f"- FAILED {f['model']} {f['tool']}: {f['error'].splitlines()[0] if f['error'] else ''}")
    if r["skipped"] or r["failures"]:
        L.append("")
    L += ["| model | method | input | rate Hz (braintorch / Brian2 / BrainPy) | braintorch µs/step | "
          "Brian2 µs/step | BrainPy µs/step | braintorch / Brian2 | braintorch / BrainPy |",
          "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    for row in r["rows"]:
        t = row["tools"]
        name = row["model"] + ("*" if row["non_default_params"] else "")
        rates = " / ".join(_f(t[k]["rate_hz"], 1) if k in t else "–" for k in TOOLS)
        us = [(_f(t[k]["us_per_step"], 2) if k in t else "–") for k in TOOLS]
        L.append(f"| {name} | {method_label(row['model'])} | {row['input']:g} | {rates} | {us[0]} | {us[1]} | "
                 f"{us[2]} | {_f(row['braintorch_over_brian2'], 2)} | {_f(row['braintorch_over_brainpy'], 2)} |")
    L += ["",
          "method: the same in every tool of a row. exp_euler = braintorch exp_euler, Brian2 exponential_euler, "
          "BrainPy exp_auto (each equation is linear in its own variable, so the three compute the same "
          "x + dt phi1(A dt) f). (a) euler: Brian2 refuses exponential_euler for these equations. (b) euler: "
          "Brian2 accepts exponential_euler but keeps the nonlinear part at the old value, which is not "
          "BrainPy's exp_auto. Input: the constant current in the model's units (BrainPy's). "
          "braintorch / tool < 1: braintorch is faster.", ""]
    for row in r["rows"]:
        if row["non_default_params"]:
            L.append(f"- \\* {row['model']}: not BrainPy's default: "
                     + ", ".join(f"{k} = {v:g}" for k, v in row["non_default_params"].items()))
    for row in r["rows"]:
        if row["note"]:
            L.append(f"- {row['model']}: {row['note']}")
    L += ["", "Commands: `python3 benchmarks/compare_models.py` (this table); per row "
          "`braintorch run $OUT/networks/<model>.json --no-progress --threads 1 --out DIR`, "
          "`$BRAINTORCH_BENCH_VENV/bin/python benchmarks/brian2_models.py --model <model> --threads 1 --repeats N "
          "--out DIR`, the same with brainpy_models.py.", ""]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
