"""Input sequences: from a sequence preset to an array of shape (B, T, d)."""

import math
from pathlib import Path
from typing import Any

import numpy as np

from runner.config import Config, FileSequence, RandomSequence, SineSequence, ValuesSequence
from runner.errors import ConfigError, show

SHAPES = "a list of numbers [T], of lists [T][d], or of those [B][T][d], all non-empty and equal"
FILE_SUFFIXES = (".npy", ".csv", ".parquet")
FILE_SHAPES = "[T] or [T][d] numbers (.npy also [B][T][d]), non-empty and finite"


def build(cfg: Config) -> np.ndarray:
    """The input batch of ``cfg``.

    Parameters
    ----------
    cfg : Config
        A checked config; ``cfg.sequence`` is one of the sequence presets.

    Returns
    -------
    numpy.ndarray
        float64, shape (B, T, d) with B = ``cfg.batch_size``. A single sequence is repeated
        over the batch, as the notebook's batch dimension would.

    Raises
    ------
    ConfigError
        For an empty, ragged, non-numeric or non-finite sequence, a file that cannot be read,
        or an explicit batch whose size is not ``batch_size``.
    """
    seq = cfg.sequence
    if isinstance(seq, SineSequence):
        t = np.arange(seq.length, dtype=np.float64)[None, :, None]  # (1, T, 1)
        k = np.arange(cfg.batch_size * seq.features, dtype=np.float64)
        phase = (k * math.pi / 4).reshape(cfg.batch_size, 1, seq.features)  # (B, 1, d)
        return seq.amplitude * np.sin(2 * math.pi * t / seq.period + phase)
    if isinstance(seq, RandomSequence):
        return np.random.RandomState(seq.seed).randn(cfg.batch_size, seq.length, seq.features)
    if isinstance(seq, ValuesSequence):
        key, given, raw = "sequence.values", seq.values, _from_values(seq.values)
    elif isinstance(seq, FileSequence):
        key, given, raw = "sequence.path", seq.path, read_file(seq.path)
    else:  # pragma: no cover - the schema admits nothing else
        raise TypeError(f"unknown sequence preset {type(seq).__name__}")
    return _fit_batch(_as_batch(key, given, raw), cfg.batch_size, key)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _from_values(values: Any) -> np.ndarray:
    """Nested lists of numbers to an array, refusing anything that is not a number."""

    def numbers_only(v: Any) -> None:
        if isinstance(v, (list, tuple)):
            for item in v:
                numbers_only(item)
        elif not _is_number(v):
            raise ConfigError("sequence.values", values, SHAPES)

    numbers_only(values)
    try:
        return np.array(values, dtype=np.float64)
    except ValueError:  # ragged
        raise ConfigError("sequence.values", values, SHAPES) from None


def _as_batch(key: str, given: Any, x: np.ndarray) -> np.ndarray:
    """[T], [T][d] or [B][T][d] to (B, T, d), refusing empty, ragged and non-finite input."""
    allowed = SHAPES if key == "sequence.values" else FILE_SHAPES
    if x.ndim == 1:
        x = x[None, :, None]  # (1, T, 1)
    elif x.ndim == 2:
        x = x[None]  # (1, T, d)
    if x.ndim != 3 or x.size == 0:
        raise ConfigError(key, given, allowed)
    if not np.isfinite(x).all():
        raise ConfigError(key, given, allowed.replace("non-empty", "finite, non-empty"))
    return x


def _fit_batch(x: np.ndarray, batch_size: int, key: str) -> np.ndarray:
    if x.shape[0] == batch_size:
        return x
    if x.shape[0] == 1:
        return np.repeat(x, batch_size, axis=0)  # (B, T, d)
    raise ConfigError("batch_size", batch_size, f"{x.shape[0]}, the number of sequences in {key}")


def read_file(path: str) -> np.ndarray:
    """Read a sequence file into a float64 array of its own shape.

    Raises
    ------
    ConfigError
        If the file is missing, unreadable, of an unknown kind or not numeric.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise ConfigError("sequence.path", path, "a file ending in " + ", ".join(FILE_SUFFIXES))
    if not p.is_file():
        raise ConfigError(
            "sequence.path", path, f"an existing file (none at {show(str(p.resolve()))})"
        )
    try:
        if suffix == ".npy":
            data = np.load(p, allow_pickle=False)
        elif suffix == ".csv":
            data = _read_csv(p)
        else:
            import pandas as pd

            data = pd.read_parquet(p).to_numpy()
        if data.dtype.kind not in "biuf":
            raise ValueError("not numeric")
        return np.asarray(data, dtype=np.float64)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError("sequence.path", path, f"{FILE_SHAPES} ({show(str(exc))})") from None


def _read_csv(p: Path) -> np.ndarray:
    """One row per timestep, one column per feature; a header line, if any, is skipped."""
    lines = [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lines:
        try:
            [float(v) for v in lines[0].split(",")]
        except ValueError:
            lines = lines[1:]  # a header of column names
    if not lines:
        raise ValueError("no rows of numbers")
    return np.loadtxt(lines, delimiter=",", ndmin=2, dtype=np.float64)
