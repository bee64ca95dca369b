"""One place that imports and initialises Taichi for the whole package.

Taichi is initialised once per process with an explicit backend:

* ``arch`` argument of :func:`init_taichi` if given (``"cpu"`` or ``"cuda"``);
* else the environment variable ``WILDFIRE_GYM_ARCH`` (``cpu`` or ``cuda``);
* else CUDA when a CUDA device is present, otherwise the CPU.

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

logger = logging.getLogger(__name__)

ARCH_ENV_VAR = "WILDFIRE_GYM_ARCH"
"""Environment variable that overrides the automatic backend choice (``cpu`` or ``cuda``)."""

THREADS_ENV_VAR = "WILDFIRE_GYM_THREADS"
"""Environment variable with the number of CPU threads Taichi uses (default: all cores)."""

_SUPPORTED_ARCHS = ("cpu", "cuda")

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
    name = arch if arch is not None else os.environ.get(ARCH_ENV_VAR)
    if name is None or name == "":
        return "cuda" if cuda_available() else "cpu"
    name = name.strip().lower()
    if name not in _SUPPORTED_ARCHS:
        raise ValueError(
            f"taichi arch: expected one of {_SUPPORTED_ARCHS} (argument or ${ARCH_ENV_VAR}), got {name!r}"
        )
    return name


def init_taichi(arch: str | None = None) -> str:
    """Initialise Taichi once and return the backend name in use (``"cpu"`` or ``"cuda"``).

    A later call with a different explicit ``arch`` raises, since Taichi cannot switch
    backend without discarding every field already allocated.
    """
    current = _state["arch"]
    if current is not None:
        if arch is not None and _resolve_arch(arch) != current:
            raise ValueError(
                f"taichi arch: already initialised with {current!r}, cannot switch to {arch!r}"
            )
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
        threads = os.environ.get(THREADS_ENV_VAR)
        kwargs["cpu_max_num_threads"] = int(threads) if threads else (os.cpu_count() or 1)
    ti.init(**kwargs)
    _state["arch"] = name
    logger.info("taichi initialised on %s", name)
    return name


def current_arch() -> str | None:
    """The backend Taichi was initialised with, or None before :func:`init_taichi`."""
    return _state["arch"]


__all__ = ["ti", "init_taichi", "current_arch", "cuda_available", "ARCH_ENV_VAR", "THREADS_ENV_VAR"]
