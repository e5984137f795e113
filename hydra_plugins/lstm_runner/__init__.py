"""Hydra instantiates plugins only from the ``hydra_plugins`` namespace: these names register
the runner's sweeper and launcher there. Their code is in :mod:`runner.sweeper` and
:mod:`runner.launcher`."""

from runner.launcher import InProcessLauncher as _InProcessLauncher
from runner.sweeper import RunnerSweeper as _RunnerSweeper


class RunnerSweeper(_RunnerSweeper):
    """``hydra/sweeper=runner``"""


class InProcessLauncher(_InProcessLauncher):
    """``hydra/launcher=inprocess``"""
