"""Elliptical fire shape: length-to-breadth ratio, backing and flanking rates, ellipse geometry.

A point ignition under steady wind and slope grows as an ellipse (Anderson 1983; Alexander
1985; Catchpole et al. 1982) with the ignition at the rear focus region: head rate V, backing
rate Vb, flanking rate Vf. Speeds in m/s, lengths in m, angles in radians unless the name
says ``_deg``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import units
from ..constants import LB_A, LB_B_PER_MPH, LB_C, LB_D_PER_MPH, LB_E, LB_MAX


def length_to_breadth(effective_wind_mps: ArrayLike) -> np.ndarray:
    """Length-to-breadth ratio of the fire ellipse (Anderson 1983, as used by BehavePlus).

    ``LB = min(8, 0.936 exp(0.1147 U) + 0.461 exp(-0.0692 U) - 0.397)`` with U the effective
    midflame wind in mi/h (converted here); 1 at no wind.

    effective_wind_mps :: m/s — effective midflame wind speed (>= 0)
    """
    u = np.asarray(
        units.m_per_s_to_mph(np.maximum(np.asarray(effective_wind_mps, dtype=np.float64), 0.0))
    )
    lb = LB_A * np.exp(LB_B_PER_MPH * u) + LB_C * np.exp(-LB_D_PER_MPH * u) - LB_E
    return np.clip(lb, 1.0, LB_MAX)


def eccentricity(length_to_breadth_ratio: ArrayLike) -> np.ndarray:
    """Eccentricity e = sqrt(LB^2 - 1) / LB of the fire ellipse (Andrews 2018, p. 36)."""
    lb = np.maximum(np.asarray(length_to_breadth_ratio, dtype=np.float64), 1.0)
    return np.sqrt(lb * lb - 1.0) / lb


def backing_ros(head_ros: ArrayLike, length_to_breadth_ratio: ArrayLike) -> np.ndarray:
    """Backing rate Vb = V (LB - sqrt(LB^2 - 1)) / (LB + sqrt(LB^2 - 1)) = V (1 - e)/(1 + e) (Andrews 2018, p. 36).

    head_ros :: m/s (any speed unit; the result has the same); length_to_breadth_ratio :: -
    """
    lb = np.maximum(np.asarray(length_to_breadth_ratio, dtype=np.float64), 1.0)
    root = np.sqrt(lb * lb - 1.0)
    return np.asarray(head_ros, dtype=np.float64) * (lb - root) / (lb + root)


def flanking_ros(head_ros: ArrayLike, length_to_breadth_ratio: ArrayLike) -> np.ndarray:
    """Flanking rate Vf = (V + Vb) / (2 LB), the semi-minor axis growth rate (Andrews 2018, p. 37)."""
    lb = np.maximum(np.asarray(length_to_breadth_ratio, dtype=np.float64), 1.0)
    v = np.asarray(head_ros, dtype=np.float64)
    return (v + backing_ros(v, lb)) / (2.0 * lb)


def ellipse_semi_axes(
    head_ros: ArrayLike, length_to_breadth_ratio: ArrayLike, t_s: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Semi-axes at time t of the ellipse grown from a point: ``(a, b)`` with a = Vf t across the
    spread direction and b = LB a = (V + Vb) t / 2 along it (m; Anderson 1983)."""
    a = flanking_ros(head_ros, length_to_breadth_ratio) * np.asarray(t_s, dtype=np.float64)
    return a, np.maximum(np.asarray(length_to_breadth_ratio, dtype=np.float64), 1.0) * a


def ellipse_center_offset(
    head_ros: ArrayLike, length_to_breadth_ratio: ArrayLike, t_s: ArrayLike
) -> np.ndarray:
    """Distance c = V t - b from the ignition point forward to the ellipse centre at time t (m)."""
    _, b = ellipse_semi_axes(head_ros, length_to_breadth_ratio, t_s)
    return np.asarray(head_ros, dtype=np.float64) * np.asarray(t_s, dtype=np.float64) - b


def ellipse_rate_in_direction(
    head_ros: ArrayLike, length_to_breadth_ratio: ArrayLike, theta: ArrayLike
) -> np.ndarray:
    """Speed at which the perimeter moves along a ray from the ignition point at angle theta from the head
    direction: ``V (1 - e) / (1 - e cos theta)`` (Andrews 2018, p. 39 "from ignition point"; m/s).

    Gives V at theta = 0 and Vb at theta = pi. This is the *ray* speed (distance from the ignition
    grows at this rate); a level-set front needs the *normal* speed, :func:`ellipse_normal_rate`.
    """
    e = eccentricity(length_to_breadth_ratio)
    return np.asarray(head_ros, dtype=np.float64) * (1.0 - e) / (1.0 - e * np.cos(theta))


def ellipse_normal_rate(
    head_ros: ArrayLike, length_to_breadth_ratio: ArrayLike, theta: ArrayLike
) -> np.ndarray:
    """Normal speed of the fire front whose outward normal makes angle theta with the head direction
    (Catchpole, de Mestre & Gill 1982; Andrews 2018, p. 39 "from perimeter"; m/s).

    ``R(theta) = g cos theta + sqrt(f^2 cos^2 theta + h^2 sin^2 theta)`` with f = (V + Vb)/2,
    g = V - f, h = Vf. This is the support function of the unit-time ellipse, the speed a
    level-set (Hamilton-Jacobi) kernel uses: ``dphi/dt + R(theta(grad phi)) |grad phi| = 0``.
    R(0) = V, R(pi) = Vb, R(pi/2) = Vf.
    """
    v = np.asarray(head_ros, dtype=np.float64)
    vb = backing_ros(v, length_to_breadth_ratio)
    f = 0.5 * (v + vb)
    g = v - f
    h = flanking_ros(v, length_to_breadth_ratio)
    c = np.cos(theta)
    s = np.sin(theta)
    return g * c + np.sqrt(f * f * c * c + h * h * s * s)


def ellipse_perimeter_ramanujan(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Ellipse perimeter by Ramanujan's second approximation (relative error 5e-10 at LB 2, 2.5e-7 at 4, 6e-6 at 8; m).

    ``P = pi (a + b) (1 + 3 h / (10 + sqrt(4 - 3 h)))``, h = ((a - b)/(a + b))^2 (Ramanujan 1914).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    s = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(s > 0.0, ((a - b) / np.where(s > 0.0, s, 1.0)) ** 2, 0.0)
    return np.pi * s * (1.0 + 3.0 * h / (10.0 + np.sqrt(4.0 - 3.0 * h)))


def ellipse_perimeter_exact(a: ArrayLike, b: ArrayLike, tol: float = 1e-15) -> np.ndarray:
    """Exact ellipse perimeter by the arithmetic-geometric mean (Gauss-Kummer / Legendre; m).

    ``P = 2 pi / M(A, B) * (A^2 - sum_n 2^(n-1) c_n^2)`` with A = max(a, b), c_0^2 = A^2 - B^2,
    the AGM iterates x, y and c_n = (x_{n-1} - y_{n-1}) / 2; converges quadratically.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    big = np.maximum(a, b)
    small = np.minimum(a, b)
    x, y = big.copy(), small.copy()
    total = 0.5 * (big * big - small * small)
    weight = 0.5
    for _ in range(64):
        c = 0.5 * (x - y)
        x, y = 0.5 * (x + y), np.sqrt(x * y)
        weight *= 2.0
        total = total + weight * c * c
        if np.all(np.abs(c) <= tol * np.maximum(big, 1e-300)):
            break
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2.0 * np.pi * (big * big - total) / np.where(x > 0.0, x, 1.0)
    return np.where(big > 0.0, np.where(small > 0.0, p, 4.0 * big), 0.0)
