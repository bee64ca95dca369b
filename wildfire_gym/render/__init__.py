"""Sensors: labelled frames of the burning world (RGB, depth, labels, thermal, smoke, boxes).

Public API::

    from wildfire_gym.render import Renderer, RenderConfig, uav_camera, write_frame, side_by_side
    with Renderer(landscape, RenderConfig()) as r:
        frame = r.render(snapshot, uav_camera(landscape, x_m=400, y_m=300, altitude_agl_m=150,
                                              yaw_deg=45, pitch_deg=35))
        write_frame(frame, "out/frames", 0)

Conventions (OpenCV cameras, depth along the optical axis with ``inf`` for sky, thermal
in kelvin) are documented in :mod:`.camera`, :mod:`.frame` and :mod:`.labels`.
Importing this package imports no OpenGL; the context is created by :class:`Renderer`.
"""

from __future__ import annotations

from .camera import Camera, nadir_camera, tower_camera, uav_camera
from .frame import Frame, label_colormap, side_by_side, thermal_colormap, write_frame
from .labels import Box2D
from .randomize import Appearance, RandomizationRanges, sample_appearance
from .renderer import RenderConfig, Renderer, camera_preset
from .scene import LABEL_NAMES
from .thermal import ThermalSensor

__all__ = [
    "LABEL_NAMES", "Appearance", "Box2D", "Camera", "Frame", "RandomizationRanges", "RenderConfig", "Renderer",
    "ThermalSensor", "camera_preset", "label_colormap", "nadir_camera", "sample_appearance", "side_by_side",
    "tower_camera", "thermal_colormap", "uav_camera", "write_frame",
]
