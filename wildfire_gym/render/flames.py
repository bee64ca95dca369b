"""The flaming front as a continuous curtain, placed below the cell scale from the arrival times.

A grass fire's flaming zone is often thinner than a cell, so "burning cells" draw the front
as specks. Here the front at time ``t`` is the isochrone ``T(x, y) = t`` of the arrival-time
raster, found by marching squares on the grid of cell centres (linear interpolation along
cell edges). Cells the fire has not reached yet get a predicted arrival time from their
reached neighbours (``T_n + distance / ROS_n``, and never before ``t``) so the isochrone
exists between the last reached cell and the next one. A segment is *active* while the most
recently reached corner of its square is flaming in the fire state, or arrived within the
flaming time (residence time plus :data:`FRONT_CROSSINGS` cell-crossing times).

Every crossing point carries its own attributes, interpolated from rasters (flame length,
spread rate, direction of spread), so neighbouring segments share their ends exactly and
the curtain has no seams. Each segment becomes a wedge: a front face rising from the front
line, a back face from ``ROS x residence time`` behind it (the flaming zone's depth), both
meeting at the flame tip, tilted downwind by the Froude angle and as long as the flame
length, with a smooth travelling flicker of the tip. The fragment shader adds tongues and
the temperature colour (:data:`FLAME_TEMPERATURE_PROFILE_K`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from ..fire.state import BurnState, FireSnapshot
from . import thermal as th

if TYPE_CHECKING:  # pragma: no cover
    from ..world.landscape import Landscape

FLAME_FLOATS = 9
"""Flame vertex: position (3, m), height fraction h (0 base .. 1 tip), visible opacity,
premultiplied band radiance ``eps L(T_flame)`` (W m^-2 sr^-1), LWIR emissivity, instance id,
part (0 flame face, 1 flaming bed)."""
MIN_FLAME_LENGTH_M = 0.3
"""m; the shortest flame drawn (a creeping front)."""
MIN_FLAME_DEPTH_M = 0.5
"""m; the thinnest flaming zone drawn."""
MAX_FLAME_DEPTH_CELLS = 2.0
"""The deepest flaming zone drawn, in cells (deeper zones show as glowing ground)."""
MIN_ROS_M_S = 0.005
"""m/s; floor of the spread rate used to predict arrival times ahead of the front."""
FRONT_CROSSINGS = 2.0
"""A square stays active this many cell-crossing times (cell / ROS) past its latest arrival,
plus the residence time: the front takes a crossing time to reach the next cell centre, and
the engine's arrival times carry its step."""
NORMAL_SMOOTHING_CELLS = 1.0
"""Gaussian width (cells) of the burnt indicator whose gradient gives the direction of spread."""
BED_LIFT_M = 0.05
"""m; the flaming bed is drawn this far above the ground (no depth fighting with the terrain)."""
FLICKER_AMPLITUDE = 0.3
"""Relative amplitude of the tip's flicker (flames pulse at ~1-3 Hz, Malalasekera et al. 1996)."""
FLICKER_HZ = (1.3, 2.1)
"""Hz; frequencies of the two travelling waves that make the tip flicker."""
FLICKER_WAVELENGTH_M = (7.0, 3.1)
"""m; along-front wavelengths of the flicker waves."""
FLAME_TEMPERATURE_PROFILE_K = (1300.0, 1250.0, 1180.0, 1100.0, 1000.0, 900.0, 800.0, 700.0)
"""K at height fractions 0, 1/7, ..., 1 of the flame: a continuous-flame zone near 1200-1300 K
falling through the intermittent zone to ~700 K at the visible tip (McCaffrey 1979 centreline
profile; Sullivan et al. 2003)."""
VISIBLE_WAVELENGTHS_M = (610e-9, 550e-9, 465e-9)
"""m; wavelengths standing for the red, green and blue channels when colouring a hot body."""
FLAME_VISIBLE_GAIN = 8.0
"""Linear-RGB red level of a 1300 K flame before the tonemap (above 1: its core saturates to
yellow-white, as in daylight photographs of wildland flames)."""
FLAME_BRIGHTNESS_EXPONENT = 0.25
"""Cameras compress the flame's dynamic range: displayed brightness ~ radiance ** this."""


def hot_body_rgb(temperature_k: np.ndarray) -> np.ndarray:
    """Linear RGB of a black body at ``temperature_k`` (K) ``[..., 3]``, normalised so a
    :data:`FLAME_TEMPERATURE_PROFILE_K` base flame has red :data:`FLAME_VISIBLE_GAIN`.

    Channel ratios are Planck's law at :data:`VISIBLE_WAVELENGTHS_M`; overall brightness
    follows the red radiance to the power :data:`FLAME_BRIGHTNESS_EXPONENT`.
    """
    t = np.asarray(temperature_k, np.float64)[..., None]
    lam = np.asarray(VISIBLE_WAVELENGTHS_M)
    b = th.planck_spectral_radiance(lam, t)
    ref = th.planck_spectral_radiance(lam[0], FLAME_TEMPERATURE_PROFILE_K[0])
    chroma = b / b[..., :1]
    level = FLAME_VISIBLE_GAIN * (b[..., :1] / ref) ** FLAME_BRIGHTNESS_EXPONENT
    return (chroma * level).astype(np.float32)


@dataclass(frozen=True)
class FlameFront:
    """The active isochrone: segment end points and per-point attributes."""

    p0: np.ndarray  # float64 [S, 2] m
    p1: np.ndarray  # float64 [S, 2] m
    cell: np.ndarray  # int64 [S, 2] (row, col) of the most recently reached corner of each square
    normal0: np.ndarray  # float64 [S, 2] unit direction of spread at p0
    normal1: np.ndarray
    length0: np.ndarray  # float64 [S] flame length at p0, m
    length1: np.ndarray
    depth0: np.ndarray  # float64 [S] flaming-zone depth at p0, m
    depth1: np.ndarray
    arrival_pred_s: np.ndarray | None = None  # float64 [ny, nx]: arrival with the next cells predicted

    @property
    def count(self) -> int:
        return int(self.p0.shape[0])


def predicted_arrival_s(snap: FireSnapshot, burnable: np.ndarray, cell_m: float) -> np.ndarray:
    """Arrival times with the unreached burnable cells next to the fire predicted from their
    reached 8-neighbours: ``min_n (T_n + d_n / ROS_n)`` (s); +inf elsewhere."""
    T = np.asarray(snap.arrival_time_s, np.float64)
    ros = np.maximum(np.asarray(snap.ros_m_per_s, np.float64), MIN_ROS_M_S)
    reached = np.isfinite(T)
    out = T.copy()
    ny, nx = T.shape
    pred = np.full(T.shape, np.inf)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            d = cell_m * math.hypot(dx, dy)
            src = np.full(T.shape, np.inf)
            ys = slice(max(dy, 0), ny + min(dy, 0))
            yd = slice(max(-dy, 0), ny + min(-dy, 0))
            xs = slice(max(dx, 0), nx + min(dx, 0))
            xd = slice(max(-dx, 0), nx + min(-dx, 0))
            src[yd, xd] = np.where(reached[ys, xs], T[ys, xs] + d / ros[ys, xs], np.inf)
            np.minimum(pred, src, out=pred)
    ahead = ~reached & burnable
    # Not reached by the snapshot's time means arriving after it: a lagging prediction is
    # clamped to half a cell's crossing time past ``time_s``.
    lag = np.full(T.shape, snap.time_s) + 0.5 * cell_m / MIN_ROS_M_S
    if reached.any():
        lag = snap.time_s + 0.5 * cell_m / np.maximum(ndimage.grey_dilation(np.where(reached, ros, 0.0), size=3), MIN_ROS_M_S)
    out[ahead] = np.maximum(pred[ahead], lag[ahead])
    return out


def _interp(r: np.ndarray, x_cells: np.ndarray, y_cells: np.ndarray) -> np.ndarray:
    """Bilinear sample of raster ``r`` at fractional cell-centre coordinates (clamped)."""
    ny, nx = r.shape
    x = np.clip(x_cells, 0, nx - 1)
    y = np.clip(y_cells, 0, ny - 1)
    return ndimage.map_coordinates(r, [y, x], order=1, mode="nearest")


def isochrone_segments(T: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marching squares on the grid of cell centres: segments of ``T = level``.

    Returns ``(a, b, square)``: end points in fractional (col, row) cell-centre coordinates
    ``[S, 2]`` and the (row, col) of each square's lower-left corner ``[S, 2]``. Values
    ``+inf`` count as far above the level; saddles are resolved by the square's mean.
    """
    big = level + 1e9
    v = np.where(np.isfinite(T), T, big)
    a, b = v[:-1, :-1], v[:-1, 1:]  # a lower-left (row i, col j), b lower-right
    d, c = v[1:, :-1], v[1:, 1:]  # d upper-left, c upper-right
    ins = [x <= level for x in (a, b, c, d)]
    code = ins[0].astype(np.int8) | (ins[1] << 1) | (ins[2] << 2) | (ins[3] << 3)
    sel = (code != 0) & (code != 15)
    ii, jj = np.nonzero(sel)
    a, b, c, d = (x[ii, jj] for x in (a, b, c, d))
    ia, ib, ic, id_ = (x[ii, jj] for x in ins)

    def frac(p, q):
        den = q - p
        return np.clip(np.where(np.abs(den) > 1e-12, (level - p) / np.where(den == 0, 1.0, den), 0.5), 0.0, 1.0)

    # Edge crossing points (col, row) for the 4 edges: bottom a-b, right b-c, top d-c, left a-d.
    x0, y0 = jj.astype(np.float64), ii.astype(np.float64)
    pts = np.stack([np.stack([x0 + frac(a, b), y0], 1), np.stack([x0 + 1.0, y0 + frac(b, c)], 1),
                    np.stack([x0 + frac(d, c), y0 + 1.0], 1), np.stack([x0, y0 + frac(a, d)], 1)], 1)  # [S, 4, 2]
    crossed = np.stack([ia != ib, ib != ic, id_ != ic, ia != id_], 1)
    n_cross = crossed.sum(1)
    segs_a, segs_b, sq = [], [], []
    two = n_cross == 2
    if two.any():
        order = np.argsort(~crossed[two], axis=1, kind="stable")[:, :2]
        k = np.flatnonzero(two)
        segs_a.append(pts[k, order[:, 0]])
        segs_b.append(pts[k, order[:, 1]])
        sq.append(np.stack([ii[k], jj[k]], 1))
    four = np.flatnonzero(n_cross == 4)
    if four.size:
        centre_in = (a[four] + b[four] + c[four] + d[four]) / 4.0 <= level
        # corners whose state differs from the centre are cut off on their own
        iso_bd = ia[four] == centre_in  # a (and c) agree with the centre -> b and d isolated
        B, R, Tp, L = (pts[four, e] for e in range(4))
        first_a = np.where(iso_bd[:, None], B, L)
        first_b = np.where(iso_bd[:, None], R, B)
        second_a = np.where(iso_bd[:, None], Tp, R)
        second_b = np.where(iso_bd[:, None], L, Tp)
        segs_a += [first_a, second_a]
        segs_b += [first_b, second_b]
        sqk = np.stack([ii[four], jj[four]], 1)
        sq += [sqk, sqk]
    if not segs_a:
        z = np.zeros((0, 2))
        return z, z, np.zeros((0, 2), np.int64)
    return np.concatenate(segs_a), np.concatenate(segs_b), np.concatenate(sq).astype(np.int64)


def flame_front(landscape: Landscape, snap: FireSnapshot, residence_s: np.ndarray) -> FlameFront:
    """The active flaming front of ``snap`` (see the module docs); ``residence_s`` per cell, s."""
    cell = landscape.cell_m
    burnable = np.zeros(landscape.shape, bool)
    for code in np.unique(landscape.fuel_code):
        m = landscape.fuel_models.get(int(code))
        if m is not None and getattr(m, "burnable", False):
            burnable |= landscape.fuel_code == code
    T = predicted_arrival_s(snap, burnable, cell)
    t = float(snap.time_s)
    pa, pb, sq = isochrone_segments(T, t)
    empty = np.zeros((0, 2))
    if pa.shape[0] == 0:
        return FlameFront(empty, empty, np.zeros((0, 2), np.int64), empty, empty, *(np.zeros(0),) * 4, T)
    Tr = np.asarray(snap.arrival_time_s, np.float64)
    ros = np.asarray(snap.ros_m_per_s, np.float64)
    # The most recent reached corner of each square decides whether it still flames.
    corners = np.stack([sq, sq + [0, 1], sq + [1, 1], sq + [1, 0]], 1)  # [S, 4, (row, col)]
    tc = Tr[corners[..., 0], corners[..., 1]]
    tc = np.where(tc <= t, tc, -np.inf)
    k = np.argmax(tc, axis=1)
    latest = corners[np.arange(sq.shape[0]), k]
    t_arr = tc[np.arange(sq.shape[0]), k]
    r_l = np.maximum(ros[latest[:, 0], latest[:, 1]], MIN_ROS_M_S)
    flaming_s = residence_s[latest[:, 0], latest[:, 1]] + FRONT_CROSSINGS * cell / r_l
    flaming_now = np.asarray(snap.burn_state)[latest[:, 0], latest[:, 1]] == BurnState.BURNING
    active = np.isfinite(t_arr) & ((t - t_arr <= flaming_s) | flaming_now)
    pa, pb, sq, latest = pa[active], pb[active], sq[active], latest[active]
    # Attribute rasters: the reached values spread one cell outwards (so points between the
    # last reached cell and the next carry the front's values), then sampled bilinearly.
    reached = np.isfinite(Tr)
    size = np.ones((3, 3), bool)

    def spread(r: np.ndarray) -> np.ndarray:
        v = np.where(reached, r, 0.0)
        return np.where(reached, v, ndimage.grey_dilation(v, footprint=size))

    fl = spread(np.asarray(snap.flame_length_m, np.float64))
    rs = spread(ros)
    res = np.asarray(residence_s, np.float64)
    # Direction of spread: down the gradient of the smoothed burnt indicator (robust where the
    # arrival field jumps to +inf beyond the predicted ring).
    burnt_soft = ndimage.gaussian_filter((T <= t).astype(np.float64), NORMAL_SMOOTHING_CELLS)
    gy, gx = np.gradient(-burnt_soft)

    def attrs(p):
        x, y = p[:, 0], p[:, 1]
        n = np.stack([_interp(gx, x, y), _interp(gy, x, y)], 1)
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        length = np.maximum(_interp(fl, x, y), MIN_FLAME_LENGTH_M)
        depth = np.clip(_interp(rs, x, y) * _interp(res, x, y), MIN_FLAME_DEPTH_M, MAX_FLAME_DEPTH_CELLS * cell)
        return n, length, depth

    n0, l0, d0 = attrs(pa)
    n1, l1, d1 = attrs(pb)
    to_m = lambda p: (p + 0.5) * cell  # noqa: E731  (cell-centre coordinates -> metres)
    return FlameFront(to_m(pa), to_m(pb), latest, n0, n1, l0, l1, d0, d1, T)


def _flicker(p_m: np.ndarray, time_s: float) -> np.ndarray:
    """Smooth travelling flicker factor of the tip at ground points ``p_m`` [n, 2] (1 +- amplitude)."""
    s = p_m[:, 0] * 0.8 + p_m[:, 1] * 0.6
    s2 = p_m[:, 0] * -0.6 + p_m[:, 1] * 0.8
    w = (np.sin(2 * np.pi * (s / FLICKER_WAVELENGTH_M[0] + FLICKER_HZ[0] * time_s))
         + np.sin(2 * np.pi * (s2 / FLICKER_WAVELENGTH_M[1] - FLICKER_HZ[1] * time_s) + 1.7))
    return 1.0 + 0.5 * FLICKER_AMPLITUDE * w


def curtain_vertices(front: FlameFront, elevation_m: np.ndarray, cell_m: float, wind_mps: float,
                     wind_from_deg: float, instance: np.ndarray, band_radiance_flame: float,
                     time_s: float) -> np.ndarray:
    """Triangles of the flame wedges ``[18 S, FLAME_FLOATS]`` per segment: a front and a back
    face meeting at the tip, and the flaming bed between their base lines.

    ``instance`` id per segment; ``band_radiance_flame`` ``L(T_flame)`` in the thermal band.
    """
    S = front.count
    if S == 0:
        return np.zeros((0, FLAME_FLOATS), np.float32)
    wf = math.radians(wind_from_deg)
    dw = np.array([-math.sin(wf), -math.cos(wf)])

    def ends(p, n, length, depth):
        z = _interp(np.asarray(elevation_m, np.float64), p[:, 0] / cell_m - 0.5, p[:, 1] / cell_m - 0.5)
        front_b = np.column_stack([p, z])
        back_b = np.column_stack([p - n * depth[:, None], z])
        L = length * _flicker(p, time_s)
        tilt = th.flame_tilt_rad(wind_mps, L)
        mid = p - n * (0.5 * depth)[:, None]
        tip = np.column_stack([mid + dw[None, :] * (L * np.sin(tilt))[:, None], z + L * np.cos(tilt)])
        return front_b, back_b, tip

    f0, b0, t0 = ends(front.p0, front.normal0, front.length0, front.depth0)
    f1, b1, t1 = ends(front.p1, front.normal1, front.length1, front.depth1)
    depth = 0.5 * (front.depth0 + front.depth1)
    eps = th.flame_emissivity(depth).astype(np.float32)
    # two faces (front, back) x two triangles: (base0, base1, tip1), (base0, tip1, tip0); then
    # the flaming bed between the two base lines (lifted a little off the ground)
    lift = np.array([0.0, 0.0, BED_LIFT_M])
    pos = np.stack([f0, f1, t1, f0, t1, t0, b0, b1, t1, b0, t1, t0,
                    f0 + lift, f1 + lift, b1 + lift, f0 + lift, b1 + lift, b0 + lift], 1)  # [S, 18, 3]
    h = np.array([0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0], np.float32)
    out = np.empty((S, pos.shape[1], FLAME_FLOATS), np.float32)
    out[..., 0:3] = pos
    out[..., 3] = h[None, :]
    out[..., 4] = 1.0
    out[..., 5] = (band_radiance_flame * eps)[:, None]
    out[..., 6] = eps[:, None]
    out[..., 7] = np.asarray(instance, np.float32)[:, None]
    out[..., 8] = 0.0
    out[:, 12:, 8] = 1.0  # the bed: drawn as patchy flames seen from above
    return out.reshape(-1, FLAME_FLOATS)
