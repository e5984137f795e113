"""The default launcher: every point in this process, with logging set up once.

Hydra's basic launcher composes each point from scratch and sets up logging, the working
directory and its globals per point; our points compute in microseconds, so that overhead
would be the whole cost of a sweep. This launcher runs points already composed by
:class:`runner.compose.PointComposer` and writes each point's ``.hydra/config.yaml`` and
``overrides.yaml`` as Hydra's launchers do.
"""

import logging
from collections.abc import Sequence
from pathlib import Path

import yaml
from hydra.core.utils import JobReturn, JobStatus, configure_log
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from runner import names, table
from runner.compose import PointComposer
from runner.planning import Point, plan
from runner.point import PointResult, run_or_report

log = logging.getLogger(__name__)


def job_subdir(config: DictConfig, composer: PointComposer, point: Point) -> str:
    """The point's directory below the sweep directory, as Hydra would name it."""
    raw = OmegaConf.to_container(config.hydra.sweep, resolve=False)["subdir"]
    if raw == "${hydra.job.num}":
        return str(point.index)
    cfg = composer.hydra_config(point.overrides, point.index)
    return str(cfg.hydra.sweep.subdir)


def run_in_process(points: Sequence[Point]) -> dict[int, PointResult]:
    """Run planned points (each with its ``out_dir``) one after the other; results by index.

    Each point's directory gets ``.hydra/config.yaml`` (resolved) and ``overrides.yaml``, as
    Hydra's launchers write them.
    """
    log.info("Running %d point%s in-process", len(points), "" if len(points) == 1 else "s")
    results = {}
    for p in points:
        assert p.cfg is not None
        assert p.out_dir is not None
        assert p.task_cfg is not None
        log.info("\t#%d : %s", p.index, " ".join(p.overrides))
        hydra_dir = p.out_dir / names.HYDRA_SUBDIR
        hydra_dir.mkdir(parents=True, exist_ok=True)
        (hydra_dir / names.CONFIG_FILE).write_text(table.config_yaml(p.cfg))
        (hydra_dir / names.OVERRIDES_FILE).write_text(yaml.safe_dump(p.overrides))
        results[p.index] = run_or_report(p.cfg, p.out_dir, p.overrides)
    return results


class InProcessLauncher(Launcher):
    """Runs sweep points one after the other in this process."""

    def __init__(self) -> None:
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self._composer: PointComposer | None = None
        self._logging_ready = False

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config, self.hydra_context = config, hydra_context

    def composer(self) -> PointComposer:
        if self._composer is None:
            assert self.hydra_context is not None
            assert self.config is not None
            self._composer = PointComposer(self.hydra_context.config_loader, self.config)
        return self._composer

    def run_points(self, points: Sequence[Point]) -> dict[int, PointResult]:
        """Run planned points (each with its ``out_dir``); results by point index."""
        assert self.config is not None
        if not self._logging_ready:
            configure_log(self.config.hydra.job_logging, self.config.hydra.verbose)
            self._logging_ready = True
        return run_in_process(points)

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Hydra's launcher interface, for sweepers other than ours."""
        assert self.config is not None
        composer = self.composer()
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        points = [plan(composer, initial_job_idx + i, list(o)) for i, o in enumerate(job_overrides)]
        runnable = [p for p in points if p.error is None]
        for p in runnable:
            p.out_dir = sweep_dir / job_subdir(self.config, composer, p)
        results = self.run_points(runnable)
        returns = []
        for p in points:
            ret = JobReturn(overrides=p.overrides, cfg=p.task_cfg)
            ret.status = JobStatus.COMPLETED
            ret.return_value = results.get(p.index) or PointResult(
                status=names.STATUS_FAILED, error=p.error
            )
            returns.append(ret)
        return returns
