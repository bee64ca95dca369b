"""House exposure and ignition from a fire's arrival, flame and tree fields.

Three ways a house ignites (Cohen 2000, "Preventing disaster: home ignitability in the
wildland-urban interface"; Cohen & Butler 1998):

* flame contact: burning fuel within reach of its flame (the burning cell's nearest edge within
  one flame length of the footprint);
* radiant heat: the flame front seen as a vertical panel of height equal to the flame length,
  radiating as a black body at a constant flame temperature (as Butler & Cohen 1998 assume);
  the wall ignites when the incident flux exceeds the piloted-ignition flux of wood for longer
  than its time to ignition (a thermally thick solid), within the flames' residence time. Beyond
  :data:`EXPOSURE_RADIUS_M` flames are not counted (walls rarely ignite from flames further
  away, Cohen & Butler 1998);
* embers from torching and crowning trees nearby: each such tree within :data:`EMBER_REACH_M`
  ignites the house with a small probability (an uncalibrated modelling choice, made explicit
  here), lowered when zone 0 of the home ignition zone is noncombustible.

Distances are horizontal, from points to the footprint rectangle (0 inside). The functions are
numpy-only and work on one member's fields; the ensemble and the environments call them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..world.landscape import Structures
from ..world.structures import distance_to_footprints_m
from .state import TreeState

STEFAN_BOLTZMANN_KW_M2_K4 = 5.670374419e-11
"""kW/(m^2 K^4); Stefan-Boltzmann constant (CODATA 2018)."""

FLAME_TEMPERATURE_K = 1200.0
"""K; flame radiating temperature of a wildland flame front (the constant flame temperature of
Butler & Cohen's 1998 radiant safety-zone model)."""

FLAME_EMISSIVITY = 1.0
"""-; flame emissivity (a thick flame front: Butler & Cohen 1998 assume a high emissivity)."""

PILOTED_IGNITION_FLUX_KW_M2 = 12.5
"""kW/m^2; critical incident radiant flux for piloted ignition of wood (the usual design value,
e.g. Drysdale, An Introduction to Fire Dynamics)."""

WOOD_KRHOC_KW2_S_M4_K2 = 0.25
"""(kW/(m^2 K))^2 s; effective thermal inertia k rho c of wood siding, of the order fitted to
piloted-ignition tests of woods (an assumption of this model, not a measured property of one wood)."""

WOOD_PILOTED_IGNITION_TEMPERATURE_K = 623.0
"""K; surface temperature at piloted ignition of wood, about 350 C (Drysdale)."""

AMBIENT_TEMPERATURE_K = 293.0
"""K; initial temperature of the wall."""

EXPOSURE_RADIUS_M = 40.0
"""m; a house is exposed when the fire burns within this distance of its footprint, and flames
further away are not counted for ignition (Cohen & Butler 1998; SIAM)."""

EMBER_REACH_M = 200.0
"""m; distance within which a torching tree's firebrands are counted against a house (a
modelling choice, well inside Albini's 1979 maximum spotting distances for torching trees)."""

EMBER_IGNITION_PER_TREE = 0.01
"""-; probability that one torching or crowning tree within :data:`EMBER_REACH_M` ignites a house
with its embers (an uncalibrated modelling choice, exposed as a parameter)."""

ZONE0_EMBER_FACTOR = 0.3
"""-; factor on the ember ignition probability of a house whose zone 0 (0-1.5 m) is
noncombustible: embers then land on fuel-free ground (a modelling choice after Cohen 2000)."""


def blackbody_emissive_power_kw_m2(temperature_k: float | np.ndarray,
                                   emissivity: float = FLAME_EMISSIVITY) -> np.ndarray:
    """E = eps sigma T^4 (Stefan-Boltzmann law), kW/m^2; ``temperature_k`` in K."""
    return emissivity * STEFAN_BOLTZMANN_KW_M2_K4 * np.asarray(temperature_k, np.float64) ** 4


def flame_panel_view_factor(distance_m: np.ndarray, flame_length_m: np.ndarray) -> np.ndarray:
    """View factor (-) from a ground-level element facing a flame front, an infinitely wide
    vertical panel of height ``L`` at horizontal distance ``d`` (m):

    ``F = L / (2 sqrt(d^2 + L^2))``, the limit for infinite width of the element-to-parallel-
    rectangle factor with the normal through a corner (Howell, A Catalog of Radiation Heat Transfer
    Configuration Factors), summed over the two halves. ``F -> 1/2`` at contact and ``L / 2d`` far away.
    """
    d = np.maximum(np.asarray(distance_m, np.float64), 0.0)
    length = np.maximum(np.asarray(flame_length_m, np.float64), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(length > 0, length / (2.0 * np.sqrt(d * d + length * length)), 0.0)
    return f


def radiant_flux_kw_m2(distance_m: np.ndarray, flame_length_m: np.ndarray,
                       flame_temperature_k: float = FLAME_TEMPERATURE_K) -> np.ndarray:
    """Incident radiant flux q = E F (kW/m^2) from a flame front of height ``flame_length_m`` at
    ``distance_m`` (m), black-body flame at ``flame_temperature_k`` (Butler & Cohen 1998)."""
    return blackbody_emissive_power_kw_m2(flame_temperature_k) * flame_panel_view_factor(distance_m, flame_length_m)


def time_to_piloted_ignition_s(flux_kw_m2: np.ndarray, krhoc: float = WOOD_KRHOC_KW2_S_M4_K2,
                               t_ig_k: float = WOOD_PILOTED_IGNITION_TEMPERATURE_K,
                               t0_k: float = AMBIENT_TEMPERATURE_K,
                               critical_kw_m2: float = PILOTED_IGNITION_FLUX_KW_M2) -> np.ndarray:
    """Time (s) for a thermally thick solid under a constant flux q (kW/m^2) to reach its ignition
    temperature: ``t = (pi / 4) k rho c ((T_ig - T_0) / q)^2`` (Drysdale, An Introduction to Fire
    Dynamics, ch. 6); +inf at or below the critical flux."""
    q = np.asarray(flux_kw_m2, np.float64)
    with np.errstate(divide="ignore"):
        t = 0.25 * np.pi * krhoc * ((t_ig_k - t0_k) / q) ** 2
    return np.where(q > critical_kw_m2, t, np.inf)


def anderson_residence_time_s(sav_per_m: np.ndarray) -> np.ndarray:
    """Flame residence time t_r = 384 / sigma min, sigma in 1/ft (Anderson 1969), in s from sigma in 1/m."""
    from ..units import per_m_to_per_ft

    sigma_ft = np.asarray(per_m_to_per_ft(np.asarray(sav_per_m, np.float64)))
    with np.errstate(divide="ignore"):
        return np.where(sigma_ft > 0, 384.0 / sigma_ft * 60.0, 0.0)


def residence_time_grid_s(fuel_code: np.ndarray, fuel_models: dict) -> np.ndarray:
    """Per-cell flame residence time (s) from each cell's fuel model (1-h SAV as the bed's sigma)."""
    codes = np.unique(fuel_code)
    lut = {int(c): float(anderson_residence_time_s(fuel_models[int(c)].sav_1h_per_m)) if fuel_models[int(c)].burnable
           else 0.0 for c in codes}
    out = np.zeros(fuel_code.shape)
    for c, t in lut.items():
        out[fuel_code == c] = t
    return out


def ember_ignition_probability(n_torching: np.ndarray, p_per_tree: float = EMBER_IGNITION_PER_TREE) -> np.ndarray:
    """Probability that at least one of ``n`` independent torching trees ignites the house:
    ``1 - (1 - p)^n`` (-)."""
    return 1.0 - np.power(1.0 - p_per_tree, np.asarray(n_torching, np.float64))


@dataclass(frozen=True)
class HouseExposure:
    """Per-house results of one fire (arrays ``[M]``, one entry per house).

    ``exposed_time_s``: earliest arrival within :data:`EXPOSURE_RADIUS_M` (+inf never);
    ``arrival_time_s`` is the earliest arrival within one cell of the footprint;
    ``max_flux_kw_m2``: largest incident radiant flux from the cells within that radius;
    ``flame_contact``: a burning cell's flame reached the footprint; ``n_torching``: torching or
    crowning trees within :data:`EMBER_REACH_M`; ``p_ignition``: probability of ignition,
    1 for flame contact or radiant ignition, else the ember probability.
    """

    arrival_time_s: np.ndarray
    exposed_time_s: np.ndarray
    max_flux_kw_m2: np.ndarray
    flame_contact: np.ndarray
    n_torching: np.ndarray
    p_ignition: np.ndarray

    @property
    def reached(self) -> np.ndarray:
        return np.isfinite(self.arrival_time_s)

    @property
    def exposed(self) -> np.ndarray:
        return np.isfinite(self.exposed_time_s)


def house_exposure(structures: Structures, cell_m: float, arrival_time_s: np.ndarray, flame_length_m: np.ndarray,
                   tree_x_m: np.ndarray | None = None, tree_y_m: np.ndarray | None = None,
                   tree_state: np.ndarray | None = None, zone0_noncombustible: np.ndarray | bool = False,
                   residence_s: np.ndarray | None = None, *, clearance_m: np.ndarray | float = 0.0,
                   critical_flux_kw_m2: float = PILOTED_IGNITION_FLUX_KW_M2,
                   p_ember_per_tree: float = EMBER_IGNITION_PER_TREE, time_s: float = np.inf) -> HouseExposure:
    """Exposure and ignition of every house by one fire (fields ``[ny, nx]``, row 0 south).

    A burning cell's flame stands at the cell's edge nearest the house: its distance is the
    centre-to-footprint distance less half a cell, but no less than the house's fuel-free
    ``clearance_m`` (zone 0 of a defensible space). A house is reached when a cell whose centre
    lies within one cell of its footprint burns. Radiant ignition needs the flux to last the time to
    piloted ignition: within the cell's flame residence time ``residence_s`` (``[ny, nx]``, s; when
    omitted any flux above the critical flux ignites). Cells that burned after ``time_s`` are ignored.
    """
    m = len(structures)
    inf = np.full(m, np.inf)
    if m == 0:
        z = np.zeros(0)
        return HouseExposure(z, z, z, np.zeros(0, bool), np.zeros(0, np.int64), z)
    ny, nx = arrival_time_s.shape
    half_diag = 0.5 * np.hypot(np.asarray(structures.length_m, np.float64), np.asarray(structures.width_m, np.float64))
    arrival, exposed, flux = inf.copy(), inf.copy(), np.zeros(m)
    contact = np.zeros(m, bool)
    radiant = np.zeros(m, bool)
    clear = np.broadcast_to(np.asarray(clearance_m, np.float64), (m,))
    for h in range(m):
        reach = EXPOSURE_RADIUS_M + half_diag[h] + cell_m
        x0 = max(int(np.floor((structures.x_m[h] - reach) / cell_m)), 0)
        x1 = min(int(np.ceil((structures.x_m[h] + reach) / cell_m)) + 1, nx)
        y0 = max(int(np.floor((structures.y_m[h] - reach) / cell_m)), 0)
        y1 = min(int(np.ceil((structures.y_m[h] + reach) / cell_m)) + 1, ny)
        if x0 >= x1 or y0 >= y1:
            continue
        t = arrival_time_s[y0:y1, x0:x1]
        burned = np.isfinite(t) & (t <= time_s)
        if not burned.any():
            continue
        iy, ix = np.nonzero(burned)
        px, py = (ix + x0 + 0.5) * cell_m, (iy + y0 + 0.5) * cell_m
        d_centre = distance_to_footprints_m(px, py, structures, np.full(px.size, h))
        d_edge = np.maximum(d_centre - 0.5 * cell_m, clear[h])
        tb = t[iy, ix]
        near = d_edge <= EXPOSURE_RADIUS_M
        if not near.any():
            continue
        exposed[h] = float(tb[near].min())
        adjacent = d_centre <= cell_m
        if adjacent.any():
            arrival[h] = float(tb[adjacent].min())
        fl = flame_length_m[y0:y1, x0:x1][iy, ix].astype(np.float64)
        contact[h] = bool((near & (d_edge <= fl)).any())
        q = radiant_flux_kw_m2(d_edge[near], fl[near])
        flux[h] = float(q.max())
        dwell = np.inf if residence_s is None else residence_s[y0:y1, x0:x1][iy, ix][near]
        t_ig = time_to_piloted_ignition_s(q, critical_kw_m2=critical_flux_kw_m2)
        radiant[h] = bool((np.isfinite(t_ig) & (t_ig <= dwell)).any())
    n_torch = np.zeros(m, np.int64)
    if tree_state is not None and tree_x_m is not None and tree_y_m is not None and len(tree_state):
        torch = np.flatnonzero(tree_state >= TreeState.TORCHING)
        if torch.size:
            from scipy.spatial import cKDTree

            pts = np.column_stack([np.asarray(tree_x_m, np.float64)[torch], np.asarray(tree_y_m, np.float64)[torch]])
            centres = np.column_stack([np.asarray(structures.x_m, np.float64), np.asarray(structures.y_m, np.float64)])
            near_lists = cKDTree(pts).query_ball_point(centres, r=EMBER_REACH_M + float(half_diag.max()))
            for h, idx in enumerate(near_lists):
                if idx:
                    k = np.asarray(idx, np.int64)
                    d = distance_to_footprints_m(pts[k, 0], pts[k, 1], structures, np.full(k.size, h))
                    n_torch[h] = int(np.count_nonzero(d <= EMBER_REACH_M))
    z0 = np.broadcast_to(np.asarray(zone0_noncombustible, bool), (m,))
    p_ember = ember_ignition_probability(n_torch, p_ember_per_tree) * np.where(z0, ZONE0_EMBER_FACTOR, 1.0)
    direct = contact | radiant
    p = np.where(direct, 1.0, p_ember)
    return HouseExposure(arrival, exposed, flux, contact, n_torch, p)
