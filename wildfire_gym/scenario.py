"""The one description of a run, loaded from YAML and validated at load.

Frames of reference (used everywhere in the package):

* ``x`` east and ``y`` north, in metres, from the south-west corner of the terrain;
* rasters are indexed ``[iy, ix]`` with row 0 the southernmost row; cell ``(iy, ix)``
  covers ``[ix*cell_m, (ix+1)*cell_m) x [iy*cell_m, (iy+1)*cell_m)`` and its centre is
  at ``((ix+0.5)*cell_m, (iy+0.5)*cell_m)``; GeoTIFFs are written north-up as usual;
* compass degrees clockwise from north; a wind direction is where the wind blows
  *from* (``wind_from_deg: 270`` is a west wind blowing towards the east); an aspect
  is the compass direction a slope faces (downslope).

Every field is in SI units; moistures are fractions of oven-dry mass (0.06 = 6 %).
Loading never raises anything but :class:`~wildfire_gym.errors.ScenarioError` for a
bad file: the message names the field path and what was expected. Validation reads the
headers (and a decimated sample) of the rasters a scenario names, and refuses a scenario
that needs more memory than the machine has (:mod:`wildfire_gym.limits`) unless
``allow_large`` (``--allow-large``, ``WILDFIRE_GYM_ALLOW_LARGE=1``) says otherwise.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ._assets import assets_dir
from ._config import load_yaml_file, parse, spec, to_plain
from .constants import (
    EMBERS_PER_TORCHING_TREE,
    SPOT_IGNITION_DELAY_S,
    SPOT_LATERAL_SPREAD_DEG,
    SPOT_LOGNORMAL_SIGMA,
)
from .errors import MISSING, RasterError, ScenarioError
from .fuel_models import CustomFuelModel
from .limits import MAX_EXTENT_M, MAX_GRID_CELLS_PER_SIDE, MIN_GRID_CELLS_PER_SIDE, check_resources

__all__ = [
    "CustomFuelModel", "FuelConfig", "Ignition", "Intervention", "MAX_GRID_CELLS_PER_SIDE", "MoistureConfig",
    "Scenario", "StructuresConfig", "TerrainConfig", "VegetationConfig", "WeatherChange", "WeatherConfig",
    "builtin_scenarios", "default_scenario", "load_scenario", "scenario_from_dict",
]


@dataclass(frozen=True)
class TerrainConfig:
    """Terrain extent, resolution and how the heightfield is made."""

    size_m: tuple[float, float] = spec((3000.0, 3000.0), gt=0, le=MAX_EXTENT_M, doc="extent [east, north], m")
    cell_m: float = spec(10.0, gt=0, doc="raster cell size, m")
    kind: Literal["plane", "fractal", "geotiff"] = "fractal"
    relief_m: float = spec(150.0, ge=0, le=9000, doc="fractal: peak-to-valley relief, m")
    roughness: float = spec(0.5, ge=0, le=1, doc="fractal: 0 smooth hills .. 1 rugged")
    ridges: float = spec(0.3, ge=0, le=1, doc="fractal: 0 rounded .. 1 sharp ridges and valleys")
    slope_deg: float = spec(0.0, ge=0, lt=90, doc="plane: slope angle, degrees")
    aspect_deg: float = spec(0.0, ge=0, lt=360, doc="plane: direction the slope faces (downslope), compass degrees")
    base_elevation_m: float = spec(500.0, ge=-500, le=9000, doc="elevation of the lowest point (plane: of the centre), m")
    path: str | None = spec(None, doc="geotiff: DEM in a projected CRS with metre units")

    def __post_init__(self) -> None:
        if self.kind == "geotiff":
            # The DEM's extent replaces size_m: the grid is checked against the DEM's header at validation.
            if not self.path:
                raise ScenarioError("path", "a GeoTIFF file path when kind is 'geotiff'", MISSING)
            return
        if self.cell_m > min(self.size_m):
            raise ScenarioError("cell_m", f"a cell no larger than the extent {min(self.size_m)} m", self.cell_m)
        for i, side in enumerate(self.size_m):
            ratio = side / self.cell_m
            if not (math.isfinite(ratio) and round(ratio) <= MAX_GRID_CELLS_PER_SIDE):
                raise ScenarioError(
                    f"size_m[{i}]", f"at most {MAX_GRID_CELLS_PER_SIDE} cells per side at cell_m={self.cell_m}", side
                )
            if round(ratio) < MIN_GRID_CELLS_PER_SIDE:
                raise ScenarioError(
                    f"size_m[{i}]", f"at least {MIN_GRID_CELLS_PER_SIDE} cells per side at cell_m={self.cell_m} "
                    f"(a side of at least {MIN_GRID_CELLS_PER_SIDE * self.cell_m:g} m)", side)

    @property
    def shape(self) -> tuple[int, int]:
        """Raster shape ``(ny, nx)``."""
        return (max(1, round(self.size_m[1] / self.cell_m)), max(1, round(self.size_m[0] / self.cell_m)))


@dataclass(frozen=True)
class MoistureConfig:
    """Fuel moisture contents, fractions of oven-dry mass."""

    d1h: float = spec(0.06, ge=0.01, le=3.0, doc="dead 1-h fuel moisture, fraction")
    d10h: float = spec(0.07, ge=0.01, le=3.0, doc="dead 10-h fuel moisture, fraction")
    d100h: float = spec(0.08, ge=0.01, le=3.0, doc="dead 100-h fuel moisture, fraction")
    live_herb: float = spec(0.6, ge=0.0, le=3.0, doc="live herbaceous moisture, fraction")
    live_woody: float = spec(0.9, ge=0.0, le=3.0, doc="live woody moisture, fraction")
    foliar: float = spec(1.0, ge=0.3, le=3.0, doc="canopy foliar moisture, fraction")


@dataclass(frozen=True)
class FuelConfig:
    """Surface fuels: one model everywhere, patches drawn from noise, or a raster of codes."""

    model: str = spec("GR2", doc="fuel model code: FM1..FM13, a Scott & Burgan code, NB*, or a custom code")
    raster: str | None = spec(None, doc="GeoTIFF of numeric fuel codes (overrides model)")
    patches: dict[str, float] | None = spec(None, doc="code -> area fraction, patchy from seeded noise")
    patch_scale_m: float = spec(250.0, gt=0, le=1e5, doc="typical patch size, m")
    moisture: MoistureConfig = field(default_factory=MoistureConfig)
    custom_models: list[CustomFuelModel] = field(default_factory=list)
    custom_csv: str | None = spec(None, doc="CSV of custom fuel models (columns as CustomFuelModel)")

    def __post_init__(self) -> None:
        if self.patches is not None:
            if not self.patches:
                raise ScenarioError("patches", "at least one fuel code with a fraction", {})
            for code, frac in self.patches.items():
                if not frac >= 0:
                    raise ScenarioError(f"patches.{code}", "a fraction >= 0", frac)
            if not 0 < sum(self.patches.values()) < math.inf:
                raise ScenarioError("patches", "fractions with a finite sum more than 0", self.patches)


@dataclass(frozen=True)
class VegetationConfig:
    """Trees: density, clustering and species mix."""

    trees_per_ha: float = spec(150.0, ge=0, le=5000, doc="mean stem density, trees per hectare")
    species: dict[str, float] = spec(factory=lambda: {"pine": 1.0}, doc="species -> fraction of stems")
    clustering: float = spec(0.3, ge=0, le=1, doc="0 uniform random .. 1 strongly clumped")
    slope_sensitivity: float = spec(0.5, ge=0, le=1, doc="fraction of density lost on a 45-degree slope")
    size_scale: float = spec(1.0, gt=0.1, le=3, doc="multiplies sampled tree heights and crowns")

    def __post_init__(self) -> None:
        for name, frac in self.species.items():
            if not frac >= 0:
                raise ScenarioError(f"species.{name}", "a fraction >= 0", frac)
        if self.trees_per_ha > 0 and not 0 < sum(self.species.values()) < math.inf:
            raise ScenarioError("species", "fractions with a finite sum more than 0", self.species)


@dataclass(frozen=True)
class StructuresConfig:
    """Houses placed on the terrain: assets to protect and count."""

    houses: int = spec(0, ge=0, le=10000, doc="number of houses placed procedurally")
    footprint_m: tuple[float, float] = spec((14.0, 10.0), gt=1, le=200, doc="house footprint [length, width], m")
    height_m: float = spec(6.0, gt=1, le=100, doc="eave-to-ground height, m")
    min_spacing_m: float = spec(25.0, ge=0, le=1000, doc="minimum distance between house centres, m")
    layout: Literal["clustered", "scattered"] = "clustered"
    positions_m: list[tuple[float, float]] = spec(factory=list, doc="explicit house centres [x, y], m")
    defensible_space_m: float = spec(0.0, ge=0, le=500, doc="radius around each house cleared of trees, m")


@dataclass(frozen=True)
class WeatherChange:
    """A change of weather at time ``t_s``; omitted fields keep their value."""

    t_s: float = spec(ge=0)
    wind_speed_mps: float | None = spec(None, ge=0, le=60)
    wind_from_deg: float | None = spec(None, ge=0, le=360)
    d1h: float | None = spec(None, ge=0.01, le=3.0)
    d10h: float | None = spec(None, ge=0.01, le=3.0)
    d100h: float | None = spec(None, ge=0.01, le=3.0)


@dataclass(frozen=True)
class WeatherConfig:
    """Wind and its schedule; wind_from_deg is where the wind blows from."""

    wind_speed_mps: float = spec(5.0, ge=0, le=60, doc="wind speed at wind_height, m/s")
    wind_height: Literal["20ft", "10m", "midflame"] = spec("20ft", doc="height the wind speed is measured at")
    wind_from_deg: float = spec(270.0, ge=0, le=360, doc="compass direction the wind blows from")
    schedule: list[WeatherChange] = field(default_factory=list)
    diurnal_moisture: bool = spec(False, doc="modulate dead fine-fuel moisture over the day")
    start_hour: float = spec(13.0, ge=0, lt=24, doc="local solar hour at t = 0")
    air_temperature_c: float = spec(25.0, ge=-40, le=55)
    relative_humidity: float = spec(0.2, ge=0.01, le=1.0, doc="fraction")

    def __post_init__(self) -> None:
        times = [c.t_s for c in self.schedule]
        if times != sorted(times):
            raise ScenarioError("schedule", "entries in increasing t_s", times)


@dataclass(frozen=True)
class SpottingConfig:
    """Embers from torching trees (sources and defaults: wildfire_gym/fire/spotting.py, constants.py).

    ``distance_model``: ``lognormal`` (landing distances lognormal with log-sd ``lognormal_sigma``
    and Albini's 1979 maximum spot distance as their 99th percentile, clipped there) or
    ``maximum`` (every ember at Albini's maximum distance, the single figure BehavePlus reports).
    ``ignition_model``: ``schroeder`` (Schroeder 1969 probability from the 1-h moisture and the air
    temperature) or ``constant`` (``ignition_probability``).
    """

    enabled: bool = spec(True, doc="throw embers from torching trees")
    embers_per_tree: int = spec(EMBERS_PER_TORCHING_TREE, ge=0, le=1000, doc="embers per torching tree")
    distance_model: Literal["lognormal", "maximum"] = spec("lognormal", doc="landing distance model")
    lognormal_sigma: float = spec(SPOT_LOGNORMAL_SIGMA, gt=0, le=3, doc="log-sd of landing distances")
    lateral_spread_deg: float = spec(SPOT_LATERAL_SPREAD_DEG, ge=0, le=90,
                                     doc="half-width of the bearing spread about downwind, degrees")
    ignition_model: Literal["schroeder", "constant"] = spec("schroeder", doc="ember ignition probability model")
    ignition_probability: float = spec(0.5, ge=0, le=1, doc="constant model: probability an ember ignites fuel")
    delay_s: float = spec(SPOT_IGNITION_DELAY_S, ge=0, le=3600, doc="from landing to a spreading spot fire, s")


@dataclass(frozen=True)
class Ignition:
    x_m: float
    y_m: float
    t_s: float = spec(0.0, ge=0)
    radius_m: float = spec(0.0, ge=0, le=10000, doc="ignite every cell within this radius")


@dataclass(frozen=True)
class Intervention:
    """An edit of the world or of the fire, applied at ``t_s``.

    * ``fireline``: surface fuel removed along ``points_m`` (a polyline), ``width_m`` wide;
    * ``wetline`` / ``retardant``: fuel moisture raised by ``moisture_add`` along the line,
      decaying with half-life ``half_life_s``;
    * ``fuel_break``: the fuel along the line becomes ``fuel_model`` and the trees in it go;
    * ``thinning``: inside the polygon ``points_m`` (or everywhere when empty) a fraction
      ``thin_fraction`` of stems is removed (smallest first) and crowns are pruned up to
      ``prune_to_m``.
    """

    kind: Literal["fireline", "wetline", "retardant", "fuel_break", "thinning"]
    t_s: float = spec(0.0, ge=0)
    points_m: list[tuple[float, float]] = spec(factory=list, doc="polyline or polygon vertices [x, y], m")
    width_m: float = spec(10.0, gt=0, le=1000)
    moisture_add: float = spec(0.5, ge=0, le=3.0, doc="wetline/retardant: added moisture, fraction")
    half_life_s: float = spec(3600.0, gt=0, doc="wetline/retardant: half-life of the added moisture, s")
    fuel_model: str = spec("NB9", doc="fuel_break: the fuel model the break is converted to")
    thin_fraction: float = spec(0.5, ge=0, le=1)
    prune_to_m: float = spec(0.0, ge=0, le=50, doc="thinning: raise crown base heights to at least this, m")

    def __post_init__(self) -> None:
        if self.kind in ("fireline", "wetline", "retardant", "fuel_break") and len(self.points_m) < 2:
            raise ScenarioError("points_m", f"at least 2 points for a {self.kind}", self.points_m)
        if self.kind == "thinning" and 0 < len(self.points_m) < 3:
            raise ScenarioError("points_m", "a polygon of at least 3 points, or none for everywhere", self.points_m)


@dataclass(frozen=True)
class Scenario:
    """Everything that defines one run. Build with :func:`load_scenario` or :func:`scenario_from_dict`."""

    name: str = "unnamed"
    seed: int = spec(0, ge=0, le=2**32 - 1)
    duration_s: float = spec(3600.0, gt=0, le=30 * 86400)
    terrain: TerrainConfig = field(default_factory=TerrainConfig)
    fuel: FuelConfig = field(default_factory=FuelConfig)
    vegetation: VegetationConfig = field(default_factory=VegetationConfig)
    structures: StructuresConfig = field(default_factory=StructuresConfig)
    weather: WeatherConfig = field(default_factory=WeatherConfig)
    spotting: SpottingConfig = field(default_factory=SpottingConfig)
    ignitions: list[Ignition] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    source: str | None = field(default=None, compare=False, repr=False, metadata={"internal": True})

    def replace(self, **changes: Any) -> Scenario:
        """A copy with top-level fields replaced (validated again)."""
        data = to_plain(self)
        data.pop("source", None)
        data.update({k: to_plain(v) for k, v in changes.items()})
        return scenario_from_dict(data, base_dir=None, source=self.source)

    def to_dict(self) -> dict[str, Any]:
        data = to_plain(self)
        data.pop("source", None)
        return data


def _check_inside(path: str, x: float, y: float, w: float, h: float, point: bool = False) -> None:
    """Raise unless (x, y) lies on the ``w`` x ``h`` m grid; ``point`` paths name a [x, y] pair, others an object.

    The grid covers ``shape * cell_m`` (the extent rounded to whole cells). Line and polygon
    vertices may sit on its far edge; an ignition (an object) must fall inside a cell, so its
    interval is half-open.
    """
    x_ok = 0 <= x <= w if point else 0 <= x < w
    y_ok = 0 <= y <= h if point else 0 <= y < h
    if x_ok and y_ok:
        return
    close = "]" if point else ")"
    if not x_ok:
        raise ScenarioError(f"{path}[0]" if point else f"{path}.x_m", f"an x inside the terrain [0, {w}{close} m", x)
    raise ScenarioError(f"{path}[1]" if point else f"{path}.y_m", f"a y inside the terrain [0, {h}{close} m", y)


def _resolve_path(p: str, base_dir: Path | None, field_path: str) -> str:
    try:
        path = Path(os.path.expanduser(p))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        exists = path.is_file()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte...
        raise ScenarioError(field_path, f"a usable file path ({getattr(exc, 'strerror', None) or exc})", p) from None
    if not exists:
        raise ScenarioError(field_path, "an existing file", str(path))
    return str(path)


@functools.lru_cache(maxsize=32)
def _raster_scan(path: str, stamp: tuple[int, int], bounds: tuple[float, float, float, float] | None
                 ) -> tuple[float, tuple[float, ...], bool]:
    """The pixel reads validation makes of a raster, kept per file version (``stamp``: modification
    time and size), so that ``Scenario.replace`` in an ensemble does not read the file again:
    ``(valid fraction of a decimated sample or of the window, distinct valid values, floating type)``."""
    from .io.raster_info import raster_codes, sample_raster

    if bounds is None:
        data, valid = sample_raster(path)
        return float(valid.mean()), (), bool(np.issubdtype(data.dtype, np.floating))
    codes, n_valid, n_all = raster_codes(path, bounds=bounds)
    return (n_valid / n_all if n_all else 0.0), tuple(codes.tolist()), bool(np.issubdtype(codes.dtype, np.floating))


def _stamp(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size)


def _check_dem(terrain: TerrainConfig) -> tuple[tuple[int, int], tuple[float, float]]:
    """Check a DEM's header and a decimated sample; ``((ny, nx), (left, bottom))`` of the grid it gives."""
    from .io.geotiff import MAX_NODATA_FRACTION
    from .io.raster_info import dem_grid_counts, elevation_unit_m, read_raster_header

    assert terrain.path is not None
    try:
        header = read_raster_header(terrain.path)
        elevation_unit_m(header.units, header.path)
        extent = header.extent_m
        valid_share, _, _ = _raster_scan(terrain.path, _stamp(terrain.path), None)
    except (RasterError, OSError) as exc:
        raise ScenarioError("terrain.path", f"a readable GeoTIFF DEM in a projected CRS ({exc})", terrain.path) from None
    nodata = 1.0 - valid_share
    if nodata > MAX_NODATA_FRACTION:
        raise ScenarioError("terrain.path", f"a DEM with at most {MAX_NODATA_FRACTION:.0%} nodata cells "
                            f"({nodata:.0%} are nodata)", terrain.path)
    ny, nx = dem_grid_counts(extent, terrain.cell_m)
    where = f"over the DEM's extent {extent[0]:g} x {extent[1]:g} m"
    if min(ny, nx) < MIN_GRID_CELLS_PER_SIDE:
        raise ScenarioError("terrain.cell_m", f"a cell giving at least {MIN_GRID_CELLS_PER_SIDE} cells per side "
                            f"{where}", terrain.cell_m)
    if max(ny, nx) > MAX_GRID_CELLS_PER_SIDE:
        finest = max(extent) / MAX_GRID_CELLS_PER_SIDE
        raise ScenarioError("terrain.cell_m", f"a cell giving at most {MAX_GRID_CELLS_PER_SIDE} cells per side "
                            f"{where} (at least {finest:.3g} m)", terrain.cell_m)
    left, bottom, _, _ = header.bounds
    return (ny, nx), (left, bottom)


def _check_fuel_raster(path: str, shape: tuple[int, int], cell_m: float, origin: tuple[float, float] | None,
                       numbers: Mapping[str, int]) -> None:
    """Check a fuel raster where the terrain lies: georeferenced, overlapping, some data, known integer codes."""
    from .io.raster_info import read_raster_header

    try:
        header = read_raster_header(path)
        unit = header.linear_unit_m
        left, bottom, right, top = header.bounds
        ox, oy = origin if origin is not None else (left, bottom)
        ny, nx = shape
        grid = (ox, oy, ox + nx * cell_m / unit, oy + ny * cell_m / unit)
        if min(grid[2], right) <= max(grid[0], left) or min(grid[3], top) <= max(grid[1], bottom):
            raise ScenarioError("fuel.raster", f"a fuel raster overlapping the terrain (raster bounds "
                                f"{(left, bottom, right, top)}, terrain {grid} in CRS units)", path)
        valid_share, codes, floating = _raster_scan(path, _stamp(path), grid)
    except (RasterError, OSError) as exc:
        raise ScenarioError("fuel.raster", f"a readable GeoTIFF of fuel codes in a projected CRS ({exc})", path) from None
    if valid_share == 0:
        raise ScenarioError("fuel.raster", "a fuel raster with codes over the terrain (every pixel there is nodata)",
                            path)
    if floating:
        fractional = [c for c in codes if c != round(c)]
        if fractional:
            raise ScenarioError("fuel.raster", f"integer fuel codes (found {fractional[0]:g})", path)
    allowed = set(numbers.values())
    unknown = [int(c) for c in codes if int(c) not in allowed]
    if unknown:
        more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
        raise ScenarioError("fuel.raster", f"known fuel codes (found {unknown[0]}{more}; codes are FM1..FM13 = 1..13, "
                            "NB = 91..99, Scott & Burgan = 101..204, or a custom model's number)", path)


def _validate(sc: Scenario, base_dir: Path | None) -> Scenario:
    """Cross-field checks that need more than one field or the data tables."""
    from .fuel_models import known_fuel_codes  # data tables; lazy to keep import light
    from .species import species_table

    terrain = sc.terrain
    if terrain.path is not None:
        terrain = dataclasses.replace(terrain, path=_resolve_path(terrain.path, base_dir, "terrain.path"))
    origin: tuple[float, float] | None = None
    if terrain.kind == "geotiff":  # a bad DEM is a bad field, not a failure at build time
        shape, origin = _check_dem(terrain)
    else:
        shape = terrain.shape
    w, h = shape[1] * terrain.cell_m, shape[0] * terrain.cell_m
    fuel = sc.fuel
    if fuel.raster is not None:
        fuel = dataclasses.replace(fuel, raster=_resolve_path(fuel.raster, base_dir, "fuel.raster"))
    custom = list(fuel.custom_models)
    if fuel.custom_csv is not None:
        from .fuel_models import read_custom_fuel_csv

        csv_path = _resolve_path(fuel.custom_csv, base_dir, "fuel.custom_csv")
        fuel = dataclasses.replace(fuel, custom_csv=csv_path)
        # A validated scenario already lists the CSV's models (to_dict/replace): never add them twice.
        custom += [m for m in read_custom_fuel_csv(csv_path, field_path="fuel.custom_csv") if m not in custom]
    codes = known_fuel_codes()
    seen_numbers = {n for n in codes.values()}
    for i, cm in enumerate(custom):
        if cm.code in codes:
            raise ScenarioError(f"fuel.custom_models[{i}].code", "a code not already used by a standard model", cm.code)
        if cm.number in seen_numbers:
            raise ScenarioError(f"fuel.custom_models[{i}].number", "a raster number not already used", cm.number)
        codes[cm.code] = cm.number
        seen_numbers.add(cm.number)
    allowed = "FM1..FM13, a Scott & Burgan code (GR1..SB4), NB1/NB2/NB3/NB8/NB9 or a custom code"
    if fuel.model not in codes:
        raise ScenarioError("fuel.model", allowed, fuel.model)
    for code in fuel.patches or {}:
        if code not in codes:
            raise ScenarioError(f"fuel.patches.{code}", allowed, code)
    if fuel.raster is not None:
        _check_fuel_raster(fuel.raster, shape, terrain.cell_m, origin, codes)
    for i, iv in enumerate(sc.interventions):
        if iv.kind == "fuel_break" and iv.fuel_model not in codes:
            raise ScenarioError(f"interventions[{i}].fuel_model", allowed, iv.fuel_model)

    table = species_table()
    for name in sc.vegetation.species:
        if name not in table:
            raise ScenarioError(f"vegetation.species.{name}", "a species among " + ", ".join(sorted(table)), name)

    for i, ig in enumerate(sc.ignitions):
        _check_inside(f"ignitions[{i}]", ig.x_m, ig.y_m, w, h)
        if ig.t_s > sc.duration_s:
            raise ScenarioError(f"ignitions[{i}].t_s", f"a time within duration_s ({sc.duration_s} s)", ig.t_s)
    for i, iv in enumerate(sc.interventions):
        for j, (x, y) in enumerate(iv.points_m):
            _check_inside(f"interventions[{i}].points_m[{j}]", x, y, w, h, point=True)
    for j, (x, y) in enumerate(sc.structures.positions_m):
        _check_inside(f"structures.positions_m[{j}]", x, y, w, h, point=True)
    for i, ch in enumerate(sc.weather.schedule):
        if ch.t_s > sc.duration_s:
            raise ScenarioError(f"weather.schedule[{i}].t_s", f"a time within duration_s ({sc.duration_s} s)", ch.t_s)

    return dataclasses.replace(sc, terrain=terrain, fuel=dataclasses.replace(fuel, custom_models=custom))


def scenario_from_dict(data: Mapping[str, Any] | None, base_dir: str | Path | None = None,
                       source: str | None = None, *, allow_large: bool | None = None) -> Scenario:
    """Validate plain data into a :class:`Scenario`; relative file paths resolve against ``base_dir``.

    ``allow_large`` skips the memory check (:func:`wildfire_gym.limits.check_resources`);
    default: ``$WILDFIRE_GYM_ALLOW_LARGE``.
    """
    try:
        sc = parse(Scenario, {k: v for k, v in (data or {}).items() if k != "source"} if isinstance(data, Mapping) else data)
        sc = _validate(sc, Path(base_dir) if base_dir is not None else None)
        check_resources(sc, allow_large=allow_large)
    except ScenarioError as exc:
        raise exc.with_source(source) if source else exc from None
    return dataclasses.replace(sc, source=source)


def builtin_scenarios() -> dict[str, Path]:
    """Names of the scenarios shipped in ``assets/scenarios`` -> their files."""
    return {p.stem: p for p in sorted((assets_dir() / "scenarios").glob("*.yaml"))}


def load_scenario(path_or_name: str | os.PathLike[str], *, allow_large: bool | None = None) -> Scenario:
    """Load a scenario from a YAML file, or a built-in one by name (``default``, ``flat-grass``...).

    The file is read with :func:`wildfire_gym._config.load_yaml_file` (bounded size, depth and
    alias expansion); ``allow_large`` as for :func:`scenario_from_dict`.
    """
    text_path = str(path_or_name)
    builtins = builtin_scenarios()
    path = Path(text_path)
    try:
        is_file = bool(text_path) and path.is_file()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte...
        raise ScenarioError("<scenario>", f"a usable file path ({getattr(exc, 'strerror', None) or exc})",
                            text_path) from None
    if not is_file:
        if text_path in builtins:
            path = builtins[text_path]
        else:
            raise ScenarioError("<scenario>", "an existing YAML file or a built-in name among "
                                + ", ".join(builtins), text_path)
    data = load_yaml_file(path)
    if data is not None and not isinstance(data, Mapping):
        raise ScenarioError("<root>", "a mapping of scenario keys", data, source=str(path))
    return scenario_from_dict(data, base_dir=path.parent, source=str(path), allow_large=allow_large)


def default_scenario() -> Scenario:
    """The built-in default scenario (``assets/scenarios/default.yaml``)."""
    return load_scenario("default")
