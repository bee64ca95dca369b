"""The landscape a fire burns in: terrain, fuels, trees and structures as plain arrays.

Raster convention (see :mod:`wildfire_gym.scenario`): arrays are ``[ny, nx]``, row 0 is
the southernmost row, cell centres at ``((ix + 0.5) * cell_m, (iy + 0.5) * cell_m)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..fuel_models import FuelModel
from ..scenario import Scenario


@dataclass(frozen=True)
class Trees:
    """Every tree of the world, one entry per tree (struct of arrays, SI units).

    ``x_m, y_m`` position of the stem; ``z_m`` ground elevation at the stem;
    ``height_m`` total height; ``crown_base_m`` crown base height above ground;
    ``crown_radius_m`` widest crown radius; ``foliage_kg`` foliage dry mass (the
    canopy fuel that burns in a crown fire); ``branch_kg`` fine branch (< 6 mm)
    dry mass, also available to crown fire; ``species`` index into ``species_names``;
    ``shape_seed`` per-tree integer used to vary geometry.
    """

    id: np.ndarray  # int32 [N], 0..N-1
    x_m: np.ndarray  # float32 [N]
    y_m: np.ndarray
    z_m: np.ndarray
    height_m: np.ndarray
    crown_base_m: np.ndarray
    crown_radius_m: np.ndarray
    foliage_kg: np.ndarray
    branch_kg: np.ndarray
    species: np.ndarray  # int16 [N]
    shape_seed: np.ndarray  # uint32 [N]
    species_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @staticmethod
    def empty(species_names: tuple[str, ...] = ()) -> Trees:
        f = np.zeros(0, np.float32)
        return Trees(np.zeros(0, np.int32), f, f, f, f, f, f, f, f, np.zeros(0, np.int16),
                     np.zeros(0, np.uint32), species_names)

    def subset(self, mask: np.ndarray) -> Trees:
        """Trees where ``mask`` is true, ids renumbered 0..M-1 (positions kept)."""
        m = np.asarray(mask, bool)
        n = int(m.sum())
        return Trees(np.arange(n, dtype=np.int32), self.x_m[m], self.y_m[m], self.z_m[m],
                     self.height_m[m], self.crown_base_m[m], self.crown_radius_m[m],
                     self.foliage_kg[m], self.branch_kg[m], self.species[m], self.shape_seed[m],
                     self.species_names)


@dataclass(frozen=True)
class Structures:
    """Houses (struct of arrays): centre, ground elevation, footprint, height, yaw."""

    id: np.ndarray  # int32 [M]
    x_m: np.ndarray  # float32 [M]
    y_m: np.ndarray
    z_m: np.ndarray
    length_m: np.ndarray
    width_m: np.ndarray
    height_m: np.ndarray
    yaw_deg: np.ndarray  # compass degrees of the long axis

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @staticmethod
    def empty() -> Structures:
        f = np.zeros(0, np.float32)
        return Structures(np.zeros(0, np.int32), f, f, f, f, f, f, f)


@dataclass(frozen=True)
class CanopyRasters:
    """Canopy fuel per cell, derived from the trees themselves.

    ``cover`` fraction of the cell under crowns [0, 1]; ``height_m`` mean top height of
    the trees in the cell; ``base_height_m`` the lowest crown base of the cell's trees
    (the fire's way into the canopy); ``bulk_density_kg_m3`` available canopy fuel
    (foliage + fine branches) divided by the canopy volume over the cell.
    """

    cover: np.ndarray
    height_m: np.ndarray
    base_height_m: np.ndarray
    bulk_density_kg_m3: np.ndarray


@dataclass(frozen=True)
class Landscape:
    """A built world. Arrays are float32 unless stated; all rasters share ``shape``."""

    scenario: Scenario
    cell_m: float
    elevation_m: np.ndarray  # [ny, nx]
    slope_deg: np.ndarray  # [ny, nx]
    aspect_deg: np.ndarray  # [ny, nx], compass direction the slope faces; 0 where flat
    fuel_code: np.ndarray  # int16 [ny, nx], numeric fuel model codes (1..13, 91.., 101..)
    fuel_models: dict[int, FuelModel]  # numeric code -> model, every code in fuel_code
    canopy: CanopyRasters
    trees: Trees
    structures: Structures
    crs_wkt: str | None = None  # set when the terrain came from a GeoTIFF
    origin_xy: tuple[float, float] = (0.0, 0.0)  # projected coordinates of the SW corner
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.elevation_m.shape)  # type: ignore[return-value]

    @property
    def size_m(self) -> tuple[float, float]:
        ny, nx = self.shape
        return (nx * self.cell_m, ny * self.cell_m)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_m, y_m)`` of cell centres, each ``[nx]`` and ``[ny]``."""
        ny, nx = self.shape
        return ((np.arange(nx) + 0.5) * self.cell_m, (np.arange(ny) + 0.5) * self.cell_m)
