"""Named unit converters.

Empirical fire formulas are published in US customary units; they convert
inside their own functions through these helpers, so that every public
boundary of the package speaks SI (metres, seconds, kilograms, joules, kelvin).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

FT_PER_M: float = 1.0 / 0.3048
"""feet per metre (exact by definition of the international foot)."""
M_PER_FT: float = 0.3048
"""metres per foot (exact)."""
M_PER_MI: float = 1609.344
"""metres per statute mile (exact)."""
KG_PER_LB: float = 0.45359237
"""kilograms per avoirdupois pound (exact)."""
M2_PER_ACRE: float = 4046.8564224
"""square metres per acre (exact)."""
J_PER_BTU: float = 1055.05585262
"""joules per International Table BTU."""
KG_PER_SHORT_TON: float = 2000.0 * KG_PER_LB
"""kilograms per US short ton."""


def ft_to_m(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, M_PER_FT)


def m_to_ft(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, FT_PER_M)


def mph_to_m_per_s(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, M_PER_MI / 3600.0)


def m_per_s_to_mph(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, 3600.0 / M_PER_MI)


def m_per_s_to_ft_per_min(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, 60.0 * FT_PER_M)


def ft_per_min_to_m_per_s(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, M_PER_FT / 60.0)


def m_per_s_to_km_per_h(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, 3.6)


def km_per_h_to_m_per_s(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, 3.6)


def m_per_min_to_m_per_s(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, 60.0)


def tons_per_acre_to_kg_per_m2(x: ArrayLike) -> np.ndarray | float:
    """US short tons per acre -> kg/m^2 (1 t/ac = 0.2241701 kg/m^2)."""
    return np.multiply(x, KG_PER_SHORT_TON / M2_PER_ACRE)


def lb_per_ft2_to_kg_per_m2(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, KG_PER_LB * FT_PER_M**2)


def kg_per_m2_to_lb_per_ft2(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, KG_PER_LB * FT_PER_M**2)


def lb_per_ft3_to_kg_per_m3(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, KG_PER_LB * FT_PER_M**3)


def kg_per_m3_to_lb_per_ft3(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, KG_PER_LB * FT_PER_M**3)


def per_ft_to_per_m(x: ArrayLike) -> np.ndarray | float:
    """Surface-area-to-volume ratio 1/ft -> 1/m."""
    return np.multiply(x, FT_PER_M)


def per_m_to_per_ft(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, FT_PER_M)


def btu_per_lb_to_j_per_kg(x: ArrayLike) -> np.ndarray | float:
    return np.multiply(x, J_PER_BTU / KG_PER_LB)


def j_per_kg_to_btu_per_lb(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, J_PER_BTU / KG_PER_LB)


def btu_per_ft_s_to_kw_per_m(x: ArrayLike) -> np.ndarray | float:
    """Fireline intensity BTU/ft/s -> kW/m (1 BTU/ft/s = 3.4613 kW/m)."""
    return np.multiply(x, J_PER_BTU * FT_PER_M / 1000.0)


def kw_per_m_to_btu_per_ft_s(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, J_PER_BTU * FT_PER_M / 1000.0)


def btu_per_ft2_min_to_kw_per_m2(x: ArrayLike) -> np.ndarray | float:
    """Reaction intensity BTU/ft^2/min -> kW/m^2."""
    return np.multiply(x, J_PER_BTU * FT_PER_M**2 / 60.0 / 1000.0)


def kw_per_m2_to_btu_per_ft2_min(x: ArrayLike) -> np.ndarray | float:
    return np.divide(x, J_PER_BTU * FT_PER_M**2 / 60.0 / 1000.0)


def celsius_to_kelvin(x: ArrayLike) -> np.ndarray | float:
    return np.add(x, 273.15)


def deg_to_rad(x: ArrayLike) -> np.ndarray | float:
    return np.deg2rad(x)
