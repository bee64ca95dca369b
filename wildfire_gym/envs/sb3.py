"""Stable-Baselines3 VecEnv over a native :class:`~wildfire_gym.envs.base.WildfireVectorEnv`.

The vector env already resets finished environments in the step that ends them (SAME_STEP), as
SB3 expects; the adapter only reshapes the info: a list of per-env dicts with the reward terms,
``terminal_observation`` (a view into the dense final-observation batch; a dict of views for
``Dict`` observations, which SB3 takes with ``MultiInputPolicy``) where an episode ended
and ``TimeLimit.truncated`` where it ended by the time limit. Observations and rewards are passed
through without copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

from .base import WildfireVectorEnv, obs_item


class WildfireSB3VecEnv(VecEnv):
    """``WildfireSB3VecEnv(gymnasium.make_vec("WildfireGym/Fireline-v0", num_envs=8))``."""

    def __init__(self, venv: WildfireVectorEnv) -> None:
        if not isinstance(venv, WildfireVectorEnv):
            raise TypeError(f"venv: expected a WildfireVectorEnv, got {type(venv).__name__}")
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self._actions: np.ndarray | None = None
        self._seed: int | None = None

    def reset(self) -> np.ndarray:
        seed = self._seeds if any(s is not None for s in getattr(self, "_seeds", [])) else None
        obs, _ = self.venv.reset(seed=seed)
        self._reset_seeds()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        obs, reward, terminated, truncated, info = self.venv.step(self._actions)
        done = terminated | truncated
        n = self.num_envs
        keys = [k for k in info if not k.startswith(("final", "_final"))]
        infos: list[dict[str, Any]] = [{k: info[k][i] for k in keys} for i in range(n)]
        if done.any():
            final_obs = info["final_obs"]
            for i in np.flatnonzero(done):
                infos[i]["terminal_observation"] = obs_item(final_obs, int(i))
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                infos[i]["episode_end"] = {k: v[i] for k, v in info["final_info"].items()}
        return obs, reward.astype(np.float32), done, infos

    def close(self) -> None:
        self.venv.close()

    def _indices(self, indices: VecEnvIndices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return list(indices)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.venv.core, attr_name)
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.venv.core, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        fn = getattr(self.venv.core, method_name)
        return [fn(*method_args, **method_kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]
