"""``wildfire-gym whatif`` end to end: files, their contents, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from typer.testing import CliRunner

from wildfire_gym.cli import app
from wildfire_gym.whatif import load_whatif, run_whatif
from wildfire_gym.whatif.metrics import FLP_NAMES

SCENARIO = """\
name: cli-wi
seed: 4
duration_s: 1800
terrain: {size_m: [400, 200], cell_m: 10, kind: plane}
fuel: {model: GR2}
vegetation: {trees_per_ha: 20, species: {pine: 1.0}}
structures: {positions_m: [[300, 100], [20, 190]], min_spacing_m: 0}
weather: {wind_speed_mps: 6, wind_from_deg: 270}
"""

WHATIF = {
    "name": "cli what-if",
    "base": "scenario.yaml",
    "ignitions": {"points": [{"x_m": 120, "y_m": 50}]},
    "ensemble": {"members": 3, "seed": 1, "wind_from_sd_deg": 10, "ignition_sd_m": 10},
    "variants": [{"name": "baseline"},
                 {"name": "break", "fuel_breaks": [{"points_m": [[200, 0], [200, 200]], "width_m": 40}]}],
}


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("wicli")
    (d / "scenario.yaml").write_text(SCENARIO)
    (d / "study.yaml").write_text(yaml.safe_dump(WHATIF))
    return d


@pytest.fixture(scope="module")
def cli_run(study_dir):
    out = study_dir / "out"
    res = CliRunner().invoke(app, ["whatif", str(study_dir / "study.yaml"), "--out", str(out), "--arch", "cpu"])
    return res, out


def test_cli_writes_every_product(cli_run, study_dir):
    res, out = cli_run
    assert res.exit_code == 0, res.output
    assert "baseline" in res.output and "break" in res.output and "burned ha" in res.output
    for name in ("comparison.csv", "comparison.txt", "risk_baseline.tif", "risk_break.tif",
                 "diff_break_vs_baseline.tif", "houses.csv", "houses_baseline.geojson", "report.html",
                 "map_burn_probability.png", "map_difference_burn_probability.png", "plot_comparison.png",
                 "summary.json"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["variant"] for r in rows] == ["baseline", "break"]
    assert float(rows[1]["burned_area_ha_mean"]) < float(rows[0]["burned_area_ha_mean"])


def test_geotiff_bands_match_the_study(cli_run, study_dir):
    _, out = cli_run
    study = run_whatif(load_whatif(study_dir / "study.yaml"), arch="cpu")
    acc = study.by_name("baseline").acc
    with rasterio.open(out / "risk_baseline.tif") as src:
        assert src.count == 9
        assert src.descriptions == ("burn_probability", "conditional_flame_length_m", *FLP_NAMES, "mean_arrival_min")
        assert src.transform.a == pytest.approx(10.0) and src.height == 20 and src.width == 40
        bp = src.read(1)[::-1]
        flp = src.read(list(range(3, 9)))[:, ::-1]
        nodata = src.nodata
    np.testing.assert_allclose(bp, acc.burn_probability(), atol=1e-7)
    burned = acc.burn_count > 0
    np.testing.assert_allclose(flp[:, burned].sum(axis=0), 1.0, atol=1e-5)
    assert (flp[:, ~burned] == nodata).all()
    with rasterio.open(out / "diff_break_vs_baseline.tif") as src:
        dbp = src.read(1)[::-1]
    np.testing.assert_allclose(dbp, study.by_name("break").acc.burn_probability() - acc.burn_probability(), atol=1e-7)


def test_house_files(cli_run):
    _, out = cli_run
    fc = json.loads((out / "houses_baseline.geojson").read_text())
    assert len(fc["features"]) == 2
    ring = fc["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    props = [f["properties"] for f in fc["features"]]
    downwind = min(props, key=lambda p: abs(p["x"] - 300))
    upwind = min(props, key=lambda p: abs(p["x"] - 20))
    assert downwind["p_exposure"] == 1.0 and downwind["earliest_arrival_s"] > 0
    assert upwind["p_ignition"] == 0.0 and upwind["earliest_arrival_s"] is None
    rows = list(csv.DictReader((out / "houses.csv").open()))
    assert len(rows) == 4 and {r["variant"] for r in rows} == {"baseline", "break"}


def test_html_report_is_self_contained(cli_run):
    _, out = cli_run
    text = (out / "report.html").read_text()
    assert text.count("data:image/png;base64,") >= 4
    assert "src='http" not in text and 'src="http' not in text
    assert "cli what-if" in text and "fuel_breaks" in text  # the inputs that produced it


@pytest.mark.parametrize("data, field", [
    ({**WHATIF, "variants": [{"name": "a", "thinning": {"percent": 140}}]}, "variants[0].thinning.percent"),
    ({**WHATIF, "ensemble": {"members": -1}}, "ensemble.members"),
])
def test_bad_file_one_line_exit_2(study_dir, data, field, tmp_path):
    p = study_dir / f"bad_{field.replace('.', '_').replace('[', '').replace(']', '')}.yaml"
    p.write_text(yaml.safe_dump(data))
    res = CliRunner().invoke(app, ["whatif", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {p}: {field}: expected ")
    assert "Traceback" not in res.output


def test_whatif_checks_its_flags_before_any_work(tmp_path: Path) -> None:
    """A bad --out or --arch is one line naming the flag (exit 2), before the world is built."""
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    f = tmp_path / "wi.yaml"
    f.write_text(yaml.safe_dump(WHATIF))
    runner = CliRunner()
    (tmp_path / "a_file").write_text("x")
    for args, flag in ((["--out", ""], "--out"), (["--out", str(tmp_path / "a_file")], "--out"),
                       (["--arch", "quantum"], "--arch")):
        res = runner.invoke(app, ["whatif", str(f), *args])
        assert res.exit_code == 2, res.output
        assert flag in res.output and "Traceback" not in res.output
        assert len(res.output.strip().splitlines()) == 1
