"""One explicit state per member: own clocks, reset, export/load, and proportional costs.

Each test compares bytes: a member advanced alone, inside a batch, after its neighbours were
reset, or after its state was exported and loaded into another slot (or another engine) must
give identical fields. Costs are asserted as counts of cells visited (``cells_touched``).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_engine import CELL, N, fields, setup

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
