"""Streamed tables (many row groups) equal the in-memory one; record and dtype."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from numpy.testing import assert_allclose

from runner import names
from runner.point import chunk_steps, run

LONG = ["sequence=random", "sequence.length=50", "sequence.features=2", "hidden=3", "batch_size=2"]


def _table(path):
    return pd.read_parquet(path / names.TABLE_FILE)


@pytest.fixture
def in_memory(make_config, tmp_path):
    """One row group: the whole sequence at once."""
    run(make_config(LONG), tmp_path / "whole")
    assert pq.ParquetFile(tmp_path / "whole" / names.TABLE_FILE).num_row_groups == 1
    return _table(tmp_path / "whole")


@pytest.mark.parametrize("chunk", [1, 7, 49])
def test_streamed_table_equals_the_in_memory_one(make_config, tmp_path, in_memory, chunk):
    run(make_config(LONG), tmp_path / "streamed", chunk=chunk)
    groups = pq.ParquetFile(tmp_path / "streamed" / names.TABLE_FILE).num_row_groups
    assert groups == -(-50 // chunk)
    pd.testing.assert_frame_equal(_table(tmp_path / "streamed"), in_memory)


def test_record_keeps_only_the_chosen_columns(make_config, tmp_path, in_memory):
    run(make_config([*LONG, "record=[h_t,C_t]"]), tmp_path, chunk=9)
    df = _table(tmp_path)
    values = [c for c in df.columns if c in names.VALUE_COLUMNS]
    assert values == [names.C_T, names.H_T]  # the table's order, whatever the order asked
    for column in values:
        assert df[column].map(list).tolist() == in_memory[column].map(list).tolist()


def test_float32_halves_the_table_and_agrees_with_float64(make_config, tmp_path, in_memory):
    long = [*LONG[:1], "sequence.length=2000", *LONG[2:]]
    run(make_config(long), tmp_path / "f64")
    run(make_config([*long, "dtype=float32"]), tmp_path / "f32")
    schema = pq.read_schema(tmp_path / "f32" / names.TABLE_FILE)
    assert schema.field(names.H_T).type == pa.list_(pa.float32())
    f32, f64 = _table(tmp_path / "f32"), _table(tmp_path / "f64")
    for column in names.VALUE_COLUMNS:
        assert_allclose(np.stack(f32[column]), np.stack(f64[column]), rtol=1e-4, atol=1e-5)
    size = {d: (tmp_path / d / names.TABLE_FILE).stat().st_size for d in ("f32", "f64")}
    assert size["f32"] < 0.6 * size["f64"]


@pytest.mark.parametrize(
    ("batch", "hidden", "features", "dtype", "steps"),
    [
        (1, 16, 1, np.float64, 3256),  # 4 MiB of steps of 1,288 bytes
        (64, 256, 256, np.float32, 32),  # bench.forward's medium size: at least 32 steps
        (64, 256, 256, np.float64, 32),
        (64, 1024, 1024, np.float32, 23),  # the large size: as many as 64 MiB holds
        (64, 1024, 1024, np.float64, 11),
        (1, 2**22, 1, np.float64, 1),  # a step larger than 64 MiB
    ],
)
def test_a_chunk_fills_its_bytes_and_is_long_enough_to_be_fast(
    batch, hidden, features, dtype, steps
):
    assert chunk_steps(batch, hidden, features, dtype) == steps
