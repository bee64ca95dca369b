"""Drone surveillance: UAVs with limited endurance keep a fresh, accurate map of the fire front."""

from __future__ import annotations

import math
from collections.abc import Sequence
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

PIXEL_MODES = ("thermal", "rgb", "labels", "rgbd")
"""Observation modes rendered from the UAVs' cameras (see the class docs)."""
IMAGE_KEYS = {"thermal": ("thermal",), "rgb": ("rgb",), "labels": ("labels",), "rgbd": ("rgb", "depth")}
"""The image entries of each pixel mode's observation dict (beside ``pose``)."""
CAMERA_NEAR_M = 0.5
"""m; near clipping distance of the UAV cameras (as the render presets' UAV cameras)."""
DEFAULT_RENDER_CONFIG_KW = {"shadows": False}
"""Renderer settings of the pixel observations unless ``render_config`` is given: no shadow map
(about half a frame's cost on a software rasteriser; a nadir view at mid-day hardly shows it)."""


class DroneBatch(WildfireBatch):
    """Batch core of the DroneSurveillance task (see :class:`DroneSurveillanceEnv`)."""

    obs_modes = ("state", "map", *PIXEL_MODES)

    def __init__(self, num_envs: int = 1, n_drones: int = 1, speed_m_s: float = 15.0, altitude_m: float = 300.0,
                 sensor_fov_deg: float = 50.0, endurance_s: float = 2400.0, swap_s: float = 600.0,
                 fresh_s: float = 600.0, map_error_weight: float = 0.5, map_cells: int = 32, step_s: float = 60.0,
                 max_episode_steps: int = 240, resolution: int | tuple[int, int] = 64,
                 camera_pitch_deg: float = 90.0, render_config: Any = None, **kwargs: Any) -> None:
        res = (resolution, resolution) if isinstance(resolution, (int, np.integer)) else resolution
        res_ok = (isinstance(res, (tuple, list)) and len(res) == 2
                  and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 16 <= v <= 1024 for v in res))
        pitch_ok = isinstance(camera_pitch_deg, (int, float, np.floating)) and 0.0 <= camera_pitch_deg <= 90.0
        checks = [("resolution", res_ok, "pixels: an integer or (width, height), each in [16, 1024]"),
                  ("camera_pitch_deg", pitch_ok, "an angle below the horizon in [0, 90] degrees"),("n_drones", isinstance(n_drones, (int, np.integer)) and 1 <= n_drones <= 32, "an integer in [1, 32]"),
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
        self.altitude_m = float(altitude_m)
        self.resolution = (int(res[0]), int(res[1]))
        self.camera_pitch_deg = float(camera_pitch_deg)
        super().__init__(num_envs=num_envs, step_s=step_s, max_episode_steps=max_episode_steps, **kwargs)
        ny, nx = self.shape
        if self.obs_mode == "map" and (not 4 <= self.map_cells <= ny or ny % self.map_cells):
            raise ScenarioError("map_cells", f"a divisor of the grid {ny} that is at least 4", map_cells)
        n, B = self.n_drones, self.num_envs
        self.single_action_space = gym.spaces.MultiDiscrete(np.full(n, 9, np.int64))
        if self.obs_mode == "state":
            size = 6 + 4 * n + 2 * self.COARSE**2
            self.single_observation_space = gym.spaces.Box(-1.0, 1.0, (size,), np.float32)
        elif self.obs_mode == "map":
            self.single_observation_space = gym.spaces.Box(0.0, 1.0, (3, self.map_cells, self.map_cells), np.float32)
        else:
            self.single_observation_space = self._pixel_space(render_config)
        self.pos = np.zeros((B, n, 2))
        self.heading_deg = np.zeros((B, n))
        self._renderers: dict[int, Any] = {}
        self._episode_no = np.zeros(B, np.int64)
        self._frame_key = np.zeros(B, np.uint64)
        self.render_stats = {"frames": 0, "render_s": 0.0, "fire_state_s": 0.0}
        """Pixel observations so far: camera frames, their wall time (s) and the part of it spent
        turning the slots' fire states into the renderer's textures and uploading them (s)."""
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
        self.heading_deg[b] = 0.0
        self.battery_s[b] = self.endurance_s
        self.swap_left_s[b] = 0.0
        self.belief[b] = False
        self.seen_s[b] = NEVER_SEEN_S
        self.front_score[b] = 0.0
        self.map_error[b] = 0.0
        self._paths[b] = []
        # The key of this episode's frame seeds (sensor noise): from the slot's seed and its episode
        # count since that seed, so a seeded reset reproduces the images without drawing from rng.
        entropy = rng.bit_generator.seed_seq.entropy  # type: ignore[attr-defined]
        ss = np.random.SeedSequence([int(entropy) if entropy is not None else 0, int(self._episode_no[b])])
        self._frame_key[b] = np.uint64(ss.generate_state(1, np.uint64)[0])
        self._episode_no[b] += 1

    def reset_slots(self, slots: Sequence[int], seeds: Sequence[int | None]) -> None:
        for b, seed in zip(slots, seeds, strict=True):
            if seed is not None:  # a new seed: its episodes count from 0 again
                self._episode_no[int(b)] = 0
        super().reset_slots(slots, seeds)

    # ------------------------------------------------------------ pixel observations
    def _pixel_space(self, render_config: Any) -> gym.spaces.Dict:
        from ..render import RenderConfig
        from ..render.camera import DEFAULT_FAR_M

        if render_config is None:
            render_config = RenderConfig(**DEFAULT_RENDER_CONFIG_KW)
        elif not isinstance(render_config, RenderConfig):
            raise ScenarioError("render_config", "a wildfire_gym.render.RenderConfig", type(render_config).__name__)
        self.render_config = render_config
        w, h = self.resolution
        n = self.n_drones
        zmin = min(float(np.min(land.elevation_m)) for land in self.pool)
        zmax = max(float(np.max(land.elevation_m)) for land in self.pool) + self.altitude_m
        size = self.cfg.size_m
        low = np.tile(np.array([0.0, 0.0, zmin, 0.0, 0.0], np.float32), n)
        high = np.tile(np.array([size, size, zmax, 2 * math.pi, math.pi / 2], np.float32), n)
        spaces: dict[str, gym.spaces.Space] = {"pose": gym.spaces.Box(low, high, (5 * n,), np.float32)}
        sensor = render_config.thermal
        for key in IMAGE_KEYS[self.obs_mode]:
            if key == "rgb":
                spaces[key] = gym.spaces.Box(0, 255, (h, w, 3 * n), np.uint8)
            elif key == "labels":
                from ..render import LABEL_NAMES

                spaces[key] = gym.spaces.Box(0, max(LABEL_NAMES), (h, w, n), np.uint8)
            elif key == "thermal":
                spaces[key] = gym.spaces.Box(float(sensor.floor_k), float(sensor.saturation_k), (h, w, n), np.float32)
            else:
                spaces[key] = gym.spaces.Box(0.0, DEFAULT_FAR_M, (h, w, n), np.float32)
        return gym.spaces.Dict(spaces)

    def airborne(self, b: int, i: int) -> bool:
        """Whether UAV ``i`` of slot ``b`` flies (not on the ground for a battery swap)."""
        return bool(self.swap_left_s[b, i] == 0)

    def drone_camera(self, b: int, i: int) -> Any:
        """The :class:`~wildfire_gym.render.Camera` of UAV ``i`` of slot ``b``: at its position,
        ``altitude_m`` above the ground, looking along its heading ``camera_pitch_deg`` below the
        horizon, with the ``uav`` preset's optics (``uav_thermal`` for thermal) at ``resolution``."""
        from ..render.camera import uav_camera
        from ..render.platforms import (
            UAV_RGB_DIAGONAL_FOV_DEG,
            UAV_THERMAL_DIAGONAL_FOV_DEG,
            fov_y_from_diagonal_deg,
        )

        w, h = self.resolution
        diag = UAV_THERMAL_DIAGONAL_FOV_DEG if self.obs_mode == "thermal" else UAV_RGB_DIAGONAL_FOV_DEG
        x, y = self.pos[b, i]
        return uav_camera(self.pool[self.episodes[b].landscape_index], float(x), float(y),  # type: ignore[union-attr]
                          self.altitude_m, float(self.heading_deg[b, i]), self.camera_pitch_deg,
                          fov_y_from_diagonal_deg(diag, w, h), w, h, near_m=CAMERA_NEAR_M)

    def renderer(self, landscape_index: int) -> Any:
        """The renderer of a pool landscape: its scene is built on first use and kept (the fire's
        state reaches it per frame); every landscape's renderer draws in one GL context."""
        r = self._renderers.get(landscape_index)
        if r is None:
            from ..render import Renderer

            first = next(iter(self._renderers.values()), None)
            r = Renderer(self.pool[landscape_index], self.render_config, share_context_with=first)
            self._renderers[landscape_index] = r
        return r

    def _observe_pixels(self, slots: np.ndarray) -> dict[str, np.ndarray]:
        import time

        from ..render.camera import ground_elevation_m

        space = self.single_observation_space
        m, n = len(slots), self.n_drones
        out = {k: np.zeros((m, *sp.shape), sp.dtype) for k, sp in space.spaces.items()}  # type: ignore[union-attr]
        if "thermal" in out:
            out["thermal"][:] = space["thermal"].low.flat[0]  # type: ignore[index]
        t0 = time.perf_counter()
        frames = 0
        for r, b in enumerate(slots):
            b = int(b)
            li = self.episodes[b].landscape_index  # type: ignore[union-attr]
            land = self.pool[li]
            snap = None
            for i in range(n):
                x, y = self.pos[b, i]
                if not self.airborne(b, i):  # on the pad for a swap: camera off, pose on the ground
                    out["pose"][r, 5 * i:5 * i + 5] = (x, y, ground_elevation_m(land, float(x), float(y)), 0.0, 0.0)
                    continue
                if snap is None:
                    snap = self.sim.snapshot(b)  # one snapshot per slot: the renderer's state is shared by its UAVs
                cam = self.drone_camera(b, i)
                seed = int(np.random.SeedSequence([int(self._frame_key[b]), int(self.steps[b]), i]).generate_state(1)[0])
                f = self.renderer(li).render(snap, cam, seed=seed)
                frames += 1
                self.render_stats["fire_state_s"] += f.timings.get("state_s", 0.0) + f.timings.get("upload_s", 0.0)
                z = float(cam.position_m[2])
                yaw = math.radians(self.heading_deg[b, i]) % (2 * math.pi)
                out["pose"][r, 5 * i:5 * i + 5] = (x, y, z, yaw, math.radians(self.camera_pitch_deg))
                if "rgb" in out:
                    out["rgb"][r, :, :, 3 * i:3 * i + 3] = f.rgb
                if "labels" in out:
                    out["labels"][r, :, :, i] = f.semantic
                if "thermal" in out:
                    out["thermal"][r, :, :, i] = f.thermal_k
                if "depth" in out:
                    out["depth"][r, :, :, i] = np.minimum(f.depth_m, np.float32(cam.far_m))
        self.render_stats["frames"] += frames
        self.render_stats["render_s"] += time.perf_counter() - t0
        return out

    def close(self) -> None:
        """Close the renderers (those sharing the first one's GL context first)."""
        for r in reversed(list(self._renderers.values())):
            r.close()
        self._renderers = {}

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
                        self.heading_deg[b, i] = math.degrees(math.atan2(home[0] - x, home[1] - y)) % 360.0
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
                    self.heading_deg[b, i] = DIRECTIONS_DEG[d]
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

    def _observe(self, slots: np.ndarray) -> np.ndarray | dict[str, np.ndarray]:
        slots = np.asarray(slots, np.int64)
        if self.obs_mode in PIXEL_MODES:
            return self._observe_pixels(slots)
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

    DRONE_RGB = (255, 60, 230)

    def _draw(self, b: int, canvas: Any) -> None:
        for i in range(self.n_drones):
            x, y = float(self.pos[b, i, 0]), float(self.pos[b, i, 1])
            canvas.ring(x, y, self.half_width_m, self.DRONE_RGB)
            canvas.dot(x, y, max(2, canvas.k), self.DRONE_RGB if self.airborne(b, i) else (120, 120, 120))

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
    burned, staleness, UAV positions. The observation holds only what the sensors saw, never the
    true fire.

    Pixel modes render the UAVs' cameras with :mod:`wildfire_gym.render` and give a
    ``Dict``: ``pose`` ``Box((5 n_drones,), float32)``, per UAV x, y (m, east and north of
    the south-west corner), z (m above sea level, ``altitude_m`` above the ground under it),
    yaw (rad, compass heading of the view: the direction last flown, 0 north) and pitch (rad
    below the horizon, ``camera_pitch_deg``, default nadir); and the images of size
    ``resolution`` (``64`` or ``(width, height)``), the UAVs stacked along the last axis:
    ``obs_mode="rgb"``: ``rgb`` uint8 ``[H, W, 3 n_drones]``; ``"thermal"``: ``thermal``
    float32 ``[H, W, n_drones]``, brightness temperature in K (8-14 um, within the sensor's
    ``floor_k``..``saturation_k``, 200..1500 K by default; radiometric, not a display image);
    ``"labels"``: ``labels`` uint8 class ids ``[H, W, n_drones]`` (``wildfire_gym.render.LABEL_NAMES``);
    ``"rgbd"``: ``rgb`` and ``depth`` float32 ``[H, W, n_drones]`` (m along the optical axis;
    sky at the camera's far plane, 60 km). Optics of the ``uav`` render preset (84 deg diagonal
    field of view; ``uav_thermal``'s 40.6 deg for thermal) at ``resolution``; the mapping
    footprint of the rewards keeps ``sensor_fov_deg``. A UAV on the ground for a battery swap
    sends blank images (0; thermal ``floor_k``) and a pose on the ground. Each pool landscape's
    scene is built once (on first use) and updated with the fire's state per frame, all
    landscapes in one GL context; the UAVs of a slot share that slot's fire state. Frames are
    seeded per episode (from the slot's seed), step and UAV, so a seeded reset reproduces the
    images byte for byte. ``render_config``: a :class:`wildfire_gym.render.RenderConfig`
    (default: shadows off). SB3: ``MultiInputPolicy`` on ``WildfireSB3VecEnv``.

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
    ``fresh_s``, ``map_error_weight``, ``obs_mode``, ``map_cells``, ``resolution``,
    ``camera_pitch_deg``, ``render_config`` and the common ``episode``,
    ``step_s``, ``max_episode_steps``, ``quiet_s``, ``arch``,
    ``render_mode`` (``"rgb_array"``: ``render()`` returns a top-down map frame, see
    :mod:`wildfire_gym.envs.frames`).

    ## Version History
    * v0: initial version.
    """


class DroneSurveillanceEnv(WildfireEnv):
    batch_cls = DroneBatch


class DroneSurveillanceVectorEnv(WildfireVectorEnv):
    batch_cls = DroneBatch


DroneSurveillanceEnv.__doc__ = _DOC
DroneSurveillanceVectorEnv.__doc__ = _DOC.replace("Drone surveillance:", "Drone surveillance (native vector env):", 1)
