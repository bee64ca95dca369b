"""A what-if ensemble: N member fires on a 256 x 256 grid, 4 h each, mixed fuels, one variant.

Usage: .venv/bin/python benchmarks/whatif.py [--members 1000] [--batch 32] [--arch cpu]
Prints one JSON object: wall time of the ensemble (engine batches plus the per-member metrics:
burn probability, flame-length classes, houses), member-fires per second, and, when fewer than
1,000 members were run, the time 1,000 would take at the measured rate (a linear extrapolation:
members are independent and batches are equal). The world is built once, outside the timing.
Goal (issue 11): 1,000 members in at most 15 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_note, peak_rss_mib  # noqa: E402

GRID = 256
CELL_M = 10.0
DURATION_S = 4 * 3600.0
GOAL_S = 15.0
GOAL_MEMBERS = 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--members", type=int, default=GOAL_MEMBERS)
    p.add_argument("--batch", type=int, default=32, help="members per engine batch")
    p.add_argument("--arch", default="cpu", choices=["cpu", "cuda"])
    args = p.parse_args()

    from wildfire_gym.scenario import scenario_from_dict
    from wildfire_gym.whatif import run_whatif, whatif_from_dict
    from wildfire_gym.world import build_world

    size = GRID * CELL_M
    sc = scenario_from_dict({
        "name": "bench-whatif", "seed": 5, "duration_s": DURATION_S,
        "terrain": {"size_m": [size, size], "cell_m": CELL_M, "kind": "fractal", "relief_m": 120},
        "fuel": {"model": "GR2", "patches": {"GR2": 0.4, "TU5": 0.2, "SH5": 0.15, "TL8": 0.2, "NB9": 0.05}},
        "vegetation": {"trees_per_ha": 60, "species": {"pine": 0.7, "oak": 0.3}},
        "structures": {"houses": 12},
        "weather": {"wind_speed_mps": 6.0, "wind_from_deg": 250},
    })
    t0 = time.perf_counter()
    land = build_world(sc)
    world_s = time.perf_counter() - t0
    wi = whatif_from_dict({
        "name": "bench", "base": "default",  # validation only: run_whatif burns the landscape built above
        "ignitions": {"random": {"count": 1}},
        "ensemble": {"members": args.members, "seed": 1, "wind_speed_sd_mps": 1.0, "wind_from_sd_deg": 15,
                     "moisture_sd": 0.1},
        "variants": [{"name": "bench"}],
    })
    t0 = time.perf_counter()
    study = run_whatif(wi, base=land, arch=args.arch, batch=args.batch)
    wall = time.perf_counter() - t0
    res = study.variants[0]
    rate = args.members / wall
    out = {
        "benchmark": "whatif_ensemble",
        "grid": [GRID, GRID], "cell_m": CELL_M, "fire_duration_s": DURATION_S,
        "fuels": list(sc.fuel.patches or {}), "trees": len(land.trees), "houses": len(land.structures),
        "members": args.members, "batch": args.batch, "arch": args.arch,
        "world_build_s": round(world_s, 3),
        "ensemble_wall_s": round(wall, 3),
        "metrics_s": round(res.extra.get("metrics_s", float("nan")), 3),
        "member_fires_per_s": round(rate, 3),
        "s_per_member": round(wall / args.members, 4),
        f"estimated_s_for_{GOAL_MEMBERS}": round(GOAL_MEMBERS / rate, 1),
        "estimate_is_extrapolated": args.members < GOAL_MEMBERS,
        "goal_s": GOAL_S,
        "mean_burned_ha": round(float(res.acc.summary()["burned_area_ha_mean"]), 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "machine": machine_note(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
