"""A sweep in which some points fail runs the others, says which failed, and exits 1."""

import pandas as pd

from runner import names
from tests.conftest import run_cli


def test_failed_points_are_named_and_the_others_complete(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli("hidden=2,0,4", f"hydra.sweep.dir={out}")
    assert proc.returncode == 1
    assert "failed: point 1 (hidden=0): invalid hidden=0: expected an integer >= 1" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == str(out)
    assert "Traceback" not in proc.stderr
    summary = pd.read_parquet(out / names.SUMMARY_FILE)
    assert summary[names.STATUS].tolist() == ["ok", "failed", "ok"]
    assert summary[names.ERROR][1] == "invalid hidden=0: expected an integer >= 1"
    assert summary[names.TABLE].fillna("-").tolist() == ["0/table.parquet", "-", "2/table.parquet"]
    assert sorted(pd.read_parquet(out)["hidden"].unique()) == [2, 4]
    assert not (out / "1").exists()
