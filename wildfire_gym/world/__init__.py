"""Procedural and imported landscapes: terrain, fuels, trees, structures.

``build_world(scenario)`` is the one entry point; each component draws from its own
seed stream derived from the scenario seed, so that changing the tree density does
not move the terrain, and the same scenario always gives identical arrays.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from ..errors import ScenarioError
from ..scenario import Scenario
from .landscape import CanopyRasters, Landscape, Structures, Trees

__all__ = ["CanopyRasters", "Landscape", "Structures", "Trees", "build_world", "component_seed"]


def component_seed(seed: int, component: str) -> int:
    """A stable 63-bit seed for one component of the world (terrain, fuel, trees...)."""
    digest = hashlib.blake2b(f"{seed}:{component}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def build_world(scenario: Scenario) -> Landscape:
    """Build the landscape a scenario describes (deterministic for a given scenario).

    A field found wrong only while building (e.g. more houses than fit) raises
    :class:`~wildfire_gym.errors.ScenarioError` naming the scenario's file, as loading does.
    """
    try:
        return _build_world(scenario)
    except ScenarioError as exc:
        if scenario.source and not exc.source:
            raise exc.with_source(scenario.source) from None
        raise


def _build_world(scenario: Scenario) -> Landscape:
    from .canopy import canopy_rasters
    from .fuels import fuel_code_raster, fuel_models_for
    from .structures import clear_defensible_space, place_structures
    from .terrain import build_terrain, slope_aspect
    from .vegetation import place_trees

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    terrain = build_terrain(scenario.terrain, component_seed(scenario.seed, "terrain"))
    elevation = np.ascontiguousarray(terrain.elevation_m, dtype=np.float32)
    cell_m = float(terrain.cell_m)
    if scenario.terrain.kind == "plane":
        # An exact plane has the same slope and aspect everywhere (Horn's stencil would also halve
        # the gradient at the border, where it replicates the edge cells).
        tc = scenario.terrain
        slope_deg = np.full(elevation.shape, tc.slope_deg, np.float32)
        aspect_deg = np.full(elevation.shape, tc.aspect_deg % 360.0 if tc.slope_deg > 0 else 0.0, np.float32)
    else:
        slope_deg, aspect_deg = slope_aspect(elevation, cell_m)
    timings["terrain_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # Over a DEM, a fuel raster is sampled at the DEM grid's own cells (both in the DEM's CRS).
    fuel_code = fuel_code_raster(scenario.fuel, elevation.shape, cell_m,
                                 component_seed(scenario.seed, "fuel"),
                                 origin_xy=tuple(terrain.origin_xy) if scenario.terrain.kind == "geotiff" else None)
    models = fuel_models_for(fuel_code, scenario.fuel.custom_models)
    nonburnable = np.array(sorted(c for c, m in models.items() if not m.burnable), dtype=np.int16)
    timings["fuel_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    structures = place_structures(scenario.structures, elevation, slope_deg, cell_m,
                                  component_seed(scenario.seed, "structures"))
    trees = place_trees(scenario.vegetation, elevation, slope_deg, cell_m, fuel_code,
                        component_seed(scenario.seed, "trees"), nonburnable)
    if len(structures) and len(trees):
        # Never a trunk inside a house; defensible space clears further when asked.
        trees = clear_defensible_space(trees, structures, scenario.structures.defensible_space_m)
    timings["vegetation_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    canopy = canopy_rasters(trees, elevation.shape, cell_m)
    timings["canopy_s"] = time.perf_counter() - t0

    return Landscape(
        scenario=scenario,
        cell_m=cell_m,
        elevation_m=elevation,
        slope_deg=slope_deg.astype(np.float32),
        aspect_deg=aspect_deg.astype(np.float32),
        fuel_code=fuel_code.astype(np.int16),
        fuel_models=models,
        canopy=canopy,
        trees=trees,
        structures=structures,
        crs_wkt=terrain.crs_wkt,
        origin_xy=tuple(terrain.origin_xy),
        meta={"timings": timings},
    )
