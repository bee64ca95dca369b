"""AerialAttack task: line length from coverage levels, turnaround, the drop reaches the engine, API checks."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import wildfire_gym  # noqa: F401
from wildfire_gym.envs import AerialAttackEnv, AerialAttackVectorEnv, EpisodeConfig
from wildfire_gym.envs.aerial import AGENT_EFFECT, AerialBatch, aircraft_types
from wildfire_gym.errors import ActionError, ScenarioError

FLAT_FM1 = EpisodeConfig(grid_cells=32, n_landscapes=1, fuels=(("FM1", 1.0),), relief_m=0.0,
                         ignition_distance_m=(400.0, 450.0), n_houses=4, wind_speed_range_mps=(1.0, 1.0))
SMALL = EpisodeConfig(grid_cells=32, n_landscapes=1, ignition_distance_m=(300.0, 450.0), n_houses=4)


def test_aircraft_table_in_si():
    t = aircraft_types()
    assert t["seat"].capacity_l == pytest.approx(800 * 3.785411784, rel=1e-12)
    assert t["large_airtanker"].capacity_l == pytest.approx(3000 * 3.785411784, rel=1e-12)
    assert t["type1_helicopter"].agent == "water"


def test_a_seat_drop_lays_the_drop_guide_length_and_wets_the_engine_fuel():
    core = AerialBatch(num_envs=1, episode=FLAT_FM1, aircraft=("seat",), base_distance_m=0.0, target_cells=4)
    core.reset_slot(0, 2)
    assert core.ready_at[0, 0] == 0.0  # base on the fire: ready at once
    # block 5 of a 4x4 grid: centre (1.5, 1.5) blocks of 240 m; heading E-W
    core.step(np.array([[6, 2]]), autoreset=False)
    seat = aircraft_types()["seat"]
    # FM1 needs coverage level 1: L = 100 * 800 gal / (1 * 60 ft) = 1333 ft
    length_ft = 100.0 * 800.0 / (1.0 * seat.swath_width_m / 0.3048)
    assert core.n_drops[0] == 1
    wet = core.sim.added_moisture(0)
    row = wet[int(360 // 30)]
    wet_m = np.count_nonzero(row > 0) * 30.0
    assert wet_m == pytest.approx(length_ft * 0.3048, abs=2 * 30.0)
    add, half = AGENT_EFFECT["retardant"]
    assert row.max() == pytest.approx(add * 0.5 ** (300.0 / half), rel=1e-9)
    # the turnaround: reload 15 min, no flight: a second request within it is ignored
    assert core.ready_at[0, 0] == pytest.approx(0.0 + seat.reload_s, rel=1e-12)  # dropped at the step start, t = 0
    core.step(np.array([[7, 2]]), autoreset=False)
    assert core.n_drops[0] == 1


def test_turnaround_is_out_and_back_plus_reload():
    core = AerialBatch(num_envs=1, episode=SMALL, aircraft=("large_airtanker", "type1_helicopter"),
                       base_distance_m=26000.0, dip_distance_m=1100.0)
    lat, helo = aircraft_types()["large_airtanker"], aircraft_types()["type1_helicopter"]
    assert core.turnaround_s(lat) == pytest.approx(2 * 26000.0 / 130.0 + 1200.0, rel=1e-12)
    assert core.turnaround_s(helo) == pytest.approx(2 * 1100.0 / 55.0 + 120.0, rel=1e-12)


def test_aerial_check_envs_and_errors():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check

    env = gym.make("WildfireGym/AerialAttack-v0", episode=SMALL)
    check_env(env.unwrapped, skip_render_check=True)
    sb3_check(AerialAttackEnv(episode=SMALL), warn=True)
    e = AerialAttackEnv(episode=SMALL, target_cells=8)
    e.reset(seed=0)
    with pytest.raises(ActionError, match=r"action\[0\]\[0\].*\[0, 64\]"):
        e.step(np.array([65, 0, 0, 0]))
    with pytest.raises(ScenarioError, match="aircraft"):
        AerialAttackEnv(episode=SMALL, aircraft=("blimp",))
    with pytest.raises(ScenarioError, match="target_cells"):
        AerialAttackEnv(episode=SMALL, target_cells=5)


def test_aerial_vector_slots_match_single_envs():
    venv = AerialAttackVectorEnv(num_envs=2, episode=SMALL)
    obs, _ = venv.reset(seed=[3, 4])
    rng = np.random.default_rng(0)
    acts = [rng.integers(0, venv.single_action_space.nvec, size=(2, 4)) for _ in range(5)]
    vo, vr = [], []
    for a in acts:
        o, r, *_ = venv.step(a)
        vo.append(o.copy())
        vr.append(r.copy())
    for i, s in enumerate((3, 4)):
        env = AerialAttackEnv(episode=SMALL)
        o, _ = env.reset(seed=s)
        assert o.tobytes() == obs[i].tobytes()
        for k, a in enumerate(acts):
            o, r, *_ = env.step(a[i])
            assert o.tobytes() == vo[k][i].tobytes() and r == vr[k][i]
