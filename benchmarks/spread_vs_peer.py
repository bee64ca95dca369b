"""Our spread engine (FireSim) beside pyretechnics on the BENCHMARKS.md cases, in one run.

For cases (a) 256^2 cells of 30 m, 180 min and (b) 1024^2, 1440 min (FM1, flat, 10-m wind
16.09 km/h from the west, centre ignition), pyretechnics runs in its own environment
(``benchmarks/_peers.run_pyretechnics_case``) and our engine runs here with the same fire
behaviour: head rate of spread and length-to-breadth from
:func:`wildfire_gym.fire.surface_fire` with the midflame wind of the same 10-m wind
(divided by 1.15 to 20 ft, times FM1's unsheltered wind adjustment factor). Both sides are
timed on the spread call only, after one untimed warm-up (compile) run, and both burned
patches are measured by the same code (:func:`_peers.length_to_breadth_from_cells`, on the cells
burned before the fire reaches the grid's edge).

Prints one JSON object: per case both throughputs (burned cells per second, over the median
wall time), their ratio, both L/W values and the analytic L/W, and the machine load. Never
asserts. Our engine uses the threads Taichi was given (``WILDFIRE_GYM_THREADS``, default all
cores); ``--threads 1`` compares one core with one core (pyretechnics is single-threaded).

Usage: ``python benchmarks/spread_vs_peer.py [--repeats 3] [--threads N] [--cases a,b] [--no-peer]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="Taichi CPU threads (0: default)")
    ap.add_argument("--cases", default="a,b", help="comma-separated subset of a,b,c")
    ap.add_argument("--no-peer", action="store_true", help="skip pyretechnics (ours only)")
    return ap.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None and ARGS.threads > 0:
    os.environ["WILDFIRE_GYM_THREADS"] = str(ARGS.threads)

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _peers  # noqa: E402
import numpy as np  # noqa: E402

with contextlib.redirect_stdout(sys.stderr):  # Taichi's banner; stdout carries only the JSON
    from wildfire_gym._taichi import current_arch, init_taichi
    from wildfire_gym.fire import surface_fire
    from wildfire_gym.fire.engine import FireSim
    from wildfire_gym.fire.wind import midflame_wind_mps
    from wildfire_gym.fuel_models import fuel_model

    init_taichi()


def fire_behaviour(case: dict) -> dict[str, float]:
    """Head rate (m/s), its compass direction, L/W and H w (kJ/m^2) of a case's uniform fuel."""
    model = fuel_model(case["fuel_model"])
    u_mid = float(midflame_wind_mps(case["wind_speed_10m_mps"], height="10m", depth_m=model.depth_m))
    sf = surface_fire(model, case["moisture"], u_mid, case["slope_frac"],
                      wind_from_deg=case["wind_from_deg"])
    return {
        "midflame_wind_mps": u_mid,
        "ros_m_per_s": sf.ros_m_per_s,
        "head_dir_deg": sf.direction_of_max_spread_deg,
        "length_to_breadth": sf.length_to_breadth,
        "heat_per_unit_area_kj_m2": sf.heat_per_unit_area_kj_m2,
        "residence_time_s": sf.residence_time_s,
    }


def run_ours(case: dict, fb: dict[str, float]) -> dict[str, object]:
    """Time FireSim.advance on a case (one untimed warm-up run, then ``repeats`` timed runs)."""
    n_y, n_x, cell = case["rows"], case["cols"], case["cell_m"]
    sim = FireSim((n_y, n_x), cell)
    sim.set_spread_params(fb["ros_m_per_s"], fb["head_dir_deg"], fb["length_to_breadth"],
                          fb["heat_per_unit_area_kj_m2"], fb["residence_time_s"])
    iy, ix = case["ignition_cell"]
    times: list[float] = []
    cpu: list[float] = []
    arr = None
    for r in range(case["repeats"] + 1):
        sim.reset()
        sim.ignite(0, (ix + 0.5) * cell, (iy + 0.5) * cell, 0.0)
        t0, c0 = time.perf_counter(), time.process_time()
        sim.advance(case["duration_s"])
        arr = sim.arrival_all()  # includes the device sync
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if r > 0:
            times.append(dt)
            cpu.append(dc)
    assert arr is not None
    a = arr[0]
    burned = int(np.isfinite(a).sum())
    edge = _peers.edge_arrival_s(a)
    shape_mask = np.isfinite(a) & (a < edge)
    med = statistics.median(times)
    head, back = _peers.head_distance_m(np.isfinite(a), (iy, ix), cell, case["wind_from_deg"])
    return {
        "cells_burned": burned,
        "wall_s": {"min": min(times), "median": med, "max": max(times), "all": times},
        "cpu_s_median": statistics.median(cpu),
        "cells_per_s": burned / med,
        "length_to_breadth": _peers.length_to_breadth_from_cells(shape_mask),
        "head_distance_m": head,
        "back_distance_m": back,
        "edge_reached_s": edge,
    }


def main() -> None:
    args = ARGS if ARGS is not None else _parse()
    start = time.perf_counter()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    warm = FireSim((16, 16), 30.0)
    warm.set_spread_params(0.5, 90.0, 1.3, 1000.0, 60.0)
    warm.ignite(0, 240.0, 240.0, 0.0)
    warm.advance(200.0)  # compile every kernel once
    compile_s = time.perf_counter() - t0
    wanted = {c.strip() for c in args.cases.split(",")}
    out_cases = []
    for case in _peers.benchmark_cases(repeats=args.repeats):
        if case["name"][0] not in wanted:
            continue
        fb = fire_behaviour(case)
        ours = run_ours(case, fb)
        entry: dict[str, object] = {"case": case["name"], "fire_behaviour": fb, "ours": ours}
        if not args.no_peer:
            try:
                peer = _peers.run_pyretechnics_case(case)
            except _peers.PeerError as exc:
                entry["pyretechnics_error"] = str(exc)
            else:
                entry["pyretechnics"] = {k: peer.get(k) for k in (
                    "cells_burned", "wall_s", "cells_per_s", "length_to_breadth",
                    "head_distance_m", "back_distance_m", "stop_condition", "peer_version") if k in peer}
                entry["ratio_cells_per_s_ours_over_peer"] = ours["cells_per_s"] / float(peer["cells_per_s"])
        out_cases.append(entry)
    out = {
        "benchmark": "FireSim.advance beside pyretechnics (BENCHMARKS.md cases)",
        "arch": current_arch(),
        "threads": os.environ.get("WILDFIRE_GYM_THREADS", f"default ({os.cpu_count()})"),
        "compile_and_first_call_s": compile_s,
        "cases": out_cases,
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpu_count": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": os.getloadavg()},
        "total_s": time.perf_counter() - start,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
