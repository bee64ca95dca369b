"""Canopy rasters derived from trees: hand computation, invariants, thinning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym.errors import RasterError
from wildfire_gym.scenario import VegetationConfig
from wildfire_gym.world.canopy import (
    MIN_CANOPY_DEPTH_M,
    canopy_bulk_density_kg_m3,
    canopy_rasters,
    cover_samples_per_side,
)
from wildfire_gym.world.landscape import Trees
from wildfire_gym.world.vegetation import place_trees

F = np.float32


def make_trees(x, y, h, cb, r, fol, br) -> Trees:
    n = len(x)
    return Trees(np.arange(n, dtype=np.int32), np.array(x, F), np.array(y, F), np.zeros(n, F), np.array(h, F),
                 np.array(cb, F), np.array(r, F), np.array(fol, F), np.array(br, F), np.zeros(n, np.int16),
                 np.arange(n, dtype=np.uint32), ("pine",))


def test_three_trees_hand_computation() -> None:
    # Two trees in cell (iy=0, ix=0), one in cell (iy=1, ix=2); 10 m cells.
    t = make_trees(x=[2, 7, 25], y=[3, 8, 15], h=[10, 14, 20], cb=[4, 6, 8], r=[0.5, 0.5, 0.5],
                   fol=[5, 9, 12], br=[2, 3, 6])
    c = canopy_rasters(t, (3, 4), 10.0)
    # cell (0,0): mean height 12, mean base 5 -> depth 7; mass 19 kg over 100 m2
    assert c.height_m[0, 0] == pytest.approx(12.0)
    assert c.base_height_m[0, 0] == pytest.approx(4.0)  # the lowest crown base
    assert c.bulk_density_kg_m3[0, 0] == pytest.approx(19.0 / (100.0 * 7.0), rel=1e-6)
    # cell (1,2): one tree, depth 12 m, 18 kg
    assert c.height_m[1, 2] == pytest.approx(20.0)
    assert c.base_height_m[1, 2] == pytest.approx(8.0)
    assert c.bulk_density_kg_m3[1, 2] == pytest.approx(18.0 / (100.0 * 12.0), rel=1e-6)
    others = np.ones((3, 4), bool)
    others[0, 0] = others[1, 2] = False
    for arr in (c.height_m, c.base_height_m, c.bulk_density_kg_m3, c.cover):
        assert arr.dtype == np.float32 and arr.shape == (3, 4)
        assert np.all(arr[others] == 0.0)
    # crowns narrower than the 2 m cover sampling add their exact disk area
    assert c.cover[0, 0] == pytest.approx(2 * math.pi * 0.25 / 100.0, rel=1e-6)
    assert c.cover[1, 2] == pytest.approx(math.pi * 0.25 / 100.0, rel=1e-6)


def test_scott_reinhardt_definition_and_depth_floor() -> None:
    assert float(canopy_bulk_density_kg_m3(np.array(0.6), np.array(6.0))) == pytest.approx(0.1)
    assert float(canopy_bulk_density_kg_m3(np.array(0.6), np.array(0.0))) == pytest.approx(0.6 / MIN_CANOPY_DEPTH_M)


def test_cover_full_cell_capped_and_disk_area() -> None:
    # A 20 m crown over the centre of a 5 x 5 grid of 10 m cells covers the centre cell fully.
    big = make_trees([25.0], [25.0], [20.0], [5.0], [20.0], [10.0], [5.0])
    c = canopy_rasters(big, (5, 5), 10.0)
    assert c.cover[2, 2] == 1.0
    assert c.cover.max() <= 1.0
    # Two identical overlapping crowns count once.
    twice = make_trees([25.0, 25.0], [25.0, 25.0], [20.0, 20.0], [5.0, 5.0], [20.0, 20.0], [1, 1], [1, 1])
    np.testing.assert_array_equal(canopy_rasters(twice, (5, 5), 10.0).cover, c.cover)
    # Total covered area approximates the disk (sampling error a few percent).
    area = float(c.cover.sum()) * 100.0
    assert area == pytest.approx(math.pi * 20.0**2, rel=0.03)
    mid = make_trees([53.0], [47.0], [10.0], [3.0], [8.0], [1.0], [1.0])
    area8 = float(canopy_rasters(mid, (10, 10), 10.0).cover.sum()) * 100.0
    assert area8 == pytest.approx(math.pi * 64.0, rel=0.1)
    assert cover_samples_per_side(10.0) == 5 and cover_samples_per_side(1.0) == 1
    assert cover_samples_per_side(100.0) == 8


def test_fuel_mass_is_conserved() -> None:
    elev = np.zeros((40, 40), F)
    t = place_trees(VegetationConfig(trees_per_ha=200, species={"pine": 0.6, "fir": 0.4}), elev, elev, 10.0,
                    None, 3)
    c = canopy_rasters(t, (40, 40), 10.0)
    # Rebuild the depth from the tree mean heights and bases, as the definition says.
    ix = (t.x_m // 10).astype(int)
    iy = (t.y_m // 10).astype(int)
    cell = iy * 40 + ix
    n = np.bincount(cell, minlength=1600)
    depth = (np.bincount(cell, t.height_m, 1600) - np.bincount(cell, t.crown_base_m, 1600)) / np.maximum(n, 1)
    assert np.all(depth[n > 0] >= MIN_CANOPY_DEPTH_M)
    mass = (c.bulk_density_kg_m3.ravel().astype(np.float64) * depth * 100.0).sum()
    assert mass == pytest.approx(float(t.foliage_kg.sum() + t.branch_kg.sum()), rel=1e-5)


def test_thinning_lowers_bulk_density_and_cover_denser_raises_them() -> None:
    elev = np.zeros((50, 50), F)
    cfg = VegetationConfig(trees_per_ha=250, species={"pine": 1.0}, clustering=0.2)
    t = place_trees(cfg, elev, elev, 10.0, None, 8)
    full = canopy_rasters(t, (50, 50), 10.0)
    keep = np.random.default_rng(0).random(len(t)) < 0.5
    thin = canopy_rasters(t.subset(keep), (50, 50), 10.0)
    assert thin.bulk_density_kg_m3.mean() < 0.7 * full.bulk_density_kg_m3.mean()
    assert thin.cover.mean() < full.cover.mean()
    assert np.all(thin.cover <= full.cover)  # removing crowns never adds cover
    dense = canopy_rasters(place_trees(cfg.__class__(trees_per_ha=500, species={"pine": 1.0}, clustering=0.2),
                                       elev, elev, 10.0, None, 8), (50, 50), 10.0)
    assert dense.bulk_density_kg_m3.mean() == pytest.approx(2 * full.bulk_density_kg_m3.mean(), rel=0.2)
    assert dense.cover.mean() > full.cover.mean()


def test_no_trees_gives_zero_rasters_and_bad_shape_raises() -> None:
    c = canopy_rasters(Trees.empty(("pine",)), (4, 6), 10.0)
    for arr in (c.cover, c.height_m, c.base_height_m, c.bulk_density_kg_m3):
        assert arr.shape == (4, 6) and not arr.any()
    with pytest.raises(RasterError, match="shape"):
        canopy_rasters(Trees.empty(), (0, 6), 10.0)
    with pytest.raises(RasterError, match="cell_m"):
        canopy_rasters(Trees.empty(), (4, 6), -1.0)


def test_stem_on_the_far_edge_is_binned_inside() -> None:
    t = make_trees([30.0], [20.0], [10.0], [2.0], [1.0], [1.0], [1.0])
    c = canopy_rasters(t, (2, 3), 10.0)
    assert c.height_m[1, 2] == pytest.approx(10.0)
