"""Every launcher gives the serial run's tables, summary, failures, resume and layout."""

import pandas as pd
import pytest

from runner import names
from tests.conftest import run_cli

SWEEP = ["hidden=2,3,0", "seed=0,1"]  # hidden=0 fails: two of six points


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "sweep"
    assert run_cli(*SWEEP, f"hydra.sweep.dir={out}").returncode == 1
    return out


def _files(out) -> set[str]:
    return {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "launcher",
    [
        ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
        ["hydra/launcher=basic"],
        ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5"],
    ],
    ids=["joblib", "basic", "submitit_local"],
)
def test_launcher_matches_the_serial_run(serial, tmp_path, launcher):
    out = tmp_path / "sweep"
    first = run_cli(*SWEEP, *launcher, f"hydra.sweep.dir={out}")
    assert first.returncode == 1, first.stderr
    assert "failed: point 4 (hidden=0 seed=0): invalid hidden=0" in first.stdout
    assert first.stdout.strip().splitlines()[-1] == str(out)
    for point in ("0", "1", "2", "3"):
        ours = (out / point / names.TABLE_FILE).read_bytes()
        assert ours == (serial / point / names.TABLE_FILE).read_bytes(), point
    summary = pd.read_parquet(out / names.SUMMARY_FILE)
    assert summary[names.STATUS].tolist() == ["ok"] * 4 + ["failed"] * 2
    assert len(pd.read_parquet(out)) == 4 * 3
    assert not (out / names.MULTIRUN_FILE).exists()
    assert not [f for f in _files(out) if f.endswith(".log")]

    again = run_cli(*SWEEP, *launcher, f"hydra.sweep.dir={out}")
    assert again.returncode == 1
    assert "6 points: 0 ok, 4 reused, 2 failed" in again.stdout


def test_the_inprocess_launcher_also_serves_hydras_basic_sweeper(serial, tmp_path):
    """Through Hydra's Launcher interface: the same tables (Hydra's sweeper, Hydra's layout)."""
    out = tmp_path / "sweep"
    run_cli("hidden=2,3", "seed=0,1", "hydra/sweeper=basic", f"hydra.sweep.dir={out}", check=True)
    for point in ("0", "1", "2", "3"):
        ours = (out / point / names.TABLE_FILE).read_bytes()
        assert ours == (serial / point / names.TABLE_FILE).read_bytes(), point
