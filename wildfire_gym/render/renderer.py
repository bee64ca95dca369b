"""The sensor: a scene built once per landscape, rendered per fire snapshot and camera."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from ..fire.state import BurnState, FireSnapshot
from ..units import celsius_to_kelvin
from . import thermal as th
from ._gl import GLContext
from .camera import Camera
from .flames import FLAME_TEMPERATURE_PROFILE_K, flame_front, hot_body_rgb
from .frame import THERMAL_DISPLAY_RANGE_K, Frame
from .instancing import tree_instances
from .labels import component_boxes, decode_ids, instance_classes, make_boxes, smoke_regions
from .passes import GpuScene
from .platforms import CameraSpec, camera_for
from .randomize import Appearance, RandomizationRanges, sample_appearance
from .scene import (
    FLAME,
    HAZE_SCALE_HEIGHT_M,
    LABEL_NAMES,
    MID_TREE_LOD,
    SMOKE,
    build_static_geometry,
    fire_regions,
    flame_vertices,
    lighting_for,
    terrain_base_rgba,
    terrain_layers,
    terrain_static,
    terrain_textures,
    tree_states,
    unburnt_ground_radiance,
)
from .sensor import (
    LensDistortion,
    distortion_source_map,
    jpeg_roundtrip,
    motion_blur,
    remap,
    vignetting_gain,
)
from .smoke import (
    MAX_PLUMES,
    PLUME_LENGTH_M,
    PLUME_ROWS,
    SMOKE_MASS_EXTINCTION_M2_KG,
    Plume,
    fire_plumes,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..world.landscape import Landscape

logger = logging.getLogger(__name__)

FLAME_RGB_PROFILE = hot_body_rgb(np.asarray(FLAME_TEMPERATURE_PROFILE_K))
"""Linear RGB of the flame from base to tip (the temperature profile through Planck's law)."""
FLAME_TIME_WRAP_S = 3600.0
CLOUD_BASE_AGL_M = 1800.0
"""m above the lowest terrain; base of the fair-weather cumulus layer drawn when cloud_cover > 0."""
CLOUD_SUN_GAIN = 0.75
CLOUD_AMBIENT_GAIN = 1.4
"""Sunlit cloud colour: direct sun times this (a cloud's bright side scatters ~75 % of it to the
camera's side), plus skylight times this."""
DISTORTION_FIT_STEPS = 40
DISTORTION_FIT_GROWTH = 1.01
"""The distorted image's focal length grows by this factor per step until its corners fall
inside the pinhole render (at most DISTORTION_FIT_STEPS steps)."""
SMOKE_MIN_ALPHA = 0.1
"""Smoke thinner than this opacity is a veil, never labelled (whatever its contrast: a thin
veil over dark char changes its luminance a lot but is not what annotators box as smoke)."""
SMOKE_MIN_REGION_PX = 16
"""Connected smoke regions smaller than this many pixels are not labelled (speckles at the
plume's ragged edge)."""
SMOKE_CONTRAST_THRESHOLD = 0.05
"""Relative luminance change that makes smoke visible: the 5 % contrast threshold of the
meteorological optical range (WMO Guide to Instruments and Methods of Observation, ch. 9)."""
SMOKE_LUMINANCE_FLOOR = 0.02
"""Linear luminance below which the contrast is taken relative to this floor (dark pixels:
tiny absolute changes are not visible however large relative to black)."""
SMOKE_OVER_FLAME_ALPHA = 0.8
"""Flame pixels become smoke only behind smoke at least this opaque."""
SMOKE_AMBIENT_GAIN = 1.6
"""Skylight reaching smoke from all sides (a particle cloud scatters light from the whole sky
dome, not from the upper hemisphere of a surface)."""
SMOKE_FIRE_GLOW_RGB = (0.5, 0.17, 0.04)
"""Linear light the flames cast on the base of the plume, at full fire power."""
SMOKE_NOISE = 1.0
"""Strength of the billowing noise on the plume's density (0: the smooth Gaussian plume)."""


def fire_glow_visibility(sun_elevation_deg: float) -> float:
    """How much the fire's glow on its smoke shows against daylight: 1 at night, 0.1 in full
    sun (the glow is the same light; daylight swamps it), a linear ramp through twilight."""
    day = min(max((sun_elevation_deg + 6.0) / 16.0, 0.0), 1.0)
    return 1.0 - 0.9 * day


def smoke_visible(rgb_clear: np.ndarray, rgb_smoky: np.ndarray, alpha: np.ndarray, min_alpha: float,
                  contrast: float) -> np.ndarray:
    """Where smoke is visible: opacity >= ``min_alpha`` and a relative luminance change
    ``|Y_smoky - Y_clear| / max(Y_clear, floor)`` >= ``contrast`` (Y: Rec. 709 luminance of the
    linearised display values; the frame's tonemap has display gamma 2), in connected regions
    of at least :data:`SMOKE_MIN_REGION_PX` pixels."""
    w = np.array([0.2126, 0.7152, 0.0722], np.float32) / np.float32(255.0 * 255.0)
    y0 = np.square(rgb_clear.astype(np.float32)) @ w
    y1 = np.square(rgb_smoky.astype(np.float32)) @ w
    c = np.abs(y1 - y0) / np.maximum(y0, SMOKE_LUMINANCE_FLOOR)
    mask = (alpha >= min_alpha) & (c >= contrast)
    if mask.any():
        lab, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
        small = np.bincount(lab.ravel())[1:] < SMOKE_MIN_REGION_PX
        if small.any():
            mask &= ~np.concatenate([[False], small])[lab]
    return mask
"""s; the flame shader's clock wraps here (float precision of the animated noise)."""


@dataclass(frozen=True)
class RenderConfig:
    """How frames are made.

    ``platform``: ``"egl"``/``"osmesa"``/``None`` (``PYOPENGL_PLATFORM``, else egl).
    ``tree_lod``: level of detail of the world's tree meshes (0 coarse .. 2 fine).
    ``terrain_stride``: keep every n-th terrain vertex (colours and radiance stay per cell).
    ``smoke_downsample``: the smoke pass runs at 1/n resolution (smoke is soft).
    ``max_plumes``: smoke plumes drawn (the strongest fire regions; 0: no smoke).
    ``smoke_min_alpha``, ``smoke_contrast``: a pixel is labelled ``smoke`` where the smoke's
    opacity is at least ``smoke_min_alpha`` *and* it changes the pixel's luminance by at least
    ``smoke_contrast`` relative to the pixel without smoke (see :func:`smoke_visible`).
    ``plume_length_m``: plumes are drawn this far downwind. ``smoke_noise``: strength of the
    billowing noise on the plume density (0: the smooth model of :mod:`.smoke`).
    ``object_boxes``: also box trees and houses (fire and smoke regions are always boxed).
    ``tree_instancing``: draw trees by instancing (:mod:`.instancing`; fast to build, small);
    ``False`` merges every tree's mesh into the static buffer (the reference path).
    ``shadows``: sun shadows from a shadow map (about half the frame time on a CPU rasteriser).
    ``randomization``: when set, each frame samples an :class:`Appearance` from these
    ranges with the frame's seed (unless an appearance is passed to ``render``).
    ``latitude_deg``, ``day_of_year``: for the sun's path. ``seed``: base of every frame seed.
    """

    platform: str | None = None
    tree_lod: int = 1
    terrain_stride: int = 1
    smoke_downsample: int = 4
    max_plumes: int = MAX_PLUMES
    plume_length_m: float = PLUME_LENGTH_M
    smoke_min_alpha: float = SMOKE_MIN_ALPHA
    smoke_contrast: float = SMOKE_CONTRAST_THRESHOLD
    smoke_noise: float = SMOKE_NOISE
    amodal_flames: bool = True
    object_boxes: bool = False
    cull_back_faces: bool = False
    tree_instancing: bool = True
    shadows: bool = True
    thermal: th.ThermalSensor = field(default_factory=th.ThermalSensor)
    randomization: RandomizationRanges | None = None
    latitude_deg: float = 38.0
    day_of_year: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        if self.tree_lod not in (0, 1, 2):
            raise ValueError(f"tree_lod: expected 0, 1 or 2, got {self.tree_lod}")
        if not 1 <= self.terrain_stride <= 64:
            raise ValueError(f"terrain_stride: expected 1..64, got {self.terrain_stride}")
        if not 1 <= self.smoke_downsample <= 8:
            raise ValueError(f"smoke_downsample: expected 1..8, got {self.smoke_downsample}")
        if not 0.0 < self.smoke_min_alpha < 1.0:
            raise ValueError(f"smoke_min_alpha: expected in (0, 1), got {self.smoke_min_alpha}")
        if not 0.0 < self.smoke_contrast < 1.0:
            raise ValueError(f"smoke_contrast: expected in (0, 1), got {self.smoke_contrast}")
        if not 0 <= self.max_plumes <= MAX_PLUMES or self.plume_length_m <= 0:
            raise ValueError(f"max_plumes: expected 0..{MAX_PLUMES}; plume_length_m: expected > 0 m")
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise ValueError(f"latitude_deg: expected -90..90, got {self.latitude_deg}")
        if not 1 <= self.day_of_year <= 366:
            raise ValueError(f"day_of_year: expected 1..366, got {self.day_of_year}")


class Renderer:
    """Renders labelled frames of one landscape.

    >>> r = Renderer(landscape, RenderConfig())          # builds the scene once
    >>> frame = r.render(snapshot, uav_camera(landscape, 500, 400))

    A renderer owns a headless OpenGL context; call :meth:`close` (or use ``with``).
    ``share_context_with``: draw in that renderer's context instead (several landscapes, one
    context; this renderer's GPU objects live there too). Close the renderers sharing a context
    before the one that owns it. The same snapshot, camera, appearance and seed always give
    identical bytes.
    """

    def __init__(self, landscape: Landscape, config: RenderConfig | None = None,
                 share_context_with: Renderer | None = None) -> None:
        self.landscape = landscape
        self.config = config or RenderConfig()
        t0 = time.perf_counter()
        if share_context_with is not None:
            if not isinstance(share_context_with, Renderer) or share_context_with._ctx is None:
                raise ValueError("share_context_with: expected an open Renderer")
            self._ctx = share_context_with._ctx
            self._owns_ctx = False
            self._ctx.make_current()
        else:
            self._ctx = GLContext(64, 64, self.config.platform)
            self._owns_ctx = True
        t1 = time.perf_counter()
        cfg = self.config
        self.geometry = build_static_geometry(landscape, cfg.tree_lod, cfg.terrain_stride,
                                              merge_trees=not cfg.tree_instancing)
        instances = tree_instances(landscape.trees, cfg.tree_lod, MID_TREE_LOD) if cfg.tree_instancing else None
        self._terrain_static = terrain_static(landscape, self.config.seed)
        t2 = time.perf_counter()
        self._gpu = GpuScene(self.geometry, landscape.shape, landscape.cell_m, self.config.smoke_downsample,
                             self.config.cull_back_faces, instances, self.config.shadows)
        t3 = time.perf_counter()
        self.build_timings = {"context_s": t1 - t0, "geometry_s": t2 - t1, "upload_s": t3 - t2, "total_s": t3 - t0}
        self._state_key: tuple | None = None
        self._state: dict = {}
        self._base_rgba_key: tuple | None = None
        self._base_rgba: np.ndarray | None = None
        sc = landscape.scenario
        self._air_k = float(celsius_to_kelvin(sc.weather.air_temperature_c))
        self._rh = float(sc.weather.relative_humidity)
        self._z_min = float(np.min(landscape.elevation_m))
        self._ignition_s = min((ig.t_s for ig in sc.ignitions), default=None)
        logger.info("scene built in %.2f s (%d vertices, %d triangles, %s)", self.build_timings["total_s"],
                    self.geometry.vertices.shape[0], self.geometry.indices.size // 3, self._ctx.renderer_name)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.make_current()
            self._gpu.delete()
            if self._owns_ctx:
                self._ctx.close()
            self._ctx = None  # type: ignore[assignment]

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def gl_renderer(self) -> str:
        return self._ctx.renderer_name

    # ------------------------------------------------------------------ per frame
    def _frame_rng(self, snapshot: FireSnapshot, seed: int | None) -> tuple[np.random.Generator, list[int]]:
        key = [int(self.config.seed), int(seed) if seed is not None else int(round(snapshot.time_s * 1000.0)) & 0xFFFFFFFF]
        return np.random.default_rng(key), key

    def _update_state(self, snap: FireSnapshot, app: Appearance, solar_hour: float) -> dict:
        # The snapshot itself is held in the key, so an identity match cannot be a recycled id.
        key = (snap, app, solar_hour)
        if self._state_key is not None and self._state_key[0] is snap and self._state_key[1:] == key[1:]:
            self._state["timings"] = {"state_s": 0.0, "upload_s": 0.0}  # reused: nothing recomputed
            return self._state
        t0 = time.perf_counter()
        land, cfg = self.landscape, self.config
        light = lighting_for(solar_hour, cfg.day_of_year, cfg.latitude_deg, self._air_k, app)
        table = th.band_table(tuple(cfg.thermal.band_um))
        eps_z = th.window_sky_emissivity_zenith(self._air_k, self._rh)
        l_air = float(table.radiance(self._air_k))
        t_sky = float(table.brightness_temperature(np.float32(eps_z * l_air)))  # zenith, K
        l_down = th.window_sky_downwelling_radiance(eps_z, self._air_k, table)
        tint = tuple(app.terrain_tint)
        if self._base_rgba_key != tint:  # the unburnt texture changes only with the palette
            self._base_rgba = terrain_base_rgba(self._terrain_static, app)
            self._base_rgba_key = tint
        rgba, rad, _ = terrain_textures(land, snap, self._terrain_static, light, app, table, l_down, self._base_rgba)
        s0, s1 = tree_states(self.geometry, land, snap, light, app, table, l_down)
        front = flame_front(land, snap, self._terrain_static.residence_s)
        unburnt_rad = unburnt_ground_radiance(land, self._terrain_static, light, table, l_down)
        layers = terrain_layers(snap, rgba, rad, self._base_rgba, unburnt_rad, front.arrival_pred_s)
        regions = fire_regions(land, snap, front)
        first_fire = 1 + self.geometry.n_trees + self.geometry.n_houses
        flames = flame_vertices(land, snap, regions, first_fire, self._terrain_static, table, front)
        plumes = self._plumes(snap, front, regions, app)
        packed = np.concatenate([p.pack() for p in plumes]) if plumes else np.zeros((0, PLUME_ROWS, 4), np.float32)
        t_house = th.sunlit_temperature_k(self._air_k, float(light.sun_dir[2]), th.SUN_GROUND_WARMING_K)
        house_rad = float(th.surface_radiance(np.float32(t_house), th.EMISSIVITY["roof"], l_down, table))
        t1 = time.perf_counter()
        self._gpu.upload_state(layers, s0, s1, flames, packed)
        t2 = time.perf_counter()
        far_rad = float(np.median(unburnt_rad))
        self._state = {"far_rad": far_rad, "sky_eps_zenith": eps_z, "l_air": l_air, "light": light, "table": table, "l_down": l_down, "t_sky": t_sky, "regions": regions,
                       "tree_sem": s1[:, 1].astype(np.int32), "first_fire": first_fire, "house_rad": house_rad,
                       "plumes": plumes, "n_flame_vertices": int(flames.shape[0]),
                       "timings": {"state_s": t1 - t0, "upload_s": t2 - t1}}
        self._state_key = key
        return self._state

    @staticmethod
    def _distort_raw(raw, cam: Camera, lens: LensDistortion) -> np.ndarray:
        """Resample every raw buffer through the lens (in place); returns the distorted image's K.

        The distorted image's focal length is scaled up just enough that its corners sample
        inside the rendered pinhole image (barrel lenses see wider than their K)."""
        W, H = cam.width, cam.height
        scale = 1.0
        for _ in range(DISTORTION_FIT_STEPS):
            K = cam.K.copy()
            K[0, 0] *= scale
            K[1, 1] *= scale
            rows, cols = distortion_source_map(K, cam.K, W, H, lens)
            if rows.min() >= 0.0 and cols.min() >= 0.0 and rows.max() <= H - 1.0 and cols.max() <= W - 1.0:
                break
            scale *= DISTORTION_FIT_GROWTH
        raw.rgb = remap(raw.rgb, rows, cols, nearest=False)
        if raw.rgb_clear is not None:
            raw.rgb_clear = remap(raw.rgb_clear, rows, cols, nearest=False)
        raw.ids = remap(raw.ids, rows, cols, nearest=True)
        raw.radiance = remap(raw.radiance, rows, cols, nearest=True)  # no heat across label edges
        raw.depth01 = remap(raw.depth01, rows, cols, nearest=True, fill=1.0)
        if raw.amodal_ids is not None:
            raw.amodal_ids = remap(raw.amodal_ids, rows, cols, nearest=True)
        if raw.smoke is not None:
            raw.smoke = remap(raw.smoke, rows, cols, nearest=False)
        return K

    def _plumes(self, snap: FireSnapshot, front, regions, app: Appearance) -> list[Plume]:
        """The frame's smoke plumes from the active front and the burning crowns."""
        cfg, land = self.config, self.landscape
        if cfg.max_plumes == 0:
            return []
        cell = front.cell
        mid = 0.5 * (front.p0 + front.p1)
        seg = np.linalg.norm(front.p1 - front.p0, axis=1)
        inten = snap.fireline_intensity_kw_m[cell[:, 0], cell[:, 1]].astype(np.float64) * 1e3
        reg = regions.label[cell[:, 0], cell[:, 1]]
        gz = land.elevation_m[cell[:, 0], cell[:, 1]].astype(np.float64)
        bt = regions.burning_trees
        tree_xyz = self.geometry.crown_centre_m[bt].astype(np.float64) if bt.size else np.zeros((0, 3))
        plumes = fire_plumes(snap, mid, seg, inten, reg, gz, tree_xyz, regions.tree_region, self._air_k,
                             app.smoke_density_scale, cfg.max_plumes)
        return [dataclasses.replace(p, length_m=cfg.plume_length_m) for p in plumes]

    def render(self, snapshot: FireSnapshot, camera: Camera, appearance: Appearance | None = None,
               seed: int | None = None) -> Frame:
        """One labelled frame of ``snapshot`` seen by ``camera``.

        ``appearance`` fixes the look; otherwise it is sampled from ``config.randomization``
        (when set) or the default look. ``seed`` (default: from the snapshot time) seeds the
        appearance sampling and the sensor noise of this frame.
        """
        land = self.landscape
        if snapshot.burn_state.shape != land.shape:
            raise ValueError(f"snapshot.burn_state: expected shape {land.shape}, got {snapshot.burn_state.shape}")
        if np.shape(snapshot.tree_state) != (self.geometry.n_trees,):
            raise ValueError(f"snapshot.tree_state: expected {self.geometry.n_trees} trees, got {np.shape(snapshot.tree_state)}")
        t_start = time.perf_counter()
        self._ctx.make_current()
        rng, seed_key = self._frame_rng(snapshot, seed)
        if appearance is None:
            appearance = sample_appearance(rng, self.config.randomization) if self.config.randomization else Appearance()
        solar_hour = (land.scenario.weather.start_hour + snapshot.time_s / 3600.0 + appearance.hour_offset_h) % 24.0
        st = self._update_state(snapshot, appearance, solar_hour)
        light = st["light"]
        cam = camera
        uniforms = {
            "u_sun_dir": light.sun_dir, "u_sun_rgb": light.sun_rgb, "u_zenith": light.sky_zenith_rgb,
            "u_horizon": light.sky_horizon_rgb, "u_haze_rgb": light.haze_rgb, "u_exposure": light.exposure,
            "u_sky_eps_z": st["sky_eps_zenith"], "u_rad_air": st["l_air"],
            "u_cloud_cover": float(appearance.cloud_cover), "u_cloud_base_m": float(self._z_min + CLOUD_BASE_AGL_M),
            "u_rad_cloud": float(st["table"].radiance(th.cloud_base_temperature_k(self._air_k, CLOUD_BASE_AGL_M))),
            "u_cloud_rgb": (light.sun_rgb * max(float(light.sun_dir[2]), 0.0) * CLOUD_SUN_GAIN + light.sky_ambient_rgb * CLOUD_AMBIENT_GAIN).astype(np.float32),
            "u_sky_amb": light.sky_ambient_rgb, "u_ground_amb": light.ground_ambient_rgb,
            "u_cam_pos": cam.position_m.astype(np.float32), "u_haze_per_m": light.haze_per_m,
            "u_house_rad": st["house_rad"], "u_far_rad": st["far_rad"],
            "u_time": float(snapshot.time_s % FLAME_TIME_WRAP_S), "u_flame_rgb": FLAME_RGB_PROFILE,
            "u_haze_base_z": self._z_min, "u_haze_h": HAZE_SCALE_HEIGHT_M,
            "smoke": {"u_sun_rgb": light.sun_rgb * np.asarray(appearance.smoke_tint, np.float32),
                      "u_sun_dir": light.sun_dir,
                      "u_amb_rgb": (SMOKE_AMBIENT_GAIN * light.sky_ambient_rgb) * np.asarray(appearance.smoke_tint, np.float32),
                      "u_glow_rgb": np.asarray(SMOKE_FIRE_GLOW_RGB, np.float32) * float(fire_glow_visibility(light.sun_elevation_deg)), "u_time": float(snapshot.time_s % FLAME_TIME_WRAP_S),
                      "u_ext": SMOKE_MASS_EXTINCTION_M2_KG, "u_noise": float(self.config.smoke_noise)},
        }
        raw = self._gpu.render(cam, uniforms, self.config.amodal_flames, True)
        t_gpu = time.perf_counter()

        H, W = cam.height, cam.width
        K_out = cam.K.copy()
        lens = LensDistortion(*appearance.lens_distortion)
        if not lens.identity and cam.projection == "perspective":
            K_out = self._distort_raw(raw, cam, lens)
        depth = cam.depth_from_buffer(raw.depth01)
        semantic, instance = decode_ids(raw.ids)
        rgb = np.ascontiguousarray(raw.rgb)
        # Smoke (composited over the RGB on the GPU): optical depth -> opacity and labels.
        tau_vis = tau_full = None
        alpha = np.zeros((H, W), np.float32)
        if raw.smoke is not None:
            tau_vis = np.maximum(raw.smoke[..., 0], 0.0)
            tau_full = np.maximum(raw.smoke[..., 1], 0.0)
            alpha = np.negative(tau_vis)
            np.expm1(alpha, out=alpha)
            np.negative(alpha, out=alpha)  # 1 - exp(-tau)
        n_fire = st["regions"].count
        first_fire = st["first_fire"]
        fire_ids = range(first_fire, first_fire + n_fire)
        first_smoke = first_fire + n_fire
        if raw.smoke is not None:
            smoke_mask = smoke_visible(raw.rgb_clear, rgb, alpha, self.config.smoke_min_alpha, self.config.smoke_contrast)
            # flames stay flame unless the smoke in front of them is nearly opaque
            smoke_mask &= (semantic != FLAME) | (alpha >= SMOKE_OVER_FLAME_ALPHA)
            semantic[smoke_mask] = SMOKE
            n_smoke = smoke_regions(semantic, instance, first_smoke)
        else:
            n_smoke = 0
        smoke_ids = range(first_smoke, first_smoke + n_smoke)
        # Camera effects on the RGB (appearance): motion, optics, vignetting, sensor noise, JPEG.
        if appearance.motion_blur_px > 0:
            rgb = motion_blur(rgb, appearance.motion_blur_px, appearance.motion_blur_deg)
        if appearance.blur_sigma_px > 0:
            rgb = ndimage.gaussian_filter(rgb, sigma=(appearance.blur_sigma_px, appearance.blur_sigma_px, 0))
        if appearance.noise_sigma > 0:
            noisy = rgb.astype(np.float32) + rng.standard_normal(rgb.shape, dtype=np.float32) * np.float32(appearance.noise_sigma)
            rgb = np.clip(noisy + 0.5, 0, 255).astype(np.uint8)
        if appearance.vignetting > 0:
            gain = vignetting_gain(K_out, W, H, appearance.vignetting)
            rgb = np.clip(rgb.astype(np.float32) * gain[..., None] + 0.5, 0, 255).astype(np.uint8)
        if appearance.jpeg_quality > 0:
            rgb = jpeg_roundtrip(rgb, appearance.jpeg_quality)
        t_rgb = time.perf_counter()
        # Thermal: radiance of the surfaces -> atmosphere, smoke, sensor -> brightness temperature.
        # Path length ~ depth along the optical axis (a lower bound of the range, within 15 %
        # at the corners of a 60-degree view); sky pixels already carry the sky's radiance.
        path = np.where(depth < np.inf, depth, np.float32(0.0))
        thermal_k = th.sensor_brightness_temperature(raw.radiance, path, tau_vis, self._air_k,
                                                     self.config.thermal, rng)
        t_thermal = time.perf_counter()
        # Labels: instance -> class, boxes.
        present = np.bincount(instance.ravel())
        n_t, n_h = self.geometry.n_trees, self.geometry.n_houses
        inst_class = instance_classes(n_t, n_h, st["tree_sem"], fire_ids, smoke_ids, present)
        inst_class = {k: v for k, v in inst_class.items() if k < present.size and present[k] > 0}
        source: dict[int, tuple[str, int]] = {}
        for k in inst_class:
            if k <= n_t:
                source[k] = ("tree", k - 1)
            elif k <= n_t + n_h:
                source[k] = ("house", k - 1 - n_t)
            elif k < first_smoke:
                source[k] = ("fire_region", k - first_fire)
            else:
                source[k] = ("smoke_region", k - first_smoke)
        bounds = None
        if self.config.object_boxes:
            bounds = {}
            for k in inst_class:
                if k <= n_t:
                    bounds[k] = (self.geometry.tree_bounds_m[k - 1, 0], self.geometry.tree_bounds_m[k - 1, 1])
                elif k <= n_t + n_h:
                    j = k - 1 - n_t
                    bounds[k] = (self.geometry.house_bounds_m[j, 0], self.geometry.house_bounds_m[j, 1])
        tau_thr = -math.log(1.0 - self.config.smoke_min_alpha)
        boxes = make_boxes(semantic, instance, inst_class, fire_ids, smoke_ids, raw.amodal_ids, tau_full, tau_thr,
                           cam, bounds)
        t_labels = time.perf_counter()
        meta = self._metadata(snapshot, cam, appearance, light, st, seed_key, n_fire, n_smoke)
        meta["lens"] = {"K": K_out.tolist(), "distortion_opencv": lens.as_opencv(), "pinhole_render_K": cam.K.tolist(),
                        "model": "OpenCV (k1, k2, p1, p2, k3) on the frame's K; cv2.undistort(img, K, dist) gives the pinhole image"}
        timings = dict(st["timings"])
        timings.update(raw.timings)
        timings.update({"gpu_total_s": t_gpu - t_start, "rgb_post_s": t_rgb - t_gpu, "thermal_s": t_thermal - t_rgb,
                        "labels_s": t_labels - t_thermal, "total_s": time.perf_counter() - t_start})
        return Frame(rgb=rgb, depth_m=depth, semantic=semantic, instance=instance, thermal_k=thermal_k,
                     smoke_alpha=alpha, boxes=boxes, K=K_out, T_world_to_cam=cam.T_world_to_cam.copy(),
                     metadata=meta, label_names=dict(LABEL_NAMES), instance_class=inst_class,
                     instance_source=source, timings=timings, component_boxes=component_boxes(semantic))

    def _metadata(self, snap: FireSnapshot, cam: Camera, app: Appearance, light, st: dict, seed_key: list[int],
                  n_fire: int, n_smoke: int) -> dict:
        cell_a = self.landscape.cell_m**2
        burning = snap.burn_state == BurnState.BURNING
        reached = snap.burned_any
        if self._ignition_s is not None:
            since = snap.time_s - self._ignition_s
        else:
            fin = snap.arrival_time_s[np.isfinite(snap.arrival_time_s)]
            since = snap.time_s - float(fin.min()) if fin.size else None
        return {
            "time_s": float(snap.time_s),
            "time_since_ignition_s": None if since is None else float(since),
            "burned_area_m2": float(reached.sum() * cell_a),
            "burning_area_m2": float(burning.sum() * cell_a),
            "head_ros_m_per_s": float(snap.ros_m_per_s[burning].max()) if burning.any() else 0.0,
            "max_fireline_intensity_w_per_m": float(snap.fireline_intensity_kw_m[burning].max() * 1e3) if burning.any() else 0.0,
            "max_fireline_intensity_w_per_m_so_far": float(snap.fireline_intensity_kw_m[reached].max() * 1e3) if reached.any() else 0.0,
            "max_flame_length_m": float(snap.flame_length_m[burning].max()) if burning.any() else 0.0,
            "wind_speed_20ft_mps": float(snap.wind_speed_20ft_mps),
            "wind_from_deg": float(snap.wind_from_deg),
            "moisture_d1h": float(snap.moisture_d1h),
            "air_temperature_k": self._air_k,
            "sky_zenith_brightness_temperature_k": float(st["t_sky"]),
            "sky_model": "clear sky, 8-14 um window emissivity of Idso (1981), slant paths 1 - (1 - eps_z)^(1/cos)",
            "solar_elevation_deg": float(light.sun_elevation_deg),
            "solar_azimuth_deg": float(light.sun_azimuth_deg),
            "n_fire_regions": int(n_fire),
            "n_smoke_regions": int(n_smoke),
            "plumes": [dataclasses.asdict(p) for p in st["plumes"]],
            "smoke_label_rule": {"min_alpha": self.config.smoke_min_alpha, "luminance_contrast": self.config.smoke_contrast},
            "n_burning_trees": int(st["regions"].burning_trees.size),
            "camera": cam.to_dict(),
            "appearance": app.to_dict(),
            "thermal_sensor": dataclasses.asdict(self.config.thermal),
            "seed": seed_key,
            "depth_convention": "z along the optical axis, m; inf where sky",
            "thermal_units": "brightness temperature, K",
            "thermal8_range_k": list(THERMAL_DISPLAY_RANGE_K),
        }


def camera_preset(landscape: Landscape, name: str, width: int = 512, height: int = 512,
                  target_xy_m: tuple[float, float] | None = None, snapshot: FireSnapshot | None = None,
                  **overrides: object) -> Camera:
    """A ready-made platform camera by name (``uav``, ``uav_thermal``, ``tower``, ``nadir``; see
    :mod:`.platforms`) looking at ``target_xy_m`` (default: the fire of ``snapshot``, else the
    first ignition). ``overrides``: any other :class:`~.platforms.CameraSpec` field."""
    spec = CameraSpec(preset=name, width=width, height=height, target_xy_m=target_xy_m, **overrides)  # type: ignore[arg-type]
    return camera_for(landscape, spec, snapshot)
