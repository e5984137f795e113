"""Bad input: one line naming the key, the value and what is allowed; nothing written."""

import pickle

import numpy as np
import pandas as pd
import pytest

from runner.compose import to_config
from runner.hydra_errors import explain
from runner.point import inputs
from tests.conftest import run_cli

SHAPES = "a list of numbers [T], of lists [T][d], or of those [B][T][d]"
INT_GE_1 = "an integer >= 1"
SEED = "an integer from 0 to 4294967295"
COLUMNS = "x_t, gates, f_t, i_t, o_t, C_t_candidate, C_t, h_t"
TOP_KEYS = "hidden, seed, batch_size, trace, dtype, record, sequence, init"
FILE_SHAPES = "[T] or [T][d] numbers (.npy also [B][T][d])"

CASES = [
    (["hidden=0"], f"invalid hidden=0: expected {INT_GE_1}"),
    (["hidden=-1"], f"invalid hidden=-1: expected {INT_GE_1}"),
    (["hidden=2.5"], f"invalid hidden=2.5: expected {INT_GE_1}"),
    (["hidden=abc"], f"invalid hidden=abc: expected {INT_GE_1}"),
    (
        ["hidden=${nope}"],
        f"invalid hidden=${{nope}}: expected {INT_GE_1} (Interpolation key 'nope' not found)",
    ),
    (["batch_size=0"], f"invalid batch_size=0: expected {INT_GE_1}"),
    (["batch_size=x"], f"invalid batch_size=x: expected {INT_GE_1}"),
    (["seed=-1"], f"invalid seed=-1: expected {SEED}"),
    (["seed=4294967296"], f"invalid seed=4294967296: expected {SEED}"),
    (["sequence.values=[]"], f"invalid sequence.values=[]: expected {SHAPES}, all non-empty"),
    (
        ["sequence.values=[[1],[2,3]]"],
        f"invalid sequence.values=[[1], [2, 3]]: expected {SHAPES}, all non-empty",
    ),
    (["sequence.values=[a,b]"], f"invalid sequence.values=['a', 'b']: expected {SHAPES}"),
    (["sequence.values=[1,nan]"], f"invalid sequence.values=[1, nan]: expected {SHAPES}"),
    (["sequence.values=[1,inf]"], f"invalid sequence.values=[1, inf]: expected {SHAPES}"),
    (["sequence.values=[1,-inf]"], f"invalid sequence.values=[1, -inf]: expected {SHAPES}"),
    (["foo=1"], f"invalid foo=1: expected a known key: one of {TOP_KEYS}"),
    (["+foo=1"], f"invalid foo=1: expected a known key: one of {TOP_KEYS}"),
    (
        ["sequence.length=5"],
        "invalid sequence.length=5: expected a known key: one of sequence.values, sequence.name"
        " (sequence.length needs sequence=random or sequence=sine)",
    ),
    (
        ["sequence.path=x.csv"],
        "invalid sequence.path=x.csv: expected a known key: one of sequence.values,"
        " sequence.name (sequence.path needs sequence=file)",
    ),
    (
        ["+sequence.length=5"],
        "invalid sequence.length=5: expected a known key: one of sequence.values, sequence.name"
        " (sequence.length needs sequence=random or sequence=sine)",
    ),
    (
        ["sequence=sine", "sequence.values=[1,2]"],
        "invalid sequence.values=[1,2]: expected a known key: one of sequence.length,"
        " sequence.features, sequence.period, sequence.amplitude, sequence.name"
        " (sequence.values needs sequence=notebook)",
    ),
    (
        ["sequence.values.x=1"],
        "invalid sequence.values.x=1: expected a key of the config"
        " (invalid literal for int() with base 10: 'x')",
    ),
    (["sequence=bogus"], "invalid sequence=bogus: expected one of file, notebook, random, sine"),
    (["init=bogus"], "invalid init=bogus: expected one of notebook, uniform"),
    (["dtype=float16"], "invalid dtype=float16: expected one of float64, float32"),
    (["record=[foo]"], "invalid record=['foo']: expected a non-empty list of distinct columns"),
    (
        ["record=[]"],
        f"invalid record=[]: expected a non-empty list of distinct columns from {COLUMNS}",
    ),
    (["sequence=sine", "sequence.period=0"], "invalid sequence.period=0.0: expected a finite"),
    (["sequence=random", "sequence.length=0"], f"invalid sequence.length=0: expected {INT_GE_1}"),
    (["sequence=random", "sequence.seed=-2"], f"invalid sequence.seed=-2: expected {SEED}"),
    (
        ["batch_size=3", "sequence.values=[[[1]],[[2]]]"],
        "invalid batch_size=3: expected 2, the number of sequences in sequence.values",
    ),
    (
        ["sequence=file"],
        "invalid sequence.path=???: expected a path to a .npy, .csv or .parquet file",
    ),
    (
        ["sequence=file", "sequence.path=seq.txt"],
        "invalid sequence.path=seq.txt: expected a file ending in .npy, .csv, .parquet",
    ),
    (
        ["sequence=file", "sequence.path=missing.csv"],
        "invalid sequence.path=missing.csv: expected an existing file",
    ),
    (
        ["sequence=file", "sequence.path=words.csv"],
        f"invalid sequence.path=words.csv: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=ragged.csv"],
        f"invalid sequence.path=ragged.csv: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=cube.csv"],
        f"invalid sequence.path=cube.csv: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=empty.csv"],
        f"invalid sequence.path=empty.csv: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=nan.npy"],
        f"invalid sequence.path=nan.npy: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=4d.npy"],
        f"invalid sequence.path=4d.npy: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=objects.npy"],
        f"invalid sequence.path=objects.npy: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=text.parquet"],
        f"invalid sequence.path=text.parquet: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=garbage.parquet"],
        f"invalid sequence.path=garbage.parquet: expected {FILE_SHAPES}",
    ),
    (
        ["sequence=file", "sequence.path=unreadable.npy"],
        f"invalid sequence.path=unreadable.npy: expected {FILE_SHAPES}",
    ),
]


@pytest.fixture
def bad_files(tmp_path, monkeypatch):
    """Broken sequence files in the working directory (paths are relative to it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seq.txt").write_text("1\n2\n")
    (tmp_path / "words.csv").write_text("a,b\nc,d\n")
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    (tmp_path / "cube.csv").write_text("x\n")
    (tmp_path / "empty.csv").write_text("")
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    np.save(tmp_path / "4d.npy", np.zeros((1, 1, 1, 1)))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    pd.DataFrame({"t": ["a", "b"]}).to_parquet(tmp_path / "text.parquet")
    (tmp_path / "garbage.parquet").write_bytes(b"not parquet")
    (tmp_path / "unreadable.npy").write_bytes(pickle.dumps([1, 2]))
    return tmp_path


@pytest.mark.parametrize(("overrides", "message"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_value_is_refused_with_one_clear_line(hydra_compose, bad_files, overrides, message):
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any exception; explain() judges
        inputs(to_config(hydra_compose(overrides)))
    error = explain(caught.value)
    assert error is not None, caught.value
    assert str(error).startswith(message)
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "overrides",
    [["hidden=0"], ["hidden=abc"], ["sequence=bogus"], ["hidden=0,-1"], ["foo=1"], ["hidden=["]],
)
def test_command_line_refusal_is_one_line_exit_2_and_writes_nothing(tmp_path, overrides):
    out = tmp_path / "sweep"
    proc = run_cli(*overrides, f"hydra.sweep.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert all(line.startswith("error: invalid ") for line in lines), proc.stderr
    assert len(lines) == (2 if overrides == ["hidden=0,-1"] else 1)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()
    assert not (tmp_path / "outputs").exists()


def test_huge_finite_inputs_run_without_warnings(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli("sequence.values=[1e308,-1e308,1e-308,5e307]", f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr
    df = pd.read_parquet(out)
    for column in ("gates", "f_t", "C_t", "h_t"):
        assert np.isfinite(np.stack(df[column])).all(), column


SWEEP_CASES = [
    (["sequence.name=sine"], "invalid sequence.name=sine: expected sequence=<preset> to choose"),
    (["~hidden"], "invalid hidden=~: expected a value: the config needs every key it has"),
    (["sequence=schema_sine"], "invalid sequence=schema_sine: expected one of file, notebook,"),
    (
        ["hidden=interval(0,1)"],
        "invalid hidden=interval(0,1): expected a sweep Hydra's basic sweeper expands"
        " (BasicSweeper does not support sweep type : INTERVAL_SWEEP)",
    ),
    (
        ["seed=0,1", "hidden=range(1,3,0)"],
        "invalid hidden=range(1,3,0): expected a sweep Hydra's basic sweeper expands"
        " (range() arg 3 must not be zero)",
    ),
    (["seed=range(0,0)"], "invalid overrides: expected a sweep of at least one point"),
    (["hidden=2,4", "hydra.sweep.subdir=x"], "invalid hydra.sweep.subdir=x: expected a"),
    (["hidden=2,4", "hydra.sweep.subdir=../${hydra.job.num}"], "invalid hydra.sweep.subdir=../0"),
    (["hydra.sweep.dir=a.csv/x"], "invalid hydra.sweep.dir=a.csv/x: expected a directory, not"),
]


@pytest.mark.parametrize(
    ("overrides", "message"), SWEEP_CASES, ids=[" ".join(c[0]) for c in SWEEP_CASES]
)
def test_sweep_level_refusals_are_one_line_exit_2_and_write_nothing(tmp_path, overrides, message):
    """Refused while expanding or placing the sweep, before any point runs."""
    (tmp_path / "a.csv").write_text("1\n")
    sweep_dir = (
        [] if any(o.startswith("hydra.sweep.dir") for o in overrides) else ["hydra.sweep.dir=s"]
    )
    proc = run_cli(*overrides, *sweep_dir, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith(f"error: {message}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
