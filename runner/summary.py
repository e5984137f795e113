"""The sweep summary: one row per point, written even when points fail."""

import os
import secrets
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from runner import names, table

SHOWN_ROWS = 20  # the printed summary shows this many points at most
_PRINTED = [names.POINT, names.OVERRIDES, names.STATUS, names.WALL_TIME, names.FINAL_H_NORM]
_RESULT_FIELDS = [
    pa.field(names.POINT, pa.string()),
    pa.field(names.OVERRIDES, pa.string()),
    pa.field(names.STATUS, pa.string()),
    pa.field(names.ERROR, pa.string()),
    pa.field(names.WALL_TIME, pa.float64()),
    pa.field(names.TABLE, pa.string()),
    pa.field(names.FINAL_H_NORM, pa.float64()),
    pa.field(names.FINAL_C_NORM, pa.float64()),
    pa.field(names.FINAL_H_MAX, pa.float64()),
    pa.field(names.FINAL_C_MAX, pa.float64()),
]
SCHEMA = pa.schema(_RESULT_FIELDS + table.PARAM_FIELDS)


def write(rows: list[dict], sweep_dir: Path) -> Path:
    """Write ``_summary.parquet`` in ``sweep_dir`` atomically and return its path.

    Parameters
    ----------
    rows : list of dict
        One per point, with the keys of :data:`SCHEMA` (missing ones are null).
    """
    path = sweep_dir / names.SUMMARY_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    data = pa.Table.from_pylist(rows, schema=SCHEMA)
    try:
        pq.write_table(data, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read(sweep_dir: Path) -> pd.DataFrame:
    """The summary of a sweep."""
    return pd.read_parquet(Path(sweep_dir) / names.SUMMARY_FILE)


def report(rows: list[dict], elapsed: float) -> str:
    """The summary as a few lines for the terminal: counts, a table, and every failure."""
    frame = pd.DataFrame(rows, columns=[*_PRINTED, names.ERROR])
    counts = frame[names.STATUS].value_counts()
    n_ok, n_reused, n_failed = (
        int(counts.get(s, 0)) for s in (names.STATUS_OK, names.STATUS_REUSED, names.STATUS_FAILED)
    )
    points = f"{len(frame)} point{'' if len(frame) == 1 else 's'}"
    lines = [f"{points}: {n_ok} ok, {n_reused} reused, {n_failed} failed in {elapsed:.2f} s"]
    shown = frame[_PRINTED]
    if len(shown) > SHOWN_ROWS:
        half = SHOWN_ROWS // 2
        shown = pd.concat([shown.head(half), shown.tail(half)])
        lines.append(f"(the first and last {half}; all {len(frame)} in {names.SUMMARY_FILE})")
    lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for _, row in frame[frame[names.STATUS] == names.STATUS_FAILED].iterrows():
        lines.append(
            f"failed: point {row[names.POINT]} ({row[names.OVERRIDES]}): {row[names.ERROR]}"
        )
    return "\n".join(lines)
