"""DroneSurveillance task: the sensor footprint maps what it sweeps, endurance and swaps, API checks."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import wildfire_gym  # noqa: F401
from wildfire_gym.envs import DroneSurveillanceEnv, DroneSurveillanceVectorEnv, EpisodeConfig
from wildfire_gym.envs.drone import DroneBatch
from wildfire_gym.errors import ActionError, ScenarioError

SMALL = EpisodeConfig(grid_cells=32, n_landscapes=1, ignition_distance_m=(300.0, 450.0), n_houses=4)


def test_hovering_maps_a_footprint_of_the_sensor_size_with_the_true_state():
    core = DroneBatch(num_envs=1, episode=SMALL, altitude_m=300.0, sensor_fov_deg=50.0)
    core.reset_slot(0, 1)
    ep = core.episodes[0]
    core.pos[0, 0] = ep.ignition_xy_m
    core.base[0] = ep.ignition_xy_m  # keep the return-to-home rule out of the way
    core.step(np.array([[0]]), autoreset=False)
    half = 300.0 * math.tan(math.radians(25.0))
    seen = core.seen_s[0] > -1
    side = math.sqrt(np.count_nonzero(seen)) * 30.0
    assert side == pytest.approx(2 * half, abs=2 * 30.0)
    reached = (core.burn[0] == 1) | (core.burn[0] == 2)
    assert np.array_equal(core.belief[0][seen], reached[seen]) and reached[seen].any()
    assert not core.belief[0][~seen].any()


def test_a_drone_returns_home_at_the_end_of_its_endurance_and_is_swapped():
    core = DroneBatch(num_envs=1, episode=SMALL, endurance_s=600.0, swap_s=120.0, speed_m_s=5.0)
    core.reset_slot(0, 2)
    home = core.base[0].copy()
    airborne, pos, battery = [], [], []
    for _ in range(16):
        core.step(np.array([[3]]), autoreset=False)  # keep asking to fly east
        airborne.append(bool(core.swap_left_s[0, 0] == 0))
        pos.append(core.pos[0, 0].copy())
        battery.append(float(core.battery_s[0, 0]))
    landed = airborne.index(False)
    assert 1 <= landed <= 10  # flew at most its endurance (10 steps of 60 s)
    assert np.allclose(pos[landed], home, atol=1e-9)
    assert airborne[landed + 1] is False and airborne[landed + 2] is True  # a 120-s swap
    assert battery[landed + 2] == pytest.approx(600.0, abs=1e-9)
    assert pos[landed + 3][0] > home[0]  # off again, east


def test_drone_check_envs_errors_and_vector_slots():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check

    check_env(gym.make("WildfireGym/DroneSurveillance-v0", episode=SMALL).unwrapped, skip_render_check=True)
    sb3_check(DroneSurveillanceEnv(episode=SMALL, n_drones=2), warn=True)
    env = DroneSurveillanceEnv(episode=SMALL, obs_mode="map", map_cells=8)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, 8, 8) and obs[0].sum() == 0 and obs[2].sum() == 1
    with pytest.raises(ActionError, match=r"action\[0\]\[0\]"):
        env.step(np.array([12]))
    with pytest.raises(ScenarioError, match="endurance_s"):
        DroneSurveillanceEnv(episode=SMALL, endurance_s=0.0)
    venv = DroneSurveillanceVectorEnv(num_envs=2, episode=SMALL, n_drones=2)
    vobs, _ = venv.reset(seed=[5, 6])
    rng = np.random.default_rng(0)
    acts = [rng.integers(0, 9, size=(2, 2)) for _ in range(4)]
    outs = [venv.step(a)[:2] for a in acts]
    for i, s in enumerate((5, 6)):
        e = DroneSurveillanceEnv(episode=SMALL, n_drones=2)
        o, _ = e.reset(seed=s)
        assert o.tobytes() == vobs[i].tobytes()
        for a, (vo, vr) in zip(acts, outs):
            o, r, *_ = e.step(a[i])
            assert o.tobytes() == vo[i].tobytes() and r == vr[i]
