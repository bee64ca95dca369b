"""What a run varies on a built landscape: weather, moisture, ignitions, interventions, seed.

A :class:`~wildfire_gym.world.landscape.Landscape` is what is built (terrain, fuels, trees,
houses) and is shared, never copied, by every member that burns it. A :class:`Run` is what
one fire on it varies and is cheap to change: an RL environment resets a member with a new
run, a what-if ensemble gives one landscape many runs. :class:`Member` pairs the two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ScenarioError
from ..scenario import (
    Ignition,
    Intervention,
    MoistureConfig,
    Scenario,
    SpottingConfig,
    WeatherConfig,
)
from ..world.landscape import Landscape
from .moisture import diurnal_fine_dead_moisture
from .wind import unsheltered_waf, wind_20ft_from_10m


@dataclass(frozen=True)
class Run:
    """One fire's inputs on a landscape (SI; moistures are fractions).

    ``weather`` (wind, its height, schedule, diurnal moisture, air temperature and humidity),
    ``moisture`` (dead and live fuel and foliar moisture at the start), ``ignitions``,
    ``interventions`` (firelines, wetlines, retardant, fuel breaks, thinning at their times),
    ``spotting`` (embers per torching tree, distance and ignition models), ``seed`` (spotting
    draws) and ``duration_s``.
    """

    weather: WeatherConfig = field(default_factory=WeatherConfig)
    moisture: MoistureConfig = field(default_factory=MoistureConfig)
    spotting: SpottingConfig = field(default_factory=SpottingConfig)
    ignitions: tuple[Ignition, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    seed: int = 0
    duration_s: float = 3600.0

    @staticmethod
    def from_scenario(scenario: Scenario) -> Run:
        """The run a scenario file describes."""
        return Run(weather=scenario.weather, moisture=scenario.fuel.moisture, spotting=scenario.spotting,
                   ignitions=tuple(scenario.ignitions), interventions=tuple(scenario.interventions),
                   seed=int(scenario.seed), duration_s=float(scenario.duration_s))

    def replace(self, **changes: object) -> Run:
        """A copy with some fields changed (lists are taken as tuples)."""
        for key in ("ignitions", "interventions"):
            if key in changes:
                changes[key] = tuple(changes[key])  # type: ignore[arg-type]
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Member:
    """A landscape and the run burning on it (the run defaults to the landscape's scenario)."""

    landscape: Landscape
    run: Run | None = None

    def resolved_run(self) -> Run:
        return self.run if self.run is not None else Run.from_scenario(self.landscape.scenario)


def as_members(members: Landscape | Member | Sequence[Landscape | Member]) -> list[Member]:
    """Normalise what :class:`~wildfire_gym.fire.simulation.FireSimulation` accepts to members."""
    items = [members] if isinstance(members, (Landscape, Member)) else list(members)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Landscape):
            out.append(Member(item))
        elif isinstance(item, Member):
            out.append(item)
        else:
            raise ScenarioError(f"members[{i}]", "a Landscape or a Member(landscape, run)", type(item).__name__)
    if not out:
        raise ScenarioError("members", "at least one landscape or member", 0)
    return out


@dataclass(frozen=True)
class Weather:
    """Weather in force at one moment (SI; wind speed at the run's ``wind_height``)."""

    wind_speed_mps: float
    wind_from_deg: float
    d1h: float
    d10h: float
    d100h: float


@dataclass(frozen=True)
class WeatherTable:
    """A run's weather resolved after each schedule entry, for O(log n) look-ups by time.

    Entry ``k`` holds the values in force from ``t_s[k]`` on (each change overrides only the
    fields it gives); before the first entry the run's base values hold.
    """

    run: Run
    t_s: np.ndarray
    values: np.ndarray  # [n + 1, 5]: base row, then after each entry (speed, direction, d1h, d10h, d100h)

    @staticmethod
    def from_run(run: Run) -> WeatherTable:
        w, m = run.weather, run.moisture
        row = [w.wind_speed_mps, w.wind_from_deg, m.d1h, m.d10h, m.d100h]
        rows = [list(row)]
        changes = sorted(w.schedule, key=lambda ch: ch.t_s)
        for ch in changes:
            for i, v in enumerate((ch.wind_speed_mps, ch.wind_from_deg, ch.d1h, ch.d10h, ch.d100h)):
                if v is not None:
                    row[i] = v
            rows.append(list(row))
        return WeatherTable(run, np.asarray([ch.t_s for ch in changes], np.float64), np.asarray(rows, np.float64))

    def at(self, t_s: float) -> Weather:
        """The weather in force at ``t_s`` (changes at exactly ``t_s`` included)."""
        k = int(np.searchsorted(self.t_s, t_s, side="right"))
        speed, direction, d1, d10, d100 = (float(v) for v in self.values[k])
        w = self.run.weather
        if w.diurnal_moisture:
            d1 = float(diurnal_fine_dead_moisture(d1, w.start_hour * 3600.0 + t_s))
        return Weather(speed, direction % 360.0, d1, d10, d100)


def weather_at(run: Run | Scenario, t_s: float) -> Weather:
    """The run's weather at time ``t_s``: base values, then every schedule entry up to ``t_s``."""
    if isinstance(run, Scenario):
        run = Run.from_scenario(run)
    return WeatherTable.from_run(run).at(t_s)


def schedule_times(run: Run) -> np.ndarray:
    """Times (s) of the run's weather changes, sorted, float64."""
    return np.asarray(sorted(ch.t_s for ch in run.weather.schedule), np.float64)


def wind_20ft_mps(run: Run | Scenario, wind_mps: float, fuel_depth_m: np.ndarray | float) -> np.ndarray:
    """The 20-ft wind (m/s) from the run's wind at its height (midflame: divided by the open WAF)."""
    h = run.weather.wind_height
    if h == "20ft":
        return np.asarray(wind_mps, np.float64)
    if h == "10m":
        return np.asarray(wind_20ft_from_10m(wind_mps), np.float64)
    return np.asarray(wind_mps, np.float64) / unsheltered_waf(fuel_depth_m)
