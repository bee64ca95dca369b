"""Labelled dataset frames per hour (wildfire_gym.datasets), per worker count.

Makes the same dataset (the built-in ``default`` config at ``--size`` pixels, ``--scenes``
scenes of ``--frames-per-scene`` frames) once per worker count in ``--workers`` and reports,
for each: wall time, frames/hour, the share of the shards' time spent building scenes
(world, fire engine, renderer), advancing the fire, rendering and writing files, and the
start-up not inside any shard (process spawn, imports). Then the scaling from the first to
the last worker count (efficiency = speed-up / worker ratio) and the projected wall time of
``--project-frames`` frames on a Ray cluster of ``--cluster-cpus`` one-CPU workers at the
measured per-worker rate (the last worker count's efficiency applied). Files are encoded and written on threads while
the next frame renders, so the write share overlaps the others.

Checks that the datasets made with different worker counts are the same bytes.

Usage: ``python benchmarks/dataset.py [--size 512] [--scenes 4] [--frames-per-scene 12]
[--workers 1,2] [--cluster-cpus 256] [--project-frames 1000000]``
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("ENABLE_TAICHI_HEADER_PRINT", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine_note  # noqa: E402

from wildfire_gym.datasets import DatasetJob, load_dataset_config, make_dataset  # noqa: E402


def _hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel != "run.json" and not rel.endswith(".timing.json"):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="default")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--scenes", type=int, default=4)
    ap.add_argument("--frames-per-scene", type=int, default=12)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--cluster-cpus", type=int, default=256)
    ap.add_argument("--project-frames", type=int, default=1_000_000)
    a = ap.parse_args()
    base = load_dataset_config(a.config)
    cfg = dataclasses.replace(base, frames_per_scene=a.frames_per_scene,
                              image=dataclasses.replace(base.image, width=a.size, height=a.size))
    frames = a.scenes * a.frames_per_scene
    worker_counts = [int(w) for w in a.workers.split(",")]
    runs = []
    hashes = []
    saved = os.dup(1)
    os.dup2(2, 1)  # Taichi prints on stdout (here and in the workers): keep stdout for the JSON
    with tempfile.TemporaryDirectory() as tmp:
        for w in worker_counts:
            out = Path(tmp) / f"w{w}" / "ds"
            t0 = time.perf_counter()
            make_dataset(DatasetJob(cfg, frames, str(out)), workers=w)
            wall = time.perf_counter() - t0
            tim = [json.loads(p.read_text()) for p in sorted((out / "shards").glob("*.timing.json"))]
            parts = {k: sum(t[k] for t in tim) for k in ("build_s", "fire_s", "render_s", "write_s", "wall_s")}
            inside = parts["wall_s"]
            runs.append({
                "workers": w, "wall_s": round(wall, 2), "frames": frames,
                "frames_per_hour": round(frames / wall * 3600.0),
                "frames_per_hour_per_worker": round(frames / wall * 3600.0 / w),
                "shard_time_s": {k: round(v, 2) for k, v in parts.items()},
                "share_of_shard_time": {k.replace("_s", ""): round(parts[k] / inside, 3) for k in
                                        ("build_s", "fire_s", "render_s", "write_s")},
                "note": "writing runs on threads beside rendering, so the shares add up to more than 1",
                "outside_shards_s_per_worker": round(wall - inside / w, 2),
            })
            hashes.append(_hashes(out))
    sys.stdout.flush()
    os.dup2(saved, 1)
    r0, r1 = runs[0], runs[-1]
    speedup = r0["wall_s"] / r1["wall_s"]
    eff = speedup / (r1["workers"] / r0["workers"])
    per_worker_fps = frames / r0["wall_s"] / r0["workers"]
    cluster_fps = per_worker_fps * a.cluster_cpus * min(1.0, eff)
    print(json.dumps({
        "benchmark": "dataset", "config": a.config, "size": a.size, "scenes": a.scenes,
        "frames_per_scene": a.frames_per_scene, "runs": runs,
        "scaling": {"from_workers": r0["workers"], "to_workers": r1["workers"], "speedup": round(speedup, 3),
                    "efficiency": round(eff, 3)},
        "identical_bytes_across_worker_counts": all(h == hashes[0] for h in hashes),
        "projection": {"frames": a.project_frames, "cluster_cpus": a.cluster_cpus,
                       "assumes": "one worker per CPU at this machine's per-worker rate, the measured efficiency",
                       "hours": round(a.project_frames / cluster_fps / 3600.0, 2)},
        "goal_frames_per_hour": 20000,
        "machine": machine_note(),
    }, indent=1))


if __name__ == "__main__":
    main()
