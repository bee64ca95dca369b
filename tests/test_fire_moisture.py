"""Diurnal fine fuel moisture and wetline/retardant decay."""

from __future__ import annotations

import numpy as np
import pytest

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.moisture import (
    FuelMoisture,
    as_fuel_moisture,
    diurnal_fine_dead_moisture,
    wetted_fuel_moisture,
)


def test_diurnal_cycle() -> None:
    t = np.arange(0, 24) * 3600.0
    m = diurnal_fine_dead_moisture(0.08, t, amplitude=0.03)
    assert int(np.argmin(m)) == 15 and int(np.argmax(m)) == 3
    assert float(m.min()) == pytest.approx(0.05) and float(m.max()) == pytest.approx(0.11)
    assert float(np.mean(m)) == pytest.approx(0.08)
    np.testing.assert_allclose(
        diurnal_fine_dead_moisture(0.08, t + 86400.0),
        diurnal_fine_dead_moisture(0.08, t),
        atol=1e-15,
    )
    assert float(diurnal_fine_dead_moisture(0.02, 15 * 3600.0, amplitude=0.05)) == 0.01  # floor


def test_wetline_decay() -> None:
    assert float(wetted_fuel_moisture(0.06, 0.6, 0.0, 3600.0)) == pytest.approx(0.6)
    assert float(wetted_fuel_moisture(0.06, 0.6, 3600.0, 3600.0)) == pytest.approx(0.33)
    assert float(wetted_fuel_moisture(0.06, 0.6, 7200.0, 3600.0)) == pytest.approx(0.195)
    assert float(wetted_fuel_moisture(0.06, 0.6, -10.0, 3600.0)) == pytest.approx(0.06)
    m = wetted_fuel_moisture(0.06, 0.6, np.linspace(0, 1e5, 100), 3600.0)
    assert np.all(np.diff(m) <= 0.0) and np.all(m >= 0.06)
    with pytest.raises(ScenarioError, match="half_life_s"):
        wetted_fuel_moisture(0.06, 0.6, 10.0, 0.0)


def test_as_fuel_moisture() -> None:
    a = as_fuel_moisture(
        {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6, "live_woody": 0.9}
    )
    assert a == FuelMoisture(0.06, 0.07, 0.08, 0.6, 0.9)
    with pytest.raises(ScenarioError, match="moisture.d1h"):
        as_fuel_moisture(
            {"d1h": float("inf"), "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6, "live_woody": 0.9}
        )
