"""Top-down map frames of an environment slot (``render_mode="rgb_array"``), no 3-D rendering.

A frame shows the landscape (fuel colours over the hillshade), the fire (burning cells orange,
burned cells dark), the houses (white standing, red lost) and what the task draws on top (cut
line, retardant, crews, aircraft, UAVs and their sensor footprints). North is up; each cell is
``px_per_cell`` pixels (default: the smallest whole number that makes the frame at least
:data:`MIN_FRAME_PX` a side).
"""

from __future__ import annotations

import numpy as np

MIN_FRAME_PX = 256
"""Pixels; the smallest side of a frame when ``px_per_cell`` is not given."""

BURNING_RGB = (255, 120, 20)
BURNED_RGB = (40, 36, 34)
HOUSE_RGB = (250, 250, 250)
HOUSE_LOST_RGB = (220, 30, 30)


class FrameCanvas:
    """An RGB frame being drawn, with world-to-pixel mapping (x east, y north, metres)."""

    def __init__(self, rgb_cells: np.ndarray, cell_m: float, px_per_cell: int) -> None:
        self.cell_m = float(cell_m)
        self.k = int(px_per_cell)
        img = np.clip(rgb_cells[::-1], 0, 1)  # north up
        self.img = (np.repeat(np.repeat(img, self.k, axis=0), self.k, axis=1) * 255).astype(np.uint8)
        self.h = self.img.shape[0]

    def px(self, x_m: float, y_m: float) -> tuple[int, int]:
        """Pixel (column, row) of the world point ``(x_m, y_m)``."""
        s = self.k / self.cell_m
        return int(x_m * s), int(self.h - 1 - y_m * s)

    def dot(self, x_m: float, y_m: float, radius_px: int, rgb: tuple[int, int, int]) -> None:
        c, r = self.px(x_m, y_m)
        h, w = self.img.shape[:2]
        r0, r1, c0, c1 = max(r - radius_px, 0), min(r + radius_px + 1, h), max(c - radius_px, 0), min(c + radius_px + 1, w)
        if r0 < r1 and c0 < c1:
            self.img[r0:r1, c0:c1] = rgb

    def ring(self, x_m: float, y_m: float, half_m: float, rgb: tuple[int, int, int]) -> None:
        """The outline of the square of half side ``half_m`` around a point (a sensor footprint)."""
        c0, r1 = self.px(x_m - half_m, y_m - half_m)
        c1, r0 = self.px(x_m + half_m, y_m + half_m)
        h, w = self.img.shape[:2]
        for r in (r0, r1):
            if 0 <= r < h:
                self.img[r, max(c0, 0):min(c1 + 1, w)] = rgb
        for c in (c0, c1):
            if 0 <= c < w:
                self.img[max(r0, 0):min(r1 + 1, h), c] = rgb


def default_px_per_cell(shape: tuple[int, int]) -> int:
    return max(1, -(-MIN_FRAME_PX // min(shape)))


def write_episode_gif(env, policy, seed: int, path, max_frames: int = 240, frame_ms: int = 150):
    """Run one episode of ``env`` (made with ``render_mode="rgb_array"``) under ``policy(obs, env)``
    from ``seed`` and write its frames, one per step, as an animated GIF (atomically); returns the path."""
    from pathlib import Path

    from PIL import Image, ImageDraw

    from ..io.atomic import atomic_write

    obs, _ = env.reset(seed=int(seed))
    frames = [env.render()]
    done = False
    total = 0.0
    while not done and len(frames) < max_frames:
        obs, r, term, trunc, _ = env.step(policy(obs, env))
        total += float(r)
        done = term or trunc
        frames.append(env.render())
    env.close()
    images = []
    for k, f in enumerate(frames):
        im = Image.fromarray(f)
        label = f"step {k}" + (f", return {total:.2f}" if k == len(frames) - 1 else "")
        ImageDraw.Draw(im).text((4, 2), label, fill=(255, 255, 255))
        images.append(im.convert("P", palette=Image.ADAPTIVE, colors=128))
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        images[0].save(fh, format="GIF", save_all=True, append_images=images[1:], duration=frame_ms, loop=0)
    return path
