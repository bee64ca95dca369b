"""wildfire_gym: wildfire simulation, robot training and synthetic fire imagery."""

from __future__ import annotations

__version__ = "0.1.0"


def _register() -> None:
    # Registration is only bookkeeping in Gymnasium's registry (entry points are strings, nothing heavy is imported).
    try:
        from .envs import register_envs
    except ImportError:  # gymnasium missing: the simulation layers still work
        return
    register_envs()


_register()
