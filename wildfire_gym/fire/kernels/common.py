"""Shared pieces of the engine's kernels: array types, state codes, tiles, the Huygens ray
state (:data:`Ray`) and its moves between the state arrays, the stale-cell marks of the band."""

import numpy as np

from wildfire_gym._taichi import ti

from ..spread_ref import NEIGHBOURS, ORIGIN_SHIFT
from ..state import BurnState, TreeState

F32 = ti.types.ndarray(dtype=ti.f32)
"""Float arrays of any rank. The public state is ``[B, ny, nx]``; the private per-cell
arrays (the Huygens ray, its next sweep, ``dirs``) are flat ``[B * ny * nx]`` and indexed
``(b * ny + iy) * nx + ix``: a multi-dimensional ndarray access costs several times a flat
one inside serial loops (a micro-benchmark of 80 neighbour loads per cell: ~5x)."""

I32 = ti.types.ndarray(dtype=ti.i32)

U8 = ti.types.ndarray(dtype=ti.u8)

U16 = ti.types.ndarray(dtype=ti.u16)
"""The cells' ``dirs`` masks (9 bits: see :data:`IGNITION_BIT`)."""

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
