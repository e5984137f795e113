"""The packed matrix product against the rounding-error bound, and its bits."""

import numpy as np
import pytest

from runner import packed_gemm

needs_kernel = pytest.mark.skipif(
    not packed_gemm.kernel_runs(), reason="the packed kernel runs on AVX-512 CPUs only"
)

# (M, K, N): tiles of 8 rows, and rows left over (one runs on its own, more in a tile padded
# with zeros), depths past DEPTH_BLOCK (256) in one to three blocks, whole panels and a
# narrower last one (a panel is 32 float32 or 16 float64 columns), rows past ROW_BLOCK (64)
# with none, one or more whole tiles before the rows left over, and the recurrence's own
# shapes.
SHAPES = [
    (1, 1, 1),
    (7, 3, 5),
    (8, 256, 32),
    (9, 257, 33),
    (17, 513, 100),
    (70, 600, 48),
    (73, 257, 33),
    (77, 300, 40),
    (136, 40, 20),
    (32, 256, 1024),
    (3, 1000, 17),
]


def _operands(shape, dtype):
    M, K, N = shape
    rng = np.random.default_rng(M * K * N)
    return rng.standard_normal((M, K)).astype(dtype), rng.standard_normal((K, N)).astype(dtype)


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_products_are_within_the_rounding_error_bound(shape, dtype):
    """|fl(a·b) - a·b| <= gamma_K |a|·|b|, gamma_K = K u / (1 - K u) for K multiply-adds in
    a row (Higham, Accuracy and Stability of Numerical Algorithms, 3.1); the exact product
    in long double, whose rounding is far below the bound's."""
    a, b = _operands(shape, dtype)
    out = np.full((shape[0], shape[2]), np.nan, dtype)
    packed_gemm.matmul(a, packed_gemm.pack(b), out)
    K, u = shape[1], np.finfo(dtype).eps / 2
    exact = a.astype(np.longdouble) @ b.astype(np.longdouble)
    bound = K * u / (1 - K * u) * (np.abs(a).astype(np.longdouble) @ np.abs(b))
    assert (np.abs(out - exact) <= bound).all()


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_rows_bits_do_not_depend_on_the_rows_and_columns_beside_it(dtype):
    """Every element is one chain of multiply-adds over k, wherever its row falls (in a
    tile, a padded tile or alone) and its column in a panel: the threads' halves of the
    batch or of the units change no bit (tests/test_forward_pass.py checks forward too)."""
    a, b = _operands((21, 300, 150), dtype)
    whole = np.empty((21, 150), dtype)
    packed_gemm.matmul(a, packed_gemm.pack(b), whole)
    for rows in (slice(0, 1), slice(20, 21), slice(3, 19), slice(2, 11), slice(4, 7)):
        part = np.empty((a[rows].shape[0], 150), dtype)
        packed_gemm.matmul(a[rows], packed_gemm.pack(b), part)
        assert np.array_equal(part, whole[rows]), rows
    for columns in (slice(0, 35), slice(35, 70), slice(3, 4), slice(10, 150)):
        part = np.empty((21, b[:, columns].shape[1]), dtype)
        packed_gemm.matmul(a, packed_gemm.pack(np.ascontiguousarray(b[:, columns])), part)
        assert np.array_equal(part, whole[:, columns]), columns


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(12, 40, 50), (17, 300, 50)])
def test_rows_of_a_larger_array_and_the_output_rows_may_be_strided(shape, dtype):
    """The forward pass multiplies rows of its state buffers: views whose rows are
    contiguous but further apart. The tiles read A in place, so nothing beside the view
    (NaN here) may reach the product."""
    M, K, N = shape
    a, b = _operands(shape, dtype)
    wide_a = np.full((M, K + 50), np.nan, dtype)
    wide_a[:, 5 : 5 + K] = a
    wide_out = np.full((M, N + 30), np.nan, dtype)
    packed_gemm.matmul(wide_a[:, 5 : 5 + K], packed_gemm.pack(b), wide_out[:, 10 : 10 + N])
    want = np.empty((M, N), dtype)
    packed_gemm.matmul(a, packed_gemm.pack(b), want)
    assert np.array_equal(wide_out[:, 10 : 10 + N], want)
    assert np.isnan(wide_out[:, :10]).all()
    assert np.isnan(wide_out[:, 10 + N :]).all()


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_tiles_prefetch_inside_the_panels_and_cover_the_next_slice(monkeypatch, dtype):
    """A prefetch never faults, so a stray one would pass every other test: here each
    tile's prefetches (``_product``'s Python code, the tiles compiled) are checked to stay
    within the panels and, with 8 tiles, to fetch every line of the next slice."""
    shapes = [(1, 1, 1), (2, 3, 5), (7, 300, 33), (64, 512, 64), (73, 513, 17), (136, 40, 70)]
    cases = []
    for shape in shapes:  # compiled first: numba would compile the patched tile below
        a, b = _operands(shape, dtype)
        panels = packed_gemm.pack(b).panels
        want = np.empty((shape[0], shape[2]), dtype)
        packed_gemm._product(a, panels, want)
        cases.append((a, panels, want))
    lines = packed_gemm.CACHE_LINE_BYTES // np.dtype(dtype).itemsize  # elements of a line
    fetched = {}  # a slice's first element -> the lines fetched while the tiles read it
    tile_8 = packed_gemm._tile_8

    def checked(a, a_at, lda, panels, b_at, depth, c, c_at, ldc, add, pf):
        at, step = pf
        assert at >= 0
        assert at + (depth - 1) * step < panels.size
        fetched.setdefault(b_at, set()).update((at + k * step) // lines for k in range(depth))
        return tile_8(a, a_at, lda, panels, b_at, depth, c, c_at, ldc, add, pf)

    monkeypatch.setattr(packed_gemm, "_tile_8", checked)
    for shape, (a, panels, want) in zip(shapes, cases, strict=True):
        fetched.clear()
        out = np.empty_like(want)
        packed_gemm._product.py_func(a, panels, out)
        assert np.array_equal(out, want), shape
        if shape == (64, 512, 64):  # 8 tiles, 2 slices a panel: all but the last, whole
            slice_lines = packed_gemm.DEPTH_BLOCK * panels.shape[2] // lines
            assert len(fetched) == 2 * panels.shape[0]
            for b_at, got in fetched.items():
                after = b_at // lines + slice_lines
                if after < panels.size // lines:
                    assert got == set(range(after, after + slice_lines)), b_at


def test_without_the_kernel_it_is_numpys_matmul(monkeypatch):
    monkeypatch.setattr(packed_gemm, "kernel_runs", lambda: False)
    a, b = _operands((9, 257, 33), np.float64)
    packed = packed_gemm.pack(b)
    assert packed.panels is None
    out = np.empty((9, 33))
    packed_gemm.matmul(a, packed, out)
    assert np.array_equal(out, a @ b)


def _unaligned_rows() -> np.ndarray:
    """A (4, 6) float64 view whose rows are 52 bytes apart: not a whole number of elements."""
    raw = np.zeros(4 * 52 + 8, np.uint8)
    return np.lib.stride_tricks.as_strided(raw[:48].view(np.float64), (4, 6), (52, 8))


def _read_only() -> np.ndarray:
    out = np.empty((4, 6))
    out.flags.writeable = False
    return out


@needs_kernel
@pytest.mark.parametrize(
    ("a", "out", "message"),
    [
        (np.ones((4, 5)), np.empty((4, 6)), "cannot multiply"),
        (np.ones((4, 3)), np.empty((3, 6)), "cannot multiply"),
        (np.ones((4, 3), np.float32), np.empty((4, 6)), "must be aligned float64"),
        (np.ones((3, 4)).T, np.empty((4, 6)), "contiguous rows"),
        (np.ones((4, 3)), _unaligned_rows(), "must be aligned"),
        (np.ones((4, 3)), _read_only(), "writeable"),
    ],
)
def test_operands_that_do_not_fit_are_refused(a, out, message):
    with pytest.raises(ValueError, match=message):
        packed_gemm.matmul(a, packed_gemm.pack(np.ones((3, 6))), out)


@needs_kernel
def test_an_output_over_its_input_is_refused():
    """Later blocks of k would read rows of a already overwritten."""
    both = np.ones((9, 300))
    with pytest.raises(ValueError, match="apart from a"):
        packed_gemm.matmul(both, packed_gemm.pack(np.ones((300, 300))), both)


@pytest.mark.parametrize("b", [np.ones((3, 4), int), np.ones((3, 4), complex), np.ones(3)])
def test_only_float_matrices_are_packed(b):
    with pytest.raises(ValueError, match="float32 or float64 matrix"):
        packed_gemm.pack(b)
