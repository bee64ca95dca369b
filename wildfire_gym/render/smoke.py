"""Smoke plumes: Briggs' bent-over buoyant plume driven by the fire's heat release, carried
downwind as a Gaussian plume, ray-marched on the GPU.

Model (one plume per fire region, strongest :data:`MAX_PLUMES`):

* heat release ``Q = sum(I ds)`` over the active front (Byram intensity ``I`` W/m times the
  front length) plus burning crowns; buoyancy flux ``F = g Q / (pi rho c_p T)`` (Briggs 1969).
* centreline rise ``dz = 1.6 F^(1/3) x^(2/3) / U`` (Briggs 1975, "Plume rise predictions",
  in Lectures on Air Pollution and Environmental Impact Analyses, AMS) up to the final rise
  reached at ``x_f = 3.5 x*`` with ``x* = 14 F^(5/8)`` (F < 55 m^4/s^3) or ``34 F^(2/5)``
  (neutral stability), capped by the boundary-layer top; ``U`` the wind at plume height.
* spread: the rising plume's radius ``0.5 dz`` (Briggs' entrainment) combined in quadrature
  with the open-country neutral (class D) dispersion ``sigma_y = 0.08 x (1 + 1e-4 x)^-1/2``,
  ``sigma_z = 0.06 x (1 + 1.5e-3 x)^-1/2`` (Briggs 1973, as tabulated by Hanna et al. 1982)
  and, across the wind, the front's own width.
* smoke density: the Gaussian plume ``c = Q_m / (2 pi sigma_y sigma_z U)
  exp(-y^2 / 2 sigma_y^2 - (z - z_c)^2 / 2 sigma_z^2)`` with the PM2.5 emission
  ``Q_m = EF Q / H``; extinction ``k c`` (mass extinction efficiency ``k``).

The GPU pass evaluates the same density (times a billowing noise advected with the wind)
along each pixel's ray, lit by the sun with a one-sample self-shadow and by the fire's glow
from below; :func:`plume_density_kg_m3` is its numpy reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..fire.state import FireSnapshot, TreeState
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
"""-; bent-over plume rise ``dz = 1.6 F^(1/3) x^(2/3) / U`` (Briggs 1969, 1975)."""
PLUME_ENTRAINMENT = 0.5
"""-; a rising plume's radius is this fraction of its rise (Briggs 1975)."""
MIN_WIND_MPS = 1.0
"""m/s; calmer air is treated as this wind for the bent-over plume (a convective column)."""
WIND_PROFILE_EXPONENT = 1.0 / 7.0
"""-; power-law wind profile ``U(z) = U_20ft (z / 6.1 m)^(1/7)`` over open terrain, neutral."""
PLUME_WIND_HEIGHT_M = 300.0
"""m; height at which the plume's transport wind is taken."""
BOUNDARY_LAYER_TOP_M = 2500.0
"""m; no plume rises above this (a typical afternoon mixing height over land)."""
PLUME_LENGTH_M = 6000.0
"""m; a plume is drawn this far downwind of its source."""
MAX_PLUMES = 4
"""Plumes drawn per frame (the strongest fire regions)."""
CROWN_HEAT_RELEASE_W = 10.0e6
"""W; a torching conifer crown: ~30 kg of foliage and fine twigs x 18 MJ/kg over ~60 s (estimate)."""
SMOKE_WHITE_RGB = (0.80, 0.80, 0.82)
"""Single-scattering colour of white smoke: smouldering, moist fuels, rich in water and organics."""
SMOKE_BROWN_RGB = (0.50, 0.44, 0.36)
"""Grey-brown smoke of a vigorous flaming surface fire (brown carbon)."""
SMOKE_BLACK_RGB = (0.16, 0.15, 0.14)
"""Black smoke of crown fire: soot-rich (black carbon) flaming combustion."""
SMOKE_BROWN_INTENSITY_KW_M = 2000.0
"""kW/m; surface intensity at which the smoke is fully grey-brown (white below ~300 kW/m)."""
SMOKE_WHITE_INTENSITY_KW_M = 300.0


def buoyancy_flux_m4_s3(heat_release_w: np.ndarray, air_k: float) -> np.ndarray:
    """Plume buoyancy flux ``F = g Q / (pi rho c_p T)`` in m^4/s^3 (Briggs 1969).

    ``heat_release_w`` heat release rate of the source, W; ``air_k`` K.
    """
    return GRAVITY_M_S2 * np.asarray(heat_release_w, np.float64) / (math.pi * AIR_DENSITY_KG_M3 * AIR_HEAT_CAPACITY_J_KG_K * air_k)


def plume_rise_m(buoyancy_flux: np.ndarray, downwind_m: np.ndarray, wind_mps: float) -> np.ndarray:
    """Briggs bent-over plume rise ``1.6 F^(1/3) x^(2/3) / U`` (m); ``downwind_m`` m, ``wind_mps`` m/s."""
    u = max(float(wind_mps), MIN_WIND_MPS)
    return BRIGGS_RISE_COEFF * np.cbrt(buoyancy_flux) * np.maximum(downwind_m, 0.0) ** (2.0 / 3.0) / u


def final_rise_distance_m(buoyancy_flux: float) -> float:
    """Distance to final rise ``x_f = 3.5 x*``, ``x* = 14 F^(5/8)`` for F < 55, else ``34 F^(2/5)``
    (Briggs 1975, neutral); m."""
    f = max(float(buoyancy_flux), 0.0)
    x_star = 14.0 * f ** 0.625 if f < 55.0 else 34.0 * f ** 0.4
    return 3.5 * x_star


def wind_at_height_mps(wind_20ft_mps: float, height_m: float) -> float:
    """Power-law wind profile ``U_20ft (z / 6.1 m)^(1/7)`` (m/s), at least :data:`MIN_WIND_MPS`."""
    return max(float(wind_20ft_mps) * (height_m / 6.096) ** WIND_PROFILE_EXPONENT, MIN_WIND_MPS)


def dispersion_sigma_y_m(downwind_m: np.ndarray) -> np.ndarray:
    """Open-country neutral (class D) crosswind spread ``0.08 x (1 + 1e-4 x)^-1/2`` (Briggs 1973), m."""
    x = np.maximum(np.asarray(downwind_m, np.float64), 0.0)
    return 0.08 * x / np.sqrt(1.0 + 1.0e-4 * x)


def dispersion_sigma_z_m(downwind_m: np.ndarray) -> np.ndarray:
    """Open-country neutral (class D) vertical spread ``0.06 x (1 + 1.5e-3 x)^-1/2`` (Briggs 1973), m."""
    x = np.maximum(np.asarray(downwind_m, np.float64), 0.0)
    return 0.06 * x / np.sqrt(1.0 + 1.5e-3 * x)


def smoke_mass_rate_kg_s(heat_release_w: np.ndarray,
                         heat_of_combustion_j_kg: float = DEFAULT_HEAT_OF_COMBUSTION_J_KG) -> np.ndarray:
    """PM2.5 emission rate ``EF Q / H`` (kg/s) of a fire releasing ``heat_release_w`` W."""
    return SMOKE_EMISSION_FACTOR * np.asarray(heat_release_w, np.float64) / heat_of_combustion_j_kg


def smoke_albedo_rgb(intensity_kw_m: float, crown_fraction: float) -> np.ndarray:
    """Smoke colour by phase: white (low intensity, smouldering) -> grey-brown (vigorous surface
    fire) -> black (share of the heat from burning crowns)."""
    w = min(max((intensity_kw_m - SMOKE_WHITE_INTENSITY_KW_M) / (SMOKE_BROWN_INTENSITY_KW_M - SMOKE_WHITE_INTENSITY_KW_M), 0.0), 1.0)
    c = (1 - w) * np.asarray(SMOKE_WHITE_RGB) + w * np.asarray(SMOKE_BROWN_RGB)
    k = min(max(crown_fraction, 0.0), 1.0)
    return ((1 - k) * c + k * np.asarray(SMOKE_BLACK_RGB)).astype(np.float32)


@dataclass(frozen=True)
class Plume:
    """One plume (SI units): source on the ground, transport wind, buoyancy flux, emission."""

    source_m: tuple[float, float, float]
    downwind: tuple[float, float]  # unit vector the wind blows towards
    wind_mps: float
    buoyancy_flux_m4_s3: float
    mass_rate_kg_s: float
    front_width_m: float  # crosswind extent of the source
    heat_release_w: float
    albedo_rgb: tuple[float, float, float]
    max_rise_m: float = BOUNDARY_LAYER_TOP_M
    length_m: float = PLUME_LENGTH_M

    @property
    def rise_coeff(self) -> float:
        """``1.6 F^(1/3) / U``: rise = coeff x^(2/3)."""
        return BRIGGS_RISE_COEFF * self.buoyancy_flux_m4_s3 ** (1.0 / 3.0) / self.wind_mps

    @property
    def final_rise_distance_m(self) -> float:
        return final_rise_distance_m(self.buoyancy_flux_m4_s3)

    def centreline_rise_m(self, downwind_m: np.ndarray) -> np.ndarray:
        """Height of the plume axis above the source (m) at ``downwind_m``."""
        x = np.minimum(np.maximum(np.asarray(downwind_m, np.float64), 0.0), self.final_rise_distance_m)
        return np.minimum(self.rise_coeff * x ** (2.0 / 3.0), self.max_rise_m)

    def sigmas_m(self, downwind_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(sigma_y, sigma_z)`` of the Gaussian cross-section (m) at ``downwind_m``."""
        r = 0.5 * PLUME_ENTRAINMENT * self.centreline_rise_m(downwind_m)  # Gaussian sigma ~ radius / 2
        sy = np.sqrt(r**2 + self.front_width_m**2 / 12.0 + dispersion_sigma_y_m(downwind_m) ** 2 + MIN_SIGMA_M**2)
        sz = np.sqrt(r**2 + dispersion_sigma_z_m(downwind_m) ** 2 + MIN_SIGMA_M**2)
        return sy, sz

    def bounds_m(self, x_lo: float = 0.0, x_hi: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned box holding the plume between ``x_lo`` and ``x_hi`` m downwind, to 3 sigma."""
        x_hi = self.length_m if x_hi is None else x_hi
        xs = np.linspace(max(x_lo, 0.0), x_hi, 17)
        sy, sz = self.sigmas_m(xs)
        zc = self.centreline_rise_m(xs)
        s = np.asarray(self.source_m)
        d = np.asarray(self.downwind)
        x_back = xs - np.where(xs == xs[0], UPWIND_EDGE_M * 3.0 if x_lo <= 0 else 0.0, 0.0)
        c = np.stack([s[0] + d[0] * x_back, s[1] + d[1] * x_back], 1)
        c = np.concatenate([c, np.stack([s[0] + d[0] * xs, s[1] + d[1] * xs], 1)])
        ext = np.concatenate([3.0 * sy, 3.0 * sy])
        lo = np.array([np.min(c[:, 0] - ext), np.min(c[:, 1] - ext), s[2] - 10.0])
        hi = np.array([np.max(c[:, 0] + ext), np.max(c[:, 1] + ext), s[2] + float(np.max(zc + 3.0 * sz))])
        return lo, hi

    def pack(self) -> np.ndarray:
        """``[PLUME_SEGMENTS, PLUME_ROWS, 4]`` rows for the shader: the plume's parameters and,
        per downwind segment (see :data:`PLUME_SEGMENT_EDGES_M`), its box and x range."""
        rows = np.array([
            [*self.source_m, self.wind_mps],
            [*self.downwind, self.rise_coeff, self.final_rise_distance_m],
            [self.mass_rate_kg_s, self.front_width_m, self.max_rise_m, self.length_m],
            [*self.albedo_rgb, self.heat_release_w]], np.float32)
        edges = [-1.0e9, *[e for e in PLUME_SEGMENT_EDGES_M if e < self.length_m], self.length_m]
        out = np.zeros((PLUME_SEGMENTS, PLUME_ROWS, 4), np.float32)
        out[:, :4] = rows
        for k in range(PLUME_SEGMENTS):
            if k + 1 < len(edges):
                lo, hi = self.bounds_m(edges[k], edges[k + 1])
                out[k, 4] = [*lo, edges[k]]
                out[k, 5] = [*hi, edges[k + 1]]
            else:  # empty segment: an inverted box no ray enters
                out[k, 4] = [1.0, 1.0, 1.0, 0.0]
                out[k, 5] = [0.0, 0.0, 0.0, 0.0]
        return out


PLUME_SEGMENT_EDGES_M = (400.0, 1500.0)
"""m downwind; a plume is marched as separate boxes split here (narrow near the source, wide later),
so the samples of each ray follow the plume's scale."""
PLUME_SEGMENTS = len(PLUME_SEGMENT_EDGES_M) + 1
MIN_SIGMA_M = 3.0
"""m; the plume is never thinner than this (the flaming zone's own plume)."""
PLUME_ROWS = 6
"""vec4 rows per packed plume."""
UPWIND_EDGE_M = 15.0
"""m; Gaussian fall-off of the smoke upwind of the source line."""


def plume_density_kg_m3(plume: Plume, points_m: np.ndarray) -> np.ndarray:
    """Smoke mass concentration (kg/m^3) of ``plume`` at world points ``[n, 3]`` (no noise)."""
    p = np.asarray(points_m, np.float64).reshape(-1, 3)
    s = np.asarray(plume.source_m)
    d = np.asarray(plume.downwind)
    rel = p - s
    x = rel[:, 0] * d[0] + rel[:, 1] * d[1]
    y = -rel[:, 0] * d[1] + rel[:, 1] * d[0]
    xc = np.maximum(x, 1.0)
    sy, sz = plume.sigmas_m(xc)
    zc = plume.centreline_rise_m(xc)
    c = plume.mass_rate_kg_s / (2 * math.pi * sy * sz * plume.wind_mps)
    c = c * np.exp(-0.5 * (y / sy) ** 2 - 0.5 * ((rel[:, 2] - zc) / sz) ** 2)
    c = np.where(x < 0.0, c * np.exp(-0.5 * (x / UPWIND_EDGE_M) ** 2), c)
    return np.where(x > plume.length_m, 0.0, c)


def plume_optical_depth(plume: Plume, origin_m: np.ndarray, direction: np.ndarray, t_max_m: float,
                        n: int = 4000) -> float:
    """Visible optical depth along a ray (numpy reference of the GPU march, without noise)."""
    o = np.asarray(origin_m, np.float64)
    dvec = np.asarray(direction, np.float64)
    dvec = dvec / np.linalg.norm(dvec)
    t = (np.arange(n) + 0.5) * (t_max_m / n)
    c = plume_density_kg_m3(plume, o[None] + t[:, None] * dvec[None])
    return float(SMOKE_MASS_EXTINCTION_M2_KG * c.sum() * (t_max_m / n))


def fire_plumes(snap: FireSnapshot, front_points_m: np.ndarray, front_lengths_m: np.ndarray,
                front_intensity_w_m: np.ndarray, front_region: np.ndarray, ground_z: np.ndarray,
                tree_xyz: np.ndarray, tree_region: np.ndarray, air_k: float,
                density_scale: float = 1.0, max_plumes: int = MAX_PLUMES) -> list[Plume]:
    """The plumes of a snapshot: one per fire region with its heat release, strongest first.

    ``front_*``: per front segment, midpoint (m, ``[S, 2]``), length (m), Byram intensity
    (W/m), region id (1..n) and ground elevation (m); ``tree_*``: the burning crowns.
    """
    q_seg = np.asarray(front_lengths_m, np.float64) * np.asarray(front_intensity_w_m, np.float64)
    st = np.asarray(snap.tree_state)
    n_trees_burning = int(np.sum((st == TreeState.TORCHING) | (st == TreeState.CROWN_BURNING)))
    regions = np.unique(np.concatenate([np.asarray(front_region, np.int64), np.asarray(tree_region, np.int64)]))
    regions = regions[regions > 0]
    if regions.size == 0 or max_plumes <= 0:
        return []
    u = wind_at_height_mps(snap.wind_speed_20ft_mps, PLUME_WIND_HEIGHT_M)
    wf = math.radians(snap.wind_from_deg)
    dw = (-math.sin(wf), -math.cos(wf))
    out = []
    for r in regions:
        ms = front_region == r
        mt = tree_region == r
        q_front = float(q_seg[ms].sum())
        q_tree = CROWN_HEAT_RELEASE_W * float(mt.sum()) if n_trees_burning else 0.0
        q = q_front + q_tree
        if q <= 0.0:
            continue
        pts = [np.column_stack([front_points_m[ms], ground_z[ms]])] if ms.any() else []
        w = [q_seg[ms]] if ms.any() else []
        if mt.any():
            pts.append(np.asarray(tree_xyz, np.float64)[mt])
            w.append(np.full(int(mt.sum()), CROWN_HEAT_RELEASE_W))
        P = np.concatenate(pts)
        W = np.concatenate(w)
        src = (P * W[:, None]).sum(0) / W.sum()
        cross = (P[:, 0] - src[0]) * -dw[1] + (P[:, 1] - src[1]) * dw[0]
        width = float(math.sqrt(12.0) * math.sqrt(float(np.average(cross**2, weights=W))))
        mean_i_kw = q_front / max(float(front_lengths_m[ms].sum()), 1e-9) / 1e3 if ms.any() else 0.0
        out.append(Plume(source_m=(float(src[0]), float(src[1]), float(src[2])), downwind=dw, wind_mps=u,
                         buoyancy_flux_m4_s3=float(buoyancy_flux_m4_s3(q, air_k)),
                         mass_rate_kg_s=float(smoke_mass_rate_kg_s(q)) * density_scale, front_width_m=width,
                         heat_release_w=q, albedo_rgb=tuple(float(c) for c in smoke_albedo_rgb(mean_i_kw, q_tree / q))))
    out.sort(key=lambda p: -p.heat_release_w)
    return out[:max_plumes]
