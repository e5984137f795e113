"""trace=true narrates the run as the notebook's first cell does."""

from runner.point import run
from tests import notebook_reference as ref


def test_trace_prints_the_notebooks_first_cell(make_config, tmp_path, capsys):
    run(make_config(["trace=true"]), tmp_path)
    out = capsys.readouterr().out.splitlines()
    # Every line the notebook printed before its output was cut off, in order.
    at = -1
    for line in ref.FIRST_RUN_TRACE_LINES:
        at = out.index(line, at + 1)
    assert out[-1] == "LSTM Forward Pass Completed."
    assert [line for line in out if line.startswith("Time step")] == [
        "Time step 1, Input: [2.]",
        "Time step 2, Input: [4.]",
        "Time step 3, Input: [6.]",
    ]
    for label in ("Forget Gate (f_t)", "Input Gate (i_t)", "Output Gate (o_t)"):
        assert sum(label in line for line in out) == 3
    assert "x_t * W:  [[2.]]  *  [[ 1.7641  0.4002" in "\n".join(out)


def test_no_trace_prints_nothing(make_config, tmp_path, capsys):
    run(make_config(), tmp_path)
    assert capsys.readouterr().out == ""
