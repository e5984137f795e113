"""numba's ``njit`` as the forward pass's kernels use it: without the GIL, cached on disk."""

import numba


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
