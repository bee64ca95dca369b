"""One explicit state per member: own clocks, reset, export/load, and proportional costs.

Each test compares bytes: a member advanced alone, inside a batch, after its neighbours were
reset, or after its state was exported and loaded into another slot (or another engine) must
give identical fields. Costs are asserted as counts of cells visited (``cells_touched``).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_engine import CELL, N, fields, ignition_cells, random_params, setup

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.engine import FireSim


def _run_alone(seed: int, times: list[float]) -> list[np.ndarray]:
    sim = FireSim((N, N), CELL, batch=1, n_trees=16)
    setup(sim, 0, seed=seed, trees=True)
    for t in times:
        sim.advance(t)
    return fields(sim.snapshot(0))


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    for x, y in zip(a, b, strict=True):
        assert x.tobytes() == y.tobytes()


def test_members_have_their_own_clocks() -> None:
    sim = FireSim((N, N), CELL, batch=3, n_trees=16)
    for b in range(3):
        setup(sim, b, seed=10 + b, trees=True)
    sim.advance(np.array([40.0, 0.0, 90.0]))
    assert sim.times_s.tolist() == [40.0, 0.0, 90.0]
    assert sim.time_s == 0.0
    sim.advance(np.array([120.0, 120.0, 120.0]))
    for b in range(3):
        _same(fields(sim.snapshot(b)), _run_alone(10 + b, [40.0 if b == 0 else 90.0, 120.0] if b != 1 else [120.0]))
    with pytest.raises(ScenarioError, match="until_s"):
        sim.advance(np.array([130.0, 100.0, 130.0]))  # member 1 would go back in time
    with pytest.raises(ScenarioError, match="until_s"):
        sim.advance(np.array([130.0, 130.0]))


def test_member_left_alone_costs_nothing_and_is_unchanged() -> None:
    sim = FireSim((N, N), CELL, batch=2, n_trees=16)
    for b in range(2):
        setup(sim, b, seed=30 + b, trees=True)
    sim.advance(np.array([60.0, 60.0]))
    before = fields(sim.snapshot(1))
    touched = sim.cells_touched()
    sim.advance(np.array([200.0, 60.0]))
    after = sim.cells_touched()
    assert after[1] == touched[1]
    assert after[0] > touched[0]
    _same(fields(sim.snapshot(1)), before)


def test_reset_of_one_member_leaves_the_others_bitwise() -> None:
    sim = FireSim((N, N), CELL, batch=4, n_trees=16)
    for b in range(4):
        setup(sim, b, seed=50 + b, trees=True)
    sim.advance(80.0)
    sim.reset_member(2)
    assert sim.times_s[2] == 0.0
    snap = sim.snapshot(2)
    assert np.isinf(snap.arrival_time_s).all() and (snap.tree_state == 0).all()
    setup(sim, 2, seed=77, trees=True)
    sim.advance(np.array([160.0, 160.0, 80.0, 160.0]))
    for b in (0, 1, 3):
        _same(fields(sim.snapshot(b)), _run_alone(50 + b, [80.0, 160.0]))
    _same(fields(sim.snapshot(2)), _run_alone(77, [80.0]))


def test_export_load_continues_bit_for_bit_in_another_slot_and_engine() -> None:
    src = FireSim((N, N), CELL, batch=3, n_trees=16)
    for b in range(3):
        setup(src, b, seed=90 + b, trees=True)
    src.advance(70.0)
    state = src.export(1)
    assert float(state["time_s"]) == 70.0
    # into another slot of the same engine, and into another engine of another batch size
    src.load(2, state)
    other = FireSim((N, N), CELL, batch=5, n_trees=16)
    other.load(4, state)
    src.advance(170.0)
    other.advance(np.array([0.0, 0.0, 0.0, 0.0, 170.0]))
    expected = _run_alone(91, [70.0, 170.0])
    _same(fields(src.snapshot(1)), expected)
    _same(fields(src.snapshot(2)), expected)
    _same(fields(other.snapshot(4)), expected)


def test_load_refuses_a_state_of_another_grid() -> None:
    a = FireSim((N, N), CELL, batch=1, n_trees=16)
    b = FireSim((N, N + 8), CELL, batch=1, n_trees=16)
    with pytest.raises(ScenarioError, match="state"):
        b.load(0, a.export(0))
    with pytest.raises(ScenarioError, match="state"):
        a.load(0, {"nothing": np.zeros(1)})


def test_engines_with_and_without_trees_exchange_treeless_members() -> None:
    """An engine without trees keeps no per-cell ember probabilities (nothing reads them), yet a
    treeless member moves between it and an engine with one tree slot bit for bit; a member
    with a tree is refused by the engine without trees."""
    bare = FireSim((N, N), CELL, batch=2, n_trees=0)
    one = FireSim((N, N), CELL, batch=2, n_trees=1)
    assert bare.spot_prob.shape == (2, 1, 1) and one.spot_prob.shape == (2, N, N)
    for sim in (bare, one):
        setup(sim, 0, seed=5, trees=False)
    bare.advance(60.0)
    one.advance(60.0)
    state = bare.export(0)
    assert state["spot_prob"].shape == (N, N) and not state["spot_prob"].any()
    one.load(1, state)
    bare.load(1, one.export(0))
    bare.advance(150.0)
    one.advance(150.0)
    for b in range(2):
        _same(fields(bare.snapshot(b)), fields(one.snapshot(0)))
    one.set_trees(1, [CELL * 4.5], [CELL * 4.5], [2.0], [100.0])
    with pytest.raises(ScenarioError, match="n_trees=0"):
        bare.load(0, one.export(1))


def test_costs_of_one_member_do_not_grow_with_the_batch() -> None:
    """Reset, upload, ignite, load and advance of one member visit the same number of cells
    whether the batch holds 2 or 16 members."""
    counts = []
    for batch in (2, 16):
        sim = FireSim((N, N), CELL, batch=batch, n_trees=16)
        setup(sim, 0, seed=5, trees=True)
        sim.advance(np.r_[60.0, np.zeros(batch - 1)])
        state = sim.export(0)
        t0 = sim.cells_touched()
        sim.reset_member(1)
        setup(sim, 1, seed=6, trees=True)
        sim.load(1, state)
        sim.advance(np.r_[60.0, 120.0, np.zeros(batch - 2)])
        counts.append(sim.cells_touched() - t0)
        assert (counts[-1][2:] == 0).all()
    assert counts[0][:2].tolist() == counts[1][:2].tolist()


def test_band_housekeeping_visits_the_front_not_the_grid() -> None:
    """A small fire on a large grid: advancing it visits far fewer cells than the grid holds."""
    n = 256
    sim = FireSim((n, n), CELL, batch=1)
    sim.set_spread_params(0.5, 0.0, 1.5, 1000.0, 30.0)
    sim.ignite(0, n * CELL / 2, n * CELL / 2, 0.0)
    sim.advance(1.0)  # the first advance after the ignition recomputes the member's tiles
    t0 = int(sim.cells_touched()[0])
    for k in range(1, 11):
        sim.advance(1.0 + 6.0 * k)
    per_step = (int(sim.cells_touched()[0]) - t0) / 10
    assert 0 < per_step < 0.05 * n * n


def _param_dict(seed: int, uniform: bool) -> dict[str, object]:
    p = random_params(seed)
    if uniform:
        return {"ros_head_m_s": 0.35, "head_dir_deg": 30.0 + seed, "lb": 1.8, "intensity_per_ros_kj_m2": 1500.0,
                "residence_s": 45.0}
    return {"ros_head_m_s": p["ros"], "head_dir_deg": p["head"], "lb": p["lb"], "intensity_per_ros_kj_m2": p["hw"],
            "residence_s": np.full((N, N), 45.0)}


def _ignitions(members: list[int]) -> tuple[list[int], list[float], list[float], list[float | None], list[float]]:
    rows = [(b, (iy + 0.5) * CELL, (ix + 0.5) * CELL, t, r) for b in members
            for (iy, ix, t), r in zip(ignition_cells(b), (0.0, 2.5 * CELL), strict=True)]
    return tuple(list(col) for col in zip(*rows, strict=True))  # type: ignore[return-value]


def _start_step_by_step(sim: FireSim, members: list[int], params: list[dict], probs: list[float]) -> np.ndarray:
    sim.reset_members(members)
    sim.set_member_params(members, params)
    k = len(members)
    sim.set_spotting_many(members, [20] * k, [40.0] * k, [20.0] * k, [90.0] * k, [15.0] * k, [10.0] * k,
                          [7] * k, probs, [500.0] * k)
    return sim.ignite_many(*_ignitions(members))


@pytest.mark.parametrize("batch", [6, 20])
def test_restart_in_one_launch_equals_the_steps_it_fuses(batch: int) -> None:
    """``restart_members`` (reset, parameters, ember probabilities and ignitions in one launch) gives
    the same bytes as the calls it replaces, for uniform and per-cell parameters mixed in one call
    (in a batch of 20, more members with grids than one staging chunk holds), here and after an
    advance; only the restarted members' cells are visited."""
    members = list(range(1, batch))
    params = [_param_dict(b, uniform=b % 3 == 0) for b in members]
    probs = [0.25 + 0.5 * (b % 2) for b in members]
    sims = [FireSim((N, N), CELL, batch=batch, n_trees=16) for _ in range(2)]
    for sim in sims:
        for b in range(batch):
            setup(sim, b, seed=200 + b, trees=True)
            sim.set_spotting(b, n_embers=20, distance_mean_m=40.0, distance_sd_m=20.0, direction_deg=90.0,
                             lateral_spread_deg=15.0, delay_s=10.0, seed=7, ignition_prob=0.5,
                             max_distance_m=500.0)
        sim.advance(50.0)
    a, b_ = sims
    steps = _start_step_by_step(a, members, params, probs)
    before = b_.cells_touched()
    fused = b_.restart_members(members, params, ignition_prob=probs, ignitions=_ignitions(members))
    touched = b_.cells_touched() - before
    assert touched[0] == 0 and (touched[1:] == N * N).all()
    np.testing.assert_array_equal(fused, steps)
    assert (fused > 0).all() and fused.max() > 1  # the radius ignitions cover several cells
    for t in (None, 140.0):
        if t is not None:
            a.advance(t)
            b_.advance(t)
        for b in range(batch):
            sa, sb = a.export(b), b_.export(b)
            assert sa.keys() == sb.keys()
            for key in sa:
                assert np.asarray(sa[key]).tobytes() == np.asarray(sb[key]).tobytes(), (b, key, t)
    assert np.isfinite(a.snapshot(1).arrival_time_s).sum() > 20


def test_restart_checks_everything_before_changing_anything() -> None:
    sim = FireSim((N, N), CELL, batch=3, n_trees=16)
    for b in range(3):
        setup(sim, b, seed=300 + b, trees=True)
    sim.advance(60.0)
    before = [sim.export(b) for b in range(3)]
    good = [_param_dict(1, uniform=True), _param_dict(2, uniform=False)]
    bad_calls = [
        (dict(ignitions=([0], [10.0], [10.0], [None], [0.0])), "ignitions"),  # member 0 is not restarted
        (dict(ignitions=([1], [N * CELL + 1.0], [10.0], [None], [0.0])), "x_m"),
        (dict(ignitions=([1], [10.0], [10.0], [-5.0], [0.0])), "t_s"),
        (dict(ignition_prob=[0.5, 1.5]), "ignition_prob"),
    ]
    for kwargs, field in bad_calls:
        with pytest.raises(ScenarioError, match=field):
            sim.restart_members([1, 2], good, **kwargs)
    with pytest.raises(ScenarioError, match="lb"):
        sim.restart_members([1, 2], [good[0], {**good[1], "lb": np.full((N, N), 0.5)}])
    with pytest.raises(ScenarioError, match="distinct"):
        sim.restart_members([1, 1], good)
    for b in range(3):
        after = sim.export(b)
        for key in after:
            assert np.asarray(after[key]).tobytes() == np.asarray(before[b][key]).tobytes(), (b, key)
    assert sim.times_s.tolist() == [60.0, 60.0, 60.0]


def test_a_chunked_restart_checks_every_member_before_the_first_chunk() -> None:
    """More members with grids than a staging chunk holds: a bad parameter set in the last chunk
    is refused before any member changes; an ignition on the grid's far edge is the last cell's."""
    batch = 20
    sim = FireSim((N, N), CELL, batch=batch, n_trees=16)
    for b in range(batch):
        setup(sim, b, seed=400 + b, trees=True)
    sim.advance(40.0)
    before = [sim.export(b) for b in range(batch)]
    params = [_param_dict(b, uniform=False) for b in range(batch)]
    params[19] = {**params[19], "lb": np.full((N, N), 0.5)}
    with pytest.raises(ScenarioError, match="lb"):
        sim.restart_members(list(range(batch)), params)
    with pytest.raises(ScenarioError, match="ignition_prob"):
        sim.restart_members(list(range(batch)), params[:19] + [params[0]], ignition_prob=[0.5] * 19 + [2.0])
    for b in range(batch):
        after = sim.export(b)
        for key in after:
            assert np.asarray(after[key]).tobytes() == np.asarray(before[b][key]).tobytes(), (b, key)
    edge = sim.restart_members([3], [params[0]], ignitions=([3], [N * CELL], [N * CELL], [None], [0.0]))
    assert edge.tolist() == [1] and np.isfinite(sim.snapshot(3).arrival_time_s[N - 1, N - 1])
