"""Spotting from torching trees: ember lofting, landing distance, ignition of the receiving fuel (SI).

Sources: Albini (1979) INT-56 "Spot fire distance from burning trees - a predictive model"
(steady flame height and duration of torching trees, lofting height, flat-terrain maximum
spot distance), as implemented in BehavePlus (Andrews 2018 and the BehavePlus spot module);
Schroeder (1969) and Rothermel (1983, INT-143, p. 63) for the probability of ignition.

Landing distances: Albini's model gives the *maximum* spot distance D_max. Individual embers
land at a lognormal distance (the form found by Sardoy et al. 2008, Combust. Flame 154:478)
whose log-standard deviation is :data:`~wildfire_gym.constants.SPOT_LOGNORMAL_SIGMA` and whose
99th percentile equals D_max; samples beyond D_max are clipped to it. This anchoring is a
modelling choice of wildfire_gym, documented here and in the constants.

Randomness: every sampler takes uniform draws in (0, 1) (from a ``np.random.Generator`` via
:func:`uniform_draws`, or from a counter-based generator in a kernel), so a Taichi kernel
given the same uniforms reproduces the numpy result exactly (Box-Muller, no rejection).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import units
from ..constants import (
    SCHROEDER_QIG_CONST_CAL_G,
    SPOT_CRITICAL_COVER_A_FT,
    SPOT_CRITICAL_COVER_B,
    SPOT_CRITICAL_COVER_C_FT,
    SPOT_DISTANCE_COEFF_MI,
    SPOT_DISTANCE_OFFSET,
    SPOT_LOGNORMAL_SIGMA,
    SPOT_MAX_QUANTILE_Z,
    TORCHING_TREES_DURATION_EXP,
    TORCHING_TREES_FLAME_EXP,
)
from ..errors import ScenarioError

M_PER_INCH: float = 0.0254
"""m per inch (exact)."""

TORCHING_SPECIES: dict[str, tuple[float, float, float, float]] = {
    # name: (flame height a, b; flame duration c, d) with z_f = a DBH^b n^0.4 ft, t_f = c DBH^d n^-0.2,
    # DBH in inches (Albini 1979, Table 1; BehavePlus spot module)
    "engelmann_spruce": (15.7, 0.451, 12.6, -0.256),
    "douglas_fir": (15.7, 0.451, 10.7, -0.278),
    "subalpine_fir": (15.7, 0.451, 10.7, -0.278),
    "western_hemlock": (15.7, 0.451, 6.30, -0.249),
    "ponderosa_pine": (12.9, 0.453, 12.6, -0.256),
    "lodgepole_pine": (12.9, 0.453, 12.6, -0.256),
    "western_white_pine": (12.9, 0.453, 10.7, -0.278),
    "grand_fir": (16.5, 0.515, 10.7, -0.278),
    "balsam_fir": (16.5, 0.515, 10.7, -0.278),
    "slash_pine": (2.71, 1.000, 11.9, -0.389),
    "longleaf_pine": (2.71, 1.000, 11.9, -0.389),
    "pond_pine": (2.71, 1.000, 7.91, -0.344),
    "shortleaf_pine": (2.71, 1.000, 7.91, -0.344),
    "loblolly_pine": (2.71, 1.000, 13.5, -0.544),
}
"""Albini (1979) torching-tree coefficients by species (US units as published)."""

LOFT_FACTORS: tuple[tuple[float, float], ...] = (
    (4.24, 0.332),
    (3.64, 0.391),
    (2.78, 0.418),
    (4.70, 0.000),
)
"""(a, b) of the lofting height z = a t_f^b z_f + H/2 (ft) for the four flame-ratio regimes (Albini 1979)."""


def _species(species: str) -> tuple[float, float, float, float]:
    try:
        return TORCHING_SPECIES[species]
    except KeyError:
        raise ScenarioError("species", f"one of {sorted(TORCHING_SPECIES)}", species) from None


def torching_flame_height(species: str, dbh_m: ArrayLike, n_trees: ArrayLike = 1.0) -> np.ndarray:
    """Steady flame height of ``n_trees`` torching together, z_f = a DBH^b n^0.4 (Albini 1979; m, DBH in inches inside).

    species :: key of :data:`TORCHING_SPECIES`; dbh_m :: m — diameter at breast height; n_trees :: count >= 1
    """
    a, b, _, _ = _species(species)
    dbh_in = np.maximum(np.asarray(dbh_m, dtype=np.float64), 0.0) / M_PER_INCH
    z_ft = (
        a
        * np.power(dbh_in, b)
        * np.power(np.maximum(np.asarray(n_trees, dtype=np.float64), 1.0), TORCHING_TREES_FLAME_EXP)
    )
    return np.asarray(units.ft_to_m(z_ft))


def torching_flame_duration(species: str, dbh_m: ArrayLike, n_trees: ArrayLike = 1.0) -> np.ndarray:
    """Steady flame duration t_f = c DBH^d n^-0.2 (Albini 1979; in Albini's units, as tabulated, used only
    to pick the lofting regime and in :func:`torching_firebrand_height`)."""
    _, _, c, d = _species(species)
    dbh_in = np.maximum(np.asarray(dbh_m, dtype=np.float64), 1e-9) / M_PER_INCH
    return (
        c
        * np.power(dbh_in, d)
        * np.power(
            np.maximum(np.asarray(n_trees, dtype=np.float64), 1.0), TORCHING_TREES_DURATION_EXP
        )
    )


def torching_firebrand_height(
    species: str, dbh_m: ArrayLike, tree_height_m: ArrayLike, n_trees: ArrayLike = 1.0
) -> np.ndarray:
    """Maximum height embers are lofted to from torching trees, z = a t_f^b z_f + H/2 (Albini 1979; m).

    The regime (a, b) of :data:`LOFT_FACTORS` is chosen by the flame ratio H / z_f (>= 1, >= 0.5) and
    then by t_f < 3.5, as in BehavePlus. tree_height_m :: m.
    """
    z_f_ft = np.asarray(units.m_to_ft(torching_flame_height(species, dbh_m, n_trees)))
    t_f = torching_flame_duration(species, dbh_m, n_trees)
    h_ft = np.asarray(units.m_to_ft(np.asarray(tree_height_m, dtype=np.float64)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(z_f_ft > 0.0, h_ft / np.where(z_f_ft > 0.0, z_f_ft, 1.0), np.inf)
    regime = np.where(ratio >= 1.0, 0, np.where(ratio >= 0.5, 1, np.where(t_f < 3.5, 2, 3)))
    fa = np.array([f[0] for f in LOFT_FACTORS])[regime]
    fb = np.array([f[1] for f in LOFT_FACTORS])[regime]
    z_ft = fa * np.power(t_f, fb) * z_f_ft + 0.5 * h_ft
    return np.asarray(units.ft_to_m(z_ft))


def cover_height_used(
    firebrand_height_m: ArrayLike, downwind_cover_height_m: ArrayLike
) -> np.ndarray:
    """Downwind cover height used in the distance equation, at least 2.2 z^0.337 - 4 ft (Albini 1979; m)."""
    z_ft = np.asarray(
        units.m_to_ft(np.maximum(np.asarray(firebrand_height_m, dtype=np.float64), 0.0))
    )
    crit = np.where(
        z_ft > 0.0,
        SPOT_CRITICAL_COVER_A_FT * np.power(z_ft, SPOT_CRITICAL_COVER_B) - SPOT_CRITICAL_COVER_C_FT,
        0.0,
    )
    cover = np.asarray(units.m_to_ft(np.asarray(downwind_cover_height_m, dtype=np.float64)))
    return np.asarray(units.ft_to_m(np.maximum(cover, crit)))


def max_spot_distance(
    firebrand_height_m: ArrayLike, cover_height_m: ArrayLike, wind_20ft_mps: ArrayLike
) -> np.ndarray:
    """Flat-terrain maximum spot distance (Albini 1979; Chase 1981; m):
    ``D = 0.000718 U sqrt(H) (0.362 + sqrt(z/H)/2 ln(z/H))`` mi, U 20-ft wind mi/h, H cover height ft
    (use :func:`cover_height_used`), z lofting height ft. 0 without wind, cover or lofting; never negative.
    """
    z = np.asarray(units.m_to_ft(np.asarray(firebrand_height_m, dtype=np.float64)))
    h = np.asarray(units.m_to_ft(np.asarray(cover_height_m, dtype=np.float64)))
    u = np.asarray(
        units.m_per_s_to_mph(np.maximum(np.asarray(wind_20ft_mps, dtype=np.float64), 0.0))
    )
    ok = (z > 0.0) & (h > 0.0)
    zs = np.where(ok, z, 1.0)
    hs = np.where(ok, h, 1.0)
    r = zs / hs
    d_mi = (
        SPOT_DISTANCE_COEFF_MI
        * u
        * np.sqrt(hs)
        * (SPOT_DISTANCE_OFFSET + 0.5 * np.sqrt(r) * np.log(r))
    )
    return np.where(ok, np.maximum(d_mi, 0.0) * units.M_PER_MI, 0.0)


def torching_tree_max_spot_distance(
    species: str,
    dbh_m: ArrayLike,
    tree_height_m: ArrayLike,
    downwind_cover_height_m: ArrayLike,
    wind_20ft_mps: ArrayLike,
    n_trees: ArrayLike = 1.0,
) -> np.ndarray:
    """Maximum spot distance from torching trees on flat terrain, Albini (1979) chained as in BehavePlus (m)."""
    z = torching_firebrand_height(species, dbh_m, tree_height_m, n_trees)
    return max_spot_distance(z, cover_height_used(z, downwind_cover_height_m), wind_20ft_mps)


def spot_distance_lognormal_params(
    max_distance_m: ArrayLike, sigma: float = SPOT_LOGNORMAL_SIGMA
) -> tuple[np.ndarray, np.ndarray]:
    """(mu, sigma) of ln(landing distance / 1 m), with the 99th percentile at ``max_distance_m``:
    mu = ln(D_max) - 2.326 sigma (see the module docstring)."""
    d = np.maximum(np.asarray(max_distance_m, dtype=np.float64), 1e-12)
    return np.log(d) - SPOT_MAX_QUANTILE_Z * sigma, np.full_like(d, sigma)


def standard_normal_from_uniforms(u1: ArrayLike, u2: ArrayLike) -> np.ndarray:
    """Box-Muller: sqrt(-2 ln u1) cos(2 pi u2) for uniforms u1 in (0, 1], u2 in [0, 1) (Box & Muller 1958)."""
    a = np.clip(np.asarray(u1, dtype=np.float64), np.finfo(np.float64).tiny, 1.0)
    return np.sqrt(-2.0 * np.log(a)) * np.cos(2.0 * np.pi * np.asarray(u2, dtype=np.float64))


def spot_landing_distance(
    max_distance_m: ArrayLike, u1: ArrayLike, u2: ArrayLike, sigma: float = SPOT_LOGNORMAL_SIGMA
) -> np.ndarray:
    """Landing distance of embers (m) from two uniform draws each: lognormal, clipped to ``max_distance_m``; 0 where D_max is 0."""
    dmax = np.asarray(max_distance_m, dtype=np.float64)
    mu, s = spot_distance_lognormal_params(dmax, sigma)
    d = np.exp(mu + s * standard_normal_from_uniforms(u1, u2))
    return np.where(dmax > 0.0, np.minimum(d, dmax), 0.0)


def spot_landing_offsets(
    max_distance_m: ArrayLike,
    wind_from_deg: ArrayLike,
    u1: ArrayLike,
    u2: ArrayLike,
    u3: ArrayLike,
    lateral_spread_deg: float = 10.0,
    sigma: float = SPOT_LOGNORMAL_SIGMA,
) -> tuple[np.ndarray, np.ndarray]:
    """Landing offsets (dx east, dy north; m) of embers carried downwind.

    The direction is downwind (``wind_from_deg`` + 180) plus a uniform deviation in
    +-``lateral_spread_deg`` from ``u3`` (a modelling choice); the distance is :func:`spot_landing_distance`.
    """
    d = spot_landing_distance(max_distance_m, u1, u2, sigma)
    az = np.deg2rad(
        np.asarray(wind_from_deg, dtype=np.float64)
        + 180.0
        + lateral_spread_deg * (2.0 * np.asarray(u3) - 1.0)
    )
    return d * np.sin(az), d * np.cos(az)


def uniform_draws(
    rng: np.random.Generator, shape: int | tuple[int, ...], n: int = 3
) -> tuple[np.ndarray, ...]:
    """``n`` arrays of uniforms in [0, 1) from ``rng`` (float64), for the samplers above."""
    return tuple(rng.random(shape) for _ in range(n))


def heat_of_ignition_cal_g(fine_fuel_moisture: ArrayLike, temperature_c: ArrayLike) -> np.ndarray:
    """Heat of ignition of fine dead fuel (Schroeder 1969; Rothermel 1983, p. 63; cal/g):
    ``Q_ig = 144.512 - 0.266 T - 0.00058 T^2 - T M + 18.54 (1 - exp(-15.1 M)) + 640 M``, M fraction, T deg C.
    """
    m = np.asarray(fine_fuel_moisture, dtype=np.float64)
    t = np.asarray(temperature_c, dtype=np.float64)
    return (
        SCHROEDER_QIG_CONST_CAL_G
        - 0.266 * t
        - 0.00058 * t * t
        - t * m
        + 18.54 * (1.0 - np.exp(-15.1 * m))
        + 640.0 * m
    )


def ignition_probability(
    fine_fuel_moisture: ArrayLike, temperature_c: ArrayLike = 25.0
) -> np.ndarray:
    """Probability that an ember ignites receptive fine fuel (Schroeder 1969; Rothermel 1983, p. 63; 0..1):
    ``X = (400 - Q_ig) / 10``, ``P = 0.000048 X^4.3 / 50``, clipped to [0, 1].

    fine_fuel_moisture :: fraction — 1-h dead moisture; temperature_c :: deg C — air temperature
    """
    x = np.maximum((400.0 - heat_of_ignition_cal_g(fine_fuel_moisture, temperature_c)) / 10.0, 0.0)
    return np.clip(0.000048 * np.power(x, 4.3) / 50.0, 0.0, 1.0)


def ember_ignites(
    fine_fuel_moisture: ArrayLike, u: ArrayLike, temperature_c: ArrayLike = 25.0
) -> np.ndarray:
    """Whether each ember ignites its landing cell: ``u < P(ignition)`` for a uniform draw ``u`` in [0, 1)."""
    return np.asarray(u) < ignition_probability(fine_fuel_moisture, temperature_c)
