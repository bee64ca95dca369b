"""Fuel-code rasters: uniform, patchy (exact area fractions, seeded), from GeoTIFF (row 0 south)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest
import rasterio
from affine import Affine

from wildfire_gym.errors import RasterError, ScenarioError
from wildfire_gym.io.geotiff import write_geotiff
from wildfire_gym.scenario import CustomFuelModel, FuelConfig
from wildfire_gym.world.fuels import (
    NODATA_FUEL_CODE,
    fuel_code_raster,
    fuel_models_for,
    patch_counts,
    smooth_noise,
)

CUSTOM = CustomFuelModel(code="MYSHRUB", number=150, load_1h_kg_m2=0.4, load_live_woody_kg_m2=0.8, depth_m=1.2)


def boundary_fraction(codes: np.ndarray) -> float:
    """Fraction of 4-neighbour cell pairs whose codes differ."""
    dx = codes[:, 1:] != codes[:, :-1]
    dy = codes[1:, :] != codes[:-1, :]
    return float((dx.sum() + dy.sum()) / (dx.size + dy.size))


def test_uniform() -> None:
    out = fuel_code_raster(FuelConfig(model="GR2"), (40, 60), 10.0, seed=3)
    assert out.dtype == np.int16 and out.shape == (40, 60)
    assert np.all(out == 102)
    assert np.all(fuel_code_raster(FuelConfig(model="FM13"), (5, 5), 30.0, 0) == 13)
    assert np.all(fuel_code_raster(FuelConfig(model="NB8"), (5, 5), 30.0, 0) == 98)


def test_uniform_custom_code() -> None:
    cfg = FuelConfig(model="MYSHRUB", custom_models=[CUSTOM])
    out = fuel_code_raster(cfg, (8, 9), 10.0, 1)
    assert np.all(out == 150)
    models = fuel_models_for(out, cfg.custom_models)
    assert list(models) == [150] and models[150].depth_m == 1.2 and models[150].burnable


@pytest.mark.parametrize(
    ("cfg", "field"),
    [
        (FuelConfig(model="GR99"), "fuel.model"),
        (FuelConfig(model="GR2", patches={"GR2": 0.5, "XX1": 0.5}), "fuel.patches.XX1"),
        (FuelConfig(model="MYSHRUB"), "fuel.model"),  # custom code without its definition
    ],
)
def test_unknown_codes_raise_named_error(cfg: FuelConfig, field: str) -> None:
    with pytest.raises(ScenarioError) as err:
        fuel_code_raster(cfg, (10, 10), 10.0, 0)
    assert err.value.field == field


def test_patch_counts_exact() -> None:
    counts = patch_counts([0.55, 0.25, 0.15, 0.05], 22_501)
    assert counts.sum() == 22_501
    np.testing.assert_allclose(counts, np.array([0.55, 0.25, 0.15, 0.05]) * 22_501, atol=1.0)
    # fractions are normalised by their sum
    np.testing.assert_array_equal(patch_counts([2.0, 2.0], 10), [5, 5])
    np.testing.assert_array_equal(patch_counts([1.0, 1.0, 1.0], 10), [4, 3, 3])
    np.testing.assert_array_equal(patch_counts([0.3, 0.0, 0.7], 7), [2, 0, 5])


def test_patchy_area_fractions_exact() -> None:
    fractions = {"GR2": 0.55, "TU5": 0.25, "SH5": 0.15, "NB9": 0.05}
    cfg = FuelConfig(model="GR2", patches=fractions, patch_scale_m=200.0)
    shape = (150, 170)
    out = fuel_code_raster(cfg, shape, 10.0, seed=7)
    n = out.size
    numbers = {"GR2": 102, "TU5": 165, "SH5": 145, "NB9": 99}
    got = {code: int((out == num).sum()) for code, num in numbers.items()}
    assert sum(got.values()) == n
    for code, frac in fractions.items():
        assert got[code] == pytest.approx(frac * n, abs=1.0), code
    np.testing.assert_array_equal(list(got.values()), patch_counts(fractions.values(), n))
    # each code has its own field: the rarest (NB9) touches the matrix (GR2) directly,
    # rather than sitting inside nested bands of one field
    nb9, gr2 = out == 99, out == 102
    touching = (nb9[:, 1:] & gr2[:, :-1]).sum() + (nb9[:, :-1] & gr2[:, 1:]).sum()
    assert touching > 0


def test_patchy_with_custom_and_zero_fraction() -> None:
    cfg = FuelConfig(model="GR2", patches={"MYSHRUB": 0.3, "GR2": 0.7, "TL8": 0.0}, custom_models=[CUSTOM])
    out = fuel_code_raster(cfg, (50, 50), 10.0, seed=1)
    assert int((out == 150).sum()) == 750 and int((out == 102).sum()) == 1750
    assert not np.any(out == 188)
    assert set(fuel_models_for(out, [CUSTOM])) == {102, 150}


def test_patchy_deterministic_by_seed() -> None:
    cfg = FuelConfig(model="GR2", patches={"GR2": 0.5, "SH5": 0.3, "TL8": 0.2}, patch_scale_m=150.0)
    a = fuel_code_raster(cfg, (64, 80), 10.0, seed=11)
    b = fuel_code_raster(cfg, (64, 80), 10.0, seed=11)
    c = fuel_code_raster(cfg, (64, 80), 10.0, seed=12)
    assert a.tobytes() == b.tobytes()
    assert (a != c).mean() > 0.2


def test_patch_scale_controls_patch_size() -> None:
    shape, cell = (200, 200), 10.0
    fine = FuelConfig(model="GR2", patches={"GR2": 0.5, "SH5": 0.5}, patch_scale_m=50.0)
    coarse = FuelConfig(model="GR2", patches={"GR2": 0.5, "SH5": 0.5}, patch_scale_m=400.0)
    b_fine = np.mean([boundary_fraction(fuel_code_raster(fine, shape, cell, s)) for s in range(3)])
    b_coarse = np.mean([boundary_fraction(fuel_code_raster(coarse, shape, cell, s)) for s in range(3)])
    # Independent random cells would give 0.5; smooth patches give far fewer boundaries,
    # roughly in inverse proportion to the patch scale.
    assert b_fine < 0.2
    assert b_coarse < 0.04
    assert 3.0 < b_fine / b_coarse < 20.0


def test_smooth_noise_shape_and_smoothness() -> None:
    rng = np.random.default_rng(0)
    f = smooth_noise((120, 90), 10.0, 300.0, rng)
    assert f.shape == (120, 90) and np.isfinite(f).all() and f.std() > 0
    # neighbouring cells are strongly correlated at a 300 m scale on 10 m cells
    r = np.corrcoef(f[:, 1:].ravel(), f[:, :-1].ravel())[0, 1]
    assert 0.95 < r <= 1.0


@pytest.mark.parametrize("name", ["default", "chaparral-canyon", "pine-ridge", "flat-grass"])
def test_builtin_scenarios(name: str) -> None:
    from wildfire_gym.scenario import load_scenario

    sc = load_scenario(name)
    out = fuel_code_raster(sc.fuel, sc.terrain.shape, sc.terrain.cell_m, seed=sc.seed)
    assert out.shape == sc.terrain.shape
    models = fuel_models_for(out, sc.fuel.custom_models)
    fractions = sc.fuel.patches or {sc.fuel.model: 1.0}
    total = sum(fractions.values())
    for code, frac in fractions.items():
        number = next(n for n, m in models.items() if m.code == code)
        assert (out == number).sum() == pytest.approx(frac / total * out.size, abs=1.0)


# --- GeoTIFF ---------------------------------------------------------------------------------------

def test_raster_round_trip_is_south_up(tmp_path) -> None:
    codes = np.full((30, 40), 1, np.int16)
    codes[0, :] = 102  # southernmost row
    codes[:, 0] = 165  # westernmost column
    codes[29, 39] = 188  # north-east corner
    path = write_geotiff(tmp_path / "fuel.tif", codes, 10.0, origin_xy=(500_000.0, 4_100_000.0),
                         crs_wkt=rasterio.crs.CRS.from_epsg(32611).to_wkt(), dtype="int16")
    out = fuel_code_raster(FuelConfig(raster=str(path)), (30, 40), 10.0, seed=0)
    np.testing.assert_array_equal(out, codes)
    assert out.dtype == np.int16


def test_raster_written_north_up_by_rasterio(tmp_path) -> None:
    """Independent of the package writer: the file's first (northern) row ends up as row -1."""
    north_up = np.full((4, 5), 8, np.uint8)
    north_up[0, :] = 9  # northern edge
    path = tmp_path / "nu.tif"
    with rasterio.open(path, "w", driver="GTiff", height=4, width=5, count=1, dtype="uint8",
                       transform=Affine(20.0, 0, 1000.0, 0, -20.0, 2000.0)) as dst:
        dst.write(north_up, 1)
    out = fuel_code_raster(FuelConfig(raster=str(path)), (8, 10), 10.0, seed=0)  # 20 m pixels -> 10 m cells
    expected = np.kron(north_up[::-1], np.ones((2, 2), np.uint8)).astype(np.int16)
    np.testing.assert_array_equal(out, expected)


def test_raster_nodata_and_outside_become_nb9(tmp_path, caplog) -> None:
    codes = np.full((10, 10), 101, np.int16)
    codes[2, 3] = -1
    path = write_geotiff(tmp_path / "nd.tif", codes, 10.0, nodata=-1, dtype="int16")
    with caplog.at_level(logging.WARNING, logger="wildfire_gym.world.fuels"):
        out = fuel_code_raster(FuelConfig(raster=str(path)), (12, 10), 10.0, seed=0)
    assert out[2, 3] == NODATA_FUEL_CODE == 99
    assert np.all(out[10:, :] == 99)  # two rows north of the raster
    assert int((out == 101).sum()) == 99
    assert "21 of 120 cells" in caplog.text


def test_raster_origin_selects_window(tmp_path) -> None:
    codes = (np.arange(100).reshape(10, 10) % 13 + 1).astype(np.int16)
    path = write_geotiff(tmp_path / "w.tif", codes, 10.0, origin_xy=(0.0, 0.0), dtype="int16")
    out = fuel_code_raster(FuelConfig(raster=str(path)), (4, 5), 10.0, 0, origin_xy=(30.0, 20.0))
    np.testing.assert_array_equal(out, codes[2:6, 3:8])


def test_raster_unknown_code_names_file_and_codes(tmp_path) -> None:
    codes = np.full((6, 6), 102, np.int16)
    codes[1, 1] = 77
    path = write_geotiff(tmp_path / "bad_codes.tif", codes, 10.0, dtype="int16")
    with pytest.raises(RasterError) as err:
        fuel_code_raster(FuelConfig(raster=str(path)), (6, 6), 10.0, 0)
    msg = str(err.value)
    assert "bad_codes.tif" in msg and "unknown fuel code 77" in msg
    assert "allowed codes" in msg and "102 (GR2)" in msg and "99 (NB9)" in msg
    # the same number is fine once a custom model claims it
    custom = CustomFuelModel(code="SEVENTYSEVEN", number=77, load_1h_kg_m2=0.5)
    out = fuel_code_raster(FuelConfig(raster=str(path), custom_models=[custom]), (6, 6), 10.0, 0)
    assert out[1, 1] == 77


def test_raster_float_codes_and_no_overlap(tmp_path) -> None:
    codes = np.full((5, 5), 1.0, np.float32)
    codes[0, 0] = 1.5
    path = write_geotiff(tmp_path / "f.tif", codes, 10.0)
    with pytest.raises(RasterError, match="integers"):
        fuel_code_raster(FuelConfig(raster=str(path)), (5, 5), 10.0, 0)
    ok = write_geotiff(tmp_path / "ok.tif", np.full((5, 5), 3.0, np.float32), 10.0)
    assert np.all(fuel_code_raster(FuelConfig(raster=str(ok)), (5, 5), 10.0, 0) == 3)
    with pytest.raises(RasterError, match="does not overlap"):
        fuel_code_raster(FuelConfig(raster=str(ok)), (5, 5), 10.0, 0, origin_xy=(1e4, 1e4))
    with pytest.raises(RasterError, match="no such file"):
        fuel_code_raster(FuelConfig(raster=str(tmp_path / "missing.tif")), (5, 5), 10.0, 0)


def test_custom_reader_is_used(tmp_path) -> None:
    path = tmp_path / "any.tif"
    path.write_bytes(b"not read by the fake reader")
    data = np.array([[1, 2], [3, 4]], np.int16)  # north-up: [1, 2] is the northern row
    fake = SimpleNamespace(data=data, transform=(10.0, 0.0, 0.0, 0.0, -10.0, 20.0), crs_wkt=None, nodata=4)
    out = fuel_code_raster(FuelConfig(raster=str(path)), (2, 2), 10.0, 0, geotiff_reader=lambda p: fake)
    np.testing.assert_array_equal(out, [[3, 99], [1, 2]])


def test_fuel_models_for_unknown_raises() -> None:
    codes = np.array([[1, 102], [99, 102]], np.int16)
    models = fuel_models_for(codes)
    assert sorted(models) == [1, 99, 102]
    assert models[102].code == "GR2" and not models[99].burnable
    with pytest.raises(RasterError, match="unknown fuel codes"):
        fuel_models_for(np.array([[1, 250]], np.int16))
