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

_SUBDIR_KEY = "hydra.sweep.subdir"
EXIT_FAILED_POINTS = 1
EXIT_BAD_INPUT = 2

Launch = Callable[[list[Point]], dict[int, PointResult]]


def refuse_if_none_can_run(points: list[Point]) -> None:
    """Every point refused, or none at all: say why, one line each, and exit 2 with nothing
    written."""
    if not points:
        print("error: invalid overrides: expected a sweep of at least one point", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)
    if all(p.error for p in points):
        for p in points:
            print(f"error: {p.error}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def point_dirs(points: list[Point], subdir: Callable[[Point], str]) -> dict[int, str]:
    """Each point's directory below the sweep's, as the filesystem spells it (``./p0`` is
    ``p0``), by index; a refused point whose directory cannot be composed has none.

    Raises
    ------
    ConfigError
        If a directory is not below the sweep's, or two points share one.
    """
    dirs: dict[int, str] = {}
    taken: set[str] = set()
    for p in points:
        try:
            path = Path(subdir(p))
        except Exception:
            if p.error is None:
                raise
            continue
        name = path.as_posix()
        if path.is_absolute() or ".." in path.parts or name == ".":
            allowed = "a directory below the sweep's, one per point"
            raise ConfigError(_SUBDIR_KEY, name, allowed)
        if name in taken:
            raise ConfigError(_SUBDIR_KEY, name, "a directory for each point (points share it)")
        dirs[p.index] = name
        taken.add(name)
    return dirs


def refuse_other_sweeps_points(root: Path, ours: Iterable[str], key: str, resume: bool) -> None:
    """Exit 2, with one line naming ``key``, unless ``root`` can hold just this sweep.

    A sweep inside another sweep's directory would be read as part of it. A directory named
    on the command line (``resume``) is resumed; a different sweep into it would leave the
    other sweep's points beside its own, and ``pd.read_parquet`` would mix the two. Called
    before the directory is claimed: nothing is written when it refuses.
    """
    outer = next((d for d in root.resolve().parents if _is_sweep(d)), None)
    found = point_tables(root) if resume and root.is_dir() else []
    ours = set(ours)
    others = [
        point
        for point in (t.parent.relative_to(root).as_posix() for t in found)
        if point not in ours
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


def _is_sweep(path: Path) -> bool:
    """A directory a sweep (or a rerun) of ours has written: its summary and its lock."""
    return (path / names.SUMMARY_FILE).is_file() and (path / names.LOCK_FILE).is_file()


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
