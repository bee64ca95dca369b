"""Canopy fuel rasters derived from the trees themselves.

Definitions (Scott, J.H., Reinhardt, E.D. 2001. Assessing crown fire potential by
linking models of surface and crown fire behavior. USDA Forest Service Research Paper
RMRS-RP-29; the canopy inputs of FARSITE and FlamMap):

* canopy fuel load = available canopy fuel mass / ground area, kg/m2; here the
  available fuel is foliage + live fine (< 6 mm) branchwood of the trees whose stems
  stand in the cell (:attr:`Trees.foliage_kg` + :attr:`Trees.branch_kg`);
* canopy bulk density (CBD) = canopy fuel load / canopy depth, kg/m3, the depth being
  canopy height - canopy base height; here the cell's mean tree height minus its
  mean crown base height (at least :data:`MIN_CANOPY_DEPTH_M`);
* canopy base height = the lowest crown base of the cell's trees (the fire's way
  into the canopy), m; canopy height = mean total height of the cell's trees, m;
* canopy cover = fraction of the cell area under at least one crown (overlaps counted
  once, so at most 1). Crowns are vertical projections of disks of the widest crown
  radius, rasterised approximately: each cell is sampled on a regular ``k x k`` grid
  of points (spacing at most :data:`COVER_SAMPLE_SPACING_M`) and the cover is the
  fraction of points inside a crown disk. A crown spills into neighbouring cells.
  Crowns narrower than the sample spacing (radius below one spacing, which a lattice
  could miss) instead add their exact disk area ``pi r^2`` to their stem's cell; the
  sum is capped at 1.

Every raster is zero where no stem stands (cover also counts crowns overhanging from
neighbouring cells).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import RasterError
from .landscape import CanopyRasters, Trees

COVER_SAMPLE_SPACING_M: float = 2.0
"""Largest spacing of the points that sample crown cover within a cell, m."""

MAX_COVER_SAMPLES_PER_SIDE: int = 8
"""Cap on the cover sample points per cell side (so coarse cells stay cheap)."""

MIN_CANOPY_DEPTH_M: float = 0.5
"""Smallest canopy depth used to form a bulk density, m (guards near-zero crowns)."""

_COVER_CHUNK_ELEMENTS: int = 4_000_000
"""Trees x offsets handled at once while rasterising crowns (bounds the memory)."""


def canopy_fuel_load_kg_m2(mass_kg: np.ndarray, cell_area_m2: float) -> np.ndarray:
    """Canopy fuel load: available crown fuel mass over the ground area (Scott & Reinhardt 2001).

    mass_kg :: kg per cell; cell_area_m2 :: m2. Returns kg/m2.
    """
    return np.asarray(mass_kg, np.float64) / cell_area_m2


def canopy_bulk_density_kg_m3(fuel_load_kg_m2: np.ndarray, canopy_depth_m: np.ndarray) -> np.ndarray:
    """Canopy bulk density = canopy fuel load / canopy depth (Scott & Reinhardt 2001).

    fuel_load_kg_m2 :: kg/m2; canopy_depth_m :: m, canopy height - canopy base height,
    floored at :data:`MIN_CANOPY_DEPTH_M`. Returns kg/m3.
    """
    depth = np.maximum(np.asarray(canopy_depth_m, np.float64), MIN_CANOPY_DEPTH_M)
    return np.asarray(fuel_load_kg_m2, np.float64) / depth


def cover_samples_per_side(cell_m: float) -> int:
    """Sample points per cell side used for the crown cover: ``ceil(cell / 2 m)``, 1..8."""
    return int(min(max(math.ceil(cell_m / COVER_SAMPLE_SPACING_M - 1e-9), 1), MAX_COVER_SAMPLES_PER_SIDE))


def crown_cover(trees: Trees, shape: tuple[int, int], cell_m: float) -> np.ndarray:
    """Fraction of each cell under at least one crown disk (sampled, see module docstring)."""
    ny, nx = shape
    k = cover_samples_per_side(cell_m)
    sub = cell_m / k
    sny, snx = ny * k, nx * k
    covered = np.zeros(sny * snx, bool)
    n = len(trees)
    small = np.zeros(0, bool)
    if n:
        # Fine-grid coordinates: sample point (j, i) sits at ((i + 0.5) sub, (j + 0.5) sub).
        fx = np.asarray(trees.x_m, np.float64) / sub - 0.5
        fy = np.asarray(trees.y_m, np.float64) / sub - 0.5
        r = np.maximum(np.asarray(trees.crown_radius_m, np.float64), 0.0) / sub
        cx = np.rint(fx).astype(np.int64)
        cy = np.rint(fy).astype(np.int64)
        half = np.ceil(r + 0.5).astype(np.int64)
        small = r < 1.0
        for h in np.unique(half[~small]):
            idx = np.flatnonzero((half == h) & ~small)
            o = np.arange(-h, h + 1)
            ox, oy = np.meshgrid(o, o)
            ox = ox.ravel()
            oy = oy.ravel()
            step = max(1, _COVER_CHUNK_ELEMENTS // ox.size)
            for s in range(0, idx.size, step):
                t = idx[s:s + step]
                px = cx[t, None] + ox[None, :]
                py = cy[t, None] + oy[None, :]
                inside = (px - fx[t, None]) ** 2 + (py - fy[t, None]) ** 2 <= r[t, None] ** 2
                inside &= (px >= 0) & (px < snx) & (py >= 0) & (py < sny)
                covered[(py[inside] * snx + px[inside])] = True
    cover = covered.reshape(ny, k, nx, k).mean(axis=(1, 3))
    if n and small.any():
        ix = np.clip(np.floor(np.asarray(trees.x_m, np.float64)[small] / cell_m), 0, nx - 1).astype(np.int64)
        iy = np.clip(np.floor(np.asarray(trees.y_m, np.float64)[small] / cell_m), 0, ny - 1).astype(np.int64)
        disk = np.pi * (r[small] * sub) ** 2 / (cell_m * cell_m)
        cover += np.bincount(iy * nx + ix, weights=disk, minlength=ny * nx).reshape(ny, nx)
    return np.minimum(cover, 1.0).astype(np.float32)


def canopy_rasters(trees: Trees, shape: tuple[int, int], cell_m: float) -> CanopyRasters:
    """Canopy cover, height, base height and bulk density per cell from the trees.

    Args:
        trees: the trees (stems binned by position; crowns of their widest radius).
        shape: raster shape ``(ny, nx)``.
        cell_m: cell size, m.

    Returns:
        :class:`CanopyRasters`, float32 ``[ny, nx]``: cover (fraction), height_m (mean
        tree height of the stems in the cell), base_height_m (min crown base there),
        bulk_density_kg_m3 ((foliage + fine branch) / (cell area x (mean height - mean
        crown base))). Zero where no stem stands (cover: where no crown reaches).
    """
    if len(shape) != 2 or min(shape) < 1:
        raise RasterError(f"shape: expected (ny, nx) with positive sides, got {shape}")
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise RasterError(f"cell_m: expected a positive cell size in metres, got {cell_m}")
    ny, nx = int(shape[0]), int(shape[1])
    ncell = ny * nx
    if len(trees) == 0:  # no stems: no canopy (and no sampled cover grid to build)
        zero = np.zeros((ny, nx), np.float32)
        return CanopyRasters(cover=zero, height_m=zero.copy(), base_height_m=zero.copy(),
                             bulk_density_kg_m3=zero.copy())
    ix = np.clip(np.floor(np.asarray(trees.x_m, np.float64) / cell_m), 0, nx - 1).astype(np.int64)
    iy = np.clip(np.floor(np.asarray(trees.y_m, np.float64) / cell_m), 0, ny - 1).astype(np.int64)
    cell = iy * nx + ix
    count = np.bincount(cell, minlength=ncell).astype(np.float64)
    h = np.asarray(trees.height_m, np.float64)
    cb = np.asarray(trees.crown_base_m, np.float64)
    mass = np.asarray(trees.foliage_kg, np.float64) + np.asarray(trees.branch_kg, np.float64)
    has = count > 0
    safe = np.where(has, count, 1.0)
    mean_h = np.bincount(cell, weights=h, minlength=ncell) / safe
    mean_cb = np.bincount(cell, weights=cb, minlength=ncell) / safe
    min_cb = np.full(ncell, np.inf)
    np.minimum.at(min_cb, cell, cb)
    load = canopy_fuel_load_kg_m2(np.bincount(cell, weights=mass, minlength=ncell), cell_m * cell_m)
    cbd = canopy_bulk_density_kg_m3(load, mean_h - mean_cb)

    def grid(a: np.ndarray) -> np.ndarray:
        return np.where(has, a, 0.0).reshape(ny, nx).astype(np.float32)

    return CanopyRasters(
        cover=crown_cover(trees, (ny, nx), cell_m),
        height_m=grid(mean_h),
        base_height_m=grid(min_cb),
        bulk_density_kg_m3=grid(cbd),
    )
