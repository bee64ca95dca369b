"""Bad input never exhausts the machine or ends in a traceback: one regression test per case of issue 12."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from affine import Affine
from rasterio.crs import CRS
from typer.testing import CliRunner

from wildfire_gym import _config
from wildfire_gym._config import YamlLimits, load_yaml_file, preview, safe_load_yaml, shorten
from wildfire_gym.cli import MAX_ERROR_CHARS, Progress, app
from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.outputs import GIF_MAX_SIDE_PX, GIF_MIN_WIDTH_PX, gif_scale
from wildfire_gym.io.atomic import atomic_write_text, remove_stale_temp_files
from wildfire_gym.io.geotiff import read_geotiff, write_geotiff
from wildfire_gym.limits import (
    MAX_RASTER_PIXELS,
    ResourceEstimate,
    check_resources,
    estimate_resources,
)
from wildfire_gym.scenario import load_scenario, scenario_from_dict

runner = CliRunner()
UTM = CRS.from_epsg(32610).to_wkt()

TINY = {
    "name": "tiny",
    "seed": 3,
    "duration_s": 300,
    "terrain": {"size_m": [200, 160], "cell_m": 10, "kind": "plane"},
    "vegetation": {"trees_per_ha": 10},
    "ignitions": [{"x_m": 100, "y_m": 80}],
}


def _write(path: Path, data: dict | str) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    text = result.output + result.stderr
    assert "Traceback" not in text
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and len(lines[0]) <= MAX_ERROR_CHARS
    return lines[0]


def _laughs(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 " + "[" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "x-anchors:\n" + "\n".join("  " + ln for ln in lines) + "\n"


# --------------------------------------------------------------------------- safe YAML


def test_billion_laughs_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    text = _laughs(9) + "name: *a8\n"  # 9^9 = 387 million strings once expanded
    tracemalloc.start()
    with pytest.raises(ScenarioError) as info:
        safe_load_yaml(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.field == "<file>" and "aliases are expanded" in str(info.value)
    assert peak < 20 * 2**20  # a few MB, not gigabytes
    line = _one_error_line(runner.invoke(app, ["validate", str(_write(tmp_path / "laughs.yaml", text))]))
    assert "<file>: expected at most" in line


def test_expanded_aliases_within_the_limit_give_a_bounded_preview() -> None:
    # 9^7 leaves sharing their lists (what aliases load to): `name` is not a list, and the message must
    # not render it.
    value: list = ["lol"] * 9
    for _ in range(6):
        value = [value] * 9
    tracemalloc.start()
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"name": value})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.field == "name" and len(str(info.value)) < 200
    assert peak < 5 * 2**20


def test_deep_nesting_is_a_clean_error(tmp_path: Path) -> None:
    for text in ("seed: " + "[" * 900 + "]" * 900 + "\n", "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 900))):
        path = _write(tmp_path / "deep.yaml", text)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert info.value.field == "<file>" and "nested at most 64 levels" in str(info.value)
        _one_error_line(runner.invoke(app, ["validate", str(path)]))


def test_document_size_recursion_and_long_integers_are_limited(tmp_path: Path) -> None:
    small = YamlLimits(max_bytes=1000)
    with pytest.raises(ScenarioError, match="at most 1,000 bytes"):
        safe_load_yaml("name: " + "x" * 2000, limits=small)
    big = _write(tmp_path / "big.yaml", "name: " + "x" * 2000)
    with pytest.raises(ScenarioError, match="at most 1,000 bytes"):
        load_yaml_file(big, limits=small)
    with pytest.raises(ScenarioError, match="recursive"):
        safe_load_yaml("a: &a [1, *a]\n")
    with pytest.raises(ScenarioError, match="more than 1000 digits"):
        safe_load_yaml("seed: " + "7" * 5000 + "\n")
    with pytest.raises(ScenarioError, match="UTF-8"):
        safe_load_yaml(b"name: \xff\xfe\n")


def test_errors_stay_on_one_line(tmp_path: Path) -> None:
    for text in ("name: a\x8d\n", '"key\\nwith a break": 1\n', "name: [a,\n  b\n"):
        line = _one_error_line(runner.invoke(app, ["validate", str(_write(tmp_path / "c.yaml", text))]))
        assert "\n" not in line


@pytest.mark.parametrize("text", [
    "a: 010\nb: 0x1f\nc: 1_000\nd: 1:30\ne: .inf\nf: ~\ng: yes\nh: 2001-12-14\ni: '1'\nj: 1.5e+3\nk: 1e3\n",
    "x: &a {p: [1, 2.5, null]}\ny: *a\n", "a: {<<: {b: 1}, c: 2}\n", "", "- 1\n- [2, {3: 4}]\n",
    "!!set {a, b}\n", "a: !!binary aGVsbG8=\n", "k: &x 1\nv: [*x, *x]\n", "? !!str 1\n: [a, 'b', \"c\"]\n",
])
def test_the_safe_loader_reads_what_pyyaml_reads(text: str) -> None:
    assert safe_load_yaml(text) == yaml.safe_load(text)


# --------------------------------------------------------------------------- bounded previews


def test_preview_is_bounded_whatever_the_value() -> None:
    shared: list = ["lol"] * 9
    for _ in range(9):
        shared = [shared] * 9  # 9^10 leaves if rendered
    cyclic: list = [1]
    cyclic.append(cyclic)
    for value in (shared, cyclic, "x" * 5_000_000, 10**5000, {"k" * 10**6: 1}, b"\x00" * 10**6):
        text = preview(value)
        assert 3 <= len(text) <= 80
    assert preview([1, 2]) == "[1, 2]" and preview("abc") == "'abc'"
    assert preview(10**5000).startswith("<an integer of about 5000 digits")
    long_path = "/data/" + "d" * 5000 + "/dem.tif"
    assert shorten(long_path, 60).endswith("/dem.tif") and len(shorten(long_path, 60)) == 60
    err = ScenarioError("x" * 10_000, "y" * 10_000, "z" * 10_000, source="/" + "s" * 10_000)
    assert len(str(err)) < 1200


# --------------------------------------------------------------------------- resources


def test_the_largest_grid_is_refused_at_validation_with_the_override(tmp_path: Path) -> None:
    data = dict(TINY, terrain={"size_m": [16384, 16384], "cell_m": 1, "kind": "plane"}, ignitions=[])
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    msg = str(info.value)
    assert info.value.field == "terrain.size_m" and "GiB" in msg and "--allow-large" in msg
    assert "WILDFIRE_GYM_ALLOW_LARGE=1" in msg
    sc = scenario_from_dict(data, allow_large=True)
    est = estimate_resources(sc)
    assert est.cells == 16384**2 and est.memory_bytes > 100 * 2**30
    path = _write(tmp_path / "big.yaml", data)
    line = _one_error_line(runner.invoke(app, ["world", str(path), "--out", str(tmp_path / "o")]))
    assert "terrain.size_m" in line and "--allow-large" in line and not (tmp_path / "o").exists()
    assert runner.invoke(app, ["validate", str(path), "--allow-large"]).exit_code == 0


def test_allow_large_env_var_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    data = dict(TINY, terrain={"size_m": [16384, 16384], "cell_m": 1, "kind": "plane"}, ignitions=[])
    monkeypatch.setenv("WILDFIRE_GYM_ALLOW_LARGE", "1")
    scenario_from_dict(data)
    monkeypatch.setenv("WILDFIRE_GYM_ALLOW_LARGE", "maybe")
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(TINY)
    assert info.value.field == "WILDFIRE_GYM_ALLOW_LARGE"


def test_the_refusal_names_what_dominates(monkeypatch: pytest.MonkeyPatch) -> None:
    import wildfire_gym.limits as limits

    sc = scenario_from_dict(TINY)
    dense = sc.replace(vegetation={"trees_per_ha": 5000},
                       terrain={"size_m": [2000, 2000], "cell_m": 10, "kind": "plane"})
    need = estimate_resources(sc).memory_bytes
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: need + 1)
    assert isinstance(check_resources(sc), ResourceEstimate)
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: need - 1)
    with pytest.raises(ScenarioError) as info:
        check_resources(sc)
    assert info.value.field == "terrain.size_m"
    with pytest.raises(ScenarioError) as info:
        check_resources(sc, frames=10000, frame_size_px=4096)
    assert info.value.field == "--frames"
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: estimate_resources(dense).memory_bytes - 1)
    with pytest.raises(ScenarioError) as info:
        check_resources(dense)
    assert info.value.field == "vegetation.trees_per_ha"
    trees = estimate_resources(dense).trees
    assert estimate_resources(dense, meshes=True).memory_bytes - estimate_resources(dense).memory_bytes == \
        trees * limits.BYTES_PER_TREE_MESH


def test_a_run_of_unbounded_work_is_refused() -> None:
    sched = [{"t_s": float(i + 1), "wind_speed_mps": 3.0 + i % 3} for i in range(20000)]
    data = dict(TINY, duration_s=30000, terrain={"size_m": [15000, 15000], "cell_m": 15, "kind": "plane"},
                vegetation={"trees_per_ha": 0}, weather={"schedule": sched})
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.field == "weather.schedule" and "cell updates" in str(info.value)
    est = estimate_resources(scenario_from_dict(data, allow_large=True))
    assert est.refreshes == 20001 and est.cell_updates == pytest.approx(1000 * 1000 * 20001)
    small = estimate_resources(scenario_from_dict(dict(data, terrain=TINY["terrain"])))
    assert small.cell_updates == pytest.approx(20 * 16 * 20001)


def test_available_memory_follows_meminfo_and_the_address_space_limit() -> None:
    code = ("import resource; from wildfire_gym.limits import available_memory_bytes as a; "
            "resource.setrlimit(resource.RLIMIT_AS, (2**31, resource.RLIM_INFINITY)); print(a())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert 0 < int(out.stdout) < 2**31
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        from wildfire_gym.limits import _meminfo_available

        kb = next(int(ln.split()[1]) for ln in meminfo.read_text().splitlines() if ln.startswith("MemAvailable:"))
        assert _meminfo_available() == pytest.approx(kb * 1024, rel=0.2)


# --------------------------------------------------------------------------- rasters


def _dem(path: Path, z: np.ndarray | None = None, cell: float = 10.0, **kw: object) -> Path:
    z = np.full((40, 50), 300.0, np.float32) if z is None else z
    write_geotiff(path, z, cell, origin_xy=(500000.0, 4100000.0), crs_wkt=kw.pop("crs_wkt", UTM), **kw)
    return path


def _geotiff_scenario(tmp_path: Path, dem: Path, **terrain: object) -> Path:
    return _write(tmp_path / "geo.yaml", dict(TINY, terrain={"kind": "geotiff", "path": dem.name, "cell_m": 10,
                                                             **terrain}, ignitions=[{"x_m": 50, "y_m": 50}]))


def test_a_dem_claiming_60000_squared_pixels_is_refused_before_reading(tmp_path: Path) -> None:
    prof = dict(driver="GTiff", width=60000, height=60000, count=1, dtype="float32", crs=CRS.from_epsg(32610),
                transform=Affine(1, 0, 500000, 0, -1, 4000000), tiled=True, blockxsize=512, blockysize=512,
                compress="deflate", sparse_ok=True)
    dem = tmp_path / "huge.tif"
    with rasterio.open(dem, "w", **prof):
        pass
    assert dem.stat().st_size < 1_000_000
    sc = _geotiff_scenario(tmp_path, dem)
    tracemalloc.start()
    with pytest.raises(ScenarioError) as info:
        load_scenario(sc)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.field == "terrain.path" and f"{MAX_RASTER_PIXELS:,} pixels" in str(info.value)
    assert peak < 50 * 2**20
    with pytest.raises(Exception, match="pixels"):
        read_geotiff(dem)


def test_geotiff_cell_errors_name_cell_m_not_size_m(tmp_path: Path) -> None:
    dem = _dem(tmp_path / "dem.tif")  # 500 x 400 m
    with pytest.raises(ScenarioError) as info:
        load_scenario(_geotiff_scenario(tmp_path, dem, cell_m=0.01))
    assert info.value.field == "terrain.cell_m" and "at most 16384 cells per side" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        load_scenario(_geotiff_scenario(tmp_path, dem, cell_m=1e-300))
    assert info.value.field == "terrain.cell_m"
    with pytest.raises(ScenarioError) as info:
        load_scenario(_geotiff_scenario(tmp_path, dem, cell_m=300))
    assert info.value.field == "terrain.cell_m" and "at least 2 cells" in str(info.value)
    assert load_scenario(_geotiff_scenario(tmp_path, dem)).terrain.kind == "geotiff"


def _bad_dem_not_georeferenced(path: Path) -> None:
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32") as dst:
        dst.write(np.ones((20, 20), np.float32), 1)


def _bad_dem_geographic(path: Path) -> None:
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32",
                       crs=CRS.from_epsg(4326), transform=Affine(0.001, 0, -120, 0, -0.001, 40)) as dst:
        dst.write(np.ones((20, 20), np.float32), 1)


def _bad_dem_truncated(path: Path) -> None:
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=1, dtype="float32",
                       crs=CRS.from_epsg(32610), transform=Affine(10, 0, 500000, 0, -10, 4000000)) as dst:
        dst.write(np.full((200, 200), 300, np.float32), 1)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)


@pytest.mark.parametrize(("make", "words"), [
    (_bad_dem_not_georeferenced, "not georeferenced"),
    (_bad_dem_truncated, "not a readable raster"),
    (lambda p: _dem(p, np.full((40, 50), -9999.0, np.float32), nodata=-9999.0), "nodata"),
    (lambda p: _dem(p, units="furlong"), "unit"),
    (lambda p: _bad_dem_geographic(p), "geographic"),
    (lambda p: p.write_bytes(b"II*\x00" + b"\x00" * 100), "readable"),
])
def test_bad_dems_are_refused_at_validation_naming_terrain_path(tmp_path: Path, make, words: str) -> None:
    dem = tmp_path / "dem.tif"
    make(dem)
    sc = _geotiff_scenario(tmp_path, dem)
    with pytest.raises(ScenarioError) as info:
        load_scenario(sc)
    assert info.value.field == "terrain.path" and words in str(info.value)
    line = _one_error_line(runner.invoke(app, ["validate", str(sc)]))
    assert ": terrain.path: expected" in line


def _fuel(path: Path, codes: np.ndarray, origin=(0.0, 0.0), **kw: object) -> Path:
    write_geotiff(path, codes, 10.0, origin_xy=origin, **kw)
    return path


@pytest.mark.parametrize(("codes", "kw", "words"), [
    (np.full((16, 20), 101.5, np.float32), {}, "integer fuel codes"),
    (np.full((16, 20), 77, np.int16), {}, "known fuel codes (found 77"),
    (np.full((16, 20), -1, np.int16), {"nodata": -1}, "every pixel there is nodata"),
])
def test_bad_fuel_rasters_are_refused_at_validation_naming_fuel_raster(tmp_path: Path, codes, kw, words) -> None:
    fuel = _fuel(tmp_path / "fuel.tif", codes, **kw)
    sc = _write(tmp_path / "f.yaml", dict(TINY, fuel={"raster": fuel.name}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(sc)
    assert info.value.field == "fuel.raster" and words in str(info.value)
    good = _fuel(tmp_path / "good.tif", np.full((16, 20), 102, np.int16))
    assert load_scenario(_write(tmp_path / "g.yaml", dict(TINY, fuel={"raster": good.name}))).fuel.raster


def test_gdal_warnings_about_a_damaged_raster_add_no_lines(tmp_path: Path) -> None:
    fuel = _fuel(tmp_path / "fuel.tif", np.full((64, 64), 5, np.float32))
    fuel.write_bytes(fuel.read_bytes()[: fuel.stat().st_size // 2])  # GDAL warns while reading the tags
    sc = _write(tmp_path / "f.yaml", dict(TINY, fuel={"raster": fuel.name}))
    proc = subprocess.run([sys.executable, "-m", "wildfire_gym.cli", "validate", str(sc)], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert ": fuel.raster: expected a readable GeoTIFF" in lines[0]


def test_an_ensemble_of_replaced_scenarios_reads_the_fuel_raster_once(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import wildfire_gym.io.raster_info as raster_info

    calls = []
    real = raster_info.raster_codes
    monkeypatch.setattr(raster_info, "raster_codes", lambda *a, **k: calls.append(a) or real(*a, **k))
    fuel = _fuel(tmp_path / "ens.tif", np.full((16, 20), 102, np.int16))
    sc = load_scenario(_write(tmp_path / "e.yaml", dict(TINY, fuel={"raster": fuel.name})))
    members = [sc.replace(seed=s) for s in range(5)]
    assert [m.seed for m in members] == list(range(5)) and len(calls) == 1
    fuel.write_bytes(fuel.read_bytes())  # same pixels, a new file version: read again
    os.utime(fuel, ns=(0, 10**9))
    sc.replace(seed=9)
    assert len(calls) == 2


def test_a_huge_custom_fuel_csv_is_refused_before_reading(tmp_path: Path) -> None:
    from wildfire_gym.fuel_models import MAX_CUSTOM_CSV_BYTES

    csv = tmp_path / "models.csv"
    with open(csv, "wb") as fh:
        fh.truncate(MAX_CUSTOM_CSV_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path / "c.yaml", dict(TINY, fuel={"custom_csv": csv.name})))
    assert info.value.field == "fuel.custom_csv" and "at most" in str(info.value)


def test_a_fuel_raster_beside_the_dem_is_refused(tmp_path: Path) -> None:
    dem = _dem(tmp_path / "dem.tif")
    _fuel(tmp_path / "fuel.tif", np.full((16, 20), 102, np.int16), origin=(0.0, 0.0), crs_wkt=UTM)
    sc = _write(tmp_path / "geo.yaml", dict(TINY, terrain={"kind": "geotiff", "path": dem.name, "cell_m": 10},
                                            fuel={"raster": "fuel.tif"}, ignitions=[{"x_m": 50, "y_m": 50}]))
    with pytest.raises(ScenarioError) as info:
        load_scenario(sc)
    assert info.value.field == "fuel.raster" and "overlapping the terrain" in str(info.value)


# --------------------------------------------------------------------------- text and sizes


def test_extreme_extents_and_strips_name_a_scenario_field(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"terrain": {"size_m": [1.0e300, 1.0e300], "cell_m": 1.0e297}})
    assert info.value.field == "terrain.size_m[0]"
    strip = _write(tmp_path / "strip.yaml", dict(TINY, terrain={"size_m": [10, 1500], "cell_m": 10, "kind": "plane"},
                                                 ignitions=[{"x_m": 5, "y_m": 700}]))
    line = _one_error_line(runner.invoke(app, ["world", str(strip), "--out", str(tmp_path / "o")]))
    assert ": terrain.size_m[0]: expected at least 2 cells per side" in line


@pytest.mark.parametrize("shape", [(150, 1), (1, 150), (2, 5000), (16384, 16384), (10, 10), (300, 200)])
def test_animation_frames_stay_small_whatever_the_grid(shape: tuple[int, int]) -> None:
    step, zoom = gif_scale(shape)
    h0, w0 = -(-shape[0] // step), -(-shape[1] // step)
    assert max(h0, w0) * zoom <= GIF_MAX_SIDE_PX
    # as wide as asked, unless one more zoom step would break the bound on the longer side
    assert w0 * zoom >= GIF_MIN_WIDTH_PX or (zoom + 1) * max(h0, w0) > GIF_MAX_SIDE_PX
    assert zoom == 1 or w0 * (zoom - 1) < GIF_MIN_WIDTH_PX


def test_names_are_never_mathtext_and_long_names_are_shortened(tmp_path: Path) -> None:
    for name in ("a $\\frac{ b $x^", "n" * 5_000_000):
        sc = _write(tmp_path / "n.yaml", dict(TINY, name=name))
        result = runner.invoke(app, ["world", str(sc), "--out", str(tmp_path / "w"), "--no-meshes"])
        assert result.exit_code == 0, result.output[-500:]
        assert (tmp_path / "w" / "preview.png").stat().st_size > 1000
        assert max(len(ln) for ln in result.stdout.splitlines()) < 400


# --------------------------------------------------------------------------- flags, environment, folders


@pytest.mark.parametrize(("var", "value", "command"), [
    ("WILDFIRE_GYM_ARCH", "bogus", "simulate"), ("WILDFIRE_GYM_THREADS", "many", "simulate"),
    ("WILDFIRE_GYM_THREADS", "0", "world"), ("WILDFIRE_GYM_ALLOW_LARGE", "perhaps", "validate"),
    ("WILDFIRE_GYM_ASSETS", "/no/such/folder", "validate"), ("PYOPENGL_PLATFORM", "bogus", "render"),
])
def test_every_environment_variable_is_validated_like_a_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              var: str, value: str, command: str) -> None:
    from wildfire_gym._assets import assets_dir

    assets_dir.cache_clear()
    monkeypatch.setenv(var, value)
    sc = _write(tmp_path / "t.yaml", TINY)
    args = [command, str(sc)] + ([] if command == "validate" else ["--out", str(tmp_path / "o")])
    line = _one_error_line(runner.invoke(app, args))
    assert line.startswith(f"error: {var}: expected ") and repr(value) in line
    assert not (tmp_path / "o").exists()
    monkeypatch.delenv(var)
    assets_dir.cache_clear()


def test_every_environment_variable_read_is_one_the_package_validates() -> None:
    import re

    from wildfire_gym import _env

    known = {getattr(_env, n) for n in dir(_env) if n.endswith("_ENV_VAR")}
    root = Path(__file__).resolve().parents[1] / "wildfire_gym"
    read = set()
    for path in root.rglob("*.py"):
        for m in re.finditer(r"(?:environ\.get|getenv|environ\[)\(?\s*[\"']([A-Z_]+)[\"']", path.read_text()):
            read.add(m.group(1))
    read |= {getattr(_env, n) for n in dir(_env) if n.endswith("_ENV_VAR")}
    assert read - {"TI_SKIP_VERSION_CHECK"} <= known


def test_arch_is_checked_and_the_summary_records_what_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wildfire_gym._taichi as T

    monkeypatch.setattr(T, "cuda_available", lambda: False)
    with pytest.raises(ScenarioError) as info:
        T._resolve_arch("cuda")
    assert info.value.field == "arch" and "no CUDA device" in str(info.value)
    monkeypatch.setenv("WILDFIRE_GYM_ARCH", "cuda")
    with pytest.raises(ScenarioError) as info:
        T._resolve_arch(None)
    assert info.value.field == "WILDFIRE_GYM_ARCH"
    monkeypatch.delenv("WILDFIRE_GYM_ARCH")
    sc = _write(tmp_path / "t.yaml", TINY)
    line = _one_error_line(runner.invoke(app, ["simulate", str(sc), "--out", str(tmp_path / "o"), "--arch", "cuda"]))
    assert line.startswith("error: --arch: expected") and "no CUDA device" in line
    assert not (tmp_path / "o").exists()
    result = runner.invoke(app, ["simulate", str(sc), "--out", str(tmp_path / "o"), "--arch", "cpu", "--no-animation"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["arch"] == T.current_arch() == "cpu"


def test_output_folder_is_checked_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wildfire_gym.world as world

    def no_build(*_a: object, **_k: object) -> None:
        raise AssertionError("the world was built before --out was checked")

    monkeypatch.setattr(world, "build_world", no_build)
    sc = _write(tmp_path / "t.yaml", TINY)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    line = _one_error_line(runner.invoke(app, ["simulate", str(sc), "--out", ""]))
    assert line.startswith("error: --out: expected a folder path")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written into the current folder
    (tmp_path / "afile").write_text("x")
    for out in ("afile", "afile/sub"):
        line = _one_error_line(runner.invoke(app, ["world", str(sc), "--out", out]))
        assert line.startswith("error: --out: expected a folder")
    long_out = str(tmp_path / ("y" * 5000))
    line = _one_error_line(runner.invoke(app, ["simulate", str(sc), "--out", long_out]))
    assert line.startswith("error: --out: expected a folder that can be created") and "..." in line


def test_a_long_scenario_path_is_blamed_on_the_scenario_in_a_short_line(tmp_path: Path) -> None:
    line = _one_error_line(runner.invoke(app, ["world", "x" * 5000, "--out", str(tmp_path / "o")]))
    assert line.startswith("error: <scenario>: expected") and len(line) < 300


def test_temporary_files_of_a_killed_run_are_removed_by_the_rerun(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [out / f".fields.npz.{dead.pid}.abcd_123.npz.tmp", out / ".summary.json.k2j4h5g6.json.tmp"]
    alive = out / f".fields.npz.{os.getpid()}.zzzz9999.npz.tmp"  # a live writer's file stays
    for p in stale + [alive]:
        p.write_bytes(b"partial")
    keep = out / "notes.tmp"
    keep.write_text("mine")
    assert sorted(remove_stale_temp_files(out)) == sorted(stale)
    assert alive.exists() and keep.exists()
    alive.unlink()
    stale[0].write_bytes(b"partial")
    sc = _write(tmp_path / "t.yaml", TINY)
    result = runner.invoke(app, ["world", str(sc), "--out", str(out), "--no-meshes"])
    assert result.exit_code == 0, result.output
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") and p.name != "notes.tmp"]
    atomic_write_text(out / "x.txt", "ok")  # the writer's own temporary name matches the cleaner's pattern
    assert (out / "x.txt").read_text() == "ok"


def test_progress_bar_only_on_a_terminal_and_ends_with_a_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    import wildfire_gym.cli as cli

    log = io.StringIO()
    bar = Progress("simulate", 100.0, lambda t: f"t = {t:.0f} s", stream=log)  # not a TTY: nothing
    bar.update(50)
    bar.close(100)
    assert log.getvalue() == ""
    monkeypatch.setattr(cli, "PROGRESS_DELAY_S", 0.0)
    monkeypatch.setattr(cli, "PROGRESS_INTERVAL_S", 0.0)
    tty = io.StringIO()
    bar = Progress("simulate", 100.0, lambda t: f"t = {t:.0f} s", enabled=True, stream=tty)
    bar.update(25)
    bar.update(50)
    bar.close(100)
    text = tty.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and "100%" in text and " 50%" in text
    assert "ETA" in text


# --------------------------------------------------------------------------- costs linear in list lengths


def test_validation_resolves_type_hints_once_per_class_not_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = _config.get_type_hints
    monkeypatch.setattr(_config, "get_type_hints", lambda cls: calls.append(cls) or real(cls))
    _config._fields_of.cache_clear()
    ign = [{"x_m": 10.0 + i % 150, "y_m": 10.0 + i % 130, "t_s": 0.0} for i in range(2000)]
    scenario_from_dict(dict(TINY, ignitions=ign))
    assert 0 < len(calls) <= 15  # one per dataclass, whatever the number of ignitions
    _config._fields_of.cache_clear()


def test_dem_header_is_read_a_fixed_number_of_times_for_many_ignitions(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import wildfire_gym.io.raster_info as raster_info

    dem = _dem(tmp_path / "dem.tif")
    calls = []
    real = raster_info.read_raster_header
    monkeypatch.setattr(raster_info, "read_raster_header", lambda *a, **k: calls.append(a) or real(*a, **k))
    ign = [{"x_m": 10.0 + i % 400, "y_m": 10.0 + i % 300} for i in range(500)]
    sc = _write(tmp_path / "geo.yaml", dict(TINY, terrain={"kind": "geotiff", "path": dem.name, "cell_m": 10},
                                            ignitions=ign))
    load_scenario(sc)
    assert 1 <= len(calls) <= 3


def test_import_circle_is_gone() -> None:
    code = ("import sys, wildfire_gym.fuel_models, wildfire_gym.io.raster_info, wildfire_gym.limits; "
            "assert 'wildfire_gym.scenario' not in sys.modules, 'fuel_models imports scenario'; "
            "import wildfire_gym.scenario as s; s.load_scenario('default'); "
            "assert not [m for m in sys.modules if m.startswith('wildfire_gym.world')], 'scenario imports world'")
    subprocess.run([sys.executable, "-c", code], check=True,
                   env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
