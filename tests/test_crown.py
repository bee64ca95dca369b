"""Crown fire thresholds and spread (docs/validation.md section 3)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym import units
from wildfire_gym.fire import surface_fire
from wildfire_gym.fire.crown import (
    CrownFireType,
    active_crown_threshold_ros,
    critical_surface_intensity,
    critical_surface_ros,
    crown_fire_intensity,
    crown_fire_type,
    crown_flame_length,
    crown_fraction_burned,
    cruz_active_crown_ros,
    cruz_passive_crown_ros,
    rothermel_crown_ros,
)
from wildfire_gym.fuel_models import fuel_model

MOIST = {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6, "live_woody": 0.9}


def test_van_wagner_initiation() -> None:
    assert float(critical_surface_intensity(2.0, 100.0)) == pytest.approx(478.8, rel=0.005)
    assert float(critical_surface_intensity(2.0, 100.0)) == pytest.approx(
        (0.01 * 2.0 * (460 + 26 * 100)) ** 1.5, rel=1e-12
    )
    i = critical_surface_intensity(np.array([1.0, 2.0, 4.0]), 100.0)
    np.testing.assert_allclose(i[1:] / i[:-1], 2.0**1.5)  # I0 ~ CBH^1.5
    assert float(critical_surface_intensity(0.0, 100.0)) == 0.0


def test_cruz_active_crown_ros() -> None:
    ros = float(cruz_active_crown_ros(float(units.km_per_h_to_m_per_s(30.0)), 0.15, 0.06)) * 60.0
    assert ros == pytest.approx(59.2, rel=0.005)
    assert ros == pytest.approx(11.02 * 30**0.9 * 0.15**0.19 * math.exp(-0.17 * 6), rel=1e-12)


def test_active_threshold_and_passive_ros() -> None:
    assert float(active_crown_threshold_ros(0.15)) * 60.0 == pytest.approx(20.0, rel=1e-12)
    assert math.isinf(float(active_crown_threshold_ros(0.0)))
    a = float(cruz_active_crown_ros(10.0, 0.15, 0.06))
    p = float(cruz_passive_crown_ros(a, 0.15))
    assert p == pytest.approx(a * math.exp(-a / float(active_crown_threshold_ros(0.15))), rel=1e-12)
    assert 0.0 < p < a


def test_rothermel_1991_is_334_times_fm10_at_04_wind() -> None:
    u20 = np.array([2.0, 5.0, 9.0])
    crown = rothermel_crown_ros(u20, MOIST)
    fm10 = fuel_model(10)
    for u, c in zip(u20, crown, strict=True):
        surf = surface_fire(fm10, MOIST, 0.4 * float(u), wind_limit="none").ros_m_per_s
        assert float(c) == pytest.approx(3.34 * surf, rel=1e-12)
    assert np.all(np.diff(crown) > 0)


def test_critical_ros_and_crown_fraction_burned() -> None:
    i0, hpa = 500.0, 2000.0
    r_init = float(critical_surface_ros(i0, hpa))
    assert r_init == pytest.approx(0.25)
    assert math.isinf(float(critical_surface_ros(i0, 0.0)))
    r_sa = 0.65
    assert float(crown_fraction_burned(0.2, r_init, r_sa)) == 0.0
    assert float(crown_fraction_burned(r_init, r_init, r_sa)) == 0.0
    assert float(
        crown_fraction_burned(r_init + 0.9 * (r_sa - r_init), r_init, r_sa)
    ) == pytest.approx(0.9, rel=1e-12)
    cfb = crown_fraction_burned(np.linspace(0.0, 5.0, 50), r_init, r_sa)
    assert np.all((cfb >= 0.0) & (cfb <= 1.0)) and np.all(np.diff(cfb) >= 0.0)


def test_crown_intensity_and_flame() -> None:
    i = float(crown_fire_intensity(0.5, 1500.0, 1.2, 0.5))
    assert i == pytest.approx((1500.0 + 0.5 * 1.2 * 18000.0) * 0.5, rel=1e-12)
    # Thomas (1963) in BehavePlus units: L = 0.2 I^(2/3) ft with I in BTU/ft/s
    l_ft = 0.2 * float(units.kw_per_m_to_btu_per_ft_s(i)) ** (2.0 / 3.0)
    assert float(crown_flame_length(i)) == pytest.approx(l_ft * 0.3048, rel=1e-9)


def test_crown_fire_type() -> None:
    i0 = float(critical_surface_intensity(2.0, 100.0))
    r0 = float(active_crown_threshold_ros(0.15))
    t = crown_fire_type(
        np.array([100.0, 600.0, 600.0, 100.0]), i0, np.array([0.5, 0.1, 0.5, 0.1]), r0
    )
    assert t.tolist() == [
        CrownFireType.SURFACE,
        CrownFireType.PASSIVE,
        CrownFireType.ACTIVE,
        CrownFireType.SURFACE,
    ]
    assert t.dtype == np.int8
