"""Cameras with recorded intrinsics and extrinsics (OpenCV convention).

Conventions (used by every frame this package writes):

* World: ``x`` east, ``y`` north, ``z`` up, metres, origin at the south-west corner of
  the terrain (as in :mod:`wildfire_gym.scenario`).
* Camera frame (OpenCV): ``x`` right, ``y`` down, ``z`` forward along the optical axis.
  ``T_world_to_cam`` (4x4) maps homogeneous world points to camera points:
  ``p_cam = T_world_to_cam @ [x, y, z, 1]``.
* Pixels: ``u`` column (right), ``v`` row (down); the *centre* of pixel ``(row 0, col 0)``
  is ``(u, v) = (0, 0)`` (OpenCV), so the principal point of a centred camera is
  ``((W - 1) / 2, (H - 1) / 2)``.
* Perspective: ``[u, v, 1]^T ~ K @ p_cam`` (``K`` 3x3, focal lengths in pixels).
* Orthographic (``projection == "orthographic"``, the nadir/satellite camera): ``K`` maps
  camera-frame metres to pixels ignoring depth: ``u = K[0,0] * x_cam + K[0,2]``,
  ``v = K[1,1] * y_cam + K[1,2]`` (``K[0,0]`` is pixels per metre).
* Depth images hold ``z_cam`` (distance along the optical axis, metres, float32), not the
  range along the ray; sky pixels are ``+inf``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..world.landscape import Landscape

DEFAULT_NEAR_M = 1.0
"""Near clipping distance, m."""
DEFAULT_FAR_M = 60000.0
"""Far clipping distance, m (beyond it the view is sky)."""
GL_FROM_CV = np.diag([1.0, -1.0, -1.0, 1.0])
"""OpenGL eye frame (y up, looking down -z) from the OpenCV camera frame."""


@dataclass(frozen=True)
class Camera:
    """A pinhole or orthographic camera: resolution, intrinsics ``K``, extrinsics, clip range."""

    width: int
    height: int
    K: np.ndarray  # float64 [3, 3]
    T_world_to_cam: np.ndarray  # float64 [4, 4]
    projection: Literal["perspective", "orthographic"] = "perspective"
    near_m: float = DEFAULT_NEAR_M
    far_m: float = DEFAULT_FAR_M
    name: str = "camera"

    def __post_init__(self) -> None:
        if not (isinstance(self.width, int) and isinstance(self.height, int)) or self.width < 1 or self.height < 1:
            raise ValueError(f"width/height: expected positive integers, got {self.width}x{self.height}")
        if np.shape(self.K) != (3, 3):
            raise ValueError(f"K: expected a 3x3 matrix, got shape {np.shape(self.K)}")
        if np.shape(self.T_world_to_cam) != (4, 4):
            raise ValueError(f"T_world_to_cam: expected 4x4, got shape {np.shape(self.T_world_to_cam)}")
        if not 0 < self.near_m < self.far_m:
            raise ValueError(f"near_m/far_m: expected 0 < near < far, got {self.near_m}, {self.far_m}")
        if self.projection not in ("perspective", "orthographic"):
            raise ValueError(f"projection: expected 'perspective' or 'orthographic', got {self.projection!r}")

    @property
    def position_m(self) -> np.ndarray:
        """Camera centre in world coordinates (for orthographic: the image-plane centre)."""
        R = self.T_world_to_cam[:3, :3]
        return -R.T @ self.T_world_to_cam[:3, 3]

    @property
    def forward(self) -> np.ndarray:
        """Unit optical axis in world coordinates."""
        return self.T_world_to_cam[2, :3].copy()

    def view_matrix_gl(self) -> np.ndarray:
        return GL_FROM_CV @ self.T_world_to_cam

    def projection_matrix_gl(self) -> np.ndarray:
        """OpenGL clip-from-eye matrix reproducing ``K`` exactly (pixel-centre convention above)."""
        W, H = float(self.width), float(self.height)
        fx, fy = self.K[0, 0], self.K[1, 1]
        cx, cy = self.K[0, 2] + 0.5, self.K[1, 2] + 0.5  # GL measures from pixel edges
        n, f = self.near_m, self.far_m
        if self.projection == "perspective":
            return np.array([
                [2 * fx / W, -2 * self.K[0, 1] / W, 1 - 2 * cx / W, 0.0],
                [0.0, 2 * fy / H, 2 * cy / H - 1, 0.0],
                [0.0, 0.0, -(f + n) / (f - n), -2 * f * n / (f - n)],
                [0.0, 0.0, -1.0, 0.0]])
        return np.array([
            [2 * fx / W, 0.0, 0.0, 2 * cx / W - 1],
            [0.0, 2 * fy / H, 0.0, 1 - 2 * cy / H],
            [0.0, 0.0, -2 / (f - n), -(f + n) / (f - n)],
            [0.0, 0.0, 0.0, 1.0]])

    def depth_from_buffer(self, d01: np.ndarray) -> np.ndarray:
        """Camera ``z`` (m) from window depth values in [0, 1]; 1 (nothing drawn) -> +inf."""
        n, f = self.near_m, self.far_m
        d = d01.astype(np.float32, copy=False)
        sky = d >= 1.0
        if self.projection == "perspective":
            z = (2.0 * f * n) / (f + n - (2.0 * d - 1.0) * (f - n))
        else:
            z = n + d * (f - n)
        z = z.astype(np.float32, copy=False)
        z[sky] = np.inf
        return z

    def project(self, points_world: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pixel coordinates ``(u, v)`` and camera depth ``z`` (m) of world points ``[n, 3]``."""
        p = np.asarray(points_world, np.float64)
        pc = p @ self.T_world_to_cam[:3, :3].T + self.T_world_to_cam[:3, 3]
        z = pc[:, 2]
        if self.projection == "perspective":
            zs = np.where(np.abs(z) > 1e-9, z, 1e-9)
            u = self.K[0, 0] * pc[:, 0] / zs + self.K[0, 1] * pc[:, 1] / zs + self.K[0, 2]
            v = self.K[1, 1] * pc[:, 1] / zs + self.K[1, 2]
        else:
            u = self.K[0, 0] * pc[:, 0] + self.K[0, 2]
            v = self.K[1, 1] * pc[:, 1] + self.K[1, 2]
        return u, v, z

    def to_dict(self) -> dict:
        return {"name": self.name, "width": self.width, "height": self.height,
                "projection": self.projection, "K": self.K.tolist(),
                "T_world_to_cam": self.T_world_to_cam.tolist(), "near_m": self.near_m,
                "far_m": self.far_m, "convention": "opencv: x right, y down, z forward; pixel centres at integers; depth = z_cam"}


def rotation_world_to_cam(yaw_deg: float, pitch_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """Rows: camera x (right), y (down), z (forward) in world coordinates.

    ``yaw_deg`` compass heading of the optical axis (0 north, 90 east); ``pitch_deg`` angle
    of the axis below the horizon (0 level, 90 straight down); ``roll_deg`` clockwise
    rotation of the image about the axis.
    """
    yaw, pitch, roll = math.radians(yaw_deg), math.radians(pitch_deg), math.radians(roll_deg)
    f = np.array([math.sin(yaw) * math.cos(pitch), math.cos(yaw) * math.cos(pitch), -math.sin(pitch)])
    r = np.array([math.cos(yaw), -math.sin(yaw), 0.0])
    d = np.cross(f, r)
    if roll:
        c, s = math.cos(roll), math.sin(roll)
        r, d = c * r + s * d, -s * r + c * d
    return np.stack([r, d, f])


def extrinsics(position_m: np.ndarray, R_world_to_cam: np.ndarray) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = R_world_to_cam
    T[:3, 3] = -R_world_to_cam @ np.asarray(position_m, np.float64)
    return T


def intrinsics_from_fov(width: int, height: int, fov_y_deg: float) -> np.ndarray:
    """Square-pixel pinhole ``K`` with vertical field of view ``fov_y_deg``, centred."""
    if not 0 < fov_y_deg < 180:
        raise ValueError(f"fov_y_deg: expected an angle in (0, 180) degrees, got {fov_y_deg}")
    fy = (height / 2.0) / math.tan(math.radians(fov_y_deg) / 2.0)
    return np.array([[fy, 0.0, (width - 1) / 2.0], [0.0, fy, (height - 1) / 2.0], [0.0, 0.0, 1.0]])


def ground_elevation_m(landscape: Landscape, x_m: float, y_m: float) -> float:
    """Terrain elevation at ``(x_m, y_m)``, bilinear between cell centres (clamped at the edge)."""
    z = landscape.elevation_m
    ny, nx = z.shape
    fx = min(max(x_m / landscape.cell_m - 0.5, 0.0), nx - 1.0)
    fy = min(max(y_m / landscape.cell_m - 0.5, 0.0), ny - 1.0)
    ix, iy = min(int(fx), nx - 2) if nx > 1 else 0, min(int(fy), ny - 2) if ny > 1 else 0
    tx, ty = fx - ix, fy - iy
    ix1, iy1 = min(ix + 1, nx - 1), min(iy + 1, ny - 1)
    top = z[iy, ix] * (1 - tx) + z[iy, ix1] * tx
    bot = z[iy1, ix] * (1 - tx) + z[iy1, ix1] * tx
    return float(top * (1 - ty) + bot * ty)


def _check_res(width: int, height: int) -> None:
    if int(width) != width or int(height) != height or width < 8 or height < 8 or width > 8192 or height > 8192:
        raise ValueError(f"width/height: expected integers in [8, 8192], got {width}x{height}")


def uav_camera(landscape: Landscape, x_m: float, y_m: float, altitude_agl_m: float = 120.0,
               yaw_deg: float = 0.0, pitch_deg: float = 30.0, fov_y_deg: float = 60.0,
               width: int = 512, height: int = 512, roll_deg: float = 0.0,
               near_m: float = DEFAULT_NEAR_M, far_m: float = DEFAULT_FAR_M) -> Camera:
    """A drone camera ``altitude_agl_m`` above the ground at ``(x_m, y_m)``.

    ``yaw_deg`` compass heading of the view, ``pitch_deg`` degrees below the horizon
    (90 = nadir), ``fov_y_deg`` vertical field of view.
    """
    _check_res(width, height)
    if altitude_agl_m <= 0:
        raise ValueError(f"altitude_agl_m: expected > 0 m, got {altitude_agl_m}")
    z = ground_elevation_m(landscape, x_m, y_m) + altitude_agl_m
    T = extrinsics(np.array([x_m, y_m, z]), rotation_world_to_cam(yaw_deg, pitch_deg, roll_deg))
    return Camera(int(width), int(height), intrinsics_from_fov(width, height, fov_y_deg), T,
                  "perspective", near_m, far_m, "uav")


def look_at_angles(eye_m: np.ndarray, target_m: np.ndarray) -> tuple[float, float]:
    """``(yaw_deg, pitch_deg)`` of the direction from ``eye_m`` to ``target_m``."""
    d = np.asarray(target_m, float) - np.asarray(eye_m, float)
    yaw = math.degrees(math.atan2(d[0], d[1])) % 360.0
    pitch = math.degrees(math.atan2(-d[2], math.hypot(d[0], d[1])))
    return yaw, pitch


def tower_camera(landscape: Landscape, x_m: float, y_m: float, target_xy_m: tuple[float, float] | None = None,
                 tower_height_m: float = 20.0, fov_y_deg: float = 45.0, width: int = 512,
                 height: int = 512, near_m: float = DEFAULT_NEAR_M, far_m: float = DEFAULT_FAR_M) -> Camera:
    """A fixed lookout-tower camera at ``(x_m, y_m)``, ``tower_height_m`` above the ground,
    looking at the ground point ``target_xy_m`` (default: the terrain centre)."""
    _check_res(width, height)
    if tower_height_m <= 0:
        raise ValueError(f"tower_height_m: expected > 0 m, got {tower_height_m}")
    eye = np.array([x_m, y_m, ground_elevation_m(landscape, x_m, y_m) + tower_height_m])
    if target_xy_m is None:
        sx, sy = landscape.size_m
        target_xy_m = (sx / 2.0, sy / 2.0)
    tgt = np.array([target_xy_m[0], target_xy_m[1], ground_elevation_m(landscape, *target_xy_m)])
    if np.linalg.norm(tgt[:2] - eye[:2]) < 1e-6:
        raise ValueError("target_xy_m: expected a point away from the tower position")
    yaw, pitch = look_at_angles(eye, tgt)
    T = extrinsics(eye, rotation_world_to_cam(yaw, pitch))
    return Camera(int(width), int(height), intrinsics_from_fov(width, height, fov_y_deg), T,
                  "perspective", near_m, far_m, "tower")


def nadir_camera(landscape: Landscape, centre_xy_m: tuple[float, float] | None = None,
                 ground_width_m: float | None = None, width: int = 512, height: int = 512,
                 altitude_m: float = 10000.0) -> Camera:
    """An orthographic satellite view straight down, north up.

    ``ground_width_m`` metres across the image (default: the terrain between its outer cell
    centres, where the terrain mesh ends);
    ``altitude_m`` height of the image plane above sea level (must clear the terrain).
    """
    _check_res(width, height)
    sx, sy = landscape.size_m
    cx, cy = centre_xy_m if centre_xy_m is not None else (sx / 2.0, sy / 2.0)
    # Default: the terrain mesh's extent (cell centre to cell centre), so no sky shows at the rim.
    inner = (sx - landscape.cell_m, sy - landscape.cell_m)
    gw = float(ground_width_m) if ground_width_m is not None else float(min(inner[0], inner[1] * width / height))
    if gw <= 0:
        raise ValueError(f"ground_width_m: expected > 0 m, got {gw}")
    zmax = float(np.max(landscape.elevation_m)) + 200.0
    if altitude_m <= zmax:
        raise ValueError(f"altitude_m: expected above the terrain and trees (> {zmax:.0f} m), got {altitude_m}")
    ppm = width / gw
    K = np.array([[ppm, 0.0, (width - 1) / 2.0], [0.0, ppm, (height - 1) / 2.0], [0.0, 0.0, 1.0]])
    T = extrinsics(np.array([cx, cy, altitude_m]), rotation_world_to_cam(0.0, 90.0))
    far = altitude_m - float(np.min(landscape.elevation_m)) + 100.0
    return Camera(int(width), int(height), K, T, "orthographic", 1.0, far, "nadir")
