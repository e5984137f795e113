"""The notebook's LSTM forward pass, vectorised over the batch and fused where it can be.

The equations, gate order and initialisation are the notebook's::

    gates = x_t·W + h_{t-1}·U + b          # (B, 4h), column blocks f, i, o, g
    f, i, o = sigmoid(gates[:, :3h])       # forget, input, output
    g = tanh(gates[:, 3h:])                # candidate cell state
    C_t = f * C_{t-1} + i * g
    h_t = o * tanh(C_t)

What differs from the notebook's loop changes no number by more than 1e-12 (where the
dynamics are contractive, as with PyTorch's init; chaotic ones amplify any rounding): every
``x_t·W`` of a run of timesteps is one matrix product; the sigmoid is computed as
``0.5 * tanh(x / 2) + 0.5``, which neither overflows nor warns for any finite input; and
the element-wise work is compiled (:mod:`runner.lstm_compiled`), for small sizes together
with the whole recurrence; at larger sizes, ``h_{t-1}·U`` is a product with U packed once
(:mod:`runner.packed_gemm`). Larger sizes run in two threads, each on its own half of the
batch or (:func:`splits_units`) of the hidden units; the halves are cut by the sizes alone,
so the numbers do not depend on the threads.
"""

import functools
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import ThreadpoolController

from runner.buffers import line_aligned_empty
from runner.config import InitConfig, NotebookInit, UniformInit

if TYPE_CHECKING:
    from runner.packed_gemm import PackedMatrix


# Up to this depth d (the rows of W), x·W on the matrix path is the packed kernel's, for x
# of W's dtype (:func:`_times_W`).
PACKED_INPUTS_MAX_DEPTH = 256


@dataclass(frozen=True)
class Weights:
    """The notebook's parameters. Frozen, as what is computed from them once (packed U and
    W, U's halves, the input bound) is kept; ``astype`` and the constructor make new ones.
    Editing the arrays in place would go unseen: make new Weights instead.

    Attributes
    ----------
    W : numpy.ndarray
        Input weights, shape (d, 4h).
    U : numpy.ndarray
        Recurrent weights, shape (h, 4h).
    b : numpy.ndarray
        Bias, shape (1, 4h).
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray

    @property
    def hidden(self) -> int:
        return self.U.shape[0]

    def astype(self, dtype: np.dtype) -> "Weights":
        return Weights(self.W.astype(dtype), self.U.astype(dtype), self.b.astype(dtype))

    @functools.cached_property
    def packed_U(self) -> "PackedMatrix":
        """U, packed once for the recurrence's products."""
        from runner import packed_gemm

        return packed_gemm.pack(self.U)

    @functools.cached_property
    def packed_W(self) -> "PackedMatrix | None":
        """W, packed once for the input products (:func:`_times_W`); None for a W deeper
        than PACKED_INPUTS_MAX_DEPTH, whose products stay with BLAS."""
        from runner import packed_gemm

        return packed_gemm.pack(self.W) if self.W.shape[0] <= PACKED_INPUTS_MAX_DEPTH else None

    @functools.cached_property
    def unit_halves(self) -> "list[tuple[int, int, PackedMatrix]]":
        """The two halves of the hidden units, each as ``(lo, hi, U_k)``: ``U_k`` holds the
        columns of units lo to hi of each block, f, i, o, g, shape (h, 4k), k = hi - lo."""
        from runner import packed_gemm

        h = self.hidden
        halves = [(0, h // 2), (h // 2, h)]
        blocks = [[self.U[:, g * h + lo : g * h + hi] for g in range(4)] for lo, hi in halves]
        return [
            (lo, hi, packed_gemm.pack(np.hstack(b)))
            for (lo, hi), b in zip(halves, blocks, strict=True)
        ]

    @functools.cached_property
    def input_bound(self) -> float:
        """The largest ``sum_k |W[k, j]|``: ``|x_t·W| <= max|x| * input_bound``."""
        return float(np.abs(self.W).sum(axis=0).max())


def init_weights(init: InitConfig, d: int, h: int, rng: np.random.RandomState) -> Weights:
    """Draw ``W``, ``U``, ``b``, in that order, from ``rng``.

    Parameters
    ----------
    init : NotebookInit or UniformInit
        ``NotebookInit`` draws standard normals (``randn``), as the notebook does;
        ``UniformInit`` draws from U(-1/sqrt(h), 1/sqrt(h)), as ``torch.nn.LSTM`` does.
    d, h : int
        Input and hidden sizes.
    rng : numpy.random.RandomState
        The generator; ``RandomState(0)`` with ``NotebookInit`` gives the notebook's weights.
    """
    shapes = [(d, 4 * h), (h, 4 * h), (1, 4 * h)]
    if isinstance(init, NotebookInit):
        return Weights(*(rng.randn(*shape) for shape in shapes))
    if isinstance(init, UniformInit):
        k = 1.0 / np.sqrt(h)
        return Weights(*(rng.uniform(-k, k, shape) for shape in shapes))
    raise TypeError(f"unknown init preset {type(init).__name__}")  # pragma: no cover


@dataclass
class Steps:
    """What the forward pass computes for T timesteps, time-major.

    Attributes
    ----------
    gates : numpy.ndarray
        Raw pre-activations, shape (T, B, 4h).
    acts : numpy.ndarray
        Activations, shape (T, B, 4h): blocks f_t, i_t, o_t (sigmoid) and C_t_candidate (tanh).
    C : numpy.ndarray
        Cell states C_t, shape (T, B, h).
    H : numpy.ndarray
        Hidden states h_t, shape (T, B, h).
    """

    gates: np.ndarray
    acts: np.ndarray
    C: np.ndarray
    H: np.ndarray

    @classmethod
    def empty(cls, T: int, B: int, h: int, dtype: np.dtype) -> "Steps":
        """Uninitialised buffers, each starting on a cache line
        (:func:`runner.buffers.line_aligned_empty`)."""
        return cls(
            line_aligned_empty((T, B, 4 * h), dtype),
            line_aligned_empty((T, B, 4 * h), dtype),
            line_aligned_empty((T, B, h), dtype),
            line_aligned_empty((T, B, h), dtype),
        )

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(gates, acts, C, H)``, in the order the compiled kernels take them."""
        return self.gates, self.acts, self.C, self.H

    def head(self, T: int) -> "Steps":
        """The first T timesteps (views)."""
        return Steps(self.gates[:T], self.acts[:T], self.C[:T], self.H[:T])


def _largest_gate(dtype: np.dtype) -> float:
    """The largest ``|x·W|`` the input products let through (a Python float: compared as
    float64)."""
    return float(np.finfo(dtype).max) / 4


def _project_inputs(x: np.ndarray, w: Weights, out: np.ndarray, packed: bool = True) -> None:
    """``out = x·W`` for many rows (timesteps and sequences) in one product; saturates
    instead of overflowing.

    Where ``|x·W|`` could pass the float range, ``x`` is scaled down by a power of two and
    the product back up. Scaling by a power of two rounds nothing itself, but values far
    below the block's largest may lose low bits to the subnormal range, or become 0.

    Parameters
    ----------
    x : numpy.ndarray
        Inputs, shape (N, d).
    out : numpy.ndarray
        Output, shape (N, 4h).
    packed : bool
        Whether the product may be W's packed one (:func:`_times_W`). Not for the compiled
        loop's few rows: that would compile the packed kernel too (some 7 s the first time
        ever) for a product of microseconds.
    """
    big = _largest_gate(out.dtype)
    x_max = max(float(x.max()), -float(x.min())) if x.size else 0.0
    if x_max * w.input_bound < big:
        _times_W(x, w, out, packed)
        return
    scale = 2.0 ** (math.frexp(x_max)[1] - 1)  # 2^e: 1 <= |x_max / scale| < 2
    _times_W(x / x.dtype.type(scale), w, out, packed)
    with np.errstate(over="ignore"):
        out *= x.dtype.type(scale)
    np.clip(out, -big, big, out=out)


def _times_W(x: np.ndarray, w: Weights, out: np.ndarray, packed: bool) -> None:
    """``out = x·W``, x with contiguous rows.

    With W packed once (:mod:`runner.packed_gemm`; BLAS packs it again on every call) where
    ``packed``, d <= PACKED_INPUTS_MAX_DEPTH and x is of W's dtype: forward took 0.95x to
    0.97x the time at bench.forward's medium size, 0.81x to 1.00x at its smaller batches
    (medians of paired runs). Its sums run in one chain over d: its numbers are OpenBLAS's
    at the benchmark's shapes, but may differ from them in the last bit elsewhere (float64
    with an odd h, a single row). Deeper W stays with BLAS, where the packed product gained
    little (bench.forward large, d = 1024: 0.99x the time in float32, 1.00x in float64) and
    would change the tables' numbers; so do inputs of another dtype, which NumPy's product
    promotes (float64 x and float32 W: computed in float64, rounded once).
    """
    if not packed or w.packed_W is None or x.dtype != w.W.dtype:
        np.matmul(x, w.W, out=out)
        return
    from runner import packed_gemm

    packed_gemm.matmul(x, w.packed_W, out)


# Up to this batch * hidden size, a step is so little arithmetic that NumPy's per-call cost
# dominates and the compiled loop wins; above it, matrix products win (``python -m bench.forward``).
COMPILED_MAX_BATCH_HIDDEN = 64


# From this hidden size on, the recurrence's two halves are of the hidden units, not of the
# batch: each thread then reads half of U each step rather than all of it, which pays for a
# meeting of the threads after every step (bench.forward large: 4% faster; batch 8 and
# hidden 1024: 7%; batch 1: 1.5x; batch 64 and hidden 256: 10% slower, so not there).
UNIT_HALVES_MIN_HIDDEN = 512
# With the packed kernel, a batch too small to give each half a whole tile of 8 rows splits
# its units from this hidden size on: halves of the batch would each compute a padded tile
# over all of U. (Both splits timed in one process, batches 1 to 8 at hidden 160 to 256:
# 0.5x to 0.94x the time; at hidden 128 and below, up to 1.4x, the steps being too short
# for a meeting; from batch 16 on, 0.94x to 1.2x.)
SMALL_BATCH_UNIT_HALVES_MIN_HIDDEN = 160


def uses_compiled_loop(batch: int, hidden: int) -> bool:
    """Whether :func:`forward` runs the recurrence as one compiled loop for these sizes."""
    return batch * hidden <= COMPILED_MAX_BATCH_HIDDEN


def splits_units(batch: int, hidden: int) -> bool:
    """Whether :func:`forward`'s two halves of the recurrence are of the hidden units (or,
    if not, of the batch) for these sizes, on this CPU."""
    from runner import packed_gemm

    if hidden >= UNIT_HALVES_MIN_HIDDEN:
        return True
    small_batch = batch < 2 * packed_gemm.TILE_ROWS and packed_gemm.kernel_runs()
    return small_batch and hidden >= SMALL_BATCH_UNIT_HALVES_MIN_HIDDEN


def load_compiled_kernels(dtype: np.dtype, batch: int, hidden: int) -> None:
    """Import numba and load (the first time ever: compile) the kernels :func:`forward` runs
    for these sizes in ``dtype``, now.

    It costs some 0.6 s once per process (later calls return at once), and a few seconds
    the first time ever; a caller that times points calls this first, so that the cost is
    not the first point's.
    """
    _load_kernels(np.dtype(dtype), uses_compiled_loop(batch, hidden))


@functools.cache
def _load_kernels(dtype: np.dtype, compiled_loop: bool) -> None:
    from runner import lstm_compiled, packed_gemm, spin

    steps = Steps.empty(1, 1, 1, dtype)
    zeros = np.zeros((1, 1), dtype)
    U = np.zeros((1, 4), dtype)
    if compiled_loop:
        lstm_compiled.recur(steps.gates, U, zeros, zeros, steps.acts, steps.C, steps.H)
        return
    lstm_compiled.step(steps.gates[0], U, U[0], zeros, steps.acts[0], steps.C[0], steps.H[0], 0, 1)
    packed = packed_gemm.pack(U)
    packed_gemm.matmul(zeros, packed, steps.gates[0])  # h·U, and x·W (_times_W)
    met = spin.new_meeting()
    met[spin.LINE] = 1  # the other side has arrived already
    spin.meet(met, 0, 1)
    if packed.panels is not None:
        lstm_compiled.recur_packed(*steps.arrays, packed.panels, U[0], zeros, zeros, 0, 1)
        args = (packed.panels, U[0], zeros, zeros, 0, 1, met, 0)
        lstm_compiled.recur_units_packed(*steps.arrays, *args)
        lstm_compiled.inputs_then_meet(zeros, steps.gates[0], packed.panels, 0.0, 1.0, met, 0)
    spin.arrive_then_watch(met, 1, 1, met, 0, 0)  # the partner's wait (runner.partner)


@functools.cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries NumPy has loaded, to read and limit their thread count."""
    return ThreadpoolController().select(user_api="blas")


def blas_threads() -> int:
    """How many threads BLAS may use now (``OMP_NUM_THREADS``, ``threadpool_limits``...)."""
    return max((lib.num_threads for lib in _blas().lib_controllers), default=1)


_one_at_a_time = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child has no call of ``forward`` under way (though the lock may have been
    held when the parent forked)."""
    global _one_at_a_time
    _one_at_a_time = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _halves(n: int, smallest: int) -> list[slice]:
    """``range(n)`` as two halves, or whole where a half would be smaller than ``smallest``."""
    return [slice(0, n // 2), slice(n // 2, n)] if n // 2 >= smallest else [slice(0, n)]


def forward(
    x: np.ndarray,
    w: Weights,
    h0: np.ndarray,
    c0: np.ndarray,
    out: Steps | None = None,
    threads: int | None = None,
) -> Steps:
    """Run the LSTM over T timesteps from the state (h0, c0).

    Small sizes (:func:`uses_compiled_loop`) run :func:`runner.lstm_compiled.recur`, the
    others :func:`recur_rows` on each half of the batch, or (:func:`splits_units`)
    :func:`recur_units` on each half of the hidden units; every choice depends on the sizes
    (and the CPU) alone, so a config always gives the same bits, whatever the threads.

    Parameters
    ----------
    x : numpy.ndarray
        Inputs, shape (T, B, d), time-major, of the weights' dtype (another one goes to
        NumPy's product, which promotes it).
    w : Weights
        Parameters with ``W`` (d, 4h), ``U`` (h, 4h), ``b`` (1, 4h).
    h0, c0 : numpy.ndarray
        Hidden and cell state before the first step, shape (B, h).
    out : Steps, optional
        Preallocated buffers with room for at least T timesteps; new ones if omitted.
    threads : int, optional
        For the larger sizes, 1 runs the two halves (of the batch or of the hidden units)
        one after the other, 2 or more at once; BLAS is single-threaded either way, so the
        bits are the same. By default, 2 where BLAS may use 2 threads or more
        (:func:`blas_threads`).

    Returns
    -------
    Steps
        The first T timesteps of ``out``. The state after the last step is
        ``(steps.H[-1], steps.C[-1])``.
    """
    T, B, d = x.shape
    h = w.hidden
    if h0.shape != (B, h) or c0.shape != (B, h):
        raise ValueError(f"h0 and c0 must be (B, h) = {(B, h)}, not {h0.shape} and {c0.shape}")
    # The compiled code checks no bounds and takes one dtype: give it exactly what it needs,
    # in copies, since a state that is a view of ``out`` would be overwritten half by half.
    h0, c0 = (np.array(s, dtype=w.U.dtype, order="C") for s in (h0, c0))
    steps = (out or Steps.empty(T, B, h, w.U.dtype)).head(T)
    if not all(a.flags.c_contiguous and a.dtype == w.U.dtype for a in steps.arrays):
        raise ValueError(f"out's buffers must be C-contiguous {w.U.dtype} arrays")
    if T == 0:
        return steps
    from runner import lstm_compiled, partner, spin  # numba loads only when a run needs it

    x_rows = np.ascontiguousarray(x).reshape(T * B, d)  # (T*B, d): every x_t, one product
    gate_rows = steps.gates.reshape(T * B, 4 * h)  # (T*B, 4h), a view
    if uses_compiled_loop(B, h):
        _project_inputs(x_rows, w, gate_rows, packed=False)
        steps.gates += w.b
        lstm_compiled.recur(steps.gates, w.U, h0, c0, steps.acts, steps.C, steps.H)
        return steps
    # Two halves of the (timestep, sequence) rows for the input products, then of the batch
    # or of the hidden units for the recurrence: cut by the sizes alone, so that the bits do
    # not depend on the threads. No product of a half of the batch has a single row: BLAS
    # (the input products with d > PACKED_INPUTS_MAX_DEPTH, and every product without the
    # packed kernel) computes those another way (gemv) and rounds otherwise.
    x_halves = _halves(T * B, 2)
    _ = w.packed_W  # packed here, once, rather than by both threads at once
    by_units = splits_units(B, h)
    rows = _halves(B, 2)
    parallel = min(threads or blas_threads(), 2 if by_units else len(rows)) > 1
    meeting = spin.new_meeting() if by_units and parallel else None
    products = [functools.partial(_project_inputs, x_rows[r], w, gate_rows[r]) for r in x_halves]
    if by_units:
        halves = w.unit_halves  # made here, once, rather than by both threads at once
        parts = [[halves[0]], [halves[1]]] if parallel else [halves]  # one thread: in turn
        recurrence = [
            functools.partial(recur_units, steps, w, h0, c0, p, meeting, side)
            for side, p in enumerate(parts)
        ]
    else:
        _ = w.packed_U  # packed here, once, rather than by both threads at once
        recurrence = [functools.partial(recur_rows, steps, w, h0, c0, r) for r in rows]
    if parallel and len(x_halves) == 2 and _compiles_halves(x_rows, w, by_units):
        between = spin.new_meeting()
        halves_of_both = zip(x_halves, recurrence, strict=True)
        phases = [
            [
                functools.partial(_compiled_inputs, x_rows[r], w, gate_rows[r], rest, between, side)
                for side, (r, rest) in enumerate(halves_of_both)
            ]
        ]
    else:
        phases, between = (
            _rounds(products, recurrence) if parallel else ([products, recurrence], None)
        )

    # Single-threaded BLAS always: BLAS's own threads would fight ours for the cores, and
    # they round some products otherwise. The limit is process-wide: one call at a time.
    def let_no_half_wait() -> None:
        for m in (meeting, between):
            if m is not None:
                spin.abort(m)

    with _one_at_a_time, _blas().limit(limits=1):
        try:
            for tasks in phases:
                if parallel:
                    partner.run_both(tasks, on_error=let_no_half_wait)
                else:
                    for task in tasks:
                        task()
        except BaseException:  # e.g. Ctrl-C in a half run here
            let_no_half_wait()
            raise
    return steps


def _rounds(inputs: list, recurrence: list) -> tuple[list[list], np.ndarray | None]:
    """The rounds of the two threads (:func:`runner.partner.run_both`) that run the input
    products' halves, then the recurrence's: one where both have two halves, each thread's
    task :func:`_inputs_then_recurrence`, with the meeting between its phases; else one
    round a phase, and no meeting. (With a thread pool, where waking the threads for a
    round cost 0.1 to 0.3 ms, forward in one round against two took 0.99x the time at
    bench.forward's medium size, 0.97x at batch-1, 0.95x at batch-16.)"""
    if not len(inputs) == len(recurrence) == 2:
        return [inputs, recurrence], None
    from runner import spin

    between = spin.new_meeting()
    both = zip(inputs, recurrence, strict=True)
    tasks = [functools.partial(_inputs_then_recurrence, *h, between, s) for s, h in enumerate(both)]
    return [tasks], between


def _inputs_then_recurrence(
    inputs: Callable[[], None], recurrence: Callable[[], None], between: np.ndarray, side: int
) -> None:
    """One thread's half of both phases: its input products, then, once the other thread
    has done its own (each half of the recurrence reads every row's x_t·W), its half of
    the recurrence."""
    from runner import spin

    inputs()
    if not spin.meet(between, side, 1):
        raise threading.BrokenBarrierError  # the other half failed
    recurrence()


def _compiles_halves(x_rows: np.ndarray, w: Weights, by_units: bool) -> bool:
    """Whether each thread's input products, and the meeting after them, can be one
    compiled call (:func:`_compiled_inputs`), and its recurrence another: x·W and the
    recurrence's products are the packed kernel's, with x as ``packed_gemm.matmul`` takes
    it (of W's dtype, aligned)."""
    U_packed = [U_k for _, _, U_k in w.unit_halves] if by_units else [w.packed_U]
    return (
        w.packed_W is not None
        and x_rows.dtype == w.W.dtype  # else _times_W leaves x·W to NumPy
        and x_rows.flags.aligned  # else packed_gemm.matmul refuses it
        and all(P.panels is not None for P in [w.packed_W, *U_packed])
    )


def _compiled_inputs(
    x: np.ndarray,
    w: Weights,
    x_gates: np.ndarray,
    recurrence: Callable[[], None],
    between: np.ndarray,
    side: int,
) -> None:
    """:func:`_inputs_then_recurrence` where W and U are packed: the input products and
    the meeting are one compiled call, :func:`runner.lstm_compiled.inputs_then_meet`, and
    the recurrence (:func:`recur_rows` or :func:`recur_units`) another, so that the thread
    takes the GIL back once rather than four times: each time, it may have to wait for
    the other to let it go. (As one call, the two ran the units' halves of bench.forward's
    batch-2 1.2x slower.) Where this half's x·W could overflow, :func:`_project_inputs`
    computes it, scaled. Should either half fail, the caller must abort ``between`` (as
    ``forward`` does, through :func:`runner.partner.run_both`'s ``on_error``)."""
    from runner import lstm_compiled

    inputs = (w.packed_W.panels, w.input_bound, _largest_gate(x_gates.dtype), between, side)
    status = lstm_compiled.inputs_then_meet(x, x_gates, *inputs)
    if status == lstm_compiled.SCALE:  # nothing done yet
        _project_inputs(x, w, x_gates)
        status = lstm_compiled.inputs_then_meet(x[:0], x_gates[:0], *inputs)  # the meeting
    if status == lstm_compiled.ABORTED:
        raise threading.BrokenBarrierError  # the other half failed
    recurrence()


def recur_rows(steps: Steps, w: Weights, h0: np.ndarray, c0: np.ndarray, rows: slice) -> None:
    """Finish the forward pass for a block of batch rows once ``steps.gates`` holds ``x_t·W``.

    Each step is one product ``h_{t-1}·U`` and one call of the compiled element-wise kernel
    :func:`runner.lstm_compiled.step`. With U packed (:mod:`runner.packed_gemm`), all the
    steps are one compiled call, :func:`runner.lstm_compiled.recur_packed`; otherwise a
    loop here, with BLAS's products. Neither holds the GIL.

    Parameters
    ----------
    steps : Steps
        ``gates`` (T, B, 4h) gets ``h_{t-1}·U + b`` added in place; ``acts``, ``C`` and
        ``H`` are filled, in the given rows only.
    w : Weights
        Uses ``U`` (h, 4h) and ``b`` (1, 4h).
    h0, c0 : numpy.ndarray
        State before the first step, shape (B, h).
    rows : slice
        The block of batch rows.
    """
    from runner import lstm_compiled, packed_gemm

    if w.packed_U.panels is not None:  # all the steps in one compiled call
        r0, r1, _ = rows.indices(h0.shape[0])
        lstm_compiled.recur_packed(*steps.arrays, w.packed_U.panels, w.b[0], h0, c0, r0, r1)
        return
    h = w.hidden
    h_prev, c_prev = h0[rows], c0[rows]  # (rows, h)
    hU = np.empty((h_prev.shape[0], 4 * h), w.U.dtype)  # (rows, 4h)
    for gates, a, c, h_t in zip(*steps.arrays, strict=True):
        packed_gemm.matmul(h_prev, w.packed_U, hU)
        lstm_compiled.step(gates[rows], hU, w.b[0], c_prev, a[rows], c[rows], h_t[rows], 0, h)
        h_prev, c_prev = h_t[rows], c[rows]


def recur_units(
    steps: Steps,
    w: Weights,
    h0: np.ndarray,
    c0: np.ndarray,
    parts: "list[tuple[int, int, PackedMatrix]]",
    meeting: np.ndarray | None,
    side: int,
) -> None:
    """Finish the forward pass for halves of the hidden units (:attr:`Weights.unit_halves`)
    once ``steps.gates`` holds ``x_t·W``.

    Each step is, for each half, one product ``h_{t-1}·U_k`` of the whole batch and one
    call of :func:`runner.lstm_compiled.step` on the half's columns. A thread with one half
    meets the other after each step (:func:`runner.spin.meet`), as the next step's product
    needs all of h_t; with U_k packed, that is all one compiled call,
    :func:`runner.lstm_compiled.recur_units_packed`.

    Parameters
    ----------
    steps, w, h0, c0
        As for :func:`recur_rows`.
    parts : list of (lo, hi, U_k)
        The halves this call computes, from :attr:`Weights.unit_halves`: one, or both in
        turn in a one-thread run.
    meeting : numpy.ndarray or None
        Where the threads of a two-thread run meet (:func:`runner.spin.new_meeting`).
        Should either half fail, the caller must abort it (``forward`` does, through
        :func:`runner.partner.run_both`'s ``on_error``).
    side : int
        This thread's side of the meeting, 0 or 1.
    """
    from runner import lstm_compiled, packed_gemm, spin

    if meeting is not None and parts[0][2].panels is not None:  # one half, packed
        [(lo, hi, U_k)] = parts
        args = (U_k.panels, w.b[0], h0, c0, lo, hi, meeting, side)
        if not lstm_compiled.recur_units_packed(*steps.arrays, *args):
            raise threading.BrokenBarrierError
        return
    B = h0.shape[0]
    hU = [np.empty((B, 4 * (hi - lo)), w.U.dtype) for lo, hi, _ in parts]  # (B, 4k) each
    h_prev, c_prev = h0, c0
    steps_in_order = zip(*steps.arrays, strict=True)
    for t, (gates, a, c, h_t) in enumerate(steps_in_order):
        for (lo, hi, U_k), out in zip(parts, hU, strict=True):
            packed_gemm.matmul(h_prev, U_k, out)
            lstm_compiled.step(gates, out, w.b[0], c_prev, a, c, h_t, lo, hi)
        if meeting is not None and not spin.meet(meeting, side, t + 1):
            raise threading.BrokenBarrierError
        h_prev, c_prev = h_t, c
