"""Fire ellipse: length-to-breadth, backing/flanking rates and geometry (docs/validation.md section 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym import units
from wildfire_gym.fire.shape import (
    backing_ros,
    eccentricity,
    ellipse_center_offset,
    ellipse_normal_rate,
    ellipse_perimeter_exact,
    ellipse_perimeter_ramanujan,
    ellipse_rate_in_direction,
    ellipse_semi_axes,
    flanking_ros,
    length_to_breadth,
)


@pytest.mark.parametrize(
    ("u_mph", "expected"), [(1.57, 1.137), (3.15, 1.317), (4.70, 1.540), (6.30, 1.828)]
)
def test_length_to_breadth_anderson_1983_mph(u_mph: float, expected: float) -> None:
    lb = float(length_to_breadth(units.mph_to_m_per_s(u_mph)))
    assert lb == pytest.approx(expected, rel=0.02)
    assert lb == pytest.approx(
        0.936 * math.exp(0.1147 * u_mph) + 0.461 * math.exp(-0.0692 * u_mph) - 0.397, rel=1e-12
    )


def test_length_to_breadth_limits_and_ms_form() -> None:
    assert float(length_to_breadth(0.0)) == pytest.approx(1.0, abs=1e-12)
    assert float(length_to_breadth(100.0)) == 8.0
    u = np.linspace(0.0, 8.0, 9)  # m/s form of the same curve uses 0.2566 and 0.1548
    np.testing.assert_allclose(
        length_to_breadth(u),
        0.936 * np.exp(0.2566 * u) + 0.461 * np.exp(-0.1548 * u) - 0.397,
        rtol=2e-4,
    )
    assert np.all(np.diff(length_to_breadth(np.linspace(0, 20, 50))) >= 0.0)


def test_ellipse_rates_lb2() -> None:
    v = 1.0
    assert v / float(backing_ros(v, 2.0)) == pytest.approx(13.93, rel=1e-3)
    assert float(flanking_ros(v, 2.0)) / v == pytest.approx(0.268, rel=2e-3)
    # LB = 1 is a circle: every rate equals the head rate
    assert float(backing_ros(2.5, 1.0)) == pytest.approx(2.5)
    assert float(flanking_ros(2.5, 1.0)) == pytest.approx(2.5)


def test_ellipse_geometry_consistency() -> None:
    v, lb, t = 0.7, 3.0, 100.0
    a, b = ellipse_semi_axes(v, lb, t)
    c = ellipse_center_offset(v, lb, t)
    vb = float(backing_ros(v, lb))
    assert float(b / a) == pytest.approx(lb)
    assert float(c + b) == pytest.approx(v * t)  # head
    assert float(b - c) == pytest.approx(vb * t)  # back
    # the ignition is at the focus: c = sqrt(b^2 - a^2)
    assert float(c) == pytest.approx(math.sqrt(float(b) ** 2 - float(a) ** 2), rel=1e-12)


def test_ray_rate_traces_the_ellipse() -> None:
    v, lb, t = 1.3, 2.5, 10.0
    a, b = (float(x) for x in ellipse_semi_axes(v, lb, t))
    c = float(ellipse_center_offset(v, lb, t))
    theta = np.linspace(0.0, 2.0 * np.pi, 73)
    r = ellipse_rate_in_direction(v, lb, theta) * t
    x_along, y_across = r * np.cos(theta) - c, r * np.sin(theta)
    np.testing.assert_allclose((x_along / b) ** 2 + (y_across / a) ** 2, 1.0, rtol=1e-12)
    assert float(ellipse_rate_in_direction(v, lb, 0.0)) == pytest.approx(v)
    assert float(ellipse_rate_in_direction(v, lb, np.pi)) == pytest.approx(
        float(backing_ros(v, lb))
    )


def test_normal_rate_is_support_function_of_the_ellipse() -> None:
    v, lb = 1.0, 2.0
    vb = float(backing_ros(v, lb))
    vf = float(flanking_ros(v, lb))
    assert float(ellipse_normal_rate(v, lb, 0.0)) == pytest.approx(v)
    assert float(ellipse_normal_rate(v, lb, np.pi)) == pytest.approx(vb)
    assert float(ellipse_normal_rate(v, lb, np.pi / 2)) == pytest.approx(vf)
    # max over boundary points of <p, n> equals the support function, for points of the unit-time ellipse
    a, b = vf, lb * vf
    c = v - b
    phi = np.linspace(0, 2 * np.pi, 20001)
    px, py = c + b * np.cos(phi), a * np.sin(phi)
    for th in np.linspace(0, np.pi, 7):
        support = np.max(px * np.cos(th) + py * np.sin(th))
        assert float(ellipse_normal_rate(v, lb, th)) == pytest.approx(support, rel=1e-6)
    assert float(eccentricity(2.0)) == pytest.approx(math.sqrt(3.0) / 2.0)


def test_perimeters() -> None:
    assert float(ellipse_perimeter_exact(1.0, 1.0)) == pytest.approx(2 * math.pi, rel=1e-14)
    assert float(ellipse_perimeter_exact(1.0, 0.0)) == pytest.approx(4.0)
    # numerical arc length of a 3:1 ellipse
    t = np.linspace(0.0, 2.0 * np.pi, 200001)
    x, y = 3.0 * np.cos(t), np.sin(t)
    arc = float(np.sum(np.hypot(np.diff(x), np.diff(y))))
    assert float(ellipse_perimeter_exact(3.0, 1.0)) == pytest.approx(arc, rel=1e-8)
    assert float(ellipse_perimeter_exact(1.0, 3.0)) == pytest.approx(arc, rel=1e-8)
    for lb in (1.0, 2.0, 4.0, 8.0):
        assert float(ellipse_perimeter_ramanujan(lb, 1.0)) == pytest.approx(
            float(ellipse_perimeter_exact(lb, 1.0)), rel=1e-5
        )
    assert float(ellipse_perimeter_ramanujan(0.0, 0.0)) == 0.0
