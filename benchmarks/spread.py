"""Throughput of the batched spread engine (FireSim) on a fixed rate-of-spread field.

Prints one JSON object: for grid sizes 256^2..2048^2 (batch 1) and batch sizes 1..256
(at 256^2), the wall time of ``advance`` (min/median/max over repeats), cells burned, cells
burned per second, and "cell updates" per second (cells in the active band times sweeps
is not observable from outside, so the figure reported is burned cells per second, the way
pyretechnics reports it). The case follows BENCHMARKS.md: 30 m cells, uniform head rate
0.524 m/s (FM1-like, 31.5 m/min), length-to-breadth 1.31, spreading east, centre ignition,
run until the head has crossed 45 % of the grid. Timings exclude the first call (compile).

Usage: ``python benchmarks/spread.py [--quick] [--schedule serial|batched]`` (quick: smaller
sizes, one repeat). Side by side with pyretechnics: ``benchmarks/spread_vs_peer.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

import contextlib  # noqa: E402

import numpy as np  # noqa: E402

with contextlib.redirect_stdout(sys.stderr):  # Taichi's banner; stdout carries only the JSON
    from wildfire_gym._taichi import current_arch, init_taichi
    from wildfire_gym.fire.engine import FireSim

    init_taichi()

CELL_M = 30.0
HEAD_ROS = 31.48 / 60.0  # m/s: FM1 at 5 mph midflame (VALIDATION.md table)
LB = 1.31
HEAD_DEG = 90.0
TIME_BUDGET_S = 150.0


def run_case(n: int, batch: int, repeats: int, schedule: str | None = None) -> dict[str, object]:
    sim = FireSim((n, n), CELL_M, batch=batch, schedule=schedule)
    sim.set_spread_params(HEAD_ROS, HEAD_DEG, LB, 1000.0, 60.0)
    duration = 0.45 * n * CELL_M / HEAD_ROS
    times = []
    burned = 0
    for r in range(repeats + 1):
        sim.reset()
        for b in range(batch):
            sim.ignite(b, n * CELL_M / 2, n * CELL_M / 2, 0.0)
        t0 = time.perf_counter()
        sim.advance(duration)
        dt = time.perf_counter() - t0
        if r > 0 or repeats == 0:
            times.append(dt)
        burned = int(np.isfinite(sim.arrival_all()).sum())
    med = statistics.median(times)
    arr = sim.snapshot(0).arrival_time_s
    iy, ix = np.nonzero(np.isfinite(arr))
    ev = np.linalg.eigvalsh(np.cov(np.c_[ix, iy].T.astype(float)))
    return {
        "grid": n,
        "batch": batch,
        "duration_s": duration,
        "wall_s": {"min": min(times), "median": med, "max": max(times)},
        "cells_burned": burned,
        "cells_burned_per_s": burned / med,
        "hectares_per_cpu_hour": burned * CELL_M**2 / 1e4 / (med / 3600.0) / (os.cpu_count() or 1),
        "length_to_breadth": float(np.sqrt(ev[1] / ev[0])),
        "schedule": sim.schedule,
        "cell_relaxations_per_burned_cell": float(sim.sweep_stats()[:, 1].sum()) / max(burned, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--schedule", choices=["serial", "batched"], default=None,
                    help="FireSim schedule (default: the engine's choice for the arch)")
    args = ap.parse_args()
    repeats = 1 if args.quick else 2
    grids = [256, 512] if args.quick else [256, 512, 1024, 2048]
    batches = [1, 4, 16] if args.quick else [1, 4, 16, 64, 256]
    start = time.perf_counter()
    t0 = time.perf_counter()
    FireSim((16, 16), CELL_M).advance(1.0)  # compile everything once
    compile_s = time.perf_counter() - t0
    results: dict[str, list[dict[str, object]]] = {"grid_scaling": [], "batch_scaling": []}
    skipped = []
    for n in grids:
        if time.perf_counter() - start > TIME_BUDGET_S:
            skipped.append(f"grid {n}")
            continue
        results["grid_scaling"].append(run_case(n, 1, repeats if n <= 1024 else 0, args.schedule))
    for b in batches:
        if time.perf_counter() - start > TIME_BUDGET_S:
            skipped.append(f"batch {b}")
            continue
        results["batch_scaling"].append(run_case(256, b, repeats if b <= 16 else 0, args.schedule))
    out = {
        "benchmark": "wildfire_gym.fire.engine.FireSim.advance",
        "case": {"cell_m": CELL_M, "head_ros_m_s": HEAD_ROS, "lb": LB, "head_deg": HEAD_DEG,
                 "ignition": "grid centre", "duration": "head crosses 45 % of the grid"},
        "arch": current_arch(),
        "compile_and_first_call_s": compile_s,
        **results,
        "skipped_for_time": skipped,
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpu_count": os.cpu_count()},
        "total_s": time.perf_counter() - start,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
