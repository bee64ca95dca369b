"""Gymnasium registration of the environments: string entry points only, so ``import wildfire_gym``
imports neither Taichi nor the environments (they load on ``gymnasium.make``)."""

from __future__ import annotations

ENV_ENTRIES = {
    "WildfireGym/Fireline-v0": ("fireline", "FirelineEnv", "FirelineVectorEnv", 48),
    "WildfireGym/AerialAttack-v0": ("aerial", "AerialAttackEnv", "AerialAttackVectorEnv", 48),
    "WildfireGym/DroneSurveillance-v0": ("drone", "DroneSurveillanceEnv", "DroneSurveillanceVectorEnv", 240),
}
"""id -> (module of wildfire_gym.envs, single env class, vector env class, max_episode_steps)."""


def register_envs() -> None:
    """Register the tasks with Gymnasium (idempotent)."""
    from gymnasium.envs.registration import register, registry

    for env_id, (module, single, vector, steps) in ENV_ENTRIES.items():
        if env_id not in registry:
            register(env_id, entry_point=f"wildfire_gym.envs.{module}:{single}",
                     vector_entry_point=f"wildfire_gym.envs.{module}:{vector}", max_episode_steps=steps)
