"""The title command through the real command line."""

import re
from pathlib import Path

import pandas as pd
import pytest

from runner import names
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def title_sweep(tmp_path_factory) -> tuple[Path, str]:
    """`python -m runner hidden=2,4,8 seed=0,1`, run once for the module, no -m flag."""
    out = tmp_path_factory.mktemp("title") / "sweep"
    proc = run_cli("hidden=2,4,8", "seed=0,1", f"hydra.sweep.dir={out}", check=True)
    return out, proc.stdout


def test_title_sweep_runs_six_points_into_eighteen_rows(title_sweep):
    out, _ = title_sweep
    df = pd.read_parquet(out)
    assert len(df) == 18  # 6 points x 3 timesteps x 1 sequence
    points = df.groupby(["hidden", "seed"]).size()
    assert points.to_dict() == {(h, s): 3 for h in (2, 4, 8) for s in (0, 1)}
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) == [
        str(i) for i in range(6)
    ]
    widths = df.apply(lambda r: (len(r[names.GATES]), len(r[names.H_T])), axis=1)
    assert set(widths) == {(8, 2), (16, 4), (32, 8)}


def test_last_line_names_the_sweep_directory(title_sweep):
    out, stdout = title_sweep
    assert stdout.strip().splitlines()[-1] == str(out)


def test_default_directory_is_new_under_outputs(tmp_path):
    proc = run_cli(cwd=tmp_path, check=True)
    last = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"outputs/\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d(-\d+)?", last)
    assert len(pd.read_parquet(tmp_path / last)) == 3


def test_any_hydra_sweep_syntax_sweeps(tmp_path):
    out = tmp_path / "s"
    run_cli("seed=range(0,3)", "sequence=notebook,sine", f"hydra.sweep.dir={out}", check=True)
    df = pd.read_parquet(out)
    assert df.groupby(["sequence", "seed"]).size().to_dict() == {
        **{("notebook", s): 3 for s in range(3)},
        **{("sine", s): 50 for s in range(3)},  # the sine preset's default length
    }


def test_hydras_own_flags_still_work(tmp_path):
    shown = run_cli("--cfg", "job", "hidden=3", cwd=tmp_path, check=True)
    assert "hidden: 3" in shown.stdout
    assert not (tmp_path / "outputs").exists()
    assert "Configuration groups" in run_cli("--help", cwd=tmp_path, check=True).stdout
