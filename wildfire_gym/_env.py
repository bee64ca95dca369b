"""Every environment variable the package reads, each validated like a command-line flag.

========================  ===============================================================
``WILDFIRE_GYM_ARCH``     Taichi backend: ``cpu`` or ``cuda`` (unset or empty: CUDA when present)
``WILDFIRE_GYM_THREADS``  CPU threads Taichi and the spread-parameter pass use: an integer 1..4096 (unset: all cores)
``WILDFIRE_GYM_ASSETS``   folder holding ``scenarios/``, ``fuels/`` and ``vegetation/``
``WILDFIRE_GYM_ALLOW_LARGE``  ``1``/true/yes skips the memory check; ``0``/false/no keeps it
``PYOPENGL_PLATFORM``     headless OpenGL for rendering: ``egl`` or ``osmesa``
========================  ===============================================================

A bad value raises :class:`~wildfire_gym.errors.ScenarioError` naming the variable and what
was expected (one line from the CLI), never a traceback from deep inside.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ScenarioError

__all__ = [
    "ALLOW_LARGE_ENV_VAR",
    "ARCH_ENV_VAR",
    "ASSETS_ENV_VAR",
    "GL_PLATFORM_ENV_VAR",
    "SUPPORTED_ARCHS",
    "SUPPORTED_GL_PLATFORMS",
    "THREADS_ENV_VAR",
    "arch_name",
    "check_environment",
    "env_allow_large",
    "env_arch",
    "env_assets_dir",
    "env_gl_platform",
    "env_threads",
]

ARCH_ENV_VAR = "WILDFIRE_GYM_ARCH"
THREADS_ENV_VAR = "WILDFIRE_GYM_THREADS"
ASSETS_ENV_VAR = "WILDFIRE_GYM_ASSETS"
ALLOW_LARGE_ENV_VAR = "WILDFIRE_GYM_ALLOW_LARGE"
GL_PLATFORM_ENV_VAR = "PYOPENGL_PLATFORM"

SUPPORTED_ARCHS = ("cpu", "cuda")
SUPPORTED_GL_PLATFORMS = ("egl", "osmesa")
MAX_THREADS = 4096
"""Largest thread count accepted for ``WILDFIRE_GYM_THREADS``."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def arch_name(value: str, source: str) -> str:
    """``value`` as a supported backend name (``cpu`` or ``cuda``), else an error naming ``source``."""
    name = value.strip().lower()
    if name not in SUPPORTED_ARCHS:
        raise ScenarioError(source, " or ".join(SUPPORTED_ARCHS), value)
    return name


def env_arch() -> str | None:
    """``$WILDFIRE_GYM_ARCH`` validated; ``None`` when unset or empty (automatic choice)."""
    raw = os.environ.get(ARCH_ENV_VAR)
    if raw is None or not raw.strip():
        return None
    return arch_name(raw, ARCH_ENV_VAR)


def env_threads() -> int | None:
    """``$WILDFIRE_GYM_THREADS`` validated; ``None`` when unset or empty (all cores)."""
    raw = os.environ.get(THREADS_ENV_VAR)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= MAX_THREADS):
        raise ScenarioError(THREADS_ENV_VAR, f"an integer thread count 1..{MAX_THREADS}", raw)
    return int(text)


def env_allow_large() -> bool:
    """``$WILDFIRE_GYM_ALLOW_LARGE`` validated (unset: False)."""
    raw = os.environ.get(ALLOW_LARGE_ENV_VAR)
    if raw is None:
        return False
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ScenarioError(ALLOW_LARGE_ENV_VAR, "one of 1, 0, true, false, yes, no (or unset)", raw)


def env_assets_dir() -> Path | None:
    """``$WILDFIRE_GYM_ASSETS`` validated: a folder with ``scenarios/`` in it; ``None`` when unset or empty."""
    raw = os.environ.get(ASSETS_ENV_VAR)
    if raw is None or not raw.strip():
        return None
    try:
        ok = Path(raw, "scenarios").is_dir()
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise ScenarioError(ASSETS_ENV_VAR, "a folder holding the package's assets (scenarios/, fuels/, "
                            "vegetation/); unset it to use the bundled ones", raw)
    return Path(raw)


def env_gl_platform() -> str | None:
    """``$PYOPENGL_PLATFORM`` validated (``egl`` or ``osmesa``); ``None`` when unset or empty."""
    raw = os.environ.get(GL_PLATFORM_ENV_VAR)
    if raw is None or not raw.strip():
        return None
    name = raw.strip().lower()
    if name not in SUPPORTED_GL_PLATFORMS:
        raise ScenarioError(GL_PLATFORM_ENV_VAR, "one of " + ", ".join(SUPPORTED_GL_PLATFORMS), raw)
    return name


def check_environment(*, rendering: bool = False) -> None:
    """Validate every variable above (``PYOPENGL_PLATFORM`` only when ``rendering``)."""
    env_arch()
    env_threads()
    env_allow_large()
    env_assets_dir()
    if rendering:
        env_gl_platform()
