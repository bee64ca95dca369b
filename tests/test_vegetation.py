"""Species table, tree placement, houses and defensible space."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym._assets import assets_dir
from wildfire_gym.errors import RasterError, ScenarioError
from wildfire_gym.scenario import StructuresConfig, VegetationConfig
from wildfire_gym.species import (
    aboveground_biomass_kg,
    component_ratio,
    crown_profile,
    dbh_from_height_cm,
    load_species_table,
    species_table,
)
from wildfire_gym.world.structures import (
    MAX_HOUSE_SLOPE_DEG,
    clear_defensible_space,
    distance_to_footprints_m,
    place_structures,
)
from wildfire_gym.world.vegetation import (
    CLUSTER_SIGMA_M,
    bilinear_sample,
    place_trees,
    slope_retention,
)

CELL = 10.0


def flat(n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, n), 500.0, np.float32), np.zeros((n, n), np.float32)


# ------------------------------------------------------------------ species
def test_species_table_has_required_species_with_sane_fields() -> None:
    table = species_table()
    assert {"pine", "fir", "oak", "juniper"} <= set(table)
    for sp in table.values():
        assert sp.crown_shape in ("cone", "paraboloid", "ellipsoid", "hemisphere")
        assert 0 < sp.crown_ratio_min <= sp.crown_ratio_mean <= sp.crown_ratio_max <= 1
        assert all(0 <= c <= 255 for c in sp.foliage_rgb)
    assert table["fir"].crown_ratio_mean > table["pine"].crown_ratio_mean  # fir crowns reach lower
    assert species_table() is not species_table()  # callers may not mutate the cache


def test_jenkins_equations_against_hand_values() -> None:
    # Jenkins et al. (2003) pine group, DBH 25 cm: exp(-2.5356 + 2.4349 ln 25)
    assert aboveground_biomass_kg(np.array(25.0), -2.5356, 2.4349) == pytest.approx(200.746, rel=1e-5)
    assert component_ratio(np.array(25.0), -2.9584, 4.4766) == pytest.approx(0.0620797, rel=1e-5)
    # H - 1.37 = 1.04 DBH^0.8 at H = 15 m
    assert dbh_from_height_cm(np.array(15.0), 1.04, 0.8) == pytest.approx(24.936, rel=1e-4)


def test_conifer_foliage_of_a_15m_tree_is_of_order_5_to_20_kg() -> None:
    table = species_table()
    for name in ("pine", "fir"):
        fol = float(table[name].foliage_kg(np.array([15.0]))[0])
        assert 5.0 <= fol <= 20.0, (name, fol)
        br = float(table[name].fine_branch_kg(np.array([15.0]))[0])
        assert br == pytest.approx(fol * table[name].fine_branch_to_foliage, rel=1e-12)
    # bigger trees carry more foliage
    h = np.array([5.0, 10.0, 20.0, 30.0])
    assert np.all(np.diff(table["pine"].foliage_kg(h)) > 0)


@pytest.mark.parametrize("shape,z,expected", [
    ("cone", 0.25, 0.75), ("paraboloid", 0.75, 0.5), ("ellipsoid", 0.5, 1.0),
    ("ellipsoid", 0.0, 0.0), ("hemisphere", 0.6, 0.8),
])
def test_crown_profiles(shape: str, z: float, expected: float) -> None:
    assert float(crown_profile(shape, np.array(z))) == pytest.approx(expected, abs=1e-12)


def test_bad_species_file_names_the_field(tmp_path) -> None:
    import yaml

    good = yaml.safe_load((assets_dir() / "vegetation" / "species.yaml").read_text())
    entry = good["species"]["pine"]
    bad = {"species": {"pine": {**entry, "crown_shape": "cube"}}}
    path = tmp_path / "sp.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ScenarioError, match="species.pine.crown_shape"):
        load_species_table(str(path))
    bad = {"species": {"pine": {**entry, "height": {**entry["height"], "median_m": -3}}}}
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ScenarioError, match="species.pine.height.median_m"):
        load_species_table(str(path))
    path.write_text(yaml.safe_dump({"species": {"pine": entry}}))
    assert load_species_table(str(path))["pine"] == species_table()["pine"]


# ------------------------------------------------------------------ placement
def test_count_within_poisson_bounds_on_flat_burnable_ground() -> None:
    elev, slope = flat(30)  # 300 m x 300 m = 9 ha
    for clustering in (0.0, 0.7):
        cfg = VegetationConfig(trees_per_ha=150, clustering=clustering, species={"pine": 1.0})
        counts = [len(place_trees(cfg, elev, slope, CELL, None, s)) for s in range(8)]
        mean = 150 * 9.0
        # mean of 8 Poisson counts: sd = sqrt(1350 / 8) = 13
        assert np.mean(counts) == pytest.approx(mean, abs=4 * math.sqrt(mean / 8))
        assert all(abs(c - mean) < 5 * math.sqrt(mean) for c in counts)


def _dispersion_index(trees, n_quadrats: int, size_m: float) -> float:
    q = size_m / n_quadrats
    h, _, _ = np.histogram2d(trees.x_m, trees.y_m, bins=n_quadrats, range=[[0, size_m], [0, size_m]])
    assert q > 2 * CLUSTER_SIGMA_M
    return float(h.var() / h.mean())


def test_clustering_raises_quadrat_count_variance() -> None:
    elev, slope = flat(60)  # 600 m
    uniform = place_trees(VegetationConfig(trees_per_ha=200, clustering=0.0), elev, slope, CELL, None, 3)
    clumped = place_trees(VegetationConfig(trees_per_ha=200, clustering=0.9), elev, slope, CELL, None, 3)
    d_uniform = _dispersion_index(uniform, 12, 600.0)
    d_clumped = _dispersion_index(clumped, 12, 600.0)
    assert 0.7 < d_uniform < 1.4  # Poisson: variance = mean
    assert d_clumped > 3.0 * d_uniform


def test_slope_reduces_density_by_the_sensitivity() -> None:
    n = 60
    elev = np.full((n, n), 500.0, np.float32)
    slope = np.zeros((n, n), np.float32)
    slope[:, n // 2:] = 45.0  # east half steep
    cfg = VegetationConfig(trees_per_ha=300, clustering=0.0, slope_sensitivity=0.5)
    t = place_trees(cfg, elev, slope, CELL, None, 11)
    east = np.count_nonzero(t.x_m >= 300.0)
    west = len(t) - east
    assert east / west == pytest.approx(0.5, abs=0.06)
    t0 = place_trees(VegetationConfig(trees_per_ha=300, clustering=0.0, slope_sensitivity=0.0),
                     elev, slope, CELL, None, 11)
    east0 = np.count_nonzero(t0.x_m >= 300.0)
    assert east0 / (len(t0) - east0) == pytest.approx(1.0, abs=0.08)


def test_slope_retention_function() -> None:
    np.testing.assert_allclose(slope_retention(np.array([0.0, 22.5, 45.0, 80.0]), 0.5),
                               [1.0, 0.75, 0.5, 0.5])
    np.testing.assert_allclose(slope_retention(np.array([45.0]), 1.0), [0.0])


def test_no_trees_on_nonburnable_cells() -> None:
    elev, slope = flat(40)
    fuel = np.full((40, 40), 102, np.int16)
    fuel[10:25, 5:30] = 98  # a lake
    fuel[30:, :] = 91  # a town
    t = place_trees(VegetationConfig(trees_per_ha=400, clustering=0.5), elev, slope, CELL, fuel, 5, [91, 98, 99])
    ix = (t.x_m // CELL).astype(int)
    iy = (t.y_m // CELL).astype(int)
    assert len(t) > 1000
    assert not np.any(np.isin(fuel[iy, ix], [91, 98]))
    # density on the remaining burnable area stays the nominal one
    burnable_ha = np.count_nonzero(fuel == 102) * CELL * CELL / 1e4
    assert len(t) / burnable_ha == pytest.approx(400, rel=0.15)


def test_deterministic_by_seed_and_seed_matters() -> None:
    elev, slope = flat(30)
    cfg = VegetationConfig(trees_per_ha=120, species={"pine": 0.5, "oak": 0.5})
    a = place_trees(cfg, elev, slope, CELL, None, 42)
    b = place_trees(cfg, elev, slope, CELL, None, 42)
    c = place_trees(cfg, elev, slope, CELL, None, 43)
    for name in ("x_m", "y_m", "height_m", "crown_base_m", "crown_radius_m", "foliage_kg", "species", "shape_seed"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    assert a.x_m.tobytes() != c.x_m.tobytes()


def test_tree_attributes_species_mix_and_size_scale() -> None:
    elev, slope = flat(50)
    cfg = VegetationConfig(trees_per_ha=400, species={"pine": 0.7, "oak": 0.3})
    t = place_trees(cfg, elev, slope, CELL, None, 9)
    n = len(t)
    np.testing.assert_array_equal(t.id, np.arange(n, dtype=np.int32))
    assert t.id.dtype == np.int32 and t.x_m.dtype == np.float32 and t.species.dtype == np.int16
    assert t.shape_seed.dtype == np.uint32 and t.species_names == ("pine", "oak")
    assert np.mean(t.species == 0) == pytest.approx(0.7, abs=0.03)
    assert np.all((t.crown_base_m >= 0) & (t.crown_base_m < t.height_m))
    assert np.all(t.crown_radius_m > 0) and np.all(t.foliage_kg > 0) and np.all(t.branch_kg > 0)
    assert np.all((t.x_m >= 0) & (t.x_m <= 500) & (t.y_m >= 0) & (t.y_m <= 500))
    pine_median = np.median(t.height_m[t.species == 0])
    assert pine_median == pytest.approx(species_table()["pine"].height_median_m, rel=0.06)
    big = place_trees(VegetationConfig(trees_per_ha=400, species={"pine": 0.7, "oak": 0.3}, size_scale=2.0),
                      elev, slope, CELL, None, 9)
    assert np.median(big.height_m[big.species == 0]) == pytest.approx(2 * pine_median, rel=0.08)
    assert np.median(big.crown_radius_m) == pytest.approx(2 * np.median(t.crown_radius_m), rel=0.1)


def test_z_is_bilinear_elevation_exact_on_a_plane() -> None:
    n = 30
    yy, xx = np.mgrid[0:n, 0:n]
    cx, cy = (xx + 0.5) * CELL, (yy + 0.5) * CELL
    elev = (100.0 + 0.2 * cx - 0.1 * cy).astype(np.float64)
    t = place_trees(VegetationConfig(trees_per_ha=300), elev, np.zeros_like(elev), CELL, None, 1)
    inner = (t.x_m > 5) & (t.x_m < 295) & (t.y_m > 5) & (t.y_m < 295)
    np.testing.assert_allclose(t.z_m[inner], 100.0 + 0.2 * t.x_m[inner] - 0.1 * t.y_m[inner], atol=2e-3)
    assert bilinear_sample(elev, np.array([0.0]), np.array([0.0]), CELL)[0] == pytest.approx(elev[0, 0])


def test_zero_density_and_bad_inputs() -> None:
    elev, slope = flat(10)
    assert len(place_trees(VegetationConfig(trees_per_ha=0), elev, slope, CELL, None, 1)) == 0
    with pytest.raises(ScenarioError, match="vegetation.species.baobab"):
        place_trees(VegetationConfig(species={"baobab": 1.0}), elev, slope, CELL, None, 1)
    with pytest.raises(RasterError, match="slope_deg"):
        place_trees(VegetationConfig(), elev, slope[:5], CELL, None, 1)
    with pytest.raises(RasterError, match="fuel_code"):
        place_trees(VegetationConfig(), elev, slope, CELL, np.zeros((3, 3), np.int16), 1, [98])


# ------------------------------------------------------------------ structures
def hilly(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:n, 0:n]
    elev = 500 + 60 * np.sin(xx / 12.0) * np.cos(yy / 15.0)
    gy, gx = np.gradient(elev, CELL)
    return elev.astype(np.float32), np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)


@pytest.mark.parametrize("layout", ["clustered", "scattered"])
def test_houses_on_gentle_ground_spaced_and_inside(layout: str) -> None:
    elev, slope = hilly()
    cfg = StructuresConfig(houses=40, layout=layout, min_spacing_m=30.0)
    s = place_structures(cfg, elev, slope, CELL, 4)
    assert len(s) == 40
    np.testing.assert_array_equal(s.id, np.arange(40))
    ix = (s.x_m // CELL).astype(int)
    iy = (s.y_m // CELL).astype(int)
    assert np.all(slope[iy, ix] <= MAX_HOUSE_SLOPE_DEG)
    d = np.hypot(s.x_m[:, None] - s.x_m[None], s.y_m[:, None] - s.y_m[None]) + np.eye(40) * 1e9
    assert d.min() >= 30.0 - 1e-3
    assert np.all((s.x_m >= 80) & (s.x_m <= 920) & (s.y_m >= 80) & (s.y_m <= 920))
    np.testing.assert_allclose(s.length_m, 14.0)
    np.testing.assert_allclose(s.z_m, bilinear_sample(elev, s.x_m, s.y_m, CELL), rtol=1e-6)
    again = place_structures(cfg, elev, slope, CELL, 4)
    assert again.x_m.tobytes() == s.x_m.tobytes() and again.yaw_deg.tobytes() == s.yaw_deg.tobytes()


def test_clustered_houses_are_closer_together_than_scattered() -> None:
    elev, slope = hilly()
    nn = []
    for layout in ("clustered", "scattered"):
        s = place_structures(StructuresConfig(houses=16, layout=layout), elev, slope, CELL, 2)
        d = np.hypot(s.x_m[:, None] - s.x_m[None], s.y_m[:, None] - s.y_m[None]) + np.eye(16) * 1e9
        nn.append(np.median(d.min(axis=1)))
    assert nn[0] < 0.6 * nn[1]


def test_house_long_axis_follows_the_contour() -> None:
    n = 50
    yy, xx = np.mgrid[0:n, 0:n]
    elev = (500 + 0.1 * (yy + 0.5) * CELL).astype(np.float32)  # rises to the north: contours run east-west
    slope = np.full((n, n), math.degrees(math.atan(0.1)), np.float32)
    s = place_structures(StructuresConfig(houses=5), elev, slope, CELL, 1)
    np.testing.assert_allclose(np.minimum(s.yaw_deg % 180, 180 - s.yaw_deg % 180), 90.0, atol=1e-3)


def test_explicit_positions_and_errors() -> None:
    elev, slope = hilly(40)
    s = place_structures(StructuresConfig(positions_m=[(100.0, 120.0), (300.0, 310.0)]), elev, slope, CELL, 1)
    np.testing.assert_allclose(np.c_[s.x_m, s.y_m], [[100, 120], [300, 310]])
    with pytest.raises(ScenarioError, match=r"structures.positions_m\[0\]"):
        place_structures(StructuresConfig(positions_m=[(1000.0, 10.0)]), elev, slope, CELL, 1)
    with pytest.raises(ScenarioError, match="structures.houses"):
        place_structures(StructuresConfig(houses=500, min_spacing_m=100.0), elev, slope, CELL, 1)


def test_clear_defensible_space_hand_case() -> None:
    from wildfire_gym.world.landscape import Structures, Trees

    f = np.float32
    house = Structures(np.array([0], np.int32), np.array([50], f), np.array([50], f), np.array([0], f),
                       np.array([20], f), np.array([10], f), np.array([6], f), np.array([90], f))
    # yaw 90: long axis east-west, footprint x in [40, 60], y in [45, 55]
    xs = np.array([50, 59, 61, 65, 50, 50, 70, 75], f)
    ys = np.array([50, 54, 50, 50, 57, 70, 58, 50], f)
    dist = distance_to_footprints_m(xs, ys, house, np.zeros(8, np.int64))
    np.testing.assert_allclose(dist, [0, 0, 1, 5, 2, 15, math.hypot(10, 3), 15], atol=1e-5)
    n = xs.size
    trees = Trees(np.arange(n, dtype=np.int32), xs, ys, np.zeros(n, f), np.full(n, 10, f), np.full(n, 4, f),
                  np.full(n, 2, f), np.ones(n, f), np.ones(n, f), np.zeros(n, np.int16),
                  np.arange(n, dtype=np.uint32), ("pine",))
    kept0 = clear_defensible_space(trees, house, 0.0)
    np.testing.assert_allclose(kept0.x_m, xs[2:])
    kept5 = clear_defensible_space(trees, house, 5.0)
    np.testing.assert_allclose(kept5.x_m, [50, 70, 75])
    np.testing.assert_array_equal(kept5.id, [0, 1, 2])
