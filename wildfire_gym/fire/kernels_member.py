"""Per-member kernels of the engine: housekeeping on the active band, reset, and slice copies.

Every kernel here works on the members it is given (a flag per member or one index) and,
inside a member, on the tiles near its fire, so that touching one member (advance, reset,
load, snapshot) costs work proportional to that member and to its active band, never to the
batch. ``touched[b]`` counts the cells (and trees) a kernel visited for member ``b``; the
tests assert proportional costs with it.

Band housekeeping after a member's windows (:func:`settle_members`), per tile with some
arrival or ignition (``tile_min`` finite) whose burnable cells are not all final:

* forget provisional arrivals later than the member's new time (they used parameters that
  may change), mark those cells and their neighbours stale so that the next advance relaxes
  them again, and recompute the tile's earliest/latest arrival;
* update the burn state of the cells of tiles the fire has reached and that are not yet
  burned out (``tile_done``), then flag the tile done when every burnable cell of it is BURNED.

Cells far from every fire are untouched: their state is the initial one.
"""

from wildfire_gym._taichi import ti

from .kernels import (
    _BURNED,
    _BURNING,
    _NB,
    _NONBURNABLE,
    _T_BURNT,
    _T_CROWN,
    _T_TORCHING,
    _T_UNBURNT,
    _UNBURNED,
    ALL_DIRS,
    F32,
    I32,
    INF,
    TILE,
    U8,
    U64,
    _mark_stale,
    _own_ray,
    _set_ray,
)

ANY = ti.types.ndarray()
"""An ndarray of any dtype and rank (the kernel compiles once per dtype and rank)."""


@ti.kernel
def settle_members(
    sel: I32,
    t_until: ti.types.ndarray(dtype=ti.f64),
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    ignition: F32,
    slow_a: F32,
    residence: F32,
    burn_state: U8,
    tile_min: F32,
    tile_max: F32,
    tile_done: U8,
    stale: U64,
    dirs: I32,
    touched: I32,
):
    """Band housekeeping of every member with ``sel[b]`` at its new time ``t_until[b]`` (see the
    module docstring). One member per thread; serial inside a member."""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    nb, ny, nx = arrival.shape[0], arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    ti.loop_config(block_dim=1)
    for b in range(nb):
        if sel[b] != 0:
            until = ti.f32(t_until[b])
            n_touched = 0
            for ty, tx in ti.ndrange(tny, tnx):
                k = (b * tny + ty) * tnx + tx
                if tile_min[b, ty, tx] < INF and tile_done[b, ty, tx] == 0:
                    forgot = 0
                    if tile_max[k] > until:
                        lo = INF
                        hi = -INF
                        for c in range(TILE * TILE):
                            iy = ty * TILE + c // TILE
                            ix = tx * TILE + c % TILE
                            if iy < ny and ix < nx:
                                n_touched += 1
                                t = arrival[b, iy, ix]
                                if t > until and t < INF:
                                    _set_ray(b, iy, ix, _own_ray(iy, ix, INF, INF), ray)
                                    t = INF
                                    forgot = 1
                                    dirs[(b * ny + iy) * nx + ix] = ALL_DIRS
                                    _mark_stale(b, iy, ix, stale, tny, tnx)
                                    for q in ti.static(range(8)):
                                        kx = ix - ti.static(_NB[q][0])
                                        ky = iy - ti.static(_NB[q][1])
                                        if 0 <= kx < nx and 0 <= ky < ny:
                                            _mark_stale(b, ky, kx, stale, tny, tnx)
                                            dirs[(b * ny + ky) * nx + kx] |= ti.static(1 << q)
                                lo = ti.min(lo, ti.min(t, ignition[b, iy, ix]))
                                if slow_a[b, iy, ix] < INF:
                                    hi = ti.max(hi, t)
                        if forgot != 0:
                            tile_min[b, ty, tx] = lo
                            tile_max[k] = hi
                    if tile_min[b, ty, tx] <= until:
                        done = 1
                        for c in range(TILE * TILE):
                            iy = ty * TILE + c // TILE
                            ix = tx * TILE + c % TILE
                            if iy < ny and ix < nx:
                                n_touched += 1
                                t = arrival[b, iy, ix]
                                st = _UNBURNED
                                if t <= until:
                                    st = _BURNED
                                    if until < t + residence[b, iy, ix]:
                                        st = _BURNING
                                        done = 0
                                elif not slow_a[b, iy, ix] < INF:
                                    st = _NONBURNABLE
                                else:
                                    done = 0
                                burn_state[b, iy, ix] = ti.u8(st)
                        tile_done[b, ty, tx] = ti.u8(done)
            touched[b] += n_touched


@ti.kernel
def refresh_member_tiles(
    b0: ti.i32,
    b1: ti.i32,
    arrival: F32,
    ignition: F32,
    slow_a: F32,
    tile_min: F32,
    tile_max: F32,
    tile_done: U8,
    stale: U64,
    dirs: I32,
    touched: I32,
):
    """Tiles of members ``b0 <= b < b1`` recomputed from their cells: ``tile_min`` (earliest
    arrival or ignition), ``tile_max`` (latest arrival of a burnable cell, -inf if none), not
    done, and every cell stale with every candidate (relaxed once in full). After anything
    that changes a member outside the windows: parameters, an ignition, a reset, a load."""
    ny, nx = arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    for b, ty, tx in ti.ndrange((b0, b1), tny, tnx):
        lo = INF
        hi = -INF
        for c in range(TILE * TILE):
            iy = ty * TILE + c // TILE
            ix = tx * TILE + c % TILE
            if iy < ny and ix < nx:
                dirs[(b * ny + iy) * nx + ix] = ALL_DIRS
                t = arrival[b, iy, ix]
                lo = ti.min(lo, ti.min(t, ignition[b, iy, ix]))
                if slow_a[b, iy, ix] < INF:
                    hi = ti.max(hi, t)
        tile_min[b, ty, tx] = lo
        tile_max[(b * tny + ty) * tnx + tx] = hi
        tile_done[b, ty, tx] = ti.u8(0)
        stale[(b * tny + ty) * tnx + tx] = ~ti.u64(0)
    for b in range(b0, b1):
        touched[b] += ny * nx


@ti.kernel
def burnout_member_trees(
    sel: I32,
    n_trees: ti.types.ndarray(dtype=ti.i64),
    tree_state: U8,
    tree_time: F32,
    tree_frac: F32,
    burnout_s: ti.f32,
    burnt_fraction: ti.f32,
    t_until: ti.types.ndarray(dtype=ti.f64),
    touched: I32,
):
    """Foliage left ``exp(-(t - t_ignite)/burnout_s)`` on the burning crowns of members with
    ``sel[b]``; BURNT below ``burnt_fraction``. Only the member's own trees are visited."""
    nb = tree_state.shape[0]
    ti.loop_config(block_dim=1)
    for b in range(nb):
        if sel[b] != 0:
            t_now = ti.f32(t_until[b])
            n = ti.i32(n_trees[b])
            for i in range(n):
                st = tree_state[b, i]
                if st == _T_TORCHING or st == _T_CROWN:
                    t_end = tree_time[b, i] - burnout_s * ti.log(burnt_fraction)
                    if t_now >= t_end:
                        tree_state[b, i] = ti.u8(_T_BURNT)
                        tree_time[b, i] = t_end
                        tree_frac[b, i] = 0.0
                    else:
                        tree_frac[b, i] = ti.exp(-(t_now - tree_time[b, i]) / burnout_s)
            touched[b] += n


@ti.kernel
def reset_member(
    b: ti.i32,
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    ignition: F32,
    ros: F32,
    intensity: F32,
    flame: F32,
    tree_state: U8,
    tree_time: F32,
    tree_frac: F32,
    stats: I32,
    touched: I32,
):
    """Member ``b`` back to no fire: no arrival, no ignition, every ray its own cell, front
    values zero, every tree unburnt (parameters and trees stay)."""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    ny, nx = arrival.shape[1], arrival.shape[2]
    for iy, ix in ti.ndrange(ny, nx):
        _set_ray(b, iy, ix, _own_ray(iy, ix, INF, INF), ray)
        ignition[b, iy, ix] = INF
        ros[b, iy, ix] = 0.0
        intensity[b, iy, ix] = 0.0
        flame[b, iy, ix] = 0.0
    for i in range(tree_state.shape[1]):
        tree_state[b, i] = ti.u8(_T_UNBURNT)
        tree_time[b, i] = INF
        tree_frac[b, i] = 1.0
    for j in range(stats.shape[1]):
        stats[b, j] = 0
    touched[b] += ny * nx


# ------------------------------------------------------------------ slice copies
@ti.kernel
def member_out_3(dst: ANY, src: ANY, b: ti.i32):
    """``dst = src[b]`` for a ``[B, n, m]`` source (any dtype)."""
    for i, j in ti.ndrange(dst.shape[0], dst.shape[1]):
        dst[i, j] = src[b, i, j]


@ti.kernel
def member_in_3(dst: ANY, src: ANY, b: ti.i32):
    """``dst[b] = src`` for a ``[B, n, m]`` destination (any dtype)."""
    for i, j in ti.ndrange(src.shape[0], src.shape[1]):
        dst[b, i, j] = src[i, j]


@ti.kernel
def member_out_2(dst: ANY, src: ANY, b: ti.i32):
    """``dst = src[b]`` for a ``[B, n]`` source (any dtype)."""
    for i in range(dst.shape[0]):
        dst[i] = src[b, i]


@ti.kernel
def member_in_2(dst: ANY, src: ANY, b: ti.i32):
    """``dst[b] = src`` for a ``[B, n]`` destination (any dtype)."""
    for i in range(src.shape[0]):
        dst[b, i] = src[i]


@ti.kernel
def range_out(dst: ANY, src: ANY, start: ti.i32):
    """``dst = src[start : start + len(dst)]`` for flat arrays (any dtype)."""
    for i in range(dst.shape[0]):
        dst[i] = src[start + i]


@ti.kernel
def range_in(dst: ANY, src: ANY, start: ti.i32):
    """``dst[start : start + len(src)] = src`` for flat arrays (any dtype)."""
    for i in range(src.shape[0]):
        dst[start + i] = src[i]
