"""Sweep directories that no two sweeps share.

A new sweep gets a directory that did not exist before (``os.mkdir`` is atomic, so of two
sweeps started in the same second one gets ``HH-MM-SS`` and the other ``HH-MM-SS-1``). A
sweep run again into a directory named on the command line resumes there. Either way the
sweep holds an exclusive lock on the directory until it ends, so a second sweep into the
same directory is refused while the first is running.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runner import names
from runner.errors import ConfigError

_MAX_SUFFIX = 10_000


def _fresh(path: Path) -> Path:
    """Create and return ``path``, or ``path-1``, ``path-2``... if it exists already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for n in range(_MAX_SUFFIX):
        candidate = path if n == 0 else path.with_name(f"{path.name}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise ConfigError("hydra.sweep.dir", str(path), "a directory name not taken 10000 times")


@contextmanager
def claim(path: Path, resume: bool, key: str = "hydra.sweep.dir") -> Iterator[Path]:
    """Hold the sweep directory ``path`` for the duration of the block.

    Parameters
    ----------
    path : pathlib.Path
        The configured sweep directory.
    resume : bool
        True when the user named the directory: it may exist, and the sweep resumes there.
        False for a default directory: the sweep gets a new one, never an existing one.
    key : str
        The option that named ``path``, for refusals (``--out`` for a rerun).

    Yields
    ------
    pathlib.Path
        The directory the sweep owns.

    Raises
    ------
    ConfigError
        If another running sweep holds the directory.
    """
    try:
        if resume:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path = _fresh(path)
    except (FileExistsError, NotADirectoryError):  # a file where a directory must be
        raise ConfigError(key, str(path), "a directory, not a file") from None
    fd = os.open(path / names.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                key, str(path), "a directory that no running sweep is using"
            ) from None
        yield path
    finally:
        os.close(fd)
