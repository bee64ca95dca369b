"""The PettingZoo parallel Fireline: PettingZoo's API test, the team reward equals the single-agent task's."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pettingzoo")

from pettingzoo.test import parallel_api_test  # noqa: E402

from wildfire_gym.envs import EpisodeConfig, FirelineEnv  # noqa: E402
from wildfire_gym.envs.multi_agent import FirelineParallelEnv  # noqa: E402
from wildfire_gym.errors import ActionError  # noqa: E402

SMALL = EpisodeConfig(grid_cells=32, n_landscapes=1, ignition_distance_m=(300.0, 450.0), n_houses=4)
RES = ("type1_crew", "type2_crew", "dozer")


def test_pettingzoo_parallel_api_test_passes():
    parallel_api_test(FirelineParallelEnv(episode=SMALL, resources=RES, max_episode_steps=6), num_cycles=8)


def test_team_steps_equal_the_single_agent_task():
    ma = FirelineParallelEnv(episode=SMALL, resources=RES, max_episode_steps=5)
    sa = FirelineEnv(episode=SMALL, resources=RES)
    obs, _ = ma.reset(seed=3)
    o, _ = sa.reset(seed=3)
    assert ma.agents == ["type1_crew_0", "type2_crew_1", "dozer_2"]
    assert np.array_equal(obs["dozer_2"][:-3], o) and list(obs["dozer_2"][-3:]) == [0, 0, 1]
    rng = np.random.default_rng(1)
    for _ in range(5):
        acts = {a: rng.integers(0, [9, 2]) for a in ma.agents}
        obs, rew, term, trunc, _ = ma.step(acts)
        o, r, t, _, _ = sa.step(np.concatenate([acts[a] for a in ma.possible_agents]))
        assert all(v == r for v in rew.values())
        assert np.array_equal(obs["type1_crew_0"][:-3], o)
    assert all(trunc.values()) and ma.agents == []
    with pytest.raises(ActionError, match="reset"):
        ma.step({})
    ma.reset(seed=0)
    with pytest.raises(ActionError, match="missing"):
        ma.step({"dozer_2": np.array([0, 0])})
