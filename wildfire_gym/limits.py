"""What one run may ask of the machine: grid bounds, and the memory and work a scenario needs.

:func:`estimate_resources` turns a validated scenario into the memory its world and fire
need (cells x fields x batch, trees, frames) and the work of its parameter refreshes, before
anything is allocated; a run of more than :data:`MAX_CELL_UPDATES` is refused too;
:func:`check_resources` refuses a scenario that needs more than the machine has available
(``MemAvailable`` of ``/proc/meminfo``, capped by the process's address-space limit and
its cgroup's memory limit), naming ``terrain.size_m`` (or ``terrain.cell_m``), the amount
needed and the override: ``allow_large=True``, the CLI's ``--allow-large`` or
``WILDFIRE_GYM_ALLOW_LARGE=1``.

The per-cell and per-tree figures are peak resident memory measured on this package
(``world`` then ``simulate`` on the CPU backend, 256^2 to 2048^2 cells, 0 and 1.5 M trees),
rounded up.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._env import ALLOW_LARGE_ENV_VAR, env_allow_large
from .errors import MISSING, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario, TerrainConfig

__all__ = [
    "ALLOW_LARGE_ENV_VAR",
    "MAX_EXTENT_M",
    "MAX_GRID_CELLS_PER_SIDE",
    "MAX_RASTER_PIXELS",
    "MIN_GRID_CELLS_PER_SIDE",
    "ResourceEstimate",
    "available_memory_bytes",
    "check_resources",
    "estimate_resources",
    "grid_shape",
]

log = logging.getLogger(__name__)

MAX_GRID_CELLS_PER_SIDE = 16384
"""Largest raster side accepted (cells); 16384^2 float32 is 1 GiB per field."""

MIN_GRID_CELLS_PER_SIDE = 2
"""Smallest raster side (cells): slopes and the spread stencil need a neighbour each way."""

MAX_EXTENT_M = 1.0e6
"""Largest terrain side, m (1000 km): beyond it areas overflow the tree sampler's counts."""

MAX_RASTER_PIXELS = 2**28
"""Largest input raster (pixels, 16384^2) read: its header is checked before any pixel is."""

BASE_BYTES = 300 * 2**20
"""Resident memory of the package with Taichi initialised, before any grid, bytes."""

WORLD_BYTES_PER_CELL = 160
"""Peak bytes per cell while building a world (fractal FFT on the padded grid included)."""

FIRE_BYTES_PER_CELL = 520
"""Peak bytes per cell and batch member while simulating (engine fields, spread parameters)."""

BYTES_PER_TREE = 260
"""Peak bytes per tree (attributes, canopy rasters' inputs, engine copies)."""

MAX_CELL_UPDATES = 2.0e10
"""Most cell-parameter updates a run may ask for (cells x members x refreshes): the fire's spread
parameters are recomputed over the whole grid at every weather change, intervention and moisture
drift step, about a million cells per second and core, so this is several hours of work."""

DRIFT_REFRESH_S = 900.0
"""Interval of the parameter refreshes while moisture drifts (FireSimulation's PARAM_REFRESH_S), s."""

BYTES_PER_TREE_MESH = 3500
"""Extra peak bytes per tree while meshing the trees for export (``world`` with meshes: 336 MiB for
103,359 trees at the coarse level of detail, benchmarks/world.py)."""

BYTES_PER_FRAME_PIXEL = 40
"""Bytes per rendered pixel kept until the end of a render (the frame's layers and the strip)."""

def _meminfo_available(path: str = "/proc/meminfo") -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """Bytes left under the cgroup v2 memory limit, when there is one."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            current = int(fh.read().strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def _address_space_room() -> int | None:
    """Bytes left under RLIMIT_AS (virtual memory), when the process has a limit."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # no resource module off POSIX
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return max(0, soft - used)


def available_memory_bytes() -> int | None:
    """Memory this process can still use, bytes; ``None`` when the system does not say.

    ``MemAvailable`` from ``/proc/meminfo`` (the kernel's estimate of what can be allocated
    without swapping), else free physical pages (``sysconf``); capped by the cgroup's limit
    and the process's RLIMIT_AS.
    """
    avail = _meminfo_available()
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            avail = None
    for cap in (_cgroup_room(), _address_space_room()):
        if cap is not None:
            avail = cap if avail is None else min(avail, cap)
    return avail


def grid_shape(terrain: TerrainConfig) -> tuple[int, int]:
    """``(ny, nx)`` of the grid a terrain configuration gives (a DEM's header is read)."""
    if terrain.kind == "geotiff" and terrain.path:
        from .io.raster_info import dem_grid_shape

        return dem_grid_shape(terrain.path, terrain.cell_m)
    return terrain.shape


@dataclass(frozen=True)
class ResourceEstimate:
    """What a run needs: ``memory_bytes`` at its peak, with the counts it follows from."""

    cells: int
    batch: int
    trees: int
    frame_pixels: int
    memory_bytes: int
    refreshes: int = 1
    cell_updates: float = 0.0

    def describe(self) -> str:
        return (f"about {_gib(self.memory_bytes)} for {self.cells:,} cells x {self.batch} member(s), "
                f"~{self.trees:,} trees" + (f", {self.frame_pixels:,} frame pixels" if self.frame_pixels else ""))


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def estimate_resources(scenario: Scenario, *, batch: int = 1, frames: int = 0, frame_size_px: int = 0,
                       meshes: bool = False, shape: tuple[int, int] | None = None) -> ResourceEstimate:
    """Peak memory a world (and its fire, ``batch`` members, its tree meshes when ``meshes``) and
    ``frames`` rendered frames need, and the work of the fire's parameter refreshes.

    ``shape`` is the grid when already known (default: :func:`grid_shape`). The tree count
    is the mean density times the area (trees are not placed to count them).
    """
    ny, nx = shape if shape is not None else grid_shape(scenario.terrain)
    cells = int(ny) * int(nx)
    area_ha = cells * scenario.terrain.cell_m**2 / 1e4
    trees = int(min(scenario.vegetation.trees_per_ha * area_ha, 1e15))
    frame_pixels = int(frames) * int(frame_size_px) ** 2
    memory = (BASE_BYTES + cells * (WORLD_BYTES_PER_CELL + FIRE_BYTES_PER_CELL * max(1, batch))
              + trees * (BYTES_PER_TREE * max(1, batch) + (BYTES_PER_TREE_MESH if meshes else 0))
              + frame_pixels * BYTES_PER_FRAME_PIXEL)
    drifting = scenario.weather.diurnal_moisture or any(
        iv.kind in ("wetline", "retardant") for iv in scenario.interventions)
    refreshes = (1 + len(scenario.weather.schedule) + len(scenario.interventions)
                 + (int(scenario.duration_s // DRIFT_REFRESH_S) if drifting else 0))
    return ResourceEstimate(cells, max(1, batch), trees, frame_pixels, int(memory), refreshes,
                            float(cells) * max(1, batch) * refreshes)


def check_resources(scenario: Scenario, *, batch: int = 1, frames: int = 0, frame_size_px: int = 0,
                    meshes: bool = False, allow_large: bool | None = None,
                    shape: tuple[int, int] | None = None) -> ResourceEstimate:
    """Refuse a scenario that needs more memory than is available (before anything is allocated).

    ``allow_large`` (default: :data:`ALLOW_LARGE_ENV_VAR`) skips the refusal. The error names
    the field to change: ``terrain.size_m`` for a large grid (``terrain.cell_m`` for a DEM,
    whose extent is fixed), ``vegetation.trees_per_ha`` when trees dominate, ``--frames``
    when frames do.
    """
    est = estimate_resources(scenario, batch=batch, frames=frames, frame_size_px=frame_size_px, meshes=meshes,
                             shape=shape)
    if allow_large is None:
        allow_large = env_allow_large()
    if allow_large:
        return est
    if est.cell_updates > MAX_CELL_UPDATES:
        raise ScenarioError(
            "weather.schedule", f"a run of bounded work: {est.refreshes:,} spread-parameter refreshes (schedule "
            f"entries, interventions, moisture drift) over {est.cells:,} cells x {est.batch} member(s) are "
            f"{est.cell_updates:.2g} cell updates, more than {MAX_CELL_UPDATES:.2g}; use fewer schedule entries or "
            f"a coarser grid, or pass --allow-large (or set {ALLOW_LARGE_ENV_VAR}=1) to run it anyway", MISSING)
    avail = available_memory_bytes()
    if avail is None or est.memory_bytes <= avail:
        log.debug("resources: %s (available %s)", est.describe(), "unknown" if avail is None else _gib(avail))
        return est
    tc = scenario.terrain
    tree_bytes = est.trees * (BYTES_PER_TREE * est.batch + (BYTES_PER_TREE_MESH if meshes else 0))
    frame_bytes = est.frame_pixels * BYTES_PER_FRAME_PIXEL
    cell_bytes = est.memory_bytes - tree_bytes - frame_bytes - BASE_BYTES
    if frame_bytes >= max(tree_bytes, cell_bytes):
        field, fix = "--frames", "fewer --frames or a smaller --size"
    elif tree_bytes >= cell_bytes:
        field, fix = "vegetation.trees_per_ha", "a lower vegetation.trees_per_ha or a smaller terrain"
    elif tc.kind == "geotiff":
        field, fix = "terrain.cell_m", "a larger terrain.cell_m or a cropped DEM"
    else:
        field, fix = "terrain.size_m", "a smaller terrain.size_m or a larger terrain.cell_m"
    raise ScenarioError(
        field, f"a run that fits in memory: it needs {est.describe()}, and {_gib(avail)} is available; "
        f"use {fix}, or pass --allow-large (or set {ALLOW_LARGE_ENV_VAR}=1) to run it anyway", MISSING)

