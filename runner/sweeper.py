"""The sweeper: plans every point, runs what is missing, and always writes a summary.

Hydra's basic sweeper creates the sweep directory before it checks a value, exits 0 when
points fail, and writes ``multirun.yaml`` where ``pd.read_parquet`` would trip on it. This
one composes and checks every point first (nothing is written if none can run), claims a
directory no other sweep shares, skips points whose identical table is already there, hands
the rest to the configured launcher (in-process by default; basic, joblib or submitit
too), writes ``_summary.parquet``, and exits 1 if any point failed.
"""

import functools
import time
from collections.abc import Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.core.utils import JobReturn, JobStatus
from hydra.errors import HydraException
from omegaconf import OmegaConf, open_dict, read_write

from runner import names, sweep_dir
from runner.compose import PointComposer
from runner.errors import ConfigError
from runner.launcher import InProcessLauncher, job_subdir
from runner.planning import Point, plan
from runner.point import PointResult
from runner.sweep import (
    exit_status,
    point_dirs,
    refuse_if_none_can_run,
    refuse_other_sweeps_points,
    run_sweep,
)

_SWEEP_DIR_KEY = "hydra.sweep.dir"


def _quoted(path: Path) -> str:
    """``path`` as a value in Hydra's override grammar."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _runs(points: Sequence[Point]) -> Iterator[list[Point]]:
    """Points in runs of consecutive indices, so a launcher numbers their jobs as we do."""
    for _, run in groupby(enumerate(points), key=lambda ip: ip[1].index - ip[0]):
        yield [p for _, p in run]


def _result(ret: JobReturn) -> PointResult:
    if ret.status == JobStatus.COMPLETED and isinstance(ret.return_value, PointResult):
        return ret.return_value
    error = ret._return_value if ret.status == JobStatus.FAILED else "no result"
    return PointResult(status=names.STATUS_FAILED, error=f"{type(error).__name__}: {error}")


class RunnerSweeper(BasicSweeper):
    """Hydra's basic sweep syntax, with the runner's guarantees."""

    def _refusal(self, parsed: list[Override], exc: Exception) -> ConfigError:
        """The error naming the override that the basic sweeper could not expand."""
        allowed = f"a sweep Hydra's basic sweeper expands ({exc})"
        for override in parsed:
            try:
                self.split_arguments([override], None)
            except (HydraException, ValueError):
                value = (override.input_line or "").partition("=")[2]
                return ConfigError(override.key_or_group, value, allowed)
        return ConfigError("overrides", " ".join(o.input_line or "" for o in parsed), allowed)

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None
        assert self.hydra_context is not None
        start = time.perf_counter()
        loader = self.hydra_context.config_loader
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(
            self._parse_config() + list(arguments)
        )
        try:
            (jobs,) = self.split_arguments(parsed, None)
        except (HydraException, ValueError) as exc:  # e.g. interval(), range(1,3,0)
            raise self._refusal(parsed, exc) from None
        composer = PointComposer(loader, self.config)
        points = [plan(composer, i, overrides) for i, overrides in enumerate(jobs)]
        refuse_if_none_can_run(points)
        hydra_overrides = OmegaConf.to_container(self.config.hydra.overrides.hydra)  # unresolved
        named = any(o.lstrip("+").startswith(_SWEEP_DIR_KEY + "=") for o in hydra_overrides)
        dirs = point_dirs(points, functools.partial(job_subdir, self.config, composer))
        sweep_path = Path(str(self.config.hydra.sweep.dir))
        refuse_other_sweeps_points(sweep_path, dirs.values(), _SWEEP_DIR_KEY, resume=named)
        with sweep_dir.claim(sweep_path, resume=named) as root:
            self._pin_sweep_dir(root)
            OmegaConf.save(self.config, _hydra_dir(root) / names.MULTIRUN_FILE)
            results = run_sweep(points, root, dirs, self._launch, start)
        status = exit_status(results)
        if status:
            raise SystemExit(status)
        return [results[p.index] for p in points]

    def _pin_sweep_dir(self, root: Path) -> None:
        """Make every later composition (in launcher processes too) use the claimed directory."""
        assert self.config is not None
        with read_write(self.config.hydra), open_dict(self.config.hydra):
            self.config.hydra.sweep.dir = str(root)
            self.config.hydra.overrides.hydra.append(f"{_SWEEP_DIR_KEY}={_quoted(root)}")

    def _launch(self, pending: list[Point]) -> dict[int, PointResult]:
        if isinstance(self.launcher, InProcessLauncher):
            return self.launcher.run_points(pending)
        assert self.launcher is not None
        results = {}
        for run in _runs(pending):
            returns = self.launcher.launch([p.overrides for p in run], initial_job_idx=run[0].index)
            results.update({p.index: _result(r) for p, r in zip(run, returns, strict=True)})
        return results


def _hydra_dir(root: Path) -> Path:
    path = root / names.HYDRA_SUBDIR
    path.mkdir(exist_ok=True)
    return path
