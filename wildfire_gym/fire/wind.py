"""Wind at the flames: wind adjustment factor and reference-height conversion.

Sources: Albini & Baughman (1979) INT-221 (wind adjustment factors); Andrews (2012)
RMRS-GTR-266 (the BehavePlus rules choosing sheltered or unsheltered); Turner & Lawson
(1978) and Lawson & Armitage (2008) (10-m to 20-ft conversion). Speeds m/s, lengths m.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from .. import units
from ..constants import (
    SHELTERED_CANOPY_HEIGHT_MIN_FT,
    SHELTERED_CROWN_FILL_MIN,
    WAF_HEIGHT_COEFF,
    WAF_REFERENCE_HEIGHT_FT,
    WAF_ROUGHNESS_COEFF,
    WAF_SHELTERED_COEFF,
    WAF_UNSHELTERED_COEFF,
    WIND_10M_TO_20FT_DIVISOR,
)
from ..errors import ScenarioError

WindHeight = Literal["20ft", "10m", "midflame"]


def _log_profile(height_ft: np.ndarray) -> np.ndarray:
    """ln((20 + 0.36 H) / (0.13 H)), the log-profile term of Albini & Baughman (1979), H ft > 0."""
    return np.log(
        (WAF_REFERENCE_HEIGHT_FT + WAF_HEIGHT_COEFF * height_ft) / (WAF_ROUGHNESS_COEFF * height_ft)
    )


def crown_fill_portion(canopy_cover: ArrayLike, crown_ratio: ArrayLike) -> np.ndarray:
    """Fraction of the canopy layer volume filled with crowns, f = cc * cr / 3 (Andrews 2012, eq. 6; fractions)."""
    return np.multiply(canopy_cover, crown_ratio) / 3.0


def unsheltered_waf(fuel_depth_m: ArrayLike) -> np.ndarray:
    """Unsheltered wind adjustment factor 1.83 / ln((20 + 0.36 H)/(0.13 H)), H fuel bed depth in ft
    (Albini & Baughman 1979, eq. 9; Andrews 2012, eq. 4). Ratio of midflame to 20-ft wind.

    fuel_depth_m :: m — fuel bed depth (> 0; a zero depth gives 0)
    """
    h = np.asarray(units.m_to_ft(np.asarray(fuel_depth_m, dtype=np.float64)))
    pos = h > 0.0
    hs = np.where(pos, h, 1.0)
    return np.where(pos, WAF_UNSHELTERED_COEFF / _log_profile(hs), 0.0)


def sheltered_waf(canopy_height_m: ArrayLike, crown_fill: ArrayLike) -> np.ndarray:
    """Sheltered wind adjustment factor 0.555 / (sqrt(f H) ln((20 + 0.36 H)/(0.13 H))), H canopy height ft,
    f crown fill portion (Albini & Baughman 1979, eq. 10; Andrews 2012, eq. 5).

    canopy_height_m :: m (> 0); crown_fill :: fraction (> 0)
    """
    h = np.asarray(units.m_to_ft(np.asarray(canopy_height_m, dtype=np.float64)))
    f = np.asarray(crown_fill, dtype=np.float64)
    ok = (h > 0.0) & (f > 0.0)
    hs = np.where(ok, h, 1.0)
    fs = np.where(ok, f, 1.0)
    return np.where(ok, WAF_SHELTERED_COEFF / (np.sqrt(fs * hs) * _log_profile(hs)), 0.0)


def wind_adjustment_factor(
    fuel_depth_m: ArrayLike,
    canopy_cover: ArrayLike = 0.0,
    canopy_height_m: ArrayLike = 0.0,
    crown_ratio: ArrayLike = 0.0,
) -> np.ndarray:
    """Midflame / 20-ft wind ratio with the BehavePlus rule for shelter (Andrews 2012, p. 8).

    Sheltered (:func:`sheltered_waf`) when the crown fill portion f = cc cr / 3 is at least 5 %
    and the canopy is at least 6 ft tall; otherwise unsheltered (:func:`unsheltered_waf`).

    fuel_depth_m :: m; canopy_cover :: fraction 0..1; canopy_height_m :: m; crown_ratio :: fraction 0..1
    """
    f = crown_fill_portion(canopy_cover, crown_ratio)
    h_ft = np.asarray(units.m_to_ft(np.asarray(canopy_height_m, dtype=np.float64)))
    sheltered = (
        (np.asarray(canopy_cover) > 0.0)
        & (f >= SHELTERED_CROWN_FILL_MIN)
        & (h_ft >= SHELTERED_CANOPY_HEIGHT_MIN_FT)
    )
    open_waf = unsheltered_waf(fuel_depth_m)
    if not np.any(sheltered):  # no canopy shelters the fuel (a treeless landscape): no sheltered term
        shape = np.broadcast_shapes(np.shape(open_waf), np.shape(sheltered))
        return open_waf if open_waf.shape == shape else np.array(np.broadcast_to(open_waf, shape))
    return np.where(sheltered, sheltered_waf(canopy_height_m, f), open_waf)


def wind_20ft_from_10m(wind_10m_mps: ArrayLike) -> np.ndarray:
    """20-ft (6.1 m) wind from the 10-m wind, U20 = U10 / 1.15 (Turner & Lawson 1978; Lawson & Armitage 2008; m/s)."""
    return np.asarray(wind_10m_mps, dtype=np.float64) / WIND_10M_TO_20FT_DIVISOR


def wind_10m_from_20ft(wind_20ft_mps: ArrayLike) -> np.ndarray:
    """10-m open wind from the 20-ft wind, U10 = 1.15 U20 (the inverse of :func:`wind_20ft_from_10m`; m/s)."""
    return np.asarray(wind_20ft_mps, dtype=np.float64) * WIND_10M_TO_20FT_DIVISOR


def midflame_wind_mps(
    wind_mps: ArrayLike,
    height: WindHeight = "20ft",
    depth_m: ArrayLike = 0.3048,
    canopy_cover: ArrayLike = 0.0,
    canopy_height_m: ArrayLike = 0.0,
    crown_ratio: ArrayLike = 0.0,
) -> np.ndarray:
    """Midflame wind speed from a wind measured at ``height`` (m/s).

    wind_mps :: m/s — measured wind speed (>= 0)
    height :: ``"20ft"`` (20 ft above the vegetation), ``"10m"`` (10 m open wind, divided by 1.15 first)
        or ``"midflame"`` (returned unchanged)
    depth_m :: m — fuel bed depth; canopy_cover, crown_ratio :: fractions; canopy_height_m :: m
    """
    u = np.asarray(wind_mps, dtype=np.float64)
    if np.any(u < 0.0) or not np.all(np.isfinite(u)):
        raise ScenarioError("wind_mps", "finite wind speeds >= 0 m/s", wind_mps)
    if height == "midflame":
        return u
    if height == "10m":
        u = wind_20ft_from_10m(u)
    elif height != "20ft":
        raise ScenarioError("height", "one of '20ft', '10m', 'midflame'", height)
    return u * wind_adjustment_factor(depth_m, canopy_cover, canopy_height_m, crown_ratio)
