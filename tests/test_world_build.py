"""build_world end to end: consistent landscapes, determinism, component seeds, canopy from trees,
defensible space, GeoTIFF DEM and fuel rasters, custom fuel models (issue 2, "World")."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from rasterio.crs import CRS

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fuel_models import standard_fuel_models
from wildfire_gym.io.geotiff import write_geotiff
from wildfire_gym.scenario import Intervention, builtin_scenarios, load_scenario, scenario_from_dict
from wildfire_gym.world import build_world
from wildfire_gym.world.edits import apply_thinning
from wildfire_gym.world.export import world_rasters, world_summary, write_world
from wildfire_gym.world.landscape import Landscape
from wildfire_gym.world.structures import distance_to_footprints_m
from wildfire_gym.world.vegetation import bilinear_sample

UTM10N = CRS.from_epsg(32610).to_wkt()
DEM_ORIGIN = (500000.0, 4100000.0)

SMALL = {
    "name": "small",
    "seed": 3,
    "duration_s": 1800,
    "terrain": {"size_m": [600, 500], "cell_m": 10, "kind": "fractal", "relief_m": 60},
    "fuel": {"model": "TU5"},
    "vegetation": {"trees_per_ha": 150, "species": {"pine": 0.7, "oak": 0.3}, "clustering": 0.3},
    "structures": {"houses": 4, "layout": "scattered"},
    "ignitions": [{"x_m": 100, "y_m": 250}],
}


def _small(**changes: object) -> dict:
    data = copy.deepcopy(SMALL)
    for dotted, value in changes.items():
        node = data
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return data


def _stem_cells(land: Landscape) -> tuple[np.ndarray, np.ndarray]:
    t = land.trees
    ny, nx = land.shape
    ix = np.minimum((t.x_m.astype(np.float64) // land.cell_m).astype(int), nx - 1)
    iy = np.minimum((t.y_m.astype(np.float64) // land.cell_m).astype(int), ny - 1)
    return iy, ix


def _assert_consistent(land: Landscape) -> None:
    """Every invariant of the world contract (landscape.py) on one built landscape."""
    sc = land.scenario
    shape = land.shape
    if sc.terrain.kind != "geotiff":
        assert shape == sc.terrain.shape
        assert land.cell_m == sc.terrain.cell_m
    for name, arr in world_rasters(land).items():
        assert arr.shape == shape, name
        assert arr.dtype == (np.int16 if name == "fuel_code" else np.float32), name
        assert np.isfinite(arr).all(), name
    assert ((land.slope_deg >= 0) & (land.slope_deg < 90)).all()
    assert ((land.aspect_deg >= 0) & (land.aspect_deg < 360)).all()
    # fuel codes <-> fuel models
    codes = {int(c) for c in np.unique(land.fuel_code)}
    assert codes == set(land.fuel_models)
    for number, model in land.fuel_models.items():
        assert model.number == number
    # trees
    t = land.trees
    n = len(t)
    w, h = land.size_m
    for name in ("x_m", "y_m", "z_m", "height_m", "crown_base_m", "crown_radius_m", "foliage_kg", "branch_kg",
                 "species", "shape_seed"):
        assert getattr(t, name).shape == (n,), name
    np.testing.assert_array_equal(t.id, np.arange(n, dtype=np.int32))
    assert t.x_m.dtype == np.float32 and t.species.dtype == np.int16
    if n:
        assert ((t.x_m >= 0) & (t.x_m <= w) & (t.y_m >= 0) & (t.y_m <= h)).all()
        iy, ix = _stem_cells(land)
        burnable = np.array([land.fuel_models[int(c)].burnable for c in land.fuel_code[iy, ix]])
        assert burnable.all(), "a tree stands on non-burnable fuel"
        np.testing.assert_allclose(t.z_m, bilinear_sample(land.elevation_m, t.x_m, t.y_m, land.cell_m),
                                   rtol=0, atol=1e-3)
        assert (t.height_m > 0).all() and (t.crown_radius_m > 0).all()
        assert ((t.crown_base_m >= 0) & (t.crown_base_m < t.height_m)).all()
        assert (t.foliage_kg > 0).all() and (t.branch_kg >= 0).all()
        assert set(np.unique(t.species)) <= set(range(len(t.species_names)))
        assert set(t.species_names) == {k for k, v in sc.vegetation.species.items()}
    # houses
    s = land.structures
    assert len(s) == sc.structures.houses + len(sc.structures.positions_m)
    if len(s):
        assert ((s.x_m >= 0) & (s.x_m <= w) & (s.y_m >= 0) & (s.y_m <= h)).all()
        np.testing.assert_allclose(s.z_m, bilinear_sample(land.elevation_m, s.x_m, s.y_m, land.cell_m), atol=1e-3)
        assert (s.length_m > 0).all() and (s.height_m > 0).all()
        if n:  # never a trunk inside a house
            assert _min_stem_to_footprint_m(land) > 0
    # canopy: from the trees themselves
    c = land.canopy
    assert ((c.cover >= 0) & (c.cover <= 1)).all()
    stems = np.zeros(shape, bool)
    if n:
        iy, ix = _stem_cells(land)
        stems[iy, ix] = True
    np.testing.assert_array_equal(c.bulk_density_kg_m3 > 0, stems)
    np.testing.assert_array_equal(c.height_m > 0, stems)
    assert (c.base_height_m[stems] < c.height_m[stems]).all()
    assert (c.cover[stems] > 0).all()


def _min_stem_to_footprint_m(land: Landscape) -> float:
    t, s = land.trees, land.structures
    best = np.inf
    for k in range(len(s)):
        d = distance_to_footprints_m(t.x_m, t.y_m, s, np.full(len(t), k))
        best = min(best, float(d.min()))
    return best


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtin_scenarios_build_consistent_worlds(name: str) -> None:
    sc = load_scenario(name)
    if sc.terrain.size_m[0] * sc.terrain.size_m[1] > 2000.0 * 2000.0:  # keep the test fast
        sc = sc.replace(terrain={**sc.to_dict()["terrain"], "size_m": [1200, 1000]},
                        ignitions=[{"x_m": 600, "y_m": 500}], weather={**sc.to_dict()["weather"], "schedule": []})
    land = build_world(sc)
    _assert_consistent(land)
    if sc.vegetation.trees_per_ha > 0:
        # density on flat burnable ground is trees_per_ha; slopes and non-burnable cells only remove stems
        area_ha = land.size_m[0] * land.size_m[1] / 1e4
        assert 0.3 * sc.vegetation.trees_per_ha * area_ha < len(land.trees) < 1.1 * sc.vegetation.trees_per_ha * area_ha
    else:
        assert len(land.trees) == 0 and not land.canopy.cover.any()
    if sc.fuel.patches:
        assert {land.fuel_models[c].code for c in land.fuel_models} == {k for k, v in sc.fuel.patches.items() if v > 0}


def test_same_scenario_gives_identical_arrays_and_mesh_bytes(tmp_path: Path) -> None:
    sc = scenario_from_dict(_small())
    a, b = build_world(sc), build_world(sc)
    for name, arr in world_rasters(a).items():
        np.testing.assert_array_equal(arr, world_rasters(b)[name], err_msg=name)
    for name in ("id", "x_m", "y_m", "z_m", "height_m", "crown_base_m", "crown_radius_m", "foliage_kg", "branch_kg",
                 "species", "shape_seed"):
        np.testing.assert_array_equal(getattr(a.trees, name), getattr(b.trees, name), err_msg=name)
    for name in ("x_m", "y_m", "z_m", "yaw_deg", "length_m"):
        np.testing.assert_array_equal(getattr(a.structures, name), getattr(b.structures, name), err_msg=name)
    assert len(a.trees) > 100 and len(a.structures) == 4
    pa = write_world(a, tmp_path / "a", preview=False)
    pb = write_world(b, tmp_path / "b", preview=False)
    for key in ("terrain_glb", "trees_glb", "houses_glb", "elevation_m_tif", "fuel_code_tif",
                "canopy_bulk_density_kg_m3_tif"):
        assert pa[key].read_bytes() == pb[key].read_bytes(), key
    sa, sb = world_summary(a), world_summary(b)
    sa.pop("timings_s"), sb.pop("timings_s")
    assert sa == sb
    # ...and another seed gives another world
    c = build_world(scenario_from_dict(_small(seed=4)))
    assert not np.array_equal(c.elevation_m, a.elevation_m)
    assert len(c.trees) != len(a.trees) or not np.array_equal(c.trees.x_m, a.trees.x_m)


def test_component_seeds_keep_terrain_and_fuel_when_vegetation_changes() -> None:
    base = build_world(scenario_from_dict(_small(fuel={"model": "GR2", "patches": {"GR2": 0.6, "TU5": 0.4}})))
    other = build_world(scenario_from_dict(_small(
        fuel={"model": "GR2", "patches": {"GR2": 0.6, "TU5": 0.4}},
        vegetation={"trees_per_ha": 400, "species": {"oak": 1.0}, "clustering": 0.8},
        structures={"houses": 1})))
    np.testing.assert_array_equal(base.elevation_m, other.elevation_m)
    np.testing.assert_array_equal(base.slope_deg, other.slope_deg)
    np.testing.assert_array_equal(base.fuel_code, other.fuel_code)
    assert len(other.trees) > 2 * len(base.trees)
    # changing the relief moves the terrain but not the fuel patches (own seed stream)
    hilly = build_world(scenario_from_dict(_small(fuel={"model": "GR2", "patches": {"GR2": 0.6, "TU5": 0.4}},
                                                  terrain={**SMALL["terrain"], "relief_m": 200})))
    np.testing.assert_array_equal(base.fuel_code, hilly.fuel_code)
    assert float(np.ptp(hilly.elevation_m)) == pytest.approx(200.0, rel=1e-4)


def test_denser_forest_raises_and_thinning_lowers_the_canopy_fuel() -> None:
    flat = {"size_m": [600, 500], "cell_m": 10, "kind": "plane", "slope_deg": 0}
    sparse = build_world(scenario_from_dict(_small(terrain=flat, structures={"houses": 0})))
    dense = build_world(scenario_from_dict(_small(terrain=flat, structures={"houses": 0},
                                                  vegetation__trees_per_ha=300)))
    cbd = lambda land: float(land.canopy.bulk_density_kg_m3.mean())  # noqa: E731
    cover = lambda land: float(land.canopy.cover.mean())  # noqa: E731
    assert len(dense.trees) == pytest.approx(2 * len(sparse.trees), rel=0.15)
    # canopy fuel load scales with the stems: the mean bulk density about doubles
    assert cbd(dense) == pytest.approx(2 * cbd(sparse), rel=0.2)
    assert cover(sparse) < cover(dense) < 1.0
    # thinning half the stems from below lowers load, cover and (with pruning) raises base heights
    thinned = apply_thinning(dense, Intervention(kind="thinning", thin_fraction=0.5, prune_to_m=4.0))
    assert len(thinned.trees) == len(dense.trees) - round(0.5 * len(dense.trees))
    assert cbd(thinned) < 0.75 * cbd(dense)
    assert cover(thinned) < cover(dense)
    assert (thinned.canopy.cover <= dense.canopy.cover + 1e-6).all()
    kept = thinned.canopy.base_height_m[thinned.canopy.height_m > 0]
    assert kept.min() >= min(4.0, 0.9 * float(thinned.trees.height_m.min())) - 1e-4
    total = lambda land: float((land.trees.foliage_kg + land.trees.branch_kg).sum())  # noqa: E731
    assert total(thinned) < 0.9 * total(dense)
    n_removed = len(dense.trees) - len(thinned.trees)  # from below: the shortest stems went
    assert float(thinned.trees.height_m.min()) >= float(np.sort(dense.trees.height_m)[n_removed - 1])
    # a thinning inside a polygon leaves the rest of the forest alone
    west = apply_thinning(dense, Intervention(kind="thinning", thin_fraction=1.0,
                                              points_m=[(0, 0), (300, 0), (300, 500), (0, 500)]))
    assert not west.canopy.bulk_density_kg_m3[:, :30].any()
    np.testing.assert_array_equal(west.canopy.bulk_density_kg_m3[:, 31:], dense.canopy.bulk_density_kg_m3[:, 31:])


def test_canopy_changes_what_the_fire_sees() -> None:
    """The spread parameters the engine receives respond to the forest's density."""
    from wildfire_gym.fire.simulation import FireSimulation

    flat = {"size_m": [300, 300], "cell_m": 10, "kind": "plane", "slope_deg": 0}
    lands = [build_world(scenario_from_dict(_small(terrain=flat, structures={"houses": 0},
                                                   vegetation__trees_per_ha=d, ignitions=[{"x_m": 150, "y_m": 150}])))
             for d in (0, 150, 600)]
    sim = FireSimulation(lands, arch="cpu")
    params = [sim.spread_params(b, 0.0) for b in range(3)]
    wind = [float(p["midflame_wind_mps"].mean()) for p in params]
    assert wind[0] > wind[1] > wind[2]  # crowns shelter the surface fire from the wind
    threshold = [float(np.median(p["crown_active_ros_m_s"])) for p in params]
    assert threshold[2] < threshold[1] < threshold[0]  # a denser canopy crowns at lower spread rates (3 / CBD)


def test_defensible_space_clears_trees_around_houses() -> None:
    flat = {"size_m": [600, 500], "cell_m": 10, "kind": "plane", "slope_deg": 0}
    data = _small(terrain=flat, vegetation__trees_per_ha=400, structures={"houses": 5, "layout": "scattered"})
    plain = build_world(scenario_from_dict(data))
    data["structures"]["defensible_space_m"] = 30.0
    cleared = build_world(scenario_from_dict(data))
    assert _min_stem_to_footprint_m(plain) < 10.0  # dense forest: trees right next to the houses
    assert _min_stem_to_footprint_m(cleared) > 30.0
    np.testing.assert_array_equal(plain.structures.x_m, cleared.structures.x_m)
    removed = len(plain.trees) - len(cleared.trees)
    # about the stems in 5 rounded rectangles (footprint grown by 30 m) at 400 trees/ha
    s = cleared.structures
    area_ha = float(((s.length_m * s.width_m + 2 * 30 * (s.length_m + s.width_m) + math.pi * 30**2)).sum()) / 1e4
    assert 0.4 * 400 * area_ha < removed < 1.6 * 400 * area_ha
    _assert_consistent(cleared)


def _plane_dem(path: Path, nodata_hole: bool = False) -> None:
    """A 30 m DEM in UTM 10N, 50 x 40 pixels (1500 m x 1200 m): a 10-degree plane facing south."""
    ny, nx, cell = 40, 50, 30.0
    y = (np.arange(ny) + 0.5) * cell
    z = np.broadcast_to(900.0 + math.tan(math.radians(10.0)) * y[:, None], (ny, nx)).astype(np.float32).copy()
    if nodata_hole:
        z[10:14, 20:25] = -9999.0
    write_geotiff(path, z, cell, origin_xy=DEM_ORIGIN, crs_wkt=UTM10N, nodata=-9999.0 if nodata_hole else None)


def test_geotiff_dem_scenario_builds_and_checks_ignitions(tmp_path: Path) -> None:
    _plane_dem(tmp_path / "dem.tif", nodata_hole=True)
    data = _small(terrain={"kind": "geotiff", "path": "dem.tif", "cell_m": 10, "size_m": [100, 100]},
                  ignitions=[{"x_m": 1400, "y_m": 1100}])
    (tmp_path / "s.yaml").write_text(__import__("yaml").safe_dump(data))
    sc = load_scenario(tmp_path / "s.yaml")  # relative DEM path resolves against the scenario file
    assert Path(sc.terrain.path) == tmp_path / "dem.tif"
    land = build_world(sc)
    assert land.shape == (120, 150) and land.size_m == (1500.0, 1200.0)
    assert land.origin_xy == DEM_ORIGIN
    assert CRS.from_wkt(land.crs_wkt) == CRS.from_epsg(32610)
    assert np.isfinite(land.elevation_m).all() and land.elevation_m.min() > 800.0  # the hole is filled
    np.testing.assert_allclose(land.slope_deg[2:-2, 2:-2][land.elevation_m[2:-2, 2:-2] > 0].mean(), 10.0, atol=0.2)
    interior = land.aspect_deg[2:-2, 2:-2]
    assert np.median(interior) == pytest.approx(180.0, abs=0.5)  # rises to the north: faces south
    _assert_consistent(land)

    bad = copy.deepcopy(data)
    bad["ignitions"] = [{"x_m": 1600, "y_m": 100}]  # inside size_m? no: the DEM's 1500 m replaces it
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(bad, base_dir=tmp_path)
    assert info.value.field == "ignitions[0].x_m" and "1500" in info.value.expected

    (tmp_path / "junk.tif").write_text("not a raster")
    bad["terrain"]["path"] = "junk.tif"
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(bad, base_dir=tmp_path)
    assert info.value.field == "terrain.path" and "junk.tif" in str(info.value)


def _two_code_raster(path: Path, origin: tuple[float, float], crs_wkt: str | None) -> None:
    """A 10 m fuel raster, 40 x 60 cells: GR2 (102) in the west half, TL8 (188) in the east."""
    codes = np.full((40, 60), 102, np.int16)
    codes[:, 30:] = 188
    write_geotiff(path, codes, 10.0, origin_xy=origin, crs_wkt=crs_wkt)


def test_fuel_raster_scenario_builds(tmp_path: Path) -> None:
    _two_code_raster(tmp_path / "fuel.tif", (0.0, 0.0), None)
    land = build_world(scenario_from_dict(_small(fuel={"raster": "fuel.tif"}), base_dir=tmp_path))
    assert land.shape == (50, 60)
    assert set(land.fuel_models) == {102, 188, 99}  # rows 40..49 lie outside the raster: NB9
    assert (land.fuel_code[:40, :30] == 102).all() and (land.fuel_code[:40, 30:] == 188).all()
    assert (land.fuel_code[40:] == 99).all()
    assert land.fuel_models[188].code == "TL8"
    _assert_consistent(land)


def test_fuel_raster_over_a_dem_is_aligned_in_the_dem_crs(tmp_path: Path) -> None:
    _plane_dem(tmp_path / "dem.tif")
    # the fuel raster starts 200 m west and 100 m south of the DEM and covers 600 m x 400 m
    _two_code_raster(tmp_path / "fuel.tif", (DEM_ORIGIN[0] - 200.0, DEM_ORIGIN[1] - 100.0), UTM10N)
    data = _small(terrain={"kind": "geotiff", "path": "dem.tif", "cell_m": 10}, fuel={"raster": "fuel.tif"})
    land = build_world(scenario_from_dict(data, base_dir=tmp_path))
    # DEM cell (iy, ix) is fuel-raster cell (iy + 10, ix + 20): GR2 west of raster column 30, i.e. ix < 10
    assert (land.fuel_code[:30, :10] == 102).all()
    assert (land.fuel_code[:30, 10:40] == 188).all()
    assert (land.fuel_code[:, 40:] == 99).all() and (land.fuel_code[30:] == 99).all()


CUSTOM_CSV = """# custom fuel models, SI units
code,number,name,load_1h_kg_m2,load_10h_kg_m2,sav_1h_per_m,depth_m,extinction_moisture_dead,heat_content_dead_j_kg
TALLGRASS,150,tall dry grass,0.35,0.0,5500,0.9,0.2,18600000
LITTER,151,pine litter,0.6,0.3,6000,0.08,0.3,19000000
"""


def test_custom_fuel_models_from_scenario_and_csv(tmp_path: Path) -> None:
    (tmp_path / "fuels.csv").write_text(CUSTOM_CSV, encoding="utf-8")
    data = _small(fuel={"model": "MYSHRUB", "patches": {"MYSHRUB": 0.4, "TALLGRASS": 0.3, "LITTER": 0.3},
                        "custom_csv": "fuels.csv",
                        "custom_models": [{"code": "MYSHRUB", "number": 160, "load_1h_kg_m2": 0.4,
                                           "load_live_woody_kg_m2": 1.2, "depth_m": 1.5}]})
    sc = scenario_from_dict(data, base_dir=tmp_path)
    assert [c.code for c in sc.fuel.custom_models] == ["MYSHRUB", "TALLGRASS", "LITTER"]
    land = build_world(sc)
    _assert_consistent(land)
    assert set(land.fuel_models) == {150, 151, 160}
    assert land.fuel_models[160].depth_m == pytest.approx(1.5)
    assert land.fuel_models[160].load_live_woody_kg_m2 == pytest.approx(1.2)
    assert land.fuel_models[150].load_1h_kg_m2 == pytest.approx(0.35)
    assert land.fuel_models[150].sav_1h_per_m == pytest.approx(5500.0)
    assert land.fuel_models[151].heat_content_dead_j_kg == pytest.approx(19.0e6)
    assert land.fuel_models[151].extinction_moisture_dead == pytest.approx(0.3)
    fractions = {land.fuel_models[c].code: np.mean(land.fuel_code == c) for c in land.fuel_models}
    assert fractions == pytest.approx({"MYSHRUB": 0.4, "TALLGRASS": 0.3, "LITTER": 0.3}, abs=1.0 / land.fuel_code.size)
    # the standard tables stay untouched by custom models
    assert all(m.number not in (150, 151, 160) for m in standard_fuel_models().values())
    # a scenario with a CSV can be copied and round-tripped without doubling its models
    again = sc.replace(seed=9)
    assert [c.code for c in again.fuel.custom_models] == ["MYSHRUB", "TALLGRASS", "LITTER"]
    assert scenario_from_dict(sc.to_dict()) == sc


@pytest.mark.parametrize(("size_m", "field"), [([10, 10], "terrain.size_m[0]"), ([10, 300], "terrain.size_m[0]"),
                                               ([300, 10], "terrain.size_m[1]")])
def test_one_cell_wide_grids_are_refused_at_validation(size_m: list[float], field: str) -> None:
    """A single cell, row or column cannot be exported or sloped: refused at load, naming the scenario field."""
    data = _small(terrain={"size_m": size_m, "cell_m": 10, "kind": "plane"}, ignitions=[{"x_m": 5, "y_m": 5}])
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.field == field and "at least 2 cells per side" in str(info.value)


@pytest.mark.parametrize("size_m", [[20, 20], [20, 300], [300, 20]])
def test_two_cell_wide_worlds_build(size_m: list[float]) -> None:
    """The narrowest valid grids (two cells, rows or columns) build, houses included."""
    data = _small(terrain={"size_m": size_m, "cell_m": 10, "kind": "plane", "slope_deg": 5, "aspect_deg": 90},
                  structures={"houses": 1, "min_spacing_m": 0, "footprint_m": [2, 2]},
                  ignitions=[{"x_m": 5, "y_m": 5}])
    land = build_world(scenario_from_dict(data))
    _assert_consistent(land)
    assert land.shape == (round(size_m[1] / 10), round(size_m[0] / 10))
    assert 0.0 <= float(land.structures.yaw_deg[0]) < 180.0
