"""Many small fires at once: batches of members on 128^2 grids; prints one JSON object.

Usage::

    .venv/bin/python benchmarks/engine.py [--batches 1,16,64,256,1024] [--grid 128] [--cell 30]
        [--hours 1] [--step 60] [--repeats 3] [--arch cpu]

The issue's case: members on ``--grid``^2 grids of ``--cell`` m, flat, GR2 (moistures
6/7/8/60/90 %), 20-ft wind 4.5 m/s from a random direction per member, a random ignition per
member, advanced in ``--step`` s steps for ``--hours`` hours through
:class:`~wildfire_gym.fire.simulation.FireSimulation` (parameters, engine, housekeeping).

Each batch size runs in its own process (clean peak memory), after a small warm-up run that
pays for Taichi's kernel compilation (``first_run_s``, reported apart; Taichi caches compiled
kernels across processes, so a later process compiles less). Reported per batch size:

* ``setup_s``: ``FireSimulation(members)`` from a built landscape (parameters, trees, ignitions);
* ``member_steps_per_s``: ``B * steps / wall time`` of the stepping loop (median of repeats);
* ``reset_one_ms``: ``sim.reset(b, run)`` of one member (median over members), a new run each
  time (its parameters evaluated, its engine state replaced in one launch);
* ``reset_fixed_ms``: the same on a batch of 16^2 members (256 cells each: the cost that does not
  grow with the member's cells), and ``reset_per_cell_ns``, the difference over the cells;
* ``bytes_per_cell``: peak RSS growth from before the simulation was made, over ``B * cells``;
* cells burned per second of the stepping loop, and the load average.

Never asserts. Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

from _common import machine_note, peak_rss_mib  # noqa: E402

MOISTURE = {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6, "live_woody": 0.9}


def _landscape(grid: int, cell: float):
    from wildfire_gym.scenario import scenario_from_dict
    from wildfire_gym.world import build_world

    sc = scenario_from_dict({
        "name": "engine-bench", "seed": 1, "duration_s": 3600,
        "terrain": {"size_m": [grid * cell, grid * cell], "cell_m": cell, "kind": "plane"},
        "fuel": {"model": "GR2", "moisture": MOISTURE},
        "vegetation": {"trees_per_ha": 0}, "structures": {"houses": 0},
        "weather": {"wind_speed_mps": 4.5, "wind_height": "20ft", "wind_from_deg": 270},
        "ignitions": [{"x_m": grid * cell / 2, "y_m": grid * cell / 2}],
    })
    return build_world(sc)


def _runs(land, n: int, seed: int, grid: int, cell: float):
    import numpy as np

    from wildfire_gym.fire.run import Run
    from wildfire_gym.scenario import Ignition

    rng = np.random.default_rng(seed)
    base = Run.from_scenario(land.scenario)
    out = []
    for _ in range(n):
        x, y = rng.uniform(0.25, 0.75, 2) * grid * cell
        w = base.weather.__class__(wind_speed_mps=4.5, wind_height="20ft", wind_from_deg=float(rng.uniform(0, 360)))
        out.append(base.replace(ignitions=[Ignition(x_m=float(x), y_m=float(y))], weather=w))
    return out


def one(batch: int, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from wildfire_gym.fire.run import Member
    from wildfire_gym.fire.simulation import FireSimulation

    t0 = time.perf_counter()
    warm_land = _landscape(32, args.cell)
    warm = FireSimulation([Member(warm_land, r) for r in _runs(warm_land, 2, 0, 32, args.cell)], arch=args.arch)
    warm.advance(120.0)
    warm.reset(0, warm.run_of(1))
    warm.advance(180.0)
    first_run_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    land = _landscape(args.grid, args.cell)
    world_s = time.perf_counter() - t0
    runs = _runs(land, batch, 42, args.grid, args.cell)
    steps = int(round(args.hours * 3600.0 / args.step))
    rss0 = peak_rss_mib()
    setups, loops, burned = [], [], 0
    sim = None
    for _ in range(args.repeats):
        del sim
        t0 = time.perf_counter()
        sim = FireSimulation([Member(land, r) for r in runs], arch=args.arch)
        setups.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for k in range(1, steps + 1):
            sim.advance(k * args.step)
        loops.append(time.perf_counter() - t0)
    peak = peak_rss_mib()
    burned = int(sum(int(np.isfinite(sim.engine.snapshot(b).arrival_time_s).sum()) for b in range(batch)))
    resets = []
    spare = _runs(land, min(batch, 16), 7, args.grid, args.cell)
    for i, r in enumerate(spare):
        t0 = time.perf_counter()
        sim.reset(i % batch, r)
        resets.append(time.perf_counter() - t0)
    small_grid = 16
    small_land = _landscape(small_grid, args.cell)
    small = FireSimulation([Member(small_land, r) for r in _runs(small_land, batch, 3, small_grid, args.cell)],
                           arch=args.arch)
    fixed = []
    for i, r in enumerate(_runs(small_land, 48, 5, small_grid, args.cell)):
        t0 = time.perf_counter()
        small.reset(i % batch, r)
        fixed.append(time.perf_counter() - t0)
    fixed = fixed[8:]  # after the first few (caches)
    cells = batch * args.grid * args.grid
    loop = statistics.median(loops)
    return {
        "batch": batch,
        "first_run_s": round(first_run_s, 3),
        "world_s": round(world_s, 4),
        "setup_s": {"median": round(statistics.median(setups), 4), "min": round(min(setups), 4)},
        "steps": steps,
        "loop_s": {"median": round(loop, 4), "min": round(min(loops), 4)},
        "member_steps_per_s": round(batch * steps / loop, 1),
        "cells_burned": burned,
        "cells_burned_per_s": round(burned / loop, 1),
        "reset_one_ms": round(1e3 * statistics.median(resets), 3),
        "reset_fixed_ms": round(1e3 * statistics.median(fixed), 3),
        "reset_per_cell_ns": round(1e9 * (statistics.median(resets) - statistics.median(fixed))
                                   / (args.grid**2 - small_grid**2), 1),
        "peak_rss_growth_mib": round(peak - rss0, 1),
        "bytes_per_cell": round((peak - rss0) * 2**20 / cells, 1),
        "loadavg": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", default="1,16,64,256,1024")
    ap.add_argument("--grid", type=int, default=128)
    ap.add_argument("--cell", type=float, default=30.0)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--step", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--arch", default="cpu")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args)))
        return
    results = []
    for b in [int(v) for v in args.batches.split(",") if v]:
        cmd = [sys.executable, __file__, "--one", str(b), "--grid", str(args.grid), "--cell", str(args.cell),
               "--hours", str(args.hours), "--step", str(args.step), "--repeats", str(args.repeats),
               "--arch", args.arch]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            results.append({"batch": b, "error": proc.stderr.strip().splitlines()[-1:]})
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    goals = {"member_steps_per_s_at_256": 20000, "setup_s_at_256": 1.0, "reset_one_ms": "1 + its own cells",
             "bytes_per_cell": 100}
    print(json.dumps({"benchmark": "engine", "grid": args.grid, "cell_m": args.cell, "hours": args.hours,
                      "step_s": args.step, "goals": goals, "results": results, "machine": machine_note()},
                     indent=1))


if __name__ == "__main__":
    main()
