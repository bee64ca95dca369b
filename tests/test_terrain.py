"""Terrain: analytic planes, slope/aspect (Horn 1981), hillshade, fractal, DEM terrain."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rasterio.crs import CRS

from wildfire_gym.errors import RasterError
from wildfire_gym.io.geotiff import write_geotiff
from wildfire_gym.scenario import TerrainConfig
from wildfire_gym.world.terrain import (
    INNER_SCALE_M,
    Terrain,
    build_terrain,
    fractal_heightfield,
    hillshade,
    slope_aspect,
    spectral_exponent,
    terrain_size_m,
)

UTM10N = CRS.from_epsg(32610).to_wkt()


def _angle_diff_deg(a: np.ndarray, b: float) -> np.ndarray:
    """Signed smallest difference a - b on the circle, degrees."""
    return (np.asarray(a, np.float64) - b + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize("slope", [5.0, 20.0, 35.0])
@pytest.mark.parametrize("aspect", [0.0, 45.0, 90.0, 180.0, 270.0, 315.0])
def test_plane_slope_and_aspect_exact(slope: float, aspect: float) -> None:
    cfg = TerrainConfig(kind="plane", size_m=(400.0, 300.0), cell_m=10.0, slope_deg=slope, aspect_deg=aspect,
                        base_elevation_m=800.0)
    terrain = build_terrain(cfg, seed=0)
    assert terrain.elevation_m.dtype == np.float32
    assert terrain.elevation_m.shape == (30, 40)
    s, a = slope_aspect(terrain.elevation_m, terrain.cell_m)
    np.testing.assert_allclose(s[1:-1, 1:-1], slope, atol=1e-3)
    np.testing.assert_allclose(_angle_diff_deg(a[1:-1, 1:-1], aspect), 0.0, atol=1e-3)
    assert float(a.min()) >= 0.0 and float(a.max()) < 360.0


def test_plane_centre_elevation_and_direction() -> None:
    # 20 deg slope facing east: the west edge is higher, the centre is at base elevation.
    cfg = TerrainConfig(kind="plane", size_m=(210.0, 210.0), cell_m=10.0, slope_deg=20.0, aspect_deg=90.0,
                        base_elevation_m=500.0)
    z = build_terrain(cfg, 0).elevation_m.astype(np.float64)
    assert z[10, 10] == pytest.approx(500.0, abs=1e-4)  # centre cell of a 21 x 21 grid
    expected_step = 10.0 * math.tan(math.radians(20.0))
    np.testing.assert_allclose(z[:, :-1] - z[:, 1:], expected_step, atol=1e-3)  # falls eastwards
    np.testing.assert_allclose(z[1:, :] - z[:-1, :], 0.0, atol=1e-4)  # level along north


def test_row_zero_is_south_in_slope_aspect() -> None:
    cell = 5.0
    iy, ix = np.mgrid[0:20, 0:30].astype(np.float64)
    rises_north = iy * cell * 0.1  # row 0 south: elevation grows northwards -> faces south
    s, a = slope_aspect(rises_north, cell)
    np.testing.assert_allclose(a[1:-1, 1:-1], 180.0, atol=1e-6)
    np.testing.assert_allclose(s[1:-1, 1:-1], math.degrees(math.atan(0.1)), atol=1e-5)
    rises_east = ix * cell * 0.1  # faces west
    _, a = slope_aspect(rises_east, cell)
    np.testing.assert_allclose(a[1:-1, 1:-1], 270.0, atol=1e-6)


def test_edges_use_replicate_padding() -> None:
    # A ramp along x: with replicated borders Horn's difference at the west and east
    # columns spans one cell instead of two, so the gradient there is exactly half.
    cell, grad = 10.0, 0.3
    z = np.tile(np.arange(12) * cell * grad, (8, 1))
    s, a = slope_aspect(z, cell)
    np.testing.assert_allclose(s[:, 1:-1], math.degrees(math.atan(grad)), atol=1e-4)
    np.testing.assert_allclose(s[:, 0], math.degrees(math.atan(grad / 2)), atol=1e-4)
    np.testing.assert_allclose(s[:, -1], math.degrees(math.atan(grad / 2)), atol=1e-4)
    np.testing.assert_allclose(a, 270.0, atol=1e-4)


def test_flat_terrain_has_zero_slope_and_aspect() -> None:
    s, a = slope_aspect(np.full((9, 7), 1234.5, np.float32), 30.0)
    assert s.dtype == np.float32 and a.dtype == np.float32
    np.testing.assert_array_equal(s, 0.0)
    np.testing.assert_array_equal(a, 0.0)


def test_slope_aspect_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="cell_m"):
        slope_aspect(np.zeros((3, 3)), 0.0)
    with pytest.raises(ValueError, match="2-D"):
        slope_aspect(np.zeros(3), 1.0)


def test_hillshade_analytic() -> None:
    alt = 45.0
    # A slope facing the sun, tilted by 90 - altitude, is lit at normal incidence.
    facing = build_terrain(TerrainConfig(kind="plane", size_m=(200.0, 200.0), cell_m=10.0,
                                         slope_deg=90.0 - alt, aspect_deg=315.0), 0).elevation_m
    np.testing.assert_allclose(hillshade(facing, 10.0, 315.0, alt)[1:-1, 1:-1], 1.0, atol=1e-5)
    # The same slope facing away (aspect 135) gets the sun at grazing incidence: 0.
    away = build_terrain(TerrainConfig(kind="plane", size_m=(200.0, 200.0), cell_m=10.0,
                                       slope_deg=90.0 - alt, aspect_deg=135.0), 0).elevation_m
    np.testing.assert_allclose(hillshade(away, 10.0, 315.0, alt)[1:-1, 1:-1], 0.0, atol=1e-5)
    flat = np.zeros((5, 5))
    np.testing.assert_allclose(hillshade(flat, 10.0, 0.0, 30.0), 0.5, atol=1e-6)  # sin(30 deg)


def test_fractal_is_deterministic_and_seeded() -> None:
    cfg = TerrainConfig(kind="fractal", size_m=(1280.0, 960.0), cell_m=10.0, relief_m=150.0)
    a = build_terrain(cfg, seed=11).elevation_m
    b = build_terrain(cfg, seed=11).elevation_m
    c = build_terrain(cfg, seed=12).elevation_m
    assert a.shape == (96, 128) and a.dtype == np.float32
    assert a.tobytes() == b.tobytes()
    assert np.abs(a - c).mean() > 5.0  # a different landscape, not a last-bit change


@pytest.mark.parametrize("relief, base", [(150.0, 500.0), (1200.0, -30.0), (0.5, 2000.0)])
def test_fractal_relief_and_base_exact(relief: float, base: float) -> None:
    cfg = TerrainConfig(kind="fractal", size_m=(640.0, 640.0), cell_m=5.0, relief_m=relief,
                        base_elevation_m=base, roughness=0.7, ridges=0.6)
    z = build_terrain(cfg, seed=3).elevation_m.astype(np.float64)
    ulp = float(np.spacing(np.float32(abs(base) + relief)))
    assert z.min() == pytest.approx(base, abs=ulp)
    assert z.max() - z.min() == pytest.approx(relief, abs=2 * ulp)


def _spectral_slope(z: np.ndarray, cell_m: float) -> float:
    """Log-log slope of the radially averaged power spectrum over the mid frequencies."""
    z = z - z.mean()
    ny, nx = z.shape
    window = np.hanning(ny)[:, None] * np.hanning(nx)[None, :]
    power = np.abs(np.fft.fft2(z * window)) ** 2
    f = np.hypot(np.fft.fftfreq(ny, cell_m)[:, None], np.fft.fftfreq(nx, cell_m)[None, :]).ravel()
    edges = np.geomspace(8.0 / (nx * cell_m), min(0.2 / cell_m, 1.0 / (np.pi * INNER_SCALE_M)), 13)
    which = np.digitize(f, edges)
    fm = [f[which == k].mean() for k in range(1, len(edges))]
    # divide out the documented inner-scale taper exp(-2 f^2 L^2) of the power spectrum
    pm = [power.ravel()[which == k].mean() / np.exp(-2.0 * (f[which == k] ** 2).mean() * INNER_SCALE_M**2)
          for k in range(1, len(edges))]
    return float(np.polyfit(np.log(fm), np.log(pm), 1)[0])


def test_roughness_sets_the_spectral_exponent() -> None:
    slopes = {}
    for roughness in (0.0, 0.5, 1.0):
        # 30 m cells over 7.7 km: the fractal range between the outer and inner scales
        z = fractal_heightfield((256, 256), 30.0, 100.0, roughness, 0.0, 0.0, seed=5).astype(np.float64)
        slopes[roughness] = _spectral_slope(z, 30.0)
        assert slopes[roughness] == pytest.approx(-spectral_exponent(roughness), abs=0.35)
    assert slopes[0.0] < slopes[0.5] - 0.6 < slopes[1.0] - 1.2  # rougher = flatter spectrum


def test_ridges_make_sharper_crests() -> None:
    # Ridged noise 1 - |n| has V-shaped crests: the Laplacian's most negative values
    # (curvature at crests) grow with `ridges`, relief held equal.
    def crest_curvature(ridges: float) -> float:
        z = fractal_heightfield((200, 200), 10.0, 100.0, 0.3, ridges, 0.0, seed=9).astype(np.float64)
        lap = z[2:, 1:-1] + z[:-2, 1:-1] + z[1:-1, 2:] + z[1:-1, :-2] - 4 * z[1:-1, 1:-1]
        return float(-np.percentile(lap, 0.5))

    assert crest_curvature(1.0) > 1.5 * crest_curvature(0.0)


def test_geotiff_terrain_replaces_size(tmp_path: Path) -> None:
    # 30 m DEM in UTM 10N: a 12 deg plane facing 200 deg; built at 10 m.
    slope, aspect, cell_src = 12.0, 200.0, 30.0
    ny, nx = 40, 50
    grad = math.tan(math.radians(slope))
    x = (np.arange(nx) + 0.5) * cell_src
    y = (np.arange(ny) + 0.5) * cell_src
    z = 900.0 - grad * (x[None, :] * math.sin(math.radians(aspect)) + y[:, None] * math.cos(math.radians(aspect)))
    path = tmp_path / "dem.tif"
    write_geotiff(path, z, cell_src, origin_xy=(500000.0, 4100000.0), crs_wkt=UTM10N)  # float64
    cfg = TerrainConfig(kind="geotiff", path=str(path), cell_m=10.0, size_m=(100.0, 100.0))
    terrain = build_terrain(cfg, seed=0)
    assert isinstance(terrain, Terrain)
    assert terrain.shape == (120, 150)
    assert terrain.size_m == (1500.0, 1200.0)
    assert terrain_size_m(cfg) == (1500.0, 1200.0)
    assert terrain.origin_xy == (500000.0, 4100000.0)
    assert CRS.from_wkt(terrain.crs_wkt) == CRS.from_epsg(32610)
    s, a = slope_aspect(terrain.elevation_m, terrain.cell_m)
    np.testing.assert_allclose(s[1:-1, 1:-1], slope, atol=1e-3)
    np.testing.assert_allclose(_angle_diff_deg(a[1:-1, 1:-1], aspect), 0.0, atol=1e-3)


def test_geotiff_terrain_in_feet_is_converted(tmp_path: Path) -> None:
    z_ft = np.full((10, 10), 1000.0, np.float32)
    path = tmp_path / "dem_ft.tif"
    write_geotiff(path, z_ft, 30.0, crs_wkt=UTM10N, units="ft")
    terrain = build_terrain(TerrainConfig(kind="geotiff", path=str(path), cell_m=30.0, size_m=(300.0, 300.0)), 0)
    np.testing.assert_allclose(terrain.elevation_m, 304.8, rtol=1e-6)
    write_geotiff(path, z_ft, 30.0, crs_wkt=UTM10N, units="fathoms")
    with pytest.raises(RasterError, match="dem_ft.tif.*unit"):
        build_terrain(TerrainConfig(kind="geotiff", path=str(path), cell_m=30.0, size_m=(300.0, 300.0)), 0)


def test_terrain_size_of_procedural_kinds() -> None:
    assert terrain_size_m(TerrainConfig(size_m=(1000.0, 520.0), cell_m=10.0)) == (1000.0, 520.0)


def test_fractal_slopes_do_not_depend_on_the_cell_size() -> None:
    # The inner scale keeps slope statistics a property of relief and extent, not of the grid.
    medians = []
    for cell in (5.0, 10.0, 20.0):
        n = int(1500 / cell)
        z = fractal_heightfield((n, n), cell, 120.0, 0.5, 0.3, 500.0, seed=4)
        s, _ = slope_aspect(z, cell)
        medians.append(float(np.median(s)))
    assert max(medians) / min(medians) == pytest.approx(1.0, abs=0.25)
