"""Smoke plumes as Gaussian puffs carried by the wind, thicker where the fire is more intense.

Each sampled flaming cell is a source of smoke mass; its plume bends over in the wind
and rises as Briggs' bent-over plume, widening with height; the plume is cut into
puffs, each an isotropic 3-D Gaussian of smoke mass. The renderer splats the puffs as
camera-facing billboards and accumulates *optical depth* per pixel (so overlapping
puffs add physically), then composites ``alpha = 1 - exp(-tau)`` in screen space.

Puffs move downwind with the wind between frames (their phase along the plume is the
distance the wind has carried the air since ignition), so a sequence animates.
"""

from __future__ import annotations

import math

import numpy as np

from ..fire.state import BurnState, FireSnapshot, TreeState
from .thermal import GRAVITY_M_S2

SMOKE_EMISSION_FACTOR = 0.012
"""kg of fine particulate matter (PM2.5) per kg of fuel burned; 9-13 g/kg for forest and
savanna fires (Andreae & Merlet 2001, Global Biogeochem. Cycles 15:955)."""
SMOKE_MASS_EXTINCTION_M2_KG = 4000.0
"""m^2/kg; mass extinction efficiency of fresh smoke at 550 nm, 3-5 m^2/g (Reid et al. 2005,
Atmos. Chem. Phys. 5:827)."""
DEFAULT_HEAT_OF_COMBUSTION_J_KG = 18_000e3
"""J/kg; low heat of combustion of wildland fuel used to turn intensity into burning rate
(Byram 1959: I = H w R)."""
AIR_DENSITY_KG_M3 = 1.2
AIR_HEAT_CAPACITY_J_KG_K = 1005.0
BRIGGS_RISE_COEFF = 1.6
"""-; bent-over plume rise ``dz = 1.6 F^(1/3) x^(2/3) / U`` (Briggs 1969)."""
PLUME_ENTRAINMENT = 0.5
"""-; plume radius grows as this fraction of its rise (entrainment, Briggs 1969: ~0.5)."""
MIN_WIND_MPS = 1.0
"""m/s; calmer air is treated as this wind for the bent-over plume (a convective column)."""
MIN_PUFF_SPACING_RADII = 0.6
"""Puffs are never narrower than this fraction of their spacing, so they merge into a plume."""


def buoyancy_flux_m4_s3(heat_release_w: np.ndarray, air_k: float) -> np.ndarray:
    """Plume buoyancy flux ``F = g Q / (pi rho c_p T)`` in m^4/s^3 (Briggs 1969).

    ``heat_release_w`` convective heat release rate of the source, W; ``air_k`` K.
    """
    return GRAVITY_M_S2 * np.asarray(heat_release_w, np.float64) / (math.pi * AIR_DENSITY_KG_M3 * AIR_HEAT_CAPACITY_J_KG_K * air_k)


def plume_rise_m(buoyancy_flux: np.ndarray, downwind_m: np.ndarray, wind_mps: float) -> np.ndarray:
    """Briggs bent-over plume rise ``1.6 F^(1/3) x^(2/3) / U`` (m); ``downwind_m`` m, ``wind_mps`` m/s."""
    u = max(float(wind_mps), MIN_WIND_MPS)
    return BRIGGS_RISE_COEFF * np.cbrt(buoyancy_flux) * np.maximum(downwind_m, 0.0) ** (2.0 / 3.0) / u


def smoke_mass_rate_kg_s(intensity_w_per_m: np.ndarray, cell_m: float, flame_zone_depth_m: np.ndarray,
                         heat_of_combustion_j_kg: float = DEFAULT_HEAT_OF_COMBUSTION_J_KG) -> np.ndarray:
    """Smoke (PM2.5) emission rate of one flaming cell, kg/s.

    Byram's burning rate per metre of front ``I / H`` (kg m^-1 s^-1) times the cell's front
    length ``cell_m``, shared among the ``D / cell_m`` cells a flaming zone of depth ``D``
    covers: ``EF * I * cell * min(1, cell / D) / H``. ``intensity_w_per_m`` W/m; lengths m.
    """
    share = np.minimum(1.0, cell_m / np.maximum(np.asarray(flame_zone_depth_m, np.float64), 1e-3))
    return SMOKE_EMISSION_FACTOR * np.asarray(intensity_w_per_m, np.float64) * cell_m * share / heat_of_combustion_j_kg


def puff_peak_optical_depth(mass_kg: np.ndarray, sigma_m: np.ndarray) -> np.ndarray:
    """Visible optical depth through the centre of an isotropic Gaussian puff: ``k m / (2 pi sigma^2)``."""
    return SMOKE_MASS_EXTINCTION_M2_KG * np.asarray(mass_kg) / (2.0 * math.pi * np.asarray(sigma_m) ** 2)


def plume_puffs(snap: FireSnapshot, elevation_m: np.ndarray, cell_m: float, tree_xyz: np.ndarray,
                air_k: float, residence_s: np.ndarray, max_sources: int = 48, puffs_per_source: int = 10, plume_length_m: float = 900.0,
                density_scale: float = 1.0, max_rise_m: float = 1500.0) -> np.ndarray:
    """Puffs ``[n, 6]``: centre x, y, z (m), Gaussian radius sigma (m), peak optical depth, grey level.

    Sources are the flaming cells (and burning crowns, with their crown fire's intensity
    unknown here they count as a cell of the highest surface intensity); when there are
    more than ``max_sources`` an evenly spaced subset carries the mass of all of them.
    No flaming cell -> no puffs.
    """
    burning = snap.burn_state == BurnState.BURNING
    iy, ix = np.nonzero(burning)
    intens = snap.fireline_intensity_kw_m[iy, ix].astype(np.float64) * 1e3
    depth = snap.ros_m_per_s[iy, ix].astype(np.float64) * residence_s[iy, ix]
    xs = (ix + 0.5) * cell_m
    ys = (iy + 0.5) * cell_m
    zs = elevation_m[iy, ix].astype(np.float64)
    st = np.asarray(snap.tree_state)
    bt = np.flatnonzero((st == TreeState.TORCHING) | (st == TreeState.CROWN_BURNING))
    if bt.size:
        i_tree = max(float(intens.max()) if intens.size else 0.0, 2.0e6)
        xs = np.concatenate([xs, tree_xyz[bt, 0]])
        ys = np.concatenate([ys, tree_xyz[bt, 1]])
        zs = np.concatenate([zs, tree_xyz[bt, 2]])
        intens = np.concatenate([intens, np.full(bt.size, i_tree)])
        depth = np.concatenate([depth, np.full(bt.size, cell_m)])
    n = xs.size
    if n == 0 or puffs_per_source <= 0 or max_sources <= 0:
        return np.zeros((0, 6), np.float32)
    if n > max_sources:
        pick = np.linspace(0, n - 1, max_sources).round().astype(np.int64)
        weight = n / max_sources
        xs, ys, zs, intens, depth = xs[pick], ys[pick], zs[pick], intens[pick], depth[pick]
    else:
        weight = 1.0
    u = max(float(snap.wind_speed_20ft_mps), MIN_WIND_MPS)
    wf = math.radians(snap.wind_from_deg)
    dw = np.array([-math.sin(wf), -math.cos(wf)])
    # Puffs at x_k = L s_k^2 (denser near the source, where the plume is narrow); the
    # phase s advances with the wind so the puffs drift downwind from frame to frame.
    p = float(puffs_per_source)
    phase = (snap.time_s * u / (plume_length_m / p)) % 1.0
    s_k = (np.arange(puffs_per_source) + phase + 0.5) / p
    x_along = plume_length_m * s_k**2  # [P]
    spacing = 2.0 * plume_length_m * s_k / p  # local spacing dx/dk, m
    # The plumes of neighbouring flaming cells merge: the rise follows the buoyancy flux of
    # the whole fire's heat release (a front of many cells lofts its smoke far higher than
    # one cell would), while each source keeps its own smoke mass.
    q_total = float(np.sum(intens * cell_m)) * weight
    f = np.full(xs.size, float(buoyancy_flux_m4_s3(q_total, air_k)))  # [S]
    rise = np.minimum(plume_rise_m(f[:, None], x_along[None, :], u), max_rise_m)  # [S, P]
    sigma = np.maximum(PLUME_ENTRAINMENT * rise, MIN_PUFF_SPACING_RADII * spacing[None, :])
    mass = smoke_mass_rate_kg_s(intens, cell_m, depth)[:, None] * weight * (spacing[None, :] / u) * density_scale  # kg per puff
    tau = puff_peak_optical_depth(np.broadcast_to(mass, sigma.shape), sigma)
    out = np.empty((xs.size, puffs_per_source, 6), np.float32)
    out[..., 0] = xs[:, None] + dw[0] * x_along[None, :]
    out[..., 1] = ys[:, None] + dw[1] * x_along[None, :]
    out[..., 2] = zs[:, None] + rise + sigma
    out[..., 3] = sigma
    out[..., 4] = tau
    # Fresh smoke near the fire is darker; aged smoke whiter.
    out[..., 5] = 0.45 + 0.4 * np.clip(x_along / plume_length_m, 0, 1)[None, :]
    return out.reshape(-1, 6)
