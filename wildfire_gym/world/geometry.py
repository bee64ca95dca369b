"""Procedural 3-D geometry of the world: trees, terrain and houses, as merged trimesh meshes.

Trees are built from *vectorised templates*: for each species a few template meshes
(:data:`TEMPLATES_PER_SPECIES`) are made once per level of detail -- a tapered trunk,
several branch stubs, and a crown of several lumpy lobes (tiers of drooping cones for
conifers, clusters of perturbed spheres for broadleaves and shrubs), normalised so the
crown spans exactly radius 1 and height [0, 1]. Every tree is then its template's
vertices scaled, rotated about the vertical and translated with numpy, all trees of a
template at once; there is no per-tree trimesh call. All crowns go into one mesh and
all wood (trunks + branches) into another, each with a per-vertex tree id.

Template vertex frames (per vertex, so one template scales with several sizes):

* crown vertices: ``x, y`` times the crown radius, ``z`` = crown base + ``u_z`` x crown
  length;
* wood vertices: ``x, y`` times either the trunk radius or the crown radius, ``z`` as
  a fraction of the total height above the ground or in the crown frame above.

Coordinates: x east, y north, z up, metres; a tree's yaw comes from its ``shape_seed``.
Everything is deterministic: the same trees give identical arrays and GLB bytes.
"""

from __future__ import annotations

import logging
import math
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import trimesh

from ..errors import RasterError, ScenarioError
from ..io.atomic import atomic_write_bytes
from ..species import Species, crown_profile, species_table
from .landscape import Structures, Trees

log = logging.getLogger(__name__)

TEMPLATES_PER_SPECIES: int = 3
"""Distinct template shapes per species (a tree picks one from its shape_seed)."""

LOD_LEVELS: tuple[int, ...] = (0, 1, 2)
"""Levels of detail: 0 coarse (many trees far away), 1 default, 2 close-up."""

_LOD_PARAMS: dict[int, dict[str, int]] = {
    0: {"tiers": 3, "cone_sections": 5, "lobes": 3, "sphere_subdiv": 0, "trunk_sections": 4,
        "branches": 2, "branch_sections": 3},
    1: {"tiers": 5, "cone_sections": 7, "lobes": 5, "sphere_subdiv": 1, "trunk_sections": 6,
        "branches": 4, "branch_sections": 3},
    2: {"tiers": 7, "cone_sections": 10, "lobes": 7, "sphere_subdiv": 2, "trunk_sections": 10,
        "branches": 6, "branch_sections": 4},
}

TRUNK_FLARE: float = 1.15
"""Trunk radius at the ground relative to half the DBH (root flare)."""

MIN_TRUNK_RADIUS_M: float = 0.04
"""Thinnest rendered trunk radius at the ground, m."""

MAX_TRUNK_TO_CROWN_RADIUS: float = 0.35
"""A trunk is never wider than this fraction of its crown radius."""

TRUNK_BURIAL: float = 0.03
"""Trunk base sunk below the stem's ground point, fraction of tree height (hides gaps on slopes)."""

FOLIAGE_JITTER: float = 0.12
"""Per-tree relative spread of foliage brightness (each channel also shifts by a third of it)."""

CROWN_SHADE_BOTTOM: float = 0.72
"""Foliage brightness at the crown base relative to the top (self-shading of the lower crown)."""

WALL_RGB: tuple[int, int, int] = (196, 184, 160)
ROOF_RGB: tuple[int, int, int] = (122, 62, 48)
ROOF_PITCH_DEG: float = 30.0
"""Pitch of the gable roofs, degrees."""
ROOF_OVERHANG_M: float = 0.5
"""Eave and gable overhang of a roof, m."""
HOUSE_MAX_GROUND_SLOPE_DEG: float = 15.0
"""Walls reach down as if the ground under the footprint sloped this much (houses are placed
on ground at most this steep), degrees."""


# ============================================================== tree templates
@dataclass(frozen=True)
class TreeTemplate:
    """One tree shape in unit frames, scaled per tree by :func:`tree_meshes` and the renderer's
    instancing: the crown's vertices ``crown_u`` (widest horizontal radius 1, z from the crown
    base 0 to the top 1), its faces and per-vertex shade (a darker crown bottom); the wood
    (trunk and branches) ``wood_u`` whose vertex runs ``(start, stop, xy in crown radii?, z in
    the crown frame?)`` say how each run is scaled (else in trunk radii and tree heights)."""

    crown_u: np.ndarray  # float32 [Vc, 3]
    crown_faces: np.ndarray  # int64 [Fc, 3]
    crown_shade: np.ndarray  # float32 [Vc]
    wood_u: np.ndarray  # float32 [Vw, 3]
    wood_runs: tuple[tuple[int, int, bool, bool], ...]  # (start, stop, xy in crown radii?, z in crown frame?)
    wood_faces: np.ndarray  # int64 [Fw, 3]


def _ring(n: int, radius: np.ndarray | float, z: np.ndarray | float, phase: float = 0.0) -> np.ndarray:
    a = phase + 2.0 * np.pi * np.arange(n) / n
    r = np.broadcast_to(np.asarray(radius, np.float64), (n,))
    zz = np.broadcast_to(np.asarray(z, np.float64), (n,))
    return np.column_stack([r * np.cos(a), r * np.sin(a), zz])


def _frustum(n: int, closed_top: bool) -> tuple[np.ndarray, int]:
    """Faces of a ring-0 -> ring-1 tube of ``n`` sections, closed by a cone to an apex when
    ``closed_top`` (vertices: ring0, ring1, [apex]).

    Faces are counter-clockwise seen from outside. Returns (faces, n_vertices)."""
    i = np.arange(n)
    j = (i + 1) % n
    faces = [np.column_stack([i, j, n + j]), np.column_stack([i, n + j, n + i])]
    nv = 2 * n
    if closed_top:
        faces.append(np.column_stack([n + i, n + j, np.full(n, 2 * n)]))
        nv += 1
    return np.concatenate(faces).astype(np.int64), nv


def _orient_outward(verts: np.ndarray, faces: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Flip faces whose normal points towards ``centre`` (each part is star-shaped about it)."""
    tri = verts[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    flip = np.einsum("ij,ij->i", normal, tri.mean(axis=1) - centre) < 0
    out = faces.copy()
    out[flip] = out[flip][:, ::-1]
    return out


HUB_CAP_RISE = 0.1
"""Height of a conifer tier's underside cap centre above the tier's base (crown-length units):
the underside rises from the drooping rim to the stem (the hub ring sits at 0.06)."""


def _conifer_crown(sp: Species, rng: np.random.Generator, p: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Stacked drooping cones (tiers) following the species' crown profile."""
    tiers, m = p["tiers"], p["cone_sections"]
    verts: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    base_z = np.linspace(0.0, 0.72, tiers) + rng.uniform(-0.03, 0.03, tiers) * (np.arange(tiers) > 0)
    for k, zb in enumerate(base_z):
        top = 1.0 if k == tiers - 1 else min(1.0, zb + 0.2 + 0.3 * (1.0 - zb) + rng.uniform(0.0, 0.05))
        # skirts flare past the profile so the tiers read as separate whorls of branches
        rb = max(float(crown_profile(sp.crown_shape, zb)), 0.12) * rng.uniform(1.0, 1.2)
        lump = rng.uniform(0.8, 1.15, m)
        droop = rng.uniform(-0.05, 0.0, m)
        phase = rng.uniform(0, 2 * np.pi)
        rim = _ring(m, rb * lump, zb + droop, phase=phase)
        hub = _ring(m, 0.2 * rb, zb + 0.06, phase=phase)  # concave underside: branches hang from the stem
        lean = rng.normal(0.0, 0.04, 2) * (k < tiers - 1)
        apex = np.array([[lean[0], lean[1], top]])
        cap = np.array([[0.0, 0.0, zb + HUB_CAP_RISE]])
        # rim -> apex as the outer cone; rim -> hub as the underside, the hub closed by a cap:
        # each tier is a closed solid, every face wound counter-clockwise seen from outside
        # (the rings run counter-clockwise seen from above), so back faces can be culled
        v = np.concatenate([rim, hub, apex, cap])
        i = np.arange(m)
        j = (i + 1) % m
        outer = np.column_stack([i, j, np.full(m, 2 * m)])
        under = np.concatenate([np.column_stack([i, m + j, j]), np.column_stack([i, m + i, m + j])])
        hub_cap = np.column_stack([m + i, np.full(m, 2 * m + 1), m + j])
        faces.append(np.concatenate([outer, under, hub_cap]) + sum(x.shape[0] for x in verts))
        verts.append(v)
    return np.concatenate(verts), np.concatenate(faces)


@lru_cache(maxsize=4)
def _icosphere(subdiv: int) -> tuple[np.ndarray, np.ndarray]:
    s = trimesh.creation.icosphere(subdivisions=subdiv, radius=1.0)
    return np.asarray(s.vertices, np.float64), np.asarray(s.faces, np.int64)


def _lobed_crown(sp: Species, rng: np.random.Generator, p: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """A cluster of lumpy spherical lobes filling the species' crown envelope."""
    sv, sf = _icosphere(p["sphere_subdiv"])
    n_lobes = p["lobes"]
    hemisphere = sp.crown_shape == "hemisphere"
    verts: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    phase = rng.uniform(0, 2 * np.pi)
    for k in range(n_lobes):
        if k == 0:  # the central mass
            c = np.array([0.0, 0.0, 0.38 if hemisphere else 0.5])
            r = np.array([0.62, 0.62, 0.42 if hemisphere else 0.5])
        else:
            zc = rng.uniform(0.2, 0.45) if hemisphere else rng.uniform(0.3, 0.7)
            a = phase + 2.0 * np.pi * (k - 1) / (n_lobes - 1) + rng.uniform(-0.3, 0.3)
            d = 0.55 * max(float(crown_profile(sp.crown_shape, zc)), 0.3)
            c = np.array([d * math.cos(a), d * math.sin(a), zc])
            rr = rng.uniform(0.36, 0.48)
            r = np.array([rr, rr, rr * rng.uniform(0.75, 1.0)])
        lump = rng.uniform(0.85, 1.12, sv.shape[0])[:, None]
        v = c + sv * r * lump
        faces.append(sf + sum(x.shape[0] for x in verts))
        verts.append(v)
    return np.concatenate(verts), np.concatenate(faces)


def _branches(rng: np.random.Generator, p: dict[str, int], conifer: bool) -> tuple[np.ndarray, np.ndarray]:
    """Thin tapered branch stubs in the crown frame (x, y in crown radii, z in crown lengths)."""
    n, m = p["branches"], p["branch_sections"]
    side, nv = _frustum(m, closed_top=True)
    verts: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    phase = rng.uniform(0, 2 * np.pi)
    for k in range(n):
        a = phase + 2.0 * np.pi * k / n + rng.uniform(-0.4, 0.4)
        if conifer:  # stubs low in the crown and a few dead ones below it, nearly horizontal
            z0 = rng.uniform(-0.08, 0.35)
            length, rise = rng.uniform(0.5, 0.8), rng.uniform(-0.05, 0.08)
        else:  # limbs from the top of the trunk towards the lobes
            z0 = rng.uniform(0.05, 0.3)
            length, rise = rng.uniform(0.45, 0.65), rng.uniform(0.2, 0.4)
        d = np.array([math.cos(a), math.sin(a), rise])
        d /= np.linalg.norm(d)
        # orthonormal frame around the branch axis
        e1 = np.cross(d, [0.0, 0.0, 1.0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(d, e1)
        ang = 2.0 * np.pi * np.arange(m) / m
        base_r, tip_r = 0.035, 0.012
        start = np.array([0.0, 0.0, z0])
        end = start + d * length
        ring0 = start + base_r * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)
        ring1 = end + tip_r * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)
        tip = end + d * 0.03
        v = np.concatenate([ring0, ring1, tip[None]])
        f = _orient_outward(v, side, (start + end) / 2.0)
        faces.append(f + sum(x.shape[0] for x in verts))
        verts.append(v)
    return np.concatenate(verts), np.concatenate(faces)


def _normalise_crown(v: np.ndarray) -> np.ndarray:
    """Scale a crown so its widest horizontal radius is 1 and its z spans [0, 1]."""
    out = v.copy()
    zmin, zmax = out[:, 2].min(), out[:, 2].max()
    out[:, 2] = (out[:, 2] - zmin) / (zmax - zmin)
    out[:, :2] /= np.hypot(out[:, 0], out[:, 1]).max()
    return out


def _template_seed(name: str, variant: int, lod: int) -> int:
    return zlib.crc32(f"{name}:{variant}:{lod}".encode())


def tree_template(species: str, variant: int, lod: int = 1) -> TreeTemplate:
    """The shape template ``variant`` (0 .. :data:`TEMPLATES_PER_SPECIES` - 1) of ``species`` at
    level of detail ``lod``: deterministic (seeded by species, variant and lod) and made once per
    process (cached; templates are immutable). Each tree uses the variant
    :func:`tree_template_index` draws from its ``shape_seed``."""
    table = species_table()
    if species not in table:
        raise ScenarioError("species", "a species of the species table: " + ", ".join(sorted(table)), species)
    if not (isinstance(variant, (int, np.integer)) and 0 <= variant < TEMPLATES_PER_SPECIES):
        raise ScenarioError("variant", f"an integer in [0, {TEMPLATES_PER_SPECIES - 1}]", variant)
    _check_lod(lod)
    return _make_tree_template(species, int(variant), int(lod))


@lru_cache(maxsize=64)
def _make_tree_template(name: str, variant: int, lod: int) -> TreeTemplate:
    sp = species_table()[name]
    p = _LOD_PARAMS[lod]
    rng = np.random.default_rng(_template_seed(name, variant, lod))
    conifer = sp.crown_shape in ("cone", "paraboloid")
    if conifer:
        cv, cf = _conifer_crown(sp, rng, p)
    else:
        cv, cf = _lobed_crown(sp, rng, p)
    cv = _normalise_crown(cv)
    shade = CROWN_SHADE_BOTTOM + (1.0 - CROWN_SHADE_BOTTOM) * cv[:, 2]
    shade = shade * rng.uniform(0.94, 1.06, cv.shape[0])

    # Trunk: a ring at the ground (trunk radius), a tapered ring high in the crown, a tip.
    m = p["trunk_sections"]
    trunk_faces, trunk_nv = _frustum(m, closed_top=True)
    top_z = 0.9 if conifer else 0.35
    ring0 = _ring(m, 1.0, -TRUNK_BURIAL)
    ring1 = _ring(m, 0.3, top_z)
    tip = np.array([[0.0, 0.0, min(top_z + 0.06, 1.0)]])
    trunk_v = np.concatenate([ring0, ring1, tip])
    xy_crown = np.zeros(trunk_nv, bool)
    z_crown = np.concatenate([np.zeros(m, bool), np.ones(m + 1, bool)])
    bv, bf = _branches(rng, p, conifer)
    wood_v = np.concatenate([trunk_v, bv])
    wood_f = np.concatenate([trunk_faces, bf + trunk_nv])
    xy_crown = np.concatenate([xy_crown, np.ones(bv.shape[0], bool)])
    z_crown = np.concatenate([z_crown, np.ones(bv.shape[0], bool)])
    return TreeTemplate(
        crown_u=cv.astype(np.float32), crown_faces=cf.astype(np.int64), crown_shade=shade.astype(np.float32),
        wood_u=wood_v.astype(np.float32), wood_runs=tuple(_runs(xy_crown, z_crown)),
        wood_faces=wood_f.astype(np.int64),
    )


def template_vertex_counts(species: str, lod: int = 1) -> list[tuple[int, int]]:
    """``(crown vertices, wood vertices)`` of each template of ``species`` at ``lod``."""
    _check_lod(lod)
    return [(t.crown_u.shape[0], t.wood_u.shape[0])
            for t in (tree_template(species, v, lod) for v in range(TEMPLATES_PER_SPECIES))]


def _check_lod(lod: int) -> None:
    if lod not in _LOD_PARAMS:
        raise ScenarioError("lod", f"one of {LOD_LEVELS}", lod)


# ============================================================== per-tree variation
def _hash_uniform(seed: np.ndarray, salt: int) -> np.ndarray:
    """A uniform [0, 1) number per tree from its 32-bit ``shape_seed`` (SplitMix64 finaliser)."""
    z = seed.astype(np.uint64) + np.uint64((0x9E3779B97F4A7C15 * (salt + 1)) & 0xFFFFFFFFFFFFFFFF)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def tree_template_index(shape_seed: np.ndarray) -> np.ndarray:
    """Which of the species' templates each tree uses."""
    return (np.asarray(shape_seed, np.uint32) % np.uint32(TEMPLATES_PER_SPECIES)).astype(np.int64)


def tree_yaw_rad(shape_seed: np.ndarray) -> np.ndarray:
    """Rotation of each tree's template about the vertical, radians (counter-clockwise from east)."""
    return 2.0 * np.pi * _hash_uniform(np.asarray(shape_seed, np.uint32), 1)


def tree_foliage_rgb(trees: Trees) -> np.ndarray:
    """Per-tree foliage colour, float [N, 3] in 0-255: species colour with seeded jitter."""
    table = species_table()
    base = np.array([table[n].foliage_rgb for n in trees.species_names] or [(0, 0, 0)], np.float64)
    rgb = base[np.asarray(trees.species, np.int64)]
    seed = np.asarray(trees.shape_seed, np.uint32)
    bright = 1.0 + FOLIAGE_JITTER * (2.0 * _hash_uniform(seed, 2) - 1.0)
    tint = np.stack([1.0 + FOLIAGE_JITTER / 3.0 * (2.0 * _hash_uniform(seed, 3 + c) - 1.0) for c in range(3)], 1)
    return rgb * bright[:, None] * tint


def trunk_radius_m(trees: Trees) -> np.ndarray:
    """Rendered trunk radius at the ground, m: half the species' DBH for the tree's height,
    flared, at least :data:`MIN_TRUNK_RADIUS_M`, at most a fraction of the crown radius."""
    table = species_table()
    h = np.asarray(trees.height_m, np.float64)
    dbh = np.empty_like(h)
    for k, name in enumerate(trees.species_names):
        sel = np.asarray(trees.species) == k
        dbh[sel] = table[name].dbh_cm(h[sel])
    r = 0.005 * dbh * TRUNK_FLARE
    return np.clip(r, MIN_TRUNK_RADIUS_M, np.maximum(MAX_TRUNK_TO_CROWN_RADIUS * trees.crown_radius_m, MIN_TRUNK_RADIUS_M))


# ============================================================== tree meshes
@dataclass(frozen=True)
class TreeGeometry:
    """Merged meshes of all trees: crowns and wood (trunks + branches), each with the
    id of the tree every vertex belongs to (``int32``, the :attr:`Trees.id` values).

    Vertex colours (RGBA uint8) are set on both meshes: foliage by species with a
    per-tree jitter, wood by species bark colour.
    """

    crown: trimesh.Trimesh
    wood: trimesh.Trimesh
    crown_tree_id: np.ndarray
    wood_tree_id: np.ndarray


def _empty_mesh() -> trimesh.Trimesh:
    return trimesh.Trimesh(vertices=np.zeros((0, 3), np.float32), faces=np.zeros((0, 3), np.int64), process=False)


def _runs(xy_crown: np.ndarray, z_crown: np.ndarray) -> list[tuple[int, int, bool, bool]]:
    """Contiguous runs of template vertices sharing one frame: (start, stop, xy_crown, z_crown)."""
    key = xy_crown.astype(np.int8) * 2 + z_crown.astype(np.int8)
    cuts = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], cuts])
    stops = np.concatenate([cuts, [key.size]])
    return [(int(a), int(b), bool(xy_crown[a]), bool(z_crown[a])) for a, b in zip(starts, stops, strict=True)]


def _place(out: np.ndarray, u: np.ndarray, sxy: np.ndarray, sz: np.ndarray, oz: np.ndarray | float,
           cos_y: np.ndarray, sin_y: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    """Template vertices ``u`` [V, 3] -> world coordinates in ``out`` [n, V, 3]: per-tree
    horizontal scale ``sxy``, vertical scale ``sz`` and lift ``oz`` (columns [n, 1]),
    rotation about z (``cos_y``, ``sin_y``), translation (``x, y, z``)."""
    lx = u[None, :, 0] * sxy
    ly = u[None, :, 1] * sxy
    out[..., 0] = x + cos_y * lx - sin_y * ly
    out[..., 1] = y + sin_y * lx + cos_y * ly
    out[..., 2] = (z + oz) + u[None, :, 2] * sz


def tree_meshes(trees: Trees, lod: int = 1) -> TreeGeometry:
    """Merged crown and wood meshes of every tree, built from vectorised templates.

    Args:
        trees: the trees (positions, sizes, species, shape seeds).
        lod: level of detail, one of :data:`LOD_LEVELS`.

    Returns:
        :class:`TreeGeometry`. Vertices are grouped by (species, template), all of a
        tree's vertices contiguous; a mesh holds ``sum(template vertices x trees)``.
    """
    _check_lod(lod)
    table = species_table()
    for name in trees.species_names:
        if name not in table:
            raise ScenarioError("trees.species_names", "species of the species table: " + ", ".join(sorted(table)), name)
    if len(trees) == 0:
        e = np.zeros(0, np.int32)
        return TreeGeometry(_empty_mesh(), _empty_mesh(), e, e.copy())

    f64 = np.float64

    def col(a: np.ndarray) -> np.ndarray:  # per-tree column for broadcasting
        return np.asarray(a, f64)[:, None]

    h = np.asarray(trees.height_m, f64)
    cb = np.clip(np.asarray(trees.crown_base_m, f64), 0.0, h)
    length = np.maximum(h - cb, 1e-3)
    radius = np.maximum(np.asarray(trees.crown_radius_m, f64), 1e-3)
    rt = trunk_radius_m(trees)
    yaw = tree_yaw_rad(trees.shape_seed)
    cos_all, sin_all = np.cos(yaw), np.sin(yaw)
    tmpl_idx = tree_template_index(trees.shape_seed)
    foliage = np.clip(tree_foliage_rgb(trees), 0.0, 240.0).astype(np.float32)
    species = np.asarray(trees.species, np.int64)

    # Pass 1: groups of trees sharing a template, and the sizes of the merged arrays.
    groups: list[tuple[np.ndarray, TreeTemplate, np.ndarray]] = []
    nvc = nfc = nvw = nfw = 0
    for k, name in enumerate(trees.species_names):
        bark = np.array(table[name].bark_rgb, np.uint8)
        for t in range(TEMPLATES_PER_SPECIES):
            idx = np.flatnonzero((species == k) & (tmpl_idx == t))
            if idx.size == 0:
                continue
            tp = tree_template(name, t, lod)
            groups.append((idx, tp, bark))
            nvc += idx.size * tp.crown_u.shape[0]
            nfc += idx.size * tp.crown_faces.shape[0]
            nvw += idx.size * tp.wood_u.shape[0]
            nfw += idx.size * tp.wood_faces.shape[0]

    # Pass 2: write every group straight into the merged arrays (no concatenation copies).
    c_v = np.empty((nvc, 3), f64)
    c_f = np.empty((nfc, 3), np.int64)
    c_rgba = np.empty((nvc, 4), np.uint8)
    c_id = np.empty(nvc, np.int32)
    w_v = np.empty((nvw, 3), f64)
    w_f = np.empty((nfw, 3), np.int64)
    w_rgba = np.empty((nvw, 4), np.uint8)
    w_id = np.empty(nvw, np.int32)
    c_rgba[:, 3] = 255
    w_rgba[:, 3] = 255
    cvo = cfo = wvo = wfo = 0
    for idx, tp, bark in groups:
        n = idx.size
        x, y, z = col(trees.x_m[idx]), col(trees.y_m[idx]), col(trees.z_m[idx])
        cy, sy = col(cos_all[idx]), col(sin_all[idx])
        R, L, CB, H, RT = col(radius[idx]), col(length[idx]), col(cb[idx]), col(h[idx]), col(rt[idx])
        ids = np.asarray(trees.id, np.int32)[idx]

        # crowns
        vc, fc = tp.crown_u.shape[0], tp.crown_faces.shape[0]
        _place(c_v[cvo:cvo + n * vc].reshape(n, vc, 3), tp.crown_u, R, L, CB, cy, sy, x, y, z)
        np.add(tp.crown_faces[None], (cvo + vc * np.arange(n))[:, None, None],
               out=c_f[cfo:cfo + n * fc].reshape(n, fc, 3))
        # per-tree colour <= 240 and vertex shade <= 1.06: no clipping needed below 255
        c_rgba[cvo:cvo + n * vc].reshape(n, vc, 4)[..., :3] = (
            foliage[idx][:, None, :] * tp.crown_shade[None, :, None] + np.float32(0.5))
        c_id[cvo:cvo + n * vc] = np.repeat(ids, vc)
        cvo += n * vc
        cfo += n * fc

        # wood: runs of vertices in the trunk or crown frames
        vw, fw = tp.wood_u.shape[0], tp.wood_faces.shape[0]
        wverts = w_v[wvo:wvo + n * vw].reshape(n, vw, 3)
        for a, b, xy_crown, z_crown in tp.wood_runs:
            _place(wverts[:, a:b], tp.wood_u[a:b], R if xy_crown else RT, L if z_crown else H,
                   CB if z_crown else 0.0, cy, sy, x, y, z)
        np.add(tp.wood_faces[None], (wvo + vw * np.arange(n))[:, None, None],
               out=w_f[wfo:wfo + n * fw].reshape(n, fw, 3))
        w_rgba[wvo:wvo + n * vw, :3] = bark
        w_id[wvo:wvo + n * vw] = np.repeat(ids, vw)
        wvo += n * vw
        wfo += n * fw

    crown = trimesh.Trimesh(vertices=c_v, faces=c_f, vertex_colors=c_rgba, process=False, validate=False)
    wood = trimesh.Trimesh(vertices=w_v, faces=w_f, vertex_colors=w_rgba, process=False, validate=False)
    return TreeGeometry(crown, wood, c_id, w_id)


# ============================================================== terrain
def terrain_mesh(elevation_m: np.ndarray, cell_m: float, stride: int = 1) -> trimesh.Trimesh:
    """A triangulated heightfield with vertices at cell centres (x east, y north, z up, m).

    Args:
        elevation_m: ``[ny, nx]`` elevation, row 0 the southernmost.
        cell_m: cell size, m.
        stride: keep every ``stride``-th row and column (the last row and column are
            always kept, so the mesh spans the whole raster).

    Returns:
        A mesh of ``ny' x nx'`` vertices and ``2 (ny'-1)(nx'-1)`` faces, normals up.
        Vertices are in row-major order of the kept grid (south row first, west to
        east), so vertex ``r * nx' + c`` is raster cell ``(rows[r], cols[c])``.
    """
    elev = np.asarray(elevation_m)
    if elev.ndim != 2 or min(elev.shape) < 2:
        raise RasterError(f"elevation_m: expected a 2-D raster of at least 2 x 2 cells, got shape {elev.shape}")
    if not np.all(np.isfinite(elev)):
        raise RasterError("elevation_m: expected finite elevations (fill nodata before meshing)")
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise RasterError(f"cell_m: expected a positive cell size in metres, got {cell_m}")
    if int(stride) < 1:
        raise ScenarioError("stride", "an integer >= 1", stride)
    ny, nx = elev.shape
    rows = np.unique(np.append(np.arange(0, ny, int(stride)), ny - 1))
    cols = np.unique(np.append(np.arange(0, nx, int(stride)), nx - 1))
    gy, gx = np.meshgrid((rows + 0.5) * cell_m, (cols + 0.5) * cell_m, indexing="ij")
    verts = np.column_stack([gx.ravel(), gy.ravel(), elev[np.ix_(rows, cols)].ravel()]).astype(np.float32)
    my, mx = rows.size, cols.size
    a = (np.arange(my - 1)[:, None] * mx + np.arange(mx - 1)[None, :]).ravel()
    b, c, d = a + 1, a + mx + 1, a + mx  # east, north-east, north neighbours
    faces = np.concatenate([np.column_stack([a, b, c]), np.column_stack([a, c, d])]).astype(np.int64)
    return trimesh.Trimesh(vertices=verts, faces=faces, process=False, validate=False)


# ============================================================== houses
@lru_cache(maxsize=1)
def _house_template() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit house: per-vertex coefficients and faces.

    Coefficient columns: x = c0 L/2 + c1 o; y = c2 W/2 + c3 o;
    z = c4 (-foundation) + c5 eave + c6 (W/2 tan p) + c7 (o tan p). Returns
    (coefficients [V, 8], faces [F, 3], is_roof [V])."""
    coef: list[list[float]] = []
    faces: list[list[int]] = []
    roof: list[bool] = []

    def quad(vs: list[list[float]], is_roof: bool) -> None:
        base = len(coef)
        coef.extend(vs)
        roof.extend([is_roof] * 4)
        faces.extend([[base, base + 1, base + 2], [base, base + 2, base + 3]])

    def tri(vs: list[list[float]], is_roof: bool) -> None:
        base = len(coef)
        coef.extend(vs)
        roof.extend([is_roof] * 3)
        faces.append([base, base + 1, base + 2])

    def wall_pt(sx: float, sy: float, top: bool) -> list[float]:
        return [sx, 0, sy, 0, 0.0 if top else 1.0, 1.0 if top else 0.0, 0, 0]

    for sx, sy, tx, ty in ((1, -1, 1, 1), (1, 1, -1, 1), (-1, 1, -1, -1), (-1, -1, 1, -1)):
        quad([wall_pt(sx, sy, False), wall_pt(tx, ty, False), wall_pt(tx, ty, True), wall_pt(sx, sy, True)], False)
    for sx in (1, -1):  # gable triangles
        tri([wall_pt(sx, -1, True), wall_pt(sx, 1, True), [sx, 0, 0, 0, 0, 1, 1, 0]], False)
    for sy in (1, -1):  # roof planes, eave to ridge, with overhang
        eave = [[sx, sx, sy, sy, 0, 1, 0, -1] for sx in (1, -1)]
        ridge = [[sx, sx, 0, 0, 0, 1, 1, 0] for sx in (-1, 1)]
        quad([eave[0], eave[1], ridge[0], ridge[1]], True)
    c = np.array(coef, np.float64)
    f = np.array(faces, np.int64)
    # Orient faces outward using a nominal 14 x 10 x 6 m house.
    v = _house_vertices(c, np.array([14.0]), np.array([10.0]), np.array([6.0]))[0]
    f = _orient_outward(v, f, np.array([0.0, 0.0, 3.0]))
    return c, f, np.array(roof, bool)


def _house_vertices(coef: np.ndarray, length: np.ndarray, width: np.ndarray, eave: np.ndarray) -> np.ndarray:
    """Local (unrotated) house vertices [M, V, 3] from template coefficients."""
    L, W, He = length[:, None], width[:, None], eave[:, None]
    o = ROOF_OVERHANG_M
    tp = math.tan(math.radians(ROOF_PITCH_DEG))
    found = 0.3 + 0.5 * np.hypot(L, W) * math.tan(math.radians(HOUSE_MAX_GROUND_SLOPE_DEG))
    x = coef[None, :, 0] * L / 2 + coef[None, :, 1] * o
    y = coef[None, :, 2] * W / 2 + coef[None, :, 3] * o
    z = -coef[None, :, 4] * found + coef[None, :, 5] * He + coef[None, :, 6] * (W / 2) * tp + coef[None, :, 7] * o * tp
    return np.stack([x, y, z], axis=-1)


def house_meshes(structures: Structures) -> tuple[trimesh.Trimesh, np.ndarray]:
    """One merged mesh of every house (walls sunk into the ground + a pitched gable roof).

    Returns ``(mesh, house_id)``: ``house_id`` is the int32 :attr:`Structures.id` of each
    vertex. Walls and roofs carry vertex colours :data:`WALL_RGB` and :data:`ROOF_RGB`.
    """
    m = len(structures)
    if m == 0:
        return _empty_mesh(), np.zeros(0, np.int32)
    coef, faces, is_roof = _house_template()
    f64 = np.float64
    local = _house_vertices(coef, np.asarray(structures.length_m, f64), np.asarray(structures.width_m, f64),
                            np.asarray(structures.height_m, f64))
    # Long (local x) axis along compass yaw: local x -> (sin yaw, cos yaw), local y -> (-cos yaw, sin yaw).
    yaw = np.radians(np.asarray(structures.yaw_deg, f64))[:, None]
    s, c = np.sin(yaw), np.cos(yaw)
    verts = np.empty_like(local)
    verts[..., 0] = np.asarray(structures.x_m, f64)[:, None] + s * local[..., 0] - c * local[..., 1]
    verts[..., 1] = np.asarray(structures.y_m, f64)[:, None] + c * local[..., 0] + s * local[..., 1]
    verts[..., 2] = np.asarray(structures.z_m, f64)[:, None] + local[..., 2]
    v = coef.shape[0]
    all_faces = (faces[None] + (v * np.arange(m))[:, None, None]).reshape(-1, 3)
    colours = np.where(is_roof[:, None], np.array(ROOF_RGB + (255,)), np.array(WALL_RGB + (255,))).astype(np.uint8)
    mesh = trimesh.Trimesh(vertices=verts.reshape(-1, 3).astype(np.float32), faces=all_faces,
                           vertex_colors=np.tile(colours, (m, 1)), process=False, validate=False)
    return mesh, np.repeat(np.asarray(structures.id, np.int32), v)


# ============================================================== export
def export_glb(mesh_or_scene: trimesh.Trimesh | trimesh.Scene | Sequence[trimesh.Trimesh],
               path: str | os.PathLike[str]) -> None:
    """Write a mesh, a list of meshes or a scene as binary glTF (GLB), atomically.

    A list becomes a scene whose nodes are named ``part0``, ``part1``... in order, so the
    bytes depend only on the geometry (identical for identical meshes).
    """
    if isinstance(mesh_or_scene, trimesh.Scene):
        scene = mesh_or_scene
    else:
        meshes = [mesh_or_scene] if isinstance(mesh_or_scene, trimesh.Trimesh) else list(mesh_or_scene)
        scene = trimesh.Scene()
        for i, m in enumerate(meshes):
            if not isinstance(m, trimesh.Trimesh):
                raise TypeError(f"export_glb: expected trimesh.Trimesh parts, got {type(m).__name__} at {i}")
            if len(m.faces) == 0:
                continue
            scene.add_geometry(m, geom_name=f"part{i}", node_name=f"part{i}")
    data = scene.export(file_type="glb")
    atomic_write_bytes(path, data)
    log.debug("wrote %s (%d bytes)", path, len(data))
