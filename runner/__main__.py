"""``python -m runner [overrides]``: the Hydra entry point. Every invocation is a sweep.

This module and :func:`runner.config.register_configs` are the only ones that face Hydra's
command line; the work is done by :func:`runner.point.run` on a typed config.
"""

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from runner import names
from runner.compose import to_config
from runner.config import CONF_DIR, register_configs
from runner.errors import ConfigError
from runner.hydra_errors import explain
from runner.point import PointResult, run_or_report

# Hydra's flags that choose what it does; without one, the runner adds --multirun.
_MODE_FLAGS = {
    "-m",
    "--multirun",
    "-r",
    "--run",
    "-c",
    "--cfg",
    "-i",
    "--info",
    "-sc",
    "--shell-completion",
}

register_configs()


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def task(cfg: DictConfig) -> PointResult:
    """One point as Hydra's own launchers (basic, joblib, submitit) run it."""
    hydra_cfg = HydraConfig.get()
    try:
        typed = to_config(cfg)
    except ConfigError as exc:
        return PointResult(status=names.STATUS_FAILED, error=str(exc))
    return run_or_report(typed, Path(hydra_cfg.runtime.output_dir), list(hydra_cfg.overrides.task))


def main() -> None:
    """Run the sweep; bad input ends in one line on stderr and exit status 2."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # let Hydra's errors reach us instead of printing them
    if not _MODE_FLAGS & {arg.split("=")[0] for arg in sys.argv[1:]}:
        # Every invocation is a sweep. `hydra.mode: MULTIRUN` alone is not enough: Hydra
        # falls back to a single run when the config fails to compose, and then reports
        # "requires --multirun" instead of what is wrong.
        sys.argv.insert(1, "--multirun")
    try:
        task()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:
        error = explain(exc)
        if error is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
