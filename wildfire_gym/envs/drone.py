"""Drone surveillance: UAVs with limited endurance keep a fresh, accurate map of the fire front."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import ScenarioError
from ..fire.state import BurnState
from ..world.edits import polyline_mask
from .base import WildfireBatch, WildfireEnv, WildfireVectorEnv

DIRECTIONS_DEG = np.array([np.nan, 0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
"""Compass bearing of each move action (0 hovers)."""

NEVER_SEEN_S = -1.0e9
"""Time stamp of a cell no sensor has seen (s)."""


class DroneBatch(WildfireBatch):
    """Batch core of the DroneSurveillance task (see :class:`DroneSurveillanceEnv`)."""

    obs_modes = ("state", "map")

    def __init__(self, num_envs: int = 1, n_drones: int = 1, speed_m_s: float = 15.0, altitude_m: float = 300.0,
                 sensor_fov_deg: float = 50.0, endurance_s: float = 2400.0, swap_s: float = 600.0,
                 fresh_s: float = 600.0, map_error_weight: float = 0.5, map_cells: int = 32, step_s: float = 60.0,
                 max_episode_steps: int = 240, **kwargs: Any) -> None:
        checks = [("n_drones", isinstance(n_drones, (int, np.integer)) and 1 <= n_drones <= 32, "an integer in [1, 32]"),
                  ("speed_m_s", np.isfinite(speed_m_s) and 0 < speed_m_s <= 100, "a speed in (0, 100] m/s"),
                  ("altitude_m", np.isfinite(altitude_m) and 10 <= altitude_m <= 5000, "a height in [10, 5000] m"),
                  ("sensor_fov_deg", np.isfinite(sensor_fov_deg) and 1 <= sensor_fov_deg <= 170,
                   "an angle in [1, 170] degrees"),
                  ("endurance_s", np.isfinite(endurance_s) and endurance_s > 0, "a flight time > 0 s"),
                  ("swap_s", np.isfinite(swap_s) and swap_s >= 0, "a time >= 0 s"),
                  ("fresh_s", np.isfinite(fresh_s) and fresh_s > 0, "a time > 0 s"),
                  ("map_error_weight", np.isfinite(map_error_weight) and map_error_weight >= 0, "a weight >= 0")]
        for name, ok, expected in checks:
            if not ok:
                raise ScenarioError(name, expected, locals()[name])
        self.n_drones = int(n_drones)
        self.speed_m_s = float(speed_m_s)
        self.half_width_m = float(altitude_m) * math.tan(math.radians(sensor_fov_deg) / 2.0)
        self.endurance_s = float(endurance_s)
        self.swap_s = float(swap_s)
        self.fresh_s = float(fresh_s)
        self.map_error_weight = float(map_error_weight)
        self.map_cells = int(map_cells)
        super().__init__(num_envs=num_envs, step_s=step_s, max_episode_steps=max_episode_steps, **kwargs)
        ny, nx = self.shape
        if self.obs_mode == "map" and (not 4 <= self.map_cells <= ny or ny % self.map_cells):
            raise ScenarioError("map_cells", f"a divisor of the grid {ny} that is at least 4", map_cells)
        n, B = self.n_drones, self.num_envs
        self.single_action_space = gym.spaces.MultiDiscrete(np.full(n, 9, np.int64))
        if self.obs_mode == "state":
            size = 6 + 4 * n + 2 * self.COARSE**2
            self.single_observation_space = gym.spaces.Box(-1.0, 1.0, (size,), np.float32)
        else:
            self.single_observation_space = gym.spaces.Box(0.0, 1.0, (3, self.map_cells, self.map_cells), np.float32)
        self.pos = np.zeros((B, n, 2))
        self.battery_s = np.zeros((B, n))
        self.swap_left_s = np.zeros((B, n))
        self.base = np.zeros((B, 2))
        self.belief = np.zeros((B, ny, nx), bool)
        self.seen_s = np.full((B, ny, nx), NEVER_SEEN_S, np.float32)
        self.front_score = np.zeros(B)
        self.map_error = np.zeros(B)
        self._paths: list[list[list[tuple[float, float]]]] = [[] for _ in range(B)]

    def _start_slot(self, b: int, rng: np.random.Generator) -> None:
        ep = self.episodes[b]
        assert ep is not None
        self.base[b] = ep.houses_xy_m  # launched from the community the fire threatens
        self.pos[b] = self.base[b]
        self.battery_s[b] = self.endurance_s
        self.swap_left_s[b] = 0.0
        self.belief[b] = False
        self.seen_s[b] = NEVER_SEEN_S
        self.front_score[b] = 0.0
        self.map_error[b] = 0.0
        self._paths[b] = []

    def _apply_actions(self, actions: np.ndarray) -> None:
        """Fly each drone for one step; a drone whose remaining flight time only just covers the way
        home flies home instead (return-to-home), lands and is swapped for ``swap_s``."""
        size = self.cfg.size_m
        dt = self.step_s
        self._paths = [[] for _ in range(self.num_envs)]
        for b in range(self.num_envs):
            for i in range(self.n_drones):
                if self.swap_left_s[b, i] > 0:
                    self.swap_left_s[b, i] = max(0.0, self.swap_left_s[b, i] - dt)
                    if self.swap_left_s[b, i] == 0:
                        self.battery_s[b, i] = self.endurance_s
                    continue
                x, y = self.pos[b, i]
                home = self.base[b]
                d_home = math.hypot(x - home[0], y - home[1])
                d = int(actions[b, i])
                if self.battery_s[b, i] - dt <= (d_home + self.speed_m_s * dt) / self.speed_m_s:
                    step = min(d_home, self.speed_m_s * dt)
                    if d_home > 0:
                        nx_, ny_ = x + (home[0] - x) * step / d_home, y + (home[1] - y) * step / d_home
                    else:
                        nx_, ny_ = x, y
                    if step >= d_home:  # landed: swap the battery
                        self.swap_left_s[b, i] = self.swap_s
                        self.battery_s[b, i] = 0.0 if self.swap_s > 0 else self.endurance_s
                        self.pos[b, i] = home
                        continue
                elif d == 0:
                    nx_, ny_ = x, y
                else:
                    th = math.radians(DIRECTIONS_DEG[d])
                    nx_ = float(np.clip(x + self.speed_m_s * dt * math.sin(th), 0.0, size))
                    ny_ = float(np.clip(y + self.speed_m_s * dt * math.cos(th), 0.0, size))
                self.battery_s[b, i] = max(0.0, self.battery_s[b, i] - dt)
                self._paths[b].append([(float(x), float(y)), (float(nx_), float(ny_))])
                self.pos[b, i] = (nx_, ny_)

    def _sense(self) -> None:
        """Cells swept by a sensor footprint this step take the fire's state at the step's end."""
        reached = (self.burn == BurnState.BURNING) | (self.burn == BurnState.BURNED)
        now = self.sim.times_s
        for b, paths in enumerate(self._paths):
            for p in paths:
                pts = p if p[0] != p[1] else [p[0], (p[0][0] + 1e-6, p[0][1])]
                mask = polyline_mask(pts, 2.0 * self.half_width_m, self.shape, self.cell_m)
                self.belief[b][mask] = reached[b][mask]
                self.seen_s[b][mask] = now[b]
        self._paths = [[] for _ in range(self.num_envs)]
        burning = self.burn == BurnState.BURNING
        fresh = (now[:, None, None] - self.seen_s) <= self.fresh_s
        n_burn = np.count_nonzero(burning.reshape(self.num_envs, -1), axis=1)
        good = np.count_nonzero((burning & fresh & self.belief).reshape(self.num_envs, -1), axis=1)
        self.front_score = good / np.maximum(n_burn, 1)
        wrong = np.count_nonzero((self.belief != reached).reshape(self.num_envs, -1), axis=1)
        self.map_error = wrong / np.maximum(np.count_nonzero(reached.reshape(self.num_envs, -1), axis=1), 1)

    def _reward_terms(self, new_cells: np.ndarray, new_lost: np.ndarray) -> dict[str, np.ndarray]:
        self._sense()
        return {"front": self.front_score.copy(), "map_error": -self.map_error_weight * self.map_error}

    def _observe(self, slots: np.ndarray) -> np.ndarray:
        slots = np.asarray(slots, np.int64)
        m = len(slots)
        now = self.sim.times_s[slots]
        stale = np.minimum(1.0, (now[:, None, None] - self.seen_s[slots]) / 3600.0)
        if self.obs_mode == "map":
            k = self.map_cells
            ny, nx = self.shape

            def pool(a: np.ndarray) -> np.ndarray:
                return a.reshape(m, k, ny // k, k, nx // k).mean(axis=(2, 4))

            out = np.zeros((m, 3, k, k), np.float32)
            out[:, 0] = pool(self.belief[slots])
            out[:, 1] = pool(stale)
            step = self.cfg.size_m / k
            for r, b in enumerate(slots):
                for x, y in self.pos[b]:
                    out[r, 2, min(int(y // step), k - 1), min(int(x // step), k - 1)] = 1.0
            return out
        head, _, _, _ = self._state_parts(slots)
        cells = float(self.shape[0] * self.shape[1])
        head[:, 4] = np.count_nonzero(self.belief[slots].reshape(m, -1), axis=1) / cells  # what the drones know
        head[:, 5] = self.front_score[slots]
        drones = np.concatenate([self.pos[slots] / self.cfg.size_m, (self.battery_s[slots] / self.endurance_s)[..., None],
                                 (self.swap_left_s[slots] == 0)[..., None]], axis=2).reshape(m, -1)
        return np.concatenate([head, drones, self._coarse(self.belief[slots]), self._coarse(stale)],
                              axis=1).astype(np.float32)

    def _info(self, terms: dict[str, np.ndarray]) -> dict[str, Any]:
        info = super()._info(terms)
        info["front_mapped"] = self.front_score.copy()
        info["map_error"] = self.map_error.copy()
        return info


_DOC = """Drone surveillance: UAVs with limited endurance keep the fire front mapped.

    ## Description
    The fire, landscape and houses are drawn as in ``WildfireGym/Fireline-v0``; nobody suppresses
    it. ``n_drones`` UAVs fly at ``speed_m_s`` from a base at the houses. Each carries a nadir
    sensor whose square footprint has half-width ``altitude_m * tan(sensor_fov_deg / 2)`` (140 m
    by default); every cell its footprint sweeps during a step is mapped with the fire's state at
    the end of the step (reached or not) and time-stamped. A UAV flies for ``endurance_s``; when
    what is left only covers the way home it returns on its own, lands and is swapped for
    ``swap_s``.

    ## Action Space
    ``MultiDiscrete([9] * n_drones)``: hover (0) or fly towards N, NE, E, SE, S, SW, W, NW.

    ## Observation Space
    ``obs_mode="state"``: ``Box(-1, 1, (6 + 4 n_drones + 128,), float32)``: time, wind, the mapped
    fraction of the grid and the last front score; per UAV x, y (fractions), remaining endurance
    fraction, airborne; 8 x 8 maps of the mapped-as-burned fraction and of staleness (time since
    seen / 1 h, clipped). ``obs_mode="map"``: ``Box(0, 1, (3, map_cells, map_cells))``: mapped as
    burned, staleness, UAV positions. Sensor images (thermal, rgb, labels, rgbd) are not offered
    yet. The observation holds only what the sensors saw, never the true fire.

    ## Rewards
    ``front``: the fraction of the burning cells mapped as burning within ``fresh_s`` (a fresh,
    accurate front); ``map_error``: -map_error_weight times the cells whose mapped state is wrong,
    over the cells the fire has reached. Each in ``info["reward/<name>"]``.

    ## Starting State
    As Fireline; every UAV waits at the base with a full battery.

    ## Episode End
    Terminated when nothing has burned nor been reached for ``quiet_s``; truncated after
    ``max_episode_steps`` (default and registration: 240 steps of 60 s, 4 h).

    ## Arguments
    ``n_drones``, ``speed_m_s``, ``altitude_m``, ``sensor_fov_deg``, ``endurance_s``, ``swap_s``,
    ``fresh_s``, ``map_error_weight``, ``obs_mode``, ``map_cells`` and the common ``episode``,
    ``step_s``, ``max_episode_steps``, ``quiet_s``, ``arch``.

    ## Version History
    * v0: initial version.
    """


class DroneSurveillanceEnv(WildfireEnv):
    batch_cls = DroneBatch


class DroneSurveillanceVectorEnv(WildfireVectorEnv):
    batch_cls = DroneBatch


DroneSurveillanceEnv.__doc__ = _DOC
DroneSurveillanceVectorEnv.__doc__ = _DOC.replace("Drone surveillance:", "Drone surveillance (native vector env):", 1)
