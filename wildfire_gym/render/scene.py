"""What is drawn: static geometry merged once per landscape, and the per-frame look of it.

The static scene is *one* vertex buffer (terrain, every tree's crown and wood, every
house) drawn with one call. Nothing in it changes per frame: the fire's effect arrives
through small textures the shaders read -- a terrain colour/burn texture and a terrain
band-radiance texture (``[ny, nx]``), and per-tree state textures (crown tint, crown
scale from the remaining foliage, glow, label, radiance) -- plus a small dynamic buffer
of flame geometry. This module computes those arrays with numpy; :mod:`.passes` uploads
and draws them.

Vertex layout of the static buffer (float32 x 11): position (3, m), normal (3), colour
(3, linear 0-1), kind (0 terrain, 1 crown, 2 wood, 3 house), index (tree or house id).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from ..fire.state import BurnState, FireSnapshot, TreeState
from . import thermal as th
from .flames import FLAME_FLOATS, FLICKER_AMPLITUDE, FLICKER_HZ, FlameFront, curtain_vertices

if TYPE_CHECKING:  # pragma: no cover
    from ..world.landscape import Landscape
    from .randomize import Appearance

# ----------------------------------------------------------------- labels
LABEL_NAMES: dict[int, str] = {
    0: "sky", 1: "terrain_unburnt", 2: "terrain_burnt", 3: "vegetation_live", 4: "vegetation_burnt",
    5: "flame", 6: "smoke", 7: "structure",
}
"""Semantic label id -> name (the ids written in every semantic image)."""
SKY, TERRAIN_UNBURNT, TERRAIN_BURNT, VEG_LIVE, VEG_BURNT, FLAME, SMOKE, STRUCTURE = range(8)

KIND_TERRAIN, KIND_CROWN, KIND_WOOD, KIND_HOUSE, KIND_FAR_GROUND = 0, 1, 2, 3, 4
SKIRT_RADIUS_M = 50000.0
"""m; the far-ground skirt around the terrain reaches this far from its centre, so cameras
standing outside the terrain (a lookout 10 km away) see ground to the horizon, not a void."""
FAR_GROUND_DESATURATION = 0.5
"""Fraction by which the skirt's colour (the terrain's mean fuel colour) is greyed: a mix of
unknown land cover seen from afar."""
FAR_GROUND_DARKENING = 0.7
"""The skirt's albedo relative to the mean fuel albedo (shadows of unmodelled relief and trees)."""
SKIRT_BLEND_FACTOR = 1.6
"""The skirt falls from the terrain's edge heights to their mean within this multiple of the
terrain's half-extent (a smooth apron, no cliff at the edge)."""
STATIC_FLOATS = 11

CHAR_RGB = np.array([0.032, 0.029, 0.027], np.float32)
"""Linear albedo of black char: visible reflectance 0.02-0.05 (Smith & Hudak 2005, Int. J.
Wildland Fire 14:245; Roy et al. 2010, Remote Sens. Environ. 114:1402)."""
ASH_RGB = np.array([0.50, 0.49, 0.47], np.float32)
"""Linear albedo of white ash from complete combustion: 0.4-0.6 (same sources)."""
SCORCHED_RGB = np.array([0.42, 0.18, 0.045], np.float32)
"""Linear albedo of scorched (browned, "red needle") foliage."""
BURNOUT_TIME_S_BY_GROUP = {"grass": 120.0, "grass-shrub": 300.0, "shrub": 600.0, "timber-litter": 1200.0,
                           "timber-understory": 1200.0, "slash-blowdown": 3600.0}
"""s; e-folding time of the consumption of the fuel bed after the front passes (flaming plus
smouldering), by fuel family: minutes for grass, tens of minutes for litter and slash. An
estimate for the look (the fire state carries no consumption yet), not a published table."""
ASH_FRACTION_BY_GROUP = {"grass": 0.12, "grass-shrub": 0.3, "shrub": 0.45, "timber-litter": 0.6,
                         "timber-understory": 0.55, "slash-blowdown": 0.75}
"""Largest share of a cell's ground left as white ash once its fuel is consumed: fine grass
burns to an even black char, heavy litter and logs leave white ash patches."""
DEFAULT_BURNOUT_TIME_S = 600.0
DEFAULT_ASH_FRACTION = 0.3
EMBER_RGB = np.array([0.08, 0.03, 0.02], np.float32)
"""Linear albedo of a flaming cell's bed (its glow is added separately)."""
BURNED_WOOD_DARKENING = 0.25
"""Trunks of burnt trees keep this fraction of their bark albedo."""


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] to linear (IEC 61966-2-1)."""
    c = np.asarray(c, np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


# ----------------------------------------------------------------- sun
def solar_declination_rad(day_of_year: float) -> float:
    """Solar declination, ``23.45 deg * sin(2 pi (284 + n) / 365)`` (Cooper 1969), radians."""
    return math.radians(23.45) * math.sin(2.0 * math.pi * (284.0 + day_of_year) / 365.0)


def solar_position_deg(solar_hour: float, day_of_year: float, latitude_deg: float) -> tuple[float, float]:
    """Sun ``(elevation, azimuth)`` in degrees (azimuth compass, clockwise from north).

    ``solar_hour`` local solar time, h (12 = solar noon); hour angle 15 deg/h. Standard
    spherical-astronomy relations (e.g. Duffie & Beckman, Solar Engineering, ch. 1).
    """
    dec = solar_declination_rad(day_of_year)
    lat = math.radians(latitude_deg)
    h = math.radians(15.0 * (solar_hour - 12.0))
    sin_el = math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(h)
    el = math.asin(max(-1.0, min(1.0, sin_el)))
    az = math.atan2(math.sin(h), math.cos(h) * math.sin(lat) - math.tan(dec) * math.cos(lat)) + math.pi
    return math.degrees(el), math.degrees(az) % 360.0


def sun_vector(elevation_deg: float, azimuth_deg: float) -> np.ndarray:
    """Unit vector towards the sun (x east, y north, z up)."""
    el, az = math.radians(elevation_deg), math.radians(azimuth_deg)
    return np.array([math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)], np.float32)


SUN_IRRADIANCE_SCALE = 1.25
"""Linear-RGB multiplier of direct sun on a normal surface at zenith (sets the exposure scale)."""
SKY_AMBIENT_ZENITH, SKY_AMBIENT_HORIZON = 0.35, 0.15
"""Skylight on an upward surface as fractions of the zenith and horizon sky colours: with the
sun high, diffuse light is ~15-20 % of the global irradiance on a clear day, so shadows keep
a 4-6 : 1 contrast."""
HAZE_SCALE_HEIGHT_M = 1500.0
"""m; e-folding height of the boundary-layer haze above the lowest terrain."""


@dataclass(frozen=True)
class Lighting:
    """The sun and sky of one frame (colours linear RGB)."""

    sun_dir: np.ndarray
    sun_elevation_deg: float
    sun_azimuth_deg: float
    sun_rgb: np.ndarray
    sky_ambient_rgb: np.ndarray
    ground_ambient_rgb: np.ndarray
    sky_zenith_rgb: np.ndarray
    sky_horizon_rgb: np.ndarray
    haze_rgb: np.ndarray
    haze_per_m: float
    exposure: float
    air_k: float


def lighting_for(solar_hour: float, day_of_year: float, latitude_deg: float, air_k: float,
                 app: Appearance) -> Lighting:
    """Sun and sky colours for a time of day: warm and dim near the horizon, dark at night."""
    el, az = solar_position_deg(solar_hour, day_of_year, latitude_deg)
    s = math.sin(math.radians(max(el, 0.0)))
    day = min(max((el + 6.0) / 12.0, 0.0), 1.0)  # civil twilight blend
    # A longer air mass at low sun removes blue first (Rayleigh scattering ~ lambda^-4).
    airmass = 1.0 / max(s, 0.05)
    sun_rgb = np.exp(-np.array([0.06, 0.12, 0.28], np.float32) * airmass) * SUN_IRRADIANCE_SCALE * app.sun_intensity * (el > 0)
    zen = np.asarray(app.sky_zenith_rgb, np.float32) * (0.03 + 0.97 * day)
    hor = np.asarray(app.sky_horizon_rgb, np.float32) * (0.03 + 0.97 * day)
    if el < 10.0:  # orange horizon at dawn and dusk
        w = max(0.0, 1.0 - abs(el - 2.0) / 10.0)
        hor = hor * (1 - 0.5 * w) + np.array([0.9, 0.45, 0.2], np.float32) * 0.5 * w * day
    return Lighting(
        sun_dir=sun_vector(el, az), sun_elevation_deg=el, sun_azimuth_deg=az, sun_rgb=sun_rgb.astype(np.float32),
        sky_ambient_rgb=(SKY_AMBIENT_ZENITH * zen + SKY_AMBIENT_HORIZON * hor).astype(np.float32) + 0.01,
        ground_ambient_rgb=(0.15 * hor).astype(np.float32) + 0.005,
        sky_zenith_rgb=zen, sky_horizon_rgb=hor.astype(np.float32),
        haze_rgb=(np.asarray(app.haze_rgb, np.float32) * (0.05 + 0.95 * day)).astype(np.float32),
        haze_per_m=float(app.haze_per_m), exposure=float(app.exposure), air_k=air_k,
    )


# ----------------------------------------------------------------- static geometry
@dataclass(frozen=True)
class StaticGeometry:
    """Everything merged into one buffer, plus per-object data the shaders and labels need."""

    vertices: np.ndarray  # float32 [V, 11]
    indices: np.ndarray  # uint32 [3F]
    n_trees: int
    n_houses: int
    crown_centre_m: np.ndarray  # float32 [N, 3], centre the crown scales about
    foliage_linear: np.ndarray  # float32 [N, 3], the per-tree foliage colour in the vertex colours
    tree_bounds_m: np.ndarray  # float32 [N, 2, 3] min / max corners (unscaled crowns)
    house_bounds_m: np.ndarray  # float32 [M, 2, 3]
    terrain_vertices: int
    tiles: np.ndarray  # int64 [T, 12]: (offset, count) in indices of the TILE_GROUPS ranges
    tile_bounds_m: np.ndarray  # float32 [T, 2, 3]
    skirt_range: tuple[int, int] = (0, 0)  # (offset, count) in indices of the far-ground skirt

    @property
    def n_triangles(self) -> int:
        """Triangles drawn when every tile is visible with near detail."""
        return int((self.tiles[:, 2 * G_TERRAIN + 1] + self.tiles[:, 2 * G_HOUSES + 1] + self.tiles[:, 2 * G_NEAR + 1]).sum() // 3)


def _part(mesh, kind: int, index: np.ndarray | None, colour: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(mesh.vertices, np.float32)
    n = v.shape[0]
    out = np.empty((n, STATIC_FLOATS), np.float32)
    out[:, 0:3] = v
    out[:, 3:6] = np.asarray(mesh.vertex_normals, np.float32) if n else 0.0
    if colour is None:
        vc = getattr(mesh.visual, "vertex_colors", None)
        out[:, 6:9] = srgb_to_linear(np.asarray(vc, np.float32)[:, :3] / 255.0) if vc is not None and len(vc) == n else 1.0
    else:
        out[:, 6:9] = colour
    out[:, 9] = kind
    out[:, 10] = 0.0 if index is None else index
    return out, np.asarray(mesh.faces, np.int64)


def _bounds_per_object(v: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, 2, 3), np.float32)
    if n == 0 or v.shape[0] == 0:
        return out
    out[:, 0] = np.inf
    out[:, 1] = -np.inf
    for k in range(3):
        np.minimum.at(out[:, 0, k], ids, v[:, k])
        np.maximum.at(out[:, 1, k], ids, v[:, k])
    return out


TILES_PER_SIDE = 8
"""The static buffer is cut into TILES_PER_SIDE^2 spatial tiles (by triangle centroid) so that
each frame draws only the tiles in the view frustum, with near or far tree detail per tile."""
MID_TREE_LOD = 0
"""Tree level of detail (of :func:`~wildfire_gym.world.geometry.tree_meshes`) drawn in middle-distance tiles."""
TILE_GROUPS = ("terrain", "terrain_coarse", "houses", "near", "mid", "far")
"""Index-range groups of a tile: terrain; terrain at twice the vertex spacing (drawn instead of
the full terrain when even the nearest cell spans only a few pixels); houses; trees at the
configured detail; trees at :data:`MID_TREE_LOD`; trees as 8-triangle impostors."""
G_TERRAIN, G_TERRAIN_COARSE, G_HOUSES, G_NEAR, G_MID, G_FAR = range(6)


def _coarse_terrain_faces(ny: int, nx: int, step: int = 2) -> np.ndarray:
    """Faces of the heightfield every ``step`` rows/columns, on the full grid's vertices."""
    rows = np.unique(np.append(np.arange(0, ny, step), ny - 1))
    cols = np.unique(np.append(np.arange(0, nx, step), nx - 1))
    a = (rows[:-1, None] * nx + cols[None, :-1]).ravel()
    b = (rows[:-1, None] * nx + cols[None, 1:]).ravel()
    c = (rows[1:, None] * nx + cols[None, 1:]).ravel()
    d = (rows[1:, None] * nx + cols[None, :-1]).ravel()
    return np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)]).astype(np.int64)


def impostor_crowns(trees, tree_ids: np.ndarray | None = None):
    """One 8-triangle double cone per crown (radius and extent of the crown), for far views.

    Returns a trimesh with the per-tree foliage vertex colours and the per-vertex tree ids.
    """
    import trimesh

    from ..world.geometry import tree_foliage_rgb

    n = len(trees)
    h = np.asarray(trees.height_m, np.float64)
    cb = np.clip(np.asarray(trees.crown_base_m, np.float64), 0.0, h)
    r = np.maximum(np.asarray(trees.crown_radius_m, np.float64), 0.1)
    x, y, z = (np.asarray(a, np.float64) for a in (trees.x_m, trees.y_m, trees.z_m))
    belly = z + cb + 0.35 * (h - cb)
    v = np.empty((n, 6, 3))
    for k, (dx, dy) in enumerate(((1, 0), (0, 1), (-1, 0), (0, -1))):
        v[:, k] = np.stack([x + dx * r, y + dy * r, belly], 1)
    v[:, 4] = np.stack([x, y, z + h], 1)
    v[:, 5] = np.stack([x, y, z + cb], 1)
    tri = np.array([[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4], [1, 0, 5], [2, 1, 5], [3, 2, 5], [0, 3, 5]])
    faces = (tri[None] + 6 * np.arange(n)[:, None, None]).reshape(-1, 3)
    rgb = np.repeat(np.clip(tree_foliage_rgb(trees) * 0.9, 0, 255), 6, axis=0)
    colours = np.concatenate([rgb, np.full((rgb.shape[0], 1), 255.0)], 1).astype(np.uint8)
    mesh = trimesh.Trimesh(v.reshape(-1, 3).astype(np.float32), faces, vertex_colors=colours, process=False, validate=False)
    return mesh, np.repeat(np.asarray(trees.id, np.int32), 6)


def _tile_of(xy: np.ndarray, size_m: tuple[float, float], n: int) -> np.ndarray:
    tx = np.clip((xy[:, 0] / size_m[0] * n).astype(np.int64), 0, n - 1)
    ty = np.clip((xy[:, 1] / size_m[1] * n).astype(np.int64), 0, n - 1)
    return ty * n + tx


def far_ground_skirt(elevation_m: np.ndarray, cell_m: float, albedo_linear: np.ndarray,
                     stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ``[V, STATIC_FLOATS]`` and faces of a flat apron from the terrain mesh's edge out
    to :data:`SKIRT_RADIUS_M`: ring 0 on the edge vertices, ring 1 at the mean edge height
    :data:`SKIRT_BLEND_FACTOR` x the half-extent from the centre, ring 2 far out. Kind
    :data:`KIND_FAR_GROUND` (labelled unburnt terrain, never burnt)."""
    ny, nx = elevation_m.shape
    rows = np.unique(np.append(np.arange(0, ny, int(stride)), ny - 1))
    cols = np.unique(np.append(np.arange(0, nx, int(stride)), nx - 1))
    ring = ([(rows[0], c) for c in cols[:-1]] + [(r, cols[-1]) for r in rows[:-1]]
            + [(rows[-1], c) for c in cols[:0:-1]] + [(r, cols[0]) for r in rows[:0:-1]])
    rc = np.array(ring, np.int64)
    p0 = np.stack([(rc[:, 1] + 0.5) * cell_m, (rc[:, 0] + 0.5) * cell_m, elevation_m[rc[:, 0], rc[:, 1]]], 1)
    centre = np.array([nx * cell_m / 2.0, ny * cell_m / 2.0])
    z_mean = float(p0[:, 2].mean())
    half = 0.5 * min(nx, ny) * cell_m
    off = p0[:, :2] - centre
    p1 = np.column_stack([centre + off * SKIRT_BLEND_FACTOR, np.full(len(rc), z_mean)])
    # ring 2: the ring-0 offsets scaled so the nearest side reaches SKIRT_RADIUS_M
    far = max(SKIRT_RADIUS_M / max(half, 1.0), SKIRT_BLEND_FACTOR * 2.0)
    p2 = np.column_stack([centre + off * far, np.full(len(rc), z_mean)])
    n = len(rc)
    v = np.zeros((3 * n, STATIC_FLOATS), np.float32)
    v[:, 0:3] = np.concatenate([p0, p1, p2])
    v[:, 5] = 1.0
    v[:, 6:9] = albedo_linear
    v[:, 9] = KIND_FAR_GROUND
    i = np.arange(n)
    j = (i + 1) % n
    faces = []
    for a, b in ((0, 1), (1, 2)):
        faces.append(np.stack([a * n + i, a * n + j, b * n + j], 1))
        faces.append(np.stack([a * n + i, b * n + j, b * n + i], 1))
    return v, np.concatenate(faces).astype(np.int64)


def build_static_geometry(landscape: Landscape, tree_lod: int = 1, terrain_stride: int = 1,
                          tiles_per_side: int = TILES_PER_SIDE, merge_trees: bool = True) -> StaticGeometry:
    """Merge terrain, trees (near and far detail) and houses into one indexed, tiled vertex buffer.

    Built once per landscape. ``merge_trees=False`` leaves the trees out (they are drawn by
    instancing, :mod:`.instancing`). The index buffer is ordered by tile, and within a tile as
    :data:`TILE_GROUPS`; ``tiles`` holds the ``(offset, count)`` of these ranges per tile
    (in indices) and ``tile_bounds`` the tile's 3-D bounding box.
    """
    from ..world.geometry import house_meshes, terrain_mesh, tree_foliage_rgb, tree_meshes

    trees, houses = landscape.trees, landscape.structures
    n = len(trees)
    # (vertices, faces, group) with group 0 base, 1 near trees, 2 far trees
    parts: list[tuple[np.ndarray, np.ndarray, int]] = []
    terrain = terrain_mesh(landscape.elevation_m, landscape.cell_m, stride=terrain_stride)
    tv, tf = _part(terrain, KIND_TERRAIN, None, np.ones(3, np.float32))
    parts.append((tv, tf, G_TERRAIN))
    if terrain_stride == 1 and min(landscape.shape) >= 4:
        parts.append((np.zeros((0, STATIC_FLOATS), np.float32), _coarse_terrain_faces(*landscape.shape), G_TERRAIN_COARSE))
    tg = tree_meshes(trees, lod=tree_lod) if merge_trees else None
    if n and merge_trees:
        parts.append((*_part(tg.crown, KIND_CROWN, tg.crown_tree_id, None), G_NEAR))
        parts.append((*_part(tg.wood, KIND_WOOD, tg.wood_tree_id, None), G_NEAR))
        if tree_lod != MID_TREE_LOD:
            mid = tree_meshes(trees, lod=MID_TREE_LOD)
            parts.append((*_part(mid.crown, KIND_CROWN, mid.crown_tree_id, None), G_MID))
            parts.append((*_part(mid.wood, KIND_WOOD, mid.wood_tree_id, None), G_MID))
        imp, imp_id = impostor_crowns(trees)
        parts.append((*_part(imp, KIND_CROWN, imp_id, None), G_FAR))
    hm, hid = house_meshes(houses)
    if len(houses):
        parts.append((*_part(hm, KIND_HOUSE, hid, None), G_HOUSES))
    verts, faces, groups, off = [], [], [], 0
    for v, f, g in parts:
        verts.append(v)
        # the coarse terrain indexes the full terrain's vertices (which come first)
        faces.append(f + (0 if g == G_TERRAIN_COARSE else off))
        groups.append(np.full(f.shape[0], g, np.int64))
        off += v.shape[0]
    vertices = np.concatenate(verts)
    f_all = np.concatenate(faces)
    g_all = np.concatenate(groups)
    size = landscape.size_m
    nt = int(tiles_per_side)
    ng = len(TILE_GROUPS)
    tri_xy = vertices[f_all, :2].mean(axis=1)
    tile = _tile_of(tri_xy, size, nt)
    order = np.lexsort((g_all, tile))
    f_sorted = f_all[order]
    key = tile[order] * ng + g_all[order]
    # The far-ground skirt goes after every tile (drawn for every perspective view).
    from ..world.preview import fuel_rgb

    mean_rgb = np.mean(srgb_to_linear(fuel_rgb(landscape.fuel_code)).reshape(-1, 3), axis=0)
    skirt_rgb = FAR_GROUND_DARKENING * ((1 - FAR_GROUND_DESATURATION) * mean_rgb + FAR_GROUND_DESATURATION * mean_rgb.mean())
    sv, sf = far_ground_skirt(landscape.elevation_m, landscape.cell_m, skirt_rgb, terrain_stride)
    skirt_range = (int(f_sorted.size), int(sf.size))
    f_sorted = np.concatenate([f_sorted, sf + vertices.shape[0]])
    vertices = np.concatenate([vertices, sv])
    counts = np.bincount(key, minlength=nt * nt * ng).reshape(nt * nt, ng)
    starts = np.concatenate([[0], np.cumsum(counts.ravel())[:-1]]).reshape(nt * nt, ng)
    tiles = np.zeros((nt * nt, 2 * ng), np.int64)
    tiles[:, 0::2] = starts * 3
    tiles[:, 1::2] = counts * 3
    if tree_lod == MID_TREE_LOD:  # the near set serves the middle distance too
        tiles[:, 2 * G_MID:2 * G_MID + 2] = tiles[:, 2 * G_NEAR:2 * G_NEAR + 2]
    if not counts[:, G_TERRAIN_COARSE].any():
        tiles[:, 2 * G_TERRAIN_COARSE:2 * G_TERRAIN_COARSE + 2] = tiles[:, 2 * G_TERRAIN:2 * G_TERRAIN + 2]
    tile_bounds = np.zeros((nt * nt, 2, 3), np.float32)
    tile_bounds[:, 0] = np.inf
    tile_bounds[:, 1] = -np.inf
    tri_v = vertices[f_all, :3]
    for k in range(3):
        np.minimum.at(tile_bounds[:, 0, k], tile, tri_v[:, :, k].min(axis=1))
        np.maximum.at(tile_bounds[:, 1, k], tile, tri_v[:, :, k].max(axis=1))
    h = np.asarray(trees.height_m, np.float32)
    cb = np.asarray(trees.crown_base_m, np.float32)
    centre = np.stack([trees.x_m, trees.y_m, trees.z_m + 0.5 * (cb + h)], 1).astype(np.float32) if n else np.zeros((0, 3), np.float32)
    foliage = srgb_to_linear(tree_foliage_rgb(trees) / 255.0) if n else np.zeros((0, 3), np.float32)
    if n and merge_trees:
        tree_b = _bounds_per_object(np.concatenate([tg.crown.vertices, tg.wood.vertices]).astype(np.float32),
                                    np.concatenate([tg.crown_tree_id, tg.wood_tree_id]), n)
    else:  # the templates span the crown radius across and the height up (trunks are buried a little)
        r = np.asarray(trees.crown_radius_m, np.float32)
        tree_b = np.zeros((n, 2, 3), np.float32)
        tree_b[:, 0] = np.stack([trees.x_m - r, trees.y_m - r, trees.z_m - 0.1 * h], 1) if n else 0
        tree_b[:, 1] = np.stack([trees.x_m + r, trees.y_m + r, trees.z_m + h], 1) if n else 0
    house_b = _bounds_per_object(np.asarray(hm.vertices, np.float32), hid, len(houses))
    return StaticGeometry(
        vertices=vertices, indices=f_sorted.astype(np.uint32).ravel(),
        n_trees=n, n_houses=len(houses), crown_centre_m=centre, foliage_linear=np.maximum(foliage, 1e-3).astype(np.float32),
        tree_bounds_m=tree_b, house_bounds_m=house_b, terrain_vertices=int(terrain.vertices.shape[0]),
        tiles=tiles, tile_bounds_m=tile_bounds, skirt_range=skirt_range,
    )


# ----------------------------------------------------------------- terrain look
@dataclass(frozen=True)
class TerrainStatic:
    """Per-cell data fixed for a landscape: base albedo, final ash fraction (patchy, by fuel),
    burnout time, emissivity, residence time."""

    albedo: np.ndarray  # float32 [ny, nx, 3] linear
    ash: np.ndarray  # float32 [ny, nx] in [0, 1]: ash cover once the fuel is consumed
    emissivity: np.ndarray  # float32 [ny, nx]
    residence_s: np.ndarray  # float32 [ny, nx]
    normal: np.ndarray | None = None  # float32 [3, ny, nx] unit terrain normal (x east, y north, z up)
    burnout_s: np.ndarray | None = None  # float32 [ny, nx] consumption e-folding time, s


def terrain_static(landscape: Landscape, seed: int) -> TerrainStatic:
    from ..world.preview import fuel_group, fuel_rgb

    rng = np.random.default_rng([seed, 0x7E44A])
    base = srgb_to_linear(fuel_rgb(landscape.fuel_code))
    # Fine per-cell variation so that a uniform fuel does not render as flat paint.
    var = 1.0 + 0.10 * ndimage.gaussian_filter(rng.standard_normal(landscape.shape), 1.0) * 2.5
    albedo = (base * var[..., None].astype(np.float32)).astype(np.float32)
    ash = np.zeros(landscape.shape, np.float32)
    patch = np.clip(ndimage.gaussian_filter(rng.random(landscape.shape), 1.0) * 6.0 - 2.6, 0.0, 1.0)
    burnout = np.full(landscape.shape, DEFAULT_BURNOUT_TIME_S, np.float32)
    codes = np.unique(landscape.fuel_code)
    mixed = 0.5 * (th.EMISSIVITY["vegetation"] + th.EMISSIVITY["soil"])  # grass and litter over soil
    emis = np.full(landscape.shape, mixed, np.float32)
    res = np.full(landscape.shape, 60.0, np.float32)
    for c in codes:
        m = landscape.fuel_code == c
        group = fuel_group(int(c))
        emis[m] = {"water": th.EMISSIVITY["water"], "bare": th.EMISSIVITY["soil"],
                   "urban": th.EMISSIVITY["roof"]}.get(group, mixed)
        ash[m] = ASH_FRACTION_BY_GROUP.get(group, DEFAULT_ASH_FRACTION) * (0.25 + 0.75 * patch[m])
        burnout[m] = BURNOUT_TIME_S_BY_GROUP.get(group, DEFAULT_BURNOUT_TIME_S)
        model = landscape.fuel_models.get(int(c))
        if model is not None and getattr(model, "burnable", False):
            res[m] = float(th.flame_residence_time_s(model.sav_1h_per_m))
    return TerrainStatic(albedo, ash, emis, res, terrain_normals(landscape), burnout)


def fuel_consumed_fraction(time_since_arrival_s: np.ndarray, burnout_s: np.ndarray) -> np.ndarray:
    """Share of the fuel bed consumed ``1 - exp(-t / t_burnout)`` since the front arrived (0 before)."""
    t = np.maximum(np.asarray(time_since_arrival_s, np.float32), 0.0)
    return (1.0 - np.exp(-t / np.asarray(burnout_s, np.float32))).astype(np.float32)


def terrain_normals(landscape: Landscape) -> np.ndarray:
    """Unit normal per cell ``[3, ny, nx]`` from slope and aspect (tilted towards the aspect)."""
    slope = np.radians(landscape.slope_deg)
    aspect = np.radians(landscape.aspect_deg)
    return np.stack([np.sin(slope) * np.sin(aspect), np.sin(slope) * np.cos(aspect), np.cos(slope)]).astype(np.float32)


def _cos_incidence(landscape: Landscape, sun_dir: np.ndarray, normal: np.ndarray | None = None) -> np.ndarray:
    """cos of the angle between the terrain normal and the sun, per cell."""
    if normal is not None:
        s = np.asarray(sun_dir, np.float32)
        out = normal[0] * s[0]
        out += normal[1] * s[1]
        out += normal[2] * s[2]
        return out
    slope = np.radians(landscape.slope_deg)
    aspect = np.radians(landscape.aspect_deg)
    # Downslope direction is the aspect; the normal tilts towards it.
    nx = np.sin(slope) * np.sin(aspect)
    ny = np.sin(slope) * np.cos(aspect)
    nz = np.cos(slope)
    return (nx * sun_dir[0] + ny * sun_dir[1] + nz * sun_dir[2]).astype(np.float32)


def ground_temperature_k(landscape: Landscape, snap: FireSnapshot, ts: TerrainStatic, light: Lighting) -> np.ndarray:
    """Kinetic surface temperature per cell (K): sun-warmed ground, flaming beds, cooling scars."""
    cos_i = _cos_incidence(landscape, light.sun_dir, ts.normal) if light.sun_elevation_deg > 0 else np.zeros(landscape.shape, np.float32)
    t = th.sunlit_temperature_k(light.air_k, cos_i, th.SUN_GROUND_WARMING_K).astype(np.float32)
    burning = snap.burn_state == BurnState.BURNING
    burned = snap.burn_state == BurnState.BURNED
    if burned.any():
        t_out = snap.arrival_time_s[burned] + ts.residence_s[burned]
        t[burned] = th.cooling_temperature_k(snap.time_s - t_out, t[burned])
    t[burning] = th.SMOULDERING_BED_TEMPERATURE_K
    return t


def terrain_textures(landscape: Landscape, snap: FireSnapshot, ts: TerrainStatic, light: Lighting,
                     app: Appearance, table: th.BandTable, l_down: float,
                     base_rgba: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-cell ``(rgba uint8, band radiance float32, kinetic temperature K)`` for the terrain textures.

    RGB: linear albedo encoded sqrt (more precision in the darks); A: 0 unburnt, else
    ``1 + 254 * glow`` (burnt; glow in [0, 1] drives the ember emission: 0 at and below
    :data:`~.thermal.DRAPER_POINT_K`, 1 at a flaming bed). ``base_rgba``: the cached
    :func:`terrain_base_rgba` of ``app`` (computed when not given).
    """
    t_k = ground_temperature_k(landscape, snap, ts, light)
    burnt = snap.burned_any
    burning = snap.burn_state == BurnState.BURNING
    rgba = (base_rgba if base_rgba is not None else terrain_base_rgba(ts, app)).copy()
    if burnt.any():  # only the cells the fire reached differ from the unburnt base
        # Black char at the front, grading to grey and white ash as the fuel is consumed.
        burnout = ts.burnout_s[burnt] if ts.burnout_s is not None else DEFAULT_BURNOUT_TIME_S
        consumed = fuel_consumed_fraction(snap.time_s - snap.arrival_time_s[burnt], burnout)
        ash = (ts.ash[burnt] * consumed)[:, None]
        alb = CHAR_RGB * (1 - ash) + ASH_RGB * ash
        alb[burning[burnt]] = EMBER_RGB
        # Visible glow from the Draper point (dull red) up to a flaming bed (full glow).
        glow = np.clip((t_k[burnt] - th.DRAPER_POINT_K) / (th.SMOULDERING_BED_TEMPERATURE_K - th.DRAPER_POINT_K),
                       0.0, 1.0)
        rgba[burnt, :3] = _encode_albedo(alb)
        rgba[burnt, 3] = (1 + np.rint(254 * glow)).astype(np.uint8)
    emis = np.where(burnt & ~burning, np.float32(th.EMISSIVITY["char"]), ts.emissivity)
    rad = th.surface_radiance(t_k, emis, l_down, table)
    return rgba, rad, t_k


def unburnt_ground_radiance(landscape: Landscape, ts: TerrainStatic, light: Lighting, table: th.BandTable,
                            l_down: float) -> np.ndarray:
    """Band radiance per cell of the ground as if unburnt (sun-warmed, own emissivity)."""
    cos_i = _cos_incidence(landscape, light.sun_dir, ts.normal) if light.sun_elevation_deg > 0 else np.zeros(landscape.shape, np.float32)
    t = th.sunlit_temperature_k(light.air_k, cos_i, th.SUN_GROUND_WARMING_K).astype(np.float32)
    return th.surface_radiance(t, ts.emissivity, l_down, table)


@dataclass(frozen=True)
class TerrainLayers:
    """What the terrain shader samples (all bilinear): the unburnt and the burnt look, each
    extended past its own cells so that interpolation never mixes the two; and the time since
    the front passed, whose zero level (the arrival-time isochrone, below the cell scale) is
    where the shader switches from one to the other -- for the colour, the label and the
    radiance alike, so no heat or colour crosses the burn-edge label."""

    unburnt_rgba: np.ndarray  # uint8 [ny, nx, 4]; sqrt-encoded albedo, A unused
    burnt_rgba: np.ndarray  # uint8 [ny, nx, 4]; sqrt-encoded albedo, A = 255 x glow
    radiance: np.ndarray  # float32 [ny, nx, 2]: band radiance unburnt, burnt
    age_s: np.ndarray  # float32 [ny, nx]: t - arrival (predicted ahead of the front), s


AGE_FAR_S = 1.0e4
"""s; the time-since-arrival written where the fire neither is nor is predicted to arrive."""


EXTEND_RING_CELLS = 2
"""Cells outside a region that bilinear sampling across its edge can reach (1) plus the sub-cell
isochrone's reach beyond the cell centres (1): :func:`_extend` fills at least this far."""


def _extend(values: np.ndarray, have: np.ndarray) -> np.ndarray:
    """``values`` with the cells outside ``have`` near it set from their nearest cell inside it.

    Filled: every cell outside ``have`` within :data:`EXTEND_RING_CELLS` of it, from its
    nearest cell in ``have`` (exactly; that is all a bilinear texture lookup across the edge
    reaches). The work is confined to the bounding box, grown by that ring, of the smaller of
    ``have`` and its complement -- for a fire in a large landscape, the fire's box, not the
    landscape -- so cells farther out may keep their values or take a nearer cell's."""
    n_have = int(np.count_nonzero(have))
    if n_have == 0 or n_have == have.size:
        return values
    small = have if 2 * n_have <= have.size else ~have
    iy, ix = np.nonzero(small)
    g = EXTEND_RING_CELLS
    y0, y1 = max(iy.min() - g, 0), min(iy.max() + g + 1, have.shape[0])
    x0, x1 = max(ix.min() - g, 0), min(ix.max() + g + 1, have.shape[1])
    sub = have[y0:y1, x0:x1]
    if sub.all():
        return values
    _, (ny_, nx_) = ndimage.distance_transform_edt(~sub, return_indices=True)
    out = values.copy()
    out[y0:y1, x0:x1] = values[y0:y1, x0:x1][ny_, nx_]
    return out


def terrain_layers(snap: FireSnapshot, rgba: np.ndarray, rad: np.ndarray, base_rgba: np.ndarray,
                   unburnt_rad: np.ndarray, arrival_pred_s: np.ndarray) -> TerrainLayers:
    """The :class:`TerrainLayers` from the per-cell look of :func:`terrain_textures`.

    ``unburnt_rad``: the radiance the cells would have unburnt; ``arrival_pred_s``: arrival
    times with the next cells ahead of the front predicted (:func:`.flames.predicted_arrival_s`).
    """
    burnt = snap.burned_any
    burnt_rgba = rgba.copy()
    burnt_rgba[..., 3] = np.where(burnt, ((rgba[..., 3].astype(np.int32) - 1) * 255 // 254), 0).astype(np.uint8)
    burnt_rgba = _extend(burnt_rgba, burnt)
    unburnt = _extend(base_rgba, ~burnt)
    r2 = np.empty(rad.shape + (2,), np.float32)
    r2[..., 0] = _extend(np.where(burnt, unburnt_rad, rad), ~burnt)
    r2[..., 1] = _extend(rad, burnt)
    age = np.where(np.isfinite(arrival_pred_s), snap.time_s - arrival_pred_s, -AGE_FAR_S)
    age = np.clip(age, -AGE_FAR_S, AGE_FAR_S).astype(np.float32)
    # a reached cell is burnt at its centre even when it arrived exactly now
    age[burnt] = np.maximum(age[burnt], 1e-3)
    return TerrainLayers(unburnt, burnt_rgba, r2, age)


def _encode_albedo(alb: np.ndarray) -> np.ndarray:
    """Linear albedo -> uint8 ``sqrt`` encoding of the terrain texture."""
    return np.clip(np.sqrt(np.clip(alb, 0, 1)) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def terrain_base_rgba(ts: TerrainStatic, app: Appearance) -> np.ndarray:
    """The unburnt terrain texture ``[ny, nx, 4]`` uint8 for an appearance's terrain tint (A = 0)."""
    out = np.zeros(ts.albedo.shape[:2] + (4,), np.uint8)
    out[..., :3] = _encode_albedo(ts.albedo * np.asarray(app.terrain_tint, np.float32))
    return out


# ----------------------------------------------------------------- trees
def tree_states(geom: StaticGeometry, landscape: Landscape, snap: FireSnapshot, light: Lighting,
                app: Appearance, table: th.BandTable, l_down: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-tree ``state0 = (tint rgb, crown scale)`` and ``state1 = (glow, label, crown radiance,
    wood radiance)``, float32 ``[N, 4]`` each.

    The tint multiplies the crown's vertex colours (which carry the per-tree foliage colour and
    self-shading), so a scorched crown becomes ``SCORCHED_RGB`` exactly while keeping its shading.
    Crown scale is ``foliage_frac ** (1/3)`` (volume follows the remaining foliage).
    """
    n = geom.n_trees
    s0 = np.zeros((n, 4), np.float32)
    s1 = np.zeros((n, 4), np.float32)
    if n == 0:
        return s0, s1
    st = np.asarray(snap.tree_state)
    frac = np.clip(np.asarray(snap.tree_foliage_frac, np.float32), 0.0, 1.0)
    target = geom.foliage_linear * np.asarray(app.foliage_tint, np.float32)
    target = np.where((st == TreeState.SCORCHED)[:, None], SCORCHED_RGB, target)
    burning = (st == TreeState.TORCHING) | (st == TreeState.CROWN_BURNING)
    target = np.where((burning | (st == TreeState.BURNT))[:, None], CHAR_RGB, target)
    s0[:, :3] = target / geom.foliage_linear
    s0[:, 3] = np.cbrt(frac)
    s1[:, 0] = burning.astype(np.float32)
    s1[:, 1] = np.where(st == TreeState.UNBURNT, VEG_LIVE, VEG_BURNT)
    air = light.air_k
    t_crown = np.full(n, air + th.SUN_CANOPY_WARMING_K * max(float(light.sun_dir[2]), 0.0), np.float32)
    t_since = snap.time_s - np.where(np.isfinite(snap.tree_state_time_s), snap.tree_state_time_s, snap.time_s)
    t_crown[burning] = th.SMOULDERING_BED_TEMPERATURE_K
    burnt = st == TreeState.BURNT
    t_crown[burnt] = th.cooling_temperature_k(t_since[burnt], air)
    t_wood = t_crown.copy()
    t_wood[burning] = th.BURNOUT_TEMPERATURE_K
    # Trees neither burning nor burnt share one temperature: their radiance is evaluated once.
    changed = burning | burnt
    idle, ch = np.flatnonzero(~changed), np.flatnonzero(changed)
    for col, t, eps in ((2, t_crown, th.EMISSIVITY["vegetation"]), (3, t_wood, th.EMISSIVITY["char"])):
        if idle.size:
            s1[:, col] = th.surface_radiance(t[idle[:1]], eps, l_down, table)[0]
        if ch.size:
            s1[ch, col] = th.surface_radiance(t[ch], eps, l_down, table)
    return s0, s1


# ----------------------------------------------------------------- fire regions and flames
@dataclass(frozen=True)
class FireRegions:
    """Connected regions of flaming cells and burning crowns (8-connected on the raster)."""

    label: np.ndarray  # int32 [ny, nx], 0 none, 1..n
    count: int
    burning_trees: np.ndarray  # int64 indices of trees in flame
    tree_region: np.ndarray  # int32 region of each burning tree


def fire_regions(landscape: Landscape, snap: FireSnapshot, front: FlameFront | None = None) -> FireRegions:
    """Connected regions (8-connected) of flaming cells, the cells behind the active flame
    curtain (``front``) and burning crowns."""
    burning = snap.burn_state == BurnState.BURNING
    st = np.asarray(snap.tree_state)
    bt = np.flatnonzero((st == TreeState.TORCHING) | (st == TreeState.CROWN_BURNING))
    mask = burning.copy()
    if front is not None and front.count:
        mask[front.cell[:, 0], front.cell[:, 1]] = True
    ny, nx = landscape.shape
    if bt.size:
        ix = np.clip((landscape.trees.x_m[bt] / landscape.cell_m).astype(np.int64), 0, nx - 1)
        iy = np.clip((landscape.trees.y_m[bt] / landscape.cell_m).astype(np.int64), 0, ny - 1)
        mask[iy, ix] = True
    # cells up to REGION_MERGE_CELLS apart belong to one region (one fire, not a chain of boxes)
    lab, n = ndimage.label(ndimage.binary_dilation(mask, iterations=REGION_MERGE_CELLS), structure=np.ones((3, 3), bool))
    lab = np.where(mask, lab, 0)
    tree_region = lab[iy, ix].astype(np.int32) if bt.size else np.zeros(0, np.int32)
    return FireRegions(lab.astype(np.int32), int(n), bt, tree_region)


REGION_MERGE_CELLS = 1
"""Flaming cells within this many cells of each other form one fire region."""


def _hash01(a: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic uniform [0, 1) per integer (a multiplicative hash)."""
    z = (np.asarray(a, np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(29)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(32)
    return (z >> np.uint64(40)).astype(np.float32) / np.float32(1 << 24)


def _flame_sheets(base: np.ndarray, width: np.ndarray, length: np.ndarray, tilt: np.ndarray,
                  downwind: np.ndarray, yaw: np.ndarray, inst: np.ndarray, rad: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Two crossed flame sheets (a quad each, narrowing to the tip) per crown flame: 12 vertices."""
    n = base.shape[0]
    tip = base.copy()
    tip[:, 0] += length * np.sin(tilt) * downwind[0]
    tip[:, 1] += length * np.sin(tilt) * downwind[1]
    tip[:, 2] += length * np.cos(tilt)
    out = np.empty((n, 2, 6, FLAME_FLOATS), np.float32)
    for s, ang in enumerate((yaw, yaw + np.pi / 2)):
        half = np.stack([np.cos(ang), np.sin(ang), np.zeros(n)], 1) * (0.5 * width)[:, None]
        b0, b1, t0, t1 = base - half, base + half, tip - 0.3 * half, tip + 0.3 * half
        for k, (p, h) in enumerate(((b0, 0.0), (b1, 0.0), (t1, 1.0), (b0, 0.0), (t1, 1.0), (t0, 1.0))):
            out[:, s, k, 0:3] = p
            out[:, s, k, 3] = h
    out[..., 4] = 1.0
    out[..., 5] = (rad * eps)[:, None, None]
    out[..., 6] = eps[:, None, None]
    out[..., 7] = inst[:, None, None]
    out[..., 8] = 0.0
    return out.reshape(-1, FLAME_FLOATS)


def flame_vertices(landscape: Landscape, snap: FireSnapshot, regions: FireRegions, first_instance: int,
                   ts: TerrainStatic, table: th.BandTable, front: FlameFront) -> np.ndarray:
    """Emissive flame geometry ``[k, FLAME_FLOATS]``: the curtain along the active front
    (:mod:`.flames`) and a flame over every burning crown.

    A burning crown's flame spans the crown and reaches
    :data:`~.thermal.CROWN_FLAME_HEIGHT_FACTOR` x the tree height, tilted by the Froude angle
    of :func:`~.thermal.flame_tilt_rad`, flickering smoothly with time.
    """
    wind = float(snap.wind_speed_20ft_mps)
    dw = np.array([-math.sin(math.radians(snap.wind_from_deg)), -math.cos(math.radians(snap.wind_from_deg))])
    l_flame = float(table.radiance(th.FLAME_TEMPERATURE_K))
    chunks = []
    if front.count:
        inst = first_instance + regions.label[front.cell[:, 0], front.cell[:, 1]] - 1
        chunks.append(curtain_vertices(front, landscape.elevation_m, landscape.cell_m, wind, snap.wind_from_deg,
                                       inst, l_flame, snap.time_s))
    bt = regions.burning_trees
    if bt.size:
        tr = landscape.trees
        h = tr.height_m[bt].astype(np.float64)
        cb = tr.crown_base_m[bt].astype(np.float64)
        phase = 2 * np.pi * _hash01(bt.astype(np.int64), 13)
        flick = 1.0 + 0.5 * FLICKER_AMPLITUDE * (np.sin(2 * np.pi * FLICKER_HZ[0] * snap.time_s + phase)
                                                 + np.sin(2 * np.pi * FLICKER_HZ[1] * snap.time_s + 2.3 * phase))
        length = (th.CROWN_FLAME_HEIGHT_FACTOR * h - cb) * flick
        base = np.stack([tr.x_m[bt], tr.y_m[bt], tr.z_m[bt] + cb], 1).astype(np.float64)
        eps = th.flame_emissivity(2.0 * tr.crown_radius_m[bt]).astype(np.float32)
        inst = (first_instance + regions.tree_region - 1).astype(np.float32)
        chunks.append(_flame_sheets(base, 2.0 * tr.crown_radius_m[bt].astype(np.float64), length,
                                    th.flame_tilt_rad(wind, length), dw, 2 * np.pi * _hash01(bt, 17), inst,
                                    np.full(bt.size, l_flame, np.float32), eps))
    if not chunks:
        return np.zeros((0, FLAME_FLOATS), np.float32)
    return np.concatenate(chunks)
