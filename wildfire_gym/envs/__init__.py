"""Gymnasium environments over the batched fire engine.

``import wildfire_gym`` registers the tasks (``gymnasium.make("WildfireGym/Fireline-v0")``,
``gymnasium.make_vec("WildfireGym/Fireline-v0", num_envs=N)`` for the native vector env).
"""

from __future__ import annotations

from .._gym_registration import ENV_ENTRIES, register_envs
from .aerial import AerialAttackEnv, AerialAttackVectorEnv, AerialBatch
from .base import WildfireBatch, WildfireEnv, WildfireVectorEnv
from .drone import DroneBatch, DroneSurveillanceEnv, DroneSurveillanceVectorEnv
from .episodes import EpisodeConfig
from .fireline import FirelineBatch, FirelineEnv, FirelineVectorEnv

ENV_IDS = tuple(ENV_ENTRIES)

__all__ = ["AerialAttackEnv", "AerialAttackVectorEnv", "AerialBatch", "DroneBatch", "DroneSurveillanceEnv",
           "DroneSurveillanceVectorEnv", "ENV_IDS", "EpisodeConfig", "FirelineBatch", "FirelineEnv", "FirelineVectorEnv", "WildfireBatch",
           "WildfireEnv", "WildfireVectorEnv", "register_envs"]
