"""A variant's world (forest and fuel treatments) and its members' runs (weather, ignitions).

World edits return a new :class:`~wildfire_gym.world.landscape.Landscape` (new fuel, tree and
canopy arrays; terrain shared). Runs only replace the scenario a member carries, so every member
of a variant, and every variant with the same edits, shares one landscape's arrays.

Perturbations are drawn from ``numpy.random.SeedSequence((ensemble.seed, member))``: member ``k``
of two variants with the same ensemble seed sees the same wind, moisture and ignition offsets
(common random numbers, so that differences between variants come from the variants).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..scenario import Ignition, MoistureConfig, Scenario, WeatherChange
from ..world.edits import polygon_mask, polyline_mask, trees_in_mask
from ..world.landscape import Landscape, Trees
from .schema import (
    DefensibleSpace,
    Ensemble,
    FuelBreak,
    IgnitionSet,
    LadderFuels,
    PrescribedBurn,
    Thinning,
    Variant,
    WeatherVariant,
)

M2_PER_HA = 1.0e4
"""square metres per hectare."""
M2_PER_KM2 = 1.0e6
"""square metres per square kilometre."""

HIZ_ZONE0_M = 1.5
"""m; outer edge of home ignition zone 0, noncombustible (5 ft; NFPA / Firewise)."""
HIZ_ZONE1_M = 9.0
"""m; outer edge of zone 1, lean, clean and green (30 ft; NFPA / Firewise)."""
HIZ_ZONE2_M = 30.0
"""m; outer edge of zone 2, reduced fuel (100 ft; NFPA / Firewise)."""

MAX_PRUNE_FRACTION_OF_HEIGHT = 0.9
"""-; pruning never raises a crown base above this fraction of the tree's height (as world.edits)."""

NONCOMBUSTIBLE_CODE = "NB9"
"""Fuel model of noncombustible ground (Scott & Burgan NB9, bare ground)."""


# --------------------------------------------------------------------- world edits
def _with_trees(land: Landscape, trees: Trees) -> Landscape:
    from ..world.canopy import canopy_rasters

    return dataclasses.replace(land, trees=trees, canopy=canopy_rasters(trees, land.shape, land.cell_m))


def _with_fuel(land: Landscape, mask: np.ndarray, code: str) -> Landscape:
    from ..fuel_models import fuel_model

    fm = fuel_model(code, custom=land.scenario.fuel.custom_models)
    codes = land.fuel_code.copy()
    codes[mask] = fm.number
    models = dict(land.fuel_models)
    models[fm.number] = fm
    models = {c: mdl for c, mdl in models.items() if c in set(np.unique(codes).tolist())}
    return dataclasses.replace(land, fuel_code=codes, fuel_models=models)


def _prune(trees: Trees, which: np.ndarray, to_m: float) -> Trees:
    """Raise the crown bases of ``which`` trees to ``to_m`` (at most 90 % of height); the foliage and
    fine branches below go in proportion to the crown length lost."""
    if to_m <= 0 or not which.any():
        return trees
    base = trees.crown_base_m.astype(np.float64)
    height = trees.height_m.astype(np.float64)
    new_base = np.where(which, np.minimum(np.maximum(base, to_m), MAX_PRUNE_FRACTION_OF_HEIGHT * height), base)
    left = np.clip((height - new_base) / np.maximum(height - base, 1e-6), 0.0, 1.0)
    return dataclasses.replace(trees, crown_base_m=new_base.astype(np.float32),
                               foliage_kg=(trees.foliage_kg * left).astype(np.float32),
                               branch_kg=(trees.branch_kg * left).astype(np.float32))


def _remove_from(trees: Trees, candidates: np.ndarray, n_remove: int, from_below: bool,
                 rng: np.random.Generator | None) -> np.ndarray:
    """Boolean keep mask removing ``n_remove`` of the ``candidates`` (shortest first, or at random)."""
    idx = np.flatnonzero(candidates)
    n_remove = int(min(max(n_remove, 0), idx.size))
    keep = np.ones(len(trees), bool)
    if n_remove == 0:
        return keep
    if from_below:
        order = idx[np.lexsort((idx, trees.height_m[idx]))]  # shortest first, ties by id
    else:
        order = (rng or np.random.default_rng(0)).permutation(idx)
    keep[order[:n_remove]] = False
    return keep


def apply_thinning(land: Landscape, th: Thinning, seed: int = 0) -> Landscape:
    """Thin inside ``th.area_m``: by percent of stems, to a residual density, or to a crown base."""
    trees = land.trees
    if not len(trees):
        return land
    area = polygon_mask(th.area_m, land.shape, land.cell_m)
    inside = trees_in_mask(trees, area, land.cell_m)
    if th.crown_base_m is not None:
        keep = ~(inside & (trees.crown_base_m < th.crown_base_m))
    else:
        if th.percent is not None:
            n_remove = int(round(th.percent / 100.0 * inside.sum()))
        else:
            area_ha = float(area.sum()) * land.cell_m**2 / M2_PER_HA
            n_remove = int(inside.sum()) - int(round((th.trees_per_ha or 0.0) * area_ha))
        keep = _remove_from(trees, inside, n_remove, th.from_below, np.random.default_rng(seed))
    return _with_trees(land, trees.subset(keep))


def apply_ladder_fuels(land: Landscape, lf: LadderFuels) -> Landscape:
    """Cut trees shorter than ``remove_below_m`` and prune the rest to ``prune_to_m`` inside the area."""
    trees = land.trees
    if not len(trees):
        return land
    inside = trees_in_mask(trees, polygon_mask(lf.area_m, land.shape, land.cell_m), land.cell_m)
    trees = _prune(trees, inside, lf.prune_to_m)
    return _with_trees(land, trees.subset(~(inside & (trees.height_m < lf.remove_below_m))))


def apply_fuel_break(land: Landscape, fb: FuelBreak) -> Landscape:
    """The strip becomes ``fb.fuel_model``; the trees standing in it are felled."""
    mask = polyline_mask(fb.points_m, fb.width_m, land.shape, land.cell_m)
    land = _with_fuel(land, mask, fb.fuel_model)
    return _with_trees(land, land.trees.subset(~trees_in_mask(land.trees, mask, land.cell_m)))


def apply_prescribed_burn(land: Landscape, pb: PrescribedBurn) -> Landscape:
    """Surface fuel to ``pb.fuel_model``, small trees killed, crowns scorched up to ``scorch_to_m``."""
    mask = polygon_mask(pb.area_m, land.shape, land.cell_m)
    land = _with_fuel(land, mask, pb.fuel_model)
    trees = land.trees
    if not len(trees):
        return land
    inside = trees_in_mask(trees, mask, land.cell_m)
    trees = _prune(trees, inside, pb.scorch_to_m)
    return _with_trees(land, trees.subset(~(inside & (trees.height_m < pb.kill_below_m))))


def footprint_distance_grid(land: Landscape, max_m: float) -> np.ndarray:
    """Distance (m) from each cell centre to the nearest house footprint, +inf beyond ``max_m``."""
    from ..world.structures import distance_to_footprints_m

    st = land.structures
    ny, nx = land.shape
    out = np.full(land.shape, np.inf)
    for h in range(len(st)):
        reach = max_m + 0.5 * float(np.hypot(st.length_m[h], st.width_m[h])) + land.cell_m
        x0, x1 = max(int((st.x_m[h] - reach) // land.cell_m), 0), min(int((st.x_m[h] + reach) // land.cell_m) + 1, nx)
        y0, y1 = max(int((st.y_m[h] - reach) // land.cell_m), 0), min(int((st.y_m[h] + reach) // land.cell_m) + 1, ny)
        if x0 >= x1 or y0 >= y1:
            continue
        px, py = np.meshgrid((np.arange(x0, x1) + 0.5) * land.cell_m, (np.arange(y0, y1) + 0.5) * land.cell_m)
        d = distance_to_footprints_m(px.ravel(), py.ravel(), st, np.full(px.size, h)).reshape(px.shape)
        out[y0:y1, x0:x1] = np.minimum(out[y0:y1, x0:x1], d)
    out[out > max_m] = np.inf
    return out


def tree_footprint_distance(land: Landscape, max_m: float) -> np.ndarray:
    """Distance (m) from each stem to the nearest house footprint, +inf beyond ``max_m``."""
    from scipy.spatial import cKDTree

    from ..world.structures import distance_to_footprints_m

    st, trees = land.structures, land.trees
    out = np.full(len(trees), np.inf)
    if not len(st) or not len(trees):
        return out
    stems = np.column_stack([trees.x_m.astype(np.float64), trees.y_m.astype(np.float64)])
    reach = max_m + 0.5 * float(np.hypot(st.length_m, st.width_m).max()) + 1e-6
    for h, idx in enumerate(cKDTree(stems).query_ball_point(np.column_stack([st.x_m, st.y_m]), r=reach)):
        if idx:
            k = np.asarray(idx, np.int64)
            d = distance_to_footprints_m(stems[k, 0], stems[k, 1], st, np.full(k.size, h))
            out[k] = np.minimum(out[k], d)
    out[out > max_m] = np.inf
    return out


def apply_defensible_space(land: Landscape, ds: DefensibleSpace) -> Landscape:
    """Home ignition zones 0-1.5 m, 1.5-9 m and 9-30 m around every house.

    A cell belongs to the zone its centre falls in; a tree to the zone of its stem. On a grid
    coarser than a zone the zone still marks the cells whose centre it holds.
    """
    if not len(land.structures):
        return land
    d_cell = footprint_distance_grid(land, HIZ_ZONE2_M)
    if ds.zone0:
        land = _with_fuel(land, d_cell <= HIZ_ZONE0_M, NONCOMBUSTIBLE_CODE)
    if ds.zone1:
        land = _with_fuel(land, (d_cell > (HIZ_ZONE0_M if ds.zone0 else -1.0)) & (d_cell <= HIZ_ZONE1_M),
                          ds.zone1_fuel_model)
    if ds.zone2 and ds.zone2_fuel_model is not None:
        land = _with_fuel(land, (d_cell > HIZ_ZONE1_M) & (d_cell <= HIZ_ZONE2_M), ds.zone2_fuel_model)
    trees = land.trees
    if len(trees):
        d_tree = tree_footprint_distance(land, HIZ_ZONE2_M)
        keep = np.ones(len(trees), bool)
        if ds.zone0:
            keep &= ~(d_tree <= HIZ_ZONE0_M)
        z1 = (d_tree > HIZ_ZONE0_M) & (d_tree <= HIZ_ZONE1_M)
        z2 = (d_tree > HIZ_ZONE1_M) & (d_tree <= HIZ_ZONE2_M)
        if ds.zone1 and ds.zone1_remove_trees:
            keep &= ~z1
        if ds.zone2:
            keep &= _remove_from(trees, z2, int(round(ds.zone2_thin_percent / 100.0 * z2.sum())), True, None)
        prune = (z1 & ds.zone1) | (z2 & ds.zone2)
        trees = _prune(trees, prune, ds.prune_to_m).subset(keep)
        land = _with_trees(land, trees)
    return land


def variant_world(base: Landscape, v: Variant, seed: int = 0) -> Landscape:
    """The base landscape with the variant's edits: thinning, ladder fuels, prescribed burns,
    fuel breaks, defensible space (in that order). The base itself when nothing is edited."""
    land = base
    if v.thinning is not None:
        land = apply_thinning(land, v.thinning, seed)
    if v.ladder_fuels is not None:
        land = apply_ladder_fuels(land, v.ladder_fuels)
    for pb in v.prescribed_burns:
        land = apply_prescribed_burn(land, pb)
    for fb in v.fuel_breaks:
        land = apply_fuel_break(land, fb)
    if v.defensible_space is not None:
        land = apply_defensible_space(land, v.defensible_space)
    return land


# --------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class MemberRun:
    """What one member of an ensemble varies (SI; wind at the scenario's wind height)."""

    member: int
    wind_speed_mps: float
    wind_from_deg: float
    moisture: MoistureConfig
    schedule: tuple[WeatherChange, ...]
    ignitions: tuple[Ignition, ...]
    seed: int


def burnable_cells(land: Landscape) -> np.ndarray:
    """Boolean ``[ny, nx]``: cells whose fuel model burns."""
    burnable = np.array([land.fuel_models[int(c)].burnable for c in np.unique(land.fuel_code)])
    codes = np.unique(land.fuel_code)
    return np.isin(land.fuel_code, codes[burnable])


def _points_in_cells(rng: np.random.Generator, cells: np.ndarray, n: int, cell_m: float) -> list[tuple[float, float]]:
    iy, ix = np.nonzero(cells)
    if iy.size == 0 or n <= 0:
        return []
    pick = rng.integers(0, iy.size, size=n)
    u = rng.random((n, 2))
    return [(float((ix[k] + u[j, 0]) * cell_m), float((iy[k] + u[j, 1]) * cell_m)) for j, k in enumerate(pick)]


def member_runs(base: Scenario, land: Landscape, weather: WeatherVariant | None, ignitions: IgnitionSet,
                ens: Ensemble, members: Sequence[int] | None = None) -> list[MemberRun]:
    """Runs of the ensemble's members (all, or the given member indices), seeded per member."""
    w = base.weather
    speed = w.wind_speed_mps if weather is None or weather.wind_speed_mps is None else weather.wind_speed_mps
    direction = w.wind_from_deg if weather is None or weather.wind_from_deg is None else weather.wind_from_deg
    moist = base.fuel.moisture
    if weather is not None and weather.moisture is not None:
        moist = dataclasses.replace(moist, **{k: v for k, v in dataclasses.asdict(weather.moisture).items()
                                              if v is not None})
    schedule = tuple(weather.shifts) if weather is not None and weather.shifts else tuple(w.schedule)
    burnable = burnable_cells(land)
    w_m, h_m = land.size_m
    eps = 1e-6 * land.cell_m
    out = []
    for k in (range(ens.members) if members is None else members):
        rng = np.random.default_rng(np.random.SeedSequence((ens.seed, int(k))))
        z = rng.standard_normal(3)  # speed, direction, moisture: always drawn, so streams line up
        d_dir = ens.wind_from_sd_deg * z[1]
        ratio = max(speed + ens.wind_speed_sd_mps * z[0], 0.0) / speed if speed > 0 else 1.0
        m_factor = max(1.0 + ens.moisture_sd * z[2], 0.0)

        def dead(x: float, f: float = m_factor) -> float:
            return float(min(max(x * f, 0.01), 3.0))

        moisture = dataclasses.replace(moist, d1h=dead(moist.d1h), d10h=dead(moist.d10h), d100h=dead(moist.d100h))
        sched = tuple(dataclasses.replace(
            ch, wind_speed_mps=None if ch.wind_speed_mps is None else min(ch.wind_speed_mps * ratio, 60.0),
            wind_from_deg=None if ch.wind_from_deg is None else (ch.wind_from_deg + d_dir) % 360.0,
            d1h=None if ch.d1h is None else dead(ch.d1h), d10h=None if ch.d10h is None else dead(ch.d10h),
            d100h=None if ch.d100h is None else dead(ch.d100h)) for ch in schedule)
        igs: list[Ignition] = []
        jitter = rng.standard_normal((len(ignitions.points), 2)) * ens.ignition_sd_m
        for p, (jx, jy) in zip(ignitions.points, jitter):
            igs.append(dataclasses.replace(p, x_m=float(min(max(p.x_m + jx, 0.0), w_m - eps)),
                                           y_m=float(min(max(p.y_m + jy, 0.0), h_m - eps))))
        for a in ignitions.areas:
            cells = polygon_mask(a.area_m, land.shape, land.cell_m) & burnable
            igs += [Ignition(x, y, a.t_s) for x, y in _points_in_cells(rng, cells, a.count, land.cell_m)]
        if ignitions.random is not None:
            r = ignitions.random
            if r.count is not None:
                n = r.count
            else:
                n = int(rng.poisson((r.per_km2 or 0.0) * burnable.sum() * land.cell_m**2 / M2_PER_KM2))
            igs += [Ignition(x, y, r.t_s) for x, y in _points_in_cells(rng, burnable, n, land.cell_m)]
        seed = int(np.random.SeedSequence((base.seed, ens.seed, int(k))).generate_state(1)[0])
        out.append(MemberRun(int(k), float(min(speed * ratio, 60.0)), float((direction + d_dir) % 360.0),
                             moisture, sched, tuple(igs), seed))
    return out


def member_scenario(base: Scenario, run: MemberRun, duration_s: float | None = None) -> Scenario:
    """The base scenario carrying one member's run (no world edits, no interventions)."""
    weather = dataclasses.replace(base.weather, wind_speed_mps=run.wind_speed_mps, wind_from_deg=run.wind_from_deg,
                                  schedule=list(run.schedule))
    fuel = dataclasses.replace(base.fuel, moisture=run.moisture)
    return dataclasses.replace(base, weather=weather, fuel=fuel, ignitions=list(run.ignitions), interventions=[],
                               seed=run.seed, duration_s=float(duration_s or base.duration_s),
                               name=f"{base.name}#{run.member}")


def wind_to_unit(wind_from_deg: float) -> tuple[float, float]:
    """(east, north) unit vector of where a wind from ``wind_from_deg`` blows to."""
    to = math.radians((wind_from_deg + 180.0) % 360.0)
    return math.sin(to), math.cos(to)
