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
bad file: the message names the field path and what was expected.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ._assets import assets_dir
from ._config import parse, spec, to_plain
from .errors import MISSING, ScenarioError

MAX_GRID_CELLS_PER_SIDE = 16384
"""Largest raster side accepted (cells); 16384^2 float32 is 1 GiB per field."""


@dataclass(frozen=True)
class TerrainConfig:
    """Terrain extent, resolution and how the heightfield is made."""

    size_m: tuple[float, float] = spec((3000.0, 3000.0), gt=0, doc="extent [east, north], m")
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
        if self.cell_m > min(self.size_m):
            raise ScenarioError("cell_m", f"a cell no larger than the extent {min(self.size_m)} m", self.cell_m)
        for i, side in enumerate(self.size_m):
            ratio = side / self.cell_m
            if not (math.isfinite(ratio) and round(ratio) <= MAX_GRID_CELLS_PER_SIDE):
                raise ScenarioError(
                    f"size_m[{i}]", f"at most {MAX_GRID_CELLS_PER_SIDE} cells per side at cell_m={self.cell_m}", side
                )
        if self.kind == "geotiff" and not self.path:
            raise ScenarioError("path", "a GeoTIFF file path when kind is 'geotiff'", MISSING)

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
class CustomFuelModel:
    """A user fuel model, as BehavePlus and FARSITE allow (SI units)."""

    code: str
    number: int = spec(ge=14, le=255, doc="raster code; 14-89 and 150-255 are free for custom models")
    name: str = ""
    load_1h_kg_m2: float = spec(0.0, ge=0, le=20)
    load_10h_kg_m2: float = spec(0.0, ge=0, le=20)
    load_100h_kg_m2: float = spec(0.0, ge=0, le=20)
    load_live_herb_kg_m2: float = spec(0.0, ge=0, le=20)
    load_live_woody_kg_m2: float = spec(0.0, ge=0, le=20)
    sav_1h_per_m: float = spec(6562.0, gt=0, le=20000, doc="1-h surface-area-to-volume ratio, 1/m")
    sav_live_herb_per_m: float = spec(4921.0, gt=0, le=20000)
    sav_live_woody_per_m: float = spec(4921.0, gt=0, le=20000)
    depth_m: float = spec(0.3, gt=0, le=10, doc="fuel bed depth, m")
    extinction_moisture_dead: float = spec(0.25, gt=0, le=1.0, doc="dead fuel moisture of extinction, fraction")
    heat_content_dead_j_kg: float = spec(18608.0e3, gt=0, le=40e6)
    heat_content_live_j_kg: float = spec(18608.0e3, gt=0, le=40e6)
    dynamic: bool = False

    def __post_init__(self) -> None:
        total = (self.load_1h_kg_m2 + self.load_10h_kg_m2 + self.load_100h_kg_m2
                 + self.load_live_herb_kg_m2 + self.load_live_woody_kg_m2)
        if total <= 0:
            raise ScenarioError("load_1h_kg_m2", "a positive fuel load in at least one size class", 0.0)


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


def _check_inside(path: str, x: float, y: float, terrain: TerrainConfig, point: bool = False) -> None:
    """Raise unless (x, y) lies on the terrain's grid; ``point`` paths name a [x, y] pair, others an object.

    The grid covers ``shape * cell_m`` (the extent rounded to whole cells). Line and polygon
    vertices may sit on its far edge; an ignition (an object) must fall inside a cell, so its
    interval is half-open.
    """
    if terrain.kind == "geotiff":
        from .world.terrain import terrain_size_m  # the DEM's extent replaces size_m

        w, h = terrain_size_m(terrain)
    else:
        ny, nx = terrain.shape
        w, h = nx * terrain.cell_m, ny * terrain.cell_m
    x_ok = 0 <= x <= w if point else 0 <= x < w
    y_ok = 0 <= y <= h if point else 0 <= y < h
    close = "]" if point else ")"
    if not x_ok:
        raise ScenarioError(f"{path}[0]" if point else f"{path}.x_m", f"an x inside the terrain [0, {w}{close} m", x)
    if not y_ok:
        raise ScenarioError(f"{path}[1]" if point else f"{path}.y_m", f"a y inside the terrain [0, {h}{close} m", y)


def _resolve_path(p: str, base_dir: Path | None, field_path: str) -> str:
    path = Path(os.path.expanduser(p))
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise ScenarioError(field_path, "an existing file", str(path))
    return str(path)


def _validate(sc: Scenario, base_dir: Path | None) -> Scenario:
    """Cross-field checks that need more than one field or the data tables."""
    from .fuel_models import known_fuel_codes  # data tables; lazy to keep import light
    from .species import species_table

    terrain = sc.terrain
    if terrain.path is not None:
        terrain = dataclasses.replace(terrain, path=_resolve_path(terrain.path, base_dir, "terrain.path"))
    if terrain.kind == "geotiff":
        from .errors import RasterError
        from .world.terrain import terrain_size_m

        try:  # read the DEM's header now: a bad DEM is a bad field, not a failure at build time
            terrain_size_m(terrain)
        except RasterError as exc:
            raise ScenarioError("terrain.path", f"a readable GeoTIFF DEM in a projected CRS ({exc})",
                                terrain.path) from None
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
    for i, iv in enumerate(sc.interventions):
        if iv.kind == "fuel_break" and iv.fuel_model not in codes:
            raise ScenarioError(f"interventions[{i}].fuel_model", allowed, iv.fuel_model)

    table = species_table()
    for name in sc.vegetation.species:
        if name not in table:
            raise ScenarioError(f"vegetation.species.{name}", "a species among " + ", ".join(sorted(table)), name)

    for i, ig in enumerate(sc.ignitions):
        _check_inside(f"ignitions[{i}]", ig.x_m, ig.y_m, terrain)
        if ig.t_s > sc.duration_s:
            raise ScenarioError(f"ignitions[{i}].t_s", f"a time within duration_s ({sc.duration_s} s)", ig.t_s)
    for i, iv in enumerate(sc.interventions):
        for j, (x, y) in enumerate(iv.points_m):
            _check_inside(f"interventions[{i}].points_m[{j}]", x, y, terrain, point=True)
    for j, (x, y) in enumerate(sc.structures.positions_m):
        _check_inside(f"structures.positions_m[{j}]", x, y, terrain, point=True)
    for i, ch in enumerate(sc.weather.schedule):
        if ch.t_s > sc.duration_s:
            raise ScenarioError(f"weather.schedule[{i}].t_s", f"a time within duration_s ({sc.duration_s} s)", ch.t_s)

    return dataclasses.replace(sc, terrain=terrain, fuel=dataclasses.replace(fuel, custom_models=custom))


def scenario_from_dict(data: Mapping[str, Any] | None, base_dir: str | Path | None = None,
                       source: str | None = None) -> Scenario:
    """Validate plain data into a :class:`Scenario`; relative file paths resolve against ``base_dir``."""
    try:
        sc = parse(Scenario, {k: v for k, v in (data or {}).items() if k != "source"} if isinstance(data, Mapping) else data)
        sc = _validate(sc, Path(base_dir) if base_dir is not None else None)
    except ScenarioError as exc:
        raise exc.with_source(source) if source else exc from None
    return dataclasses.replace(sc, source=source)


def builtin_scenarios() -> dict[str, Path]:
    """Names of the scenarios shipped in ``assets/scenarios`` -> their files."""
    return {p.stem: p for p in sorted((assets_dir() / "scenarios").glob("*.yaml"))}


def load_scenario(path_or_name: str | os.PathLike[str]) -> Scenario:
    """Load a scenario from a YAML file, or a built-in one by name (``default``, ``flat-grass``...)."""
    text_path = str(path_or_name)
    builtins = builtin_scenarios()
    path = Path(text_path)
    if not path.is_file():
        if text_path in builtins:
            path = builtins[text_path]
        else:
            raise ScenarioError("<scenario>", "an existing YAML file or a built-in name among "
                                + ", ".join(builtins), text_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError("<file>", f"valid YAML{where}: {getattr(exc, 'problem', exc)}", MISSING,
                            source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("<file>", f"a readable UTF-8 text file ({exc})", MISSING, source=str(path)) from None
    if data is not None and not isinstance(data, Mapping):
        raise ScenarioError("<root>", "a mapping of scenario keys", data, source=str(path))
    return scenario_from_dict(data, base_dir=path.parent, source=str(path))


def default_scenario() -> Scenario:
    """The built-in default scenario (``assets/scenarios/default.yaml``)."""
    return load_scenario("default")
