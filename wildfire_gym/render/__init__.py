"""Sensors: labelled frames of the burning world (RGB, depth, labels, thermal, smoke, boxes).

Public API::

    from wildfire_gym.render import CameraSpec, Renderer, RenderConfig, camera_for, write_frame
    with Renderer(landscape, RenderConfig()) as r:
        cam = camera_for(landscape, CameraSpec("uav", altitude_agl_m=60), snapshot)  # aimed at the fire
        frame = r.render(snapshot, cam)
        write_frame(frame, "out/frames", 0)

Platform presets (:mod:`.platforms`): ``uav`` (RGB payload), ``uav_thermal`` (640 x 512),
``tower`` (lookout on a ridge 8 km away), ``nadir`` (at a ground sampling distance); every
pose and optics parameter can be overridden. The look of fire (:mod:`.flames`, :mod:`.smoke`,
:mod:`.scene`), trees by instancing (:mod:`.instancing`), sensor effects (:mod:`.sensor`).

Conventions (OpenCV cameras, depth along the optical axis with ``inf`` for sky, thermal
in kelvin) are documented in :mod:`.camera`, :mod:`.frame` and :mod:`.labels`.
Importing this package imports no OpenGL; the context is created by :class:`Renderer`.
"""

from __future__ import annotations

from .camera import Camera, nadir_camera, tower_camera, uav_camera
from .frame import (
    Frame,
    label_colormap,
    read_instance_png,
    side_by_side,
    thermal_colormap,
    write_frame,
)
from .labels import Box2D
from .platforms import CameraSpec, camera_for, fire_aim_point
from .randomize import Appearance, RandomizationRanges, night_appearance, sample_appearance
from .renderer import RenderConfig, Renderer, camera_preset
from .scene import LABEL_NAMES
from .thermal import ThermalSensor

__all__ = [
    "LABEL_NAMES", "Appearance", "Box2D", "Camera", "CameraSpec", "Frame", "RandomizationRanges", "RenderConfig",
    "Renderer", "ThermalSensor", "camera_for", "camera_preset", "fire_aim_point", "label_colormap", "nadir_camera",
    "night_appearance", "read_instance_png", "sample_appearance", "side_by_side", "thermal_colormap",
    "tower_camera", "uav_camera", "write_frame",
]
