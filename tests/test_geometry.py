"""Tree, terrain and house meshes; GLB export."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from wildfire_gym.errors import RasterError, ScenarioError
from wildfire_gym.scenario import VegetationConfig
from wildfire_gym.species import species_table
from wildfire_gym.world.geometry import (
    FOLIAGE_JITTER,
    ROOF_OVERHANG_M,
    ROOF_PITCH_DEG,
    TEMPLATES_PER_SPECIES,
    export_glb,
    house_meshes,
    template_vertex_counts,
    terrain_mesh,
    tree_meshes,
    tree_template,
    tree_template_index,
)
from wildfire_gym.world.landscape import Structures
from wildfire_gym.world.vegetation import place_trees

F = np.float32
SPECIES = {"pine": 0.3, "fir": 0.2, "oak": 0.2, "juniper": 0.2, "chaparral": 0.1}


def forest(seed: int = 1, n_cells: int = 20, density: float = 150.0):
    elev = (np.arange(n_cells * n_cells, dtype=F).reshape(n_cells, n_cells) * 0.1 + 300.0)
    return place_trees(VegetationConfig(trees_per_ha=density, species=SPECIES), elev, np.zeros_like(elev), 10.0,
                       None, seed)


@pytest.mark.parametrize("lod", [0, 1, 2])
def test_vertex_counts_are_template_times_trees(lod: int) -> None:
    t = forest()
    geo = tree_meshes(t, lod)
    tmpl = tree_template_index(t.shape_seed)
    exp_c = exp_w = 0
    for k, name in enumerate(t.species_names):
        counts = template_vertex_counts(name, lod)
        for v in range(TEMPLATES_PER_SPECIES):
            n = int(np.count_nonzero((t.species == k) & (tmpl == v)))
            exp_c += counts[v][0] * n
            exp_w += counts[v][1] * n
    assert len(geo.crown.vertices) == exp_c == geo.crown_tree_id.size
    assert len(geo.wood.vertices) == exp_w == geo.wood_tree_id.size
    assert geo.crown_tree_id.dtype == np.int32 and geo.wood_tree_id.dtype == np.int32
    assert set(np.unique(geo.crown_tree_id)) == set(t.id.tolist())
    assert geo.crown.faces.max() < len(geo.crown.vertices) and geo.wood.faces.min() >= 0


def test_crown_spans_the_tree_dimensions() -> None:
    t = forest(seed=2)
    geo = tree_meshes(t, 1)
    v = np.asarray(geo.crown.vertices, np.float64)
    ids = geo.crown_tree_id
    order = np.argsort(ids, kind="stable")
    bounds = np.flatnonzero(np.diff(ids[order])) + 1
    for group in np.split(order, bounds)[:60]:
        i = int(ids[group[0]])
        pts = v[group]
        base = float(t.z_m[i] + t.crown_base_m[i])
        top = float(t.z_m[i] + t.height_m[i])
        assert pts[:, 2].min() == pytest.approx(base, abs=2e-3 * top)
        assert pts[:, 2].max() == pytest.approx(top, abs=2e-3 * top)
        r = np.hypot(pts[:, 0] - t.x_m[i], pts[:, 1] - t.y_m[i]).max()
        assert r == pytest.approx(float(t.crown_radius_m[i]), rel=1e-3, abs=1e-3)
    # wood starts at (slightly below) the ground and stays under the tree top
    w = np.asarray(geo.wood.vertices, np.float64)
    wid = geo.wood_tree_id
    assert np.all(w[:, 2] <= (t.z_m + t.height_m)[wid] + 1e-3)
    assert np.all(w[:, 2] >= (t.z_m - 0.05 * t.height_m)[wid] - 1e-3)


def test_trees_of_one_template_differ_only_by_their_transform() -> None:
    t = forest(seed=3)
    geo = tree_meshes(t, 1)
    tmpl = tree_template_index(t.shape_seed)
    same = np.flatnonzero((t.species == t.species[0]) & (tmpl == tmpl[0]))
    a, b = int(t.id[same[0]]), int(t.id[same[1]])
    va = np.asarray(geo.crown.vertices[geo.crown_tree_id == a], np.float64)
    vb = np.asarray(geo.crown.vertices[geo.crown_tree_id == b], np.float64)
    assert va.shape == vb.shape
    # Undo each tree's translation and scale: what is left is the template up to a rotation
    # about z, so the heights match exactly and the horizontal radii match too.
    def canon(v: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
        z = (v[:, 2] - t.z_m[i] - t.crown_base_m[i]) / (t.height_m[i] - t.crown_base_m[i])
        r = np.hypot(v[:, 0] - t.x_m[i], v[:, 1] - t.y_m[i]) / t.crown_radius_m[i]
        return z, r
    za, ra = canon(va, a)
    zb, rb = canon(vb, b)
    np.testing.assert_allclose(za, zb, atol=2e-3)
    np.testing.assert_allclose(ra, rb, atol=2e-3)
    assert not np.allclose(va - va.mean(0), vb - vb.mean(0), atol=0.05)  # yet not a copy


def test_foliage_colours_follow_species_with_bounded_jitter() -> None:
    t = forest(seed=4)
    geo = tree_meshes(t, 1)
    rgba = np.asarray(geo.crown.visual.vertex_colors)
    assert rgba.shape == (len(geo.crown.vertices), 4) and np.all(rgba[:, 3] == 255)
    table = species_table()
    for k, name in enumerate(t.species_names):
        trees_k = set(t.id[t.species == k].tolist())
        sel = np.isin(geo.crown_tree_id, list(trees_k))
        mean = rgba[sel, :3].mean(0)
        ref = np.array(table[name].foliage_rgb, float)
        # vertex shade spans 0.72..1.0 (mean ~0.86); jitter averages out over trees
        np.testing.assert_allclose(mean / ref, 0.86, atol=0.06)
    per_tree = [rgba[geo.crown_tree_id == i, 1].astype(float).mean() for i in t.id[:40]]
    assert np.std(per_tree) > 0.5  # trees are not all one colour
    assert FOLIAGE_JITTER < 0.5


def test_same_trees_same_glb_bytes_and_round_trip(tmp_path) -> None:
    geo1 = tree_meshes(forest(seed=5, n_cells=10), 1)
    geo2 = tree_meshes(forest(seed=5, n_cells=10), 1)
    geo3 = tree_meshes(forest(seed=6, n_cells=10), 1)
    p1, p2, p3 = tmp_path / "a.glb", tmp_path / "b.glb", tmp_path / "c.glb"
    export_glb([geo1.wood, geo1.crown], p1)
    export_glb([geo2.wood, geo2.crown], p2)
    export_glb([geo3.wood, geo3.crown], p3)
    assert p1.read_bytes() == p2.read_bytes()
    assert p1.read_bytes() != p3.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left
    scene = trimesh.load(p1)
    assert len(scene.geometry["part1"].vertices) == len(geo1.crown.vertices)
    np.testing.assert_allclose(scene.geometry["part1"].vertices, geo1.crown.vertices, atol=1e-4)


def test_empty_trees_and_bad_lod() -> None:
    t = forest(density=0.0)
    geo = tree_meshes(t)
    assert len(geo.crown.vertices) == 0 and geo.crown_tree_id.size == 0
    with pytest.raises(ScenarioError, match="lod"):
        tree_meshes(forest(), lod=7)


# ------------------------------------------------------------------ terrain
def test_terrain_mesh_of_a_tilted_plane() -> None:
    ny, nx, cell = 12, 17, 5.0
    yy, xx = np.mgrid[0:ny, 0:nx]
    x, y = (xx + 0.5) * cell, (yy + 0.5) * cell
    elev = 100 + 0.3 * x - 0.2 * y
    m = terrain_mesh(elev, cell)
    assert len(m.vertices) == ny * nx and len(m.faces) == 2 * (ny - 1) * (nx - 1)
    v = m.vertices
    np.testing.assert_allclose(v[:, 2], 100 + 0.3 * v[:, 0] - 0.2 * v[:, 1], atol=1e-3)
    n = np.array([-0.3, 0.2, 1.0]) / math.sqrt(1.13)
    np.testing.assert_allclose(m.face_normals, np.tile(n, (len(m.faces), 1)), atol=1e-5)
    assert m.area == pytest.approx((nx - 1) * (ny - 1) * cell * cell * math.sqrt(1.13), rel=1e-5)


def test_terrain_mesh_stride_keeps_the_edges() -> None:
    elev = np.zeros((11, 8), F)
    m = terrain_mesh(elev, 10.0, stride=3)
    xs, ys = np.unique(m.vertices[:, 0]), np.unique(m.vertices[:, 1])
    np.testing.assert_allclose(xs, [5, 35, 65, 75])
    np.testing.assert_allclose(ys, [5, 35, 65, 95, 105])
    with pytest.raises(RasterError):
        terrain_mesh(np.zeros(5), 10.0)
    with pytest.raises(RasterError, match="finite"):
        terrain_mesh(np.full((3, 3), np.nan), 10.0)


# ------------------------------------------------------------------ houses
def _houses(yaws) -> Structures:
    m = len(yaws)
    return Structures(np.arange(m, dtype=np.int32), np.arange(m, dtype=F) * 50 + 100, np.full(m, 200, F),
                      np.full(m, 40, F), np.full(m, 14, F), np.full(m, 10, F), np.full(m, 6, F), np.array(yaws, F))


def test_house_meshes_dimensions_and_ids() -> None:
    s = _houses([0.0, 90.0, 30.0])
    mesh, hid = house_meshes(s)
    assert hid.dtype == np.int32 and hid.size == len(mesh.vertices)
    per = len(mesh.vertices) // 3
    np.testing.assert_array_equal(hid, np.repeat([0, 1, 2], per))
    v0 = mesh.vertices[hid == 0]
    # yaw 0: long axis north-south; the roof overhangs by 0.5 m
    assert v0[:, 1].max() - v0[:, 1].min() == pytest.approx(14 + 2 * ROOF_OVERHANG_M, abs=1e-4)
    assert v0[:, 0].max() - v0[:, 0].min() == pytest.approx(10 + 2 * ROOF_OVERHANG_M, abs=1e-4)
    ridge = 40 + 6 + 5 * math.tan(math.radians(ROOF_PITCH_DEG))
    assert v0[:, 2].max() == pytest.approx(ridge, abs=1e-4)
    assert v0[:, 2].min() < 40.0  # walls sunk into the ground
    v1 = mesh.vertices[hid == 1]
    assert v1[:, 0].max() - v1[:, 0].min() == pytest.approx(15.0, abs=1e-4)  # yaw 90: long axis east
    # every face points away from its house's vertical axis or up
    c = mesh.triangles_center
    owner = hid[mesh.faces[:, 0]]
    radial = c[:, :2] - np.c_[s.x_m, s.y_m][owner]
    outward = np.einsum("ij,ij->i", mesh.face_normals[:, :2], radial) + mesh.face_normals[:, 2]
    assert np.all(outward > 0)
    empty, eid = house_meshes(Structures.empty())
    assert len(empty.vertices) == 0 and eid.size == 0


def test_tree_template_is_public_cached_and_checks_its_arguments() -> None:
    name = sorted(species_table())[0]
    a = tree_template(name, 1, 0)
    assert a is tree_template(name, 1, 0)  # made once per process
    assert a.crown_u[:, 2].min() == 0.0 and a.crown_u[:, 2].max() == 1.0
    assert np.hypot(a.crown_u[:, 0], a.crown_u[:, 1]).max() == pytest.approx(1.0, abs=1e-6)
    assert template_vertex_counts(name, 0)[1] == (a.crown_u.shape[0], a.wood_u.shape[0])
    for args, field in (((name, TEMPLATES_PER_SPECIES, 1), "variant"), (("no-such-tree", 0, 1), "species"),
                        ((name, 0, 7), "lod")):
        with pytest.raises(ScenarioError, match=field):
            tree_template(*args)


@pytest.mark.parametrize("species", sorted(species_table()))
def test_every_crown_part_is_a_closed_solid_wound_outward(species: str) -> None:
    """Each crown lobe or tier is watertight, consistently wound and of positive volume, so a
    renderer may draw its front faces only (render.instancing culls back faces of such crowns)."""
    for variant in range(3):
        for lod in (0, 1, 2):
            tp = tree_template(species, variant, lod)
            m = trimesh.Trimesh(tp.crown_u.astype(np.float64), tp.crown_faces, process=True)
            parts = m.split(only_watertight=False)
            assert len(parts) >= 2
            for part in parts:
                assert part.is_watertight and part.is_winding_consistent, (species, variant, lod)
                assert part.volume > 0.0, (species, variant, lod)
