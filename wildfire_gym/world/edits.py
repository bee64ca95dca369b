"""Edits of a built world: fuel breaks and thinning (what land managers change).

Masks use the raster convention of the package (row 0 south, cell centres at
``(i + 0.5) * cell_m``). A cell belongs to a line of width ``w`` when its centre lies
within ``w / 2`` of the polyline; a line narrower than a cell still marks the cells its
centre line crosses, so a fireline never leaks between diagonal cells.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..scenario import Intervention
from .landscape import Landscape, Trees

#: Fuel code that a fireline leaves behind (Scott & Burgan NB9, bare ground).
BARE_GROUND_CODE = 99


def _segment_distance(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    denom = float(ab @ ab)
    if denom == 0.0:
        return np.hypot(px - a[0], py - a[1])
    t = np.clip(((px - a[0]) * ab[0] + (py - a[1]) * ab[1]) / denom, 0.0, 1.0)
    return np.hypot(px - (a[0] + t * ab[0]), py - (a[1] + t * ab[1]))


def polyline_mask(points_m: Sequence[tuple[float, float]], width_m: float, shape: tuple[int, int],
                  cell_m: float) -> np.ndarray:
    """Boolean ``[ny, nx]`` mask of the cells a polyline of width ``width_m`` covers."""
    ny, nx = shape
    mask = np.zeros(shape, bool)
    pts = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
    # Half a cell diagonal: a thin line still covers every cell its centre line passes through.
    half = max(0.5 * width_m, 0.5 * np.sqrt(2.0) * cell_m * 0.999)
    for a, b in zip(pts[:-1], pts[1:]):
        lo = np.floor((np.minimum(a, b) - half) / cell_m).astype(int)
        hi = np.ceil((np.maximum(a, b) + half) / cell_m).astype(int)
        x0, x1 = max(lo[0], 0), min(hi[0] + 1, nx)
        y0, y1 = max(lo[1], 0), min(hi[1] + 1, ny)
        if x0 >= x1 or y0 >= y1:
            continue
        if 0.5 * width_m >= 0.5 * np.sqrt(2.0) * cell_m:
            xs = (np.arange(x0, x1) + 0.5) * cell_m
            ys = (np.arange(y0, y1) + 0.5) * cell_m
            px, py = np.meshgrid(xs, ys)
            near = _segment_distance(px, py, a, b) <= 0.5 * width_m
        else:
            # Thin line: the cells whose square the segment crosses (supercover via dense sampling).
            n = int(np.ceil(np.hypot(*(b - a)) / (0.25 * cell_m))) + 2
            t = np.linspace(0.0, 1.0, n)
            sx = np.floor((a[0] + t * (b[0] - a[0])) / cell_m).astype(int)
            sy = np.floor((a[1] + t * (b[1] - a[1])) / cell_m).astype(int)
            ok = (sx >= 0) & (sx < nx) & (sy >= 0) & (sy < ny)
            mask[sy[ok], sx[ok]] = True
            # Close diagonal steps so no 4-connected gap remains.
            step = np.flatnonzero((np.abs(np.diff(sx)) + np.abs(np.diff(sy))) == 2)
            for k in step:
                if ok[k] and 0 <= sy[k + 1] < ny and 0 <= sx[k] < nx:
                    mask[sy[k + 1], sx[k]] = True
            continue
        mask[y0:y1, x0:x1] |= near
    return mask


def polygon_mask(points_m: Sequence[tuple[float, float]], shape: tuple[int, int], cell_m: float) -> np.ndarray:
    """Cells whose centre lies inside the polygon (even-odd rule); everything when empty."""
    ny, nx = shape
    if len(points_m) == 0:
        return np.ones(shape, bool)
    from matplotlib.path import Path as MplPath

    xs = (np.arange(nx) + 0.5) * cell_m
    ys = (np.arange(ny) + 0.5) * cell_m
    px, py = np.meshgrid(xs, ys)
    inside = MplPath(np.asarray(points_m, float)).contains_points(np.column_stack([px.ravel(), py.ravel()]))
    return inside.reshape(shape)


def trees_in_mask(trees: Trees, mask: np.ndarray, cell_m: float) -> np.ndarray:
    """Boolean ``[N]``: trees whose stem stands in a masked cell."""
    if not len(trees):
        return np.zeros(0, bool)
    ny, nx = mask.shape
    ix = np.clip((trees.x_m // cell_m).astype(int), 0, nx - 1)
    iy = np.clip((trees.y_m // cell_m).astype(int), 0, ny - 1)
    return mask[iy, ix]


def apply_fuel_break(land: Landscape, iv: Intervention) -> Landscape:
    """Convert the fuel under the break to ``iv.fuel_model`` and remove its trees."""
    from ..fuel_models import fuel_model
    from .canopy import canopy_rasters

    mask = polyline_mask(iv.points_m, iv.width_m, land.shape, land.cell_m)
    fm = fuel_model(iv.fuel_model, custom=land.scenario.fuel.custom_models)
    codes = land.fuel_code.copy()
    codes[mask] = fm.number
    models = dict(land.fuel_models)
    models[fm.number] = fm
    trees = land.trees.subset(~trees_in_mask(land.trees, mask, land.cell_m))
    canopy = canopy_rasters(trees, land.shape, land.cell_m)
    return dataclasses.replace(land, fuel_code=codes, fuel_models=models, trees=trees, canopy=canopy)


def apply_thinning(land: Landscape, iv: Intervention) -> Landscape:
    """Remove ``thin_fraction`` of the stems in the polygon (smallest first) and prune crowns.

    Thinning from below removes the shortest trees first (ladder fuels), the usual
    fuel-reduction prescription; pruning raises crown bases to ``prune_to_m`` (never
    above 90 % of a tree's height). The canopy rasters are derived again from what is
    left, so the fire sees the thinner forest.
    """
    from .canopy import canopy_rasters

    trees = land.trees
    if not len(trees):
        return land
    inside = trees_in_mask(trees, polygon_mask(iv.points_m, land.shape, land.cell_m), land.cell_m)
    idx = np.flatnonzero(inside)
    n_remove = int(round(iv.thin_fraction * idx.size))
    order = idx[np.lexsort((idx, trees.height_m[idx]))]  # shortest first, ties by id: deterministic
    keep = np.ones(len(trees), bool)
    keep[order[:n_remove]] = False
    crown_base = trees.crown_base_m.copy()
    if iv.prune_to_m > 0:
        pruned = inside & keep
        new_base = np.minimum(np.maximum(crown_base, iv.prune_to_m), 0.9 * trees.height_m)
        # Pruning removes the foliage below the new base in proportion to the crown length lost.
        length_old = np.maximum(trees.height_m - crown_base, 1e-6)
        frac_left = np.clip((trees.height_m - new_base) / length_old, 0.0, 1.0)
        foliage = np.where(pruned, trees.foliage_kg * frac_left, trees.foliage_kg).astype(np.float32)
        branch = np.where(pruned, trees.branch_kg * frac_left, trees.branch_kg).astype(np.float32)
        crown_base = np.where(pruned, new_base, crown_base).astype(np.float32)
        trees = dataclasses.replace(trees, crown_base_m=crown_base, foliage_kg=foliage, branch_kg=branch)
    trees = trees.subset(keep)
    canopy = canopy_rasters(trees, land.shape, land.cell_m)
    return dataclasses.replace(land, trees=trees, canopy=canopy)


def apply_world_edits(land: Landscape, interventions: Sequence[Intervention]) -> Landscape:
    """Apply the fuel breaks and thinnings among ``interventions`` (in order)."""
    for iv in interventions:
        if iv.kind == "fuel_break":
            land = apply_fuel_break(land, iv)
        elif iv.kind == "thinning":
            land = apply_thinning(land, iv)
    return land
