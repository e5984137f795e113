"""The one error a user sees for bad input: the key, the value, and what is allowed."""

from typing import Any

_MAX_SHOWN = 60


def show(value: Any) -> str:
    """A value as the user would type it; a long list is shortened to fit on one line."""
    if isinstance(value, str):
        return value  # keys, paths, words: in full
    text = " ".join(repr(value).split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class ConfigError(ValueError):
    """A config value that the runner refuses.

    Parameters
    ----------
    key : str
        Dotted config key, e.g. ``sequence.values``.
    value : Any
        The value given.
    allowed : str
        What is allowed instead, e.g. ``an integer >= 1``.
    """

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"invalid {key}={show(value)}: expected {allowed}")
