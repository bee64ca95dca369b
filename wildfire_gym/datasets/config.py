"""The dataset description: distributions of scenes and frames, long-tail shares, outputs.

A dataset is ``scenes`` (one built landscape and one fire run each) times
``frames_per_scene`` (a time since ignition, a camera and a look per frame). Ranges are
``[lo, hi]`` sampled uniformly (``lo == hi`` fixes the value); weights are mappings of a
choice to a non-negative weight. Loaded from YAML by :func:`load_dataset_config` through the
package's typed parser, so every bad field is reported by its dotted path, e.g.
``camera.uav.altitude_agl_m: expected [lo, hi] with lo <= hi (got [120, 30])``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._assets import assets_dir
from .._config import parse, spec, to_plain
from ..errors import ScenarioError

Range = tuple[float, float]

PLATFORMS = ("uav", "uav_thermal", "tower", "nadir")
LONG_TAIL = ("small_early_fire", "night", "heavy_smoke", "near_houses", "occlusion", "smoke_without_flame",
             "negative")
"""Long-tail kinds; ``near_houses`` is drawn per scene, the others per frame."""


def _check_range(name: str, r: Range, lo: float | None = None, hi: float | None = None) -> None:
    if not r[0] <= r[1]:
        raise ScenarioError(name, "[lo, hi] with lo <= hi", list(r))
    if (lo is not None and r[0] < lo) or (hi is not None and r[1] > hi):
        raise ScenarioError(name, f"[lo, hi] within [{lo}, {hi}]", list(r))


def _check_weights(name: str, w: Mapping[str, float], allowed: tuple[str, ...] | None = None) -> None:
    if not w:
        raise ScenarioError(name, "at least one choice with a weight", {})
    for k, v in w.items():
        if allowed is not None and k not in allowed:
            raise ScenarioError(f"{name}.{k}", "one of " + ", ".join(allowed), k)
        if not v >= 0:
            raise ScenarioError(f"{name}.{k}", "a weight >= 0", v)
    if not 0 < sum(w.values()) < math.inf:
        raise ScenarioError(name, "weights with a finite sum more than 0", dict(w))


@dataclass(frozen=True)
class ImageConfig:
    """Frame size and the optional JPEG copy of the RGB."""

    width: int = spec(512, ge=16, le=4096, doc="pixels")
    height: int = spec(512, ge=16, le=4096, doc="pixels")
    jpeg_quality: int = spec(0, ge=0, le=100, doc="also write the RGB as JPEG at this quality (0: no JPEG)")


@dataclass(frozen=True)
class LandscapeConfig:
    """Terrain and surface fuels of each scene."""

    size_m: Range = spec((600.0, 1200.0), doc="side of the square terrain, m")
    cell_m: float = spec(10.0, ge=1.0, le=100.0, doc="raster cell, m")
    relief_m: Range = spec((0.0, 200.0), doc="fractal peak-to-valley relief, m")
    roughness: Range = spec((0.3, 0.7))
    fuels: dict[str, float] = spec(factory=lambda: {"GR2": 1.0, "TU5": 0.6, "SH5": 0.6, "TL8": 0.3},
                                   doc="fuel model -> weight of being the scene's main fuel")
    patchiness: Range = spec((0.0, 0.5), doc="area fraction given to a second fuel in patches")

    def __post_init__(self) -> None:
        _check_range("size_m", self.size_m, 50.0, 20000.0)
        _check_range("relief_m", self.relief_m, 0.0, 3000.0)
        _check_range("roughness", self.roughness, 0.0, 1.0)
        _check_range("patchiness", self.patchiness, 0.0, 0.9)
        _check_weights("fuels", self.fuels)
        if self.cell_m * 8 > self.size_m[0]:
            raise ScenarioError("cell_m", f"a cell at most 1/8 of the smallest terrain side {self.size_m[0]} m", self.cell_m)


@dataclass(frozen=True)
class ForestConfig:
    trees_per_ha: Range = spec((0.0, 200.0), doc="stem density, trees/ha")
    species: dict[str, float] = spec(factory=lambda: {"pine": 0.6, "oak": 0.4}, doc="species -> weight")
    clustering: Range = spec((0.1, 0.6))

    def __post_init__(self) -> None:
        _check_range("trees_per_ha", self.trees_per_ha, 0.0, 2000.0)
        _check_range("clustering", self.clustering, 0.0, 1.0)
        _check_weights("species", self.species)


@dataclass(frozen=True)
class HousesConfig:
    count: tuple[int, int] = spec((0, 8), doc="houses per scene [lo, hi]")
    near_fire_m: Range = spec((40.0, 120.0), doc="near_houses scenes: houses this far downwind of the ignition, m")

    def __post_init__(self) -> None:
        _check_range("count", self.count, 0, 200)  # type: ignore[arg-type]
        _check_range("near_fire_m", self.near_fire_m, 5.0, 2000.0)


@dataclass(frozen=True)
class IgnitionConfig:
    margin_frac: float = spec(0.3, ge=0.0, lt=0.5, doc="ignitions keep this fraction of the side from each edge")
    delay_s: float = spec(600.0, ge=60.0, le=86400.0, doc="ignition time; negatives are rendered before it, s")


@dataclass(frozen=True)
class WeatherRanges:
    wind_speed_mps: Range = spec((1.0, 10.0), doc="20-ft wind, m/s")
    wind_from_deg: Range = spec((0.0, 360.0))
    d1h: Range = spec((0.03, 0.12), doc="dead 1-h moisture, fraction")
    live_herb: Range = spec((0.3, 0.9), doc="live herbaceous moisture, fraction")
    air_temperature_c: Range = spec((10.0, 40.0))
    relative_humidity: Range = spec((0.1, 0.6), doc="fraction")

    def __post_init__(self) -> None:
        _check_range("wind_speed_mps", self.wind_speed_mps, 0.0, 40.0)
        _check_range("wind_from_deg", self.wind_from_deg, 0.0, 360.0)
        _check_range("d1h", self.d1h, 0.01, 0.4)
        _check_range("live_herb", self.live_herb, 0.0, 3.0)
        _check_range("air_temperature_c", self.air_temperature_c, -40.0, 55.0)
        _check_range("relative_humidity", self.relative_humidity, 0.01, 1.0)


@dataclass(frozen=True)
class UavPose:
    altitude_agl_m: Range = spec((30.0, 120.0))
    distance_m: Range = spec((40.0, 250.0), doc="horizontal stand-off from the fire's head, m")
    bearing_offset_deg: Range = spec((-180.0, 180.0), doc="bearing from the head, relative to the fire's heading")

    def __post_init__(self) -> None:
        _check_range("altitude_agl_m", self.altitude_agl_m, 30.0, 150.0)
        _check_range("distance_m", self.distance_m, 1.0, 5000.0)
        _check_range("bearing_offset_deg", self.bearing_offset_deg, -360.0, 360.0)


@dataclass(frozen=True)
class TowerPose:
    distance_m: Range = spec((2000.0, 12000.0))
    bearing_offset_deg: Range = spec((-180.0, 180.0))

    def __post_init__(self) -> None:
        _check_range("distance_m", self.distance_m, 1000.0, 40000.0)
        _check_range("bearing_offset_deg", self.bearing_offset_deg, -360.0, 360.0)


@dataclass(frozen=True)
class NadirPose:
    gsd_m: Range = spec((0.5, 3.0), doc="ground sampling distance, m/pixel")

    def __post_init__(self) -> None:
        _check_range("gsd_m", self.gsd_m, 0.01, 1000.0)


@dataclass(frozen=True)
class CameraConfig:
    platforms: dict[str, float] = spec(factory=lambda: {"uav": 0.5, "uav_thermal": 0.1, "tower": 0.25, "nadir": 0.15},
                                       doc="platform -> weight")
    uav: UavPose = field(default_factory=UavPose)
    tower: TowerPose = field(default_factory=TowerPose)
    nadir: NadirPose = field(default_factory=NadirPose)

    def __post_init__(self) -> None:
        _check_weights("platforms", self.platforms, PLATFORMS)


@dataclass(frozen=True)
class SensorConfig:
    """The look of a frame (see :class:`wildfire_gym.render.Appearance`)."""

    sun_intensity: Range = spec((0.7, 1.2))
    haze_per_m: Range = spec((1.0e-5, 3.0e-4), doc="aerial-perspective extinction, 1/m (log-uniform)")
    exposure: Range = spec((0.7, 1.4))
    blur_sigma_px: Range = spec((0.0, 1.0))
    noise_sigma: Range = spec((0.0, 4.0), doc="8-bit counts")
    smoke_density_scale: Range = spec((0.5, 2.0))
    colour_jitter: float = spec(0.15, ge=0.0, le=0.5, doc="relative jitter of sky, terrain and foliage colours")
    vignetting: Range = spec((0.0, 0.3), doc="cos^4 vignetting strength (0 none, 1 full)")
    motion_blur_px: Range = spec((0.0, 2.0), doc="length of a motion streak, pixels")
    lens_k1: Range = spec((-0.08, 0.02), doc="OpenCV radial distortion k1 (barrel < 0 < pincushion)")
    jpeg_share: float = spec(0.3, ge=0.0, le=1.0, doc="share of frames stored through JPEG compression")
    jpeg_quality: Range = spec((60.0, 95.0), doc="JPEG quality of those frames (1-95)")
    cloud_cover: Range = spec((0.0, 0.6), doc="cumulus cover fraction")

    def __post_init__(self) -> None:
        _check_range("vignetting", self.vignetting, 0.0, 1.0)
        _check_range("motion_blur_px", self.motion_blur_px, 0.0, 50.0)
        _check_range("lens_k1", self.lens_k1, -0.5, 0.5)
        _check_range("jpeg_quality", self.jpeg_quality, 1.0, 95.0)
        _check_range("cloud_cover", self.cloud_cover, 0.0, 1.0)
        _check_range("sun_intensity", self.sun_intensity, 0.0, 5.0)
        _check_range("haze_per_m", self.haze_per_m, 1e-7, 1e-2)
        _check_range("exposure", self.exposure, 0.05, 10.0)
        _check_range("blur_sigma_px", self.blur_sigma_px, 0.0, 10.0)
        _check_range("noise_sigma", self.noise_sigma, 0.0, 50.0)
        _check_range("smoke_density_scale", self.smoke_density_scale, 0.0, 20.0)


@dataclass(frozen=True)
class LongTailConfig:
    """Shares of the hard cases and how each is made (frame shares sum to at most 1)."""

    small_early_fire: float = spec(0.1, ge=0.0, le=1.0, doc="frames shortly after ignition")
    night: float = spec(0.1, ge=0.0, le=1.0, doc="frames between dusk and dawn")
    heavy_smoke: float = spec(0.05, ge=0.0, le=1.0, doc="frames with dense smoke")
    near_houses: float = spec(0.1, ge=0.0, le=1.0, doc="scenes with houses just downwind of the ignition")
    occlusion: float = spec(0.05, ge=0.0, le=1.0, doc="low UAV frames looking through a forest")
    smoke_without_flame: float = spec(0.05, ge=0.0, le=1.0, doc="frames tilted above the flames (plume only)")
    negative: float = spec(0.1, ge=0.0, le=1.0, doc="frames before the ignition (no fire, no smoke)")
    small_early_time_s: Range = spec((20.0, 180.0), doc="time since ignition of small early fires, s")
    night_hour: Range = spec((21.0, 28.0), doc="solar hour of night frames (24+ is after midnight)")
    heavy_smoke_density: Range = spec((2.5, 6.0), doc="smoke density scale of heavy-smoke frames")
    occlusion_trees_per_ha: float = spec(250.0, ge=0.0, le=2000.0, doc="at least this stem density in scenes with occlusion frames")

    def __post_init__(self) -> None:
        frame = sum(getattr(self, k) for k in LONG_TAIL if k != "near_houses")
        if frame > 1.0 + 1e-9:
            raise ScenarioError("negative", "frame shares (all but near_houses) that sum to at most 1", round(frame, 6))
        _check_range("small_early_time_s", self.small_early_time_s, 1.0, 86400.0)
        _check_range("night_hour", self.night_hour, 0.0, 48.0)
        _check_range("heavy_smoke_density", self.heavy_smoke_density, 0.0, 20.0)


@dataclass(frozen=True)
class SplitConfig:
    """Shares of scenes (never frames) in each split."""

    train: float = spec(0.8, ge=0.0, le=1.0)
    val: float = spec(0.1, ge=0.0, le=1.0)
    test: float = spec(0.1, ge=0.0, le=1.0)

    def __post_init__(self) -> None:
        if abs(self.train + self.val + self.test - 1.0) > 1e-6:
            raise ScenarioError("test", "train + val + test = 1", round(self.train + self.val + self.test, 6))


@dataclass(frozen=True)
class DatasetConfig:
    """Everything that defines a generated dataset but its size (``--frames``)."""

    name: str = "synthetic-fire"
    seed: int = spec(0, ge=0, le=2**32 - 1)
    frames_per_scene: int = spec(24, ge=1, le=100000, doc="frames rendered from each built scene")
    image: ImageConfig = field(default_factory=ImageConfig)
    landscape: LandscapeConfig = field(default_factory=LandscapeConfig)
    forest: ForestConfig = field(default_factory=ForestConfig)
    houses: HousesConfig = field(default_factory=HousesConfig)
    ignition: IgnitionConfig = field(default_factory=IgnitionConfig)
    weather: WeatherRanges = field(default_factory=WeatherRanges)
    time_since_ignition_s: Range = spec((300.0, 3600.0), doc="of ordinary fire frames, s")
    start_hour: float = spec(13.0, ge=0.0, lt=24.0, doc="solar hour at the scene's t = 0 (ignition later)")
    hour_of_day: Range = spec((7.0, 18.0), doc="solar hour of ordinary frames")
    camera: CameraConfig = field(default_factory=CameraConfig)
    sensor: SensorConfig = field(default_factory=SensorConfig)
    long_tail: LongTailConfig = field(default_factory=LongTailConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    min_box_pixels: int = spec(4, ge=1, le=10000, doc="fire/smoke/structure instances smaller than this are not annotated")
    tree_lod: int = spec(0, ge=0, le=2, doc="tree mesh detail")

    def __post_init__(self) -> None:
        _check_range("time_since_ignition_s", self.time_since_ignition_s, 1.0, 86400.0)
        _check_range("hour_of_day", self.hour_of_day, 0.0, 48.0)

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


def dataset_config_from_dict(data: Mapping[str, Any] | None, source: str | None = None) -> DatasetConfig:
    """Validate plain data into a :class:`DatasetConfig` (fuel codes and species checked too)."""
    from ..fuel_models import known_fuel_codes
    from ..species import species_table

    try:
        cfg = parse(DatasetConfig, data)
        codes = known_fuel_codes()
        for code in cfg.landscape.fuels:
            if code not in codes:
                raise ScenarioError(f"landscape.fuels.{code}", "a known fuel model code (FM1..FM13, GR1..SB4)", code)
        table = species_table()
        for name in cfg.forest.species:
            if name not in table:
                raise ScenarioError(f"forest.species.{name}", "a species among " + ", ".join(sorted(table)), name)
    except ScenarioError as exc:
        raise exc.with_source(source) if source else exc from None
    return cfg


def builtin_dataset_configs() -> dict[str, Path]:
    return {p.stem: p for p in sorted((assets_dir() / "datasets").glob("*.yaml"))}


def load_dataset_config(path_or_name: str | os.PathLike[str]) -> DatasetConfig:
    """A dataset config from a YAML file or a built-in name (``default``)."""
    text = str(path_or_name)
    path = Path(text)
    if not path.is_file():
        builtins = builtin_dataset_configs()
        if text not in builtins:
            raise ScenarioError("CONFIG", "an existing YAML file or a built-in dataset config among "
                                + ", ".join(builtins), text)
        path = builtins[text]
    from .._config import load_yaml_file

    data = load_yaml_file(path)  # the package's safe loader: limits on size, nesting and alias expansion
    if data is not None and not isinstance(data, Mapping):
        raise ScenarioError("<root>", "a mapping of dataset keys", data, source=str(path))
    return dataset_config_from_dict(data, source=str(path))
