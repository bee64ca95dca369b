"""The full fire pipeline (FireSimulation) beside pyretechnics, and its scaling; prints one JSON object.

Usage::

    .venv/bin/python benchmarks/fire.py [--cases a,b,c] [--repeats 2] [--no-peer]
        [--grids 256,512,1024] [--batch-grid 128] [--batches 1,4,16,64] [--threads N] [--arch cpu]

Part 1, side by side (design/BENCHMARKS.md cases): (a) 256^2 cells of 30 m, FM1, 180 min;
(b) 1024^2, FM1, 1440 min (until the head reaches the edge); (c) 1024^2, GR2, 1440 min. Flat,
10-m wind 16.09 km/h from the west, moistures 6/7/8/60/90 %, no canopy, centre ignition.
pyretechnics runs in its own environment (:mod:`_peers`); our side is the whole
:class:`~wildfire_gym.fire.simulation.FireSimulation` pipeline on a scenario with the same
inputs (Rothermel per cell from the 10-m wind through the wind adjustment factor, then the
Taichi engine), built with :func:`wildfire_gym.world.build_world`. Our time is
``FireSimulation(...)`` plus ``run()``; the first call of the process (which pays for
Taichi's kernel compilation) is reported separately as ``first_call_s`` and the timed repeats
come after it. Both burned patches are measured by the same code
(:func:`_peers.length_to_breadth_from_cells` on the cells burned before the fire reaches the
grid's border ring). Throughputs: burned cells per second of wall time, and burned hectares
per CPU-hour (process CPU time, all threads), the unit pyretechnics reports; ratios ours/peer.

Part 2, scaling: one FM1 fire on n^2 grids of 30 m for each ``--grids`` size, run until its
head has crossed 40 % of the grid; and ``--batches`` B fires (each its own wind direction) on
``--batch-grid``^2 grids advanced together, for as long as the batch-grid fire of Part 2 runs.

Never asserts. Run from the repository root.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
import _peers  # noqa: E402
import numpy as np  # noqa: E402

LOG = logging.getLogger("bench.fire")

HEAD_FRACTION = 0.4
"""Scaling runs stop when the head has crossed this fraction of the grid (from the centre)."""

SQ_M_PER_HA = 1.0e4


def _scenario(case: dict[str, Any], wind_from_deg: float | None = None) -> Any:
    """Our scenario for a peer case dictionary (see :mod:`_peers`)."""
    from wildfire_gym.scenario import scenario_from_dict

    n_y, n_x, cell = case["rows"], case["cols"], case["cell_m"]
    iy, ix = case.get("ignition_cell", [n_y // 2, n_x // 2])
    return scenario_from_dict({
        "name": case["name"],
        "seed": 1,
        "duration_s": case["duration_s"],
        "terrain": {"size_m": [n_x * cell, n_y * cell], "cell_m": cell, "kind": "plane",
                    "slope_deg": 0.0, "aspect_deg": 0.0},
        "fuel": {"model": case["fuel_model"], "moisture": {**case["moisture"], "foliar": case["foliar_moisture"]}},
        "vegetation": {"trees_per_ha": 0},
        "structures": {"houses": 0},
        "weather": {"wind_speed_mps": case["wind_speed_10m_mps"], "wind_height": "10m",
                    "wind_from_deg": case["wind_from_deg"] if wind_from_deg is None else wind_from_deg},
        "ignitions": [{"x_m": (ix + 0.5) * cell, "y_m": (iy + 0.5) * cell}],
    })


def _burn(lands: list[Any], until_s: float, arch: str | None) -> tuple[Any, float, float, float]:
    """FireSimulation on ``lands`` to ``until_s``: (sim, wall of init, wall of advance, CPU s of both)."""
    from wildfire_gym.fire.simulation import FireSimulation

    c0, t0 = time.process_time(), time.perf_counter()
    sim = FireSimulation(lands, arch=arch)
    t1 = time.perf_counter()
    sim.advance(until_s)
    t2 = time.perf_counter()
    return sim, t1 - t0, t2 - t1, time.process_time() - c0


def _shape(arrival: np.ndarray, case: dict[str, Any]) -> dict[str, Any]:
    mask = _peers.burned_mask_from_arrival(arrival)
    edge = _peers.edge_arrival_s(arrival, 2)
    before = mask & (arrival < edge)
    head, back = _peers.head_distance_m(mask, tuple(case["ignition_cell"]), case["cell_m"], case["wind_from_deg"])
    return {
        "cells_burned": int(mask.sum()),
        "burned_area_ha": float(mask.sum() * case["cell_m"] ** 2 / SQ_M_PER_HA),
        "length_to_breadth": _peers.length_to_breadth_from_cells(mask),
        "length_to_breadth_before_edge": _peers.length_to_breadth_from_cells(before),
        "cells_burned_before_edge": int(before.sum()),
        "edge_arrival_s": edge if np.isfinite(edge) else None,
        "head_distance_m": head,
        "back_distance_m": back,
    }


def _exact_ellipse_cells(params: dict[str, np.ndarray], case: dict[str, Any]) -> float | None:
    """Area (in cells) of the exact point-ignition ellipse at ``duration_s`` (VALIDATION.md section 2)
    with the pipeline's head rate and L/W; ``None`` when that ellipse would not fit in the grid."""
    from wildfire_gym.fire.shape import backing_ros

    v = float(params["ros_head_m_s"].flat[0])
    lb = float(params["lb"].flat[0])
    t = float(case["duration_s"])
    vb = float(backing_ros(v, lb))
    across = (v + vb) / (2.0 * lb) * t
    iy, ix = case["ignition_cell"]
    cell = case["cell_m"]
    if v * t > (case["cols"] - ix - 1) * cell or vb * t > ix * cell or across > min(iy, case["rows"] - iy - 1) * cell:
        return None
    return float(np.pi * across * lb * across / cell**2)


def ours_case(case: dict[str, Any], repeats: int, arch: str | None) -> dict[str, Any]:
    """Our pipeline on one peer case: first call, then ``repeats`` timed runs."""
    from wildfire_gym.world import build_world

    sc = _scenario(case)
    t0 = time.perf_counter()
    land = case["_landscape"] if "_landscape" in case else build_world(sc)
    build_s = time.perf_counter() - t0
    sim, init0, run0, _ = _burn([land], sc.duration_s, arch)
    walls, cpus, inits, runs = [], [], [], []
    for _ in range(repeats):
        sim, init_s, run_s, cpu_s = _burn([land], sc.duration_s, arch)
        walls.append(init_s + run_s)
        inits.append(init_s)
        runs.append(run_s)
        cpus.append(cpu_s)
    arrival = sim.snapshot(0).arrival_time_s
    params = sim.spread_params(0, 0.0)
    out = _shape(arrival, case)
    hetero = "_landscape" in case
    out["exact_ellipse_cells"] = None if hetero else _exact_ellipse_cells(params, case)
    if hetero:
        out["_arrival"] = arrival
    wall_med, cpu_med = statistics.median(walls), statistics.median(cpus)
    out.update({
        "world_build_s": build_s,
        "first_call_s": init0 + run0,
        "first_call_note": "FireSimulation + run in a fresh process: includes Taichi kernel compilation",
        "wall_s": _common.stats(walls),
        "init_s": _common.stats(inits),
        "advance_s": _common.stats(runs),
        "cpu_s": _common.stats(cpus),
        "cells_per_s": out["cells_burned"] / wall_med,
        "burned_ha_per_cpu_hour": out["burned_area_ha"] / (cpu_med / 3600.0),
        "expected_length_to_breadth": float(params["lb"].flat[0]),
        "head_ros_m_per_s": float(params["ros_head_m_s"].flat[0]),
        "midflame_wind_mps": float(params["midflame_wind_mps"].flat[0]),
        "engine_arch": sim.engine.arch,
    })
    return out


HETERO_CELL_M = 30.0
"""Cell size (m) of the heterogeneous cases (d, e), as the BENCHMARKS.md cases."""


def hetero_cases(repeats: int, folder: Path) -> list[dict[str, Any]]:
    """Cases beyond BENCHMARKS.md, with per-cell inputs both sides read from the same rasters:
    (d) 512^2 of 30 m, a seeded patch mosaic of GR2 / TU5 / SH5 / TL8 with 5 % NB9, flat, 6 h;
    (e) 512^2, GR2 on fractal terrain (200 m relief), 6 h. Our world is built by ``build_world``;
    its fuel codes (LANDFIRE numbering, as pyretechnics') and Horn slope and aspect are written to
    ``folder`` for the peer."""
    from wildfire_gym.world import build_world

    base = _peers.benchmark_cases(repeats)[0]
    n = 512
    out = []
    for name, fuel, terrain in (
            ("d_mixed_512_360min", {"model": "GR2", "patches": {"GR2": 0.35, "TU5": 0.2, "SH5": 0.2, "TL8": 0.2,
                                                                "NB9": 0.05}, "patch_scale_m": 600.0},
             {"kind": "plane"}),
            ("e_terrain_512_360min", {"model": "GR2"}, {"kind": "fractal", "relief_m": 200.0})):
        case = {**base, "name": name, "rows": n, "cols": n, "cell_m": HETERO_CELL_M, "fuel_model": "GR2",
                "duration_s": 360 * 60.0, "ignition_cell": [n // 2, n // 2], "repeats": repeats}
        sc = _scenario(case)
        data = sc.to_dict()
        data["fuel"] = {**data["fuel"], **fuel}
        data["terrain"] = {**data["terrain"], **terrain}
        from wildfire_gym.scenario import scenario_from_dict

        land = build_world(scenario_from_dict(data))
        cx, cy = case["ignition_cell"][1], case["ignition_cell"][0]
        land_codes = land.fuel_code.copy()
        land_codes[cy, cx] = land_codes[cy, cx] if land_codes[cy, cx] != 99 else 102  # ignite burnable fuel
        for key, grid in (("fuel_grid_npy", land_codes.astype(np.int32)),
                          ("slope_frac_npy", np.tan(np.deg2rad(land.slope_deg.astype(np.float64)))),
                          ("aspect_deg_npy", land.aspect_deg.astype(np.float64))):
            path = folder / f"{name}_{key[:-4]}.npy"
            np.save(path, grid)
            case[key] = str(path)
        case["arrival_npy"] = str(folder / f"{name}_peer_arrival.npy")
        case["_landscape"] = dataclasses.replace(land, fuel_code=land_codes.astype(land.fuel_code.dtype))
        out.append(case)
    return out


def side_by_side(letters: set[str], repeats: int, arch: str | None, peer: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    cases = list(_peers.benchmark_cases(repeats))
    tmp = None
    if letters & {"d", "e"}:
        tmp = tempfile.TemporaryDirectory(prefix="wg-bench-")
        cases += [c for c in hetero_cases(repeats, Path(tmp.name)) if c["name"][0] in letters]
    for case in cases:
        if case["name"][0] not in letters:
            continue
        LOG.info("ours: %s", case["name"])
        mine = ours_case(case, repeats, arch)
        entry: dict[str, Any] = {"inputs": {k: v for k, v in case.items() if k not in ("repeats", "_landscape")
                                            and not k.endswith("_npy")}, "ours": mine}
        if peer:
            LOG.info("pyretechnics: %s", case["name"])
            try:
                theirs = _peers.run_pyretechnics_case({k: v for k, v in case.items() if k != "_landscape"})
            except _peers.PeerError as exc:
                entry["peer_error"] = str(exc)
            else:
                entry["pyretechnics"] = {k: theirs.get(k) for k in (
                    "peer_version", "cells_burned", "cells_burned_by_fire_type", "burned_area_ha", "wall_s", "cpu_s",
                    "warmup_s", "cells_per_s", "burned_ha_per_cpu_hour", "length_to_breadth",
                    "length_to_breadth_before_edge", "cells_burned_before_edge", "head_distance_m",
                    "back_distance_m", "edge_arrival_s")}
                entry["ratio_ours_over_peer"] = {
                    "cells_per_s": mine["cells_per_s"] / theirs["cells_per_s"],
                    "cells_per_s_spread_only": (mine["cells_burned"] / mine["advance_s"]["median"])
                    / theirs["cells_per_s"],
                    "burned_ha_per_cpu_hour": mine["burned_ha_per_cpu_hour"] / theirs["burned_ha_per_cpu_hour"],
                    "cells_burned": mine["cells_burned"] / theirs["cells_burned"],
                }
                if case.get("fuel_grid_npy") and Path(case["arrival_npy"]).is_file():
                    # heterogeneous cases have no exact answer: how far the two burned patches agree
                    a = np.isfinite(np.load(case["arrival_npy"]))
                    b = np.isfinite(mine.pop("_arrival"))
                    entry["burned_agreement"] = {"jaccard": float((a & b).sum() / max((a | b).sum(), 1)),
                                                 "ours_only_cells": int((b & ~a).sum()),
                                                 "peer_only_cells": int((a & ~b).sum())}
                entry["published_pyretechnics"] = _peers.PUBLISHED_PYRETECHNICS.get(case["name"])
        mine.pop("_arrival", None)
        results[case["name"]] = entry
    if tmp is not None:
        tmp.cleanup()
    return results


def _scaling_case(n: int, fuel: str = "FM1") -> dict[str, Any]:
    base = _peers.benchmark_cases(1)[0]
    return {**base, "name": f"scale_{n}", "rows": n, "cols": n, "fuel_model": fuel, "ignition_cell": [n // 2, n // 2]}


def _head_time_s(case: dict[str, Any], arch: str | None) -> float:
    """Time for the head to cross ``HEAD_FRACTION`` of the grid (from the pipeline's own head rate)."""
    from wildfire_gym.fire.simulation import FireSimulation
    from wildfire_gym.world import build_world

    small = {**case, "rows": 16, "cols": 16, "ignition_cell": [8, 8]}
    sim = FireSimulation(build_world(_scenario(small)), arch=arch)
    v = float(sim.spread_params(0, 0.0)["ros_head_m_s"].flat[0])
    return HEAD_FRACTION * case["cols"] * case["cell_m"] / v


def scaling(grids: list[int], batch_grid: int, batches: list[int], repeats: int, arch: str | None) -> dict[str, Any]:
    from wildfire_gym.world import build_world

    by_grid = []
    for n in grids:
        case = _scaling_case(n)
        t_end = _head_time_s(case, arch)
        land = build_world(_scenario({**case, "duration_s": t_end}))
        walls, cpus = [], []
        sim = None
        for _ in range(repeats):
            sim, init_s, run_s, cpu_s = _burn([land], t_end, arch)
            walls.append(init_s + run_s)
            cpus.append(cpu_s)
        assert sim is not None
        cells = int(np.isfinite(sim.snapshot(0).arrival_time_s).sum())
        LOG.info("grid %d: %d cells in %.2f s", n, cells, min(walls))
        by_grid.append({"n": n, "cells": n * n, "simulated_s": t_end, "cells_burned": cells,
                        "wall_s": _common.stats(walls), "cpu_s": _common.stats(cpus),
                        "cells_burned_per_s": cells / statistics.median(walls),
                        "grid_cells_per_s": n * n / statistics.median(walls)})
    by_batch = []
    case = _scaling_case(batch_grid)
    t_end = _head_time_s(case, arch)
    for nb in batches:
        lands = [build_world(_scenario({**case, "duration_s": t_end}, wind_from_deg=(270.0 + 360.0 * k / nb) % 360.0))
                 for k in range(nb)]
        walls, cpus = [], []
        sim = None
        for _ in range(repeats):
            sim, init_s, run_s, cpu_s = _burn(lands, t_end, arch)
            walls.append(init_s + run_s)
            cpus.append(cpu_s)
        assert sim is not None
        cells = int(np.isfinite(sim.engine.arrival_all()).sum())
        med = statistics.median(walls)
        LOG.info("batch %d x %d^2: %d cells in %.2f s", nb, batch_grid, cells, min(walls))
        by_batch.append({"batch": nb, "grid": batch_grid, "simulated_s": t_end, "cells_burned": cells,
                         "wall_s": _common.stats(walls), "cpu_s": _common.stats(cpus),
                         "cells_burned_per_s": cells / med, "fires_per_s": nb / med})
    return {"by_grid": by_grid, "by_batch": by_batch,
            "note": (f"FM1, 30 m cells, same wind as the peer cases, run until the head crossed "
                     f"{HEAD_FRACTION:.0%} of the grid; batch members differ by wind direction; "
                     "times include FireSimulation construction (Rothermel per cell) and the spread")}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="a,b,c,d,e",
                    help="peer cases among a,b,c (BENCHMARKS.md), d (mixed fuels), e (terrain) ('' for none)")
    ap.add_argument("--repeats", type=int, default=2, help="timed runs after the first call (>= 1)")
    ap.add_argument("--no-peer", action="store_true", help="skip pyretechnics")
    ap.add_argument("--grids", default="256,512,1024,2048", help="scaling grid sizes (cells per side)")
    ap.add_argument("--batch-grid", type=int, default=128, help="grid side of each batch member")
    ap.add_argument("--batches", default="1,4,16,64,256", help="scaling batch sizes")
    ap.add_argument("--threads", type=int, default=0, help="Taichi CPU threads (0: all cores)")
    ap.add_argument("--arch", default=None, help="cpu or cuda (default: cuda if present)")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats: expected >= 1")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    if args.threads:
        os.environ["WILDFIRE_GYM_THREADS"] = str(args.threads)
    letters = {c.strip().lower() for c in args.cases.split(",") if c.strip()}
    # Taichi prints its banner on stdout (partly from C++): send fd 1 to stderr until the JSON.
    sys.stdout.flush()
    json_fd = os.dup(1)
    os.dup2(2, 1)
    try:
        report = _run(args, letters, argv)
    finally:
        sys.stdout.flush()
        os.dup2(json_fd, 1)
        os.close(json_fd)
    print(json.dumps(report, indent=2, default=float))
    return 0


def _run(args: argparse.Namespace, letters: set[str], argv: list[str] | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    report: dict[str, Any] = {
        "benchmark": "FireSimulation pipeline beside pyretechnics; scaling with grid and batch size",
        "command": " ".join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])),
        "settings": {"cases": sorted(letters), "repeats": args.repeats, "peer": not args.no_peer,
                     "grids": _ints(args.grids), "batch_grid": args.batch_grid, "batches": _ints(args.batches),
                     "threads": args.threads or os.cpu_count(), "arch": args.arch},
    }
    report["side_by_side"] = side_by_side(letters, args.repeats, args.arch, not args.no_peer)
    report["scaling"] = scaling(_ints(args.grids), args.batch_grid, _ints(args.batches), args.repeats, args.arch)
    report["machine"] = {**_common.machine_note(), "platform": platform.platform(),
                         "loadavg_start": load0, "loadavg_end": os.getloadavg(),
                         "peak_rss_mib": _common.peak_rss_mib()}
    report["total_wall_s"] = time.perf_counter() - t0
    return report


if __name__ == "__main__":
    sys.exit(main())
