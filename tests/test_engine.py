"""The batched Taichi fire engine: kernel against the numpy reference, batch independence,
determinism, invariants, crown fire per tree and spotting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire import spread_ref
from wildfire_gym.fire.engine import BURNT_FOLIAGE_FRACTION, FireSim
from wildfire_gym.fire.state import BurnState, TreeState

N = 48
CELL = 5.0


def random_params(seed: int, n: int = N) -> dict[str, np.ndarray]:
    """Smooth random spread parameters with a non-burnable strip."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n] / n
    k = rng.uniform(2, 6, 4)
    ros = 0.4 + 0.25 * np.sin(k[0] * xx + k[1] * yy) + 0.1 * rng.random((n, n))
    ros[n // 3, 5 : n // 2] = 0.0
    head = rng.uniform(0, 360) + 40 * np.sin(k[2] * yy) + 30 * xx
    lb = 1.0 + 2.5 * xx * yy * rng.uniform(0.5, 1.0) + 0.2 * rng.random((n, n))
    return {"ros": ros, "head": head, "lb": lb, "hw": 1200.0 + 300.0 * rng.random((n, n))}


def ignition_cells(seed: int) -> list[tuple[int, int, float]]:
    rng = np.random.default_rng(seed + 1000)
    return [(int(rng.integers(5, N - 5)), int(rng.integers(5, N - 5)), 0.0),
            (int(rng.integers(5, N - 5)), int(rng.integers(5, N - 5)), float(rng.uniform(10, 60)))]


def setup(sim: FireSim, b: int, seed: int, trees: bool = False) -> None:
    p = random_params(seed)
    sim.set_spread_params(p["ros"], p["head"], p["lb"], p["hw"], 45.0, b=b)
    if trees:
        rng = np.random.default_rng(seed + 2000)
        k = 16
        sim.set_trees(b, rng.uniform(0, N * CELL, k), rng.uniform(0, N * CELL, k),
                      rng.uniform(0.5, 4.0, k), rng.uniform(300.0, 900.0, k))
        sim.set_spotting(b, n_embers=20, distance_mean_m=40.0, distance_sd_m=20.0,
                         direction_deg=float(rng.uniform(0, 360)), lateral_spread_deg=15.0,
                         delay_s=10.0, seed=seed, ignition_prob=0.5)
    for iy, ix, t in ignition_cells(seed):
        sim.ignite(b, (ix + 0.5) * CELL, (iy + 0.5) * CELL, t)


def fields(snap) -> list[np.ndarray]:
    return [snap.arrival_time_s, snap.burn_state, snap.ros_m_per_s, snap.fireline_intensity_kw_m,
            snap.flame_length_m, snap.tree_state, snap.tree_state_time_s, snap.tree_foliage_frac]


@pytest.fixture(scope="module")
def single() -> FireSim:
    return FireSim((N, N), CELL, batch=1, n_trees=16)


def test_kernel_matches_numpy_reference(single: FireSim) -> None:
    seed, until = 7, 180.0
    single.reset()
    setup(single, 0, seed)
    single.advance(until)
    snap = single.snapshot(0)
    p = random_params(seed)
    ign = np.full((N, N), np.inf, np.float32)
    for iy, ix, t in ignition_cells(seed):
        ign[iy, ix] = min(ign[iy, ix], t)
    ref = spread_ref.simulate(ign, p["ros"], p["head"], p["lb"], p["hw"], CELL, until)
    reached = np.isfinite(ref["arrival_time_s"])
    assert reached.sum() > 300
    np.testing.assert_array_equal(np.isfinite(snap.arrival_time_s), reached)
    for name in ("arrival_time_s", "ros_m_per_s", "fireline_intensity_kw_m", "flame_length_m"):
        np.testing.assert_allclose(getattr(snap, name)[reached], ref[name][reached], rtol=1e-5)
    # the reference's own pieces: Byram's flame length and intensity = H w R
    np.testing.assert_allclose(ref["fireline_intensity_kw_m"][reached],
                               (p["hw"] * ref["ros_m_per_s"])[reached], rtol=1e-5)
    assert float(spread_ref.flame_length_byram(np.float32(540.0))) == pytest.approx(1.40, abs=0.01)  # docs/validation.md section 4


def test_uniform_field_matches_global_relaxation() -> None:
    """In uniform fuel the windowed engine equals the plain whole-grid fixed point."""
    n = 40
    sim = FireSim((n, n), 2.0)
    sim.set_spread_params(0.3, 135.0, 2.5, 1000.0, 30.0)
    sim.ignite(0, 20 * 2.0 + 1.0, 20 * 2.0 + 1.0, 0.0)
    sim.advance(150.0)
    ign = np.full((n, n), np.inf, np.float32)
    ign[20, 20] = 0.0
    ref = spread_ref.arrival_times(ign, np.full((n, n), 0.3), np.full((n, n), 135.0),
                                   np.full((n, n), 2.5), 2.0, until_s=150.0)
    arr = sim.snapshot(0).arrival_time_s
    np.testing.assert_array_equal(np.isfinite(arr), np.isfinite(ref))
    np.testing.assert_allclose(arr[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-5)


def test_batch_of_64_equals_single_runs(single: FireSim) -> None:
    """Scenarios with their own fuel, weather, trees and spotting seeds; a weather change
    between the two steps."""
    batch = FireSim((N, N), CELL, batch=64, n_trees=16)
    for b in range(64):
        setup(batch, b, seed=100 + b, trees=True)
    batch.advance(60.0)
    p = random_params(117)
    batch.set_spread_params(1.2 * p["ros"], p["head"] + 45.0, p["lb"], p["hw"], 45.0, b=17)
    batch.advance(150.0)
    torched = 0
    for b in (0, 17, 63):
        single.reset()
        setup(single, 0, seed=100 + b, trees=True)
        single.advance(60.0)
        if b == 17:
            single.set_spread_params(1.2 * p["ros"], p["head"] + 45.0, p["lb"], p["hw"], 45.0, b=0)
        single.advance(150.0)
        snap = single.snapshot(0)
        torched += int((snap.tree_state >= TreeState.TORCHING).sum())
        for x, y in zip(fields(batch.snapshot(b)), fields(snap), strict=True):
            assert x.tobytes() == y.tobytes()
    assert torched > 0


def test_serial_and_batched_schedules_give_the_same_bytes() -> None:
    """The one-launch serial schedule (skipping cells that are fixed points) and the batched,
    Python-driven schedule (every cell of the band each sweep) are the same algorithm: same
    bytes, with trees, spotting, a weather change and several steps."""
    sims = {name: FireSim((N, N), CELL, batch=3, n_trees=16, schedule=name) for name in ("serial", "batched")}
    p = random_params(204)
    for sim in sims.values():
        for b in range(3):
            setup(sim, b, seed=200 + b, trees=True)
        sim.advance(50.0)
        sim.set_spread_params(1.3 * p["ros"], p["head"] + 60.0, p["lb"], p["hw"], 45.0, b=1)
        sim.step(40.0)
        sim.advance(160.0)
    assert sims["serial"].sweep_stats()[:, 1].min() > 0
    assert sims["batched"].sweep_stats().sum() == 0
    torched = 0
    for b in range(3):
        a, c = sims["serial"].snapshot(b), sims["batched"].snapshot(b)
        torched += int((a.tree_state >= TreeState.TORCHING).sum())
        for x, y in zip(fields(a), fields(c), strict=True):
            assert x.tobytes() == y.tobytes()
    assert torched > 0
    with pytest.raises(ScenarioError, match="schedule"):
        FireSim((8, 8), CELL, schedule="fast")


def test_deterministic_bytes(single: FireSim) -> None:
    out = []
    for _ in range(2):
        single.reset()
        setup(single, 0, seed=3)
        single.advance(200.0)
        out.append(b"".join(f.tobytes() for f in fields(single.snapshot(0))))
    assert out[0] == out[1]


def test_invariants_over_steps_with_parameter_changes(single: FireSim) -> None:
    single.reset()
    setup(single, 0, seed=11)
    prev = None
    for k in range(8):
        if k == 4:  # weather change: faster spread, new direction
            p = random_params(11)
            single.set_spread_params(1.5 * p["ros"], p["head"] + 90.0, p["lb"], p["hw"], 45.0, b=0)
        single.step(25.0)
        snap = single.snapshot(0)
        arr = snap.arrival_time_s
        assert not np.isnan(arr).any()
        assert not np.isnan(snap.ros_m_per_s).any() and not np.isnan(snap.flame_length_m).any()
        reached = np.isfinite(arr)
        assert np.all(arr[reached] <= single.time_s)
        assert np.all(snap.ros_m_per_s[reached] > 0) and np.all(snap.ros_m_per_s[~reached] == 0)
        burning = snap.burn_state == BurnState.BURNING
        burned = snap.burn_state == BurnState.BURNED
        np.testing.assert_array_equal(burning | burned, reached)
        np.testing.assert_array_equal(burned, reached & (arr + 45.0 <= single.time_s))
        if prev is not None:
            was = np.isfinite(prev)
            # arrived cells keep their arrival time; burned stays burned
            np.testing.assert_array_equal(arr[was], prev[was])
            assert np.all(reached[was])
        prev = arr.copy()
    assert np.isfinite(prev).sum() > 500


def test_fireline_added_while_running_stops_the_fire() -> None:
    n = 60
    sim = FireSim((n, n), 2.0)
    ros = np.full((n, n), 0.5)
    sim.set_spread_params(ros, 90.0, 2.0, 1000.0, 30.0)  # spreading east
    sim.ignite(0, 10 * 2.0 + 1.0, 30 * 2.0 + 1.0, 0.0)
    sim.advance(40.0)
    assert np.isinf(sim.snapshot(0).arrival_time_s[:, 30:]).all()
    ros[:, 30:33] = 0.0  # a 3-cell fireline across the grid
    sim.set_spread_params(ros, 90.0, 2.0, 1000.0, 30.0)
    sim.advance(600.0)
    snap = sim.snapshot(0)
    assert np.isinf(snap.arrival_time_s[:, 30:]).all()
    assert (snap.burn_state[:, 30:33] == BurnState.NONBURNABLE).all()
    assert np.isfinite(snap.arrival_time_s[:, :30]).sum() > 600


def test_bad_input_raises_named_errors(single: FireSim) -> None:
    with pytest.raises(ScenarioError, match="lb"):
        single.set_spread_params(0.5, 0.0, 0.5, 1000.0, 30.0)
    with pytest.raises(ScenarioError, match="ros_head_m_s"):
        single.set_spread_params(np.ones((3, 3)), 0.0, 2.0, 1000.0, 30.0)
    with pytest.raises(ScenarioError, match="x_m"):
        single.ignite(0, -1.0, 10.0)
    with pytest.raises(ScenarioError, match="b"):
        single.ignite(5, 10.0, 10.0)
    single.reset()
    single.advance(10.0)
    with pytest.raises(ScenarioError, match="t_s"):
        single.ignite(0, 10.0, 10.0, 5.0)
    with pytest.raises(ScenarioError, match="until_s"):
        single.advance(5.0)


def test_ignition_time_in_the_future_and_radius() -> None:
    sim = FireSim((40, 40), 1.0)
    sim.set_spread_params(0.5, 0.0, 1.0, 1000.0, 30.0)
    assert sim.ignite(0, 20.5, 20.5, t_s=30.0, radius_m=3.0) == 29  # cells with centres within 3 m
    sim.advance(29.0)
    assert np.isinf(sim.snapshot(0).arrival_time_s).all()
    sim.advance(50.0)
    arr = sim.snapshot(0).arrival_time_s
    assert arr[20, 20] == 30.0
    assert arr[20, 30] == pytest.approx(30.0 + 7.0 / 0.5, rel=1e-5)  # 7 m beyond the 3 m disc


def crown_sim(active: bool, i0: np.ndarray, cbh: np.ndarray) -> FireSim:
    n = 40
    sim = FireSim((n, n), 2.0, n_trees=len(i0), crown_burnout_s=20.0)
    crown = 0.6 if active else None
    sim.set_spread_params(0.5, 90.0, 1.0, 1000.0, 30.0, crown_ros_m_s=crown,
                          crown_active_ros_m_s=0.3 if active else None)
    xs = np.full(len(i0), 60.0 + 1.0)
    ys = 40.0 + 1.0 + 4.0 * np.arange(len(i0))
    sim.set_trees(0, xs, ys, cbh, i0, foliage_kg=np.full(len(i0), 10.0), branch_kg=np.full(len(i0), 4.0))
    sim.ignite(0, 1.0, 41.0, 0.0, radius_m=0.0)
    return sim


def test_crown_states_per_tree() -> None:
    # surface intensity 1000 kJ/m2 * R; along the axis R = 0.5 m/s -> 500 kW/m, flame 1.37 m
    i0 = np.array([400.0, 600.0, 600.0, 600.0])
    cbh = np.array([5.0, 2.0, 3.0, 10.0])
    sim = crown_sim(False, i0, cbh)
    sim.advance(200.0)
    snap = sim.snapshot(0)
    arr = snap.arrival_time_s
    cells = [(20 + 2 * k, 30) for k in range(4)]
    t_cell = np.array([arr[c] for c in cells])
    inten = np.array([snap.fireline_intensity_kw_m[c] for c in cells])
    flame = np.array([snap.flame_length_m[c] for c in cells])
    assert inten[0] == pytest.approx(500.0, rel=0.05)
    expected = [TreeState.BURNT, TreeState.SCORCHED, TreeState.UNBURNT, TreeState.UNBURNT]
    expected[1] = TreeState.SCORCHED if flame[1] >= 0.5 * cbh[1] else TreeState.UNBURNT
    expected[2] = TreeState.SCORCHED if flame[2] >= 0.5 * cbh[2] else TreeState.UNBURNT
    assert flame[1] >= 0.5 * cbh[1] and flame[3] < 0.5 * cbh[3]
    assert list(snap.tree_state) == [int(s) for s in expected]
    burnout = -20.0 * math.log(BURNT_FOLIAGE_FRACTION)
    assert snap.tree_state_time_s[0] == pytest.approx(t_cell[0] + burnout, rel=1e-5)
    assert snap.tree_state_time_s[1] == pytest.approx(t_cell[1], rel=1e-6)
    assert snap.tree_foliage_frac[0] == 0.0 and snap.tree_foliage_frac[1] == 1.0
    foliage, branch = sim.tree_biomass_kg(0)
    np.testing.assert_allclose(foliage, [0.0, 10.0, 10.0, 10.0])
    np.testing.assert_allclose(branch, [0.0, 4.0, 4.0, 4.0])


def test_torching_foliage_decays_then_active_crown() -> None:
    i0 = np.array([400.0])
    sim = crown_sim(False, i0, np.array([5.0]))
    t_cell = 60.0 / 0.5  # the tree's cell centre is 60 m east of the ignition, head rate 0.5 m/s
    sim.advance(t_cell - 5.0)
    assert sim.snapshot(0).tree_state[0] == TreeState.UNBURNT
    sim.advance(t_cell + 10.0)
    snap = sim.snapshot(0)
    assert snap.arrival_time_s[20, 30] == pytest.approx(t_cell, rel=1e-5)
    assert snap.tree_state[0] == TreeState.TORCHING
    assert snap.tree_state_time_s[0] == pytest.approx(t_cell, rel=1e-5)
    assert snap.tree_foliage_frac[0] == pytest.approx(math.exp(-10.0 / 20.0), rel=1e-4)
    # active crown fire: the cell's rate becomes the crown rate (0.6 > 0.5) and the tree CROWN_BURNING
    sim2 = crown_sim(True, i0, np.array([5.0]))
    sim2.advance(t_cell)
    snap2 = sim2.snapshot(0)
    assert snap2.tree_state[0] == TreeState.CROWN_BURNING
    assert snap2.arrival_time_s[20, 30] == pytest.approx(60.0 / 0.6, rel=1e-5)


def spot_sim(seed: int, prob: float, batch: int = 1, b: int = 0) -> FireSim:
    n = 120
    sim = FireSim((n, n), 2.0, batch=batch, n_trees=1)
    ros = np.full((n, n), 0.05)
    sim.set_spread_params(ros, 0.0, 1.0, 20000.0, 30.0, b=b)  # 1000 kW/m at 0.05 m/s
    sim.set_trees(b, [41.0], [41.0], [2.0], [100.0])
    sim.set_spotting(b, n_embers=400, distance_mean_m=80.0, distance_sd_m=30.0, direction_deg=45.0,
                     lateral_spread_deg=10.0, delay_s=5.0, seed=seed, ignition_prob=prob)
    sim.ignite(b, 41.0, 41.0, 0.0)
    return sim


def spot_landings(sim: FireSim, b: int = 0) -> np.ndarray:
    ign = sim.ignition.to_numpy()[b]
    iy, ix = np.nonzero(np.isfinite(ign))
    keep = ~((iy == 20) & (ix == 20))
    return np.c_[(ix[keep] + 0.5) * 2.0, (iy[keep] + 0.5) * 2.0]


def test_spotting_distribution_and_reproducibility() -> None:
    sim = spot_sim(seed=5, prob=1.0)
    sim.advance(20.0)
    assert sim.snapshot(0).tree_state[0] == TreeState.TORCHING
    pts = spot_landings(sim)
    assert 150 < len(pts) <= 400  # distinct landing cells
    d = pts - 41.0
    dist = np.hypot(d[:, 0], d[:, 1])
    bearing = np.degrees(np.arctan2(d[:, 0], d[:, 1]))
    assert np.median(dist) == pytest.approx(80.0 / math.sqrt(1 + (30.0 / 80.0) ** 2), rel=0.1)
    assert np.mean(bearing) == pytest.approx(45.0, abs=3.0)
    # spot fires spread: more cells burning than the slow main fire alone could reach
    assert (sim.snapshot(0).burn_state == BurnState.BURNING).sum() > 150
    again = spot_sim(seed=5, prob=1.0)
    again.advance(20.0)
    assert again.snapshot(0).arrival_time_s.tobytes() == sim.snapshot(0).arrival_time_s.tobytes()
    other = spot_sim(seed=6, prob=1.0)
    other.advance(20.0)
    assert other.snapshot(0).arrival_time_s.tobytes() != sim.snapshot(0).arrival_time_s.tobytes()
    # the same scenario at index 2 of a batch of 3 lands the same embers
    batch = spot_sim(seed=5, prob=1.0, batch=3, b=2)
    batch.advance(20.0)
    assert batch.snapshot(2).arrival_time_s.tobytes() == sim.snapshot(0).arrival_time_s.tobytes()


def test_spotting_probability_zero_and_half() -> None:
    none = spot_sim(seed=5, prob=0.0)
    none.advance(20.0)
    assert len(spot_landings(none)) == 0
    half = spot_sim(seed=5, prob=0.5)
    half.advance(20.0)
    full = spot_sim(seed=5, prob=1.0)
    full.advance(20.0)
    # the same embers land in the same places whatever the probability: the cells a half chance
    # ignites are a subset of those a certain one does; a cell hit by k embers ignites with
    # probability 1 - 0.5**k, so the count lies between half of the cells and 1 - 0.5**k_max of them
    h = {tuple(p) for p in spot_landings(half)}
    f = {tuple(p) for p in spot_landings(full)}
    assert h <= f
    assert 0.4 * len(f) <= len(h) <= 0.8 * len(f)


# ------------------------------------------------------------------------------------------
# Parameter changes while a fire burns: causality, the Huygens envelope, idempotent re-uploads
# ------------------------------------------------------------------------------------------
def test_kernel_matches_numpy_reference_across_a_weather_change() -> None:
    """Advance to t0, new heterogeneous parameters (faster, turned), advance: the kernels'
    re-anchoring and clamped sweeps are the numpy reference's."""
    seed, t0, until = 21, 70.0, 170.0
    p = random_params(seed)
    ros2, head2 = 1.4 * p["ros"], p["head"] + 75.0
    sim = FireSim((N, N), CELL)
    setup(sim, 0, seed)
    sim.advance(t0)
    before = sim.snapshot(0).arrival_time_s
    sim.set_spread_params(ros2, head2, p["lb"], p["hw"], 45.0, b=0)
    sim.advance(until)
    snap = sim.snapshot(0)
    ign = np.full((N, N), np.inf, np.float32)
    for iy, ix, t in ignition_cells(seed):
        ign[iy, ix] = min(ign[iy, ix], t)
    ref = spread_ref.simulate(ign, p["ros"], p["head"], p["lb"], p["hw"], CELL, until,
                              change=(t0, ros2, head2, p["lb"]))
    reached = np.isfinite(ref["arrival_time_s"])
    assert (reached & ~(before <= t0)).sum() > 300
    np.testing.assert_array_equal(np.isfinite(snap.arrival_time_s), reached)
    for name in ("arrival_time_s", "ros_m_per_s", "fireline_intensity_kw_m", "flame_length_m"):
        np.testing.assert_allclose(getattr(snap, name)[reached], ref[name][reached], rtol=1e-5)


def test_no_arrival_before_a_parameter_change() -> None:
    """Cells not reached at the change burn after it (heterogeneous fuel, faster turned wind),
    and the cells that had burned keep their arrival times."""
    seed, t0 = 31, 120.0
    sim = FireSim((N, N), CELL)
    setup(sim, 0, seed)
    sim.advance(t0)
    before = sim.snapshot(0).arrival_time_s
    p = random_params(seed)
    sim.set_spread_params(2.0 * p["ros"], p["head"] + 120.0, p["lb"] + 1.0, p["hw"], 45.0, b=0)
    sim.advance(300.0)
    after = sim.snapshot(0).arrival_time_s
    burned = before <= t0
    new = ~burned & np.isfinite(after)
    assert burned.sum() > 20 and new.sum() > 150
    assert after[new].min() >= np.float32(t0)
    np.testing.assert_array_equal(after[burned], before[burned])


def huygens_after_turn(shape: tuple[int, int], cell: float, ig: tuple[int, int], old: tuple[float, float, float],
                       new: tuple[float, float, float], t0: float) -> np.ndarray:
    """Exact arrival times (s) of cell centres for a point ignition at time 0 whose uniform
    parameters ``(V, head_deg, LB)`` change from ``old`` to ``new`` at ``t0``: inside the old
    ellipse its own focal time, outside ``t0`` + the new travel time from the nearest point of
    that ellipse (Huygens envelope; the ellipse boundary sampled every 0.09 deg)."""
    ny, nx = shape
    a0, bx0, by0 = (float(c) for c in spread_ref.slowness_coefficients(*(np.array(v) for v in old)))
    a1, bx1, by1 = (float(c) for c in spread_ref.slowness_coefficients(*(np.array(v) for v in new)))
    phi = np.linspace(0.0, 2.0 * np.pi, 4000, endpoint=False)
    u = np.c_[np.sin(phi), np.cos(phi)]
    origin = (np.array(ig, np.float64) + 0.5) * cell
    boundary = origin + u * (t0 / (a0 - u @ np.array([bx0, by0])))[:, None]
    yy, xx = np.mgrid[0:ny, 0:nx]
    pts = np.c_[(xx.ravel() + 0.5) * cell, (yy.ravel() + 0.5) * cell]
    d = pts - origin
    t_old = a0 * np.hypot(d[:, 0], d[:, 1]) - d @ np.array([bx0, by0])
    out = np.where(t_old <= t0, t_old, np.inf)
    for i in np.flatnonzero(t_old > t0):
        e = pts[i] - boundary
        out[i] = t0 + np.min(a1 * np.hypot(e[:, 0], e[:, 1]) - e @ np.array([bx1, by1]))
    return out.reshape(ny, nx)


def test_wind_turn_follows_the_huygens_envelope() -> None:
    """Head east until t0, then north: after t0 the fire spreads from the t0 ellipse with the
    new wavelets (the exact envelope computed from the ellipse boundary)."""
    n, cell, v, lb, t0, t1 = 81, 2.0, 0.5, 2.0, 60.0, 200.0
    ig = (20, 30)
    sim = FireSim((n, n), cell)
    sim.set_spread_params(v, 90.0, lb, 1000.0, 30.0)
    sim.ignite(0, (ig[0] + 0.5) * cell, (ig[1] + 0.5) * cell, 0.0)
    sim.advance(t0)
    sim.set_spread_params(v, 0.0, lb, 1000.0, 30.0)
    sim.advance(t1 + 60.0)
    arr = sim.snapshot(0).arrival_time_s.astype(np.float64)
    exact = huygens_after_turn((n, n), cell, ig, (v, 90.0, lb), (v, 0.0, lb), t0)
    after = (exact > t0) & (exact <= t1)
    assert after.sum() > 1000
    err = (arr - exact)[after] / (cell / v)  # in cells crossed at the head rate
    # never ahead of the envelope (the re-anchored wavelets fit inside the burned region; before
    # re-anchoring the rays were re-timed from the ignition: 2 cells ahead on average); behind it
    # by less than one cell on average (the progress made beyond the cell centres by t0 is kept
    # in part only). Measured: min -1e-5, mean 0.62, area 0.986 of the exact one at t1.
    assert float(err.min()) == pytest.approx(0.0, abs=1e-3) or float(err.min()) > 0.0
    assert float(np.mean(err)) == pytest.approx(0.5, abs=0.5)
    assert (arr <= t1).sum() == pytest.approx((exact <= t1).sum(), rel=0.03)
    # extents at t1: north = flank half-width at t0 + V (t1 - t0); east = head at t0 + the
    # new ellipse's flank rate (t1 - t0), within one cell (cell centres quantise)
    iy, ix = np.nonzero(arr <= t1)
    vf = float(spread_ref.flank_rate(v, lb))
    assert (iy.max() - ig[1]) * cell == pytest.approx(vf * t0 + v * (t1 - t0), abs=cell)
    assert (ix.max() - ig[0]) * cell == pytest.approx(v * t0 + vf * (t1 - t0), abs=cell)


@pytest.mark.parametrize("schedule", ["serial", "batched"])
def test_identical_reuploads_leave_the_fire_bitwise_unchanged(schedule: str) -> None:
    """An RL loop re-uploading the same parameters every step (one scenario or the whole batch)
    gives the same bytes as uploading them once; a real change does not."""
    seeds = (41, 42)
    runs = []
    for mode in ("once", "every_step_b", "every_step_all", "changed"):
        sim = FireSim((N, N), CELL, batch=2, n_trees=16, schedule=schedule)
        for b, seed in enumerate(seeds):
            setup(sim, b, seed, trees=True)
        ps = [random_params(seed) for seed in seeds]
        for k in range(6):
            if mode == "every_step_b":
                sim.set_spread_params(ps[0]["ros"], ps[0]["head"], ps[0]["lb"], ps[0]["hw"], 45.0, b=0)
            elif mode == "every_step_all":
                stack = {key: np.stack([p[key] for p in ps]) for key in ("ros", "head", "lb", "hw")}
                sim.set_spread_params(stack["ros"], stack["head"], stack["lb"], stack["hw"], 45.0)
            elif mode == "changed" and k == 3:
                sim.set_spread_params(ps[0]["ros"], ps[0]["head"] + 10.0, ps[0]["lb"], ps[0]["hw"], 45.0, b=0)
            sim.step(25.0)
        runs.append([b"".join(f.tobytes() for f in fields(sim.snapshot(b))) for b in range(2)])
    assert runs[1] == runs[0]
    assert runs[2] == runs[0]
    assert runs[3][0] != runs[0][0] and runs[3][1] == runs[0][1]
