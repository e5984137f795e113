"""Planning a sweep: every point composed and checked before anything is written."""

from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from runner.compose import PointComposer, to_config
from runner.config import Config
from runner.hydra_errors import explain
from runner.point import inputs


@dataclass
class Point:
    """A sweep point: its overrides, and either its config or why it has none."""

    index: int
    overrides: list[str]
    task_cfg: DictConfig | None = None
    cfg: Config | None = None
    error: str | None = None
    out_dir: Path | None = None


def plan(composer: PointComposer, index: int, overrides: list[str]) -> Point:
    """Compose the point's config and check every value, its sequence's data included."""
    try:
        task_cfg = composer.compose(overrides)
        cfg = to_config(task_cfg)
        inputs(cfg)
    except Exception as exc:
        error = explain(exc)
        if error is None:
            raise
        return Point(index, list(overrides), error=str(error))
    return Point(index, list(overrides), task_cfg, cfg)
