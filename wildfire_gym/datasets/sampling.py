"""Seeded draws of scenes and frames from a :class:`~.config.DatasetConfig`.

Pure functions of ``(config, scene index[, frame index])``: each draw has its own generator
``np.random.default_rng([seed, stream, scene, frame])``, so a frame is the same whichever
shard, worker or rerun makes it, and growing ``--frames`` keeps the frames made before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..render.randomize import Appearance
from .config import LONG_TAIL, DatasetConfig

SCENE_STREAM = 0x5CE7E
FRAME_STREAM = 0xF4A3E
SPLIT_STREAM = 0x5B117
FRAME_KINDS = ("common", *[k for k in LONG_TAIL if k != "near_houses"])
"""What a frame is drawn as: an ordinary frame or one of the per-frame long-tail kinds."""


def _u(rng: np.random.Generator, r: tuple[float, float]) -> float:
    return float(r[0]) if r[0] == r[1] else float(rng.uniform(r[0], r[1]))


def _choice(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], np.float64)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


@dataclass(frozen=True)
class FrameSample:
    """One frame to render: when, from where, with what look (and why: ``kind``)."""

    frame_id: int
    scene: int
    k: int
    kind: str
    time_since_ignition_s: float
    platform: str
    pose: dict = field(default_factory=dict)
    hour_of_day: float = 12.0
    look: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"frame_id": self.frame_id, "scene": self.scene, "k": self.k, "kind": self.kind,
                "time_since_ignition_s": self.time_since_ignition_s, "platform": self.platform, "pose": dict(self.pose),
                "hour_of_day": self.hour_of_day, "look": dict(self.look)}


@dataclass(frozen=True)
class SceneSample:
    """One scene: the scenario dict to build and burn, and its scene-level long-tail flag."""

    scene: int
    scenario: dict
    near_houses: bool


def frame_kind(cfg: DatasetConfig, scene: int, k: int) -> str:
    """The long-tail kind of frame ``k`` of ``scene`` (drawn from the configured shares)."""
    lt = cfg.long_tail
    x = float(np.random.default_rng([cfg.seed, FRAME_STREAM, scene, k, 0]).uniform())
    acc = 0.0
    for kind in FRAME_KINDS[1:]:
        acc += getattr(lt, kind)
        if x < acc:
            return kind
    return "common"


def sample_scene(cfg: DatasetConfig, scene: int) -> SceneSample:
    """The scenario of ``scene`` (a plain dict for :func:`wildfire_gym.scenario.scenario_from_dict`)."""
    rng = np.random.default_rng([cfg.seed, SCENE_STREAM, scene])
    lc, fc, w = cfg.landscape, cfg.forest, cfg.weather
    cell = lc.cell_m
    side = max(8 * cell, round(_u(rng, lc.size_m) / cell) * cell)
    main = _choice(rng, lc.fuels)
    patch = _u(rng, lc.patchiness)
    second = _choice(rng, lc.fuels)
    fuel: dict = {"model": main, "moisture": {"d1h": _u(rng, w.d1h), "d10h": 0.0, "d100h": 0.0,
                                              "live_herb": _u(rng, w.live_herb), "live_woody": 0.9, "foliar": 1.0}}
    fuel["moisture"]["d10h"] = fuel["moisture"]["d1h"] + 0.01
    fuel["moisture"]["d100h"] = fuel["moisture"]["d1h"] + 0.02
    if patch > 0 and second != main:
        fuel["patches"] = {main: 1.0 - patch, second: patch}
        fuel["patch_scale_m"] = max(4 * cell, side / 6.0)
    trees = _u(rng, fc.trees_per_ha)
    if any(frame_kind(cfg, scene, k) == "occlusion" for k in range(cfg.frames_per_scene)):
        trees = max(trees, cfg.long_tail.occlusion_trees_per_ha)
    m = cfg.ignition.margin_frac
    ix, iy = (float(rng.uniform(m, 1.0 - m)) * side for _ in range(2))
    ix, iy = (math.floor(ix / cell) + 0.5) * cell, (math.floor(iy / cell) + 0.5) * cell
    wind_from = _u(rng, w.wind_from_deg) % 360.0
    n_houses = int(rng.integers(cfg.houses.count[0], cfg.houses.count[1] + 1))
    near = bool(rng.uniform() < cfg.long_tail.near_houses)
    structures: dict = {"houses": n_houses, "layout": "clustered"}
    if near:  # a row of houses across the fire's path, downwind of the ignition
        d = _u(rng, cfg.houses.near_fire_m)
        head = math.radians(wind_from + 180.0)
        pos = []
        for j in range(3):
            off = (j - 1) * 30.0
            x = ix + d * math.sin(head) + off * math.cos(head)
            y = iy + d * math.cos(head) - off * math.sin(head)
            pos.append([float(min(max(x, cell), side - cell)), float(min(max(y, cell), side - cell))])
        structures["positions_m"] = pos
        structures["min_spacing_m"] = 20.0
    longest = max(cfg.time_since_ignition_s[1], cfg.long_tail.small_early_time_s[1])
    scenario = {
        "name": f"{cfg.name}-scene{scene:06d}", "seed": int(rng.integers(0, 2**31 - 1)),
        "duration_s": float(cfg.ignition.delay_s + longest + 1.0),
        "terrain": {"size_m": [side, side], "cell_m": cell, "kind": "fractal",
                    "relief_m": _u(rng, lc.relief_m), "roughness": _u(rng, lc.roughness)},
        "fuel": fuel,
        "vegetation": {"trees_per_ha": trees, "species": dict(fc.species), "clustering": _u(rng, fc.clustering)},
        "structures": structures,
        "weather": {"wind_speed_mps": _u(rng, w.wind_speed_mps), "wind_from_deg": wind_from,
                    "start_hour": cfg.start_hour, "air_temperature_c": _u(rng, w.air_temperature_c),
                    "relative_humidity": _u(rng, w.relative_humidity)},
        "ignitions": [{"x_m": ix, "y_m": iy, "t_s": cfg.ignition.delay_s}],
    }
    return SceneSample(scene, scenario, near)


def sample_frame(cfg: DatasetConfig, scene: int, k: int) -> FrameSample:
    """Frame ``k`` of ``scene``: kind, time since ignition, platform and pose, hour, look."""
    kind = frame_kind(cfg, scene, k)
    rng = np.random.default_rng([cfg.seed, FRAME_STREAM, scene, k, 1])
    lt, cam, s = cfg.long_tail, cfg.camera, cfg.sensor
    if kind == "negative":  # before the ignition: the scene without any fire
        since = -float(rng.uniform(0.05, 0.95)) * cfg.ignition.delay_s
    elif kind == "small_early_fire":
        since = _u(rng, lt.small_early_time_s)
    else:
        since = _u(rng, cfg.time_since_ignition_s)
    since = round(since, 1)
    platform = _choice(rng, cam.platforms)
    if kind == "occlusion":
        platform = "uav"
    elif kind == "smoke_without_flame":  # a lookout's view of a column rising behind a ridge
        platform = "tower"
    pose: dict
    if platform in ("uav", "uav_thermal"):
        pose = {"altitude_agl_m": _u(rng, cam.uav.altitude_agl_m), "distance_m": _u(rng, cam.uav.distance_m),
                "bearing_offset_deg": _u(rng, cam.uav.bearing_offset_deg)}
        if kind == "occlusion":  # low and far: the view runs through the stand
            pose["altitude_agl_m"] = 30.0
            pose["distance_m"] = max(pose["distance_m"], 150.0)
    elif platform == "tower":
        pose = {"distance_m": _u(rng, cam.tower.distance_m), "bearing_offset_deg": _u(rng, cam.tower.bearing_offset_deg)}
    else:
        pose = {"gsd_m": _u(rng, cam.nadir.gsd_m)}
    pose["tilt_above_fire"] = kind == "smoke_without_flame"
    hour = _u(rng, lt.night_hour if kind == "night" else cfg.hour_of_day) % 24.0
    haze = float(np.exp(rng.uniform(np.log(s.haze_per_m[0]), np.log(s.haze_per_m[1]))))
    look = {"sun_intensity": _u(rng, s.sun_intensity), "haze_per_m": haze, "exposure": _u(rng, s.exposure),
            "blur_sigma_px": _u(rng, s.blur_sigma_px), "noise_sigma": _u(rng, s.noise_sigma),
            "smoke_density_scale": _u(rng, lt.heavy_smoke_density if kind == "heavy_smoke" else s.smoke_density_scale),
            "jitter": [float(v) for v in rng.uniform(-1.0, 1.0, 16) * s.colour_jitter]}
    # camera effects (drawn after the rest, so the draws above keep their values)
    look.update({"vignetting": _u(rng, s.vignetting), "motion_blur_px": _u(rng, s.motion_blur_px),
                 "motion_blur_deg": float(rng.uniform(0.0, 180.0)), "lens_k1": _u(rng, s.lens_k1),
                 "jpeg_quality": int(round(_u(rng, s.jpeg_quality))) if rng.random() < s.jpeg_share else 0,
                 "cloud_cover": _u(rng, s.cloud_cover)})
    return FrameSample(scene * cfg.frames_per_scene + k, scene, k, kind, since, platform, pose, hour, look)


def appearance_for(sample: FrameSample, scene_time_s: float, start_hour: float) -> Appearance:
    """The renderer's :class:`Appearance` of a frame: its look, with the hour offset that puts
    the scene's clock (``start_hour`` at t = 0, ``scene_time_s`` now) at ``sample.hour_of_day``."""
    base = Appearance()
    j = sample.look["jitter"]

    def jit(rgb: tuple[float, float, float], a: float, b: float, c: float, d: float) -> tuple[float, float, float]:
        scale = (1.0 + d)
        return tuple(float(np.clip(x * (1.0 + e) * scale, 0.0, 1.5)) for x, e in zip(rgb, (a, b, c)))  # type: ignore[return-value]

    clock = (start_hour + scene_time_s / 3600.0) % 24.0
    offset = (sample.hour_of_day - clock + 12.0) % 24.0 - 12.0
    return Appearance(
        hour_offset_h=float(offset), sun_intensity=sample.look["sun_intensity"], haze_per_m=sample.look["haze_per_m"],
        haze_rgb=jit(base.haze_rgb, *j[0:4]), sky_zenith_rgb=jit(base.sky_zenith_rgb, *j[4:8]),
        sky_horizon_rgb=jit(base.sky_horizon_rgb, *j[4:7], j[8]),
        terrain_tint=jit(base.terrain_tint, *j[9:13]), foliage_tint=jit(base.foliage_tint, *j[12:16]),
        exposure=sample.look["exposure"], blur_sigma_px=sample.look["blur_sigma_px"],
        noise_sigma=sample.look["noise_sigma"], smoke_density_scale=sample.look["smoke_density_scale"],
        vignetting=sample.look.get("vignetting", 0.0), motion_blur_px=sample.look.get("motion_blur_px", 0.0),
        motion_blur_deg=sample.look.get("motion_blur_deg", 0.0), jpeg_quality=sample.look.get("jpeg_quality", 0),
        lens_distortion=(sample.look.get("lens_k1", 0.0), 0.0, 0.0, 0.0, 0.0),
        cloud_cover=sample.look.get("cloud_cover", 0.0))


def scene_split(cfg: DatasetConfig, n_scenes: int) -> list[str]:
    """``train``/``val``/``test`` of each scene: a seeded permutation cut at the split shares
    (whole scenes, so no scene has frames in two splits; from 3 scenes on, each split with a
    share > 0 has at least one scene)."""
    order = np.random.default_rng([cfg.seed, SPLIT_STREAM, n_scenes]).permutation(n_scenes)
    n_val = int(round(cfg.split.val * n_scenes))
    n_test = int(round(cfg.split.test * n_scenes))
    if n_scenes >= 3:  # a split asked for gets at least one scene once there are scenes to spare
        n_val = max(n_val, int(cfg.split.val > 0))
        n_test = max(n_test, int(cfg.split.test > 0))
    if n_val + n_test >= n_scenes and cfg.split.train > 0:  # keep one training scene
        n_test = max(0, min(n_test, n_scenes - 1 - n_val))
        n_val = max(0, min(n_val, n_scenes - 1 - n_test))
    out = ["train"] * n_scenes
    for rank, s in enumerate(order.tolist()):
        if rank < n_val:
            out[s] = "val"
        elif rank < n_val + n_test:
            out[s] = "test"
    return out
