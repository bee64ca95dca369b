"""Write a built world to disk: meshes (GLB), rasters (npz, GeoTIFF), trees, preview, summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .landscape import Landscape

RASTER_FIELDS = ("elevation_m", "slope_deg", "aspect_deg", "fuel_code")
CANOPY_FIELDS = ("cover", "height_m", "base_height_m", "bulk_density_kg_m3")


def world_rasters(landscape: Landscape) -> dict[str, np.ndarray]:
    """All rasters of a landscape by name (canopy ones prefixed ``canopy_``)."""
    out = {name: getattr(landscape, name) for name in RASTER_FIELDS}
    for name in CANOPY_FIELDS:
        out[f"canopy_{name}"] = getattr(landscape.canopy, name)
    return out


def world_summary(landscape: Landscape) -> dict:
    """Numbers describing a world (JSON-ready)."""
    codes, counts = np.unique(landscape.fuel_code, return_counts=True)
    trees = landscape.trees
    species = {}
    for i, name in enumerate(trees.species_names):
        species[name] = int(np.count_nonzero(trees.species == i))
    area_ha = landscape.size_m[0] * landscape.size_m[1] / 1e4
    return {
        "name": landscape.scenario.name,
        "seed": landscape.scenario.seed,
        "shape": list(landscape.shape),
        "cell_m": landscape.cell_m,
        "size_m": list(landscape.size_m),
        "elevation_m": {"min": float(landscape.elevation_m.min()), "max": float(landscape.elevation_m.max())},
        "fuel_fractions": {landscape.fuel_models[int(c)].code: round(float(n) / landscape.fuel_code.size, 4)
                           for c, n in zip(codes, counts)},
        "trees": len(trees),
        "trees_per_ha": round(len(trees) / area_ha, 2),
        "species": species,
        "houses": len(landscape.structures),
        "canopy_cover_mean": float(landscape.canopy.cover.mean()),
        "canopy_bulk_density_max_kg_m3": float(landscape.canopy.bulk_density_kg_m3.max()),
        "timings_s": {k: round(v, 4) for k, v in landscape.meta.get("timings", {}).items()},
    }


def write_world(landscape: Landscape, out_dir: str | Path, *, meshes: bool = True,
                geotiffs: bool = True, preview: bool = True, tree_lod: int = 0) -> dict[str, Path]:
    """Write every product of a world into ``out_dir``; returns name -> path.

    ``tree_lod`` picks the tree mesh detail written to ``trees.glb`` (0 coarse, about 2 kB a
    tree; 1 and 2 finer, 3-6 times larger): worlds of 100,000 trees stay a few hundred MB.
    """
    from ..io.atomic import atomic_save_npz, atomic_write_text
    from ..io.geotiff import write_geotiff

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    rasters = world_rasters(landscape)
    paths["rasters"] = out / "rasters.npz"
    atomic_save_npz(paths["rasters"], **rasters)
    t = landscape.trees
    paths["trees"] = out / "trees.npz"
    atomic_save_npz(paths["trees"], id=t.id, x_m=t.x_m, y_m=t.y_m, z_m=t.z_m, height_m=t.height_m,
                    crown_base_m=t.crown_base_m, crown_radius_m=t.crown_radius_m,
                    foliage_kg=t.foliage_kg, branch_kg=t.branch_kg, species=t.species,
                    species_names=np.array(t.species_names))
    s = landscape.structures
    paths["structures"] = out / "structures.npz"
    atomic_save_npz(paths["structures"], id=s.id, x_m=s.x_m, y_m=s.y_m, z_m=s.z_m, length_m=s.length_m,
                    width_m=s.width_m, height_m=s.height_m, yaw_deg=s.yaw_deg)
    if geotiffs:
        for name, arr in rasters.items():
            p = out / f"{name}.tif"
            write_geotiff(p, arr, landscape.cell_m, origin_xy=landscape.origin_xy, crs_wkt=landscape.crs_wkt,
                          nodata=None)
            paths[f"{name}_tif"] = p
    if meshes:
        from .geometry import export_glb, house_meshes, terrain_mesh, tree_meshes

        paths["terrain_glb"] = out / "terrain.glb"
        export_glb(terrain_mesh(landscape.elevation_m, landscape.cell_m), paths["terrain_glb"])
        if len(t):
            geo = tree_meshes(t, lod=tree_lod)
            paths["trees_glb"] = out / "trees.glb"
            export_glb([geo.wood, geo.crown], paths["trees_glb"])
        if len(s):
            houses, _ = house_meshes(s)
            paths["houses_glb"] = out / "houses.glb"
            export_glb(houses, paths["houses_glb"])
    if preview:
        from .preview import render_preview

        paths["preview"] = render_preview(landscape, out / "preview.png")
    paths["summary"] = out / "world.json"
    summary = world_summary(landscape)
    summary["files"] = sorted(p.name for p in paths.values()) + ["world.json"]
    atomic_write_text(paths["summary"], json.dumps(summary, indent=2) + "\n")
    return paths
