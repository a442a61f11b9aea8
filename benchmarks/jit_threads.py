"""One event vector through event_jitc_matvec on 1 and 2 threads (the rows are generated on all
threads and added in order by one, include/braintorch/kernels/jitc_rows.h; results are bitwise the same).

    PYTHONPATH=python_shim ~/.cache/braintorch/venv/bin/python benchmarks/jit_threads.py \\
        [--n 100000] [--fan-out 100] [--rate 0.1] [--threads 1 2] [--repeats 7] [--out DIR]

Median of --repeats calls per (kind, thread count), after one warm-up call; the output of every thread
count is checked to equal the 1-thread output bit for bit. Writes jit_threads.md to --out.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

import braintorch  # noqa: F401  (loads the operators)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--fan-out", type=int, default=100)
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.n < 1:
        ap.error(f"--n must be >= 1, got {args.n}")
    if not 1 <= args.fan_out <= args.n:
        ap.error(f"--fan-out must be in [1, --n], got {args.fan_out}")
    if not 0.0 <= args.rate <= 1.0:
        ap.error(f"--rate must be in [0, 1], got {args.rate}")
    if args.repeats < 1 or any(t < 1 for t in args.threads):
        ap.error(f"--repeats and --threads must be >= 1, got {args.repeats} and {args.threads}")
    n, prob = args.n, args.fan_out / args.n
    gen = torch.Generator().manual_seed(0)
    spikes = torch.zeros(n, dtype=torch.bool)
    spikes[torch.randperm(n, generator=gen)[: round(args.rate * n)]] = True
    w0, w1 = torch.tensor(0.5), torch.tensor(0.1)
    lines = [f"# event_jitc_matvec, one vector, n = {n}, fan-out {args.fan_out}, {args.rate:g} spiking", "",
             "Command: `PYTHONPATH=python_shim python benchmarks/jit_threads.py --n "
             f"{n} --fan-out {args.fan_out} --rate {args.rate:g} --threads {' '.join(map(str, args.threads))} "
             f"--repeats {args.repeats}" + (f" --out {args.out}`" if args.out else "`"), "",
             "| kind | threads | ms per call (median) | speed-up vs 1 thread |", "|---|---:|---:|---:|"]
    for kind in ("homo", "uniform", "normal"):
        reference, base = None, None
        for t in args.threads:
            torch.set_num_threads(t)
            call = lambda: torch.ops.braintorch.event_jitc_matvec(spikes, w0, w1, 1, prob, n, n, kind, False)  # noqa: E731
            out = call()
            if reference is None:
                reference = out
            assert torch.equal(out, reference), f"{kind}: {t} threads differ from {args.threads[0]}"
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                call()
                times.append(time.perf_counter() - t0)
            ms = 1e3 * statistics.median(times)
            base = base or ms
            lines.append(f"| {kind} | {t} | {ms:.1f} | {base / ms:.2f} |")
            print(lines[-1], flush=True)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "jit_threads.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
