"""Cameras like the platforms real fire imagery comes from, and the parsing of their options.

Presets (every value overridable through :class:`CameraSpec`):

* ``uav`` -- a small multirotor's RGB camera (84 deg diagonal field of view, the DJI Mavic 3
  Enterprise wide camera), :data:`UAV_ALTITUDE_AGL_M` above the ground, standing off
  :data:`UAV_STANDOFF_M` from the fire and looking at it.
* ``uav_thermal`` -- the radiometric payload of such drones: 640 x 512 pixels, 40.6 deg
  diagonal (DJI Zenmuse H20T thermal camera).
* ``tower`` -- a lookout camera (HPWREN / ALERTWildfire style) on a ridge
  :data:`TOWER_DISTANCE_M` from the fire, :data:`TOWER_RIDGE_RELIEF_M` above the fire's
  ground, 60 deg horizontal field of view, tilted so the fire sits low in the image and the
  sky above it shows the plume. The camera may stand outside the terrain (the renderer draws
  a far-ground skirt around it).
* ``nadir`` -- an aircraft or satellite looking straight down (orthographic) at a stated
  ground sampling distance ``gsd_m`` (m per pixel), north up.

``aim``: ``"fire"`` looks at the fire's head (the flaming point farthest downwind; else the
burn's centre, else the first ignition), ``"centre"`` at the terrain centre, ``"none"`` uses
``yaw_deg``/``pitch_deg`` as given. A position ``(x_m, y_m)`` overrides the standoff
placement (distance and bearing from the target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError
from ..fire.state import BurnState, FireSnapshot
from .camera import (
    DEFAULT_FAR_M,
    Camera,
    extrinsics,
    ground_elevation_m,
    intrinsics_from_fov,
    look_at_angles,
    nadir_camera,
    rotation_world_to_cam,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..world.landscape import Landscape

PRESETS = ("uav", "uav_thermal", "tower", "nadir")
AIMS = ("fire", "centre", "none")

UAV_RGB_DIAGONAL_FOV_DEG = 84.0
"""deg; DJI Mavic 3 Enterprise wide camera (24 mm equivalent), the commonest fire-survey drone."""
UAV_THERMAL_DIAGONAL_FOV_DEG = 40.6
"""deg; DJI Zenmuse H20T radiometric thermal camera (13.5 mm lens, 640 x 512, 12 um pixels)."""
UAV_THERMAL_RESOLUTION = (640, 512)
"""pixels (width, height) of the common uncooled thermal cores (FLIR Boson/Tau 640, H20T)."""
UAV_ALTITUDE_AGL_M = 45.0
"""m; default flight height above ground (FLAME datasets: 30-120 m over prescribed burns)."""
UAV_STANDOFF_M = 70.0
"""m; default horizontal distance from the aim point."""
UAV_BEARING_FROM_WIND_DEG = 60.0
"""deg; the UAV stands at this bearing off the fire's heading (sees the head and its flank)."""
UAV_ALTITUDE_RANGE_M = (30.0, 150.0)
"""m; the altitudes the ``uav`` presets accept (small UAS, FAA Part 107 ceiling ~120 m)."""
TOWER_DISTANCE_M = 8000.0
"""m; default horizontal distance of the lookout from the fire (FIgLib smokes: 5-30 km)."""
TOWER_DISTANCE_RANGE_M = (1000.0, 40000.0)
"""m; the distances the ``tower`` preset accepts."""
TOWER_RIDGE_RELIEF_M = 150.0
"""m; height of the lookout's ridge above the fire's ground (mountaintop HPWREN sites)."""
TOWER_MAST_M = 10.0
"""m; camera mast on the ridge."""
TOWER_HORIZONTAL_FOV_DEG = 60.0
"""deg; wide lookout camera (a quarter of a 4-camera 360 deg HPWREN station, with overlap)."""
TOWER_FIRE_ROW_FRACTION = 0.72
"""The fire's base appears this far down the tower image (the rest above it is ridge and sky)."""
NADIR_GSD_M = 1.0
"""m per pixel; default ground sampling distance of the nadir view (airborne mapping)."""
NADIR_ALTITUDE_ABOVE_TERRAIN_M = 3000.0
"""m; the orthographic image plane sits this far above the highest terrain."""


def fov_y_from_diagonal_deg(diagonal_fov_deg: float, width: int, height: int) -> float:
    """Vertical field of view (deg) of a square-pixel sensor with the given diagonal field of view."""
    t = math.tan(math.radians(diagonal_fov_deg) / 2.0) * height / math.hypot(width, height)
    return math.degrees(2.0 * math.atan(t))


def fov_y_from_horizontal_deg(horizontal_fov_deg: float, width: int, height: int) -> float:
    """Vertical field of view (deg) of a square-pixel sensor with the given horizontal one."""
    return math.degrees(2.0 * math.atan(math.tan(math.radians(horizontal_fov_deg) / 2.0) * height / width))


@dataclass(frozen=True)
class CameraSpec:
    """What camera to make; ``None`` fields take the preset's default (see the module docs).

    Lengths m, angles deg (``yaw_deg`` compass heading of the view, ``pitch_deg`` below the
    horizon, ``bearing_deg`` compass bearing from the aim point to the camera).
    """

    preset: str = "uav"
    width: int | None = None
    height: int | None = None
    x_m: float | None = None
    y_m: float | None = None
    altitude_agl_m: float | None = None
    distance_m: float | None = None
    bearing_deg: float | None = None
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    fov_y_deg: float | None = None
    gsd_m: float | None = None
    aim: str = "fire"
    target_xy_m: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ScenarioError("camera", "one of " + ", ".join(PRESETS), self.preset)
        if self.aim not in AIMS:
            raise ScenarioError("aim", "one of " + ", ".join(AIMS), self.aim)
        for name in ("width", "height"):
            v = getattr(self, name)
            if v is not None and (int(v) != v or not 8 <= v <= 8192):
                raise ScenarioError(name, "an integer number of pixels in [8, 8192]", v)
        if (self.x_m is None) != (self.y_m is None):
            raise ScenarioError("position", "both x_m and y_m (or neither)", (self.x_m, self.y_m))
        if self.altitude_agl_m is not None:
            lo, hi = UAV_ALTITUDE_RANGE_M if self.preset.startswith("uav") else (1.0, 50000.0)
            if not lo <= self.altitude_agl_m <= hi:
                raise ScenarioError("altitude_agl_m", f"{lo:g}..{hi:g} m for the {self.preset} camera", self.altitude_agl_m)
        if self.distance_m is not None:
            lo, hi = TOWER_DISTANCE_RANGE_M if self.preset == "tower" else (1.0, 50000.0)
            if not lo <= self.distance_m <= hi:
                raise ScenarioError("distance_m", f"{lo:g}..{hi:g} m for the {self.preset} camera", self.distance_m)
        if self.fov_y_deg is not None and not 1.0 <= self.fov_y_deg <= 150.0:
            raise ScenarioError("fov_y_deg", "a vertical field of view of 1..150 deg", self.fov_y_deg)
        if self.pitch_deg is not None and not -90.0 <= self.pitch_deg <= 90.0:
            raise ScenarioError("pitch_deg", "-90..90 deg below the horizon", self.pitch_deg)
        if self.gsd_m is not None and not 0.01 <= self.gsd_m <= 1000.0:
            raise ScenarioError("gsd_m", "a ground sampling distance of 0.01..1000 m per pixel", self.gsd_m)

    def resolution(self) -> tuple[int, int]:
        default = UAV_THERMAL_RESOLUTION if self.preset == "uav_thermal" else (512, 512)
        w = int(self.width) if self.width is not None else default[0]
        h = int(self.height) if self.height is not None else (default[1] if self.width is None else w)
        return w, h


def fire_aim_point(landscape: Landscape, snapshot: FireSnapshot | None) -> tuple[float, float]:
    """Where ``aim="fire"`` looks, m: the head (farthest downwind cells) of the largest flaming
    region, else the centre of the burn, else the first ignition, else the terrain centre."""
    sx, sy = landscape.size_m
    cell = landscape.cell_m
    if snapshot is not None:
        burning = snapshot.burn_state == BurnState.BURNING
        if burning.any():
            # the largest flaming region (spot fires and stragglers aside), cells 2 apart merged
            from scipy import ndimage

            lab, n = ndimage.label(ndimage.binary_dilation(burning, iterations=1), structure=np.ones((3, 3), bool))
            lab = np.where(burning, lab, 0)
            biggest = int(np.argmax(np.bincount(lab.ravel())[1:])) + 1 if n else 0
            iy, ix = np.nonzero(lab == biggest)
            wf = math.radians(snapshot.wind_from_deg)
            along = -(ix * math.sin(wf) + iy * math.cos(wf))  # projection on the wind's heading
            head = along >= along.max() - 1.0  # the cells within a cell of the farthest (ties spread)
            return float((ix[head].mean() + 0.5) * cell), float((iy[head].mean() + 0.5) * cell)
        burnt = snapshot.burned_any
        if burnt.any():
            iy, ix = np.nonzero(burnt)
            return float((ix.mean() + 0.5) * cell), float((iy.mean() + 0.5) * cell)
    ign = landscape.scenario.ignitions
    if ign:
        return float(ign[0].x_m), float(ign[0].y_m)
    return sx / 2.0, sy / 2.0


def _heading_deg(landscape: Landscape, snapshot: FireSnapshot | None) -> float:
    """Compass direction the fire heads (downwind), deg."""
    wf = snapshot.wind_from_deg if snapshot is not None else landscape.scenario.weather.wind_from_deg
    return (float(wf) + 180.0) % 360.0


def camera_for(landscape: Landscape, spec: CameraSpec, snapshot: FireSnapshot | None = None) -> Camera:
    """The :class:`~.camera.Camera` a spec describes for ``landscape`` (at ``snapshot``'s fire)."""
    w, h = spec.resolution()
    sx, sy = landscape.size_m
    if spec.target_xy_m is not None:
        tgt = (float(spec.target_xy_m[0]), float(spec.target_xy_m[1]))
    elif spec.aim == "fire":
        tgt = fire_aim_point(landscape, snapshot)
    else:
        tgt = (sx / 2.0, sy / 2.0)
    if spec.preset == "nadir":
        gsd = spec.gsd_m if spec.gsd_m is not None else NADIR_GSD_M
        top = float(np.max(landscape.elevation_m)) + NADIR_ALTITUDE_ABOVE_TERRAIN_M
        centre = (spec.x_m, spec.y_m) if spec.x_m is not None else tgt
        return replace(nadir_camera(landscape, centre, gsd * w, w, h, top), name="nadir")
    heading = _heading_deg(landscape, snapshot)
    if spec.preset == "tower":
        dist = spec.distance_m if spec.distance_m is not None else TOWER_DISTANCE_M
        bearing = spec.bearing_deg if spec.bearing_deg is not None else (heading + 90.0) % 360.0
        fov_y = spec.fov_y_deg if spec.fov_y_deg is not None else fov_y_from_horizontal_deg(TOWER_HORIZONTAL_FOV_DEG, w, h)
        z_tgt = ground_elevation_m(landscape, *tgt)
        if spec.x_m is not None:
            x, y = float(spec.x_m), float(spec.y_m)  # type: ignore[arg-type]
        else:
            b = math.radians(bearing)
            x, y = tgt[0] + dist * math.sin(b), tgt[1] + dist * math.cos(b)
        # The lookout stands on a ridge above the fire's ground (the terrain may not reach it).
        z = z_tgt + (spec.altitude_agl_m if spec.altitude_agl_m is not None else TOWER_RIDGE_RELIEF_M + TOWER_MAST_M)
        name, near = "tower", 5.0
    else:
        dist = spec.distance_m if spec.distance_m is not None else UAV_STANDOFF_M
        bearing = spec.bearing_deg if spec.bearing_deg is not None else (heading + UAV_BEARING_FROM_WIND_DEG) % 360.0
        diag = UAV_THERMAL_DIAGONAL_FOV_DEG if spec.preset == "uav_thermal" else UAV_RGB_DIAGONAL_FOV_DEG
        fov_y = spec.fov_y_deg if spec.fov_y_deg is not None else fov_y_from_diagonal_deg(diag, w, h)
        if spec.x_m is not None:
            x, y = float(spec.x_m), float(spec.y_m)  # type: ignore[arg-type]
        else:
            b = math.radians(bearing)
            x, y = tgt[0] + dist * math.sin(b), tgt[1] + dist * math.cos(b)
        z = ground_elevation_m(landscape, x, y) + (spec.altitude_agl_m if spec.altitude_agl_m is not None else UAV_ALTITUDE_AGL_M)
        name, near = spec.preset, 0.5
    eye = np.array([x, y, z])
    if spec.aim != "none" or spec.yaw_deg is None or spec.pitch_deg is None:
        target3 = np.array([tgt[0], tgt[1], ground_elevation_m(landscape, *tgt)])
        if np.linalg.norm(target3[:2] - eye[:2]) < 1e-6:
            yaw, pitch = 0.0, 90.0
        else:
            yaw, pitch = look_at_angles(eye, target3)
        if spec.preset == "tower":  # put the fire low in the image: tilt up by the offset of its row
            fy = (h / 2.0) / math.tan(math.radians(fov_y) / 2.0)
            pitch -= math.degrees(math.atan((TOWER_FIRE_ROW_FRACTION - 0.5) * h / fy))
    else:
        yaw, pitch = 0.0, 0.0
    if spec.yaw_deg is not None:
        yaw = float(spec.yaw_deg)
    if spec.pitch_deg is not None:
        pitch = float(spec.pitch_deg)
    T = extrinsics(eye, rotation_world_to_cam(yaw, pitch))
    return Camera(w, h, intrinsics_from_fov(w, h, fov_y), T, "perspective", near, DEFAULT_FAR_M, name)


def _parse_pair(flag: str, text: str | None, kind: type = float, sep: str = ",") -> tuple | None:
    if text is None:
        return None
    parts = text.lower().replace("x", sep).split(sep) if kind is int else text.split(sep)
    try:
        vals = tuple(kind(p.strip()) for p in parts)
    except ValueError:
        vals = ()
    if len(vals) != 2:
        want = "WIDTHxHEIGHT in pixels, e.g. 640x512" if kind is int else "two numbers X,Y in metres, e.g. 400,300"
        raise ScenarioError(flag, want, text)
    return vals


def parse_times_s(text: str | None, duration_s: float, frames: int) -> list[float]:
    """``--times "600,1200"`` -> seconds (each in (0, duration]); ``None`` -> ``frames`` evenly spread."""
    if text is None:
        return [float(t) for t in np.linspace(duration_s / frames, duration_s, frames)]
    try:
        ts = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        ts = []
    if not ts or any(not (0.0 <= t <= duration_s) for t in ts) or any(b < a for a, b in zip(ts, ts[1:])):
        raise ScenarioError("--times", f"comma-separated increasing seconds in [0, {duration_s:g}]", text)
    return ts


def spec_from_options(camera: str, resolution: str | None = None, size: int | None = None,
                      position: str | None = None, altitude_agl_m: float | None = None,
                      distance_m: float | None = None, bearing_deg: float | None = None,
                      yaw_deg: float | None = None, pitch_deg: float | None = None,
                      fov_y_deg: float | None = None, gsd_m: float | None = None, aim: str = "fire") -> CameraSpec:
    """A :class:`CameraSpec` from command-line options; bad values raise :class:`ScenarioError`
    naming the flag."""
    res = _parse_pair("--resolution", resolution, int)
    pos = _parse_pair("--position", position)
    w, h = (res if res is not None else ((size, size) if size is not None else (None, None)))
    flags = {"camera": "--camera", "aim": "--aim", "width": "--resolution", "height": "--resolution",
             "position": "--position", "altitude_agl_m": "--altitude-agl", "distance_m": "--distance",
             "fov_y_deg": "--fov", "pitch_deg": "--pitch", "gsd_m": "--gsd"}
    if aim == "none" and (yaw_deg is None or pitch_deg is None):
        raise ScenarioError("--aim", "--yaw and --pitch as well when --aim none", aim)
    try:
        return CameraSpec(preset=camera, width=w, height=h, x_m=pos[0] if pos else None, y_m=pos[1] if pos else None,
                          altitude_agl_m=altitude_agl_m, distance_m=distance_m, bearing_deg=bearing_deg,
                          yaw_deg=yaw_deg, pitch_deg=pitch_deg, fov_y_deg=fov_y_deg, gsd_m=gsd_m, aim=aim)
    except ScenarioError as exc:
        raise ScenarioError(flags.get(exc.field, exc.field), exc.expected, exc.got) from None
