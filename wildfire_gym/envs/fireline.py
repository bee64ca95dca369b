"""Fireline construction: crews and dozers cut line at published production rates to keep a fire from houses."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import ScenarioError
from ..fire.rothermel import surface_fire
from ..fire.state import BurnState
from ..fire.wind import unsheltered_waf
from ..scenario import Intervention
from ..world.edits import polyline_mask
from .base import WildfireBatch, WildfireEnv, WildfireVectorEnv
from .suppression import RESOURCES, anderson_row, line_rate_m_s, production_tables, travel_speed_m_s

DIRECTIONS_DEG = np.array([np.nan, 0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
"""Compass bearing of each move action (0 holds)."""

_DIR_EAST = np.array([math.sin(math.radians(b)) if math.isfinite(b) else 0.0 for b in DIRECTIONS_DEG])
_DIR_NORTH = np.array([math.cos(math.radians(b)) if math.isfinite(b) else 0.0 for b in DIRECTIONS_DEG])
"""East and north components of each bearing's unit vector."""

COARSE_CELLS = WildfireBatch.COARSE

FLUSH_SAFETY = 1.5
"""Factor on the bound of the distance a fire can run in one step when deciding whether a cut line
must reach the engine now (see :meth:`FirelineBatch._flush_lines`)."""

LINE_WIDTH_M = {"type1_crew": 0.6, "type2_crew": 0.6, "dozer": 3.7}
"""m; width of the line a resource cuts: a 2-ft hand line, a 12-ft dozer blade (a modelling choice).
The engine rasterises a line thinner than a cell to every cell its centre line crosses."""


class FirelineBatch(WildfireBatch):
    """Batch core of the Fireline task (see :class:`FirelineEnv` for the documentation)."""

    obs_modes = ("state", "map")

    def __init__(self, num_envs: int = 1, resources: tuple[str, ...] = ("type1_crew", "dozer"),
                 line_cost_per_km: float = 0.05, map_cells: int = 32, **kwargs: Any) -> None:
        resources = tuple(resources)
        if not resources or any(r not in RESOURCES for r in resources):
            raise ScenarioError("resources", f"a non-empty tuple of {RESOURCES}", resources)
        if not (np.isfinite(line_cost_per_km) and line_cost_per_km >= 0):
            raise ScenarioError("line_cost_per_km", "a finite cost >= 0", line_cost_per_km)
        self.resources = resources
        self.n_crews = len(resources)
        self.line_cost_per_km = float(line_cost_per_km)
        self.map_cells = int(map_cells)
        super().__init__(num_envs=num_envs, **kwargs)
        ny, nx = self.shape
        if self.obs_mode == "map" and (not 4 <= self.map_cells <= ny or ny % self.map_cells):
            raise ScenarioError("map_cells", f"a divisor of the grid {ny} that is at least 4", map_cells)
        B, n = self.num_envs, self.n_crews
        self.single_action_space = gym.spaces.MultiDiscrete(np.array([9, 2] * n, np.int64))
        if self.obs_mode == "state":
            size = 6 + 3 * n + 3 * self.n_houses + 2 * COARSE_CELLS**2
            self.single_observation_space = gym.spaces.Box(-1.0, 1.0, (size,), np.float32)
        else:
            self.single_observation_space = gym.spaces.Box(0.0, 1.0, (5, self.map_cells, self.map_cells), np.float32)
        self.pos = np.zeros((B, n, 2))
        self.cutting = np.zeros((B, n), bool)
        self.lines = np.zeros((B, ny, nx), bool)
        self.line_blocks = np.zeros((B, self.COARSE**2))
        self._lines_changed: set[int] = set()  # slots whose lines grew this step
        self.pending: list[list[list[tuple[float, float]]]] = [[] for _ in range(B)]
        self.open_line: list[list[int | None]] = [[None] * n for _ in range(B)]
        self.vmax = np.zeros(B)
        self.line_step_m = np.zeros(B)
        self.line_total_m = np.zeros(B)
        self._rates = [self._rate_grids(li) for li in self.land_info]
        # the pool's rasters stacked by landscape, for the crews' moves (:meth:`_walk`)
        self._burnable_stack = np.stack([li.burnable for li in self.land_info])
        self._slope_stack = np.stack([li.slope_frac for li in self.land_info])
        upslope = np.radians(np.stack([li.aspect_deg for li in self.land_info]) + 180.0)
        self._upslope_east, self._upslope_north = np.sin(upslope), np.cos(upslope)
        self._fuel_stack = np.stack([li.land.fuel_code for li in self.land_info])
        self._rate_stack = {r: np.stack([g[r] for g in self._rates]) for r in set(self.resources) if r != "dozer"}

    # ------------------------------------------------------------- episodes
    def _rate_grids(self, li: Any) -> dict[str, np.ndarray]:
        """Per-cell line rate (m/s) of each crew resource; dozers depend on the direction of work."""
        out = {}
        for r in set(self.resources):
            if r != "dozer":
                out[r] = line_rate_m_s(r, li.land.fuel_code)
        out["row"] = anderson_row(li.land.fuel_code)
        return out

    def _start_slot(self, b: int, rng: np.random.Generator) -> None:
        ep = self.episodes[b]
        assert ep is not None
        hx, hy = ep.houses_xy_m
        ix, iy = ep.ignition_xy_m
        size = self.cfg.size_m
        for c in range(self.n_crews):
            f = rng.uniform(0.3, 0.6)
            side = rng.uniform(-200.0, 200.0)
            dx, dy = ix - hx, iy - hy
            norm = math.hypot(dx, dy) or 1.0
            px = hx + f * dx - side * dy / norm
            py = hy + f * dy + side * dx / norm
            self.pos[b, c] = (np.clip(px, 1.0, size - 1.0), np.clip(py, 1.0, size - 1.0))
        self.cutting[b] = False
        self.lines[b] = False
        self.line_blocks[b] = 0.0
        self.pending[b] = []
        self.open_line[b] = [None] * self.n_crews
        self.line_total_m[b] = 0.0
        self.line_step_m[b] = 0.0
        self.vmax[b] = self._spread_bound(b)

    def _spread_bound(self, b: int) -> float:
        """An upper bound of the head rate (m/s) on slot ``b``'s landscape: Rothermel at the steepest
        slope with wind and slope aligned and the unsheltered midflame wind (no trees, so nothing
        shelters it), over its fuel models; inf with trees (crown fire and spotting are not bounded
        here)."""
        li = self.land(b)
        ep = self.episodes[b]
        assert ep is not None
        if len(li.land.trees):
            return math.inf
        slope = float(li.slope_frac.max())
        v = 0.0
        for code in np.unique(li.land.fuel_code):
            fm = li.land.fuel_models[int(code)]
            if fm.burnable:
                midflame = float(ep.wind_speed_mps * unsheltered_waf(fm.depth_m))
                v = max(v, float(surface_fire(fm, ep.run.moisture, midflame, slope).ros_m_per_s))
        return v

    # -------------------------------------------------------------- actions
    def _apply_actions(self, actions: np.ndarray) -> None:
        """Move every crew of every slot for one step, all at once: each walks its bearing in
        sub-steps of at most half a cell, at the line rate of its resource in the cell it is in
        when cutting burnable fuel (dozers: by the grade along the bearing), else at its travel
        speed, and stops at the map's edge, at a burning cell or where it cannot work."""
        B, n = self.num_envs, self.n_crews
        a = actions.reshape(B, n, 2)
        self.line_step_m[:] = 0.0
        ny, nx = self.shape
        cell = self.cell_m
        size = self.cfg.size_m
        d = a[:, :, 0].astype(np.int64)
        cut = a[:, :, 1].astype(bool)
        for b, c in zip(*np.nonzero(d == 0), strict=True):
            self._close_line(int(b), int(c))
        bs, cs = np.nonzero(d != 0)
        if bs.size:
            x0 = self.pos[bs, cs, 0].copy()
            y0 = self.pos[bs, cs, 1].copy()
            x, y, cut_m = self._walk(bs, cs, d[bs, cs], cut[bs, cs], x0, y0, ny, nx, cell, size)
            for k in range(bs.size):
                b, c = int(bs[k]), int(cs[k])
                self.pos[b, c] = (x[k], y[k])
                if cut[b, c] and (x[k], y[k]) != (x0[k], y0[k]):
                    self._extend_line(b, c, (float(x0[k]), float(y0[k])), (float(x[k]), float(y[k])))
                else:
                    self._close_line(b, c)
            np.add.at(self.line_step_m, bs, cut_m)
        self.cutting[:] = np.where(d != 0, cut, self.cutting)
        self.line_total_m += self.line_step_m
        if self._lines_changed:  # the observation's 8 x 8 line map, once per slot and step
            changed = np.array(sorted(self._lines_changed))
            self.line_blocks[changed] = self._coarse(self.lines[changed])
            self._lines_changed.clear()
        self._flush_lines()

    def _walk(self, bs: np.ndarray, cs: np.ndarray, d: np.ndarray, cut: np.ndarray, x: np.ndarray, y: np.ndarray,
              ny: int, nx: int, cell: float, size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sub-steps of :meth:`_apply_actions` for crews ``(bs, cs)`` moving on bearings ``d``
        from ``(x, y)`` (arrays, one entry per crew): their end positions and metres of line cut."""
        # unit vectors from tables (scalar math, not array sin/cos, whose last bit may depend on the
        # array's length): a slot moves the same in a batch of any size
        ux, uy = _DIR_EAST[d], _DIR_NORTH[d]
        x, y = x.copy(), y.copy()
        land = np.array([self.episodes[int(b)].landscape_index for b in bs])  # type: ignore[union-attr]
        res = [self.resources[int(c)] for c in cs]
        travel = np.array([travel_speed_m_s(r) for r in res])
        is_dozer = np.array([r == "dozer" for r in res])
        crew_rate = np.full(bs.size, np.nan)
        left = np.full(bs.size, float(self.step_s))
        cut_m = np.zeros(bs.size)
        active = left > 1e-6
        while active.any():
            k = np.flatnonzero(active)
            i = np.minimum((y[k] // cell).astype(np.int64), ny - 1)
            j = np.minimum((x[k] // cell).astype(np.int64), nx - 1)
            lk = land[k]
            burnable = self._burnable_stack[lk, i, j] & ~self.lines[bs[k], i, j]
            cutting = cut[k] & burnable
            rate = travel[k].copy()
            crews = cutting & ~is_dozer[k]
            if crews.any():
                for r in set(res[q] for q in k[crews]):
                    sel = crews & np.array([res[q] == r for q in k])
                    crew_rate[k[sel]] = self._rate_stack[r][lk[sel], i[sel], j[sel]]
                rate[crews] = crew_rate[k[crews]]
            dozers = cutting & is_dozer[k]
            if dozers.any():
                q = np.flatnonzero(dozers)
                # grade along the bearing: slope x cos(bearing - upslope azimuth), expanded
                along = ux[k[q]] * self._upslope_east[lk[q], i[q], j[q]] + uy[k[q]] * self._upslope_north[lk[q], i[q], j[q]]
                grade = self._slope_stack[lk[q], i[q], j[q]] * along
                rate[q] = line_rate_m_s("dozer", self._fuel_stack[lk[q], i[q], j[q]], 100 * grade, grade >= 0)
            ok = rate > 0
            ds = np.minimum(0.5 * cell, np.where(ok, rate, 0.0) * left[k])
            nx_, ny_ = x[k] + ds * ux[k], y[k] + ds * uy[k]
            inside = (0.0 < nx_) & (nx_ < size) & (0.0 < ny_) & (ny_ < size)
            ii = np.clip((ny_ // cell).astype(np.int64), 0, ny - 1)
            jj = np.clip((nx_ // cell).astype(np.int64), 0, nx - 1)
            burning = self.burn[bs[k], ii, jj] == BurnState.BURNING
            go = ok & inside & ~burning
            g = k[go]
            cut_m[g] += np.where(cutting[go], ds[go], 0.0)
            x[g], y[g] = nx_[go], ny_[go]
            left[g] -= ds[go] / rate[go]
            active[k[~go]] = False
            active[g] = left[g] > 1e-6
        return x, y, cut_m

    def _extend_line(self, b: int, c: int, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        k = self.open_line[b][c]
        if k is not None and self.pending[b][k][-1] == p0:
            self.pending[b][k].append(p1)
        else:
            self.pending[b].append([p0, p1])
            self.open_line[b][c] = len(self.pending[b]) - 1
        self.lines[b] |= polyline_mask([p0, p1], LINE_WIDTH_M[self.resources[c]], self.shape, self.cell_m)
        self._lines_changed.add(b)

    def _close_line(self, b: int, c: int) -> None:
        self.open_line[b][c] = None

    def _flush_lines(self) -> None:
        """Hand the cut lines to the engine before the fire can reach them.

        A line is applied (``FireSimulation.apply_interventions``: one polyline each, all slots'
        lines in one engine pass) once it lies
        within ``FLUSH_SAFETY`` times the distance the fastest possible head fire runs in one step
        of the box around the cells the fire has reached. Further away it cannot change this step's
        spread, so applying it later gives the same fire; this keeps the engine's per-member
        parameter pass off most steps. With trees (crown fire, spotting) every line goes at once.
        """
        cell = self.cell_m
        reached = self.reached_mask
        items: list[tuple[int, Intervention]] = []
        for b in range(self.num_envs):
            if not self.pending[b]:
                continue
            flush = not math.isfinite(self.vmax[b])
            if not flush:
                rows = np.flatnonzero(reached[b].any(axis=1))
                cols = np.flatnonzero(reached[b].any(axis=0))
                if rows.size == 0:
                    continue
                r = FLUSH_SAFETY * self.vmax[b] * self.step_s + 2 * cell
                x0, x1 = cols[0] * cell - r, (cols[-1] + 1) * cell + r
                y0, y1 = rows[0] * cell - r, (rows[-1] + 1) * cell + r
                for line in self.pending[b]:
                    p = np.asarray(line)
                    if p[:, 0].max() >= x0 and p[:, 0].min() <= x1 and p[:, 1].max() >= y0 and p[:, 1].min() <= y1:
                        flush = True
                        break
            if flush:
                width = max(LINE_WIDTH_M[r] for r in self.resources)
                items.extend((b, Intervention(kind="fireline", points_m=list(line), width_m=width))
                             for line in self.pending[b])
                self.pending[b] = []
                self.open_line[b] = [None] * self.n_crews
        if items:
            self.sim.apply_interventions(items)

    # ---------------------------------------------------------- observation
    def _observe(self, slots: np.ndarray) -> np.ndarray:
        slots = np.asarray(slots, np.int64)
        if self.obs_mode == "map":
            return self._observe_map(slots)
        head, houses, coarse, _ = self._state_parts(slots)
        m = len(slots)
        lines = self.line_blocks[slots]
        crews = np.concatenate([self.pos[slots] / self.cfg.size_m, self.cutting[slots, :, None]], axis=2).reshape(m, -1)
        return np.concatenate([head, crews, houses, coarse, lines], axis=1).astype(np.float32)

    def _observe_map(self, slots: np.ndarray) -> np.ndarray:
        k = self.map_cells
        ny, nx = self.shape
        m = len(slots)
        burn = self.burn[slots]

        def pool(a: np.ndarray) -> np.ndarray:
            return a.reshape(m, k, ny // k, k, nx // k).mean(axis=(2, 4))

        out = np.zeros((m, 5, k, k), np.float32)
        out[:, 0] = pool((burn == BurnState.BURNING) | (burn == BurnState.BURNED))
        out[:, 1] = pool(burn == BurnState.BURNING)
        for r, b in enumerate(slots):
            li = self.land(b)
            out[r, 2] = pool((~li.burnable | self.lines[b])[None])[0]
            sx, sy = ny // k * self.cell_m, nx // k * self.cell_m
            for (hx, hy), lost in zip(li.house_xy, self.house_lost[b]):
                out[r, 3, min(int(hy // sx), k - 1), min(int(hx // sy), k - 1)] = 0.5 if lost else 1.0
            for x, y in self.pos[b]:
                out[r, 4, min(int(y // sx), k - 1), min(int(x // sy), k - 1)] = 1.0
        return out

    # --------------------------------------------------------------- frames
    LINE_RGB = (1.0, 0.86, 0.0)
    CREW_RGB = {"type1_crew": (40, 90, 255), "type2_crew": (120, 150, 255), "dozer": (0, 220, 230)}

    def _paint_cells(self, b: int, rgb: np.ndarray) -> None:
        rgb[self.lines[b]] = self.LINE_RGB

    def _draw(self, b: int, canvas: Any) -> None:
        for c, res in enumerate(self.resources):
            canvas.dot(float(self.pos[b, c, 0]), float(self.pos[b, c, 1]), max(2, canvas.k), self.CREW_RGB[res])

    # -------------------------------------------------------------- rewards
    def _reward_terms(self, new_cells: np.ndarray, new_lost: np.ndarray) -> dict[str, np.ndarray]:
        terms = super()._reward_terms(new_cells, new_lost)
        terms["effort"] = -self.line_cost_per_km * self.line_step_m / 1000.0
        return terms

    def _info(self, terms: dict[str, np.ndarray]) -> dict[str, Any]:
        info = super()._info(terms)
        info["line_built_m"] = self.line_total_m.copy()
        return info


_DOC = """Fireline construction: crews and dozers cut line to keep a wildfire from houses.

    ## Description
    A fire starts upwind of a cluster of houses on a procedurally drawn landscape (fractal terrain,
    patchy Anderson fuels, houses). One or more suppression resources (Type 1 or Type 2 hand crews,
    Type 3 dozers) walk and cut fireline. A resource cutting line advances at its published
    production rate for the fuel model it cuts through (NWCG Incident Response Pocket Guide for
    crews; NWCG dozer rates by slope class and up/downslope; tables in ``assets/suppression/``), so
    a Type 1 crew builds 30 chains/h (0.168 m/s) in short grass and 7 in timber litter. The line
    removes the surface fuel (``Intervention(kind="fireline")``) and the Rothermel fire of the
    engine stops at it. Houses ignite by flame contact, radiant heat and embers
    (:mod:`wildfire_gym.fire.houses`).

    ## Action Space
    ``MultiDiscrete([9, 2] * n_crews)``: per resource a move (0 hold, 1..8 towards N, NE, E, SE, S,
    SW, W, NW) and a mode (0 travel at the resource's travel speed, 1 cut line at its production
    rate). A resource does not step into burning cells nor off the map.

    ## Observation Space
    ``obs_mode="state"``: ``Box(-1, 1, (6 + 3 n_crews + 3 n_houses + 128,), float32)``: elapsed time
    as a fraction of 4 h (clipped at 1), wind speed / 30 m/s, sin and cos of the wind's from-direction, fraction of the map
    reached by the fire and burning; per resource x, y (fractions of the map side) and cutting; per
    house x, y and lost; an 8 x 8 map of the fraction reached by the fire and an 8 x 8 map of the
    fraction of cells with line. ``obs_mode="map"``: ``Box(0, 1, (5, map_cells, map_cells))``:
    reached, burning, barrier (non-burnable or line), houses (1 standing, 0.5 lost), resources.
    No rendering is involved.

    ## Rewards
    Sum of named terms, each in ``info["reward/<name>"]``: ``houses`` = -house_weight per house lost
    this step; ``area`` = -area_weight_per_ha per hectare the fire reached this step (so the
    episode's sum rewards the houses and area saved); ``effort`` = -line_cost_per_km per km of
    line cut this step.

    ## Starting State
    Drawn from the reset seed: a landscape of the pool (built from ``episode.world_seed``), a 20-ft
    wind in ``episode.wind_speed_range_mps`` blowing from the ignition's side towards the houses
    (within ``wind_spread_deg``), an ignition on burnable fuel ``ignition_distance_m`` from the
    houses, the resources between fire and houses (30-60 % of the way, +-200 m aside).

    ## Episode End
    Terminated when no cell has burned nor been reached for ``quiet_s`` (default 1800 s): the fire
    is out or held. Truncated after ``max_episode_steps``
    (registration: 48 steps of 300 s, 4 h).

    ## Arguments
    ``resources`` (tuple of "type1_crew", "type2_crew", "dozer"; default a Type 1 crew and a
    dozer), ``episode``
    (:class:`~wildfire_gym.envs.episodes.EpisodeConfig`: grid, fuels, relief, trees, houses, wind,
    ignition distance, pool size, world seed), ``step_s``, ``max_episode_steps``, ``obs_mode``
    ("state" | "map"), ``map_cells``, ``house_weight``, ``area_weight_per_ha``, ``quiet_s``,
    ``line_cost_per_km``, ``arch``,
    ``render_mode`` (``"rgb_array"``: ``render()`` returns a top-down map frame, see
    :mod:`wildfire_gym.envs.frames`).

    ## Version History
    * v0: initial version.
    """


class FirelineEnv(WildfireEnv):
    batch_cls = FirelineBatch


class FirelineVectorEnv(WildfireVectorEnv):
    batch_cls = FirelineBatch


FirelineEnv.__doc__ = _DOC
FirelineVectorEnv.__doc__ = _DOC.replace("Fireline construction:", "Fireline construction (native vector env):", 1)
_ = production_tables  # the tables are read at import of the task's first rate
