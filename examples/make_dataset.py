"""A small labelled fire-imagery dataset, then a PyTorch DataLoader over it.

For the computer-vision user. It makes a dataset from the built-in ``default`` dataset config
(randomised landscapes, fires, platforms, times of day, looks, long-tail cases) at a small
frame size, with two worker processes, then reads its training split back as tensors:

* ``frames/``: per frame rgb, depth, semantic/instance labels, thermal (K), smoke mask, metadata;
* ``coco/{train,val,test}.json`` (boxes and RLE masks of fire, smoke, structures);
* ``yolo/`` (D-Fire layout: classes smoke, fire) and ``README.md``, the dataset card.

Interrupt it and run it again: it resumes where it stopped, with the same bytes.
The same from the command line: ``wildfire-gym dataset default --frames 24 --out DIR --workers 2``.

Run:  ``.venv/bin/python examples/make_dataset.py [--frames 24] [--size 128] [--workers 2] [--out DIR]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


def main() -> None:
    ap = argparse.ArgumentParser(description="a small labelled dataset and a DataLoader over it")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("out/examples/dataset"))
    a = ap.parse_args()

    from wildfire_gym.datasets import DatasetJob, load_dataset_config, make_dataset

    base = load_dataset_config("default")
    cfg = dataclasses.replace(base, frames_per_scene=6,
                              image=dataclasses.replace(base.image, width=a.size, height=a.size))
    index = make_dataset(DatasetJob(cfg, a.frames, str(a.out)), workers=a.workers)
    stats = json.loads((a.out / "stats.json").read_text())
    print(f"{stats['frames']} frames from {stats['scenes']} scenes -> {a.out}")
    for split, s in stats["splits"].items():
        print(f"  {split:5s} {s['frames']:4d} frames, boxes: fire {s['boxes']['fire']}, smoke {s['boxes']['smoke']}, "
              f"structures {s['boxes']['structure']}")
    print(f"  long-tail kinds drawn: {stats['kinds']}")
    print(f"  card: {a.out / 'README.md'}; YOLO: {a.out / index['files']['yolo']}")

    import torch

    from wildfire_gym.datasets.torch_data import FireImageryDataset, collate

    ds = FireImageryDataset(a.out, "train")
    images, targets = next(iter(torch.utils.data.DataLoader(ds, batch_size=4, collate_fn=collate)))
    print(f"  a training batch: images {tuple(images.shape)}, boxes per image {[len(t['boxes']) for t in targets]}, "
          f"thermal {tuple(targets[0]['thermal_k'].shape)} K")


if __name__ == "__main__":
    main()
