"""The forward pass's second thread: it runs one half of the work while the calling thread
runs the other.

The calling thread does its own half rather than waiting, and waits for the partner in
compiled code, without the GIL; after each half, the partner watches for the next one for
about a millisecond (:data:`WATCH_SPINS`) before it sleeps. Each handover costs
microseconds where a thread pool's took 0.1 to 0.3 ms in this VM: waking a sleeping thread,
and handing the GIL over between threads, takes up to some 100 µs here. (bench.forward's
medium size: a forward call's time beyond its steps went from 0.34 to 0.15 ms.)
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
    """One thread that runs the other half of :func:`run_both`'s pairs of tasks."""

    def __init__(self) -> None:
        self._halves: queue.SimpleQueue[_Half] = queue.SimpleQueue()
        self._posted = spin.new_meeting()  # [0]: how many halves were handed over
        thread = threading.Thread(target=self._serve, name="runner-forward", daemon=True)
        thread.start()

    def hand_over(self, task: Callable[[], None]) -> _Half:
        half = _Half(task)
        self._halves.put(half)
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


def run_both(tasks: list[Callable[[], None]]) -> None:
    """Run the tasks (one or two), the second in the partner's thread; once both have
    ended, raise the first real error (a half whose partner failed ends with
    BrokenBarrierError). A half that fails must abort the meetings the other waits on."""
    if len(tasks) == 1:
        tasks[0]()
        return
    mine, theirs = tasks
    half = partner().hand_over(theirs)
    error = None
    try:
        mine()
    except BaseException as raised:  # Ctrl-C too: the partner's half stops at a meeting
        error = raised
    spin.meet(half.done, 0, 1)  # in compiled code: the GIL stays free for the partner
    errors = [e for e in (error, half.error) if e is not None]
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if errors:
        raise (real or errors)[0]
