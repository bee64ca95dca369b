"""Labels derived from the id passes: semantic and instance images, instance -> class, 2-D boxes.

Instance ids are global within a frame: ``0`` no instance (sky, ground), ``1 + tree id``
for trees, ``1 + n_trees + house id`` for houses, then one id per connected fire region
(flaming cells and burning crowns, 8-connected on the raster), then one per connected
smoke region of the image.

Boxes are ``[x0, y0, x1, y1]`` in pixels with exclusive ``x1, y1`` (the box of pixel
``(row r, col c)`` alone is ``[c, r, c + 1, r + 1]``). ``visible`` boxes come from the
labelled pixels; ``full`` boxes from the object's unoccluded extent: for fire regions
a flame-only pass without occluders, for smoke the optical depth ignoring occlusion,
for trees and houses the projection of their 3-D bounds (clipped to the image; these
have no pixel count, so ``full_pixels`` is ``None``). Besides these per-object boxes,
:func:`component_boxes` gives one box per 8-connected component of flame or smoke pixels
in the image (one fire region split by a tree in front gives two components).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

from .camera import Camera
from .scene import FLAME, LABEL_NAMES, SMOKE, STRUCTURE


def component_boxes(semantic: np.ndarray, classes: tuple[int, ...] = (FLAME, SMOKE)) -> list[dict]:
    """Image-space boxes: one per 8-connected component of the pixels of each class in
    ``classes`` (``xyxy`` exclusive, pixel count), largest first within a class."""
    out = []
    for cls in classes:
        lab, n = ndimage.label(semantic == cls, structure=np.ones((3, 3), bool))
        if n == 0:
            continue
        counts = np.bincount(lab.ravel())[1:]
        objs = ndimage.find_objects(lab)
        for k in np.argsort(-counts, kind="stable"):
            ys, xs = objs[k]
            out.append({"label": LABEL_NAMES[cls], "class_id": int(cls),
                        "xyxy": [int(xs.start), int(ys.start), int(xs.stop), int(ys.stop)], "pixels": int(counts[k])})
    return out


OCCLUSION_TOLERANCE = 0.02
"""A region counts as occluded when fewer than 98 % of its unoccluded pixels are visible."""


@dataclass(frozen=True)
class Box2D:
    """One object's 2-D box, visible and full (see the module docstring)."""

    label: str
    class_id: int
    instance_id: int
    xyxy: tuple[int, int, int, int]
    full_xyxy: tuple[int, int, int, int]
    visible_pixels: int
    full_pixels: int | None
    visible_fraction: float | None
    occluded: bool

    def to_dict(self) -> dict:
        return asdict(self)


def decode_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(semantic uint8, instance int32)`` from packed ``semantic | instance << 8`` values."""
    return (ids & 0xFF).astype(np.uint8), (ids >> 8).astype(np.int32)


def _slice_box(sl: tuple[slice, slice]) -> tuple[int, int, int, int]:
    return (int(sl[1].start), int(sl[0].start), int(sl[1].stop), int(sl[0].stop))


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def smoke_regions(semantic: np.ndarray, instance: np.ndarray, first_id: int) -> int:
    """Give each connected smoke region of the image an instance id (in place); returns the count."""
    mask = semantic == SMOKE
    if not mask.any():
        return 0
    lab, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    instance[mask] = first_id + lab[mask] - 1
    return int(n)


def projected_boxes(cam: Camera, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image boxes ``[M, 4]`` of axis-aligned 3-D boxes ``lo``/``hi`` ``[M, 3]`` (their 8 corners),
    clipped to the image, and whether each is in view. A box straddling the camera plane
    gets the whole image (its projection is unbounded)."""
    lo = np.asarray(lo, np.float64).reshape(-1, 3)
    hi = np.asarray(hi, np.float64).reshape(-1, 3)
    m = lo.shape[0]
    bits = np.arange(8)
    corners = np.stack([np.where(bits[None, :] & 1, hi[:, None, 0], lo[:, None, 0]),
                        np.where(bits[None, :] & 2, hi[:, None, 1], lo[:, None, 1]),
                        np.where(bits[None, :] & 4, hi[:, None, 2], lo[:, None, 2])], -1)  # [M, 8, 3]
    u, v, z = cam.project(corners.reshape(-1, 3))
    u, v, z = u.reshape(m, 8), v.reshape(m, 8), z.reshape(m, 8)
    boxes = np.stack([np.floor(u.min(1) + 0.5), np.floor(v.min(1) + 0.5),
                      np.floor(u.max(1) + 0.5) + 1, np.floor(v.max(1) + 0.5) + 1], 1)
    ok = np.ones(m, bool)
    if cam.projection == "perspective":
        behind = z <= cam.near_m
        ok &= ~behind.all(1)
        straddle = behind.any(1) & ok
        boxes[straddle] = (0, 0, cam.width, cam.height)
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, cam.width)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, cam.height)
    ok &= (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes.astype(np.int64), ok


def make_boxes(semantic: np.ndarray, instance: np.ndarray, instance_class: dict[int, int],
               fire_ids: range, smoke_ids: range, amodal_fire: np.ndarray | None,
               smoke_tau_full: np.ndarray | None, smoke_threshold_tau: float, cam: Camera,
               object_bounds: dict[int, tuple[np.ndarray, np.ndarray]] | None) -> list[Box2D]:
    """Boxes of every visible fire and smoke region (and trees/houses when ``object_bounds`` given).

    Never an empty box: an object with no visible pixel gets no box.
    """
    boxes: list[Box2D] = []
    max_id = int(instance.max()) if instance.size else 0
    if max_id == 0:
        return boxes
    counts = np.bincount(instance.ravel(), minlength=max_id + 1)
    # Bounding slices only of the ids that get boxes: with no object boxes, only the fire
    # and smoke ids (which come after every tree and house id) -- an image offset to them.
    region_ids = list(fire_ids) + list(smoke_ids)
    first = 1 if object_bounds else (min(region_ids) if region_ids else max_id + 1)
    if first > max_id:
        slices: list = []
    elif first == 1:
        slices = ndimage.find_objects(instance)
    else:
        slices = ndimage.find_objects(np.maximum(instance - np.int32(first - 1), 0))

    def slice_of(iid: int):
        k = iid - first
        return slices[k] if 0 <= k < len(slices) else None

    amodal_slices: list = []
    amodal_counts = None
    a0 = fire_ids.start - 1 if len(fire_ids) else 0  # amodal ids offset so the first fire id is 1
    if amodal_fire is not None and len(fire_ids):
        ainst = np.maximum((amodal_fire >> 8).astype(np.int32) - np.int32(a0), 0)
        amodal_slices = ndimage.find_objects(ainst)
        amodal_counts = np.bincount(ainst.ravel(), minlength=max(len(amodal_slices), 1) + 1)
    full_smoke_lab = None
    if smoke_tau_full is not None and len(smoke_ids):
        full_mask = smoke_tau_full >= smoke_threshold_tau
        full_mask |= semantic == SMOKE
        full_smoke_lab, _ = ndimage.label(full_mask, structure=np.ones((3, 3), bool))
        full_smoke_slices = ndimage.find_objects(full_smoke_lab)
        full_smoke_counts = np.bincount(full_smoke_lab.ravel())
    for iid in list(fire_ids) + list(smoke_ids):
        if iid > max_id or counts[iid] == 0 or slice_of(iid) is None:
            continue
        vis = _slice_box(slice_of(iid))
        nvis = int(counts[iid])
        cls = instance_class[iid]
        full, nfull = vis, None
        ka = iid - a0
        if cls == FLAME and amodal_counts is not None and 1 <= ka <= len(amodal_slices) and amodal_slices[ka - 1] is not None:
            full = _union(vis, _slice_box(amodal_slices[ka - 1]))
            nfull = max(int(amodal_counts[ka]), nvis)
        elif cls == SMOKE and full_smoke_lab is not None:
            sl = slice_of(iid)
            sub = (instance[sl] == iid)
            k = int(full_smoke_lab[sl][sub][0])
            full = _union(vis, _slice_box(full_smoke_slices[k - 1]))
            nfull = max(int(full_smoke_counts[k]), nvis)
        frac = nvis / nfull if nfull else None
        occ = bool(frac is not None and frac < 1.0 - OCCLUSION_TOLERANCE)
        boxes.append(Box2D(LABEL_NAMES[cls], cls, int(iid), vis, full, nvis, nfull, frac, occ))
    if object_bounds:
        ids = [i for i in object_bounds if i <= max_id and counts[i] > 0 and slice_of(i) is not None]
        if ids:
            pbs, pok = projected_boxes(cam, np.array([object_bounds[i][0] for i in ids]),
                                       np.array([object_bounds[i][1] for i in ids]))
        for n_i, iid in enumerate(ids):
            vis = _slice_box(slice_of(iid))
            pb = tuple(int(x) for x in pbs[n_i])
            full = _union(vis, pb) if pok[n_i] else vis  # type: ignore[arg-type]
            cls = instance_class[iid]
            va = (vis[2] - vis[0]) * (vis[3] - vis[1])
            fa = (full[2] - full[0]) * (full[3] - full[1])
            boxes.append(Box2D(LABEL_NAMES[cls], cls, int(iid), vis, full, int(counts[iid]), None, None,
                               bool(va < (1.0 - OCCLUSION_TOLERANCE) * fa)))
    return boxes


def instance_classes(n_trees: int, n_houses: int, tree_sem: np.ndarray, fire_ids: range,
                     smoke_ids: range, present: np.ndarray | None = None) -> dict[int, int]:
    """Instance id -> semantic class id (trees by their state, houses, fire and smoke regions).

    With ``present`` (a bincount of the instance image) only ids seen in the frame are kept.
    """
    out: dict[int, int] = {}
    ids = np.flatnonzero(present) if present is not None else None
    if ids is None:
        out.update({1 + i: int(tree_sem[i]) for i in range(n_trees)})
        out.update({1 + n_trees + j: STRUCTURE for j in range(n_houses)})
    else:
        t = ids[(ids >= 1) & (ids <= n_trees)]
        out.update(zip(t.tolist(), np.asarray(tree_sem)[t - 1].tolist()))
        h = ids[(ids > n_trees) & (ids <= n_trees + n_houses)]
        out.update(dict.fromkeys(h.tolist(), STRUCTURE))
    out.update({i: FLAME for i in fire_ids})
    out.update({i: SMOKE for i in smoke_ids})
    return out
