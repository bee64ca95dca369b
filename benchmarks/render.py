"""Sensors (wildfire_gym.render) on the built-in scenarios: scene build, frames/s per camera, label statistics.

For each scenario (default: ``default`` and ``pine-ridge``) the real engine burns the scenario
and snapshots are kept at ``--times`` evenly spaced instants. Then:

* scene build: wall time and the peak resident memory added while the :class:`Renderer` is
  built (peak RSS reset through ``/proc/self/clear_refs`` before the build), triangles drawn;
* frames/s of the full labelled frame for each camera preset (uav, uav_thermal, tower, nadir)
  at each ``--sizes`` width, every repeat on another snapshot (state update and upload included),
  min/median/max;
* label statistics over every sampled frame at the largest size: flame and smoke box sizes
  (per-region boxes, ``sqrt(w h)`` and the longer side, px), class pixel shares, and the share of
  tower frames with an active fire whose smoke is visible (labelled on at least
  ``SMOKE_VISIBLE_MIN_PX`` pixels by the contrast rule of :func:`~wildfire_gym.render.renderer.smoke_visible`);
* ``--sheet PATH``: a contact sheet PNG, one row per sample (RGB | thermal | labels): per
  scenario a UAV close-up, a tower view of the plume, a nadir view, and a night UAV frame;
* ``--sheet-rows DIR``: each of those rows also as its own small PNG (palette-quantised to 256
  colours, for documentation), ``<scenario>_<camera>.png``.

Prints one JSON object (never asserts). Usage:
``python benchmarks/render.py [--scenarios default,pine-ridge] [--sizes 256,512] [--repeats 4] [--times 4] [--sheet out/sheet.png] [--sheet-rows docs/images]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np  # noqa: E402

CAMERAS = ("uav", "uav_thermal", "tower", "nadir")
SMOKE_VISIBLE_MIN_PX = 20
"""A tower frame shows smoke when at least this many pixels are labelled smoke."""


def _rss_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _stats(xs: list[float]) -> dict:
    med = statistics.median(xs)
    return {"min_s": min(xs), "median_s": med, "max_s": max(xs), "fps_median": 1.0 / med, "n": len(xs)}


def _dist(xs: list[float]) -> dict:
    if not xs:
        return {"n": 0}
    a = np.asarray(xs, float)
    return {"n": int(a.size), "p10": float(np.percentile(a, 10)), "median": float(np.median(a)),
            "p90": float(np.percentile(a, 90)), "share_ge_16px": float(np.mean(a >= 16.0))}


def _resolution(camera: str, width: int) -> tuple[int, int]:
    return (width, width * 512 // 640) if camera == "uav_thermal" else (width, width)


def run_scenario(name: str, sizes: list[int], repeats: int, n_times: int, sheet_rows: list, arch: str,
                 shadows: bool = True) -> dict:
    from wildfire_gym.fire.simulation import FireSimulation
    from wildfire_gym.render import RenderConfig, Renderer, side_by_side
    from wildfire_gym.render.platforms import CameraSpec, camera_for
    from wildfire_gym.render.randomize import night_appearance
    from wildfire_gym.render.scene import LABEL_NAMES
    from wildfire_gym.scenario import load_scenario
    from wildfire_gym.world import build_world

    sc = load_scenario(name)
    t0 = time.perf_counter()
    land = build_world(sc)
    world_s = time.perf_counter() - t0
    sim = FireSimulation(land, arch=arch)
    land = sim.landscapes[0]
    times = [sc.duration_s * (k + 1) / n_times for k in range(n_times)]
    snaps = []
    t0 = time.perf_counter()
    for t in times:
        sim.advance(t)
        snaps.append(sim.snapshot(0))
    fire_s = time.perf_counter() - t0
    peak_ok = _reset_peak_rss()
    rss0 = _rss_kb("VmRSS")
    t0 = time.perf_counter()
    renderer = Renderer(land, RenderConfig(seed=sc.seed, shadows=shadows))
    build_s = time.perf_counter() - t0
    peak_mb = (_rss_kb("VmHWM") - rss0) / 1024.0 if peak_ok else None
    geom = renderer.geometry
    inst = renderer._gpu.instances  # noqa: SLF001 (benchmark introspection)
    out: dict = {
        "trees": len(land.trees), "cells": list(land.shape), "world_build_s": world_s, "fire_s": fire_s,
        "scene_build_s": build_s, "scene_build_timings": renderer.build_timings,
        "scene_build_peak_rss_added_mb": peak_mb, "static_triangles": int(geom.indices.size // 3),
        "tree_template_triangles": inst.n_template_triangles if inst is not None else None,
        "sample_times_s": times, "cameras": {},
    }
    share_names = list(LABEL_NAMES.values())
    with renderer:
        for cam_name in CAMERAS:
            per_size = {}
            flame_sz, flame_side, smoke_sz, shares, tower_active, tower_smoke = [], [], [], [], 0, 0
            for width in sizes:
                w, h = _resolution(cam_name, width)
                spec = CameraSpec(cam_name, width=w, height=h)
                ts = []
                for k in range(max(repeats, len(snaps))):
                    snap = snaps[k % len(snaps)]
                    if k >= len(snaps):  # another instant: the state is recomputed and uploaded again
                        snap = dataclasses.replace(snap, time_s=snap.time_s + 0.5 * k)
                    cam = camera_for(land, spec, snap)
                    t1 = time.perf_counter()
                    f = renderer.render(snap, cam, seed=k)
                    ts.append(time.perf_counter() - t1)
                    if width == max(sizes) and k < len(snaps):
                        for b in f.boxes:
                            bw, bh = b.xyxy[2] - b.xyxy[0], b.xyxy[3] - b.xyxy[1]
                            if b.label == "flame":
                                flame_sz.append(float(np.sqrt(bw * bh)))
                                flame_side.append(float(max(bw, bh)))
                            elif b.label == "smoke":
                                smoke_sz.append(float(np.sqrt(bw * bh)))
                        shares.append(np.bincount(f.semantic.ravel(), minlength=len(share_names))[:len(share_names)]
                                      / f.semantic.size)
                        if cam_name == "tower" and f.metadata["burning_area_m2"] > 0:
                            tower_active += 1
                            tower_smoke += int((f.semantic == 6).sum() >= SMOKE_VISIBLE_MIN_PX)
                        if sheet_rows is not None and k == len(snaps) - 1 and cam_name in ("uav", "tower", "nadir"):
                            sheet_rows.append((f"{name} {cam_name} t={snap.time_s:.0f}s", side_by_side(f)))
                per_size[f"{w}x{h}"] = _stats(ts)
            entry = {"frames_per_s": per_size, "flame_box_sqrt_wh_px": _dist(flame_sz),
                     "flame_box_longer_side_px": _dist(flame_side), "smoke_box_sqrt_wh_px": _dist(smoke_sz),
                     "class_pixel_share_median": dict(zip(share_names, np.median(np.asarray(shares), 0).tolist()))
                     if shares else {}}
            if cam_name == "tower":
                entry["tower_frames_with_active_fire"] = tower_active
                entry["tower_smoke_visible_share"] = tower_smoke / tower_active if tower_active else None
            out["cameras"][cam_name] = entry
        if sheet_rows is not None:  # a night frame from the UAV
            snap = snaps[len(snaps) // 2]
            app = night_appearance(land.scenario.weather.start_hour, snap.time_s)
            w, h = _resolution("uav", max(sizes))
            f = renderer.render(snap, camera_for(land, CameraSpec("uav", width=w, height=h), snap), appearance=app, seed=1)
            sheet_rows.append((f"{name} uav night t={snap.time_s:.0f}s", side_by_side(f)))
    return out


def write_sheet(rows: list, path: Path) -> None:
    from PIL import Image, ImageDraw

    from wildfire_gym.io.atomic import atomic_write_bytes

    width = max(r.shape[1] for _, r in rows)
    pad = 18
    sheet = np.full((sum(r.shape[0] + pad for _, r in rows), width, 3), 20, np.uint8)
    y = 0
    im = Image.fromarray(sheet)
    draw = ImageDraw.Draw(im)
    for title, r in rows:
        draw.text((4, y + 3), title + "   (RGB | thermal | labels)", fill=(230, 230, 230))
        im.paste(Image.fromarray(r), (0, y + pad))
        y += r.shape[0] + pad
    import io

    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())


def write_sheet_rows(rows: list, out_dir: Path) -> list[str]:
    """Each sheet row as its own palette PNG (256 colours, median cut), named from its title."""
    import io

    from PIL import Image

    from wildfire_gym.io.atomic import atomic_write_bytes

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for title, r in rows:
        words = title.split()  # "<scenario> <camera> [night] t=<s>s"
        slug = "_".join(w for w in words if not w.startswith("t=")).replace("-", "_")
        im = Image.fromarray(r).quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
        path = out_dir / f"{slug}.png"
        atomic_write_bytes(path, buf.getvalue())
        paths.append(str(path))
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default="default,pine-ridge", help="comma-separated built-in names or YAML files")
    ap.add_argument("--sizes", default="256,512", help="comma-separated image widths, px")
    ap.add_argument("--repeats", type=int, default=4, help="frames timed per camera and size (at least --times)")
    ap.add_argument("--times", type=int, default=4, help="snapshots sampled over each scenario's duration")
    ap.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    ap.add_argument("--sheet-rows", type=Path, default=None, help="write each sheet row as a small PNG in this folder")
    ap.add_argument("--arch", default="cpu", help="taichi arch for the fire engine")
    ap.add_argument("--no-shadows", action="store_true", help="render without the sun's shadow map")
    args = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        if not sizes or any(not 16 <= s <= 4096 for s in sizes):
            raise ValueError
    except ValueError:
        print(f"error: --sizes: expected comma-separated widths in 16..4096, got {args.sizes!r}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.repeats < 1 or args.times < 1:
        print("error: --repeats/--times: expected integers >= 1", file=sys.stderr)
        raise SystemExit(2)
    rows: list | None = [] if args.sheet is not None or args.sheet_rows is not None else None
    result = {"benchmark": "render", "python": platform.python_version(), "machine": platform.machine(),
              "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
              "inputs": {"scenarios": args.scenarios, "sizes": sizes, "repeats": args.repeats, "times": args.times,
                         "shadows": not args.no_shadows},
              "scenarios": {}}
    # The engine's banner goes to stdout (also from C++): send fd 1 to stderr while working, so
    # stdout carries the one JSON object only.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
            result["scenarios"][name] = run_scenario(name, sizes, args.repeats, args.times, rows, args.arch,
                                                     not args.no_shadows)
        if args.sheet is not None and rows:
            write_sheet(rows, args.sheet)
            result["contact_sheet"] = str(args.sheet)
        if args.sheet_rows is not None and rows:
            result["sheet_rows"] = write_sheet_rows(rows, args.sheet_rows)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    result["note"] = ("shared machine: absolute times are noisy; Mesa llvmpipe (CPU rasteriser). "
                      "Before instancing (issue 8): pine-ridge scene 121 s and 15.9 GB, 1-2 frames/s.")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
