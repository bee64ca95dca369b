"""Houses on the terrain, and the defensible space cleared of trees around them.

Houses stand on gentle ground (slope at most :data:`MAX_HOUSE_SLOPE_DEG`, relaxed to the
gentlest fifth of the terrain when too little is that gentle), away from the terrain
edges, at least ``min_spacing_m`` apart (and never closer than their footprint
diagonal, so footprints cannot overlap). A house's long axis follows the contour.
Explicit ``positions_m`` come first; ``houses`` more are then placed procedurally,
``clustered`` (hamlets around a few centres) or ``scattered`` (uniform).
"""

from __future__ import annotations

import logging
import math

import numpy as np
from scipy.spatial import cKDTree

from ..errors import RasterError, ScenarioError
from ..scenario import StructuresConfig
from .landscape import Structures, Trees
from .vegetation import bilinear_sample

log = logging.getLogger(__name__)

MAX_HOUSE_SLOPE_DEG: float = 15.0
"""Steepest ground a house is built on, degrees."""

GENTLE_FALLBACK_QUANTILE: float = 0.2
"""When too little ground is gentler than the limit, the gentlest fraction used instead."""

EDGE_MARGIN_FRACTION: float = 0.08
"""House centres stay this fraction of the extent away from the terrain edges ..."""

MAX_EDGE_MARGIN_M: float = 150.0
"""... but never more than this, m."""

HOUSES_PER_HAMLET: float = 8.0
"""Mean number of houses around one centre in the ``clustered`` layout."""

HAMLET_SPREAD_SPACINGS: float = 1.5
"""Standard deviation of a house's offset from its hamlet centre, in multiples of
``spacing * sqrt(houses per hamlet)``."""

_MAX_ROUNDS: int = 60
"""Rounds of candidate proposals before giving up on a crowded layout."""


def _contour_yaw_deg(elevation_m: np.ndarray, x: np.ndarray, y: np.ndarray, cell_m: float,
                     rng: np.random.Generator) -> np.ndarray:
    """Compass direction of the contour (normal to the gradient), degrees in [0, 180);
    random where the ground is flat."""
    z = np.asarray(elevation_m, np.float64)
    # np.gradient needs two samples along an axis; a single row or column is flat across it.
    gy = np.gradient(z, cell_m, axis=0) if z.shape[0] >= 2 else np.zeros_like(z)
    gx = np.gradient(z, cell_m, axis=1) if z.shape[1] >= 2 else np.zeros_like(z)
    dzdx = bilinear_sample(gx, x, y, cell_m)
    dzdy = bilinear_sample(gy, x, y, cell_m)
    # The contour runs along (-dz/dy, dz/dx); compass bearing = atan2(east, north).
    yaw = np.degrees(np.arctan2(-dzdy, dzdx)) % 180.0
    flat = np.hypot(dzdx, dzdy) < 1e-6
    return np.where(flat, rng.uniform(0.0, 180.0, x.shape[0]), yaw)


class _SpacedSet:
    """Accepted house centres with a hash grid of cell ``spacing`` for O(1) spacing checks."""

    def __init__(self, spacing: float) -> None:
        self.spacing = spacing
        self.x: list[float] = []
        self.y: list[float] = []
        self._grid: dict[tuple[int, int], list[int]] = {}

    def _key(self, x: float, y: float) -> tuple[int, int]:
        s = self.spacing if self.spacing > 0 else 1.0
        return (math.floor(x / s), math.floor(y / s))

    def add(self, x: float, y: float) -> None:
        self._grid.setdefault(self._key(x, y), []).append(len(self.x))
        self.x.append(x)
        self.y.append(y)

    def fits(self, x: float, y: float) -> bool:
        kx, ky = self._key(x, y)
        s2 = self.spacing * self.spacing
        for gx in (kx - 1, kx, kx + 1):
            for gy in (ky - 1, ky, ky + 1):
                for i in self._grid.get((gx, gy), ()):
                    if (self.x[i] - x) ** 2 + (self.y[i] - y) ** 2 < s2:
                        return False
        return True

    def offer(self, xs: np.ndarray, ys: np.ndarray, want: int) -> None:
        """Accept, in order, the candidates at least ``spacing`` from every accepted centre."""
        for cx, cy in zip(xs.tolist(), ys.tolist(), strict=True):
            if len(self.x) >= want:
                return
            if self.fits(cx, cy):
                self.add(cx, cy)


def place_structures(cfg: StructuresConfig, elevation_m: np.ndarray, slope_deg: np.ndarray,
                     cell_m: float, seed: int) -> Structures:
    """Place the houses a scenario asks for (deterministic for a given ``seed``).

    Args:
        cfg: count, footprint, height, spacing, layout and explicit positions.
        elevation_m, slope_deg: ``[ny, nx]`` rasters (m, degrees).
        cell_m: cell size, m.
        seed: seed of this component's random stream.

    Returns:
        :class:`Structures`: explicit positions first (ids 0..), then procedural ones.

    Raises:
        ScenarioError: an explicit position outside the terrain, or no room for ``houses``.
    """
    if np.ndim(elevation_m) != 2 or np.shape(slope_deg) != np.shape(elevation_m):
        raise RasterError(f"elevation_m/slope_deg: expected two 2-D rasters of one shape, got "
                          f"{np.shape(elevation_m)} and {np.shape(slope_deg)}")
    ny, nx = np.shape(elevation_m)
    width_m, height_m = nx * cell_m, ny * cell_m
    rng = np.random.default_rng(seed)
    length, width = float(cfg.footprint_m[0]), float(cfg.footprint_m[1])
    spacing = max(float(cfg.min_spacing_m), math.hypot(length, width))

    accepted = _SpacedSet(spacing)
    for j, (px, py) in enumerate(cfg.positions_m):
        if not (0 <= px <= width_m and 0 <= py <= height_m):
            raise ScenarioError(f"structures.positions_m[{j}]",
                                f"a point inside the terrain [0, {width_m}] x [0, {height_m}] m", (px, py))
        accepted.add(float(px), float(py))  # explicit houses are kept even when closer than the spacing
    want = len(accepted.x) + int(cfg.houses)

    if cfg.houses > 0:
        margin = min(EDGE_MARGIN_FRACTION * min(width_m, height_m), MAX_EDGE_MARGIN_M)
        slope = np.asarray(slope_deg, np.float64)
        limit = MAX_HOUSE_SLOPE_DEG
        if np.mean(slope <= limit) < 0.05:
            limit = max(limit, float(np.quantile(slope, GENTLE_FALLBACK_QUANTILE)))
            log.info("little ground under %.0f deg; houses allowed up to %.1f deg", MAX_HOUSE_SLOPE_DEG, limit)
        xs = (np.arange(nx) + 0.5) * cell_m
        ys = (np.arange(ny) + 0.5) * cell_m
        ok = (slope <= limit) & ((xs[None, :] >= margin) & (xs[None, :] <= width_m - margin)) \
            & ((ys[:, None] >= margin) & (ys[:, None] <= height_m - margin))
        cells = np.flatnonzero(ok)
        if cells.size == 0:
            raise ScenarioError("structures.houses", "terrain with some ground gentle enough for houses "
                                f"(slope <= {limit:.1f} deg, {margin:.0f} m from the edges)", cfg.houses)

        def uniform_candidates(m: int) -> tuple[np.ndarray, np.ndarray]:
            c = cells[rng.integers(0, cells.size, m)]
            return ((c % nx + rng.random(m)) * cell_m, (c // nx + rng.random(m)) * cell_m)

        centres: tuple[np.ndarray, np.ndarray] | None = None
        if cfg.layout == "clustered":
            n_hamlets = max(1, math.ceil(cfg.houses / HOUSES_PER_HAMLET))
            centres = uniform_candidates(n_hamlets)
            spread = HAMLET_SPREAD_SPACINGS * spacing * math.sqrt(cfg.houses / n_hamlets) / 2.0
        batch = max(64, 4 * int(cfg.houses))
        for rnd in range(_MAX_ROUNDS):
            if len(accepted.x) >= want:
                break
            if centres is not None and rnd < _MAX_ROUNDS // 2:
                h = rng.integers(0, centres[0].size, batch)
                cx = centres[0][h] + rng.normal(0.0, spread, batch)
                cy = centres[1][h] + rng.normal(0.0, spread, batch)
                inside = (cx >= margin) & (cx <= width_m - margin) & (cy >= margin) & (cy <= height_m - margin)
                cx, cy = cx[inside], cy[inside]
                cix = np.minimum((cx / cell_m).astype(np.int64), nx - 1)
                ciy = np.minimum((cy / cell_m).astype(np.int64), ny - 1)
                good = ok[ciy, cix]
                cx, cy = cx[good], cy[good]
            else:
                cx, cy = uniform_candidates(batch)
            accepted.offer(cx, cy, want)
        if len(accepted.x) < want:
            raise ScenarioError("structures.houses", f"a number of houses that fits on the gentle ground "
                                f"at min_spacing_m={cfg.min_spacing_m} (only {len(accepted.x) - len(cfg.positions_m)} fit)",
                                cfg.houses)

    n = len(accepted.x)
    if n == 0:
        return Structures.empty()
    x = np.asarray(accepted.x, np.float64)
    y = np.asarray(accepted.y, np.float64)
    f32 = np.float32
    return Structures(
        id=np.arange(n, dtype=np.int32),
        x_m=x.astype(f32), y_m=y.astype(f32),
        z_m=bilinear_sample(elevation_m, x, y, cell_m).astype(f32),
        length_m=np.full(n, length, f32), width_m=np.full(n, width, f32),
        height_m=np.full(n, float(cfg.height_m), f32),
        yaw_deg=_contour_yaw_deg(elevation_m, x, y, cell_m, rng).astype(f32),
    )


def distance_to_footprints_m(x_m: np.ndarray, y_m: np.ndarray, structures: Structures,
                             house: np.ndarray) -> np.ndarray:
    """Horizontal distance from points to the rectangular footprint of ``structures[house]``
    (0 inside), m. ``house`` gives, per point, the index of the house to measure to."""
    yaw = np.radians(np.asarray(structures.yaw_deg, np.float64)[house])
    dx = np.asarray(x_m, np.float64) - np.asarray(structures.x_m, np.float64)[house]
    dy = np.asarray(y_m, np.float64) - np.asarray(structures.y_m, np.float64)[house]
    # Long axis along compass yaw: unit vector (sin yaw, cos yaw) in (east, north).
    along = dx * np.sin(yaw) + dy * np.cos(yaw)
    across = -dx * np.cos(yaw) + dy * np.sin(yaw)
    ex = np.maximum(np.abs(along) - 0.5 * np.asarray(structures.length_m, np.float64)[house], 0.0)
    ey = np.maximum(np.abs(across) - 0.5 * np.asarray(structures.width_m, np.float64)[house], 0.0)
    return np.hypot(ex, ey)


def clear_defensible_space(trees: Trees, structures: Structures, radius_m: float) -> Trees:
    """Remove trees whose stem stands inside a house footprint or within ``radius_m`` of it.

    Distances are horizontal, from the stem to the nearest point of the footprint
    rectangle. Returns a new :class:`Trees` with ids renumbered 0..M-1.
    """
    if radius_m < 0 or not np.isfinite(radius_m):
        raise ScenarioError("structures.defensible_space_m", "a distance >= 0 m", radius_m)
    if len(trees) == 0 or len(structures) == 0:
        return trees
    half_diag = 0.5 * np.hypot(np.asarray(structures.length_m, np.float64), np.asarray(structures.width_m, np.float64))
    reach = float(radius_m + half_diag.max()) + 1e-6
    stems = np.column_stack([np.asarray(trees.x_m, np.float64), np.asarray(trees.y_m, np.float64)])
    houses = np.column_stack([np.asarray(structures.x_m, np.float64), np.asarray(structures.y_m, np.float64)])
    near = cKDTree(stems).query_ball_point(houses, r=reach)
    remove = np.zeros(len(trees), bool)
    for h, idx in enumerate(near):
        if not idx:
            continue
        t = np.asarray(idx, np.int64)
        d = distance_to_footprints_m(stems[t, 0], stems[t, 1], structures, np.full(t.size, h))
        remove[t[d <= radius_m]] = True
    if not remove.any():
        return trees
    log.debug("defensible space removed %d trees", int(remove.sum()))
    return trees.subset(~remove)
