"""Where the data files live (``assets/`` at the repository root)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def assets_dir() -> Path:
    """The assets folder: ``$WILDFIRE_GYM_ASSETS`` if set, else the one beside the package."""
    from ._env import env_assets_dir

    env = env_assets_dir()  # validated: an error names the variable
    if env is not None:
        return env
    return Path(__file__).resolve().parent.parent / "assets"
