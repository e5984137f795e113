"""The default config reproduces the notebook: expected values are its printed output."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from runner import names
from runner.lstm import forward, init_weights
from runner.point import run
from tests import notebook_reference as ref

PRINTED_4 = 5e-5  # the first cell prints 4 decimals
PRINTED_8 = 5e-9  # the second cell prints 8 decimals


@pytest.fixture
def default_table(make_config, tmp_path) -> pd.DataFrame:
    run(make_config(), tmp_path)
    return pd.read_parquet(tmp_path / names.TABLE_FILE)


def test_default_weights_are_the_notebooks(make_config):
    cfg = make_config()
    w = init_weights(cfg.init, 1, cfg.hidden, np.random.RandomState(cfg.seed))
    assert w.W.shape == (1, 8)
    assert w.U.shape == (2, 8)
    assert w.b.shape == (1, 8)
    assert_allclose(w.W.ravel(), ref.W, atol=PRINTED_4)
    assert_allclose(w.U, ref.U, atol=PRINTED_4)
    assert_allclose(w.b.ravel(), ref.B, atol=PRINTED_4)


def test_default_run_reproduces_the_first_printed_run(default_table):
    assert default_table[names.TIMESTEP].tolist() == [0, 1, 2]
    assert [x.tolist() for x in default_table[names.X_T]] == [[2.0], [4.0], [6.0]]
    assert_allclose(default_table[names.GATES][0], ref.FIRST_RUN_GATES_STEP_1, atol=PRINTED_4)


def test_second_printed_run_is_the_first_run_continued_from_its_leaked_state(
    make_config, default_table
):
    """The notebook's second output differs from its first only because h_t and C_t carried
    over: starting from our first run's final state reproduces all of it, to 8 digits."""
    cfg = make_config()
    w = init_weights(cfg.init, 1, cfg.hidden, np.random.RandomState(cfg.seed))
    h_last = np.stack(default_table[names.H_T])[-1:]  # (B=1, h)
    c_last = np.stack(default_table[names.C_T])[-1:]
    steps = forward(np.array([2.0, 4.0, 6.0]).reshape(3, 1, 1), w, h_last, c_last)
    h = cfg.hidden
    got = {
        names.GATES: steps.gates[:, 0],
        names.F_T: steps.acts[:, 0, :h],
        names.I_T: steps.acts[:, 0, h : 2 * h],
        names.O_T: steps.acts[:, 0, 2 * h : 3 * h],
        names.CANDIDATE: steps.acts[:, 0, 3 * h :],
        names.C_T: steps.C[:, 0],
        names.H_T: steps.H[:, 0],
    }
    for column, expected in ref.SECOND_RUN.items():
        assert_allclose(got[column], expected, atol=PRINTED_8, err_msg=column)


def test_rerunning_the_same_config_gives_the_same_numbers(make_config, tmp_path):
    """No state leaks between runs, unlike the notebook's cells."""
    run(make_config(), tmp_path / "a")
    run(make_config(), tmp_path / "b")
    a = pd.read_parquet(tmp_path / "a" / names.TABLE_FILE)
    b = pd.read_parquet(tmp_path / "b" / names.TABLE_FILE)
    pd.testing.assert_frame_equal(a, b)
