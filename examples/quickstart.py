"""Quickstart: one scenario from file to world to fire, in a dozen lines of the public API.

For everyone new to wildfire_gym. It

1. loads the built-in ``default`` scenario (a wooded ridge with eight houses, west wind),
2. builds its world (terrain, fuels, trees, canopy rasters, houses) and writes the rasters
   and a preview map,
3. burns it for the scenario's duration with the Taichi fire engine,
4. prints the fire's summary and writes the fire's products (arrival times, GeoTIFFs,
   perimeter GeoJSON).

Run:  ``.venv/bin/python examples/quickstart.py [--scenario NAME_OR_YAML] [--out DIR]``
Writes into ``out/examples/quickstart/`` by default; takes about 10 s on a laptop CPU.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")  # offline: no Taichi version check

from wildfire_gym.fire.outputs import fire_summary, write_fire_outputs  # noqa: E402
from wildfire_gym.fire.simulation import FireSimulation  # noqa: E402
from wildfire_gym.scenario import load_scenario  # noqa: E402
from wildfire_gym.world import build_world  # noqa: E402
from wildfire_gym.world.export import world_summary, write_world  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default", help="built-in name or YAML file (default: default)")
    parser.add_argument("--out", type=Path, default=Path("out/examples/quickstart"), help="output folder")
    parser.add_argument("--arch", default="cpu", choices=["cpu", "cuda"], help="Taichi backend (default: cpu)")
    args = parser.parse_args()

    # 1. A scenario: validated at load; a bad field raises ScenarioError naming it.
    scenario = load_scenario(args.scenario)
    print(f"scenario {scenario.name!r}: {scenario.terrain.size_m[0]:.0f} x {scenario.terrain.size_m[1]:.0f} m "
          f"at {scenario.terrain.cell_m:g} m, wind {scenario.weather.wind_speed_mps} m/s "
          f"from {scenario.weather.wind_from_deg:g} deg, {len(scenario.ignitions)} ignition(s)")

    # 2. The world: plain numpy arrays (row 0 = south, x east, y north, metres).
    land = build_world(scenario)
    world = world_summary(land)
    print(f"world: {world['trees']:,} trees ({world['trees_per_ha']} /ha), {world['houses']} houses, "
          f"elevation {world['elevation_m']['min']:.0f}-{world['elevation_m']['max']:.0f} m, "
          f"fuels {world['fuel_fractions']}")
    paths = write_world(land, args.out / "world", meshes=False)  # meshes=True adds terrain/trees/houses .glb
    print(f"  preview map: {paths['preview']}")

    # 3. The fire: a batch of one landscape, advanced to the scenario's duration.
    t0 = time.perf_counter()
    sim = FireSimulation([land], arch=args.arch)
    sim.run()
    wall = time.perf_counter() - t0
    snap = sim.snapshot(0)  # FireSnapshot: arrival_time_s, burn_state, ros, intensity, tree states...

    # 4. Numbers and files.
    s = fire_summary(sim.landscapes[0], snap, wall)
    print(f"fire after {s['time_s'] / 60:.0f} min: {s['burned_area_ha']:.1f} ha burned, "
          f"perimeter {s['perimeter_m'] / 1000:.1f} km, head {s['head_ros_m_per_s']:.2f} m/s, "
          f"max intensity {s['max_fireline_intensity_kw_m']:.0f} kW/m")
    print(f"  trees: {s['trees_burnt']} burnt, {s['trees_crown_fire']} in crown fire, "
          f"{s['trees_scorched']} scorched of {s['trees_total']:,}; "
          f"houses reached: {s['houses_reached']}/{s['houses_total']}  (simulated in {wall:.1f} s)")
    fire_paths = write_fire_outputs(sim.landscapes[0], snap, args.out / "fire", wall, animation=False)
    print(f"  fire products: {sorted(p.name for p in fire_paths.values())} in {args.out / 'fire'}")


if __name__ == "__main__":
    main()
