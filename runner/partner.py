"""The forward pass's second thread: it runs one half of the work while the calling thread
runs the other.

The calling thread does its own half rather than waiting, then waits for the partner in
compiled code, without the GIL; after each half, the partner watches for the next one for
about a millisecond (:data:`WATCH_SPINS`) before it sleeps. In this VM, waking a sleeping
thread, or handing the GIL to one, takes up to some 100 µs: a thread pool's dispatch and
join, and its two workers taking the GIL back in turn, made a forward call at
bench.forward's medium size take some 0.34 ms more than its steps.

Ctrl-C reaches the calling thread only, while it runs Python: between the compiled calls
of its half, or once they are done. Either way :func:`run_both` lets the other half go at
its next meeting (``on_error``), and waits for it before it raises, unless the partner has
not taken it yet (then it never will): with halves of the hidden units, that is at most a
step; with halves of the batch, whose recurrences do not meet, the rest of the other half.
"""

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
    """A half handed over to the partner: the task, what to do if it fails, its error, and
    the meeting that says it has ended (the partner's side 1 arrives once). Taken by the
    partner, or called off by the caller, never both."""

    task: Callable[[], None]
    on_error: Callable[[], None]
    done: np.ndarray = field(default_factory=spin.new_meeting)
    error: BaseException | None = None
    taken: bool = False
    called_off: bool = False


class Partner:
    """One thread that runs the halves handed over to it, one after the other."""

    def __init__(self) -> None:
        self._halves: queue.SimpleQueue[_Half] = queue.SimpleQueue()
        self._posted = spin.new_meeting()  # [0]: how many halves were handed over
        self._deciding = threading.Lock()  # whether a half is taken or called off
        self._ended = False  # set before the thread ends, while it may still print why
        self._thread = threading.Thread(target=self._serve, name="runner-forward", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return not self._ended and self._thread.is_alive()

    def hand_over(self, half: _Half) -> None:
        # The count first: a partner that sees it goes to the queue, where the half is
        # about to be; one that was not watching wakes on the put.
        self._posted[0] += 1
        self._halves.put(half)

    def call_off(self, half: _Half) -> bool:
        """Call the half off unless the partner has taken it: whether it has (then wait
        for it to end)."""
        with self._deciding:
            half.called_off = True
            return half.taken

    def _serve(self) -> None:
        half = None
        try:
            while True:
                half = self._halves.get()
                posted = int(self._posted[0])  # a later count means a later half
                with self._deciding:
                    if half.called_off:
                        continue
                    half.taken = True
                try:
                    half.task()
                except BaseException as error:  # raised by the caller, in its thread
                    half.error = error
                    half.on_error()
                spin.arrive_then_watch(half.done, 1, 1, self._posted, posted + 1, WATCH_SPINS)
        except BaseException as error:  # this thread ends: the next call starts another
            self._ended = True
            if half is not None and half.taken:
                half.error = half.error or error
                half.done[spin.LINE] = 1  # arrived, so that the caller does not wait for ever
            raise


_partner: Partner | None = None


def partner() -> Partner:
    """The process's partner thread, started again if it has ended."""
    global _partner
    if _partner is None or not _partner.alive:
        _partner = Partner()
    return _partner


def _forget_partner() -> None:
    global _partner
    _partner = None


os.register_at_fork(after_in_child=_forget_partner)  # a forked child has no partner thread


def run_both(tasks: list[Callable[[], None]], on_error: Callable[[], None]) -> None:
    """Run the tasks (one or two), the second in the partner's thread; once both have
    ended, raise the first real error (a half whose partner failed ends with
    BrokenBarrierError).

    ``on_error`` must let a half that waits for the other go (abort their meetings), and
    must not raise itself (an abort is a store): it is called where either half fails,
    in that half's thread, and where the calling thread's is interrupted, before waiting
    for the other half. Ctrl-C may still land past it, at the very end: a caller must
    call it again on any error it sees (as ``forward`` does).
    """
    if len(tasks) == 1:
        tasks[0]()
        return
    mine, theirs = tasks
    half, error, runs = _Half(theirs, on_error), None, None
    try:
        runs = partner()
        runs.hand_over(half)
        mine()
    except BaseException as raised:
        error = raised
    while True:  # done even where Ctrl-C comes again meanwhile
        try:
            if error is not None:
                on_error()
                if runs is None or not runs.call_off(half):
                    break  # never handed over, or called off: it will not run
            spin.meet(half.done, 0, 1)  # in compiled code: the GIL stays free for the partner
            break
        except KeyboardInterrupt as again:
            error = error or again
    errors = [e for e in (error, half.error) if e is not None]
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if errors:
        raise (real or errors)[0]
