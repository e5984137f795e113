"""The forward pass's second thread: halves handed over, errors, a partner gone to sleep."""

import threading
import time

import numpy as np
import pytest

from runner import lstm, partner, spin
from runner.config import UniformInit


def test_both_halves_run_in_two_threads_and_both_end_before_it_returns():
    ran = {}

    def half(name: str) -> None:
        time.sleep(0.05)  # the caller's half ends first: run_both must wait for the other
        ran[name] = threading.get_ident()

    partner.run_both([lambda: half("mine"), lambda: half("theirs")])
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

    with pytest.raises(RuntimeError, match=f"boom in {failing}"):
        partner.run_both([lambda: half("mine"), lambda: half("theirs")])


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
        got = lstm.forward(x, w, zeros, zeros, threads=2)
        for a, b in zip(got.arrays, want.arrays, strict=True):
            assert np.array_equal(a, b)


def test_a_watching_partner_sees_the_next_half_at_once():
    """arrive_then_watch arrives without waiting, then returns True once the counter
    reaches the value, False if it does not within its pauses."""
    meeting, counter = spin.new_meeting(), spin.new_meeting()
    assert not spin.arrive_then_watch(meeting, 1, 1, counter, 1, 1000)
    assert meeting[spin.LINE] == 1  # arrived, as side 1
    counter[0] = 1
    assert spin.arrive_then_watch(meeting, 1, 2, counter, 1, 1000)
    assert meeting[spin.LINE] == 2
