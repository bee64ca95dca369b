"""A look at the data: ``stats.html`` with the plots a person checks before training.

Class balance per split, box sizes and centres, brightness temperature per class, smoke
opacity, time-of-day and platform shares, long-tail shares asked for and drawn, and a contact
sheet of frames with their boxes drawn (fire orange, smoke cyan, structures magenta). Given a
folder of real labelled images (COCO or YOLO), box sizes, colour and brightness and class
shares are drawn side by side with the synthetic ones. Images are embedded (one file).
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np

from ..errors import ScenarioError
from ..io.atomic import atomic_write_bytes, atomic_write_text
from .config import LONG_TAIL
from .frames import CATEGORIES, read_tiff_f32

BOX_COLOURS = {1: (255, 110, 0), 2: (40, 220, 255), 3: (220, 40, 200)}
CAT_NAME = {c["id"]: c["name"] for c in CATEGORIES}


def _load(root: Path) -> tuple[dict, list[dict], list[dict]]:
    if not (root / "dataset.json").is_file():
        raise ScenarioError("DIR", "a dataset made by `wildfire-gym dataset` (dataset.json)", str(root))
    index = json.loads((root / "dataset.json").read_text(encoding="utf-8"))
    images, anns = [], []
    for split in ("train", "val", "test"):
        doc = json.loads((root / "coco" / f"{split}.json").read_text(encoding="utf-8"))
        for im in doc["images"]:
            images.append({**im, "split": split})
        anns += doc["annotations"]
    return index, images, anns


def draw_boxes(rgb: np.ndarray, boxes: list[tuple[int, list[float]]]) -> np.ndarray:
    """A copy of ``rgb`` with 1-pixel box outlines (``(category_id, [x, y, w, h])``)."""
    out = rgb.copy()
    h, w = out.shape[:2]
    for cid, (x, y, bw, bh) in boxes:
        c = np.array(BOX_COLOURS.get(cid, (255, 255, 255)), np.uint8)
        x0, y0 = int(max(0, np.floor(x))), int(max(0, np.floor(y)))
        x1, y1 = int(min(w, np.ceil(x + bw))), int(min(h, np.ceil(y + bh)))
        if x1 <= x0 or y1 <= y0:
            continue
        out[y0:y1, [x0, x1 - 1]] = c
        out[[y0, y1 - 1], x0:x1] = c
    return out


def contact_sheet(root: Path, images: list[dict], anns: list[dict], n: int = 24, tile: int = 160) -> np.ndarray:
    """Up to ``n`` frames spread over the dataset, boxes drawn, on a grid of 6 columns."""
    from PIL import Image

    by_img: dict[int, list] = {}
    for a in anns:
        by_img.setdefault(a["image_id"], []).append((a["category_id"], a["bbox"]))
    pick = [images[int(i)] for i in np.unique(np.linspace(0, len(images) - 1, min(n, len(images))).round().astype(int))]
    cols = 6
    rows = max(1, -(-len(pick) // cols))
    sheet = np.full((rows * (tile + 4), cols * (tile + 4), 3), 255, np.uint8)
    for j, im in enumerate(pick):
        with Image.open(root / im["file_name"]) as f:
            rgb = np.asarray(f.convert("RGB"))
        drawn = draw_boxes(rgb, by_img.get(im["id"], []))
        t = np.asarray(Image.fromarray(drawn).resize((tile, tile), Image.NEAREST))
        r, c = divmod(j, cols)
        sheet[r * (tile + 4):r * (tile + 4) + tile, c * (tile + 4):c * (tile + 4) + tile] = t
    return sheet


def _png_b64(fig_or_img) -> str:
    buf = io.BytesIO()
    if isinstance(fig_or_img, np.ndarray):
        from PIL import Image

        Image.fromarray(fig_or_img).save(buf, format="PNG")
    else:
        fig_or_img.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig_or_img)
    return base64.b64encode(buf.getvalue()).decode()


def _image_stats(root: Path, files: list[Path | str], limit: int = 200) -> dict[str, np.ndarray]:
    from PIL import Image

    lum, sat = [], []
    for p in files[:limit]:
        with Image.open(root / p if not Path(p).is_absolute() else p) as f:
            a = np.asarray(f.convert("RGB"), np.float32) / 255.0
        lum.append(float((a @ np.array([0.2126, 0.7152, 0.0722], np.float32)).mean()))
        sat.append(float((a.max(axis=2) - a.min(axis=2)).mean()))
    return {"brightness": np.array(lum), "saturation": np.array(sat)}


def write_stats_report(root: str | Path, real: str | Path | None = None, out: str | Path | None = None,
                       samples: int = 24) -> Path:
    """Write ``stats.html`` (and ``contact_sheet.png``) for the dataset at ``root``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    r = Path(root)
    index, images, anns = _load(r)
    stats = json.loads((r / "stats.json").read_text(encoding="utf-8"))
    figs: list[tuple[str, str]] = []

    # class balance per split
    fig, ax = plt.subplots(figsize=(6, 3))
    splits = ["train", "val", "test"]
    for k, cid in enumerate((1, 2, 3)):
        vals = [stats["splits"][s]["boxes"][CAT_NAME[cid]] for s in splits]
        ax.bar(np.arange(3) + 0.27 * (k - 1), vals, 0.27, label=CAT_NAME[cid], color=np.array(BOX_COLOURS[cid]) / 255)
    ax.set_xticks(range(3), splits)
    ax.set_ylabel("boxes")
    ax.legend()
    ax.set_title("class balance")
    figs.append(("Class balance", _png_b64(fig)))

    # box sizes and centres
    fig, axs = plt.subplots(1, 2, figsize=(10, 3.5))
    w_of = {im["id"]: (im["width"], im["height"]) for im in images}
    for cid in (1, 2, 3):
        a = [x for x in anns if x["category_id"] == cid]
        if not a:
            continue
        size = np.array([np.sqrt(x["bbox"][2] * x["bbox"][3]) / w_of[x["image_id"]][0] for x in a])
        axs[0].hist(size, bins=np.logspace(-3, 0, 30), alpha=0.6, label=CAT_NAME[cid], color=np.array(BOX_COLOURS[cid]) / 255)
        cx = [(x["bbox"][0] + x["bbox"][2] / 2) / w_of[x["image_id"]][0] for x in a]
        cy = [(x["bbox"][1] + x["bbox"][3] / 2) / w_of[x["image_id"]][1] for x in a]
        axs[1].scatter(cx, cy, s=4, alpha=0.5, label=CAT_NAME[cid], color=np.array(BOX_COLOURS[cid]) / 255)
    axs[0].set_xscale("log")
    axs[0].set_xlabel("sqrt(box area) / image width")
    axs[0].legend()
    axs[0].set_title("box sizes")
    axs[1].set_xlim(0, 1)
    axs[1].set_ylim(1, 0)
    axs[1].set_title("box centres (image coordinates)")
    figs.append(("Box sizes and positions", _png_b64(fig)))

    # thermal per class and smoke opacity, from a sample of frames
    pick = images[:: max(1, len(images) // 40)]
    by_class: dict[str, list[np.ndarray]] = {"fire": [], "smoke": [], "other": []}
    opac = []
    for im in pick:
        stem = r / im["file_name"].replace("_rgb.png", "")
        t = read_tiff_f32(f"{stem}_thermal.tif")
        with Image.open(f"{stem}_semantic.png") as f:
            sem = np.asarray(f)
        with Image.open(f"{stem}_smoke.png") as f:
            sm = np.asarray(f).astype(np.float32) / 255.0
        by_class["fire"].append(t[sem == 5])
        by_class["smoke"].append(t[sem == 6])
        by_class["other"].append(t[(sem != 5) & (sem != 6)][::7])
        opac.append(sm[sm > 0.01])
    fig, axs = plt.subplots(1, 2, figsize=(10, 3.5))
    for name, col in (("other", "grey"), ("smoke", "c"), ("fire", "orange")):
        v = np.concatenate(by_class[name]) if by_class[name] else np.zeros(0)
        if v.size:
            axs[0].hist(v, bins=np.logspace(np.log10(150), np.log10(1600), 50), alpha=0.6, label=name, color=col, density=True)
    axs[0].set_xscale("log")
    axs[0].set_xlabel("brightness temperature, K")
    axs[0].legend()
    axs[0].set_title("thermal per class")
    o = np.concatenate(opac) if opac else np.zeros(0)
    if o.size:
        axs[1].hist(o, bins=40, color="c")
    axs[1].set_xlabel("smoke opacity (pixels > 0.01)")
    axs[1].set_title("smoke opacity")
    figs.append(("Thermal and smoke", _png_b64(fig)))

    # time of day, platforms, long tail asked vs drawn
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.2))
    axs[0].hist([im["hour_of_day"] % 24 for im in images], bins=np.arange(0, 25), color="gold")
    axs[0].set_xlabel("solar hour")
    axs[0].set_title("time of day")
    pl = stats["platforms"]
    axs[1].bar(list(pl), list(pl.values()), color="tab:blue")
    axs[1].set_title("platform shares")
    cfg_lt = index["config"]["long_tail"]
    kinds = list(LONG_TAIL)
    asked = [cfg_lt[k] for k in kinds]
    drawn = [stats["kinds"].get(k, 0.0) if k != "near_houses" else stats["seen"]["near_houses_frames"] for k in kinds]
    x = np.arange(len(kinds))
    axs[2].bar(x - 0.2, asked, 0.4, label="asked")
    axs[2].bar(x + 0.2, drawn, 0.4, label="drawn")
    axs[2].set_xticks(x, kinds, rotation=45, ha="right")
    axs[2].legend()
    axs[2].set_title("long tail (share of frames)")
    figs.append(("Time of day, platforms, long tail", _png_b64(fig)))

    # real data side by side
    real_note = ""
    if real is not None:
        from .mix import read_real

        reals, dropped, fmt = read_real(real)
        syn_files = [im["file_name"] for im in images]
        s_st = _image_stats(r, syn_files)
        r_st = _image_stats(Path("/"), [str(x["path"]) for x in reals])
        fig, axs = plt.subplots(1, 3, figsize=(13, 3.2))
        for name, st, col in (("synthetic", s_st, "tab:orange"), ("real", r_st, "tab:green")):
            axs[0].hist(st["brightness"], bins=20, range=(0, 1), alpha=0.6, density=True, label=name, color=col)
            axs[1].hist(st["saturation"], bins=20, range=(0, 1), alpha=0.6, density=True, label=name, color=col)
        axs[0].set_title("mean brightness per image")
        axs[1].set_title("mean saturation per image")
        axs[0].legend()
        sz_s = [np.sqrt(a["bbox"][2] * a["bbox"][3]) / w_of[a["image_id"]][0] for a in anns if a["category_id"] in (1, 2)]
        sz_r = [np.sqrt(a["bbox"][2] * a["bbox"][3]) / x["width"] for x in reals for a in x["annotations"]]
        bins = np.logspace(-3, 0, 30)
        axs[2].hist(sz_s, bins=bins, alpha=0.6, density=True, label="synthetic", color="tab:orange")
        if sz_r:
            axs[2].hist(sz_r, bins=bins, alpha=0.6, density=True, label="real", color="tab:green")
        axs[2].set_xscale("log")
        axs[2].set_title("fire/smoke box size / width")
        axs[2].legend()
        figs.append(("Synthetic beside real", _png_b64(fig)))
        n_r = {cid: sum(a["category_id"] == cid for x in reals for a in x["annotations"]) for cid in (1, 2)}
        n_s = {cid: sum(a["category_id"] == cid for a in anns) for cid in (1, 2)}
        real_note = (f"<p>Real: {len(reals)} images ({fmt}), fire/smoke boxes {n_r[1]}/{n_r[2]} "
                     f"({dropped} boxes of other classes not counted); synthetic fire/smoke boxes {n_s[1]}/{n_s[2]}.</p>")

    sheet = contact_sheet(r, images, anns, samples)
    dest = Path(out) if out is not None else r / "stats.html"
    atomic_write_bytes(dest.with_name("contact_sheet.png"), base64.b64decode(_png_b64(sheet)))
    parts = [f"<html><head><meta charset='utf-8'><title>{html.escape(index['config']['name'])}</title></head><body>",
             f"<h1>{html.escape(index['config']['name'])}: {stats['frames']} frames, {stats['scenes']} scenes</h1>",
             f"<p>Long-tail shares seen in the labels: {html.escape(json.dumps(stats['seen']))}</p>", real_note]
    for title, b64 in figs:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='data:image/png;base64,{b64}'/>")
    parts.append("<h2>Contact sheet (fire orange, smoke cyan, structures magenta)</h2>"
                 f"<img src='data:image/png;base64,{_png_b64(sheet)}'/></body></html>")
    atomic_write_text(dest, "\n".join(parts) + "\n")
    return dest
