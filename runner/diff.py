"""``python -m runner.diff A [B] [--json]``: what differs between two runs, or within a sweep.

A and B are point directories, tables or sweep directories (both of one kind; sweeps are
compared point by point). The config diff lists dotted keys whose values differ, and keys
only one side has, as ``dvc params diff`` does, and ``inputs_sha256`` when the inputs differ
under one config (a sequence file edited in place); when the tables' shapes match, the
results diff gives, for each column, the largest absolute difference and the first
timestep where the two diverge. Given one sweep directory, it tells which keys vary across
its points.

Exit status: 0 when identical (nothing varies), 1 when they differ, 2 on bad input.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from runner import names
from runner.load import tables
from runner.point import INPUT_KEYS
from runner.table import read_metadata

EXIT_SAME, EXIT_DIFFERENT, EXIT_BAD_INPUT = 0, 1, 2
_MISSING = "(missing)"
INPUTS_KEY = "inputs_sha256"


class BadInput(Exception):
    """An argument that is not a run."""


def flatten(config: dict, prefix: str = "") -> dict[str, Any]:
    """Nested config to dotted keys; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def config_diff(a: dict, b: dict) -> dict[str, dict]:
    """Keys whose values differ: ``{key: {"a": old, "b": new}}``, missing sides as None.

    Also says which side lacks a key: ``{"a": ..., "b": ..., "only": "a"}``.
    """
    fa, fb = flatten(a), flatten(b)
    diff = {}
    for key in [*fa, *(k for k in fb if k not in fa)]:
        if key not in fb:
            diff[key] = {"a": fa[key], "b": None, "only": "a"}
        elif key not in fa:
            diff[key] = {"a": None, "b": fb[key], "only": "b"}
        elif fa[key] != fb[key]:
            diff[key] = {"a": fa[key], "b": fb[key]}
    return diff


def _values(path: Path) -> pd.DataFrame:
    df = pq.read_table(path).to_pandas()
    return df.sort_values([names.TIMESTEP, names.BATCH], kind="stable", ignore_index=True)


def results_diff(a: Path, b: Path) -> dict[str, Any]:
    """Per value column: the largest absolute difference and the first diverging timestep.

    Returns ``{"compared": bool, "reason": str | None, "columns": {column: {...}},
    "only": {"a": [...], "b": [...]}}``, ``only`` naming the value columns one side did not
    record; tables of different shapes are not compared, and the reason says why.
    """
    ta, tb = _values(a), _values(b)
    only = {
        "a": [c for c in names.VALUE_COLUMNS if c in ta and c not in tb],
        "b": [c for c in names.VALUE_COLUMNS if c in tb and c not in ta],
    }
    if len(ta) != len(tb) or not ta[list(names.INDEX_COLUMNS)].equals(
        tb[list(names.INDEX_COLUMNS)]
    ):
        reason = (
            f"{len(ta)} rows vs {len(tb)}"
            if len(ta) != len(tb)
            else f"other ({names.BATCH}, {names.TIMESTEP}) rows"
        )
        return {"compared": False, "reason": reason, "columns": {}, "only": only}
    columns = {}
    for column in names.VALUE_COLUMNS:
        if column not in ta or column not in tb:
            continue
        va, vb = np.stack(ta[column]), np.stack(tb[column])  # (rows, width)
        if va.shape != vb.shape:
            reason = f"{column} is {va.shape[1]} wide vs {vb.shape[1]}"
            return {"compared": False, "reason": reason, "columns": {}, "only": only}
        delta = np.abs(va.astype(np.float64) - vb.astype(np.float64))
        differs = (va != vb).any(axis=1)  # (rows,)
        first = int(ta[names.TIMESTEP][np.argmax(differs)]) if differs.any() else None
        columns[column] = {"max_abs_diff": float(delta.max()), "first_diverging_timestep": first}
    return {"compared": True, "reason": None, "columns": columns, "only": only}


def compare_points(a: Path, b: Path) -> dict[str, Any]:
    """Config and results diff of two tables. Their inputs' digests count as one more key
    where the config does not explain them (two versions of one sequence file): when both
    tables have one and no key that determines the inputs differs."""
    meta_a, meta_b = read_metadata(a), read_metadata(b)
    config = config_diff(meta_a["config"], meta_b["config"])
    digests = meta_a["inputs_sha256"], meta_b["inputs_sha256"]
    explained = any(meta_a["config"].get(k) != meta_b["config"].get(k) for k in INPUT_KEYS)
    if None not in digests and digests[0] != digests[1] and not explained:
        config[INPUTS_KEY] = dict(zip("ab", digests, strict=True))
    results = results_diff(a, b)
    same_results = (
        results["compared"]
        and not any(results["only"].values())
        and all(c["first_diverging_timestep"] is None for c in results["columns"].values())
    )
    return {"same": not config and same_results, "config": config, "results": results}


def _kind(path: Path) -> str:
    if path.is_file() or (path / names.TABLE_FILE).is_file():
        return "point"
    return "sweep"


def _point_tables(path: Path) -> dict[str, Path]:
    try:
        return {point: table for _, point, table in tables(path)}
    except FileNotFoundError:
        raise BadInput(
            f"invalid path={path}: expected a point directory, a table or a sweep directory"
        ) from None


def compare(a: Path, b: Path) -> dict[str, Any]:
    """Two points, or two sweeps point by point."""
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        raise BadInput(f"invalid B={b}: expected a {ka} directory like A, not a {kb}")
    pa_, pb_ = _point_tables(a), _point_tables(b)
    if ka == "point":
        (ta,), (tb,) = pa_.values(), pb_.values()
        return compare_points(ta, tb)
    points = {p: compare_points(pa_[p], pb_[p]) for p in pa_ if p in pb_}
    only = {"a": [p for p in pa_ if p not in pb_], "b": [p for p in pb_ if p not in pa_]}
    same = all(d["same"] for d in points.values()) and not only["a"] and not only["b"]
    return {"same": same, "points": points, "only": only}


def varying(sweep: Path) -> pd.DataFrame:
    """The keys whose values differ across a sweep's points: one row per point."""
    configs = {p: flatten(read_metadata(t)["config"]) for p, t in _point_tables(sweep).items()}
    frame = pd.DataFrame.from_dict(configs, orient="index")
    frame.index.name = names.POINT
    keys = [k for k in frame.columns if frame[k].astype(str).nunique(dropna=False) > 1]
    return frame[keys]


def _show(value: Any) -> str:
    return _MISSING if value is None else json.dumps(value)


def _format_point(diff: dict, indent: str = "") -> list[str]:
    lines = []
    if diff["config"]:
        notes = {"a": "  (removed: only in A)", "b": "  (added: only in B)"}
        rows = [
            (k, _show(v["a"]), _show(v["b"]), notes.get(v.get("only"), ""))
            for k, v in diff["config"].items()
        ]
        lines.append(f"{indent}config: {len(rows)} key(s) differ")
        width = max(len(r[0]) for r in rows)
        lines += [f"{indent}  {k:<{width}}  {va} -> {vb}{note}" for k, va, vb, note in rows]
    else:
        lines.append(f"{indent}config: identical")
    results = diff["results"]
    for side, columns in results["only"].items():
        if columns:
            lines.append(f"{indent}results: only {side.upper()} recorded {', '.join(columns)}")
    if not results["compared"]:
        lines.append(f"{indent}results: not compared ({results['reason']})")
    elif not results["columns"]:
        lines.append(f"{indent}results: no column in common")
    elif all(c["first_diverging_timestep"] is None for c in results["columns"].values()):
        shared = " in the columns both recorded" if any(results["only"].values()) else ""
        lines.append(f"{indent}results: identical{shared}")
    else:
        lines.append(
            f"{indent}results: column, largest absolute difference, first diverging timestep"
        )
        for column, c in results["columns"].items():
            first = "-" if c["first_diverging_timestep"] is None else c["first_diverging_timestep"]
            lines.append(f"{indent}  {column:<14} {c['max_abs_diff']:.6g}  {first}")
    return lines


def render(diff: dict) -> str:
    if "points" not in diff:
        return "\n".join(_format_point(diff))
    lines = []
    for point, d in diff["points"].items():
        lines.append(f"point {point}: {'identical' if d['same'] else 'differs'}")
        if not d["same"]:
            lines += _format_point(d, "  ")
    for side in ("a", "b"):
        for point in diff["only"][side]:
            lines.append(f"point {point}: only in {side.upper()}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m runner.diff", description=__doc__.split("\n")[0]
    )
    parser.add_argument("a", type=Path, help="point directory, table or sweep directory")
    parser.add_argument("b", type=Path, nargs="?", help="the other run (omit: what varies in A)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        for name, path in (("A", args.a), ("B", args.b)):
            if path is not None and not path.exists():
                raise BadInput(f"invalid {name}={path}: expected an existing path")
        if args.b is None:
            if _kind(args.a) != "sweep":
                raise BadInput(f"invalid A={args.a}: expected a sweep directory when B is omitted")
            frame = varying(args.a)
            if args.json:
                print(frame.to_json(orient="index"))
            else:
                print(
                    frame.to_string() if len(frame.columns) else "no key varies across the points"
                )
            return EXIT_DIFFERENT if len(frame.columns) else EXIT_SAME
        diff = compare(args.a, args.b)
    except (BadInput, ValueError, OSError) as exc:
        print(f"error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(diff, indent=2) if args.json else render(diff))
    return EXIT_SAME if diff["same"] else EXIT_DIFFERENT


if __name__ == "__main__":
    sys.exit(main())
