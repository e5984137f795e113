"""A sequence file edited in place: same config, other inputs. Resume recomputes the point,
rerun refuses to pretend it reproduces it, diff names it."""

import json

import numpy as np
import pandas as pd
import pytest

from runner import names
from runner.point import input_digest, inputs
from runner.table import read_metadata
from tests.conftest import run_cli

SEQ = np.array([[0.5], [2.0], [-1.0]])  # [T=3][d=1]


@pytest.fixture
def edited(tmp_path):
    """A sweep on ``seq.npy``, then the file edited in place: ``(tmp_path, sweep dir)``."""
    np.save(tmp_path / "seq.npy", SEQ)
    out = tmp_path / "sweep"
    run_cli(
        "sequence=file", "sequence.path=seq.npy", "hydra.sweep.dir=sweep", cwd=tmp_path, check=True
    )
    np.save(tmp_path / "seq.npy", 2 * SEQ)
    return tmp_path, out


def test_the_table_keeps_the_digest_of_its_inputs(make_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("seq.npy", SEQ)
    cfg = make_config(["sequence=file", "sequence.path=seq.npy"])
    run_cli("sequence=file", "sequence.path=seq.npy", "hydra.sweep.dir=s", cwd=tmp_path, check=True)
    saved = read_metadata(tmp_path / "s" / "0" / names.TABLE_FILE)["inputs_sha256"]
    assert saved == input_digest(inputs(cfg))


def test_resume_recomputes_a_point_whose_file_changed(edited):
    cwd, out = edited
    again = run_cli("sequence=file", "sequence.path=seq.npy", "hydra.sweep.dir=sweep", cwd=cwd)
    assert again.returncode == 0, again.stderr
    assert "1 point: 1 ok, 0 reused" in again.stdout
    x_t = pd.read_parquet(out)[names.X_T].tolist()
    assert [v.tolist() for v in x_t] == (2 * SEQ).tolist()


def test_rerun_refuses_a_point_whose_file_changed(edited):
    cwd, out = edited
    proc = run_cli(str(out / "0"), "--out", "r", module="runner.rerun", cwd=cwd)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: invalid sequence.path=seq.npy: expected the inputs the point ran on"
        " (they have changed since)"
    ]
    assert not (cwd / "r").exists()
    np.save(cwd / "seq.npy", SEQ)  # put back, the rerun is the same table to the bit
    proc = run_cli(str(out / "0"), "--out", "r", module="runner.rerun", cwd=cwd, check=True)
    table = (cwd / "r" / "0" / names.TABLE_FILE).read_bytes()
    assert table == (out / "0" / names.TABLE_FILE).read_bytes()


def test_rerun_on_another_file_is_not_refused(edited):
    cwd, out = edited
    np.save(cwd / "other.npy", SEQ)
    proc = run_cli(
        str(out / "0"), "sequence.path=other.npy", "--out", "r", module="runner.rerun", cwd=cwd
    )
    assert proc.returncode == 0, proc.stderr


def test_diff_names_the_inputs_when_only_the_file_changed(edited):
    cwd, out = edited
    run_cli("sequence=file", "sequence.path=seq.npy", "hydra.sweep.dir=new", cwd=cwd, check=True)
    proc = run_cli(str(out / "0"), "new/0", "--json", module="runner.diff", cwd=cwd)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert list(report["config"]) == ["inputs_sha256"]
    assert report["results"]["columns"][names.X_T]["first_diverging_timestep"] == 0
