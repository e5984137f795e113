"""The kernels' disk cache goes stale with none of the files their code comes from."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import runner
from runner import jit

PACKAGE = Path(runner.__file__).parent

# One compiled loop (float64: runner.simd's pow2 in the tanh), and how numba found it.
CALL_A_KERNEL = """
import numpy as np
from runner import lstm_compiled
gates, acts = np.zeros((2, 1, 4)), np.zeros((2, 1, 4))
C, H, zeros = np.zeros((2, 1, 1)), np.zeros((2, 1, 1)), np.zeros((1, 1))
lstm_compiled.recur(gates, np.zeros((1, 4)), zeros, zeros, acts, C, H)
stats = lstm_compiled.recur.stats
print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
"""


def test_a_kernel_compiles_again_after_a_change_in_a_file_it_takes_code_from(tmp_path):
    """numba alone checks the kernel's own file, lstm_compiled.py, and would load the old
    code after a change to simd.py: here the second run loads, the third compiles."""
    copy = tmp_path / "runner"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def hits_and_misses() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", CALL_A_KERNEL],
            cwd=tmp_path,
            env={"PATH": "", "PYTHONPATH": str(tmp_path)},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()

    assert hits_and_misses() == ["0", "1"]
    assert hits_and_misses() == ["1", "0"]
    with (copy / "simd.py").open("a") as simd:
        simd.write("# a change that is not this kernel's file\n")
    assert hits_and_misses() == ["0", "1"]


def test_every_file_that_numba_compiles_from_is_a_kernel_file():
    uses_numba = re.compile(r"^(import numba|from numba|from runner\.(jit|simd) import)", re.M)
    compiled_from = {p.name for p in PACKAGE.glob("*.py") if uses_numba.search(p.read_text())}
    assert compiled_from <= set(jit.KERNEL_FILES)
    assert all((PACKAGE / name).is_file() for name in jit.KERNEL_FILES)
