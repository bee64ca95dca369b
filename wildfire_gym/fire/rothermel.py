"""Rothermel (1972) surface fire spread, computed the way BehavePlus computes it.

Sources: Rothermel (1972) INT-115 (equation numbers below); Albini (1976) INT-30 (size-class
weighting, live moisture of extinction, reaction-velocity exponent); Scott & Burgan (2005)
RMRS-GTR-153 (dynamic herbaceous curing); Andrews (2018) RMRS-GTR-371 (the BehavePlus
implementation: wind and slope vectors, effective wind speed, wind limit).

The equations are empirical in US customary units, so the per-equation functions take and
return the published units (lb, ft, min, BTU), stated in every docstring. The public entry
points (:func:`surface_fire`, :func:`surface_fire_grid`) speak SI only and convert through
the named converters of :mod:`wildfire_gym.units`.

Every function is vectorised over numpy arrays (broadcasting). A fuel bed has six particle
classes on the leading axis, in the order of :data:`PARTICLES`: dead 1-h, 10-h, 100-h, dead
(cured) herbaceous, live herbaceous, live woody.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from .. import units
from ..constants import (
    BYRAM_FLAME_COEFF_SI,
    BYRAM_FLAME_EXPONENT,
    CURING_INTERCEPT,
    CURING_SLOPE,
    EFFECTIVE_SILICA_CONTENT,
    FINE_DEAD_WEIGHT_EXP_FT,
    FINE_LIVE_WEIGHT_EXP_FT,
    HERB_FULLY_CURED_MOISTURE,
    HERB_FULLY_GREEN_MOISTURE,
    LIVE_MX_COEFF,
    LIVE_MX_OFFSET,
    PARTICLE_DENSITY_LB_FT3,
    PREIGNITION_HEAT_DRY_BTU_LB,
    PREIGNITION_HEAT_WATER_BTU_LB,
    RESIDENCE_TIME_COEFF_MIN_FT,
    SAV_10H_PER_FT,
    SAV_100H_PER_FT,
    SIZE_CLASS_SAV_BOUNDS_PER_FT,
    TOTAL_SILICA_CONTENT,
    WIND_LIMIT_FACTOR,
    WIND_LIMIT_REVISED_COEFF,
)
from ..errors import RasterError, ScenarioError
from .moisture import MOISTURE_FIELDS, FuelMoisture, as_fuel_moisture
from .shape import backing_ros, flanking_ros, length_to_breadth

log = logging.getLogger(__name__)

PARTICLES: tuple[str, ...] = (
    "dead_1h",
    "dead_10h",
    "dead_100h",
    "dead_herb",
    "live_herb",
    "live_woody",
)
"""Particle classes of a fuel bed, in the order of the leading axis of the bed arrays."""
N_DEAD: int = 4
"""Particles ``[0, N_DEAD)`` are dead, ``[N_DEAD, 6)`` live."""
I_D1H, I_D10H, I_D100H, I_DHERB, I_LHERB, I_LWOODY = range(6)

_TINY: float = 1.0e-7
"""Threshold below which BehavePlus treats a load, SAV or rate as zero."""


class FuelModelLike(Protocol):
    """What the fire model reads from a fuel model (:class:`wildfire_gym.fuel_models.FuelModel`), SI units."""

    load_1h_kg_m2: float
    load_10h_kg_m2: float
    load_100h_kg_m2: float
    load_live_herb_kg_m2: float
    load_live_woody_kg_m2: float
    sav_1h_per_m: float
    sav_10h_per_m: float
    sav_100h_per_m: float
    sav_live_herb_per_m: float
    sav_live_woody_per_m: float
    depth_m: float
    extinction_moisture_dead: float
    heat_content_dead_j_kg: float
    heat_content_live_j_kg: float
    dynamic: bool
    burnable: bool


# ====================================================================== equations
def herbaceous_cured_fraction(live_herb_moisture: ArrayLike) -> np.ndarray:
    """Fraction of the live herbaceous load transferred to dead (Scott & Burgan 2005, p. 11).

    1 at or below 30 % moisture, ``1.333 - 1.11 M`` between 30 % and 120 %, 0 above 120 %
    (the BehavePlus form).

    live_herb_moisture :: fraction — live herbaceous moisture content
    """
    m = np.asarray(live_herb_moisture, dtype=np.float64)
    f = CURING_INTERCEPT - CURING_SLOPE * m
    f = np.where(m < HERB_FULLY_CURED_MOISTURE, 1.0, f)
    return np.where(m > HERB_FULLY_GREEN_MOISTURE, 0.0, f)


def particle_surface_area(load_lb_ft2: ArrayLike, sav_per_ft: ArrayLike) -> np.ndarray:
    """Mean surface area per unit bed area of one particle class, A_ij = w_ij sigma_ij / rho_p
    (Rothermel 1972, eq. 53; ft^2/ft^2).

    load_lb_ft2 :: lb/ft^2 — oven-dry load; sav_per_ft :: 1/ft — surface-area-to-volume ratio
    """
    return np.multiply(load_lb_ft2, sav_per_ft) / PARTICLE_DENSITY_LB_FT3


def size_class_of(sav_per_ft: ArrayLike) -> np.ndarray:
    """Albini (1976) size class of a particle by its SAV: 0 (>= 1200/ft) .. 4 (>= 16/ft), 5 (coarser; weight 0)."""
    s = np.asarray(sav_per_ft, dtype=np.float64)
    cls = np.full(s.shape, len(SIZE_CLASS_SAV_BOUNDS_PER_FT), dtype=np.int8)
    for k in range(len(SIZE_CLASS_SAV_BOUNDS_PER_FT) - 1, -1, -1):
        cls = np.where(s >= SIZE_CLASS_SAV_BOUNDS_PER_FT[k], k, cls)
    return cls


def size_class_weights(area_fraction: np.ndarray, sav_per_ft: np.ndarray) -> np.ndarray:
    """Size-class weighting factors g_ij of the net loads (Albini 1976, p. 15).

    For each particle, the sum of the surface-area fractions f_ik of all particles of its
    category in the same SAV class; 0 for particles coarser than 16/ft.

    area_fraction :: - — f_ij over the leading (particle) axis of one category
    sav_per_ft :: 1/ft — the particles' SAV, same shape
    """
    cls = size_class_of(sav_per_ft)
    g = np.zeros_like(area_fraction)
    n = area_fraction.shape[0]
    for j in range(n):
        for k in range(n):
            g[j] += np.where(cls[k] == cls[j], area_fraction[k], 0.0)
    return np.where(cls < len(SIZE_CLASS_SAV_BOUNDS_PER_FT), g, 0.0)


def net_fuel_load(load_lb_ft2: ArrayLike) -> np.ndarray:
    """Net (mineral-free) load w_n = w_0 (1 - S_T) (Rothermel 1972, eq. 24, Albini 1976 form; lb/ft^2)."""
    return np.multiply(load_lb_ft2, 1.0 - TOTAL_SILICA_CONTENT)


def bulk_density(total_load_lb_ft2: ArrayLike, depth_ft: ArrayLike) -> np.ndarray:
    """Oven-dry bulk density rho_b = w_0 / delta (Rothermel 1972, eq. 40; lb/ft^3)."""
    return np.divide(total_load_lb_ft2, depth_ft)


def packing_ratio(bulk_density_lb_ft3: ArrayLike) -> np.ndarray:
    """Packing ratio beta = rho_b / rho_p (Rothermel 1972, eq. 31; dimensionless)."""
    return np.divide(bulk_density_lb_ft3, PARTICLE_DENSITY_LB_FT3)


def optimum_packing_ratio(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Optimum packing ratio beta_op = 3.348 sigma^-0.8189 (Rothermel 1972, eq. 37; sigma 1/ft)."""
    return 3.348 * np.power(sigma_per_ft, -0.8189)


def reaction_velocity_exponent(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Exponent A = 133 sigma^-0.7913 of the reaction velocity (Albini 1976, replacing Rothermel 1972 eq. 39)."""
    return 133.0 * np.power(sigma_per_ft, -0.7913)


def maximum_reaction_velocity(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Maximum reaction velocity Gamma'_max = sigma^1.5 / (495 + 0.0594 sigma^1.5) (Rothermel 1972, eq. 36; 1/min)."""
    s15 = np.power(sigma_per_ft, 1.5)
    return s15 / (495.0 + 0.0594 * s15)


def optimum_reaction_velocity(
    sigma_per_ft: ArrayLike, relative_packing_ratio: ArrayLike
) -> np.ndarray:
    """Optimum reaction velocity Gamma' = Gamma'_max (beta/beta_op)^A exp(A (1 - beta/beta_op))
    (Rothermel 1972, eq. 38; 1/min).

    sigma_per_ft :: 1/ft — characteristic SAV; relative_packing_ratio :: - — beta/beta_op
    """
    a = reaction_velocity_exponent(sigma_per_ft)
    r = np.asarray(relative_packing_ratio, dtype=np.float64)
    return maximum_reaction_velocity(sigma_per_ft) * np.power(r, a) * np.exp(a * (1.0 - r))


def moisture_damping(moisture: ArrayLike, extinction_moisture: ArrayLike) -> np.ndarray:
    """Moisture damping coefficient eta_M = 1 - 2.59 r + 5.11 r^2 - 3.52 r^3, r = min(1, M/Mx)
    (Rothermel 1972, eq. 29); 0 at or above extinction.

    moisture, extinction_moisture :: fraction
    """
    mx = np.asarray(extinction_moisture, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(
            mx > _TINY, np.asarray(moisture, dtype=np.float64) / np.where(mx > _TINY, mx, 1.0), 1.0
        )
    r = np.minimum(r, 1.0)
    return np.where(r >= 1.0, 0.0, 1.0 - 2.59 * r + 5.11 * r * r - 3.52 * r * r * r)


def mineral_damping(effective_silica: ArrayLike) -> np.ndarray:
    """Mineral damping coefficient eta_s = min(1, 0.174 S_e^-0.19) (Rothermel 1972, eq. 30; S_e fraction)."""
    se = np.asarray(effective_silica, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(
            se > 0.0, np.minimum(1.0, 0.174 * np.power(np.where(se > 0.0, se, 1.0), -0.19)), 1.0
        )


def reaction_intensity(
    optimum_reaction_velocity_per_min: ArrayLike,
    net_load_lb_ft2: ArrayLike,
    heat_btu_lb: ArrayLike,
    moisture_damping_coeff: ArrayLike,
    mineral_damping_coeff: ArrayLike,
) -> np.ndarray:
    """Reaction intensity of one category, Gamma' w_n h eta_M eta_s (Rothermel 1972, eq. 27 with Albini 1976's
    sum over categories; BTU/ft^2/min). Sum the dead and live results for the bed.
    """
    return (
        np.asarray(optimum_reaction_velocity_per_min)
        * net_load_lb_ft2
        * heat_btu_lb
        * moisture_damping_coeff
        * mineral_damping_coeff
    )


def propagating_flux_ratio(sigma_per_ft: ArrayLike, beta: ArrayLike) -> np.ndarray:
    """Propagating flux ratio xi = exp((0.792 + 0.681 sigma^0.5)(beta + 0.1)) / (192 + 0.2595 sigma)
    (Rothermel 1972, eq. 42; sigma 1/ft, beta dimensionless).
    """
    s = np.asarray(sigma_per_ft, dtype=np.float64)
    return np.exp((0.792 + 0.681 * np.sqrt(s)) * (np.asarray(beta) + 0.1)) / (192.0 + 0.2595 * s)


def effective_heating_number(sav_per_ft: ArrayLike) -> np.ndarray:
    """Effective heating number epsilon = exp(-138/sigma) (Rothermel 1972, eq. 14); 0 for sigma = 0."""
    s = np.asarray(sav_per_ft, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(
            s > _TINY, np.exp(-FINE_DEAD_WEIGHT_EXP_FT / np.where(s > _TINY, s, 1.0)), 0.0
        )


def heat_of_preignition(moisture: ArrayLike) -> np.ndarray:
    """Heat of pre-ignition Q_ig = 250 + 1116 M (Rothermel 1972, eq. 12; BTU/lb, M fraction)."""
    return PREIGNITION_HEAT_DRY_BTU_LB + PREIGNITION_HEAT_WATER_BTU_LB * np.asarray(
        moisture, dtype=np.float64
    )


def heat_sink(
    bulk_density_lb_ft3: ArrayLike,
    category_fraction: np.ndarray,
    area_fraction: np.ndarray,
    sav_per_ft: np.ndarray,
    moisture: np.ndarray,
) -> np.ndarray:
    """Heat sink rho_b sum_i f_i sum_j f_ij epsilon_ij Q_ig,ij (Rothermel 1972, denominator of eq. 52; BTU/ft^3).

    category_fraction :: - — f_i of each particle's category, leading axis = particles
    area_fraction :: - — f_ij within the category; sav_per_ft :: 1/ft; moisture :: fraction
    """
    terms = (
        category_fraction
        * area_fraction
        * effective_heating_number(sav_per_ft)
        * heat_of_preignition(moisture)
    )
    return np.asarray(bulk_density_lb_ft3) * np.sum(terms, axis=0)


def no_wind_no_slope_ros(
    reaction_intensity_btu_ft2_min: ArrayLike,
    propagating_flux: ArrayLike,
    heat_sink_btu_ft3: ArrayLike,
) -> np.ndarray:
    """No-wind, no-slope rate of spread R_0 = I_R xi / heat sink (Rothermel 1972, eq. 52 with phi = 0; ft/min)."""
    hs = np.asarray(heat_sink_btu_ft3, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.multiply(reaction_intensity_btu_ft2_min, propagating_flux) / np.where(
            hs > _TINY, hs, 1.0
        )
    return np.where(hs > _TINY, r, 0.0)


def live_extinction_moisture(
    dead_load_lb_ft2: np.ndarray,
    dead_sav_per_ft: np.ndarray,
    dead_moisture: np.ndarray,
    live_load_lb_ft2: np.ndarray,
    live_sav_per_ft: np.ndarray,
    dead_extinction_moisture: ArrayLike,
) -> np.ndarray:
    """Live fuel moisture of extinction (Albini 1976, p. 16; fraction), never below the dead value.

    ``Mx_live = 2.9 W (1 - Mf_dead / Mx_dead) - 0.226`` with W the ratio of the fine dead load
    (weights exp(-138/sigma)) to the fine live load (weights exp(-500/sigma)) and Mf_dead the
    fine dead moisture weighted the same way. Particle axis first; loads lb/ft^2, SAV 1/ft.
    """
    wd = dead_load_lb_ft2 * effective_heating_number(dead_sav_per_ft)
    fine_dead = np.sum(wd, axis=0)
    ls = np.asarray(live_sav_per_ft, dtype=np.float64)
    with np.errstate(divide="ignore"):
        wl = np.where(
            ls > _TINY,
            live_load_lb_ft2 * np.exp(-FINE_LIVE_WEIGHT_EXP_FT / np.where(ls > _TINY, ls, 1.0)),
            0.0,
        )
    fine_live = np.sum(wl, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mf_dead = np.where(
            fine_dead > _TINY,
            np.sum(wd * dead_moisture, axis=0) / np.where(fine_dead > _TINY, fine_dead, 1.0),
            0.0,
        )
        ratio = np.where(
            fine_live > _TINY, fine_dead / np.where(fine_live > _TINY, fine_live, 1.0), 0.0
        )
    mxd = np.asarray(dead_extinction_moisture, dtype=np.float64)
    mx_live = LIVE_MX_COEFF * ratio * (1.0 - mf_dead / mxd) - LIVE_MX_OFFSET
    return np.maximum(mx_live, mxd)


def wind_coefficient_c(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Wind factor coefficient C = 7.47 exp(-0.133 sigma^0.55) (Rothermel 1972, eq. 48; sigma 1/ft)."""
    return 7.47 * np.exp(-0.133 * np.power(sigma_per_ft, 0.55))


def wind_coefficient_b(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Wind factor exponent B = 0.02526 sigma^0.54 (Rothermel 1972, eq. 49; sigma 1/ft)."""
    return 0.02526 * np.power(sigma_per_ft, 0.54)


def wind_coefficient_e(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Wind factor exponent E = 0.715 exp(-3.59e-4 sigma) (Rothermel 1972, eq. 50; sigma 1/ft)."""
    return 0.715 * np.exp(-0.000359 * np.asarray(sigma_per_ft, dtype=np.float64))


def wind_factor_scale(sigma_per_ft: ArrayLike, relative_packing_ratio: ArrayLike) -> np.ndarray:
    """The wind-independent part of the wind factor, C (beta/beta_op)^-E (Rothermel 1972, eq. 47):
    phi_w = scale U^B. A property of the fuel bed, computed once per bed, not per cell.

    sigma_per_ft :: 1/ft; relative_packing_ratio :: -
    """
    return wind_coefficient_c(sigma_per_ft) * np.power(
        relative_packing_ratio, -wind_coefficient_e(sigma_per_ft)
    )


def wind_factor(
    wind_ft_min: ArrayLike, sigma_per_ft: ArrayLike, relative_packing_ratio: ArrayLike
) -> np.ndarray:
    """Wind factor phi_w = C U^B (beta/beta_op)^-E (Rothermel 1972, eq. 47).

    wind_ft_min :: ft/min — midflame wind speed; sigma_per_ft :: 1/ft; relative_packing_ratio :: -
    """
    return _wind_factor(
        wind_ft_min,
        wind_factor_scale(sigma_per_ft, relative_packing_ratio),
        wind_coefficient_b(sigma_per_ft),
    )


def _wind_factor(wind_ft_min: ArrayLike, scale: ArrayLike, exponent_b: ArrayLike) -> np.ndarray:
    """phi_w = scale U^B with the bed's :func:`wind_factor_scale` and B (eq. 47); 0 in calm air."""
    u = np.maximum(np.asarray(wind_ft_min, dtype=np.float64), 0.0)
    return np.where(u > _TINY, scale * np.power(u, exponent_b), 0.0)


def slope_factor_scale(beta: ArrayLike) -> np.ndarray:
    """The slope-independent part of the slope factor, 5.275 beta^-0.3 (Rothermel 1972, eq. 51):
    phi_s = scale tan^2(theta); 0 for an empty bed. beta :: - — packing ratio."""
    b = np.asarray(beta, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(b > 0.0, 5.275 * np.power(np.where(b > 0.0, b, 1.0), -0.3), 0.0)


def slope_factor(beta: ArrayLike, slope_frac: ArrayLike) -> np.ndarray:
    """Slope factor phi_s = 5.275 beta^-0.3 tan^2(theta) (Rothermel 1972, eq. 51).

    beta :: - — packing ratio; slope_frac :: - — tan of the slope angle (rise over run)
    """
    return slope_factor_scale(beta) * np.square(slope_frac)


def effective_wind_speed(
    effective_wind_factor: ArrayLike, sigma_per_ft: ArrayLike, relative_packing_ratio: ArrayLike
) -> np.ndarray:
    """Effective wind speed, the wind that alone gives phi_e: U_e = (phi_e (beta/beta_op)^E / C)^(1/B)
    (inverse of Rothermel 1972, eq. 47; Andrews 2018, p. 25; ft/min).
    """
    return _effective_wind_speed(
        effective_wind_factor,
        wind_factor_scale(sigma_per_ft, relative_packing_ratio),
        wind_coefficient_b(sigma_per_ft),
    )


def _effective_wind_speed(phi: ArrayLike, scale: ArrayLike, exponent_b: ArrayLike) -> np.ndarray:
    """U_e = (phi_e / scale)^(1/B), the inverse of :func:`_wind_factor`; 0 where phi_e is 0."""
    p = np.maximum(np.asarray(phi, dtype=np.float64), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.power(p / scale, 1.0 / np.asarray(exponent_b, dtype=np.float64))
    return np.where(p > 0.0, u, 0.0)


def wind_speed_limit(reaction_intensity_btu_ft2_min: ArrayLike) -> np.ndarray:
    """Maximum effective wind speed U_max = 0.9 I_R, ft/min with I_R in BTU/ft^2/min, as applied by BehavePlus
    (Rothermel 1972, eq. 87; Andrews 2018, p. 26)."""
    return WIND_LIMIT_FACTOR * np.asarray(reaction_intensity_btu_ft2_min, dtype=np.float64)


def wind_speed_limit_revised(reaction_intensity_btu_ft2_min: ArrayLike) -> np.ndarray:
    """Revised maximum effective wind speed U_max = 96.8 I_R^(1/3) (Andrews, Cruz & Rothermel 2013; ft/min,
    I_R BTU/ft^2/min). Offered as an option; BehavePlus and the reference table use :func:`wind_speed_limit`."""
    return WIND_LIMIT_REVISED_COEFF * np.cbrt(
        np.asarray(reaction_intensity_btu_ft2_min, dtype=np.float64)
    )


def residence_time(sigma_per_ft: ArrayLike) -> np.ndarray:
    """Flame residence time t_r = 384 / sigma (Anderson 1969; min, sigma 1/ft); 0 for an empty bed."""
    s = np.asarray(sigma_per_ft, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(s > _TINY, RESIDENCE_TIME_COEFF_MIN_FT / np.where(s > _TINY, s, 1.0), 0.0)


def heat_per_unit_area(
    reaction_intensity_btu_ft2_min: ArrayLike, residence_time_min: ArrayLike
) -> np.ndarray:
    """Heat per unit area H_A = I_R t_r (Andrews 2018, p. 31; BTU/ft^2)."""
    return np.multiply(reaction_intensity_btu_ft2_min, residence_time_min)


def fireline_intensity(heat_per_unit_area_kj_m2: ArrayLike, ros_m_per_s: ArrayLike) -> np.ndarray:
    """Byram's fireline intensity I = H_A R (Byram 1959; kW/m with H_A in kJ/m^2 and R in m/s)."""
    return np.multiply(heat_per_unit_area_kj_m2, ros_m_per_s)


def flame_length(fireline_intensity_kw_m: ArrayLike) -> np.ndarray:
    """Byram's flame length L = 0.0775 I^0.46 (Byram 1959, SI form; m with I in kW/m)."""
    i = np.maximum(np.asarray(fireline_intensity_kw_m, dtype=np.float64), 0.0)
    return BYRAM_FLAME_COEFF_SI * np.power(i, BYRAM_FLAME_EXPONENT)


# ====================================================================== fuel beds
@dataclass(frozen=True)
class FuelBed:
    """The moisture-dependent intermediates of a fuel bed (US units, as in BehavePlus), arrays of one shape.

    sigma_per_ft: characteristic SAV; beta: packing ratio; relative_packing_ratio: beta/beta_op;
    reaction_intensity_btu_ft2_min; ros0_ft_min: no-wind no-slope spread rate; residence_time_min.
    The wind coefficients C, B, E follow from sigma (:func:`wind_coefficient_c` ...).
    """

    sigma_per_ft: np.ndarray
    beta: np.ndarray
    relative_packing_ratio: np.ndarray
    reaction_intensity_btu_ft2_min: np.ndarray
    ros0_ft_min: np.ndarray
    residence_time_min: np.ndarray


def transfer_herbaceous_load(
    load_lb_ft2: np.ndarray, live_herb_moisture: ArrayLike, dynamic: ArrayLike
) -> np.ndarray:
    """Move the cured part of the live herbaceous load to the dead herbaceous class (Scott & Burgan 2005).

    load_lb_ft2 :: lb/ft^2 — particle loads, leading axis :data:`PARTICLES`; live_herb_moisture :: fraction;
    dynamic :: bool — whether the fuel model is dynamic (static models are returned unchanged).
    Returns a new array. The transferred load keeps the herbaceous SAV (the caller sets it).
    """
    out = np.array(load_lb_ft2, dtype=np.float64, copy=True)
    cured = herbaceous_cured_fraction(live_herb_moisture) * np.asarray(dynamic, dtype=np.float64)
    moved = out[I_LHERB] * cured
    out[I_DHERB] = out[I_DHERB] + moved
    out[I_LHERB] = out[I_LHERB] - moved
    return out


def fuel_bed(
    load_lb_ft2: np.ndarray,
    sav_per_ft: np.ndarray,
    moisture: np.ndarray,
    depth_ft: ArrayLike,
    extinction_moisture_dead: ArrayLike,
    heat_dead_btu_lb: ArrayLike,
    heat_live_btu_lb: ArrayLike,
) -> FuelBed:
    """Rothermel fuel-bed intermediates for particle loads after any herbaceous transfer (US units).

    load_lb_ft2, sav_per_ft, moisture :: lb/ft^2, 1/ft, fraction — leading axis :data:`PARTICLES`
    (the dead herbaceous class carries the 1-h moisture and the herbaceous SAV, as in BehavePlus);
    depth_ft :: ft; extinction_moisture_dead :: fraction; heat_*_btu_lb :: BTU/lb.
    Empty beds (no load or zero depth) give zeros, never NaN.
    """
    load = np.asarray(load_lb_ft2, dtype=np.float64)
    sav = np.asarray(sav_per_ft, dtype=np.float64)
    m = np.asarray(moisture, dtype=np.float64)
    load = np.where(sav > _TINY, load, 0.0)
    depth = np.asarray(depth_ft, dtype=np.float64)
    mxd = np.asarray(extinction_moisture_dead, dtype=np.float64)

    area = particle_surface_area(load, sav)
    cat_area = [np.sum(area[:N_DEAD], axis=0), np.sum(area[N_DEAD:], axis=0)]
    total_area = cat_area[0] + cat_area[1]
    empty = (total_area <= _TINY) | (depth <= _TINY)
    safe = lambda x: np.where(x > _TINY, x, 1.0)  # noqa: E731
    f_dead_cat = np.where(empty, 0.0, cat_area[0] / safe(total_area))
    f_cat = [f_dead_cat, np.where(empty, 0.0, 1.0 - f_dead_cat)]
    f_ij = np.concatenate(
        [
            np.where(cat_area[0] > _TINY, area[:N_DEAD] / safe(cat_area[0]), 0.0),
            np.where(cat_area[1] > _TINY, area[N_DEAD:] / safe(cat_area[1]), 0.0),
        ]
    )
    g_ij = np.concatenate(
        [
            size_class_weights(f_ij[:N_DEAD], sav[:N_DEAD]),
            size_class_weights(f_ij[N_DEAD:], sav[N_DEAD:]),
        ]
    )
    sigma_cat = [
        np.sum(f_ij[:N_DEAD] * sav[:N_DEAD], axis=0),
        np.sum(f_ij[N_DEAD:] * sav[N_DEAD:], axis=0),
    ]
    sigma = f_cat[0] * sigma_cat[0] + f_cat[1] * sigma_cat[1]
    sigma_safe = np.where(sigma > _TINY, sigma, 1.0)

    rho_b = bulk_density(np.sum(load, axis=0), np.where(depth > _TINY, depth, 1.0))
    beta = packing_ratio(rho_b)
    beta_ratio = beta / optimum_packing_ratio(sigma_safe)
    beta_ratio_safe = np.where(beta_ratio > 0.0, beta_ratio, 1.0)

    mx_live = live_extinction_moisture(
        load[:N_DEAD], sav[:N_DEAD], m[:N_DEAD], load[N_DEAD:], sav[N_DEAD:], mxd
    )
    gamma = optimum_reaction_velocity(sigma_safe, beta_ratio_safe)
    wn = net_fuel_load(load)
    eta_s = mineral_damping(EFFECTIVE_SILICA_CONTENT)
    heats = (
        np.asarray(heat_dead_btu_lb, dtype=np.float64),
        np.asarray(heat_live_btu_lb, dtype=np.float64),
    )
    ir = np.zeros_like(sigma)
    for c, (lo, hi, mx) in enumerate(((0, N_DEAD, mxd), (N_DEAD, len(PARTICLES), mx_live))):
        wn_c = np.sum(g_ij[lo:hi] * wn[lo:hi], axis=0)
        m_c = np.sum(f_ij[lo:hi] * m[lo:hi], axis=0)
        ir = ir + reaction_intensity(gamma, wn_c, heats[c], moisture_damping(m_c, mx), eta_s)
    cat_of_particle = np.concatenate(
        [
            np.broadcast_to(f_cat[0], f_ij[:N_DEAD].shape),
            np.broadcast_to(f_cat[1], f_ij[N_DEAD:].shape),
        ]
    )
    q = heat_sink(rho_b, cat_of_particle, f_ij, sav, m)
    xi = propagating_flux_ratio(sigma, beta)
    r0 = no_wind_no_slope_ros(ir, xi, q)

    z = np.zeros_like(sigma)
    return FuelBed(
        sigma_per_ft=np.where(empty, z, sigma),
        beta=np.where(empty, z, beta),
        relative_packing_ratio=np.where(empty, z, beta_ratio),
        reaction_intensity_btu_ft2_min=np.where(empty, z, ir),
        ros0_ft_min=np.where(empty, z, r0),
        residence_time_min=np.where(empty, z, residence_time(sigma)),
    )


@dataclass(frozen=True)
class Spread:
    """Head-fire spread from wind and slope combined (US units; angles in radians from upslope, clockwise)."""

    ros_ft_min: np.ndarray
    effective_wind_ft_min: np.ndarray
    direction_from_upslope_rad: np.ndarray
    wind_limited: np.ndarray


@dataclass(frozen=True)
class SpreadCoefficients:
    """What :func:`combined_spread` needs of a fuel bed, computed once per bed (per fuel model when the
    moisture is uniform) and gathered per cell: phi_w = ``wind_scale`` U^``wind_b``, phi_s =
    ``slope_scale`` tan^2 capped at ``slope_cap``, the wind limit ``u_max`` (ft/min) and its
    phi ``phi_max``, the no-wind rate ``ros0_ft_min``; ``live`` marks burnable beds."""

    wind_scale: np.ndarray
    wind_b: np.ndarray
    slope_scale: np.ndarray
    slope_cap: np.ndarray
    u_max: np.ndarray
    phi_max: np.ndarray
    ros0_ft_min: np.ndarray
    live: np.ndarray

    def take(self, rows: np.ndarray) -> SpreadCoefficients:
        """The coefficients of beds ``rows`` (an index array), e.g. per-model values onto cells."""
        return SpreadCoefficients(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def spread_coefficients(bed: FuelBed, wind_limit: str = "behaveplus") -> SpreadCoefficients:
    """The per-bed coefficients of :func:`combined_spread` (Rothermel 1972, eqs. 47, 51, 87; the
    ``wind_limit`` as there)."""
    sigma = np.where(bed.sigma_per_ft > _TINY, bed.sigma_per_ft, 1.0)
    rpr = np.where(bed.relative_packing_ratio > 0.0, bed.relative_packing_ratio, 1.0)
    if wind_limit == "behaveplus":
        u_max = wind_speed_limit(bed.reaction_intensity_btu_ft2_min)
    elif wind_limit == "revised":
        u_max = wind_speed_limit_revised(bed.reaction_intensity_btu_ft2_min)
    elif wind_limit == "none":
        u_max = np.full_like(bed.sigma_per_ft, np.inf)
    else:
        raise ScenarioError("wind_limit", "one of 'behaveplus', 'revised', 'none'", wind_limit)
    scale = wind_factor_scale(sigma, rpr)
    b = wind_coefficient_b(sigma)
    return SpreadCoefficients(
        wind_scale=scale,
        wind_b=b,
        slope_scale=slope_factor_scale(bed.beta),
        slope_cap=wind_speed_limit(bed.reaction_intensity_btu_ft2_min),
        u_max=u_max,
        phi_max=_wind_factor(u_max, scale, b),
        ros0_ft_min=np.asarray(bed.ros0_ft_min, dtype=np.float64),
        live=bed.sigma_per_ft > _TINY,
    )


def combined_spread(
    bed: FuelBed,
    midflame_wind_ft_min: ArrayLike,
    slope_frac: ArrayLike,
    wind_heading_from_upslope_rad: ArrayLike,
    wind_limit: str = "behaveplus",
    coefficients: SpreadCoefficients | None = None,
) -> Spread:
    """Head rate of spread, direction and effective wind from the wind and slope vectors (Andrews 2018, pp. 24-26).

    The wind rate R_0 phi_w (towards ``wind_heading_from_upslope_rad``, the angle of the direction the wind blows
    *towards*, clockwise from upslope) and the slope rate R_0 phi_s (upslope) add as vectors; the head
    rate is R_0 + |sum|, the effective wind speed is the wind alone giving the same phi, and it is
    capped at the wind limit (``"behaveplus"``: 0.9 I_R; ``"revised"``: 96.8 I_R^(1/3); ``"none"``).
    As in BehavePlus, phi_s itself is capped at 0.9 I_R. ``coefficients`` (the bed's
    :func:`spread_coefficients`, already per cell) saves recomputing them from ``bed``.
    """
    k = spread_coefficients(bed, wind_limit) if coefficients is None else coefficients
    phi_w = _wind_factor(midflame_wind_ft_min, k.wind_scale, k.wind_b)
    phi_s = np.minimum(k.slope_scale * np.square(slope_frac), k.slope_cap)
    ang = np.asarray(wind_heading_from_upslope_rad, dtype=np.float64)
    x = phi_s + phi_w * np.cos(ang)
    y = phi_w * np.sin(ang)
    phi_e = np.hypot(x, y)
    direction = np.arctan2(y, x)
    u_eff = _effective_wind_speed(phi_e, k.wind_scale, k.wind_b)
    limited = u_eff > k.u_max
    phi_e = np.where(limited, k.phi_max, phi_e)
    u_eff = np.where(limited, k.u_max, u_eff)
    live = k.live
    return Spread(
        ros_ft_min=np.where(live, k.ros0_ft_min * (1.0 + phi_e), 0.0),
        effective_wind_ft_min=np.where(live, u_eff, 0.0),
        direction_from_upslope_rad=np.where(live, direction, 0.0),
        wind_limited=live & limited,
    )


# ============================================================== fuel model tables
def _model_arrays(model: FuelModelLike) -> dict[str, np.ndarray | float | bool]:
    """Per-particle US-unit arrays of one fuel model (live herbaceous load in the live slot)."""
    kg = (
        model.load_1h_kg_m2,
        model.load_10h_kg_m2,
        model.load_100h_kg_m2,
        0.0,
        model.load_live_herb_kg_m2,
        model.load_live_woody_kg_m2,
    )
    load = np.array([float(units.kg_per_m2_to_lb_per_ft2(v)) for v in kg])
    herb_sav = float(units.per_m_to_per_ft(model.sav_live_herb_per_m))
    sav = np.array(
        [
            float(units.per_m_to_per_ft(model.sav_1h_per_m)),
            float(
                units.per_m_to_per_ft(
                    getattr(model, "sav_10h_per_m", units.per_ft_to_per_m(SAV_10H_PER_FT))
                )
            ),
            float(
                units.per_m_to_per_ft(
                    getattr(model, "sav_100h_per_m", units.per_ft_to_per_m(SAV_100H_PER_FT))
                )
            ),
            herb_sav,
            herb_sav,
            float(units.per_m_to_per_ft(model.sav_live_woody_per_m)),
        ]
    )
    return {
        "load": load,
        "sav": sav,
        "depth": float(units.m_to_ft(model.depth_m)),
        "mxd": float(model.extinction_moisture_dead),
        "heat_dead": float(units.j_per_kg_to_btu_per_lb(model.heat_content_dead_j_kg)),
        "heat_live": float(units.j_per_kg_to_btu_per_lb(model.heat_content_live_j_kg)),
        "dynamic": bool(model.dynamic),
        "burnable": bool(model.burnable),
    }


UNIFORM_MEMO_SIZE = 16
"""Moisture scenarios a :class:`FuelBedTable` remembers the fuel beds of (see ``uniform_beds``)."""

_MEMO_LOCK = threading.Lock()
"""Guards the tables' memos on a miss (a parameter pass may run on several threads)."""


@dataclass(frozen=True)
class FuelBedTable:
    """The moisture-independent constants of a set of fuel models, one column per model (US units).

    Build once with :meth:`from_models` from ``{numeric code: FuelModel}`` (e.g.
    ``Landscape.fuel_models``); ``row_of_code[code]`` is the column of a code (-1 if absent).
    ``load_lb_ft2`` and ``sav_per_ft`` are ``[6, n]`` in the order of :data:`PARTICLES` (the
    dead herbaceous load is 0 before curing); the rest are ``[n]``.
    """

    codes: np.ndarray
    row_of_code: np.ndarray
    load_lb_ft2: np.ndarray
    sav_per_ft: np.ndarray
    depth_ft: np.ndarray
    extinction_moisture_dead: np.ndarray
    heat_dead_btu_lb: np.ndarray
    heat_live_btu_lb: np.ndarray
    dynamic: np.ndarray
    burnable: np.ndarray
    _uniform_memo: dict = field(default_factory=dict, compare=False, repr=False)
    """Recent :meth:`uniform_beds` results by moisture and wind limit (at most
    :data:`UNIFORM_MEMO_SIZE`): a batch of runs on one landscape mostly repeats its moistures."""

    def uniform_beds(self, moisture: FuelMoisture, wind_limit: str) -> tuple[FuelBed, SpreadCoefficients]:
        """The fuel bed and spread coefficients of every column under scalar ``moisture``
        (remembered: the returned arrays are shared, read them only)."""
        key = (*(float(getattr(moisture, k)) for k in MOISTURE_FIELDS), wind_limit)
        hit = self._uniform_memo.get(key)
        if hit is None:
            with _MEMO_LOCK:  # parameter passes run on several threads (FireSimulation._parameters_split)
                hit = self._uniform_memo.get(key)
                if hit is None:
                    if len(self._uniform_memo) >= UNIFORM_MEMO_SIZE:
                        self._uniform_memo.pop(next(iter(self._uniform_memo)))
                    bed = self.bed(np.arange(self.codes.size), moisture)
                    hit = self._uniform_memo[key] = (bed, spread_coefficients(bed, wind_limit))
        return hit

    @classmethod
    def from_models(cls, models: Mapping[int, FuelModelLike]) -> FuelBedTable:
        """Tabulate ``{numeric code: fuel model}``; non-burnable models get zero loads."""
        if not models:
            raise ScenarioError("fuel_models", "at least one fuel model", models)
        codes = np.array(sorted(int(c) for c in models), dtype=np.int64)
        if codes[0] < 0:
            raise ScenarioError("fuel_models", "non-negative numeric codes", int(codes[0]))
        row = np.full(int(codes[-1]) + 1, -1, dtype=np.int64)
        row[codes] = np.arange(codes.size)
        cols = [_model_arrays(models[int(c)]) for c in codes]
        burnable = np.array([bool(c["burnable"]) for c in cols])
        load = np.stack([c["load"] for c in cols], axis=1) * burnable[None, :]
        return cls(
            codes=codes,
            row_of_code=row,
            load_lb_ft2=load,
            sav_per_ft=np.stack([c["sav"] for c in cols], axis=1),
            depth_ft=np.array([c["depth"] for c in cols]),
            extinction_moisture_dead=np.array([c["mxd"] for c in cols]),
            heat_dead_btu_lb=np.array([c["heat_dead"] for c in cols]),
            heat_live_btu_lb=np.array([c["heat_live"] for c in cols]),
            dynamic=np.array([bool(c["dynamic"]) for c in cols]),
            burnable=burnable,
        )

    def rows(self, fuel_code: ArrayLike) -> np.ndarray:
        """Column index of every cell's fuel code; raises RasterError naming an unknown code."""
        code = np.asarray(fuel_code)
        if code.size == 0:
            return np.zeros(code.shape, dtype=np.int64)
        if not np.issubdtype(code.dtype, np.integer):
            raise RasterError(
                f"fuel_code: expected integer fuel model codes, got dtype {code.dtype}"
            )
        bad = (code < 0) | (code >= self.row_of_code.size)
        r = np.where(bad, -1, self.row_of_code[np.clip(code, 0, self.row_of_code.size - 1)])
        if np.any(r < 0):
            unknown = np.unique(code[r < 0])[:10].tolist()
            raise RasterError(
                f"fuel_code: codes {unknown} are not in the fuel model table {self.codes.tolist()}"
            )
        return r

    def bed(self, rows: np.ndarray, moisture: FuelMoisture) -> FuelBed:
        """Fuel-bed intermediates for the given columns and moistures (broadcast to ``rows.shape``)."""
        shape = rows.shape
        d1h = np.broadcast_to(moisture.d1h, shape)
        herb = np.broadcast_to(moisture.live_herb, shape)
        m = np.stack(
            [
                d1h,
                np.broadcast_to(moisture.d10h, shape),
                np.broadcast_to(moisture.d100h, shape),
                d1h,
                herb,
                np.broadcast_to(moisture.live_woody, shape),
            ]
        )
        load = transfer_herbaceous_load(self.load_lb_ft2[:, rows], herb, self.dynamic[rows])
        return fuel_bed(
            load,
            self.sav_per_ft[:, rows],
            m,
            self.depth_ft[rows],
            self.extinction_moisture_dead[rows],
            self.heat_dead_btu_lb[rows],
            self.heat_live_btu_lb[rows],
        )


# ================================================================ public results
@dataclass(frozen=True)
class SurfaceFire:
    """Surface fire behaviour at one point (SI). Directions are compass degrees the fire moves towards."""

    ros_m_per_s: float
    ros_no_wind_m_per_s: float
    backing_ros_m_per_s: float
    flanking_ros_m_per_s: float
    fireline_intensity_kw_m: float
    flame_length_m: float
    length_to_breadth: float
    effective_wind_mps: float
    direction_of_max_spread_deg: float
    reaction_intensity_kw_m2: float
    heat_per_unit_area_kj_m2: float
    residence_time_s: float
    wind_limited: bool

    @property
    def ros_m_per_min(self) -> float:
        return self.ros_m_per_s * 60.0


@dataclass(frozen=True)
class SurfaceFireGrid:
    """Surface fire behaviour per cell (SI, float64 arrays of the grid's shape); fields as in :class:`SurfaceFire`."""

    ros_m_per_s: np.ndarray
    ros_no_wind_m_per_s: np.ndarray
    backing_ros_m_per_s: np.ndarray
    flanking_ros_m_per_s: np.ndarray
    fireline_intensity_kw_m: np.ndarray
    flame_length_m: np.ndarray
    length_to_breadth: np.ndarray
    effective_wind_mps: np.ndarray
    direction_of_max_spread_deg: np.ndarray
    reaction_intensity_kw_m2: np.ndarray
    heat_per_unit_area_kj_m2: np.ndarray
    residence_time_s: np.ndarray
    wind_limited: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _si_outputs(bed: FuelBed, spread: Spread, upslope_az_deg: ArrayLike) -> dict[str, np.ndarray]:
    """Convert a bed and its spread to the SI outputs (arrays)."""
    ros = np.asarray(units.ft_per_min_to_m_per_s(spread.ros_ft_min))
    u_eff = np.asarray(units.ft_per_min_to_m_per_s(spread.effective_wind_ft_min))
    lb = length_to_breadth(u_eff)
    ir_kw = np.asarray(units.btu_per_ft2_min_to_kw_per_m2(bed.reaction_intensity_btu_ft2_min))
    t_r_s = bed.residence_time_min * 60.0
    hpa = ir_kw * t_r_s  # kW/m^2 * s = kJ/m^2
    i_b = fireline_intensity(hpa, ros)
    direction = np.mod(
        np.asarray(upslope_az_deg, dtype=np.float64)
        + np.rad2deg(spread.direction_from_upslope_rad),
        360.0,
    )
    return {
        "ros_m_per_s": ros,
        "ros_no_wind_m_per_s": np.asarray(units.ft_per_min_to_m_per_s(bed.ros0_ft_min)),
        "backing_ros_m_per_s": backing_ros(ros, lb),
        "flanking_ros_m_per_s": flanking_ros(ros, lb),
        "fireline_intensity_kw_m": i_b,
        "flame_length_m": flame_length(i_b),
        "length_to_breadth": lb,
        "effective_wind_mps": u_eff,
        "direction_of_max_spread_deg": direction,
        "reaction_intensity_kw_m2": ir_kw,
        "heat_per_unit_area_kj_m2": hpa,
        "residence_time_s": t_r_s,
        "wind_limited": spread.wind_limited,
    }


def surface_fire(
    fuel_model: FuelModelLike,
    moisture: FuelMoisture | Mapping[str, Any] | Any,
    midflame_wind_mps: float,
    slope_frac: float = 0.0,
    wind_from_deg: float | None = None,
    upslope_dir_deg: float | None = None,
    wind_limit: str = "behaveplus",
) -> SurfaceFire:
    """Rothermel surface fire behaviour at a point, as BehavePlus computes it (SI in and out).

    fuel_model :: a :class:`~wildfire_gym.fuel_models.FuelModel` (SI fields)
    moisture :: mapping or object with d1h, d10h, d100h, live_herb, live_woody (fractions)
    midflame_wind_mps :: m/s — midflame wind speed (>= 0)
    slope_frac :: - — tan of the slope angle (rise over run, >= 0)
    wind_from_deg :: compass degrees the wind blows *from*; ``None``: the wind blows upslope
    upslope_dir_deg :: compass degrees pointing upslope (aspect + 180); ``None``: 0 (north)
    wind_limit :: ``"behaveplus"`` (0.9 I_R, default, as in the reference table), ``"revised"`` or ``"none"``

    Returns a :class:`SurfaceFire`; ``direction_of_max_spread_deg`` is the compass direction the head moves towards.
    """
    if not (math.isfinite(midflame_wind_mps) and midflame_wind_mps >= 0.0):
        raise ScenarioError("midflame_wind_mps", "a finite wind speed >= 0 m/s", midflame_wind_mps)
    if not (math.isfinite(slope_frac) and slope_frac >= 0.0):
        raise ScenarioError("slope_frac", "a finite slope (rise/run) >= 0", slope_frac)
    m = as_fuel_moisture(moisture)
    table = FuelBedTable.from_models({0: fuel_model})
    bed = table.bed(np.zeros((), dtype=np.int64), m)
    upslope = 0.0 if upslope_dir_deg is None else float(upslope_dir_deg)
    wind_to = upslope if wind_from_deg is None else float(wind_from_deg) + 180.0
    spread = combined_spread(
        bed,
        units.m_per_s_to_ft_per_min(midflame_wind_mps),
        slope_frac,
        np.deg2rad(wind_to - upslope),
        wind_limit,
    )
    out = _si_outputs(bed, spread, upslope)
    return SurfaceFire(
        **{k: (bool(v) if k == "wind_limited" else float(v)) for k, v in out.items()}
    )


def surface_fire_grid(
    table: FuelBedTable,
    fuel_code: ArrayLike,
    moisture: FuelMoisture | Mapping[str, Any] | Any,
    midflame_wind_mps: ArrayLike,
    wind_from_deg: ArrayLike,
    slope_frac: ArrayLike = 0.0,
    aspect_deg: ArrayLike = 0.0,
    wind_limit: str = "behaveplus",
    chunk_cells: int = 1 << 18,
) -> SurfaceFireGrid:
    """Rothermel surface fire behaviour on a grid (SI), vectorised and chunked.

    table :: :class:`FuelBedTable` built once from the landscape's fuel models
    fuel_code :: int array [..] — numeric fuel model code per cell (the grid's shape)
    moisture :: d1h, d10h, d100h, live_herb, live_woody, each a scalar or an array broadcastable
        to the grid (fractions). When all five are scalars the bed is computed once per fuel model.
    midflame_wind_mps :: m/s, scalar or grid; wind_from_deg :: compass degrees the wind blows from
    slope_frac :: tan of the slope, scalar or grid; aspect_deg :: compass degrees the slope faces (downslope)
    chunk_cells :: cells per chunk (bounds the memory of temporaries)

    Returns :class:`SurfaceFireGrid` of float64 arrays (``wind_limited`` bool) of the grid's shape.
    """
    code = np.asarray(fuel_code)
    shape = code.shape
    rows = table.rows(code).ravel()
    m = as_fuel_moisture(moisture)
    uniform = all(
        np.ndim(getattr(m, k)) == 0 for k in ("d1h", "d10h", "d100h", "live_herb", "live_woody")
    )

    def flat(x: ArrayLike, name: str) -> np.ndarray:
        a = np.asarray(x, dtype=np.float64)
        try:
            return np.broadcast_to(a, shape).ravel()
        except ValueError:
            raise ScenarioError(
                name, f"a scalar or an array broadcastable to {shape}", a.shape
            ) from None

    wind = flat(midflame_wind_mps, "midflame_wind_mps")
    if np.any(wind < 0.0) or not np.all(np.isfinite(wind)):
        raise ScenarioError(
            "midflame_wind_mps", "finite wind speeds >= 0 m/s", "negative or non-finite values"
        )
    wfrom = flat(wind_from_deg, "wind_from_deg")
    slope = flat(slope_frac, "slope_frac")
    if np.any(slope < 0.0) or not np.all(np.isfinite(slope)):
        raise ScenarioError(
            "slope_frac", "finite slopes (rise/run) >= 0", "negative or non-finite values"
        )
    aspect = flat(aspect_deg, "aspect_deg")
    moist_flat = (
        None
        if uniform
        else FuelMoisture(
            *(
                flat(getattr(m, k), f"moisture.{k}")
                for k in ("d1h", "d10h", "d100h", "live_herb", "live_woody")
            )
        )
    )
    per_model, per_model_k = table.uniform_beds(m, wind_limit) if uniform else (None, None)

    n = rows.size
    out: dict[str, np.ndarray] = {}
    for start in range(0, n, max(int(chunk_cells), 1)):
        sl = slice(start, min(start + chunk_cells, n))
        r = rows[sl]
        k = None
        if per_model is not None:
            assert per_model_k is not None
            bed = FuelBed(**{f.name: getattr(per_model, f.name)[r] for f in fields(FuelBed)})
            k = per_model_k.take(r)
        else:
            assert moist_flat is not None
            bed = table.bed(
                r,
                FuelMoisture(
                    *(
                        getattr(moist_flat, k)[sl]
                        for k in ("d1h", "d10h", "d100h", "live_herb", "live_woody")
                    )
                ),
            )
        upslope = aspect[sl] + 180.0
        wind_to = wfrom[sl] + 180.0
        spread = combined_spread(
            bed,
            units.m_per_s_to_ft_per_min(wind[sl]),
            slope[sl],
            np.deg2rad(wind_to - upslope),
            wind_limit,
            coefficients=k,
        )
        res = _si_outputs(bed, spread, upslope)
        for k, v in res.items():
            if k not in out:
                out[k] = np.empty(n, dtype=bool if k == "wind_limited" else np.float64)
            out[k][sl] = v
    if n == 0:
        return SurfaceFireGrid(
            **{
                f.name: np.zeros(shape, dtype=bool if f.name == "wind_limited" else np.float64)
                for f in fields(SurfaceFireGrid)
            }
        )
    return SurfaceFireGrid(**{k: v.reshape(shape) for k, v in out.items()})
