"""``trace=true``: narrate the forward pass step by step, as the notebook's first cell does."""

from collections.abc import Callable

import numpy as np

from runner.lstm import Steps, Weights

# The notebook's print options, applied only while narrating.
PRINT_OPTIONS = {"precision": 4, "suppress": True, "linewidth": 200}
RULE = "-" * 32


def start(w: Weights, h0: np.ndarray, c0: np.ndarray, say: Callable[..., None] = print) -> None:
    """The weights and the initial state, before the first step."""
    with np.printoptions(**PRINT_OPTIONS):
        say("Initializing weights and biases...")
        say("W: ", w.W.flatten())
        say("U: ", w.U.flatten())
        say("b: ", w.b.flatten())
        say("h_t before LSTM Forward Pass: ", h0)
        say("C_t before LSTM Forward Pass: ", c0)
        say(RULE)
        say("Starting LSTM Forward Pass...\n")


def steps(
    t0: int,
    x: np.ndarray,
    w: Weights,
    h0: np.ndarray,
    out: Steps,
    say: Callable[..., None] = print,
) -> None:
    """Every step of a run of timesteps.

    Parameters
    ----------
    t0 : int
        Index of the first timestep (the notebook counts from 1 when it prints).
    x : numpy.ndarray
        Inputs, shape (T, B, d).
    h0 : numpy.ndarray
        Hidden state before timestep t0, shape (B, h).
    out : Steps
        The forward pass over those T timesteps.
    """
    h = w.hidden
    with np.printoptions(**PRINT_OPTIONS):
        h_prev = h0
        for t in range(x.shape[0]):
            x_t, acts = x[t], out.acts[t]  # (B, d), (B, 4h)
            say(f"Time step {t0 + t + 1}, Input: {x_t.flatten()}")
            say("x_t * W: ", x_t, " * ", w.W, " = ", x_t @ w.W)
            say("h_t * U: ", h_prev, " * ", w.U, " = ", h_prev @ w.U)
            say(f"  Gates raw values: {out.gates[t].flatten()}")
            say(RULE)
            say("Input to F gate  ", out.gates[t][:, :h])
            say(f"  Forget Gate (f_t): {acts[:, :h].flatten()}")
            say(f"  Input Gate (i_t): {acts[:, h : 2 * h].flatten()}")
            say(f"  Output Gate (o_t): {acts[:, 2 * h : 3 * h].flatten()}")
            say(f"  Candidate Cell State (C~_t): {acts[:, 3 * h :].flatten()}")
            say(f"  Updated Cell State (C_t): {out.C[t].flatten()}")
            say(f"  Updated Hidden State (h_t): {out.H[t].flatten()}\n")
            h_prev = out.H[t]


def end(say: Callable[..., None] = print) -> None:
    say("LSTM Forward Pass Completed.")
