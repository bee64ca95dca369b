"""Plain-numpy views of a fire's state, the contract between fire/ and its readers.

The simulator keeps its state in Taichi fields; readers (outputs, renderer,
environments) get a :class:`FireSnapshot` of numpy arrays for one scenario of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class BurnState(IntEnum):
    """Per-cell burn state (``uint8``)."""

    UNBURNED = 0
    BURNING = 1  # flaming front has arrived, residence time not yet over
    BURNED = 2  # burned out
    NONBURNABLE = 3  # water, rock, road, urban, or a fuel removed by a fireline


class TreeState(IntEnum):
    """Per-tree crown state (``uint8``)."""

    UNBURNT = 0
    SCORCHED = 1  # surface fire passed below; crown not ignited
    TORCHING = 2  # passive crown fire: this crown burns alone
    CROWN_BURNING = 3  # active crown fire: crown-to-crown spread
    BURNT = 4  # crown consumed


@dataclass(frozen=True)
class FireSnapshot:
    """The state of one fire at ``time_s`` (seconds since the scenario start).

    Rasters are ``[ny, nx]`` with row 0 the southernmost row; trees are ``[N]`` in the
    order of :class:`~wildfire_gym.world.landscape.Trees`.
    """

    time_s: float
    arrival_time_s: np.ndarray  # float32, +inf where the fire has not arrived
    burn_state: np.ndarray  # uint8, BurnState
    ros_m_per_s: np.ndarray  # float32, rate of spread of the front when it arrived (0 unburned)
    fireline_intensity_kw_m: np.ndarray  # float32, Byram intensity at arrival (0 unburned)
    flame_length_m: np.ndarray  # float32, flame length at arrival (0 unburned)
    tree_state: np.ndarray  # uint8 [N], TreeState
    tree_state_time_s: np.ndarray  # float32 [N], time the tree entered its state (+inf never)
    tree_foliage_frac: np.ndarray  # float32 [N], remaining fraction of foliage (1 intact, 0 consumed)
    wind_speed_20ft_mps: float = 0.0
    wind_from_deg: float = 0.0
    moisture_d1h: float = 0.0
    fuel_code: np.ndarray | None = None  # int16 [ny, nx], current fuel codes (firelines, fuel breaks included)
    added_moisture: np.ndarray | None = None  # float64 [ny, nx], moisture wetlines/retardant add now (fraction)

    @property
    def burning(self) -> np.ndarray:
        return self.burn_state == BurnState.BURNING

    @property
    def burned_any(self) -> np.ndarray:
        """Cells the fire has reached (burning or burned out)."""
        return (self.burn_state == BurnState.BURNING) | (self.burn_state == BurnState.BURNED)
