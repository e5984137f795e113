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
    """A half whose partner failed ends with BrokenBarrierError once it learns of it (here,
    once the other has failed); the error raised is the other's, whichever thread it was
    in, and on_error is called for it, in that thread."""
    failed, aborted = threading.Event(), []

    def half(name: str) -> None:
        if name == failing:
            failed.set()
            raise RuntimeError(f"boom in {name}")
        assert failed.wait(10)
        raise threading.BrokenBarrierError

    def on_error() -> None:
        aborted.append(threading.get_ident())

    tasks = [lambda: half("mine"), lambda: half("theirs")]
    with pytest.raises(RuntimeError, match=f"boom in {failing}"):
        partner.run_both(tasks, on_error)
    caller = threading.get_ident()
    if failing == "mine":
        assert caller in aborted
    else:  # the partner's half failed: said so in the partner's thread
        assert any(thread != caller for thread in aborted)


def test_a_half_is_taken_by_the_partner_or_called_off_never_both():
    """A half called off before the partner takes it never runs; call_off says whether
    the partner had taken it (then run_both waits for it)."""
    p, ran, started, release = partner.partner(), [], threading.Event(), threading.Event()
    first = partner._Half(lambda: started.set() or release.wait(10), lambda: None)
    second = partner._Half(lambda: ran.append("second"), lambda: None)
    third = partner._Half(lambda: None, lambda: None)
    p.hand_over(first)
    try:
        assert started.wait(10)  # the partner has taken the first, and waits in it
        p.hand_over(second)  # queued behind it
        assert p.call_off(first)  # taken: to be waited for
        assert not p.call_off(second)  # not taken yet: called off
    finally:
        release.set()
    p.hand_over(third)
    assert spin.meet(third.done, 0, 1)  # the queue is first in, first out: second is past
    assert ran == []
    assert second.done[spin.LINE] == 0  # never ran, never arrived


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


@pytest.mark.parametrize("where", ["handed over", "numpy half", "compiled half"])
@pytest.mark.parametrize("hidden", [40, 600])  # halves of the batch, of the hidden units
def test_ctrl_c_in_the_calling_thread_stops_both_halves(monkeypatch, hidden, where):
    """Ctrl-C reaches the calling thread only, while it runs Python. Where it lands before
    its half has begun (just after the other was handed over), no half aborts a meeting
    itself: run_both's on_error must, or the partner's half waits for ever at the meeting,
    and the caller for it. KeyboardInterrupt is raised once, in the calling thread: after
    Partner.hand_over; or in its half, at its meeting's call (x of another dtype than W:
    NumPy's route), or before its first compiled call (_largest_gate)."""
    if where == "compiled half" and not packed_gemm.kernel_runs():
        pytest.skip("the packed kernel runs on AVX-512 CPUs only")
    caller = []
    module, name = {
        "handed over": (partner.Partner, "hand_over"),
        "numpy half": (spin, "meet"),
        "compiled half": (lstm, "_largest_gate"),
    }[where]
    real = getattr(module, name)

    def interrupted(*args: object) -> object:
        result = real(*args)
        if threading.get_ident() in caller:
            caller.clear()  # once
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(module, name, interrupted)
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, hidden, rng)
    x, zeros = rng.randn(4, 8, 2), np.zeros((8, hidden))
    if where == "numpy half":
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


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_partner_thread_that_dies_is_replaced_and_nobody_waits_for_it(monkeypatch):
    """Should the partner's own code fail after a half (here its watch), it says it has
    arrived before it ends: the caller gets the error rather than waiting for ever, and
    the next call starts another partner."""
    real = spin.arrive_then_watch

    def failing(*args: object) -> bool:
        monkeypatch.setattr(spin, "arrive_then_watch", real)  # once
        raise MemoryError("watch")

    monkeypatch.setattr(spin, "arrive_then_watch", failing)
    first = partner.partner()
    [raised] = in_a_thread(lambda: partner.run_both([lambda: None] * 2, lambda: None))
    assert isinstance(raised, MemoryError)
    assert not first.alive  # at once, while its thread may still be printing why it ends
    ran = []
    partner.run_both([lambda: None, lambda: ran.append(threading.get_ident())], lambda: None)
    assert partner.partner() is not first
    assert ran == [partner.partner()._thread.ident]
    first._thread.join(10)  # its traceback printed within this test, not the next


def test_ctrl_c_while_an_error_is_handled_still_waits_for_the_partners_half(monkeypatch):
    """A second interruption, while run_both lets the halves go after the first error,
    must not make it return while the partner's half still runs (and writes)."""
    started, finished = threading.Event(), []

    def theirs() -> None:
        started.set()
        time.sleep(0.3)
        finished.append(True)

    def mine() -> None:
        assert started.wait(10)
        raise ValueError("boom")

    real, calls = partner.Partner.call_off, []

    def interrupted(self: partner.Partner, half: object) -> bool:
        calls.append(half)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(self, half)

    monkeypatch.setattr(partner.Partner, "call_off", interrupted)
    with pytest.raises(ValueError, match="boom"):
        partner.run_both([mine, theirs], on_error=lambda: None)
    assert finished == [True]
