"""wildfire_gym: wildfire simulation, robot training and synthetic fire imagery."""

from __future__ import annotations

__version__ = "0.1.0"
