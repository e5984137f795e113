"""The forward pass against an independent loop (the notebook's own code), on many shapes."""

import math
import subprocess
import sys
import threading

import numba
import numpy as np
import pandas as pd
import pytest
from llvmlite import binding
from numpy.testing import assert_allclose

from runner import buffers, lstm, lstm_compiled, names, packed_gemm, spin
from runner.config import NotebookInit, UniformInit
from runner.point import run
from tests import notebook_reference as ref
from tests.tanh_fit import fit_tanh, float32_errors, tanh_all


def _table(make_config, tmp_path, overrides) -> pd.DataFrame:
    run(make_config(overrides), tmp_path)
    return pd.read_parquet(tmp_path / names.TABLE_FILE)


def _column(df: pd.DataFrame, column: str, batch: int) -> np.ndarray:
    rows = df[df[names.BATCH] == batch].sort_values(names.TIMESTEP)
    return np.stack(rows[column])  # (T, width)


@pytest.mark.parametrize(
    ("features", "hidden", "batch", "length", "seed", "init"),
    [
        (1, 1, 1, 1, 0, "notebook"),
        (1, 2, 1, 7, 3, "notebook"),
        (3, 5, 2, 6, 11, "notebook"),
        (2, 8, 4, 5, 123, "uniform"),
        (4, 16, 3, 9, 2**32 - 1, "uniform"),
        # batch * hidden above COMPILED_MAX_BATCH_HIDDEN: BLAS products and compiled steps
        (3, 65, 1, 4, 5, "notebook"),
        (2, 24, 4, 6, 7, "uniform"),
    ],
)
def test_table_matches_the_notebook_loop(
    make_config, tmp_path, features, hidden, batch, length, seed, init
):
    df = _table(
        make_config,
        tmp_path,
        [
            "sequence=random",
            f"sequence.length={length}",
            f"sequence.features={features}",
            f"hidden={hidden}",
            f"batch_size={batch}",
            f"seed={seed}",
            f"init={init}",
        ],
    )
    assert len(df) == length * batch
    # The independent side: inputs and weights drawn here, the loop is the notebook's.
    X = np.random.RandomState(seed).randn(batch, length, features)  # [batch, timesteps, d]
    rng = np.random.RandomState(seed)
    k = 1 / np.sqrt(hidden)
    shapes = [(features, 4 * hidden), (hidden, 4 * hidden), (1, 4 * hidden)]
    if init == "notebook":
        W, U, b = (rng.randn(*s) for s in shapes)
    else:
        W, U, b = (rng.uniform(-k, k, s) for s in shapes)
    zeros = np.zeros((batch, hidden))
    expected = ref.notebook_loop(X, W, U, b, zeros, zeros)
    widths = {names.X_T: features, names.GATES: 4 * hidden}
    for column in names.VALUE_COLUMNS:
        for bi in range(batch):
            got = _column(df, column, bi)
            assert got.shape == (length, widths.get(column, hidden))
            want = np.stack([step[column][bi] for step in expected])
            assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"{column}, batch {bi}")


def test_one_sequence_is_repeated_over_the_batch(make_config, tmp_path):
    df = _table(make_config, tmp_path, ["batch_size=3"])
    assert len(df) == 9
    for column in names.VALUE_COLUMNS:
        assert_allclose(_column(df, column, 0), _column(df, column, 2), rtol=0, atol=0)


def test_an_inline_batch_gives_each_sequence_its_rows(make_config, tmp_path):
    df = _table(make_config, tmp_path, ["batch_size=2", "sequence.values=[[[1],[2]],[[3],[4]]]"])
    assert df[[names.TIMESTEP, names.BATCH]].values.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert [x.tolist() for x in df[names.X_T]] == [[1.0], [3.0], [2.0], [4.0]]


def test_uniform_init_stays_within_pytorchs_bound(make_config):
    cfg = make_config(["init=uniform", "hidden=16"])
    w = lstm.init_weights(cfg.init, 3, 16, np.random.RandomState(0))
    for m in (w.W, w.U, w.b):
        assert np.abs(m).max() <= 1 / 4
        assert np.abs(m).max() > 0.2  # a draw over the whole range, not a constant


@pytest.mark.parametrize("hidden", [3, 70])  # the compiled loop, and BLAS with compiled steps
@pytest.mark.parametrize("value", [-1000.0, -745.5, 0.0, 745.5, 1e6, -1e300, 1e308])
def test_sigmoid_neither_overflows_nor_warns(make_config, tmp_path, value, hidden):
    """Warnings are errors in this suite; the expected values are the sigmoid's limits."""
    df = _table(make_config, tmp_path, [f"sequence.values=[{value}]", f"hidden={hidden}"])
    for column in names.VALUE_COLUMNS[2:]:
        assert np.isfinite(np.stack(df[column])).all(), column
    f_t = np.stack(df[names.F_T])
    assert ((f_t >= 0) & (f_t <= 1)).all()


def test_float32_inputs_near_their_range_saturate_without_a_warning():
    """Warnings are errors in this suite: whether x·W could overflow is asked in float64
    (in float32 the question itself overflowed, and NumPy warned)."""
    w = lstm.init_weights(UniformInit(), 40, 3, np.random.RandomState(0)).astype(np.float32)
    x = np.full((2, 40), 1e38, np.float32)  # (N, d)
    out = np.empty((2, 12), np.float32)
    lstm._project_inputs(x, w, out)
    assert np.abs(out).max() == np.finfo(np.float32).max / 4


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("features", [1, 7, 256, 257])
@pytest.mark.parametrize("rows", [1, 2, 9, 70])
def test_input_products_are_x_times_w(rows, features, dtype):
    """x·W with W packed (d <= PACKED_INPUTS_MAX_DEPTH, 256) or by BLAS (d > 256), against
    the product in float64, in range and scaled past it."""
    rng = np.random.RandomState(rows * features)
    w = lstm.init_weights(UniformInit(), features, 9, rng).astype(dtype)
    assert (w.packed_W is None) is (features > lstm.PACKED_INPUTS_MAX_DEPTH)
    out = np.empty((rows, 36), dtype)
    big = np.finfo(dtype).max / 4
    x = rng.randn(rows, features).astype(dtype)  # (N, d)
    huge = x * dtype(np.finfo(dtype).max / 64)  # x·W could overflow: computed scaled
    for inputs in (x, huge):
        lstm._project_inputs(inputs, w, out)
        a, b = inputs.astype(np.float64), w.W.astype(np.float64)
        want = np.clip(a @ b, -big, big)
        # A dot product's classic rounding bound, d u |x|·|W| (u = eps / 2), four times over
        bound = 2 * features * np.finfo(dtype).eps * (np.abs(a) @ np.abs(b))
        assert (np.abs(out - want) <= bound).all()


def test_the_compiled_loop_leaves_x_w_to_numpy(monkeypatch):
    """Small sizes never run the packed kernel, which a first run would have to compile."""

    def refuse(*args: object) -> None:
        raise AssertionError("the packed kernel ran")

    monkeypatch.setattr(packed_gemm, "matmul", refuse)
    monkeypatch.setattr(packed_gemm, "_product", refuse)
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 3, 8, rng)  # batch * hidden = 16: the compiled loop
    zeros = np.zeros((2, 8))
    steps = lstm.forward(rng.randn(5, 2, 3), w, zeros, zeros)
    assert np.isfinite(steps.H).all()


def test_inputs_of_another_layout_give_the_same_bits():
    """x is made contiguous before its product: a strided view gives its copy's numbers."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 3, 40, rng).astype(np.float32)
    x = rng.randn(6, 5, 6).astype(np.float32)[:, :, ::2]  # (T, B, d), elements 8 bytes apart
    zeros = np.zeros((5, 40), np.float32)
    got = lstm.forward(x, w, zeros, zeros)
    want = lstm.forward(np.ascontiguousarray(x), w, zeros, zeros)
    for a, b in zip(got.arrays, want.arrays, strict=True):
        assert np.array_equal(a, b)


def test_wider_inputs_are_multiplied_as_numpy_does():
    """float64 x with float32 weights: x·W computed in float64 and rounded once, as NumPy's
    product does (not x rounded to float32 first); beyond float32's range, saturated."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 3, 40, rng).astype(np.float32)
    x = rng.randn(20, 3)  # (N, d) float64
    out = np.empty((20, 160), np.float32)
    lstm._project_inputs(x, w, out)
    assert np.array_equal(out, np.matmul(x, w.W, out=np.empty_like(out)))
    zeros = np.zeros((5, 40), np.float32)
    steps = lstm.forward(np.full((2, 5, 3), 1e39), w, zeros, zeros)
    assert np.isfinite(steps.gates).all()
    assert np.abs(steps.gates).max() >= np.finfo(np.float32).max / 8


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("batch", "hidden", "features"), [(1, 2, 1), (4, 16, 3), (2, 40, 5)])
def test_both_recurrences_agree(batch, hidden, features, dtype):
    """The compiled loop and BLAS with compiled steps, from the same projected gates:
    float64 to 1e-12, float32 to its rounding. PyTorch's init keeps the dynamics
    contractive, so rounding does not compound."""
    rng = np.random.RandomState(batch * hidden)
    T = 20
    w = lstm.init_weights(UniformInit(), features, hidden, rng).astype(dtype)
    x = rng.randn(T, batch, features).astype(dtype)  # (T, B, d)
    h0, c0 = (rng.randn(batch, hidden).astype(dtype) for _ in range(2))  # (B, h)
    results = []
    for compiled in (True, False):
        steps = lstm.Steps.empty(T, batch, hidden, dtype)
        lstm._project_inputs(x.reshape(T * batch, -1), w, steps.gates.reshape(T * batch, -1))
        if compiled:
            steps.gates += w.b
            lstm_compiled.recur(steps.gates, w.U, h0, c0, steps.acts, steps.C, steps.H)
        else:
            lstm.recur_rows(steps, w, h0, c0, slice(None))
        results.append(steps)
    rtol, atol = (0, 1e-12) if dtype == np.float64 else (1e-5, 1e-5)
    for field in ("gates", "acts", "C", "H"):
        got, want = (getattr(s, field) for s in results)
        assert got.dtype == dtype
        assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=field)


@pytest.mark.parametrize("products", ["packed kernel", "numpy"])
@pytest.mark.parametrize(
    ("batch", "hidden", "length"),
    [
        (64, 72, 9),
        (5, 40, 3),
        (3, 100, 5),
        (2, 40, 1),
        (1, 100, 5),
        (8, 1000, 2),
        (1, 513, 3),
        (5, 200, 4),
        (15, 161, 3),
    ],
)
def test_the_threads_change_no_bit(monkeypatch, batch, hidden, length, products):
    """One thread runs the batch's halves in turn, two at once; odd sizes, batches too small
    to halve without a one-row half (which BLAS would round otherwise), a single timestep,
    products large enough for BLAS to use its own threads if it were let to, and halves of
    the hidden units (:func:`lstm.splits_units`: large hidden sizes, and small batches with
    the packed kernel), odd and of a one-sequence batch; with the recurrence's products
    from the packed kernel and from NumPy's BLAS."""
    if products == "numpy":
        monkeypatch.setattr(packed_gemm, "kernel_runs", lambda: False)
    elif not packed_gemm.kernel_runs():
        pytest.skip("the packed kernel runs on AVX-512 CPUs only")
    rng = np.random.RandomState(hidden)
    w = lstm.init_weights(NotebookInit(), 3, hidden, rng)
    x = rng.randn(length, batch, 3)  # (T, B, d)
    h0, c0 = (rng.randn(batch, hidden) for _ in range(2))  # (B, h)
    one, two, three = (lstm.forward(x, w, h0, c0, threads=n) for n in (1, 2, 3))
    for field in ("gates", "acts", "C", "H"):
        for other in (two, three):
            assert np.array_equal(getattr(one, field), getattr(other, field)), field


@pytest.mark.parametrize(
    ("batch", "hidden", "kernel", "units"),
    [
        (64, 512, False, True),
        (1, 511, False, False),
        (15, 160, True, True),
        (16, 160, True, False),
        (15, 159, True, False),
        (15, 160, False, False),
    ],
)
def test_the_halves_are_of_the_units_for_large_hidden_sizes_and_small_batches(
    monkeypatch, batch, hidden, kernel, units
):
    """A batch under 16 gives no half a whole tile of 8 rows in the packed kernel."""
    if kernel and not packed_gemm.kernel_runs():
        pytest.skip("the packed kernel runs on AVX-512 CPUs only")
    monkeypatch.setattr(packed_gemm, "kernel_runs", lambda: kernel)
    assert lstm.splits_units(batch, hidden) is units


@pytest.mark.parametrize("hidden", [40, 600])  # halves of the batch, of the hidden units
def test_an_error_in_one_half_is_raised_once_both_have_ended(monkeypatch, hidden):
    """The halves of the units meet after every step: the one whose partner failed must
    not wait for ever, and the error raised is the real one. (The halves fail here in the
    loop that runs without the packed kernel: with it, all the steps are one compiled call,
    which a Python error cannot enter; tests/test_spin.py aborts those.)"""
    monkeypatch.setattr(packed_gemm, "kernel_runs", lambda: False)
    real = lstm_compiled.step
    out = lstm.Steps.empty(4, 8, hidden, np.float64)
    first_rows = {out.gates[t, 0].ctypes.data for t in range(4)}  # where the first half starts

    def failing(gates, hU, b, c_prev, acts, C, H, lo, hi):
        if lo > 0 or gates.ctypes.data not in first_rows:  # the second half, units or batch
            raise RuntimeError("boom")
        real(gates, hU, b, c_prev, acts, C, H, lo, hi)

    monkeypatch.setattr(lstm_compiled, "step", failing)
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, hidden, rng)
    zeros = np.zeros((8, hidden))
    with pytest.raises(RuntimeError, match="boom"):
        lstm.forward(rng.randn(4, 8, 2), w, zeros, zeros, out, threads=2)


@pytest.mark.parametrize("route", ["numpy", "compiled"])
@pytest.mark.parametrize("hidden", [40, 600])  # halves of the batch, of the hidden units
def test_an_error_in_one_half_of_the_inputs_is_raised_once_both_have_ended(
    monkeypatch, hidden, route
):
    """Each thread runs its half of the input products, then waits for the other's before
    its half of the recurrence: if the other's fails, it must not wait for ever. The inputs
    go through _project_inputs where x is of another dtype than W; with both packed, each
    thread's half is two compiled calls, and the first fails here."""
    if route == "compiled" and not packed_gemm.kernel_runs():
        pytest.skip("the packed kernel runs on AVX-512 CPUs only")
    kernel = "inputs_then_meet"
    real = getattr(lstm_compiled, kernel) if route == "compiled" else lstm._project_inputs

    def failing(x, *args):
        x_gates = args[0] if route == "compiled" else args[1]
        if x_gates.ctypes.data != first_rows:
            raise RuntimeError("boom")
        return real(x, *args)

    if route == "compiled":
        monkeypatch.setattr(lstm_compiled, kernel, failing)
    else:
        monkeypatch.setattr(lstm, "_project_inputs", failing)
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, hidden, rng)
    out = lstm.Steps.empty(4, 8, hidden, np.float64)
    first_rows = out.gates.ctypes.data  # where the first half's products go
    zeros = np.zeros((8, hidden))
    x, errors = rng.randn(4, 8, 2), []
    if route == "numpy":
        x = x.astype(np.float32)

    def run() -> None:  # in a thread of its own, so that a wait for ever fails the test
        try:
            lstm.forward(x, w, zeros, zeros, out, threads=2)
        except RuntimeError as error:
            errors.append(str(error))

    meetings, real_new_meeting = [], spin.new_meeting

    def new_meeting() -> np.ndarray:  # aborted at the end: a half waiting for ever fails
        meetings.append(real_new_meeting())  # this test, not the whole run
        return meetings[-1]

    monkeypatch.setattr(spin, "new_meeting", new_meeting)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    for meeting in meetings:
        spin.abort(meeting)
    assert not thread.is_alive(), "a half waits for ever"
    assert errors == ["boom"]


@pytest.mark.parametrize("scaled", [[0], [1], [0, 1]])  # the halves whose x·W could overflow
@pytest.mark.parametrize("hidden", [40, 600])
def test_inputs_near_the_float_range_are_scaled_in_either_half(hidden, scaled):
    """A half whose x·W could overflow leaves its compiled call before writing anything,
    and _project_inputs computes its products, scaled: the same bits as in one thread,
    where every product is _project_inputs'."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(NotebookInit(), 2, hidden, rng).astype(np.float32)
    x = rng.randn(4, 8, 2).astype(np.float32)  # (T, B, d); halves: steps 0-1 and 2-3
    for half in scaled:
        x[2 * half + 1, 3] = 3e38
    assert 3e38 * w.input_bound >= lstm._largest_gate(np.float32)  # x·W could overflow
    zeros = np.zeros((8, hidden), np.float32)
    got = lstm.forward(x, w, zeros, zeros, threads=2)
    want = lstm.forward(x, w, zeros, zeros, threads=1)
    for a, b in zip(got.arrays, want.arrays, strict=True):
        assert np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("threads", [1, 2])
def test_unaligned_inputs_are_refused_whatever_the_threads(threads):
    """The packed product takes aligned x only; each thread's compiled half as well."""
    if not packed_gemm.kernel_runs():
        pytest.skip("the packed kernel runs on AVX-512 CPUs only")
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 3, 40, rng).astype(np.float32)
    raw = np.zeros(4 * 16 * 3 * 4 + 1, np.uint8)
    x = raw[1:].view(np.float32).reshape(4, 16, 3)  # (T, B, d), one byte off
    assert x.flags.c_contiguous
    assert not x.flags.aligned
    zeros = np.zeros((16, 40), np.float32)
    with pytest.raises(ValueError, match="aligned"):
        lstm.forward(x, w, zeros, zeros, threads=threads)


def test_inputs_without_features_give_zero_products_in_either_route():
    """d = 0: every x_t·W is an empty sum, 0, as NumPy's product gives it, also where each
    thread's half is compiled (threads=2)."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 0, 40, rng)
    x, zeros = np.empty((4, 16, 0)), np.zeros((16, 40))
    results = []
    for threads in (1, 2):
        out = lstm.Steps.empty(4, 16, 40, np.float64)
        out.gates[:] = 1e300  # what a product that wrote nothing would leave
        results.append(lstm.forward(x, w, zeros, zeros, out, threads=threads))
        assert np.array_equal(results[-1].gates[0], np.broadcast_to(w.b, (16, 160)))  # h0 = 0
    for a, b in zip(*(r.arrays for r in results), strict=True):
        assert np.array_equal(a, b)


def test_a_state_that_is_a_view_of_the_output_is_read_before_it_is_written():
    """Keeping the state in the output buffer (``h0 = out.H[0]``) gives the same numbers:
    the halves of the units each read all of h_{t-1} while writing their half of h_t."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, 600, rng)
    x, h0 = rng.randn(1, 3, 2), rng.randn(3, 600)  # (T, B, d), (B, h)
    want = lstm.forward(x, w, h0, h0, threads=1)
    out = lstm.Steps.empty(1, 3, 600, np.float64)
    out.H[0], out.C[0] = h0, h0
    got = lstm.forward(x, w, out.H[0], out.C[0], out, threads=1)
    for field in ("gates", "acts", "C", "H"):
        assert np.array_equal(getattr(got, field), getattr(want, field)), field


def test_own_tanh_matches_numpys():
    """``_tanh`` (vectorised, in the compiled steps) against NumPy's tanh, at 200,000
    points over the range where it is not 1, across the float64 range, and at the edges."""
    wide = np.logspace(-300, 300, 5000)
    points = np.concatenate(
        [np.linspace(-25, 25, 200_001), wide, -wide, [0.0, -0.0, 5e-324, 1e308, -1e308]]
    )
    got = np.empty_like(points)
    tanh_all(points, got)
    assert_allclose(got, np.tanh(points), rtol=0, atol=5e-16)
    nan = np.empty(1)
    tanh_all(np.array([np.nan]), nan)
    assert np.isnan(nan).all()  # not -1: a NaN stays visible
    small = (np.abs(points) < 1e-8) & (np.abs(points) >= 1e-300)  # subnormals go to 0
    assert_allclose(got[small], points[small], rtol=1e-15, atol=0)  # tanh(x) ~ x near 0
    assert np.array_equal(np.signbit(got), np.signbit(points))


def test_own_float32_tanh_is_within_5_ulp():
    """In float32, ``_tanh`` computes in float32 (twice the lanes of float64): within 5
    units in the last place of float64 tanh rounded to float32 with fused multiply-adds,
    6 without (trying every float32 from 0 to 10, the largest errors are near 3.9), and
    never above 1 in size (the rational function is, from 8.08 on); at 2,000,001 points
    over the range where tanh is not 1 (it is from 9.011 on), at every float32 from 3 to
    4 and from 7 to 10, across the float32 range, and at the edges. (``python -m
    tests.tanh_fit`` tries every float32 from 0 to 10.)"""
    wide = np.logspace(-38, 38, 5000)
    every = [
        np.arange(*np.float32([lo, hi]).view(np.uint32), dtype=np.uint32).view(np.float32)
        for lo, hi in [(3, 4), (7, 10)]
    ]
    points = np.concatenate(
        [np.linspace(-12, 12, 2_000_001), wide, -wide, [0.0, -0.0, 1e-45, np.inf, -np.inf]]
    ).astype(np.float32)
    points = np.concatenate([points, *every, *(-e for e in every)])
    got, ulp = float32_errors(points)
    fused = numba.config.CPU_NAME is None and binding.get_host_cpu_features().get("fma", False)
    assert (ulp <= (5 if fused else 6)).all()
    assert (np.abs(got) <= 1).all()
    assert np.array_equal(np.signbit(got), np.signbit(points))
    beyond = np.abs(points) >= lstm_compiled.TANH32_CLAMP
    assert (got[beyond] == np.sign(points[beyond])).all()
    nan = np.empty(1, np.float32)
    tanh_all(np.array([np.nan], np.float32), nan)
    assert np.isnan(nan).all()


def test_float32_tanh_coefficients_are_the_fit():
    """TANH32_P and TANH32_Q are tests/tanh_fit.py's fit on [0, 9.1] rounded to float32, to
    one float32 step (changing one coefficient by a relative 1e-6 can cost 8 more ulp)."""
    p, q, worst = fit_tanh(5, 4, lstm_compiled.TANH32_FIT_END)
    assert worst < 2e-9
    for ours, fit in [(lstm_compiled.TANH32_P, p), (lstm_compiled.TANH32_Q, q)]:
        steps = np.float32(ours).view(np.int32) - np.float32(fit).view(np.int32)
        assert (np.abs(steps) <= 1).all(), steps


@pytest.mark.parametrize(
    ("batch", "hidden", "compiled"), [(1, 64, True), (8, 8, True), (1, 65, False)]
)
def test_forward_takes_the_compiled_loop_up_to_the_threshold(monkeypatch, batch, hidden, compiled):
    calls = []
    real = lstm_compiled.recur
    monkeypatch.setattr(lstm_compiled, "recur", lambda *a: calls.append(1) or real(*a))
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, hidden, rng)
    zeros = np.zeros((batch, hidden))
    lstm.forward(rng.randn(3, batch, 2), w, zeros, zeros)
    assert bool(calls) is compiled


def test_forward_checks_the_state_and_the_buffers():
    """The compiled loop checks no bounds: forward refuses what it cannot index safely."""
    w = lstm.init_weights(UniformInit(), 1, 2, np.random.RandomState(0))
    x = np.ones((3, 4, 1))  # (T, B, d)
    with pytest.raises(ValueError, match=r"h0 and c0 must be \(B, h\) = \(4, 2\)"):
        lstm.forward(x, w, np.zeros((1, 2)), np.zeros((1, 2)))
    fortran = lstm.Steps(
        *(np.asfortranarray(a) for a in vars(lstm.Steps.empty(3, 4, 2, np.float64)).values())
    )
    with pytest.raises(ValueError, match="C-contiguous"):
        lstm.forward(x, w, np.zeros((4, 2)), np.zeros((4, 2)), fortran)
    mixed = lstm.forward(x, w, np.zeros((4, 2), np.float32), np.zeros((4, 2), int))
    assert_allclose(
        mixed.H, lstm.forward(x, w, np.zeros((4, 2)), np.zeros((4, 2))).H, rtol=0, atol=0
    )
    assert lstm.forward(x[:0], w, np.zeros((4, 2)), np.zeros((4, 2))).H.shape == (0, 4, 2)


@pytest.mark.parametrize("T", [0, 1, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_buffers_start_on_a_cache_line(T, dtype):
    """Steps.empty's buffers are what np.empty would give, each (but an empty one) starting
    on a 64-byte boundary, and forward fills them with the numbers it gives buffers that
    start 16 bytes past one (as NumPy's may)."""
    B, h = 3, 40  # the matrix products' path
    steps = lstm.Steps.empty(T, B, h, dtype)
    shapes = [(T, B, 4 * h), (T, B, 4 * h), (T, B, h), (T, B, h)]
    for a, shape in zip(steps.arrays, shapes, strict=True):
        assert (a.shape, a.dtype) == (shape, dtype)
        assert (a.flags.c_contiguous, a.flags.writeable) == (True, True)
        assert a.ctypes.data % 64 == 0 or a.size == 0  # an empty one points anywhere

    def off_line(shape: tuple[int, ...]) -> np.ndarray:
        raw = buffers.line_aligned_empty((math.prod(shape) * 8 + 16,), np.uint8)
        return raw[16 : 16 + math.prod(shape) * np.dtype(dtype).itemsize].view(dtype).reshape(shape)

    numpys = lstm.Steps(*(off_line(s) for s in shapes))
    w = lstm.init_weights(UniformInit(), 2, h, np.random.RandomState(0)).astype(dtype)
    x = np.random.RandomState(1).randn(T, B, 2).astype(dtype)
    zeros = np.zeros((B, h), dtype)
    lstm.forward(x, w, zeros, zeros, steps)
    lstm.forward(x, w, zeros, zeros, numpys)
    for a, b in zip(steps.arrays, numpys.arrays, strict=True):
        assert np.array_equal(a, b)


def test_weights_cannot_be_reassigned_under_what_is_computed_from_them():
    """Packed U, its halves and the input bound are computed once and kept."""
    w = lstm.init_weights(UniformInit(), 3, 70, np.random.RandomState(0))
    _ = w.packed_U, w.input_bound
    with pytest.raises(AttributeError):
        w.U = np.zeros_like(w.U)


def test_the_compiled_loop_runs_where_numba_can_cache_nowhere():
    """A read-only install with no home: numba finds no cache directory, and the loop is
    compiled in the process instead of failing at import. Simulated with no locators."""
    code = (
        "import numba.core.caching as c; c.CacheImpl._locator_classes = []\n"
        "import numpy as np\n"
        "from runner import lstm\n"
        "from runner.config import NotebookInit\n"
        "w = lstm.init_weights(NotebookInit(), 1, 2, np.random.RandomState(0))\n"
        "z = np.zeros((1, 2))\n"
        "print(repr(lstm.forward(np.ones((3, 1, 1)), w, z, z).H.tolist()))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    w = lstm.init_weights(NotebookInit(), 1, 2, np.random.RandomState(0))
    zeros = np.zeros((1, 2))
    assert proc.stdout.strip() == repr(lstm.forward(np.ones((3, 1, 1)), w, zeros, zeros).H.tolist())
