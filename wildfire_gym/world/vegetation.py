"""Tree placement: density, clustering, slope-awareness and species sizes, vectorised.

The point pattern is a mixture of two stationary processes on the terrain rectangle:

* a homogeneous Poisson process (the uniform part), and
* a Thomas cluster process (Thomas 1949; Illian et al. 2008, *Statistical Analysis and
  Modelling of Spatial Point Patterns*, sect. 6.3.2): parent points uniform, each
  with a Poisson number of children displaced by an isotropic Gaussian of standard
  deviation :data:`CLUSTER_SIGMA_M`. Offsets wrap around the terrain (a torus), so
  the intensity stays uniform up to the edges.

``clustering`` is the fraction of the expected stems that come from the cluster part.
The total count is Poisson with mean ``trees_per_ha * area_ha``; the pattern is then
independently thinned (Illian et al. 2008, sect. 6.2.3) by the retention probability
of the cell under each stem: zero on non-burnable fuel (water, rock, urban, ...), and
``1 - slope_sensitivity * min(slope / 45 deg, 1)`` with slope -- so
``trees_per_ha`` is the density on flat burnable ground.
"""

from __future__ import annotations

import logging

import numpy as np

from ..errors import RasterError, ScenarioError
from ..scenario import VegetationConfig
from ..species import species_table
from .landscape import Trees

log = logging.getLogger(__name__)

M2_PER_HA: float = 1.0e4
"""Square metres in a hectare."""

CLUSTER_SIGMA_M: float = 12.0
"""Standard deviation of a child's offset from its parent in the Thomas process, m
(clumps of roughly 25-35 m across, a typical size of tree groups in dry conifer forests)."""

MEAN_TREES_PER_CLUSTER: float = 12.0
"""Mean number of stems per cluster in the Thomas process."""

SLOPE_REFERENCE_DEG: float = 45.0
"""Slope at which ``slope_sensitivity`` of the density is lost, degrees."""


def bilinear_sample(raster: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, cell_m: float) -> np.ndarray:
    """Bilinear interpolation of a ``[ny, nx]`` raster (cell centres at ``(i + 0.5) cell``)
    at points ``(x_m, y_m)`` in metres; clamped to the outermost cell centres at the edges."""
    ny, nx = raster.shape
    fx = np.clip(np.asarray(x_m, np.float64) / cell_m - 0.5, 0.0, nx - 1)
    fy = np.clip(np.asarray(y_m, np.float64) / cell_m - 0.5, 0.0, ny - 1)
    ix0 = np.minimum(fx.astype(np.int64), max(nx - 2, 0))
    iy0 = np.minimum(fy.astype(np.int64), max(ny - 2, 0))
    ix1 = np.minimum(ix0 + 1, nx - 1)
    iy1 = np.minimum(iy0 + 1, ny - 1)
    tx = fx - ix0
    ty = fy - iy0
    r = np.asarray(raster, np.float64)
    top = r[iy0, ix0] * (1 - tx) + r[iy0, ix1] * tx
    bot = r[iy1, ix0] * (1 - tx) + r[iy1, ix1] * tx
    return top * (1 - ty) + bot * ty


def slope_retention(slope_deg: np.ndarray, slope_sensitivity: float) -> np.ndarray:
    """Fraction of stems kept on a slope: ``1 - s * min(slope / 45 deg, 1)``.

    slope_deg :: degrees; slope_sensitivity :: fraction of density lost at 45 degrees.
    Returns a fraction in [0, 1].
    """
    ratio = np.minimum(np.asarray(slope_deg, np.float64) / SLOPE_REFERENCE_DEG, 1.0)
    return np.clip(1.0 - slope_sensitivity * ratio, 0.0, 1.0)


def _check_rasters(elevation_m: np.ndarray, slope_deg: np.ndarray, fuel_code: np.ndarray | None,
                   cell_m: float) -> tuple[int, int]:
    if np.ndim(elevation_m) != 2 or min(np.shape(elevation_m)) < 1:
        raise RasterError(f"elevation_m: expected a 2-D [ny, nx] raster, got shape {np.shape(elevation_m)}")
    shape = tuple(np.shape(elevation_m))
    if tuple(np.shape(slope_deg)) != shape:
        raise RasterError(f"slope_deg: expected shape {shape} like elevation_m, got {np.shape(slope_deg)}")
    if fuel_code is not None and tuple(np.shape(fuel_code)) != shape:
        raise RasterError(f"fuel_code: expected shape {shape} like elevation_m, got {np.shape(fuel_code)}")
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise RasterError(f"cell_m: expected a positive cell size in metres, got {cell_m}")
    return shape  # type: ignore[return-value]


def sample_points(rng: np.random.Generator, n_expected: float, clustering: float,
                  width_m: float, height_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points of the uniform + Thomas mixture on ``[0, width) x [0, height)`` (before thinning).

    n_expected :: expected number of points; clustering :: fraction from the cluster part.
    Returns ``(x_m, y_m)`` float64 arrays.
    """
    n = int(rng.poisson(n_expected)) if n_expected > 0 else 0
    n_cluster = int(rng.binomial(n, clustering)) if n > 0 else 0
    n_uniform = n - n_cluster
    x = np.empty(n, np.float64)
    y = np.empty(n, np.float64)
    x[:n_uniform] = rng.uniform(0.0, width_m, n_uniform)
    y[:n_uniform] = rng.uniform(0.0, height_m, n_uniform)
    if n_cluster:
        # Given the parents, a Thomas process's children are Poisson per parent; a Poisson
        # total split uniformly among the parents is exactly that.
        n_parents = max(1, int(rng.poisson(clustering * n_expected / MEAN_TREES_PER_CLUSTER)))
        px = rng.uniform(0.0, width_m, n_parents)
        py = rng.uniform(0.0, height_m, n_parents)
        parent = rng.integers(0, n_parents, n_cluster)
        off = rng.normal(0.0, CLUSTER_SIGMA_M, (2, n_cluster))
        x[n_uniform:] = np.mod(px[parent] + off[0], width_m)
        y[n_uniform:] = np.mod(py[parent] + off[1], height_m)
    return x, y


def place_trees(cfg: VegetationConfig, elevation_m: np.ndarray, slope_deg: np.ndarray, cell_m: float,
                fuel_code: np.ndarray | None, seed: int,
                nonburnable_codes: np.ndarray | list[int] | tuple[int, ...] = ()) -> Trees:
    """Place every tree of the world (deterministic for a given ``seed``).

    Args:
        cfg: density (trees/ha on flat burnable ground), species fractions, clustering,
            slope sensitivity and size scale.
        elevation_m: ``[ny, nx]`` ground elevation, m (cell-centred, row 0 south).
        slope_deg: ``[ny, nx]`` slope, degrees.
        cell_m: raster cell size, m.
        fuel_code: ``[ny, nx]`` numeric fuel codes, or None for all burnable.
        seed: seed of this component's random stream.
        nonburnable_codes: fuel codes where no tree stands (water, rock, urban...).

    Returns:
        :class:`Trees` with ids 0..N-1 in placement order, float32 sizes in m and kg.
    """
    ny, nx = _check_rasters(elevation_m, slope_deg, fuel_code, cell_m)
    table = species_table()
    names = tuple(cfg.species)
    for name in names:
        if name not in table:
            raise ScenarioError(f"vegetation.species.{name}", "a species among " + ", ".join(sorted(table)), name)
    width_m, height_m = nx * cell_m, ny * cell_m
    rng = np.random.default_rng(seed)
    n_expected = cfg.trees_per_ha * width_m * height_m / M2_PER_HA
    fractions = np.array([max(cfg.species[n], 0.0) for n in names], np.float64)
    if n_expected <= 0 or not names or fractions.sum() <= 0:
        return Trees.empty(names)

    x, y = sample_points(rng, n_expected, cfg.clustering, width_m, height_m)

    # Independent thinning by the cell under each stem.
    keep_p = slope_retention(slope_deg, cfg.slope_sensitivity)
    if fuel_code is not None and len(nonburnable_codes):
        keep_p = np.where(np.isin(fuel_code, np.asarray(nonburnable_codes)), 0.0, keep_p)
    ix = np.minimum((x / cell_m).astype(np.int64), nx - 1)
    iy = np.minimum((y / cell_m).astype(np.int64), ny - 1)
    keep = rng.random(x.shape[0]) < keep_p[iy, ix]
    x, y = x[keep], y[keep]
    n = int(x.shape[0])

    species = rng.choice(len(names), size=n, p=fractions / fractions.sum()).astype(np.int16)
    height = np.empty(n, np.float64)
    crown_ratio = np.empty(n, np.float64)
    radius = np.empty(n, np.float64)
    foliage = np.empty(n, np.float64)
    branch = np.empty(n, np.float64)
    for k, name in enumerate(names):  # a handful of species: the per-tree work is vectorised
        sp = table[name]
        idx = np.flatnonzero(species == k)
        m = idx.shape[0]
        h0 = sp.sample_height_m(rng, m)
        height[idx] = h0 * cfg.size_scale
        crown_ratio[idx] = sp.sample_crown_ratio(rng, m)
        jitter = np.exp(sp.crown_radius_jitter_sigma * rng.standard_normal(m))
        radius[idx] = sp.crown_radius_m(h0) * jitter * cfg.size_scale
        foliage[idx] = sp.foliage_kg(height[idx])
        branch[idx] = sp.fine_branch_kg(height[idx])
    crown_base = height * (1.0 - crown_ratio)
    z = bilinear_sample(elevation_m, x, y, cell_m)
    shape_seed = rng.integers(0, 2**32, size=n, dtype=np.uint32)
    log.debug("placed %d trees (expected %.0f before thinning)", n, n_expected)

    f32 = np.float32
    return Trees(
        id=np.arange(n, dtype=np.int32),
        x_m=x.astype(f32), y_m=y.astype(f32), z_m=z.astype(f32),
        height_m=height.astype(f32), crown_base_m=crown_base.astype(f32),
        crown_radius_m=radius.astype(f32), foliage_kg=foliage.astype(f32),
        branch_kg=branch.astype(f32), species=species, shape_seed=shape_seed,
        species_names=names,
    )
