"""Benchmark: placing trees and building their meshes.

Prints one JSON object: wall time (median of 3, after one warm-up) to place 10,000 and
135,000 trees (a 3 km x 3 km world at 150 trees/ha) and to build their merged crown and
wood meshes at levels of detail 0 and 1, with the mesh sizes.

Run: ``.venv/bin/python benchmarks/trees.py``
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_note, peak_rss_mib, repeat  # noqa: E402

from wildfire_gym.scenario import VegetationConfig  # noqa: E402
from wildfire_gym.world.canopy import canopy_rasters  # noqa: E402
from wildfire_gym.world.geometry import tree_meshes  # noqa: E402
from wildfire_gym.world.vegetation import place_trees  # noqa: E402

CELL_M = 10.0
TREES_PER_HA = 150.0
SPECIES = {"pine": 0.6, "fir": 0.15, "oak": 0.25}


def _world(n_trees: int) -> tuple[np.ndarray, np.ndarray]:
    """A square fractal-free hilly terrain whose area holds ``n_trees`` at 150 trees/ha."""
    side_cells = int(round(math.sqrt(n_trees / TREES_PER_HA * 1e4) / CELL_M))
    yy, xx = np.mgrid[0:side_cells, 0:side_cells].astype(np.float32)
    elev = 500.0 + 40.0 * np.sin(xx / 25.0) * np.cos(yy / 31.0)
    gy, gx = np.gradient(elev, CELL_M)
    slope = np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)
    return elev.astype(np.float32), slope


def main() -> None:
    cfg = VegetationConfig(trees_per_ha=TREES_PER_HA, species=SPECIES, clustering=0.3, slope_sensitivity=0.0)
    out: dict[str, object] = {"benchmark": "trees", "trees_per_ha": TREES_PER_HA, "cell_m": CELL_M,
                              "species": SPECIES, "machine": machine_note(), "cases": []}
    for n_target in (10_000, 135_000):
        elev, slope = _world(n_target)
        place_stats, trees = repeat(lambda e=elev, s=slope: place_trees(cfg, e, s, CELL_M, None, 7))
        canopy_stats, _ = repeat(lambda t=trees, e=elev: canopy_rasters(t, e.shape, CELL_M))
        case: dict[str, object] = {
            "n_trees": len(trees), "extent_m": elev.shape[0] * CELL_M,
            "place_s": place_stats, "canopy_s": canopy_stats,
        }
        for lod in (0, 1):
            mesh_stats, geo = repeat(lambda t=trees, lv=lod: tree_meshes(t, lv))
            case[f"mesh_lod{lod}_s"] = mesh_stats
            case[f"mesh_lod{lod}_vertices"] = {"crown": len(geo.crown.vertices), "wood": len(geo.wood.vertices)}
            case[f"mesh_lod{lod}_faces"] = {"crown": len(geo.crown.faces), "wood": len(geo.wood.faces)}
            del geo
        out["cases"].append(case)  # type: ignore[union-attr]
    out["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
