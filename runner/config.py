"""The typed configuration: plain dataclasses that carry the types.

The values live in ``conf/*.yaml``; :func:`register_configs` puts these schemas in Hydra's
ConfigStore so that every composed config is checked against them, and code receives a
:class:`Config` object (``OmegaConf.to_object``), never a raw ``DictConfig``.

Each preset of a config group (``sequence``, ``init``) has a schema of its own, so a key
that a preset does not have is refused by Hydra, and the code dispatches on the type.
"""

import dataclasses
import functools
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from omegaconf import MISSING, OmegaConf

from runner import names

# conf/ beside the package in a checkout; inside it in an installed wheel.
_PACKAGE = Path(__file__).resolve().parent
CONF_DIR = _PACKAGE / "conf" if (_PACKAGE / "conf").is_dir() else _PACKAGE.parent / "conf"


class DType(str, Enum):
    """Floating-point type of the forward pass and of the table."""

    float64 = "float64"
    float32 = "float32"


# --- sequence presets -------------------------------------------------------------------


@dataclass
class ValuesSequence:
    """A sequence given inline.

    ``values`` is a flat list (one feature per timestep), a list of lists ([T][d]), or one
    more level for a batch of sequences ([B][T][d]).
    """

    values: list[Any] = MISSING
    name: str = "values"


@dataclass
class SineSequence:
    """Sines: ``x[b, t, j] = amplitude * sin(2*pi*t/period + (b*features + j)*pi/4)``."""

    length: int = 50
    features: int = 1
    period: float = 25.0
    amplitude: float = 1.0
    name: str = "sine"


@dataclass
class RandomSequence:
    """Standard normal draws from ``np.random.RandomState(seed)``, shape [batch_size, length,
    features]."""

    length: int = 10
    features: int = 1
    seed: int = MISSING  # the YAML preset makes it follow the top-level seed
    name: str = "random"


@dataclass
class FileSequence:
    """A sequence read from ``.npy`` (never with pickle), ``.csv`` or ``.parquet``.

    The path is relative to the directory the command runs in. The file holds [T] or [T][d]
    (CSV and Parquet: one row per timestep, one column per feature) or, in ``.npy`` only,
    [B][T][d].
    """

    path: str = MISSING
    name: str = "file"


# --- init presets -----------------------------------------------------------------------


@dataclass
class NotebookInit:
    """The notebook's initialisation: ``W``, ``U``, ``b`` drawn with ``randn``, in that order."""

    name: str = "notebook"


@dataclass
class UniformInit:
    """PyTorch's LSTM initialisation: every weight from U(-1/sqrt(h), 1/sqrt(h))."""

    name: str = "uniform"


SEQUENCE_SCHEMAS = (ValuesSequence, SineSequence, RandomSequence, FileSequence)
INIT_SCHEMAS = (NotebookInit, UniformInit)
SequenceConfig = ValuesSequence | SineSequence | RandomSequence | FileSequence
InitConfig = NotebookInit | UniformInit


@dataclass
class Config:
    """One sweep point: everything that determines its table."""

    hidden: int = 2
    seed: int = 0
    batch_size: int = 1
    trace: bool = False
    dtype: DType = DType.float64
    record: list[str] = field(default_factory=lambda: list(names.VALUE_COLUMNS))
    sequence: Any = MISSING  # one of SEQUENCE_SCHEMAS, chosen by the `sequence` group
    init: Any = MISSING  # one of INIT_SCHEMAS, chosen by the `init` group


GROUPS = {"sequence": SEQUENCE_SCHEMAS, "init": INIT_SCHEMAS}


def schema_name(schema: type) -> str:
    """The ConfigStore name of a preset schema, e.g. ``schema_sine``."""
    return "schema_" + schema.__dataclass_fields__["name"].default


@dataclass
class SweeperConf:
    """``hydra/sweeper=runner``: :class:`runner.sweeper.RunnerSweeper`."""

    _target_: str = "hydra_plugins.lstm_runner.RunnerSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = None


@dataclass
class LauncherConf:
    """``hydra/launcher=inprocess``: :class:`runner.launcher.InProcessLauncher`."""

    _target_: str = "hydra_plugins.lstm_runner.InProcessLauncher"


def register_configs() -> None:
    """Store the schemas and the runner's sweeper and launcher in Hydra's ConfigStore."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="schema", node=Config)
    for group, schemas in GROUPS.items():
        for schema in schemas:
            store.store(group=group, name=schema_name(schema), node=schema)
    store.store(group="hydra/sweeper", name="runner", node=SweeperConf, provider="runner")
    store.store(group="hydra/launcher", name="inprocess", node=LauncherConf, provider="runner")


def preset_fields() -> dict[str, type | Any]:
    """Every parameter key a config can have, dotted, with its declared type.

    A group's presets have different keys; the union makes every table of every sweep carry
    the same parameter columns, so any set of tables concatenates.
    """
    types: dict[str, Any] = {}
    for f in dataclasses.fields(Config):
        if f.name in GROUPS:
            types[f"{f.name}.name"] = str  # the preset first, then its keys
            for schema in GROUPS[f.name]:
                for sub in dataclasses.fields(schema):
                    types.setdefault(f"{f.name}.{sub.name}", sub.type)
        else:
            types[f.name] = f.type
    return types


def structured_group(group: str, node: dict[str, Any]) -> Any:
    """A saved group node as a typed DictConfig of the preset schema whose keys it has.

    Raises
    ------
    runner.errors.ConfigError
        If the node's keys are those of no preset of the group.
    """
    from omegaconf import OmegaConf

    from runner.errors import ConfigError

    schemas = GROUPS[group]
    for schema in schemas:
        if {f.name for f in dataclasses.fields(schema)} == set(node):
            return OmegaConf.merge(OmegaConf.structured(schema), node)
    allowed = "the keys of one of " + ", ".join(s.__name__ for s in schemas)
    raise ConfigError(group, sorted(node), allowed)


def structured(saved: dict[str, Any]) -> Any:
    """A saved plain config (e.g. from a table's metadata) as a typed, struct DictConfig,
    so that overrides applied to it are type-checked as Hydra would check them."""
    from omegaconf import OmegaConf

    data = {k: structured_group(k, v) if k in GROUPS else v for k, v in saved.items()}
    cfg = OmegaConf.merge(OmegaConf.structured(Config), data)
    OmegaConf.set_struct(cfg, True)
    return cfg


def preset_hint(key: str) -> str:
    """For a key given without its preset, which presets in ``conf/`` have it, e.g.
    `` (sequence.path needs sequence=file)``; empty if none does."""
    group, _, leaf = key.partition(".")
    schemas = {schema_name(s): s for s in GROUPS.get(group, ())}
    presets = []
    for preset in preset_names(group) if group in GROUPS else ():
        defaults = OmegaConf.load(CONF_DIR / group / f"{preset}.yaml").get("defaults", [])
        schema = next((schemas[d] for d in defaults if d in schemas), None)
        if schema is not None and leaf in {f.name for f in dataclasses.fields(schema)}:
            presets.append(f"{group}={preset}")
    return f" ({key} needs {' or '.join(presets)})" if presets else ""


@functools.cache
def preset_names(group: str) -> tuple[str, ...]:
    """The presets of ``group`` in ``conf/``, e.g. ``file, notebook, random, sine``."""
    return tuple(sorted(path.stem for path in (CONF_DIR / group).glob("*.yaml")))
