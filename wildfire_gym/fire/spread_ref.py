"""Huygens spread by arrival time with origin tracking: the pure-numpy reference.

The algorithm (the Taichi kernels of :mod:`wildfire_gym.fire.kernels` do the same):

* Each cell carries an elliptical spread wavelet (Huygens; Richards 1990; Anderson 1983
  shape): head rate ``V`` (m/s) towards compass direction ``theta_h`` and length-to-breadth
  ratio ``LB``. With eccentricity ``e = sqrt(1 - 1/LB^2)`` and the ignition point at the
  rear focus, the rate at angle ``phi`` from the head is the focal polar
  ``r(phi) = V (1 - e) / (1 - e cos phi)``: ``r(0) = V``, ``r(pi) = V (1-e)/(1+e) = Vb``
  (= ``V (LB - sqrt(LB^2-1))/(LB + sqrt(LB^2-1))``), and the semi-minor axis grows at the
  flank rate ``(V + Vb)/(2 LB)``.
* So the travel time over a displacement ``d`` (m) is ``g(d) = A |d| - B.d`` with
  ``A = 1/(V (1-e))`` and ``B = A e h`` (``h`` the unit head vector, x east, y north: the
  focus-directrix property of the ellipse). A cell stores ``(A, Bx, By)``; a cell that
  cannot burn has ``A = inf``.
* Every reached cell keeps the *origin* of its Huygens ray (a cell centre ``o`` and the
  arrival time there ``t_o``), the length ``S_l`` of the 8-connected path the ray took
  through the grid and, while every cell on that path has the origin's coefficients (a
  *uniform* ray), those coefficients ``(S_A, S_Bx, S_By)`` (zero otherwise).
  A cell's arrival is the minimum over its 8 neighbours ``y`` of two candidates, each the
  travel time of a real path through the per-cell ``g_c`` (so no arrival is early):

  - continuation of ``y``'s ray: ``t_o(y)`` plus the exact travel time of the straight
    segment ``o -> x``. For a uniform ray into a cell of the same coefficients that is
    ``g(x - o)`` (accepted while the ray stays straight, ``S_l <= STRAIGHTNESS * |x - o| +
    STRAIGHTNESS_SLACK * cell``, so it cannot have gone round an obstacle); otherwise it is
    the sum over the cells the segment crosses of the length inside each times that
    cell's slowness in the segment's direction (:func:`segment_sums`, infinite through a
    cell that cannot burn), for segments of at most ``RAY_REACH`` cells in x and y;
  - a new ray from ``y``: ``T(y) + g(x - y)`` with the mean coefficients of ``y`` and ``x``
    (exact: the segment between two neighbouring centres is half in each cell).

  A cell that is its own origin starts its new rays at its origin time (equal to its
  arrival, except after a re-anchoring, below).
  Ties go to the earlier origin (the longer ray), then to the shorter path, then to the
  first neighbour (fixed order). In a uniform
  field every cell keeps the ignition as origin and its arrival is the exact ellipse
  ``t_o + g(x - o)`` whatever the wind direction (no grid bias, no numerical diffusion);
  where parameters change, new rays start at the cells where they win (refraction) and
  every arrival is the time of a path that bends at cell centres only. That is exact at a
  straight boundary on cell edges (Fermat, Snell and the head wave, within a fraction of a
  cell), never earlier than the minimum travel time, and later than it where the fastest
  path bends inside cells or along cell edges (a fuel mosaic or a rough terrain: up to
  about 10 %, a few per cent typically; the best path bending at centres only is as late).
  Rejected: charging a continued ray its straight length times the mean slowness sampled
  along its 8-connected path (free of the segment walk, but the path is up to 8 % longer
  than the segment and off it, so the minimum picks rays through fast cells that a
  straight segment would not cross: arrivals 4-11 % early at a straight boundary and up to
  20 % early on mosaics). A non-burnable cell breaks every ray through it.
* A cell takes a candidate only when it beats its current state in the order (arrival,
  origin time, path length), so every cell's state only improves and sweeps terminate.
  Sweeps are Jacobi (each reads the previous sweep only), so results depend neither on
  evaluation order nor on threads. A ray may be continued from a neighbour that arrives
  later (near an ignition the lattice cannot follow the narrow head of an elongated
  ellipse otherwise), so the result depends on the schedule of sweeps: time windows, a
  band of 8x8 tiles, frozen cells. :func:`simulate` reproduces the kernels' schedule
  exactly; :mod:`wildfire_gym.fire.engine` runs it per scenario, so a scenario gives the
  same bytes alone or in any batch. (The engine's serial schedule skips cells that are
  fixed points of the update and candidates that cannot win; that changes no bit, since
  a skipped evaluation would have left the cell as it was.)
* Parameters changed at ``t0`` while a fire burns (:func:`reanchor`): a ray continued
  with the new coefficients from a cell that burned at ``Ta < t0`` would spread with them
  from ``Ta`` on, and a cell not reached by ``t0`` could get an arrival before ``t0``. So
  each burned cell next to a changed cell becomes its own origin (path sums zero) with the
  origin time ``tau = t0 - (t0 - Ta) rho``, ``rho`` the least ratio over directions of new to
  old slowness (:func:`anchor_time`): the new wavelet grown from ``tau`` to ``t0`` is the
  largest that fits inside the old wavelet grown from ``Ta`` to ``t0``, which the fire had
  burned by ``t0`` (Huygens, locally uniform parameters). The fire after ``t0`` is then the
  envelope of new wavelets from the burned cells, never ahead of the exact envelope from the
  ``t0`` perimeter and keeping part of the progress the front had made beyond the cell
  centres by ``t0``. No arrival computed afterwards is earlier than ``t0`` (``t_min`` of
  :func:`ray_update`). Rejected: ``tau = Ta`` (the new parameters act from ``Ta``: up to one
  cell's old travel time retroactively, ahead of the envelope beyond the first ring, which
  the clamp cannot catch), ``tau = t0`` (drops the progress since ``Ta``, up to one cell
  late), and matching the progress along the front normal only (exact for a straight
  front, but where the new wavelet is slow along the normal ``tau`` falls far before
  ``Ta`` and the wavelet overtakes the fire in other directions).
* Derived per cell when the front arrives: rate of spread normal to the front
  ``R = min(V, 1/|grad T|)`` from upwind one-sided differences, Byram fireline intensity
  ``I = (H w) R`` and flame length ``L = 0.0775 I^0.46`` (Byram 1959).

This module is slow (it is the reference); use it on grids of a few thousand cells.
"""

from __future__ import annotations

import numpy as np

BYRAM_FLAME_COEFF = 0.0775
"""Byram (1959) flame length coefficient: L [m] = 0.0775 * I[kW/m]^0.46."""

BYRAM_FLAME_EXP = 0.46
"""Byram (1959) flame length exponent (dimensionless)."""

STRAIGHTNESS = 1.1
"""Largest ratio of path length to straight distance of a ray still continued (-).

An 8-connected digital line is at most 1/cos(22.5 deg) = 1.082 times longer than the
straight segment; a longer path went around an obstacle and starts a new ray."""

STRAIGHTNESS_SLACK = 0.5
"""Additive allowance (cells) in the straightness test, for short rays."""

ORIGIN_SHIFT = 16
"""A ray's origin cell ``(iy, ix)`` is stored as the int32 ``(iy << ORIGIN_SHIFT) | ix`` (no
integer division to recover it)."""

ORIGIN_MASK = (1 << ORIGIN_SHIFT) - 1
"""Mask of the column in a stored origin."""

RAY_REACH = 8
"""Longest ray (cells, in x and in y) continued through cells of different coefficients.

Such a ray is charged the exact travel time of its straight segment, summed over the cells
it crosses (:func:`segment_sums`, up to ``2 RAY_REACH`` of them); longer ones give way to new
rays (a ray through cells all equal to its origin's costs nothing to continue and has no
limit)."""

MAX_GRID_SIDE = 1 << (31 - ORIGIN_SHIFT)
"""Largest number of rows or columns (the packed origin must fit an int32): 32768."""


def origin_index(ny: int, nx: int) -> np.ndarray:
    """Packed origin of every cell being itself: ``(iy << ORIGIN_SHIFT) | ix``, int32 [ny, nx]."""
    iy, ix = np.mgrid[0:ny, 0:nx].astype(np.int32)
    return ((iy << ORIGIN_SHIFT) | ix).astype(np.int32)


NEIGHBOURS = np.array(
    [(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (-1, -1), (1, -1)], np.int32
)
"""Neighbour offsets (dx, dy) in cells, in the fixed order used for ties."""


def eccentricity(lb: np.ndarray) -> np.ndarray:
    """Eccentricity ``e = sqrt(1 - 1/LB^2)`` of a fire ellipse of length-to-breadth ``lb`` (-)."""
    lb = np.asarray(lb, np.float64)
    return np.sqrt(np.maximum(0.0, 1.0 - 1.0 / (lb * lb)))


def back_rate(ros_head: np.ndarray, lb: np.ndarray) -> np.ndarray:
    """Backing rate ``Vb = V (LB - sqrt(LB^2-1)) / (LB + sqrt(LB^2-1))`` (m/s; Anderson 1983)."""
    lb = np.asarray(lb, np.float64)
    s = np.sqrt(np.maximum(lb * lb - 1.0, 0.0))
    return np.asarray(ros_head, np.float64) * (lb - s) / (lb + s)


def flank_rate(ros_head: np.ndarray, lb: np.ndarray) -> np.ndarray:
    """Flanking rate ``(V + Vb) / (2 LB)`` (m/s): growth rate of the ellipse's semi-minor axis."""
    v = np.asarray(ros_head, np.float64)
    return (v + back_rate(v, lb)) / (2.0 * np.asarray(lb, np.float64))


def focal_rate(ros_head: np.ndarray, lb: np.ndarray, angle_from_head_rad: np.ndarray) -> np.ndarray:
    """Spread rate (m/s) from the ignition point at ``angle_from_head_rad`` off the head.

    Focal polar of the fire ellipse, ``r = V (1 - e) / (1 - e cos phi)`` with the ignition
    at the rear focus (Anderson 1983 ellipse; Richards 1990 wavelet).
    """
    e = eccentricity(lb)
    one_minus_e = 1.0 / (np.asarray(lb, np.float64) ** 2 * (1.0 + e))
    return np.asarray(ros_head, np.float64) * one_minus_e / (1.0 - e * np.cos(angle_from_head_rad))


def slowness_coefficients(
    ros_head_m_s: np.ndarray, head_dir_deg: np.ndarray, lb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-cell ``(A, Bx, By)`` (s/m, float32) so that ``g(d) = A |d| - B.d`` is the travel time.

    ``ros_head_m_s`` <= 0 marks a cell that cannot burn (``A = inf``, ``B = 0``).
    ``head_dir_deg`` is the compass direction of maximum spread (clockwise from north).
    """
    v = np.asarray(ros_head_m_s, np.float64)
    lb = np.maximum(np.asarray(lb, np.float64), 1.0)
    e = eccentricity(lb)
    one_minus_e = 1.0 / (lb * lb * (1.0 + e))  # 1 - e without cancellation
    burnable = v > 0.0
    a = np.where(burnable, 1.0 / np.where(burnable, v * one_minus_e, 1.0), np.inf)
    th = np.deg2rad(np.asarray(head_dir_deg, np.float64))
    a_fin = np.where(burnable, a, 0.0)
    bx = a_fin * e * np.sin(th)
    by = a_fin * e * np.cos(th)
    return a.astype(np.float32), bx.astype(np.float32), by.astype(np.float32)


def anchor_time(
    t_arrival: np.ndarray,
    t_now: float,
    old: tuple[np.ndarray, np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Origin time (s, float32) of burned cells re-anchored at ``t_now`` (see the module docstring).

    ``tau = t_now - (t_now - Ta) rho`` with ``rho = min over directions u of
    (A1 - B1.u) / (A0 - B0.u)``, the least ratio of new to old slowness, so that the new
    wavelet grown from ``tau`` to ``t_now`` fits inside the old one grown from ``Ta``. It is
    the smaller root of ``(A1 - rho A0)^2 = |B1 - rho B0|^2``, written without cancellation:
    ``rho = Q1 / (P + sqrt(P^2 - Q0 Q1))``, ``P = A0 A1 - B0.B1``, ``Qi = Ai^2 - |Bi|^2``
    (1 when nothing changed). ``old`` and ``new`` are the cells' ``(A, Bx, By)`` (finite ``A``).
    """
    f32 = np.float32
    a0, bx0, by0 = (np.asarray(v, f32) for v in old)
    a1, bx1, by1 = (np.asarray(v, f32) for v in new)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        p = a0 * a1 - (bx0 * bx1 + by0 * by1)
        q1 = a1 * a1 - (bx1 * bx1 + by1 * by1)
        q0 = a0 * a0 - (bx0 * bx0 + by0 * by0)
        rho = q1 / (p + np.sqrt(np.maximum(p * p - q0 * q1, f32(0.0))))
        t_now32 = f32(t_now)
        return (t_now32 - (t_now32 - np.asarray(t_arrival, f32)) * rho).astype(f32)


def reanchor(
    st: RayState,
    old: tuple[np.ndarray, np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray, np.ndarray],
    t_now: float,
) -> tuple[RayState, bool]:
    """The rays after the coefficients change from ``old`` to ``new`` at ``t_now`` (see the module docstring).

    Every cell burned by ``t_now``, burnable under ``new``, with a cell whose ``(A, Bx, By)``
    changed among its 3x3 cells becomes its own origin with the origin time of
    :func:`anchor_time` and zero path sums. Returns the new state and whether any cell was
    re-anchored (then later arrivals are clamped to ``t_now``).
    """
    f32 = np.float32
    ny, nx = st.t.shape
    changed = np.zeros((ny, nx), bool)
    for o_arr, n_arr in zip(old, new, strict=True):
        changed |= np.asarray(o_arr, f32) != np.asarray(n_arr, f32)
    near = np.zeros_like(changed)
    for ky in (-1, 0, 1):
        for kx in (-1, 0, 1):
            near |= _shift(changed, kx, ky, False)
    take = near & (st.t <= f32(t_now)) & np.isfinite(np.asarray(new[0], f32))
    tau = np.where(np.isfinite(np.asarray(old[0], f32)), anchor_time(st.t, t_now, old, new), f32(t_now))
    out = RayState(np.full((ny, nx), np.inf, f32))
    out.t = st.t.copy()
    out.origin = np.where(take, origin_index(ny, nx), st.origin).astype(np.int32)
    out.t_origin = np.where(take, tau, st.t_origin).astype(f32)
    for name in ("s_l", "s_a", "s_bx", "s_by"):
        setattr(out, name, np.where(take, f32(0.0), getattr(st, name)).astype(f32))
    return out, bool(take.any())


def flame_length_byram(intensity_kw_m: np.ndarray) -> np.ndarray:
    """Flame length (m) from Byram fireline intensity (kW/m): ``0.0775 I^0.46`` (Byram 1959)."""
    i = np.asarray(intensity_kw_m, np.float32)
    out = np.zeros(i.shape, np.float32)
    lit = i > 0.0  # only the cells a front has passed (a snapshot's grid is mostly zero)
    out[lit] = np.float32(BYRAM_FLAME_COEFF) * i[lit] ** np.float32(BYRAM_FLAME_EXP)
    return out


def _shift(arr: np.ndarray, ox: int, oy: int, fill: float) -> np.ndarray:
    """``out[y, x] = arr[y + oy, x + ox]``, ``fill`` outside the grid."""
    ny, nx = arr.shape
    out = np.full_like(arr, fill)
    ys, yd = (slice(oy, ny), slice(0, ny - oy)) if oy >= 0 else (slice(0, ny + oy), slice(-oy, ny))
    xs, xd = (slice(ox, nx), slice(0, nx - ox)) if ox >= 0 else (slice(0, nx + ox), slice(-ox, nx))
    out[yd, xd] = arr[ys, xs]
    return out


class RayState:
    """Arrival time and Huygens ray of every cell (float32 / int32 ``[ny, nx]`` arrays): origin,
    origin time, path length ``s_l`` and a uniform ray's coefficients ``s_a, s_bx, s_by``."""

    def __init__(self, ign: np.ndarray) -> None:
        ny, nx = ign.shape
        self.t = ign.astype(np.float32).copy()
        self.origin = origin_index(ny, nx)
        self.t_origin = self.t.copy()
        self.s_l = np.zeros((ny, nx), np.float32)
        self.s_a = np.zeros((ny, nx), np.float32)
        self.s_bx = np.zeros((ny, nx), np.float32)
        self.s_by = np.zeros((ny, nx), np.float32)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.t, self.origin, self.t_origin, self.s_l, self.s_a, self.s_bx, self.s_by)


def segment_sums(
    a: np.ndarray, bx: np.ndarray, by: np.ndarray, oy: np.ndarray, ox: np.ndarray, iy: np.ndarray,
    ix: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Length-weighted mean coefficients ``(SA, SBx, SBy)`` (s/m, float32) of the straight
    segment from the centre of cell ``(oy, ox)`` to the centre of ``(iy, ix)`` (int arrays),
    so that its exact travel time through the per-cell ``g_c`` is ``SA |r| - SB.r``.

    ``SA = sum_c w_c A_c`` with ``w_c`` the fraction of the segment inside cell ``c``
    (``+inf`` when it crosses a cell that cannot burn). The cells are walked in order of
    the parameters ``s = (2 i + 1) / (2 |rx|)`` and ``(2 j + 1) / (2 |ry|)`` at which the
    segment crosses the ``i``-th column and ``j``-th row boundary, compared exactly in
    integers; a segment through a cell corner steps diagonally (the two side cells get no
    length). At most ``2 RAY_REACH`` crossings (``|rx|, |ry| <= RAY_REACH``).
    """
    f32 = np.float32
    rx = (ix - ox).astype(np.int32)
    ry = (iy - oy).astype(np.int32)
    nxa, nya = np.abs(rx), np.abs(ry)
    sx, sy = np.sign(rx).astype(np.int32), np.sign(ry).astype(np.int32)
    cx, cy = ox.astype(np.int32).copy(), oy.astype(np.int32).copy()
    i = np.zeros_like(rx)
    j = np.zeros_like(rx)
    s_prev = np.zeros(rx.shape, f32)
    sa = np.zeros(rx.shape, f32)
    sbx = np.zeros(rx.shape, f32)
    sby = np.zeros(rx.shape, f32)
    den_x = (2 * np.maximum(nxa, 1)).astype(f32)
    den_y = (2 * np.maximum(nya, 1)).astype(f32)
    with np.errstate(invalid="ignore", over="ignore"):
        while True:
            act = (i < nxa) | (j < nya)
            if not act.any():
                break
            lhs = (2 * i + 1) * nya
            rhs = (2 * j + 1) * nxa
            xs = act & (i < nxa) & ((j >= nya) | (lhs <= rhs))
            ys = act & (j < nya) & ((i >= nxa) | (rhs <= lhs))
            s = np.where(xs, (2 * i + 1).astype(f32) / den_x, (2 * j + 1).astype(f32) / den_y)
            w = s - s_prev
            sa = np.where(act, sa + w * a[cy, cx], sa)
            sbx = np.where(act, sbx + w * bx[cy, cx], sbx)
            sby = np.where(act, sby + w * by[cy, cx], sby)
            s_prev = np.where(act, s, s_prev)
            cx = cx + np.where(xs, sx, 0)
            cy = cy + np.where(ys, sy, 0)
            i = i + xs
            j = j + ys
        w = f32(1.0) - s_prev
        sa = sa + w * a[cy, cx]
        sbx = sbx + w * bx[cy, cx]
        sby = sby + w * by[cy, cx]
    return sa.astype(f32), sbx.astype(f32), sby.astype(f32)


def _wins(t: np.ndarray, t_o: np.ndarray, s_l: np.ndarray, best_t: np.ndarray,
          best_to: np.ndarray, best_l: np.ndarray) -> np.ndarray:
    """Candidate order: earlier arrival, then earlier origin (longer rays), then shorter path."""
    return (t < best_t) | ((t == best_t) & ((t_o < best_to) | ((t_o == best_to) & (s_l < best_l))))


def ray_update(
    st: RayState,
    ign: np.ndarray,
    a: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    cell_m: float,
    update: np.ndarray | None = None,
    t_min: float = -np.inf,
) -> RayState:
    """One Jacobi sweep of the origin-tracking update (float32, the kernel's operation order).

    ``a, bx, by`` are the travel-time coefficients of :func:`slowness_coefficients`; only
    burnable cells where ``update`` is true change (all burnable cells by default). Every
    candidate arrival is at least ``t_min`` (the last re-anchoring time, :func:`reanchor`).
    """
    t_lo = np.float32(t_min)
    f32 = np.float32
    h = f32(cell_m)
    ny, nx = a.shape
    half = f32(0.5)
    iy, ix = np.mgrid[0:ny, 0:nx].astype(np.int32)
    burnable = np.isfinite(a)
    a0 = np.where(burnable, a, f32(0.0)).astype(f32)
    new = RayState(ign)
    best_t = st.t.copy()
    best_o = st.origin.copy()
    best_to = st.t_origin.copy()
    best_l, best_a, best_bx, best_by = st.s_l.copy(), st.s_a.copy(), st.s_bx.copy(), st.s_by.copy()
    take = _wins(ign, ign, f32(0.0), best_t, best_to, best_l)
    best_t = np.where(take, ign, best_t).astype(f32)
    best_o = np.where(take, new.origin, best_o).astype(np.int32)
    best_to = np.where(take, ign, best_to).astype(f32)
    for arr in (best_l, best_a, best_bx, best_by):
        arr[take] = 0.0
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for k in range(NEIGHBOURS.shape[0]):
            dx, dy = (int(v) for v in NEIGHBOURS[k])
            ty = _shift(st.t, dx, dy, np.inf)
            ay = _shift(a, dx, dy, np.inf)
            ok_n = np.isfinite(ty) & np.isfinite(ay) & burnable
            ay0 = np.where(ok_n, ay, f32(0.0)).astype(f32)
            bxy = _shift(bx, dx, dy, 0.0)
            byy = _shift(by, dx, dy, 0.0)
            step = f32(np.hypot(dx, dy)) * h
            ma = (ay0 + a0) * half
            mbx = (bxy + bx) * half
            mby = (byy + by) * half
            # displacement y -> x is (-dx, -dy) cells
            ddx = f32(-dx) * h
            ddy = f32(-dy) * h
            # a new ray starts at the neighbour's arrival, or its origin time if it is its own origin
            oy_ = _shift(st.origin, dx, dy, 0)
            to_ = _shift(st.t_origin, dx, dy, np.inf)
            own = oy_ == (((iy + dy) << ORIGIN_SHIFT) | (ix + dx))
            ts = np.where(own, to_, ty).astype(f32)
            tv = np.maximum(np.where(ok_n, ts, f32(0.0)) + (ma * step - (mbx * ddx + mby * ddy)), t_lo)
            better = ok_n & _wins(tv, ts, step, best_t, best_to, best_l)
            best_t = np.where(better, tv, best_t).astype(f32)
            best_o = np.where(better, ((iy + dy) << ORIGIN_SHIFT) | (ix + dx), best_o).astype(np.int32)
            best_to = np.where(better, ts, best_to).astype(f32)
            best_l = np.where(better, step, best_l).astype(f32)
            same = (ay0 == a0) & (bxy == bx) & (byy == by)
            best_a = np.where(better, np.where(same, a0, f32(0.0)), best_a).astype(f32)
            best_bx = np.where(better, np.where(same, bx, f32(0.0)), best_bx).astype(f32)
            best_by = np.where(better, np.where(same, by, f32(0.0)), best_by).astype(f32)
            # continuation of the neighbour's ray: the exact travel time of the straight
            # segment o -> x (uniform ray: the origin's own coefficients; else summed per cell)
            sl = _shift(st.s_l, dx, dy, 0.0) + step
            ua = _shift(st.s_a, dx, dy, 0.0)
            ubx = _shift(st.s_bx, dx, dy, 0.0)
            uby = _shift(st.s_by, dx, dy, 0.0)
            rxi = ix - (oy_ & ORIGIN_MASK)
            ryi = iy - (oy_ >> ORIGIN_SHIFT)
            rx = rxi.astype(f32) * h
            ry = ryi.astype(f32) * h
            dist = np.sqrt(rx * rx + ry * ry)
            straight = sl <= f32(STRAIGHTNESS) * dist + f32(STRAIGHTNESS_SLACK) * h
            uni = ok_n & straight & (ua == a0) & (ubx == bx) & (uby == by)
            sa, sbx, sby = ua.copy(), ubx.copy(), uby.copy()
            seg = ok_n & ~uni & (np.maximum(np.abs(rxi), np.abs(ryi)) <= RAY_REACH)
            if seg.any():
                qy, qx = np.nonzero(seg)
                sa[seg], sbx[seg], sby[seg] = segment_sums(
                    a, bx, by, (oy_[seg] >> ORIGIN_SHIFT), (oy_[seg] & ORIGIN_MASK), qy, qx)
            tc = np.maximum(np.where(ok_n, to_, f32(0.0)) + (sa * dist - (sbx * rx + sby * ry)), t_lo)
            better = (uni | seg) & (tc < np.inf) & _wins(tc, to_, sl, best_t, best_to, best_l)
            keep_u = better & uni
            best_t = np.where(better, tc, best_t).astype(f32)
            best_o = np.where(better, oy_, best_o).astype(np.int32)
            best_to = np.where(better, to_, best_to).astype(f32)
            best_l = np.where(better, sl, best_l).astype(f32)
            best_a = np.where(better, np.where(keep_u, ua, f32(0.0)), best_a).astype(f32)
            best_bx = np.where(better, np.where(keep_u, ubx, f32(0.0)), best_bx).astype(f32)
            best_by = np.where(better, np.where(keep_u, uby, f32(0.0)), best_by).astype(f32)
    keep = ~burnable if update is None else ~(burnable & update)
    new.t = np.where(keep, st.t, best_t).astype(f32)
    new.origin = np.where(keep, st.origin, best_o).astype(np.int32)
    new.t_origin = np.where(keep, st.t_origin, best_to).astype(f32)
    new.s_l = np.where(keep, st.s_l, best_l).astype(f32)
    new.s_a = np.where(keep, st.s_a, best_a).astype(f32)
    new.s_bx = np.where(keep, st.s_bx, best_bx).astype(f32)
    new.s_by = np.where(keep, st.s_by, best_by).astype(f32)
    return new


def arrival_times(
    ignition_time_s: np.ndarray,
    ros_head_m_s: np.ndarray,
    head_dir_deg: np.ndarray,
    lb: np.ndarray,
    cell_m: float,
    until_s: float = np.inf,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Arrival time (s, float32 [ny, nx]; +inf where not reached by ``until_s``).

    Jacobi sweeps of :func:`ray_update` over the whole grid from the ignition times
    (``+inf`` where not ignited) until nothing changes: no windows, no band. Close to
    :func:`simulate` (equal in uniform fuel), simpler, for geometric checks.
    """
    a, bx, by = slowness_coefficients(ros_head_m_s, head_dir_deg, lb)
    ign = np.where(np.isfinite(a), np.asarray(ignition_time_s, np.float32), np.float32(np.inf))
    ign = ign.astype(np.float32)
    st = RayState(ign)
    for _ in range(max_iter):
        new = ray_update(st, ign, a, bx, by, cell_m)
        if all(np.array_equal(u, v) for u, v in zip(new.arrays(), st.arrays(), strict=True)):
            break
        st = new
    else:
        raise RuntimeError("arrival_times: no convergence")
    return np.where(st.t <= np.float32(until_s), st.t, np.float32(np.inf)).astype(np.float32)


TILE = 8
"""Side (cells) of the tiles of the active band (as in the kernels)."""


def _tile_flags(st: RayState, ign: np.ndarray, a: np.ndarray, t_final: np.float32,
                t_window: np.float32) -> tuple[np.ndarray, np.ndarray, float]:
    """Per tile: reached, open (computed next to reached tiles only, as in the kernels); and
    the earliest arrival or ignition later than the window."""
    ny, nx = st.t.shape
    tny, tnx = -(-ny // TILE), -(-nx // TILE)
    pad = lambda arr, fill: np.pad(arr, ((0, tny * TILE - ny), (0, tnx * TILE - nx)),  # noqa: E731
                                   constant_values=fill)
    tmin = pad(np.minimum(st.t, ign), np.inf).reshape(tny, TILE, tnx, TILE)
    tile_min = tmin.min(axis=(1, 3))
    reached = tile_min <= t_window
    later = tile_min[~reached]
    next_event = float(later.min()) if later.size else np.inf
    is_open = pad((st.t > t_final) & np.isfinite(a), False).reshape(tny, TILE, tnx, TILE).any(axis=(1, 3))
    near = np.zeros_like(reached)
    for ky in (-1, 0, 1):
        for kx in (-1, 0, 1):
            near |= _shift(reached, kx, ky, False)
    return reached, is_open & near, next_event


def _band(reached: np.ndarray, is_open: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Cell mask of the open tiles having a reached tile among their 3x3 tiles."""
    near = np.zeros_like(reached)
    tny, tnx = reached.shape
    for ky in (-1, 0, 1):
        for kx in (-1, 0, 1):
            near |= _shift(reached, kx, ky, False)
    tiles = is_open & near
    cells = np.repeat(np.repeat(tiles, TILE, axis=0), TILE, axis=1)
    return cells[: shape[0], : shape[1]], int(tiles.sum())


def _run_windows(
    st: RayState,
    ros: np.ndarray,
    ign: np.ndarray,
    coef: tuple[np.ndarray, np.ndarray, np.ndarray],
    v: np.ndarray,
    cell_m: float,
    t_start: float,
    until: float,
    window_cells: float,
    t_min: float,
) -> RayState:
    """The engine's windows of one scenario from ``t_start`` to ``until`` (see :func:`simulate`);
    ``ros`` (front rates) is filled in place as cells are finalised."""
    f32 = np.float32
    a, bx, by = coef
    shape = a.shape
    vmax = float(v.max())
    if not (vmax > 0 and until > t_start):
        return st
    width = window_cells * cell_m / vmax
    t_final, t_window = float(t_start), min(until, t_start + width)
    while True:
        tf, tw = f32(t_final), f32(t_window)
        reached, is_open, next_event = _tile_flags(st, ign, a, tf, tw)
        if not reached.any():
            if next_event <= until:
                t_window = min(until, next_event + width)
                continue
            break
        band, n_band = _band(reached, is_open, shape)
        while True:
            new = ray_update(st, ign, a, bx, by, cell_m, update=band & (st.t > tf), t_min=t_min)
            diff = np.zeros(shape, bool)
            for u, w in zip(new.arrays(), st.arrays(), strict=True):
                diff |= u != w
            changed = bool((diff & band & (np.minimum(new.t, st.t) <= tw)).any())
            st = new
            if changed:
                continue
            reached, is_open, _ = _tile_flags(st, ign, a, tf, tw)
            band2, n2 = _band(reached, is_open, shape)
            grew = n2 > n_band
            band, n_band = band2, n2
            if not grew:
                break
        fin = band & (st.t <= tw) & (ros == 0)
        r = front_rate(st.t, v.astype(f32), cell_m)
        ros[...] = np.where(fin, r, ros)
        t_final = t_window
        if t_final >= until:
            break
        t_window = min(until, t_window + width)
    return st


def simulate(
    ignition_time_s: np.ndarray,
    ros_head_m_s: np.ndarray,
    head_dir_deg: np.ndarray,
    lb: np.ndarray,
    intensity_per_ros_kj_m2: np.ndarray | float,
    cell_m: float,
    until_s: float,
    window_cells: float = 4.0,
    t_start: float = 0.0,
    change: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The engine's schedule for one scenario, in numpy (no trees, no spotting).

    Windows of ``window_cells`` cells at the fastest head rate; in each, Jacobi sweeps over
    the band of open tiles next to reached tiles, cells arrived by the window start frozen,
    until no cell arriving within the window changes and the band stops growing; then the
    front rate, intensity and flame length of the cells that arrived in the window.
    ``change = (t_change_s, ros_head_m_s, head_dir_deg, lb)``: new spread parameters from
    ``t_change_s`` on, as ``advance(t_change_s)``, ``set_spread_params``, ``advance(until_s)``
    of the engine (arrivals beyond ``t_change_s`` forgotten, rays re-anchored by
    :func:`reanchor`). Returns ``arrival_time_s`` (+inf beyond ``until_s``),
    ``ros_m_per_s``, ``fireline_intensity_kw_m``, ``flame_length_m``.
    """
    f32 = np.float32
    a, bx, by = slowness_coefficients(ros_head_m_s, head_dir_deg, lb)
    v = np.where(np.isfinite(a), np.asarray(ros_head_m_s, np.float64), 0.0)
    shape = a.shape
    ign = np.where(np.isfinite(a), np.asarray(ignition_time_s, f32), f32(np.inf)).astype(f32)
    hw = np.broadcast_to(np.asarray(intensity_per_ros_kj_m2, f32), shape)
    st = RayState(ign)
    st.t = np.where(ign <= f32(t_start), ign, f32(np.inf)).astype(f32)
    st.t_origin = st.t.copy()
    ros = np.zeros(shape, f32)
    until = float(until_s)
    t_min = -np.inf
    if change is not None:
        t_change = float(change[0])
        st = _run_windows(st, ros, ign, (a, bx, by), v, cell_m, t_start, t_change, window_cells, t_min)
        late = st.t > f32(t_change)  # forgotten, as the engine's forget_beyond
        st.t = np.where(late, f32(np.inf), st.t).astype(f32)
        st.origin = np.where(late, origin_index(*shape), st.origin).astype(np.int32)
        st.t_origin = np.where(late, f32(np.inf), st.t_origin).astype(f32)
        for name in ("s_l", "s_a", "s_bx", "s_by"):
            setattr(st, name, np.where(late, f32(0.0), getattr(st, name)).astype(f32))
        new = slowness_coefficients(change[1], change[2], change[3])
        st, anchored = reanchor(st, (a, bx, by), new, t_change)
        if anchored:
            t_min = float(f32(t_change))
        a, bx, by = new
        v = np.where(np.isfinite(a), np.asarray(change[1], np.float64) * np.ones(shape), 0.0)
        t_start = t_change
    st = _run_windows(st, ros, ign, (a, bx, by), v, cell_m, t_start, until, window_cells, t_min)
    t = np.where(st.t <= f32(until), st.t, f32(np.inf)).astype(f32)
    inten = (hw * ros).astype(f32)
    return {
        "arrival_time_s": t,
        "ros_m_per_s": ros,
        "fireline_intensity_kw_m": inten,
        "flame_length_m": np.where(inten > 0, flame_length_byram(inten), f32(0.0)).astype(f32),
    }


def front_rate(arrival_s: np.ndarray, ros_head_m_s: np.ndarray, cell_m: float) -> np.ndarray:
    """Rate of spread normal to the front at arrival (m/s): ``min(V, 1/|grad T|)``.

    ``|grad T|`` from the larger upwind one-sided difference along each axis (only
    neighbours that burned earlier count); 0 where the cell did not burn.
    """
    t = np.asarray(arrival_s, np.float32)
    zero = np.float32(0.0)
    gx = np.zeros_like(t)
    gy = np.zeros_like(t)
    with np.errstate(invalid="ignore"):
        for g, (ox, oy) in ((gx, (-1, 0)), (gx, (1, 0)), (gy, (0, -1)), (gy, (0, 1))):
            d = t - _shift(t, ox, oy, np.inf)
            d = np.where(np.isfinite(d), d, zero)
            np.maximum(g, d, out=g)
    g = np.sqrt(gx * gx + gy * gy) / np.float32(cell_m)
    v = np.asarray(ros_head_m_s, np.float32)
    r = np.where(g * v > 1.0, np.float32(1.0) / np.where(g > 0, g, np.float32(1.0)), v)
    return np.where(np.isfinite(t), r, zero).astype(np.float32)
