"""Two sweeps started at the same moment never share or overwrite a directory."""

import pandas as pd

from tests.conftest import start_cli, wait_for_partial_table


def test_two_default_sweeps_at_once_get_two_directories(tmp_path):
    procs = [start_cli("seed=0,1,2", cwd=tmp_path) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    dirs = {stdout.strip().splitlines()[-1] for stdout, _ in outs}
    assert len(dirs) == 2
    for d in dirs:
        assert len(pd.read_parquet(tmp_path / d)) == 9


def test_a_second_sweep_into_a_directory_in_use_is_refused(tmp_path):
    out = tmp_path / "sweep"
    # Long enough to be still running when the second starts, now the loop is faster.
    first = start_cli("sequence=random", "sequence.length=2000000", f"hydra.sweep.dir={out}")
    try:
        wait_for_partial_table(first, out / "0")
        second = start_cli("hidden=3", f"hydra.sweep.dir={out}")
        _, err = second.communicate(timeout=60)
    finally:
        first.communicate(timeout=180)
    assert second.returncode == 2
    assert err.strip() == (
        f"error: invalid hydra.sweep.dir={out}: expected a directory that no running sweep is using"
    )
    assert first.returncode == 0
    assert pd.read_parquet(out)["hidden"].unique().tolist() == [2]
