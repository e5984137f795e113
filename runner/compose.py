"""Each sweep point's config, exactly as Hydra would compose it, at a fraction of the cost.

Hydra composes every point from scratch, twice (once to validate the batch, once to launch
it). A point's config is the composition of its config-group overrides (``sequence=sine``)
followed by its value overrides (``hidden=4``) applied in order, so this composes once per
distinct set of group overrides and applies the value overrides with Hydra's own function.
Overrides of Hydra's own config (``hydra.*``) fall back to a full composition.
"""

import copy
import dataclasses
from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from runner.config import Config, preset_hint
from runner.errors import ConfigError
from runner.hydra_errors import explain


class PointComposer:
    """Composes task configs (the config without its ``hydra`` node) for sweep points.

    Parameters
    ----------
    config_loader : ConfigLoaderImpl
        The running Hydra's config loader (``hydra_context.config_loader``).
    master : DictConfig
        The sweep's config: its primary config name and its ``hydra.*`` overrides are used
        for every point, as Hydra's ``load_sweep_config`` does.
    """

    def __init__(self, config_loader: ConfigLoaderImpl, master: DictConfig) -> None:
        self._loader = config_loader
        self._master = master
        self._config_name = master.hydra.job.config_name
        # As typed: iterating the ListConfig would resolve `${hydra.job.num}` in an override.
        self._hydra_overrides = OmegaConf.to_container(master.hydra.overrides.hydra)
        self._parser = OverridesParser.create(config_loader=config_loader)
        # The repository Hydra itself uses to tell group overrides from value overrides.
        _, self._repo = config_loader._parse_overrides_and_create_caching_repo(
            self._config_name, self._hydra_overrides
        )
        self._bases: dict[tuple[str, ...], DictConfig] = {}

    def _is_group(self, o: Override) -> bool:
        # Hydra's own rule (hydra._internal.defaults_list.Overrides).
        return self._repo.group_exists(o.key_or_group) and not isinstance(o.value(), dict)

    def full(self, overrides: Sequence[str]) -> DictConfig:
        """Hydra's own composition of a point (what ``load_sweep_config`` does)."""
        cfg = self._loader.load_configuration(
            self._config_name, self._hydra_overrides + list(overrides), RunMode.RUN
        )
        with read_write(cfg), open_dict(cfg):
            del cfg["hydra"]
        return cfg

    def hydra_config(self, overrides: Sequence[str], index: int) -> DictConfig:
        """The point's whole config, ``hydra`` node included, as Hydra's launchers make it."""
        cfg = self._loader.load_sweep_config(self._master, list(overrides))
        with open_dict(cfg):
            cfg.hydra.job.id = index
            cfg.hydra.job.num = index
        return cfg

    def compose(self, overrides: Sequence[str]) -> DictConfig:
        """The task config of the point with these overrides.

        Raises
        ------
        hydra.errors.HydraException, omegaconf.errors.OmegaConfBaseException
            As Hydra's composition would.
        """
        parsed = self._parser.parse_overrides(list(overrides))
        if any(o.is_hydra_override() for o in parsed):
            return self.full(overrides)
        groups = tuple(o.input_line for o in parsed if self._is_group(o))
        if groups not in self._bases:
            self._bases[groups] = self.full(groups)
        cfg = copy.deepcopy(self._bases[groups])
        ConfigLoaderImpl._apply_overrides_to_config(
            [o for o in parsed if not self._is_group(o)], cfg
        )
        return cfg


def _refuse_added_keys(node: DictConfig, prefix: str = "") -> None:
    """Refuse keys that ``+key=value`` added beside a schema's fields: the typed config would
    drop them silently."""
    schema = OmegaConf.get_type(node)
    known = (
        [f.name for f in dataclasses.fields(schema)] if dataclasses.is_dataclass(schema) else None
    )
    for key in node:
        if known is not None and key not in known:
            value = OmegaConf.to_container(node, resolve=False)[key]
            allowed = "a known key: one of " + ", ".join(prefix + k for k in known)
            allowed += preset_hint(f"{prefix}{key}")
            raise ConfigError(f"{prefix}{key}", value, allowed)
        child = node._get_node(key)
        if isinstance(child, DictConfig):
            _refuse_added_keys(child, f"{prefix}{key}.")


def to_config(task_cfg: DictConfig) -> Config:
    """The typed config of a composed task config; a :class:`ConfigError` if it has none."""
    _refuse_added_keys(task_cfg)
    try:
        cfg = OmegaConf.to_object(task_cfg)
    except Exception as exc:
        error = explain(exc)
        if error is None:
            raise
        raise error from None
    assert isinstance(cfg, Config)
    return cfg
