"""The command line's world-side commands: `world`, `scenarios`, `validate`, and its error handling."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import rasterio
import trimesh
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wildfire_gym.cli import app
from wildfire_gym.scenario import builtin_scenarios
from wildfire_gym.world.export import CANOPY_FIELDS, RASTER_FIELDS

runner = CliRunner()

SMALL = {
    "name": "cli-small",
    "seed": 5,
    "duration_s": 1200,
    "terrain": {"size_m": [400, 300], "cell_m": 10, "kind": "fractal", "relief_m": 40},
    "fuel": {"model": "GR2", "patches": {"GR2": 0.7, "TU5": 0.3}, "patch_scale_m": 100},
    "vegetation": {"trees_per_ha": 40, "species": {"pine": 0.5, "oak": 0.5}},
    "structures": {"houses": 3, "layout": "scattered", "min_spacing_m": 30},
    "weather": {"wind_speed_mps": 4.0, "wind_from_deg": 270},
    "ignitions": [{"x_m": 60, "y_m": 150}],
}


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and check the signature)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def _no_traceback(result) -> None:
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def test_world_writes_every_product(tmp_path: Path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(SMALL))
    out = tmp_path / "world"
    result = runner.invoke(app, ["world", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    _no_traceback(result)
    assert "cli-small" in result.stdout and "3 houses" in result.stdout

    expected = {"terrain.glb", "trees.glb", "houses.glb", "rasters.npz", "trees.npz", "structures.npz",
                "preview.png", "world.json"}
    expected |= {f"{n}.tif" for n in RASTER_FIELDS} | {f"canopy_{n}.tif" for n in CANOPY_FIELDS}
    assert expected <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]  # atomic writes

    summary = json.loads((out / "world.json").read_text())
    assert summary["shape"] == [30, 40] and summary["cell_m"] == 10.0 and summary["houses"] == 3
    assert set(summary["files"]) >= expected
    assert set(summary["fuel_fractions"]) == {"GR2", "TU5"}
    assert summary["fuel_fractions"]["TU5"] == pytest.approx(0.3, abs=1 / 1200)

    with np.load(out / "rasters.npz") as z:
        assert set(z.files) == {*RASTER_FIELDS, *(f"canopy_{n}" for n in CANOPY_FIELDS)}
        elevation = z["elevation_m"]
        fuel = z["fuel_code"]
    assert elevation.shape == (30, 40)
    assert float(np.ptp(elevation)) == pytest.approx(40.0, rel=1e-4)
    # GeoTIFFs are north-up: their first row is the npz's last (row 0 = south)
    with rasterio.open(out / "elevation_m.tif") as src:
        np.testing.assert_array_equal(src.read(1)[::-1], elevation)
        assert src.transform.a == pytest.approx(10.0)
    with rasterio.open(out / "fuel_code.tif") as src:
        np.testing.assert_array_equal(src.read(1)[::-1], fuel)
    with np.load(out / "trees.npz") as z:
        assert z["x_m"].shape == (summary["trees"],) and summary["trees"] > 0

    width, height = _png_size(out / "preview.png")
    assert 400 <= width <= 4000 and 300 <= height <= 4000
    from PIL import Image

    with Image.open(out / "preview.png") as im:
        pixels = np.asarray(im.convert("RGB"), dtype=np.float64)
    assert pixels.std() > 10.0  # a picture, not a blank canvas

    terrain = trimesh.load(out / "terrain.glb", force="mesh")
    assert len(terrain.vertices) == 30 * 40 or len(terrain.vertices) == 31 * 41
    lo, hi = terrain.bounds
    assert hi[0] - lo[0] == pytest.approx(400.0, rel=0.05) and hi[1] - lo[1] == pytest.approx(300.0, rel=0.05)
    houses = trimesh.load(out / "houses.glb", force="mesh")
    assert len(houses.faces) > 0
    trees = trimesh.load(out / "trees.glb")
    assert sum(len(g.faces) for g in trees.geometry.values()) > summary["trees"] * 20


def test_world_without_meshes_and_a_builtin_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["world", "flat-grass", "--out", str(tmp_path), "--no-meshes"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in tmp_path.iterdir()}
    assert "preview.png" in names and "rasters.npz" in names and not any(n.endswith(".glb") for n in names)
    summary = json.loads((tmp_path / "world.json").read_text())
    assert summary["trees"] == 0 and summary["fuel_fractions"] == {"FM1": 1.0}
    assert summary["elevation_m"]["min"] == pytest.approx(summary["elevation_m"]["max"])  # a flat plane


def test_scenarios_lists_the_builtins() -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == sorted(builtin_scenarios())
    assert {"default", "flat-grass", "pine-ridge", "chaparral-canyon"} <= set(listed)


def test_validate_prints_the_validated_scenario_as_json(tmp_path: Path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(SMALL))
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "cli-small" and data["terrain"]["size_m"] == [400.0, 300.0]
    assert data["weather"]["wind_height"] == "20ft"  # defaults are filled in
    assert data["fuel"]["moisture"]["d1h"] == pytest.approx(0.06)
    builtin = runner.invoke(app, ["validate", "pine-ridge"])
    assert builtin.exit_code == 0 and json.loads(builtin.stdout)["structures"]["houses"] == 12


BAD = [
    ("terrain: {size_m: [3000, 3000], cell_m: -5}\n", "terrain.cell_m", "> 0"),
    ("terrain: {size_m: [300, 300], cell_m: 500}\n", "terrain.cell_m", "no larger than the extent"),
    ("fuel: {model: GR99}\n", "fuel.model", "FM1..FM13"),
    ("fuel: {moisture: {d1h: 4}}\n", "fuel.moisture.d1h", "<= 3.0"),
    ("ignitions: [{x_m: 3500, y_m: 10}]\n", "ignitions[0].x_m", "inside the terrain"),
    ("terrain: {kind: geotiff, path: absent.tif}\n", "terrain.path", "an existing file"),
    ("colour: red\n", "colour", "no such key"),
    ("duration_s: " + "9" * 400 + "\n", "duration_s", "a finite number"),
    ("terrain: {relief_m: 1e3}\n", "terrain.relief_m", "write 1.0e+3"),
    ("terrain: {size_m: [1.0e+308, 1.0e+308], cell_m: 1.0e-300}\n", "terrain.size_m[0]", "<= 1000000"),
    ("vegetation: {species: {pine: 1.0e+308, oak: 1.0e+308}}\n", "vegetation.species", "finite sum"),
    ("name: [unclosed\n", "<file>", "valid YAML"),
]


@pytest.mark.parametrize(("text", "field", "words"), BAD)
@pytest.mark.parametrize("command", ["validate", "world"])
def test_bad_scenario_exits_2_with_one_line(tmp_path: Path, command: str, text: str, field: str, words: str) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text)
    result = runner.invoke(app, [command, str(scenario), "--out", str(tmp_path / "o")] if command == "world"
                           else [command, str(scenario)])
    assert result.exit_code == 2, result.output
    _no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {scenario}: {field}: expected "), lines[0]
    assert words in lines[0]
    assert not (tmp_path / "o").exists()  # nothing written for a bad scenario


def test_unreadable_dem_is_a_field_error(tmp_path: Path) -> None:
    (tmp_path / "dem.tif").write_text("not a GeoTIFF")
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("terrain: {kind: geotiff, path: dem.tif}\n")
    result = runner.invoke(app, ["world", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    _no_traceback(result)
    assert result.stderr.startswith(f"error: {scenario}: terrain.path: expected a readable GeoTIFF DEM")


def test_unknown_scenario_name_and_unknown_flag() -> None:
    result = runner.invoke(app, ["world", "no-such-scenario"])
    assert result.exit_code == 2
    assert "built-in name" in result.stderr and "default" in result.stderr
    _no_traceback(result)
    result = runner.invoke(app, ["world", "default", "--bogus"])
    assert result.exit_code == 2  # click's usage error
    assert "No such option" in result.output + result.stderr and "--bogus" in result.output + result.stderr
    result = runner.invoke(app, ["wrld"])
    assert result.exit_code == 2


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
                    st.sampled_from(["1e3", "GR2", "pine", "geotiff", "20ft", "thinning", "absent.tif", ""]))
_doc_value = st.recursive(_scalar, lambda c: st.one_of(st.lists(c, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), c, max_size=3)),
                          max_leaves=6)
_keys = st.sampled_from(["name", "seed", "duration_s", "terrain", "fuel", "vegetation", "structures", "weather",
                         "ignitions", "interventions", "bogus"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(_keys, _doc_value, max_size=4))
def test_fuzz_validate_never_prints_a_traceback(tmp_path: Path, doc: dict) -> None:
    scenario = tmp_path / "fuzz.yaml"
    scenario.write_text(yaml.safe_dump(doc))
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code in (0, 2), result.output
    _no_traceback(result)
    if result.exit_code == 2:
        assert result.stderr.startswith(f"error: {scenario}: ") and ": expected " in result.stderr


def test_a_field_found_wrong_while_building_names_the_file(tmp_path: Path) -> None:
    scenario = tmp_path / "crowded.yaml"
    scenario.write_text("terrain: {size_m: [200, 200], cell_m: 10}\nstructures: {houses: 500}\n")
    result = runner.invoke(app, ["world", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    _no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {scenario}: structures.houses: expected "), lines
    assert not (tmp_path / "o").exists()


def test_output_folder_that_is_a_file_is_one_line_error(tmp_path):
    from typer.testing import CliRunner

    from wildfire_gym.cli import app

    target = tmp_path / "afile"
    target.write_text("x")
    result = CliRunner().invoke(app, ["world", "flat-grass", "--out", str(target), "--no-meshes"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "error: --out" in result.output
