"""One place that imports and initialises Taichi for the whole package.

Taichi is initialised once per process with an explicit backend:

* ``arch`` argument of :func:`init_taichi` if given (``"cpu"`` or ``"cuda"``);
* else the environment variable ``WILDFIRE_GYM_ARCH`` (``cpu`` or ``cuda``);
* else CUDA when a CUDA device is present, otherwise the CPU.

Asking for CUDA where there is no CUDA device is an error (Taichi itself would fall back to
the CPU silently), so what :func:`init_taichi` returns is the backend that actually runs.
Names and thread counts are validated by :mod:`wildfire_gym._env`.

Generic GPU backends (``ti.gpu``, OpenGL, Vulkan) are never chosen automatically: on
machines with only Mesa's software EGL they crash the process. ``TI_SKIP_VERSION_CHECK``
is set before the import so that Taichi does not try to reach the network.
"""

from __future__ import annotations

import logging
import os
from typing import Any

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

import taichi as ti  # noqa: E402

from ._env import ARCH_ENV_VAR, THREADS_ENV_VAR, arch_name, env_arch, env_threads  # noqa: E402
from .errors import ScenarioError  # noqa: E402

logger = logging.getLogger(__name__)

_state: dict[str, Any] = {"arch": None}


def cuda_available() -> bool:
    """True when a CUDA driver and at least one CUDA device are present (no Taichi init)."""
    try:
        import ctypes

        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    if lib.cuInit(0) != 0:
        return False
    if lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return False
    return count.value > 0


def _resolve_arch(arch: str | None) -> str:
    """The backend to use: ``arch``, else ``$WILDFIRE_GYM_ARCH``, else CUDA when present."""
    source = "arch" if arch is not None else ARCH_ENV_VAR
    name = arch_name(arch, "arch") if arch is not None else env_arch()
    if name is None:
        return "cuda" if cuda_available() else "cpu"
    if name == "cuda" and not cuda_available():
        raise ScenarioError(source, "cpu, or cuda on a machine with a CUDA device (cuda requested but no "
                            "CUDA device was found)", "cuda")
    return name


def init_taichi(arch: str | None = None) -> str:
    """Initialise Taichi once and return the backend name in use (``"cpu"`` or ``"cuda"``).

    A later call with a different explicit ``arch`` raises, since Taichi cannot switch
    backend without discarding every field already allocated.
    """
    current = _state["arch"]
    if current is not None:
        if arch is not None and arch_name(arch, "arch") != current:
            raise ScenarioError("arch", f"{current} (Taichi is already initialised with it and cannot switch "
                                "backend in one process)", arch)
        return str(current)
    name = _resolve_arch(arch)
    kwargs: dict[str, Any] = {
        "arch": ti.cuda if name == "cuda" else ti.cpu,
        "default_fp": ti.f32,
        "default_ip": ti.i32,
        "offline_cache": True,
        "fast_math": False,
        "log_level": ti.ERROR,
    }
    if name == "cpu":
        threads = env_threads()
        kwargs["cpu_max_num_threads"] = threads if threads is not None else (os.cpu_count() or 1)
    ti.init(**kwargs)
    actual = "cuda" if ti.lang.impl.current_cfg().arch == ti.cuda else "cpu"
    if actual != name:  # Taichi falls back to the CPU when CUDA cannot start
        raise ScenarioError("arch", f"{name}, which Taichi could not start (it fell back to {actual})", name)
    _state["arch"] = name
    logger.info("taichi initialised on %s", name)
    return name


def current_arch() -> str | None:
    """The backend Taichi was initialised with, or None before :func:`init_taichi`."""
    return _state["arch"]


__all__ = ["ti", "init_taichi", "current_arch", "cuda_available", "ARCH_ENV_VAR", "THREADS_ENV_VAR"]
