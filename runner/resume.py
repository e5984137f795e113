"""Resuming a sweep: a point whose table holds the same config and inputs is not computed
again."""

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from runner import names, table
from runner.config import Config
from runner.point import PointResult, final_stats


def reusable(cfg: Config, inputs_sha256: str, out_dir: Path) -> PointResult | None:
    """The result of the point's earlier run, if its table is complete and of the same config
    and inputs.

    A table is only ever present complete (it is renamed into place when done), so an
    existing table with the same resolved config and the same input digest (a sequence file
    can change under an unchanged path) is this point's result, to the bit.
    """
    path = out_dir / names.TABLE_FILE
    if not path.is_file():
        return None
    try:
        saved = table.read_metadata(path)
    except (OSError, ValueError):
        return None
    if saved["config"] != table.config_dict(cfg) or saved["inputs_sha256"] != inputs_sha256:
        return None
    return PointResult(status=names.STATUS_REUSED, table=str(path), **_final_state_stats(path))


def discard_partial(out_dir: Path) -> None:
    """Delete the hidden temporary tables a killed run left in ``out_dir``.

    Only the sweep that holds the sweep directory's lock calls this, so no running writer
    owns them.
    """
    for tmp in out_dir.glob(f".{names.TABLE_FILE}.*.tmp"):
        tmp.unlink(missing_ok=True)


def _final_state_stats(path: Path) -> dict:
    """Statistics of the last timestep's h_t and C_t, read from the table's last row group."""
    f = pq.ParquetFile(path)
    columns = [names.TIMESTEP, names.H_T, names.C_T]
    if not set(columns) <= set(f.schema_arrow.names) or f.num_row_groups == 0:
        return {}
    last = f.read_row_group(f.num_row_groups - 1, columns=columns).to_pandas()
    last = last[last[names.TIMESTEP] == last[names.TIMESTEP].max()]
    return final_stats(np.stack(last[names.H_T]), np.stack(last[names.C_T]))
