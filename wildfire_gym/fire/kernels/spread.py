"""Spread: the Huygens ray update of a cell (:func:`_best_ray`, exact segment times by
:func:`_segment_sums`), a Jacobi sweep of a member's band (:func:`_sweep`), and the batched
schedule's parallel relax and commit launches (see :mod:`wildfire_gym.fire.spread_ref`)."""

from wildfire_gym._taichi import ti

from ..spread_ref import (
    ORIGIN_MASK,
    ORIGIN_SHIFT,
    RAY_REACH,
    STRAIGHTNESS,
    STRAIGHTNESS_SLACK,
)
from .common import (
    _NB,
    _NB_LEN,
    ALL_DIRS,
    F32,
    I32,
    IGNITION_MASK,
    INF,
    TILE,
    Ray,
    _differs,
    _mark_stale,
    _next_at,
    _own_ray,
    _ray_at,
    _set_next,
    _set_ray,
    _wins,
)


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
    changed_mask: ti.template(),
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
    ones that differ are written to the ``*_n`` arrays, their tiles listed in
    ``changed_tiles[b]`` and their bits set in the tile's ``changed_mask``: a bit per cell, not
    a list of cells), then the cells of those masks take their next state and mark their
    neighbours stale. Returns 1 when a cell changed with an old or new arrival at most
    ``tw`` (see :func:`commit`). ``ray``, ``nxt``: the current and next state arrays (see
    :func:`_ray_at`, :func:`_next_at`).
    """
    arrival = ti.static(ray[0])
    ny, nx = arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    n_ct = 0
    n_cells = 0
    changed = 0
    for q in range(n_band):
        t = band[b, q]
        ty = t // tnx
        tx = t % tnx
        tile = (b * tny + ty) * tnx + tx
        mask = stale[tile]
        if mask != 0:
            stale[tile] = ti.u64(0)
            moved = ti.u64(0)
            for c in range(TILE * TILE):
                iy = ty * TILE + c // TILE
                ix = tx * TILE + c % TILE
                if iy < ny and ix < nx and (mask >> ti.u64(c)) & ti.u64(1) != 0:
                    n_cells += 1
                    d = dirs[(b * ny + iy) * nx + ix]
                    dirs[(b * ny + iy) * nx + ix] = ti.u16(0)
                    r = _best_ray(b, iy, ix, ray, ignition, slow_a, slow_bx, slow_by, tf, t_min, cell_m, ti.i32(d))
                    cur = _ray_at(b, iy, ix, ray)
                    if _differs(r, cur):
                        if ti.min(r.t, cur.t) <= tw:
                            changed = 1
                        _set_next((b * ny + iy) * nx + ix, r, nxt)
                        moved |= ti.u64(1) << ti.u64(c)
            if moved != 0:
                changed_tiles[b, n_ct] = t
                changed_mask[tile] = moved
                n_ct += 1
    stats[b, 1] += n_cells
    for q in range(n_ct):
        t = changed_tiles[b, q]
        ty = t // tnx
        tx = t % tnx
        moved = changed_mask[(b * tny + ty) * tnx + tx]
        for c in range(TILE * TILE):
            if (moved >> ti.u64(c)) & ti.u64(1) != 0:
                iy = ty * TILE + c // TILE
                ix = tx * TILE + c % TILE
                r = _next_at((b * ny + iy) * nx + ix, nxt)
                tile_min[b, ty, tx] = ti.min(tile_min[b, ty, tx], r.t)
                _set_ray(b, iy, ix, r, ray)
                for k in ti.static(range(8)):
                    # the cell x with this cell as its neighbour k: x + NEIGHBOURS[k] = here
                    kx = ix - ti.static(_NB[k][0])
                    ky = iy - ti.static(_NB[k][1])
                    if 0 <= kx < nx and 0 <= ky < ny:
                        _mark_stale(b, ky, kx, stale, tny, tnx)
                        # one member per thread: a plain read-modify-write (no 16-bit atomics)
                        dirs[(b * ny + ky) * nx + kx] = dirs[(b * ny + ky) * nx + kx] | ti.u16(1 << k)
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
