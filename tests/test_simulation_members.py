"""Members of a FireSimulation: a landscape shared by many runs, per-member reset, export/load,
weather changes and edits visible in the snapshot; a member's bytes never depend on its batch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.run import Member, Run
from wildfire_gym.fire.simulation import FireSimulation
from wildfire_gym.scenario import Ignition, Intervention, scenario_from_dict
from wildfire_gym.world import build_world
from wildfire_gym.world.edits import BARE_GROUND_CODE

CELL_M = 10.0


@pytest.fixture(scope="module")
def land():
    """Fractal terrain, two fuels in patches, a few trees: parameters vary per cell."""
    sc = scenario_from_dict({
        "name": "members", "seed": 11, "duration_s": 1800,
        "terrain": {"size_m": [400, 400], "cell_m": CELL_M, "kind": "fractal", "relief_m": 40},
        "fuel": {"patches": {"GR2": 0.6, "SH5": 0.4}, "patch_scale_m": 80},
        "vegetation": {"trees_per_ha": 30},
        "weather": {"wind_speed_mps": 4.0, "wind_from_deg": 250},
        "ignitions": [{"x_m": 200, "y_m": 200}],
    })
    return build_world(sc)


def runs(land, n: int) -> list[Run]:
    base = Run.from_scenario(land.scenario)
    rng = np.random.default_rng(3)
    out = []
    for _ in range(n):
        x, y = rng.uniform(60, 340, 2)
        w = base.weather.__class__(wind_speed_mps=float(rng.uniform(1, 8)), wind_from_deg=float(rng.uniform(0, 360)))
        out.append(base.replace(ignitions=[Ignition(x_m=float(x), y_m=float(y))], weather=w))
    return out


def fields(snap) -> list[np.ndarray]:
    return [snap.arrival_time_s, snap.burn_state, snap.ros_m_per_s, snap.fireline_intensity_kw_m,
            snap.tree_state, snap.tree_state_time_s]


def same(a, b) -> None:
    for x, y in zip(fields(a), fields(b), strict=True):
        assert x.tobytes() == y.tobytes()


def alone(land, run: Run, times: list[float]):
    sim = FireSimulation([Member(land, run)], arch="cpu")
    for t in times:
        sim.advance(t)
    return sim.snapshot(0)


def test_members_share_the_landscape_and_equal_their_lone_runs(land) -> None:
    rs = runs(land, 4)
    sim = FireSimulation([Member(land, r) for r in rs], arch="cpu")
    assert all(m is land for m in sim.landscapes)  # shared, not copied
    assert np.shares_memory(sim.fuel_codes(0), land.fuel_code) is False  # fuel_codes() returns a copy
    sim.advance(np.array([300.0, 600.0, 0.0, 900.0]))
    assert sim.times_s.tolist() == [300.0, 600.0, 0.0, 900.0]
    sim.advance(900.0)
    for b in range(4):
        same(sim.snapshot(b), alone(land, rs[b], [900.0]) if b in (2, 3) else
             alone(land, rs[b], [300.0 * (b + 1), 900.0]))


def test_reset_one_member_with_a_new_run(land) -> None:
    rs = runs(land, 5)
    sim = FireSimulation([Member(land, r) for r in rs[:3]], arch="cpu")
    sim.advance(600.0)
    before = [sim.snapshot(b) for b in (0, 2)]
    sim.reset(1, rs[4])
    assert sim.times_s.tolist() == [600.0, 0.0, 600.0]
    assert sim.run_of(1) is rs[4]
    sim.advance(np.array([600.0, 600.0, 600.0]))
    same(sim.snapshot(1), alone(land, rs[4], [600.0]))
    for snap, b in zip(before, (0, 2), strict=True):
        same(sim.snapshot(b), snap)


def test_branch_from_an_exported_state(land) -> None:
    """Export at t, load into other slots (and another simulation): each continues exactly like
    the original member."""
    rs = runs(land, 3)
    src = FireSimulation([Member(land, r) for r in rs], arch="cpu")
    src.advance(400.0)
    state = src.export(0)
    assert state.time_s == 400.0
    branch = FireSimulation([Member(land, r) for r in runs(land, 3)], arch="cpu")
    for b in range(3):
        branch.load(b, state)
    branch.set_weather(1, wind_speed_mps=8.0, wind_from_deg=90.0)  # a branch with another wind
    src.advance(1200.0)
    branch.advance(1200.0)
    same(branch.snapshot(0), src.snapshot(0))
    same(branch.snapshot(2), src.snapshot(0))
    assert branch.snapshot(1).arrival_time_s.tobytes() != src.snapshot(0).arrival_time_s.tobytes()
    # no arrival of the re-winded branch falls before the change
    a1 = branch.snapshot(1).arrival_time_s
    a0 = src.snapshot(0).arrival_time_s
    changed = a1 != a0
    assert changed.any() and (a1[changed & np.isfinite(a1)] >= 400.0 - 1e-3).all()


def test_interventions_are_per_member_and_visible_in_the_snapshot(land) -> None:
    rs = runs(land, 2)
    line = Intervention(kind="fireline", t_s=0.0, points_m=[(0.0, 100.0), (400.0, 100.0)], width_m=20.0)
    wet = Intervention(kind="retardant", t_s=0.0, points_m=[(0.0, 300.0), (400.0, 300.0)], width_m=20.0,
                       moisture_add=0.3, half_life_s=3600.0)
    sim = FireSimulation([Member(land, r) for r in rs], arch="cpu")
    sim.advance(60.0)
    sim.apply_intervention(1, line)
    sim.apply_intervention(1, wet)
    s0, s1 = sim.snapshot(0), sim.snapshot(1)
    assert (s0.fuel_code == land.fuel_code).all()
    iy = int(100 // CELL_M)
    assert (s1.fuel_code[iy] == BARE_GROUND_CODE).all()
    assert (land.fuel_code == sim.landscape(0).fuel_code).all()  # the shared landscape is untouched
    iy_wet = int(300 // CELL_M)
    assert s1.added_moisture[iy_wet].min() == pytest.approx(0.3, rel=1e-9)
    assert s0.added_moisture.max() == 0.0


def test_bad_member_inputs_name_the_field(land) -> None:
    sim = FireSimulation([Member(land, runs(land, 1)[0])], arch="cpu")
    with pytest.raises(ScenarioError, match="until_s"):
        sim.advance(np.array([10.0, 20.0]))
    with pytest.raises(ScenarioError, match="b"):
        sim.reset(3)
    with pytest.raises(ScenarioError, match="wind_speed_mps"):
        sim.set_weather(0, wind_speed_mps=-1.0)
    with pytest.raises(ScenarioError, match="state"):
        sim.load(0, {"engine": {}})
    with pytest.raises(ScenarioError, match="ignitions"):
        FireSimulation([Member(land, Run(ignitions=(Ignition(x_m=1e6, y_m=0.0),)))], arch="cpu")
    with pytest.raises(ScenarioError, match="tree_slots"):
        FireSimulation([Member(land, runs(land, 1)[0])], arch="cpu", tree_slots=len(land.trees) - 1)
    roomy = FireSimulation([Member(land, runs(land, 1)[0])], arch="cpu", tree_slots=len(land.trees) + 5)
    assert roomy.engine.n_trees == len(land.trees) + 5


def test_weather_table_equals_the_schedule_applied_in_order() -> None:
    """The O(log n) look-up gives what applying every change up to t in order gives."""
    from wildfire_gym.fire.run import WeatherTable
    from wildfire_gym.scenario import WeatherChange, WeatherConfig

    rng = np.random.default_rng(8)
    changes = []
    for t in np.sort(rng.uniform(0, 5000, 300)):
        pick = rng.random(3) < 0.5
        changes.append(WeatherChange(t_s=float(t), wind_speed_mps=float(rng.uniform(0, 20)) if pick[0] else None,
                                     wind_from_deg=float(rng.uniform(0, 360)) if pick[1] else None,
                                     d1h=float(rng.uniform(0.02, 0.3)) if pick[2] else None))
    run = Run(weather=WeatherConfig(wind_speed_mps=3.0, wind_from_deg=10.0, schedule=changes))
    table = WeatherTable.from_run(run)
    for t in [0.0, *rng.uniform(0, 5200, 200), changes[17].t_s]:
        speed, direction, d1 = 3.0, 10.0, run.moisture.d1h
        for ch in changes:
            if ch.t_s <= t:
                speed = ch.wind_speed_mps if ch.wind_speed_mps is not None else speed
                direction = ch.wind_from_deg if ch.wind_from_deg is not None else direction
                d1 = ch.d1h if ch.d1h is not None else d1
        w = table.at(float(t))
        assert (w.wind_speed_mps, w.wind_from_deg, w.d1h) == (speed, direction % 360.0, d1)


def test_set_weather_overrides_now_and_keeps_later_changes(land) -> None:
    from wildfire_gym.fire.run import WeatherTable
    from wildfire_gym.scenario import WeatherChange

    run = runs(land, 1)[0]
    run = run.replace(weather=dataclasses.replace(run.weather, schedule=[WeatherChange(t_s=1000.0, wind_from_deg=180.0)]))
    sim = FireSimulation([Member(land, run)], arch="cpu")
    sim.advance(400.0)
    sim.set_weather(0, wind_speed_mps=7.0, wind_from_deg=45.0)
    table = WeatherTable.from_run(sim.run_of(0))
    assert (table.at(500.0).wind_speed_mps, table.at(500.0).wind_from_deg) == (7.0, 45.0)
    assert (table.at(1100.0).wind_speed_mps, table.at(1100.0).wind_from_deg) == (7.0, 180.0)
    assert sim.snapshot(0).wind_from_deg == 45.0
    sim.advance(1100.0)
    assert sim.snapshot(0).wind_from_deg == 180.0


def test_a_fireline_patches_only_its_cells_and_equals_a_full_pass(land) -> None:
    """Firelines laid during a run are evaluated on their own cells (the environments lay many):
    the parameters and the fire equal those of a member whose lines went through a full pass."""
    rs = runs(land, 1)
    lines = [Intervention(kind="fireline", t_s=0.0, points_m=[(60.0 + 40 * k, 0.0), (60.0 + 40 * k, 400.0)],
                          width_m=10.0) for k in range(3)]
    fast = FireSimulation([Member(land, rs[0])], arch="cpu")
    full = FireSimulation([Member(land, rs[0])], arch="cpu")
    full._patch_params = lambda b, mask: False  # type: ignore[method-assign]  # force the full pass
    patched = []
    real_patch = fast._patch_params
    fast._patch_params = lambda b, mask: patched.append(real_patch(b, mask)) or patched[-1]  # type: ignore[method-assign]
    for k, iv in enumerate(lines):
        for sim in (fast, full):
            sim.advance(120.0 * (k + 1))
            sim.apply_intervention(0, iv)
    for key in FireSimulation._ENGINE_FIELDS:
        assert np.array_equal(np.broadcast_to(fast._members[0].params[key], land.shape),
                              full.spread_params(0, float(full.times_s[0]))[key])
    assert patched == [True, True, True]
    for sim in (fast, full):
        sim.advance(900.0)
    same(fast.snapshot(0), full.snapshot(0))
    assert (fast.snapshot(0).fuel_code == BARE_GROUND_CODE).sum() == (full.snapshot(0).fuel_code == BARE_GROUND_CODE).sum() > 0


def test_batched_firelines_equal_one_by_one_and_leave_the_others_alone(land) -> None:
    """``apply_interventions`` (one engine pass for the lines of many members, the members between
    them installed unchanged) gives the bytes of ``apply_intervention`` called line by line, for
    the members cut and for those left alone in between."""
    rs = runs(land, 5)
    one = FireSimulation([Member(land, r) for r in rs], arch="cpu")
    many = FireSimulation([Member(land, r) for r in rs], arch="cpu")
    items = [(b, Intervention(kind="fireline", t_s=0.0, points_m=[(40.0 + 30 * k + 10 * b, 20.0),
                                                                  (60.0 + 30 * k, 380.0)], width_m=10.0))
             for b in (3, 0, 2) for k in range(2)]
    for sim in (one, many):
        sim.advance(300.0)
    for b, iv in items:
        one.apply_intervention(b, iv)
    many.apply_interventions(items)
    for sim in (one, many):
        sim.advance(1500.0)
    for b in range(5):
        same(one.snapshot(b), many.snapshot(b))
        assert one.snapshot(b).fuel_code.tobytes() == many.snapshot(b).fuel_code.tobytes()
    cut = [int((many.snapshot(b).fuel_code == BARE_GROUND_CODE).sum()) for b in range(5)]
    assert cut[1] == cut[4] == 0 and min(cut[0], cut[2], cut[3]) > 0
    # the untouched members equal runs that never saw a line
    for b in (1, 4):
        same(many.snapshot(b), alone(land, rs[b], [300.0, 1500.0]))


def test_reset_many_equals_resets_one_by_one(land) -> None:
    """Resetting several members at once (one parameter pass, one upload) gives the bytes of
    resetting them one at a time, and leaves the other members alone."""
    rs = runs(land, 6)
    one = FireSimulation([Member(land, r) for r in rs[:4]], arch="cpu")
    many = FireSimulation([Member(land, r) for r in rs[:4]], arch="cpu")
    for sim in (one, many):
        sim.advance(600.0)
    for b, r in ((0, rs[4]), (2, rs[5]), (3, None)):
        one.reset(b, r)
    many.reset_many([(0, rs[4], None), (2, rs[5], None), (3, None, None)])
    for sim in (one, many):
        sim.advance(np.array([900.0, 1200.0, 900.0, 600.0]))
    for b in range(4):
        same(one.snapshot(b), many.snapshot(b))
        assert one.export(b).engine["arrival"].tobytes() == many.export(b).engine["arrival"].tobytes()
    same(many.snapshot(0), alone(land, rs[4], [900.0]))
    with pytest.raises(ScenarioError, match="members"):
        many.reset_many([(1, None, None), (1, None, None)])


def test_a_reset_launches_a_fixed_number_of_kernels_whatever_the_batch(land, monkeypatch) -> None:
    """Kernel launches are the fixed cost of a member reset (on the CPU each costs more than a
    small member's cells): count them. Uploads of per-member numbers are host copies
    (``engine.HostArray``), not launches, and the count does not grow with the batch."""
    from taichi.lang import kernel_impl

    launches = []
    real = kernel_impl.Kernel.__call__

    def counting(self, *args, **kwargs):
        launches.append(self.func.__name__)
        return real(self, *args, **kwargs)

    counts = {}
    for batch in (2, 12):
        sim = FireSimulation([Member(land, r) for r in runs(land, batch)], arch="cpu")
        sim.advance(300.0)
        new = runs(land, batch + 1)[-1]
        monkeypatch.setattr(kernel_impl.Kernel, "__call__", counting)
        launches.clear()
        sim.reset(1, new)
        monkeypatch.setattr(kernel_impl.Kernel, "__call__", real)
        counts[batch] = list(launches)
    assert counts[2] == counts[12]
    # reset, parameter grids and their install with the burn states, ember probabilities and
    # ignitions in one launch (they were five)
    assert counts[2] == ["restart_members"], " ".join(counts[2])
