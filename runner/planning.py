"""Planning a sweep: every point composed and checked before anything is written."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from runner.compose import PointComposer, to_config
from runner.config import Config
from runner.hydra_errors import explain
from runner.point import input_digest, inputs


@dataclass
class Point:
    """A sweep point: its overrides, and either its config (and its inputs' digest) or why
    it has none."""

    index: int
    overrides: list[str]
    task_cfg: DictConfig | None = None
    cfg: Config | None = None
    inputs_sha256: str | None = None
    error: str | None = None
    out_dir: Path | None = None


def checked(index: int, overrides: list[str], compose: Callable[[], DictConfig]) -> Point:
    """The point whose task config ``compose()`` makes, with every value checked, its
    sequence's data included; a refused value becomes the point's ``error``."""
    try:
        task_cfg = compose()
        cfg = to_config(task_cfg)
        digest = input_digest(inputs(cfg))
    except Exception as exc:
        error = explain(exc)
        if error is None:
            raise
        return Point(index, list(overrides), error=str(error))
    return Point(index, list(overrides), task_cfg, cfg, digest)


def plan(composer: PointComposer, index: int, overrides: list[str]) -> Point:
    """A sweep point, composed as Hydra would compose it, and checked."""
    return checked(index, overrides, lambda: composer.compose(overrides))
