"""Fuel moisture: the moisture record, a diurnal fine-fuel cycle, and wetline/retardant decay.

All moistures are fractions of oven-dry mass (0.06 = 6 %); times are seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import MISSING, ScenarioError

SECONDS_PER_DAY: float = 86400.0
"""s; length of the diurnal cycle."""
DIURNAL_MIN_HOUR_DEFAULT: float = 15.0
"""h local solar time; fine dead fuel moisture is lowest in mid-afternoon (Rothermel 1983, INT-GTR-143, p. 21)."""
DIURNAL_AMPLITUDE_DEFAULT: float = 0.03
"""fraction; half the day-night swing of 1-h moisture. Rothermel (1983, Tables 2-4) gives afternoon values near
4-7 % and pre-dawn values near 10-14 % in summer, i.e. a swing of about 6 % (modelling choice of wildfire_gym)."""

MOISTURE_FIELDS: tuple[str, ...] = ("d1h", "d10h", "d100h", "live_herb", "live_woody")
"""Names of the five moisture classes read by the fire model."""


@dataclass(frozen=True)
class FuelMoisture:
    """Moisture of the five fuel classes, fractions of oven-dry mass (scalars or arrays).

    ``d1h``, ``d10h``, ``d100h``: dead 1-, 10-, 100-hour time-lag fuels;
    ``live_herb``, ``live_woody``: live herbaceous and live woody fuels.
    """

    d1h: Any
    d10h: Any
    d100h: Any
    live_herb: Any
    live_woody: Any


def as_fuel_moisture(moisture: FuelMoisture | Mapping[str, Any] | Any) -> FuelMoisture:
    """Read a moisture record from a :class:`FuelMoisture`, a mapping or any object with the five attributes.

    Raises :class:`~wildfire_gym.errors.ScenarioError` naming the missing or negative field.
    """
    if isinstance(moisture, FuelMoisture):
        values = [getattr(moisture, k) for k in MOISTURE_FIELDS]
    else:
        values = []
        for k in MOISTURE_FIELDS:
            if isinstance(moisture, Mapping):
                if k not in moisture:
                    raise ScenarioError(
                        f"moisture.{k}", "a moisture fraction (e.g. 0.06 for 6 %)", MISSING
                    )
                values.append(moisture[k])
            else:
                if not hasattr(moisture, k):
                    raise ScenarioError(
                        f"moisture.{k}", "a moisture fraction (e.g. 0.06 for 6 %)", MISSING
                    )
                values.append(getattr(moisture, k))
    out = []
    for k, v in zip(MOISTURE_FIELDS, values, strict=True):
        if type(v) is float:  # the common scalar case, without array round trips
            if not (math.isfinite(v) and v >= 0.0):
                raise ScenarioError(f"moisture.{k}", "a finite fraction >= 0 (0.06 for 6 %)", v)
            out.append(v)
            continue
        a = np.asarray(v, dtype=np.float64)
        if not np.all(np.isfinite(a)) or np.any(a < 0.0):
            raise ScenarioError(f"moisture.{k}", "a finite fraction >= 0 (0.06 for 6 %)", v)
        out.append(a if a.ndim else float(a))
    return FuelMoisture(*out)


def diurnal_fine_dead_moisture(
    mean: ArrayLike,
    time_of_day_s: ArrayLike,
    amplitude: ArrayLike = DIURNAL_AMPLITUDE_DEFAULT,
    min_hour: float = DIURNAL_MIN_HOUR_DEFAULT,
    floor: float = 0.01,
) -> np.ndarray:
    """1-h dead fuel moisture over the day as a sinusoid (fraction).

    ``M(t) = mean - amplitude * cos(2 pi (t - t_min) / 1 day)``, lowest at ``min_hour`` local solar time
    and highest twelve hours later, clipped below at ``floor``. The shape follows the diurnal
    course of fine dead fuel moisture tabulated by Rothermel (1983, INT-GTR-143, Tables 2-4,
    afternoon minimum, pre-dawn maximum); the sinusoid is a documented simplification.

    mean :: fraction — daily mean 1-h moisture
    time_of_day_s :: s — seconds since local midnight (any real; taken modulo one day)
    amplitude :: fraction — half the day-night swing
    min_hour :: h — local hour of the minimum
    floor :: fraction — lower bound of the result
    """
    phase = (
        2.0
        * np.pi
        * (np.asarray(time_of_day_s, dtype=np.float64) - min_hour * 3600.0)
        / SECONDS_PER_DAY
    )
    m = np.asarray(mean, dtype=np.float64) - np.asarray(amplitude, dtype=np.float64) * np.cos(phase)
    return np.maximum(m, floor)


def wetted_fuel_moisture(
    ambient: ArrayLike, applied: ArrayLike, elapsed_s: ArrayLike, half_life_s: ArrayLike
) -> np.ndarray:
    """Moisture of fuel wetted by a wetline or retardant drop, decaying back to ambient (fraction).

    ``M(t) = ambient + (applied - ambient) * 2^(-t / half_life)`` for ``t >= 0`` (exponential
    drying towards equilibrium, the time-lag model of Byram 1963 / Fosberg 1970 written with a
    half-life). Before the application (``t < 0``) the fuel is at ambient.

    ambient :: fraction — moisture the fuel dries back to
    applied :: fraction — moisture just after the application
    elapsed_s :: s — time since the application
    half_life_s :: s — time for the excess moisture to halve (> 0)
    """
    hl = np.asarray(half_life_s, dtype=np.float64)
    if np.any(hl <= 0.0):
        raise ScenarioError("half_life_s", "a half-life > 0 s", half_life_s)
    t = np.asarray(elapsed_s, dtype=np.float64)
    amb = np.asarray(ambient, dtype=np.float64)
    excess = np.asarray(applied, dtype=np.float64) - amb
    return np.where(t >= 0.0, amb + excess * np.exp2(-np.maximum(t, 0.0) / hl), amb)
