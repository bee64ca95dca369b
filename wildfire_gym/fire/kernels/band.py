"""The active band: tiles reached by the fire and the open tiles next to them (batched
schedule: :func:`mark_tiles`, :func:`build_tile_list`; serial schedule: :func:`_mark_band`)."""

from wildfire_gym._taichi import ti

from .common import F32, I32, INF, TILE, _near_reached


@ti.kernel
def tile_minimum(arrival: F32, ignition: F32, tile_min: F32):
    """``tile_min[b, ty, tx]`` = min over the tile's cells of ``min(arrival, ignition)``."""
    nb, ny, nx = arrival.shape[0], arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    for b, ty, tx in ti.ndrange(nb, tny, tnx):
        m = INF
        for c in range(TILE * TILE):
            iy = ty * TILE + c // TILE
            ix = tx * TILE + c % TILE
            if iy < ny and ix < nx:
                m = ti.min(m, ti.min(arrival[b, iy, ix], ignition[b, iy, ix]))
        tile_min[b, ty, tx] = m

@ti.kernel
def mark_tiles(
    arrival: F32,
    slow_a: F32,
    tile_min: F32,
    t_final: F32,
    t_window: F32,
    remark: I32,
    reached: I32,
    open_: I32,
    n_reached: I32,
    next_event: F32,
):
    """Per tile of each scenario with ``remark[b]``: reached (a cell arrives or ignites by
    ``t_window[b]``, from ``tile_min``) and, next to a reached tile, open (a burnable cell
    not final at ``t_final[b]``).

    ``n_reached[b]`` counts reached tiles; ``next_event[b]`` is the earliest arrival or
    ignition later than ``t_window[b]`` (used to skip idle time when nothing is reached).
    """
    nb, ny, nx = arrival.shape[0], arrival.shape[1], arrival.shape[2]
    tny, tnx = reached.shape[1], reached.shape[2]
    for b, ty, tx in ti.ndrange(nb, tny, tnx):
        if remark[b] != 0:
            m = tile_min[b, ty, tx]
            r = 0
            if m <= t_window[b]:
                r = 1
                ti.atomic_add(n_reached[b], 1)
            elif m < INF:
                ti.atomic_min(next_event[b], m)
            reached[b, ty, tx] = r
    for b, ty, tx in ti.ndrange(nb, tny, tnx):
        if remark[b] != 0:
            o = 0
            if _near_reached(b, ty, tx, reached) != 0:
                tf = t_final[b]
                for c in range(TILE * TILE):
                    iy = ty * TILE + c // TILE
                    ix = tx * TILE + c % TILE
                    if iy < ny and ix < nx:
                        if arrival[b, iy, ix] > tf and slow_a[b, iy, ix] < INF:
                            o = 1
            open_[b, ty, tx] = o

@ti.kernel
def build_tile_list(reached: I32, open_: I32, active_b: I32, tiles: I32, count: I32, per_b: I32):
    """Append (b, ty, tx) of every open tile with a reached tile among its 3x3 tiles;
    ``per_b[b]`` counts the tiles of each scenario."""
    nb, tny, tnx = reached.shape[0], reached.shape[1], reached.shape[2]
    for b in range(nb):
        per_b[b] = 0
    for b, ty, tx in ti.ndrange(nb, tny, tnx):
        if active_b[b] != 0 and open_[b, ty, tx] != 0:
            if _near_reached(b, ty, tx, reached) != 0:
                ti.atomic_add(per_b[b], 1)
                q = ti.atomic_add(count[0], 1)
                tiles[q, 0] = b
                tiles[q, 1] = ty
                tiles[q, 2] = tx

@ti.func
def _mark_band(
    b: ti.i32,
    tile_min: ti.template(),
    tile_max: ti.template(),
    reached: ti.template(),
    band: ti.template(),
    counts: ti.template(),
    next_event: ti.template(),
    tf: ti.f32,
    tw: ti.f32,
):
    """Serial :func:`mark_tiles` + :func:`build_tile_list` for scenario ``b``: reached tiles
    (``tile_min <= tw``), then the band (open tiles, ``tile_max > tf``, next to a reached
    tile) as tile indices ``ty * tnx + tx`` in ``band[b, :]``. ``counts[b] = (reached,
    band)``; ``next_event[b]`` the earliest arrival or ignition later than ``tw``."""
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    n_r = 0
    ne = INF
    y0 = tny
    y1 = -1
    x0 = tnx
    x1 = -1
    for ty in range(tny):
        for tx in range(tnx):
            m = tile_min[b, ty, tx]
            r = 0
            if m <= tw:
                r = 1
                n_r += 1
                y0 = ti.min(y0, ty)
                y1 = ti.max(y1, ty)
                x0 = ti.min(x0, tx)
                x1 = ti.max(x1, tx)
            elif m < INF:
                ne = ti.min(ne, m)
            reached[b, ty, tx] = r
    n_band = 0
    for ty in range(ti.max(y0 - 1, 0), ti.min(y1 + 2, tny)):
        for tx in range(ti.max(x0 - 1, 0), ti.min(x1 + 2, tnx)):
            if tile_max[(b * tny + ty) * tnx + tx] > tf:
                if _near_reached(b, ty, tx, reached) != 0:
                    band[b, n_band] = ty * tnx + tx
                    n_band += 1
    counts[b, 0] = n_r
    counts[b, 1] = n_band
    next_event[b] = ne
