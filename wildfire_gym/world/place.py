"""A real place: DEM, fuel-model raster, tree list and house footprints reprojected onto one grid.

A place file (YAML) names the inputs; each may come in its own CRS and resolution:

* ``dem``: a GeoTIFF of elevations (projected or geographic CRS), resampled bilinearly;
* ``fuel``: a GeoTIFF of fuel-model numbers as LANDFIRE's FBFM40 numbers them (91-99 non-burnable,
  101-109 GR, 121-124 GS, 141-149 SH, 161-165 TU, 181-189 TL, 201-204 SB; the Anderson 13 as 1-13),
  resampled by nearest neighbour (the source cell under each target cell centre);
* ``trees`` (optional): a CSV with columns ``x, y, species, height_m, crown_base_m, crown_diameter_m``
  in ``trees_crs`` (default: the grid's CRS);
* ``canopy`` (optional): LANDFIRE-style canopy rasters, all four: cover (CC, percent), height (CH),
  base height (CBH) and bulk density (CBD), scaled to SI by ``canopy_scales`` (LANDFIRE stores CH
  and CBH in 0.1 m, CBD in 0.01 kg/m^3); they replace the canopy the trees would make (the trees
  still torch and loft embers);
* ``houses`` (optional): GeoJSON polygons of house footprints, in WGS 84 longitude/latitude as
  RFC 7946 requires unless ``houses_crs`` says otherwise.

The grid is ``crs`` (default: the DEM's, which must then be projected) at square ``cell_m`` cells
over ``bounds`` (default: where the DEM and the fuel raster overlap, snapped inwards to whole cells).
Reprojection uses GDAL's exact transformer (``rasterio.warp.reproject`` with zero tolerance), so
each target cell takes the value at its own centre. The result is an ordinary
:class:`~wildfire_gym.world.landscape.Landscape` whose scenario carries the run settings of ``run``.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._config import parse, spec
from ..errors import MISSING, RasterError, ScenarioError
from .landscape import Landscape, Structures, Trees

log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
"""CRS of GeoJSON coordinates (RFC 7946)."""

FUEL_NODATA = -1
"""Fill value of target cells no fuel pixel covers before they become NB9."""

NODATA_FUEL_NUMBER = 99
"""Fuel number given to cells without fuel data (NB9, bare ground: nothing burns there)."""

TREE_COLUMNS = ("x", "y", "species", "height_m", "crown_base_m", "crown_diameter_m")
"""Required columns of a tree list."""


@dataclass(frozen=True)
class CanopyPaths:
    """Four canopy GeoTIFFs (any CRS and resolution), resampled bilinearly."""

    cover: str = spec(doc="canopy cover raster")
    height: str = spec(doc="canopy height raster")
    base_height: str = spec(doc="canopy base height raster")
    bulk_density: str = spec(doc="canopy bulk density raster")


@dataclass(frozen=True)
class CanopyScales:
    """Factors from raster values to SI (defaults: LANDFIRE's encodings)."""

    cover: float = spec(0.01, gt=0, doc="to a fraction (LANDFIRE CC is percent)")
    height: float = spec(0.1, gt=0, doc="to m (LANDFIRE CH is m x 10)")
    base_height: float = spec(0.1, gt=0, doc="to m (LANDFIRE CBH is m x 10)")
    bulk_density: float = spec(0.01, gt=0, doc="to kg/m^3 (LANDFIRE CBD is kg/m^3 x 100)")


@dataclass(frozen=True)
class PlaceConfig:
    """A real place's inputs and the grid they are reprojected onto."""

    dem: str = spec(doc="DEM GeoTIFF")
    fuel: str = spec(doc="fuel-model GeoTIFF (LANDFIRE FBFM40 numbers)")
    name: str = "place"
    cell_m: float = spec(10.0, gt=0, le=1000, doc="grid cell size, m")
    crs: str | None = spec(None, doc="grid CRS (EPSG:xxxx, WKT or PROJ); default the DEM's")
    bounds: tuple[float, float, float, float] | None = spec(None, doc="[west, south, east, north] in the grid CRS")
    trees: str | None = spec(None, doc="tree list CSV")
    trees_crs: str | None = spec(None, doc="CRS of the tree coordinates; default the grid's")
    canopy: CanopyPaths | None = None
    canopy_scales: CanopyScales = field(default_factory=CanopyScales)
    houses: str | None = spec(None, doc="house footprints GeoJSON")
    houses_crs: str | None = spec(None, doc="CRS of the footprints; default WGS 84 (RFC 7946)")
    house_height_m: float = spec(6.0, gt=1, le=100, doc="eave height given to every house, m")
    run: dict[str, Any] = field(default_factory=dict, metadata={"doc": "scenario keys for the fire: seed, duration_s, "
                                                                 "fuel.moisture, weather, ignitions"})

    def __post_init__(self) -> None:
        if self.bounds is not None and not (self.bounds[0] < self.bounds[2] and self.bounds[1] < self.bounds[3]):
            raise ScenarioError("bounds", "[west, south, east, north] with west < east and south < north",
                                list(self.bounds))
        bad = [k for k in self.run if k not in ("seed", "duration_s", "fuel", "weather", "ignitions", "interventions")]
        if bad:
            raise ScenarioError(f"run.{bad[0]}", "one of seed, duration_s, fuel, weather, ignitions, interventions",
                                MISSING)


def _crs(text: str, field_path: str) -> Any:
    from rasterio.crs import CRS
    from rasterio.errors import CRSError

    try:
        return CRS.from_user_input(text)
    except (CRSError, ValueError) as exc:
        raise ScenarioError(field_path, f"a CRS rasterio understands, e.g. EPSG:32611 ({exc})", text) from None


def _open(path: str, what: str) -> Any:
    import rasterio
    from rasterio.errors import RasterioError

    if not Path(path).is_file():
        raise RasterError(f"{path}: not a file; expected the place's {what} GeoTIFF")
    try:
        src = rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise RasterError(f"{path}: not a readable raster ({exc}); expected the place's {what} GeoTIFF") from None
    if src.crs is None:
        src.close()
        raise RasterError(f"{path}: the {what} raster has no CRS; expected a georeferenced GeoTIFF")
    if src.transform.b != 0 or src.transform.d != 0:
        src.close()
        raise RasterError(f"{path}: the {what} raster is rotated or sheared; expected a north-up raster")
    return src


def grid_for(cfg: PlaceConfig, dem: Any, fuel: Any, dst_crs: Any) -> tuple[float, float, int, int]:
    """``(west, south, nx, ny)`` of the target grid: the bounds given, or the DEM and fuel overlap
    in the target CRS, snapped inwards to whole cells."""
    from rasterio.warp import transform_bounds

    if cfg.bounds is not None:
        w, s, e, n = cfg.bounds
    else:
        boxes = [transform_bounds(src.crs, dst_crs, *src.bounds, densify_pts=51) for src in (dem, fuel)]
        w, s = max(b[0] for b in boxes), max(b[1] for b in boxes)
        e, n = min(b[2] for b in boxes), min(b[3] for b in boxes)
    c = cfg.cell_m
    w0, s0 = math.ceil(w / c - 1e-9) * c, math.ceil(s / c - 1e-9) * c
    nx, ny = int(math.floor((e - w0) / c + 1e-9)), int(math.floor((n - s0) / c + 1e-9))
    if nx < 2 or ny < 2:
        raise ScenarioError("bounds", f"an area of at least 2 x 2 cells of {c:g} m where the DEM and the fuel raster "
                            "overlap", [w, s, e, n])
    return float(w0), float(s0), nx, ny


def _reproject(src: Any, grid: tuple[float, float, int, int], cell_m: float, dst_crs: Any, method: str,
               dtype: str, nodata: float) -> np.ndarray:
    """One band of ``src`` on the target grid, south-up (row 0 south)."""
    from affine import Affine
    from rasterio.warp import Resampling, reproject

    w0, s0, nx, ny = grid
    dst = np.full((ny, nx), nodata, dtype=dtype)
    transform = Affine(cell_m, 0.0, w0, 0.0, -cell_m, s0 + ny * cell_m)
    reproject(source=src.read(1), destination=dst, src_transform=src.transform, src_crs=src.crs,
              src_nodata=src.nodata, dst_transform=transform, dst_crs=dst_crs, dst_nodata=nodata,
              resampling=Resampling[method], tolerance=0.0)
    return np.ascontiguousarray(dst[::-1])


def _fuel_codes(raw: np.ndarray, path: str) -> np.ndarray:
    from ..fuel_models import known_fuel_codes

    allowed = {n: c for c, n in known_fuel_codes().items()}
    present = np.unique(raw[raw != FUEL_NODATA]).astype(np.int64)
    unknown = [int(v) for v in present if int(v) not in allowed]
    if unknown:
        raise RasterError(f"{path}: unknown fuel number {unknown[0]}"
                          f"{f' (and {len(unknown) - 1} more)' if len(unknown) > 1 else ''}; expected LANDFIRE "
                          "FBFM40 numbers (91-99, 101-109, 121-124, 141-149, 161-165, 181-189, 201-204) or 1-13")
    out = raw.astype(np.int16)
    missing = out == FUEL_NODATA
    if missing.any():
        log.warning("%s: %d of %d cells have no fuel data; set to NB9", path, int(missing.sum()), out.size)
        out[missing] = NODATA_FUEL_NUMBER
    return out


def _transform_xy(x: np.ndarray, y: np.ndarray, src_crs: Any, dst_crs: Any) -> tuple[np.ndarray, np.ndarray]:
    from rasterio.warp import transform

    if src_crs == dst_crs or x.size == 0:
        return np.asarray(x, np.float64), np.asarray(y, np.float64)
    tx, ty = transform(src_crs, dst_crs, list(map(float, x)), list(map(float, y)))
    return np.asarray(tx, np.float64), np.asarray(ty, np.float64)


def read_trees(path: str, src_crs: Any, dst_crs: Any, origin: tuple[float, float], size_m: tuple[float, float],
               elevation_m: np.ndarray, cell_m: float) -> Trees:
    """A tree list CSV -> :class:`Trees` on the grid (trees outside it dropped). Foliage and fine branch
    masses come from each species' allometry (:mod:`wildfire_gym.species`) at the listed height."""
    from ..species import species_table
    from .vegetation import bilinear_sample

    if not Path(path).is_file():
        raise ScenarioError("trees", "an existing tree list CSV", path)
    table = species_table()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for c in TREE_COLUMNS:
            if c not in cols:
                raise ScenarioError(f"trees.{c}", f"a column {c!r} in the tree list (columns: {', '.join(TREE_COLUMNS)})",
                                    MISSING, source=path)
        rows = list(reader)
    vals = {c: np.zeros(len(rows)) for c in TREE_COLUMNS if c != "species"}
    species: list[str] = []
    for i, r in enumerate(rows):
        for c in vals:
            try:
                v = float(r[c])
            except (TypeError, ValueError):
                raise ScenarioError(f"trees[{i}].{c}", "a number", r[c], source=path) from None
            if not math.isfinite(v) or (c in ("height_m", "crown_diameter_m") and v <= 0) or (c == "crown_base_m" and v < 0):
                raise ScenarioError(f"trees[{i}].{c}", "a finite number (> 0 for sizes, >= 0 for the crown base)",
                                    v, source=path)
            vals[c][i] = v
        if r["species"] not in table:
            raise ScenarioError(f"trees[{i}].species", "a species among " + ", ".join(sorted(table)), r["species"],
                                source=path)
        if vals["crown_base_m"][i] >= vals["height_m"][i]:
            raise ScenarioError(f"trees[{i}].crown_base_m", f"a crown base below the height {vals['height_m'][i]} m",
                                vals["crown_base_m"][i], source=path)
        species.append(r["species"])
    x, y = _transform_xy(vals["x"], vals["y"], src_crs, dst_crs)
    x, y = x - origin[0], y - origin[1]
    inside = (x >= 0) & (x < size_m[0]) & (y >= 0) & (y < size_m[1])
    names = tuple(sorted(set(species)))
    sp = np.array([names.index(s) for s in species], np.int16)
    height = vals["height_m"]
    foliage, branch = np.zeros(len(rows)), np.zeros(len(rows))
    for k, n in enumerate(names):
        idx = sp == k
        foliage[idx] = table[n].foliage_kg(height[idx])
        branch[idx] = table[n].fine_branch_kg(height[idx])
    m = inside
    f32 = np.float32
    n_in = int(m.sum())
    if n_in < len(rows):
        log.info("%s: %d of %d trees lie outside the grid and are dropped", path, len(rows) - n_in, len(rows))
    xs, ys = x[m].astype(f32), y[m].astype(f32)
    seeds = (np.arange(len(rows), dtype=np.uint64) * np.uint64(2654435761) % np.uint64(2**32)).astype(np.uint32)[m]
    return Trees(np.arange(n_in, dtype=np.int32), xs, ys, bilinear_sample(elevation_m, xs, ys, cell_m).astype(f32),
                 height[m].astype(f32), vals["crown_base_m"][m].astype(f32),
                 (0.5 * vals["crown_diameter_m"][m]).astype(f32), foliage[m].astype(f32), branch[m].astype(f32),
                 sp[m], seeds, names)


def footprint_rectangle(xy: np.ndarray) -> tuple[float, float, float, float, float]:
    """``(x, y, length, width, yaw_deg)`` of the smallest-area rectangle aligned with one of the
    footprint's edges that holds all its vertices (exact for a rectangular footprint); the long axis
    at compass ``yaw_deg`` in [0, 180)."""
    pts = np.asarray(xy, np.float64)
    if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    best = None
    for i in range(len(pts)):
        edge = pts[(i + 1) % len(pts)] - pts[i]
        norm = math.hypot(*edge)
        if norm == 0:
            continue
        u = edge / norm
        v = np.array([-u[1], u[0]])
        a, b = pts @ u, pts @ v
        area = (a.max() - a.min()) * (b.max() - b.min())
        if best is None or area < best[0] - 1e-9:
            best = (area, u, v, a, b)
    if best is None:
        raise ValueError("a footprint needs at least two distinct vertices")
    _, u, v, a, b = best
    la, lb = a.max() - a.min(), b.max() - b.min()
    centre = u * 0.5 * (a.max() + a.min()) + v * 0.5 * (b.max() + b.min())
    major = u if la >= lb else v
    yaw = math.degrees(math.atan2(major[0], major[1])) % 180.0
    return float(centre[0]), float(centre[1]), float(max(la, lb)), float(min(la, lb)), yaw


def read_houses(path: str, src_crs: Any, dst_crs: Any, origin: tuple[float, float], size_m: tuple[float, float],
                elevation_m: np.ndarray, cell_m: float, height_m: float) -> Structures:
    """House footprints (GeoJSON Polygon / MultiPolygon features) -> :class:`Structures` on the grid."""
    from .vegetation import bilinear_sample

    if not Path(path).is_file():
        raise ScenarioError("houses", "an existing GeoJSON file of house footprints", path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError("houses", f"a readable GeoJSON file ({exc})", path) from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise ScenarioError("houses.features", "a GeoJSON FeatureCollection with a list of features", MISSING,
                            source=path)
    rects = []
    for i, f in enumerate(feats):
        geom = (f or {}).get("geometry") or {}
        kind, coords = geom.get("type"), geom.get("coordinates")
        try:
            if kind == "Polygon":
                ring = np.asarray(coords[0], np.float64)[:, :2]
            elif kind == "MultiPolygon":
                ring = np.asarray(max(coords, key=lambda p: len(p[0]))[0], np.float64)[:, :2]
            else:
                raise ValueError(kind)
        except (TypeError, ValueError, IndexError, KeyError):
            raise ScenarioError(f"houses.features[{i}].geometry", "a Polygon or MultiPolygon footprint",
                                kind, source=path) from None
        if ring.shape[0] < 4 or not np.isfinite(ring).all():
            raise ScenarioError(f"houses.features[{i}].geometry", "a closed ring of at least 3 distinct points",
                                ring.shape[0], source=path)
        x, y = _transform_xy(ring[:, 0], ring[:, 1], src_crs, dst_crs)
        rects.append(footprint_rectangle(np.column_stack([x - origin[0], y - origin[1]])))
    r = np.asarray(rects, np.float64).reshape(-1, 5)
    inside = (r[:, 0] >= 0) & (r[:, 0] < size_m[0]) & (r[:, 1] >= 0) & (r[:, 1] < size_m[1])
    r = r[inside]
    f32 = np.float32
    n = r.shape[0]
    z = bilinear_sample(elevation_m, r[:, 0].astype(f32), r[:, 1].astype(f32), cell_m) if n else np.zeros(0)
    return Structures(np.arange(n, dtype=np.int32), r[:, 0].astype(f32), r[:, 1].astype(f32), np.asarray(z, f32),
                      np.maximum(r[:, 2], 1.0).astype(f32), np.maximum(r[:, 3], 1.0).astype(f32),
                      np.full(n, height_m, f32), r[:, 4].astype(f32))


def place_from_config(cfg: PlaceConfig, base_dir: Path | None = None, source: str | None = None) -> Landscape:
    """Import a place onto one grid (see the module docstring)."""
    from ..fuel_models import known_fuel_codes
    from ..io.geotiff import crs_linear_unit_m
    from ..scenario import scenario_from_dict
    from .fuels import fuel_models_for
    from .terrain import slope_aspect

    def resolve(p: str | None) -> str | None:
        if p is None:
            return None
        q = Path(p).expanduser()
        return str(q if q.is_absolute() or base_dir is None else base_dir / q)

    dem_path, fuel_path = resolve(cfg.dem), resolve(cfg.fuel)
    with _open(dem_path or "", "DEM") as dem, _open(fuel_path or "", "fuel") as fuel:
        dst_crs = _crs(cfg.crs, "crs") if cfg.crs else dem.crs
        if not dst_crs.is_projected:
            raise ScenarioError("crs", "a projected CRS with linear units for the grid (the DEM's is geographic; "
                                "name one, e.g. the local UTM zone)", str(dst_crs))
        unit = crs_linear_unit_m(dst_crs.to_wkt(), "crs")
        if abs(unit - 1.0) > 1e-12:
            raise ScenarioError("crs", "a grid CRS in metres", str(dst_crs))
        grid = grid_for(cfg, dem, fuel, dst_crs)
        elevation = _reproject(dem, grid, cfg.cell_m, dst_crs, "bilinear", "float32", float("nan"))
        raw_fuel = _reproject(fuel, grid, cfg.cell_m, dst_crs, "nearest", "int32", FUEL_NODATA)
    canopy_in: dict[str, np.ndarray] = {}
    if cfg.canopy is not None:
        for name in ("cover", "height", "base_height", "bulk_density"):
            path = resolve(getattr(cfg.canopy, name)) or ""
            with _open(path, f"canopy {name}") as src:
                arr = _reproject(src, grid, cfg.cell_m, dst_crs, "bilinear", "float32", float("nan"))
            if np.isnan(arr).mean() > 0.5:
                raise RasterError(f"{path}: the canopy {name} raster leaves most of the grid empty; expected it to "
                                  "cover the bounds")
            arr = np.nan_to_num(arr, nan=0.0) * getattr(cfg.canopy_scales, name)
            if (arr < 0).any():
                raise RasterError(f"{path}: negative canopy {name} values; expected values >= 0")
            canopy_in[name] = arr.astype(np.float64)
    if np.isnan(elevation).any():
        frac = float(np.isnan(elevation).mean())
        raise RasterError(f"{dem_path}: the DEM leaves {frac:.1%} of the grid without elevation; expected it to cover "
                          "the bounds")
    codes = _fuel_codes(raw_fuel, fuel_path or "")
    w0, s0, nx, ny = grid
    cell = float(cfg.cell_m)
    size = (nx * cell, ny * cell)
    slope, aspect = slope_aspect(elevation, cell)
    models = fuel_models_for(codes)
    trees = Trees.empty()
    if cfg.trees is not None:
        tcrs = _crs(cfg.trees_crs, "trees_crs") if cfg.trees_crs else dst_crs
        trees = read_trees(resolve(cfg.trees) or "", tcrs, dst_crs, (w0, s0), size, elevation, cell)
    houses = Structures.empty()
    if cfg.houses is not None:
        hcrs = _crs(cfg.houses_crs or WGS84, "houses_crs")
        houses = read_houses(resolve(cfg.houses) or "", hcrs, dst_crs, (w0, s0), size, elevation, cell,
                             cfg.house_height_m)
    by_number = {n: c for c, n in known_fuel_codes().items()}
    values, counts = np.unique(codes, return_counts=True)
    run = dict(cfg.run)
    fuel_cfg = dict(run.pop("fuel", {}) or {})
    fuel_cfg["model"] = by_number[int(values[np.argmax(counts)])]  # for the record; the raster rules
    try:
        sc = scenario_from_dict({"name": cfg.name, **run, "fuel": fuel_cfg, "vegetation": {"trees_per_ha": 0},
                                 "terrain": {"kind": "plane", "size_m": list(size), "cell_m": cell},
                                 "structures": {"houses": 0}})
    except ScenarioError as exc:  # the run settings are the only user keys here
        raise ScenarioError(f"run.{exc.field}", exc.expected, exc.got, source=source) from None
    sc = dataclasses.replace(sc, source=source)
    return Landscape(scenario=sc, cell_m=cell, elevation_m=elevation, slope_deg=slope.astype(np.float32),
                     aspect_deg=aspect.astype(np.float32), fuel_code=codes, fuel_models=models,
                     canopy=_canopy(canopy_in, trees, (ny, nx), cell), trees=trees, structures=houses,
                     crs_wkt=dst_crs.to_wkt(), origin_xy=(w0, s0),
                     meta={"place": dataclasses.asdict(cfg), "grid": {"west": w0, "south": s0, "nx": nx, "ny": ny}})


def _canopy(given: dict[str, np.ndarray], trees: Trees, shape: tuple[int, int], cell_m: float) -> Any:
    from .canopy import canopy_rasters
    from .landscape import CanopyRasters

    if not given:
        return canopy_rasters(trees, shape, cell_m)
    cover = np.clip(given["cover"], 0.0, 1.0)
    height = given["height"]
    base = np.minimum(given["base_height"], height)
    cbd = np.where(height > 0, given["bulk_density"], 0.0)
    f32 = np.float32
    return CanopyRasters(cover=cover.astype(f32), height_m=height.astype(f32), base_height_m=base.astype(f32),
                         bulk_density_kg_m3=cbd.astype(f32))


def load_place(path: str | Path) -> Landscape:
    """Load a place YAML file and import it (errors name the file and the field)."""
    from ..whatif.schema import load_yaml_mapping

    data, p = load_yaml_mapping(path, "place")
    try:
        cfg = parse(PlaceConfig, data)
        return place_from_config(cfg, p.parent, source=str(p))
    except ScenarioError as exc:
        raise (exc if exc.source else exc.with_source(str(p))) from None
