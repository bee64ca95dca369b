"""The episode loop over a batch of fires, and its Gymnasium faces.

:class:`WildfireBatch` owns one :class:`~wildfire_gym.fire.simulation.FireSimulation` whose
members are the environments. A step validates the actions, lets the task apply them, advances
every member by ``step_s`` in one engine call, reads the batch's burn states once, and asks the
task for observations, named reward terms and end conditions. A finished slot is reset in place
through ``FireSimulation.reset(b, run, landscape)`` (never rebuilding the batch).

Tasks subclass :class:`WildfireBatch` and override the hooks ``single_action_space``,
``single_observation_space``, ``_start_slot``, ``_apply_actions``, ``_observe`` and
``_reward_terms`` (and ``close`` when they hold a renderer). Observations are arrays, or dicts
of arrays for ``Dict`` observation spaces (a batch: each value's first axis is the slot).
:class:`WildfireVectorEnv` is the native ``gymnasium.vector.VectorEnv``
(``autoreset_mode`` SAME_STEP); :class:`WildfireEnv` is the single environment, a batch of one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..errors import ActionError, ScenarioError
from ..fire.houses import EXPOSURE_RADIUS_M, house_exposure, residence_time_grid_s
from ..fire.run import Member
from ..fire.simulation import FireSimulation
from ..fire.state import BurnState
from .episodes import Episode, EpisodeConfig, burnable_mask, draw_episode, landscape_pool

log = logging.getLogger(__name__)

M2_PER_HA = 1.0e4


class _LandscapeInfo:
    """Per-landscape constants the loop needs (computed once per pool landscape)."""

    def __init__(self, land: Any) -> None:
        self.land = land
        self.base_rgb: np.ndarray | None = None  # the frames' background, made on first use
        ny, nx = land.shape
        cell = land.cell_m
        self.burnable = burnable_mask(land)
        self.residence_s = residence_time_grid_s(land.fuel_code, land.fuel_models)
        s = land.structures
        self.house_xy = np.column_stack([np.asarray(s.x_m, np.float64), np.asarray(s.y_m, np.float64)])
        half = 0.5 * np.hypot(np.asarray(s.length_m, np.float64), np.asarray(s.width_m, np.float64))
        self.house_zone: list[np.ndarray] = []
        yy, xx = np.mgrid[0:ny, 0:nx]
        cx, cy = (xx + 0.5) * cell, (yy + 0.5) * cell
        for h in range(len(s)):
            reach = EXPOSURE_RADIUS_M + half[h] + cell
            near = np.hypot(cx - self.house_xy[h, 0], cy - self.house_xy[h, 1]) <= reach
            self.house_zone.append(np.flatnonzero(near.ravel()))
        sizes = [z.size for z in self.house_zone]
        self.zone_cells = np.concatenate(self.house_zone) if self.house_zone else np.zeros(0, np.int64)
        self.zone_offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.tree_x = np.asarray(land.trees.x_m, np.float64)
        self.tree_y = np.asarray(land.trees.y_m, np.float64)
        self.slope_frac = np.tan(np.deg2rad(land.slope_deg.astype(np.float64)))
        self.aspect_deg = land.aspect_deg.astype(np.float64)


def _rng_from(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed)


class WildfireBatch:
    """A batch of ``num_envs`` episodes of one task on one fire engine (see the module docstring).

    Arguments common to every task: ``num_envs``; ``episode`` (an :class:`EpisodeConfig`);
    ``step_s`` decision interval (s); ``max_episode_steps``; ``house_weight`` reward per house lost;
    ``area_weight_per_ha`` reward per hectare burned; ``quiet_s`` the fire counts as out once
    nothing has burned and no new cell was reached for this long (arrivals between cells of a
    slow fire leave no cell burning for a while); ``arch`` the engine's ("cpu" default).
    """

    def __init__(self, num_envs: int = 1, episode: EpisodeConfig | None = None, step_s: float = 300.0,
                 max_episode_steps: int = 48, house_weight: float = 1.0, area_weight_per_ha: float = 0.01,
                 obs_mode: str = "state", quiet_s: float = 1800.0, arch: str = "cpu") -> None:
        if not (isinstance(num_envs, (int, np.integer)) and 1 <= int(num_envs) <= 65536):
            raise ScenarioError("num_envs", "an integer in [1, 65536]", num_envs)
        if not (np.isfinite(step_s) and 1.0 <= step_s <= 86400.0):
            raise ScenarioError("step_s", "a decision interval in [1, 86400] s", step_s)
        if not (isinstance(max_episode_steps, (int, np.integer)) and max_episode_steps >= 1):
            raise ScenarioError("max_episode_steps", "an integer >= 1", max_episode_steps)
        for name, v in (("house_weight", house_weight), ("area_weight_per_ha", area_weight_per_ha)):
            if not (np.isfinite(v) and v >= 0):
                raise ScenarioError(name, "a finite weight >= 0", v)
        if not (np.isfinite(quiet_s) and quiet_s >= 0):
            raise ScenarioError("quiet_s", "a finite time >= 0 s", quiet_s)
        if obs_mode not in self.obs_modes:
            raise ScenarioError("obs_mode", f"one of {self.obs_modes}", obs_mode)
        if episode is not None and not isinstance(episode, EpisodeConfig):
            raise ScenarioError("episode", "an EpisodeConfig", type(episode).__name__)
        self.num_envs = int(num_envs)
        self.cfg = episode or EpisodeConfig()
        self.step_s = float(step_s)
        self.max_episode_steps = int(max_episode_steps)
        self.house_weight = float(house_weight)
        self.area_weight_per_ha = float(area_weight_per_ha)
        self.obs_mode = obs_mode
        self.quiet_s = float(quiet_s)
        self.pool = landscape_pool(self.cfg)
        self.land_info = [_LandscapeInfo(land) for land in self.pool]
        ny, nx = self.pool[0].shape
        self.shape = (ny, nx)
        self.cell_m = float(self.pool[0].cell_m)
        self.cell_ha = self.cell_m**2 / M2_PER_HA
        self.n_houses = len(self.pool[0].structures)
        if ny % self.COARSE or nx % self.COARSE:
            raise ScenarioError("episode.grid_cells", f"a multiple of {self.COARSE}", nx)
        for k, land in enumerate(self.pool):
            if len(land.structures) != self.n_houses:
                raise ScenarioError(f"pool[{k}]", f"{self.n_houses} houses like pool[0]", len(land.structures))
        B = self.num_envs
        self.rngs: list[np.random.Generator] = [_rng_from(None) for _ in range(B)]
        self.episodes: list[Episode | None] = [None] * B
        self.steps = np.zeros(B, np.int64)
        self.quiet_for_s = np.zeros(B)
        self.reached_cells = np.zeros(B, np.int64)
        self.house_lost = np.zeros((B, self.n_houses), bool)
        self.house_u = np.ones((B, self.n_houses))
        self.burn = np.zeros((B, ny, nx), np.uint8)
        self.reached_mask = np.zeros((B, ny, nx), bool)
        self.reached_blocks = np.zeros((B, self.COARSE, self.COARSE), np.uint16)
        self.duration_s = self.step_s * self.max_episode_steps  # the runs' nominal duration
        first = [draw_episode(self.cfg, self.pool, np.random.default_rng(b), self.duration_s) for b in range(B)]
        # capacity for the pool's largest stand: a slot may later reset with any landscape of the pool
        self.sim = FireSimulation([Member(self.pool[e.landscape_index], e.run) for e in first], arch=arch,
                                  tree_slots=max(len(land.trees) for land in self.pool))
        self._started = np.zeros(B, bool)

    # ------------------------------------------------------------------ hooks
    render_mode: str | None = None
    obs_modes: tuple[str, ...] = ("state",)
    single_action_space: gym.Space
    single_observation_space: gym.Space

    def _start_slot(self, b: int, rng: np.random.Generator) -> None:
        """Task state of slot ``b`` at the start of its episode (after the fire was reset)."""

    def _apply_actions(self, actions: np.ndarray) -> None:
        """Apply a validated batch of actions (before the engine advances)."""

    def _observe(self, slots: np.ndarray) -> np.ndarray:
        """Observations of ``slots`` (a batch, first axis ``len(slots)``): the hook every task
        (Fireline, AerialAttack, DroneSurveillance) overrides; the base batch has no observation."""
        raise NotImplementedError(f"{type(self).__name__} must define _observe (a task's observation)")

    def close(self) -> None:
        """Release what the task holds beyond numpy arrays (a renderer's GL context); idempotent."""

    def _reward_terms(self, new_cells: np.ndarray, new_lost: np.ndarray) -> dict[str, np.ndarray]:
        """Named reward terms of the step, each ``[B]`` (summed into the reward)."""
        return {"houses": -self.house_weight * new_lost.astype(np.float64),
                "area": -self.area_weight_per_ha * self.cell_ha * new_cells.astype(np.float64)}

    # ------------------------------------------------------ shared observation
    COARSE = 8
    TIME_SCALE_S = 14400.0

    def _state_parts(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Common parts of a state observation of ``slots``: ``head`` [m, 6] (elapsed time over 4 h
        clipped at 1, wind speed / 30 m/s, sin and cos of the wind's from-direction, fractions of the
        map reached and burning), ``houses`` [m, 3 n_houses] (x, y as fractions of the map side,
        lost), ``coarse`` [m, 64] (fraction reached per block of an 8 x 8 grid) and the boolean
        reached grids [m, ny, nx]."""
        full = len(slots) == self.num_envs and bool((slots == np.arange(self.num_envs)).all())
        sel = slice(None) if full else slots
        burn = self.burn[sel]  # a view when all slots are asked for
        reached = self.reached_mask[sel]
        m = len(slots)
        ny, nx = self.shape
        size = self.cfg.size_m
        cells = float(ny * nx)
        eps = [self.episodes[b] for b in slots]
        th = np.deg2rad([e.wind_from_deg for e in eps])  # type: ignore[union-attr]
        head = np.column_stack([
            np.minimum(1.0, self.sim.times_s[slots] / self.TIME_SCALE_S),
            np.array([e.wind_speed_mps for e in eps]) / 30.0, np.sin(th), np.cos(th),  # type: ignore[union-attr]
            self.reached_cells[slots] / cells,
            np.count_nonzero(burn.reshape(m, -1) == BurnState.BURNING, axis=1) / cells])
        house_xy = np.stack([self.land_info[e.landscape_index].house_xy for e in eps]) / size  # type: ignore[union-attr]
        houses = np.concatenate([house_xy, self.house_lost[slots, :, None]], axis=2).reshape(m, -1)
        block = (ny // self.COARSE) * (nx // self.COARSE)
        coarse = self.reached_blocks[sel].reshape(m, -1) / block
        return head, houses, coarse, reached

    def _coarse(self, grid: np.ndarray) -> np.ndarray:
        """Block means of ``grid`` [m, ny, nx] on the 8 x 8 grid, flattened to [m, 64]."""
        m = grid.shape[0]
        ny, nx = self.shape
        if grid.dtype == bool:
            return self._block_counts(grid).reshape(m, -1) / ((ny // self.COARSE) * (nx // self.COARSE))
        k = self.COARSE
        return grid.reshape(m, k, ny // k, k, nx // k).mean(axis=(2, 4)).reshape(m, -1)

    # -------------------------------------------------------------- episodes
    def reset_slot(self, b: int, seed: int | None = None) -> None:
        """Start a new episode in slot ``b`` (with ``seed``: a new generator; else the slot's)."""
        self.reset_slots([b], [seed])

    def reset_slots(self, slots: Sequence[int], seeds: Sequence[int | None]) -> None:
        """:meth:`reset_slot` for several slots, their fires reset in one engine pass
        (``FireSimulation.reset_many``); each slot draws from its own generator, so the episodes
        are those of resetting them one by one."""
        slots = [int(b) for b in slots]
        for b, seed in zip(slots, seeds, strict=True):
            if seed is not None:
                self.rngs[b] = _rng_from(int(seed))
            self.episodes[b] = draw_episode(self.cfg, self.pool, self.rngs[b], self.duration_s)
        self.sim.reset_many([(b, self.episodes[b].run, self.pool[self.episodes[b].landscape_index])  # type: ignore[union-attr]
                             for b in slots])
        for b in slots:
            rng = self.rngs[b]
            self.steps[b] = 0
            self.quiet_for_s[b] = 0.0
            self.house_lost[b] = False
            self.house_u[b] = rng.uniform(size=self.n_houses)
            self.burn[b] = self.sim.engine.burn_state_of(b)
            self._update_reached(slice(b, b + 1))
            self.reached_cells[b] = int(self.reached_blocks[b].sum())
            self._start_slot(b, rng)
            self._started[b] = True

    # ------------------------------------------------------------------ frames
    def frame(self, b: int = 0, px_per_cell: int | None = None) -> np.ndarray:
        """Top-down RGB frame of slot ``b`` (uint8 [H, W, 3], north up; see :mod:`.frames`)."""
        from . import frames

        if not (isinstance(b, (int, np.integer)) and 0 <= int(b) < self.num_envs):
            raise ScenarioError("b", f"a slot in [0, {self.num_envs})", b)
        if px_per_cell is None:
            px_per_cell = frames.default_px_per_cell(self.shape)
        elif not (isinstance(px_per_cell, (int, np.integer)) and 1 <= px_per_cell <= 64):
            raise ScenarioError("px_per_cell", "an integer in [1, 64]", px_per_cell)
        if self.episodes[int(b)] is None:
            raise gym.error.ResetNeeded(f"frame: slot {int(b)} has no episode yet; call reset() first")
        li = self.land(int(b))
        if li.base_rgb is None:
            from ..world.preview import shaded_fuel_rgb

            li.base_rgb = shaded_fuel_rgb(li.land)
        rgb = li.base_rgb.copy()
        burn = self.burn[b]
        rgb[burn == BurnState.BURNED] = np.array(frames.BURNED_RGB) / 255.0
        self._paint_cells(int(b), rgb)
        rgb[burn == BurnState.BURNING] = np.array(frames.BURNING_RGB) / 255.0
        canvas = frames.FrameCanvas(rgb, self.cell_m, int(px_per_cell))
        r = int(px_per_cell)
        for (hx, hy), lost in zip(li.house_xy, self.house_lost[b], strict=True):
            canvas.dot(float(hx), float(hy), r, frames.HOUSE_LOST_RGB if lost else frames.HOUSE_RGB)
        self._draw(int(b), canvas)
        return canvas.img

    def _paint_cells(self, b: int, rgb: np.ndarray) -> None:
        """Task hook: colour cells of slot ``b``'s frame (float RGB [ny, nx, 3], row 0 south)."""

    def _draw(self, b: int, canvas: Any) -> None:
        """Task hook: draw slot ``b``'s agents on its frame (a :class:`.frames.FrameCanvas`)."""

    def land(self, b: int) -> _LandscapeInfo:
        ep = self.episodes[b]
        assert ep is not None
        return self.land_info[ep.landscape_index]

    def _update_reached(self, sel: slice) -> None:
        """Reached cells (burning or burned) of the slots ``sel`` and their 8 x 8 block counts."""
        # BURNING = 1 and BURNED = 2: in uint8, (state - 1) <= 1 holds for exactly those two
        np.less_equal(self.burn[sel] - np.uint8(1), np.uint8(1), out=self.reached_mask[sel])
        self.reached_blocks[sel] = self._block_counts(self.reached_mask[sel])

    def _block_counts(self, grid: np.ndarray) -> np.ndarray:
        """Cells set per block of the 8 x 8 grid of a boolean batch [m, ny, nx], uint16 [m, 8, 8]."""
        k = self.COARSE
        m = grid.shape[0]
        ny, nx = self.shape
        u8 = grid.view(np.uint8)
        rows = u8.reshape(m, ny, k, nx // k).sum(axis=3, dtype=np.uint16)
        return rows.reshape(m, k, ny // k, k).sum(axis=2, dtype=np.uint16)

    # ------------------------------------------------------------------ step
    def validate_actions(self, actions: Any) -> np.ndarray:
        """The batch of actions as an array, or :class:`ActionError` naming what is wrong."""
        space = self.single_action_space
        want = (self.num_envs, *space.shape)
        try:
            a = np.asarray(actions)
        except Exception as exc:  # noqa: BLE001 - any conversion failure is a bad action
            raise ActionError(f"action: expected an array of shape {want}, got {type(actions).__name__}") from exc
        if a.shape != want:
            raise ActionError(f"action: expected shape {want}, got {a.shape}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ActionError("action: expected finite values, got NaN or inf")
        if a.dtype.kind not in "iuf" and a.dtype != bool:
            raise ActionError(f"action: expected numbers, got dtype {a.dtype}")
        if isinstance(space, gym.spaces.MultiDiscrete):
            if a.dtype.kind == "f" and not (a == np.round(a)).all():
                raise ActionError("action: expected integers for a MultiDiscrete space")
            ai = a.astype(np.int64)
            bad = (ai < space.start) | (ai >= space.start + space.nvec)
            if bad.any():
                env, k = (int(i) for i in np.argwhere(bad)[0])
                raise ActionError(f"action[{env}][{k}]: expected an integer in [{space.start[k]}, "
                                  f"{space.start[k] + space.nvec[k] - 1}], got {ai[env, k]}")
            return ai
        if isinstance(space, gym.spaces.Box):
            af = a.astype(np.float64)
            bad = (af < space.low) | (af > space.high)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ActionError(f"action{list(idx)}: expected a value in [{space.low[idx[1:]]}, "
                                  f"{space.high[idx[1:]]}], got {af[idx]}")
            return af
        return a

    def step(self, actions: Any, autoreset: bool = True
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One decision step of every slot; with ``autoreset`` finished slots are reset in place
        (SAME_STEP)."""
        if not self._started.all():
            raise ActionError("action: call reset() before step()")
        a = self.validate_actions(actions)
        self._apply_actions(a)
        self.sim.advance(self.sim.times_s + self.step_s)
        self.burn = self.sim.engine.burn_state_all()
        self._update_reached(slice(None))
        reached = self.reached_blocks.reshape(self.num_envs, -1).sum(axis=1, dtype=np.int64)
        new_cells = reached - self.reached_cells
        self.reached_cells = reached
        new_lost = self._update_houses()
        self.steps += 1
        terms = self._reward_terms(new_cells, new_lost)
        reward = np.zeros(self.num_envs)
        for v in terms.values():
            reward += v
        burning = np.count_nonzero(self.burn.reshape(self.num_envs, -1) == BurnState.BURNING, axis=1)
        active = (burning > 0) | (new_cells > 0)
        self.quiet_for_s = np.where(active, 0.0, self.quiet_for_s + self.step_s)
        terminated = self.quiet_for_s >= self.quiet_s
        truncated = (self.steps >= self.max_episode_steps) & ~terminated
        info = self._info(terms)
        done = terminated | truncated
        slots = np.arange(self.num_envs)
        obs = self._observe(slots)
        if autoreset and done.any():
            info["final_obs"] = obs_copy(obs)
            info["_final_obs"] = done.copy()
            info["final_info"] = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in info.items()
                                  if not k.startswith("final")}
            info["_final_info"] = done.copy()
            idx = np.flatnonzero(done)
            self.reset_slots(idx.tolist(), [None] * idx.size)
            obs_put(obs, idx, self._observe(idx))
        return obs, reward, terminated, truncated, info

    def _info(self, terms: dict[str, np.ndarray]) -> dict[str, Any]:
        lost = self.house_lost.sum(axis=1)
        info: dict[str, Any] = {f"reward/{k}": v for k, v in terms.items()}
        info.update({"houses_lost": lost, "houses_saved": self.n_houses - lost,
                     "area_burned_ha": self.reached_cells * self.cell_ha, "time_s": self.sim.times_s.copy()})
        return info

    def _update_houses(self) -> np.ndarray:
        """Houses ignited this step by the documented model of :mod:`wildfire_gym.fire.houses`: a slot
        is examined only when a cell within :data:`EXPOSURE_RADIUS_M` of a standing house burns; a
        house is lost when its ignition probability exceeds the uniform drawn for it at reset."""
        new = np.zeros(self.num_envs, np.int64)
        flat = self.burn.reshape(self.num_envs, -1)
        land_of = np.array([e.landscape_index for e in self.episodes])  # type: ignore[union-attr]
        for k, li in enumerate(self.land_info):
            slots = np.flatnonzero((land_of == k) & ~self.house_lost.all(axis=1))
            if slots.size == 0:
                continue
            hot_cells = flat[np.ix_(slots, li.zone_cells)] == BurnState.BURNING
            hot = np.logical_or.reduceat(hot_cells, li.zone_offsets, axis=1) & ~self.house_lost[slots]
            for r in np.flatnonzero(hot.any(axis=1)):
                b = int(slots[r])
                idx = np.flatnonzero(hot[r])
                snap = self.sim.engine.snapshot(b)
                s = li.land.structures
                sub = type(s)(*(np.asarray(getattr(s, f))[idx] for f in
                                ("id", "x_m", "y_m", "z_m", "length_m", "width_m", "height_m", "yaw_deg")))
                exp = house_exposure(sub, self.cell_m, snap.arrival_time_s, snap.flame_length_m, li.tree_x,
                                     li.tree_y, snap.tree_state, residence_s=li.residence_s, time_s=snap.time_s)
                lost = exp.p_ignition > self.house_u[b, idx]
                self.house_lost[b, idx[lost]] = True
                new[b] = int(lost.sum())
        return new


class WildfireVectorEnv(VectorEnv):
    """Native batched vector environment of a task (one engine step for all environments).

    ``metadata["autoreset_mode"]`` is SAME_STEP: a finished environment is reset inside the step
    that ends it; its last observation is ``info["final_obs"][i]`` (a dense batch, valid where
    ``info["_final_obs"]``) and its last info ``info["final_info"]``.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": ["rgb_array"], "render_fps": 4}
    batch_cls: type[WildfireBatch] = WildfireBatch

    def __init__(self, num_envs: int = 1, render_mode: str | None = None, **kwargs: Any) -> None:
        _check_render_mode(render_mode)
        self.render_mode = render_mode
        self.core = self.batch_cls(num_envs=num_envs, **kwargs)
        self.num_envs = self.core.num_envs
        self.single_action_space = self.core.single_action_space
        self.single_observation_space = self.core.single_observation_space
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)

    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every environment: ``seed`` an int (environment i gets ``seed + i``) or one per env."""
        super().reset(seed=seed if isinstance(seed, int) else None)
        if seed is None:
            seeds: list[int | None] = [None] * self.num_envs
        elif isinstance(seed, (int, np.integer)):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ScenarioError("seed", f"an int or {self.num_envs} seeds", len(seeds))
        self.core.reset_slots(list(range(self.num_envs)), seeds)
        obs = self.core._observe(np.arange(self.num_envs))
        return obs, self.core._info({})

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        return self.core.step(actions)

    def render(self) -> tuple[np.ndarray, ...] | None:
        """With ``render_mode="rgb_array"``: one top-down map frame per environment (:meth:`WildfireBatch.frame`)."""
        if self.render_mode != "rgb_array":
            return None
        return tuple(self.core.frame(b) for b in range(self.num_envs))

    def close_extras(self, **kwargs: Any) -> None:
        self.core.close()


class WildfireEnv(gym.Env):
    """A single environment of a task: a batch of one (see :class:`WildfireBatch`).

    Episodes end by ``terminated`` (the fire is out) inside the env; the time limit is the
    ``TimeLimit`` wrapper that registration adds (``max_episode_steps``), so the inner batch never
    truncates on its own.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    batch_cls: type[WildfireBatch] = WildfireBatch

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        _check_render_mode(render_mode)
        self.render_mode = render_mode
        self.core = self.batch_cls(num_envs=1, **kwargs)
        self.core.max_episode_steps = 2**62  # truncation belongs to TimeLimit
        self.action_space = self.core.single_action_space
        self.observation_space = self.core.single_observation_space

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        if seed is None and not self.core._started[0]:
            seed = int(self.np_random.integers(2**31 - 1))
        self.core.reset_slot(0, seed)
        obs = obs_item(self.core._observe(np.arange(1)), 0)
        return obs, _first(self.core._info({}))

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        try:
            batch = np.asarray(action)[None]
        except Exception as exc:  # noqa: BLE001
            raise ActionError(f"action: expected an element of {self.action_space}") from exc
        obs, reward, terminated, _, info = self.core.step(batch, autoreset=False)
        return obs_item(obs, 0), float(reward[0]), bool(terminated[0]), False, _first(info)

    def render(self) -> np.ndarray | None:
        """With ``render_mode="rgb_array"``: the top-down map frame (:meth:`WildfireBatch.frame`):
        fuels over the hillshade, the fire, houses and the task's agents."""
        if self.render_mode != "rgb_array":
            return None
        return self.core.frame(0)

    def close(self) -> None:
        self.core.close()
        super().close()


def _check_render_mode(render_mode: str | None) -> None:
    if render_mode not in (None, "rgb_array"):
        raise ScenarioError("render_mode", 'None or "rgb_array"', render_mode)


def obs_item(obs: Any, i: int) -> Any:
    """Observation ``i`` of a batch: an array's row, or for a ``Dict`` space the dict of rows."""
    if isinstance(obs, dict):
        return {k: v[i] for k, v in obs.items()}
    return obs[i]


def obs_copy(obs: Any) -> Any:
    """A copy of a batch of observations (array or dict of arrays)."""
    if isinstance(obs, dict):
        return {k: v.copy() for k, v in obs.items()}
    return obs.copy()


def obs_put(obs: Any, idx: np.ndarray, new: Any) -> None:
    """Write the observations ``new`` of the slots ``idx`` into the batch ``obs`` in place."""
    if isinstance(obs, dict):
        for k, v in obs.items():
            v[idx] = new[k]
    else:
        obs[idx] = new


def _first(info: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in info.items():
        out[k] = v[0].item() if isinstance(v, np.ndarray) else v
    return out
