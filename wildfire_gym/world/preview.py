"""A map a person can look at: hillshade, fuels, trees and houses."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import shorten
from .landscape import Landscape

TITLE_NAME_CHARS = 60
"""Longest scenario name shown in a preview's title (a longer one is shortened in the middle)."""

#: Fuel-group colours (RGB in [0, 1]) used by previews and the renderer's terrain.
FUEL_GROUP_COLORS: dict[str, tuple[float, float, float]] = {
    "grass": (0.86, 0.80, 0.45),
    "grass-shrub": (0.72, 0.74, 0.40),
    "shrub": (0.55, 0.58, 0.30),
    "timber-understory": (0.40, 0.55, 0.28),
    "timber-litter": (0.45, 0.42, 0.25),
    "slash-blowdown": (0.55, 0.40, 0.25),
    "urban": (0.60, 0.60, 0.62),
    "snow": (0.95, 0.96, 0.98),
    "agriculture": (0.75, 0.82, 0.50),
    "water": (0.30, 0.50, 0.80),
    "bare": (0.65, 0.60, 0.55),
    "custom": (0.70, 0.50, 0.70),
}

_NB = {91: "urban", 92: "snow", 93: "agriculture", 98: "water", 99: "bare"}


def fuel_group(code: int) -> str:
    """Group name of a numeric fuel code (Anderson 1982 / Scott & Burgan 2005 families)."""
    code = int(code)
    if code in _NB:
        return _NB[code]
    if 1 <= code <= 3:
        return "grass"
    if 4 <= code <= 7:
        return "shrub"
    if 8 <= code <= 10:
        return "timber-litter" if code != 10 else "timber-understory"
    if 11 <= code <= 13:
        return "slash-blowdown"
    for lo, name in ((101, "grass"), (121, "grass-shrub"), (141, "shrub"), (161, "timber-understory"),
                     (181, "timber-litter"), (201, "slash-blowdown")):
        if lo <= code < lo + 20:
            return name
    return "custom"


def fuel_color_table(codes: np.ndarray) -> dict[int, tuple[float, float, float]]:
    """Colour for each distinct code in ``codes``."""
    return {int(c): FUEL_GROUP_COLORS[fuel_group(int(c))] for c in np.unique(codes)}


def fuel_rgb(fuel_code: np.ndarray) -> np.ndarray:
    """``[ny, nx, 3]`` float32 colours of a fuel-code raster."""
    table = fuel_color_table(fuel_code)
    out = np.zeros(fuel_code.shape + (3,), np.float32)
    for code, rgb in table.items():
        out[fuel_code == code] = rgb
    return out


SHADE_FLOOR = 0.35
"""Brightness of a fully shaded slope in the shaded fuel maps (1 on a fully lit one)."""


def shaded_fuel_rgb(landscape: Landscape) -> np.ndarray:
    """``[ny, nx, 3]`` float colours (row 0 south) of the fuels, darkened by the hillshade: the
    background of the world preview, the fire animation and the environments' map frames."""
    from .terrain import hillshade

    shade = hillshade(landscape.elevation_m, landscape.cell_m)
    return fuel_rgb(landscape.fuel_code) * (SHADE_FLOOR + (1.0 - SHADE_FLOOR) * shade[..., None])


def render_preview(landscape: Landscape, path: str | Path, dpi: int = 110) -> Path:
    """Write a PNG map (hillshade x fuel colours, tree crowns, houses) atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ..io.atomic import atomic_write

    rgb = shaded_fuel_rgb(landscape)
    w, h = landscape.size_m
    x0, y0 = 0.0, 0.0
    fig, ax = plt.subplots(figsize=(8.2, 7.0), dpi=dpi)
    ax.imshow(np.clip(rgb, 0, 1), origin="lower", extent=(x0, w, y0, h), interpolation="nearest")
    trees = landscape.trees
    if len(trees):
        n_max = 60000
        idx = np.arange(len(trees))
        if len(trees) > n_max:  # a map needs no more dots than pixels
            idx = np.linspace(0, len(trees) - 1, n_max).astype(int)
        colors = np.where(landscape.trees.species[idx, None] % 2 == 0, [[0.08, 0.32, 0.12]], [[0.25, 0.45, 0.10]])
        size = (72.0 / dpi) * 2 * trees.crown_radius_m[idx] * (fig.get_size_inches()[0] * dpi / w) * 0.8
        ax.scatter(trees.x_m[idx], trees.y_m[idx], s=np.clip(size, 0.3, 40) ** 2 * 0.25, c=colors,
                   linewidths=0, alpha=0.8)
    st = landscape.structures
    if len(st):
        ax.scatter(st.x_m, st.y_m, s=28, marker="s", c="#c0392b", edgecolors="white", linewidths=0.6)
    groups = sorted({fuel_group(int(c)) for c in np.unique(landscape.fuel_code)})
    handles = [Patch(color=FUEL_GROUP_COLORS[g], label=g) for g in groups]
    if len(trees):
        handles.append(Patch(color=(0.08, 0.32, 0.12), label=f"trees ({len(trees):,})"))
    if len(st):
        handles.append(Patch(color="#c0392b", label=f"houses ({len(st)})"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    sc = landscape.scenario
    zmin, zmax = float(landscape.elevation_m.min()), float(landscape.elevation_m.max())
    # The name is the user's text: shown shortened and never parsed as mathtext ($...$).
    ax.set_title(f"{shorten(sc.name, TITLE_NAME_CHARS)}: {w / 1000:.1f} x {h / 1000:.1f} km at "
                 f"{landscape.cell_m:g} m, elevation {zmin:.0f}-{zmax:.0f} m", fontsize=10, parse_math=False)
    fig.tight_layout()
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
    return path
