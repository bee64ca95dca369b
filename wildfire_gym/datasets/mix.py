"""Mixing a synthetic dataset with the user's real labelled images (COCO or YOLO).

Every real image and its boxes are kept; synthetic training frames are drawn (seeded) so that
real images make up ``real_share`` of the result (all of them when there are too few). The
real classes are mapped onto ``fire``, ``smoke`` and ``structure`` by name (``--classes
"flame=fire,smoke=smoke"``; by default names containing fire/flame or smoke); boxes of other
classes are dropped and counted. A YOLO folder may be laid out as D-Fire (``train/images``,
``train/labels``) or as Ultralytics (``images/train``, ``labels/train``): each image's label
file is its path with the last ``images`` replaced by ``labels``. Output:
``images/{real,synthetic}/``, ``coco/train.json``, ``yolo/`` (D-Fire layout, train split) and
``mix.json`` with the counts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import yaml

from ..errors import ScenarioError
from ..io.atomic import atomic_write_text
from .frames import CATEGORIES, YOLO_CLASS_OF_CATEGORY, YOLO_CLASSES
from .writers import link_or_copy

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
CATEGORY_ID = {c["name"]: c["id"] for c in CATEGORIES}


def parse_class_map(text: str | None) -> dict[str, str] | None:
    """``"flame=fire,Smoke=smoke"`` -> ``{"flame": "fire", "smoke": "smoke"}`` (names lower-cased)."""
    if text is None:
        return None
    out = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        src, sep, dst = part.partition("=")
        if not sep or not src.strip() or dst.strip() not in CATEGORY_ID:
            raise ScenarioError("--classes", "REAL=OURS pairs, OURS one of fire, smoke, structure (e.g. flame=fire,smoke=smoke)", text)
        out[src.strip().lower()] = dst.strip()
    if not out:
        raise ScenarioError("--classes", "at least one REAL=OURS pair", text)
    return out


def _map_name(name: str, class_map: dict[str, str] | None) -> str | None:
    n = name.strip().lower()
    if class_map is not None:
        return class_map.get(n)
    if "smoke" in n:
        return "smoke"
    if "fire" in n or "flame" in n:
        return "fire"
    return None


def _read_real_coco(root: Path, js: Path, class_map: dict[str, str] | None) -> tuple[list[dict], int]:
    try:
        doc = json.loads(js.read_text(encoding="utf-8"))
        cats = {c["id"]: c["name"] for c in doc["categories"]}
        images = doc["images"]
        anns = doc.get("annotations", [])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError("REAL", f"a COCO JSON with images, annotations and categories ({exc})", str(js)) from None
    by_img: dict[int, list[dict]] = {im["id"]: [] for im in images}
    dropped = 0
    for a in anns:
        ours = _map_name(cats.get(a["category_id"], ""), class_map)
        if ours is None or a["image_id"] not in by_img:
            dropped += 1
            continue
        rec = {"category_id": CATEGORY_ID[ours], "bbox": [float(v) for v in a["bbox"]],
               "area": float(a.get("area", a["bbox"][2] * a["bbox"][3])), "iscrowd": int(a.get("iscrowd", 0))}
        if "segmentation" in a:
            rec["segmentation"] = a["segmentation"]
        by_img[a["image_id"]].append(rec)
    out = []
    for im in images:
        cand = [root / im["file_name"], js.parent / im["file_name"], root / "images" / im["file_name"]]
        path = next((p for p in cand if p.is_file()), None)
        if path is None:
            raise ScenarioError("REAL", f"the image files the COCO JSON names (missing: {im['file_name']})", str(root))
        out.append({"path": path, "width": int(im["width"]), "height": int(im["height"]), "annotations": by_img[im["id"]]})
    return out, dropped


def _read_real_yolo(root: Path, class_map: dict[str, str] | None) -> tuple[list[dict], int]:
    from PIL import Image

    from .._config import load_yaml_file

    names = list(YOLO_CLASSES)
    dy = root / "data.yaml"
    if dy.is_file():
        try:
            data = load_yaml_file(dy) or {}
            n = data.get("names", names)
            names = [n[k] for k in sorted(n)] if isinstance(n, dict) else list(n)
        except (TypeError, KeyError, AttributeError) as exc:
            raise ScenarioError("REAL/data.yaml", f"a YOLO data.yaml with names ({exc})", str(dy)) from None
    images = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
                    and "images" in p.relative_to(root).parts[:-1])
    out, dropped = [], 0
    for p in images:
        parts = list(p.relative_to(root).parts)
        k = len(parts) - 2 - parts[-2::-1].index("images")
        parts[k] = "labels"
        lab = root.joinpath(*parts).with_suffix(".txt")
        with Image.open(p) as im:
            w, h = im.size
        anns = []
        lines = lab.read_text(encoding="utf-8").splitlines() if lab.is_file() else []
        for ln, line in enumerate(lines):
            parts = line.split()
            if not parts:
                continue
            try:
                c = int(parts[0])
                cx, cy, bw, bh = (float(v) for v in parts[1:5])
            except (ValueError, IndexError):
                raise ScenarioError(f"{lab}:{ln + 1}", "a YOLO line 'class cx cy w h'", line) from None
            ours = _map_name(names[c], class_map) if 0 <= c < len(names) else None
            if ours is None:
                dropped += 1
                continue
            x, y, ww, hh = (cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h
            anns.append({"category_id": CATEGORY_ID[ours], "bbox": [x, y, ww, hh], "area": ww * hh, "iscrowd": 0})
        out.append({"path": p, "width": w, "height": h, "annotations": anns})
    return out, dropped


def read_real(root: str | Path, class_map: dict[str, str] | None = None) -> tuple[list[dict], int, str]:
    """The real images of a COCO- or YOLO-labelled folder: records, dropped boxes, format."""
    r = Path(root)
    if not r.is_dir():
        raise ScenarioError("REAL", "a folder of COCO- or YOLO-labelled images", str(r))
    jsons = sorted(list(r.glob("*.json")) + list((r / "annotations").glob("*.json")))
    if jsons:
        recs, dropped = [], 0
        for js in jsons:
            a, d = _read_real_coco(r, js, class_map)
            recs += a
            dropped += d
        fmt = "coco"
    elif any(p.is_dir() for p in r.rglob("images")) and any(p.is_dir() for p in r.rglob("labels")):
        recs, dropped = _read_real_yolo(r, class_map)
        fmt = "yolo"
    else:
        raise ScenarioError("REAL", "a folder with a COCO JSON (top level or annotations/) or YOLO images/ and labels/", str(r))
    if not recs:
        raise ScenarioError("REAL", "at least one labelled image", str(r))
    return recs, dropped, fmt


def mix_datasets(synthetic: str | Path, real: str | Path, out: str | Path, real_share: float = 0.25,
                 class_map: dict[str, str] | None = None, seed: int = 0) -> dict:
    """Merge ``real`` into the training split of the synthetic dataset at ``synthetic``."""
    if not 0.0 < real_share <= 1.0:
        raise ScenarioError("--real-share", "a share of real images in (0, 1]", real_share)
    syn = Path(synthetic)
    coco = syn / "coco" / "train.json"
    if not coco.is_file():
        raise ScenarioError("SYNTHETIC", "a dataset made by `wildfire-gym dataset` (coco/train.json)", str(syn))
    sdoc = json.loads(coco.read_text(encoding="utf-8"))
    reals, dropped, fmt = read_real(real, class_map)
    want_syn = len(reals) * (1.0 - real_share) / real_share
    n_syn = min(len(sdoc["images"]), int(math.floor(want_syn + 0.5)))
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(sdoc["images"]), size=n_syn, replace=False).tolist()) if n_syn else []
    syn_anns: dict[int, list[dict]] = {}
    for a in sdoc["annotations"]:
        syn_anns.setdefault(a["image_id"], []).append(a)
    o = Path(out)
    o.mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    yolo_root = o / "yolo"

    def add(src: Path, rel: str, w: int, h: int, items: list[dict], source: str) -> None:
        iid = len(images) + 1
        dst = o / rel
        link_or_copy(src, dst)
        images.append({"id": iid, "file_name": rel, "width": w, "height": h, "source": source})
        lines = []
        for a in items:
            rec = {"id": len(anns) + 1, "image_id": iid, "category_id": a["category_id"], "bbox": a["bbox"],
                   "area": a["area"], "iscrowd": a.get("iscrowd", 0)}
            if "segmentation" in a:
                rec["segmentation"] = a["segmentation"]
            anns.append(rec)
            c = YOLO_CLASS_OF_CATEGORY.get(a["category_id"])
            if c is not None:
                x, y, bw, bh = a["bbox"]
                lines.append(f"{c} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}\n")
        link_or_copy(src, yolo_root / "train" / "images" / Path(rel).name)
        (yolo_root / "train" / "labels").mkdir(parents=True, exist_ok=True)
        atomic_write_text(yolo_root / "train" / "labels" / f"{Path(rel).stem}.txt", "".join(lines))

    for j, r in enumerate(reals):
        add(r["path"], f"images/real/r{j:07d}{r['path'].suffix.lower()}", r["width"], r["height"], r["annotations"], "real")
    for i in pick:
        im = sdoc["images"][i]
        src = syn / im["file_name"]
        add(src, f"images/synthetic/s{im['id']:08d}{src.suffix}", im["width"], im["height"],
            syn_anns.get(im["id"], []), "synthetic")
    doc = {"info": {"description": f"mix of {syn.name} and {Path(real).name}", "real_share": real_share},
           "licenses": [], "images": images, "annotations": anns, "categories": CATEGORIES}
    (o / "coco").mkdir(exist_ok=True)
    atomic_write_text(o / "coco" / "train.json", json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
    atomic_write_text(yolo_root / "data.yaml", yaml.safe_dump({"path": ".", "train": "train/images", "nc": 2,
                                                               "names": list(YOLO_CLASSES)}, sort_keys=False))
    report = {"real_images": len(reals), "real_format": fmt, "real_boxes_dropped": dropped,
              "synthetic_images": n_syn, "synthetic_available": len(sdoc["images"]),
              "real_share_asked": real_share, "real_share": round(len(reals) / max(1, len(images)), 6),
              "class_map": class_map or "default (names with fire/flame -> fire, smoke -> smoke)"}
    atomic_write_text(o / "mix.json", json.dumps(report, sort_keys=True, indent=1) + "\n")
    return report
