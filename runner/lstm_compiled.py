"""The compiled parts of the forward pass (numba, cached on disk).

Two kernels, both with :mod:`runner.lstm`'s equations and :func:`_tanh`, our own tanh
(numba's is libm's, at some 21 ns a call, and does not vectorise):

- :func:`recur`, the whole recurrence as one loop, for small ``B * h``. There a step is a
  few dozen multiply-adds, and NumPy would spend nearly all its time calling ufuncs (about
  ten calls, some 7 µs, per step).
- :func:`step`, the element-wise half of one step for larger sizes, once the product
  ``h_{t-1}·U`` is computed (:mod:`runner.packed_gemm`): one vectorised pass over the
  gates instead of ten ufunc passes, and without the GIL, so two halves of the work (of
  the batch, or of the hidden units) can run in two threads.
"""

import numba
import numpy as np
from numba.extending import overload

from runner import packed_gemm, spin
from runner.jit import compiled
from runner.simd import pow2, prefer_wide_vectors

F32 = np.float32
# A float32 constant: float32 arrays stay float32 throughout, as in the NumPy path, and
# float64 ones promote it exactly.
HALF = F32(0.5)

# `step` must vectorise: numpy's error model drops the division-by-zero checks that would
# stop it, and contracting a*b+c into one fused multiply-add shortens _tanh's polynomials.
# Both are fixed at compile time, so a config still gives the same bits on every run.
VECTORISED = {"error_model": "numpy", "fastmath": {"contract"}}


def _tanh(x):
    """tanh(x) in x's own float type, in a form LLVM vectorises, for compiled code (numba's
    ``np.tanh`` is libm's, at some 21 ns a call, and does not vectorise): :func:`_tanh64`
    or :func:`_tanh32`. Called from Python, NumPy's."""
    return np.tanh(x)


@overload(_tanh, jit_options=VECTORISED)
def _tanh_for(x):
    return _tanh32 if x == numba.float32 else _tanh64


# e^r = (q + p) / (q - p) for |r| <= ln(2)/2, p = r P(r^2), q = Q(r^2): Cephes' exp.c.
EXP_P = (1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1)
EXP_Q = (3.00198505138664455042e-6, 2.52448340349684104192e-3, 2.27265548208155028766e-1, 2.0)
LN2_HI, LN2_LO = 6.93145751953125e-1, 1.42860682030941723212e-6  # ln 2 = LN2_HI + LN2_LO
LOG2_E = 1.4426950408889634


def _tanh64(x):
    """tanh(x) to within 4e-16 of NumPy's, in float64.

    With y = 2 min(|x|, 20) (tanh(20) is 1 in float64), e^y = 2^n e^r with n = round(y /
    ln 2) <= 58, and e^r from Cephes' approximant; then tanh = (e^y - 1) / (e^y + 1) in
    one division. For n = 0 the numerator is 2p itself, which keeps tanh(x) ~ x accurate
    near 0. The expected values in tests/test_forward_pass.py are NumPy's tanh.
    """
    a = x if x >= 0.0 else -x
    y = 2.0 * (a if a < 20.0 else 20.0)
    n = np.floor(y * LOG2_E + 0.5)
    r = (y - n * LN2_HI) - n * LN2_LO  # |r| <= ln(2) / 2
    rr = r * r
    p = r * ((EXP_P[0] * rr + EXP_P[1]) * rr + EXP_P[2])
    q = ((EXP_Q[0] * rr + EXP_Q[1]) * rr + EXP_Q[2]) * rr + EXP_Q[3]
    s = pow2(n)  # 2^n, exact
    num = 2.0 * p if n == 0.0 else s * (q + p) - (q - p)
    t = num / (s * (q + p) + (q - p))
    return t if x > 0.0 else (-t if x < 0.0 else x)  # x itself for -0.0, 0.0 and NaN


# tanh(x) = x P(x^2) / Q(x^2) on [-9.1, 9.1]: of the rational functions with P of degree 5
# and Q of degree 4, the one of least maximum relative error there (1.4e-9; 3e-8 once
# rounded to float32), fitted by tests/tanh_fit.py.
TANH32_P = tuple(
    F32(c)
    for c in (
        1.0,
        0.13676145672798157,
        0.003863603575155139,
        2.7912141376873478e-05,
        3.035598439282694e-08,
        -1.203394068421959e-11,
    )
)
TANH32_Q = tuple(
    F32(c)
    for c in (
        1.0,
        0.4700947701931,
        0.027228549122810364,
        0.000393030175473541,
        1.280708602280356e-06,
    )
)
TANH32_FIT_END = 9.1
# From here on _tanh32 returns +-1, 4 units in the last place from tanh(7.95) rounded (which
# is 1 from 9.011 on): from 8.08 on, the rational function would round to values above 1.
TANH32_CLAMP = F32(7.95)


def _tanh32(x):
    """tanh(x) in float32: the rational function of TANH32_P and TANH32_Q, and from
    TANH32_CLAMP on, 1. Trying every float32 from 0 to 10, it is within 5 units in the
    last place of float64 tanh rounded where multiply-adds are fused, 6 where not (a CPU
    without FMA, or NUMBA_CPU_NAME=generic), and never above 1 either way. Eleven
    multiply-adds and a division, without the exponential (the form Eigen and XNNPACK
    use): :func:`_tanh64`'s way in float32, within 2 units, made the element-wise step
    take 1.4x as long.
    """
    if x >= TANH32_CLAMP:
        return F32(1.0)
    if x <= -TANH32_CLAMP:
        return F32(-1.0)
    s = x * x  # NaN goes on to give NaN
    P, Q = TANH32_P, TANH32_Q
    p = ((((P[5] * s + P[4]) * s + P[3]) * s + P[2]) * s + P[1]) * s + P[0]
    q = (((Q[4] * s + Q[3]) * s + Q[2]) * s + Q[1]) * s + Q[0]
    return x * p / q


@numba.njit(inline="always", **VECTORISED)
def _sigmoid(x):
    return HALF * _tanh(HALF * x) + HALF  # sigmoid(x) = 0.5 * tanh(x / 2) + 0.5


@numba.njit(inline="always", **VECTORISED)
def _cell(z, c_prev, a, c_out, h_out, lo, hi):
    """One row's activations and new state, for the hidden units lo to hi.

    Parameters
    ----------
    z : numpy.ndarray
        Pre-activations, shape (4h,): blocks f, i, o, g.
    c_prev : numpy.ndarray
        C_{t-1}, shape (h,).
    a : numpy.ndarray
        Output, shape (4h,): f_t, i_t, o_t and C_t_candidate.
    c_out, h_out : numpy.ndarray
        Outputs, shape (h,): C_t and h_t.
    lo, hi : int
        The units: columns lo to hi of each block. Each loop runs over a slice of its own,
        which LLVM vectorises (indices offset inside the loop it would not).
    """
    h = z.shape[0] // 4
    for blk in range(3):  # f, i, o
        zb, ab = z[blk * h + lo : blk * h + hi], a[blk * h + lo : blk * h + hi]
        for j in range(hi - lo):
            ab[j] = _sigmoid(zb[j])
    zb, ab = z[3 * h + lo : 3 * h + hi], a[3 * h + lo : 3 * h + hi]
    for j in range(hi - lo):  # candidate
        ab[j] = _tanh(zb[j])
    _state(a, c_prev, c_out, h_out, lo, hi)


@numba.njit(inline="always", **VECTORISED)
def _state(a, c_prev, c_out, h_out, lo, hi):
    """One row's new state from its activations ``a`` (4h,), for the units lo to hi; the
    other arguments as for :func:`_cell`."""
    h = a.shape[0] // 4
    f, i = a[lo:hi], a[h + lo : h + hi]
    o, g = a[2 * h + lo : 2 * h + hi], a[3 * h + lo : 3 * h + hi]
    cp, co, ho = c_prev[lo:hi], c_out[lo:hi], h_out[lo:hi]
    for j in range(hi - lo):
        c = f[j] * cp[j] + i[j] * g[j]  # f * C_{t-1} + i * g
        co[j] = c
        ho[j] = o[j] * _tanh(c)  # o * tanh(C_t)


@compiled(**VECTORISED)
def step(gates, hU, b, c_prev, acts, C, H, lo, hi):
    """The element-wise half of one step, for a block of batch rows and of hidden units.

    Parameters
    ----------
    gates : numpy.ndarray
        Shape (B, 4h), holding ``x_t·W``; gets ``+ h_{t-1}·U + b`` in the units' columns,
        the raw pre-activations.
    hU : numpy.ndarray
        ``h_{t-1}·U`` for the units only, shape (B, 4k) with k = hi - lo: blocks f, i, o, g.
    b : numpy.ndarray
        Bias, shape (4h,).
    c_prev : numpy.ndarray
        C_{t-1}, shape (B, h).
    acts : numpy.ndarray
        Output, shape (B, 4h): f_t, i_t, o_t and C_t_candidate, in the units' columns.
    C, H : numpy.ndarray
        Outputs, shape (B, h): C_t and h_t, in the units' columns.
    lo, hi : int
        The hidden units; 0 and h for all of them.
    """
    prefer_wide_vectors()  # with AVX-512: 1.4x (float64) to 1.6x (float32) faster
    h, k = gates.shape[1] // 4, hi - lo
    for r in range(gates.shape[0]):
        # Each block's pre-activations and activations in one loop, the values in
        # registers between the two (a loop for each took 1.2x as long in float32).
        for blk in range(4):
            cols = slice(blk * h + lo, blk * h + hi)
            z, ab, bb = gates[r, cols], acts[r, cols], b[cols]
            u = hU[r, blk * k : (blk + 1) * k]
            if blk < 3:  # f, i, o
                for j in range(k):
                    zj = (z[j] + u[j]) + bb[j]  # (x_t·W + h_{t-1}·U) + b, the notebook's order
                    z[j] = zj
                    ab[j] = _sigmoid(zj)
            else:  # candidate
                for j in range(k):
                    zj = (z[j] + u[j]) + bb[j]
                    z[j] = zj
                    ab[j] = _tanh(zj)
        _state(acts[r], c_prev[r], C[r], H[r], lo, hi)


@compiled(**VECTORISED)
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
            _cell(z, c_prev[b], acts[t, b], C[t, b], H[t, b], 0, h)
        h_prev, c_prev = H[t], C[t]


@compiled
def recur_packed(gates, acts, C, H, U_panels, b, h0, c0, r0, r1):
    """Finish the forward pass for batch rows r0 to r1 once ``gates`` holds ``x_t·W``:
    each step's product ``h_{t-1}·U`` from U's panels (:mod:`runner.packed_gemm`), then
    :func:`step`, all in one call without the GIL. (A loop in Python, with two threads each
    taking the GIL back twice a step, was up to 3x slower where steps are short.)

    Parameters
    ----------
    gates, acts : numpy.ndarray
        Shape (T, B, 4h), as for :func:`recur`; only rows r0 to r1 are read and written.
    C, H : numpy.ndarray
        Outputs, shape (T, B, h).
    U_panels : numpy.ndarray
        U's panels, :attr:`runner.packed_gemm.PackedMatrix.panels`.
    b : numpy.ndarray
        Bias, shape (4h,).
    h0, c0 : numpy.ndarray
        State before the first step, shape (B, h).
    r0, r1 : int
        The batch rows.
    """
    T, _, four_h = gates.shape
    hU = np.empty((r1 - r0, four_h), gates.dtype)  # (rows, 4h)
    h_prev, c_prev = h0[r0:r1], c0[r0:r1]
    for t in range(T):
        packed_gemm._product(h_prev, U_panels, hU)
        rows = slice(r0, r1)
        step(gates[t, rows], hU, b, c_prev, acts[t, rows], C[t, rows], H[t, rows], 0, four_h // 4)
        h_prev, c_prev = H[t, rows], C[t, rows]


@compiled
def recur_units_packed(gates, acts, C, H, U_panels, b, h0, c0, lo, hi, meeting, side):
    """Finish the forward pass for the hidden units lo to hi once ``gates`` holds ``x_t·W``,
    in one call without the GIL: each step's product ``h_{t-1}·U_k`` of the whole batch
    from the half's panels, then :func:`step` on the half's columns, then a meeting with
    the other half's thread (:func:`runner.spin.meet`), as the next product needs all of h_t.

    Parameters
    ----------
    gates, acts, C, H, b, h0, c0
        As for :func:`recur_packed`; only the units' columns are written.
    U_panels : numpy.ndarray
        The panels of U_k (:attr:`runner.packed_gemm.PackedMatrix.panels`): U's columns of
        units lo to hi of each block, (h, 4k), k = hi - lo.
    lo, hi : int
        The hidden units.
    meeting : numpy.ndarray
        The meeting's state, :func:`runner.spin.new_meeting`.
    side : int
        This thread's side of the meeting, 0 or 1.

    Returns
    -------
    bool
        False if the meeting was aborted (the other half failed), True once all is done.
    """
    T, B, _ = gates.shape
    hU = np.empty((B, 4 * (hi - lo)), gates.dtype)  # (B, 4k)
    h_prev, c_prev = h0, c0
    for t in range(T):
        packed_gemm._product(h_prev, U_panels, hU)
        step(gates[t], hU, b, c_prev, acts[t], C[t], H[t], lo, hi)
        if not spin.meet(meeting, side, t + 1):
            return False
        h_prev, c_prev = H[t], C[t]
    return True


def _max_magnitude(x):
    """``max|x|`` of a C-contiguous float array, in x's dtype (for compiled code)."""


@overload(_max_magnitude)
def _max_magnitude_for(x):
    # A float's bits with the sign cleared, as an unsigned integer, order as its magnitude
    # does, NaN's above infinity's: an integer maximum, which LLVM vectorises.
    float_type, uint = (
        (np.float32, np.uint32) if x.dtype == numba.float32 else (np.float64, np.uint64)
    )
    mask = uint(np.iinfo(uint).max >> 1)

    def impl(x):
        bits, largest = x.reshape(x.size).view(uint), uint(0)
        for i in range(bits.size):
            largest = max(largest, bits[i] & mask)
        return np.full(1, largest, uint).view(float_type)[0]

    return impl


@compiled
def max_abs(x):
    """``max|x|`` of a C-contiguous float array, as float64, and NaN if x holds one, as
    NumPy's ``max(x.max(), -x.min())``: in one pass, in about half its time."""
    return np.float64(_max_magnitude(x))


# What inputs_then_meet comes to.
DONE, SCALE, ABORTED = 0, 1, 2


@compiled
def inputs_then_meet(x, x_gates, W_panels, bound, big, between, side):
    """One thread's half of the input products, then the meeting with the other thread,
    whose half the recurrence reads too, in one call: ``x_gates = x·W`` from W's panels
    (:attr:`runner.packed_gemm.PackedMatrix.panels`), x of shape (N, d), C-contiguous.

    Unless ``|x·W|`` could reach ``big``: where ``max|x| * bound >= big`` (``bound`` is
    :attr:`runner.lstm.Weights.input_bound`; asked in float64, as
    ``runner.lstm._project_inputs`` asks it), it returns SCALE, with nothing written and no
    meeting. Else, after the meeting on ``between`` as ``side`` (0 or 1): DONE, or ABORTED
    if the meeting was. With no rows of x (their products done already), only the meeting.
    """
    if x.shape[0] > 0:
        if not max_abs(x) * bound < big:
            return SCALE
        if x.shape[1] == 0:
            x_gates[:] = 0.0  # an empty sum, as NumPy's product gives it
        else:
            packed_gemm._product(x, W_panels, x_gates)
    return DONE if spin.meet(between, side, 1) else ABORTED
