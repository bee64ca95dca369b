"""Issue 11: ``wildfire-gym whatif FILE --ray local`` spreads the member batches over a local Ray
cluster, started inside a private network namespace (loopback only), and writes the same products
as the serial run."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from netns import in_private_netns, private_netns_works

ROOT = Path(__file__).resolve().parent.parent
RAY_TIMEOUT_S = 400  # about 30 s here; the bound only stops a hung run

SCENARIO = """\
name: ray-wi
seed: 4
duration_s: 1500
terrain: {size_m: [300, 150], cell_m: 10, kind: plane}
fuel: {model: GR2}
vegetation: {trees_per_ha: 20, species: {pine: 1.0}}
structures: {positions_m: [[250, 75]], min_spacing_m: 0}
weather: {wind_speed_mps: 6, wind_from_deg: 270}
"""

WHATIF = {
    "name": "ray what-if", "base": "scenario.yaml",
    "ignitions": {"points": [{"x_m": 40, "y_m": 75}]},
    "ensemble": {"members": 2, "seed": 1, "wind_from_sd_deg": 10, "ignition_sd_m": 10},
    "variants": [{"name": "baseline"},
                 {"name": "crews", "suppression": {"resources": [{"kind": "type1_crew", "count": 2, "arrival_s": 300}]}},
                 {"name": "branch", "branch": {"at_s": 600}, "weather": {"wind_from_deg": 220}}],
}


def _cli(study: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "wildfire_gym.cli", "whatif", str(study), "--out", str(out), "--arch", "cpu",
            "--batch", "3", "--no-images", "--no-progress", *extra]


def _products(out: Path) -> dict[str, bytes]:
    got = {name: (out / name).read_bytes() for name in ("comparison.csv", "houses.csv")}
    for tif in sorted(out.glob("risk_*.tif")):
        with rasterio.open(tif) as ds:
            got[tif.name] = np.ascontiguousarray(ds.read()).tobytes()
    return got


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the optional ray extra is not installed")
@pytest.mark.skipif(not private_netns_works(), reason="no private network namespace (unshare -n) here")
def test_whatif_on_ray_equals_the_serial_run(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(WHATIF))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TI_SKIP_VERSION_CHECK": "ON", "MPLBACKEND": "Agg",
           "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
    from typer.testing import CliRunner

    from wildfire_gym.cli import app

    serial = CliRunner().invoke(app, _cli(study, tmp_path / "serial")[3:])  # in this process: no start-up
    assert serial.exit_code == 0, serial.output
    cli = " ".join(_cli(study, tmp_path / "ray", "--ray", "local"))  # 2 tasks of 3 members
    r = subprocess.run(in_private_netns(cli), env=env, capture_output=True,
                       text=True, timeout=RAY_TIMEOUT_S)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = _products(tmp_path / "serial"), _products(tmp_path / "ray")
    assert set(a) == set(b) and len(a) == 5
    for name in a:
        assert a[name] == b[name], name
    rows = (tmp_path / "ray" / "comparison.csv").read_text().splitlines()
    assert len(rows) == 4 and rows[2].startswith("crews")


def test_bad_ray_address_is_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wildfire_gym.cli import app

    res = CliRunner().invoke(app, ["whatif", "x.yaml", "--out", str(tmp_path / "o"), "--ray", " "])
    assert res.exit_code == 2 and "--ray: expected a Ray cluster address" in res.output
    assert "Traceback" not in res.output
