"""A short soak of every task's vector env with random actions and autoresets: finite, in-space, consistent."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import wildfire_gym  # noqa: F401
from wildfire_gym.envs import EpisodeConfig

SMALL = EpisodeConfig(grid_cells=32, n_landscapes=2, ignition_distance_m=(300.0, 450.0), n_houses=4)


@pytest.mark.parametrize("env_id", ["WildfireGym/Fireline-v0", "WildfireGym/AerialAttack-v0",
                                    "WildfireGym/DroneSurveillance-v0"])
def test_random_soak_stays_finite_and_resets(env_id):
    venv = gym.make_vec(env_id, num_envs=4, episode=SMALL, max_episode_steps=5)
    obs, _ = venv.reset(seed=0)
    rng = np.random.default_rng(0)
    ends = 0
    for _ in range(30):
        a = rng.integers(0, venv.single_action_space.nvec, size=(4, len(venv.single_action_space.nvec)))
        obs, r, term, trunc, info = venv.step(a)
        assert np.isfinite(obs).all() and np.isfinite(r).all()
        assert all(venv.single_observation_space.contains(o) for o in obs)
        done = term | trunc
        assert not (term & trunc).any()
        if done.any():
            ends += int(done.sum())
            assert np.array_equal(info["_final_obs"], done)
            assert all(venv.single_observation_space.contains(o) for o in info["final_obs"][done])
            assert (venv.unwrapped.core.steps[done] == 0).all()  # reset in the same step
        total = sum(v for k, v in info.items() if k.startswith("reward/"))
        assert np.allclose(total, r, rtol=1e-12, atol=1e-12)
    assert ends >= 4 * (30 // 5) - 4  # every slot went through several episodes
