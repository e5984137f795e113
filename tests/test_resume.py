"""Resume: the same command into the same directory computes only what is missing."""

import os
import signal

import pandas as pd
import pyarrow.parquet as pq

from runner import names
from tests.conftest import run_cli, start_cli, wait_for_partial_table


def _statuses(out) -> list[str]:
    return pd.read_parquet(out / names.SUMMARY_FILE)[names.STATUS].tolist()


def test_resume_reuses_identical_points_and_recomputes_changed_and_failed(tmp_path):
    out = tmp_path / "sweep"
    first = run_cli("hidden=2,0,4", f"hydra.sweep.dir={out}")
    assert first.returncode == 1
    kept = {p: (out / p / names.TABLE_FILE).stat().st_mtime_ns for p in ("0", "2")}
    content = (out / "0" / names.TABLE_FILE).read_bytes()

    again = run_cli("hidden=2,0,4", f"hydra.sweep.dir={out}")
    assert again.returncode == 1
    assert _statuses(out) == ["reused", "failed", "reused"]
    assert "3 points: 0 ok, 2 reused, 1 failed" in again.stdout

    fixed = run_cli("hidden=2,1,4", f"hydra.sweep.dir={out}", check=True)
    assert "3 points: 1 ok, 2 reused, 0 failed" in fixed.stdout
    assert {p: (out / p / names.TABLE_FILE).stat().st_mtime_ns for p in kept} == kept
    assert (out / "0" / names.TABLE_FILE).read_bytes() == content

    changed = run_cli("hidden=2,1,5", f"hydra.sweep.dir={out}", check=True)
    assert _statuses(out) == ["reused", "reused", "ok"]
    assert "1 ok, 2 reused" in changed.stdout
    assert sorted(pd.read_parquet(out)["hidden"].unique()) == [1, 2, 5]


def test_a_killed_write_leaves_no_table_and_resume_completes_it(tmp_path):
    """SIGKILL in the middle of streaming a table: the table is absent, not partial."""
    out = tmp_path / "sweep"
    args = ["sequence=random", "sequence.length=400000", f"hydra.sweep.dir={out}"]
    proc = start_cli(*args)
    wait_for_partial_table(proc, out / "0")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert not (out / "0" / names.TABLE_FILE).exists()

    run_cli(*args, check=True)
    table = pq.read_table(out / "0" / names.TABLE_FILE, columns=[names.TIMESTEP])
    assert table.num_rows == 400000
    assert not list((out / "0").glob(".*.tmp")), "the killed run's temporary file is cleaned"


def test_another_sweep_into_a_sweeps_directory_is_refused(tmp_path):
    """It would leave the first sweep's points beside its own, mixed in pd.read_parquet."""
    out = tmp_path / "sweep"
    run_cli("sequence=notebook,sine", f"hydra.sweep.dir={out}", check=True)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    other = run_cli("hidden=3", f"hydra.sweep.dir={out}")
    assert other.returncode == 2
    assert other.stderr.strip().splitlines() == [
        f"error: invalid hydra.sweep.dir={out}: expected a new directory, or one of this"
        " sweep's (it holds other points: 1)"
    ]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    more = run_cli("sequence=notebook,sine,random", f"hydra.sweep.dir={out}", check=True)
    assert "3 points: 1 ok, 2 reused" in more.stdout


def test_a_sweep_inside_another_sweeps_directory_is_refused(tmp_path):
    out = tmp_path / "sweep"
    run_cli("hidden=2,4", f"hydra.sweep.dir={out}", check=True)
    inner = run_cli("hidden=3", f"hydra.sweep.dir={out / '0'}")
    assert inner.returncode == 2
    assert inner.stderr.strip().splitlines() == [
        f"error: invalid hydra.sweep.dir={out / '0'}: expected a directory outside other"
        f" sweeps (this one is inside {out})"
    ]
    assert sorted(p.name for p in (out / "0").iterdir()) == [".hydra", names.TABLE_FILE]


def test_a_custom_subdir_resumes_as_the_filesystem_spells_it(tmp_path):
    """`./p${hydra.job.num}` names p0, p1; the interpolation reaches Hydra unresolved."""
    out = tmp_path / "sweep"
    args = ("hidden=2,4", f"hydra.sweep.dir={out}", "hydra.sweep.subdir=./p${hydra.job.num}")
    run_cli(*args, check=True)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith((".", "_"))) == [
        "p0",
        "p1",
    ]
    again = run_cli(*args, check=True)
    assert "2 points: 0 ok, 2 reused" in again.stdout
