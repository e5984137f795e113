import gc
import mmap

import numpy as np
import pytest

from runner import buffers, packed_gemm

MIB = 1 << 20


def assert_usable(a: np.ndarray, shape: tuple[int, ...], dtype: type) -> None:
    """What np.empty(shape, dtype) would be, and every element can be written and read."""
    assert (a.shape, a.dtype) == (shape, dtype)
    assert (a.flags.c_contiguous, a.flags.writeable) == (True, True)
    values = np.arange(a.size).reshape(shape)
    a[...] = values
    assert np.array_equal(a, values)


@pytest.mark.parametrize("shape", [(0, 3), (1,), (3, 5, 7), (1000, 33)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_line_aligned_arrays_start_on_a_cache_line(shape, dtype):
    a = buffers.line_aligned_empty(shape, dtype)
    assert_usable(a, shape, dtype)
    assert a.ctypes.data % 64 == 0 or a.size == 0  # an empty one points anywhere


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((64, 1024), np.float32), ((1024, 513), np.float32), ((3, 256, 1024), np.float64)],
)
def test_huge_page_arrays_start_on_a_huge_page(shape, dtype):
    """From 256 KiB on (here 256 KiB, some 2 MiB and 6 MiB), on Linux."""
    if not hasattr(mmap, "MADV_HUGEPAGE"):
        pytest.skip("no madvise(MADV_HUGEPAGE) here")
    a = buffers.huge_page_empty(shape, dtype)
    assert_usable(a, shape, dtype)
    assert a.ctypes.data % (2 * MIB) == 0
    assert isinstance(memory_of(a), memoryview)  # of the mapping


def memory_of(a: np.ndarray) -> object:
    """What holds the array's memory: NumPy's own, or a mapping's (through a memoryview)."""
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    return a


def test_small_or_elsewhere_huge_page_arrays_are_line_aligned(monkeypatch):
    """Under 256 KiB, or where Python has no MADV_HUGEPAGE (not Linux), a line-aligned array
    of NumPy's, not a mapping of its own."""
    small = buffers.huge_page_empty((255, 256), np.float32)  # 1 KiB short
    assert_usable(small, (255, 256), np.float32)
    assert small.ctypes.data % 64 == 0
    assert isinstance(memory_of(small), np.ndarray)
    monkeypatch.delattr(mmap, "MADV_HUGEPAGE", raising=False)
    big = buffers.huge_page_empty((1024, 1024), np.float32)
    assert_usable(big, (1024, 1024), np.float32)
    assert big.ctypes.data % 64 == 0
    assert isinstance(memory_of(big), np.ndarray)


def test_the_mapping_lives_as_long_as_the_array():
    """A view of the array is all that is left of the mapping: it must keep it mapped."""
    a = buffers.huge_page_empty((512, 1024), np.float32)[10:20]
    gc.collect()
    a[...] = 7.0
    assert (a == 7.0).all()


@pytest.mark.skipif(not packed_gemm.kernel_runs(), reason="the packed kernel needs AVX-512")
def test_the_packed_panels_of_u_start_on_a_huge_page_where_large():
    u = np.random.RandomState(0).randn(256, 1024).astype(np.float32)  # 1 MiB
    panels = packed_gemm.pack(u).panels
    if hasattr(mmap, "MADV_HUGEPAGE"):
        assert panels.ctypes.data % (2 * MIB) == 0
    assert np.array_equal(panels[3], u[:, 3 * 32 : 4 * 32])  # panel 3: columns 96 to 127
