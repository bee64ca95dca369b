"""Time and peak memory to build a 3 km x 3 km world at 10 m with 150 trees/ha.

Usage: .venv/bin/python benchmarks/world.py [--repeats 3] [--size-m 3000] [--no-meshes]
Prints one JSON object. Each measurement runs in a fresh child process; memory is the
process's peak resident set size after the build, and again after meshing the trees
(coarse detail, as `wildfire-gym world` writes them) and the terrain.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_note, peak_rss_mib, stats  # noqa: E402


def _one(size_m: float, trees_per_ha: float, meshes: bool, q: mp.Queue) -> None:
    from wildfire_gym.scenario import scenario_from_dict
    from wildfire_gym.world import build_world

    sc = scenario_from_dict({
        "name": "bench", "seed": 3,
        "terrain": {"size_m": [size_m, size_m], "cell_m": 10, "kind": "fractal", "relief_m": 150},
        "fuel": {"model": "GR2", "patches": {"GR2": 0.6, "TU5": 0.3, "NB9": 0.1}},
        "vegetation": {"trees_per_ha": trees_per_ha, "species": {"pine": 0.7, "oak": 0.3}},
        "structures": {"houses": 12},
    })
    rss0 = peak_rss_mib()
    t0 = time.perf_counter()
    land = build_world(sc)
    t_world = time.perf_counter() - t0
    rss_world = peak_rss_mib()
    t_mesh = None
    n_vertices = None
    if meshes:
        from wildfire_gym.world.geometry import terrain_mesh, tree_meshes

        t1 = time.perf_counter()
        geo = tree_meshes(land.trees, lod=0)  # the detail `wildfire-gym world` writes
        terr = terrain_mesh(land.elevation_m, land.cell_m)
        t_mesh = time.perf_counter() - t1
        n_vertices = int(len(geo.crown.vertices) + len(geo.wood.vertices) + len(terr.vertices))
    q.put({"world_s": t_world, "meshes_s": t_mesh, "trees": len(land.trees), "shape": list(land.shape),
           "mesh_vertices": n_vertices, "timings_s": land.meta.get("timings", {}),
           "peak_rss_world_mib": rss_world, "peak_rss_mib": peak_rss_mib(), "rss_before_mib": rss0})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size-m", type=float, default=3000.0)
    ap.add_argument("--trees-per-ha", type=float, default=150.0)
    ap.add_argument("--no-meshes", action="store_true")
    a = ap.parse_args()
    ctx = mp.get_context("spawn")
    runs = []
    for _ in range(a.repeats):
        q = ctx.Queue()
        p = ctx.Process(target=_one, args=(a.size_m, a.trees_per_ha, not a.no_meshes, q))
        p.start()
        runs.append(q.get())
        p.join()
    out = {
        "benchmark": "world",
        "inputs": {"size_m": a.size_m, "cell_m": 10, "trees_per_ha": a.trees_per_ha, "repeats": a.repeats},
        "trees": runs[0]["trees"],
        "shape": runs[0]["shape"],
        "build_world_s": stats([r["world_s"] for r in runs]),
        "tree_and_terrain_meshes_s": None if a.no_meshes else stats([r["meshes_s"] for r in runs]),
        "mesh_vertices": runs[0]["mesh_vertices"],
        "stage_timings_s_first_run": runs[0]["timings_s"],
        "peak_rss_after_build_world_mib": stats([r["peak_rss_world_mib"] for r in runs]),
        "peak_rss_after_meshes_mib": stats([r["peak_rss_mib"] for r in runs]),
        "rss_after_imports_mib": stats([r["rss_before_mib"] for r in runs]),
        "machine": machine_note(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
