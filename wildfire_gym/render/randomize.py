"""Seeded domain randomisation of a frame's look: sun and time of day, haze, sky, palettes,
camera noise, blur and exposure, smoke density.

:class:`Appearance` is the full set of look parameters (its defaults are the plain,
un-randomised look); :func:`sample_appearance` draws one from :class:`RandomizationRanges`
with an explicit ``np.random.Generator`` -- the same seed gives the same appearance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Appearance:
    """Look parameters of one frame (colours linear RGB).

    ``hour_offset_h`` shifts the scenario's solar time; ``haze_per_m`` aerial-perspective
    extinction (1/m); ``exposure`` multiplies linear radiance before the tonemap;
    ``blur_sigma_px`` Gaussian optical blur; ``noise_sigma`` sensor noise in 8-bit counts;
    ``smoke_density_scale`` multiplies the smoke emission. Sensor effects (:mod:`.sensor`):
    ``vignetting`` strength of the ``cos^4`` fall-off in [0, 1]; ``motion_blur_px`` /
    ``motion_blur_deg`` length and direction of a motion streak; ``jpeg_quality`` 1-95 (0: no
    JPEG); ``lens_distortion`` OpenCV ``(k1, k2, p1, p2, k3)``; ``cloud_cover`` fraction of
    the sky under a cumulus layer (0 clear).
    """

    hour_offset_h: float = 0.0
    sun_intensity: float = 1.0
    haze_per_m: float = 6.0e-5
    haze_rgb: tuple[float, float, float] = (0.62, 0.68, 0.78)
    sky_zenith_rgb: tuple[float, float, float] = (0.18, 0.34, 0.72)
    sky_horizon_rgb: tuple[float, float, float] = (0.62, 0.70, 0.82)
    terrain_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    foliage_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    exposure: float = 1.0
    blur_sigma_px: float = 0.0
    noise_sigma: float = 0.0
    smoke_density_scale: float = 1.0
    smoke_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    vignetting: float = 0.0
    motion_blur_px: float = 0.0
    motion_blur_deg: float = 0.0
    jpeg_quality: int = 0
    lens_distortion: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
    cloud_cover: float = 0.0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RandomizationRanges:
    """Uniform ranges ``(lo, hi)`` sampled by :func:`sample_appearance`."""

    hour_offset_h: tuple[float, float] = (-4.0, 4.0)
    sun_intensity: tuple[float, float] = (0.7, 1.2)
    haze_per_m: tuple[float, float] = (1.0e-5, 3.0e-4)
    sky_jitter: float = 0.15
    palette_jitter: float = 0.15
    exposure: tuple[float, float] = (0.7, 1.4)
    blur_sigma_px: tuple[float, float] = (0.0, 1.2)
    noise_sigma: tuple[float, float] = (0.0, 4.0)
    smoke_density_scale: tuple[float, float] = (0.4, 2.5)
    vignetting: tuple[float, float] = (0.0, 0.6)
    motion_blur_px: tuple[float, float] = (0.0, 3.0)
    jpeg_quality: tuple[float, float] = (55.0, 95.0)
    distortion_k1: tuple[float, float] = (-0.12, 0.03)
    """OpenCV k1 of action-camera and drone lenses (barrel, k1 < 0, dominates)."""
    distortion_k2: tuple[float, float] = (-0.02, 0.02)
    distortion_p: tuple[float, float] = (-0.001, 0.001)
    cloud_cover: tuple[float, float] = (0.0, 0.7)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple) and not (len(v) == 2 and v[0] <= v[1]):
                raise ValueError(f"{f.name}: expected (lo, hi) with lo <= hi, got {v}")
        if self.blur_sigma_px[0] < 0 or self.noise_sigma[0] < 0 or self.haze_per_m[0] < 0 or self.exposure[0] <= 0:
            raise ValueError("blur_sigma_px/noise_sigma/haze_per_m: expected >= 0 and exposure > 0")


def _jitter_rgb(rng: np.random.Generator, base: tuple[float, float, float], amount: float) -> tuple[float, float, float]:
    c = np.asarray(base) * (1.0 + amount * rng.uniform(-1.0, 1.0, 3)) * (1.0 + amount * rng.uniform(-1.0, 1.0))
    return tuple(float(x) for x in np.clip(c, 0.0, 1.5))  # type: ignore[return-value]


def sample_appearance(rng: np.random.Generator, ranges: RandomizationRanges | None = None) -> Appearance:
    """Draw one :class:`Appearance` (deterministic for a given generator state)."""
    r = ranges or RandomizationRanges()
    base = Appearance()

    def u(lohi: tuple[float, float]) -> float:
        return float(rng.uniform(lohi[0], lohi[1]))

    return Appearance(
        hour_offset_h=u(r.hour_offset_h), sun_intensity=u(r.sun_intensity),
        haze_per_m=float(np.exp(rng.uniform(np.log(max(r.haze_per_m[0], 1e-9)), np.log(max(r.haze_per_m[1], 1e-9))))),
        haze_rgb=_jitter_rgb(rng, base.haze_rgb, r.sky_jitter),
        sky_zenith_rgb=_jitter_rgb(rng, base.sky_zenith_rgb, r.sky_jitter),
        sky_horizon_rgb=_jitter_rgb(rng, base.sky_horizon_rgb, r.sky_jitter),
        terrain_tint=_jitter_rgb(rng, base.terrain_tint, r.palette_jitter),
        foliage_tint=_jitter_rgb(rng, base.foliage_tint, r.palette_jitter),
        exposure=u(r.exposure), blur_sigma_px=u(r.blur_sigma_px), noise_sigma=u(r.noise_sigma),
        smoke_density_scale=u(r.smoke_density_scale),
        smoke_tint=_jitter_rgb(rng, base.smoke_tint, 0.5 * r.sky_jitter),
        vignetting=u(r.vignetting), motion_blur_px=u(r.motion_blur_px), motion_blur_deg=float(rng.uniform(0.0, 180.0)),
        jpeg_quality=int(round(u(r.jpeg_quality))),
        lens_distortion=(u(r.distortion_k1), u(r.distortion_k2), u(r.distortion_p), u(r.distortion_p), 0.0),
        cloud_cover=u(r.cloud_cover),
    )


NIGHT_SOLAR_HOUR = 22.5
"""Local solar time of :func:`night_appearance`, h."""
NIGHT_EXPOSURE = 2.0
"""Exposure of a night frame (a camera's auto exposure opens up in the dark)."""


def night_appearance(start_hour: float, time_s: float, base: Appearance | None = None) -> Appearance:
    """``base`` (default look) shifted to :data:`NIGHT_SOLAR_HOUR` at ``time_s`` s after a start at
    ``start_hour`` (local solar time, h), with the night exposure."""
    b = base or Appearance()
    now = (float(start_hour) + float(time_s) / 3600.0) % 24.0
    return dataclasses.replace(b, hour_offset_h=(NIGHT_SOLAR_HOUR - now) % 24.0, exposure=NIGHT_EXPOSURE)
