"""``wildfire-gym simulate`` end to end: files written, their contents, errors, determinism."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from wildfire_gym.cli import app
from wildfire_gym.fire.outputs import FIELD_NAMES, ring_area_m2
from wildfire_gym.fire.state import BurnState
from wildfire_gym.io.geotiff import read_geotiff

CELL_M = 10.0
NX, NY = 60, 40

SCENARIO = {
    "name": "cli-tiny",
    "seed": 4,
    "duration_s": 1500.0,
    "terrain": {"size_m": [NX * CELL_M, NY * CELL_M], "cell_m": CELL_M, "kind": "plane", "slope_deg": 5.0,
                "aspect_deg": 270.0},
    "fuel": {"model": "GR2", "moisture": {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6,
                                           "live_woody": 0.9, "foliar": 1.0}},
    "vegetation": {"trees_per_ha": 15, "species": {"pine": 1.0}},
    # one house downwind in the fire's path, one far upwind out of its reach
    "structures": {"houses": 0, "positions_m": [[330.0, 205.0], [15.0, 385.0]]},
    "weather": {"wind_speed_mps": 6.0, "wind_height": "20ft", "wind_from_deg": 270.0},
    "ignitions": [{"x_m": 105.0, "y_m": 205.0}],
}

SUMMARY_KEYS = ("burned_area_m2", "burned_area_ha", "perimeter_m", "head_ros_m_per_s",
                "max_fireline_intensity_kw_m", "trees_burnt", "houses_reached", "wall_time_s")


def write_scenario(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def simulate(runner: CliRunner, scenario: Path, out: Path, *extra: str) -> object:
    return runner.invoke(app, ["simulate", str(scenario), "--out", str(out), "--arch", "cpu", *extra])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("simulate")
    sc = write_scenario(tmp / "tiny.yaml", SCENARIO)
    result = simulate(CliRunner(), sc, tmp / "out")
    assert result.exit_code == 0, result.output
    assert "fire cli-tiny" in result.output
    return tmp / "out"


def test_summary_has_the_run_numbers(run_dir: Path) -> None:
    s = json.loads((run_dir / "summary.json").read_text())
    for key in SUMMARY_KEYS:
        assert key in s, key
    f = np.load(run_dir / "fields.npz")
    burned = np.isfinite(f["arrival_time_s"])
    assert s["burned_cells"] == int(burned.sum()) > 50
    assert s["burned_area_m2"] == pytest.approx(burned.sum() * CELL_M**2, rel=1e-12)
    assert s["burned_area_ha"] == pytest.approx(s["burned_area_m2"] / 1e4, rel=1e-12)
    assert s["head_ros_m_per_s"] == pytest.approx(float(f["ros_m_per_s"][burned].max()), rel=1e-6)
    assert s["max_fireline_intensity_kw_m"] == pytest.approx(float(f["fireline_intensity_kw_m"].max()), rel=1e-6)
    assert s["time_s"] == SCENARIO["duration_s"]
    assert s["houses_total"] == 2
    assert s["houses_reached"] == 1
    assert 0 <= s["trees_burnt"] <= s["trees_total"]
    assert s["wall_time_s"] > 0
    # perimeter of a convex-ish burn: between the circle of the same area and the bounding box's
    area = s["burned_area_m2"]
    assert 2.0 * math.sqrt(math.pi * area) * 0.98 <= s["perimeter_m"] <= 4.0 * (NX + NY) * CELL_M


def test_fields_npz_has_exactly_the_five_fields(run_dir: Path) -> None:
    f = np.load(run_dir / "fields.npz")
    assert sorted(f.files) == sorted(FIELD_NAMES)
    assert set(FIELD_NAMES) == {"arrival_time_s", "ros_m_per_s", "fireline_intensity_kw_m", "flame_length_m",
                                "burn_state"}
    arrival = f["arrival_time_s"]
    assert arrival.dtype == np.float32 and arrival.shape == (NY, NX)
    assert np.isposinf(arrival).any() and np.isfinite(arrival).any()
    assert not np.isnan(arrival).any()
    assert np.all(arrival[np.isfinite(arrival)] <= SCENARIO["duration_s"])
    for name in ("ros_m_per_s", "fireline_intensity_kw_m", "flame_length_m"):
        assert f[name].dtype == np.float32 and f[name].shape == (NY, NX)
        assert np.all(f[name] >= 0)
        assert np.all(f[name][~np.isfinite(arrival)] == 0)
    assert f["burn_state"].dtype == np.uint8
    burned = np.isfinite(arrival)
    assert np.all(np.isin(f["burn_state"][burned], (BurnState.BURNING, BurnState.BURNED)))
    assert np.all(f["burn_state"][~burned] == BurnState.UNBURNED)
    # Byram's flame length from the intensity (docs/validation.md section 4)
    i = f["fireline_intensity_kw_m"][burned].astype(np.float64)
    np.testing.assert_allclose(f["flame_length_m"][burned], 0.0775 * i**0.46, rtol=1e-4)
    # the fire ran downwind (east) of the ignition
    iy, ix = np.nonzero(burned)
    assert ix.max() - 10 > 3 * (10 - ix.min())


def test_geotiffs_read_back_equal(run_dir: Path) -> None:
    f = np.load(run_dir / "fields.npz")
    for name in FIELD_NAMES:
        r = read_geotiff(run_dir / f"{name}.tif")
        assert r.shape == (NY, NX)
        assert r.pixel_size == pytest.approx((CELL_M, CELL_M))
        south_up = r.data[::-1]
        if name == "arrival_time_s":
            assert r.nodata == -1.0
            assert r.valid is not None
            np.testing.assert_array_equal(r.valid[::-1], np.isfinite(f[name]))
            np.testing.assert_array_equal(south_up[np.isfinite(f[name])], f[name][np.isfinite(f[name])])
            np.testing.assert_array_equal(south_up[~np.isfinite(f[name])], -1.0)
        else:
            np.testing.assert_array_equal(south_up, f[name])


def test_perimeter_polygon_area_matches_burned_area(run_dir: Path) -> None:
    gj = json.loads((run_dir / "perimeter.geojson").read_text())
    s = json.loads((run_dir / "summary.json").read_text())
    assert gj["type"] == "FeatureCollection"
    geom = gj["features"][0]["geometry"]
    assert geom["type"] == "MultiPolygon" and len(geom["coordinates"]) >= 1
    area = 0.0
    for polygon in geom["coordinates"]:
        rings = [np.asarray(r) for r in polygon]
        area += ring_area_m2(rings[0]) + sum(ring_area_m2(h) for h in rings[1:])
        assert np.all(rings[0][:, 0] >= -CELL_M) and np.all(rings[0][:, 0] <= (NX + 1) * CELL_M)
    # The 0.5 iso-line of the burned indicator runs along the cell faces between a burned and an
    # unburned centre, and cuts each staircase corner by a diagonal segment c/sqrt(2) long that adds
    # or removes c^2/8. At most sqrt(2) P / c such segments: |polygon - cells| <= sqrt(2)/8 P c.
    tol = math.sqrt(2.0) / 8.0 * s["perimeter_m"] * CELL_M
    assert area == pytest.approx(s["burned_area_m2"], abs=tol)
    assert area == pytest.approx(s["burned_area_m2"], rel=0.05)


def test_animation_is_written(run_dir: Path) -> None:
    gif = run_dir / "fire.gif"
    assert gif.is_file()
    from PIL import Image

    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert getattr(im, "n_frames", 1) > 1


def test_two_runs_write_identical_fields(run_dir: Path, tmp_path: Path) -> None:
    sc = write_scenario(tmp_path / "tiny.yaml", SCENARIO)
    result = simulate(CliRunner(), sc, tmp_path / "again", "--no-animation")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again" / "fields.npz").read_bytes() == (run_dir / "fields.npz").read_bytes()
    assert not (tmp_path / "again" / "fire.gif").exists()


def test_bad_scenario_gives_exit_code_2_and_names_the_field(tmp_path: Path) -> None:
    bad = dict(SCENARIO, weather=dict(SCENARIO["weather"], wind_speed_mps=-3.0))
    result = simulate(CliRunner(), write_scenario(tmp_path / "bad.yaml", bad), tmp_path / "out")
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error:")
    assert "weather.wind_speed_mps" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "fields.npz").exists()


def test_bogus_arch_gives_a_clear_error(tmp_path: Path) -> None:
    sc = write_scenario(tmp_path / "tiny.yaml", SCENARIO)
    result = CliRunner().invoke(app, ["simulate", str(sc), "--out", str(tmp_path / "out"), "--arch", "bogus"])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert "--arch" in lines[0] and "cpu or cuda" in lines[0] and "bogus" in lines[0]
