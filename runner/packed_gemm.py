"""Matrix products ``C = A·B`` with B packed once: the recurrence's ``h_{t-1}·U``, and on
the same path the input products ``x_t·W`` where d <= 256 (:func:`runner.lstm._times_W`).

U is the same for every step and chunk of a run, but BLAS packs its operands again on every
call, and at the recurrence's shapes (a few dozen rows of h) that leaves NumPy's OpenBLAS
at 60-80% of its own rate for large products (125-165 against 200 GFLOP/s in float32 on the
machine of README's figures). Here B is packed once into panels of two vectors' width,
and the product runs tiles of 8 rows by one panel, their 16 vectors of running sums held in
registers through the loop over k (:mod:`runner.simd`): 1.1x to 1.5x OpenBLAS's speed at
those shapes. For the input products (thousands of rows at once) the gain is smaller, and
showed only once the panels sat on a huge page (:func:`runner.buffers.huge_page_empty`): on
NumPy's small pages this kernel ranged from 0.87x to 1.07x OpenBLAS's time from one run to
the next at README's medium size; on a huge page, 0.91x (x·W alone, two threads).

A panel's slice of DEPTH_BLOCK rows is read from L1 by every tile of a block of rows but the
first. Where B is larger than L2 (U at hidden=1024: 8 MB for each thread), that first tile
waits on L3; so the loop runs down each panel in turn, k block after k block (the panels
are one run in memory), and every tile brings its share of the next slice into L2 as it
goes. At that size (64 rows, two threads) this takes 0.95x to 0.97x the time of the loop
over all the panels one k block at a time without it (float32 and float64); at
hidden=256, where U fits in L2, 0.97x to 1.01x.

Every element of C is one chain of fused multiply-adds over k in order, so its bits do not
depend on which rows or columns are computed with it (BLAS computes one-row products
another way, and rounds otherwise).

The kernel is written for AVX-512's 32 vector registers; on other CPUs (:func:`kernel_runs`),
:func:`matmul` is NumPy's.
"""

import functools
from dataclasses import dataclass

import numba
import numpy as np
from llvmlite import binding

from runner.buffers import CACHE_LINE_BYTES, huge_page_empty  # a line: what a prefetch brings in
from runner.jit import compiled
from runner.simd import VECTOR_BYTES, prefetch, vfma, vload, vsplat, vstore, vzero

TILE_ROWS = 8  # rows of a tile: 8 x 2 vectors of sums, 2 of B, 1 of A: 19 of 32 registers
DEPTH_BLOCK = 256  # k per slice of a panel: 256 x 2 vectors of B, 32 KiB, read from L1
ROW_BLOCK = 64  # rows per pass down every panel: 64 x K of A, read from L2 for each panel


@functools.cache
def kernel_runs() -> bool:
    """Whether :func:`matmul` runs the packed kernel: numba compiles for this CPU
    (``NUMBA_CPU_NAME`` unset) and it has AVX-512."""
    return numba.config.CPU_NAME is None and binding.get_host_cpu_features().get("avx512f", False)


@dataclass
class PackedMatrix:
    """A matrix B, shape (K, N), ready to be the right-hand side of :func:`matmul`.

    Attributes
    ----------
    matrix : numpy.ndarray
        B itself, shape (K, N): not to be changed while packed (the kernel reads the
        panels, a copy; NumPy's product, B itself).
    panels : numpy.ndarray or None
        B's columns in panels of w = 2 vectors' lanes, zero-padded to a whole panel, shape
        (ceil(N / w), K, w); None where the kernel does not run.
    """

    matrix: np.ndarray
    panels: np.ndarray | None


def pack(b: np.ndarray) -> PackedMatrix:
    """Pack B, shape (K, N), float32 or float64, for :func:`matmul`."""
    if b.ndim != 2 or b.dtype not in (np.float32, np.float64):
        raise ValueError(f"B must be a float32 or float64 matrix, not {b.dtype} {b.shape}")
    if not kernel_runs():
        return PackedMatrix(b, None)
    width = 2 * VECTOR_BYTES // b.itemsize
    K, N = b.shape
    n_panels = -(-N // width)
    padded = np.zeros((K, n_panels * width), b.dtype)  # (K, P*w)
    padded[:, :N] = b
    panels = huge_page_empty((n_panels, K, width), b.dtype)  # read again and again
    panels[:] = padded.reshape(K, n_panels, width).transpose(1, 0, 2)  # (P, K, w)
    return PackedMatrix(b, panels)


def matmul(a: np.ndarray, b: PackedMatrix, out: np.ndarray) -> None:
    """``out = a·B``.

    Parameters
    ----------
    a : numpy.ndarray
        Shape (M, K), B's dtype, each row contiguous.
    b : PackedMatrix
        B, shape (K, N).
    out : numpy.ndarray
        Output, shape (M, N), B's dtype, each row contiguous, not overlapping ``a``.
    """
    K, N = b.matrix.shape
    if b.panels is None or out.size == 0 or K == 0:
        np.matmul(a, b.matrix, out=out)
        return
    if a.ndim != 2 or a.shape[1] != K or out.shape != (a.shape[0], N):
        raise ValueError(f"cannot multiply {a.shape} by {b.matrix.shape} into {out.shape}")
    if not all(
        m.dtype == b.matrix.dtype and m.flags.aligned and m.strides[1] == m.itemsize
        for m in (a, out)
    ):
        raise ValueError(f"a and out must be aligned {b.matrix.dtype} with contiguous rows")
    if not out.flags.writeable or np.may_share_memory(a, out):
        raise ValueError("out must be writeable and apart from a")
    _product(a, b.panels, out)


@compiled
def _product(a, panels, c):
    """``c = a·B`` from B's panels; shapes and layouts as :func:`matmul` checks them (each
    row contiguous, ``c`` apart from ``a``)."""
    M, K = a.shape
    n_panels, _, width = panels.shape
    N = c.shape[1]
    lda, ldc = a.strides[0] // a.itemsize, c.strides[0] // c.itemsize
    # The tiles read A where it is. Rows left over after the whole tiles: a single one runs
    # on its own; more run as a tile padded with zero rows (computing those, then dropping
    # them, costs less than reading B once more for each row), from a copy.
    whole_tiles, left = divmod(M, TILE_ROWS)
    padded = left > 1
    spare = np.zeros((TILE_ROWS, K if padded else 0), a.dtype)  # (8, K): those, then zeros
    if padded:
        spare[:left] = a[M - left :]
    last = np.empty((TILE_ROWS, width), c.dtype)  # a tile that C has not the room for
    line = CACHE_LINE_BYTES // a.itemsize  # elements of a cache line
    for m0 in range(0, M, ROW_BLOCK):
        m1 = min(m0 + ROW_BLOCK, M)
        tiles_end = min(m1, whole_tiles * TILE_ROWS)
        last_block = m1 == M
        n_tiles = (tiles_end - m0) // TILE_ROWS + int(padded and last_block)
        for p in range(n_panels):
            j0 = p * width
            cols = min(width, N - j0)
            for k0 in range(0, K, DEPTH_BLOCK):
                depth, add = min(DEPTH_BLOCK, K - k0), k0 > 0  # later blocks add to the sums
                b_at = (p * K + k0) * width
                # Each tile (the padded one too) brings its share of what the tiles read
                # next (the next k block's slice, or the next panel's first) into L2, where
                # the first tile over it finds it. One prefetch a k: with 8 tiles, a new
                # line every 4 k and the same line in between (cheaper than a branch in the
                # loop); a tile alone fetches every other line.
                ahead = b_at + depth * width
                share = min(depth * width, panels.size - ahead) // max(n_tiles, 1)
                if share == 0:  # the panels' last slice
                    ahead = b_at
                ahead_step = min(share // depth, line)
                for i in range(m0, tiles_end, TILE_ROWS):
                    pf = (ahead + (i - m0) // TILE_ROWS * share, ahead_step)
                    if cols == width:
                        _tile_8(
                            a, i * lda + k0, lda, panels, b_at, depth, c, i * ldc + j0, ldc, add, pf
                        )
                        continue
                    if add:
                        last[:, :cols] = c[i : i + TILE_ROWS, j0 : j0 + cols]
                    _tile_8(a, i * lda + k0, lda, panels, b_at, depth, last, 0, width, add, pf)
                    c[i : i + TILE_ROWS, j0 : j0 + cols] = last[:, :cols]
                if padded and last_block:
                    i = M - left
                    pf = (ahead + (n_tiles - 1) * share, ahead_step)
                    if add:
                        last[:left, :cols] = c[i:, j0 : j0 + cols]
                    _tile_8(spare, k0, K, panels, b_at, depth, last, 0, width, add, pf)
                    c[i:, j0 : j0 + cols] = last[:left, :cols]
                elif left == 1 and last_block:
                    i = M - 1
                    if cols == width:
                        _tile_1(a[i], k0, panels, b_at, depth, c, i * ldc + j0, add)
                    else:
                        if add:
                            last[0, :cols] = c[i, j0 : j0 + cols]
                        _tile_1(a[i], k0, panels, b_at, depth, last, 0, add)
                        c[i, j0 : j0 + cols] = last[0, :cols]


@numba.njit
def _sums(c, at, half, add):
    """The two vectors of sums of one tile row: C's values, or zeros."""
    if add:
        return vload(c, at), vload(c, at + half)
    return vzero(c), vzero(c)


@numba.njit
def _store(c, at, half, s0, s1):
    """One tile row's two vectors of sums into C."""
    vstore(c, at, s0)
    vstore(c, at + half, s1)


@numba.njit
def _madd(a, at, b0, b1, s0, s1):
    """One row's sums plus ``a[at]`` times a row of the panel (b0, b1)."""
    x = vsplat(a, at)
    return vfma(x, b0, s0), vfma(x, b1, s1)


@numba.njit
def _tile_8(a, a_at, lda, panels, b_at, depth, c, c_at, ldc, add, pf):
    """8 rows of C by one panel: A's rows from flat index ``a_at`` of ``a``, row stride
    ``lda``; ``depth`` rows of the panel from ``b_at``; C from ``c_at``, row stride ``ldc``.
    ``pf = (at, step)``: at each k, the line of element ``at + k * step`` of ``panels`` is
    brought into L2 (step 0: one line, again and again; it changes no number)."""
    width = panels.shape[2]
    half = width // 2
    s00, s01 = _sums(c, c_at, half, add)
    s10, s11 = _sums(c, c_at + ldc, half, add)
    s20, s21 = _sums(c, c_at + 2 * ldc, half, add)
    s30, s31 = _sums(c, c_at + 3 * ldc, half, add)
    s40, s41 = _sums(c, c_at + 4 * ldc, half, add)
    s50, s51 = _sums(c, c_at + 5 * ldc, half, add)
    s60, s61 = _sums(c, c_at + 6 * ldc, half, add)
    s70, s71 = _sums(c, c_at + 7 * ldc, half, add)
    ahead, ahead_step = pf
    for _ in range(depth):
        prefetch(panels, ahead)
        ahead += ahead_step
        b0, b1 = vload(panels, b_at), vload(panels, b_at + half)
        s00, s01 = _madd(a, a_at, b0, b1, s00, s01)
        s10, s11 = _madd(a, a_at + lda, b0, b1, s10, s11)
        s20, s21 = _madd(a, a_at + 2 * lda, b0, b1, s20, s21)
        s30, s31 = _madd(a, a_at + 3 * lda, b0, b1, s30, s31)
        s40, s41 = _madd(a, a_at + 4 * lda, b0, b1, s40, s41)
        s50, s51 = _madd(a, a_at + 5 * lda, b0, b1, s50, s51)
        s60, s61 = _madd(a, a_at + 6 * lda, b0, b1, s60, s61)
        s70, s71 = _madd(a, a_at + 7 * lda, b0, b1, s70, s71)
        a_at += 1
        b_at += width
    _store(c, c_at, half, s00, s01)
    _store(c, c_at + ldc, half, s10, s11)
    _store(c, c_at + 2 * ldc, half, s20, s21)
    _store(c, c_at + 3 * ldc, half, s30, s31)
    _store(c, c_at + 4 * ldc, half, s40, s41)
    _store(c, c_at + 5 * ldc, half, s50, s51)
    _store(c, c_at + 6 * ldc, half, s60, s61)
    _store(c, c_at + 7 * ldc, half, s70, s71)


@numba.njit
def _tile_1(a_row, a_at, panels, b_at, depth, c, c_at, add):
    """One row of C by one panel, from ``a_row[a_at:]``; as :func:`_tile_8`."""
    width = panels.shape[2]
    half = width // 2
    s0, s1 = _sums(c, c_at, half, add)
    for _ in range(depth):
        s0, s1 = _madd(a_row, a_at, vload(panels, b_at), vload(panels, b_at + half), s0, s1)
        a_at += 1
        b_at += width
    _store(c, c_at, half, s0, s1)
