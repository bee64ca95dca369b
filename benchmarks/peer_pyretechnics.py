"""pyretechnics on the BENCHMARKS.md spread cases; prints one JSON object.

Usage::

    .venv/bin/python benchmarks/peer_pyretechnics.py [--repeats 3] [--arrival-dir DIR] [--cases a,b,c]

Creates ``benchmarks/.peers/pyretechnics`` on first use (pip, from the package registry), then
runs each case there (one warm-up run, then the timed repeats) and prints the peer's figures
beside the figures published in design/BENCHMARKS.md. Never asserts: speed is for reading.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402  (the script's own folder, added above)
import _peers  # noqa: E402

LOG = logging.getLogger("peer_pyretechnics")


def main(argv: list[str] | None = None) -> int:
    """Run the selected cases and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case (>= 1)")
    parser.add_argument("--arrival-dir", type=Path, default=None,
                        help="save each case's arrival-time grid (s, +inf unburned) as NAME.npy here")
    parser.add_argument("--cases", default="a,b,c",
                        help="comma-separated case letters to run (default a,b,c)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")

    wanted = {c.strip().lower() for c in args.cases.split(",") if c.strip()}
    cases = [c for c in _peers.benchmark_cases(args.repeats, args.arrival_dir)
             if c["name"][0] in wanted]
    if not cases:
        parser.error(f"--cases: expected letters among a,b,c, got {args.cases!r}")

    results: dict[str, Any] = {}
    for case in cases:
        LOG.info("running %s", case["name"])
        fig = _peers.run_pyretechnics_case(case)
        fig["published"] = _peers.PUBLISHED_PYRETECHNICS.get(case["name"])
        results[case["name"]] = fig
    first = next(iter(results.values()))
    report = {
        "benchmark": "pyretechnics peer on the BENCHMARKS.md spread cases",
        "peer": "pyretechnics",
        "peer_version": first["peer_version"],
        "peer_python": first["python_version"],
        "peer_numpy": first["numpy_version"],
        "peer_scipy": first["scipy_version"],
        "machine": {**_common.machine_note(), "platform": platform.platform()},
        "notes": [
            "wall_s and cpu_s time the spread call only, after one untimed warm-up run",
            "cells_burned counts finite arrival times (the ignition cell included); "
            "cells_burned_by_fire_type is pyretechnics' own count, which leaves the ignition cell out",
            "burned_ha_per_cpu_hour uses the median process CPU time; pyretechnics runs on one core",
            "length_to_breadth_before_edge measures the cells burned before the fire first "
            "entered the 2-cell border ring (case b's head reaches the east edge at ~19.6 h)",
        ],
        "cases": results,
    }
    json.dump(report, sys.stdout, indent=1, allow_nan=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
