"""runner.load: one point, a sweep, or several sweeps into one DataFrame."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import runner
from runner import names


@pytest.fixture(scope="module")
def two_sweeps(tmp_path_factory):
    from tests.conftest import run_cli

    root = tmp_path_factory.mktemp("load")
    run_cli("hidden=2,3", f"hydra.sweep.dir={root / 'a'}", check=True)
    run_cli("hidden=4", "batch_size=2", f"hydra.sweep.dir={root / 'b'}", check=True)
    return root / "a", root / "b"


def test_a_sweep_a_point_and_a_table_load_alike(two_sweeps):
    a, _ = two_sweeps
    sweep = runner.load(a)
    assert len(sweep) == 6
    assert list(sweep.columns[:2]) == [names.SWEEP, names.POINT]
    assert sweep.groupby(names.POINT)["hidden"].first().to_dict() == {"0": 2, "1": 3}
    point = runner.load(a / "1")
    table = runner.load(a / "1" / names.TABLE_FILE)
    assert point.equals(table)
    assert point.equals(sweep[sweep[names.POINT] == "1"].reset_index(drop=True))


def test_several_sweeps_concatenate_with_their_parameters(two_sweeps):
    df = runner.load(list(two_sweeps))
    assert len(df) == 3 + 3 + 3 * 2
    assert df.groupby([names.SWEEP, "hidden"]).size().to_dict() == {
        (str(two_sweeps[0]), 2): 3,
        (str(two_sweeps[0]), 3): 3,
        (str(two_sweeps[1]), 4): 6,
    }


def test_long_view_has_one_row_per_unit_with_scalars(two_sweeps):
    wide = runner.load(two_sweeps[1])
    long = runner.load(two_sweeps[1], long=True)
    assert len(long) == len(wide) * 4  # hidden=4 units
    row = wide.iloc[3]
    units = long[
        (long[names.TIMESTEP] == row[names.TIMESTEP]) & (long[names.BATCH] == row[names.BATCH])
    ]
    assert units["unit"].tolist() == [0, 1, 2, 3]
    for column in names.UNIT_COLUMNS:
        assert_allclose(units[column], row[column], rtol=0, atol=0)
    gates = np.asarray(row[names.GATES]).reshape(4, 4)  # (block, unit)
    for k, block in enumerate(names.GATE_BLOCKS):
        assert_allclose(units[block + "_raw"], gates[k], rtol=0, atol=0)
    assert (units[names.X_T] == row[names.X_T][0]).all()
    for column in [*names.UNIT_COLUMNS, names.X_T, "f_t_raw"]:
        assert long[column].dtype == np.float64


def test_long_view_answers_the_readme_question(two_sweeps):
    """Mean forget gate per hidden size and timestep, as the README shows it."""
    long = runner.load(list(two_sweeps), long=True)
    table = long.groupby(["hidden", names.TIMESTEP])[names.F_T].mean().unstack(names.TIMESTEP)
    assert table.shape == (3, 3)
    wide = runner.load(two_sweeps[0])
    first = wide[(wide["hidden"] == 2) & (wide[names.TIMESTEP] == 0)][names.F_T].iloc[0]
    assert table.loc[2, 0] == pytest.approx(np.mean(first))


def test_several_input_features_get_a_column_each(make_config, tmp_path):
    from runner.point import run

    run(make_config(["sequence=sine", "sequence.features=3", "sequence.length=2"]), tmp_path / "0")
    long = runner.load(tmp_path, long=True)
    assert {"x_t_0", "x_t_1", "x_t_2"} <= set(long.columns)
    assert names.X_T not in long


def test_nothing_to_load_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no table\.parquet"):
        runner.load(tmp_path)


def test_a_sweep_over_dtype_and_record_keeps_every_tables_columns_and_types(make_config, tmp_path):
    """What pd.read_parquet gets wrong: it takes the first table's schema for all."""
    from runner.point import run

    run(make_config(["dtype=float32", "record=[h_t]"]), tmp_path / "0")
    run(make_config(["dtype=float64"]), tmp_path / "1")
    df = runner.load(tmp_path)
    f32, f64 = (df[df[names.POINT] == p] for p in ("0", "1"))
    assert {v.dtype for v in f32[names.H_T]} == {np.dtype(np.float32)}
    assert {v.dtype for v in f64[names.H_T]} == {np.dtype(np.float64)}
    assert f32[names.C_T].isna().all()
    assert f64[names.C_T].notna().all()


def test_other_folders_beside_numbered_points_sort_after_them(make_config, tmp_path):
    """Point names mix numbers and words: numbers first, in order, then words."""
    from runner.point import run

    for point in ("10", "2", "analysis", "_scratch", ".hidden"):
        run(make_config([]), tmp_path / point)
    assert runner.load(tmp_path)[names.POINT].unique().tolist() == ["2", "10", "analysis"]
