"""The per-timestep Parquet table: its schema, its metadata, and a streaming, atomic writer.

One row per (timestep, sequence in the batch), timestep-major. Value columns are
variable-length lists, so points with different sizes load together; the point's
parameters are ordinary columns, so any set of tables concatenates into one frame.
"""

import dataclasses
import functools
import json
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from omegaconf import OmegaConf

from runner import names
from runner.config import GROUPS, Config, preset_fields
from runner.lstm import Steps

_PACKAGES = ("lstm-runner", "numpy", "numba", "pandas", "pyarrow", "hydra-core", "omegaconf")
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C emitter where built
_ARROW_TYPES = {int: pa.int64(), float: pa.float64(), bool: pa.bool_(), str: pa.string()}


def _column_name(key: str) -> str:
    """``sequence.name`` is the column ``sequence``: the preset, as the user chose it."""
    group, _, leaf = key.partition(".")
    return group if group in GROUPS and leaf == "name" else key


def _arrow_type(tp: Any) -> pa.DataType:
    if tp in _ARROW_TYPES:
        return _ARROW_TYPES[tp]
    return pa.string()  # enums by value, lists as JSON


PARAM_FIELDS = [pa.field(_column_name(k), _arrow_type(t)) for k, t in preset_fields().items()]


def _scalar(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return json.dumps(value)
    return value


def config_dict(cfg: Config) -> dict[str, Any]:
    """``cfg`` as plain containers (enums by value), in the schema's key order."""
    return json.loads(json.dumps(dataclasses.asdict(cfg), default=_scalar))


def params(cfg: Config) -> dict[str, Any]:
    """The parameter columns of ``cfg``: every key of every preset, None where it has none."""
    flat: dict[str, Any] = {}
    for key, value in config_dict(cfg).items():
        if isinstance(value, dict):  # a group: sequence or init
            flat.update({_column_name(f"{key}.{k}"): v for k, v in value.items()})
        else:
            flat[key] = value
    return {f.name: _scalar(flat.get(f.name)) for f in PARAM_FIELDS}


@functools.cache
def versions() -> dict[str, str]:
    """Versions of Python and of the packages that determine a table's numbers and bytes."""
    found = {"python": sys.version.split()[0]}
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def config_yaml(cfg: Config) -> str:
    """The resolved config as YAML, in the schema's key order."""
    return yaml.dump(config_dict(cfg), Dumper=_YAML_DUMPER, sort_keys=False)


def schema(cfg: Config, overrides: list[str], inputs_sha256: str) -> pa.Schema:
    """The table's schema, with the config, the overrides, the versions and the digest of
    the inputs (:func:`runner.point.input_digest`) as metadata."""
    value_type = pa.list_(pa.float32() if cfg.dtype.value == "float32" else pa.float64())
    fields = [pa.field(names.BATCH, pa.int64()), pa.field(names.TIMESTEP, pa.int64())]
    fields += [pa.field(c, value_type) for c in names.VALUE_COLUMNS if c in cfg.record]
    fields += PARAM_FIELDS
    meta = {
        names.META_CONFIG: config_yaml(cfg),
        names.META_OVERRIDES: json.dumps(list(overrides)),
        names.META_VERSIONS: json.dumps(versions()),
        names.META_INPUTS: inputs_sha256,
    }
    return pa.schema(fields, metadata=meta)


def _lists(values: np.ndarray, list_type: pa.DataType) -> pa.Array:
    """(rows, w) values to a list array of ``rows`` lists of w floats each."""
    rows, width = values.shape
    offsets = pa.array(np.arange(0, rows * width + 1, width, dtype=np.int32))
    flat = pa.array(np.ascontiguousarray(values).reshape(-1), type=list_type.value_type)
    return pa.ListArray.from_arrays(offsets, flat, type=list_type)


def record_batch(
    table_schema: pa.Schema, param_values: dict[str, Any], t0: int, x: np.ndarray, steps: Steps
) -> pa.RecordBatch:
    """The rows of timesteps t0 .. t0+T-1.

    Parameters
    ----------
    table_schema : pyarrow.Schema
        From :func:`schema`; its value columns say which columns to build.
    param_values : dict
        From :func:`params`.
    t0 : int
        Index of the first timestep.
    x : numpy.ndarray
        Inputs, shape (T, B, d).
    steps : Steps
        The forward pass over those T timesteps.
    """
    T, B, _ = x.shape
    h = steps.H.shape[-1]
    rows = T * B
    blocks = {c: steps.acts[..., k * h : (k + 1) * h] for k, c in enumerate(names.GATE_BLOCKS)}
    source = {names.X_T: x, names.GATES: steps.gates, names.C_T: steps.C, names.H_T: steps.H}
    source.update(blocks)
    columns = []
    for f in table_schema:
        if f.name == names.BATCH:
            columns.append(pa.array(np.tile(np.arange(B, dtype=np.int64), T)))
        elif f.name == names.TIMESTEP:
            columns.append(pa.array(np.repeat(np.arange(t0, t0 + T, dtype=np.int64), B)))
        elif f.name in source:
            columns.append(_lists(source[f.name].reshape(rows, -1), f.type))  # (T*B, w)
        else:
            value = param_values[f.name]
            columns.append(
                pa.nulls(rows, f.type)
                if value is None
                else pa.repeat(pa.scalar(value, f.type), rows)
            )
    return pa.RecordBatch.from_arrays(columns, schema=table_schema)


@contextmanager
def atomic_writer(path: Path, table_schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A Parquet writer whose file appears at ``path`` complete, or not at all.

    It writes to a hidden temporary file beside ``path`` (pyarrow's discovery skips it) and
    renames it over ``path`` only when the block ends without an exception, so a killed or
    failed run never leaves a partial table and never harms the one already there.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        # Dictionary encoding pays only for repeated values: the parameters, not the floats.
        dictionary = [f.name for f in table_schema if f.name not in names.VALUE_COLUMNS]
        with pq.ParquetWriter(tmp, table_schema, use_dictionary=dictionary) as writer:
            yield writer
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_metadata(path: Path) -> dict[str, Any]:
    """The config (as a dict), overrides, versions and input digest in a table's metadata."""
    meta = {k.decode(): v.decode() for k, v in (pq.read_schema(path).metadata or {}).items()}
    if names.META_CONFIG not in meta:
        raise ValueError(f"{path} is not a runner table (no {names.META_CONFIG} metadata)")
    return {
        "config": OmegaConf.to_container(OmegaConf.create(meta[names.META_CONFIG])),
        "overrides": json.loads(meta.get(names.META_OVERRIDES, "[]")),
        "versions": json.loads(meta.get(names.META_VERSIONS, "{}")),
        "inputs_sha256": meta.get(names.META_INPUTS),
    }
