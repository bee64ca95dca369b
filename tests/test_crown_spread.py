"""Crown fire in the spread: an active crown fire has its own shape and rate, a passive one its
published rate increase, crown and surface rates are compared in the map frame on slopes.

References (docs/validation.md): Rothermel (1991, eq. 10) crown L/B = 1 + 0.125 U20 (mi/h); Cruz et
al. (2005, eqs. 3-5) active and passive crown rates; Van Wagner (1977) initiation and R0 = 3/CBD.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wildfire_gym.fire.crown import (
    active_crown_threshold_ros,
    crown_length_to_breadth,
    cruz_active_crown_ros,
    cruz_passive_crown_ros,
)
from wildfire_gym.fire.simulation import FireSimulation
from wildfire_gym.fire.wind import wind_10m_from_20ft
from wildfire_gym.scenario import scenario_from_dict
from wildfire_gym.units import m_per_s_to_mph
from wildfire_gym.world import build_world
from wildfire_gym.world.landscape import CanopyRasters

CELL = 5.0
MOIST = {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6, "live_woody": 0.9, "foliar": 1.0}


def _stand(nx: int, ny: int, u20: float, cbd: float, cbh: float = 1.0, slope_deg: float = 0.0, fuel: str = "TU5"):
    """A flat (or planar) landscape under a uniform canopy (no stems: the rasters alone)."""
    sc = scenario_from_dict({
        "name": "crown", "duration_s": 600,
        "terrain": {"size_m": [nx * CELL, ny * CELL], "cell_m": CELL, "kind": "plane", "slope_deg": slope_deg,
                    "aspect_deg": 90.0},
        "fuel": {"model": fuel, "moisture": MOIST}, "vegetation": {"trees_per_ha": 0},
        "weather": {"wind_speed_mps": u20, "wind_height": "20ft", "wind_from_deg": 270.0},
        "ignitions": [{"x_m": 0.15 * nx * CELL, "y_m": 0.5 * ny * CELL}],
    })
    land = build_world(sc)
    shape = land.shape
    canopy = CanopyRasters(cover=np.full(shape, 0.6), height_m=np.full(shape, 15.0),
                           base_height_m=np.full(shape, cbh), bulk_density_kg_m3=np.full(shape, cbd))
    return dataclasses.replace(land, canopy=canopy)


def test_crown_length_to_breadth_reference_values() -> None:
    # Rothermel (1991, eq. 10): 20 mi/h -> 3.5; no wind -> 1
    assert float(crown_length_to_breadth(20.0 / m_per_s_to_mph(1.0))) == pytest.approx(3.5, rel=1e-12)
    assert float(crown_length_to_breadth(0.0)) == 1.0


def test_active_crown_fire_has_its_own_rate_direction_and_shape() -> None:
    u20, cbd = 10.0, 0.2
    land = _stand(150, 60, u20, cbd)
    sim = FireSimulation(land, arch="cpu")
    p = sim.spread_params(0, 0.0)
    cros = float(cruz_active_crown_ros(wind_10m_from_20ft(u20), cbd, MOIST["d1h"]))
    assert cros > float(active_crown_threshold_ros(cbd))
    assert (p["crown_fire_type"] == 2).all()
    np.testing.assert_allclose(p["ros_head_m_s"], cros, rtol=1e-9)
    np.testing.assert_allclose(p["head_dir_deg"], 90.0, atol=1e-9)  # downwind of a west wind
    lb = float(crown_length_to_breadth(u20))
    np.testing.assert_allclose(p["lb"], lb, rtol=1e-12)
    # through the engine: the burned patch is the crown ellipse (Anderson 1983 geometry)
    sim.advance(0.6 * 150 * CELL / cros)
    burned = np.isfinite(sim.snapshot(0).arrival_time_s)
    iy, ix = np.nonzero(burned)
    cov = np.cov(np.stack([ix, iy]).astype(np.float64))
    ev = np.linalg.eigvalsh(cov)
    assert np.sqrt(ev[1] / ev[0]) == pytest.approx(lb, rel=0.03)
    head_m = (ix.max() + 0.5) * CELL - 0.15 * 150 * CELL
    assert head_m == pytest.approx(0.6 * 150 * CELL, abs=2 * CELL)


def test_passive_crown_fire_gets_the_cruz_passive_rate() -> None:
    u20, cbd = 3.0, 0.05  # torching but below the active threshold
    land = _stand(60, 40, u20, cbd, cbh=0.5, fuel="SH5")
    p = FireSimulation(land, arch="cpu").spread_params(0, 0.0)
    cros = float(cruz_active_crown_ros(wind_10m_from_20ft(u20), cbd, MOIST["d1h"]))
    assert cros < float(active_crown_threshold_ros(cbd))
    assert (p["crown_fire_type"] == 1).all()
    passive = float(cruz_passive_crown_ros(cros, cbd))
    np.testing.assert_allclose(p["ros_head_m_s"], np.maximum(p["ros_surface_m_s"], passive), rtol=1e-9)
    assert (p["lb"] == pytest.approx(float(p["lb"].flat[0]))) and float(p["lb"].flat[0]) != pytest.approx(
        float(crown_length_to_breadth(u20)))  # keeps the surface fire's shape


def test_crown_and_surface_rates_are_compared_in_the_map_frame_on_a_slope() -> None:
    """On a 30-degree slope the surface rate is projected onto the map, the crown rate is a map rate
    already; an active crown cell spreads at the Cruz rate, not at its projection."""
    u20, cbd = 10.0, 0.2
    flat = FireSimulation(_stand(40, 40, u20, cbd), arch="cpu").spread_params(0, 0.0)
    steep = FireSimulation(_stand(40, 40, u20, cbd, slope_deg=30.0), arch="cpu").spread_params(0, 0.0)
    cros = float(cruz_active_crown_ros(wind_10m_from_20ft(u20), cbd, MOIST["d1h"]))
    np.testing.assert_allclose(flat["ros_head_m_s"], cros, rtol=1e-9)
    np.testing.assert_allclose(steep["ros_head_m_s"], cros, rtol=1e-9)
    # surface-only: the projection applies (the surface head runs upslope-and-downwind here)
    surf = FireSimulation(dataclasses.replace(_stand(40, 40, 2.0, 0.0, slope_deg=30.0)), arch="cpu").spread_params(0, 0.0)
    assert (surf["ros_head_m_s"] < surf["ros_surface_m_s"]).all()
