"""Checks of a typed config's values that its types alone cannot express."""

import math

from runner import names
from runner.config import Config, RandomSequence, SineSequence
from runner.errors import ConfigError

SEED_MAX = 2**32 - 1  # np.random.RandomState takes seeds in [0, 2**32 - 1]
POSITIVE_INT = "an integer >= 1"
SEED_RANGE = f"an integer from 0 to {SEED_MAX}"


def _positive_int(key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(key, value, POSITIVE_INT)


def _seed(key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
        raise ConfigError(key, value, SEED_RANGE)


def check(cfg: Config) -> None:
    """Raise :class:`ConfigError` for the first value of ``cfg`` that is not allowed.

    The sequence's data (shape, finiteness, files) is checked where it is read, in
    :func:`runner.sequences.build`.
    """
    _positive_int("hidden", cfg.hidden)
    _positive_int("batch_size", cfg.batch_size)
    _seed("seed", cfg.seed)
    allowed_columns = "a non-empty list of distinct columns from " + ", ".join(names.VALUE_COLUMNS)
    if (
        not cfg.record
        or len(set(cfg.record)) != len(cfg.record)
        or not set(cfg.record) <= set(names.VALUE_COLUMNS)
    ):
        raise ConfigError("record", list(cfg.record), allowed_columns)
    seq = cfg.sequence
    if isinstance(seq, (SineSequence, RandomSequence)):
        _positive_int("sequence.length", seq.length)
        _positive_int("sequence.features", seq.features)
    if isinstance(seq, RandomSequence):
        _seed("sequence.seed", seq.seed)
    if isinstance(seq, SineSequence):
        if not math.isfinite(seq.period) or seq.period == 0:
            raise ConfigError("sequence.period", seq.period, "a finite number other than 0")
        if not math.isfinite(seq.amplitude):
            raise ConfigError("sequence.amplitude", seq.amplitude, "a finite number")
