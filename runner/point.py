"""One sweep point: a typed config in, one per-timestep Parquet table out. No Hydra here."""

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from runner import names, sequences, table, trace
from runner.config import Config, DType
from runner.errors import ConfigError
from runner.lstm import Steps, forward, init_weights, load_compiled_kernels
from runner.validation import check

# Rows of a row group are sized so that one chunk's buffers stay near this many bytes: the
# memory of a run does not grow with the sequence's length.
CHUNK_BYTES = 4 * 2**20
# But a chunk has at least this many steps where its buffers stay under MAX_CHUNK_BYTES:
# each call of the forward pass costs some 0.3 ms beyond its steps (waking its threads,
# the input product's smaller blocks), and in chunks of 8 steps a medium point's
# forward pass took 1.18x to 1.22x its time in one call in float32, 1.07x in float64; in
# chunks of 32, 1.02x to 1.03x and 1.00x (bench.forward sizes, 100 steps).
MIN_CHUNK_STEPS = 32
MAX_CHUNK_BYTES = 64 * 2**20

log = logging.getLogger(__name__)


@dataclass
class PointResult:
    """What a point reports to its sweep's summary."""

    status: str
    error: str | None = None
    wall_time_s: float = 0.0
    table: str | None = None
    final_h_t_norm: float | None = None
    final_C_t_norm: float | None = None
    final_h_t_max_abs: float | None = None
    final_C_t_max_abs: float | None = None

    def as_row(self) -> dict:
        return asdict(self)


def inputs(cfg: Config) -> np.ndarray:
    """Check ``cfg`` and build its input batch, time-major.

    Returns
    -------
    numpy.ndarray
        Shape (T, B, d), of ``cfg.dtype``.

    Raises
    ------
    ConfigError
        For any value the runner refuses; nothing has been written then.
    """
    check(cfg)
    x = sequences.build(cfg)  # (B, T, d), float64
    dtype = np.dtype(cfg.dtype.value)
    if cfg.dtype is DType.float32 and np.abs(x).max() > np.finfo(np.float32).max:
        raise ConfigError("dtype", cfg.dtype.value, "float64 for inputs beyond float32's range")
    return np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)  # (T, B, d)


# The config keys that determine the input batch, and so its digest.
INPUT_KEYS = ("sequence", "batch_size", "dtype")


def input_digest(x: np.ndarray) -> str:
    """SHA-256 of the input batch, shape and dtype included.

    A table keeps it so that a resumed sweep or a rerun can tell when the inputs changed
    while the config did not: a sequence file edited in place.

    Parameters
    ----------
    x : numpy.ndarray
        Inputs, shape (T, B, d), as :func:`inputs` returns them.
    """
    digest = hashlib.sha256(f"{x.dtype.str}{x.shape}".encode())
    digest.update(np.ascontiguousarray(x).data)
    return digest.hexdigest()


def chunk_steps(batch: int, hidden: int, features: int, dtype: np.dtype) -> int:
    """Timesteps per row group: about CHUNK_BYTES of buffers, at least MIN_CHUNK_STEPS
    within MAX_CHUNK_BYTES, and at least one."""
    row_bytes = (10 * hidden + features) * np.dtype(dtype).itemsize  # gates, acts, C, h, x
    step_bytes = batch * row_bytes
    return max(1, CHUNK_BYTES // step_bytes, min(MIN_CHUNK_STEPS, MAX_CHUNK_BYTES // step_bytes))


def run(
    cfg: Config,
    out_dir: Path,
    overrides: Sequence[str] = (),
    chunk: int | None = None,
) -> PointResult:
    """Run one point and write ``out_dir / table.parquet``.

    Parameters
    ----------
    cfg : Config
        The point's config.
    out_dir : pathlib.Path
        The point's directory; created if missing.
    overrides : sequence of str
        The command-line overrides that gave ``cfg``, kept in the table's metadata.
    chunk : int, optional
        Timesteps per row group; by default about 4 MiB of buffers.

    Returns
    -------
    PointResult
        Status ``ok`` and the final state's statistics.

    Raises
    ------
    ConfigError
        Before anything is written, for any value the runner refuses.
    """
    start = time.perf_counter()
    x = inputs(cfg)  # (T, B, d)
    T, B, d = x.shape
    loading = time.perf_counter()
    load_compiled_kernels(x.dtype, B, cfg.hidden)
    start += time.perf_counter() - loading  # numba's one-time cost is the process's
    w = init_weights(cfg.init, d, cfg.hidden, np.random.RandomState(cfg.seed)).astype(x.dtype)
    h_t = np.zeros((B, cfg.hidden), x.dtype)
    c_t = np.zeros((B, cfg.hidden), x.dtype)
    step = chunk or chunk_steps(B, cfg.hidden, d, x.dtype)
    buffers = Steps.empty(min(step, T), B, cfg.hidden, x.dtype)
    schema = table.schema(cfg, overrides, input_digest(x))
    param_values = table.params(cfg)
    path = Path(out_dir) / names.TABLE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if cfg.trace:
        trace.start(w, h_t, c_t)
    with table.atomic_writer(path, schema) as writer:
        for t0 in range(0, T, step):
            xs = x[t0 : t0 + step]  # (T', B, d)
            out = forward(xs, w, h_t, c_t, buffers)
            if cfg.trace:
                trace.steps(t0, xs, w, h_t, out)
            writer.write_batch(table.record_batch(schema, param_values, t0, xs, out))
            h_t, c_t = out.H[-1].copy(), out.C[-1].copy()  # (B, h): the buffers are reused
    if cfg.trace:
        trace.end()
    return PointResult(
        status=names.STATUS_OK,
        wall_time_s=time.perf_counter() - start,
        table=str(path),
        **final_stats(h_t, c_t),
    )


def final_stats(h_t: np.ndarray, c_t: np.ndarray) -> dict[str, float]:
    """Norms and largest magnitudes of the final state, over the whole batch."""
    return {
        names.FINAL_H_NORM: float(np.linalg.norm(h_t)),
        names.FINAL_C_NORM: float(np.linalg.norm(c_t)),
        names.FINAL_H_MAX: float(np.abs(h_t).max()),
        names.FINAL_C_MAX: float(np.abs(c_t).max()),
    }


def run_or_report(cfg: Config, out_dir: Path, overrides: Sequence[str] = ()) -> PointResult:
    """:func:`run`, with a failure reported as a failed result instead of raised.

    A sweep goes on past a failed point; a refused value is told in one line, anything else
    (a bug, a full disk) also with its traceback in the log.
    """
    start = time.perf_counter()
    try:
        return run(cfg, out_dir, overrides)
    except ConfigError as exc:
        error = str(exc)
    except Exception as exc:
        log.exception("point in %s failed", out_dir)
        error = f"{type(exc).__name__}: {exc}"
    return PointResult(
        status=names.STATUS_FAILED, error=error, wall_time_s=time.perf_counter() - start
    )
