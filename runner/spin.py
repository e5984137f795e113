"""Where the forward pass's two threads meet: between the input products and the
recurrence, with halves of the hidden units after every step, and at the end
(:mod:`runner.partner`).

Each side counts its arrivals in a slot of a small int64 array, with an atomic release
store after writing its half (of x·W, or of h_t), and waits, spinning, until the other
side's count has caught up (an atomic acquire load, which makes the other half visible).
Spinning keeps both threads awake on their cores: a meeting costs 0.16 to 0.2 µs (two
compiled loops meeting 200,000 times), where ``threading.Barrier(2)`` took some 70 µs and a
pair of queues some 40, most of a step's time at small batches.

An abort flag lets a waiting side go: a side that fails or is interrupted (Ctrl-C) sets it,
and every wait under way or to come returns False.
"""

import platform

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from runner.jit import compiled
from runner.simd import element_address

LINE = 8  # int64s per 64-byte cache line: each slot on a line of its own
ABORTED = 2 * LINE  # the abort flag's index; sides 0 and 1 count at 0 and LINE
SPINS = 2_000  # pauses before a wait gives its core away: 23 µs here, up to ~100 µs by CPU


def new_meeting() -> np.ndarray:
    """The shared state of a meeting: both counts at 0, not aborted; it starts on a cache
    line of its own."""
    raw = np.zeros(4 * LINE, np.int64)
    skip = (-raw.ctypes.data % 64) // 8  # int64s up to the next 64-byte boundary
    return raw[skip : skip + 3 * LINE]


def abort(state: np.ndarray) -> None:
    """Make every wait of this meeting, under way or to come, return False."""
    state[ABORTED] = 1


@intrinsic
def load_acquire(typingctx, array, index):
    """``array.flat[index]``, read atomically with acquire ordering."""

    def codegen(context, builder, sig, args):
        address = element_address(context, builder, sig.args[0], *args)
        return builder.load_atomic(address, "acquire", align=8)

    return array.dtype(array, index), codegen


@intrinsic
def store_release(typingctx, array, index, value):
    """``array.flat[index] = value``, written atomically with release ordering."""

    def codegen(context, builder, sig, args):
        address = element_address(context, builder, sig.args[0], args[0], args[1])
        value = context.cast(builder, args[2], sig.args[2], sig.args[0].dtype)
        builder.store_atomic(value, address, "release", align=8)
        return context.get_dummy_value()

    return types.none(array, index, value), codegen


@intrinsic
def sched_yield(typingctx):
    """POSIX ``sched_yield()``: let the OS run another thread on this core."""

    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(32), []), "sched_yield"
        )
        builder.call(fn, [])
        return context.get_dummy_value()

    return types.none(), codegen


@intrinsic
def pause(typingctx):
    """x86's spin-wait hint (PAUSE): the core waits a moment (12 ns here, up to ~140
    cycles by CPU) and lets its other hyper-thread run; nothing elsewhere, where the wait
    gives its core away sooner."""

    def codegen(context, builder, sig, args):
        if platform.machine().lower() in ("x86_64", "amd64"):
            hint = builder.module.declare_intrinsic(
                "llvm.x86.sse2.pause", fnty=ir.FunctionType(ir.VoidType(), [])
            )
            builder.call(hint, [])
        return context.get_dummy_value()

    return types.none(), codegen


@compiled
def meet(state, side, count):
    """Arrive for the ``count``-th time as ``side`` (0 or 1), and wait until the other side
    has arrived as often: True, or False once the meeting is aborted (even where the other
    side had arrived before it was).

    After SPINS pauses the wait gives its core away at every turn (sched_yield),
    so that a partner sharing the core (more threads than cores) gets to run.
    """
    store_release(state, side * LINE, count)
    other = (1 - side) * LINE
    spins = 0
    while load_acquire(state, other) < count:
        if load_acquire(state, ABORTED) != 0:
            return False
        if spins < SPINS:
            pause()
            spins += 1
        else:
            sched_yield()
    return load_acquire(state, ABORTED) == 0  # the other side may have arrived, then failed


@compiled
def arrive_then_watch(state, side, count, counter, value, spins):
    """Arrive at a meeting for the ``count``-th time as ``side`` without waiting for the
    other, then watch ``counter[0]`` for up to ``spins`` pauses: True as soon as it reaches
    ``value``, False if it has not by then. In one call, so that a thread that has just
    handed its work over waits for the next without taking the GIL back in between."""
    store_release(state, side * LINE, count)
    for _ in range(spins):
        if load_acquire(counter, 0) >= value:
            return True
        pause()
    return load_acquire(counter, 0) >= value
