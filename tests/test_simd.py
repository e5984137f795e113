"""``simd.prefer_wide_vectors``: the attribute lands on the calling function, and LLVM then
vectorises its loops with 512-bit vectors where the CPU has them."""

import numba
import numpy as np
import pytest

from runner import packed_gemm
from runner.simd import prefer_wide_vectors


def _square_plus(wide: bool):
    @numba.njit(cache=False, error_model="numpy")
    def square_plus(x, out):
        if wide:
            prefer_wide_vectors()
        for i in range(x.shape[0]):
            out[i] = x[i] * x[i] + x[i]  # float32 throughout

    return square_plus


@pytest.mark.parametrize("wide", [False, True])
def test_prefer_wide_vectors_marks_the_caller(wide):
    square_plus = _square_plus(wide)
    x = np.arange(100, dtype=np.float32)
    out = np.empty_like(x)
    square_plus(x, out)
    assert np.array_equal(out, x * x + x)
    [llvm] = square_plus.inspect_llvm().values()
    assert ('"prefer-vector-width"="512"' in llvm) is wide
    if packed_gemm.kernel_runs():  # AVX-512, and numba compiles for this CPU
        [asm] = square_plus.inspect_asm().values()
        assert ("zmm" in asm) is wide
