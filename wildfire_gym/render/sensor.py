"""Camera effects on a rendered frame: lens distortion, vignetting, motion blur, JPEG.

Lens distortion follows OpenCV's model (radial ``k1, k2, k3``, tangential ``p1, p2``) applied to
normalised image coordinates ``x = (u - cx) / fx``; the frame's ``K`` stays the pinhole matrix
and the coefficients are recorded, so ``cv2.undistort(image, K, dist)`` recovers the pinhole
image. Every image of the frame (RGB, labels, depth, thermal, smoke) is resampled through the
same map, labels and ids by nearest neighbour, so labels stay aligned with the pixels.

Vignetting is natural illumination fall-off ``cos^4(theta)`` of the angle off the optical axis
(e.g. Ray, Applied Photographic Optics), blended by a strength in [0, 1]. Motion blur is a
line kernel of a given length and direction (the platform moving during the exposure);
labels are those of the sharp frame. JPEG re-encodes the RGB at a quality factor.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

UNDISTORT_ITERATIONS = 8
"""Fixed-point iterations inverting the distortion model (as OpenCV's undistortPoints)."""


@dataclass(frozen=True)
class LensDistortion:
    """OpenCV distortion coefficients ``(k1, k2, p1, p2, k3)`` (dimensionless)."""

    k1: float = 0.0
    k2: float = 0.0
    p1: float = 0.0
    p2: float = 0.0
    k3: float = 0.0

    @property
    def identity(self) -> bool:
        return not any((self.k1, self.k2, self.p1, self.p2, self.k3))

    def as_opencv(self) -> list[float]:
        return [self.k1, self.k2, self.p1, self.p2, self.k3]


def distort_normalised(x: np.ndarray, y: np.ndarray, d: LensDistortion) -> tuple[np.ndarray, np.ndarray]:
    """OpenCV's forward model on normalised coordinates: ideal ``(x, y)`` -> distorted."""
    r2 = x * x + y * y
    radial = 1.0 + d.k1 * r2 + d.k2 * r2 * r2 + d.k3 * r2 * r2 * r2
    xd = x * radial + 2.0 * d.p1 * x * y + d.p2 * (r2 + 2.0 * x * x)
    yd = y * radial + d.p1 * (r2 + 2.0 * y * y) + 2.0 * d.p2 * x * y
    return xd, yd


def undistort_normalised(xd: np.ndarray, yd: np.ndarray, d: LensDistortion) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`distort_normalised` by fixed-point iteration."""
    x, y = xd.copy(), yd.copy()
    for _ in range(UNDISTORT_ITERATIONS):
        r2 = x * x + y * y
        radial = 1.0 + d.k1 * r2 + d.k2 * r2 * r2 + d.k3 * r2 * r2 * r2
        dx = 2.0 * d.p1 * x * y + d.p2 * (r2 + 2.0 * x * x)
        dy = d.p1 * (r2 + 2.0 * y * y) + 2.0 * d.p2 * x * y
        x = (xd - dx) / radial
        y = (yd - dy) / radial
    return x, y


def distortion_source_map(K_distorted: np.ndarray, K_pinhole: np.ndarray, width: int, height: int,
                          d: LensDistortion) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel of the distorted image (intrinsics ``K_distorted``), the ``(row, col)`` it
    samples in the pinhole image (intrinsics ``K_pinhole``)."""
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    K, P = K_distorted, K_pinhole
    x, y = undistort_normalised((u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], d)
    return y * P[1, 1] + P[1, 2], x * P[0, 0] + P[0, 2]


def remap(img: np.ndarray, rows: np.ndarray, cols: np.ndarray, nearest: bool, fill: float = 0.0) -> np.ndarray:
    """Resample ``img`` ``[H, W]`` or ``[H, W, C]`` at ``(rows, cols)``; outside -> ``fill``."""
    order = 0 if nearest else 1
    coords = [np.rint(rows) if nearest else rows, np.rint(cols) if nearest else cols]
    if img.ndim == 2:
        return ndimage.map_coordinates(img, coords, order=order, mode="constant", cval=fill).astype(img.dtype)
    return np.stack([ndimage.map_coordinates(img[..., c], coords, order=order, mode="constant", cval=fill)
                     for c in range(img.shape[2])], -1).astype(img.dtype)


def vignetting_gain(K: np.ndarray, width: int, height: int, strength: float) -> np.ndarray:
    """Per-pixel gain ``1 - s (1 - cos^4 theta)`` ``[H, W]`` (float32)."""
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    x = (u - K[0, 2]) / K[0, 0]
    y = (v - K[1, 2]) / K[1, 1]
    cos2 = 1.0 / (1.0 + x * x + y * y)
    return (1.0 - strength * (1.0 - cos2 * cos2)).astype(np.float32)


def motion_blur(rgb: np.ndarray, length_px: float, angle_deg: float) -> np.ndarray:
    """Average along a line of ``length_px`` pixels at ``angle_deg`` (0 = along the rows)."""
    n = int(math.ceil(length_px))
    if n < 2:
        return rgb
    size = 2 * n + 1
    kern = np.zeros((size, size), np.float64)
    a = math.radians(angle_deg)
    for t in np.linspace(-0.5 * length_px, 0.5 * length_px, 4 * n + 1):
        kern[int(round(n - t * math.sin(a))), int(round(n + t * math.cos(a)))] += 1.0
    kern /= kern.sum()
    out = np.stack([ndimage.convolve(rgb[..., c].astype(np.float32), kern, mode="nearest") for c in range(3)], -1)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """Encode as baseline JPEG at ``quality`` (1-95) and decode again."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))
