"""Shared helpers: configs through Hydra's compose API, the command line through subprocesses."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from runner.config import CONF_DIR, Config, register_configs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def hydra_compose() -> Iterator:
    """``hydra_compose(overrides) -> DictConfig``: the task config Hydra composes."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):

        def _compose(overrides: Sequence[str] = ()) -> DictConfig:
            return compose(config_name="config", overrides=list(overrides))

        yield _compose


@pytest.fixture(scope="session")
def make_config(hydra_compose) -> Iterator:
    """``make_config(overrides) -> Config``: the typed config of those overrides."""

    def _make(overrides: Sequence[str] = ()) -> Config:
        cfg = OmegaConf.to_object(hydra_compose(overrides))
        assert isinstance(cfg, Config)
        return cfg

    return _make


def run_cli(
    *args: str, cwd: Path | None = None, module: str = "runner", check: bool = False
) -> subprocess.CompletedProcess:
    """Run ``python -m <module> *args`` and capture its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def sweep(tmp_path: Path):
    """``sweep(*overrides) -> Path``: run a sweep into a fresh directory and return it."""

    def _sweep(*overrides: str, name: str = "sweep") -> Path:
        out = tmp_path / name
        run_cli(*overrides, f"hydra.sweep.dir={out}", check=True)
        return out

    return _sweep


def start_cli(*args: str, cwd: Path | None = None) -> subprocess.Popen:
    """Start ``python -m runner *args`` in the background, its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "runner", *args],
        cwd=cwd or ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_partial_table(proc: subprocess.Popen, point_dir: Path, timeout: float = 120) -> None:
    """Wait until ``proc`` is in the middle of writing the table of ``point_dir``."""
    deadline = time.monotonic() + timeout
    while not list(point_dir.glob(".table.parquet.*.tmp")):
        assert proc.poll() is None, "the run ended before its table was half-written"
        assert time.monotonic() < deadline, "no table was being written"
        time.sleep(0.01)
