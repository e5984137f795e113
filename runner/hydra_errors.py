"""Hydra's and OmegaConf's errors, told in one line: the key, the value, what is allowed."""

import dataclasses
import re
import typing
from enum import Enum
from typing import Any

from hydra.errors import (
    ConfigCompositionException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    InterpolationResolutionError,
    MissingMandatoryValue,
    OmegaConfBaseException,
    ValidationError,
)

from runner.config import GROUPS, Config, preset_hint
from runner.errors import ConfigError
from runner.sequences import SHAPES
from runner.validation import POSITIVE_INT, SEED_RANGE

# What each key allows, where its type alone says too little.
ALLOWED = {
    "hidden": POSITIVE_INT,
    "batch_size": POSITIVE_INT,
    "seed": SEED_RANGE,
    "sequence.length": POSITIVE_INT,
    "sequence.features": POSITIVE_INT,
    "sequence.seed": SEED_RANGE,
    "sequence.path": "a path to a .npy, .csv or .parquet file",
    "sequence.values": SHAPES,
    "record": "a list of columns",
}
_BY_TYPE = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def _field_type(key: str) -> Any:
    """The declared type of a dotted key, looked up in every preset's schema."""
    head, _, leaf = key.partition(".")
    if head in GROUPS and leaf:
        for schema in GROUPS[head]:
            hints = typing.get_type_hints(schema)
            if leaf in hints:
                return hints[leaf]
        return None
    return typing.get_type_hints(Config).get(head)


def allowed_for(key: str) -> str:
    """What ``key`` takes, in words."""
    if key in ALLOWED:
        return ALLOWED[key]
    tp = _field_type(key)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(m.value for m in tp)
    return _BY_TYPE.get(tp, "a value of the right type")


def _keys_at(key: str, cfg_type: Any) -> list[str]:
    """The keys beside ``key`` in the schema that refused it."""
    head, _, _ = key.rpartition(".")
    if isinstance(cfg_type, type) and dataclasses.is_dataclass(cfg_type):
        return [f"{head}.{f.name}" if head else f.name for f in dataclasses.fields(cfg_type)]
    return []


def _override_value(exc: BaseException, key: str) -> str | None:
    """The value given to ``key`` in an override quoted by Hydra's message, if any."""
    m = re.search(rf"(?:^|[\s+~]){re.escape(key)}=(\S*)", str(exc))
    return m.group(1) if m else None


def explain(exc: BaseException) -> ConfigError | None:
    """The :class:`ConfigError` that says what is wrong with the input behind ``exc``.

    Returns None for an exception that is not about the user's input (a bug).
    """
    if isinstance(exc, ConfigError):
        return exc
    if isinstance(exc, OverrideParseException):
        key = exc.override.partition("=")[0].lstrip("+~")
        return ConfigError(
            key, exc.override.partition("=")[2], "a value in Hydra's override syntax"
        )
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, option = exc.missing_cfg_file.rpartition("/")
        options = [o for o in (exc.options or []) if not o.startswith("schema_")]
        if group:
            return ConfigError(group, option, "one of " + ", ".join(options))
        return ConfigError("--config-name", option, "an existing primary config")
    cause = exc.__cause__ if isinstance(exc, ConfigCompositionException) else exc
    if isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and cause.full_key:
        keys = _keys_at(cause.full_key, cause.object_type)
        value = _override_value(exc, cause.full_key)
        allowed = "a known key" + (": one of " + ", ".join(keys) if keys else "")
        allowed += preset_hint(cause.full_key)
        return ConfigError(cause.full_key, value if value is not None else "", allowed)
    if isinstance(cause, InterpolationResolutionError) and cause.full_key:
        # e.g. `hidden=${nope}`: show what was given, and why it does not resolve
        given = cause.child_node._value() if cause.child_node is not None else ""
        reason = str(cause).strip().splitlines()[0]
        return ConfigError(cause.full_key, given, f"{allowed_for(cause.full_key)} ({reason})")
    if isinstance(cause, MissingMandatoryValue) and cause.full_key:
        return ConfigError(cause.full_key, "???", allowed_for(cause.full_key) + " (it is required)")
    if isinstance(cause, ValidationError) and cause.full_key:
        value = _override_value(exc, cause.full_key)
        shown = value if value is not None else cause.value
        return ConfigError(cause.full_key, shown, allowed_for(cause.full_key))
    if isinstance(exc, ConfigCompositionException):
        line = str(exc).strip().splitlines()[0]
        m = re.search(r"override (\S+?)=(\S*)", line) or re.search(r"'(\S+?)'", line)
        if m and m.lastindex == 2:
            return ConfigError(m.group(1), m.group(2), allowed_for(m.group(1)))
        return ConfigError("override", line, "a valid override")
    if isinstance(exc, OmegaConfBaseException):
        key = exc.full_key or "config"
        return ConfigError(key, exc.value if exc.value is not None else "", allowed_for(key))
    if (override := _override_being_applied(exc)) is not None:
        # e.g. `sequence.values.x=1`: OmegaConf's own ValueError, not wrapped by Hydra
        key = override.key_or_group
        return ConfigError(key, override.value(), f"a key of the config ({exc})")
    return None


def _override_being_applied(exc: BaseException) -> Any:
    """The Hydra ``Override`` that ``exc`` interrupted, if it was raised while Hydra applied
    overrides to the config: the frame of ``_apply_overrides_to_config`` holds it."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "_apply_overrides_to_config":
            return tb.tb_frame.f_locals.get("override")
        tb = tb.tb_next
    return None
