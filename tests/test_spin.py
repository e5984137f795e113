"""The meeting of the forward pass's threads: order, abort, a compiled half let go, fork."""

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from runner import lstm, packed_gemm, spin
from runner.config import UniformInit


def test_no_side_passes_a_meeting_before_the_other_arrives():
    """Each side writes its step number before it arrives; past meeting t, it must see
    the other's number at t or later, 20,000 times over."""
    meeting, seen = spin.new_meeting(), np.zeros(2, np.int64)
    late = []

    def side(me: int) -> None:
        for t in range(1, 20_001):
            seen[me] = t
            assert spin.meet(meeting, me, t)
            if seen[1 - me] < t:
                late.append((me, t, seen[1 - me]))

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(side, me) for me in (0, 1)]:
            future.result(timeout=60)
    assert late == []


def test_an_abort_lets_a_waiting_side_go():
    meeting = spin.new_meeting()
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(spin.meet, meeting, 0, 1)  # side 1 never comes
        with pytest.raises(TimeoutError):
            waiting.result(timeout=0.2)
        spin.abort(meeting)
        assert waiting.result(timeout=5) is False


def test_a_side_arriving_after_an_abort_does_not_pass():
    """The other side arrived, then failed and aborted: the meeting is off all the same (in
    forward, a half of the recurrence would start after the call had raised)."""
    meeting = spin.new_meeting()
    meeting[spin.LINE] = 1  # side 1 has arrived
    spin.abort(meeting)
    assert spin.meet(meeting, 0, 1) is False


@pytest.mark.skipif(not packed_gemm.kernel_runs(), reason="AVX-512 CPUs only")
def test_a_compiled_half_whose_partner_failed_stops_and_says_so():
    """All of a packed half's steps are one compiled call: once the other half has
    aborted the meeting, it returns at its next meeting, and raises BrokenBarrierError."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, 600, rng)
    steps = lstm.Steps.empty(3, 2, 600, np.float64)
    steps.gates[:] = 0.0
    zeros = np.zeros((2, 600))
    meeting = spin.new_meeting()
    spin.abort(meeting)
    with pytest.raises(threading.BrokenBarrierError):
        lstm.recur_units(steps, w, zeros, zeros, [w.unit_halves[0]], meeting, 0)
    assert meeting[0] == 1  # it arrived once, at the first step's end, and left


def test_a_child_forked_during_a_forward_pass_runs_its_own():
    """The parent's lock, held by a forward pass under way when it forked, is not the
    child's: the child's own forward pass must not wait for ever."""
    rng = np.random.RandomState(0)
    w = lstm.init_weights(UniformInit(), 2, 600, rng)
    x, zeros = rng.randn(3, 2, 2), np.zeros((2, 600))
    lstm.forward(x, w, zeros, zeros, threads=2)  # the partner thread exists
    with lstm._one_at_a_time:  # as if another thread were inside forward
        pid = os.fork()
        if pid == 0:  # the child: exit 0 once its forward pass returns
            signal.alarm(20)
            lstm.forward(x, w, zeros, zeros, threads=2)
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
