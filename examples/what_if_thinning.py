"""What if we thin the forest, cut a fuel break or clear defensible space? A land manager's comparison.

The same scenario is burned five times, side by side, in one batch of the fire engine:

* ``baseline``: the scenario as it is;
* ``thinned``: 60 % of the stems removed from below (smallest first) and crowns pruned to 4 m,
  everywhere (an ``interventions: [{kind: thinning}]`` entry at t = 0);
* ``fuel break``: a 40 m wide strip of bare ground across the fire's path, its trees felled;
* ``defensible space``: every tree within 30 m of a house removed
  (``structures.defensible_space_m: 30``);
* ``all three`` together.

Each variant is an ordinary scenario (``Scenario.replace``), so any of them can be saved as YAML
and rerun. Because every part of the world draws from its own seed stream, the variants share
the terrain, surface fuels, trees and houses of the baseline exactly: only the treatment differs.
All members of a batch must share one grid (shape and cell size), which they do here.

Prints a table (trees standing, canopy fuel mass, canopy cover, mean canopy bulk density over the
whole area, burned area, trees burnt, trees in crown fire, houses reached) and writes it as
``comparison.json`` with a map of the burned areas (``burned_maps.png``).

Run:  ``.venv/bin/python examples/what_if_thinning.py [--scenario default] [--out DIR]``
Writes into ``out/examples/what_if/`` by default; takes about 20 s on a laptop CPU.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

from wildfire_gym.fire.outputs import fire_summary  # noqa: E402
from wildfire_gym.fire.simulation import FireSimulation  # noqa: E402
from wildfire_gym.io.atomic import atomic_write, atomic_write_text  # noqa: E402
from wildfire_gym.scenario import Scenario, load_scenario  # noqa: E402
from wildfire_gym.world import build_world  # noqa: E402

THIN_FRACTION = 0.6
PRUNE_TO_M = 4.0
BREAK_WIDTH_M = 40.0
DEFENSIBLE_SPACE_M = 30.0


def fuel_break_line(sc: Scenario, land_size_m: tuple[float, float]) -> list[list[float]]:
    """A straight line across the wind, a third of the way from the first ignition to the
    nearest house downwind (or 300 m downwind when there is none), clipped to the terrain."""
    ig = sc.ignitions[0]
    to = math.radians((sc.weather.wind_from_deg + 180.0) % 360.0)  # where the wind blows to
    ux, uy = math.sin(to), math.cos(to)
    distance = 300.0
    cx, cy = ig.x_m + distance * ux, ig.y_m + distance * uy
    half = 0.4 * max(land_size_m)
    w, h = land_size_m
    ends = [(cx - half * uy, cy + half * ux), (cx + half * uy, cy - half * ux)]  # perpendicular to the wind
    return [[min(max(x, 0.0), w), min(max(y, 0.0), h)] for x, y in ends]


def variants(base: Scenario) -> dict[str, Scenario]:
    size = (base.terrain.shape[1] * base.terrain.cell_m, base.terrain.shape[0] * base.terrain.cell_m)
    thin = {"kind": "thinning", "thin_fraction": THIN_FRACTION, "prune_to_m": PRUNE_TO_M}
    brk = {"kind": "fuel_break", "points_m": fuel_break_line(base, size), "width_m": BREAK_WIDTH_M,
           "fuel_model": "NB9"}
    structures = {**base.to_dict()["structures"], "defensible_space_m": DEFENSIBLE_SPACE_M}
    return {
        "baseline": base,
        "thinned": base.replace(interventions=[thin]),
        "fuel break": base.replace(interventions=[brk]),
        "defensible space": base.replace(structures=structures),
        "all three": base.replace(interventions=[thin, brk], structures=structures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default", help="built-in name or YAML file with an ignition")
    parser.add_argument("--out", type=Path, default=Path("out/examples/what_if"), help="output folder")
    parser.add_argument("--arch", default="cpu", choices=["cpu", "cuda"], help="Taichi backend (default: cpu)")
    args = parser.parse_args()

    runs = variants(load_scenario(args.scenario))
    lands = [build_world(sc) for sc in runs.values()]
    t0 = time.perf_counter()
    sim = FireSimulation(lands, arch=args.arch)  # applies each variant's t = 0 interventions first
    sim.run()
    wall = time.perf_counter() - t0

    rows = []
    for b, name in enumerate(runs):
        land = sim.landscapes[b]  # the treated world the fire burned in
        s = fire_summary(land, sim.snapshot(b), wall)
        rows.append({
            "variant": name,
            "trees": len(land.trees),
            "canopy_fuel_t": float((land.trees.foliage_kg + land.trees.branch_kg).sum()) / 1000.0,
            "canopy_cover_pct": 100.0 * float(land.canopy.cover.mean()),
            "mean_cbd_kg_m3": float(land.canopy.bulk_density_kg_m3.mean()),  # over the whole area
            "burned_ha": s["burned_area_ha"],
            "trees_burnt": s["trees_burnt"],
            "trees_crown_fire": s["trees_crown_fire"],
            "houses_reached": s["houses_reached"],
            "houses_total": s["houses_total"],
        })

    header = f"{'variant':18s} {'trees':>7s} {'canopy t':>9s} {'cover %':>8s} {'CBD kg/m3':>10s} {'burned ha':>10s} " \
             f"{'trees burnt':>12s} {'crown fire':>11s} {'houses reached':>15s}"
    print(f"{lands[0].scenario.name}: {len(rows)} variants burned together for "
          f"{lands[0].scenario.duration_s / 60:.0f} min in {wall:.1f} s")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['variant']:18s} {r['trees']:7,d} {r['canopy_fuel_t']:9.1f} {r['canopy_cover_pct']:8.1f} {r['mean_cbd_kg_m3']:10.4f} "
              f"{r['burned_ha']:10.1f} {r['trees_burnt']:12d} {r['trees_crown_fire']:11d} "
              f"{r['houses_reached']:>9d}/{r['houses_total']}")

    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "comparison.json", json.dumps(rows, indent=2) + "\n")
    write_maps(sim, list(runs), args.out / "burned_maps.png")
    print(f"-> {args.out / 'comparison.json'}, {args.out / 'burned_maps.png'}")


def write_maps(sim: FireSimulation, names: list[str], path: Path) -> None:
    """One panel per variant: fire arrival time over the terrain, houses as squares."""
    import matplotlib.pyplot as plt

    from wildfire_gym.world.terrain import hillshade

    fig, axes = plt.subplots(1, len(names), figsize=(2.9 * len(names) + 1.0, 3.2), dpi=100, layout="constrained")
    for ax, (b, name) in zip(np.atleast_1d(axes), enumerate(names)):
        land = sim.landscapes[b]
        w, h = land.size_m
        arrival = sim.snapshot(b).arrival_time_s
        ax.imshow(hillshade(land.elevation_m, land.cell_m), origin="lower", cmap="gray", extent=(0, w, 0, h))
        burned = np.where(np.isfinite(arrival), arrival / 60.0, np.nan)
        im = ax.imshow(burned, origin="lower", cmap="inferno_r", alpha=0.85, extent=(0, w, 0, h))
        st = land.structures
        ax.scatter(st.x_m, st.y_m, s=12, marker="s", c="#2e86de", edgecolors="white", linewidths=0.4)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes, shrink=0.8, label="arrival (min)")
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)


if __name__ == "__main__":
    main()
