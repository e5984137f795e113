"""The kernels' disk cache goes stale with none of the files their code comes from."""

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from numba.core.dispatcher import Dispatcher
from numba.core.extending import _Intrinsic

import runner
from runner import jit, lstm_compiled

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


@pytest.mark.parametrize("cache_dir", [None, "numba-cache"])  # in-tree, NUMBA_CACHE_DIR
def test_a_kernel_compiles_again_after_a_change_in_a_file_it_takes_code_from(tmp_path, cache_dir):
    """numba alone checks the kernel's own file, lstm_compiled.py, and would load the old
    code after a change to simd.py: here the second run loads, the third compiles."""
    copy = tmp_path / "runner"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = str(tmp_path)
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = str(tmp_path / cache_dir)

    def hits_and_misses() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", CALL_A_KERNEL],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert hits_and_misses() == ["0", "1"]
    assert hits_and_misses() == ["1", "0"]
    with (copy / "simd.py").open("a") as simd:
        simd.write("# a change that is not this kernel's file\n")
    assert hits_and_misses() == ["0", "1"]
    if cache_dir:  # numba's own choice of directory stands
        assert list((tmp_path / cache_dir).rglob("*.nbi"))
        assert not list(copy.glob("__pycache__/*.nbi"))


def _elsewhere():
    """A function of another file."""


def test_only_the_kernel_files_get_the_stamp_and_a_reload_keeps_one_locator():
    """Other files keep numba's own locators (and stamp); reloading jit.py (IPython's
    autoreload) replaces its locator instead of adding a second, which would recurse."""
    kernel = lstm_compiled.recur.py_func
    before = jit._KernelCacheLocator
    for _ in range(2):
        mine = [c for c in jit._LOCATORS if getattr(c, "runner_kernels", False)]
        assert mine == [jit._KernelCacheLocator]
        locator = jit._KernelCacheLocator.from_function(kernel, lstm_compiled.__file__)
        assert jit._STAMP is not None
        assert locator.get_source_stamp() == jit._STAMP
        assert jit._KernelCacheLocator.from_function(_elsewhere, __file__) is None
        importlib.reload(jit)
    assert jit._KernelCacheLocator is not before


def test_every_file_numba_compiles_from_is_a_kernel_file():
    """Kernels (njit) and intrinsics defined in any module of the package: their files."""
    files = set()
    for info in pkgutil.iter_modules(runner.__path__):
        module = importlib.import_module(f"runner.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Dispatcher):
                files.add(Path(value.py_func.__code__.co_filename).name)
            elif isinstance(value, _Intrinsic):
                files.add(Path(value._defn.__code__.co_filename).name)
    assert {"lstm_compiled.py", "packed_gemm.py", "simd.py", "spin.py"} <= files
    assert files <= set(jit.KERNEL_FILES)
