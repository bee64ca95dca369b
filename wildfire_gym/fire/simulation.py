"""A scenario's fire: couples landscapes, weather and interventions to the Taichi engine.

:class:`FireSimulation` owns one :class:`~wildfire_gym.fire.engine.FireSim` for a batch
of landscapes (same grid shape and cell size; each its own terrain, fuel, trees,
weather, ignitions and seed). Between engine advances it recomputes the per-cell
spread parameters with the numpy physics reference:

1. weather at time ``t`` (schedule, optional diurnal fine-fuel moisture);
2. moisture per cell (wetlines and retardant raise it, decaying with a half-life);
3. fuel per cell (firelines leave bare ground, fuel breaks convert fuel);
4. midflame wind from the 20-ft or 10-m wind through the wind adjustment factor,
   sheltered by the canopy the trees make (Albini & Baughman 1979; Andrews 2012);
5. Rothermel surface spread (head rate, direction, length-to-breadth, heat per unit area,
   residence time) via :func:`~wildfire_gym.fire.rothermel.surface_fire_grid`;
6. crown fire: active where the surface intensity reaches Van Wagner's (1977) initiation
   intensity under the canopy base and Cruz et al.'s (2005) crown rate reaches the
   active threshold ``3 / CBD``; there the head rate is the crown rate;
7. per tree: the initiation intensity of its own crown base (torching), and spotting
   from torching trees (Albini 1979 maximum distance, lognormal landing distances,
   Schroeder 1969 ignition probability).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from ..scenario import Intervention, Scenario
from ..units import ft_to_m
from ..world.edits import (
    BARE_GROUND_CODE,
    apply_world_edits,
    polyline_mask,
    trees_in_mask,
)
from ..world.landscape import CanopyRasters, Landscape, Trees
from .crown import (
    active_crown_threshold_ros,
    critical_surface_intensity,
    crown_fire_intensity,
    cruz_active_crown_ros,
)
from .moisture import FuelMoisture, diurnal_fine_dead_moisture, wetted_fuel_moisture
from .rothermel import FuelBedTable, surface_fire_grid
from .spotting import (
    ignition_probability,
    spot_distance_lognormal_params,
    torching_tree_max_spot_distance,
)
from .state import FireSnapshot
from .wind import midflame_wind_mps, unsheltered_waf, wind_20ft_from_10m

log = logging.getLogger(__name__)

WIND_10M_PER_20FT = 1.15
"""10-m open wind over 20-ft wind (Lawson & Armitage 2008; BehavePlus; pyretechnics)."""

PARAM_REFRESH_S = 900.0
"""Longest interval between spread-parameter updates while moisture drifts (diurnal cycle, drying wetlines), s."""

EMBERS_PER_TORCHING_TREE = 4
"""Firebrands launched per torching tree that can reach receptive fuel (a modelling choice; Albini's
model gives the maximum distance, not the count)."""

OPEN_FUEL_DEPTH_M = 0.3
"""Fuel bed depth (m) used to recover a 20-ft wind from a midflame wind where no one cell's fuel applies
(reported wind, ember lofting): the unsheltered wind adjustment factor of a 0.3 m bed."""

NO_CANOPY_THRESHOLD_M_S = 1.0e6
"""Active-crowning threshold used where there is no canopy (unreachable), m/s."""

SPOT_DIRECTION_SD_DEG = 10.0
"""Angular spread of ember landing bearings about the downwind direction, degrees."""

SPOT_IGNITION_DELAY_S = 120.0
"""Time from an ember's landing to a spreading spot fire, s (flight plus ignition; a modelling choice)."""

ALBINI_SPECIES = {"pine": "ponderosa_pine", "fir": "douglas_fir", "oak": "ponderosa_pine",
                  "juniper": "ponderosa_pine", "chaparral": "ponderosa_pine"}
"""Our species -> Albini (1979) torching coefficients; broadleaf and shrub species have no published
coefficients and use ponderosa pine's as a proxy."""


STAND_SCALE_M = 30.0
"""Width of the moving window (m) over which the canopy the fire sees is averaged. Canopy cover,
height, base height and bulk density are stand properties (Scott & Reinhardt 2001; LANDFIRE and
FARSITE use 30 m cells), while the world's rasters count each tree in the one cell its stem stands in."""


def stand_canopy(canopy: CanopyRasters, cell_m: float, scale_m: float = STAND_SCALE_M) -> CanopyRasters:
    """Canopy rasters averaged over a ``scale_m`` window: cover and bulk density are means over the
    window; height and base height are means over the window's cells that hold trees (0 where none)."""
    size = int(round(scale_m / cell_m))
    if size <= 1:
        return canopy
    size += 1 - size % 2  # odd, centred
    from scipy.ndimage import uniform_filter

    def mean(a: np.ndarray) -> np.ndarray:
        return uniform_filter(a.astype(np.float64), size=size, mode="nearest")

    has = (canopy.height_m > 0).astype(np.float64)
    frac = mean(has)
    with np.errstate(invalid="ignore", divide="ignore"):
        height = np.where(frac > 0, mean(canopy.height_m * has) / frac, 0.0)
        base = np.where(frac > 0, mean(canopy.base_height_m * has) / frac, 0.0)
    return CanopyRasters(cover=np.clip(mean(canopy.cover), 0.0, 1.0), height_m=height, base_height_m=base,
                         bulk_density_kg_m3=mean(canopy.bulk_density_kg_m3))


def _is_constant(a: np.ndarray) -> bool:
    a = np.asarray(a)
    return a.size == 0 or bool(a.min() == a.max())


def horizontal_projection_factor(slope_frac: np.ndarray | float, aspect_deg: np.ndarray | float,
                                 direction_deg: np.ndarray | float) -> np.ndarray:
    """Map distance per unit of ground distance for spread in compass ``direction_deg`` (-).

    On a plane of slope ``tan(theta) = slope_frac`` the rise along a horizontal bearing at
    angle ``delta`` from upslope is ``tan(theta) cos(delta)``, so a ground distance ``s``
    covers ``s / sqrt(1 + tan^2(theta) cos^2(delta))`` of map (as FARSITE projects its
    ellipses, Finney 1998, eq. 13). Applied to the head rate; the engine's ellipse then
    scales back and flanks alike, exact for head and back, and within ``1 - cos(theta)``
    for the flanks, whose true rates lie along the contour.
    """
    upslope = np.deg2rad(np.asarray(aspect_deg, np.float64) + 180.0)
    delta = np.deg2rad(np.asarray(direction_deg, np.float64)) - upslope
    rise = np.asarray(slope_frac, np.float64) * np.cos(delta)
    return 1.0 / np.sqrt(1.0 + rise * rise)


@dataclass(frozen=True)
class Weather:
    """Weather in force at one moment (SI; wind speed at the scenario's ``wind_height``)."""

    wind_speed_mps: float
    wind_from_deg: float
    d1h: float
    d10h: float
    d100h: float


def weather_at(scenario: Scenario, t_s: float) -> Weather:
    """The scenario's weather at time ``t_s``: base values, then every schedule entry up to ``t_s``."""
    w = scenario.weather
    m = scenario.fuel.moisture
    speed, direction, d1, d10, d100 = w.wind_speed_mps, w.wind_from_deg, m.d1h, m.d10h, m.d100h
    for ch in w.schedule:
        if ch.t_s > t_s:
            break
        speed = ch.wind_speed_mps if ch.wind_speed_mps is not None else speed
        direction = ch.wind_from_deg if ch.wind_from_deg is not None else direction
        d1 = ch.d1h if ch.d1h is not None else d1
        d10 = ch.d10h if ch.d10h is not None else d10
        d100 = ch.d100h if ch.d100h is not None else d100
    if w.diurnal_moisture:
        d1 = float(diurnal_fine_dead_moisture(d1, w.start_hour * 3600.0 + t_s))
    return Weather(float(speed), float(direction) % 360.0, float(d1), float(d10), float(d100))


def wind_20ft_mps(scenario: Scenario, wind_mps: float, fuel_depth_m: np.ndarray | float) -> np.ndarray:
    """The 20-ft wind (m/s) from the scenario's wind at its height (midflame: divided by the open WAF)."""
    h = scenario.weather.wind_height
    if h == "20ft":
        return np.asarray(wind_mps, np.float64)
    if h == "10m":
        return np.asarray(wind_20ft_from_10m(wind_mps), np.float64)
    return np.asarray(wind_mps, np.float64) / unsheltered_waf(fuel_depth_m)


def _kept_in_order(before: Trees, after: Trees) -> np.ndarray:
    """Boolean ``[len(before)]``: which trees of ``before`` survive in ``after``.

    ``after`` is an ordered subset of ``before`` (:meth:`Trees.subset` keeps the order), matched by
    stem position and height, so trees sharing a position are still told apart by their order.
    """
    kept = np.zeros(len(before), bool)
    j = 0
    for i in range(len(before)):
        if j < len(after) and (before.x_m[i], before.y_m[i], before.height_m[i]) == (
                after.x_m[j], after.y_m[j], after.height_m[j]):
            kept[i] = True
            j += 1
    if j != len(after):
        raise RuntimeError(f"thinning kept {len(after)} trees, of which only {j} match the stand in order")
    return kept


def _scatter(base: np.ndarray, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A copy of ``base`` with ``base[idx] = values``."""
    out = base.copy()
    out[idx] = values
    return out


@dataclass
class _Active:
    """An intervention that has taken effect, with its cell mask."""

    iv: Intervention
    mask: np.ndarray


class FireSimulation:
    """The fire of a batch of landscapes, advanced together by one Taichi engine.

    ``FireSimulation(land)`` or ``FireSimulation([land_a, land_b, ...])``; then
    :meth:`advance` to a time and :meth:`snapshot` of any member. Interventions listed in
    a scenario take effect at their ``t_s``; :meth:`apply_intervention` adds one to a running
    fire (the environments' actions use it).
    """

    def __init__(self, landscapes: Landscape | Sequence[Landscape], arch: str | None = None,
                 spotting: bool = True, crown_fire: bool = True) -> None:
        from .engine import FireSim

        lands = [landscapes] if isinstance(landscapes, Landscape) else list(landscapes)
        if not lands:
            raise ScenarioError("landscapes", "at least one landscape", 0)
        shape, cell = lands[0].shape, lands[0].cell_m
        for i, land in enumerate(lands):
            if land.shape != shape or land.cell_m != cell:
                raise ScenarioError(f"landscapes[{i}]", f"the batch's grid {shape} at {cell} m",
                                    (land.shape, land.cell_m))
        # Edits scheduled at t = 0 change the world before the fire starts.
        self.landscapes = [apply_world_edits(land, [iv for iv in land.scenario.interventions if iv.t_s <= 0])
                           for land in lands]
        self.batch = len(lands)
        self.shape = shape
        self.cell_m = float(cell)
        self.spotting = spotting
        self.crown_fire = crown_fire
        self._codes = [land.fuel_code.copy() for land in self.landscapes]
        self._tables = [FuelBedTable.from_models(self._all_models(land)) for land in self.landscapes]
        self._tree_alive = [np.ones(len(land.trees), bool) for land in self.landscapes]
        self._wet: list[list[_Active]] = [[] for _ in self.landscapes]
        self._torch_cache: dict[int, tuple[str, float, float, float]] = {}
        self._pending: list[list[Intervention]] = [
            sorted((iv for iv in land.scenario.interventions if iv.t_s > 0), key=lambda iv: iv.t_s)
            for land in self.landscapes]
        n_trees = max(1, max(len(land.trees) for land in self.landscapes))
        self.engine = FireSim(shape, cell, batch=self.batch, n_trees=n_trees, arch=arch)
        # Firelines, wetlines and retardant laid at t = 0 (fuel breaks and thinning already edited the world).
        for b, land in enumerate(self.landscapes):
            for iv in land.scenario.interventions:
                if iv.t_s <= 0 and iv.kind in ("fireline", "wetline", "retardant"):
                    self._edit(b, iv)
        for b, land in enumerate(self.landscapes):
            for ig in land.scenario.ignitions:
                self._check_point(b, ig.x_m, ig.y_m, "ignitions")
        self._last_weather: list[Weather | None] = [None] * self.batch
        self._params_t = 0.0
        self._refresh_all(0.0, trees=True)
        for b, land in enumerate(self.landscapes):
            for ig in land.scenario.ignitions:
                self.engine.ignite(b, ig.x_m, ig.y_m, ig.t_s, ig.radius_m)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _all_models(land: Landscape) -> dict:
        """The landscape's fuel models plus those interventions may introduce."""
        from ..fuel_models import fuel_model

        models = dict(land.fuel_models)
        custom = land.scenario.fuel.custom_models
        for code in [BARE_GROUND_CODE] + [iv.fuel_model for iv in land.scenario.interventions
                                          if iv.kind == "fuel_break"]:
            fm = fuel_model(code, custom=custom)
            models.setdefault(fm.number, fm)
        return models

    def _check_point(self, b: int, x: float, y: float, what: str) -> None:
        w, h = self.shape[1] * self.cell_m, self.shape[0] * self.cell_m
        if not (0 <= x <= w and 0 <= y <= h):
            raise ScenarioError(what, f"a point inside the terrain [0, {w}] x [0, {h}] m", (x, y))

    @property
    def time_s(self) -> float:
        return self.engine.time_s

    # --------------------------------------------------------------- parameters
    def spread_params(self, b: int, t_s: float) -> dict[str, np.ndarray]:
        """Per-cell spread parameters of member ``b`` at time ``t_s`` (what the engine receives)."""
        land = self.landscapes[b]
        sc = land.scenario
        weather = weather_at(sc, t_s)
        codes = self._codes[b]
        table = self._tables[b]
        rows = table.rows(codes)
        depth_m = np.asarray(ft_to_m(np.asarray(table.depth_ft)[rows]))
        d1 = np.full(self.shape, weather.d1h)
        d10 = np.full(self.shape, weather.d10h)
        d100 = np.full(self.shape, weather.d100h)
        for act in self._wet[b]:
            elapsed = t_s - act.iv.t_s
            for arr in (d1, d10, d100):
                wet = wetted_fuel_moisture(arr[act.mask], arr[act.mask] + act.iv.moisture_add, elapsed,
                                           act.iv.half_life_s)
                arr[act.mask] = wet
        uniform = not self._wet[b]
        moisture = FuelMoisture(
            d1h=weather.d1h if uniform else d1, d10h=weather.d10h if uniform else d10,
            d100h=weather.d100h if uniform else d100,
            live_herb=sc.fuel.moisture.live_herb, live_woody=sc.fuel.moisture.live_woody)
        canopy = stand_canopy(land.canopy, self.cell_m)
        crown_ratio = np.where(canopy.height_m > 0,
                               np.clip((canopy.height_m - canopy.base_height_m) / np.maximum(canopy.height_m, 1e-6),
                                       0, 1), 0.0)
        waf_inputs = (depth_m, canopy.cover, canopy.height_m, crown_ratio)
        if all(_is_constant(a) for a in waf_inputs):  # one wind adjustment factor for the whole grid
            midflame = np.full(self.shape, float(midflame_wind_mps(
                weather.wind_speed_mps, sc.weather.wind_height, max(float(depth_m.flat[0]), 0.01),
                float(canopy.cover.flat[0]), float(canopy.height_m.flat[0]), float(crown_ratio.flat[0]))))
        else:
            midflame = midflame_wind_mps(weather.wind_speed_mps, sc.weather.wind_height, np.maximum(depth_m, 0.01),
                                         canopy.cover, canopy.height_m, crown_ratio)
        slope_frac = np.tan(np.deg2rad(land.slope_deg.astype(np.float64)))
        fields = (codes, midflame, slope_frac, land.aspect_deg)
        if uniform and all(_is_constant(a) for a in fields):
            # A spatially uniform member (flat, one fuel, no canopy variation): evaluate one cell
            # and broadcast; the same arithmetic as the per-cell path.
            one = surface_fire_grid(table, codes.ravel()[:1], moisture, np.ravel(midflame)[:1],
                                    weather.wind_from_deg, slope_frac.ravel()[:1], land.aspect_deg.ravel()[:1])
            res = type(one)(**{k: np.broadcast_to(v, self.shape) for k, v in one.as_dict().items()})
        else:
            res = surface_fire_grid(table, codes, moisture, midflame, weather.wind_from_deg, slope_frac,
                                    land.aspect_deg)
        ros = np.where(np.isfinite(res.ros_m_per_s), res.ros_m_per_s, 0.0)
        # Rothermel's rate is along the ground surface; the engine spreads in map distance.
        horizontal = horizontal_projection_factor(slope_frac, land.aspect_deg, res.direction_of_max_spread_deg)
        out = {
            "ros_head_m_s": ros * horizontal,
            "ros_surface_m_s": ros,
            "head_dir_deg": res.direction_of_max_spread_deg,
            "lb": np.maximum(res.length_to_breadth, 1.0),
            # Intensity uses the rate along the surface: I = H_A R (Byram 1959).
            "intensity_per_ros_kj_m2": res.heat_per_unit_area_kj_m2 / horizontal,
            "residence_s": np.maximum(res.residence_time_s, 1.0),
            "midflame_wind_mps": midflame,
        }
        if self.crown_fire and not canopy.bulk_density_kg_m3.any():
            out["crown_ros_m_s"] = np.zeros(self.shape)
            out["crown_active_ros_m_s"] = np.full(self.shape, NO_CANOPY_THRESHOLD_M_S)
        elif self.crown_fire:
            u20 = wind_20ft_mps(sc, weather.wind_speed_mps, depth_m)
            cbd = canopy.bulk_density_kg_m3.astype(np.float64)
            crown_ros = cruz_active_crown_ros(u20 * WIND_10M_PER_20FT, cbd, moisture.d1h)
            r0 = active_crown_threshold_ros(cbd)
            i0 = critical_surface_intensity(canopy.base_height_m, 100.0 * sc.fuel.moisture.foliar)
            initiates = (cbd > 0) & (res.heat_per_unit_area_kj_m2 * ros >= i0)
            active = initiates & (crown_ros >= r0)
            out["crown_ros_m_s"] = np.where(active, crown_ros, 0.0)
            # An active crown fire burns the canopy fuel too: I = (H_A + W_c h_c) R with CFB = 1
            # (Scott & Reinhardt 2001, eq. 22); W_c = CBD x canopy depth.
            canopy_load = cbd * np.maximum(canopy.height_m - canopy.base_height_m, 0.0)
            out["intensity_per_ros_kj_m2"] = np.where(
                active, crown_fire_intensity(1.0, res.heat_per_unit_area_kj_m2, canopy_load),
                out["intensity_per_ros_kj_m2"])
            # No canopy: the threshold is unreachable; a large finite number keeps the engine's checks simple.
            out["crown_active_ros_m_s"] = np.where(np.isfinite(r0), r0, NO_CANOPY_THRESHOLD_M_S)
        self._last_weather[b] = weather
        return out

    def _upload(self, b: int, t_s: float) -> None:
        """Parameters, trees and spotting of member ``b`` alone (an intervention on one member)."""
        p = self.spread_params(b, t_s)
        self.engine.set_spread_params(p["ros_head_m_s"], p["head_dir_deg"], p["lb"], p["intensity_per_ros_kj_m2"],
                                      p["residence_s"], crown_ros_m_s=p.get("crown_ros_m_s"),
                                      crown_active_ros_m_s=p.get("crown_active_ros_m_s"), b=b)
        self._upload_trees(b)
        self._upload_spotting(b, t_s)

    def _upload_trees(self, b: int, upload: bool = True) -> None:
        land = self.landscapes[b]
        t = land.trees
        if not len(t):
            return
        foliar_pct = 100.0 * land.scenario.fuel.moisture.foliar
        i0 = critical_surface_intensity(t.crown_base_m, foliar_pct) if self.crown_fire else np.full(len(t), np.inf)
        i0 = np.where(self._tree_alive[b], i0, np.inf)
        alive = self._tree_alive[b]
        self.engine.set_trees(b, t.x_m, t.y_m, t.crown_base_m, i0, np.where(alive, t.foliage_kg, 0.0),
                              np.where(alive, t.branch_kg, 0.0), upload=upload)

    def _torching_source(self, b: int) -> tuple[str, float, float, float]:
        """(Albini species, DBH m, height m, downwind cover height m) of member ``b``'s typical torching
        tree: the dominant species at the median height. Cached until an intervention edits the member."""
        cached = self._torch_cache.get(b)
        if cached is None:
            from ..species import species_table

            land = self.landscapes[b]
            t = land.trees
            counts = np.bincount(t.species, minlength=len(t.species_names))
            dominant = t.species_names[int(np.argmax(counts))]
            height = float(np.median(t.height_m))
            dbh_m = float(species_table()[dominant].dbh_cm(np.array([height]))[0]) / 100.0
            treed = land.canopy.height_m > 0
            cover_h = float(np.median(land.canopy.height_m[treed])) if treed.any() else 0.0
            cached = (ALBINI_SPECIES.get(dominant, "ponderosa_pine"), dbh_m, height, cover_h)
            self._torch_cache[b] = cached
        return cached

    def _upload_spotting(self, b: int, t_s: float) -> None:
        land = self.landscapes[b]
        sc = land.scenario
        weather = self._last_weather[b] or weather_at(sc, t_s)
        t = land.trees
        n_embers = EMBERS_PER_TORCHING_TREE if (self.spotting and self.crown_fire and len(t)) else 0
        mean_m, sd_m = 1.0, 0.0
        if n_embers:
            species, dbh_m, height, cover_h = self._torching_source(b)
            u20 = float(wind_20ft_mps(sc, weather.wind_speed_mps, OPEN_FUEL_DEPTH_M))
            dmax = float(torching_tree_max_spot_distance(species, dbh_m, height, cover_h, u20))
            if dmax > self.cell_m:
                mu, sigma = spot_distance_lognormal_params(dmax)
                mu, sigma = float(mu), float(sigma)
                mean_m = math.exp(mu + 0.5 * sigma**2)
                sd_m = mean_m * math.sqrt(math.expm1(sigma**2))
            else:
                n_embers = 0
        burnable = np.asarray(self._tables[b].burnable)[self._tables[b].rows(self._codes[b])]
        prob = np.where(burnable, ignition_probability(weather.d1h, sc.weather.air_temperature_c), 0.0)
        self.engine.set_spotting(b, n_embers, mean_m, sd_m, (weather.wind_from_deg + 180.0) % 360.0,
                                 SPOT_DIRECTION_SD_DEG, SPOT_IGNITION_DELAY_S, sc.seed, prob)

    def _refresh_all(self, t_s: float, trees: bool = False) -> None:
        """Recompute every member's parameters and upload them in one transfer per field.

        Trees change only through interventions (which upload them), so they are sent again
        only when ``trees`` is set (at the start).
        """
        params = [self.spread_params(b, t_s) for b in range(self.batch)]
        names = ("ros_head_m_s", "head_dir_deg", "lb", "intensity_per_ros_kj_m2", "residence_s")
        stacked = [np.stack([np.broadcast_to(p[n], self.shape) for p in params]) for n in names]
        crown = {}
        if all("crown_ros_m_s" in p for p in params):
            crown = {k: np.stack([np.broadcast_to(p[k], self.shape) for p in params])
                     for k in ("crown_ros_m_s", "crown_active_ros_m_s")}
        self.engine.set_spread_params(*stacked, **crown, b=None)
        if trees:
            for b in range(self.batch):
                self._upload_trees(b, upload=False)
            self.engine.upload_trees()
        for b in range(self.batch):
            self._upload_spotting(b, t_s)
        self._params_t = t_s

    def _drift_step_s(self, b: int) -> float | None:
        """Longest interval between parameter updates of member ``b`` while its moisture drifts, s."""
        if not (self.landscapes[b].scenario.weather.diurnal_moisture or self._wet[b]):
            return None
        step = PARAM_REFRESH_S
        for act in self._wet[b]:
            step = min(step, max(60.0, act.iv.half_life_s / 4.0))
        return step

    def _refresh_due(self, now: float) -> bool:
        """Whether the parameters uploaded at ``self._params_t`` are out of date at ``now``."""
        for b, land in enumerate(self.landscapes):
            if any(self._params_t < ch.t_s <= now for ch in land.scenario.weather.schedule):
                return True
            step = self._drift_step_s(b)
            if step is not None and now - self._params_t >= step:
                return True
        return False

    # ------------------------------------------------------------ interventions
    def apply_intervention(self, b: int, iv: Intervention) -> None:
        """Apply ``iv`` to member ``b`` now (its ``t_s`` is taken as the application time)."""
        self._edit(b, iv)
        self._upload(b, self.time_s)

    def _edit(self, b: int, iv: Intervention) -> None:
        """The state change of an intervention, without uploading it to the engine."""
        self._torch_cache.pop(b, None)
        land = self.landscapes[b]
        iv = dataclasses.replace(iv, t_s=self.time_s)
        if iv.kind == "thinning":
            # Thin the standing trees only (those removed earlier stay out of the canopy), then map
            # the result back: trees keep their ids in the engine, removed ones lose their crown fuel
            # and pruned ones get their raised crown base and reduced foliage.
            alive_idx = np.flatnonzero(self._tree_alive[b])
            standing = dataclasses.replace(land, trees=land.trees.subset(self._tree_alive[b]))
            thinned = apply_world_edits(standing, [iv])
            kept = _kept_in_order(standing.trees, thinned.trees)
            trees = land.trees
            if len(trees):
                new_ids = alive_idx[kept]
                trees = dataclasses.replace(
                    trees,
                    crown_base_m=_scatter(trees.crown_base_m, new_ids, thinned.trees.crown_base_m),
                    foliage_kg=_scatter(trees.foliage_kg, new_ids, thinned.trees.foliage_kg),
                    branch_kg=_scatter(trees.branch_kg, new_ids, thinned.trees.branch_kg))
                alive = np.zeros(len(trees), bool)
                alive[new_ids] = True
                self._tree_alive[b] &= alive
            self.landscapes[b] = dataclasses.replace(land, trees=trees, canopy=thinned.canopy)
        else:
            mask = polyline_mask(iv.points_m, iv.width_m, self.shape, self.cell_m)
            if iv.kind == "fireline":
                self._codes[b][mask] = BARE_GROUND_CODE
            elif iv.kind == "fuel_break":
                from ..fuel_models import fuel_model

                self._codes[b][mask] = fuel_model(iv.fuel_model, custom=land.scenario.fuel.custom_models).number
                self._tree_alive[b] &= ~trees_in_mask(land.trees, mask, self.cell_m)
                # The felled trees no longer shelter the wind nor carry crown fire.
                from ..world.canopy import canopy_rasters

                canopy = canopy_rasters(land.trees.subset(self._tree_alive[b]), self.shape, self.cell_m)
                self.landscapes[b] = dataclasses.replace(land, canopy=canopy)
            elif iv.kind in ("wetline", "retardant"):
                self._wet[b].append(_Active(iv, mask))

    # ------------------------------------------------------------------ running
    def _next_event(self, until_s: float) -> float:
        now = self.time_s
        t_next = until_s
        for b, land in enumerate(self.landscapes):
            sc = land.scenario
            for ch in sc.weather.schedule:
                if now < ch.t_s < t_next:
                    t_next = ch.t_s
            if self._pending[b] and now < self._pending[b][0].t_s < t_next:
                t_next = self._pending[b][0].t_s
            step = self._drift_step_s(b)
            if step is not None:
                t_next = min(t_next, self._params_t + step)  # > now: _refresh_due ran first
        return t_next

    def advance(self, until_s: float) -> None:
        """Advance every member to ``until_s`` (s since the scenario start)."""
        if not until_s >= self.time_s:
            raise ScenarioError("until_s", f"a time >= the current time {self.time_s} s", until_s)
        while self.time_s < until_s:
            if self._refresh_due(self.time_s):
                # a schedule change or a moisture drift fell on the end of the previous call
                self._refresh_all(self.time_s)
            t_next = self._next_event(until_s)
            self.engine.advance(t_next)
            now = self.time_s
            for b in range(self.batch):
                while self._pending[b] and self._pending[b][0].t_s <= now:
                    self.apply_intervention(b, self._pending[b].pop(0))
            if now < until_s:
                self._refresh_all(now)

    def run(self) -> None:
        """Advance to the longest ``duration_s`` of the batch."""
        self.advance(max(land.scenario.duration_s for land in self.landscapes))

    def snapshot(self, b: int = 0) -> FireSnapshot:
        """numpy view of member ``b``'s state, with the weather in force filled in."""
        snap = self.engine.snapshot(b)
        w = weather_at(self.landscapes[b].scenario, self.time_s)
        u20 = float(wind_20ft_mps(self.landscapes[b].scenario, w.wind_speed_mps, OPEN_FUEL_DEPTH_M))
        return dataclasses.replace(snap, wind_speed_20ft_mps=u20,
                                   wind_from_deg=w.wind_from_deg, moisture_d1h=w.d1h)


def simulate_scenario(scenario: Scenario, arch: str | None = None,
                      landscape: Landscape | None = None) -> tuple[Landscape, FireSimulation]:
    """Build the world (unless given) and burn it for ``duration_s``."""
    from ..world import build_world

    land = landscape if landscape is not None else build_world(scenario)
    if not scenario.ignitions:
        raise ScenarioError("ignitions", "at least one ignition to simulate a fire", [])
    sim = FireSimulation(land, arch=arch)
    sim.run()
    return sim.landscapes[0], sim
