"""The table's schema and metadata, read back through pandas and pyarrow."""

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from runner import names
from runner.point import run
from runner.table import PARAM_FIELDS


def test_value_columns_are_variable_length_float64_lists(make_config, tmp_path):
    run(make_config(), tmp_path)
    schema = pq.read_schema(tmp_path / names.TABLE_FILE)
    for column in names.VALUE_COLUMNS:
        assert schema.field(column).type == pa.list_(pa.float64()), column
    assert schema.field(names.BATCH).type == pa.int64()
    assert schema.field(names.TIMESTEP).type == pa.int64()
    assert schema.names[:10] == [*names.INDEX_COLUMNS, *names.VALUE_COLUMNS]


def test_metadata_holds_resolved_config_overrides_and_versions(make_config, tmp_path):
    overrides = ["sequence=random", "seed=7", "hidden=3"]
    run(make_config(overrides), tmp_path, overrides=overrides)
    meta = pq.read_schema(tmp_path / names.TABLE_FILE).metadata
    config = yaml.safe_load(meta[names.META_CONFIG.encode()])
    assert config["hidden"] == 3
    assert config["sequence"] == {
        "length": 10,
        "features": 1,
        "seed": 7,  # resolved: the preset says ${seed}
        "name": "random",
    }
    assert json.loads(meta[names.META_OVERRIDES.encode()]) == overrides
    versions = json.loads(meta[names.META_VERSIONS.encode()])
    assert versions["numpy"] == np.__version__
    assert versions["pyarrow"] == pa.__version__
    assert versions["pandas"] == pd.__version__


def test_pandas_round_trip_keeps_every_value_and_parameter(make_config, tmp_path):
    overrides = ["sequence=sine", "sequence.length=5", "sequence.features=2", "batch_size=2"]
    run(make_config(overrides), tmp_path)
    df = pd.read_parquet(tmp_path / names.TABLE_FILE)
    assert len(df) == 10
    assert [len(v) for v in df.iloc[0][list(names.VALUE_COLUMNS)]] == [2, 8, 2, 2, 2, 2, 2, 2]
    assert df["sequence"].unique().tolist() == ["sine"]
    assert df["sequence.length"].unique().tolist() == [5]
    assert df["sequence.path"].isna().all()  # a key of another preset: empty here
    assert df["init"].unique().tolist() == ["notebook"]
    again = tmp_path / "again.parquet"
    df.to_parquet(again)
    pd.testing.assert_frame_equal(pd.read_parquet(again), df)


def test_tables_of_different_presets_and_sizes_concatenate(make_config, tmp_path):
    """Every table carries every parameter column, so pyarrow's discovery, which takes the
    first file's schema, loses no column of another preset."""
    run(make_config(["hidden=2"]), tmp_path / "0")
    run(make_config(["sequence=sine", "sequence.length=4", "hidden=5"]), tmp_path / "1")
    df = pd.read_parquet(tmp_path)
    assert len(df) == 3 + 4
    assert set(df.columns) >= {f.name for f in PARAM_FIELDS}
    assert df.groupby("sequence")["sequence.length"].first().fillna(-1).to_dict() == {
        "notebook": -1,
        "sine": 4,
    }
    assert sorted({len(h) for h in df[names.H_T]}) == [2, 5]
