"""Crown fire: initiation, spread, fraction burned, intensity and type (SI).

Sources: Van Wagner (1977) Can. J. For. Res. 7:23-34 (initiation, active threshold);
Cruz, Alexander & Wakimoto (2005) Can. J. For. Res. 35:1626-1639 (crown spread);
Rothermel (1991) INT-438 (crown spread from fuel model 10); Scott & Reinhardt (2001)
RMRS-RP-29 (critical surface spread rate, crown fraction burned, crown fire intensity);
Thomas (1963) (crown flame length).

A crown function needs the surface fire values first (intensity, heat per unit area); it
takes them as arguments so it cannot be called before they exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import units
from ..constants import (
    ACTIVE_CROWN_MASS_FLOW_KG_M2_MIN,
    CANOPY_HEAT_CONTENT_KJ_KG,
    CFB_FRACTION_AT_ACTIVE,
    CRUZ_A_M_MIN,
    CRUZ_CBD_EXP,
    CRUZ_MOISTURE_COEFF_PER_PCT,
    CRUZ_WIND_EXP,
    ROTHERMEL_1991_CROWN_LB_PER_MPH,
    ROTHERMEL_1991_CROWN_MULTIPLIER,
    ROTHERMEL_1991_WAF,
    THOMAS_FLAME_COEFF_SI,
    THOMAS_FLAME_EXPONENT,
    VAN_WAGNER_C,
    VAN_WAGNER_EXPONENT,
    VAN_WAGNER_HEAT_DRY_KJ_KG,
    VAN_WAGNER_HEAT_WATER_KJ_KG_PCT,
)
from .moisture import FuelMoisture


class CrownFireType(IntEnum):
    """Kind of fire at a point (Scott & Reinhardt 2001)."""

    SURFACE = 0
    PASSIVE = 1  # torching: crowns ignite but the crown fire does not sustain itself
    ACTIVE = 2  # continuous crown-to-crown spread


def critical_surface_intensity(
    canopy_base_height_m: ArrayLike, foliar_moisture_pct: ArrayLike
) -> np.ndarray:
    """Surface fireline intensity that ignites the crowns, I0 = (0.010 CBH (460 + 26 FMC))^1.5
    (Van Wagner 1977, eq. 4; kW/m).

    canopy_base_height_m :: m; foliar_moisture_pct :: % of oven-dry mass (e.g. 100)
    """
    h = VAN_WAGNER_HEAT_DRY_KJ_KG + VAN_WAGNER_HEAT_WATER_KJ_KG_PCT * np.asarray(
        foliar_moisture_pct, dtype=np.float64
    )
    base = VAN_WAGNER_C * np.maximum(np.asarray(canopy_base_height_m, dtype=np.float64), 0.0) * h
    return np.power(base, VAN_WAGNER_EXPONENT)


def critical_surface_ros(
    critical_intensity_kw_m: ArrayLike, heat_per_unit_area_kj_m2: ArrayLike
) -> np.ndarray:
    """Surface spread rate that ignites the crowns, R'_init = I0 / H_A (Scott & Reinhardt 2001, eq. 11; m/s).

    critical_intensity_kw_m :: kW/m; heat_per_unit_area_kj_m2 :: kJ/m^2 of the surface fire (+inf where 0)
    """
    hpa = np.asarray(heat_per_unit_area_kj_m2, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(
            hpa > 0.0, np.asarray(critical_intensity_kw_m) / np.where(hpa > 0.0, hpa, 1.0), np.inf
        )


def active_crown_threshold_ros(canopy_bulk_density_kg_m3: ArrayLike) -> np.ndarray:
    """Crown spread rate needed for active crowning, R0 = S0 / CBD with S0 = 3 kg/m^2/min
    (Van Wagner 1977, eq. 5; returned in m/s, i.e. 3/CBD m/min / 60). +inf where CBD = 0.

    canopy_bulk_density_kg_m3 :: kg/m^3
    """
    cbd = np.asarray(canopy_bulk_density_kg_m3, dtype=np.float64)
    with np.errstate(divide="ignore"):
        r_m_min = np.where(
            cbd > 0.0, ACTIVE_CROWN_MASS_FLOW_KG_M2_MIN / np.where(cbd > 0.0, cbd, 1.0), np.inf
        )
    return np.asarray(units.m_per_min_to_m_per_s(r_m_min))


def cruz_active_crown_ros(
    wind_10m_mps: ArrayLike, canopy_bulk_density_kg_m3: ArrayLike, fine_fuel_moisture: ArrayLike
) -> np.ndarray:
    """Active crown fire spread rate, CROS_A = 11.02 U10^0.90 CBD^0.19 exp(-0.17 EFFM)
    (Cruz et al. 2005, eq. 3; published in m/min with U10 km/h and EFFM %; here m/s).

    wind_10m_mps :: m/s — 10-m open wind; canopy_bulk_density_kg_m3 :: kg/m^3;
    fine_fuel_moisture :: fraction — estimated fine dead fuel moisture
    """
    u = np.asarray(
        units.m_per_s_to_km_per_h(np.maximum(np.asarray(wind_10m_mps, dtype=np.float64), 0.0))
    )
    cbd = np.maximum(np.asarray(canopy_bulk_density_kg_m3, dtype=np.float64), 0.0)
    effm_pct = 100.0 * np.asarray(fine_fuel_moisture, dtype=np.float64)
    r_m_min = (
        CRUZ_A_M_MIN
        * np.power(u, CRUZ_WIND_EXP)
        * np.power(cbd, CRUZ_CBD_EXP)
        * np.exp(-CRUZ_MOISTURE_COEFF_PER_PCT * effm_pct)
    )
    return np.asarray(units.m_per_min_to_m_per_s(r_m_min))


def cruz_passive_crown_ros(
    active_ros_m_per_s: ArrayLike, canopy_bulk_density_kg_m3: ArrayLike
) -> np.ndarray:
    """Passive crown fire spread rate, CROS_P = CROS_A exp(-CAC) with the criterion for active crowning
    CAC = CROS_A / R0 (Cruz et al. 2005, eqs. 4-5; m/s)."""
    a = np.asarray(active_ros_m_per_s, dtype=np.float64)
    cac = a / active_crown_threshold_ros(canopy_bulk_density_kg_m3)
    return a * np.exp(-cac)


def rothermel_crown_ros(
    wind_20ft_mps: ArrayLike,
    moisture: FuelMoisture | Mapping[str, Any] | Any,
    fuel_model_10: Any | None = None,
    wind_limit: str = "none",
) -> np.ndarray:
    """Active crown fire spread rate, 3.34 x the surface spread rate of fuel model 10 at a midflame wind of
    0.4 x the 20-ft wind, flat ground, with the given moistures (Rothermel 1991, eq. 2; m/s).

    wind_20ft_mps :: m/s — 20-ft wind (scalar or array); moisture :: the five moistures (fractions)
    fuel_model_10 :: the FM10 fuel model (default: ``fuel_model(10)`` from the standard table)
    wind_limit :: Scott & Reinhardt (2001) apply no wind limit to the crown spread rate (``"none"``)
    """
    from ..fuel_models import fuel_model  # late import: the table is loaded only when needed
    from .rothermel import FuelBedTable, surface_fire_grid

    fm10 = fuel_model(10) if fuel_model_10 is None else fuel_model_10
    table = FuelBedTable.from_models({10: fm10})
    u = np.asarray(wind_20ft_mps, dtype=np.float64)
    res = surface_fire_grid(
        table,
        np.full(u.shape, 10, dtype=np.int64),
        moisture,
        ROTHERMEL_1991_WAF * u,
        0.0,
        wind_limit=wind_limit,
    )
    return ROTHERMEL_1991_CROWN_MULTIPLIER * res.ros_m_per_s


def crown_length_to_breadth(wind_20ft_mps: ArrayLike) -> np.ndarray:
    """Length-to-breadth ratio of a crown fire, L/B = 1 + 0.125 U20 with U20 the 20-ft wind in mi/h
    (Rothermel 1991, eq. 10; as BehavePlus and FARSITE use it); 1 without wind.

    wind_20ft_mps :: m/s — 20-ft wind speed
    """
    u_mph = np.asarray(units.m_per_s_to_mph(np.maximum(np.asarray(wind_20ft_mps, dtype=np.float64), 0.0)))
    return 1.0 + ROTHERMEL_1991_CROWN_LB_PER_MPH * u_mph


def crown_fraction_burned(
    surface_ros_m_per_s: ArrayLike,
    critical_ros_m_per_s: ArrayLike,
    active_surface_ros_m_per_s: ArrayLike,
) -> np.ndarray:
    """Crown fraction burned, CFB = 1 - exp(-a_c (R - R'_init)), a_c = -ln(0.1) / (0.9 (R'_SA - R'_init))
    (Scott & Reinhardt 2001, eqs. 19-20), clipped to [0, 1]; 0 below initiation.

    surface_ros_m_per_s :: m/s — surface head spread rate R
    critical_ros_m_per_s :: m/s — R'_init (:func:`critical_surface_ros`)
    active_surface_ros_m_per_s :: m/s — R'_SA, the surface spread rate at which the crown fire becomes active
    """
    r = np.asarray(surface_ros_m_per_s, dtype=np.float64)
    r_init = np.asarray(critical_ros_m_per_s, dtype=np.float64)
    span = CFB_FRACTION_AT_ACTIVE * (
        np.asarray(active_surface_ros_m_per_s, dtype=np.float64) - r_init
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        a_c = -np.log(1.0 - CFB_FRACTION_AT_ACTIVE) / np.where(span > 0.0, span, 1.0)
        excess = np.where(np.isfinite(r_init), r - r_init, -1.0)
        cfb = np.where(span > 0.0, 1.0 - np.exp(-a_c * np.maximum(excess, 0.0)), 1.0)
    return np.where(excess > 0.0, np.clip(cfb, 0.0, 1.0), 0.0)


def crown_fire_intensity(
    ros_m_per_s: ArrayLike,
    surface_heat_per_unit_area_kj_m2: ArrayLike,
    canopy_fuel_load_kg_m2: ArrayLike,
    crown_fraction: ArrayLike = 1.0,
    canopy_heat_content_kj_kg: float = CANOPY_HEAT_CONTENT_KJ_KG,
) -> np.ndarray:
    """Fireline intensity of a crown fire, I = (H_A + CFB W_c h_c) R (Scott & Reinhardt 2001, eq. 22; kW/m).

    ros_m_per_s :: m/s; surface_heat_per_unit_area_kj_m2 :: kJ/m^2; canopy_fuel_load_kg_m2 :: kg/m^2;
    crown_fraction :: 0..1 (CFB); canopy_heat_content_kj_kg :: kJ/kg (18 000)
    """
    hpa = (
        np.asarray(surface_heat_per_unit_area_kj_m2, dtype=np.float64)
        + np.multiply(crown_fraction, canopy_fuel_load_kg_m2) * canopy_heat_content_kj_kg
    )
    return hpa * np.asarray(ros_m_per_s, dtype=np.float64)


def crown_flame_length(fireline_intensity_kw_m: ArrayLike) -> np.ndarray:
    """Flame length of a crown fire, L = 0.02664 I^(2/3) (Thomas 1963, SI form of BehavePlus's 0.2 I^(2/3) ft; m)."""
    i = np.maximum(np.asarray(fireline_intensity_kw_m, dtype=np.float64), 0.0)
    return THOMAS_FLAME_COEFF_SI * np.power(i, THOMAS_FLAME_EXPONENT)


def crown_fire_type(
    surface_intensity_kw_m: ArrayLike,
    critical_intensity_kw_m: ArrayLike,
    crown_ros_m_per_s: ArrayLike,
    active_threshold_ros_m_per_s: ArrayLike,
) -> np.ndarray:
    """Classify the fire (Van Wagner 1977; Scott & Reinhardt 2001): ``CrownFireType`` codes as ``int8``.

    SURFACE where the surface intensity is below I0; otherwise ACTIVE where the crown spread rate
    reaches R0 = 3/CBD, else PASSIVE (torching).
    """
    ignites = np.asarray(surface_intensity_kw_m) >= np.asarray(critical_intensity_kw_m)
    active = np.asarray(crown_ros_m_per_s) >= np.asarray(active_threshold_ros_m_per_s)
    out = np.where(
        ignites,
        np.where(active, CrownFireType.ACTIVE, CrownFireType.PASSIVE),
        CrownFireType.SURFACE,
    )
    return out.astype(np.int8)
