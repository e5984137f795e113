"""numba's ``njit`` as the forward pass's kernels use it: without the GIL, cached on disk,
and compiled again when any file their code comes from changes.

numba checks a cached kernel against its own file only, but a kernel compiles in the
functions it calls from other files (:mod:`runner.lstm_compiled`'s loops take in
:mod:`runner.packed_gemm`'s product, :mod:`runner.simd`'s vector operations...): after a
change there, numba would go on loading the old machine code. So the kernels of this
package are cached where numba would cache them, under a stamp of all of KERNEL_FILES.
"""

import hashlib
from pathlib import Path

import numba
from numba.core import caching

# The files of this package whose functions numba compiles into the kernels.
KERNEL_FILES = ("jit.py", "lstm_compiled.py", "packed_gemm.py", "simd.py", "spin.py")
_PACKAGE = Path(__file__).resolve().parent


class _KernelCacheLocator:
    """numba's own choice of cache for a kernel of this package (:meth:`from_function`),
    with a source stamp of all of KERNEL_FILES instead of the kernel's file alone."""

    def __init__(self, inner: object):  # numba's locator for the kernel
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def get_source_stamp(self) -> str:
        files = b"".join((_PACKAGE / name).read_bytes() for name in KERNEL_FILES)
        return hashlib.sha256(files).hexdigest()

    @classmethod
    def from_function(cls, py_func, py_file: str) -> "_KernelCacheLocator | None":
        if Path(py_file).resolve().parent != _PACKAGE:
            return None  # not a kernel of ours: numba's next locator
        for other in _LOCATORS:
            inner = None if other is cls else other.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner)
        return None


# numba's list of locators, tried in turn for each function it caches: a class attribute
# of CacheImpl (_CacheImpl in numba 0.60). Should a later numba move it, this
# package's kernels get numba's own stamp again (tests/test_jit.py would fail).
_IMPL = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
_LOCATORS = getattr(_IMPL, "_locator_classes", None)
if isinstance(_LOCATORS, list) and _KernelCacheLocator not in _LOCATORS:
    _LOCATORS.insert(0, _KernelCacheLocator)


def compiled(fn=None, **options):
    """``numba.njit(nogil=True)`` with machine code cached on disk where numba finds a
    writable directory (next to this file, or the user's cache); where it finds none (a
    read-only install and no home), each process compiles again (about a second) instead
    of failing."""
    if fn is None:
        return lambda f: compiled(f, **options)
    try:
        return numba.njit(cache=True, nogil=True, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True, **options)(fn)
