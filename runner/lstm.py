"""The notebook's LSTM forward pass, vectorised over the batch and fused where it can be.

The equations, gate order and initialisation are the notebook's::

    gates = x_t·W + h_{t-1}·U + b          # (B, 4h), column blocks f, i, o, g
    f, i, o = sigmoid(gates[:, :3h])       # forget, input, output
    g = tanh(gates[:, 3h:])                # candidate cell state
    C_t = f * C_{t-1} + i * g
    h_t = o * tanh(C_t)

Three things differ from the notebook's loop, none in the numbers (they agree to 1e-12):
every ``x_t·W`` of a run of timesteps is one matrix product; the sigmoid is computed as
``0.5 * tanh(x / 2) + 0.5``, which neither overflows nor warns for any finite input; and for
small sizes the recurrence runs as one compiled loop (:mod:`runner.lstm_compiled`).
"""

import functools
from dataclasses import dataclass

import numpy as np

from runner.config import InitConfig, NotebookInit, UniformInit


@dataclass
class Weights:
    """The notebook's parameters.

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
        return cls(
            np.empty((T, B, 4 * h), dtype),
            np.empty((T, B, 4 * h), dtype),
            np.empty((T, B, h), dtype),
            np.empty((T, B, h), dtype),
        )

    def head(self, T: int) -> "Steps":
        """The first T timesteps (views)."""
        return Steps(self.gates[:T], self.acts[:T], self.C[:T], self.H[:T])


def _project_inputs(x: np.ndarray, w: Weights, out: np.ndarray) -> None:
    """``out = x·W + b`` for every timestep in one product; saturates instead of overflowing.

    Parameters
    ----------
    x : numpy.ndarray
        Inputs, shape (T, B, d).
    out : numpy.ndarray
        Output, shape (T, B, 4h), C-contiguous.
    """
    T, B, d = x.shape
    flat = out.reshape(T * B, -1)  # (T*B, 4h), a view
    big = np.finfo(out.dtype).max / 4
    x_max = float(np.abs(x).max()) if x.size else 0.0
    if x_max * float(np.abs(w.W).sum(axis=0).max()) < big:
        np.matmul(x.reshape(T * B, d), w.W, out=flat)
    else:  # |x·W| may pass the float range: scale down, multiply back, saturate
        np.matmul(x.reshape(T * B, d) / x_max, w.W, out=flat)
        with np.errstate(over="ignore"):
            flat *= x_max
        np.clip(flat, -big, big, out=flat)
    out += w.b


# Up to this batch * hidden size, a step is so little arithmetic that NumPy's per-call cost
# dominates and the compiled loop wins; above it, BLAS products win (``python -m bench.forward``).
COMPILED_MAX_BATCH_HIDDEN = 64


def uses_compiled_loop(batch: int, hidden: int) -> bool:
    """Whether :func:`forward` runs the recurrence as one compiled loop for these sizes."""
    return batch * hidden <= COMPILED_MAX_BATCH_HIDDEN


@functools.cache
def load_compiled_loop(dtype: np.dtype) -> None:
    """Import numba and load (the first time ever: compile) the loop for ``dtype`` now.

    It costs some 0.4 s once per process (later calls return at once); a caller that times
    points calls this first, so that the cost is not the first point's.
    """
    from runner import lstm_compiled

    steps = Steps.empty(1, 1, 1, dtype)
    zeros = np.zeros((1, 1), dtype)
    U = np.zeros((1, 4), dtype)
    lstm_compiled.recur(steps.gates, U, zeros, zeros, steps.acts, steps.C, steps.H)


def forward(
    x: np.ndarray, w: Weights, h0: np.ndarray, c0: np.ndarray, out: Steps | None = None
) -> Steps:
    """Run the LSTM over T timesteps from the state (h0, c0).

    Small sizes (:func:`uses_compiled_loop`) run :func:`runner.lstm_compiled.recur`, the
    others :func:`recur`; the choice depends on the sizes alone, so a config always takes the
    same one and gives the same bits.

    Parameters
    ----------
    x : numpy.ndarray
        Inputs, shape (T, B, d), time-major, of the weights' dtype.
    w : Weights
        Parameters with ``W`` (d, 4h), ``U`` (h, 4h), ``b`` (1, 4h).
    h0, c0 : numpy.ndarray
        Hidden and cell state before the first step, shape (B, h).
    out : Steps, optional
        Preallocated buffers with room for at least T timesteps; new ones if omitted.

    Returns
    -------
    Steps
        The first T timesteps of ``out``. The state after the last step is
        ``(steps.H[-1], steps.C[-1])``.
    """
    T, B, _ = x.shape
    h = w.hidden
    if h0.shape != (B, h) or c0.shape != (B, h):
        raise ValueError(f"h0 and c0 must be (B, h) = {(B, h)}, not {h0.shape} and {c0.shape}")
    # The compiled loop checks no bounds and takes one dtype: give it exactly what it needs.
    h0, c0 = (np.ascontiguousarray(s, dtype=w.U.dtype) for s in (h0, c0))
    steps = (out or Steps.empty(T, B, h, w.U.dtype)).head(T)
    buffers = (steps.gates, steps.acts, steps.C, steps.H)
    if not all(a.flags.c_contiguous and a.dtype == w.U.dtype for a in buffers):
        raise ValueError(f"out's buffers must be C-contiguous {w.U.dtype} arrays")
    if T == 0:
        return steps
    _project_inputs(x, w, steps.gates)
    if uses_compiled_loop(B, h):
        from runner import lstm_compiled  # numba loads only when a run needs it

        lstm_compiled.recur(steps.gates, w.U, h0, c0, steps.acts, steps.C, steps.H)
    else:
        recur(steps, w.U, h0, c0)
    return steps


def recur(steps: Steps, U: np.ndarray, h0: np.ndarray, c0: np.ndarray) -> None:
    """Finish the forward pass in NumPy once ``steps.gates`` holds ``x_t·W + b``.

    Each step is one BLAS product and a few in-place ufuncs on preallocated buffers.

    Parameters
    ----------
    steps : Steps
        ``gates`` (T, B, 4h) gets ``h_{t-1}·U`` added in place; ``acts``, ``C`` and ``H`` are
        filled.
    U : numpy.ndarray
        Recurrent weights, shape (h, 4h).
    h0, c0 : numpy.ndarray
        State before the first step, shape (B, h).
    """
    B, h = h0.shape
    # tanh(scale * gates): sigmoid(z) = 0.5 * tanh(z / 2) + 0.5 for the f, i, o blocks.
    scale = np.ones(4 * h, U.dtype)
    scale[: 3 * h] = 0.5
    hU = np.empty((B, 4 * h), U.dtype)  # h_{t-1}·U
    ig = np.empty((B, h), U.dtype)  # i_t * g_t
    h_prev, c_prev = h0, c0
    for gates, a, c, h_t in zip(steps.gates, steps.acts, steps.C, steps.H, strict=True):
        np.matmul(h_prev, U, out=hU)
        gates += hU  # (B, 4h)
        np.multiply(gates, scale, out=a)
        np.tanh(a, out=a)
        sig = a[:, : 3 * h]
        sig *= 0.5
        sig += 0.5
        np.multiply(a[:, :h], c_prev, out=c)  # f * C_{t-1}
        np.multiply(a[:, h : 2 * h], a[:, 3 * h :], out=ig)  # i * g
        c += ig
        np.tanh(c, out=h_t)
        h_t *= a[:, 2 * h : 3 * h]  # o * tanh(C_t)
        h_prev, c_prev = h_t, c
