"""Where the data files live (``assets/`` at the repository root)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def assets_dir() -> Path:
    """The assets folder: ``$WILDFIRE_GYM_ASSETS`` if set, else the one beside the package."""
    env = os.environ.get("WILDFIRE_GYM_ASSETS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "assets"
