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
6. crown fire where the surface intensity reaches Van Wagner's (1977) initiation intensity
   under the canopy base: passive (torching) below the active threshold ``3 / CBD``, with
   Cruz et al.'s (2005) passive rate where it beats the surface rate; active above it, with
   Cruz et al.'s active rate, downwind, shaped by Rothermel's (1991) crown L/B from the
   20-ft wind; crown rates are map rates, compared with the surface rate projected on the
   map, and an active cell's intensity includes the canopy fuel (Scott & Reinhardt 2001);
7. per tree: the initiation intensity of its own crown base (torching), and spotting
   from torching trees (Albini 1979 maximum distance, lognormal landing distances,
   Schroeder 1969 ignition probability).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .._env import env_threads
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
    crown_length_to_breadth,
    cruz_active_crown_ros,
    cruz_passive_crown_ros,
)
from .moisture import FuelMoisture, wetted_fuel_moisture
from .rothermel import FuelBedTable, surface_fire_grid
from .run import Member, Run, Weather, WeatherTable, as_members, schedule_times, wind_20ft_mps
from .run import weather_at as weather_at  # re-exported: the public name of earlier versions
from .spotting import (
    ignition_probability,
    spot_distance_lognormal_params,
    torching_tree_max_spot_distance,
)
from .state import FireSnapshot
from .wind import wind_10m_from_20ft, wind_adjustment_factor

log = logging.getLogger(__name__)


PARAM_REFRESH_S = 900.0
"""Longest interval between spread-parameter updates while moisture drifts (diurnal cycle, drying wetlines), s."""

OPEN_FUEL_DEPTH_M = 0.3
"""Fuel bed depth (m) used to recover a 20-ft wind from a midflame wind where no one cell's fuel applies
(reported wind, ember lofting): the unsheltered wind adjustment factor of a 0.3 m bed."""

NO_CANOPY_THRESHOLD_M_S = 1.0e6
"""Active-crowning threshold used where there is no canopy (unreachable), m/s."""

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


PARALLEL_MIN_CELLS = 32768
"""Cells per thread below which a parameter pass runs on one thread."""

DISTINCT_ROWS_MIN_CELLS = 4096
"""Parameter passes over fewer cells are evaluated cell by cell (finding the distinct cells would
cost more than it saves)."""


def _rows_by_fuel(cells: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Where the per-cell inputs of a parameter pass are the same in every cell of a fuel code (a
    fuel mosaic on flat ground under one wind: every input but the code and what follows from it
    is constant), one representative cell per code and each cell's code index: the pass is
    elementwise, so evaluating the representatives and scattering gives every cell its own
    values. None when some input varies within a code, or when there are too few cells or too
    many codes for it to pay."""
    codes = np.asarray(cells["code"])
    n = codes.size
    if n < DISTINCT_ROWS_MIN_CELLS:
        return None
    c = codes.astype(np.int64)
    lo = int(c.min())
    span = int(c.max()) - lo + 1
    if span > n:
        return None
    present = np.zeros(span, bool)
    present[c - lo] = True
    k = int(present.sum())
    if 8 * k > n:
        return None
    inv = (np.cumsum(present) - 1)[c - lo]
    rep = np.empty(k, np.int64)
    rep[inv] = np.arange(n)  # a representative cell of each code (the last one)
    for key, v in cells.items():
        if key != "code" and np.ndim(v) and np.size(v) == n and not np.array_equal(v, np.asarray(v)[rep][inv]):
            return None
    return rep, inv


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
    """A wetline or retardant line that has taken effect, with its cell mask."""

    iv: Intervention
    mask: np.ndarray


@dataclass
class _MemberState:
    """The coupler's mutable state of one member (the engine holds the fire itself).

    ``land`` is the landscape as this member's interventions edited it: the given landscape,
    shared and never copied, until an edit replaces a field (``dataclasses.replace`` shares
    every other array). ``codes`` are the current fuel codes (the landscape's array until a
    fireline or fuel break makes a new one). No array here is changed in place: an edit
    replaces it, so exported states share them safely.
    """

    base: Landscape
    land: Landscape
    run: Run
    codes: np.ndarray
    table: FuelBedTable
    tree_alive: np.ndarray
    wet: list[_Active]
    pending: list[Intervention]
    schedule_t: np.ndarray
    weather_table: WeatherTable
    torch: tuple[str, float, float, float] | None = None
    weather: Weather | None = None
    params_t: float = 0.0
    params: dict | None = None  # the engine fields last uploaded (0-d for a uniform member), at params_t
    static: dict | None = None  # derived rasters that change only with an edit


def _member_edits_at_start(land: Landscape, run: Run) -> Landscape:
    """Fuel breaks and thinning scheduled at t = 0 change the world before the fire starts."""
    start = [iv for iv in run.interventions if iv.t_s <= 0 and iv.kind in ("fuel_break", "thinning")]
    return apply_world_edits(land, start) if start else land


class FireSimulation:
    """The fires of a batch of members, advanced by one Taichi engine.

    ``FireSimulation(land)``, ``FireSimulation([land_a, land_b])`` or
    ``FireSimulation([Member(land, run_a), Member(land, run_b), ...])``: members share a grid
    and cell size; many may share one landscape (never copied). Each member has its own
    clock: :meth:`advance` takes one time or one per member. :meth:`reset` starts a member
    afresh with a new run, :meth:`export` / :meth:`load` save and restore a member's whole
    state (engine and coupler) into any slot, :meth:`snapshot` copies one member's state.
    Interventions of a run take effect at their ``t_s``; :meth:`apply_intervention` adds one
    to a running fire (the environments' actions), :meth:`ignite` a new ignition,
    :meth:`set_weather` a weather change from the member's current time. Touching one member
    costs work proportional to that member.

    Spread parameters of all members that need them are computed by one vectorised pass per
    distinct (fuel table, moisture) group: a spatially uniform member contributes one cell.
    """

    def __init__(self, members: Landscape | Member | Sequence[Landscape | Member], arch: str | None = None,
                 spotting: bool = True, crown_fire: bool = True, tree_slots: int | None = None) -> None:
        """``tree_slots``: the batch's tree capacity, the most trees a member may have when it is
        reset with another landscape (default and least: the most trees of ``members``)."""
        from .engine import FireSim

        items = as_members(members)
        shape, cell = items[0].landscape.shape, items[0].landscape.cell_m
        for i, m in enumerate(items):
            if m.landscape.shape != shape or m.landscape.cell_m != cell:
                raise ScenarioError(f"members[{i}]", f"the batch's grid {shape} at {cell} m",
                                    (m.landscape.shape, m.landscape.cell_m))
        self.batch = len(items)
        self.shape = shape
        self.cell_m = float(cell)
        self.spotting = spotting
        self.crown_fire = crown_fire
        self._tables: dict[tuple, FuelBedTable] = {}
        self._static_cache: dict[tuple, dict] = {}
        # tree capacity: the most trees of a member (0 without trees: no per-cell ember grid)
        most = max(len(m.landscape.trees) for m in items)
        if tree_slots is not None and not (isinstance(tree_slots, (int, np.integer)) and tree_slots >= most):
            raise ScenarioError("tree_slots", f"an integer >= {most} (the most trees of a member)", tree_slots)
        self.n_tree_slots = most if tree_slots is None else int(tree_slots)
        self._members: list[_MemberState] = [self._new_state(m.landscape, m.resolved_run(), i)
                                             for i, m in enumerate(items)]
        self.engine = FireSim(shape, cell, batch=self.batch, n_trees=self.n_tree_slots, arch=arch,
                              _restart_all=True)  # _start_all restarts every member at once
        self._next_evt = np.full(self.batch, np.inf)
        self._start_all(range(self.batch))

    # ----------------------------------------------------------------- members
    def _table_for(self, land: Landscape, run: Run) -> FuelBedTable:
        """The fuel table of a member's models (shared by members with the same models)."""
        from ..fuel_models import fuel_model

        models = dict(land.fuel_models)
        custom = land.scenario.fuel.custom_models
        for code in [BARE_GROUND_CODE] + [iv.fuel_model for iv in run.interventions if iv.kind == "fuel_break"]:
            fm = fuel_model(code, custom=custom)
            models.setdefault(fm.number, fm)
        key = tuple(sorted((k, id(v)) for k, v in models.items()))
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = FuelBedTable.from_models(models)
        return table

    def _new_state(self, land: Landscape, run: Run, b: int) -> _MemberState:
        if len(land.trees) > getattr(self, "n_tree_slots", len(land.trees)):
            raise ScenarioError(f"members[{b}].landscape", f"at most {self.n_tree_slots} trees (the batch's "
                                "tree capacity)", len(land.trees))
        w, h = self.shape[1] * self.cell_m, self.shape[0] * self.cell_m
        for i, ig in enumerate(run.ignitions):
            if not (0 <= ig.x_m <= w and 0 <= ig.y_m <= h):
                raise ScenarioError(f"ignitions[{i}]", f"a point inside the terrain [0, {w}] x [0, {h}] m",
                                    (ig.x_m, ig.y_m))
        edited = _member_edits_at_start(land, run)
        pending = sorted((iv for iv in run.interventions if iv.t_s > 0), key=lambda iv: iv.t_s)
        return _MemberState(base=land, land=edited, run=run, codes=edited.fuel_code,
                            table=self._table_for(edited, run), tree_alive=np.ones(len(edited.trees), bool),
                            wet=[], pending=pending, schedule_t=schedule_times(run),
                            weather_table=WeatherTable.from_run(run))

    def _start_all(self, members: Sequence[int] | range) -> None:
        """Members starting afresh at time 0: lines laid at t = 0, parameters, trees, spotting and
        ignitions, their engine state replaced in one launch (:meth:`FireSim.restart_members`)."""
        members = list(members)
        for b in members:
            m = self._members[b]
            for iv in m.run.interventions:
                if iv.t_s <= 0 and iv.kind in ("fireline", "wetline", "retardant"):
                    self._edit(b, iv, upload=False, now_s=0.0)
        params, spot = self._refresh(members, trees=True, restart=True)
        igs = [(b, ig) for b in members for ig in self._members[b].run.ignitions]
        # checks everything, then changes the engine: a bad ignition leaves the members as they were
        self.engine.restart_members(members, params, ignition_prob=[row[8] for row in spot], ignitions=(
            [b for b, _ in igs], [ig.x_m for _, ig in igs], [ig.y_m for _, ig in igs], [ig.t_s for _, ig in igs],
            [ig.radius_m for _, ig in igs]))
        self._upload_trees_of(members)
        self.engine.set_spotting_many(*zip(*spot, strict=True), cells=False)  # the probabilities are on the cells
        for b in members:
            self._update_next_event(b)

    @property
    def landscapes(self) -> list[Landscape]:
        """Each member's landscape as its interventions have edited it."""
        return [m.land for m in self._members]

    def landscape(self, b: int) -> Landscape:
        return self._members[self._check_b(b)].land

    def run_of(self, b: int) -> Run:
        """Member ``b``'s run."""
        return self._members[self._check_b(b)].run

    def tree_alive(self, b: int) -> np.ndarray:
        """Which trees of member ``b`` still stand (not thinned or felled), bool [N] (a copy)."""
        return self._members[self._check_b(b)].tree_alive.copy()

    def fuel_codes(self, b: int) -> np.ndarray:
        """Member ``b``'s current fuel codes (firelines and fuel breaks included), int16 [ny, nx] (a copy)."""
        return self._members[self._check_b(b)].codes.copy()

    def _check_b(self, b: int) -> int:
        if not (0 <= int(b) < self.batch):
            raise ScenarioError("b", f"a member index in [0, {self.batch})", b)
        return int(b)

    @property
    def time_s(self) -> float:
        """The earliest member clock (s)."""
        return self.engine.time_s

    @property
    def times_s(self) -> np.ndarray:
        """Each member's clock (s), float64 [B]."""
        return self.engine.times_s

    # --------------------------------------------------------------- parameters
    def _static(self, b: int) -> dict:
        """Rasters of member ``b`` that change only with an edit (cached per landscape and codes)."""
        m = self._members[b]
        land = m.land
        key = (id(land.canopy), id(m.codes), id(land.slope_deg), id(land.aspect_deg), id(m.table))
        if m.static is not None and m.static["key"] == key:
            return m.static
        st = self._static_cache.get(key)
        if st is None:
            canopy = stand_canopy(land.canopy, self.cell_m)
            codes, slope_deg = m.codes, land.slope_deg
            uniform = all(_is_constant(a) for a in (codes, canopy.cover, canopy.height_m, canopy.base_height_m,
                                                    canopy.bulk_density_kg_m3, slope_deg, land.aspect_deg))
            if uniform:  # every derived raster is one value: evaluate one cell (a million-cell plane: ~50 ms)
                codes, slope_deg = codes[:1, :1], slope_deg[:1, :1]
                cover, height, base = canopy.cover[:1, :1], canopy.height_m[:1, :1], canopy.base_height_m[:1, :1]
            else:
                cover, height, base = canopy.cover, canopy.height_m, canopy.base_height_m
            crown_ratio = np.where(height > 0, np.clip((height - base) / np.maximum(height, 1e-6), 0, 1), 0.0)
            depth_m = np.asarray(ft_to_m(np.asarray(m.table.depth_ft)[m.table.rows(codes)]))
            slope_frac = np.tan(np.deg2rad(slope_deg.astype(np.float64)))
            burnable = np.asarray(m.table.burnable)[m.table.rows(codes)]
            # the wind adjustment factor depends on the landscape only: midflame = WAF x 20-ft wind
            waf = wind_adjustment_factor(np.maximum(depth_m, 0.01), cover, height, crown_ratio)
            if uniform:
                crown_ratio, depth_m, slope_frac, burnable, waf = (
                    np.broadcast_to(a, self.shape) for a in (crown_ratio, depth_m, slope_frac, burnable, waf))
            st = {"key": key, "canopy": canopy, "crown_ratio": crown_ratio, "depth_m": depth_m, "waf": waf,
                  "slope_frac": slope_frac, "burnable": burnable, "uniform": uniform,
                  "has_canopy": bool(canopy.bulk_density_kg_m3.any()),
                  "refs": (land.canopy, m.codes, land.slope_deg, land.aspect_deg)}  # keep ids alive
            if len(self._static_cache) > 4 * self.batch + 16:
                self._static_cache.clear()
            self._static_cache[key] = st
        m.static = st
        return st

    def _member_inputs(self, b: int, t_s: float, cells_idx: np.ndarray | None = None) -> dict:
        """Member ``b``'s per-cell inputs to the parameter pass, flattened: one cell when the
        member is spatially uniform, every cell otherwise, or the flat cells ``cells_idx``."""
        m = self._members[b]
        st = self._static(b)
        weather = m.weather_table.at(t_s)
        uniform = st["uniform"] and not m.wet and cells_idx is None
        sl: slice | np.ndarray = slice(0, 1) if uniform else (slice(None) if cells_idx is None else cells_idx)

        def cells(a: np.ndarray) -> np.ndarray:
            a = np.asarray(a)
            if uniform:  # one cell, copied (a broadcast raster would otherwise be expanded by ravel)
                return a[(slice(0, 1),) * a.ndim].ravel().copy()
            return a.ravel()[sl]

        moist = {"d1h": weather.d1h, "d10h": weather.d10h, "d100h": weather.d100h}
        wet_arrays = None
        if m.wet:
            wet_arrays = {k: np.full(self.shape, v) for k, v in moist.items()}
            for act in m.wet:
                elapsed = t_s - act.iv.t_s
                for arr in wet_arrays.values():
                    arr[act.mask] = wetted_fuel_moisture(arr[act.mask], arr[act.mask] + act.iv.moisture_add,
                                                         elapsed, act.iv.half_life_s)
        canopy = st["canopy"]
        depth = cells(st["depth_m"])
        if m.run.weather.wind_height == "midflame":
            midflame = np.full(depth.shape, weather.wind_speed_mps)
        else:  # Andrews (2012) WAF of the stand and fuel bed, times the 20-ft wind
            midflame = cells(st["waf"]) * float(wind_20ft_mps(m.run, weather.wind_speed_mps, OPEN_FUEL_DEPTH_M))
        n = depth.size
        out = {
            "code": cells(m.codes), "depth": depth, "midflame": np.broadcast_to(midflame, (n,)),
            "wind_from": np.full(n, weather.wind_from_deg), "slope": cells(st["slope_frac"]),
            "aspect": cells(m.land.aspect_deg).astype(np.float64),
            "u20": np.broadcast_to(wind_20ft_mps(m.run, weather.wind_speed_mps, depth), (n,)),
            "cbd": cells(canopy.bulk_density_kg_m3).astype(np.float64),
            "cbh": cells(canopy.base_height_m).astype(np.float64), "ch": cells(canopy.height_m).astype(np.float64),
            "foliar_pct": np.full(n, 100.0 * m.run.moisture.foliar),
        }
        if wet_arrays is None:
            out["d1"] = np.full(n, weather.d1h)
            group_moisture = (weather.d1h, weather.d10h, weather.d100h, m.run.moisture.live_herb,
                              m.run.moisture.live_woody)
        else:
            out.update({k: v.ravel()[sl] for k, v in wet_arrays.items()})
            out["d1"] = out["d1h"]
            group_moisture = None
        m.weather = weather
        return {"b": b, "n": n, "uniform": uniform, "cells": out, "moisture": group_moisture,
                "table": m.table, "has_canopy": st["has_canopy"]}

    def _evaluate(self, inputs: list[dict], scalars: bool = False) -> list[dict[str, np.ndarray]]:
        """The spread parameters of several members from one vectorised pass per group of members
        sharing a fuel table and (uniform) moisture; with ``scalars`` a uniform member's values
        are 0-d (the engine fills them on the device), else grids."""
        groups: dict[tuple, list[int]] = {}
        for i, inp in enumerate(inputs):
            key = (id(inp["table"]), inp["moisture"] if inp["moisture"] is not None else ("member", inp["b"]))
            groups.setdefault(key, []).append(i)
        results: list[dict[str, np.ndarray] | None] = [None] * len(inputs)
        for idx in groups.values():
            cat = {k: np.concatenate([inputs[i]["cells"][k] for i in idx]) for k in inputs[idx[0]]["cells"]}
            first = inputs[idx[0]]
            if first["moisture"] is not None:
                d1, d10, d100, herb, woody = first["moisture"]
                moisture = FuelMoisture(d1h=d1, d10h=d10, d100h=d100, live_herb=herb, live_woody=woody)
            else:
                m = self._members[first["b"]].run.moisture
                moisture = FuelMoisture(d1h=cat["d1h"], d10h=cat["d10h"], d100h=cat["d100h"],
                                        live_herb=m.live_herb, live_woody=m.live_woody)
            canopy = any(inputs[i]["has_canopy"] for i in idx)
            rows = _rows_by_fuel(cat) if first["moisture"] is not None else None
            if rows is None:
                par = self._parameters_split(first["table"], cat, moisture, canopy)
            else:  # a mosaic of few fuels on otherwise uniform inputs: each distinct cell once
                rep, inv = rows
                n_all = cat["code"].size
                few = {k: (v[rep] if np.ndim(v) and np.size(v) == n_all else v) for k, v in cat.items()}
                par = {k: v[inv] for k, v in self._parameters(first["table"], few, moisture, canopy).items()}
            start = 0
            for i in idx:
                n = inputs[i]["n"]
                results[i] = {k: v[start:start + n] for k, v in par.items()}
                start += n
        out = []
        for inp, res in zip(inputs, results, strict=True):
            assert res is not None
            if inp["uniform"]:
                out.append({k: (v[0] if scalars else np.broadcast_to(v[0], self.shape)) for k, v in res.items()})
            else:
                out.append({k: v.reshape(self.shape) for k, v in res.items()})
        return out

    def _parameters_split(self, table: FuelBedTable, c: dict[str, np.ndarray], moisture: FuelMoisture,
                          with_canopy: bool) -> dict[str, np.ndarray]:
        """:meth:`_parameters` of many cells in chunks on several threads (numpy's loops release the
        interpreter lock; the pass is elementwise, so the chunks give the same bits as one pass)."""
        n = int(np.asarray(c["code"]).size)
        threads = env_threads() or os.cpu_count() or 1
        if threads < 2 or n < 2 * PARALLEL_MIN_CELLS or not np.ndim(moisture.d1h) == 0:
            return self._parameters(table, c, moisture, with_canopy)
        parts = min(2 * threads, n // PARALLEL_MIN_CELLS)
        bounds = np.linspace(0, n, parts + 1).astype(np.int64)

        def part(k: int) -> dict[str, np.ndarray]:
            sl = slice(int(bounds[k]), int(bounds[k + 1]))
            return self._parameters(table, {key: (v[sl] if np.ndim(v) and np.size(v) == n else v)
                                            for key, v in c.items()}, moisture, with_canopy)

        with ThreadPoolExecutor(max_workers=min(threads, parts)) as pool:
            chunks = list(pool.map(part, range(parts)))
        return {key: np.concatenate([ch[key] for ch in chunks]) for key in chunks[0]}

    def _parameters(self, table: FuelBedTable, c: dict[str, np.ndarray], moisture: FuelMoisture,
                    with_canopy: bool) -> dict[str, np.ndarray]:
        """Spread parameters on flattened cells (the physics of the module docstring, steps 5-6)."""
        res = surface_fire_grid(table, c["code"], moisture, c["midflame"], c["wind_from"], c["slope"], c["aspect"])
        ros = np.where(np.isfinite(res.ros_m_per_s), res.ros_m_per_s, 0.0)
        # Rothermel's rate is along the ground surface; the engine spreads in map distance.
        horizontal = horizontal_projection_factor(c["slope"], c["aspect"], res.direction_of_max_spread_deg)
        out = {
            "ros_head_m_s": ros * horizontal,
            "ros_surface_m_s": ros,
            "head_dir_deg": res.direction_of_max_spread_deg,
            "lb": np.maximum(res.length_to_breadth, 1.0),
            # Intensity uses the rate along the surface: I = H_A R (Byram 1959).
            "intensity_per_ros_kj_m2": res.heat_per_unit_area_kj_m2 / horizontal,
            "residence_s": np.maximum(res.residence_time_s, 1.0),
            "midflame_wind_mps": np.asarray(c["midflame"], np.float64),
        }
        if not self.crown_fire:
            return out
        if not with_canopy:
            out["crown_ros_m_s"] = np.zeros_like(ros)
            out["crown_active_ros_m_s"] = np.full_like(ros, NO_CANOPY_THRESHOLD_M_S)
            out["crown_fire_type"] = np.zeros(ros.shape, np.int8)
            return out
        cbd = c["cbd"]
        treed = cbd > 0  # the crown models are evaluated where there is canopy fuel
        crown_ros = np.zeros_like(cbd)
        crown_ros[treed] = cruz_active_crown_ros(wind_10m_from_20ft(c["u20"][treed]), cbd[treed], c["d1"][treed])
        r0 = active_crown_threshold_ros(cbd)
        i0 = critical_surface_intensity(c["cbh"], c["foliar_pct"])
        initiates = (cbd > 0) & (res.heat_per_unit_area_kj_m2 * ros >= i0)
        active = initiates & (crown_ros >= r0)
        passive = initiates & ~active
        surface_map = out["ros_head_m_s"]
        # Crown rates (Cruz et al. 2005) are rates over the map (no slope term), compared with the
        # surface head rate projected onto the map (the same frame).
        # Passive crown fire: Cruz et al.'s (2005, eqs. 4-5) passive rate where it exceeds the surface
        # rate; the fire keeps the surface fire's direction and shape.
        passive_ros = np.where(passive, cruz_passive_crown_ros(crown_ros, cbd), 0.0)
        # Active crown fire: its own shape, downwind with L/B = 1 + 0.125 U20 (Rothermel 1991, eq. 10,
        # as FARSITE and FlamMap use it), where the crown rate beats the surface rate.
        crowned = active & (crown_ros > surface_map)
        downwind = (np.asarray(c["wind_from"], np.float64) + 180.0) % 360.0
        out["ros_head_m_s"] = np.where(crowned, crown_ros, np.maximum(surface_map, passive_ros))
        out["head_dir_deg"] = np.where(crowned, downwind, out["head_dir_deg"])
        out["lb"] = np.where(crowned, crown_length_to_breadth(c["u20"]), out["lb"])
        out["crown_ros_m_s"] = np.where(active, crown_ros, 0.0)
        # An active crown fire burns the canopy fuel too: I = (H_A + W_c h_c) R with CFB = 1 (Scott &
        # Reinhardt 2001, eq. 22), W_c = CBD x canopy depth; R is then the crown (map) rate, so no slope
        # projection. A passive or surface fire keeps H_A per unit of map rate (H_A / projection).
        canopy_load = cbd * np.maximum(c["ch"] - c["cbh"], 0.0)
        out["intensity_per_ros_kj_m2"] = np.where(
            active, crown_fire_intensity(1.0, res.heat_per_unit_area_kj_m2, canopy_load),
            out["intensity_per_ros_kj_m2"])
        # No canopy: the threshold is unreachable; a large finite number keeps the engine's checks simple.
        out["crown_active_ros_m_s"] = np.where(np.isfinite(r0), r0, NO_CANOPY_THRESHOLD_M_S)
        out["crown_fire_type"] = np.where(active, 2, np.where(passive, 1, 0)).astype(np.int8)
        return out

    def spread_params(self, b: int, t_s: float) -> dict[str, np.ndarray]:
        """Per-cell spread parameters of member ``b`` at time ``t_s`` (what the engine receives)."""
        b = self._check_b(b)
        return self._evaluate([self._member_inputs(b, t_s)])[0]

    _ENGINE_FIELDS = ("ros_head_m_s", "head_dir_deg", "lb", "intensity_per_ros_kj_m2", "residence_s")
    _KEPT_FIELDS = (*_ENGINE_FIELDS, "crown_ros_m_s", "crown_active_ros_m_s")

    def _patch_params(self, b: int, mask: np.ndarray) -> bool:
        """After an edit of the fuel codes in ``mask`` only: evaluate the edited cells and patch the
        member's last parameters (what a full pass would give, cell for cell: the pass is elementwise
        and nothing else changed). Work proportional to the edit. False when it does not apply
        (nothing kept, the weather or the moisture drifted since, wetlines active)."""
        patch = self._patched_grids(b, mask)
        if patch is None:
            return False
        self.engine.patch_member_cells([b], [patch[0]], [patch[1]])
        return True

    def _patched_grids(self, b: int, mask: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        """The flat cells of ``mask`` and member ``b``'s parameter grids with those cells
        re-evaluated (kept as its last parameters), or None where a patch does not apply (see
        :meth:`_patch_params`)."""
        m = self._members[b]
        now = float(self.engine.times_s[b])
        if (m.params is None or m.wet or m.run.weather.diurnal_moisture
                or m.weather_table.at(now) != m.weather_table.at(m.params_t)):
            return None
        idx = np.flatnonzero(mask.ravel())
        grids = {}
        if idx.size == 0:
            return idx, {k: np.broadcast_to(v, self.shape) for k, v in m.params.items()}
        inp = self._member_inputs(b, now, cells_idx=idx)
        d1, d10, d100, herb, woody = inp["moisture"]
        moisture = FuelMoisture(d1h=d1, d10h=d10, d100h=d100, live_herb=herb, live_woody=woody)
        new = self._parameters(m.table, inp["cells"], moisture, self._static(b)["has_canopy"])
        for k, v in m.params.items():
            g = np.array(np.broadcast_to(v, self.shape), np.float64).ravel()
            if k in new:
                g[idx] = new[k]
            grids[k] = g.reshape(self.shape)
        m.params = grids
        m.params_t = now
        return idx, grids

    def _refresh(self, members: Sequence[int], trees: bool = False, restart: bool = False,
                 ) -> tuple[list[dict[str, np.ndarray]], list[tuple]]:
        """Recompute and upload the parameters (and spotting; trees with ``trees``) of ``members``,
        each at its own clock, from one vectorised pass. With ``restart`` the members start afresh at
        time 0 and nothing goes to the engine: their parameters and spotting rows are returned for
        :meth:`_start_all` (which checks and installs everything in one launch first)."""
        members = list(members)
        if not members:
            return [], []
        times = self.engine.times_s
        if restart:
            times[members] = 0.0
        params = self._evaluate([self._member_inputs(b, float(times[b])) for b in members], scalars=True)
        if not restart:
            self.engine.set_member_params(members, params)
        for b, p in zip(members, params, strict=True):
            self._members[b].params_t = float(times[b])
            self._members[b].params = {k: p[k] for k in self._KEPT_FIELDS if k in p}
        if restart:
            return params, self._spotting_rows(members, times)
        if trees:
            self._upload_trees_of(members)
        self._upload_spotting(members, times)
        return params, []

    def _upload_trees_of(self, members: list[int]) -> None:
        """The trees of ``members`` to the engine (one transfer when they are the whole batch)."""
        whole = len(members) == self.batch  # one transfer for the batch, else member rows only
        for b in members:
            self._upload_trees(b, upload=not whole)
        if whole:
            self.engine.upload_trees()

    def _upload_trees(self, b: int, upload: bool = True) -> None:
        m = self._members[b]
        t = m.land.trees
        if not len(t):
            self.engine.set_trees(b, [], [], [], [], upload=upload)
            return
        foliar_pct = 100.0 * m.run.moisture.foliar
        i0 = critical_surface_intensity(t.crown_base_m, foliar_pct) if self.crown_fire else np.full(len(t), np.inf)
        alive = m.tree_alive
        i0 = np.where(alive, i0, np.inf)
        self.engine.set_trees(b, t.x_m, t.y_m, t.crown_base_m, i0, np.where(alive, t.foliage_kg, 0.0),
                              np.where(alive, t.branch_kg, 0.0), upload=upload)

    def _torching_source(self, b: int) -> tuple[str, float, float, float]:
        """(Albini species, DBH m, height m, downwind cover height m) of member ``b``'s typical torching
        tree: the dominant species at the median height. Cached until an intervention edits the member."""
        m = self._members[b]
        if m.torch is None:
            from ..species import species_table

            t = m.land.trees
            counts = np.bincount(t.species, minlength=len(t.species_names))
            dominant = t.species_names[int(np.argmax(counts))]
            height = float(np.median(t.height_m))
            dbh_m = float(species_table()[dominant].dbh_cm(np.array([height]))[0]) / 100.0
            treed = m.land.canopy.height_m > 0
            cover_h = float(np.median(m.land.canopy.height_m[treed])) if treed.any() else 0.0
            m.torch = (ALBINI_SPECIES.get(dominant, "ponderosa_pine"), dbh_m, height, cover_h)
        return m.torch

    def _upload_spotting(self, members: Sequence[int], times: np.ndarray | None = None,
                         cells: bool = True) -> None:
        """Ember flight and ignition probability of ``members`` from their weather at ``times[b]``
        (default: their clocks), one upload; the probabilities go to the cells with ``cells``."""
        rows = self._spotting_rows(members, times)
        if rows:
            self.engine.set_spotting_many(*zip(*rows, strict=True), cells=cells)

    def _spotting_rows(self, members: Sequence[int], times: np.ndarray | None = None) -> list[tuple]:
        """:meth:`FireSim.set_spotting_many`'s arguments for each member, as rows: (member, embers
        per tree, mean and standard deviation of the distance m, direction deg, lateral spread deg,
        delay s, seed, ignition probability, maximum distance m)."""
        rows = []
        times = self.engine.times_s if times is None else times
        for b in members:
            m = self._members[b]
            cfg = m.run.spotting
            weather = m.weather or m.weather_table.at(float(times[b]))
            t = m.land.trees
            on = self.spotting and cfg.enabled and self.crown_fire and len(t) > 0
            n_embers = cfg.embers_per_tree if on else 0
            mean_m, sd_m, dmax = 1.0, 0.0, 1.0
            if n_embers:
                species, dbh_m, height, cover_h = self._torching_source(b)
                u20 = float(wind_20ft_mps(m.run, weather.wind_speed_mps, OPEN_FUEL_DEPTH_M))
                dmax = float(torching_tree_max_spot_distance(species, dbh_m, height, cover_h, u20))
                if dmax <= self.cell_m:
                    n_embers = 0  # embers cannot leave the torching tree's cell
                elif cfg.distance_model == "maximum":
                    mean_m, sd_m = dmax, 0.0
                else:
                    mu, sigma = spot_distance_lognormal_params(dmax, cfg.lognormal_sigma)
                    mu, sigma = float(mu), float(sigma)
                    mean_m = math.exp(mu + 0.5 * sigma**2)
                    sd_m = mean_m * math.sqrt(math.expm1(sigma**2))
            if cfg.ignition_model == "constant":
                prob = float(cfg.ignition_probability)
            else:
                prob = float(ignition_probability(weather.d1h, m.run.weather.air_temperature_c))
            rows.append((b, n_embers, mean_m, sd_m, (weather.wind_from_deg + 180.0) % 360.0, cfg.lateral_spread_deg,
                         cfg.delay_s, m.run.seed, prob, dmax))
        return rows

    def _drift_step_s(self, b: int) -> float | None:
        """Longest interval between parameter updates of member ``b`` while its moisture drifts, s."""
        m = self._members[b]
        if not (m.run.weather.diurnal_moisture or m.wet):
            return None
        step = PARAM_REFRESH_S
        for act in m.wet:
            step = min(step, max(60.0, act.iv.half_life_s / 4.0))
        return step

    def _update_next_event(self, b: int) -> None:
        """Member ``b``'s next event after its clock: a weather change, a pending intervention or a
        moisture refresh (``inf`` if none). Binary search in the sorted schedule: O(log n)."""
        m = self._members[b]
        now = float(self.engine.times_s[b])
        t = np.inf
        k = int(np.searchsorted(m.schedule_t, now, side="right"))
        if k < m.schedule_t.size:
            t = float(m.schedule_t[k])
        if m.pending:
            t = min(t, m.pending[0].t_s)
        step = self._drift_step_s(b)
        if step is not None:
            t = min(t, m.params_t + step)
        self._next_evt[b] = t

    # ------------------------------------------------------------ interventions
    def apply_intervention(self, b: int, iv: Intervention) -> None:
        """Apply ``iv`` to member ``b`` now (its ``t_s`` is taken as the member's current time)."""
        b = self._check_b(b)
        self._edit(b, iv, upload=True)
        self._update_next_event(b)

    def apply_interventions(self, items: Sequence[tuple[int, Intervention]]) -> None:
        """Apply several interventions, each ``(b, iv)`` to member ``b`` now, in the order given:
        the same state as :meth:`apply_intervention` one by one, bit for bit, but the firelines of
        all members are evaluated on their own cells and installed in one engine pass (an RL
        batch where many crews cut line in the same step)."""
        items = [(self._check_b(b), iv) for b, iv in items]
        by_member: dict[int, list[Intervention]] = {}
        for b, iv in items:
            by_member.setdefault(b, []).append(iv)
        patch_b, patch_cells, patch_grids = [], [], []
        for b, ivs in by_member.items():
            if all(iv.kind == "fireline" for iv in ivs):
                mask = np.zeros(self.shape, bool)
                for iv in ivs:
                    mask |= self._edit(b, iv, upload=False)
                patch = self._patched_grids(b, mask)
                if patch is not None:
                    patch_b.append(b)
                    patch_cells.append(patch[0])
                    patch_grids.append(patch[1])
                else:
                    self._refresh([b])
            else:
                for iv in ivs:
                    self._edit(b, iv, upload=True)
        if patch_b:
            self.engine.patch_member_cells(patch_b, patch_cells, patch_grids)
            self._upload_spotting(patch_b)
        for b in by_member:
            self._update_next_event(b)

    def ignite(self, b: int, x_m: float, y_m: float, t_s: float | None = None, radius_m: float = 0.0) -> int:
        """A new ignition of member ``b`` at ``(x_m, y_m)`` (m), now or at ``t_s``; returns cells ignited."""
        return self.engine.ignite(self._check_b(b), x_m, y_m, t_s, radius_m)

    def set_weather(self, b: int, wind_speed_mps: float | None = None, wind_from_deg: float | None = None,
                    d1h: float | None = None, d10h: float | None = None, d100h: float | None = None) -> None:
        """A weather change of member ``b`` at its current time (added to its run's schedule; changes
        scheduled later still apply at their times)."""
        from ..scenario import WeatherChange

        b = self._check_b(b)
        m = self._members[b]
        now = float(self.engine.times_s[b])
        checks = (("wind_speed_mps", wind_speed_mps, 0.0, 60.0), ("wind_from_deg", wind_from_deg, 0.0, 360.0),
                  ("d1h", d1h, 0.01, 1.0), ("d10h", d10h, 0.01, 1.0), ("d100h", d100h, 0.01, 1.0))
        for name, v, lo, hi in checks:
            if v is not None and not (math.isfinite(v) and lo <= v <= hi):
                raise ScenarioError(name, f"a value in [{lo}, {hi}]", v)
        change = WeatherChange(t_s=now, wind_speed_mps=wind_speed_mps, wind_from_deg=wind_from_deg,
                               d1h=d1h, d10h=d10h, d100h=d100h)
        before = [ch for ch in m.run.weather.schedule if ch.t_s <= now]
        after = [ch for ch in m.run.weather.schedule if ch.t_s > now]
        weather = dataclasses.replace(m.run.weather, schedule=[*before, change, *after])
        m.run = m.run.replace(weather=weather)
        m.schedule_t = schedule_times(m.run)
        m.weather_table = WeatherTable.from_run(m.run)
        self._refresh([b])
        self._update_next_event(b)

    def _own_codes(self, m: _MemberState) -> None:
        """A new codes array for every edit: derived rasters are cached by the array's identity."""
        m.codes = m.codes.copy()

    def _edit(self, b: int, iv: Intervention, upload: bool, now_s: float | None = None) -> np.ndarray:
        """The state change of an intervention on member ``b`` at ``now_s`` (default: its clock),
        uploaded to the engine with ``upload``."""
        m = self._members[b]
        m.torch = None
        land = m.land
        iv = dataclasses.replace(iv, t_s=float(self.engine.times_s[b]) if now_s is None else float(now_s))
        trees_changed = False
        mask = np.zeros(self.shape, bool)
        if iv.kind == "thinning":
            # Thin the standing trees only (those removed earlier stay out of the canopy), then map
            # the result back: trees keep their ids in the engine, removed ones lose their crown fuel
            # and pruned ones get their raised crown base and reduced foliage.
            alive_idx = np.flatnonzero(m.tree_alive)
            standing = dataclasses.replace(land, trees=land.trees.subset(m.tree_alive))
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
                m.tree_alive = m.tree_alive & alive
            m.land = dataclasses.replace(land, trees=trees, canopy=thinned.canopy)
            trees_changed = True
        else:
            mask = polyline_mask(iv.points_m, iv.width_m, self.shape, self.cell_m)
            if iv.kind == "fireline":
                self._own_codes(m)
                m.codes[mask] = BARE_GROUND_CODE
            elif iv.kind == "fuel_break":
                from ..fuel_models import fuel_model

                self._own_codes(m)
                m.codes[mask] = fuel_model(iv.fuel_model, custom=land.scenario.fuel.custom_models).number
                m.tree_alive = m.tree_alive & ~trees_in_mask(land.trees, mask, self.cell_m)
                # The felled trees no longer shelter the wind nor carry crown fire.
                from ..world.canopy import canopy_rasters

                canopy = canopy_rasters(land.trees.subset(m.tree_alive), self.shape, self.cell_m)
                m.land = dataclasses.replace(land, canopy=canopy)
                trees_changed = True
            elif iv.kind in ("wetline", "retardant"):
                m.wet.append(_Active(iv, mask))
        m.static = None
        if upload:
            if iv.kind == "fireline" and self._patch_params(b, mask):  # only the line's cells change
                self._upload_spotting([b])
            else:
                self._refresh([b])
            if trees_changed:
                self._upload_trees(b)
        return mask

    def added_moisture(self, b: int) -> np.ndarray:
        """Moisture (fraction) that member ``b``'s wetlines and retardant add to the dead fuels now, [ny, nx]."""
        b = self._check_b(b)
        m = self._members[b]
        out = np.zeros(self.shape)
        now = float(self.engine.times_s[b])
        for act in m.wet:  # the excess each line adds, decaying as wetted_fuel_moisture has it
            out[act.mask] += float(wetted_fuel_moisture(0.0, act.iv.moisture_add, now - act.iv.t_s, act.iv.half_life_s))
        return out

    # ------------------------------------------------------------------ running
    def _targets(self, until_s: float | Sequence[float] | np.ndarray) -> np.ndarray:
        now = self.engine.times_s
        if np.ndim(until_s) == 0:
            target = np.full(self.batch, float(until_s))  # type: ignore[arg-type]
        else:
            target = np.asarray(until_s, np.float64)
            if target.shape != (self.batch,):
                raise ScenarioError("until_s", f"one time or {self.batch} times (one per member)", target.shape)
        bad = ~(np.isfinite(target) & (target >= now))
        if bad.any():
            b = int(np.flatnonzero(bad)[0])
            raise ScenarioError("until_s", f"a finite time >= member {b}'s current time {now[b]} s", float(target[b]))
        return target

    def advance(self, until_s: float | Sequence[float] | np.ndarray) -> None:
        """Advance each member to ``until_s`` (one time for all, or one per member; s since its start).

        Weather changes, interventions and moisture refreshes fall on their own times for each
        member; between them one engine advance moves every member that has not arrived.
        """
        target = self._targets(until_s)
        while True:
            now = self.engine.times_s
            moving = now < target
            if not moving.any():
                return
            step_to = np.where(moving, np.minimum(target, np.maximum(self._next_evt, now)), now)
            self.engine.advance(step_to)
            now = self.engine.times_s
            hit = np.flatnonzero(moving & (self._next_evt <= now))
            refresh = []
            for b in hit:
                m = self._members[b]
                intervened = False
                while m.pending and m.pending[0].t_s <= now[b]:
                    self._edit(int(b), m.pending.pop(0), upload=False)
                    intervened = True
                refresh.append(int(b))
                if intervened:
                    self._upload_trees(int(b))
            self._refresh(refresh)
            for b in hit:
                self._update_next_event(int(b))

    def run(self) -> None:
        """Advance each member to its run's ``duration_s``."""
        self.advance(np.maximum(np.array([m.run.duration_s for m in self._members]), self.engine.times_s))

    def reset(self, b: int, run: Run | None = None, landscape: Landscape | None = None) -> None:
        """Start member ``b`` afresh at time 0 with ``run`` (default: its current run) on ``landscape``
        (default: its landscape as given, before any edit). Work proportional to the member."""
        b = self._check_b(b)
        m = self._members[b]
        land = landscape if landscape is not None else m.base
        if land.shape != self.shape or land.cell_m != self.cell_m:
            raise ScenarioError("landscape", f"a landscape of the batch's grid {self.shape} at {self.cell_m} m",
                                (land.shape, land.cell_m))
        self._members[b] = self._new_state(land, run if run is not None else m.run, b)
        try:
            self._start_all([b])
        except Exception:
            self._members[b] = m  # the engine is unchanged when the restart refuses its input
            raise

    def reset_many(self, items: Sequence[tuple[int, Run | None, Landscape | None]]) -> None:
        """:meth:`reset` of several members, each ``(b, run, landscape)`` (``None``: as there), with
        one vectorised parameter pass and one engine upload for all of them: the same bytes as
        resetting them one by one (an ensemble's next batch, a vector env's finished slots)."""
        items = list(items)
        seen: set[int] = set()
        fresh = []
        for b, run, landscape in items:
            b = self._check_b(b)
            if b in seen:
                raise ScenarioError("members", "distinct member indices", [i[0] for i in items])
            seen.add(b)
            m = self._members[b]
            land = landscape if landscape is not None else m.base
            if land.shape != self.shape or land.cell_m != self.cell_m:
                raise ScenarioError("landscape", f"a landscape of the batch's grid {self.shape} at {self.cell_m} m",
                                    (land.shape, land.cell_m))
            fresh.append((b, land, run if run is not None else m.run))
        before = {b: self._members[b] for b, _, _ in fresh}
        for b, land, run in fresh:
            self._members[b] = self._new_state(land, run, b)
        members = [b for b, _, _ in fresh]
        try:
            self._start_all(members)
        except Exception:
            for b, m in before.items():  # the engine is unchanged when the restart refuses its input
                self._members[b] = m
            raise

    def export(self, b: int) -> MemberState:
        """Member ``b``'s whole state (engine and coupler): :meth:`load` continues it bit for bit in
        any slot of a simulation on the same grid and tree capacity."""
        b = self._check_b(b)
        m = self._members[b]
        # arrays are never edited in place (an edit makes new ones), so they are shared; the lists are copied
        coupler = dataclasses.replace(m, wet=list(m.wet), pending=list(m.pending), static=None)
        return MemberState(engine=self.engine.export(b), coupler=coupler, next_event_s=float(self._next_evt[b]))

    def load(self, b: int, state: MemberState) -> None:
        """Put an exported member state into slot ``b`` (the other members are untouched)."""
        b = self._check_b(b)
        if not isinstance(state, MemberState):
            raise ScenarioError("state", "a MemberState from FireSimulation.export", type(state).__name__)
        c = state.coupler
        if c.land.shape != self.shape or c.land.cell_m != self.cell_m:
            raise ScenarioError("state", f"a member of a {self.shape} grid at {self.cell_m} m",
                                (c.land.shape, c.land.cell_m))
        self.engine.load(b, state.engine)
        m = dataclasses.replace(c, wet=list(c.wet), pending=list(c.pending), static=None)
        self._members[b] = m
        self._next_evt[b] = state.next_event_s

    def continue_with(self, b: int, run: Run) -> None:
        """Member ``b`` goes on from its current time under ``run`` (a branch of a loaded state).

        The fire, its edits and its clock stay; from now on the weather is ``run``'s (its value in
        force now and its later changes), its interventions at or after now are pending, and its
        ``duration_s`` holds. ``run`` should repeat the past (the weather before now, the
        interventions before now, moisture, spotting and seed): then the member continues exactly as
        ``run`` burned from the start would, which is what a branch means. Ignitions and interventions
        before now are not replayed (they are in the state)."""
        b = self._check_b(b)
        m = self._members[b]
        now = float(self.engine.times_s[b])
        m.run = run
        m.schedule_t = schedule_times(run)
        m.weather_table = WeatherTable.from_run(run)
        m.pending = sorted((iv for iv in run.interventions if iv.t_s >= now and iv.t_s > 0), key=lambda iv: iv.t_s)
        m.table = self._table_for(m.land, run)
        m.static = None
        m.torch = None
        self._refresh([b])
        self._update_next_event(b)

    def snapshot(self, b: int = 0) -> FireSnapshot:
        """numpy copy of member ``b``'s state with the weather in force and its current fuel edits."""
        b = self._check_b(b)
        m = self._members[b]
        snap = self.engine.snapshot(b)
        w = m.weather_table.at(snap.time_s)
        u20 = float(wind_20ft_mps(m.run, w.wind_speed_mps, OPEN_FUEL_DEPTH_M))
        return dataclasses.replace(snap, wind_speed_20ft_mps=u20, wind_from_deg=w.wind_from_deg, moisture_d1h=w.d1h,
                                   fuel_code=m.codes.copy(), added_moisture=self.added_moisture(b))


@dataclass(frozen=True)
class MemberState:
    """One member's exported state: the engine's arrays and the coupler's run, edits and clock."""

    engine: dict[str, np.ndarray]
    coupler: _MemberState
    next_event_s: float

    @property
    def time_s(self) -> float:
        return float(self.engine["time_s"])


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
