"""Uninitialised arrays for the compiled kernels, placed where the CPU reads them best.

- :func:`line_aligned_empty`: starting on a cache line, for what the kernels write (the
  forward pass's outputs).
- :func:`huge_page_empty`: on a transparent huge page where Linux gives one, for what they
  read over and over (the panels of U, once per step, and of W, once per block of rows).

Placement changes no number, only how fast the numbers come.
"""

import contextlib
import math
import mmap

import numpy as np

CACHE_LINE_BYTES = 64  # also the width of an AVX-512 register
HUGE_PAGE_BYTES = 2 << 20  # a transparent huge page on x86-64
# Below this, a buffer would take a whole huge page of memory for little: the smallest
# measured to gain, a batch-16 run's U (128 x 512 float32), was 256 KiB.
HUGE_PAGE_MIN_BYTES = 256 << 10


def line_aligned_empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``np.empty(shape, dtype)``, but starting on a cache line (NumPy's own arrays start on
    any 16-byte boundary). The compiled kernels' 512-bit loads and stores of a row that
    starts on a line then each touch one line, not two, and the two threads' halves of the
    units share fewer lines: ``forward`` took 0.98x to 0.99x the time (medians of 40 to 300
    runs alternating with NumPy's buffers: medium and large in float32, medium in float64)."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    raw = np.empty(nbytes + CACHE_LINE_BYTES, np.uint8)
    start = -raw.ctypes.data % CACHE_LINE_BYTES
    return raw[start : start + nbytes].view(dtype).reshape(shape)


def huge_page_empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` from the start of a 2 MiB page that Linux is asked to back
    with a transparent huge page (``madvise``), where it allows that on request; else, and
    under ``HUGE_PAGE_MIN_BYTES``, :func:`line_aligned_empty`.

    On small pages a buffer lands on physical pages that differ from process to process,
    and that unevenly fill the sets of the CPU's L2, which is indexed by physical address;
    a huge page is contiguous, and needs one TLB entry, not 512. NumPy asks for huge pages
    from 4 MiB on, at whatever address its allocation starts. With U's panels, read once per
    step, on huge pages, ``forward`` took 0.88x to 1.00x the time (medians of 20 to 80 runs
    alternating with NumPy's panels in one process, two processes each; bench.forward's
    sizes in float32: medium 0.98x to 0.99x, large 0.96x to 0.97x, batch-1 0.88x to 0.92x,
    batch-8 0.98x to 0.99x; medium float64 0.96x to 1.00x)."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes < HUGE_PAGE_MIN_BYTES or not hasattr(mmap, "MADV_HUGEPAGE"):
        return line_aligned_empty(shape, dtype)
    span = -(-nbytes // HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES  # whole huge pages
    # Private and anonymous (shared memory has huge pages only if configured so), and a
    # page longer, to start on a huge page's boundary; the pages never touched cost nothing.
    region = mmap.mmap(-1, span + HUGE_PAGE_BYTES, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    with contextlib.suppress(OSError):  # a kernel without transparent huge pages: small ones
        region.madvise(mmap.MADV_HUGEPAGE)
    raw = np.frombuffer(region, np.uint8)  # keeps the mapping while the array lives
    start = -raw.ctypes.data % HUGE_PAGE_BYTES
    return raw[start : start + nbytes].view(dtype).reshape(shape)
