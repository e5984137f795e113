"""``runner.load``: points, sweeps or several sweeps into one pandas DataFrame."""

from collections.abc import Iterable
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from runner import names

PathArg = str | PathLike
RAW_SUFFIX = "_raw"  # long view: the raw pre-activation of a gate, e.g. f_t_raw


def tables(path: PathArg) -> list[tuple[Path, str, Path]]:
    """The tables under ``path``, each as (sweep directory, point name, table file).

    ``path`` is a table file, a point directory (holding ``table.parquet``) or a sweep
    directory (tables anywhere below it, hidden directories skipped).

    Raises
    ------
    FileNotFoundError
        If ``path`` holds no table.
    """
    p = Path(path)
    if p.is_file():
        found = [(p.parent.parent, p.parent.name, p)]
    elif (p / names.TABLE_FILE).is_file():
        found = [(p.parent, p.name, p / names.TABLE_FILE)]
    else:
        found = [(p, t.parent.relative_to(p).as_posix(), t) for t in point_tables(p)]
    if not found:
        raise FileNotFoundError(f"no {names.TABLE_FILE} at or below {p}")
    return found


def point_tables(sweep: Path) -> list[Path]:
    """The tables at or below ``sweep`` that pyarrow's discovery reads too (no part of the
    path starting with ``.`` or ``_``), point 10 after point 9."""
    visible = [
        t
        for t in sweep.rglob(names.TABLE_FILE)
        if not any(part.startswith((".", "_")) for part in t.relative_to(sweep).parts)
    ]
    return sorted(visible, key=_natural)


def _natural(path: Path) -> list[tuple[int, int | str]]:
    """Sort point 10 after point 9, and numbers before names."""
    return [(0, int(s)) if s.isdigit() else (1, s) for s in path.parts]


def load(path: PathArg | Iterable[PathArg], long: bool = False) -> pd.DataFrame:
    """Load points, sweeps or several sweeps into one DataFrame.

    Parameters
    ----------
    path : path or iterable of paths
        Table files, point directories or sweep directories, in any mix.
    long : bool
        False (default): the tables as written, one row per (point, timestep, batch), value
        columns as lists. True: the tidy view, one row per (point, batch, timestep, unit),
        every value a scalar: ``f_t``, ``i_t``, ``o_t``, ``C_t_candidate``, ``C_t``, ``h_t``
        of that hidden unit, the raw gate pre-activations ``f_t_raw``, ``i_t_raw``,
        ``o_t_raw``, ``C_t_candidate_raw`` of that unit, and the input ``x_t`` (one
        feature) or ``x_t_0``, ``x_t_1``, ... (several), repeated on each unit's row.

    Returns
    -------
    pandas.DataFrame
        Columns ``sweep`` (the sweep directory) and ``point`` (the point's directory name)
        first, then the tables' columns; every point's parameters are columns.
    """
    paths = [path] if isinstance(path, (str, PathLike)) else list(path)
    parts = []
    for sweep, point, table_file in (t for p in paths for t in tables(p)):
        table = pq.read_table(table_file)
        rows = table.num_rows
        table = table.add_column(0, names.SWEEP, pa.repeat(pa.scalar(str(sweep)), rows))
        table = table.add_column(1, names.POINT, pa.repeat(pa.scalar(point), rows))
        frame = table.to_pandas()
        parts.append(_long(frame) if long else frame)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """One table's rows, one per hidden unit, with scalar values."""
    unit_columns = [c for c in names.UNIT_COLUMNS if c in frame]
    width_source = unit_columns[0] if unit_columns else None
    if width_source is None and names.GATES not in frame:
        raise ValueError("the long view needs a per-unit column (f_t ... h_t or gates)")
    h = len(frame[width_source].iloc[0]) if width_source else len(frame[names.GATES].iloc[0]) // 4
    n = len(frame)
    values = set(names.VALUE_COLUMNS)
    out = frame[[c for c in frame.columns if c not in values]].loc[np.repeat(np.arange(n), h)]
    out = out.reset_index(drop=True)
    position = out.columns.get_loc(names.TIMESTEP) + 1
    out.insert(position, "unit", np.tile(np.arange(h), n))
    if names.X_T in frame:
        x = np.stack(frame[names.X_T])  # (n, d)
        x = np.repeat(x, h, axis=0)  # (n*h, d)
        if x.shape[1] == 1:
            out[names.X_T] = x[:, 0]
        else:
            for j in range(x.shape[1]):
                out[f"{names.X_T}_{j}"] = x[:, j]
    if names.GATES in frame:
        gates = np.stack(frame[names.GATES]).reshape(n, 4, h)  # (n, block, h)
        for k, block in enumerate(names.GATE_BLOCKS):
            out[block + RAW_SUFFIX] = gates[:, k, :].reshape(-1)
    for column in unit_columns:
        out[column] = np.stack(frame[column]).reshape(-1)  # (n*h,)
    return out
