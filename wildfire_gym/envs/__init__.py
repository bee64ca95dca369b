"""Gymnasium environments over the batched fire engine.

``import wildfire_gym`` registers the tasks (``gymnasium.make("WildfireGym/Fireline-v0")``,
``gymnasium.make_vec("WildfireGym/Fireline-v0", num_envs=N)`` for the native vector env).
"""

from __future__ import annotations

from .base import WildfireBatch, WildfireEnv, WildfireVectorEnv
from .episodes import EpisodeConfig
from .fireline import FirelineBatch, FirelineEnv, FirelineVectorEnv

ENV_IDS = ("WildfireGym/Fireline-v0",)


def register_envs() -> None:
    """Register the tasks with Gymnasium (idempotent)."""
    from gymnasium.envs.registration import register, registry

    if "WildfireGym/Fireline-v0" not in registry:
        register("WildfireGym/Fireline-v0", entry_point="wildfire_gym.envs.fireline:FirelineEnv",
                 vector_entry_point="wildfire_gym.envs.fireline:FirelineVectorEnv", max_episode_steps=48)


__all__ = ["ENV_IDS", "EpisodeConfig", "FirelineBatch", "FirelineEnv", "FirelineVectorEnv", "WildfireBatch",
           "WildfireEnv", "WildfireVectorEnv", "register_envs"]
