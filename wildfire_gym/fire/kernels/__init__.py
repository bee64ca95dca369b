"""Taichi kernels of the batched spread engine, one module per stage.

:mod:`.common` (array types, state codes, the Huygens ray state), :mod:`.band` (the active band
of tiles), :mod:`.spread` (the ray update and sweeps), :mod:`.front` (front values),
:mod:`.trees` (crown fire and spotting), :mod:`.params` (installing parameters, burn states),
:mod:`.schedule` (the serial schedule of a whole advance), :mod:`.members` (per-member
housekeeping, reset, ignitions and slice copies: work proportional to the members touched).


The algorithm is described in :mod:`wildfire_gym.fire.spread_ref` (its numpy reference).
The per-cell pieces (:func:`_best_ray`, :func:`_finalize_cell`, :func:`_resolve_tree`) are
Taichi functions shared by the batched kernels (one parallel launch per stage, driven from
Python) and by :func:`run_windows_serial` (a whole :meth:`~wildfire_gym.fire.engine.FireSim.advance`
in one launch, one thread per scenario), so both schedules compute the same bits. So are
the state moves (:func:`_ray_at`, :func:`_set_ray`, :func:`_next_at`, :func:`_set_next`,
:func:`_differs`), the band test :func:`_near_reached`, :func:`_mark_stale` and
:func:`_unresolve_tree`; the ray arrays travel between them as static tuples.
Every kernel takes ``ti.types.ndarray`` arguments so it compiles once per process, not
once per simulator. Batch ``b`` is the first index of every array; no value written for
one scenario depends on another scenario (no cross-batch reductions feed the physics),
so a scenario gives the same bytes alone or inside any batch.
"""

from .band import build_tile_list, mark_tiles, tile_minimum
from .common import ALL_DIRS, F32, F64, I32, IGNITION_MASK, INF, TILE, U8, U32, U64, Ray
from .front import finalize_cells
from .params import set_slowness, update_burn_state
from .schedule import run_windows_serial
from .spread import commit, relax
from .trees import resolve_trees, unresolve_trees

__all__ = [
    "ALL_DIRS", "F32", "F64", "I32", "IGNITION_MASK", "INF", "TILE", "U8", "U32", "U64", "Ray",
    "build_tile_list", "commit", "finalize_cells", "mark_tiles", "relax", "resolve_trees",
    "run_windows_serial", "set_slowness", "tile_minimum", "unresolve_trees", "update_burn_state",
]
