"""Real-place import: reprojection onto one grid, cell for cell; named errors for bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from affine import Affine
from rasterio.warp import transform, transform_bounds
from typer.testing import CliRunner

from wildfire_gym._assets import assets_dir
from wildfire_gym.cli import app
from wildfire_gym.errors import RasterError, ScenarioError
from wildfire_gym.world.place import footprint_rectangle, load_place

UTM, ALBERS = "EPSG:32611", "EPSG:5070"
W0, S0 = 300_000.0, 4_100_000.0  # grid south-west corner (UTM 11N)
NX, NY, CELL = 60, 40, 10.0


def _z(e, n):
    """The DEM's surface, linear in the grid's own coordinates (bilinear resampling is exact for it)."""
    return 500.0 + 0.05 * (np.asarray(e) - W0) + 0.03 * (np.asarray(n) - S0)


def _write(path, data, crs, tf, nodata=None):
    prof = {"driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1, "dtype": data.dtype.name,
            "crs": crs, "transform": tf, "nodata": nodata}
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(data, 1)


def _albers_grid(pixel, margin=150.0):
    w, s, e, n = transform_bounds(UTM, ALBERS, W0 - margin, S0 - margin, W0 + NX * CELL + margin,
                                  S0 + NY * CELL + margin)
    x0, y1 = math.floor(w / pixel) * pixel, math.ceil(n / pixel) * pixel
    nx, ny = int(math.ceil((e - x0) / pixel)), int(math.ceil((y1 - s) / pixel))
    return Affine(pixel, 0, x0, 0, -pixel, y1), nx, ny


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    d = tmp_path_factory.mktemp("place")
    # DEM in Albers at 25 m, fuel in Albers at 30 m (another grid), houses in lon/lat, trees in Albers.
    tf, nx, ny = _albers_grid(25.0)
    cx = tf.c + (np.arange(nx) + 0.5) * 25.0
    cy = tf.f - (np.arange(ny) + 0.5) * 25.0
    gx, gy = np.meshgrid(cx, cy)
    ue, un = transform(ALBERS, UTM, gx.ravel().tolist(), gy.ravel().tolist())
    _write(d / "dem.tif", _z(ue, un).reshape(gx.shape).astype(np.float64), ALBERS, tf)
    ftf, fnx, fny = _albers_grid(30.0)
    rng = np.random.default_rng(0)
    fuel = rng.choice(np.array([98, 102, 145, 165, 188], np.int16), size=(fny, fnx))
    _write(d / "fuel.tif", fuel, ALBERS, ftf, -9999)
    # One house: 16 x 9 m, long axis at compass 60 degrees, centred at (W0 + 300, S0 + 200).
    c = np.array([W0 + 300.0, S0 + 200.0])
    yaw = math.radians(60.0)
    a, b = np.array([math.sin(yaw), math.cos(yaw)]), np.array([-math.cos(yaw), math.sin(yaw)])
    corners = [c + sa * 8.0 * a + sb * 4.5 * b for sa, sb in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    lon, lat = transform(UTM, "EPSG:4326", [p[0] for p in corners], [p[1] for p in corners])
    ring = [[x, y] for x, y in zip(lon, lat)]
    (d / "houses.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}]}))
    te, tn = [W0 + 100.0, W0 + 450.5], [S0 + 50.0, S0 + 333.3]
    ax, ay = transform(UTM, ALBERS, te, tn)
    (d / "trees.csv").write_text("x,y,species,height_m,crown_base_m,crown_diameter_m\n"
                                 f"{ax[0]:.4f},{ay[0]:.4f},pine,15,5,4\n{ax[1]:.4f},{ay[1]:.4f},oak,10,2,5\n")
    cfg = {"name": "aligned", "dem": "dem.tif", "fuel": "fuel.tif", "crs": UTM, "cell_m": CELL,
           "bounds": [W0, S0, W0 + NX * CELL, S0 + NY * CELL], "trees": "trees.csv", "trees_crs": ALBERS,
           "houses": "houses.geojson", "run": {"duration_s": 600, "weather": {"wind_speed_mps": 4}}}
    (d / "place.yaml").write_text(yaml.safe_dump(cfg))
    return d, fuel, ftf, (te, tn)


def test_reprojected_rasters_line_up_cell_for_cell(place):
    d, fuel, ftf, _ = place
    land = load_place(d / "place.yaml")
    assert land.shape == (NY, NX) and land.cell_m == CELL and land.origin_xy == (W0, S0)
    assert "32611" in land.crs_wkt or "UTM zone 11N" in land.crs_wkt
    e = W0 + (np.arange(NX) + 0.5) * CELL
    n = S0 + (np.arange(NY) + 0.5) * CELL  # row 0 south
    ge, gn = np.meshgrid(e, n)
    np.testing.assert_allclose(land.elevation_m, _z(ge, gn), atol=0.02)  # a plane survives bilinear warping
    # Fuel: each cell holds the Albers pixel its own centre falls in.
    ax, ay = transform(UTM, ALBERS, ge.ravel().tolist(), gn.ravel().tolist())
    colf = (np.asarray(ax) - ftf.c) / ftf.a
    rowf = (np.asarray(ay) - ftf.f) / ftf.e
    expected = fuel[np.floor(rowf).astype(int), np.floor(colf).astype(int)].reshape(ge.shape)
    clear = ((np.abs(colf - np.round(colf)) > 1e-6) & (np.abs(rowf - np.round(rowf)) > 1e-6)).reshape(ge.shape)
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(land.fuel_code[clear], expected[clear])
    assert land.slope_deg.max() == pytest.approx(math.degrees(math.atan(math.hypot(0.05, 0.03))), abs=0.05)


def test_houses_and_trees_land_where_they_stand(place):
    d, _, _, (te, tn) = place
    land = load_place(d / "place.yaml")
    st = land.structures
    assert len(st) == 1
    assert (float(st.x_m[0]), float(st.y_m[0])) == pytest.approx((300.0, 200.0), abs=0.05)
    assert (float(st.length_m[0]), float(st.width_m[0])) == pytest.approx((16.0, 9.0), abs=0.05)
    assert float(st.yaw_deg[0]) == pytest.approx(60.0, abs=0.1)
    t = land.trees
    np.testing.assert_allclose(t.x_m, np.array(te) - W0, atol=0.01)
    np.testing.assert_allclose(t.y_m, np.array(tn) - S0, atol=0.01)
    assert t.species_names == ("oak", "pine") and list(t.crown_radius_m) == [2.0, 2.5]
    assert (t.foliage_kg > 0).all()
    assert land.scenario.weather.wind_speed_mps == 4.0 and land.scenario.duration_s == 600.0


def test_footprint_rectangle_of_a_rotated_box():
    yaw = math.radians(130.0)
    a, b = np.array([math.sin(yaw), math.cos(yaw)]), np.array([-math.cos(yaw), math.sin(yaw)])
    pts = np.array([[5.0, 7.0] + sa * 10 * a + sb * 3 * b for sa, sb in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
    assert footprint_rectangle(pts) == pytest.approx((5.0, 7.0, 20.0, 6.0, 130.0), abs=1e-9)


def _variant(d: Path, tmp_path: Path, **change) -> Path:
    cfg = yaml.safe_load((d / "place.yaml").read_text())
    cfg.update(change)
    for k in ("dem", "fuel", "trees", "houses"):
        if isinstance(cfg.get(k), str) and not Path(cfg[k]).is_absolute():
            cfg[k] = str(d / cfg[k])
    p = tmp_path / "place.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return p


def test_unknown_fuel_number_names_the_file(place, tmp_path):
    d, fuel, ftf, _ = place
    bad = fuel.copy()
    bad[bad.shape[0] // 2, :] = 150
    _write(tmp_path / "bad_fuel.tif", bad, ALBERS, ftf, -9999)
    with pytest.raises(RasterError, match=r"bad_fuel\.tif: unknown fuel number 150; expected LANDFIRE FBFM40"):
        load_place(_variant(d, tmp_path, fuel=str(tmp_path / "bad_fuel.tif")))


def test_bad_rasters_and_lists(place, tmp_path):
    d, _, _, _ = place
    with pytest.raises(RasterError, match="not a file; expected the place's DEM GeoTIFF"):
        load_place(_variant(d, tmp_path, dem=str(tmp_path / "missing.tif")))
    nocrs = tmp_path / "nocrs.tif"
    _write(nocrs, np.zeros((5, 5), np.float32), None, Affine(30, 0, 0, 0, -30, 150))
    with pytest.raises(RasterError, match="has no CRS"):
        load_place(_variant(d, tmp_path, dem=str(nocrs)))
    (tmp_path / "t.csv").write_text("x,y,species,height_m,crown_base_m\n1,2,pine,10,2\n")
    with pytest.raises(ScenarioError) as exc:
        load_place(_variant(d, tmp_path, trees=str(tmp_path / "t.csv")))
    assert exc.value.field == "trees.crown_diameter_m"
    (tmp_path / "t2.csv").write_text("x,y,species,height_m,crown_base_m,crown_diameter_m\n1,2,pine,tall,2,3\n")
    with pytest.raises(ScenarioError) as exc:
        load_place(_variant(d, tmp_path, trees=str(tmp_path / "t2.csv")))
    assert exc.value.field == "trees[0].height_m" and exc.value.source.endswith("t2.csv")
    with pytest.raises(ScenarioError) as exc:
        load_place(_variant(d, tmp_path, cell_m=-5))
    assert exc.value.field == "cell_m"
    with pytest.raises(ScenarioError) as exc:
        load_place(_variant(d, tmp_path, run={"weather": {"wind_speed_mps": 99}}))
    assert exc.value.field == "run.weather.wind_speed_mps"


def test_whatif_on_a_bad_place_is_one_line(place, tmp_path):
    d, _, _, _ = place
    p = _variant(d, tmp_path, houses_crs="EPSG:nonsense")
    wi = tmp_path / "wi.yaml"
    wi.write_text(yaml.safe_dump({"place": str(p), "ignitions": {"points": [{"x_m": 50, "y_m": 50}]},
                                  "variants": [{"name": "a"}]}))
    res = CliRunner().invoke(app, ["whatif", str(wi), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0 and "houses_crs: expected a CRS" in res.output


def test_shipped_demo_valley():
    land = load_place(assets_dir() / "places" / "demo-valley" / "place.yaml")
    assert land.shape == (150, 210)
    assert set(np.unique(land.fuel_code)) <= {98, 102, 145, 165, 188}
    assert len(land.structures) == 10 and len(land.trees) > 1000
    assert 500 < land.elevation_m.min() < land.elevation_m.max() < 900
    with rasterio.open(assets_dir() / "places" / "demo-valley" / "fuel.tif") as src:
        assert src.crs.to_epsg() == 5070 and src.res == (30.0, 30.0)


def test_whatif_on_the_demo_valley(tmp_path):
    from wildfire_gym.whatif import load_whatif, run_whatif

    wi = load_whatif(assets_dir() / "whatif" / "demo-valley.yaml")
    import dataclasses

    wi = dataclasses.replace(wi, duration_s=900.0, ensemble=dataclasses.replace(wi.ensemble, members=2))
    res = run_whatif(wi, arch="cpu")
    assert [r.variant.name for r in res.variants] == ["untreated", "fuel break", "defensible space"]
    assert res.variants[0].landscape is res.base  # untreated shares the base world
    for r in res.variants:
        bp = r.acc.burn_probability()
        assert 0 < bp.max() <= 1 and bp.min() >= 0
    brk = res.variants[1].landscape
    assert (brk.fuel_code == 99).sum() > (res.base.fuel_code == 99).sum()


def test_landfire_canopy_rasters_are_scaled_and_aligned(place, tmp_path):
    d, _, _, _ = place
    tf, nx, ny = _albers_grid(30.0)
    cx = tf.c + (np.arange(nx) + 0.5) * 30.0
    cy = tf.f - (np.arange(ny) + 0.5) * 30.0
    gx, gy = np.meshgrid(cx, cy)
    ue, un = transform(ALBERS, UTM, gx.ravel().tolist(), gy.ravel().tolist())
    ch = (150.0 + 0.1 * (np.asarray(ue) - W0)).reshape(gx.shape)  # m x 10, linear in the grid's x
    for name, arr in (("cc", np.full(gx.shape, 50.0)), ("ch", ch), ("cbh", np.full(gx.shape, 40.0)),
                      ("cbd", np.full(gx.shape, 12.0))):
        _write(tmp_path / f"{name}.tif", arr.astype(np.float32), ALBERS, tf, -9999.0)
    canopy = {"cover": str(tmp_path / "cc.tif"), "height": str(tmp_path / "ch.tif"),
              "base_height": str(tmp_path / "cbh.tif"), "bulk_density": str(tmp_path / "cbd.tif")}
    land = load_place(_variant(d, tmp_path, canopy=canopy))
    c = land.canopy
    np.testing.assert_allclose(c.cover, 0.5, atol=1e-6)
    np.testing.assert_allclose(c.base_height_m, 4.0, atol=1e-5)
    np.testing.assert_allclose(c.bulk_density_kg_m3, 0.12, atol=1e-6)
    e = W0 + (np.arange(NX) + 0.5) * CELL
    np.testing.assert_allclose(c.height_m, np.broadcast_to(15.0 + 0.01 * (e - W0), (NY, NX)), atol=1e-3)
    with pytest.raises(ScenarioError) as exc:
        load_place(_variant(d, tmp_path, canopy={"cover": canopy["cover"]}))
    assert exc.value.field == "canopy.height"
