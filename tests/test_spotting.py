"""Spotting: Albini (1979) torching-tree distance, landing distribution, ignition probability."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.spotting import (
    cover_height_used,
    ember_ignites,
    heat_of_ignition_cal_g,
    ignition_probability,
    max_spot_distance,
    spot_distance_lognormal_params,
    spot_landing_distance,
    spot_landing_offsets,
    standard_normal_from_uniforms,
    torching_firebrand_height,
    torching_flame_duration,
    torching_flame_height,
    torching_tree_max_spot_distance,
    uniform_draws,
)

FT = 0.3048


def _albini_us(
    dbh_in: float, height_ft: float, cover_ft: float, u20_mph: float, n: float = 1.0
) -> float:
    """Independent transcription of the BehavePlus torching-tree chain for Douglas-fir, in miles."""
    zf = 15.7 * dbh_in**0.451 * n**0.4
    tf = 10.7 * dbh_in**-0.278 * n**-0.2
    ratio = height_ft / zf
    a, b = (
        (4.24, 0.332)
        if ratio >= 1
        else (3.64, 0.391)
        if ratio >= 0.5
        else (2.78, 0.418)
        if tf < 3.5
        else (4.70, 0.0)
    )
    z = a * tf**b * zf + height_ft / 2.0
    h = max(cover_ft, 2.2 * z**0.337 - 4.0)
    return 0.000718 * u20_mph * math.sqrt(h) * (0.362 + math.sqrt(z / h) / 2.0 * math.log(z / h))


@pytest.mark.parametrize(
    ("dbh_in", "height_ft", "cover_ft", "u_mph", "n"),
    [(20, 100, 80, 15, 1), (10, 40, 30, 20, 4), (30, 60, 50, 8, 2)],
)
def test_torching_tree_distance_matches_us_form(
    dbh_in: float, height_ft: float, cover_ft: float, u_mph: float, n: float
) -> None:
    d = float(
        torching_tree_max_spot_distance(
            "douglas_fir", dbh_in * 0.0254, height_ft * FT, cover_ft * FT, u_mph * 0.44704, n
        )
    )
    assert d == pytest.approx(
        _albini_us(dbh_in, height_ft, cover_ft, u_mph, n) * 1609.344, rel=1e-9
    )
    assert 10.0 < d < 5000.0


def test_torching_components() -> None:
    assert float(torching_flame_height("ponderosa_pine", 0.254, 1)) == pytest.approx(
        12.9 * 10**0.453 * FT, rel=1e-9
    )
    assert float(torching_flame_duration("ponderosa_pine", 0.254, 1)) == pytest.approx(
        12.6 * 10**-0.256, rel=1e-9
    )
    # more trees: taller flames
    assert float(torching_flame_height("grand_fir", 0.3, 5)) > float(
        torching_flame_height("grand_fir", 0.3, 1)
    )
    z = float(torching_firebrand_height("douglas_fir", 0.5, 30.0))
    assert z > 15.0  # lofted above half the tree height
    assert float(cover_height_used(z, 0.0)) > 0.0
    with pytest.raises(ScenarioError, match="species"):
        torching_flame_height("baobab", 0.3)


def test_max_distance_monotone_and_zero_without_wind() -> None:
    assert float(max_spot_distance(30.0, 10.0, 0.0)) == 0.0
    d = max_spot_distance(30.0, 10.0, np.array([2.0, 5.0, 10.0]))
    np.testing.assert_allclose(d[1:] / d[:-1], [2.5, 2.0])  # linear in wind
    assert float(max_spot_distance(0.0, 10.0, 5.0)) == 0.0


def test_landing_distance_distribution() -> None:
    rng = np.random.default_rng(1)
    u1, u2 = uniform_draws(rng, 200_000, 2)
    d = spot_landing_distance(500.0, u1, u2)
    mu, s = spot_distance_lognormal_params(500.0)
    assert np.all((d > 0) & (d <= 500.0))
    assert float(np.median(d)) == pytest.approx(math.exp(float(mu)), rel=0.01)
    assert float(np.mean(d >= 500.0)) == pytest.approx(
        0.01, abs=0.002
    )  # D_max is the 99th percentile
    assert float(np.mean(np.log(d[d < 500.0]) < float(mu))) == pytest.approx(0.5 / 0.99, abs=0.01)
    z = standard_normal_from_uniforms(u1, u2)
    assert float(np.mean(z)) == pytest.approx(0.0, abs=0.01) and float(np.std(z)) == pytest.approx(
        1.0, abs=0.01
    )
    assert float(s) == pytest.approx(0.6)
    assert np.all(spot_landing_distance(0.0, u1[:10], u2[:10]) == 0.0)


def test_landing_offsets_downwind_and_deterministic() -> None:
    draws_a = uniform_draws(np.random.default_rng(42), 1000)
    draws_b = uniform_draws(np.random.default_rng(42), 1000)
    dx, dy = spot_landing_offsets(400.0, 270.0, *draws_a)  # west wind: embers go east
    dx2, dy2 = spot_landing_offsets(400.0, 270.0, *draws_b)
    assert dx.tobytes() == dx2.tobytes() and dy.tobytes() == dy2.tobytes()
    assert np.all(dx > 0.0)
    assert np.all(np.abs(np.arctan2(dy, dx)) <= np.deg2rad(10.0) + 1e-12)


def test_ignition_probability() -> None:
    m, t = 0.05, 30.0
    qig = (
        144.512 - 0.266 * t - 0.00058 * t * t - t * m + 18.54 * (1 - math.exp(-15.1 * m)) + 640 * m
    )
    assert float(heat_of_ignition_cal_g(m, t)) == pytest.approx(qig, rel=1e-12)
    x = (400 - qig) / 10
    assert float(ignition_probability(m, t)) == pytest.approx(0.000048 * x**4.3 / 50, rel=1e-12)
    p = ignition_probability(np.array([0.02, 0.05, 0.1, 0.2, 0.4]), 25.0)
    assert np.all(np.diff(p) < 0.0) and np.all((p >= 0.0) & (p <= 1.0))
    assert float(ignition_probability(0.06, 35.0)) > float(ignition_probability(0.06, 10.0))
    assert float(ignition_probability(0.6, 25.0)) == pytest.approx(0.0, abs=1e-3)
    u = np.random.default_rng(0).random(50_000)
    assert float(np.mean(ember_ignites(0.06, u, 25.0))) == pytest.approx(
        float(ignition_probability(0.06, 25.0)), abs=0.01
    )
