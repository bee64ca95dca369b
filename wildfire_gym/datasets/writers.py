"""Dataset-level files, made from the shard manifests once every shard is complete.

* ``coco/{train,val,test}.json``: COCO detection + instance segmentation (RLE masks) of
  fire (1), smoke (2) and structures (3); ``file_name`` relative to the dataset folder.
* ``yolo/``: D-Fire's layout, ``{split}/images/NAME`` (hard links to the RGB frames),
  ``{split}/labels/NAME.txt`` (``class cx cy w h``, normalised; 0 smoke, 1 fire) and
  ``data.yaml`` (Ultralytics finds each label by putting ``labels`` for ``images`` in the path).
* ``README.md``: the dataset card (what was randomised, class statistics, long-tail shares
  drawn and seen, generator version and command); ``stats.json`` the same numbers.

Everything is sorted by frame id, so the bytes do not depend on how the shards were run.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from pathlib import Path

import yaml

from .. import __version__
from ..io.atomic import TEMP_SUFFIX, atomic_write_bytes, atomic_write_text
from .config import LONG_TAIL, DatasetConfig
from .frames import CATEGORIES, YOLO_CLASS_OF_CATEGORY, YOLO_CLASSES
from .sampling import scene_split

SPLITS = ("train", "val", "test")
_LINK_COUNTER = itertools.count()


def remove_temp_files(folder: Path) -> int:
    """Remove the temporary files (``.NAME.*.tmp``) an interrupted run left under ``folder``."""
    n = 0
    if folder.is_dir():
        for p in folder.rglob(f".*{TEMP_SUFFIX}"):
            p.unlink(missing_ok=True)
            n += 1
    return n


def _dumps(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


def link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` becomes a hard link to ``src`` (a copy where links are impossible), atomically."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f".{dst.name}.{os.getpid()}.{next(_LINK_COUNTER)}{TEMP_SUFFIX}"
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
        os.replace(tmp, dst)
    except OSError:
        tmp.unlink(missing_ok=True)
        atomic_write_bytes(dst, src.read_bytes())


def coco_document(records: list[dict], split: str, cfg: DatasetConfig, name: str | None = None) -> dict:
    images, anns = [], []
    aid = 1
    for r in records:
        images.append({"id": r["frame_id"], "file_name": r["files"]["rgb"], "width": r["width"], "height": r["height"],
                       "scene": r["scene"], "kind": r["kind"], "platform": r["platform"],
                       "hour_of_day": round(r["hour_of_day"], 4), "meta": r["files"]["rgb"].replace("_rgb.png", "_meta.json")})
        for a in r["annotations"]:
            anns.append({"id": aid, "image_id": r["frame_id"], "category_id": a["category_id"], "bbox": a["bbox"],
                         "area": a["area"], "segmentation": a["segmentation"], "iscrowd": 0,
                         "occluded": a.get("occluded", False)})
            aid += 1
    return {"info": {"description": f"{name or cfg.name} ({split})", "version": __version__,
                     "contributor": "wildfire_gym synthetic generator", "seed": cfg.seed},
            "licenses": [], "images": images, "annotations": anns, "categories": CATEGORIES}


def yolo_lines(record: dict) -> str:
    w, h = record["width"], record["height"]
    lines = []
    for a in record["annotations"]:
        c = YOLO_CLASS_OF_CATEGORY.get(a["category_id"])
        if c is None:
            continue
        x, y, bw, bh = a["bbox"]
        lines.append(f"{c} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}")
    return "".join(line + "\n" for line in lines)


def write_yolo(out: Path, records_by_split: dict[str, list[dict]], image_key: str = "rgb") -> Path:
    root = out / "yolo"
    for split, recs in records_by_split.items():
        for r in recs:
            src = out / r["files"][image_key]
            stem = f"{r['frame_id']:08d}"
            link_or_copy(src, root / split / "images" / f"{stem}{src.suffix}")
            (root / split / "labels").mkdir(parents=True, exist_ok=True)
            atomic_write_text(root / split / "labels" / f"{stem}.txt", yolo_lines(r))
    data = {"path": ".", **{s: f"{s}/images" for s in SPLITS if records_by_split.get(s)},
            "nc": len(YOLO_CLASSES), "names": list(YOLO_CLASSES)}
    p = root / "data.yaml"
    atomic_write_text(p, yaml.safe_dump(data, sort_keys=False))
    return p


def dataset_stats(records_by_split: dict[str, list[dict]], cfg: DatasetConfig, n_scenes: int) -> dict:
    cat_name = {c["id"]: c["name"] for c in CATEGORIES}
    out: dict = {"splits": {}, "kinds": {}, "platforms": {}, "seen": {}}
    all_recs = [r for s in SPLITS for r in records_by_split.get(s, [])]
    for split in SPLITS:
        recs = records_by_split.get(split, [])
        boxes = Counter(cat_name[a["category_id"]] for r in recs for a in r["annotations"])
        out["splits"][split] = {"frames": len(recs), "scenes": len({r["scene"] for r in recs}),
                                "boxes": {c["name"]: boxes.get(c["name"], 0) for c in CATEGORIES},
                                "frames_with": {c["name"]: sum(any(a["category_id"] == c["id"] for a in r["annotations"])
                                                               for r in recs) for c in CATEGORIES}}
    n = max(1, len(all_recs))
    out["kinds"] = {k: round(v / n, 4) for k, v in sorted(Counter(r["kind"] for r in all_recs).items())}
    out["platforms"] = {k: round(v / n, 4) for k, v in sorted(Counter(r["platform"] for r in all_recs).items())}

    def has(r: dict, cid: int) -> bool:
        return any(a["category_id"] == cid for a in r["annotations"])

    out["seen"] = {
        "no_fire_no_smoke": round(sum(not has(r, 1) and not has(r, 2) for r in all_recs) / n, 4),
        "smoke_without_fire": round(sum(has(r, 2) and not has(r, 1) for r in all_recs) / n, 4),
        "occluded_fire_or_smoke": round(sum(any(a.get("occluded") and a["category_id"] in (1, 2) for a in r["annotations"])
                                            for r in all_recs) / n, 4),
        "night_frames": round(sum((r["hour_of_day"] % 24.0) >= 20.0 or (r["hour_of_day"] % 24.0) < 5.0 for r in all_recs) / n, 4),
        "near_houses_frames": round(sum(bool(r.get("near_houses")) for r in all_recs) / n, 4),
    }
    out["frames"] = len(all_recs)
    out["scenes"] = n_scenes
    return out


def _card(cfg: DatasetConfig, stats: dict, command: str | None, frames: int) -> str:
    lt = cfg.long_tail
    c = cfg.to_dict()
    lines = [
        f"# {cfg.name}: synthetic labelled wildfire imagery",
        "",
        f"Made by wildfire_gym {__version__} (seed {cfg.seed}, {frames} frames from {stats['scenes']} scenes"
        f" of {cfg.frames_per_scene} frames each).",
        "",
        f"Command: `{command}`" if command else "Command: (library call)",
        "",
        "## What was randomised and how",
        "",
        "Per scene (one built world and one fire run; splits are whole scenes, never frames):",
        "",
        f"- landscape: square side {c['landscape']['size_m']} m at {c['landscape']['cell_m']} m cells, fractal relief "
        f"{c['landscape']['relief_m']} m, roughness {c['landscape']['roughness']}; main fuel by weight "
        f"{c['landscape']['fuels']}, a second fuel in patches over {c['landscape']['patchiness']} of the area",
        f"- forest: {c['forest']['trees_per_ha']} trees/ha, species {c['forest']['species']}, clustering {c['forest']['clustering']}",
        f"- houses: {c['houses']['count']} per scene; near-house scenes put 3 houses {c['houses']['near_fire_m']} m downwind of the ignition",
        f"- weather: 20-ft wind {c['weather']['wind_speed_mps']} m/s from {c['weather']['wind_from_deg']} deg, dead 1-h moisture "
        f"{c['weather']['d1h']}, live herbaceous {c['weather']['live_herb']}, air {c['weather']['air_temperature_c']} C, "
        f"RH {c['weather']['relative_humidity']}",
        f"- ignition: one point, {cfg.ignition.margin_frac} of the side from the edges, at t = {cfg.ignition.delay_s} s",
        "",
        "Per frame (uniform in the ranges):",
        "",
        f"- time since ignition {c['time_since_ignition_s']} s; solar hour {c['hour_of_day']}",
        f"- platform by weight {c['camera']['platforms']}; UAV {c['camera']['uav']}; tower {c['camera']['tower']}; nadir {c['camera']['nadir']}",
        f"- sensor and look: {c['sensor']}",
        "",
        "## Long tail: shares asked for and seen",
        "",
        "| kind | asked (share of frames) | drawn | seen in the labels |",
        "|---|---|---|---|",
    ]
    seen = stats["seen"]
    seen_of = {"negative": ("no fire, no smoke", seen["no_fire_no_smoke"]),
               "smoke_without_flame": ("smoke, no fire", seen["smoke_without_fire"]),
               "occlusion": ("an occluded fire or smoke box", seen["occluded_fire_or_smoke"]),
               "night": ("solar hour 20-05", seen["night_frames"]),
               "near_houses": ("frames of near-house scenes", seen["near_houses_frames"])}
    for k in LONG_TAIL:
        asked = getattr(lt, k)
        drawn = stats["kinds"].get(k, 0.0) if k != "near_houses" else seen["near_houses_frames"]
        what, v = seen_of.get(k, ("-", None))
        lines.append(f"| {k}{' (per scene)' if k == 'near_houses' else ''} | {asked:g} | {drawn:g} | "
                     f"{'' if v is None else f'{v:g} ({what})'} |")
    lines += ["", "Seen shares count every frame (an ordinary frame may also show no fire).", "",
              "## Classes", "", "| split | scenes | frames | fire boxes | smoke boxes | structure boxes | frames with fire | frames with smoke |",
              "|---|---|---|---|---|---|---|---|"]
    for s in SPLITS:
        st = stats["splits"][s]
        lines.append(f"| {s} | {st['scenes']} | {st['frames']} | {st['boxes']['fire']} | {st['boxes']['smoke']} | "
                     f"{st['boxes']['structure']} | {st['frames_with']['fire']} | {st['frames_with']['smoke']} |")
    lines += ["", f"Platforms: {stats['platforms']}", "",
              "## Files", "",
              "- `frames/sSSSSSS/FFFFFFFF_*`: rgb PNG (JPEG too when asked), depth float32 TIFF (m, inf sky), semantic and "
              "instance PNGs (id map in the metadata), thermal float32 TIFF (K) and palettised PNG, soft smoke mask, metadata JSON",
              "- `coco/{train,val,test}.json`: boxes and RLE masks; categories 1 fire, 2 smoke, 3 structure",
              "- `yolo/`: D-Fire layout, classes 0 smoke, 1 fire; `data.yaml`",
              "- `shards/`: one manifest per shard (resolved config, seed, package version, camera convention)",
              "",
              "Labels: fire = flame pixels of each connected fire region; smoke = opacity >= "
              "1 % with >= 5 % luminance contrast (the renderer's rule); instances under "
              f"{cfg.min_box_pixels} pixels are not annotated.", ""]
    return "\n".join(lines)


def finalize(out: Path, manifests: list[dict], cfg: DatasetConfig, frames: int, command: str | None = None) -> dict:
    """Write COCO, YOLO, the card and ``dataset.json`` from complete shard manifests."""
    for sub in ("coco", "yolo"):
        remove_temp_files(out / sub)
    for p in out.glob(f".*{TEMP_SUFFIX}"):
        p.unlink(missing_ok=True)
    records = sorted((r for m in manifests for r in m["frames"]), key=lambda r: r["frame_id"])
    n_scenes = manifests[0]["n_scenes"] if manifests else 0
    split_of = scene_split(cfg, n_scenes)
    by_split: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for r in records:
        by_split[split_of[r["scene"]]].append(r)
    paths = {}
    for s in SPLITS:
        p = out / "coco" / f"{s}.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(p, _dumps(coco_document(by_split[s], s, cfg)))
        paths[f"coco_{s}"] = str(p.relative_to(out))
    image_key = "rgb_jpeg" if cfg.image.jpeg_quality else "rgb"
    paths["yolo"] = str(write_yolo(out, by_split, image_key).relative_to(out))
    stats = dataset_stats(by_split, cfg, n_scenes)
    atomic_write_text(out / "stats.json", json.dumps(stats, sort_keys=True, indent=1) + "\n")
    atomic_write_text(out / "README.md", _card(cfg, stats, command, frames))
    index = {"format": "wildfire_gym.dataset/1", "status": "complete", "frames": frames, "n_scenes": n_scenes,
             "splits": {s: sorted({r["scene"] for r in by_split[s]}) for s in SPLITS}, "files": paths,
             "config": cfg.to_dict(), "package": {"name": "wildfire_gym", "version": __version__}}
    atomic_write_text(out / "dataset.json", json.dumps(index, sort_keys=True, indent=1) + "\n")
    return index
