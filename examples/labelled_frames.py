"""Labelled frames of a burning world: synthetic training data for fire detection.

For the computer-vision user. It burns a scenario and, at a few moments of the fire, renders
what real platforms see -- a drone's RGB camera close to the fire's head, its 640 x 512 thermal
payload, and a lookout camera on a ridge 8 km away watching the plume -- with pixel-perfect labels:

* RGB image, depth (m along the optical axis), brightness temperature (K, a thermal camera),
  smoke opacity;
* semantic labels (sky, terrain burnt/unburnt, live/burnt vegetation, flame, smoke, structure)
  and instance ids (each tree and house);
* 2-D boxes of flames and smoke (per fire region and per image component), the camera
  intrinsics ``K`` and pose ``T_world_to_cam``.

Each frame goes to ``NNNNNN_rgb.png``, ``_semantic.png``, ``_instance.png``, ``_thermal8.png``,
``_arrays.npz`` and ``_meta.json`` (see :mod:`wildfire_gym.render.frame`), plus a preview strip
``NNNNNN_preview.png`` (RGB | thermal | labels). ``--randomize`` samples a seeded appearance per
frame (sun, haze, colours) for domain randomisation.

Needs an offscreen OpenGL context (EGL, or ``PYOPENGL_PLATFORM=osmesa``).

Run:  ``.venv/bin/python examples/labelled_frames.py [--frames 3] [--size 320] [--out DIR]``
Writes into ``out/examples/frames/<camera>/`` by default; takes under a minute on a laptop CPU.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np  # noqa: E402

from wildfire_gym.fire.simulation import FireSimulation  # noqa: E402
from wildfire_gym.io.atomic import atomic_write  # noqa: E402
from wildfire_gym.render import (  # noqa: E402
    LABEL_NAMES,
    RenderConfig,
    Renderer,
    sample_appearance,
    side_by_side,
    write_frame,
)
from wildfire_gym.render.platforms import CameraSpec, camera_for  # noqa: E402
from wildfire_gym.scenario import load_scenario  # noqa: E402
from wildfire_gym.world import build_world  # noqa: E402

CAMERAS = ("uav", "uav_thermal", "tower")
"""Platform presets rendered (see :mod:`wildfire_gym.render.platforms`)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default", help="built-in name or YAML file with an ignition")
    parser.add_argument("--frames", type=int, default=3, help="frames over the scenario's duration")
    parser.add_argument("--size", type=int, default=320, help="image width and height, pixels")
    parser.add_argument("--randomize", action="store_true", help="seeded domain randomisation per frame")
    parser.add_argument("--out", type=Path, default=Path("out/examples/frames"), help="output folder")
    parser.add_argument("--arch", default="cpu", choices=["cpu", "cuda"], help="Taichi backend (default: cpu)")
    args = parser.parse_args()

    sc = load_scenario(args.scenario)
    sim = FireSimulation([build_world(sc)], arch=args.arch)
    land = sim.landscapes[0]

    rng = np.random.default_rng(sc.seed)
    with Renderer(land, RenderConfig(seed=sc.seed)) as renderer:
        for i, t in enumerate(np.linspace(sc.duration_s / args.frames, sc.duration_s, args.frames)):
            sim.advance(float(t))
            snap = sim.snapshot(0)
            appearance = sample_appearance(rng) if args.randomize else None
            for name in CAMERAS:
                # each camera aims at the fire's head as it is now; the thermal payload keeps 640 x 512's shape
                w = args.size
                spec = CameraSpec(name, width=w, height=w * 512 // 640 if name == "uav_thermal" else w)
                frame = renderer.render(snap, camera_for(land, spec, snap), appearance=appearance, seed=sc.seed + i)
                out = args.out / name
                files = write_frame(frame, out, i)
                preview = out / f"{i:06d}_preview.png"
                from PIL import Image

                with atomic_write(preview, "wb") as fh:
                    Image.fromarray(side_by_side(frame)).save(fh, format="PNG")
                counts = np.bincount(frame.semantic.ravel(), minlength=len(LABEL_NAMES))
                shares = ", ".join(f"{LABEL_NAMES[k]} {100.0 * n / frame.semantic.size:.1f}%"
                                   for k, n in enumerate(counts) if n)
                boxes = [b.label for b in frame.boxes]
                print(f"t = {t / 60:5.1f} min, {name:11s}: {len(files)} files, {boxes.count('flame')} flame and "
                      f"{boxes.count('smoke')} smoke boxes, max {float(np.max(frame.thermal_k)):.0f} K; {shares}")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
