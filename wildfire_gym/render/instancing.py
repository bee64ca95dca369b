"""Trees by instancing: one mesh per species, template and level of detail, drawn once per
visible tree with its own transform and fire state.

The merged scene (:func:`.scene.build_static_geometry` with trees) copies every tree's mesh
into one buffer: 115k trees are ~39 M triangles and ~16 GB while the scene is built. Here a
template is stored once in its own unit frame (the world's tree templates: crown radius 1,
crown length 1, trunk radius 1) and placed in the vertex shader from per-tree data textures
exactly as :func:`wildfire_gym.world.geometry.tree_meshes` places it on the CPU -- horizontal
scale (crown or trunk radius), vertical scale (crown length or tree height), lift (crown base),
yaw, position -- so both paths draw the same trees and the same labels.

Each frame the trees are culled against the view frustum (bounding spheres) and given a level
of detail by the size of a reference crown on screen (:data:`~.passes.LOD_SWITCH_PX`,
:data:`~.passes.IMPOSTOR_SWITCH_PX`); trees smaller than :data:`MIN_TREE_PX` are not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..world import geometry as wg
    from ..world.landscape import Trees
    from .camera import Camera

TEMPLATE_FLOATS = 10
"""Template vertex: unit-frame position (3), unit-frame normal (3), shade (linear factor),
part (0 crown, 1 wood), horizontal frame (1 crown radius, 0 trunk radius), vertical frame
(1 crown: scaled by the crown length and lifted by the crown base; 0 the whole height)."""
LOD_NEAR, LOD_MID, LOD_FAR = 0, 1, 2
"""Levels of detail drawn: the configured tree detail, the middle detail, impostors."""
MIN_TREE_PX = 0.6
"""A tree whose reference crown spans fewer pixels than this is not drawn (the terrain's fuel
colour stands for the forest at that distance)."""
IMPOSTOR_BELLY = 0.35
"""Height of an impostor's widest ring in the crown frame (as in :func:`.scene.impostor_crowns`)."""


@dataclass(frozen=True)
class Template:
    """One unit-frame tree mesh."""

    vertices: np.ndarray  # float32 [V, TEMPLATE_FLOATS]
    indices: np.ndarray  # uint32 [3F]: the crown's faces first, then the wood's
    n_crown_indices: int = 0  # indices[:n_crown_indices] are the crown
    crown_closed: bool = False  # the crown is closed and wound outward: its back faces never show


@dataclass(frozen=True)
class TreeInstances:
    """Templates and per-tree placement data of a landscape's trees."""

    templates: dict[tuple[int, int, int], Template]  # (species, template, lod) -> mesh
    group_trees: dict[tuple[int, int], np.ndarray]  # (species, template) -> tree indices
    bark_linear: np.ndarray  # float32 [S, 3] bark colour per species
    inst0: np.ndarray  # float32 [N, 4]: x, y, z, yaw (rad)
    inst1: np.ndarray  # float32 [N, 4]: crown radius, crown length, crown base, height (m)
    inst2: np.ndarray  # float32 [N, 4]: trunk radius (m), foliage linear rgb
    bound_radius_m: np.ndarray  # float32 [N] bounding-sphere radius about the crown centre

    @property
    def n_template_triangles(self) -> int:
        return int(sum(t.indices.size // 3 for t in self.templates.values()))


def _unit_normals(u: np.ndarray, faces: np.ndarray) -> np.ndarray:
    import trimesh

    if faces.size == 0:
        return np.tile(np.array([0.0, 0.0, 1.0], np.float32), (u.shape[0], 1))
    m = trimesh.Trimesh(u.astype(np.float64), faces, process=False, validate=False)
    return np.asarray(m.vertex_normals, np.float32)


def closed_outward(u: np.ndarray, faces: np.ndarray) -> bool:
    """True when the mesh is watertight, consistently wound and encloses a positive volume
    (counter-clockwise seen from outside): drawing only its front faces then changes no pixel."""
    import trimesh

    if faces.size == 0:
        return False
    m = trimesh.Trimesh(np.asarray(u, np.float64), np.asarray(faces), process=True, validate=False)
    return bool(m.is_watertight and m.is_winding_consistent and m.volume > 0.0)


def _template_mesh(tp: wg.TreeTemplate | None, lod_kind: int) -> Template:
    """Unit-frame crown + wood of a world template (impostor: the 8-triangle double cone)."""
    if lod_kind == LOD_FAR:
        ring = [(1, 0), (0, 1), (-1, 0), (0, -1)]
        u = np.array([[x, y, IMPOSTOR_BELLY] for x, y in ring] + [[0, 0, 1.0], [0, 0, 0.0]], np.float32)
        f = np.array([[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4], [1, 0, 5], [2, 1, 5], [3, 2, 5], [0, 3, 5]], np.int64)
        v = np.zeros((6, TEMPLATE_FLOATS), np.float32)
        v[:, 0:3] = u
        v[:, 3:6] = _unit_normals(u, f)
        v[:, 6] = 0.9 ** 2.2  # impostors are drawn 10 % darker (scene.impostor_crowns)
        v[:, 8:10] = 1.0
        return Template(v, f.astype(np.uint32).ravel(), f.size, closed_outward(u, f))
    vc = tp.crown_u.shape[0]
    vw = tp.wood_u.shape[0]
    v = np.zeros((vc + vw, TEMPLATE_FLOATS), np.float32)
    v[:vc, 0:3] = tp.crown_u
    v[:vc, 3:6] = _unit_normals(tp.crown_u, tp.crown_faces)
    v[:vc, 6] = np.clip(tp.crown_shade, 0.0, None) ** 2.2
    v[:vc, 8:10] = 1.0
    v[vc:, 0:3] = tp.wood_u
    v[vc:, 3:6] = _unit_normals(tp.wood_u, tp.wood_faces)
    v[vc:, 6] = 1.0
    v[vc:, 7] = 1.0
    for a, b, xy_crown, z_crown in tp.wood_runs:
        v[vc + a:vc + b, 8] = float(xy_crown)
        v[vc + a:vc + b, 9] = float(z_crown)
    f = np.concatenate([tp.crown_faces, tp.wood_faces + vc])
    return Template(v, f.astype(np.uint32).ravel(), int(tp.crown_faces.size), closed_outward(tp.crown_u, tp.crown_faces))


def tree_instances(trees: Trees, tree_lod: int, mid_lod: int) -> TreeInstances:
    """Templates (near detail ``tree_lod``, middle ``mid_lod``, impostor) and per-tree data."""
    from ..species import species_table
    from ..world import geometry as wg
    from .scene import srgb_to_linear

    n = len(trees)
    table = species_table()
    h = np.asarray(trees.height_m, np.float64)
    cb = np.clip(np.asarray(trees.crown_base_m, np.float64), 0.0, h)
    length = np.maximum(h - cb, 1e-3)
    radius = np.maximum(np.asarray(trees.crown_radius_m, np.float64), 1e-3)
    rt = wg.trunk_radius_m(trees) if n else np.zeros(0)
    yaw = wg.tree_yaw_rad(trees.shape_seed) if n else np.zeros(0)
    tmpl = wg.tree_template_index(trees.shape_seed) if n else np.zeros(0, np.int64)
    species = np.asarray(trees.species, np.int64)
    foliage = srgb_to_linear(np.clip(wg.tree_foliage_rgb(trees), 0.0, 240.0) / 255.0) if n else np.zeros((0, 3))
    templates: dict[tuple[int, int, int], Template] = {}
    groups: dict[tuple[int, int], np.ndarray] = {}
    for k, name in enumerate(trees.species_names):
        for t in range(wg.TEMPLATES_PER_SPECIES):
            idx = np.flatnonzero((species == k) & (tmpl == t))
            if idx.size == 0:
                continue
            groups[(k, t)] = idx
            for kind, lod in ((LOD_NEAR, tree_lod), (LOD_MID, mid_lod), (LOD_FAR, None)):
                tp = wg.tree_template(name, t, lod) if lod is not None else None
                templates[(k, t, kind)] = _template_mesh(tp, kind)
    bark = np.array([srgb_to_linear(np.asarray(table[nm].bark_rgb, np.float32) / 255.0) for nm in trees.species_names]
                    or np.zeros((1, 3)), np.float32).reshape(-1, 3)
    f32 = np.float32
    inst0 = np.stack([trees.x_m, trees.y_m, trees.z_m, yaw], 1).astype(f32) if n else np.zeros((0, 4), f32)
    inst1 = np.stack([radius, length, cb, h], 1).astype(f32) if n else np.zeros((0, 4), f32)
    inst2 = np.column_stack([rt, foliage]).astype(f32) if n else np.zeros((0, 4), f32)
    bound = np.maximum(radius, 0.5 * h + 1.0).astype(f32) if n else np.zeros(0, f32)
    return TreeInstances(templates, groups, bark, inst0, inst1, inst2, bound)


def frustum_planes(VP: np.ndarray) -> np.ndarray:
    """The 6 clip planes ``[6, 4]`` (inside where ``a x + b y + c z + d >= 0``, normalised) of a
    clip-from-world matrix (Gribb & Hartmann 2001)."""
    m = np.asarray(VP, np.float64)
    planes = np.stack([m[3] + m[0], m[3] - m[0], m[3] + m[1], m[3] - m[1], m[3] + m[2], m[3] - m[2]])
    return planes / np.linalg.norm(planes[:, :3], axis=1, keepdims=True)


TREE_BLOCK_M = 64.0
"""m; side of the square blocks trees are grouped in for frustum culling (a block wholly outside
the view skips its trees, one wholly inside keeps them without a test per tree)."""


@dataclass(frozen=True)
class TreeBlocks:
    """Trees grouped by square ground blocks, with each block's bounding sphere."""

    order: np.ndarray  # int64 [N]: tree indices, block by block
    start: np.ndarray  # int64 [B + 1]: block b holds order[start[b]:start[b + 1]]
    centre_m: np.ndarray  # float64 [B, 3]
    radius_m: np.ndarray  # float64 [B]: encloses every tree's bounding sphere in the block
    tree_group: np.ndarray  # int64 [N]: position of the tree's (species, template) in group_trees
    n_groups: int


def tree_blocks(inst: TreeInstances, centres_m: np.ndarray, block_m: float = TREE_BLOCK_M) -> TreeBlocks:
    """Group the trees of ``inst`` (crown centres ``centres_m``) into blocks of ``block_m``."""
    c = np.asarray(centres_m, np.float64).reshape(-1, 3)
    n = c.shape[0]
    group = np.zeros(n, np.int64)
    for g, idx in enumerate(inst.group_trees.values()):
        group[idx] = g
    if n == 0:
        z = np.zeros(0, np.int64)
        return TreeBlocks(z, np.zeros(1, np.int64), np.zeros((0, 3)), np.zeros(0), group, len(inst.group_trees))
    bx = np.floor((c[:, 0] - c[:, 0].min()) / block_m).astype(np.int64)
    by = np.floor((c[:, 1] - c[:, 1].min()) / block_m).astype(np.int64)
    key = by * (int(bx.max()) + 1) + bx
    order = np.argsort(key, kind="stable")
    ks = key[order]
    cut = np.flatnonzero(np.diff(ks)) + 1
    start = np.concatenate([[0], cut, [n]]).astype(np.int64)
    lo = np.minimum.reduceat(c[order], start[:-1], axis=0)
    hi = np.maximum.reduceat(c[order], start[:-1], axis=0)
    centre = 0.5 * (lo + hi)
    block_of = np.repeat(np.arange(start.size - 1), np.diff(start))
    reach = np.linalg.norm(c[order] - centre[block_of], axis=1) + inst.bound_radius_m[order]
    radius = np.maximum.reduceat(reach, start[:-1])
    return TreeBlocks(order, start, centre, radius, group, len(inst.group_trees))


def select_instances(inst: TreeInstances, centres_m: np.ndarray, cam: Camera, VP: np.ndarray,
                     lod_switch_px: float, impostor_px: float, reference_m: float,
                     blocks: TreeBlocks | None = None) -> list[tuple[tuple[int, int, int], np.ndarray]]:
    """Visible trees per (species, template, level of detail), as uint32 tree-index arrays.

    A tree is drawn when its bounding sphere is not wholly outside a clip plane and its
    reference crown spans at least :data:`MIN_TREE_PX`; blocks (``blocks``, built here when not
    given) decide for all their trees at once where their own sphere is wholly outside, wholly
    inside or too far, with the same result as testing every tree."""
    if centres_m.shape[0] == 0:
        return []
    if blocks is None:
        blocks = tree_blocks(inst, centres_m)
    planes = frustum_planes(VP)
    bd = blocks.centre_m @ planes[:, :3].T + planes[:, 3]
    b_out = np.any(bd < -blocks.radius_m[:, None], axis=1)
    if cam.projection == "perspective":  # every tree of the block spans fewer than MIN_TREE_PX
        near = np.linalg.norm(blocks.centre_m - cam.position_m[None], axis=1) - blocks.radius_m
        b_out |= cam.K[1, 1] * reference_m / np.maximum(near, 1e-3) < MIN_TREE_PX
    b_in = np.all(bd >= blocks.radius_m[:, None], axis=1)

    def trees_of(mask: np.ndarray) -> np.ndarray:
        b = np.flatnonzero(mask)
        if b.size == 0:
            return np.zeros(0, np.int64)
        lens = blocks.start[b + 1] - blocks.start[b]
        first = np.repeat(blocks.start[b] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
        return blocks.order[first + np.arange(int(lens.sum()))]

    inside = trees_of(b_in)
    edge = trees_of(~b_out & ~b_in)
    if edge.size:
        ce = np.asarray(centres_m[edge], np.float64)
        keep = np.all(ce @ planes[:, :3].T + planes[:, 3] >= -inst.bound_radius_m[edge, None], axis=1)
        edge = edge[keep]
    vis = np.concatenate([inside, edge])
    if vis.size == 0:
        return []
    c = np.asarray(centres_m[vis], np.float64)
    if cam.projection == "perspective":
        d = np.linalg.norm(c - cam.position_m[None], axis=1) - inst.bound_radius_m[vis]
        px = cam.K[1, 1] * reference_m / np.maximum(d, 1e-3)
    else:
        px = np.full(vis.size, cam.K[1, 1] * reference_m)
    lod = np.where(px > lod_switch_px, LOD_NEAR, np.where(px > impostor_px, LOD_MID, LOD_FAR))
    ok = px >= MIN_TREE_PX
    vis, px, lod = vis[ok], px[ok], lod[ok]
    if vis.size == 0:
        return []
    # Near detail first, impostors last, each bucket nearest first: the depth test then rejects
    # hidden fragments before they are shaded (a CPU rasteriser pays per fragment).
    key = lod * blocks.n_groups + blocks.tree_group[vis]
    order = np.lexsort((-px, key))
    vis, key = vis[order], key[order]
    cut = np.flatnonzero(np.diff(key)) + 1
    groups = list(inst.group_trees)
    out = []
    for a, b in zip(np.concatenate([[0], cut]), np.concatenate([cut, [vis.size]])):
        kind, g = divmod(int(key[a]), blocks.n_groups)
        k, t = groups[g]
        out.append(((k, t, kind), vis[a:b].astype(np.uint32)))
    return out
