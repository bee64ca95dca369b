"""What a fire run leaves on disk: fields, GeoTIFFs, perimeter GeoJSON, summary, animation.

Only numpy, Pillow and matplotlib's contour generator are used; every file is written
atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..world.landscape import Landscape
from .state import BurnState, FireSnapshot, TreeState

GIF_MIN_WIDTH_PX = 320
"""Narrow grids are enlarged (whole-pixel nearest) towards this width so that the animation is legible..."""
GIF_MAX_SIDE_PX = 480
"""...but no side of an animation frame ever exceeds this many pixels (a 1 x 150 strip stays small)."""

FIELD_NAMES = ("arrival_time_s", "ros_m_per_s", "fireline_intensity_kw_m", "flame_length_m", "burn_state")


def fire_fields(snap: FireSnapshot) -> dict[str, np.ndarray]:
    """The per-cell output fields of a snapshot (float32, and ``burn_state`` uint8)."""
    return {
        "arrival_time_s": snap.arrival_time_s.astype(np.float32),
        "ros_m_per_s": snap.ros_m_per_s.astype(np.float32),
        "fireline_intensity_kw_m": snap.fireline_intensity_kw_m.astype(np.float32),
        "flame_length_m": snap.flame_length_m.astype(np.float32),
        "burn_state": snap.burn_state.astype(np.uint8),
    }


def perimeter_rings(arrival_time_s: np.ndarray, t_s: float, cell_m: float,
                    origin_xy: tuple[float, float] = (0.0, 0.0)) -> list[np.ndarray]:
    """Closed rings ``[k, 2]`` (x, y in metres) of the burned area at time ``t_s``.

    The boundary is the 0.5 iso-line of the burned indicator at cell centres (marching
    squares), so a single burned cell gives a small diamond and a burned disc a
    polygon whose area converges to the disc's.
    """
    from contourpy import contour_generator

    burned = (arrival_time_s <= t_s).astype(np.float64)
    if not burned.any():
        return []
    padded = np.pad(burned, 1)  # close rings that touch the edge
    ny, nx = padded.shape
    x = (np.arange(nx) - 0.5) * cell_m + origin_xy[0]
    y = (np.arange(ny) - 0.5) * cell_m + origin_xy[1]
    gen = contour_generator(x=x, y=y, z=padded, line_type="Separate")
    rings = []
    for line in gen.lines(0.5):
        ring = np.asarray(line, dtype=np.float64)
        if len(ring) >= 4:
            if not np.allclose(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            rings.append(ring)
    return rings


def ring_area_m2(ring: np.ndarray) -> float:
    """Signed shoelace area of a closed ring (positive counter-clockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def ring_length_m(ring: np.ndarray) -> float:
    return float(np.hypot(*np.diff(ring, axis=0).T).sum())


def perimeter_geojson(rings: Sequence[np.ndarray], properties: dict[str, Any], crs_wkt: str | None) -> dict:
    """A GeoJSON FeatureCollection of the fire perimeter (outer rings CCW, holes CW)."""
    outers = [r for r in rings if ring_area_m2(r) > 0]
    holes = [r for r in rings if ring_area_m2(r) <= 0]
    polygons = []
    for outer in outers:
        from matplotlib.path import Path as MplPath

        path = MplPath(outer)
        mine = [h for h in holes if path.contains_point(h[0])]
        polygons.append([outer.round(3).tolist()] + [h.round(3).tolist() for h in mine])
    feature = {"type": "Feature", "properties": properties,
               "geometry": {"type": "MultiPolygon", "coordinates": polygons}}
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": [feature]}
    fc["crs_note"] = ("coordinates in metres: x east, y north from the terrain's south-west corner"
                      if crs_wkt is None else "coordinates in the terrain's projected CRS")
    if crs_wkt:
        fc["crs_wkt"] = crs_wkt
    return fc


def head_ros_m_per_s(snap: FireSnapshot) -> float:
    """Largest rate of spread of any burned cell (the head fire's)."""
    burned = np.isfinite(snap.arrival_time_s)
    return float(snap.ros_m_per_s[burned].max()) if burned.any() else 0.0


def houses_reached(landscape: Landscape, snap: FireSnapshot, radius_m: float = 0.0) -> int:
    """Houses whose footprint cell (or any cell within ``radius_m``) the fire reached."""
    st = landscape.structures
    if not len(st):
        return 0
    ny, nx = landscape.shape
    burned = np.isfinite(snap.arrival_time_s) & (snap.arrival_time_s <= snap.time_s)
    reach = max(0, int(np.ceil((0.5 * np.maximum(st.length_m, st.width_m).max() + radius_m) / landscape.cell_m)))
    count = 0
    for x, y in zip(st.x_m, st.y_m):
        ix, iy = int(x // landscape.cell_m), int(y // landscape.cell_m)
        sl = burned[max(0, iy - reach): iy + reach + 1, max(0, ix - reach): ix + reach + 1]
        count += bool(sl.any())
    return count


def fire_summary(landscape: Landscape, snap: FireSnapshot, wall_time_s: float,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run's numbers: burned area, perimeter, head ROS, max intensity, trees, houses."""
    cell_area = landscape.cell_m**2
    burned = np.isfinite(snap.arrival_time_s) & (snap.arrival_time_s <= snap.time_s)
    rings = perimeter_rings(snap.arrival_time_s, snap.time_s, landscape.cell_m)
    perim = sum(ring_length_m(r) for r in rings if ring_area_m2(r) > 0)
    ts = snap.tree_state
    out = {
        "scenario": landscape.scenario.name,
        "seed": landscape.scenario.seed,
        "time_s": float(snap.time_s),
        "burned_area_m2": float(burned.sum() * cell_area),
        "burned_area_ha": float(burned.sum() * cell_area / 1e4),
        "burned_cells": int(burned.sum()),
        "perimeter_m": float(perim),
        "head_ros_m_per_s": head_ros_m_per_s(snap),
        "max_fireline_intensity_kw_m": float(snap.fireline_intensity_kw_m.max(initial=0.0)),
        "max_flame_length_m": float(snap.flame_length_m.max(initial=0.0)),
        "cells_burning": int(np.count_nonzero(snap.burn_state == BurnState.BURNING)),
        "trees_total": int(ts.size),
        "trees_burnt": int(np.count_nonzero(ts == TreeState.BURNT)),
        "trees_crown_fire": int(np.count_nonzero((ts == TreeState.TORCHING) | (ts == TreeState.CROWN_BURNING)
                                                 | (ts == TreeState.BURNT))),
        "trees_scorched": int(np.count_nonzero(ts == TreeState.SCORCHED)),
        "houses_total": len(landscape.structures),
        "houses_reached": houses_reached(landscape, snap),
        "wall_time_s": float(wall_time_s),
    }
    if extra:
        out.update(extra)
    return out


def _arrival_rgb(landscape: Landscape, arrival: np.ndarray, t_s: float, t_max: float) -> np.ndarray:
    """uint8 image (north up) of the fire at ``t_s`` over the hillshade."""
    import matplotlib

    from ..world.preview import shaded_fuel_rgb

    base = shaded_fuel_rgb(landscape)
    img = base.copy()
    burned = arrival <= t_s
    if burned.any():
        cmap = matplotlib.colormaps["inferno"]
        frac = np.clip(arrival / max(t_max, 1e-9), 0, 1)
        col = cmap(0.15 + 0.6 * frac)[..., :3].astype(np.float32)
        img[burned] = 0.55 * col[burned] + 0.45 * base[burned] * 0.4
        front = burned & (arrival > t_s - max(t_max / 40.0, 1.0))
        img[front] = (1.0, 0.85, 0.2)
    return (np.clip(img[::-1], 0, 1) * 255).astype(np.uint8)


def gif_scale(shape: tuple[int, int], max_px: int = GIF_MAX_SIDE_PX,
              min_width_px: int = GIF_MIN_WIDTH_PX) -> tuple[int, int]:
    """``(step, zoom)`` for an animation frame of a ``(ny, nx)`` grid: keep every ``step``-th cell,
    then repeat each ``zoom`` times, so that the longer side is at most ``max_px`` and a narrow
    grid is widened towards ``min_width_px`` within that bound."""
    ny, nx = shape
    step = max(1, int(np.ceil(max(ny, nx) / max_px)))
    h, w = -(-ny // step), -(-nx // step)
    zoom = max(1, min(int(np.ceil(min_width_px / w)), max_px // max(h, w)))
    return step, zoom


def write_animation(landscape: Landscape, arrival: np.ndarray, path: str | Path, t_end_s: float,
                    n_frames: int = 40, max_px: int = GIF_MAX_SIDE_PX) -> Path:
    """An animated GIF of the fire growing over the hillshade (arrival-time colours), at most
    ``max_px`` pixels a side whatever the grid's shape (see :func:`gif_scale`)."""
    from PIL import Image, ImageDraw

    from ..io.atomic import atomic_write

    frames = []
    scale, zoom = gif_scale(arrival.shape, max_px)
    for t in np.linspace(t_end_s / n_frames, t_end_s, n_frames):
        rgb = _arrival_rgb(landscape, arrival, float(t), t_end_s)[::scale, ::scale]
        im = Image.fromarray(rgb)
        if zoom > 1:
            im = im.resize((im.width * zoom, im.height * zoom), Image.NEAREST)
        ImageDraw.Draw(im).text((6, 4), f"t = {t / 60:5.1f} min", fill=(255, 255, 255))
        frames.append(im.convert("P", palette=Image.ADAPTIVE, colors=128))
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        frames[0].save(fh, format="GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)
    return path


def write_fire_outputs(landscape: Landscape, snap: FireSnapshot, out_dir: str | Path, wall_time_s: float,
                       *, geotiffs: bool = True, animation: bool = True,
                       extra_summary: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write summary.json, fields.npz, GeoTIFFs, perimeter.geojson and fire.gif into ``out_dir``."""
    from ..io.atomic import atomic_save_npz, atomic_write_text
    from ..io.geotiff import write_geotiff

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    fields = fire_fields(snap)
    paths["fields"] = out / "fields.npz"
    atomic_save_npz(paths["fields"], **fields)
    if len(snap.tree_state):
        paths["trees"] = out / "trees_fire.npz"
        atomic_save_npz(paths["trees"], tree_state=snap.tree_state, tree_state_time_s=snap.tree_state_time_s,
                        tree_foliage_frac=snap.tree_foliage_frac)
    if geotiffs:
        for name, arr in fields.items():
            p = out / f"{name}.tif"
            data = arr
            nodata = None
            if name == "arrival_time_s":
                data = np.where(np.isfinite(arr), arr, -1.0).astype(np.float32)
                nodata = -1.0
            write_geotiff(p, data, landscape.cell_m, origin_xy=landscape.origin_xy, crs_wkt=landscape.crs_wkt,
                          nodata=nodata)
            paths[f"{name}_tif"] = p
    summary = fire_summary(landscape, snap, wall_time_s, extra_summary)
    rings = perimeter_rings(snap.arrival_time_s, snap.time_s, landscape.cell_m, landscape.origin_xy)
    paths["perimeter"] = out / "perimeter.geojson"
    atomic_write_text(paths["perimeter"], json.dumps(
        perimeter_geojson(rings, {"time_s": snap.time_s, "burned_area_ha": summary["burned_area_ha"]},
                          landscape.crs_wkt)) + "\n")
    if animation:
        paths["animation"] = write_animation(landscape, snap.arrival_time_s, out / "fire.gif", snap.time_s)
    paths["summary"] = out / "summary.json"
    atomic_write_text(paths["summary"], json.dumps(summary, indent=2) + "\n")
    return paths
