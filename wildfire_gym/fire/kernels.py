"""Taichi kernels of the batched spread engine (one kernel per stage).

The algorithm is described in :mod:`wildfire_gym.fire.spread_ref` (its numpy reference).
The per-cell pieces (:func:`_best_ray`, :func:`_finalize_cell`, :func:`_resolve_tree`) are
Taichi functions shared by the batched kernels (one parallel launch per stage, driven from
Python) and by :func:`run_windows_serial` (a whole :meth:`~wildfire_gym.fire.engine.FireSim.advance`
in one launch, one thread per scenario), so both schedules compute the same bits. So are
the state moves (:func:`_ray_at`, :func:`_set_ray`, :func:`_next_at`, :func:`_set_next`,
:func:`_differs`), the band test :func:`_near_reached`, :func:`_mark_stale` and
:func:`_unresolve_tree`; the ray arrays travel between them as static tuples.
Every kernel takes ``ti.types.ndarray`` arguments so it compiles once per process, not
once per simulator. Batch ``b`` is the first index of every array; no value written for
one scenario depends on another scenario (no cross-batch reductions feed the physics),
so a scenario gives the same bytes alone or inside any batch.
"""


import numpy as np

from wildfire_gym._taichi import ti

from .spread_ref import (
    BYRAM_FLAME_COEFF,
    BYRAM_FLAME_EXP,
    NEIGHBOURS,
    ORIGIN_MASK,
    ORIGIN_SHIFT,
    RAY_REACH,
    STRAIGHTNESS,
    STRAIGHTNESS_SLACK,
)
from .state import BurnState, TreeState

F32 = ti.types.ndarray(dtype=ti.f32)
"""Float arrays of any rank. The public state is ``[B, ny, nx]``; the private per-cell
arrays (the Huygens ray, its next sweep, ``dirs``) are flat ``[B * ny * nx]`` and indexed
``(b * ny + iy) * nx + ix``: a multi-dimensional ndarray access costs several times a flat
one inside serial loops (a micro-benchmark of 80 neighbour loads per cell: ~5x)."""
I32 = ti.types.ndarray(dtype=ti.i32)
U8 = ti.types.ndarray(dtype=ti.u8)
U32 = ti.types.ndarray(dtype=ti.u32)
U64 = ti.types.ndarray(dtype=ti.u64)
F64 = ti.types.ndarray(dtype=ti.f64)

INF = float("inf")

_UNBURNED = int(BurnState.UNBURNED)
_BURNING = int(BurnState.BURNING)
_BURNED = int(BurnState.BURNED)
_NONBURNABLE = int(BurnState.NONBURNABLE)
_T_UNBURNT = int(TreeState.UNBURNT)
_T_SCORCHED = int(TreeState.SCORCHED)
_T_TORCHING = int(TreeState.TORCHING)
_T_CROWN = int(TreeState.CROWN_BURNING)
_T_BURNT = int(TreeState.BURNT)

TILE = 8
"""Side (cells) of the square tiles the active band is made of."""

_NB = [(int(dx), int(dy)) for dx, dy in NEIGHBOURS]

IGNITION_BIT = 8
"""Bit of a cell's ``dirs`` mask that asks for its ignition candidate (bits 0-7: neighbours)."""
IGNITION_MASK = 1 << IGNITION_BIT
ALL_DIRS = (1 << (IGNITION_BIT + 1)) - 1
"""Every candidate of a cell."""
_NB_LEN = [float(np.hypot(dx, dy)) for dx, dy in _NB]


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


Ray = ti.types.struct(t=ti.f32, o=ti.i32, to=ti.f32, l=ti.f32, a=ti.f32, bx=ti.f32, by=ti.f32)
"""A cell's state: arrival ``t``, ray origin ``o`` (packed), origin time ``to``, the length
``l`` of the ray's 8-connected path and, for a uniform ray, its coefficients ``a, bx, by``
(zero otherwise; see :mod:`wildfire_gym.fire.spread_ref`)."""


@ti.func
def _wins(c: Ray, best: Ray) -> ti.i32:
    """Candidate order: earlier arrival, then earlier origin (longer rays), then shorter path."""
    return (c.t < best.t) or (c.t == best.t and (c.to < best.to or (c.to == best.to and c.l < best.l)))


@ti.func
def _own_ray(iy: ti.i32, ix: ti.i32, t: ti.f32, t_o: ti.f32) -> Ray:
    """A ray that starts at its own cell ``(iy, ix)`` at ``t_o`` (path sums zero), arrival ``t``."""
    return Ray(t=t, o=(iy << ORIGIN_SHIFT) | ix, to=t_o, l=0.0, a=0.0, bx=0.0, by=0.0)


@ti.func
def _ray_at(b: ti.i32, iy: ti.i32, ix: ti.i32, ray: ti.template()) -> Ray:
    """The current state of cell ``(b, iy, ix)``; ``ray`` is the static tuple ``(arrival,
    origin, t_origin, s_l, s_a, s_bx, s_by)`` of the state arrays (``arrival`` [B, ny, nx],
    the rest flat)."""
    arrival, origin, t_origin, s_l, s_a, s_bx, s_by = ti.static(ray)
    ny, nx = arrival.shape[1], arrival.shape[2]
    i = (b * ny + iy) * nx + ix
    return Ray(t=arrival[b, iy, ix], o=origin[i], to=t_origin[i], l=s_l[i], a=s_a[i], bx=s_bx[i], by=s_by[i])


@ti.func
def _set_path(i: ti.i32, r: Ray, path: ti.template()):
    """Store ``r``'s origin, origin time and path sums at flat index ``i`` of the static tuple
    ``path = (origin, t_origin, s_l, s_a, s_bx, s_by)``."""
    origin, t_origin, s_l, s_a, s_bx, s_by = ti.static(path)
    origin[i] = r.o
    t_origin[i] = r.to
    s_l[i] = r.l
    s_a[i] = r.a
    s_bx[i] = r.bx
    s_by[i] = r.by


@ti.func
def _set_ray(b: ti.i32, iy: ti.i32, ix: ti.i32, r: Ray, ray: ti.template()):
    """Store ``r`` as the current state of cell ``(b, iy, ix)`` (``ray`` as in :func:`_ray_at`)."""
    arrival = ti.static(ray[0])
    ny, nx = arrival.shape[1], arrival.shape[2]
    arrival[b, iy, ix] = r.t
    _set_path((b * ny + iy) * nx + ix, r, ti.static(ray[1:]))


@ti.func
def _next_at(i: ti.i32, nxt: ti.template()) -> Ray:
    """The next-sweep state of flat cell ``i``; ``nxt`` is the static tuple ``(arrival_n,
    origin_n, t_origin_n, s_l_n, s_a_n, s_bx_n, s_by_n)`` of flat arrays."""
    arrival_n, origin_n, t_origin_n, s_l_n, s_a_n, s_bx_n, s_by_n = ti.static(nxt)
    return Ray(t=arrival_n[i], o=origin_n[i], to=t_origin_n[i], l=s_l_n[i], a=s_a_n[i], bx=s_bx_n[i], by=s_by_n[i])


@ti.func
def _set_next(i: ti.i32, r: Ray, nxt: ti.template()):
    """Store ``r`` as the next-sweep state of flat cell ``i`` (``nxt`` as in :func:`_next_at`)."""
    arrival_n = ti.static(nxt[0])
    arrival_n[i] = r.t
    _set_path(i, r, ti.static(nxt[1:]))


@ti.func
def _differs(r: Ray, c: Ray) -> ti.i32:
    """Whether two states differ in any field (bitwise comparison of the floats)."""
    return (r.t != c.t or r.o != c.o or r.to != c.to or r.l != c.l or r.a != c.a or r.bx != c.bx
            or r.by != c.by)


@ti.func
def _mark_stale(b: ti.i32, iy: ti.i32, ix: ti.i32, stale: ti.template(), tny: ti.i32, tnx: ti.i32):
    """Set cell ``(b, iy, ix)``'s bit in its tile's ``stale`` mask (to be relaxed again)."""
    stale[(b * tny + iy // TILE) * tnx + ix // TILE] |= ti.u64(1) << ti.u64((iy % TILE) * TILE + ix % TILE)


@ti.func
def _near_reached(b: ti.i32, ty: ti.i32, tx: ti.i32, reached: ti.template()) -> ti.i32:
    """1 when a tile among the 3x3 tiles around ``(ty, tx)`` of scenario ``b`` is reached."""
    tny, tnx = reached.shape[1], reached.shape[2]
    near = 0
    for k in ti.static(range(9)):
        jy = ty + k // 3 - 1
        jx = tx + k % 3 - 1
        if 0 <= jy < tny and 0 <= jx < tnx:
            if reached[b, jy, jx] != 0:
                near = 1
    return near


@ti.func
def _unresolve_tree(b: ti.i32, n: ti.i32, tree_state: ti.template(), tree_time: ti.template(), tf: ti.f32):
    """Undo tree ``n``'s crown state if it was decided at or after ``tf``."""
    if tree_state[b, n] != _T_UNBURNT and tree_time[b, n] >= tf:
        tree_state[b, n] = ti.u8(_T_UNBURNT)
        tree_time[b, n] = INF


@ti.func
def _segment_sums(b: ti.i32, oy: ti.i32, ox: ti.i32, iy: ti.i32, ix: ti.i32, slow_a: ti.template(),
                  slow_bx: ti.template(), slow_by: ti.template()) -> ti.math.vec3:
    """Length-weighted mean ``(SA, SBx, SBy)`` of the cells crossed by the straight segment
    between the centres of ``(oy, ox)`` and ``(iy, ix)``: same walk and operations as
    :func:`wildfire_gym.fire.spread_ref.segment_sums`."""
    rx = ix - ox
    ry = iy - oy
    nxa = ti.abs(rx)
    nya = ti.abs(ry)
    sx = 1 if rx > 0 else (-1 if rx < 0 else 0)
    sy = 1 if ry > 0 else (-1 if ry < 0 else 0)
    den_x = ti.f32(2 * ti.max(nxa, 1))
    den_y = ti.f32(2 * ti.max(nya, 1))
    cx = ox
    cy = oy
    i = 0
    j = 0
    s_prev = 0.0
    sa = 0.0
    sbx = 0.0
    sby = 0.0
    while i < nxa or j < nya:
        lhs = (2 * i + 1) * nya
        rhs = (2 * j + 1) * nxa
        xs = i < nxa and (j >= nya or lhs <= rhs)
        ys = j < nya and (i >= nxa or rhs <= lhs)
        s = ti.f32(2 * j + 1) / den_y
        if xs:
            s = ti.f32(2 * i + 1) / den_x
        w = s - s_prev
        sa = sa + w * slow_a[b, cy, cx]
        sbx = sbx + w * slow_bx[b, cy, cx]
        sby = sby + w * slow_by[b, cy, cx]
        s_prev = s
        if xs:
            cx += sx
            i += 1
        if ys:
            cy += sy
            j += 1
    w = 1.0 - s_prev
    sa = sa + w * slow_a[b, cy, cx]
    sbx = sbx + w * slow_bx[b, cy, cx]
    sby = sby + w * slow_by[b, cy, cx]
    return ti.math.vec3(sa, sbx, sby)


@ti.func
def _neighbour(k: ti.i32) -> ti.math.ivec2:
    """``NEIGHBOURS[k]`` = (dx, dy) for a run-time ``k``: (1, 0), (0, 1), (-1, 0), (0, -1), then
    the diagonals (1, 1), (-1, 1), (-1, -1), (1, -1)."""
    dx = 0
    dy = 0
    if k < 4:
        if k % 2 == 0:
            dx = 1 - k
        else:
            dy = 2 - k
    else:
        dx = 1 if (k == 4 or k == 7) else -1
        dy = 1 if k < 6 else -1
    return ti.math.ivec2(dx, dy)


@ti.func
def _best_ray(
    b: ti.i32,
    iy: ti.i32,
    ix: ti.i32,
    ray: ti.template(),
    ignition: ti.template(),
    slow_a: ti.template(),
    slow_bx: ti.template(),
    slow_by: ti.template(),
    tf: ti.f32,
    t_min: ti.f32,
    cell_m: ti.f32,
    dirs: ti.i32,
) -> Ray:
    """The origin-tracking Huygens update of cell ``(b, iy, ix)``: its next state, from the
    current one (read only). Same candidates, order and ties as
    :func:`wildfire_gym.fire.spread_ref.ray_update`; cells arrived by ``tf`` are frozen, and
    every candidate arrival is at least ``t_min`` (the scenario's last re-anchoring time,
    ``-inf`` if none: causality after a change of parameters, see :func:`reanchor`).

    Only the candidates named in ``dirs`` are evaluated: bit ``k`` the two candidates from
    neighbour ``NEIGHBOURS[k]``, bit ``IGNITION_BIT`` the cell's ignition (``ALL_DIRS``: all).
    When the cell's state already beats the candidates left out (it was a fixed point before
    those neighbours changed), the result is the same as evaluating them all: a left-out
    candidate is not better than the current state, so it cannot beat or tie a better one.
    ``ray``: the state arrays, as in :func:`_ray_at`. The segment sums of a continued ray
    (:func:`_segment_sums`) are computed once per origin: neighbours often share one."""
    arrival, origin, t_origin, s_l, s_a, s_bx, s_by = ti.static(ray)
    ny, nx = arrival.shape[1], arrival.shape[2]
    best = _ray_at(b, iy, ix, ray)
    a_x = slow_a[b, iy, ix]
    if best.t > tf and a_x < INF:
        bx_x = slow_bx[b, iy, ix]
        by_x = slow_by[b, iy, ix]
        ig = ignition[b, iy, ix]
        memo_o = -1  # the last segment summed (neighbours often share an origin)
        memo_to = 0.0
        memo = ti.math.vec3(0.0, 0.0, 0.0)
        if (dirs & IGNITION_MASK) != 0:
            cand = _own_ray(iy, ix, ig, ig)
            if _wins(cand, best):
                best = cand
        for k in range(8):  # not unrolled: eight inlined segment walks compile ten times slower
            dx, dy = _neighbour(k)
            sx = ix + dx
            sy = iy + dy
            if (dirs >> k) & 1 != 0 and 0 <= sx < nx and 0 <= sy < ny:
                ty_ = arrival[b, sy, sx]
                ay = slow_a[b, sy, sx]
                if ay < INF and ty_ < INF:
                    step = cell_m
                    if k >= 4:
                        step = ti.static(_NB_LEN[4]) * cell_m
                    ma = (ay + a_x) * 0.5
                    mbx = (slow_bx[b, sy, sx] + bx_x) * 0.5
                    mby = (slow_by[b, sy, sx] + by_x) * 0.5
                    ddx = ti.f32(-dx) * cell_m
                    ddy = ti.f32(-dy) * cell_m
                    o = origin[(b * ny + sy) * nx + sx]
                    to_ = t_origin[(b * ny + sy) * nx + sx]
                    # a new ray starts at the neighbour's arrival, or at its origin time where it is
                    # its own origin (equal, except for a re-anchored cell: see reanchor)
                    ts = ty_
                    if o == ((sy << ORIGIN_SHIFT) | sx):
                        ts = to_
                    tv = ti.max(ts + (ma * step - (mbx * ddx + mby * ddy)), t_min)
                    bx_y = slow_bx[b, sy, sx]
                    by_y = slow_by[b, sy, sx]
                    cand = Ray(t=tv, o=(sy << ORIGIN_SHIFT) | sx, to=ts, l=step, a=0.0, bx=0.0, by=0.0)
                    if ay == a_x and bx_y == bx_x and by_y == by_x:
                        cand.a = a_x
                        cand.bx = bx_x
                        cand.by = by_x
                    if _wins(cand, best):
                        best = cand
                    # continuation of the neighbour's ray: the exact travel time of the straight
                    # segment o -> x (uniform ray: the origin's own coefficients; else summed per cell)
                    sl = s_l[(b * ny + sy) * nx + sx] + step
                    ua = s_a[(b * ny + sy) * nx + sx]
                    ubx = s_bx[(b * ny + sy) * nx + sx]
                    uby = s_by[(b * ny + sy) * nx + sx]
                    rxi = ix - (o & ORIGIN_MASK)
                    ryi = iy - (o >> ORIGIN_SHIFT)
                    rx = ti.f32(rxi) * cell_m
                    ry = ti.f32(ryi) * cell_m
                    dist = ti.sqrt(rx * rx + ry * ry)
                    uni = 0
                    if sl <= STRAIGHTNESS * dist + STRAIGHTNESS_SLACK * cell_m:
                        if ua == a_x and ubx == bx_x and uby == by_x:
                            uni = 1
                    seg = 0
                    if uni == 0 and ti.max(ti.abs(rxi), ti.abs(ryi)) <= RAY_REACH:
                        seg = 1
                        if o == memo_o and to_ == memo_to:
                            ua = memo.x
                            ubx = memo.y
                            uby = memo.z
                        else:
                            memo = _segment_sums(b, o >> ORIGIN_SHIFT, o & ORIGIN_MASK, iy, ix, slow_a, slow_bx,
                                                 slow_by)
                            memo_o = o
                            memo_to = to_
                            ua = memo.x
                            ubx = memo.y
                            uby = memo.z
                    tc = ti.max(to_ + (ua * dist - (ubx * rx + uby * ry)), t_min)
                    if (uni != 0 or seg != 0) and tc < INF:
                        cand2 = Ray(t=tc, o=o, to=to_, l=sl, a=0.0, bx=0.0, by=0.0)
                        if uni != 0:
                            cand2.a = ua
                            cand2.bx = ubx
                            cand2.by = uby
                        if _wins(cand2, best):
                            best = cand2
    return best


@ti.kernel
def relax(
    tiles: I32,
    n_tiles: ti.i32,
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    arrival_n: F32,
    origin_n: I32,
    t_origin_n: F32,
    s_l_n: F32,
    s_a_n: F32,
    s_bx_n: F32,
    s_by_n: F32,
    ignition: F32,
    slow_a: F32,
    slow_bx: F32,
    slow_by: F32,
    t_final: F32,
    t_min: F32,
    cell_m: ti.f32,
):
    """One Jacobi sweep of :func:`_best_ray` over the listed tiles (every cell of each)."""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    nxt = ti.static((arrival_n, origin_n, t_origin_n, s_l_n, s_a_n, s_bx_n, s_by_n))
    ny, nx = arrival.shape[1], arrival.shape[2]
    for q, c in ti.ndrange(n_tiles, TILE * TILE):
        b = tiles[q, 0]
        iy = tiles[q, 1] * TILE + c // TILE
        ix = tiles[q, 2] * TILE + c % TILE
        if iy < ny and ix < nx:
            r = _best_ray(b, iy, ix, ray, ignition, slow_a, slow_bx, slow_by, t_final[b], t_min[b], cell_m, ALL_DIRS)
            _set_next((b * ny + iy) * nx + ix, r, nxt)


@ti.kernel
def commit(
    tiles: I32,
    n_tiles: ti.i32,
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    arrival_n: F32,
    origin_n: I32,
    t_origin_n: F32,
    s_l_n: F32,
    s_a_n: F32,
    s_bx_n: F32,
    s_by_n: F32,
    t_window: F32,
    tile_min: F32,
    changed: I32,
):
    """Copy the next state over the current one on the listed tiles.

    ``changed[b]`` is set when a cell of scenario ``b`` changed with an old or new arrival
    at most ``t_window[b]``: cells later than the window cannot influence earlier ones (the
    update is causal), so the window has converged when no such cell changes.
    """
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    nxt = ti.static((arrival_n, origin_n, t_origin_n, s_l_n, s_a_n, s_bx_n, s_by_n))
    ny, nx = arrival.shape[1], arrival.shape[2]
    for b in range(changed.shape[0]):
        changed[b] = 0
    for q, c in ti.ndrange(n_tiles, TILE * TILE):
        b = tiles[q, 0]
        iy = tiles[q, 1] * TILE + c // TILE
        ix = tiles[q, 2] * TILE + c % TILE
        if iy < ny and ix < nx:
            r = _next_at((b * ny + iy) * nx + ix, nxt)
            cur = _ray_at(b, iy, ix, ray)
            if _differs(r, cur):
                if ti.min(r.t, cur.t) <= t_window[b]:
                    changed[b] = 1
                ti.atomic_min(tile_min[b, iy // TILE, ix // TILE], r.t)
                _set_ray(b, iy, ix, r, ray)


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
    flame: ti.template(),
    tw: ti.f32,
    cell_m: ti.f32,
):
    """Front rate, Byram intensity and flame length of cell ``(b, iy, ix)`` if it arrived by
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
        flame[b, iy, ix] = _flame_length(inten)


@ti.kernel
def finalize_cells(
    tiles: I32,
    n_tiles: ti.i32,
    arrival: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    ros: F32,
    intensity: F32,
    flame: F32,
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
            _finalize_cell(b, iy, ix, arrival, ros_head, intensity_per_ros, ros, intensity, flame,
                           t_window[b], cell_m)


@ti.func
def _hash_u32(x: ti.u32) -> ti.u32:
    """A 32-bit integer mixer (the 'lowbias32' constants of C. Wellons' hash prospector)."""
    h = x
    h ^= h >> ti.u32(16)
    h *= ti.u32(0x7FEB352D)
    h ^= h >> ti.u32(15)
    h *= ti.u32(0x846CA68B)
    h ^= h >> ti.u32(16)
    return h


@ti.func
def _uniform(seed: ti.u32, tree: ti.u32, ember: ti.u32, stream: ti.u32) -> ti.f32:
    """Counter-based uniform in (0, 1) from (seed, tree id, ember index, stream)."""
    h = _hash_u32(seed ^ _hash_u32(tree ^ _hash_u32(ember ^ _hash_u32(stream + ti.u32(0x9E3779B9)))))
    return (ti.f32(h >> ti.u32(8)) + 0.5) * (1.0 / 16777216.0)


@ti.func
def _resolve_tree(
    b: ti.i32,
    n: ti.i32,
    arrival: ti.template(),
    ignition: ti.template(),
    slow_a: ti.template(),
    intensity: ti.template(),
    flame: ti.template(),
    crown_active: ti.template(),
    spot_prob: ti.template(),
    tree_cell: ti.template(),
    tree_xy: ti.template(),
    tree_cbh: ti.template(),
    tree_i0: ti.template(),
    tree_state: ti.template(),
    tree_time: ti.template(),
    spot_par: ti.template(),
    spot_seed: ti.template(),
    spotted: ti.template(),
    tile_min: ti.template(),
    stale: ti.template(),
    dirs: ti.template(),
    tw: ti.f32,
    cell_m: ti.f32,
    scorch_fraction: ti.f32,
):
    """Crown state of tree ``n`` whose cell burned by ``t_window``; embers from the ones that torch.

    ``spot_par[b] = (n_embers, log_mean, log_sigma, direction_deg, lateral_spread_deg,
    delay_s, max_distance_m)``: the sampler of :func:`wildfire_gym.fire.spotting.spot_landing_offsets`
    on the ember's uniforms ``u1..u4``: distance ``min(exp(log_mean + log_sigma z), max_distance_m)``
    m with ``z`` Box-Muller of ``(u1, u2)``, compass direction ``direction_deg + lateral_spread_deg
    (2 u3 - 1)``; the landing cell ignites at ``t_torch + delay_s`` where ``u4 < spot_prob`` there
    (:func:`~wildfire_gym.fire.spotting.ember_ignites`; the draws depend only on the member's seed,
    the tree id and the ember index). ``spotted[b]`` is set when an ember
    lowered an ignition time to at most ``tw`` (the window must then be relaxed again);
    ``stale`` marks the landing cell's tile for relaxation.
    """
    ny, nx = arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    cy = tree_cell[b, n, 0]
    cx = tree_cell[b, n, 1]
    if cy >= 0 and tree_state[b, n] == _T_UNBURNT:
        t_cell = arrival[b, cy, cx]
        if t_cell <= tw:
            inten = intensity[b, cy, cx]
            if inten >= tree_i0[b, n]:
                if crown_active[b, cy, cx] != 0:
                    tree_state[b, n] = ti.u8(_T_CROWN)
                else:
                    tree_state[b, n] = ti.u8(_T_TORCHING)
                tree_time[b, n] = t_cell
                n_emb = ti.i32(spot_par[b, 0])
                seed = spot_seed[b]
                for e in range(n_emb):
                    u1 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(0))
                    u2 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(1))
                    u3 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(2))
                    u4 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(3))
                    # the sampler of fire/spotting.py (spot_landing_offsets, ember_ignites) on these uniforms
                    z1 = ti.sqrt(-2.0 * ti.log(u1)) * ti.cos(6.283185307179586 * u2)
                    dist = ti.min(ti.exp(spot_par[b, 1] + spot_par[b, 2] * z1), spot_par[b, 6])
                    ang = (spot_par[b, 3] + spot_par[b, 4] * (2.0 * u3 - 1.0)) * 0.017453292519943295
                    lx = tree_xy[b, n, 0] + dist * ti.sin(ang)
                    ly = tree_xy[b, n, 1] + dist * ti.cos(ang)
                    if 0.0 <= lx < nx * cell_m and 0.0 <= ly < ny * cell_m:
                        jx = ti.min(ti.i32(lx / cell_m), nx - 1)
                        jy = ti.min(ti.i32(ly / cell_m), ny - 1)
                        t_land = t_cell + spot_par[b, 5]
                        if slow_a[b, jy, jx] < INF and u4 < spot_prob[b, jy, jx]:
                            if arrival[b, jy, jx] > t_land:
                                ti.atomic_min(ignition[b, jy, jx], t_land)
                                ti.atomic_min(tile_min[b, jy // TILE, jx // TILE], t_land)
                                _mark_stale(b, jy, jx, stale, tny, tnx)
                                dirs[(b * ny + jy) * nx + jx] |= IGNITION_MASK
                                if t_land <= tw:
                                    spotted[b] = 1
            elif flame[b, cy, cx] >= scorch_fraction * tree_cbh[b, n]:
                tree_state[b, n] = ti.u8(_T_SCORCHED)
                tree_time[b, n] = t_cell


@ti.kernel
def resolve_trees(
    arrival: F32,
    ignition: F32,
    slow_a: F32,
    intensity: F32,
    flame: F32,
    crown_active: U8,
    spot_prob: F32,
    tree_cell: I32,
    tree_xy: F32,
    tree_cbh: F32,
    tree_i0: F32,
    tree_state: U8,
    tree_time: F32,
    spot_par: F32,
    spot_seed: U32,
    spotted: I32,
    tile_min: F32,
    stale: U64,
    dirs: I32,
    fin: I32,
    t_window: F32,
    cell_m: ti.f32,
    scorch_fraction: ti.f32,
):
    """:func:`_resolve_tree` for every tree of the scenarios with ``fin[b]``."""
    nb, nt = tree_state.shape[0], tree_state.shape[1]
    for b, n in ti.ndrange(nb, nt):
        if fin[b] != 0:
            _resolve_tree(b, n, arrival, ignition, slow_a, intensity, flame, crown_active, spot_prob,
                          tree_cell, tree_xy, tree_cbh, tree_i0, tree_state, tree_time, spot_par,
                          spot_seed, spotted, tile_min, stale, dirs, t_window[b], cell_m, scorch_fraction)


@ti.kernel
def unresolve_trees(tree_state: U8, tree_time: F32, redo: I32, t_final: F32):
    """Undo crown states decided at or after ``t_final[b]`` where ``redo[b]`` (re-decided
    once spot fires are relaxed)."""
    nb, nt = tree_state.shape[0], tree_state.shape[1]
    for b, n in ti.ndrange(nb, nt):
        if redo[b] != 0:
            _unresolve_tree(b, n, tree_state, tree_time, t_final[b])


@ti.kernel
def burnout_trees(
    tree_state: U8,
    tree_time: F32,
    tree_frac: F32,
    burnout_s: ti.f32,
    burnt_fraction: ti.f32,
    t_now: ti.f32,
):
    """Foliage left ``exp(-(t - t_ignite)/burnout_s)`` on burning crowns; BURNT below ``burnt_fraction``."""
    nb, nt = tree_state.shape[0], tree_state.shape[1]
    for b, n in ti.ndrange(nb, nt):
        st = tree_state[b, n]
        if st == _T_TORCHING or st == _T_CROWN:
            t_end = tree_time[b, n] - burnout_s * ti.log(burnt_fraction)
            if t_now >= t_end:
                tree_state[b, n] = ti.u8(_T_BURNT)
                tree_time[b, n] = t_end
                tree_frac[b, n] = 0.0
            else:
                tree_frac[b, n] = ti.exp(-(t_now - tree_time[b, n]) / burnout_s)


@ti.kernel
def apply_ignition(
    mask: U8,
    b: ti.i32,
    t_ign: ti.f32,
    t_now: ti.f32,
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    ignition: F32,
    slow_a: F32,
):
    """Ignite the burnable cells of ``mask`` in scenario ``b`` at ``t_ign`` (at once if ``t_ign <= t_now``)."""
    ny, nx = mask.shape[0], mask.shape[1]
    for iy, ix in ti.ndrange(ny, nx):
        if mask[iy, ix] != 0 and slow_a[b, iy, ix] < INF:
            if t_ign < ignition[b, iy, ix]:
                ignition[b, iy, ix] = t_ign
            if t_ign <= t_now and t_ign < arrival[b, iy, ix]:
                _set_ray(b, iy, ix, _own_ray(iy, ix, t_ign, t_ign), ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by)))


@ti.func
def _anchor_time(
    ta: ti.f32,
    t_now: ti.f32,
    a0: ti.f32,
    bx0: ti.f32,
    by0: ti.f32,
    a1: ti.f32,
    bx1: ti.f32,
    by1: ti.f32,
) -> ti.f32:
    """Origin time of a burned cell re-anchored at ``t_now``: ``t_now - (t_now - ta) rho``
    with ``rho`` the least ratio of new to old slowness over directions (same operations as
    :func:`wildfire_gym.fire.spread_ref.anchor_time`)."""
    p = a0 * a1 - (bx0 * bx1 + by0 * by1)
    q1 = a1 * a1 - (bx1 * bx1 + by1 * by1)
    q0 = a0 * a0 - (bx0 * bx0 + by0 * by0)
    rho = q1 / (p + ti.sqrt(ti.max(p * p - q0 * q1, 0.0)))
    return t_now - (t_now - ta) * rho


@ti.kernel
def set_slowness(
    b0: ti.i32,
    b1: ti.i32,
    new_a: F32,
    new_bx: F32,
    new_by: F32,
    slow_a: F32,
    slow_bx: F32,
    slow_by: F32,
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    t_member: F32,
    n_anchored: I32,
    n_changed: I32,
):
    """Install new travel-time coefficients ``new_*[b - b0]`` (a staging buffer of ``b1 - b0``
    members) in the members ``b0 <= b < b1`` (each at its time
    ``t_member[b]``), re-anchoring the rays of the fire burning there (see :func:`wildfire_gym.fire.spread_ref.reanchor`).

    Every cell burned by ``t_now`` that is still burnable and has a cell of changed
    coefficients ``(A, Bx, By)`` among its 3x3 cells becomes its own origin, path sums zero,
    with the origin time of :func:`_anchor_time`; ``n_anchored[b]`` counts them, ``n_changed[b]``
    the cells whose coefficients changed.
    """
    ny, nx = arrival.shape[1], arrival.shape[2]
    for b in range(b0, b1):
        n_anchored[b] = 0
        n_changed[b] = 0
    for b, iy, ix in ti.ndrange((b0, b1), ny, nx):
        if (new_a[b - b0, iy, ix] != slow_a[b, iy, ix] or new_bx[b - b0, iy, ix] != slow_bx[b, iy, ix]
                or new_by[b - b0, iy, ix] != slow_by[b, iy, ix]):
            ti.atomic_add(n_changed[b], 1)
    for b, iy, ix in ti.ndrange((b0, b1), ny, nx):
        t_now = t_member[b]
        ta = arrival[b, iy, ix]
        if ta <= t_now and new_a[b - b0, iy, ix] < INF:
            changed = 0
            for k in ti.static(range(9)):
                jy = iy + k // 3 - 1
                jx = ix + k % 3 - 1
                if 0 <= jy < ny and 0 <= jx < nx:
                    if (new_a[b - b0, jy, jx] != slow_a[b, jy, jx] or new_bx[b - b0, jy, jx] != slow_bx[b, jy, jx]
                            or new_by[b - b0, jy, jx] != slow_by[b, jy, jx]):
                        changed = 1
            if changed != 0:
                t_o = t_now
                if slow_a[b, iy, ix] < INF:
                    t_o = _anchor_time(ta, t_now, slow_a[b, iy, ix], slow_bx[b, iy, ix], slow_by[b, iy, ix],
                                       new_a[b - b0, iy, ix], new_bx[b - b0, iy, ix], new_by[b - b0, iy, ix])
                _set_ray(b, iy, ix, _own_ray(iy, ix, ta, t_o), ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by)))
                ti.atomic_add(n_anchored[b], 1)
    for b, iy, ix in ti.ndrange((b0, b1), ny, nx):
        slow_a[b, iy, ix] = new_a[b - b0, iy, ix]
        slow_bx[b, iy, ix] = new_bx[b - b0, iy, ix]
        slow_by[b, iy, ix] = new_by[b - b0, iy, ix]


@ti.kernel
def update_burn_state(
    b0: ti.i32, b1: ti.i32, arrival: F32, slow_a: F32, residence: F32, burn_state: U8, t_member: F32
):
    """Burn state of members ``b0 <= b < b1`` at their times ``t_member[b]`` from arrival and
    residence time (every cell of those members: after an upload, an ignition or a load)."""
    for b, iy, ix in ti.ndrange((b0, b1), arrival.shape[1], arrival.shape[2]):
        t_now = t_member[b]
        t = arrival[b, iy, ix]
        st = _UNBURNED
        if t <= t_now:
            st = _BURNED
            if t_now < t + residence[b, iy, ix]:
                st = _BURNING
        elif not slow_a[b, iy, ix] < INF:
            st = _NONBURNABLE
        burn_state[b, iy, ix] = ti.u8(st)




@ti.kernel
def tile_stats(arrival: F32, ignition: F32, slow_a: F32, tile_min: F32, tile_max: F32, stale: U64, dirs: I32):
    """Per tile: ``tile_min`` (earliest arrival or ignition), ``tile_max`` (latest arrival of a
    burnable cell, -inf if none) and every cell stale (``stale`` all ones, ``dirs`` every
    candidate: relaxed once in full)."""
    nb, ny, nx = arrival.shape[0], arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    for b, ty, tx in ti.ndrange(nb, tny, tnx):
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
        stale[(b * tny + ty) * tnx + tx] = ~ti.u64(0)  # bit c: cell (iy % TILE, ix % TILE) with c = (iy % TILE) * TILE + ix % TILE


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


@ti.func
def _sweep(
    b: ti.i32,
    n_band: ti.i32,
    ray: ti.template(),
    nxt: ti.template(),
    ignition: ti.template(),
    slow_a: ti.template(),
    slow_bx: ti.template(),
    slow_by: ti.template(),
    tile_min: ti.template(),
    tile_max: ti.template(),
    stale: ti.template(),
    dirs: ti.template(),
    band: ti.template(),
    changed_tiles: ti.template(),
    pending: ti.template(),
    stats: ti.template(),
    tf: ti.f32,
    tw: ti.f32,
    t_min: ti.f32,
    cell_m: ti.f32,
) -> ti.i32:
    """One Jacobi sweep of scenario ``b`` over its band, skipping cells that are a fixed point.

    A cell is *stale* (its bit set in its tile's 64-bit ``stale`` mask) unless it is known to
    be a fixed point of :func:`_best_ray` (its state already beats every candidate). A
    cell's update depends only on itself, its 8 neighbours, its ignition time and whether it
    is frozen (which only stops it), and is idempotent, so a cell stays a fixed point until
    one of its neighbours changes (or its ignition is lowered): relaxing a cell that is not
    stale would change nothing, and skipping it gives the same bits as the plain Jacobi
    sweep over every cell of the band. ``dirs`` names, per cell, the neighbours that changed
    since it was last relaxed: only their candidates are evaluated (see :func:`_best_ray`).

    Jacobi: first every stale cell's next state is computed from the current states (the
    ones that differ are written to the ``*_n`` arrays and listed in ``pending[b]``, their
    tiles in ``changed_tiles[b]``), then the listed cells take their next state and mark
    their neighbours stale. Returns 1 when a cell changed with an old or new arrival at most
    ``tw`` (see :func:`commit`). ``ray``, ``nxt``: the current and next state arrays (see
    :func:`_ray_at`, :func:`_next_at`).
    """
    arrival = ti.static(ray[0])
    ny, nx = arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    n_pend = 0
    n_ct = 0
    n_cells = 0
    changed = 0
    for q in range(n_band):
        t = band[b, q]
        ty = t // tnx
        tx = t % tnx
        mask = stale[(b * tny + ty) * tnx + tx]
        if mask != 0:
            stale[(b * tny + ty) * tnx + tx] = ti.u64(0)
            first = n_pend
            for c in range(TILE * TILE):
                iy = ty * TILE + c // TILE
                ix = tx * TILE + c % TILE
                if iy < ny and ix < nx and (mask >> ti.u64(c)) & ti.u64(1) != 0:
                    n_cells += 1
                    d = dirs[(b * ny + iy) * nx + ix]
                    dirs[(b * ny + iy) * nx + ix] = 0
                    r = _best_ray(b, iy, ix, ray, ignition, slow_a, slow_bx, slow_by, tf, t_min, cell_m, d)
                    cur = _ray_at(b, iy, ix, ray)
                    if _differs(r, cur):
                        if ti.min(r.t, cur.t) <= tw:
                            changed = 1
                        _set_next((b * ny + iy) * nx + ix, r, nxt)
                        pending[b, n_pend] = (iy << ORIGIN_SHIFT) | ix
                        n_pend += 1
            if n_pend > first:
                changed_tiles[b, n_ct] = t
                n_ct += 1
    stats[b, 1] += n_cells
    for q in range(n_pend):
        p = pending[b, q]
        iy = p >> ORIGIN_SHIFT
        ix = p & ORIGIN_MASK
        r = _next_at((b * ny + iy) * nx + ix, nxt)
        tile_min[b, iy // TILE, ix // TILE] = ti.min(tile_min[b, iy // TILE, ix // TILE], r.t)
        _set_ray(b, iy, ix, r, ray)
        for k in ti.static(range(8)):
            # the cell x with this cell as its neighbour k: x + NEIGHBOURS[k] = here
            kx = ix - ti.static(_NB[k][0])
            ky = iy - ti.static(_NB[k][1])
            if 0 <= kx < nx and 0 <= ky < ny:
                _mark_stale(b, ky, kx, stale, tny, tnx)
                dirs[(b * ny + ky) * nx + kx] |= ti.static(1 << k)
    for q in range(n_ct):
        t = changed_tiles[b, q]
        ty = t // tnx
        tx = t % tnx
        hi = -INF
        for c in range(TILE * TILE):
            iy = ty * TILE + c // TILE
            ix = tx * TILE + c % TILE
            if iy < ny and ix < nx:
                if slow_a[b, iy, ix] < INF:
                    hi = ti.max(hi, arrival[b, iy, ix])
        tile_max[(b * tny + ty) * tnx + tx] = hi
    return changed


@ti.kernel
def run_windows_serial(
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    arrival_n: F32,
    origin_n: I32,
    t_origin_n: F32,
    s_l_n: F32,
    s_a_n: F32,
    s_bx_n: F32,
    s_by_n: F32,
    ignition: F32,
    slow_a: F32,
    slow_bx: F32,
    slow_by: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    ros: F32,
    intensity: F32,
    flame: F32,
    crown_active: U8,
    spot_prob: F32,
    tree_cell: I32,
    tree_xy: F32,
    tree_cbh: F32,
    tree_i0: F32,
    tree_state: U8,
    tree_time: F32,
    spot_par: F32,
    spot_seed: U32,
    tile_min: F32,
    tile_max: F32,
    reached: I32,
    stale: U64,
    dirs: I32,
    band: I32,
    relaxed: I32,
    pending: I32,
    counts: I32,
    next_event: F32,
    spotted: I32,
    stats: I32,
    clock: F64,
    t_min: F32,
    cell_m: ti.f32,
    scorch_fraction: ti.f32,
    with_trees: ti.i32,
    max_sweeps: ti.i32,
):
    """Every time window of every member ``b`` from its clock ``clock[b, 0]`` to ``clock[b, 1]``
    (a member with ``clock[b, 1] <= clock[b, 0]`` is left alone), one member per thread.

    The schedule of :meth:`wildfire_gym.fire.engine.FireSim._run_windows_batched` (and of
    :func:`wildfire_gym.fire.spread_ref.simulate`), run serially for each scenario ``b``
    inside one launch: windows of ``clock[b, 2]`` seconds (``inf``: nothing can burn); in each,
    Jacobi sweeps of the band (:func:`_sweep`) until no cell arriving within the window
    changes and the band stops growing; then front rates, trees, spotting. Window bounds are
    float64 and compared as float32, as in the batched schedule, so both give the same bits.
    ``stats[b] += (sweeps, cells relaxed)``.
    """
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    nxt = ti.static((arrival_n, origin_n, t_origin_n, s_l_n, s_a_n, s_bx_n, s_by_n))
    nb = arrival.shape[0]
    n_tree_slots = tree_state.shape[1]
    ny, nx = arrival.shape[1], arrival.shape[2]
    tnx = tile_min.shape[2]
    ti.loop_config(block_dim=1)  # one scenario per task: scenarios differ widely in work
    for b in range(nb):
        w = clock[b, 2]
        until = clock[b, 1]
        t_final = clock[b, 0]
        t_window = ti.min(until, t_final + w)
        done = 0
        if not w < INF or not t_final < until:
            done = 1
        remark = 1 - done
        sweeps = 0
        n_band = 0
        while done == 0:
            skip = 0
            if remark != 0:
                _mark_band(b, tile_min, tile_max, reached, band, counts, next_event, ti.f32(t_final),
                           ti.f32(t_window))
                if counts[b, 0] == 0:
                    ne = ti.f64(next_event[b])
                    if ne <= until:
                        t_window = ti.min(until, ne + w)
                    else:
                        done = 1
                    skip = 1
                else:
                    remark = 0
                    n_band = counts[b, 1]
            if skip == 0:
                tf = ti.f32(t_final)
                tw = ti.f32(t_window)
                changed = _sweep(b, n_band, ray, nxt, ignition, slow_a, slow_bx, slow_by, tile_min, tile_max, stale,
                                 dirs, band, relaxed, pending, stats, tf, tw, t_min[b], cell_m)
                sweeps += 1
                stats[b, 0] += 1
                if changed == 0:
                    old = n_band
                    _mark_band(b, tile_min, tile_max, reached, band, counts, next_event, tf, tw)
                    n_band = counts[b, 1]
                    if n_band <= old or sweeps > max_sweeps:
                        for q, c in ti.ndrange(n_band, TILE * TILE):
                            t = band[b, q]
                            iy = (t // tnx) * TILE + c // TILE
                            ix = (t % tnx) * TILE + c % TILE
                            if iy < ny and ix < nx:
                                _finalize_cell(b, iy, ix, arrival, ros_head, intensity_per_ros, ros,
                                               intensity, flame, tw, cell_m)
                        spot = 0
                        if with_trees != 0:
                            spotted[b] = 0
                            for n in range(n_tree_slots):
                                _resolve_tree(b, n, arrival, ignition, slow_a, intensity, flame,
                                              crown_active, spot_prob, tree_cell, tree_xy, tree_cbh,
                                              tree_i0, tree_state, tree_time, spot_par, spot_seed, spotted,
                                              tile_min, stale, dirs, tw, cell_m, scorch_fraction)
                            spot = spotted[b]
                            if spot != 0:
                                for n in range(n_tree_slots):
                                    _unresolve_tree(b, n, tree_state, tree_time, tf)
                        remark = 1
                        if spot == 0:
                            t_final = t_window
                            sweeps = 0
                            if t_final >= until:
                                done = 1
                            else:
                                t_window = ti.min(until, t_window + w)


@ti.kernel
def copy_slice_in_f32(dst: F32, src: F32, b: ti.i32):
    """``dst[b] = src`` for a ``[B, ...]`` destination and a ``[...]`` 2-D source."""
    for i, j in ti.ndrange(src.shape[0], src.shape[1]):
        dst[b, i, j] = src[i, j]


@ti.kernel
def copy_slice_in_u8(dst: U8, src: U8, b: ti.i32):
    """``dst[b] = src`` for uint8 arrays."""
    for i, j in ti.ndrange(src.shape[0], src.shape[1]):
        dst[b, i, j] = src[i, j]


@ti.kernel
def copy_slice_out_f32(dst: F32, src: F32, b: ti.i32):
    """``dst = src[b]`` (2-D destination)."""
    for i, j in ti.ndrange(dst.shape[0], dst.shape[1]):
        dst[i, j] = src[b, i, j]


@ti.kernel
def copy_slice_out_u8(dst: U8, src: U8, b: ti.i32):
    """``dst = src[b]`` for uint8 arrays."""
    for i, j in ti.ndrange(dst.shape[0], dst.shape[1]):
        dst[i, j] = src[b, i, j]
