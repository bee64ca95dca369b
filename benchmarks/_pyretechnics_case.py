"""Run one fire-spread case in pyretechnics; run by the peer environment's interpreter.

Reads one case (JSON, SI units, described in ``_peers.py``) on stdin and prints one JSON object
with the peer's figures on stdout. Not imported by the project: it needs pyretechnics, which
lives in ``benchmarks/.peers/pyretechnics`` (see ``_peers.ensure_pyretechnics_venv``).

How pyretechnics 2026.10.20 is driven (read from its installed ``eulerian_level_set.py``):
``spread_fire_with_phi_field(space_time_cubes, spread_state, cube_resolution, start_time,
max_duration)`` with one constant ``SpaceTimeCube((bands, rows, cols), value)`` per input.
Its units, converted here from the case's SI: slope rise/run; aspect and upwind direction in
degrees clockwise from north (``upwind_direction`` is where the wind blows *from*);
``wind_speed_10m`` in km/h (it divides by 1.15 for the 20-ft wind, then applies the
Albini & Baughman wind adjustment factor); moistures as fractions (kg water per kg oven-dry
fuel); canopy cover 0-1, heights m, bulk density kg/m3; ``cube_resolution`` is
``(band_duration min, cell_height m, cell_width m)``; times in minutes. Grid rows run south to
north (row 0 south), as in wildfire_gym. Unburned cells have NaN arrival times; the grid saved
here has +inf there, in seconds, as ``fields.npz`` does.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import (  # noqa: E402  (the script's own folder, added above)
    burned_mask_from_arrival,
    edge_arrival_s,
    head_distance_m,
    length_to_breadth_from_cells,
    write_npy_atomic,
)

#: Seconds per minute (pyretechnics' time unit).
S_PER_MIN = 60.0
#: (m/s) -> (km/h).
KMH_PER_MPS = 3.6
#: Square metres per hectare.
M2_PER_HA = 1.0e4
#: Seconds per hour.
S_PER_HOUR = 3600.0
#: Width, cells, of the border ring whose first arrival marks the fire reaching the edge.
EDGE_MARGIN_CELLS = 2
#: Default length of a space-time-cube band, s (hourly weather, as pyretechnics' examples use).
DEFAULT_BAND_S = 3600.0

#: pyretechnics' fuel-model numbers: Anderson (1982) "FM1".."FM13" are 1..13; Scott & Burgan
#: (2005) families start at these numbers ("GR2" -> 102, "TL3" -> 183).
_SB40_FAMILY_BASE = {"GR": 100, "GS": 120, "SH": 140, "TU": 160, "TL": 180, "SB": 200}


def fuel_model_number(code: str | int) -> int:
    """pyretechnics' fuel-model number for a code such as ``"FM1"`` or ``"GR2"`` (or the number)."""
    if isinstance(code, int):
        return code
    text = str(code).strip().upper()
    if text.startswith("FM") and text[2:].isdigit() and 1 <= int(text[2:]) <= 13:
        return int(text[2:])
    family, digits = text[:2], text[2:]
    if family in _SB40_FAMILY_BASE and digits.isdigit() and int(digits) >= 1:
        return _SB40_FAMILY_BASE[family] + int(digits)
    raise ValueError(f"fuel_model: expected 'FM1'..'FM13' or a Scott & Burgan code, got {code!r}")


_KEEP_ALIVE: list[Any] = []
"""Per-cell rasters handed to pyretechnics, referenced for the life of the process."""


def _build_inputs(
    case: dict[str, Any],
) -> tuple[dict[str, Any], tuple[int, int, int], tuple[float, float, float], float]:
    """Constant space-time cubes, cube shape, cube resolution and max duration (min) for ``case``."""
    from pyretechnics.space_time_cube import SpaceTimeCube

    rows, cols = int(case["rows"]), int(case["cols"])
    duration_min = float(case["duration_s"]) / S_PER_MIN
    band_min = float(case.get("band_s", DEFAULT_BAND_S)) / S_PER_MIN
    # one band beyond the duration: pyretechnics 2026.10.20 reads the band *after* the last one at
    # exactly t = duration (a segmentation fault with per-cell inputs; constants never index)
    bands = max(1, math.ceil(duration_min / band_min - 1e-9)) + 1
    shape = (bands, rows, cols)
    cell_m = float(case["cell_m"])
    moist = case["moisture"]
    values = {
        "slope": float(case.get("slope_frac", 0.0)),
        "aspect": float(case.get("aspect_deg", 0.0)),
        "fuel_model": float(fuel_model_number(case["fuel_model"])),
        "canopy_cover": 0.0,
        "canopy_height": 0.0,
        "canopy_base_height": 0.0,
        "canopy_bulk_density": 0.0,
        "wind_speed_10m": float(case["wind_speed_10m_mps"]) * KMH_PER_MPS,
        "upwind_direction": float(case["wind_from_deg"]) % 360.0,
        "fuel_moisture_dead_1hr": float(moist["d1h"]),
        "fuel_moisture_dead_10hr": float(moist["d10h"]),
        "fuel_moisture_dead_100hr": float(moist["d100h"]),
        "fuel_moisture_live_herbaceous": float(moist["live_herb"]),
        "fuel_moisture_live_woody": float(moist["live_woody"]),
        "foliar_moisture": float(case.get("foliar_moisture", 1.0)),
    }
    # heterogeneous cases: per-cell rasters (row 0 south, as ours) replace the constants
    for name, key in (("fuel_model", "fuel_grid_npy"), ("slope", "slope_frac_npy"), ("aspect", "aspect_deg_npy")):
        if case.get(key):
            grid = np.load(case[key]).astype(np.float32)
            if grid.shape != (rows, cols):
                raise ValueError(f"{key}: expected a {rows} x {cols} grid, got {grid.shape}")
            values[name] = grid
            # SpaceTimeCube keeps a view of a float32 array without owning it: keep the array alive
            _KEEP_ALIVE.append(grid)
    cubes = {name: SpaceTimeCube(shape, value) for name, value in values.items()}
    return cubes, shape, (band_min, cell_m, cell_m), duration_min


def _one_run(case: dict[str, Any], ignition: tuple[int, int]) -> tuple[float, float, dict[str, Any]]:
    """Build inputs, ignite, spread; return (wall s, CPU s, pyretechnics' result) of the spread call."""
    from pyretechnics import eulerian_level_set as els

    cubes, shape, resolution, duration_min = _build_inputs(case)
    state = els.SpreadState(shape).ignite_cell(ignition)
    t0, c0 = time.perf_counter(), time.process_time()
    out = els.spread_fire_with_phi_field(cubes, state, resolution, 0.0, duration_min)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, out


def _stats(values: list[float]) -> dict[str, Any]:
    """min / median / max and every value."""
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "n": len(values),
        "runs": values,
    }


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """One untimed warm-up run, then ``repeats`` timed runs; figures of the last one."""
    rows, cols = int(case["rows"]), int(case["cols"])
    ignition = tuple(case.get("ignition_cell") or (rows // 2, cols // 2))
    repeats = int(case.get("repeats", 3))
    if repeats < 1:
        raise ValueError(f"repeats: expected >= 1, got {repeats}")
    t0 = time.perf_counter()
    _one_run(case, ignition)  # warm-up: imports, module init, first-touch allocation
    warmup_s = time.perf_counter() - t0
    walls: list[float] = []
    cpus: list[float] = []
    burned_counts: list[int] = []
    out: dict[str, Any] = {}
    grids: dict[str, Any] = {}
    for _ in range(repeats):
        wall, cpu, out = _one_run(case, ignition)
        walls.append(wall)
        cpus.append(cpu)
        grids = out["spread_state"].get_full_matrices(["time_of_arrival", "fire_type"])
        burned_counts.append(int(np.isfinite(grids["time_of_arrival"]).sum()))

    toa_min = np.asarray(grids["time_of_arrival"], dtype=np.float64)
    arrival_s = np.where(np.isfinite(toa_min), toa_min * S_PER_MIN, np.inf).astype(np.float32)
    mask = burned_mask_from_arrival(arrival_s)
    fire_type_cells = int((np.asarray(grids["fire_type"]) > 0).sum())
    cells = int(mask.sum())
    cell_m = float(case["cell_m"])
    area_ha = cells * cell_m * cell_m / M2_PER_HA
    head_m, back_m = head_distance_m(mask, ignition, cell_m, float(case["wind_from_deg"]))
    wall_med = statistics.median(walls)
    cpu_med = statistics.median(cpus)
    edge_s = edge_arrival_s(arrival_s, EDGE_MARGIN_CELLS)
    # L/W of the unclipped shape: cells burned strictly before the fire first reached the edge.
    before_edge = mask & (arrival_s < edge_s)

    result: dict[str, Any] = {
        "peer": "pyretechnics",
        "peer_version": metadata.version("pyretechnics"),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "scipy_version": metadata.version("scipy"),
        "machine": platform.platform(),
        "case": case,
        "peer_inputs": {
            "fuel_model_number": None if case.get("fuel_grid_npy") else fuel_model_number(case["fuel_model"]),
            "wind_speed_10m_km_h": float(case["wind_speed_10m_mps"]) * KMH_PER_MPS,
            "upwind_direction_deg": float(case["wind_from_deg"]) % 360.0,
            "cube_resolution_min_m_m": list(_build_inputs(case)[2]),
            "ignition_cell_iy_ix": list(ignition),
            "max_cells_per_timestep": 0.4,
            "surface_lw_ratio_model": "behave",
        },
        "cells_burned": cells,
        "cells_burned_by_fire_type": fire_type_cells,
        "ignition_cell_fire_type": int(np.asarray(grids["fire_type"])[ignition]),
        "cells_burned_every_repeat": burned_counts,
        "burned_area_ha": area_ha,
        "edge_reached": bool(np.isfinite(edge_s)),
        "edge_arrival_s": edge_s if np.isfinite(edge_s) else None,
        "edge_margin_cells": EDGE_MARGIN_CELLS,
        "stop_time_s": float(out["stop_time"]) * S_PER_MIN,
        "stop_condition": str(out["stop_condition"]),
        "warmup_s": warmup_s,
        "wall_s": _stats(walls),
        "cpu_s": _stats(cpus),
        "cells_per_s": cells / wall_med if wall_med > 0 else float("nan"),
        "cells_per_cpu_s": cells / cpu_med if cpu_med > 0 else float("nan"),
        "burned_ha_per_cpu_hour": area_ha / (cpu_med / S_PER_HOUR) if cpu_med > 0 else float("nan"),
        "length_to_breadth": length_to_breadth_from_cells(mask),
        "length_to_breadth_before_edge": length_to_breadth_from_cells(before_edge),
        "cells_burned_before_edge": int(before_edge.sum()),
        "head_distance_m": head_m,
        "back_distance_m": back_m,
        "max_arrival_s": float(arrival_s[mask].max()) if cells else float("nan"),
    }
    npy = case.get("arrival_npy")
    if npy:
        write_npy_atomic(npy, arrival_s)
        result["arrival_npy"] = str(npy)
    return result


def main() -> int:
    """Read a case on stdin, print its figures as one JSON object."""
    case = json.load(sys.stdin)
    json.dump(run_case(case), sys.stdout, allow_nan=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
