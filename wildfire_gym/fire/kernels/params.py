"""Spread parameters: installing new travel-time coefficients with re-anchoring of burning
fires, and burn states from arrival and residence times."""

from wildfire_gym._taichi import ti

from .common import (
    _BURNED,
    _BURNING,
    _NONBURNABLE,
    _UNBURNED,
    F32,
    I32,
    INF,
    U8,
    _own_ray,
    _set_ray,
)


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
    coeffs = ti.static((new_a, new_bx, new_by, slow_a, slow_bx, slow_by))
    for b in range(b0, b1):
        n_anchored[b] = 0
        n_changed[b] = 0
    for b, iy in ti.ndrange((b0, b1), ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            if _coeffs_differ(b - b0, b, iy, ix, coeffs):
                ti.atomic_add(n_changed[b], 1)
    for b, iy in ti.ndrange((b0, b1), ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            t_now = t_member[b]
            ta = arrival[b, iy, ix]
            if ta <= t_now and new_a[b - b0, iy, ix] < INF:
                changed = 0
                for k in ti.static(range(9)):
                    jy = iy + k // 3 - 1
                    jx = ix + k % 3 - 1
                    if 0 <= jy < ny and 0 <= jx < nx:
                        if _coeffs_differ(b - b0, b, jy, jx, coeffs):
                            changed = 1
                if changed != 0:
                    t_o = t_now
                    if slow_a[b, iy, ix] < INF:
                        t_o = _anchor_time(ta, t_now, slow_a[b, iy, ix], slow_bx[b, iy, ix], slow_by[b, iy, ix],
                                           new_a[b - b0, iy, ix], new_bx[b - b0, iy, ix], new_by[b - b0, iy, ix])
                    _set_ray(b, iy, ix, _own_ray(iy, ix, ta, t_o), ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by)))
                    ti.atomic_add(n_anchored[b], 1)
    for b, iy in ti.ndrange((b0, b1), ny):  # rows in parallel, a row's cells in order
        for ix in range(nx):
            _install_coeffs(b - b0, b, iy, ix, coeffs)


@ti.func
def _coeffs_differ(k: ti.i32, b: ti.i32, iy: ti.i32, ix: ti.i32, coeffs: ti.template()) -> ti.i32:
    """Whether cell ``(iy, ix)``'s staged coefficients (slot ``k``) differ from member ``b``'s
    installed ones; ``coeffs`` is the static tuple ``(new_a, new_bx, new_by, slow_a, slow_bx, slow_by)``."""
    new_a, new_bx, new_by, slow_a, slow_bx, slow_by = ti.static(coeffs)
    return ti.i32(new_a[k, iy, ix] != slow_a[b, iy, ix] or new_bx[k, iy, ix] != slow_bx[b, iy, ix]
                  or new_by[k, iy, ix] != slow_by[b, iy, ix])


@ti.func
def _install_coeffs(k: ti.i32, b: ti.i32, iy: ti.i32, ix: ti.i32, coeffs: ti.template()):
    """Cell ``(iy, ix)``'s staged coefficients (slot ``k``) into member ``b`` (``coeffs`` as
    :func:`_coeffs_differ` takes it)."""
    new_a, new_bx, new_by, slow_a, slow_bx, slow_by = ti.static(coeffs)
    slow_a[b, iy, ix] = new_a[k, iy, ix]
    slow_bx[b, iy, ix] = new_bx[k, iy, ix]
    slow_by[b, iy, ix] = new_by[k, iy, ix]

@ti.kernel
def update_burn_state(
    b0: ti.i32, b1: ti.i32, arrival: F32, slow_a: F32, residence: F32, burn_state: U8, t_member: F32
):
    """Burn state of members ``b0 <= b < b1`` at their times ``t_member[b]`` from arrival and
    residence time (every cell of those members: after an upload, an ignition or a load)."""
    for b, iy in ti.ndrange((b0, b1), arrival.shape[1]):  # rows in parallel, a row's cells in order
        for ix in range(arrival.shape[2]):
            burn_state[b, iy, ix] = _burn_state_at(b, iy, ix, arrival, slow_a, residence, t_member[b])


@ti.func
def _burn_state_at(b: ti.i32, iy: ti.i32, ix: ti.i32, arrival: ti.template(), slow_a: ti.template(),
                   residence: ti.template(), t_now: ti.f32) -> ti.u8:
    """A cell's burn state at ``t_now``: burned once reached, burning for its residence time after
    arrival, non-burnable where no fire can enter, else unburned."""
    t = arrival[b, iy, ix]
    st = _UNBURNED
    if t <= t_now:
        st = _BURNED
        if t_now < t + residence[b, iy, ix]:
            st = _BURNING
    elif not slow_a[b, iy, ix] < INF:
        st = _NONBURNABLE
    return ti.u8(st)
