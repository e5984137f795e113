"""The LSTM recurrence as one compiled loop, for small batch * hidden sizes.

When ``B * h`` is small, a step is a few dozen multiply-adds and NumPy spends nearly all its
time calling ufuncs: about ten calls, some 7 µs, per step. Here numba compiles the whole
recurrence once (cached on disk, so later processes only load it) and a step costs what
its arithmetic costs. The equations are :mod:`runner.lstm`'s, one scalar at a time.
"""

import numba
import numpy as np

# A float32 constant: float32 arrays stay float32 throughout, as in the NumPy path, and
# float64 ones promote it exactly.
HALF = np.float32(0.5)


def _compiled(fn):
    """``numba.njit`` with machine code cached on disk where numba finds a writable directory
    (next to this file, or the user's cache); where it finds none (a read-only install and
    no home), each process compiles again (about a second) instead of failing."""
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(fn)


@_compiled
def recur(gates, U, h0, c0, acts, C, H):
    """Finish the forward pass once ``gates`` holds ``x_t·W + b`` for every step.

    Parameters
    ----------
    gates : numpy.ndarray
        Shape (T, B, 4h); ``h_{t-1}·U`` is added in place, leaving the raw pre-activations.
    U : numpy.ndarray
        Recurrent weights, shape (h, 4h).
    h0, c0 : numpy.ndarray
        State before the first step, shape (B, h).
    acts : numpy.ndarray
        Output, shape (T, B, 4h): f_t, i_t, o_t and C_t_candidate.
    C, H : numpy.ndarray
        Outputs, shape (T, B, h): C_t and h_t.
    """
    T, B, four_h = gates.shape
    h = four_h // 4
    h_prev, c_prev = h0, c0
    for t in range(T):
        for b in range(B):
            z = gates[t, b]  # (4h,)
            for k in range(h):  # z += h_{t-1}·U, a row at a time
                h_k = h_prev[b, k]
                for j in range(four_h):
                    z[j] += h_k * U[k, j]
            a = acts[t, b]  # (4h,)
            for j in range(3 * h):  # f, i, o: sigmoid(z) = 0.5 * tanh(z / 2) + 0.5
                a[j] = HALF * np.tanh(HALF * z[j]) + HALF
            for j in range(3 * h, four_h):  # candidate
                a[j] = np.tanh(z[j])
            for j in range(h):
                c = a[j] * c_prev[b, j] + a[h + j] * a[3 * h + j]  # f * C_{t-1} + i * g
                C[t, b, j] = c
                H[t, b, j] = a[2 * h + j] * np.tanh(c)  # o * tanh(C_t)
        h_prev, c_prev = H[t], C[t]
