"""Per-member kernels of the engine: housekeeping on the active band, reset, and slice copies.

Every kernel here works on the members it is given (a flag per member or one index) and,
inside a member, on the tiles near its fire, so that touching one member (advance, reset,
load, snapshot) costs work proportional to that member and to its active band, never to the
batch. ``touched[b]`` counts the cells (and trees) a kernel visited for member ``b``; the
tests assert proportional costs with it.

Band housekeeping after a member's windows (:func:`settle_members`): the burn state of the
cells of tiles the fire has reached that are not yet burned out (``tile_done``); a tile is
flagged done when every burnable cell of it is BURNED. Provisional arrivals beyond a member's
clock are forgotten only when its spread coefficients change (:func:`forget_member_beyond`).

Cells far from every fire are untouched: their state is the initial one.
"""

from wildfire_gym._taichi import ti

from .common import (
    _BURNED,
    _BURNING,
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
    U16,
    U64,
    _own_ray,
    _set_ray,
)
from .params import _anchor_time, _burn_state_at, _coeffs_differ, _install_coeffs

ANY = ti.types.ndarray()
"""An ndarray of any dtype and rank (the kernel compiles once per dtype and rank)."""


@ti.kernel
def settle_members(
    clock: ti.types.ndarray(dtype=ti.f64),
    arrival: F32,
    slow_a: F32,
    residence: F32,
    burn_state: U8,
    tile_min: F32,
    tile_done: U8,
    touched: I32,
):
    """Burn states of every member that advanced (``clock[b, 1] > clock[b, 0]``) at its new time
    ``clock[b, 1]``, on the tiles the fire has reached that are not burned out yet; a tile is
    done once every burnable cell of it is BURNED. One member per thread; serial inside it."""
    nb, ny, nx = arrival.shape[0], arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    ti.loop_config(block_dim=1)
    for b in range(nb):
        if clock[b, 1] > clock[b, 0]:
            until = ti.f32(clock[b, 1])
            n_touched = 0
            for ty, tx in ti.ndrange(tny, tnx):
                if tile_min[b, ty, tx] <= until and tile_done[b, ty, tx] == 0:
                    done = 1
                    for c in range(TILE * TILE):
                        iy = ty * TILE + c // TILE
                        ix = tx * TILE + c % TILE
                        if iy < ny and ix < nx:
                            n_touched += 1
                            st = _burn_state_at(b, iy, ix, arrival, slow_a, residence, until)
                            if st == _BURNING or st == _UNBURNED:  # the tile can still change
                                done = 0
                            burn_state[b, iy, ix] = st
                    tile_done[b, ty, tx] = ti.u8(done)
            touched[b] += n_touched


@ti.kernel
def forget_member_beyond(
    b0: ti.i32,
    b1: ti.i32,
    t_member: F32,
    n_changed: I32,
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    touched: I32,
):
    """Drop the provisional arrivals later than ``t_member[b]`` of members ``b0 <= b < b1`` whose
    spread coefficients changed (``n_changed[b] > 0``): they were computed with the old ones.
    (Provisional arrivals of a member whose parameters stay are kept between advances: they are
    times of real Huygens paths, and the next advance only improves them.)"""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    ny, nx = arrival.shape[1], arrival.shape[2]
    for b, iy in ti.ndrange((b0, b1), ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            if n_changed[b] > 0 and arrival[b, iy, ix] > t_member[b]:
                _set_ray(b, iy, ix, _own_ray(iy, ix, INF, INF), ray)
    for b in range(b0, b1):
        if n_changed[b] > 0:
            touched[b] += ny * nx


@ti.kernel
def refresh_member_tiles(
    b0: ti.i32,
    b1: ti.i32,
    sel: I32,
    arrival: F32,
    ignition: F32,
    slow_a: F32,
    tile_min: F32,
    tile_max: F32,
    tile_done: U8,
    stale: U64,
    dirs: U16,
    touched: I32,
):
    """Tiles of the members ``b0 <= b < b1`` with ``sel[b]`` recomputed from their cells: ``tile_min`` (earliest
    arrival or ignition), ``tile_max`` (latest arrival of a burnable cell, -inf if none), not
    done, and every cell stale with every candidate (relaxed once in full). After anything
    that changes a member outside the windows: parameters, an ignition, a reset, a load."""
    ny, nx = arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    for b, ty in ti.ndrange((b0, b1), tny):  # rows in parallel, a row's cells in order
        for tx in range(tnx):
            if sel[b] == 0:
                continue
            lo = INF
            hi = -INF
            for c in range(TILE * TILE):
                iy = ty * TILE + c // TILE
                ix = tx * TILE + c % TILE
                if iy < ny and ix < nx:
                    dirs[(b * ny + iy) * nx + ix] = ti.u16(ALL_DIRS)
                    t = arrival[b, iy, ix]
                    lo = ti.min(lo, ti.min(t, ignition[b, iy, ix]))
                    if slow_a[b, iy, ix] < INF:
                        hi = ti.max(hi, t)
            tile_min[b, ty, tx] = lo
            tile_max[(b * tny + ty) * tnx + tx] = hi
            tile_done[b, ty, tx] = ti.u8(0)
            stale[(b * tny + ty) * tnx + tx] = ~ti.u64(0)
    for b in range(b0, b1):
        if sel[b] != 0:
            touched[b] += ny * nx


@ti.kernel
def burnout_member_trees(
    clock: ti.types.ndarray(dtype=ti.f64),
    tree_state: U8,
    tree_time: F32,
    tree_frac: F32,
    burnout_s: ti.f32,
    burnt_fraction: ti.f32,
    touched: I32,
):
    """Foliage left ``exp(-(t - t_ignite)/burnout_s)`` on the burning crowns of members that
    advanced (to ``clock[b, 1]``); BURNT below ``burnt_fraction``. Only the member's own
    ``clock[b, 3]`` trees are visited."""
    nb = tree_state.shape[0]
    ti.loop_config(block_dim=1)
    for b in range(nb):
        if clock[b, 1] > clock[b, 0]:
            t_now = ti.f32(clock[b, 1])
            n = ti.i32(clock[b, 3])
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
    b0: ti.i32,
    b1: ti.i32,
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
    slow_a: F32,
    burn_state: U8,
    tree_state: U8,
    tree_time: F32,
    tree_frac: F32,
    stats: I32,
    touched: I32,
):
    """Members ``b0 <= b < b1`` back to no fire: no arrival, no ignition, every ray its own cell,
    front values zero, burn states UNBURNED (NONBURNABLE where nothing can burn), every tree
    unburnt (parameters and trees stay)."""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    ny, nx = arrival.shape[1], arrival.shape[2]
    for b, iy in ti.ndrange((b0, b1), ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            _set_ray(b, iy, ix, _own_ray(iy, ix, INF, INF), ray)
            st = _UNBURNED
            if not slow_a[b, iy, ix] < INF:
                st = _NONBURNABLE
            burn_state[b, iy, ix] = ti.u8(st)
            ignition[b, iy, ix] = INF
            ros[b, iy, ix] = 0.0
            intensity[b, iy, ix] = 0.0
    for b, i in ti.ndrange((b0, b1), tree_state.shape[1]):
        tree_state[b, i] = ti.u8(_T_UNBURNT)
        tree_time[b, i] = INF
        tree_frac[b, i] = 1.0
    for b in range(b0, b1):
        for j in range(stats.shape[1]):
            stats[b, j] = 0
        touched[b] += ny * nx


@ti.func
def _put_params(k: ti.i32, b: ti.i32, iy: ti.i32, ix: ti.i32, a: ti.f32, bx: ti.f32, by: ti.f32, v: ti.f32,
                hw: ti.f32, res: ti.f32, act: ti.u8, dst: ti.template()):
    """Cell ``(iy, ix)``'s parameters: coefficients (A, Bx, By) into staging slot ``k``, head rate,
    H w, residence and crown-active into member ``b``; ``dst`` is the static tuple ``(new_a,
    new_bx, new_by, ros_head, intensity_per_ros, residence, crown_active)``."""
    new_a, new_bx, new_by, ros_head, intensity_per_ros, residence, crown_active = ti.static(dst)
    new_a[k, iy, ix] = a
    new_bx[k, iy, ix] = bx
    new_by[k, iy, ix] = by
    ros_head[b, iy, ix] = v
    intensity_per_ros[b, iy, ix] = hw
    residence[b, iy, ix] = res
    crown_active[b, iy, ix] = act


@ti.kernel
def fill_member_params(
    b0: ti.i32,
    n: ti.i32,
    sel: I32,
    vals: F32,
    new_a: F32,
    new_bx: F32,
    new_by: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    residence: F32,
    crown_active: U8,
):
    """Spatially uniform parameters of members ``b0 + k`` (``k < n``) with ``sel[k]``: ``vals[k]`` =
    (A, Bx, By, head rate, H w, residence, crown active) for every cell; the coefficients go to
    slot ``k`` of the staging buffers ``new_*``."""
    ny, nx = new_a.shape[1], new_a.shape[2]
    for k, iy in ti.ndrange(n, ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            if sel[k] != 0:
                _put_params(k, b0 + k, iy, ix, vals[k, 0], vals[k, 1], vals[k, 2], vals[k, 3], vals[k, 4], vals[k, 5],
                            ti.u8(vals[k, 6]), ti.static((new_a, new_bx, new_by, ros_head, intensity_per_ros,
                                                          residence, crown_active)))


@ti.kernel
def member_rows_in(
    b0: ti.i32,
    slot0: ti.i32,
    n: ti.i32,
    sel: ANY,
    src_a: ANY,
    src_bx: ANY,
    src_by: ANY,
    src_ros: ANY,
    src_hw: ANY,
    src_res: ANY,
    src_active: ANY,
    new_a: F32,
    new_bx: F32,
    new_by: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    residence: F32,
    crown_active: U8,
):
    """Rows ``k < n`` with ``sel[k]`` of ``[n, ny, nx]`` sources (host arrays are read in place on
    the CPU): the coefficients into staging slot ``slot0 + k``, the rest into member ``b0 + k``."""
    ny, nx = new_a.shape[1], new_a.shape[2]
    for k, iy in ti.ndrange(n, ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            if sel[k] != 0:
                _put_params(slot0 + k, b0 + k, iy, ix, src_a[k, iy, ix], src_bx[k, iy, ix], src_by[k, iy, ix],
                            src_ros[k, iy, ix], src_hw[k, iy, ix], src_res[k, iy, ix], src_active[k, iy, ix],
                            ti.static((new_a, new_bx, new_by, ros_head, intensity_per_ros, residence, crown_active)))


# ------------------------------------------------------------------ slice copies
@ti.kernel
def member_out_3(dst: ANY, src: ANY, b: ti.i32):
    """``dst = src[b]`` for a ``[B, n, m]`` source (any dtype)."""
    for i in range(dst.shape[0]):  # rows in parallel, a row's cells in order
        for j in range(dst.shape[1]):
            dst[i, j] = src[b, i, j]


@ti.kernel
def member_in_3(dst: ANY, src: ANY, b: ti.i32):
    """``dst[b] = src`` for a ``[B, n, m]`` destination (any dtype)."""
    for i in range(src.shape[0]):  # rows in parallel, a row's cells in order
        for j in range(src.shape[1]):
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


@ti.func
def _ignite(k: ti.i32, ign: ti.template(), c0: ti.template(), b: ti.i32, now: ti.f32, cell_m: ti.f32,
            ray: ti.template(), ignition: ti.template(), slow_a: ti.template(), residence: ti.template(),
            burn_state: ti.template()) -> ti.i32:
    """Ignition ``ign[k, c0:c0 + 4] = (x_m, y_m, t_s, radius_m)`` of member ``b`` whose clock is ``now``: the
    burnable cell holding the point and every burnable cell whose centre lies within the radius,
    at ``t_s`` (at once, with its burn state, if ``t_s`` is not after ``now``). Work: the cells of
    its bounding box. Returns the cells it covers."""
    arrival = ti.static(ray[0])
    ny, nx = arrival.shape[1], arrival.shape[2]
    x, y, t, r = ign[k, c0], ign[k, c0 + 1], ign[k, c0 + 2], ign[k, c0 + 3]
    px = ti.min(ti.max(ti.i32(ti.floor(x / cell_m)), 0), nx - 1)
    py = ti.min(ti.max(ti.i32(ti.floor(y / cell_m)), 0), ny - 1)
    x0 = ti.max(ti.i32(ti.floor((x - r) / cell_m)), 0)
    x1 = ti.min(ti.i32(ti.floor((x + r) / cell_m)), nx - 1)
    y0 = ti.max(ti.i32(ti.floor((y - r) / cell_m)), 0)
    y1 = ti.min(ti.i32(ti.floor((y + r) / cell_m)), ny - 1)
    n = 0
    for iy in range(ti.min(y0, py), ti.max(y1, py) + 1):
        for ix in range(ti.min(x0, px), ti.max(x1, px) + 1):
            dx = (ix + 0.5) * cell_m - x
            dy = (iy + 0.5) * cell_m - y
            inside = (dx * dx + dy * dy <= r * r) or (ix == px and iy == py)
            if inside and slow_a[b, iy, ix] < INF:
                n += 1
                if t < ignition[b, iy, ix]:
                    ignition[b, iy, ix] = t
                if t <= now and t < arrival[b, iy, ix]:
                    _set_ray(b, iy, ix, _own_ray(iy, ix, t, t), ray)
                    st = _BURNED
                    if now < t + residence[b, iy, ix]:
                        st = _BURNING
                    burn_state[b, iy, ix] = ti.u8(st)
    return n


@ti.kernel
def apply_ignitions(
    ign: F32,
    member: I32,
    t_member: F32,
    cell_m: ti.f32,
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
    count: I32,
):
    """Ignitions ``ign[k]`` of members ``member[k]`` at their clocks ``t_member`` (see
    :func:`_ignite`). Serial, so overlapping ignitions apply in order."""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    ti.loop_config(serialize=True)
    for k in range(member.shape[0]):
        b = member[k]
        count[k] = _ignite(k, ign, 0, b, t_member[b], cell_m, ray, ignition, slow_a, residence, burn_state)


RESTART_REALS = 12
"""Columns of :func:`restart_members`' ``reals`` table: the member's parameter row (A, Bx, By,
head rate, H w, residence, crown active), its ember probability, an ignition (x_m, y_m, t_s,
radius_m)."""


@ti.kernel
def restart_members(
    n: ti.i32,
    n_ign: ti.i32,
    with_spot: ti.i32,
    cell_m: ti.f32,
    ints: I32,
    reals: F32,
    src: F32,
    src_active: U8,
    spot_prob: F32,
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
    burn_state: U8,
    slow_a: F32,
    slow_bx: F32,
    slow_by: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    residence: F32,
    crown_active: U8,
    tree_state: U8,
    tree_time: F32,
    tree_frac: F32,
    stats: I32,
    touched: I32,
):
    """Members ``ints[k, 0]`` (``k < n``) started afresh in one launch, the same bytes as
    :func:`reset_member`, :func:`fill_member_params` or :func:`member_rows_in`,
    :func:`install_fresh`, :func:`fill_spot_prob` and :func:`apply_ignitions` one after the other:
    no fire, every ray its own cell, every tree unburnt; the parameter row ``reals[k, 0:7]`` in
    every cell where ``ints[k, 1] == 1``, or the grids ``src[k, 0:6]`` and ``src_active[k]`` where
    it is 2, installed at once (nothing burns, so nothing to re-anchor); burn states from them at
    time 0; with ``with_spot`` the ember probability ``reals[k, 7]`` on the burnable cells; then the
    ignitions ``reals[j, 8:12]`` (``j < n_ign``) of member ``ints[ints[j, 2], 0]`` in order
    (:func:`_ignite` at time 0), ``ints[j, 3]`` the cells each covers. Few arguments, because
    Taichi's launch costs about 10 microseconds per argument. Work: the members' cells and trees,
    and the ignitions' boxes."""
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    ny, nx = arrival.shape[1], arrival.shape[2]
    for k, iy, ix in ti.ndrange(n, ny, nx):
        b = ints[k, 0]
        a, bx, by = reals[k, 0], reals[k, 1], reals[k, 2]
        v, hw, res, act = reals[k, 3], reals[k, 4], reals[k, 5], ti.u8(reals[k, 6])
        if ints[k, 1] == 2:
            a, bx, by = src[k, 0, iy, ix], src[k, 1, iy, ix], src[k, 2, iy, ix]
            v, hw, res, act = src[k, 3, iy, ix], src[k, 4, iy, ix], src[k, 5, iy, ix], src_active[k, iy, ix]
        _set_ray(b, iy, ix, _own_ray(iy, ix, INF, INF), ray)
        ignition[b, iy, ix] = INF
        ros[b, iy, ix] = 0.0
        intensity[b, iy, ix] = 0.0
        slow_a[b, iy, ix] = a
        slow_bx[b, iy, ix] = bx
        slow_by[b, iy, ix] = by
        ros_head[b, iy, ix] = v
        intensity_per_ros[b, iy, ix] = hw
        residence[b, iy, ix] = res
        crown_active[b, iy, ix] = act
        burn_state[b, iy, ix] = _burn_state_at(b, iy, ix, arrival, slow_a, residence, 0.0)
        if with_spot != 0:
            p = 0.0
            if a < INF:
                p = reals[k, 7]
            spot_prob[b, iy, ix] = p
    for k, i in ti.ndrange(n, tree_state.shape[1]):
        b = ints[k, 0]
        tree_state[b, i] = ti.u8(_T_UNBURNT)
        tree_time[b, i] = INF
        tree_frac[b, i] = 1.0
    for k in range(n):
        b = ints[k, 0]
        for j in range(stats.shape[1]):
            stats[b, j] = 0
        touched[b] += ny * nx
    ti.loop_config(serialize=True)
    for j in range(n_ign):
        ints[j, 3] = _ignite(j, reals, 8, ints[ints[j, 2], 0], 0.0, cell_m, ray, ignition, slow_a, residence,
                             burn_state)


@ti.kernel
def fill_spot_prob(b0: ti.i32, b1: ti.i32, sel: I32, prob: F32, slow_a: F32, spot_prob: F32):
    """Ember ignition probability ``prob[b]`` on the burnable cells of members ``b0 <= b < b1`` with
    ``sel[b]`` (0 elsewhere)."""
    ny, nx = slow_a.shape[1], slow_a.shape[2]
    for b, iy in ti.ndrange((b0, b1), ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            if sel[b] != 0:
                p = 0.0
                if slow_a[b, iy, ix] < INF:
                    p = prob[b]
                spot_prob[b, iy, ix] = p


@ti.kernel
def batch_out_3(dst: ANY, src: ANY):
    """``dst = src`` for ``[B, n, m]`` arrays (any dtype): a whole batch into a host array."""
    for b, i in ti.ndrange(src.shape[0], src.shape[1]):  # rows in parallel, a row's cells in order
        for j in range(src.shape[2]):
            dst[b, i, j] = src[b, i, j]


@ti.kernel
def patch_cells(
    b0: ti.i32,
    n: ti.i32,
    n_members: ti.i32,
    slot: I32,
    cell: I32,
    vals: F32,
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
    ros_head: F32,
    intensity_per_ros: F32,
    residence: F32,
    crown_active: U8,
    burn_state: U8,
    t_member: F32,
    n_anchored: I32,
    n_changed: I32,
):
    """Install the parameters of the patched cells ``i < n`` (member ``b0 + slot[i]``, flat cell
    ``cell[i]``, ``vals[i]`` = (A, Bx, By, head rate, H w, residence, crown active)) with the work of those
    cells and their 3 x 3 neighbourhoods only: what staging every cell of the members and
    :func:`~wildfire_gym.fire.kernels.params.set_slowness` over them gives, bit for bit.

    Phases (each loop finishes before the next starts): the neighbourhoods' installed coefficients
    into the staging slots; the patched values over them; count the cells whose coefficients
    change; re-anchor every burned, burnable cell next to a changed one (only a changed cell can
    make a neighbour qualify, so visiting the changed cells' neighbourhoods finds them all; a cell
    found twice gets the same ray twice); install the changed coefficients; the patched cells'
    burn states. ``n_anchored[b]`` is 1 where member ``b`` re-anchored a cell (0 otherwise),
    ``n_changed[b]`` the cells whose coefficients changed.
    """
    ny, nx = arrival.shape[1], arrival.shape[2]
    coeffs = ti.static((new_a, new_bx, new_by, slow_a, slow_bx, slow_by))
    for k in range(n_members):
        n_anchored[b0 + k] = 0
        n_changed[b0 + k] = 0
    for i in range(n):
        k = slot[i]
        iy, ix = cell[i] // nx, cell[i] % nx
        for q in ti.static(range(9)):
            jy = iy + q // 3 - 1
            jx = ix + q % 3 - 1
            if 0 <= jy < ny and 0 <= jx < nx:  # staged = installed around the patch
                new_a[k, jy, jx] = slow_a[b0 + k, jy, jx]
                new_bx[k, jy, jx] = slow_bx[b0 + k, jy, jx]
                new_by[k, jy, jx] = slow_by[b0 + k, jy, jx]
    for i in range(n):
        k = slot[i]
        _put_params(k, b0 + k, cell[i] // nx, cell[i] % nx, vals[i, 0], vals[i, 1], vals[i, 2], vals[i, 3],
                    vals[i, 4], vals[i, 5], ti.u8(vals[i, 6]),
                    ti.static((new_a, new_bx, new_by, ros_head, intensity_per_ros, residence, crown_active)))
    for i in range(n):  # count the changed cells and re-anchor the burned cells around them
        k = slot[i]
        b = b0 + k
        iy, ix = cell[i] // nx, cell[i] % nx
        if _coeffs_differ(k, b, iy, ix, coeffs):
            ti.atomic_add(n_changed[b], 1)
            t_now = t_member[b]
            for q in ti.static(range(9)):
                cy = iy + q // 3 - 1
                cx = ix + q % 3 - 1
                if 0 <= cy < ny and 0 <= cx < nx:
                    ta = arrival[b, cy, cx]
                    if ta <= t_now and new_a[k, cy, cx] < INF:
                        t_o = t_now
                        if slow_a[b, cy, cx] < INF:
                            t_o = _anchor_time(ta, t_now, slow_a[b, cy, cx], slow_bx[b, cy, cx], slow_by[b, cy, cx],
                                               new_a[k, cy, cx], new_bx[k, cy, cx], new_by[k, cy, cx])
                        _set_ray(b, cy, cx, _own_ray(cy, cx, ta, t_o),
                                 ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by)))
                        n_anchored[b] = 1
    for i in range(n):
        k = slot[i]
        iy, ix = cell[i] // nx, cell[i] % nx
        _install_coeffs(k, b0 + k, iy, ix, coeffs)
    for i in range(n):
        k = slot[i]
        iy, ix = cell[i] // nx, cell[i] % nx
        burn_state[b0 + k, iy, ix] = _burn_state_at(b0 + k, iy, ix, arrival, slow_a, residence, t_member[b0 + k])


@ti.kernel
def install_fresh(
    b0: ti.i32,
    b1: ti.i32,
    new_a: F32,
    new_bx: F32,
    new_by: F32,
    slow_a: F32,
    slow_bx: F32,
    slow_by: F32,
    arrival: F32,
    residence: F32,
    burn_state: U8,
):
    """What :func:`~wildfire_gym.fire.kernels.params.set_slowness` and then
    :func:`~wildfire_gym.fire.kernels.params.update_burn_state` give members ``b0 <= b < b1``
    that were just reset (no arrival anywhere, so nothing to re-anchor or forget; clock 0), in
    one pass: the staged coefficients installed and the burn states taken from them."""
    coeffs = ti.static((new_a, new_bx, new_by, slow_a, slow_bx, slow_by))
    for b, iy in ti.ndrange((b0, b1), slow_a.shape[1]):  # rows in parallel, a row's cells in order
        for ix in range(slow_a.shape[2]):
            _install_coeffs(b - b0, b, iy, ix, coeffs)
            burn_state[b, iy, ix] = _burn_state_at(b, iy, ix, arrival, slow_a, residence, 0.0)
