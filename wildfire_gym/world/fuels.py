"""The surface fuel-model raster: uniform, patchy from seeded noise, or read from a GeoTIFF.

Rasters follow the package convention (:mod:`wildfire_gym.scenario`): ``[ny, nx]`` with
row 0 the southernmost row. Values are numeric fuel codes (``int16``): FM1..FM13 = 1..13,
NB1/2/3/8/9 = 91/92/93/98/99, Scott & Burgan 101..204, custom models their own number.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from scipy import ndimage

from ..errors import RasterError, ScenarioError
from ..fuel_models import FuelModel, custom_models_by_number, known_fuel_codes, standard_fuel_models
from ..scenario import FuelConfig

__all__ = ["NODATA_FUEL_CODE", "fuel_code_raster", "fuel_models_for", "patch_counts", "smooth_noise"]

log = logging.getLogger(__name__)

NODATA_FUEL_CODE: int = 99
"""Fuel code given to raster cells that are nodata or outside the raster: NB9, bare ground
(non-burnable), so that a hole in a fuel map never carries fire."""

NOISE_LATTICE_PER_PATCH: float = 2.0
"""Lattice points of white noise per ``patch_scale_m``; with the Gaussian blur below the
resulting field has a correlation length of about one patch scale."""
NOISE_BLUR_LATTICE_CELLS: float = 1.0
"""Standard deviation of the Gaussian blur applied on the noise lattice, lattice cells."""

GeotiffReader = Callable[[str], Any]
"""A reader returning an object with ``.data`` (2-D, row 0 north as in the file),
``.transform`` (affine: x = a*col + b*row + c, y = d*col + e*row + f), ``.crs_wkt``,
``.nodata`` and optionally ``.valid_mask()``, like :func:`wildfire_gym.io.geotiff.read_geotiff`."""


def smooth_noise(shape: tuple[int, int], cell_m: float, scale_m: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth random field ``[ny, nx]`` (float64) with features about ``scale_m`` across.

    White noise on a coarse lattice (spacing ``scale_m / NOISE_LATTICE_PER_PATCH``, never
    finer than a cell) is blurred and bilinearly interpolated to the cell centres, so the
    cost is that of the grid, whatever the scale.
    """
    ny, nx = shape
    spacing_cells = max(1.0, scale_m / NOISE_LATTICE_PER_PATCH / cell_m)
    ly = int(np.ceil(ny / spacing_cells)) + 4
    lx = int(np.ceil(nx / spacing_cells)) + 4
    lattice = ndimage.gaussian_filter(rng.standard_normal((ly, lx)), NOISE_BLUR_LATTICE_CELLS, mode="wrap")
    # Cell centres in lattice coordinates, offset by a random phase within one lattice cell.
    oy, ox = rng.uniform(1.0, 2.0, size=2)
    yy = oy + (np.arange(ny) + 0.5) / spacing_cells
    xx = ox + (np.arange(nx) + 0.5) / spacing_cells
    y0 = np.floor(yy).astype(np.intp)
    x0 = np.floor(xx).astype(np.intp)
    fy = (yy - y0)[:, None]
    fx = (xx - x0)[None, :]
    a = lattice[np.ix_(y0, x0)]
    b = lattice[np.ix_(y0, x0 + 1)]
    c = lattice[np.ix_(y0 + 1, x0)]
    d = lattice[np.ix_(y0 + 1, x0 + 1)]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def patch_counts(fractions: Iterable[float], n_cells: int) -> np.ndarray:
    """Cell counts per class from area fractions, summing exactly to ``n_cells``.

    Fractions are normalised by their sum; counts are rounded down and the remaining cells
    go to the largest remainders (ties to the earlier class), so each count is within one
    cell of ``fraction * n_cells``.
    """
    f = np.asarray(list(fractions), dtype=np.float64)
    f = f / f.sum()
    exact = f * n_cells
    counts = np.floor(exact).astype(np.int64)
    short = int(n_cells - counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def _code_number(code: str, numbers: Mapping[str, int], field: str) -> int:
    if code not in numbers:
        raise ScenarioError(field, "FM1..FM13, a Scott & Burgan code (GR1..SB4), NB1/NB2/NB3/NB8/NB9 "
                            "or a custom code", code)
    return numbers[code]


def _patchy(cfg: FuelConfig, shape: tuple[int, int], cell_m: float, seed: int,
            numbers: Mapping[str, int]) -> np.ndarray:
    """Fuel codes as patches of smooth noise, each code covering its exact cell count.

    Codes are placed from the smallest fraction to the largest: each takes the highest
    cells of its own smooth noise field among the cells still free, so every code forms
    blobs about ``patch_scale_m`` across (not nested bands of one field); the largest
    code takes the remaining cells, the matrix around the patches.
    """
    assert cfg.patches is not None
    codes = [_code_number(c, numbers, f"fuel.patches.{c}") for c in cfg.patches]
    n_cells = shape[0] * shape[1]
    counts = patch_counts(cfg.patches.values(), n_cells)
    rng = np.random.default_rng(seed)
    fields = [smooth_noise(shape, cell_m, cfg.patch_scale_m, rng).ravel() for _ in codes]
    order = sorted(range(len(codes)), key=lambda i: (counts[i], i))
    flat = np.full(n_cells, codes[order[-1]], dtype=np.int16)
    free = np.ones(n_cells, dtype=bool)
    for i in order[:-1]:
        if counts[i] == 0:
            continue
        candidates = np.flatnonzero(free)
        ranked = candidates[np.argsort(-fields[i][candidates], kind="stable")]
        chosen = ranked[:counts[i]]
        flat[chosen] = codes[i]
        free[chosen] = False
    return flat.reshape(shape)


def _default_reader(path: str) -> Any:
    """The package GeoTIFF reader (:func:`wildfire_gym.io.geotiff.read_geotiff`)."""
    from ..io.geotiff import read_geotiff

    return read_geotiff(path)


def _affine(transform: Any) -> tuple[float, float, float, float, float, float]:
    """``(a, b, c, d, e, f)`` of an affine transform (rasterio ``Affine`` or a 6-sequence)."""
    vals = [float(v) for v in tuple(transform)[:6]]
    return vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]


def _valid_mask(raster: Any, data: np.ndarray) -> np.ndarray:
    """True where a raster cell holds a value (the reader's mask, else nodata/NaN tests)."""
    if hasattr(raster, "valid_mask"):
        return np.asarray(raster.valid_mask(), dtype=bool)
    ok = np.ones(data.shape, bool)
    if np.issubdtype(data.dtype, np.floating):
        ok &= np.isfinite(data)
    nodata = getattr(raster, "nodata", None)
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        ok &= data != nodata
    return ok


def _from_raster(path: str, shape: tuple[int, int], cell_m: float, allowed: Mapping[int, str],
                 reader: GeotiffReader, origin_xy: tuple[float, float] | None) -> np.ndarray:
    """Nearest-neighbour sample of a GeoTIFF of fuel numbers onto the grid (row 0 south)."""
    from ..io.geotiff import crs_linear_unit_m

    if not os.path.isfile(path):
        raise RasterError(f"fuel raster {path}: no such file; expected a GeoTIFF of fuel codes")
    raster = reader(path)
    data = np.asarray(raster.data)
    if data.ndim != 2 or data.size == 0:
        raise RasterError(f"fuel raster {path}: expected one band of fuel codes, got shape {data.shape}")
    unit_m = crs_linear_unit_m(raster.crs_wkt, f"fuel raster {path}")  # raises for degrees
    a, b, c, d, e, f = _affine(raster.transform)
    det = a * e - b * d
    if det == 0:
        raise RasterError(f"fuel raster {path}: degenerate geotransform {tuple(raster.transform)[:6]}")
    rows, cols = data.shape
    if origin_xy is None:
        corners_x = [c, a * cols + c, b * rows + c, a * cols + b * rows + c]
        corners_y = [f, d * cols + f, e * rows + f, d * cols + e * rows + f]
        origin_xy = (min(corners_x), min(corners_y))
    ny, nx = shape
    cell_u = cell_m / unit_m  # cell size in CRS units
    dx = origin_xy[0] + (np.arange(nx) + 0.5)[None, :] * cell_u - c
    dy = origin_xy[1] + (np.arange(ny) + 0.5)[:, None] * cell_u - f  # iy = 0 is the south
    col = np.floor((e * dx - b * dy) / det).astype(np.int64)
    row = np.floor((-d * dx + a * dy) / det).astype(np.int64)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    if not inside.any():
        raise RasterError(f"fuel raster {path}: does not overlap the terrain grid "
                          f"(SW corner {origin_xy}, {nx * cell_m} m x {ny * cell_m} m)")
    rr, cc = np.clip(row, 0, rows - 1), np.clip(col, 0, cols - 1)
    present = inside & _valid_mask(raster, data)[rr, cc]
    values = data[rr, cc][present]
    if np.issubdtype(values.dtype, np.floating) and not np.all(values == np.round(values)):
        bad = values[values != np.round(values)][0]
        raise RasterError(f"fuel raster {path}: fuel codes must be integers, found {bad}")
    ints = values.astype(np.int64)
    unknown = np.setdiff1d(np.unique(ints), np.fromiter(allowed, dtype=np.int64))
    if unknown.size:
        listing = ", ".join(f"{n} ({allowed[n]})" for n in sorted(allowed))
        more = f" (and {unknown.size - 1} more)" if unknown.size > 1 else ""
        raise RasterError(f"fuel raster {path}: unknown fuel code {int(unknown[0])}{more}; "
                          f"allowed codes are {listing}")
    out = np.full(shape, NODATA_FUEL_CODE, dtype=np.int16)
    out[present] = ints.astype(np.int16)
    n_missing = int(out.size - present.sum())
    if n_missing:
        log.warning("fuel raster %s: %d of %d cells are nodata or outside the raster; set to NB9 (%d)",
                    path, n_missing, out.size, NODATA_FUEL_CODE)
    return out


def fuel_code_raster(cfg: FuelConfig, shape: tuple[int, int], cell_m: float, seed: int, *,
                     geotiff_reader: GeotiffReader | None = None,
                     origin_xy: tuple[float, float] | None = None) -> np.ndarray:
    """The fuel-code raster ``[ny, nx]`` (int16, row 0 south) a fuel config describes.

    * ``cfg.raster``: a GeoTIFF of numeric codes (north-up as usual), sampled nearest-
      neighbour at the cell centres (the file is flipped so that row 0 is south). The
      grid's south-west corner is ``origin_xy`` in the raster's CRS units (e.g. a GeoTIFF
      terrain's ``Landscape.origin_xy``), or the raster's own south-west corner when ``None``. Nodata
      cells and cells outside the raster become NB9 (:data:`NODATA_FUEL_CODE`). An unknown
      code raises :class:`~wildfire_gym.errors.RasterError` naming the file, the code and
      the allowed codes.
    * ``cfg.patches``: each code the top quantile of its own seeded smooth noise field
      (features about ``cfg.patch_scale_m`` across) among the cells still free; each code
      covers its area fraction (normalised) to within one cell.
    * otherwise ``cfg.model`` everywhere.

    Custom models of ``cfg.custom_models`` are allowed everywhere. Deterministic in ``seed``.
    """
    ny, nx = int(shape[0]), int(shape[1])
    if ny < 1 or nx < 1:
        raise ScenarioError("terrain.shape", "at least one cell in each direction", shape)
    if not cell_m > 0:
        raise ScenarioError("terrain.cell_m", "a cell size > 0 m", cell_m)
    numbers = known_fuel_codes()
    for cm in cfg.custom_models:
        numbers[cm.code] = cm.number
    if cfg.raster is not None:
        allowed = {n: code for code, n in numbers.items()}
        return _from_raster(str(cfg.raster), (ny, nx), float(cell_m), allowed,
                            geotiff_reader or _default_reader, origin_xy)
    if cfg.patches is not None:
        return _patchy(cfg, (ny, nx), float(cell_m), int(seed), numbers)
    return np.full((ny, nx), _code_number(cfg.model, numbers, "fuel.model"), dtype=np.int16)


def fuel_models_for(codes: np.ndarray, custom: Iterable[Any] = ()) -> dict[int, FuelModel]:
    """``number -> FuelModel`` for every code present in ``codes`` (standard or custom).

    Raises :class:`~wildfire_gym.errors.RasterError` when a code has no model.
    """
    table = {m.number: m for m in standard_fuel_models().values()}
    table.update(custom_models_by_number(custom))
    present = [int(v) for v in np.unique(np.asarray(codes))]
    unknown = [v for v in present if v not in table]
    if unknown:
        raise RasterError(f"fuel code raster holds unknown fuel codes {unknown}; "
                          f"known codes are {sorted(table)}")
    return {v: table[v] for v in present}
