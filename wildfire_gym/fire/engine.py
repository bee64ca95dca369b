"""FireSim: a batch of independent fires advanced together by Taichi kernels.

The engine knows nothing of Rothermel: the caller computes, with numpy, per-cell spread
parameters (head rate of spread, its compass direction, the length-to-breadth ratio,
Byram's heat per unit area ``H w`` so that intensity = ``H w R``, residence time, and
optionally an active crown fire rate) and uploads them with
:meth:`FireSim.set_spread_params`; they can be replaced between steps (weather,
moisture, firelines, retardant).

Spread: arrival times from Huygens rays with origin tracking (exact ellipses in uniform
fuel, refraction where parameters change), relaxed by Jacobi sweeps over a narrow band of
8x8 tiles inside time windows; see :mod:`wildfire_gym.fire.spread_ref` for the algorithm
and its numpy reference.

Members: every member has its own clock; :meth:`FireSim.advance` takes one time or one per
member, and a member already there costs nothing. :meth:`FireSim.restart_members` starts
members afresh (reset, parameters, ember probabilities, ignitions) in one launch;
:meth:`FireSim.reset_member`,
:meth:`FireSim.export` / :meth:`FireSim.load` (a member's whole state, into any slot or
another engine of the same grid), :meth:`FireSim.snapshot`, ignitions and uploads touch only
the members given (kernels of :mod:`~wildfire_gym.fire.kernels.members` over member ranges;
``cells_touched`` counts their work). Band housekeeping after an advance visits only the
advancing members' reached, not burned-out tiles.

Time stepping: :meth:`FireSim.advance` accepts every arrival up to ``until_s``. Provisional
arrivals beyond a member's clock are kept (they are times of real Huygens paths; the next
advance only improves them) and are not part of the public state; they are forgotten when
the member's coefficients change, so parameters changed between advances act from the
member's clock on. When :meth:`FireSim.set_spread_params` changes the travel-time coefficients
of a scenario whose fire is burning, the rays are re-anchored on the burned region (see
:func:`~wildfire_gym.fire.spread_ref.reanchor`): each burned cell next to a changed cell
becomes a Huygens source of the new parameters, timed so that its new wavelet at the change
fits inside the one the old parameters had burned around it, and no later arrival of that
scenario is earlier than the change.
An upload that changes no coefficient of a scenario leaves its rays and its results as
they were (bitwise). Each scenario has its own windows (the sub-steps, ``window_cells`` cells
of its own fastest head rate long) and its own count of sweeps: a window is done when no
cell arriving within it changed in a sweep and its band of tiles no longer grows. The
sequence of operations on a scenario is therefore the same alone or inside any batch,
and its fields are bitwise identical. Kernels run with ``fast_math`` off, so the CPU
kernels give the same bits as the numpy reference :func:`~wildfire_gym.fire.spread_ref.simulate`.

Two schedules drive the windows and give the same bits (``schedule=``):

* ``"serial"`` (default on the CPU): one launch of
  :func:`~wildfire_gym.fire.kernels.schedule.run_windows_serial` per :meth:`FireSim.advance`, one
  thread per scenario running all its windows and sweeps. A sweep relaxes only the cells
  of the band that are not known to be fixed points of the update (a 64-bit mask per tile),
  and of each only the candidates of the neighbours that changed since it was last relaxed;
  per-tile earliest and latest arrivals make the band O(1) per tile. No Python per sweep,
  no copies; each burned cell is relaxed a few times instead of every sweep of every window
  it spends in the band.
* ``"batched"`` (default on CUDA): every sweep is a parallel launch over the band tiles of
  the whole batch, every cell of each, driven from Python (one GPU thread per scenario
  would be slow).

Crown fire per tree: when the front reaches the cell under a tree, the tree starts
TORCHING (CROWN_BURNING where the cell is flagged active, i.e. the caller's crown rate
exceeds the active threshold) if the surface intensity there reaches the tree's critical
intensity (the caller's Van Wagner 1977 ``I0``); otherwise it is SCORCHED if the flame
length reaches ``scorch_fraction`` times its crown base height. Burning crowns lose
foliage and fine branches as ``exp(-(t - t_ignite)/crown_burnout_s)``; BURNT once less than
``BURNT_FOLIAGE_FRACTION`` is left.

Spotting: each tree that starts torching throws ``n_embers`` embers; distance is
lognormal (mean and standard deviation in metres given by the caller), direction the
caller's downwind compass direction plus a uniform deviation within the caller's lateral
spread; an ember landing on a
burnable, not yet burned cell ignites it ``delay_s`` after the torching with the caller's
per-cell probability. Random numbers are a hash of (scenario seed, tree id, ember index,
stream), so draws depend neither on the batch composition nor on the time stepping.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from wildfire_gym._taichi import init_taichi, ti
from wildfire_gym.errors import ScenarioError

from . import kernels as K
from .kernels import members as KM
from .spread_ref import MAX_GRID_SIDE, flame_length_byram, slowness_coefficients
from .state import BurnState, FireSnapshot, TreeState

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_CELLS = 4.0
"""Length of a time window, in cells crossed at the scenario's fastest head rate (at most one
tile; the band of tiles is re-checked when a window converges)."""

DEFAULT_CROWN_BURNOUT_S = 60.0
"""e-folding time (s) of crown foliage consumption once a crown ignites (model choice)."""

DEFAULT_SCORCH_FRACTION = 0.5
"""A tree is SCORCHED when flame length >= this fraction of its crown base height (model choice)."""

BURNT_FOLIAGE_FRACTION = 0.05
"""A burning crown becomes BURNT when less than this fraction of its foliage is left."""

UPLOAD_CHUNK = 16
"""Members whose new spread coefficients are staged on the device at once (the staging buffer is
this many grids, not the batch's)."""

MAX_SWEEPS_PER_WINDOW = 100_000
"""Guard against a non-converging window (never reached in practice)."""

_N_SPOT = 7

SCHEDULES = ("serial", "batched")
"""Ways to drive the windows (see :class:`FireSim`)."""


_NP_DTYPE = {ti.f32: np.float32, ti.i32: np.int32, ti.u8: np.uint8, ti.u32: np.uint32, ti.f64: np.float64,
             ti.u64: np.uint64, ti.u16: np.uint16}
"""numpy dtype of each Taichi dtype the engine's arrays use."""


class HostArray(np.ndarray):
    """A numpy array with the three methods of a Taichi ndarray the engine calls on its small
    per-member arrays (``fill`` is numpy's own, ``from_numpy`` copies in, ``to_numpy`` copies
    out). On the CPU those arrays live in host memory and go to the kernels as external arrays
    (no copy: the CPU backend reads the pointer), so an upload or read-back of a few numbers is a
    memcpy instead of one kernel launch each (a reset made about ten)."""

    @classmethod
    def zeros(cls, dtype: object, shape: tuple[int, ...]) -> HostArray:
        return np.zeros(shape, _NP_DTYPE[dtype]).view(cls)

    def from_numpy(self, value: np.ndarray) -> None:
        self[...] = value

    def to_numpy(self) -> np.ndarray:
        return np.array(self.view(np.ndarray))


def _head_rate_with_crown(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The head rate the engine spreads with (the crown rate where an active crown fire beats the
    surface rate) and where that crown fire is active, from parameter arrays of one shape."""
    v = np.asarray(p["ros_head_m_s"], np.float64)
    if p.get("crown_ros_m_s") is None:
        return v, np.zeros(v.shape, bool)
    cr = np.asarray(p["crown_ros_m_s"], np.float64)
    active = (cr >= np.asarray(p["crown_active_ros_m_s"], np.float64)) & (cr > 0.0) & (v > 0.0)
    return np.where(active, np.maximum(v, cr), v), active


def _runs_of(sorted_members: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs ``[b0, b1)`` of a sorted list of member indices."""
    out: list[tuple[int, int]] = []
    for b in sorted_members:
        if out and out[-1][1] == b:
            out[-1] = (out[-1][0], b + 1)
        elif not out or out[-1][1] < b:
            out.append((b, b + 1))
    return out


def _as_batch(name: str, value: object, batch: int, shape: tuple[int, int], b: int | None) -> np.ndarray:
    """Broadcast a scalar, a [ny, nx] or (with ``b is None``) a [B, ny, nx] array."""
    arr = np.asarray(value, np.float64)
    target = shape if b is not None else (batch, *shape)
    if arr.ndim == 0:
        return np.full(target, float(arr), np.float64)
    if b is None and arr.shape == shape:
        return np.broadcast_to(arr, target).copy()
    if arr.shape != target:
        raise ScenarioError(name, f"a scalar or an array of shape {target}", arr.shape)
    if not np.all(np.isfinite(arr)):
        raise ScenarioError(name, "finite values", "NaN or inf")
    return arr


class FireSim:
    """A batch of ``batch`` independent fires on ``shape = (ny, nx)`` grids of ``cell_m`` cells.

    State arrays (Taichi ndarrays, batch first): ``arrival`` [B, ny, nx] s (+inf not
    reached), ``ignition`` (pending and past ignition times, +inf none), ``burn_state``
    uint8, ``ros`` m/s, ``intensity`` kW/m (front values at arrival; the flame length is
    Byram's of the intensity, derived where it is read, not stored); trees
    [B, N]: ``tree_state`` uint8, ``tree_time`` s, ``tree_frac`` (foliage left). The
    Huygens ray of each cell (origin, origin time, path sums) is private.

    Args:
        shape: ``(ny, nx)`` cells, row 0 the southernmost.
        cell_m: cell size (m).
        batch: number of independent scenarios ``B``.
        n_trees: most trees in any scenario (0: no crown fire, no spotting).
        arch: ``"cpu"`` or ``"cuda"``; default ``$WILDFIRE_GYM_ARCH``, else CUDA when present.
        window_cells: time-window length in cells at the fastest head rate (sub-steps).
        crown_burnout_s: e-folding time of crown consumption (s).
        scorch_fraction: flame length / crown base height that scorches a crown (-).
        schedule: how windows are driven. ``"serial"``: one kernel launch per
            :meth:`advance`, each scenario's windows and sweeps run by one thread, sweeps
            skip tiles that are already a fixed point (fastest on CPUs, no per-sweep
            launches or copies). ``"batched"``: every sweep of every scenario is a parallel
            launch over the tiles of the whole batch, driven from Python (for GPUs, where
            one thread per scenario is slow). Both give the same bits. Default: serial on
            the CPU, batched on CUDA.
    """

    def __init__(
        self,
        shape: tuple[int, int],
        cell_m: float,
        batch: int = 1,
        n_trees: int = 0,
        arch: str | None = None,
        window_cells: float = DEFAULT_WINDOW_CELLS,
        crown_burnout_s: float = DEFAULT_CROWN_BURNOUT_S,
        scorch_fraction: float = DEFAULT_SCORCH_FRACTION,
        schedule: str | None = None,
        _restart_all: bool = False,
    ) -> None:
        """``_restart_all`` (for :class:`~wildfire_gym.fire.simulation.FireSimulation`): the caller
        calls :meth:`restart_members` for every member before anything else, which writes every
        per-cell array, so the initial fill and reset passes are skipped."""
        if len(shape) != 2 or min(int(shape[0]), int(shape[1])) < 1 or max(shape) > MAX_GRID_SIDE:
            raise ScenarioError("shape", f"(ny, nx) with 1 <= ny, nx <= {MAX_GRID_SIDE}", shape)
        if not (cell_m > 0 and math.isfinite(cell_m)):
            raise ScenarioError("cell_m", "a positive cell size in metres", cell_m)
        if int(batch) < 1:
            raise ScenarioError("batch", "an integer >= 1", batch)
        if int(n_trees) < 0:
            raise ScenarioError("n_trees", "an integer >= 0", n_trees)
        max_window = float(K.TILE)
        if not 0 < window_cells <= max_window:
            raise ScenarioError("window_cells", f"a number of cells in (0, {max_window}]", window_cells)
        if not crown_burnout_s > 0:
            raise ScenarioError("crown_burnout_s", "a positive time in seconds", crown_burnout_s)
        if not scorch_fraction > 0:
            raise ScenarioError("scorch_fraction", "a positive fraction", scorch_fraction)
        self.arch = init_taichi(arch)
        if schedule is None:
            schedule = "serial" if self.arch == "cpu" else "batched"
        if schedule not in SCHEDULES:
            raise ScenarioError("schedule", f"one of {SCHEDULES}", schedule)
        self.schedule = schedule
        self.shape = (int(shape[0]), int(shape[1]))
        self.cell_m = float(cell_m)
        self.batch = int(batch)
        self.n_trees = int(n_trees)
        self.window_cells = float(window_cells)
        self.crown_burnout_s = float(crown_burnout_s)
        self.scorch_fraction = float(scorch_fraction)
        ny, nx = self.shape
        nb, nt = self.batch, max(self.n_trees, 1)
        grid = (nb, ny, nx)
        # small per-member arrays: host memory on the CPU (see HostArray), device memory elsewhere
        small = self._small = HostArray.zeros if self.arch == "cpu" else ti.ndarray
        self._tiles_shape = (nb, -(-ny // K.TILE), -(-nx // K.TILE))

        # state: arrival time and Huygens ray (current and next sweep)
        self.arrival = ti.ndarray(ti.f32, grid)
        flat = (nb * ny * nx,)  # private per-cell arrays are flat (see kernels.F32)
        self._ray = [ti.ndarray(ti.i32, flat)] + [ti.ndarray(ti.f32, flat) for _ in range(5)]
        self._next = [ti.ndarray(ti.f32, flat), ti.ndarray(ti.i32, flat)] + [
            ti.ndarray(ti.f32, flat) for _ in range(5)
        ]
        self.ignition = ti.ndarray(ti.f32, grid)
        self.burn_state = ti.ndarray(ti.u8, grid)
        self.ros = ti.ndarray(ti.f32, grid)
        self.intensity = ti.ndarray(ti.f32, grid)
        # active band
        self._tile_min = ti.ndarray(ti.f32, self._tiles_shape)
        self._reached = ti.ndarray(ti.i32, self._tiles_shape)
        self._open = ti.ndarray(ti.i32, self._tiles_shape)
        self._tiles = ti.ndarray(ti.i32, (int(np.prod(self._tiles_shape)), 3))
        self._count = small(ti.i32, (1,))
        self._per_b = small(ti.i32, (nb,))
        self._n_reached = small(ti.i32, (nb,))
        self._next_event = small(ti.f32, (nb,))
        self._t_final = small(ti.f32, (nb,))
        self._t_window = small(ti.f32, (nb,))
        self._flag_a = small(ti.i32, (nb,))
        self._flag_b = small(ti.i32, (nb,))
        n_tiles_b = self._tiles_shape[1] * self._tiles_shape[2]
        self._tile_max = ti.ndarray(ti.f32, (nb * n_tiles_b,))  # flat, as the ray arrays
        self._stale = ti.ndarray(ti.u64, (nb * n_tiles_b,))
        self._dirs = ti.ndarray(ti.u16, flat)  # 9 bits per cell (kernels.IGNITION_BIT)
        self._band = ti.ndarray(ti.i32, (nb, n_tiles_b))
        self._relaxed = ti.ndarray(ti.i32, (nb, n_tiles_b))
        self._changed_mask = ti.ndarray(ti.u64, (nb * n_tiles_b,))  # a bit per cell (serial sweeps)
        self._counts = small(ti.i32, (nb, 2))
        self._stats = small(ti.i32, (nb, 2))
        # per-member clocks and proportional housekeeping (see kernels.members)
        self._times = np.zeros(nb, np.float64)
        self._clock = small(ti.f64, (nb, 4))  # per member: start, until, window width, trees (one upload)
        self._n_changed = small(ti.i32, (nb,))
        self._t_member = small(ti.f32, (nb,))
        self._t_member_h: np.ndarray | None = None  # what _t_member holds
        self._tile_done = ti.ndarray(ti.u8, self._tiles_shape)
        self._touched = small(ti.i32, (nb,))  # counted by the kernels
        self._touched_host = np.zeros(nb, np.int64)  # counted here (uploads, loads)
        self._dirty = np.ones(nb, bool)  # tiles to recompute from the cells before the next window
        self._fresh = np.ones(nb, bool)  # reset and neither ignited, loaded nor advanced since: no arrival
        # parameters
        self.slow_a = ti.ndarray(ti.f32, grid)
        self.slow_bx = ti.ndarray(ti.f32, grid)
        self.slow_by = ti.ndarray(ti.f32, grid)
        self.ros_head = ti.ndarray(ti.f32, grid)
        self.intensity_per_ros = ti.ndarray(ti.f32, grid)
        self.residence = ti.ndarray(ti.f32, grid)
        self.crown_active = ti.ndarray(ti.u8, grid)
        # embers' ignition probability per cell: read only where trees torch, so an engine without
        # trees keeps one value per member instead of a grid (4 bytes a cell)
        self.spot_prob = ti.ndarray(ti.f32, grid if self.n_trees else (nb, 1, 1))
        # per scenario
        self._changed = small(ti.i32, (nb,))
        # uploaded (A, Bx, By) of up to UPLOAD_CHUNK members at a time, compared with the old
        self._chunk = min(nb, UPLOAD_CHUNK)
        self._new_slow = [ti.ndarray(ti.f32, (self._chunk, ny, nx)) for _ in range(3)]
        self._n_anchored = small(ti.i32, (nb,))
        self._t_min = small(ti.f32, (nb,))
        self._t_min_h = np.full(nb, -np.inf, np.float32)
        self._spotted = small(ti.i32, (nb,))
        self._spot_par = small(ti.f32, (nb, _N_SPOT))
        self._spot_seed = small(ti.u32, (nb,))
        # trees
        self.tree_cell = ti.ndarray(ti.i32, (nb, nt, 2))
        self.tree_xy = ti.ndarray(ti.f32, (nb, nt, 2))
        self.tree_cbh = ti.ndarray(ti.f32, (nb, nt))
        self.tree_i0 = ti.ndarray(ti.f32, (nb, nt))
        self.tree_state = ti.ndarray(ti.u8, (nb, nt))
        self.tree_time = ti.ndarray(ti.f32, (nb, nt))
        self.tree_frac = ti.ndarray(ti.f32, (nb, nt))
        self._tree_count = np.zeros(nb, np.int64)
        # each tile's trees (CSR): tile_trees[b, start[b, t]:start[b, t + 1]] stand in tile t
        n_tiles_b = self._tiles_shape[1] * self._tiles_shape[2]
        self._tile_tree_start = ti.ndarray(ti.i32, (nb, n_tiles_b + 1))
        self._tile_trees = ti.ndarray(ti.i32, (nb, nt))
        self._tile_tree_start_h = np.zeros((nb, n_tiles_b + 1), np.int32)
        self._tile_trees_h = np.zeros((nb, nt), np.int32)
        self._tree_cell_h = np.full((nb, nt, 2), -1, np.int32)
        self._tree_xy_h = np.zeros((nb, nt, 2), np.float32)
        self._tree_cbh_h = np.zeros((nb, nt), np.float32)
        self._tree_i0_h = np.full((nb, nt), np.inf, np.float32)
        self._tree_biomass_h = np.zeros((nb, nt, 2), np.float64)
        self._spot_par_h = np.zeros((nb, _N_SPOT), np.float32)
        self._spot_seed_h = np.zeros(nb, np.uint32)
        self._vmax = np.zeros(nb, np.float64)
        # scratch for single-scenario copies
        self._scratch: dict[tuple, object] = {}

        self._spot_par.fill(0.0)
        self._spot_seed.fill(0)
        self._upload_trees()
        if _restart_all:
            return
        for arr in (self.slow_a,):
            arr.fill(np.inf)
        for arr in (self.slow_bx, self.slow_by, self.ros_head, self.intensity_per_ros, self.residence,
                    self.spot_prob):
            arr.fill(0.0)
        self.crown_active.fill(0)
        self.reset()

    # ------------------------------------------------------------------ state
    @property
    def time_s(self) -> float:
        """Simulation time (s) every member of the batch has reached (the earliest member clock)."""
        return float(self._times.min())

    @property
    def times_s(self) -> np.ndarray:
        """Each member's own clock (s), float64 [B] (a copy)."""
        return self._times.copy()

    def member_time_s(self, b: int) -> float:
        """Member ``b``'s clock (s)."""
        return float(self._times[self._check_b(b)])

    def reset(self) -> None:
        """Forget every fire (arrivals, ignitions, crown states); parameters and trees stay."""
        self._reset_range(0, self.batch)

    def _reset_range(self, b0: int, b1: int) -> None:
        self._times[b0:b1] = 0.0
        self._t_min_h[b0:b1] = -np.inf
        self._t_min.from_numpy(self._t_min_h)
        self._fresh[b0:b1] = True
        KM.reset_member(b0, b1, self.arrival, *self._ray, self.ignition, self.ros, self.intensity,
                        self.slow_a, self.burn_state, self.tree_state, self.tree_time, self.tree_frac, self._stats,
                        self._touched)
        self._dirty[b0:b1] = True

    def reset_member(self, b: int) -> None:
        """Member ``b`` back to time 0 with no fire; its parameters and trees stay.

        Work proportional to the member (its cells and trees), whatever the batch size.
        """
        b = self._check_b(b)
        self._reset_range(b, b + 1)

    def reset_members(self, members: Sequence[int]) -> None:
        """:meth:`reset_member` for several members, one launch per run of consecutive indices."""
        members = sorted({self._check_b(b) for b in members})
        for b0, b1 in _runs_of(members):
            self._reset_range(b0, b1)

    def restart_members(self, members: Sequence[int], params: Sequence[dict[str, object]],
                        ignition_prob: Sequence[float] | None = None,
                        ignitions: tuple[Sequence[int], Sequence[float], Sequence[float],
                                         Sequence[float | None] | None, Sequence[float] | None] | None = None,
                        ) -> np.ndarray:
        """Members ``members`` started afresh in one kernel launch
        (:func:`kernels.members.restart_members`): back to time 0 with no fire (as
        :meth:`reset_members`), the spread parameters ``params[k]`` (as :meth:`set_member_params`),
        the ember ignition probability ``ignition_prob[k]`` on their burnable cells (as
        :meth:`set_spotting_many` sets it; ``None``: left as it is) and the ignitions
        ``ignitions = (member, x_m, y_m, t_s, radius_m)`` of those members (as :meth:`ignite_many`,
        ``t_s`` from 0). The same bytes as those calls one after the other, for a fixed cost of one
        launch instead of five (a reset in an environment or an ensemble). Everything is checked
        before anything changes. Returns the cells each ignition covers. Work: the members' cells
        and trees, and the ignitions' boxes."""
        bs = [self._check_b(b) for b in members]
        n = len(bs)
        if len(params) != n:
            raise ScenarioError("params", f"{n} parameter sets (one per member)", len(params))
        if len(set(bs)) != n:
            raise ScenarioError("members", "distinct member indices", bs)
        if n == 0:
            return np.zeros(0, np.int64)
        scalar = [all(np.ndim(p.get(k, 0.0)) == 0 for k in self._PARAM_KEYS) for p in params]
        if n > self._chunk and not all(scalar):  # per-cell grids: staged a chunk of members at a time
            return self._restart_chunked(bs, params, ignition_prob, ignitions)
        pos = {b: k for k, b in enumerate(bs)}
        if ignitions is not None:
            ig_b, x_m, y_m, t_s, radius_m = ignitions
            for b in ig_b:
                if int(b) not in pos:
                    raise ScenarioError("ignitions", f"ignitions of the members restarted {bs}", int(b))
            ig_b, table = self._ignition_table(ig_b, x_m, y_m, t_s, radius_m, np.zeros(self.batch))
        else:
            ig_b, table = np.zeros(0, np.int32), np.zeros((0, 4), np.float32)
        n_ign = int(ig_b.size)
        m = max(n, n_ign)
        ints = np.zeros((m, 4), np.int32)  # member, mode, an ignition's member row, cells it covers
        reals = np.zeros((m, KM.RESTART_REALS), np.float32)
        ints[:n, 0] = bs
        ints[:n, 1] = np.where(scalar, 1, 2)
        ints[:n_ign, 2] = [pos[int(b)] for b in ig_b]
        reals[:n_ign, 8:12] = table
        vmax = np.zeros(n, np.float64)
        uni = [k for k in range(n) if scalar[k]]
        if uni:
            rows, v = self._uniform_rows([params[k] for k in uni])
            reals[uni, :7], vmax[uni] = rows, v
        ny, nx = self.shape
        grid_k = [k for k in range(n) if not scalar[k]]
        shape = (n, ny, nx) if grid_k else (1, 1, 1)  # kernels take arrays with elements
        src = np.zeros((shape[0], 6, *shape[1:]), np.float32)
        src_active = np.zeros(shape, np.uint8)
        kept = self._vmax.copy()
        try:
            for k in grid_k:
                *grids, active = self._member_grid_values(bs[k], params[k])
                src[k] = grids
                src_active[k] = active
                vmax[k] = self._vmax[bs[k]]
        finally:
            self._vmax[:] = kept  # set below, once everything is checked
        with_spot = int(ignition_prob is not None and self.n_trees > 0)  # no trees: no per-cell grid
        if ignition_prob is not None:
            p = np.asarray(ignition_prob, np.float64).ravel()
            if p.size != n or not np.all((p >= 0) & (p <= 1)):
                raise ScenarioError("ignition_prob", f"{n} probabilities in [0, 1] (one per member)", p.tolist())
            reals[:n, 7] = p
        sel = np.asarray(bs)
        self._times[sel] = 0.0
        self._t_min_h[sel] = -np.inf
        self._t_min.from_numpy(self._t_min_h)
        self._vmax[sel] = vmax
        self._fresh[sel] = True
        self._fresh[np.asarray(ig_b, np.int64)] = False
        self._dirty[sel] = True
        KM.restart_members(n, n_ign, with_spot, self.cell_m, ints, reals, src, src_active, self.spot_prob,
                           self.arrival, *self._ray, self.ignition, self.ros, self.intensity, self.burn_state,
                           self.slow_a, self.slow_bx, self.slow_by, self.ros_head, self.intensity_per_ros,
                           self.residence, self.crown_active, self.tree_state, self.tree_time, self.tree_frac,
                           self._stats, self._touched)
        return ints[:n_ign, 3].astype(np.int64)

    def _restart_chunked(self, bs: list[int], params: Sequence[dict[str, object]],
                         ignition_prob: Sequence[float] | None, ignitions: tuple | None) -> np.ndarray:
        """:meth:`restart_members` of ``UPLOAD_CHUNK`` members at a time, so that the staged grids
        stay one chunk's size; parameters, ignitions and probabilities are checked for all of them
        before the first chunk starts."""
        n = len(bs)
        if ignition_prob is not None:
            p = np.asarray(ignition_prob, np.float64).ravel()
            if p.size != n or not np.all((p >= 0) & (p <= 1)):
                raise ScenarioError("ignition_prob", f"{n} probabilities in [0, 1] (one per member)", p.tolist())
        for b, par in zip(bs, params, strict=True):
            if all(np.ndim(par.get(k, 0.0)) == 0 for k in self._PARAM_KEYS):
                self._uniform_rows([par])
            else:
                grids = {k: _as_batch(k, par[k], self.batch, self.shape, b)
                         for k in self._PARAM_KEYS if par.get(k) is not None}
                self._check_params(grids["lb"], grids["intensity_per_ros_kj_m2"], grids["residence_s"])
        ig = ([], [], [], None, None) if ignitions is None else ignitions
        ig_b = [int(b) for b in ig[0]]
        members = set(bs)
        for b in ig_b:
            if b not in members:
                raise ScenarioError("ignitions", f"ignitions of the members restarted {bs}", b)
        self._ignition_table(ig_b, ig[1], ig[2], ig[3], ig[4], np.zeros(self.batch))
        counts = np.zeros(len(ig_b), np.int64)
        for c0 in range(0, n, self._chunk):
            chunk = bs[c0:c0 + self._chunk]
            inside = set(chunk)
            rows = [j for j, b in enumerate(ig_b) if b in inside]
            sub = tuple([seq[j] for j in rows] if seq is not None else None for seq in ig)
            counts[rows] = self.restart_members(
                chunk, params[c0:c0 + self._chunk],
                None if ignition_prob is None else ignition_prob[c0:c0 + self._chunk], sub)
        return counts

    def _refresh_members(self, b0: int, b1: int) -> None:
        """Burn states and tiles of members ``b0..b1-1`` recomputed from their cells (after an
        upload, an ignition, a reset or a load: anything outside the windows)."""
        self._upload_times()
        K.update_burn_state(b0, b1, self.arrival, self.slow_a, self.residence, self.burn_state, self._t_member)
        self._dirty[b0:b1] = True

    def _upload_times(self) -> None:
        """Members' clocks to the device as float32 (only when they changed since the last upload)."""
        t32 = self._times.astype(np.float32)
        if self._t_member_h is None or not np.array_equal(t32, self._t_member_h):
            self._t_member.from_numpy(t32)
            self._t_member_h = t32

    def cells_touched(self) -> np.ndarray:
        """Cells (and trees) visited per member by resets, loads, uploads and band housekeeping
        since construction, int64 [B]: the proportional-cost counter the tests use."""
        return self._touched.to_numpy().astype(np.int64) + self._touched_host

    # ------------------------------------------------------------ parameters
    def _check_b(self, b: int) -> int:
        if not (0 <= int(b) < self.batch):
            raise ScenarioError("b", f"a scenario index in [0, {self.batch})", b)
        return int(b)

    def set_spread_params(
        self,
        ros_head_m_s: object,
        head_dir_deg: object,
        lb: object,
        intensity_per_ros_kj_m2: object,
        residence_s: object,
        crown_ros_m_s: object | None = None,
        crown_active_ros_m_s: object | None = None,
        b: int | None = None,
    ) -> None:
        """Upload per-cell spread parameters for scenario ``b`` (or all with ``b=None``).

        Args (each a scalar, ``[ny, nx]``, or with ``b=None`` also ``[B, ny, nx]``):
            ros_head_m_s: surface head rate of spread (m/s); <= 0 marks a cell that cannot burn.
            head_dir_deg: compass direction of maximum spread (deg clockwise from north).
            lb: length-to-breadth ratio of the fire ellipse (>= 1).
            intensity_per_ros_kj_m2: Byram's ``H w`` (kJ/m^2 = kW/m per m/s): intensity = this * R.
            residence_s: flaming residence time (s): BURNING from arrival to arrival + this.
            crown_ros_m_s: active crown fire rate (m/s), e.g. Cruz et al. (2005); optional.
            crown_active_ros_m_s: active threshold ``R0 = 3/CBD`` (m/s) (Van Wagner 1977).
                Where ``crown_ros >= R0`` the cell is flagged active and its head rate is
                ``max(surface, crown)``.

        Where the travel-time coefficients (from the head rate, direction and
        length-to-breadth) change next to cells already burned, the fire continues from
        the burned region with the new parameters from the current time on (rays
        re-anchored, see the module docstring); uploading the same values again changes
        nothing.
        """
        if b is not None:
            b = self._check_b(b)
        given = {"ros_head_m_s": ros_head_m_s, "head_dir_deg": head_dir_deg, "lb": lb,
                 "intensity_per_ros_kj_m2": intensity_per_ros_kj_m2, "residence_s": residence_s}
        if crown_ros_m_s is not None:
            if crown_active_ros_m_s is None:
                raise ScenarioError("crown_active_ros_m_s", "the active crowning threshold with crown_ros_m_s", None)
            given.update(crown_ros_m_s=crown_ros_m_s, crown_active_ros_m_s=crown_active_ros_m_s)
        if b is not None:
            self.set_member_params([b], [given])
            return
        arrays = {k: np.asarray(v, np.float64) for k, v in given.items()}
        for k, v in arrays.items():
            if v.ndim not in (0, 2, 3) or (v.ndim == 3 and v.shape != (self.batch, *self.shape)):
                raise ScenarioError(k, f"a scalar or an array of shape {self.shape} or {(self.batch, *self.shape)}",
                                    v.shape)
        per = [{k: (v[m] if v.ndim == 3 else v) for k, v in arrays.items()} for m in range(self.batch)]
        self.set_member_params(list(range(self.batch)), per)

    _PARAM_KEYS = ("ros_head_m_s", "head_dir_deg", "lb", "intensity_per_ros_kj_m2", "residence_s",
                   "crown_ros_m_s", "crown_active_ros_m_s")

    def set_member_params(self, members: Sequence[int], params: Sequence[dict[str, object]]) -> None:
        """:meth:`set_spread_params` for several members at once, each from a dict with the same
        keys (``crown_*`` optional). A member whose values are all scalars (a spatially uniform
        member) is filled on the device in one launch for all of them; the others are copied
        slice by slice. Work proportional to the members given."""
        members = [self._check_b(b) for b in members]
        if len(members) != len(params):
            raise ScenarioError("params", f"{len(members)} parameter sets (one per member)", len(params))
        if len(set(members)) != len(members):
            raise ScenarioError("members", "distinct member indices", members)
        by_member = dict(zip(members, params, strict=True))
        for b0, b1 in _runs_of(sorted(members)):
            for c0 in range(b0, b1, self._chunk):
                c1 = min(b1, c0 + self._chunk)
                self._stage_params(c0, c1, [by_member[b] for b in range(c0, c1)])
                if self._fresh[c0:c1].all():  # just reset: no fire to re-anchor or forget, one launch
                    KM.install_fresh(c0, c1, *self._new_slow, self.slow_a, self.slow_bx, self.slow_by,
                                     self.arrival, self.residence, self.burn_state)
                    self._dirty[c0:c1] = True
                else:
                    self._set_slowness(c0, c1)
                    self._refresh_members(c0, c1)
                self._touched_add(c0, c1, 8 * self.shape[0] * self.shape[1])

    def patch_member_cells(self, members: Sequence[int], cells: Sequence[np.ndarray],
                           params: Sequence[dict[str, object]]) -> None:
        """:meth:`set_member_params` where only some cells of each member changed: member
        ``members[k]`` gets the grids ``params[k]`` (all of them, the same keys as there), of which
        only the flat cells ``cells[k]`` differ from what it has. The result is what
        :meth:`set_member_params` gives, bit for bit; the values are converted and installed for the
        given cells and their 3 x 3 neighbourhoods only (:func:`kernels.members.patch_cells`), and
        members close in index share one launch. A member whose coefficients changed then drops its
        provisional arrivals (one pass over its cells). For edits of a few cells such as firelines."""
        members = [self._check_b(b) for b in members]
        if not (len(members) == len(cells) == len(params)):
            raise ScenarioError("params", f"{len(members)} cell sets and parameter sets (one per member)",
                                (len(cells), len(params)))
        if len(set(members)) != len(members):
            raise ScenarioError("members", "distinct member indices", members)
        order = sorted(range(len(members)), key=lambda k: members[k])
        ncell = self.shape[0] * self.shape[1]
        k = 0
        while k < len(order):
            b0 = members[order[k]]
            j = k
            while j < len(order) and members[order[j]] - b0 < self._chunk:
                j += 1
            group = order[k:j]
            b1 = members[order[j - 1]] + 1
            slots, flat, vals = [], [], []
            for i in group:
                b = members[i]
                idx = np.asarray(cells[i], np.int64).ravel()
                if idx.size and (idx.min() < 0 or idx.max() >= ncell):
                    raise ScenarioError("cells", f"flat cell indices in [0, {ncell})", (int(idx.min()), int(idx.max())))
                p = params[i]
                grids = {key: _as_batch(key, p[key], self.batch, self.shape, b).ravel()
                         for key in self._PARAM_KEYS if p.get(key) is not None}
                self._check_params(grids["lb"][idx], grids["intensity_per_ros_kj_m2"][idx], grids["residence_s"][idx])
                v_all, _ = _head_rate_with_crown(grids)
                self._vmax[b] = float(np.max(np.where(v_all > 0, v_all, 0.0))) if v_all.size else 0.0
                v, active = v_all[idx], _head_rate_with_crown({key: g[idx] for key, g in grids.items()})[1]
                a, bx, by = slowness_coefficients(v, grids["head_dir_deg"][idx], grids["lb"][idx])
                slots.append(np.full(idx.size, b - b0, np.int32))
                flat.append(idx.astype(np.int32))
                vals.append(np.stack([a, bx, by, np.where(v > 0, v, 0.0), grids["intensity_per_ros_kj_m2"][idx],
                                      grids["residence_s"][idx], active.astype(np.float64)], axis=1))
            n = int(sum(x.size for x in flat))
            cap = 1 << max(n - 1, 0).bit_length()  # power-of-two scratch sizes: few cached buffers
            slot_h = np.zeros(cap, np.int32)
            cell_h = np.zeros(cap, np.int32)
            vals_h = np.zeros((cap, 7), np.float32)
            if n:
                slot_h[:n] = np.concatenate(slots)
                cell_h[:n] = np.concatenate(flat)
                vals_h[:n] = np.concatenate(vals)
            slot_d = self._tmp(ti.i32, (cap,), "patch_slot")
            cell_d = self._tmp(ti.i32, (cap,), "patch_cell")
            vals_d = self._tmp(ti.f32, (cap, 7), "patch_vals")
            slot_d.from_numpy(slot_h)
            cell_d.from_numpy(cell_h)
            vals_d.from_numpy(vals_h)
            # the patched cells and their 3 x 3 neighbourhoods only (the same bits as a full pass)
            self._upload_times()
            KM.patch_cells(b0, n, b1 - b0, slot_d, cell_d, vals_d, *self._new_slow, self.slow_a, self.slow_bx,
                           self.slow_by, self.arrival, *self._ray, self.ros_head, self.intensity_per_ros,
                           self.residence, self.crown_active, self.burn_state, self._t_member, self._n_anchored,
                           self._n_changed)
            self._after_install(b0, b1)
            for i in group:
                self._dirty[members[i]] = True  # tiles recomputed from the cells before the next window
                self._touched_host[members[i]] += 9 * int(np.asarray(cells[i]).size)
            k = j

    def _stage_params(self, b0: int, b1: int, params: list[dict[str, object]]) -> None:
        """Parameters of members ``b0..b1-1`` (at most one chunk): uniform ones filled on the device in
        one launch, the others copied slice by slice; coefficients go to the staging buffer."""
        scalar = [all(np.ndim(p.get(k, 0.0)) == 0 for k in self._PARAM_KEYS) for p in params]
        grid_b = [b for b, s in zip(range(b0, b1), scalar, strict=True) if not s]
        if len(grid_b) > 1:  # several members: one transfer per field (the buffers are one chunk)
            self._upload_chunk_grids(b0, grid_b, [params[b - b0] for b in grid_b])
        elif grid_b:
            self._upload_member_grids(grid_b[0], grid_b[0] - b0, params[grid_b[0] - b0])
        uni = [(b, p) for b, p, s in zip(range(b0, b1), params, scalar, strict=True) if s]
        if not uni:
            return
        n = b1 - b0
        vals = np.zeros((self._chunk, 7), np.float32)
        sel = np.zeros(self._chunk, np.int32)
        idx = np.array([b - b0 for b, _ in uni])
        vals[idx], self._vmax[idx + b0] = self._uniform_rows([p for _, p in uni])
        sel[idx] = 1
        vals_d = self._tmp(ti.f32, (self._chunk, 7), "vals")
        sel_d = self._tmp(ti.i32, (self._chunk,), "chunk_sel")
        vals_d.from_numpy(vals)
        sel_d.from_numpy(sel)
        KM.fill_member_params(b0, n, sel_d, vals_d, *self._new_slow, self.ros_head, self.intensity_per_ros,
                              self.residence, self.crown_active)

    def _uniform_rows(self, params: list[dict[str, object]]) -> tuple[np.ndarray, np.ndarray]:
        """Spatially uniform parameter sets as the engine stores them: rows (A, Bx, By, head rate,
        H w, residence, crown active), float64 [n, 7], and the head rates [n] (``_vmax``)."""
        col = {k: np.array([float(p.get(k, 0.0)) for p in params]) for k in self._PARAM_KEYS[:6]}
        col["crown_active_ros_m_s"] = np.array([float(p.get("crown_active_ros_m_s", np.inf)) for p in params])
        for k in self._PARAM_KEYS:
            if not np.all(np.isfinite(col[k]) | (k == "crown_active_ros_m_s")):
                raise ScenarioError(k, "finite values", "NaN or inf")
        self._check_params(col["lb"], col["intensity_per_ros_kj_m2"], col["residence_s"])
        v = col["ros_head_m_s"]
        cr = col["crown_ros_m_s"]
        active = (cr >= col["crown_active_ros_m_s"]) & (cr > 0.0) & (v > 0.0)
        v = np.where(active, np.maximum(v, cr), v)
        a, bx, by = slowness_coefficients(v, col["head_dir_deg"], col["lb"])
        v = np.where(v > 0, v, 0.0)
        rows = np.stack([a, bx, by, v, col["intensity_per_ros_kj_m2"], col["residence_s"],
                         active.astype(np.float64)], axis=1)
        return rows, v

    @staticmethod
    def _check_params(lbv: np.ndarray, hw: np.ndarray, res: np.ndarray) -> None:
        if np.any(lbv < 1.0):
            raise ScenarioError("lb", "length-to-breadth ratios >= 1", float(np.min(lbv)))
        if np.any(hw < 0.0):
            raise ScenarioError("intensity_per_ros_kj_m2", "values >= 0", float(np.min(hw)))
        if np.any(res < 0.0):
            raise ScenarioError("residence_s", "values >= 0", float(np.min(res)))

    def _member_grid_values(self, b: int, p: dict[str, object]) -> list[np.ndarray]:
        """Member ``b``'s per-cell parameters as the engine stores them: float32 A, Bx, By, head
        rate, H w, residence and uint8 crown-active grids (and its head-rate bound ``_vmax[b]``)."""
        shape = self.shape
        v = _as_batch("ros_head_m_s", p["ros_head_m_s"], self.batch, shape, b)
        th = _as_batch("head_dir_deg", p["head_dir_deg"], self.batch, shape, b)
        lbv = _as_batch("lb", p["lb"], self.batch, shape, b)
        hw = _as_batch("intensity_per_ros_kj_m2", p["intensity_per_ros_kj_m2"], self.batch, shape, b)
        res = _as_batch("residence_s", p["residence_s"], self.batch, shape, b)
        self._check_params(lbv, hw, res)
        crown = {}
        if p.get("crown_ros_m_s") is not None:
            crown = {"crown_ros_m_s": _as_batch("crown_ros_m_s", p["crown_ros_m_s"], self.batch, shape, b),
                     "crown_active_ros_m_s": _as_batch("crown_active_ros_m_s", p["crown_active_ros_m_s"],
                                                       self.batch, shape, b)}
        v, active = _head_rate_with_crown({"ros_head_m_s": v, **crown})
        a, bx, by = slowness_coefficients(v, th, lbv)
        self._vmax[b] = float(np.max(np.where(v > 0, v, 0.0)))
        f32 = [np.asarray(x, np.float32) for x in (a, bx, by, np.where(v > 0, v, 0.0), hw, res)]
        return [*f32, active.astype(np.uint8)]

    def _upload_member_grids(self, b: int, slot: int, p: dict[str, object]) -> None:
        """Member ``b``'s per-cell parameters into the upload buffers (installed by :meth:`_set_slowness`)."""
        vals = [v[None] for v in self._member_grid_values(b, p)]  # one-row sources: one launch
        KM.member_rows_in(b, slot, 1, np.ones(1, np.int32), *vals, *self._new_slow, self.ros_head,
                          self.intensity_per_ros, self.residence, self.crown_active)

    def _upload_chunk_grids(self, b0: int, members: list[int], params: list[dict[str, object]]) -> None:
        """:meth:`_upload_member_grids` for several members of one chunk (slots ``b - b0``): each
        field goes up in one transfer for all of them, and one launch puts the rows in place."""
        n = self._chunk
        ny, nx = self.shape
        host = [np.zeros((n, ny, nx), np.float32) for _ in range(6)] + [np.zeros((n, ny, nx), np.uint8)]
        sel = np.zeros(n, np.int32)
        for b, p in zip(members, params, strict=True):
            for h, v in zip(host, self._member_grid_values(b, p), strict=True):
                h[b - b0] = v
            sel[b - b0] = 1
        KM.member_rows_in(b0, 0, n, sel, *host, *self._new_slow, self.ros_head, self.intensity_per_ros, self.residence,
                          self.crown_active)

    def _set_slowness(self, b0: int, b1: int) -> None:
        """Install the staged coefficients (``_new_slow[b - b0]``) in members ``b0..b1-1``,
        re-anchoring burning fires where they changed (:func:`kernels.set_slowness`) at each
        member's own time; a member re-anchored then gets no arrival earlier than that."""
        self._upload_times()
        K.set_slowness(b0, b1, *self._new_slow, self.slow_a, self.slow_bx, self.slow_by, self.arrival,
                       *self._ray, self._t_member, self._n_anchored, self._n_changed)
        self._after_install(b0, b1)

    def _after_install(self, b0: int, b1: int) -> None:
        """After new coefficients went into members ``b0..b1-1`` (``_n_changed``, ``_n_anchored``
        set): their provisional arrivals computed with the old ones go (kept while nothing changes;
        members just reset have none), and a re-anchored member gets no arrival before its time."""
        t_now = self._times.astype(np.float32)
        if not self._fresh[b0:b1].all():
            if self.arch == "cpu":  # the counts are host arrays: visit only the changed members
                runs = _runs_of([int(b) for b in np.flatnonzero(np.asarray(self._n_changed[b0:b1]) > 0) + b0])
            else:
                runs = [(b0, b1)]
            for r0, r1 in runs:
                KM.forget_member_beyond(r0, r1, self._t_member, self._n_changed, self.arrival, *self._ray,
                                        self._touched)
        anchored = np.zeros(self.batch, bool)
        anchored[b0:b1] = self._n_anchored.to_numpy()[b0:b1] > 0
        if anchored.any():
            self._t_min_h[anchored] = t_now[anchored]
            self._t_min.from_numpy(self._t_min_h)
            logger.debug("re-anchored the rays of members %s", np.flatnonzero(anchored))

    def _touched_add(self, b0: int, b1: int, n: int) -> None:
        """Count ``n`` cells visited by host-side work on each member ``b0..b1-1``."""
        self._touched_host[b0:b1] += int(n)

    def set_spotting(
        self,
        b: int,
        n_embers: int,
        distance_mean_m: float,
        distance_sd_m: float,
        direction_deg: float,
        lateral_spread_deg: float,
        delay_s: float,
        seed: int,
        ignition_prob: object,
        max_distance_m: float = math.inf,
    ) -> None:
        """Spotting for member ``b``: embers per torching tree and their flight.

        The sampler of :mod:`wildfire_gym.fire.spotting`: distance lognormal with mean
        ``distance_mean_m`` and standard deviation ``distance_sd_m`` (m), clipped at
        ``max_distance_m``; direction ``direction_deg`` (compass, where embers go, i.e.
        downwind) plus a uniform deviation within +-``lateral_spread_deg``; a landing cell
        ignites ``delay_s`` after the torching with probability ``ignition_prob`` (scalar or
        [ny, nx], in [0, 1]). ``seed`` (uint32) makes the draws reproducible.
        """
        b = self._check_b(b)
        p = _as_batch("ignition_prob", ignition_prob, self.batch, self.shape, b)
        if np.any((p < 0) | (p > 1)):
            raise ScenarioError("ignition_prob", "probabilities in [0, 1]", (float(p.min()), float(p.max())))
        self._set_spot_row(b, n_embers, distance_mean_m, distance_sd_m, direction_deg, lateral_spread_deg,
                           delay_s, seed, max_distance_m)
        self._spot_par.from_numpy(self._spot_par_h)
        self._spot_seed.from_numpy(self._spot_seed_h)
        if self.n_trees:  # only torching trees read the cells' probabilities (no grid without trees)
            self._member_in(self.spot_prob, b, p.astype(np.float32))

    def _set_spot_row(self, b: int, n_embers: int, mean: float, sd: float, direction_deg: float,
                      lateral_spread_deg: float, delay: float, seed: int, dmax: float) -> None:
        if int(n_embers) < 0:
            raise ScenarioError("n_embers", "an integer >= 0", n_embers)
        if not mean > 0:
            raise ScenarioError("distance_mean_m", "a positive distance in metres", mean)
        if not sd >= 0:
            raise ScenarioError("distance_sd_m", "a distance >= 0 in metres", sd)
        if not delay >= 0:
            raise ScenarioError("delay_s", "a time >= 0 in seconds", delay)
        if not 0 <= lateral_spread_deg <= 180:
            raise ScenarioError("lateral_spread_deg", "an angle in [0, 180] degrees", lateral_spread_deg)
        if not dmax > 0:
            raise ScenarioError("max_distance_m", "a positive distance in metres", dmax)
        sigma2 = math.log1p((sd / mean) ** 2)
        mu = math.log(mean) - 0.5 * sigma2
        self._spot_par_h[b] = (int(n_embers), mu, math.sqrt(sigma2), direction_deg, lateral_spread_deg, delay,
                               min(float(dmax), float(np.finfo(np.float32).max)))
        self._spot_seed_h[b] = np.uint32(int(seed) & 0xFFFFFFFF)

    def set_spotting_many(self, members: Sequence[int], n_embers: Sequence[int], distance_mean_m: Sequence[float],
                          distance_sd_m: Sequence[float], direction_deg: Sequence[float],
                          lateral_spread_deg: Sequence[float], delay_s: Sequence[float], seed: Sequence[int],
                          ignition_prob: Sequence[float], max_distance_m: Sequence[float],
                          cells: bool = True) -> None:
        """:meth:`set_spotting` for several members (one probability per member, on its burnable
        cells), with one upload for all of them; with ``cells=False`` the probabilities are checked
        but left for :meth:`restart_members` to put on the cells."""
        bs = [self._check_b(b) for b in members]
        if not bs:
            return
        sel = np.zeros(self.batch, np.int32)
        prob = np.zeros(self.batch, np.float32)
        for k, b in enumerate(bs):
            p = float(ignition_prob[k])
            if not 0 <= p <= 1:
                raise ScenarioError("ignition_prob", "a probability in [0, 1]", p)
            self._set_spot_row(b, int(n_embers[k]), float(distance_mean_m[k]), float(distance_sd_m[k]),
                               float(direction_deg[k]), float(lateral_spread_deg[k]), float(delay_s[k]),
                               int(seed[k]), float(max_distance_m[k]))
            sel[b] = 1
            prob[b] = p
        self._spot_par.from_numpy(self._spot_par_h)
        self._spot_seed.from_numpy(self._spot_seed_h)
        if self.n_trees == 0 or not cells:  # only torching trees read the cells' probabilities
            return
        sel_d = self._tmp(ti.i32, (self.batch,), "sel")
        sel_d.from_numpy(sel)
        prob_d = self._tmp(ti.f32, (self.batch,), "prob")
        prob_d.from_numpy(prob)
        KM.fill_spot_prob(min(bs), max(bs) + 1, sel_d, prob_d, self.slow_a, self.spot_prob)

    def set_trees(
        self,
        b: int,
        x_m: Sequence[float] | np.ndarray,
        y_m: Sequence[float] | np.ndarray,
        crown_base_m: Sequence[float] | np.ndarray,
        critical_intensity_kw_m: Sequence[float] | np.ndarray,
        foliage_kg: Sequence[float] | np.ndarray | None = None,
        branch_kg: Sequence[float] | np.ndarray | None = None,
        upload: bool = True,
    ) -> None:
        """Trees of scenario ``b`` (at most ``n_trees``; ids are their order).

        ``critical_intensity_kw_m`` is each tree's crown-initiation intensity (Van Wagner
        1977 ``I0``, computed by the caller). Trees outside the grid never burn.
        With ``upload=False`` the trees reach the device at the next :meth:`upload_trees`
        (one transfer for a whole batch instead of one per member).
        """
        b = self._check_b(b)
        x = np.asarray(x_m, np.float64).ravel()
        n = x.shape[0]
        if n > self.n_trees:
            raise ScenarioError("x_m", f"at most n_trees={self.n_trees} trees", n)
        cols = {}
        for name, val in (("y_m", y_m), ("crown_base_m", crown_base_m),
                          ("critical_intensity_kw_m", critical_intensity_kw_m),
                          ("foliage_kg", foliage_kg if foliage_kg is not None else np.zeros(n)),
                          ("branch_kg", branch_kg if branch_kg is not None else np.zeros(n))):
            arr = np.asarray(val, np.float64).ravel()
            if arr.shape != (n,):
                raise ScenarioError(name, f"{n} values (one per tree)", arr.shape)
            cols[name] = arr
        y = cols["y_m"]
        ny, nx = self.shape
        ix = np.floor(x / self.cell_m).astype(np.int64)
        iy = np.floor(y / self.cell_m).astype(np.int64)
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        before = (self._tree_cell_h[b].copy(), self._tree_xy_h[b].copy(), self._tree_cbh_h[b].copy(),
                  self._tree_i0_h[b].copy())
        self._tree_cell_h[b] = -1
        self._tree_cell_h[b, :n, 0] = np.where(inside, iy, -1)
        self._tree_cell_h[b, :n, 1] = np.where(inside, ix, -1)
        self._tree_xy_h[b] = 0.0
        self._tree_xy_h[b, :n, 0] = x
        self._tree_xy_h[b, :n, 1] = y
        self._tree_cbh_h[b] = 0.0
        self._tree_cbh_h[b, :n] = cols["crown_base_m"]
        self._tree_i0_h[b] = np.inf
        self._tree_i0_h[b, :n] = cols["critical_intensity_kw_m"]
        self._tree_biomass_h[b] = 0.0
        self._tree_biomass_h[b, :n, 0] = cols["foliage_kg"]
        self._tree_biomass_h[b, :n, 1] = cols["branch_kg"]
        changed = self._tree_count[b] != n or not all(
            np.array_equal(new, old) for new, old in zip(
                (self._tree_cell_h[b], self._tree_xy_h[b], self._tree_cbh_h[b], self._tree_i0_h[b]), before, strict=True))
        self._tree_count[b] = n
        if changed:
            self._index_trees(b)
        if upload and changed:  # this member's rows only, and only when they changed
            self._member_in(self._tile_tree_start, b, self._tile_tree_start_h[b])
            self._member_in(self._tile_trees, b, self._tile_trees_h[b])
            self._member_in(self.tree_cell, b, self._tree_cell_h[b])
            self._member_in(self.tree_xy, b, self._tree_xy_h[b])
            self._member_in(self.tree_cbh, b, self._tree_cbh_h[b])
            self._member_in(self.tree_i0, b, self._tree_i0_h[b])

    def upload_trees(self) -> None:
        """Send the trees set with ``upload=False`` to the device."""
        self._upload_trees()

    def _index_trees(self, b: int) -> None:
        """Member ``b``'s trees grouped by tile (host copy), so a window visits only its band's trees."""
        n = int(self._tree_count[b])
        tnx = self._tiles_shape[2]
        n_tiles_b = self._tile_tree_start_h.shape[1] - 1
        cell = self._tree_cell_h[b, :n]
        inside = cell[:, 0] >= 0
        tile = np.where(inside, (cell[:, 0] // K.TILE) * tnx + cell[:, 1] // K.TILE, n_tiles_b)
        order = np.argsort(tile, kind="stable")
        counts = np.bincount(tile[inside], minlength=n_tiles_b)
        self._tile_tree_start_h[b, 0] = 0
        self._tile_tree_start_h[b, 1:] = np.cumsum(counts)
        self._tile_trees_h[b] = 0
        self._tile_trees_h[b, : int(inside.sum())] = order[: int(inside.sum())]

    def _upload_trees(self) -> None:
        self._tile_tree_start.from_numpy(self._tile_tree_start_h)
        self._tile_trees.from_numpy(self._tile_trees_h)
        self.tree_cell.from_numpy(self._tree_cell_h)
        self.tree_xy.from_numpy(self._tree_xy_h)
        self.tree_cbh.from_numpy(self._tree_cbh_h)
        self.tree_i0.from_numpy(self._tree_i0_h)

    # -------------------------------------------------------------- ignition
    def ignite(self, b: int, x_m: float, y_m: float, t_s: float | None = None, radius_m: float = 0.0) -> int:
        """Ignite scenario ``b`` at ``(x_m, y_m)`` at time ``t_s`` (default: now).

        Ignites the cell holding the point and every cell whose centre lies within
        ``radius_m``; non-burnable cells are skipped. Returns the number of cells ignited.
        """
        return int(self.ignite_many([b], [x_m], [y_m], None if t_s is None else [t_s], [radius_m])[0])

    def ignite_many(self, members: Sequence[int], x_m: Sequence[float], y_m: Sequence[float],
                    t_s: Sequence[float | None] | None = None, radius_m: Sequence[float] | None = None) -> np.ndarray:
        """Several ignitions in one launch: ignition ``k`` of member ``members[k]`` at ``(x_m[k], y_m[k])``
        (m), at ``t_s[k]`` (default: the member's clock), of radius ``radius_m[k]`` (default 0).
        Work: the cells each ignition covers. Returns the cells ignited by each."""
        bs, table = self._ignition_table(members, x_m, y_m, t_s, radius_m, self._times)
        n = bs.size
        if n == 0:
            return np.zeros(0, np.int64)
        ign = self._tmp(ti.f32, (n, 4), "ign")
        ign.from_numpy(table)
        mem = self._tmp(ti.i32, (n,), "ign_b")
        mem.from_numpy(bs)
        cnt = self._tmp(ti.i32, (n,), "ign_n")
        self._upload_times()
        self._fresh[bs] = False
        KM.apply_ignitions(ign, mem, self._t_member, self.cell_m, self.arrival, *self._ray, self.ignition,
                           self.slow_a, self.residence, self.burn_state, cnt)
        self._dirty[bs] = True
        return cnt.to_numpy().astype(np.int64)

    def _ignition_table(self, members: Sequence[int], x_m: Sequence[float], y_m: Sequence[float],
                        t_s: Sequence[float | None] | None, radius_m: Sequence[float] | None,
                        clocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Checked ignitions: member indices int32 [n] and rows (x_m, y_m, t_s, radius_m) float32
        [n, 4], a missing time being the member's clock ``clocks[b]`` (no time before it)."""
        bs = np.asarray([self._check_b(b) for b in members], np.int32)
        n = bs.size
        xs, ys = np.asarray(x_m, np.float64).ravel(), np.asarray(y_m, np.float64).ravel()
        ts = np.array([clocks[b] if t_s is None or t_s[k] is None else float(t_s[k])  # type: ignore[index]
                       for k, b in enumerate(bs)], np.float64)
        rs = np.zeros(n) if radius_m is None else np.asarray(radius_m, np.float64).ravel()
        if not (xs.size == ys.size == ts.size == rs.size == n):
            raise ScenarioError("ignitions", f"{n} x, y, t and radius values (one per ignition)",
                                (xs.size, ys.size, ts.size, rs.size))
        ny, nx = self.shape
        w, h = nx * self.cell_m, ny * self.cell_m
        for k in range(n):
            now = float(clocks[bs[k]])
            if not (ts[k] >= now and math.isfinite(ts[k])):
                raise ScenarioError("t_s", f"an ignition time >= the member's current time {now} s", ts[k])
            if not (0 <= xs[k] <= w and 0 <= ys[k] <= h):  # the far edges belong to the last cells
                raise ScenarioError("x_m, y_m", f"a point inside [0, {w}] x [0, {h}] m", (xs[k], ys[k]))
            if not (rs[k] >= 0 and math.isfinite(rs[k])):
                raise ScenarioError("radius_m", "a finite radius >= 0 in metres", rs[k])
        return bs, np.stack([xs, ys, ts, rs], axis=1).astype(np.float32).reshape(n, 4)

    # ---------------------------------------------------------------- stepping
    def step(self, dt_s: float | Sequence[float] | np.ndarray) -> None:
        """Advance every member by ``dt_s`` seconds (one number, or one per member)."""
        dt = np.broadcast_to(np.asarray(dt_s, np.float64), (self.batch,)) if np.ndim(dt_s) == 0 \
            else np.asarray(dt_s, np.float64)
        if dt.shape != (self.batch,) or not np.all(dt >= 0):
            raise ScenarioError("dt_s", f"a time step >= 0 s, or {self.batch} of them", dt_s)
        self.advance(self._times + dt)

    def advance(self, until_s: float | Sequence[float] | np.ndarray) -> None:
        """Advance member ``b`` to ``until_s`` (one time for all, or one per member; s, each >=
        the member's clock). Members already there are left alone, at no cost."""
        self._fresh[:] = False  # from here on any member may hold arrivals
        if np.ndim(until_s) == 0:
            until = np.full(self.batch, float(until_s), np.float64)  # type: ignore[arg-type]
        else:
            until = np.asarray(until_s, np.float64)
            if until.shape != (self.batch,):
                raise ScenarioError("until_s", f"one time or {self.batch} times (one per member)", until.shape)
        bad = ~(np.isfinite(until) & (until >= self._times))
        if bad.any():
            b = int(np.flatnonzero(bad)[0])
            raise ScenarioError("until_s", f"a finite time >= member {b}'s current time {self._times[b]} s",
                                float(until[b]))
        moving = until > self._times
        if not moving.any():
            return
        dirty = self._dirty & moving
        if dirty.any():  # tiles recomputed once per member after outside changes, one launch
            sel = self._tmp(ti.i32, (self.batch,), "sel")
            sel.from_numpy(dirty.astype(np.int32))
            idx = np.flatnonzero(dirty)
            KM.refresh_member_tiles(int(idx[0]), int(idx[-1]) + 1, sel, self.arrival, self.ignition, self.slow_a, self._tile_min,
                                    self._tile_max, self._tile_done, self._stale, self._dirs, self._touched)
            self._dirty[dirty] = False
        target = np.where(moving, until, self._times)
        self._clock.from_numpy(np.stack([self._times, target, self._window_widths(),
                                         self._tree_count.astype(np.float64)], axis=1))
        self._run_windows(target)
        KM.settle_members(self._clock, self.arrival, self.slow_a, self.residence, self.burn_state,
                          self._tile_min, self._tile_done, self._touched)
        self._times = target
        if self.n_trees:
            KM.burnout_member_trees(self._clock, self.tree_state, self.tree_time, self.tree_frac,
                                    self.crown_burnout_s, BURNT_FOLIAGE_FRACTION, self._touched)

    def _window_widths(self) -> np.ndarray:
        """Window length per scenario (s, float64): ``window_cells`` cells at its fastest head
        rate; ``inf`` where nothing can burn."""
        with np.errstate(divide="ignore"):
            return np.where(self._vmax > 0, self.window_cells * self.cell_m / np.where(self._vmax > 0, self._vmax, 1.0), np.inf)

    def sweep_stats(self) -> np.ndarray:
        """Work done by the serial schedule since the last :meth:`reset`: ``[B, 2]`` int
        (sweeps, cell relaxations) per scenario (zeros with the batched schedule)."""
        return self._stats.to_numpy().astype(np.int64)

    def _run_windows(self, until: np.ndarray) -> None:
        """Per-member windows from each member's clock to ``until[b]`` (see the module docstring)."""
        if self.schedule == "serial":
            self._run_windows_serial()
        else:
            self._run_windows_batched(until)

    def _run_windows_serial(self) -> None:
        """All windows of all members in one launch (:func:`kernels.run_windows_serial`)."""
        K.run_windows_serial(
            self.arrival, *self._ray, *self._next, self.ignition, self.slow_a, self.slow_bx, self.slow_by,
            self.ros_head, self.intensity_per_ros, self.ros, self.intensity, self.crown_active,
            self.spot_prob, self.tree_cell, self.tree_xy, self.tree_cbh, self.tree_i0, self.tree_state,
            self.tree_time, self._tile_tree_start, self._tile_trees, self._spot_par, self._spot_seed,
            self._tile_min, self._tile_max, self._reached,
            self._stale, self._dirs, self._band, self._relaxed, self._changed_mask, self._counts, self._next_event, self._spotted,
            self._stats, self._clock, self._t_min, self.cell_m, self.scorch_fraction,
            int(self.n_trees > 0), MAX_SWEEPS_PER_WINDOW)

    def _run_windows_batched(self, until: np.ndarray) -> None:
        """Every sweep of every member a parallel launch, driven from here."""
        nb = self.batch
        width = self._window_widths()
        f32 = np.float32
        t_final = self._times.copy()
        t_window = np.minimum(until, t_final + width)
        done = ~(self._vmax > 0) | ~(until > t_final)
        remark = ~done
        sweeps = np.zeros(nb, np.int64)
        cur = [self.arrival, *self._ray]
        K.tile_minimum(self.arrival, self.ignition, self._tile_min)
        n_tiles = 0
        per_b = np.zeros(nb, np.int64)

        def mark(which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            self._t_final.from_numpy(t_final.astype(f32))
            self._t_window.from_numpy(t_window.astype(f32))
            self._flag_a.from_numpy(which.astype(np.int32))
            self._n_reached.fill(0)
            self._next_event.fill(np.inf)
            K.mark_tiles(self.arrival, self.slow_a, self._tile_min, self._t_final, self._t_window,
                         self._flag_a, self._reached, self._open, self._n_reached, self._next_event)
            return self._n_reached.to_numpy(), self._next_event.to_numpy().astype(np.float64)

        def build() -> tuple[int, np.ndarray]:
            self._flag_a.from_numpy((~done).astype(np.int32))
            self._count.fill(0)
            K.build_tile_list(self._reached, self._open, self._flag_a, self._tiles, self._count,
                              self._per_b)
            return int(self._count.to_numpy()[0]), self._per_b.to_numpy().astype(np.int64)

        while not done.all():
            if remark.any():
                n_reached, next_event = mark(remark)
                idle = remark & (n_reached == 0)
                if idle.any():
                    # nothing burns before the next ignition: widen these windows up to it
                    for b in np.nonzero(idle)[0]:
                        if next_event[b] <= until[b]:
                            t_window[b] = min(until[b], float(next_event[b]) + width[b])
                        else:
                            done[b] = True
                    continue
                remark[:] = False
                n_tiles, per_b = build()
            if n_tiles:
                K.relax(self._tiles, n_tiles, *cur, *self._next, self.ignition, self.slow_a,
                        self.slow_bx, self.slow_by, self._t_final, self._t_min, self.cell_m)
                K.commit(self._tiles, n_tiles, *cur, *self._next, self._t_window, self._tile_min,
                         self._changed)
                changed = self._changed.to_numpy().astype(bool)
            else:
                changed = np.zeros(nb, bool)
            sweeps += ~done
            conv = ~done & ~changed
            if not conv.any():
                continue
            # closure: a converged scenario whose band of tiles grows keeps sweeping
            old = per_b.copy()
            mark(conv)
            n_tiles, per_b = build()
            fin = conv & ~(per_b > old)
            if (sweeps > MAX_SWEEPS_PER_WINDOW).any():
                logger.warning("spread windows did not converge in %d sweeps", MAX_SWEEPS_PER_WINDOW)
                fin = ~done
            if not fin.any():
                continue
            self._flag_a.from_numpy(fin.astype(np.int32))
            if n_tiles:
                K.finalize_cells(self._tiles, n_tiles, self.arrival, self.ros_head, self.intensity_per_ros,
                                 self.ros, self.intensity, self._flag_a, self._t_final,
                                 self._t_window, self.cell_m)
            spotted = np.zeros(nb, bool)
            if self.n_trees:
                self._spotted.fill(0)
                K.resolve_trees(self.arrival, self.ignition, self.slow_a, self.intensity,
                                self.crown_active, self.spot_prob, self.tree_cell, self.tree_xy,
                                self.tree_cbh, self.tree_i0, self.tree_state, self.tree_time,
                                self._spot_par, self._spot_seed, self._spotted, self._tile_min, self._stale, self._dirs, self._flag_a,
                                self._t_window, self.cell_m, self.scorch_fraction)
                spotted = self._spotted.to_numpy().astype(bool) & fin
                if spotted.any():
                    self._flag_b.from_numpy(spotted.astype(np.int32))
                    K.unresolve_trees(self.tree_state, self.tree_time, self._flag_b, self._t_final)
            moved = fin & ~spotted
            t_final[moved] = t_window[moved]
            sweeps[moved] = 0
            done |= moved & (t_final >= until)
            nxt = moved & ~done
            t_window[nxt] = np.minimum(until[nxt], t_window[nxt] + width[nxt])
            remark = (nxt | spotted) & ~done

    # ------------------------------------------------------------------ output
    def _tmp(self, dtype: object, shape: tuple[int, ...], tag: str = "") -> object:
        """A cached scratch ndarray (one member's size, or a small per-member table)."""
        key = (dtype, shape, tag)
        arr = self._scratch.get(key)
        if arr is None:
            arr = self._scratch[key] = self._small(dtype, shape)
        return arr

    def _member_out(self, arr: object, b: int) -> np.ndarray:
        """A numpy copy of member ``b``'s slice of a batch-first ndarray (work: the slice only)."""
        if isinstance(arr, np.ndarray):  # a HostArray
            return np.array(arr[b].view(np.ndarray))
        shape = tuple(arr.shape[1:])  # type: ignore[attr-defined]
        out = np.empty(shape, _NP_DTYPE[arr.dtype])  # type: ignore[attr-defined]
        (KM.member_out_3 if len(shape) == 2 else KM.member_out_2)(out, arr, b)  # written in place
        return out

    def _member_in(self, arr: object, b: int, value: np.ndarray) -> None:
        """``arr[b] = value``: the host array goes to the copy kernel as it is (read in place on
        the CPU, one transfer on a GPU), no staging copy."""
        shape = tuple(arr.shape[1:])  # type: ignore[attr-defined]
        dtype = arr.dtype if isinstance(arr, np.ndarray) else _NP_DTYPE[arr.dtype]  # type: ignore[attr-defined]
        src = np.ascontiguousarray(value, dtype=dtype)
        if src.shape != shape:
            raise ValueError(f"member slice of shape {shape} expected, got {src.shape}")
        if isinstance(arr, np.ndarray):  # a HostArray
            arr[b] = src
            return
        (KM.member_in_3 if len(shape) == 2 else KM.member_in_2)(arr, src, b)

    def _flat_out(self, arr: object, b: int, per_member: int) -> np.ndarray:
        out = np.empty(per_member, _NP_DTYPE[arr.dtype])  # type: ignore[attr-defined]
        KM.range_out(out, arr, b * per_member)  # written in place
        return out

    def _flat_in(self, arr: object, b: int, per_member: int, value: np.ndarray) -> None:
        tmp = self._tmp(arr.dtype, (per_member,))  # type: ignore[attr-defined]
        tmp.from_numpy(np.ascontiguousarray(value))
        KM.range_in(arr, tmp, b * per_member)

    def spreading(self, b: int) -> bool:
        """Whether member ``b``'s fire can still grow: some cell's computed arrival lies after the
        member's clock (the front is on its way there). False once the fire has stopped spreading."""
        b = self._check_b(b)
        arrival = self._member_out(self.arrival, b)
        return bool((np.isfinite(arrival) & (arrival > np.float32(self._times[b]))).any())

    def snapshot(self, b: int = 0) -> FireSnapshot:
        """Numpy copy of member ``b``'s state at its current time (copies member ``b`` only)."""
        b = self._check_b(b)
        n = int(self._tree_count[b])
        if self.n_trees:
            tree_state = self._member_out(self.tree_state, b)[:n].copy()
            tree_time = self._member_out(self.tree_time, b)[:n].copy()
            tree_frac = self._member_out(self.tree_frac, b)[:n].copy()
        else:
            tree_state = np.zeros(0, np.uint8)
            tree_time = np.zeros(0, np.float32)
            tree_frac = np.zeros(0, np.float32)
        arrival = self._member_out(self.arrival, b)
        # provisional arrivals beyond the member's clock are private (kept for the next advance)
        arrival = np.where(arrival <= np.float32(self._times[b]), arrival, np.float32(np.inf))
        fireline_intensity = self._member_out(self.intensity, b)
        return FireSnapshot(
            time_s=float(self._times[b]),
            arrival_time_s=arrival,
            burn_state=self._member_out(self.burn_state, b),
            ros_m_per_s=self._member_out(self.ros, b),
            fireline_intensity_kw_m=fireline_intensity,
            flame_length_m=flame_length_byram(fireline_intensity),
            tree_state=tree_state,
            tree_state_time_s=tree_time,
            tree_foliage_frac=tree_frac,
        )

    def tree_biomass_kg(self, b: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Remaining (foliage, fine branch) dry mass per tree of scenario ``b`` (kg)."""
        b = self._check_b(b)
        n = int(self._tree_count[b])
        frac = self._member_out(self.tree_frac, b)[:n].astype(np.float64) if self.n_trees else np.zeros(0)
        return self._tree_biomass_h[b, :n, 0] * frac, self._tree_biomass_h[b, :n, 1] * frac

    # ------------------------------------------------------- export and load
    def _grid_fields(self) -> dict[str, object]:
        """Batch-first ``[B, ny, nx]`` state and parameter arrays, by name."""
        return {
            "arrival": self.arrival, "ignition": self.ignition, "burn_state": self.burn_state,
            "ros": self.ros, "intensity": self.intensity,
            "slow_a": self.slow_a, "slow_bx": self.slow_bx, "slow_by": self.slow_by,
            "ros_head": self.ros_head, "intensity_per_ros": self.intensity_per_ros,
            "residence": self.residence, "crown_active": self.crown_active, "spot_prob": self.spot_prob,
        }

    def _flat_fields(self) -> dict[str, object]:
        """The private per-cell ray arrays (flat, ``ny * nx`` per member), by name."""
        return {f"ray{i}": arr for i, arr in enumerate(self._ray)}

    def _tree_fields(self) -> dict[str, object]:
        return {"tree_cell": self.tree_cell, "tree_xy": self.tree_xy, "tree_cbh": self.tree_cbh,
                "tree_i0": self.tree_i0, "tree_state": self.tree_state, "tree_time": self.tree_time,
                "tree_frac": self.tree_frac}

    def export(self, b: int) -> dict[str, np.ndarray]:
        """Member ``b``'s whole state as numpy arrays: with :meth:`load` into any slot of an
        engine of the same grid, cell size and tree capacity, it continues bit for bit.

        Includes the clock, arrivals and rays, pending ignitions, front values, burn states,
        the spread parameters in force, trees and their crown states, spotting settings. Work
        and memory: member ``b`` only.
        """
        b = self._check_b(b)
        n_cells = self.shape[0] * self.shape[1]
        out: dict[str, np.ndarray] = {
            "shape": np.asarray(self.shape, np.int64), "cell_m": np.float64(self.cell_m),
            "n_tree_slots": np.int64(max(self.n_trees, 1)),
            "time_s": np.float64(self._times[b]), "t_min": np.float32(self._t_min_h[b]),
            "vmax": np.float64(self._vmax[b]), "spot_par": self._spot_par_h[b].copy(),
            "spot_seed": np.uint32(self._spot_seed_h[b]), "tree_count": np.int64(self._tree_count[b]),
            "tree_cell_h": self._tree_cell_h[b].copy(), "tree_xy_h": self._tree_xy_h[b].copy(),
            "tree_cbh_h": self._tree_cbh_h[b].copy(), "tree_i0_h": self._tree_i0_h[b].copy(),
            "tree_biomass_h": self._tree_biomass_h[b].copy(),
            "stats": self._member_out(self._stats, b),
        }
        for name, arr in self._grid_fields().items():
            if name == "spot_prob" and not self.n_trees:  # never filled without trees: zero everywhere
                out[name] = np.zeros(self.shape, np.float32)
            else:
                out[name] = self._member_out(arr, b)
        for name, arr in self._flat_fields().items():
            out[name] = self._flat_out(arr, b, n_cells)
        for name, arr in self._tree_fields().items():
            out[name] = self._member_out(arr, b)
        return out

    def load(self, b: int, state: dict[str, np.ndarray]) -> None:
        """Put a state from :meth:`export` (of this or another engine of the same grid, cell size
        and tree capacity) into slot ``b``; the other members are untouched."""
        b = self._check_b(b)
        n_cells = self.shape[0] * self.shape[1]
        try:
            shape = tuple(int(v) for v in np.asarray(state["shape"]).ravel())
            cell = float(state["cell_m"])
            slots = int(state["n_tree_slots"])
            n_trees = int(state["tree_count"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ScenarioError("state", "a member state from FireSim.export", type(state).__name__) from exc
        if shape != self.shape or cell != self.cell_m or slots != max(self.n_trees, 1):
            raise ScenarioError("state", f"a state of a {self.shape} grid at {self.cell_m} m with "
                                f"{max(self.n_trees, 1)} tree slots", (shape, cell, slots))
        if n_trees > self.n_trees:  # an engine without trees has one empty slot
            raise ScenarioError("state", f"a member with at most n_trees={self.n_trees} trees", n_trees)
        self._fresh[b] = False
        for name, arr in {**self._grid_fields(), **self._tree_fields()}.items():
            if name == "spot_prob" and not self.n_trees:
                continue  # no trees, so nothing reads it (and the engine keeps no grid of it)
            self._member_in(arr, b, np.asarray(state[name]))
        for name, arr in self._flat_fields().items():
            self._flat_in(arr, b, n_cells, np.asarray(state[name]))
        self._member_in(self._stats, b, np.asarray(state["stats"]))
        self._times[b] = float(state["time_s"])
        self._t_min_h[b] = np.float32(state["t_min"])
        self._t_min.from_numpy(self._t_min_h)
        self._vmax[b] = float(state["vmax"])
        self._spot_par_h[b] = state["spot_par"]
        self._spot_seed_h[b] = np.uint32(state["spot_seed"])
        self._spot_par.from_numpy(self._spot_par_h)
        self._spot_seed.from_numpy(self._spot_seed_h)
        self._tree_count[b] = int(state["tree_count"])
        self._tree_cell_h[b] = state["tree_cell_h"]
        self._tree_xy_h[b] = state["tree_xy_h"]
        self._tree_cbh_h[b] = state["tree_cbh_h"]
        self._tree_i0_h[b] = state["tree_i0_h"]
        self._tree_biomass_h[b] = state["tree_biomass_h"]
        self._index_trees(b)
        self._member_in(self._tile_tree_start, b, self._tile_tree_start_h[b])
        self._member_in(self._tile_trees, b, self._tile_trees_h[b])
        self._refresh_members(b, b + 1)
        self._touched_add(b, b + 1, 24 * n_cells)

    def arrival_all(self) -> np.ndarray:
        """Arrival times of the whole batch, float32 [B, ny, nx] (+inf not reached by each member's clock)."""
        arr = self._batch_out(self.arrival)
        return np.where(arr <= self._times.astype(np.float32)[:, None, None], arr, np.float32(np.inf))

    def burn_state_of(self, b: int) -> np.ndarray:
        """Burn states of member ``b``, uint8 [ny, nx] (work: the member's slice)."""
        return self._member_out(self.burn_state, self._check_b(b))

    def burn_state_all(self) -> np.ndarray:
        """Burn states of the whole batch, uint8 [B, ny, nx] (:class:`BurnState`)."""
        return self._batch_out(self.burn_state)

    def _batch_out(self, arr: object) -> np.ndarray:
        """A numpy copy of a whole batch-first [B, ny, nx] array, written in place by one parallel
        kernel (Taichi's ``to_numpy`` is several times slower on the CPU)."""
        out = np.empty(tuple(arr.shape), _NP_DTYPE[arr.dtype])  # type: ignore[attr-defined]
        KM.batch_out_3(out, arr)
        return out


__all__ = ["FireSim", "BurnState", "TreeState", "FireSnapshot"]
