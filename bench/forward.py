"""The forward pass, side by side: runner vs the notebook's loop vs torch.nn.LSTM (CPU).

Every size runs every implementation in one process, in three rounds of ``--repeat`` runs
each (:func:`best_in_turns`), and reports the best times and their ratios, so the
machine's load hits all alike; beside torch/runner, the lowest and highest of the three
rounds' own ratios. torch gets the same thread count as NumPy's BLAS and the same weights,
remapped to its gate order (i, f, g, o; ours is f, i, o, g) with the bias in ``bias_ih``
and zeros in ``bias_hh``; the outputs are checked to agree before anything is timed.
GFLOP/s counts the two matrix products per step and is set against this machine's own
matrix-multiply rate for the same dtype. The path is the one ``forward`` takes at that
size: the compiled loop, or matrix products (``packed``: h_{t-1}·U from
:mod:`runner.packed_gemm`; ``blas``: from NumPy's, on CPUs without AVX-512) with compiled
element-wise steps. For the latter, "products alone" times only the runner's matrix
products (every x_t·W, then T times h_{t-1}·U), in the same halves and threads as
``forward``: what the runner would cost if its element-wise work were free.

    pip install -e '.[bench]' && python -m bench.forward [--repeat 5] [--sizes ...]

The default sizes are the issue's three (tiny, medium, large); ``--sizes`` adds smaller
batches with larger hidden sizes (batch-1, batch-2, batch-8, batch-16).
"""

import argparse
import time
from collections.abc import Callable
from functools import partial

import numba
import numpy as np
import torch
from threadpoolctl import threadpool_info

from runner import packed_gemm, partner, spin
from runner.lstm import (
    Steps,
    Weights,
    _blas,
    _halves,
    _one_at_a_time,
    _project_inputs,
    _rounds,
    forward,
    splits_units,
    uses_compiled_loop,
)
from tests.notebook_reference import notebook_loop

SIZES = {  # name: (B, h, T, d); the three, then smaller batches (--sizes)
    "tiny": (1, 2, 1000, 1),
    "medium": (64, 256, 100, 256),
    "large": (64, 1024, 50, 1024),
    "batch-1": (1, 512, 100, 64),
    "batch-2": (2, 512, 100, 64),
    "batch-8": (8, 1024, 50, 256),
    "batch-16": (16, 128, 200, 32),
}
DEFAULT_SIZES = ["tiny", "medium", "large"]


SETTLE_S = 0.5  # longer than OpenBLAS's and OpenMP's spin-waits (KMP_BLOCKTIME is 200 ms)
ROUNDS = 3


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_in_turns(
    fns: dict[str, Callable[[], object]], repeat: int, limit: dict[str, int] | None = None
) -> dict[str, list[float]]:
    """Each function's best time in each of ROUNDS rounds; in a round, each runs ``repeat``
    times in a row (``limit`` caps slow ones), so it is timed warm, as a user runs it.

    Rounds spread the machine's changing load over all alike, and the ratios of one round's
    times, taken seconds apart, show how far that load moves them. Before each
    function's turn a pause lets the threads the last one left spinning (OpenBLAS's, torch's
    OpenMP's) go to sleep: without it, whichever runs next shares the cores with them.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            time.sleep(SETTLE_S)
            times[name].append(best(fn, (limit or {}).get(name, repeat)))
    return times


def torch_lstm(w: Weights, d: int, dtype: torch.dtype) -> torch.nn.LSTM:
    """torch.nn.LSTM computing our numbers: gates reordered f,i,o,g -> i,f,g,o."""
    h = w.hidden
    order = [1, 0, 3, 2]  # torch block k takes our block order[k]

    def blocks(m: np.ndarray) -> np.ndarray:  # (rows, 4h) -> (4h, rows), torch's layout
        return np.concatenate([m[:, k * h : (k + 1) * h] for k in order], axis=1).T

    lstm = torch.nn.LSTM(d, h).to(dtype)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(blocks(w.W)))
        lstm.weight_hh_l0.copy_(torch.from_numpy(blocks(w.U)))
        lstm.bias_ih_l0.copy_(torch.from_numpy(blocks(w.b)[:, 0]))
        lstm.bias_hh_l0.zero_()
    return lstm


def products_alone(x: np.ndarray, w: Weights, out: Steps) -> None:
    """The runner's matrix products and nothing else, in ``forward``'s halves and threads."""
    T, B, d = x.shape
    x_rows, gate_rows = x.reshape(T * B, d), out.gates.reshape(T * B, -1)  # (T*B, d), (T*B, 4h)
    inputs = [partial(_project_inputs, x_rows[r], w, gate_rows[r]) for r in _halves(T * B, 2)]
    if splits_units(B, w.hidden):
        recurrence = [partial(recurrent_products, out.H, U_k) for _, _, U_k in w.unit_halves]
    else:
        halves = _halves(B, 2)
        recurrence = [partial(recurrent_products, out.H, w.packed_U, r) for r in halves]
    phases, between = _rounds(inputs, recurrence)  # in the rounds of the threads forward runs

    def let_no_half_wait() -> None:
        if between is not None:
            spin.abort(between)

    with _one_at_a_time, _blas().limit(limits=1):
        try:
            for tasks in phases:
                partner.run_both(tasks, on_error=let_no_half_wait)
        except BaseException:  # as forward does: Ctrl-C may land where run_both cannot see
            let_no_half_wait()
            raise


def products_path() -> str:
    """How ``forward`` computes ``h_{t-1}·U`` on this machine."""
    return "packed" if packed_gemm.kernel_runs() else "blas"


def recurrent_products(
    H: np.ndarray, U: packed_gemm.PackedMatrix, rows: slice = slice(None)
) -> None:
    """``h_{t-1}·U`` for every step and the given rows, H of shape (T, B, h): with the packed
    kernel in one compiled loop, as the runner runs it; else in a loop of NumPy's."""
    r0, r1, _ = rows.indices(H.shape[1])
    hU = np.empty((r1 - r0, U.matrix.shape[1]), H.dtype)  # (rows, 4h or 4k)
    if U.panels is not None:
        packed_products(H, r0, r1, U.panels, hU)
        return
    for h_prev in H[:, rows]:
        packed_gemm.matmul(h_prev, U, hU)


@numba.njit(nogil=True)
def packed_products(H, r0, r1, panels, hU):
    for t in range(H.shape[0]):
        packed_gemm._product(H[t, r0:r1], panels, hU)


def matmul_gflops(dtype: np.dtype, repeat: int) -> float:
    """This machine's own matrix-multiply rate: a 1024^3 product."""
    a = np.random.RandomState(0).randn(1024, 1024).astype(dtype)
    return 2 * 1024**3 / best(lambda: a @ a, repeat) / 1e9


def run_size(name: str, dtype: np.dtype, repeat: int, peak: float) -> None:
    B, h, T, d = SIZES[name]
    rng = np.random.RandomState(0)
    k = 1 / np.sqrt(h)
    w = Weights(*(rng.uniform(-k, k, s) for s in [(d, 4 * h), (h, 4 * h), (1, 4 * h)]))
    w = w.astype(dtype)
    x = rng.randn(T, B, d).astype(dtype)  # (T, B, d)
    zeros = np.zeros((B, h), dtype)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    lstm = torch_lstm(w, d, tdtype)
    xt = torch.from_numpy(x)
    out = Steps.empty(T, B, h, dtype)

    ours = forward(x, w, zeros, zeros, out)
    with torch.no_grad():
        theirs, _ = lstm(xt)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    agree = np.abs(ours.H - theirs.numpy()).max()
    assert agree < tol, f"{name}: torch and runner differ by {agree}"

    def run_torch() -> None:
        with torch.no_grad():
            lstm(xt)

    compiled = uses_compiled_loop(B, h)
    xb = x.transpose(1, 0, 2)  # [batch, timesteps, features], as the notebook has it
    fns = {"runner": lambda: forward(x, w, zeros, zeros, out), "torch": run_torch}
    if not compiled:
        fns["products"] = lambda: products_alone(x, w, out)
    if dtype == np.float64:
        fns["notebook"] = lambda: notebook_loop(xb, w.W, w.U, w.b, zeros, zeros)
    rounds = best_in_turns(fns, repeat, {"notebook": max(1, repeat // 2) if name != "large" else 1})
    t = {fn: min(times) for fn, times in rounds.items()}
    t_ours = t["runner"]
    pairs = zip(rounds["torch"], rounds["runner"], strict=True)
    by_round = [theirs / ours for theirs, ours in pairs]  # each round's own torch/runner
    line = (
        f"{name:>6} {np.dtype(dtype).name:>7} B={B:<3} h={h:<5} T={T:<5} d={d:<5}"
        f" {'compiled' if compiled else products_path():>8} {t_ours * 1e3:8.2f} ms"
        f"  torch/runner {t['torch'] / t_ours:5.2f}x"
        f" (rounds {min(by_round):.2f}-{max(by_round):.2f})"
    )
    if "products" in t:
        line += f"  torch/products-alone {t['torch'] / t['products']:5.2f}x"
    if "notebook" in t:
        line += f"  notebook/runner {t['notebook'] / t_ours:6.2f}x"
    flops = 2 * T * B * 4 * h * (d + h)
    line += f"  {flops / t_ours / 1e9:7.2f} GFLOP/s ({flops / t_ours / 1e9 / peak:5.1%} of matmul)"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", nargs="+", default=DEFAULT_SIZES, choices=list(SIZES))
    args = parser.parse_args()
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    threads = blas[0]["num_threads"] if blas else 1
    torch.set_num_threads(threads)
    kernels = ", ".join(f"{i['internal_api']} {i.get('architecture')}" for i in blas)
    print(f"numpy {np.__version__} ({kernels}), torch {torch.__version__}, {threads} threads each")
    for dtype in (np.float64, np.float32):
        peak = matmul_gflops(dtype, args.repeat)
        print(f"matmul 1024^3 {np.dtype(dtype).name}: {peak:.1f} GFLOP/s")
        for name in args.sizes:
            run_size(name, dtype, args.repeat, peak)


if __name__ == "__main__":
    main()
