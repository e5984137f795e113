"""The forward pass's second thread: halves handed over, errors, a partner gone to sleep."""

import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from runner import lstm, packed_gemm, partner, spin
from runner.config import UniformInit


def test_both_halves_run_in_two_threads_and_both_end_before_it_returns():
    ran = {}

    def half(name: str) -> None:
        time.sleep(0.05)  # the caller's half ends first: run_both must wait for the other
        ran[name] = threading.get_ident()

    partner.run_both([lambda: half("mine"), lambda: half("theirs")], on_error=lambda: None)
    assert set(ran) == {"mine", "theirs"}
    assert ran["mine"] == threading.get_ident() != ran["theirs"]


@pytest.mark.parametrize("failing", ["mine", "theirs"])
def test_the_real_error_is_raised_whichever_half_failed(failing):
    """A half whose partner failed ends with BrokenBarrierError; the error raised is the
    other's, whichever thread it was in."""

    def half(name: str) -> None:
        if name == failing:
            raise RuntimeError(f"boom in {name}")
        raise threading.BrokenBarrierError

    aborted, tasks = [], [lambda: half("mine"), lambda: half("theirs")]
    with pytest.raises(RuntimeError, match=f"boom in {failing}"):
        partner.run_both(tasks, on_error=lambda: aborted.append(True))
    assert aborted == [True]  # the calling thread's half failed either way


def in_a_thread(fn: Callable[[], object], timeout: float = 60) -> list:
    """Run fn in a thread of its own, so that a wait for ever fails the test rather than
    hanging the run: what it returned or raised."""
    result = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as error:
            result.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "a half waits for ever"
    return result


def test_a_partner_gone_to_sleep_wakes_for_the_next_half(monkeypatch):
    """After WATCH_SPINS pauses without a new half, the partner sleeps on its queue; a
    half handed over then must still run, with the same numbers."""
    monkeypatch.setattr(partner, "WATCH_SPINS", 10)
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 3, 40, rng)
    x, zeros = rng.randn(5, 8, 3), np.zeros((8, 40))  # (T, B, d); (B, h)
    want = lstm.forward(x, w, zeros, zeros, threads=1)
    for _ in range(3):
        time.sleep(0.05)  # long past 10 pauses
        [got] = in_a_thread(lambda: lstm.forward(x, w, zeros, zeros, threads=2))
        for a, b in zip(got.arrays, want.arrays, strict=True):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("route", ["numpy", "compiled"])
@pytest.mark.parametrize("hidden", [40, 600])  # halves of the batch, of the hidden units
def test_ctrl_c_between_the_calling_threads_compiled_calls_stops_both_halves(
    monkeypatch, hidden, route
):
    """Ctrl-C reaches the calling thread only, and only between compiled calls, where no
    half of it aborts a meeting itself: run_both's on_error must, or the partner's half
    waits for ever at the meeting, and the caller for it. (KeyboardInterrupt raised where
    the calling thread's half next runs Python: _largest_gate on the compiled route, the
    meeting's call on NumPy's, where x is of another dtype than W.)"""
    if route == "compiled" and not packed_gemm.kernel_runs():
        pytest.skip("the packed kernel runs on AVX-512 CPUs only")
    caller = []
    module, name = (lstm, "_largest_gate") if route == "compiled" else (spin, "meet")
    real = getattr(module, name)

    def interrupted(*args: object) -> object:
        if threading.get_ident() in caller:
            caller.clear()  # once
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(module, name, interrupted)
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, hidden, rng)
    x, zeros = rng.randn(4, 8, 2), np.zeros((8, hidden))
    if route == "numpy":
        x = x.astype(np.float32)

    def call() -> None:
        caller.append(threading.get_ident())
        lstm.forward(x, w, zeros, zeros, threads=2)

    [raised] = in_a_thread(call)
    assert isinstance(raised, KeyboardInterrupt)


def test_a_watching_partner_sees_the_next_half_at_once():
    """arrive_then_watch arrives without waiting, then returns True once the counter
    reaches the value, False if it does not within its pauses."""
    meeting, counter = spin.new_meeting(), spin.new_meeting()
    assert not spin.arrive_then_watch(meeting, 1, 1, counter, 1, 1000)
    assert meeting[spin.LINE] == 1  # arrived, as side 1
    counter[0] = 1
    assert spin.arrive_then_watch(meeting, 1, 2, counter, 1, 1000)
    assert meeting[spin.LINE] == 2
