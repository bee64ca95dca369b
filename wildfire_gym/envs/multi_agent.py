"""PettingZoo parallel version of the Fireline task: each crew or dozer is an agent.

``FirelineParallelEnv(resources=("type1_crew", "type1_crew", "dozer"))`` has agents
``type1_crew_0``, ``type1_crew_1``, ``dozer_2``. Each acts with ``MultiDiscrete([9, 2])`` (the
single-agent task's per-resource move and mode) and observes the task's state vector followed by
a one-hot of its own index. The team shares one reward (the task's, named terms in each agent's
info); all agents end together. Underneath is one :class:`~wildfire_gym.envs.fireline.FirelineEnv`
(a batch of one) with ``max_episode_steps`` applied here.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv

from ..errors import ActionError
from .fireline import FirelineEnv


class FirelineParallelEnv(ParallelEnv):
    metadata = {"name": "wildfire_fireline_v0", "render_modes": []}

    def __init__(self, max_episode_steps: int = 48, **kwargs: Any) -> None:
        self.env = FirelineEnv(max_episode_steps=max_episode_steps, **kwargs)
        self.max_episode_steps = int(max_episode_steps)
        core = self.env.core
        self.possible_agents = [f"{r}_{i}" for i, r in enumerate(core.resources)]
        self.agents: list[str] = []
        n = len(self.possible_agents)
        base = self.env.observation_space
        low = np.concatenate([base.low, np.zeros(n, np.float32)])
        high = np.concatenate([base.high, np.ones(n, np.float32)])
        self._obs_space = gym.spaces.Box(low, high, dtype=np.float32)
        self._act_space = gym.spaces.MultiDiscrete(np.array([9, 2], np.int64))
        self._steps = 0

    def observation_space(self, agent: str) -> gym.Space:
        return self._obs_space

    def action_space(self, agent: str) -> gym.Space:
        return self._act_space

    def _obs(self, obs: np.ndarray) -> dict[str, np.ndarray]:
        n = len(self.possible_agents)
        out = {}
        for i, a in enumerate(self.possible_agents):
            one_hot = np.zeros(n, np.float32)
            one_hot[i] = 1.0
            out[a] = np.concatenate([obs, one_hot])
        return out

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        obs, info = self.env.reset(seed=seed)
        self.agents = list(self.possible_agents)
        self._steps = 0
        return self._obs(obs), {a: dict(info) for a in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        if not self.agents:
            raise ActionError("actions: the episode is over; call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ActionError(f"actions: expected one action per agent, missing {missing}")
        flat = np.concatenate([np.asarray(actions[a]).reshape(-1) for a in self.possible_agents])
        obs, r, term, trunc, info = self.env.step(flat)
        self._steps += 1
        trunc = trunc or self._steps >= self.max_episode_steps
        agents = list(self.agents)
        o = self._obs(obs)
        out = ({a: o[a] for a in agents}, {a: float(r) for a in agents}, {a: bool(term) for a in agents},
               {a: bool(trunc and not term) for a in agents}, {a: dict(info) for a in agents})
        if term or trunc:
            self.agents = []
        return out

    def close(self) -> None:
        self.env.close()
