"""The forward pass's second thread: it runs one half of the work while the calling thread
runs the other.

The calling thread does its own half rather than waiting, then waits for the partner in
compiled code, without the GIL; after each half, the partner watches for the next one for
about a millisecond (:data:`WATCH_SPINS`) before it sleeps. In this VM, waking a sleeping
thread, or handing the GIL to one, takes up to some 100 µs: a thread pool's dispatch and
join, and its two workers taking the GIL back in turn, made a forward call at
bench.forward's medium size take some 0.34 ms more than its steps.

Ctrl-C reaches the calling thread only: between two compiled calls of its half, or once it
has done. Either way, :func:`run_both` has the other half stopped at its next meeting
(``on_error``) and waits for it before it raises.
"""

import functools
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from runner import spin

# How long the partner watches for its next half before it sleeps on the queue: 100,000
# pauses, about 1.2 ms here (12 ns a pause), up to some 5 ms on CPUs with longer pauses.
WATCH_SPINS = 100_000


@dataclass
class _Half:
    """A half handed over to the partner: the task, its error, and the meeting that says
    it has ended (the partner's side 1 arrives once)."""

    task: Callable[[], None]
    done: np.ndarray = field(default_factory=spin.new_meeting)
    error: BaseException | None = None


class Partner:
    """One thread that runs the halves handed over to it, one after the other."""

    def __init__(self) -> None:
        self._halves: queue.SimpleQueue[_Half] = queue.SimpleQueue()
        self._posted = spin.new_meeting()  # [0]: how many halves were handed over
        self._posting = threading.Lock()  # one count for each half, whoever hands it over
        thread = threading.Thread(target=self._serve, name="runner-forward", daemon=True)
        thread.start()

    def hand_over(self, task: Callable[[], None]) -> _Half:
        half = _Half(task)
        with self._posting:
            self._halves.put(half)  # before the count: a partner that sees it finds the half
            self._posted[0] += 1  # seen by a watching partner; a sleeping one wakes on the put
        return half

    def _serve(self) -> None:
        served = 0
        while True:
            half = self._halves.get()
            served += 1
            try:
                half.task()
            except BaseException as error:  # raised by the caller, in its thread
                half.error = error
            spin.arrive_then_watch(half.done, 1, 1, self._posted, served + 1, WATCH_SPINS)


@functools.cache
def partner() -> Partner:
    return Partner()


os.register_at_fork(after_in_child=partner.cache_clear)  # a forked child has no partner


def run_both(tasks: list[Callable[[], None]], on_error: Callable[[], None]) -> None:
    """Run the tasks (one or two), the second in the partner's thread; once both have
    ended, raise the first real error (a half whose partner failed ends with
    BrokenBarrierError).

    ``on_error`` must let a half that waits for the other go (abort their meetings): it is
    called where the calling thread's half fails or is interrupted, wherever that happens,
    before waiting for the partner's half.
    """
    if len(tasks) == 1:
        tasks[0]()
        return
    mine, theirs = tasks
    error, half = None, None
    try:
        half = partner().hand_over(theirs)
        mine()
    except BaseException as raised:
        error = raised
        on_error()
    if half is not None:
        spin.meet(half.done, 0, 1)  # in compiled code: the GIL stays free for the partner
    errors = [e for e in (error, half and half.error) if e is not None]
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if errors:
        raise (real or errors)[0]
