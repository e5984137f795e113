"""python -m runner.rerun: a past point from its saved config, to the bit, anywhere."""

import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from runner import names
from runner.rerun import main
from runner.table import read_metadata
from tests.conftest import run_cli


def test_rerun_of_a_copied_point_is_the_same_table_to_the_bit(sweep, tmp_path):
    out = sweep("sequence=random", "seed=3", "hidden=5")
    elsewhere = tmp_path / "copied" / "point"
    shutil.copytree(out / "0", elsewhere)
    (out / "0" / names.TABLE_FILE).rename(out / "0" / "moved.parquet")  # the original is gone
    proc = run_cli("copied/point", "--out", "again", module="runner.rerun", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "again"
    new = tmp_path / "again" / "0" / names.TABLE_FILE
    assert new.read_bytes() == (elsewhere / names.TABLE_FILE).read_bytes()


def test_an_override_changes_one_key_and_keeps_the_rest(sweep, tmp_path, capsys):
    out = sweep("sequence=random", "seed=3", "hidden=5")
    assert main([str(out / "0"), "hidden=2", "--out", str(tmp_path / "r")]) == 0
    table = tmp_path / "r" / "0" / names.TABLE_FILE
    old, new = read_metadata(out / "0" / names.TABLE_FILE), read_metadata(table)
    assert new["config"] == {**old["config"], "hidden": 2}
    assert new["overrides"] == [*old["overrides"], "hidden=2"]
    before, after = pd.read_parquet(out / "0"), pd.read_parquet(table)
    assert after[names.X_T].tolist() == before[names.X_T].tolist()  # same saved sequence.seed
    assert {len(h) for h in after[names.H_T]} == {2}
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(tmp_path / "r")


def test_a_group_override_takes_the_preset_from_conf(sweep, tmp_path):
    out = sweep("seed=4")
    assert (
        main([str(out / "0"), "sequence=sine", "sequence.length=6", "--out", str(tmp_path / "r")])
        == 0
    )
    config = read_metadata(tmp_path / "r" / "0" / names.TABLE_FILE)["config"]
    assert config["sequence"] == {
        "length": 6,
        "features": 1,
        "period": 25.0,
        "amplitude": 1.0,
        "name": "sine",
    }
    assert config["seed"] == 4
    assert pq.read_metadata(tmp_path / "r" / "0" / names.TABLE_FILE).num_rows == 6


def test_bad_rerun_input_is_one_line_and_writes_nothing(sweep, tmp_path):
    out = sweep()
    proc = run_cli(str(out / "0"), "hidden=0", "--out", "r", module="runner.rerun", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "error: invalid hidden=0: expected an integer >= 1\n"
    assert not (tmp_path / "r").exists()
    proc = run_cli(str(tmp_path / "none"), module="runner.rerun", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: invalid point=")


@pytest.mark.parametrize("override", ["dtype=float32", "batch_size=2"])
def test_overrides_of_the_keys_behind_the_inputs_are_not_refused(sweep, tmp_path, override):
    """They change the inputs' digest on purpose; only an edited file is refused."""
    out = sweep("sequence=random", "seed=3")
    assert main([str(out / "0"), override, "--out", str(tmp_path / "r")]) == 0
    key, value = override.split("=")
    assert read_metadata(tmp_path / "r" / "0" / names.TABLE_FILE)["config"][key] == (
        int(value) if value.isdigit() else value
    )


def test_a_rerun_into_a_sweep_with_other_points_is_refused(sweep, capsys):
    out = sweep("hidden=2,3")
    with pytest.raises(SystemExit) as exit_:
        main([str(out / "0"), "--out", str(out)])
    assert exit_.value.code == 2
    assert "it holds other points: 1" in capsys.readouterr().err


@pytest.mark.parametrize("override", ["~sequence", "~hidden"])
def test_a_rerun_deleting_a_key_is_refused(sweep, tmp_path, capsys, override):
    out = sweep()
    with pytest.raises(SystemExit) as exit_:
        main([str(out / "0"), override, "--out", str(tmp_path / "r")])
    assert exit_.value.code == 2
    key = override.lstrip("~")
    assert capsys.readouterr().err == (
        f"error: invalid {key}=~: expected a value: the config needs every key it has\n"
    )
    assert not (tmp_path / "r").exists()


def test_a_rerun_out_to_a_file_is_one_line(sweep, tmp_path, capsys):
    out = sweep()
    (tmp_path / "a.csv").write_text("1\n")
    assert main([str(out / "0"), "--out", str(tmp_path / "a.csv")]) == 2
    assert capsys.readouterr().err == (
        f"error: invalid --out={tmp_path / 'a.csv'}: expected a directory, not a file\n"
    )
