"""The sweep summary: one row per point, beside the tables but not among them."""

import pandas as pd

from runner import names
from tests.conftest import run_cli


def test_summary_has_a_row_per_point_and_stays_out_of_read_parquet(tmp_path):
    out = tmp_path / "s"
    proc = run_cli("hidden=2,3", "seed=0,1", f"hydra.sweep.dir={out}", check=True)
    summary = pd.read_parquet(out / names.SUMMARY_FILE)
    assert len(summary) == 4
    assert summary[names.POINT].tolist() == ["0", "1", "2", "3"]
    assert summary[names.OVERRIDES].tolist() == [
        "hidden=2 seed=0",
        "hidden=2 seed=1",
        "hidden=3 seed=0",
        "hidden=3 seed=1",
    ]
    assert set(summary[names.STATUS]) == {names.STATUS_OK}
    assert (summary[names.WALL_TIME] > 0).all()
    assert summary[names.ERROR].isna().all()
    # Final-state statistics agree with the tables' last timestep.
    tables = pd.read_parquet(out)
    assert len(tables) == 12  # the summary's rows are not among them
    for _, row in summary.iterrows():
        table = pd.read_parquet(out / row[names.TABLE])
        last = table[table[names.TIMESTEP] == table[names.TIMESTEP].max()]
        h = pd.DataFrame(last[names.H_T].tolist()).to_numpy()
        assert row[names.FINAL_H_NORM] == (h**2).sum() ** 0.5
        assert row["hidden"] == len(h[0])
    assert "4 points: 4 ok, 0 reused, 0 failed" in proc.stdout
    assert "hidden=3 seed=1" in proc.stdout
