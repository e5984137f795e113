"""Per-point overhead of a sweep: the runner against a bare Hydra no-op app, side by side.

Both sweep over ``seed`` with N points (N = 10 and N = 200 by default) as subprocesses;
the per-point overhead is the slope (t(200) - t(10)) / 190, so start-up cost cancels. The
bare app is Hydra 1.3's own basic sweeper and launcher running a task that does nothing;
the runner's points do the notebook config's whole work (forward pass, table, summary).
Runs alternate between the two so that load on this shared machine hits both alike.

    python -m bench.sweep_overhead [--small 10] [--large 200] [--repeat 3]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE_APP = """\
import hydra

@hydra.main(version_base="1.3", config_path=None, config_name=None)
def main(cfg):
    pass

if __name__ == "__main__":
    main()
"""


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "bare_app.py").write_text(BARE_APP)
        times: dict[tuple[str, int], list[float]] = {}
        for r in range(args.repeat):
            for n in (args.small, args.large):
                sweep = f"+seed=range(0,{n})"
                bare = [sys.executable, "bare_app.py", "-m", sweep, f"hydra.sweep.dir=bare{r}-{n}"]
                ours = [sys.executable, "-m", "runner", sweep[1:], f"hydra.sweep.dir=ours{r}-{n}"]
                times.setdefault(("bare", n), []).append(_timed(bare, work))
                times.setdefault(("runner", n), []).append(_timed(ours, work))
    span = args.large - args.small
    per_point = {
        who: (
            statistics.median(times[(who, args.large)])
            - statistics.median(times[(who, args.small)])
        )
        / span
        for who in ("bare", "runner")
    }
    for who in ("bare", "runner"):
        small, large = (statistics.median(times[(who, n)]) for n in (args.small, args.large))
        print(
            f"{who:>6}: {args.small} points {small:6.2f} s, {args.large} points {large:6.2f} s, "
            f"per point {per_point[who] * 1e3:7.2f} ms"
        )
    print(
        f"runner per-point overhead / bare Hydra's: {per_point['runner'] / per_point['bare']:.3f}"
    )


if __name__ == "__main__":
    main()
