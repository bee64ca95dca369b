"""GeoTIFF I/O, resampling to the package grid, and atomic writes."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning

from wildfire_gym.errors import RasterError
from wildfire_gym.io.atomic import (
    atomic_path,
    atomic_save_npz,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
)
from wildfire_gym.io.geotiff import GeoRaster, read_geotiff, resample_to_grid, write_geotiff

UTM10N = CRS.from_epsg(32610).to_wkt()
US_FT = 1200.0 / 3937.0  # metres per US survey foot


def _plane(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """An inclined plane in metres (x east, y north in metres)."""
    return 700.0 + 0.12 * x - 0.05 * y


def _write_raw(path: Path, data_north_up: np.ndarray, transform: Affine, crs: CRS | None,
               nodata: float | None = None) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=data_north_up.shape[0], width=data_north_up.shape[1],
                       count=1, dtype=data_north_up.dtype.name, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(data_north_up, 1)


# ------------------------------------------------------------------ atomic writes

def test_atomic_helpers_write_and_replace(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    text = tmp_path / "t.txt"
    atomic_write_text(text, "héllo\nworld\n")
    assert text.read_text(encoding="utf-8") == "héllo\nworld\n"
    npz = tmp_path / "r.npz"
    atomic_save_npz(npz, elevation=np.arange(6, dtype=np.float32).reshape(2, 3), code=np.array([1, 2], np.int16))
    with np.load(npz) as data:
        np.testing.assert_array_equal(data["elevation"], np.arange(6, dtype=np.float32).reshape(2, 3))
        assert data["code"].dtype == np.int16
    first = npz.read_bytes()
    atomic_save_npz(npz, elevation=np.arange(6, dtype=np.float32).reshape(2, 3), code=np.array([1, 2], np.int16))
    assert npz.read_bytes() == first  # same arrays, same bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "r.npz", "t.txt"]


def test_atomic_write_leaves_no_temp_file_after_error(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("original")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target, "w") as fh:
            fh.write("half-written")
            raise RuntimeError("boom")
    assert target.read_text() == "original"
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(tmp_path / "new.tif") as tmp:
            tmp.write_bytes(b"partial")
            raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_atomic_write_refuses_bad_mode_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_bytes(tmp_path / "missing" / "x", b"")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ round trips

@pytest.mark.parametrize("dtype, nodata", [("float32", -9999.0), ("int16", -1), ("uint8", 255)])
def test_geotiff_round_trip_keeps_values_orientation_transform_crs(tmp_path: Path, dtype: str, nodata: float) -> None:
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 200, size=(7, 11)).astype(dtype)
    arr[0, :] = 42  # south row marker
    arr[-1, :] = 7  # north row marker
    path = tmp_path / "r.tif"
    write_geotiff(path, arr, cell_m=30.0, origin_xy=(500000.0, 4200000.0), crs_wkt=UTM10N, nodata=nodata)
    r = read_geotiff(path)
    assert r.data.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(r.data, arr[::-1])  # stored north-up
    assert (r.data[-1] == 42).all() and (r.data[0] == 7).all()  # south row is the last stored row
    assert r.transform == Affine(30.0, 0.0, 500000.0, 0.0, -30.0, 4200000.0 + 7 * 30.0)
    assert CRS.from_wkt(r.crs_wkt) == CRS.from_epsg(32610)
    assert r.nodata == nodata
    assert r.bounds == (500000.0, 4200000.0, 500000.0 + 330.0, 4200210.0)
    assert r.path == str(path)
    back, origin, crs_wkt = resample_to_grid(r, 30.0, method="nearest")  # same grid: identity
    np.testing.assert_array_equal(back, arr)
    assert origin == (500000.0, 4200000.0) and crs_wkt == r.crs_wkt


def test_geotiff_bytes_are_deterministic_and_compressed(tmp_path: Path) -> None:
    arr = np.zeros((300, 300), np.float32)
    write_geotiff(tmp_path / "a.tif", arr, 10.0, crs_wkt=UTM10N)
    write_geotiff(tmp_path / "b.tif", arr, 10.0, crs_wkt=UTM10N)
    assert (tmp_path / "a.tif").read_bytes() == (tmp_path / "b.tif").read_bytes()
    assert (tmp_path / "a.tif").stat().st_size < arr.nbytes / 20
    with rasterio.open(tmp_path / "a.tif") as src:
        assert src.compression.name.lower() == "deflate"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tif", "b.tif"]


def test_geotiff_without_crs_round_trips_in_metres(tmp_path: Path) -> None:
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_geotiff(tmp_path / "local.tif", arr, cell_m=5.0)
    r = read_geotiff(tmp_path / "local.tif")
    assert r.crs_wkt is None and r.extent_m == (20.0, 15.0)
    out, origin, crs = resample_to_grid(r, 5.0)
    np.testing.assert_allclose(out, arr, atol=1e-6)
    assert origin == (0.0, 0.0) and crs is None


def test_write_geotiff_refuses_values_that_do_not_fit(tmp_path: Path) -> None:
    with pytest.raises(RasterError, match="do not fit uint8"):
        write_geotiff(tmp_path / "x.tif", np.array([[0, 300]]), 10.0, dtype="uint8")
    with pytest.raises(RasterError, match="dtype"):
        write_geotiff(tmp_path / "x.tif", np.zeros((2, 2), np.complex64), 10.0)
    assert list(tmp_path.iterdir()) == []


def test_south_up_file_is_normalised(tmp_path: Path) -> None:
    data_south_first = np.array([[1, 1, 1], [2, 2, 2]], np.int16)  # stored row 0 = south
    path = tmp_path / "southup.tif"
    _write_raw(path, data_south_first, Affine(10.0, 0.0, 1000.0, 0.0, 10.0, 2000.0), CRS.from_epsg(32610))
    r = read_geotiff(path)
    assert r.transform.e < 0 and r.bounds == (1000.0, 2000.0, 1030.0, 2020.0)
    np.testing.assert_array_equal(r.data, data_south_first[::-1])
    out, origin, _ = resample_to_grid(r, 10.0, method="nearest")
    np.testing.assert_array_equal(out, data_south_first)  # back to south-up
    assert origin == (1000.0, 2000.0)


# ------------------------------------------------------------------ resampling

def test_resample_30m_utm_plane_to_10m_is_exact(tmp_path: Path) -> None:
    ny, nx, cell = 20, 25, 30.0
    x = (np.arange(nx) + 0.5) * cell
    y = (np.arange(ny) + 0.5) * cell
    dem = _plane(x[None, :], y[:, None])
    path = tmp_path / "dem30.tif"
    write_geotiff(path, dem, cell, origin_xy=(550000.0, 4180000.0), crs_wkt=UTM10N)  # float64 values
    out, origin, crs_wkt = resample_to_grid(read_geotiff(path), 10.0)
    assert out.shape == (60, 75) and out.dtype == np.float32
    xf = (np.arange(75) + 0.5) * 10.0
    yf = (np.arange(60) + 0.5) * 10.0
    np.testing.assert_allclose(out, _plane(xf[None, :], yf[:, None]), atol=1e-3)  # edges included
    assert origin == (550000.0, 4180000.0)
    assert CRS.from_wkt(crs_wkt) == CRS.from_epsg(32610)
    sub, _, _ = resample_to_grid(read_geotiff(path), 10.0, size_m=(300.0, 200.0))
    np.testing.assert_array_equal(sub, out[:20, :30])  # from the SW corner
    with pytest.raises(RasterError, match=r"dem30\.tif.*larger than the raster"):
        resample_to_grid(read_geotiff(path), 10.0, size_m=(800.0, 200.0))
    with pytest.raises(RasterError, match=r"dem30\.tif.*cell_m"):
        resample_to_grid(read_geotiff(path), 1000.0)


def test_resample_fills_nodata_holes_harmonically(tmp_path: Path) -> None:
    ny, nx, cell = 30, 30, 30.0
    x = (np.arange(nx) + 0.5) * cell
    y = (np.arange(ny) + 0.5) * cell
    dem = _plane(x[None, :], y[:, None])
    holed = dem.copy()
    holed[10:16, 5:12] = -9999.0  # a hole inside
    holed[0:3, 20:30] = -9999.0  # a hole on the south edge
    holed[25, 25] = -9999.0  # a single pixel
    path = tmp_path / "holes.tif"
    write_geotiff(path, holed, cell, crs_wkt=UTM10N, nodata=-9999.0)
    r = read_geotiff(path)
    assert int((~r.valid_mask()).sum()) == 42 + 30 + 1
    out, _, _ = resample_to_grid(r, 10.0)
    xf = (np.arange(90) + 0.5) * 10.0
    yf = (np.arange(90) + 0.5) * 10.0
    expected = _plane(xf[None, :], yf[:, None])
    # A plane is harmonic, so an interior hole's fill reproduces it exactly (a nearest
    # fill would be off by metres).
    inner = np.ones_like(expected, bool)
    inner[:12, 57:] = False  # the edge hole and the cells interpolated from it
    np.testing.assert_allclose(out[inner], expected[inner], atol=2e-3)
    # A hole on the raster's edge has a zero-flux border: smooth, within the rim's range.
    edge = out[:9, 60:]
    rim = np.concatenate([holed[3, 19:30], holed[0:3, 19]])  # the valid cells around the hole
    assert np.isfinite(edge).all() and rim.min() - 1e-3 <= edge.min() and edge.max() <= rim.max() + 1e-3
    kept, _, _ = resample_to_grid(r, 10.0, fill_nodata=False)
    assert np.isnan(kept[33:48, 15:36]).all() and np.isfinite(kept[60:, :60]).all()


def test_resample_refuses_mostly_nodata(tmp_path: Path) -> None:
    dem = np.full((10, 10), -9999.0, np.float32)
    dem[:4] = 100.0
    path = tmp_path / "mostly_empty.tif"
    write_geotiff(path, dem, 30.0, crs_wkt=UTM10N, nodata=-9999.0)
    with pytest.raises(RasterError, match=r"mostly_empty\.tif: 60% .*nodata"):
        resample_to_grid(read_geotiff(path), 10.0)


def test_resample_us_survey_feet_and_non_square_pixels(tmp_path: Path) -> None:
    # NAD83 / California zone 3 in US survey feet; pixels 100 ft wide and 60 ft tall.
    crs = CRS.from_epsg(2227)
    pw_ft, ph_ft, ny, nx = 100.0, 60.0, 50, 40
    x_m = (np.arange(nx) + 0.5) * pw_ft * US_FT
    y_m = (np.arange(ny) + 0.5) * ph_ft * US_FT
    dem_south_up = _plane(x_m[None, :], y_m[:, None])
    left, bottom = 6000000.0, 2000000.0
    path = tmp_path / "feet.tif"
    _write_raw(path, dem_south_up[::-1].copy(), Affine(pw_ft, 0, left, 0, -ph_ft, bottom + ny * ph_ft), crs)
    r = read_geotiff(path)
    assert r.linear_unit_m == pytest.approx(US_FT, rel=1e-12)
    width_m, height_m = r.extent_m
    assert width_m == pytest.approx(nx * pw_ft * US_FT) and height_m == pytest.approx(ny * ph_ft * US_FT)
    out, origin, _ = resample_to_grid(r, 10.0)
    assert out.shape == (math.floor(height_m / 10.0), math.floor(width_m / 10.0))
    assert origin == (left, bottom)  # CRS units (feet)
    xf = (np.arange(out.shape[1]) + 0.5) * 10.0
    yf = (np.arange(out.shape[0]) + 0.5) * 10.0
    np.testing.assert_allclose(out, _plane(xf[None, :], yf[:, None]), atol=1e-3)
    # Writing it back in the same CRS converts the 10 m cell to feet.
    write_geotiff(tmp_path / "back.tif", out, 10.0, origin_xy=origin, crs_wkt=r.crs_wkt)
    assert read_geotiff(tmp_path / "back.tif").transform.a == pytest.approx(10.0 / US_FT)


def test_nearest_keeps_categorical_codes(tmp_path: Path) -> None:
    codes = np.array([[1, 2, 3], [101, 102, 0], [91, 98, 99]], np.int16)  # south-up
    codes_with_hole = codes.copy()
    codes_with_hole[1, 2] = -1
    path = tmp_path / "fuel.tif"
    write_geotiff(path, codes_with_hole, 30.0, crs_wkt=UTM10N, nodata=-1)
    out, _, _ = resample_to_grid(read_geotiff(path), 10.0, method="nearest")
    assert out.dtype == np.int16 and out.shape == (9, 9)
    expected = np.repeat(np.repeat(codes, 3, axis=0), 3, axis=1)
    hole = np.zeros_like(expected, bool)
    hole[3:6, 6:9] = True
    np.testing.assert_array_equal(out[~hole], expected[~hole])
    assert set(np.unique(out[hole])) <= {102, 3, 99}  # a neighbouring code, never the nodata value
    kept, _, _ = resample_to_grid(read_geotiff(path), 10.0, method="nearest", fill_nodata=False)
    np.testing.assert_array_equal(kept[hole], -1)


# ------------------------------------------------------------------ refusals

def test_geographic_dem_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lonlat_dem.tif"
    _write_raw(path, np.ones((10, 10), np.float32), Affine(0.001, 0, -122.0, 0, -0.001, 38.0), CRS.from_epsg(4326))
    with pytest.raises(RasterError, match=r"lonlat_dem\.tif.*geographic.*projected CRS"):
        read_geotiff(path)
    assert read_geotiff(path, require_projected=False).shape == (10, 10)


def test_degree_like_raster_without_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "no_crs_degrees.tif"
    _write_raw(path, np.ones((4, 4), np.float32), Affine(0.0003, 0, -120.0, 0, -0.0003, 40.0), None)
    with pytest.raises(RasterError, match=r"no_crs_degrees\.tif.*degrees"):
        read_geotiff(path)


def test_rotated_raster_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rotated.tif"
    _write_raw(path, np.ones((4, 4), np.float32), Affine(10.0, 2.0, 5000.0, 1.0, -10.0, 9000.0), CRS.from_epsg(32610))
    with pytest.raises(RasterError, match=r"rotated\.tif.*rotated or sheared"):
        read_geotiff(path)


def test_missing_or_unreadable_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(RasterError, match=r"nope\.tif: not a file"):
        read_geotiff(tmp_path / "nope.tif")
    junk = tmp_path / "junk.tif"
    junk.write_text("this is not a raster")
    with pytest.raises(RasterError, match=r"junk\.tif: not a readable raster"):
        read_geotiff(junk)
    good = tmp_path / "good.tif"
    write_geotiff(good, np.zeros((2, 2), np.float32), 10.0, crs_wkt=UTM10N)
    with pytest.raises(RasterError, match=r"good\.tif: band 2 requested; expected 1..1"):
        read_geotiff(good, band=2)
    ungeo = tmp_path / "ungeo.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(ungeo, "w", driver="GTiff", height=2, width=2, count=1, dtype="uint8") as dst:
            dst.write(np.zeros((2, 2), np.uint8), 1)
    with pytest.raises(RasterError, match=r"ungeo\.tif.*not georeferenced"):
        read_geotiff(ungeo)


def test_georaster_valid_mask_without_file() -> None:
    data = np.array([[1.0, np.nan], [-5.0, 2.0]])
    r = GeoRaster(data, Affine(1, 0, 0, 0, -1, 2), None, -5.0, "<memory>")
    np.testing.assert_array_equal(r.valid_mask(), [[True, False], [False, True]])
