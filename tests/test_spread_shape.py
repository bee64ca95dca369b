"""Fire shapes from the batched spread engine against analytic ellipses (docs/validation.md section 2;
section 5 for the exact tests where fuels change: tests/test_spread_exact.py)."""

from __future__ import annotations

import contourpy
import numpy as np
import pytest

from wildfire_gym.fire.engine import FireSim
from wildfire_gym.fire.spread_ref import arrival_times, back_rate, flank_rate, focal_rate

HEAD_ROS = 0.5  # m/s


def ellipse_perimeter(a: float, b: float) -> float:
    """Ramanujan's second approximation of an ellipse perimeter (relative error < 1e-9 here)."""
    h = ((a - b) / (a + b)) ** 2
    return float(np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h))))


def contour_perimeter(arrival: np.ndarray, cell_m: float, t: float) -> float:
    """Length of the longest iso-line ``arrival = t`` (linear interpolation between centres)."""
    ny, nx = arrival.shape
    x = (np.arange(nx) + 0.5) * cell_m
    y = (np.arange(ny) + 0.5) * cell_m
    z = np.where(np.isfinite(arrival), arrival, 1e30)
    lines = contourpy.contour_generator(x, y, z).lines(t)
    line = max(lines, key=len)
    return float(np.sum(np.hypot(*np.diff(line, axis=0).T)))


def burned_shape(arrival: np.ndarray, cell_m: float, t: float) -> dict[str, float]:
    """Area, L/W = sqrt(lambda_max/lambda_min) of the burned cells' coordinates, major-axis
    compass bearing (deg, mod 180) and centroid (m)."""
    iy, ix = np.nonzero(arrival <= t)
    pts = np.c_[(ix + 0.5) * cell_m, (iy + 0.5) * cell_m]
    ev, evec = np.linalg.eigh(np.cov(pts.T))
    major = evec[:, 1]
    bearing = float(np.degrees(np.arctan2(major[0], major[1])) % 180.0)
    return {
        "area": float(pts.shape[0] * cell_m * cell_m),
        "lw": float(np.sqrt(ev[1] / ev[0])),
        "bearing": bearing,
        "cx": float(pts[:, 0].mean()),
        "cy": float(pts[:, 1].mean()),
    }


def run_point_fire(sim: FireSim, head_deg: float, lb: float, t: float, origin: tuple[float, float]) -> np.ndarray:
    sim.reset()
    sim.set_spread_params(HEAD_ROS, head_deg, lb, 1000.0, 30.0)
    sim.ignite(0, origin[0], origin[1], 0.0)
    sim.advance(1.1 * t)  # beyond t so that the iso-line at t is interpolated, not clipped
    return sim.snapshot(0).arrival_time_s


def centred_origin(n: int, cell_m: float, head_deg: float, lb: float, t: float) -> tuple[float, float]:
    """Ignition cell centre that puts the ellipse at time t in the middle of the grid."""
    vb = float(back_rate(HEAD_ROS, lb))
    th = np.radians(head_deg)
    shift = 0.5 * (HEAD_ROS - vb) * t
    x = n * cell_m / 2 - shift * np.sin(th)
    y = n * cell_m / 2 - shift * np.cos(th)
    return ((np.floor(x / cell_m) + 0.5) * cell_m, (np.floor(y / cell_m) + 0.5) * cell_m)


@pytest.fixture(scope="module")
def sim() -> FireSim:
    return FireSim((161, 161), 1.0)


def test_circle_without_wind(sim: FireSim) -> None:
    n, cell = 161, 1.0
    t = 0.42 * n * cell / HEAD_ROS
    origin = (80.5, 80.5)
    arr = run_point_fire(sim, 0.0, 1.0, t, origin)
    shape = burned_shape(arr, cell, t)
    assert shape["lw"] == pytest.approx(1.0, abs=0.03)
    radius = HEAD_ROS * t
    assert shape["area"] == pytest.approx(np.pi * radius**2, rel=0.02)
    assert contour_perimeter(arr, cell, t) == pytest.approx(2 * np.pi * radius, rel=0.02)
    # radius along an axis and along a diagonal, from the arrival time of cell centres
    r_axis = 60.0
    t_axis = arr[80, 80 + 60]
    t_diag = arr[80 + 42, 80 + 42]
    r_diag = 42.0 * np.sqrt(2.0)
    speed_axis = r_axis / t_axis
    speed_diag = r_diag / t_diag
    assert speed_axis == pytest.approx(speed_diag, rel=0.03)
    assert speed_axis == pytest.approx(HEAD_ROS, rel=0.02)
    assert speed_diag == pytest.approx(HEAD_ROS, rel=0.02)


@pytest.mark.parametrize("lb", [2.0, 3.0])
def test_ellipse_length_to_breadth_and_perimeter(sim: FireSim, lb: float) -> None:
    n, cell, head = 161, 1.0, 90.0
    vb = float(back_rate(HEAD_ROS, lb))
    t = 0.74 * n * cell / (HEAD_ROS + vb)
    arr = run_point_fire(sim, head, lb, t, centred_origin(n, cell, head, lb, t))
    shape = burned_shape(arr, cell, t)
    a = float(flank_rate(HEAD_ROS, lb)) * t
    b = lb * a
    assert shape["lw"] == pytest.approx(lb, rel=0.02)
    assert contour_perimeter(arr, cell, t) == pytest.approx(ellipse_perimeter(a, b), rel=0.02)
    assert shape["area"] == pytest.approx(np.pi * a * b, rel=0.02)
    assert shape["bearing"] == pytest.approx(90.0, abs=1.0)


def test_head_back_and_flank_rates(sim: FireSim) -> None:
    """Arrival along the axes of a point fire: head V, back Vb, focal polar r(phi) elsewhere."""
    lb = 2.0
    t = 900.0  # the back needs 836 s for 30 cells
    arr = run_point_fire(sim, 90.0, lb, t, (40.5, 80.5))
    # head (east) 100 cells, back (west) 30 cells, side (north) 30 cells from the ignition
    assert 100.0 / arr[80, 140] == pytest.approx(HEAD_ROS, rel=1e-4)
    assert 30.0 / arr[80, 10] == pytest.approx(float(back_rate(HEAD_ROS, lb)), rel=1e-4)
    r_side = float(focal_rate(HEAD_ROS, lb, np.pi / 2))
    assert 30.0 / arr[110, 40] == pytest.approx(r_side, rel=1e-4)
    # LB = 2: head/back = 13.93 and flank/head = 0.268 (docs/validation.md section 2)
    assert HEAD_ROS / float(back_rate(HEAD_ROS, lb)) == pytest.approx(13.93, rel=1e-3)
    assert float(flank_rate(HEAD_ROS, lb)) / HEAD_ROS == pytest.approx(0.268, rel=2e-3)


@pytest.mark.parametrize("head", [0.0, 45.0, 30.0])
def test_rotating_the_head_rotates_the_shape(sim: FireSim, head: float) -> None:
    n, cell, lb = 161, 1.0, 3.0
    vb = float(back_rate(HEAD_ROS, lb))
    t = 0.7 * n * cell / (HEAD_ROS + vb)
    ref = burned_shape(run_point_fire(sim, 90.0, lb, t, centred_origin(n, cell, 90.0, lb, t)), cell, t)
    origin = centred_origin(n, cell, head, lb, t)
    arr = run_point_fire(sim, head, lb, t, origin)
    shape = burned_shape(arr, cell, t)
    assert shape["lw"] == pytest.approx(ref["lw"], rel=0.01)
    assert shape["area"] == pytest.approx(ref["area"], rel=0.01)
    assert shape["bearing"] == pytest.approx(head % 180.0, abs=1.0)
    # the centroid lies downwind of the ignition by (V - Vb) t / 2
    shift = 0.5 * (HEAD_ROS - vb) * t
    th = np.radians(head)
    assert shape["cx"] - origin[0] == pytest.approx(shift * np.sin(th), abs=1.0)
    assert shape["cy"] - origin[1] == pytest.approx(shift * np.cos(th), abs=1.0)


def test_grid_convergence() -> None:
    """Halving the cell size reduces the burned-area and perimeter errors against the ellipse."""
    lb, head, extent = 3.0, 60.0, 120.0
    errors = []
    for n, cell in ((60, 2.0), (120, 1.0)):
        sim = FireSim((n, n), cell)
        vb = float(back_rate(HEAD_ROS, lb))
        t = 0.7 * extent / (HEAD_ROS + vb)
        arr = run_point_fire(sim, head, lb, t, centred_origin(n, cell, head, lb, t))
        a = float(flank_rate(HEAD_ROS, lb)) * t
        shape = burned_shape(arr, cell, t)
        err_area = abs(shape["area"] / (np.pi * a * lb * a) - 1)
        err_perim = abs(contour_perimeter(arr, cell, t) / ellipse_perimeter(a, lb * a) - 1)
        errors.append(err_area + err_perim)
    assert errors[1] < errors[0]
    assert errors[1] < 0.01


def test_fireline_with_a_gap_is_passed_through_the_gap() -> None:
    """A wall of non-burnable cells with a 3-cell gap: arrival behind it follows the shortest
    path through the gap (geodesic), not through the wall."""
    n, cell = 61, 1.0
    ros = np.ones((n, n))
    ros[30, :] = 0.0
    ros[30, 50:53] = 1.0
    ign = np.full((n, n), np.inf, np.float32)
    ign[10, 10] = 0.0
    arr = arrival_times(ign, ros, np.zeros((n, n)), np.ones((n, n)), cell)
    geodesic = np.hypot(40, 20) + np.hypot(40, 2)  # via the gap corner (x=50, y=30)
    assert arr[32, 10] == pytest.approx(geodesic, rel=0.01)
    assert np.all(np.isinf(arr[30, :50]))


def test_two_fuels_refraction() -> None:
    """No wind, fast fuel (2 m/s) west of x = 30 cells, slow fuel (0.5 m/s) east of it: along
    the axis the arrival is 30/2 + d/0.5; behind a slow strip the fire comes around it."""
    n, cell = 41, 1.0
    ros = np.full((n, n), 2.0)
    ros[:, 30:] = 0.5
    ign = np.full((n, n), np.inf, np.float32)
    ign[20, 0] = 0.0
    arr = arrival_times(ign, ros, np.zeros((n, n)), np.ones((n, n)), cell)
    # to the centre of cell 35: 29.5 cells fast + ... with the trapezoid of the two cells
    expected = 29.0 / 2.0 + 1.0 * 0.5 * (1 / 2.0 + 1 / 0.5) + 5.0 / 0.5
    assert arr[20, 35] == pytest.approx(expected, rel=0.01)
