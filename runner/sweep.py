"""A sweep's points inside its claimed directory: reuse, run, summarise. No Hydra here.

The Hydra sweeper (:mod:`runner.sweeper`) and ``python -m runner.rerun`` both end here.
"""

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from runner import names, summary, table
from runner.errors import ConfigError
from runner.load import point_tables
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


def point_dirs(points: list[Point], subdir: Callable[[Point], str]) -> dict[int, str]:
    """Each point's directory below the sweep's, as the filesystem spells it (``./p0`` is
    ``p0``, ``""`` is ``.``), by index; a refused point whose directory cannot be composed
    has none."""
    dirs = {}
    for p in points:
        try:
            dirs[p.index] = Path(subdir(p)).as_posix()
        except Exception:
            if p.error is None:
                raise
    return dirs


def refuse_other_sweeps_points(root: Path, ours: Iterable[str], key: str) -> None:
    """Exit 2, with one line naming ``key``, unless ``root`` can hold just this sweep.

    A directory named on the command line is resumed; a different sweep into it would leave
    the other sweep's points beside its own, and ``pd.read_parquet`` would mix the two. So
    would a sweep inside another sweep's directory. Called once the directory is claimed,
    before anything is written to it.
    """
    outer = next((d for d in root.resolve().parents if (d / names.SUMMARY_FILE).is_file()), None)
    others = [
        point
        for point in (t.parent.relative_to(root).as_posix() for t in point_tables(root))
        if point not in set(ours)
    ]
    if outer is not None:
        allowed = f"a directory outside other sweeps (this one is inside {outer})"
    elif others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        allowed = f"a new directory, or one of this sweep's (it holds other points: {shown})"
    else:
        return
    print(f"error: {ConfigError(key, str(root), allowed)}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def run_sweep(
    points: list[Point], root: Path, dirs: dict[int, str], launch: Launch, start: float
) -> dict[int, PointResult]:
    """Run the planned ``points`` in the claimed directory ``root``.

    Points whose table already holds the same config are reused, the others are handed to
    ``launch``; the summary is written (also when points fail) and printed, and the last
    line printed is ``root``.

    Parameters
    ----------
    points : list of Point
        Planned points; those with an ``error`` are reported as failed.
    dirs : dict
        Each runnable point's directory below ``root``, by index (:func:`point_dirs`).
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
        p.out_dir = root / dirs[p.index]
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
