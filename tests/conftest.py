"""Test-wide settings: offline Taichi, headless GL, one torch thread."""

from __future__ import annotations

import os

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("MPLBACKEND", "Agg")

try:  # torch is optional (the rl extra); keep it to one thread in tests
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass
