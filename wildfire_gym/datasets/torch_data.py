"""A PyTorch ``Dataset`` over a generated dataset (one split of its COCO file).

Each item is ``(image, target)``: ``image`` float32 ``[3, H, W]`` in [0, 1]; ``target`` a dict
with ``boxes`` float32 ``[N, 4]`` (x0, y0, x1, y1 pixels, exclusive ends), ``labels`` int64
``[N]`` (COCO category ids: 1 fire, 2 smoke, 3 structure), ``masks`` uint8 ``[N, H, W]``,
``thermal_k`` float32 ``[1, H, W]`` (brightness temperature), ``image_id``. Use
:func:`collate` with a ``DataLoader`` (the number of boxes varies).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..errors import ScenarioError
from .frames import read_tiff_f32
from .rle import decode_mask


class FireImageryDataset(torch.utils.data.Dataset):
    """Frames of one split; ``categories`` keeps only those category ids."""

    def __init__(self, root: str | Path, split: str = "train", masks: bool = True, thermal: bool = True,
                 categories: tuple[int, ...] = (1, 2, 3)) -> None:
        self.root = Path(root)
        p = self.root / "coco" / f"{split}.json"
        if not p.is_file():
            raise ScenarioError("split", f"a split of the dataset at {self.root} (no {p.name})", split)
        doc = json.loads(p.read_text(encoding="utf-8"))
        self.images = sorted(doc["images"], key=lambda im: im["id"])
        self._anns: dict[int, list[dict]] = {im["id"]: [] for im in self.images}
        for a in doc["annotations"]:
            if a["category_id"] in categories:
                self._anns[a["image_id"]].append(a)
        self.masks, self.thermal = masks, thermal

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, dict]:
        from PIL import Image

        im = self.images[i]
        with Image.open(self.root / im["file_name"]) as f:
            rgb = np.asarray(f.convert("RGB"), np.float32) / 255.0
        anns = self._anns[im["id"]]
        boxes = np.array([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]]
                          for a in anns], np.float32).reshape(-1, 4)
        target: dict = {"boxes": torch.from_numpy(boxes),
                        "labels": torch.tensor([a["category_id"] for a in anns], dtype=torch.int64),
                        "image_id": int(im["id"])}
        if self.masks:
            m = np.stack([decode_mask(a["segmentation"]) for a in anns]) if anns else \
                np.zeros((0, im["height"], im["width"]), bool)
            target["masks"] = torch.from_numpy(m.astype(np.uint8))
        if self.thermal:
            t = read_tiff_f32(self.root / im["file_name"].replace("_rgb.png", "_thermal.tif"))
            target["thermal_k"] = torch.from_numpy(t)[None]
        return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))), target


def collate(batch: list[tuple[torch.Tensor, dict]]) -> tuple[torch.Tensor, list[dict]]:
    """Stack the images (same size within a dataset), keep the targets as a list."""
    return torch.stack([b[0] for b in batch]), [b[1] for b in batch]
