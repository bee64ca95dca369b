"""A labelled frame, how it is written to disk, and the side-by-side preview image.

Files written by :func:`write_frame` for ``index`` ``i`` (``{i:06d}`` prefix), each atomically:

* ``_rgb.png`` (8-bit RGB), ``_semantic.png`` (8-bit, ids of ``label_names``),
  ``_instance.png`` (always 8-bit RGB: ``id = R + 256 G + 65536 B``, see :func:`read_instance_png`);
* ``_thermal8.png``: the thermal image as an 8-bit palettised PNG (inferno palette, brightness
  temperature on a log scale over ``thermal8_range_k`` of the metadata), as radiometric
  cameras export beside their radiometric data;
* ``_arrays.npz``: ``depth_m`` (float32, m along the optical axis, ``inf`` sky),
  ``thermal_k`` (float32 brightness temperature, K), ``smoke_alpha`` (float32 [0, 1]);
* ``_meta.json``: camera (``K``, ``T_world_to_cam``, convention), boxes, label names,
  instance -> class, fire-state metadata, and two kinds of boxes: ``boxes`` one per object
  (fire region, smoke region, tree, house; visible and full extents) and
  ``component_boxes`` one per 8-connected component of flame or smoke pixels in the image
  (what an annotator drawing boxes on the picture would draw).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_save_npz, atomic_write_bytes, atomic_write_text
from .labels import Box2D
from .scene import LABEL_NAMES

LABEL_COLOURS = np.array([
    [135, 190, 235],  # sky
    [150, 140, 80],  # terrain_unburnt
    [60, 50, 45],  # terrain_burnt
    [40, 140, 50],  # vegetation_live
    [120, 70, 30],  # vegetation_burnt
    [255, 120, 0],  # flame
    [200, 200, 210],  # smoke
    [200, 40, 160],  # structure
], np.uint8)
"""Display colour of each semantic id (for previews only)."""

THERMAL_DISPLAY_RANGE_K = (270.0, 1200.0)
"""Brightness temperatures mapped to the ends of the preview colour map (log scale)."""


@dataclass
class Frame:
    """One labelled frame; every image is ``[H, W]`` (``[H, W, 3]`` for rgb), rows top to bottom.

    ``K``, ``T_world_to_cam``: OpenCV convention (see :mod:`wildfire_gym.render.camera`).
    ``depth_m``: z along the optical axis, m, ``inf`` for sky. ``thermal_k``: brightness
    temperature, K. ``smoke_alpha``: smoke opacity in [0, 1]. ``semantic``: ids of
    ``label_names``. ``instance``: see :mod:`wildfire_gym.render.labels`.
    """

    rgb: np.ndarray
    depth_m: np.ndarray
    semantic: np.ndarray
    instance: np.ndarray
    thermal_k: np.ndarray
    smoke_alpha: np.ndarray
    boxes: list[Box2D]
    K: np.ndarray
    T_world_to_cam: np.ndarray
    metadata: dict
    label_names: dict[int, str] = field(default_factory=lambda: dict(LABEL_NAMES))
    instance_class: dict[int, int] = field(default_factory=dict)
    instance_source: dict[int, tuple[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    component_boxes: list[dict] = field(default_factory=list)

    def meta_json(self) -> dict:
        """Everything but the images, as plain JSON data."""
        def clean(x: object) -> object:
            if isinstance(x, float) and not math.isfinite(x):
                return None
            if isinstance(x, dict):
                return {str(k): clean(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            if isinstance(x, np.generic):
                return clean(x.item())
            return x

        return clean({
            "K": self.K.tolist(), "T_world_to_cam": self.T_world_to_cam.tolist(),
            "width": int(self.rgb.shape[1]), "height": int(self.rgb.shape[0]),
            "label_names": self.label_names,
            "instance_class": {k: self.label_names[v] for k, v in sorted(self.instance_class.items())},
            "instance_source": {k: list(v) for k, v in sorted(self.instance_source.items())},
            "boxes": [b.to_dict() for b in self.boxes],
            "component_boxes": self.component_boxes,
            "metadata": self.metadata,
        })  # type: ignore[return-value]


def _png_bytes(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    im = Image.fromarray(np.ascontiguousarray(img))
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def write_frame(frame: Frame, out_dir: str | Path, index: int) -> list[Path]:
    """Write one frame's files (see the module docstring); returns their paths."""
    if int(index) < 0:
        raise ValueError(f"index: expected a frame number >= 0, got {index}")
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    stem = f"{int(index):06d}"
    paths = []
    p = d / f"{stem}_rgb.png"
    atomic_write_bytes(p, _png_bytes(frame.rgb))
    paths.append(p)
    p = d / f"{stem}_semantic.png"
    atomic_write_bytes(p, _png_bytes(frame.semantic.astype(np.uint8)))
    paths.append(p)
    p = d / f"{stem}_instance.png"
    atomic_write_bytes(p, _png_bytes(encode_instance_rgb(frame.instance)))
    paths.append(p)
    p = d / f"{stem}_thermal8.png"
    atomic_write_bytes(p, thermal_palettised_png(frame.thermal_k))
    paths.append(p)
    p = d / f"{stem}_arrays.npz"
    atomic_save_npz(p, depth_m=frame.depth_m, thermal_k=frame.thermal_k, smoke_alpha=frame.smoke_alpha)
    paths.append(p)
    p = d / f"{stem}_meta.json"
    atomic_write_text(p, json.dumps(frame.meta_json(), indent=1, sort_keys=True) + "\n")
    paths.append(p)
    return paths


MAX_INSTANCE_ID = (1 << 24) - 1
"""Largest instance id an instance PNG holds (24-bit RGB)."""


def encode_instance_rgb(instance: np.ndarray) -> np.ndarray:
    """Instance ids ``[H, W]`` -> uint8 RGB ``[H, W, 3]`` with ``id = R + 256 G + 65536 B``."""
    ids = np.asarray(instance, np.int64)
    if ids.size and (ids.min() < 0 or ids.max() > MAX_INSTANCE_ID):
        raise ValueError(f"instance: expected ids in [0, {MAX_INSTANCE_ID}], got {ids.min()}..{ids.max()}")
    return np.stack([ids & 255, (ids >> 8) & 255, (ids >> 16) & 255], -1).astype(np.uint8)


def read_instance_png(path: str | Path) -> np.ndarray:
    """The uint32 instance ids of an ``_instance.png`` written by :func:`write_frame`."""
    from PIL import Image

    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.uint32)
    return rgb[..., 0] | (rgb[..., 1] << 8) | (rgb[..., 2] << 16)


def thermal_palettised_png(thermal_k: np.ndarray, range_k: tuple[float, float] = THERMAL_DISPLAY_RANGE_K) -> bytes:
    """8-bit palettised PNG of brightness temperature (inferno palette, log scale over ``range_k``):
    index ``i`` stands for ``exp(log lo + i / 255 (log hi - log lo))`` K."""
    from matplotlib import colormaps
    from PIL import Image

    lo, hi = np.log(range_k[0]), np.log(range_k[1])
    x = (np.log(np.clip(thermal_k, range_k[0], range_k[1])) - lo) / (hi - lo)
    idx = np.clip((x * 255 + 0.5).astype(np.int32), 0, 255).astype(np.uint8)
    im = Image.fromarray(idx, mode="P")
    lut = (colormaps["inferno"](np.linspace(0, 1, 256))[:, :3] * 255 + 0.5).astype(np.uint8)
    im.putpalette(lut.ravel().tolist())
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def thermal_colormap(thermal_k: np.ndarray, range_k: tuple[float, float] = THERMAL_DISPLAY_RANGE_K) -> np.ndarray:
    """``inferno``-coloured uint8 image of brightness temperature on a log scale over ``range_k``."""
    from matplotlib import colormaps

    lut = (colormaps["inferno"](np.linspace(0, 1, 256))[:, :3] * 255 + 0.5).astype(np.uint8)
    lo, hi = np.log(range_k[0]), np.log(range_k[1])
    x = (np.log(np.clip(thermal_k, range_k[0], range_k[1])) - lo) / (hi - lo)
    return lut[np.clip((x * 255 + 0.5).astype(np.int32), 0, 255)]


def label_colormap(semantic: np.ndarray) -> np.ndarray:
    """Fixed display colours of the semantic ids (unknown ids black)."""
    lut = np.zeros((256, 3), np.uint8)
    lut[: LABEL_COLOURS.shape[0]] = LABEL_COLOURS
    return lut[semantic]


def side_by_side(frame: Frame, boxes: bool = True) -> np.ndarray:
    """``[H, 3W, 3]`` uint8: RGB | thermal (inferno, log K) | labels, with box outlines on the RGB."""
    rgb = frame.rgb.copy()
    if boxes:
        for b in frame.boxes:
            if b.label not in ("flame", "smoke"):
                continue
            c = np.array([255, 60, 0] if b.label == "flame" else [40, 220, 255], np.uint8)
            x0, y0, x1, y1 = b.xyxy
            rgb[y0:y1, [x0, x1 - 1]] = c
            rgb[[y0, y1 - 1], x0:x1] = c
    return np.concatenate([rgb, thermal_colormap(frame.thermal_k), label_colormap(frame.semantic)], axis=1)
