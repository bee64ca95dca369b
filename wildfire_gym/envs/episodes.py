"""Where episodes come from: a pool of landscapes and a distribution of runs on them.

An :class:`EpisodeConfig` sets the distribution (grid, fuels, relief, houses, wind range,
ignition distance from the houses). The landscapes are built once per config from
``world_seed`` (cached in the process, shared by every environment and slot, never copied);
each episode draws from its own ``np.random.Generator``: a landscape of the pool, the wind,
the ignition and the engine's spotting seed. The same seed gives the same episode in a single
environment and in any slot of a vector environment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import ScenarioError
from ..fire.run import Run
from ..scenario import Ignition, WeatherConfig, scenario_from_dict
from ..world.landscape import Landscape

MAX_IGNITION_TRIES = 64

MIN_IGNITION_ROS_M_S = 0.01
"""m/s; an ignition is drawn on a cell whose fuel, under :data:`IGNITION_WAF` times the 20-ft wind,
spreads at least this fast on flat ground (a fire that crosses a 30-m cell within an hour)."""

IGNITION_WAF = 0.4
"""-; wind adjustment factor used only to screen ignition cells (open grass, Andrews 2012 table)."""


@dataclass(frozen=True)
class EpisodeConfig:
    """The distribution episodes are drawn from (SI).

    ``grid_cells`` cells of ``cell_m`` per side; ``fuels`` (code, area fraction) patches;
    ``relief_m`` fractal terrain relief; ``trees_per_ha`` (0: no crown fire, no spotting);
    ``n_houses`` clustered houses; ``wind_speed_range_mps`` 20-ft wind drawn uniformly;
    ``wind_spread_deg`` the wind blows from the ignition's bearing seen from the houses within
    +- this; ``ignition_distance_m`` from the houses' centre; ``n_landscapes`` in the pool, built
    from ``world_seed``.
    """

    grid_cells: int = 64
    cell_m: float = 30.0
    fuels: tuple[tuple[str, float], ...] = (("FM1", 0.5), ("FM2", 0.3), ("FM8", 0.2))
    relief_m: float = 60.0
    trees_per_ha: float = 0.0
    n_houses: int = 6
    wind_speed_range_mps: tuple[float, float] = (1.0, 3.0)
    wind_spread_deg: float = 30.0
    ignition_distance_m: tuple[float, float] = (600.0, 1000.0)
    n_landscapes: int = 2
    world_seed: int = 0

    def __post_init__(self) -> None:
        checks = [
            ("grid_cells", 16 <= self.grid_cells <= 1024, "an integer in [16, 1024]"),
            ("cell_m", 1.0 <= self.cell_m <= 200.0, "a cell size in [1, 200] m"),
            ("relief_m", 0.0 <= self.relief_m <= 2000.0, "a relief in [0, 2000] m"),
            ("trees_per_ha", 0.0 <= self.trees_per_ha <= 2000.0, "a density in [0, 2000] trees/ha"),
            ("n_houses", 1 <= self.n_houses <= 64, "an integer in [1, 64]"),
            ("n_landscapes", 1 <= self.n_landscapes <= 64, "an integer in [1, 64]"),
            ("wind_speed_range_mps", 0.0 <= self.wind_speed_range_mps[0] <= self.wind_speed_range_mps[1] <= 30.0,
             "(low, high) with 0 <= low <= high <= 30 m/s"),
            ("wind_spread_deg", 0.0 <= self.wind_spread_deg <= 180.0, "an angle in [0, 180] degrees"),
            ("ignition_distance_m", 0.0 < self.ignition_distance_m[0] <= self.ignition_distance_m[1],
             "(low, high) with 0 < low <= high, m"),
            ("fuels", len(self.fuels) > 0 and all(f > 0 for _, f in self.fuels), "(code, fraction > 0) pairs"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise ScenarioError(name, expected, getattr(self, name))

    @property
    def size_m(self) -> float:
        return self.grid_cells * self.cell_m


def _scenario_dict(cfg: EpisodeConfig, k: int) -> dict:
    size = cfg.size_m
    return {
        "name": f"envs-pool-{k}", "seed": int(cfg.world_seed) * 1000 + k, "duration_s": 3600,
        "terrain": {"size_m": [size, size], "cell_m": cfg.cell_m, "kind": "fractal" if cfg.relief_m > 0 else "plane",
                    "relief_m": cfg.relief_m},
        "fuel": {"patches": dict(cfg.fuels), "patch_scale_m": max(4 * cfg.cell_m, size / 8)},
        "vegetation": {"trees_per_ha": cfg.trees_per_ha},
        "structures": {"houses": cfg.n_houses, "layout": "clustered"},
        "weather": {"wind_speed_mps": 2.0, "wind_from_deg": 270},
        "ignitions": [],
    }


@lru_cache(maxsize=8)
def landscape_pool(cfg: EpisodeConfig) -> tuple[Landscape, ...]:
    """The pool of landscapes of ``cfg`` (built once per process, shared)."""
    from ..world import build_world

    pool = []
    for k in range(cfg.n_landscapes):
        land = build_world(scenario_from_dict(_scenario_dict(cfg, k)))
        if len(land.structures) == 0:
            raise ScenarioError("n_houses", "room for houses on the landscape", cfg.n_houses)
        pool.append(land)
    return tuple(pool)


@dataclass(frozen=True)
class Episode:
    """One drawn episode: the landscape (index into the pool), the run, where the houses are."""

    landscape_index: int
    run: Run
    ignition_xy_m: tuple[float, float]
    houses_xy_m: tuple[float, float]
    wind_speed_mps: float
    wind_from_deg: float
    bearing_deg: float


def draw_episode(cfg: EpisodeConfig, pool: tuple[Landscape, ...], rng: np.random.Generator,
                 duration_s: float) -> Episode:
    """An episode drawn with ``rng``: landscape, wind and an ignition on burnable fuel at the drawn
    distance and bearing from the houses; the wind blows from the ignition's side towards them."""
    k = int(rng.integers(len(pool)))
    land = pool[k]
    hx, hy = float(np.mean(land.structures.x_m)), float(np.mean(land.structures.y_m))
    size, cell = cfg.size_m, cfg.cell_m
    margin = 2 * cell
    speed = float(rng.uniform(*cfg.wind_speed_range_mps))
    burnable = _carrier_mask(land, speed * IGNITION_WAF)
    x = y = bearing = 0.0
    for _ in range(MAX_IGNITION_TRIES):
        bearing = float(rng.uniform(0.0, 360.0))
        dist = float(rng.uniform(*cfg.ignition_distance_m))
        x = float(np.clip(hx + dist * math.sin(math.radians(bearing)), margin, size - margin))
        y = float(np.clip(hy + dist * math.cos(math.radians(bearing)), margin, size - margin))
        if burnable[int(y // cell), int(x // cell)]:
            break
    wind_from = float((bearing + rng.uniform(-cfg.wind_spread_deg, cfg.wind_spread_deg)) % 360.0)
    seed = int(rng.integers(2**31 - 1))
    weather = WeatherConfig(wind_speed_mps=speed, wind_height="20ft", wind_from_deg=wind_from)
    run = Run(weather=weather, moisture=land.scenario.fuel.moisture, ignitions=(Ignition(x_m=x, y_m=y),),
              seed=seed, duration_s=duration_s)
    return Episode(k, run, (x, y), (hx, hy), speed, wind_from, bearing)


def _burnable(land: Landscape) -> np.ndarray:
    codes = np.unique(land.fuel_code)
    ok = {int(c): bool(land.fuel_models[int(c)].burnable) if int(c) in land.fuel_models else False for c in codes}
    lut = np.zeros(int(codes.max()) + 1, bool)
    for c, b in ok.items():
        lut[c] = b
    return lut[land.fuel_code]


def _carrier_mask(land: Landscape, midflame_mps: float) -> np.ndarray:
    from ..fire.rothermel import surface_fire

    moist = land.scenario.fuel.moisture
    codes = np.unique(land.fuel_code)
    lut = np.zeros(int(codes.max()) + 1, bool)
    for c in codes:
        fm = land.fuel_models.get(int(c))
        if fm is not None and fm.burnable:
            lut[int(c)] = float(surface_fire(fm, moist, midflame_mps).ros_m_per_s) >= MIN_IGNITION_ROS_M_S
    return lut[land.fuel_code]


def burnable_mask(land: Landscape) -> np.ndarray:
    """Cells of ``land`` whose fuel can burn, bool [ny, nx]."""
    return _burnable(land)
