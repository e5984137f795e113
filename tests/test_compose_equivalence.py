"""The fast per-point composition gives exactly the config Hydra's compose API gives."""

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import OmegaConf

from runner.compose import PointComposer
from runner.config import CONF_DIR, register_configs

SWEEPS = [
    ["hidden=2,4,8", "seed=0,1"],
    ["seed=range(0,5)"],
    ["sequence=notebook,sine,random", "init=notebook,uniform", "seed=3,4"],
    ["sequence=random", "seed=range(5,9)"],  # sequence.seed follows ${seed}
    ["sequence=random", "sequence.length=3,5", "sequence.seed=7,8"],
    ["sequence=sine", "sequence.period=10,20.5", "sequence.features=1,3", "batch_size=2"],
    ["sequence.values=[1,2],[3,4,5]", "hidden=1,2"],
    ["dtype=float32,float64", "record=[h_t],[C_t,h_t]"],
    ["init=uniform,notebook", "++batch_size=3", "trace=true,false"],
    ["sequence=file", "sequence.path=a.csv,b.npy"],
    ["hidden=2,0,-1", "seed=0"],  # composes; the runner refuses the values later
    ["hydra.job.name=other", "seed=1,2"],  # a hydra override: full composition
    ["~trace", "seed=1,2"],
]


@pytest.fixture(scope="module")
def loader() -> ConfigLoaderImpl:
    register_configs()
    return ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONF_DIR)))


def _points(overrides: list[str]) -> list[list[str]]:
    parsed = OverridesParser.create().parse_overrides(overrides)
    (points,) = BasicSweeper.split_arguments(parsed, None)
    return points


@pytest.mark.parametrize("sweep", SWEEPS, ids=[" ".join(s) for s in SWEEPS])
def test_every_point_is_composed_as_hydra_composes_it(loader, hydra_compose, sweep):
    master = loader.load_configuration("config", sweep, RunMode.MULTIRUN)
    composer = PointComposer(loader, master)
    points = _points(sweep)
    assert len(points) > 1
    for point in points:
        fast = composer.compose(point)
        hydra = hydra_compose(point)  # the compose API leaves out the hydra node
        assert OmegaConf.to_container(fast, resolve=False) == OmegaConf.to_container(
            hydra, resolve=False
        ), point
        assert OmegaConf.to_container(fast, resolve=True) == OmegaConf.to_container(
            hydra, resolve=True
        ), point
        for group in ("sequence", "init"):
            assert OmegaConf.get_type(fast, group) is OmegaConf.get_type(hydra, group), point
        assert OmegaConf.is_struct(fast) == OmegaConf.is_struct(hydra)


@pytest.mark.parametrize(
    "point", [["sequence.length=5"], ["foo=1"], ["hidden=abc"], ["sequence=bogus"], ["~foo"]]
)
def test_a_point_hydra_refuses_is_refused_alike(loader, hydra_compose, point):
    master = loader.load_configuration("config", [], RunMode.MULTIRUN)
    composer = PointComposer(loader, master)
    with pytest.raises(Exception) as hydra_error:  # noqa: PT011 - compared below
        hydra_compose(point)
    with pytest.raises(type(hydra_error.value)) as fast_error:
        composer.compose(point)
    assert str(fast_error.value) == str(hydra_error.value)
