"""sequence=file reads .npy (never with pickle), .csv and .parquet, relative to the cwd."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from runner.point import inputs
from tests.conftest import run_cli

SEQ = np.array([[0.5, -1.0], [2.0, 3.25], [4.0, 1e-3]])  # [T=3][d=2]


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("seq.npy", SEQ)
    np.save("flat.npy", SEQ[:, 0])
    np.save("batch.npy", np.stack([SEQ, -SEQ]))  # [B=2][T][d]
    np.savetxt("plain.csv", SEQ, delimiter=",")
    pd.DataFrame(SEQ, columns=["a", "b"]).to_csv("header.csv", index=False)
    pd.DataFrame(SEQ, columns=["a", "b"]).to_parquet("seq.parquet")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "extra", "expected"),
    [
        ("seq.npy", [], SEQ[None]),
        ("flat.npy", [], SEQ[None, :, :1]),
        ("batch.npy", ["batch_size=2"], np.stack([SEQ, -SEQ])),
        ("plain.csv", [], SEQ[None]),
        ("header.csv", [], SEQ[None]),
        ("seq.parquet", [], SEQ[None]),
        ("seq.parquet", ["batch_size=2"], np.stack([SEQ, SEQ])),
    ],
)
def test_file_is_read_to_batch_time_features(make_config, files, path, extra, expected):
    x = inputs(make_config(["sequence=file", f"sequence.path={path}", *extra]))  # (T, B, d)
    assert_array_equal(x.transpose(1, 0, 2), expected)


def test_command_line_reads_a_path_relative_to_where_it_runs(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    np.savetxt(data / "seq.csv", SEQ, delimiter=",")
    out = tmp_path / "sweep"
    run_cli(
        "sequence=file",
        "sequence.path=data/seq.csv",
        f"hydra.sweep.dir={out}",
        cwd=tmp_path,
        check=True,
    )
    df = pd.read_parquet(out)
    assert_array_equal(np.stack(df["x_t"]), SEQ)
    assert df["sequence.path"].unique().tolist() == ["data/seq.csv"]
