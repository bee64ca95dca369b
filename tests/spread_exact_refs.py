"""Independent references for the spread engine's arrival times (used by test_spread_exact.py).

* :func:`two_fuel_exact`: the exact minimum travel time with isotropic spread in two
  fuels meeting at a straight line (Fermat's principle: the direct ray, the ray refracted
  by Snell's law, or the head wave running along the boundary in the faster fuel).
* :func:`lattice_reference`: a shortest-travel-time solution of the engine's own per-cell
  ellipses, ``g_c(d) = A_c |d| - B_c.d`` (``slowness_coefficients``), by Dijkstra's
  algorithm on a refined lattice (nodes every ``1/k`` cell, corners included) with a large
  stencil whose edge costs integrate ``g`` exactly over the cells each edge crosses.
* :func:`centre_reference`: the same restricted to paths that bend at cell centres (the
  minimum travel time of Finney 2002 on a cell-centre lattice).
* :func:`mosaic_params`, :func:`terrain_params`: test media (a random fuel mosaic with
  wind, a fractal terrain whose slopes drive the spread).

Everything here is float64 numpy/scipy and shares no code with the engine.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


def two_fuel_exact(
    px: np.ndarray, py: np.ndarray, src: tuple[float, float], normal: tuple[float, float], offset: float,
    slow_in: float, slow_out: float,
) -> np.ndarray:
    """Minimum travel time (s) from ``src`` to the points ``(px, py)`` (m) with isotropic
    slowness ``slow_in`` (s/m) where ``n.p < offset`` (the side of ``src``) and ``slow_out``
    where ``n.p >= offset`` (``n`` = ``normal``, a unit vector).

    Same side as the source: the direct ray, or (``slow_out < slow_in``) the head wave
    ``slow_out |du| + (dP + dX) sqrt(slow_in^2 - slow_out^2)`` where it exists
    (``|du| >= (dP + dX) tan(theta_c)``, ``sin(theta_c) = slow_out / slow_in``). Other side:
    the minimum over the crossing point ``u`` of ``slow_in |P - C(u)| + slow_out |C(u) - X|``
    (Fermat, so Snell's law at the optimum), a convex 1-D problem solved by golden sections.
    """
    nx_, ny_ = normal
    tx_, ty_ = -ny_, nx_  # along the boundary
    sx, sy = src
    d_src = offset - (nx_ * sx + ny_ * sy)  # > 0: distance of the source from the boundary
    u_src = tx_ * sx + ty_ * sy
    px = np.asarray(px, np.float64)
    py = np.asarray(py, np.float64)
    d_x = nx_ * px + ny_ * py - offset  # < 0 on the source side
    u_x = tx_ * px + ty_ * py
    direct = slow_in * np.hypot(px - sx, py - sy)
    out = direct.copy()
    same = d_x < 0
    if slow_out < slow_in:
        root = np.sqrt(slow_in**2 - slow_out**2)
        du = np.abs(u_x - u_src)
        perp = d_src - d_x  # dP + dX (d_x < 0)
        exists = same & (du >= perp * slow_out / root)
        head = slow_out * du + perp * root
        out = np.where(exists, np.minimum(out, head), out)
    # refracted: crossing at u on the boundary, golden-section search on [min(u), max(u)]
    lo = np.minimum(u_src, u_x)
    hi = np.maximum(u_src, u_x)

    def cost(u: np.ndarray) -> np.ndarray:
        return slow_in * np.hypot(u - u_src, d_src) + slow_out * np.hypot(u_x - u, d_x)

    g = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = lo.copy(), hi.copy()
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = cost(c), cost(d)
    for _ in range(80):
        left = fc < fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c_new = b - g * (b - a)
        d_new = a + g * (b - a)
        c, d = c_new, d_new
        fc, fd = cost(c), cost(d)
    refr = np.minimum(np.minimum(fc, fd), np.minimum(cost(lo), cost(hi)))
    return np.where(same, out, refr)


def _stencil(radius: int) -> list[tuple[int, int]]:
    """Primitive lattice vectors (gcd 1) of length at most ``radius``."""
    out = []
    for vx in range(-radius, radius + 1):
        for vy in range(-radius, radius + 1):
            if (vx or vy) and vx * vx + vy * vy <= radius * radius and gcd(abs(vx), abs(vy)) == 1:
                out.append((vx, vy))
    return out


def _segment_cost(a, bx, by, cell_m, x0, y0, vx, vy, k, radius):
    """Exact travel time of the straight segments from ``(x0, y0)`` (cells) by ``(vx, vy) / k``
    cells: the sum over the cells crossed of the length inside each times its slowness in
    the segment's direction (inf through a cell that cannot burn)."""
    ny, nx = a.shape
    dxc, dyc = vx / k, vy / k
    n_cross = int(np.ceil(radius / k)) + 2
    params = [np.zeros_like(x0), np.ones_like(x0)]
    for p0, dc in ((x0, dxc), (y0, dyc)):
        if dc == 0:
            continue
        first = np.floor(p0) + (1.0 if dc > 0 else 0.0)
        for m in range(n_cross):
            s = (first + (m if dc > 0 else -m) - p0) / dc
            params.append(np.where((s > 0) & (s < 1), s, 1.0))
    s = np.sort(np.stack(params, axis=1), axis=1)
    w = np.diff(s, axis=1)
    mid = 0.5 * (s[:, 1:] + s[:, :-1])
    cx = np.clip(np.floor(x0[:, None] + mid * dxc).astype(int), 0, nx - 1)
    cy = np.clip(np.floor(y0[:, None] + mid * dyc).astype(int), 0, ny - 1)
    dx_m, dy_m = dxc * cell_m, dyc * cell_m
    per = a[cy, cx] * np.hypot(dx_m, dy_m) - (bx[cy, cx] * dx_m + by[cy, cx] * dy_m)
    with np.errstate(invalid="ignore"):
        return np.where(w > 0, w * per, 0.0).sum(axis=1)


def lattice_reference(
    a: np.ndarray, bx: np.ndarray, by: np.ndarray, cell_m: float, src: tuple[int, int], k: int = 4,
    radius: int = 12,
) -> np.ndarray:
    """Shortest travel time (s, float64 [ny, nx], inf where unreachable) from the centre of
    cell ``src = (iy, ix)`` to every cell centre through the per-cell travel-time functions
    ``g_c(d) = A_c |d| - (Bx_c dx + By_c dy)`` (``A = inf``: cannot burn).

    Nodes: the points ``(jx, jy) / k`` cells (``k`` even: cell corners, edge midpoints and
    centres are nodes, so paths may pass exactly between two diagonal cells); edges: every
    primitive vector up to ``radius / k`` cells, costed exactly (:func:`_segment_cost`). An
    edge running along a cell boundary takes the faster side (the infimum over paths just
    inside either cell).
    """
    if k % 2:
        raise ValueError("k must be even")
    a = np.asarray(a, np.float64)
    bx = np.asarray(bx, np.float64)
    by = np.asarray(by, np.float64)
    ny, nx = a.shape
    big_y, big_x = ny * k + 1, nx * k + 1
    jy, jx = np.mgrid[0:big_y, 0:big_x]
    jy = jy.ravel()
    jx = jx.ravel()
    rows, cols, costs = [], [], []
    eps = 1e-9
    for vx, vy in _stencil(radius):
        ok = (jx + vx >= 0) & (jx + vx < big_x) & (jy + vy >= 0) & (jy + vy < big_y)
        x0, y0 = jx[ok] / k, jy[ok] / k
        norm = np.hypot(vx, vy)
        ox, oy = -vy / norm * eps, vx / norm * eps  # either side of a boundary line
        cost = np.minimum(_segment_cost(a, bx, by, cell_m, x0 + ox, y0 + oy, vx, vy, k, radius),
                          _segment_cost(a, bx, by, cell_m, x0 - ox, y0 - oy, vx, vy, k, radius))
        fin = np.isfinite(cost)
        rows.append((jy[ok] * big_x + jx[ok])[fin])
        cols.append(((jy[ok] + vy) * big_x + jx[ok] + vx)[fin])
        costs.append(cost[fin])
    graph = csr_matrix((np.concatenate(costs), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(big_y * big_x, big_y * big_x))
    h = k // 2
    start = (src[0] * k + h) * big_x + src[1] * k + h
    dist = dijkstra(graph, directed=True, indices=start).reshape(big_y, big_x)
    dist = dist[h::k, h::k][:ny, :nx]
    return np.where(np.isfinite(a), dist, np.inf)


def centre_reference(
    a: np.ndarray, bx: np.ndarray, by: np.ndarray, cell_m: float, src: tuple[int, int], radius: int = 12,
) -> np.ndarray:
    """Minimum travel time (s, float64 [ny, nx]) over paths that bend at cell centres only:
    Dijkstra between cell centres, every primitive vector up to ``radius`` cells an edge
    costed exactly through the cells it crosses (the minimum travel time method of Finney
    2002 on a cell-centre lattice). A segment along a row or column of centres runs inside
    its cells; the tiny offset only keeps the walk off the cell edges at its ends."""
    a = np.asarray(a, np.float64)
    bx = np.asarray(bx, np.float64)
    by = np.asarray(by, np.float64)
    ny, nx = a.shape
    jy, jx = np.mgrid[0:ny, 0:nx]
    jy = jy.ravel()
    jx = jx.ravel()
    rows, cols, costs = [], [], []
    for vx, vy in _stencil(radius):
        ok = (jx + vx >= 0) & (jx + vx < nx) & (jy + vy >= 0) & (jy + vy < ny)
        cost = _segment_cost(a, bx, by, cell_m, jx[ok] + 0.5 + 1e-9, jy[ok] + 0.5 + 0.7e-9, vx, vy, 1, radius)
        fin = np.isfinite(cost)
        rows.append((jy[ok] * nx + jx[ok])[fin])
        cols.append(((jy[ok] + vy) * nx + jx[ok] + vx)[fin])
        costs.append(cost[fin])
    graph = csr_matrix((np.concatenate(costs), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(ny * nx, ny * nx))
    dist = dijkstra(graph, directed=True, indices=src[0] * nx + src[1]).reshape(ny, nx)
    return np.where(np.isfinite(a), dist, np.inf)


def mosaic_params(n: int, seed: int, patch_cells: float = 6.0) -> dict[str, np.ndarray]:
    """A random fuel mosaic (Voronoi patches of about ``patch_cells`` cells) with a wind from
    the west: per patch a head rate 0.15-1 m/s, length-to-breadth 1.1-1.8 and a head
    direction 90 +- 25 deg."""
    rng = np.random.default_rng(seed)
    n_seeds = max(4, int(n * n / patch_cells**2))
    sx, sy = rng.uniform(0, n, n_seeds), rng.uniform(0, n, n_seeds)
    yy, xx = np.mgrid[0:n, 0:n] + 0.5
    near = np.argmin((xx[..., None] - sx) ** 2 + (yy[..., None] - sy) ** 2, axis=-1)
    ros = rng.uniform(0.15, 1.0, n_seeds)[near]
    lb = rng.uniform(1.1, 1.8, n_seeds)[near]
    head = (90.0 + rng.uniform(-25.0, 25.0, n_seeds))[near]
    return {"ros": ros, "head": head, "lb": lb}


def terrain_params(n: int, cell_m: float, seed: int, relief_m: float = 40.0, inner_cells: float = 4.0
                   ) -> dict[str, np.ndarray]:
    """Fractal terrain (spectral synthesis, amplitude ~ 1/f^1.6, no wavelengths shorter than
    ``inner_cells`` cells, heights spanning ``relief_m``) whose slope drives the
    spread: head rate ``0.2 (1 + 5 tan^2(slope))`` m/s upslope, length-to-breadth
    ``1 + 1.2 tan(slope)`` (shapes of the Rothermel slope factor, not its values)."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.fftfreq(n)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    spec = (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))) / f**1.6
    spec[0, 0] = 0.0
    spec[f > 1.0 / inner_cells] = 0.0  # inner scale (cells)
    z = np.real(np.fft.ifft2(spec))
    z = relief_m * (z - z.min()) / (z.max() - z.min())
    dzdy, dzdx = np.gradient(z, cell_m)
    tan = np.hypot(dzdx, dzdy)
    head = np.degrees(np.arctan2(dzdx, dzdy)) % 360.0
    return {"ros": 0.2 * (1.0 + 5.0 * tan**2), "head": head, "lb": 1.0 + 1.2 * tan, "tan": tan}


REFERENCE_FILE = "golden/spread_reference_32.npz"
"""Stored lattice references of the mosaic and terrain cases (relative to tests/), written
by :func:`make_reference_file` (about a minute) and checked by the slow test that rebuilds them."""

REFERENCE_N = 32
"""Cells per side of the stored reference cases."""

REFERENCE_CELL_M = 5.0
"""Cell size (m) of the stored reference cases."""

REFERENCE_LATTICES = ((6, 18), (8, 16))
"""``(k, radius)`` of the two refinements stored: their difference shows convergence."""


def reference_cases() -> dict[str, dict[str, np.ndarray]]:
    """The two reference media: a fuel mosaic with wind and a fractal terrain."""
    n, cell = REFERENCE_N, REFERENCE_CELL_M
    return {
        "mosaic": mosaic_params(n, 3),
        "terrain": terrain_params(n, cell, 4, relief_m=25.0, inner_cells=8.0),
    }


def reference_source() -> tuple[int, int]:
    """Ignition cell ``(iy, ix)`` of the reference cases."""
    return (REFERENCE_N // 2, REFERENCE_N // 3)


def compute_references() -> dict[str, np.ndarray]:
    """Lattice references of every case at every refinement (``{case}_k{k}_r{radius}``)."""
    from wildfire_gym.fire.spread_ref import slowness_coefficients

    out = {}
    for name, p in reference_cases().items():
        a, bx, by = slowness_coefficients(p["ros"], p["head"], p["lb"])
        for k, radius in REFERENCE_LATTICES:
            out[f"{name}_k{k}_r{radius}"] = lattice_reference(a, bx, by, REFERENCE_CELL_M, reference_source(), k,
                                                              radius)
    return out


def make_reference_file(path: str) -> None:
    """Write :func:`compute_references` to ``path`` (npz)."""
    np.savez_compressed(path, **compute_references())


if __name__ == "__main__":  # python tests/spread_exact_refs.py  (from the repository root)
    import os

    make_reference_file(os.path.join(os.path.dirname(__file__), REFERENCE_FILE))
