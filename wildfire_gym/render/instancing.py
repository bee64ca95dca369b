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


def select_instances(inst: TreeInstances, centres_m: np.ndarray, cam: Camera, VP: np.ndarray,
                     lod_switch_px: float, impostor_px: float, reference_m: float) -> list[tuple[tuple[int, int, int], np.ndarray]]:
    """Visible trees per (species, template, level of detail), as uint32 tree-index arrays."""
    if centres_m.shape[0] == 0:
        return []
    planes = frustum_planes(VP)
    c = centres_m.astype(np.float64)
    dist_planes = c @ planes[:, :3].T + planes[:, 3]
    visible = np.all(dist_planes >= -inst.bound_radius_m[:, None], axis=1)
    if cam.projection == "perspective":
        d = np.linalg.norm(c - cam.position_m[None], axis=1) - inst.bound_radius_m
        px = cam.K[1, 1] * reference_m / np.maximum(d, 1e-3)
    else:
        px = np.full(c.shape[0], cam.K[1, 1] * reference_m)
    lod = np.where(px > lod_switch_px, LOD_NEAR, np.where(px > impostor_px, LOD_MID, LOD_FAR))
    visible &= px >= MIN_TREE_PX
    # Near detail first, impostors last, each bucket nearest first: the depth test then rejects
    # hidden fragments before they are shaded (a CPU rasteriser pays per fragment).
    out = []
    for kind in (LOD_NEAR, LOD_MID, LOD_FAR):
        for (k, t), idx in inst.group_trees.items():
            sel = idx[visible[idx] & (lod[idx] == kind)]
            if sel.size:
                if kind != LOD_FAR:
                    sel = sel[np.argsort(px[sel])[::-1]]
                out.append(((k, t, kind), sel.astype(np.uint32)))
    return out
