"""wildfire_gym: wildfire simulation, robot training and synthetic fire imagery."""

from __future__ import annotations

__version__ = "0.1.0"


def _register() -> None:
    # Bookkeeping in Gymnasium's registry only: entry points are strings, the environments load on make.
    try:
        from ._gym_registration import register_envs

        register_envs()
    except ImportError:  # gymnasium missing: the simulation layers still work
        return


_register()
