"""Gymnasium environments over the batched fire engine.

``import wildfire_gym`` registers the tasks (``gymnasium.make("WildfireGym/Fireline-v0")``,
``gymnasium.make_vec("WildfireGym/Fireline-v0", num_envs=N)`` for the native vector env).
"""

from __future__ import annotations

from .aerial import AerialAttackEnv, AerialAttackVectorEnv, AerialBatch
from .base import WildfireBatch, WildfireEnv, WildfireVectorEnv
from .drone import DroneBatch, DroneSurveillanceEnv, DroneSurveillanceVectorEnv
from .episodes import EpisodeConfig
from .fireline import FirelineBatch, FirelineEnv, FirelineVectorEnv

ENV_IDS = ("WildfireGym/Fireline-v0", "WildfireGym/AerialAttack-v0", "WildfireGym/DroneSurveillance-v0")

_ENTRIES = {
    "WildfireGym/Fireline-v0": ("fireline", "FirelineEnv", "FirelineVectorEnv", 48),
    "WildfireGym/AerialAttack-v0": ("aerial", "AerialAttackEnv", "AerialAttackVectorEnv", 48),
    "WildfireGym/DroneSurveillance-v0": ("drone", "DroneSurveillanceEnv", "DroneSurveillanceVectorEnv", 240),
}


def register_envs() -> None:
    """Register the tasks with Gymnasium (idempotent)."""
    from gymnasium.envs.registration import register, registry

    for env_id, (module, single, vector, steps) in _ENTRIES.items():
        if env_id not in registry:
            register(env_id, entry_point=f"wildfire_gym.envs.{module}:{single}",
                     vector_entry_point=f"wildfire_gym.envs.{module}:{vector}", max_episode_steps=steps)


__all__ = ["AerialAttackEnv", "AerialAttackVectorEnv", "AerialBatch", "DroneBatch", "DroneSurveillanceEnv",
           "DroneSurveillanceVectorEnv", "ENV_IDS", "EpisodeConfig", "FirelineBatch", "FirelineEnv", "FirelineVectorEnv", "WildfireBatch",
           "WildfireEnv", "WildfireVectorEnv", "register_envs"]
