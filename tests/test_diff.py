"""python -m runner.diff: config and results of two runs, or what varies in a sweep."""

import json

import pytest

from runner import names
from runner.diff import main
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff")
    run_cli("seed=0,1", f"hydra.sweep.dir={root / 'a'}", check=True)
    run_cli("seed=0,2", f"hydra.sweep.dir={root / 'b'}", check=True)
    run_cli("seed=0", "hidden=3", f"hydra.sweep.dir={root / 'c'}", check=True)
    return root


def test_identical_points_exit_0(sweeps, capsys):
    assert main([str(sweeps / "a" / "0"), str(sweeps / "b" / "0" / names.TABLE_FILE)]) == 0
    assert capsys.readouterr().out == "config: identical\nresults: identical\n"


def test_points_that_differ_list_keys_and_first_diverging_timestep(sweeps, capsys):
    assert main([str(sweeps / "a" / "1"), str(sweeps / "b" / "1"), "--json"]) == 1
    diff = json.loads(capsys.readouterr().out)
    assert diff["config"] == {"seed": {"a": 1, "b": 2}}
    columns = diff["results"]["columns"]
    assert columns["x_t"] == {"max_abs_diff": 0.0, "first_diverging_timestep": None}
    assert columns["h_t"]["first_diverging_timestep"] == 0  # other weights from the start
    assert columns["h_t"]["max_abs_diff"] > 0


def test_different_shapes_compare_configs_only(sweeps, capsys):
    assert main([str(sweeps / "a" / "0"), str(sweeps / "c" / "0")]) == 1
    out = capsys.readouterr().out
    assert "hidden  2 -> 3" in out
    assert "results: not compared (gates is 8 wide vs 12)" in out


def test_sweeps_compare_point_by_point(sweeps, capsys):
    assert main([str(sweeps / "a"), str(sweeps / "b")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("point 0: identical\npoint 1: differs\n")
    assert main([str(sweeps / "a"), str(sweeps / "a")]) == 0


def test_one_sweep_shows_the_keys_that_vary(sweeps, capsys):
    assert main([str(sweeps / "a")]) == 1
    assert capsys.readouterr().out.split() == ["seed", "point", "0", "0", "1", "1"]
    assert main([str(sweeps / "c")]) == 0


def test_bad_input_exits_2_with_one_line(sweeps, tmp_path):
    proc = run_cli(str(tmp_path / "nope"), str(sweeps / "a"), module="runner.diff")
    assert proc.returncode == 2
    assert proc.stderr == f"error: invalid A={tmp_path / 'nope'}: expected an existing path\n"
    proc = run_cli(str(sweeps / "a" / "0"), str(sweeps / "b"), module="runner.diff")
    assert proc.returncode == 2
    assert "expected a point directory like A" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_column_only_one_side_recorded_is_a_difference(make_config, tmp_path, capsys):
    from runner.point import run

    run(make_config(["record=[h_t,C_t]"]), tmp_path / "a")
    run(make_config([]), tmp_path / "b")
    assert main([str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "results: only B recorded x_t, gates, f_t, i_t, o_t, C_t_candidate" in out
    assert "results: identical in the columns both recorded" in out


def test_inputs_digest_is_left_out_where_the_config_explains_it(make_config, tmp_path, capsys):
    """float32 inputs hash differently from float64 ones: dtype says so already."""
    from runner.point import run

    run(make_config(["dtype=float32"]), tmp_path / "a")
    run(make_config([]), tmp_path / "b")
    assert main([str(tmp_path / "a"), str(tmp_path / "b"), "--json"]) == 1
    assert list(json.loads(capsys.readouterr().out)["config"]) == ["dtype"]


def test_tables_with_no_column_in_common_say_so(make_config, tmp_path, capsys):
    from runner.point import run

    run(make_config(["record=[h_t]"]), tmp_path / "a")
    run(make_config(["record=[x_t]"]), tmp_path / "b")
    assert main([str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    assert "results: no column in common" in capsys.readouterr().out.splitlines()
