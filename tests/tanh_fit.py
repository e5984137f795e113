"""Where the float32 tanh's coefficients (``runner.lstm_compiled.TANH32_P``, ``TANH32_Q``)
come from: the rational function ``x P(x^2) / Q(x^2)``, Q(0) = 1, of least maximum relative
error to tanh on [0, c], fitted in float64 by Lawson's iteratively reweighted least squares
on the linearised error ``(x P - tanh(x) Q) / (tanh(x) Q)``.

``python -m tests.tanh_fit`` tries the compiled tanh on every float32 from 0 to 10 (about
30 s; with ``NUMBA_CPU_NAME=generic``, without fused multiply-adds, some 100 s).
"""

import numba
import numpy as np

from runner import lstm_compiled

NODES = 6000  # Chebyshev points of [0, c]
ITERATIONS = 300


def fit_tanh(p_degree: int, q_degree: int, c: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The coefficients of P and Q (constant term first) and the maximum relative error
    of ``x P(x^2) / Q(x^2)`` to tanh over the nodes."""
    x = c * (1 - np.cos(np.linspace(0, np.pi, NODES))) / 2
    x = x[1:]  # tanh(0) = 0: no relative error there
    t = np.tanh(x)
    u = (x / c) ** 2  # the fit in u = (x/c)^2, in [0, 1], is far better conditioned
    weights, q_prev = np.ones_like(x), np.ones_like(x)
    best = (np.inf, np.empty(0), np.empty(0))
    for _ in range(ITERATIONS):
        columns = [x * u**k for k in range(p_degree + 1)]
        columns += [-t * u**k for k in range(1, q_degree + 1)]
        scale = np.sqrt(weights) / (t * q_prev)
        a = np.stack(columns, axis=1) * scale[:, None]  # (nodes, unknowns)
        coef = np.linalg.lstsq(a, t * scale, rcond=None)[0]
        p, q = coef[: p_degree + 1], np.concatenate([[1.0], coef[p_degree + 1 :]])
        q_prev = np.polyval(q[::-1], u)
        error = x * np.polyval(p[::-1], u) / q_prev / t - 1
        worst = np.abs(error).max()
        if worst < best[0]:
            best = (worst, p, q)
        weights = weights * np.sqrt(np.abs(error))  # Lawson: weight up where the error is
        weights /= weights.sum()
    worst, p, q = best
    to_x2 = c ** (-2.0 * np.arange(max(p_degree, q_degree) + 1))  # u^k = x^(2k) / c^(2k)
    return p * to_x2[: p_degree + 1], q * to_x2[: q_degree + 1], worst


@numba.njit(**lstm_compiled.VECTORISED)  # as the kernels compile it
def tanh_all(x, out):
    for i in range(x.shape[0]):
        out[i] = lstm_compiled._tanh(x[i])


def float32_errors(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The compiled tanh of float32 values and its distance, in float32 steps, from
    float64 tanh rounded to float32."""
    got = np.empty_like(x)
    tanh_all(x, got)
    want = np.tanh(x.astype(np.float64)).astype(np.float32)
    return got, np.abs(got.view(np.int32).astype(np.int64) - want.view(np.int32))


def main() -> None:
    end = int(np.float32(10).view(np.uint32))
    worst, at, above_1 = -1, 0.0, 0
    for start in range(0, end + 1, 1 << 24):
        x = np.arange(start, min(start + (1 << 24), end + 1), dtype=np.uint32).view(np.float32)
        got, steps = float32_errors(x)
        if steps.max() > worst:
            worst, at = int(steps.max()), x[steps.argmax()]
        above_1 += int((got > 1).sum())
    print(f"every float32 from 0 to 10: at most {worst} ulp (at {at}), {above_1} above 1")


if __name__ == "__main__":
    main()
