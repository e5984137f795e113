"""numba's ``njit`` as the forward pass's kernels use it: without the GIL, cached on disk,
and compiled again when any file their code comes from changes.

numba checks a cached kernel against its own file only, but a kernel compiles in the
functions it calls from other files (:mod:`runner.lstm_compiled`'s loops take in
:mod:`runner.packed_gemm`'s product, :mod:`runner.simd`'s vector operations...): after a
change there, numba would go on loading the old machine code. So the kernels of
KERNEL_FILES are cached where numba would cache them, under a stamp of all those files as
they were when this module was imported: a change to any of them, even to a comment,
compiles all the kernels again.
"""

import hashlib
from pathlib import Path

import numba
from numba.core import caching

# The files of this package whose functions (or constants) numba compiles into the kernels.
KERNEL_FILES = ("buffers.py", "jit.py", "lstm_compiled.py", "packed_gemm.py", "simd.py", "spin.py")


def _kernel_files_stamp() -> tuple[frozenset[Path], str | None]:
    """The kernel files' paths, and a sha256 of their contents (None where they cannot be
    read as files: a zip, say; numba's own stamp applies then)."""
    paths = [Path(__file__).resolve().parent / name for name in KERNEL_FILES]
    try:
        stamp = hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()
    except OSError:
        stamp = None
    return frozenset(paths), stamp


_PATHS, _STAMP = _kernel_files_stamp()


class _KernelCacheLocator:
    """numba's own choice of cache for a kernel of KERNEL_FILES (:meth:`from_function`),
    with the stamp of all of them instead of the kernel's file alone. It wraps numba's
    locator rather than subclassing it: that one's own methods never see this stamp, and
    numba 0.60 to 0.68 ask it for nothing else."""

    runner_kernels = True  # how a reload of this module finds the class it replaces

    def __init__(self, inner: object):  # numba's locator for the kernel
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        if name == "_inner":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self._inner, name)

    def get_source_stamp(self) -> str | None:
        return _STAMP

    @classmethod
    def from_function(cls, py_func, py_file: str) -> "_KernelCacheLocator | None":
        if _STAMP is None or Path(py_file).resolve() not in _PATHS:
            return None  # not one of our kernels: numba's next locator
        for other in _LOCATORS:
            if getattr(other, "runner_kernels", False):
                continue
            inner = other.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner)
        return None


# numba's locators, tried in turn for each function it caches: CacheImpl._locator_classes
# in numba 0.60 to 0.68. There is no public hook; should a later numba move the list, the
# kernels get numba's own stamp again (tests/test_jit.py fails). NUMBA_CACHE_LOCATOR_CLASSES
# (numba 0.68), where set, replaces the list, and this locator with it.
_LOCATORS = getattr(getattr(caching, "CacheImpl", None), "_locator_classes", None)
if isinstance(_LOCATORS, list):
    _LOCATORS[:] = [c for c in _LOCATORS if not getattr(c, "runner_kernels", False)]
    _LOCATORS.insert(0, _KernelCacheLocator)


def compiled(fn=None, **options):
    """``numba.njit(nogil=True)`` with machine code cached on disk where numba finds a
    writable directory (``NUMBA_CACHE_DIR``, next to this file, or the user's cache);
    where it finds none (a read-only install and no home), each process compiles again
    (about a second) instead of failing."""
    if fn is None:
        return lambda f: compiled(f, **options)
    try:
        return numba.njit(cache=True, nogil=True, **options)(fn)
    except RuntimeError as error:
        if "no locator available" not in str(error):
            raise
        return numba.njit(nogil=True, **options)(fn)
