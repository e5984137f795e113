"""A sweep's points inside its claimed directory: reuse, run, summarise. No Hydra here.

The Hydra sweeper (:mod:`runner.sweeper`) and ``python -m runner.rerun`` both end here.
"""

import sys
import time
from collections.abc import Callable
from pathlib import Path

from runner import names, summary, table
from runner.errors import ConfigError
from runner.load import tables
from runner.planning import Point
from runner.point import PointResult
from runner.resume import discard_partial, reusable

EXIT_FAILED_POINTS = 1
EXIT_BAD_INPUT = 2

Launch = Callable[[list[Point]], dict[int, PointResult]]


def refuse_if_none_can_run(points: list[Point]) -> None:
    """Every point refused: say why, one line each, and exit 2 with nothing written."""
    if all(p.error for p in points):
        for p in points:
            print(f"error: {p.error}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def refuse_other_sweeps_points(
    root: Path, points: list[Point], subdir: Callable[[Point], str]
) -> None:
    """Exit 2 if ``root`` holds tables of points this sweep does not have.

    A directory named on the command line is resumed; a different sweep into it would leave
    the other sweep's points beside its own, and ``pd.read_parquet`` would mix the two.
    Called once the directory is claimed, before anything is written to it.
    """
    ours = set()
    for p in points:
        try:
            ours.add(subdir(p))
        except Exception:  # a refused point whose subdir cannot be composed owns none
            continue
    try:
        found = [point for _, point, _ in tables(root)]
    except FileNotFoundError:
        return
    others = [point for point in found if point not in ours]
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        allowed = f"a new directory, or one of this sweep's (it holds other points: {shown})"
        print(f"error: {ConfigError('hydra.sweep.dir', str(root), allowed)}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def run_sweep(
    points: list[Point], root: Path, subdir: Callable[[Point], str], launch: Launch, start: float
) -> dict[int, PointResult]:
    """Run the planned ``points`` in the claimed directory ``root``.

    Points whose table already holds the same config are reused, the others are handed to
    ``launch``; the summary is written (also when points fail) and printed, and the last
    line printed is ``root``.

    Parameters
    ----------
    points : list of Point
        Planned points; those with an ``error`` are reported as failed.
    subdir : callable
        A point's directory below ``root``.
    launch : callable
        Runs points (with their ``out_dir`` set) and returns their results by index.
    start : float
        ``time.perf_counter()`` when the sweep began, for the printed total.

    Returns
    -------
    dict
        Every point's result, by index.
    """
    results: dict[int, PointResult] = {}
    for p in points:
        if p.error is not None:
            results[p.index] = PointResult(status=names.STATUS_FAILED, error=p.error)
            continue
        p.out_dir = root / subdir(p)
        discard_partial(p.out_dir)
        reused = reusable(p.cfg, p.inputs_sha256, p.out_dir)
        if reused is not None:
            results[p.index] = reused
    pending = [p for p in points if p.index not in results]
    if pending:
        results.update(launch(pending))
    rows = [_row(p, results[p.index], root) for p in points]
    summary.write(rows, root)
    print(summary.report(rows, time.perf_counter() - start))
    print(root)
    return results


def exit_status(results: dict[int, PointResult]) -> int:
    """1 if any point failed, else 0."""
    failed = any(r.status == names.STATUS_FAILED for r in results.values())
    return EXIT_FAILED_POINTS if failed else 0


def _row(p: Point, result: PointResult, root: Path) -> dict:
    """The point's summary row; the table's path is relative to the sweep directory."""
    row = result.as_row()
    if result.table is not None and p.out_dir is not None:
        row[names.TABLE] = str((p.out_dir / names.TABLE_FILE).relative_to(root))
    row[names.POINT] = str(p.out_dir.relative_to(root)) if p.out_dir else str(p.index)
    row[names.OVERRIDES] = " ".join(p.overrides)
    if p.cfg is not None:
        row.update(table.params(p.cfg))
    return row
