"""A declarative, config-driven runner for NumPy LSTM forward-pass experiments.

``python -m runner`` runs sweeps; :func:`load` reads their results into pandas.
"""

from runner.load import load

__all__ = ["load"]
