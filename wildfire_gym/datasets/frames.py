"""The files of one dataset frame, each written atomically; the metadata JSON last.

For frame ``f`` of scene ``s`` (``frames/s{s:06d}/{f:08d}_*``):

* ``_rgb.png`` (and ``_rgb.jpg`` when a JPEG quality is set);
* ``_depth.tif``: float32 metres along the optical axis, ``inf`` for sky;
* ``_semantic.png``: 8-bit ids of ``semantic_names``; ``_instance.png``: 16-bit ids that are
  keys of ``instance_map`` in the metadata (0: none), dense per frame;
* ``_thermal.tif``: float32 brightness temperature, K; ``_thermal.png``: 8-bit palettised
  (inferno, log scale over ``thermal_display_range_k``);
* ``_smoke.png``: soft smoke mask, 8-bit opacity (0..255 for 0..1);
* ``_meta.json``: camera (intrinsics, distortion, extrinsics, convention), fire state, the
  frame's draw, COCO-ready annotations (fire, smoke, structures: box, area, RLE mask).

A frame exists once its ``_meta.json`` does: a run killed mid-frame leaves no metadata, so
the rerun makes the frame again (same bytes).
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

import numpy as np
from scipy import ndimage

from ..io.atomic import atomic_write_bytes, atomic_write_text
from ..render.frame import THERMAL_DISPLAY_RANGE_K, Frame
from ..render.scene import FLAME, LABEL_NAMES, SMOKE, STRUCTURE
from .rle import encode_mask

CATEGORIES = [
    {"id": 1, "name": "fire", "supercategory": "wildfire"},
    {"id": 2, "name": "smoke", "supercategory": "wildfire"},
    {"id": 3, "name": "structure", "supercategory": "asset"},
]
"""COCO categories; the ids never change."""
CATEGORY_OF_CLASS = {FLAME: 1, SMOKE: 2, STRUCTURE: 3}
YOLO_CLASSES = ("smoke", "fire")
"""YOLO class order of D-Fire (0 smoke, 1 fire)."""
YOLO_CLASS_OF_CATEGORY = {2: 0, 1: 1}
DISTORTION = {"model": "pinhole (rendered, no lens distortion)", "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0, "k3": 0.0}
CAMERA_CONVENTION = ("opencv: x right, y down, z forward; p_cam = T_world_to_cam @ [x, y, z, 1]; "
                     "world x east, y north, z up (m, from the terrain's south-west corner); "
                     "pixel centres at integers; depth = z_cam (m)")
FIRE_STATE_KEYS = ("burned_area_m2", "burning_area_m2", "head_ros_m_per_s", "max_fireline_intensity_w_per_m",
                   "max_flame_length_m", "wind_speed_20ft_mps", "wind_from_deg", "moisture_d1h", "n_burning_trees")


def frame_stem(scene: int, frame_id: int) -> str:
    return f"frames/s{scene:06d}/{frame_id:08d}"


def _png(img: np.ndarray, palette: np.ndarray | None = None) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    if img.dtype == np.uint16:
        im = Image.fromarray(img)
    else:
        im = Image.fromarray(np.ascontiguousarray(img))
    if palette is not None:
        im.putpalette(palette.reshape(-1).tolist())
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _tiff_f32(a: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(a, np.float32), mode="F").save(buf, format="TIFF")
    return buf.getvalue()


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality))
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def inferno_palette() -> np.ndarray:
    """The 256 RGB entries of the thermal PNG's palette (matplotlib's inferno)."""
    from matplotlib import colormaps

    return (colormaps["inferno"](np.linspace(0, 1, 256))[:, :3] * 255 + 0.5).astype(np.uint8)


def thermal_index(thermal_k: np.ndarray, range_k: tuple[float, float] = THERMAL_DISPLAY_RANGE_K) -> np.ndarray:
    """8-bit palette index of brightness temperatures (log scale over ``range_k``)."""
    lo, hi = np.log(range_k[0]), np.log(range_k[1])
    x = (np.log(np.clip(thermal_k, range_k[0], range_k[1])) - lo) / (hi - lo)
    return np.clip((x * 255 + 0.5).astype(np.int32), 0, 255).astype(np.uint8)


def read_tiff_f32(path: str | Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im, np.float32).copy()


def _annotations(instance: np.ndarray, dense_class: dict[int, int], min_pixels: int) -> list[dict]:
    """COCO-ready records of the fire, smoke and structure instances (dense ids)."""
    wanted = sorted(i for i, c in dense_class.items() if c in CATEGORY_OF_CLASS)
    if not wanted:
        return []
    counts = np.bincount(instance.ravel(), minlength=max(wanted) + 1)
    objs = ndimage.find_objects(instance, max_label=max(wanted))
    out = []
    for i in wanted:
        area = int(counts[i])
        sl = objs[i - 1]
        if area < min_pixels or sl is None:
            continue
        y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        out.append({"instance": i, "category_id": CATEGORY_OF_CLASS[dense_class[i]],
                    "bbox": [int(x0), int(y0), int(x1 - x0), int(y1 - y0)], "area": area,
                    "segmentation": encode_mask(instance == i)})
    return out


def camera_record(plain: dict, platform: str) -> dict:
    """Intrinsics, distortion and extrinsics of a frame from its :meth:`Frame.meta_json`.

    A renderer that applies a lens records ``metadata.lens`` (the distorted image's ``K`` and
    OpenCV ``(k1, k2, p1, p2, k3)``); without it the frame is an ideal pinhole image."""
    meta = plain["metadata"]
    cam = meta.get("camera", {})
    lens = meta.get("lens")
    K, dist = plain["K"], dict(DISTORTION)
    if lens and lens.get("distortion_opencv") is not None:
        k = [float(v) for v in lens["distortion_opencv"]] + [0.0] * 5
        dist = {"model": lens.get("model", "OpenCV (k1, k2, p1, p2, k3)"), "k1": k[0], "k2": k[1], "p1": k[2],
                "p2": k[3], "k3": k[4]}
        K = lens.get("K", K)
    return {"K": K, "distortion": dist, "T_world_to_cam": plain["T_world_to_cam"],
            "projection": cam.get("projection"), "near_m": cam.get("near_m"), "far_m": cam.get("far_m"),
            "platform": platform, "convention": CAMERA_CONVENTION}


def write_dataset_frame(frame: Frame, out: Path, sample: dict, scene_info: dict, fire_state: dict,
                        jpeg_quality: int = 0, min_pixels: int = 4) -> dict:
    """Write one frame's files under ``out`` (see the module docstring); returns its metadata."""
    stem = frame_stem(sample["scene"], sample["frame_id"])
    d = out / Path(stem).parent
    d.mkdir(parents=True, exist_ok=True)
    name = Path(stem).name
    files: dict[str, str] = {}

    def put(key: str, suffix: str, data: bytes) -> None:
        atomic_write_bytes(d / f"{name}{suffix}", data)
        files[key] = f"{stem}{suffix}"

    # dense instance ids, in order of the renderer's global ids
    glob_ids = np.unique(frame.instance)
    glob_ids = glob_ids[glob_ids > 0]
    lut = np.zeros(int(glob_ids.max()) + 1 if glob_ids.size else 1, np.int64)
    lut[glob_ids] = np.arange(1, glob_ids.size + 1)
    dense = lut[frame.instance]
    if glob_ids.size > 0xFFFF:
        raise ValueError(f"frame {sample['frame_id']}: {glob_ids.size} instances exceed the 16-bit instance image")
    dense_class = {int(j + 1): int(frame.instance_class.get(int(g), 0)) for j, g in enumerate(glob_ids)}
    id_map = {}
    for j, g in enumerate(glob_ids.tolist()):
        src = frame.instance_source.get(int(g), ("unknown", -1))
        id_map[str(j + 1)] = {"class": LABEL_NAMES.get(dense_class[j + 1], "unknown"), "source": src[0], "index": int(src[1])}
    anns = _annotations(dense, dense_class, min_pixels)
    vis_frac = {b.instance_id: b.visible_fraction for b in frame.boxes}
    occl = {b.instance_id: b.occluded for b in frame.boxes}
    for a in anns:
        g = int(glob_ids[a["instance"] - 1])
        a["occluded"] = bool(occl.get(g, False))
        vf = vis_frac.get(g)
        a["visible_fraction"] = None if vf is None else round(float(vf), 6)

    put("rgb", "_rgb.png", _png(frame.rgb))
    if jpeg_quality:
        put("rgb_jpeg", "_rgb.jpg", _jpeg(frame.rgb, jpeg_quality))
    put("depth", "_depth.tif", _tiff_f32(frame.depth_m))
    put("semantic", "_semantic.png", _png(frame.semantic.astype(np.uint8)))
    put("instance", "_instance.png", _png(dense.astype(np.uint16)))
    put("thermal", "_thermal.tif", _tiff_f32(frame.thermal_k))
    put("thermal_palette", "_thermal.png", _png(thermal_index(frame.thermal_k), inferno_palette()))
    put("smoke", "_smoke.png", _png(np.clip(frame.smoke_alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)))

    plain = frame.meta_json()
    render_meta = plain["metadata"]
    meta = {
        "frame_id": sample["frame_id"], "scene": sample["scene"], "width": int(frame.rgb.shape[1]),
        "height": int(frame.rgb.shape[0]), "sample": sample, "scene_info": scene_info, "files": files,
        "camera": camera_record(plain, sample["platform"]),
        "fire_state": {**fire_state, **{k: render_meta.get(k) for k in FIRE_STATE_KEYS}},
        "semantic_names": {str(k): v for k, v in LABEL_NAMES.items()},
        "instance_map": id_map,
        "annotations": anns,
        "depth_units": "m along the optical axis (z_cam); inf for sky",
        "thermal_units": "brightness temperature, K", "thermal_display_range_k": list(THERMAL_DISPLAY_RANGE_K),
        "smoke_units": "opacity x 255",
        "render": {k: v for k, v in render_meta.items() if k != "camera"},
    }
    text = json.dumps(meta, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"
    atomic_write_text(d / f"{name}_meta.json", text)
    return meta


def frame_record(meta: dict) -> dict:
    """What the shard manifest keeps of a frame (enough to write COCO and YOLO)."""
    s = meta["sample"]
    return {"frame_id": meta["frame_id"], "scene": meta["scene"], "width": meta["width"], "height": meta["height"],
            "kind": s["kind"], "platform": s["platform"], "hour_of_day": s["hour_of_day"],
            "time_since_ignition_s": s["time_since_ignition_s"], "files": meta["files"],
            "annotations": meta["annotations"], "near_houses": meta["scene_info"].get("near_houses", False)}
