"""Front values of a cell when the front arrives: rate of spread normal to the front, Byram
intensity and flame length."""

from wildfire_gym._taichi import ti

from ..spread_ref import BYRAM_FLAME_COEFF, BYRAM_FLAME_EXP
from .common import F32, I32, TILE


@ti.func
def _flame_length(intensity: ti.f32) -> ti.f32:
    out = 0.0
    if intensity > 0.0:
        out = BYRAM_FLAME_COEFF * ti.pow(intensity, BYRAM_FLAME_EXP)
    return out

@ti.func
def _finalize_cell(
    b: ti.i32,
    iy: ti.i32,
    ix: ti.i32,
    arrival: ti.template(),
    ros_head: ti.template(),
    intensity_per_ros: ti.template(),
    ros: ti.template(),
    intensity: ti.template(),
    tw: ti.f32,
    cell_m: ti.f32,
):
    """Front rate and Byram intensity (the flame length follows from it: :func:`_flame_length`) of cell ``(b, iy, ix)`` if it arrived by
    ``tw`` and is not done yet (``ros == 0``)."""
    ny, nx = arrival.shape[1], arrival.shape[2]
    t = arrival[b, iy, ix]
    if t <= tw and ros[b, iy, ix] == 0.0:
        gx = 0.0
        gy = 0.0
        if ix > 0:
            gx = ti.max(gx, t - arrival[b, iy, ix - 1])
        if ix < nx - 1:
            gx = ti.max(gx, t - arrival[b, iy, ix + 1])
        if iy > 0:
            gy = ti.max(gy, t - arrival[b, iy - 1, ix])
        if iy < ny - 1:
            gy = ti.max(gy, t - arrival[b, iy + 1, ix])
        g = ti.sqrt(gx * gx + gy * gy) / cell_m
        v = ros_head[b, iy, ix]
        r = v
        if g * v > 1.0:
            r = 1.0 / g
        ros[b, iy, ix] = r
        inten = intensity_per_ros[b, iy, ix] * r
        intensity[b, iy, ix] = inten

@ti.kernel
def finalize_cells(
    tiles: I32,
    n_tiles: ti.i32,
    arrival: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    ros: F32,
    intensity: F32,
    fin: I32,
    t_final: F32,
    t_window: F32,
    cell_m: ti.f32,
):
    """:func:`_finalize_cell` on the listed tiles of the scenarios with ``fin[b]``."""
    ny, nx = arrival.shape[1], arrival.shape[2]
    for q, c in ti.ndrange(n_tiles, TILE * TILE):
        b = tiles[q, 0]
        iy = tiles[q, 1] * TILE + c // TILE
        ix = tiles[q, 2] * TILE + c % TILE
        if iy < ny and ix < nx and fin[b] != 0:
            _finalize_cell(b, iy, ix, arrival, ros_head, intensity_per_ros, ros, intensity, t_window[b], cell_m)
