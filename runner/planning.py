"""Planning a sweep: every point composed and checked before anything is written."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from runner.compose import PointComposer, to_config
from runner.config import GROUPS, Config, preset_names
from runner.errors import ConfigError
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


def _refuse_what_would_mislabel(overrides: list[str]) -> None:
    """Overrides that would run one thing under another's name. A deleted key (``~hidden``)
    runs with its default while the point's overrides say otherwise; a group's ``name``
    labels its preset in every table; ``schema_*`` are the presets' schemas, not presets."""
    for override in overrides:
        if override.startswith("~"):
            key = override[1:].partition("=")[0]
            raise ConfigError(key, "~", "a value: the config needs every key it has")
        key, _, value = override.lstrip("+").partition("=")
        group, _, leaf = key.partition(".")
        if group not in GROUPS:
            continue
        if leaf == "name":
            raise ConfigError(
                key, value, f"{group}=<preset> to choose a preset: the name is its own"
            )
        if not leaf and value not in preset_names(group):
            raise ConfigError(key, value, "one of " + ", ".join(preset_names(group)))


def checked(index: int, overrides: list[str], compose: Callable[[], DictConfig]) -> Point:
    """The point whose task config ``compose()`` makes, with every value checked, its
    sequence's data included; a refused value becomes the point's ``error``."""
    try:
        _refuse_what_would_mislabel(overrides)
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
