"""Event-driven and sparse operators against torch dense and torch.sparse, with a bandwidth roofline.

    PYTHONPATH=python_shim ~/.cache/braintorch/venv/bin/python benchmarks/ops_benchmark.py \
        [--sizes 1000 10000 100000] [--fan-in 100] [--rates 0.001 0.01 0.1] [--threads 1] \
        [--repeats 7] [--out benchmarks/results/<date>-ops]

For every size n (n_pre = n_post = n), a random matrix with exactly `fan-in` synapses per row
(fixed fan-out, so the mean fan-in is the same) is multiplied with spike vectors at each rate
(a fraction of the n presynaptic neurons spiking, drawn afresh for each repetition) by:
  - braintorch::event_csr_matvec (bool spikes), and, when the library has them, the other event ops
    (event_dense_matvec, event_fcn_matvec, event_jitc_matvec at the same connection probability);
  - torch dense: `s_float @ W` with a dense float32 W (only where it fits in --dense-max-gib);
  - torch.sparse: `torch.mv(W^T as sparse CSR, s_float)` (MKL on CPU).
Reported per call: median time, synaptic events per second (spikes x fan-out / time), and for the
event CSR op the fraction of a bandwidth roofline: bytes of index and weight data in the rows touched
(indptr pair + fan-out x (index + weight)) plus the output (written once, zeroed once), divided by the
STREAM-style triad bandwidth (a = b + s c on float32 arrays of --triad-mib each, larger than the LLC)
measured in the same run. Rows touched are random, so at sizes whose matrix exceeds the LLC they come
from memory. Also the memory of the connectivity: CSR (indptr int64, indices int32, weights float32)
versus JIT (nothing stored: seed, probability and weight parameters).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

import braintorch  # noqa: F401  (loads the operators)

OPS = torch.ops.braintorch


def has_op(name: str) -> bool:
    return hasattr(OPS, name)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed(fn, repeats: int, setup=None) -> float:
    """Median seconds of fn() over `repeats` calls (after one warm-up); setup() runs untimed before each."""
    arg = setup() if setup else None
    fn(arg)
    times = []
    for _ in range(repeats):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def triad_gbps(mib: int, repeats: int) -> float:
    """STREAM triad a = b + s*c (float32): 3 arrays x n x 4 bytes moved per call."""
    n = mib * 1024 * 1024 // 4
    a = torch.empty(n)
    b = torch.rand(n)
    c = torch.rand(n)
    secs = min(timed(lambda _: torch.add(b, c, alpha=1.5, out=a), 1) for _ in range(repeats))
    return 3 * n * 4 / secs / 1e9


def random_csr(n: int, fan: int, gen: torch.Generator):
    """Exactly `fan` distinct targets per row, ascending (int64 indptr, int32 indices)."""
    cols = torch.argsort(torch.rand(n, n, generator=gen), dim=1)[:, :fan] if n <= 2048 else None
    if cols is None:  # large n: sample with replacement, then drop duplicates per row by sorting
        cols = torch.randint(0, n, (n, fan), generator=gen)
    cols, _ = torch.sort(cols, dim=1)
    indptr = torch.arange(0, n * fan + 1, fan, dtype=torch.int64)
    return indptr, cols.reshape(-1).to(torch.int32).contiguous(), cols


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--fan-in", type=int, default=100)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.001, 0.01, 0.1])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--dense-max-gib", type=float, default=2.0)
    ap.add_argument("--triad-mib", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results") / f"{dt.date.today()}-ops")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)
    bw = triad_gbps(args.triad_mib, 5)
    print(f"[ops] triad bandwidth {bw:.2f} GB/s ({args.triad_mib} MiB arrays, {args.threads} thread(s))")

    rows = []
    memory = []
    for n in args.sizes:
        fan = min(args.fan_in, n)
        indptr, indices, cols = random_csr(n, fan, gen)
        nnz = indices.numel()
        weights = torch.rand(nnz, generator=gen)
        csr_bytes = indptr.numel() * 8 + nnz * 4 + nnz * 4
        memory.append({"n": n, "fan_in": fan, "nnz": nnz, "csr_bytes": csr_bytes, "jit_bytes": 0})
        dense_bytes = n * n * 4
        dense = None
        if dense_bytes <= args.dense_max_gib * 2**30:
            dense = torch.zeros(n, n)
            dense.view(-1).index_put_((torch.arange(n).repeat_interleave(fan) * n + cols.reshape(-1),), weights,
                                      accumulate=True)
        # W^T as sparse CSR for torch.mv (post = W^T s)
        rows_idx = torch.arange(n).repeat_interleave(fan)
        wt = torch.sparse_coo_tensor(torch.stack([cols.reshape(-1).long(), rows_idx]), weights, (n, n)).coalesce()
        wt_csr = wt.to_sparse_csr()
        ell = cols.to(torch.int32).contiguous()  # (n, fan): the same matrix as fixed-number-per-row
        ell_w = weights.view(n, fan).contiguous()

        for rate in args.rates:
            k = max(1, round(rate * n))

            def spikes(_=None):
                s = torch.zeros(n, dtype=torch.bool)
                s[torch.randperm(n, generator=gen)[:k]] = True
                return s

            events = k * fan
            touched = k * (2 * 8 + fan * (4 + 4)) + 2 * n * 4  # rows touched + output zeroed and written
            cases = {
                "event_csr_matvec": lambda s: OPS.event_csr_matvec(s, indptr, indices, weights, n, False),
                "torch.sparse (mv, W^T CSR)": lambda s: torch.mv(wt_csr, s.float()),
            }
            if dense is not None:
                cases["torch dense (s @ W)"] = lambda s: s.float() @ dense
                if has_op("event_dense_matvec"):
                    cases["event_dense_matvec"] = lambda s: OPS.event_dense_matvec(s, dense, False)
            if has_op("event_fcn_matvec"):
                cases["event_fcn_matvec"] = lambda s: OPS.event_fcn_matvec(s, ell, ell_w, n, False)
            if has_op("event_jitc_matvec"):
                prob = fan / n
                w0, w1 = torch.tensor(0.5), torch.tensor(0.0)
                cases["event_jitc_matvec (homo)"] = (
                    lambda s: OPS.event_jitc_matvec(s, w0, w1, args.seed, prob, n, n, "homo", False))
            for name, fn in cases.items():
                try:
                    secs = timed(fn, args.repeats, spikes)
                except Exception as e:  # an op whose signature differs from this script: report, go on
                    print(f"[ops] {name} failed: {str(e).splitlines()[0]}")
                    continue
                row = {"n": n, "fan_in": fan, "rate": rate, "spikes": k, "op": name, "seconds": secs,
                       "events_per_second": events / secs}
                if name == "event_csr_matvec":
                    row["roofline_fraction"] = touched / secs / 1e9 / bw
                rows.append(row)
                extra = f", {100 * row['roofline_fraction']:.0f}% of roofline" if "roofline_fraction" in row else ""
                print(f"[ops] n={n:>7} rate={rate:<6} {name:<28} {secs * 1e6:10.1f} us "
                      f"{events / secs / 1e9:8.3f} Gevents/s{extra}")
        del dense

    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "cpu": cpu_name(),
            "logical_cpus": os.cpu_count(), "threads": args.threads, "torch": torch.__version__,
            "triad_gbps": bw, "triad_mib": args.triad_mib, "fan_in": args.fan_in, "repeats": args.repeats,
            "command": "PYTHONPATH=python_shim python benchmarks/ops_benchmark.py " + " ".join(
                f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in vars(args).items() if k != "out") + f" --out {args.out}"}
    (args.out / "ops.json").write_text(json.dumps({"meta": meta, "rows": rows, "memory": memory}, indent=1))
    lines = [f"# Operator benchmark ({meta['date']})", "",
             f"CPU: {meta['cpu']}, {meta['logical_cpus']} logical CPUs, {args.threads} thread(s); torch "
             f"{meta['torch']}. Triad bandwidth {bw:.2f} GB/s. Fan-out {args.fan_in} per row; median of "
             f"{args.repeats} calls.", "", f"Command: `{meta['command']}`", "",
             "| n | rate | spikes | op | µs/call | Gevents/s | roofline |", "|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        roof = f"{100 * r['roofline_fraction']:.0f}%" if "roofline_fraction" in r else ""
        lines.append(f"| {r['n']} | {r['rate']} | {r['spikes']} | {r['op']} | {r['seconds'] * 1e6:.1f} | "
                     f"{r['events_per_second'] / 1e9:.3f} | {roof} |")
    lines += ["", "Connectivity memory (same network):", "", "| n | nnz | CSR MiB | JIT bytes |", "|---:|---:|---:|---:|"]
    for m in memory:
        lines.append(f"| {m['n']} | {m['nnz']} | {m['csr_bytes'] / 2**20:.1f} | {m['jit_bytes']} |")
    (args.out / "ops.md").write_text("\n".join(lines) + "\n")
    print(f"[ops] wrote {args.out}/ops.md and ops.json")


if __name__ == "__main__":
    main()
