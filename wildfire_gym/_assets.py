"""Where the data files live: ``assets/`` at the repository root, which the package reaches as
``wildfire_gym/assets`` (a link in the repository, a copy inside the wheel)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def assets_dir() -> Path:
    """The assets folder: ``$WILDFIRE_GYM_ASSETS`` if set, else the package's own (installed from
    a wheel or in the repository), else the repository's."""
    from ._env import env_assets_dir

    env = env_assets_dir()  # validated: an error names the variable
    if env is not None:
        return env
    inside = Path(__file__).resolve().parent / "assets"
    if inside.is_dir():
        return inside.resolve()
    return Path(__file__).resolve().parent.parent / "assets"
