"""Burn probability with and without suppression: an initial attack at the environments' production rates.

Loads ``assets/whatif/suppression.yaml``: a fire west of the default world's hamlet, left alone, met
by a dozer and two Type 1 hand crews after 10 minutes (NWCG line production by fuel model and
slope), and by the same ground attack with a large air tanker dropping retardant ahead of the head;
then the fire as it runs at 20 minutes, branched into a wind shift with and without the ground attack
(every member of a branch loads the same running fire and continues with its own wind). Prints the
comparison table and, for each response, the mean burn probability of the cells the unsuppressed fire
reaches, and of the houses.

Run:  ``.venv/bin/python examples/whatif_suppression.py [--members 8] [--out DIR]``
Writes into ``out/examples/whatif_suppression/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("MPLBACKEND", "Agg")

from wildfire_gym._assets import assets_dir  # noqa: E402
from wildfire_gym.whatif import load_whatif, run_whatif  # noqa: E402
from wildfire_gym.whatif.report import comparison_rows, format_table, write_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=8, help="fires per variant (the file says 16)")
    parser.add_argument("--out", type=Path, default=Path("out/examples/whatif_suppression"))
    parser.add_argument("--arch", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()

    wi = load_whatif(assets_dir() / "whatif" / "suppression.yaml")
    wi = dataclasses.replace(wi, ensemble=dataclasses.replace(wi.ensemble, members=args.members))
    study = run_whatif(wi, arch=args.arch)
    paths = write_report(study, args.out)
    print(f"{study.members_total} fires in {study.wall_s:.1f} s")
    print(format_table(comparison_rows(study)))
    for none_name, names in (("no response", ("ground attack", "ground + air tanker")),
                             ("shift at 20 min", ("shift at 20 min + ground",))):
        none = study.by_name(none_name).acc
        reached = none.burn_count > 0
        p0 = float(none.burn_probability()[reached].mean())
        for name in names:
            acc = study.by_name(name).acc
            p1 = float(acc.burn_probability()[reached].mean())
            h0, h1 = none.house_table()["p_reached"].mean(), acc.house_table()["p_reached"].mean()
            print(f"Burn probability with and without suppression: {p1:.3f} with '{name}', {p0:.3f} with "
                  f"'{none_name}' (mean over the cells the unsuppressed fires reach); houses reached "
                  f"{h1:.2f} against {h0:.2f}.")
    print(f"Report: {paths['report']}")


if __name__ == "__main__":
    main()
