"""Long sequences: table-writing throughput and peak memory, side by side.

1. Writing: the runner's streamed writer (row groups of about 4 MiB of buffers) against
   pyarrow writing the same table in one ``pq.write_table`` call, each in its own process,
   from the same forward pass (computed first and held in memory by both, not timed): rows
   per second, MB/s of Parquet, and peak RSS, whose difference is the writers' own memory.
2. Memory of a whole run: ``python -m runner`` with T=1,000,000 and hidden=16 against the
   same with T=3; the issue's bound is 64 MB between the two.

    python -m bench.long_sequence [--length 200000] [--hidden 16]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from runner import names, table
from runner.config import Config, NotebookInit, RandomSequence
from runner.lstm import Steps, forward, init_weights
from runner.point import chunk_steps, input_digest, inputs

MB = 2**20


def _child(mode: str, length: int, hidden: int, path: Path) -> None:
    """Compute the forward pass, then write its table one way; print time and peak RSS."""
    cfg = Config(hidden=hidden, sequence=RandomSequence(length=length, seed=0), init=NotebookInit())
    x = inputs(cfg)  # (T, B, d)
    T, B, d = x.shape
    w = init_weights(cfg.init, d, hidden, np.random.RandomState(0))
    zeros = np.zeros((B, hidden))
    schema = table.schema(cfg, [], input_digest(x))
    params = table.params(cfg)
    step = chunk_steps(B, hidden, d, x.dtype)
    if mode == "direct":
        steps = forward(x, w, zeros, zeros)  # the whole sequence in memory
        start = time.perf_counter()
        whole = pa.Table.from_batches([table.record_batch(schema, params, 0, x, steps)])
        pq.write_table(whole, path)
    else:
        buffers = Steps.empty(step, B, hidden, x.dtype)
        chunks = []
        h, c = zeros, zeros
        for t0 in range(0, T, step):  # the forward pass first, kept out of the timing
            out = forward(x[t0 : t0 + step], w, h, c, buffers)
            chunks.append((t0, x[t0 : t0 + step], Steps(*(a.copy() for a in vars(out).values()))))
            h, c = out.H[-1].copy(), out.C[-1].copy()
        start = time.perf_counter()
        with table.atomic_writer(path, schema) as writer:
            for t0, xs, out in chunks:
                writer.write_batch(table.record_batch(schema, params, t0, xs, out))
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": elapsed, "bytes": path.stat().st_size, "rss": rss, "rows": T}))


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.long_sequence", "--child", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _runner_rss(length: int, hidden: int, sweep: Path) -> int:
    """Peak RSS of a whole ``python -m runner`` run, read from a wrapper process."""
    code = (
        "import resource, subprocess, sys;"
        f"subprocess.run([sys.executable, '-m', 'runner', 'sequence=random',"
        f" 'sequence.length={length}', 'hidden={hidden}', 'hydra.sweep.dir={sweep}'],"
        " check=True, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--length", type=int, default=200_000)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--long", type=int, default=1_000_000, help="T of the memory run")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, length, hidden, path = args.child
        _child(mode, int(length), int(hidden), Path(path))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results = {}
        for mode in ("streamed", "direct"):
            path = work / f"{mode}.parquet"
            results[mode] = _run_child(mode, str(args.length), str(args.hidden), str(path))
            path.unlink()
        for mode, r in results.items():
            print(
                f"write {mode:>8}: T={r['rows']} hidden={args.hidden}: {r['seconds']:.2f} s,"
                f" {r['rows'] / r['seconds'] / 1e3:.0f} k rows/s,"
                f" {r['bytes'] / MB / r['seconds']:.0f} MB/s, peak RSS {r['rss'] / MB:.0f} MB"
            )
        s, d = results["streamed"], results["direct"]
        print(
            f"streamed/direct: throughput {d['seconds'] / s['seconds']:.2f}x,"
            f" peak RSS {s['rss'] / d['rss']:.2f}x"
        )
        big = _runner_rss(args.long, args.hidden, work / "long")
        small = _runner_rss(3, args.hidden, work / "short")
        size = (work / "long" / "0" / names.TABLE_FILE).stat().st_size
        print(
            f"python -m runner T={args.long}: peak RSS {big / MB:.0f} MB, T=3: {small / MB:.0f} MB,"
            f" difference {(big - small) / MB:.1f} MB (bound 64 MB); table {size / MB:.0f} MB"
        )


if __name__ == "__main__":
    main()
