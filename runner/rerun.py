"""``python -m runner.rerun POINT [overrides...]``: reproduce a past point from its saved config.

POINT is a point directory or its ``table.parquet``; the config comes from the table's own
metadata, so a copied directory reruns anywhere. With no overrides the new table is the
old one to the bit; overrides change the keys they name and keep the rest (a random
sequence keeps its saved ``sequence.seed`` unless you set it). A group override such as
``sequence=sine`` takes that preset from ``conf/``. The result is a new one-point sweep
directory (``--out DIR`` to choose it), named on the last line printed. A rerun whose
input keys (sequence, batch_size, dtype) are the saved ones but whose inputs are not (a
sequence file edited since) is refused: it could not give the same table.
"""

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from runner import sweep_dir
from runner.config import (
    CONF_DIR,
    GROUPS,
    FileSequence,
    register_configs,
    structured,
    structured_group,
)
from runner.errors import ConfigError
from runner.launcher import run_in_process
from runner.load import tables
from runner.planning import Point, checked
from runner.point import INPUT_KEYS
from runner.sweep import (
    EXIT_BAD_INPUT,
    exit_status,
    refuse_if_none_can_run,
    refuse_other_sweeps_points,
    run_sweep,
)
from runner.table import config_dict, read_metadata


def _preset(group: str, option: str) -> dict:
    """The preset ``group=option`` from conf/, unresolved (its interpolations follow ours)."""
    register_configs()
    loader = ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONF_DIR)))
    cfg = loader.load_configuration("config", [f"{group}={option}"], RunMode.RUN)
    return OmegaConf.to_container(cfg[group], resolve=False)


def apply_overrides(saved: dict, overrides: list[str]) -> DictConfig:
    """The saved config with ``overrides`` applied in order, as Hydra would apply them."""
    cfg = structured(saved)
    parsed = OverridesParser.create().parse_overrides(overrides)
    for o in parsed:
        group = o.key_or_group
        if group in GROUPS and isinstance(o.value(), str) and not o.is_delete():
            cfg[group] = structured_group(group, _preset(group, o.value()))
        else:
            ConfigLoaderImpl._apply_overrides_to_config([o], cfg)
    return cfg


def _saved(point: Path) -> dict:
    """The config and overrides saved in the table of ``point`` (a directory or the table)."""
    allowed = "a point directory or its table.parquet, written by the runner"
    try:
        (_, _, table_file), *more = tables(point)
        if more:
            raise ValueError("a sweep, not a point")
        return read_metadata(table_file)
    except (OSError, ValueError):
        raise ConfigError("point", str(point), allowed) from None


def _refuse_changed_inputs(point: Point, saved: dict) -> None:
    """Set ``point.error`` if its inputs differ from the saved run's under the same input
    keys: the file behind ``sequence.path`` has changed since the point ran."""
    if point.cfg is None or saved["inputs_sha256"] in (None, point.inputs_sha256):
        return
    config = config_dict(point.cfg)
    if any(config[k] != saved["config"][k] for k in INPUT_KEYS):
        return  # the overrides chose other inputs
    seq = point.cfg.sequence
    key, value = (
        ("sequence.path", seq.path) if isinstance(seq, FileSequence) else ("sequence", seq.name)
    )
    point.error = str(
        ConfigError(key, value, "the inputs the point ran on (they have changed since)")
    )


def _default_out() -> Path:
    now = datetime.now()
    return Path("outputs") / now.strftime("%Y-%m-%d") / now.strftime("%H-%M-%S")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m runner.rerun", description=__doc__.split("\n")[0]
    )
    parser.add_argument("point", type=Path, help="a point directory or its table.parquet")
    parser.add_argument(
        "overrides", nargs="*", help="key=value overrides on top of the saved config"
    )
    parser.add_argument(
        "--out", type=Path, help="sweep directory to write (default: a new one under outputs/)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        saved = _saved(args.point)
        overrides = [*saved["overrides"], *args.overrides]
        point = checked(0, overrides, lambda: apply_overrides(saved["config"], args.overrides))
        _refuse_changed_inputs(point, saved)
        refuse_if_none_can_run([point])
        out = args.out or _default_out()
        refuse_other_sweeps_points(out, ["0"], "--out", resume=args.out is not None)
        with sweep_dir.claim(out, resume=args.out is not None, key="--out") as root:
            results = run_sweep([point], root, {0: "0"}, run_in_process, start)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
