"""FireSimulation's parameter path: the uniform shortcut equals the per-cell evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from wildfire_gym.fire.rothermel import FuelBedTable, surface_fire_grid
from wildfire_gym.fire.simulation import FireSimulation, horizontal_projection_factor
from wildfire_gym.scenario import scenario_from_dict
from wildfire_gym.world import build_world


def _land(**terrain):
    sc = scenario_from_dict({
        "terrain": {"size_m": [400, 300], "cell_m": 10, "kind": "plane", **terrain},
        "fuel": {"model": "GR2"}, "vegetation": {"trees_per_ha": 0},
        "weather": {"wind_speed_mps": 4.0, "wind_height": "20ft", "wind_from_deg": 300},
        "ignitions": [{"x_m": 200, "y_m": 150}], "duration_s": 60,
    })
    return build_world(sc)


def test_uniform_shortcut_equals_per_cell_rothermel():
    land = _land(slope_deg=12.0, aspect_deg=135.0)
    sim = FireSimulation(land)
    p = sim.spread_params(0, 0.0)
    sc = land.scenario
    from wildfire_gym.fire.wind import midflame_wind_mps

    table = FuelBedTable.from_models(land.fuel_models)
    depth = land.fuel_models[int(land.fuel_code[0, 0])].depth_m
    mid = midflame_wind_mps(np.full(land.shape, 4.0), "20ft", depth)
    m = sc.fuel.moisture
    ref = surface_fire_grid(table, land.fuel_code, {"d1h": m.d1h, "d10h": m.d10h, "d100h": m.d100h,
                                                    "live_herb": m.live_herb, "live_woody": m.live_woody},
                            mid, 300.0, np.tan(np.deg2rad(land.slope_deg)), land.aspect_deg)
    # (depth in m vs the table's ft round-trips at 1e-8)
    np.testing.assert_allclose(p["ros_surface_m_s"], ref.ros_m_per_s, rtol=1e-6)
    np.testing.assert_allclose(p["head_dir_deg"], ref.direction_of_max_spread_deg, rtol=1e-6)
    np.testing.assert_allclose(p["lb"], ref.length_to_breadth, rtol=1e-6)


def _mosaic(**terrain):
    sc = scenario_from_dict({
        "terrain": {"size_m": [900, 600], "cell_m": 10, **terrain},
        "fuel": {"patches": {"GR2": 0.4, "SH5": 0.3, "TL8": 0.2, "NB9": 0.1}, "patch_scale_m": 80},
        "vegetation": {"trees_per_ha": 0},
        "weather": {"wind_speed_mps": 5.0, "wind_height": "20ft", "wind_from_deg": 250},
        "ignitions": [{"x_m": 450, "y_m": 300}], "duration_s": 60,
    })
    return build_world(sc)


@pytest.mark.parametrize("terrain", [{"kind": "plane"}, {"kind": "fractal", "relief_m": 30.0}])
def test_a_fuel_mosaic_evaluated_once_per_fuel_equals_every_cell(terrain, monkeypatch):
    """On flat ground every input but the fuel code is uniform: each fuel is evaluated once and
    scattered, bit for bit what the cell-by-cell pass gives; on terrain the slope varies within a
    fuel and every cell is evaluated."""
    from wildfire_gym.fire import simulation

    land = _mosaic(**terrain)
    assert len(np.unique(land.fuel_code)) >= 3
    calls = []
    real = FireSimulation._parameters

    def counting(self, table, cells, moisture, with_canopy):
        calls.append(cells["code"].size)
        return real(self, table, cells, moisture, with_canopy)

    monkeypatch.setattr(FireSimulation, "_parameters", counting)
    fast = FireSimulation(land).spread_params(0, 0.0)
    monkeypatch.setattr(simulation, "DISTINCT_ROWS_MIN_CELLS", 10**9)
    slow = FireSimulation(land).spread_params(0, 0.0)
    n = land.shape[0] * land.shape[1]
    if terrain["kind"] == "plane":
        assert calls[0] == len(np.unique(land.fuel_code)) and calls[-1] == n
    else:
        assert calls[0] == n
    assert fast.keys() == slow.keys()
    for k in fast:
        assert np.asarray(fast[k]).tobytes() == np.asarray(slow[k]).tobytes(), k


def test_horizontal_projection_factor_reference_values():
    # along the contour nothing changes; straight upslope or downslope the map rate is R cos(theta)
    assert horizontal_projection_factor(np.tan(np.deg2rad(30.0)), 180.0, 90.0) == 1.0
    np.testing.assert_allclose(horizontal_projection_factor(np.tan(np.deg2rad(30.0)), 180.0, 0.0),
                               np.cos(np.deg2rad(30.0)), rtol=1e-12)
    np.testing.assert_allclose(horizontal_projection_factor(np.tan(np.deg2rad(30.0)), 180.0, 180.0),
                               np.cos(np.deg2rad(30.0)), rtol=1e-12)
    np.testing.assert_allclose(horizontal_projection_factor(0.0, 0.0, 37.0), 1.0)


def test_fuel_break_during_the_fire_removes_its_canopy():
    sc = scenario_from_dict({
        "terrain": {"size_m": [400, 300], "cell_m": 10, "kind": "plane"},
        "fuel": {"model": "TU5"}, "vegetation": {"trees_per_ha": 300, "species": {"fir": 1.0}},
        "weather": {"wind_speed_mps": 4.0, "wind_from_deg": 270},
        "ignitions": [{"x_m": 50, "y_m": 150}], "duration_s": 600,
        "interventions": [{"kind": "fuel_break", "t_s": 60, "points_m": [[200, 0], [200, 300]], "width_m": 40}],
    })
    land = build_world(sc)
    sim = FireSimulation(land)
    ix = slice(18, 22)  # cells whose centres lie within 20 m of x = 200 m
    before = sim.landscapes[0].canopy.bulk_density_kg_m3[:, ix].sum()
    assert before > 0
    sim.advance(120.0)
    after = sim.landscapes[0].canopy
    assert after.bulk_density_kg_m3[:, ix].sum() == 0.0
    # crowns of trees beside the break may overhang its edge cells, not its middle
    assert after.cover[:, 19:21].sum() == 0.0 < land.canopy.cover[:, 19:21].sum()
    # outside the break the canopy is what the world built
    np.testing.assert_array_equal(after.bulk_density_kg_m3[:, :15], land.canopy.bulk_density_kg_m3[:, :15])


def _line_fire(kind: str, t_s: float) -> np.ndarray:
    sc = scenario_from_dict({
        "terrain": {"size_m": [600, 200], "cell_m": 10, "kind": "plane"},
        "fuel": {"model": "FM1"}, "vegetation": {"trees_per_ha": 0},
        "weather": {"wind_speed_mps": 2.2352, "wind_height": "midflame", "wind_from_deg": 270},
        "ignitions": [{"x_m": 100, "y_m": 100}], "duration_s": 1200,
        "interventions": [{"kind": kind, "t_s": t_s, "points_m": [[300, 0], [300, 200]], "width_m": 20,
                           "moisture_add": 3.0}],
    })
    sim = FireSimulation(build_world(sc))
    sim.run()
    return sim.snapshot(0).arrival_time_s


def test_lines_laid_at_time_zero_take_effect():
    # FM1 at 5 mi/h runs 31 m/min: unchecked it crosses x = 300 m within 10 minutes
    beyond = slice(32, None)
    for kind in ("fireline", "wetline"):
        for t_s in (0.0, 1.0):
            arrival = _line_fire(kind, t_s)
            assert np.isfinite(arrival[:, :28]).any()
            assert not np.isfinite(arrival[:, beyond]).any(), (kind, t_s)


def test_stand_canopy_averages_over_the_stand():
    from wildfire_gym.fire.simulation import stand_canopy
    from wildfire_gym.world.landscape import CanopyRasters

    z = np.zeros((5, 5))
    h = z.copy()
    h[2, 2] = 20.0
    cbd = z.copy()
    cbd[2, 2] = 0.9
    cover = z.copy()
    cover[2, 2] = 0.9
    base = z.copy()
    base[2, 2] = 5.0
    out = stand_canopy(CanopyRasters(cover, h, base, cbd), cell_m=10.0, scale_m=30.0)
    # a 3 x 3 window: mass and cover spread over 9 cells, heights kept where trees are within reach
    np.testing.assert_allclose(out.bulk_density_kg_m3[1:4, 1:4], 0.1)
    np.testing.assert_allclose(out.cover[1:4, 1:4], 0.1)
    np.testing.assert_allclose(out.height_m[1:4, 1:4], 20.0)
    np.testing.assert_allclose(out.base_height_m[1:4, 1:4], 5.0)
    assert out.bulk_density_kg_m3[0, 0] == 0.0 and out.height_m[0, 0] == 0.0
    assert out.bulk_density_kg_m3.sum() == pytest.approx(cbd.sum())


def test_active_crown_cells_carry_the_canopy_fuel_in_their_intensity():
    from wildfire_gym.constants import CANOPY_HEAT_CONTENT_KJ_KG
    from wildfire_gym.fire.simulation import stand_canopy

    sc = scenario_from_dict({
        "terrain": {"size_m": [300, 300], "cell_m": 10, "kind": "plane"},
        "fuel": {"model": "SH5", "moisture": {"d1h": 0.03, "d10h": 0.04, "d100h": 0.05, "live_herb": 0.3,
                                              "live_woody": 0.6, "foliar": 0.8}},
        "vegetation": {"trees_per_ha": 800, "species": {"fir": 1.0}, "clustering": 0.0},
        "weather": {"wind_speed_mps": 15.0, "wind_from_deg": 270},
        "ignitions": [{"x_m": 150, "y_m": 150}], "duration_s": 60,
    })
    land = build_world(sc)
    p = FireSimulation(land).spread_params(0, 0.0)
    surface = FireSimulation(land, crown_fire=False).spread_params(0, 0.0)["intensity_per_ros_kj_m2"]
    active = p["crown_ros_m_s"] > 0
    assert active.mean() > 0.5  # dense fir, dry, 15 m/s: an active crown fire
    canopy = stand_canopy(land.canopy, land.cell_m)
    load = canopy.bulk_density_kg_m3 * np.maximum(canopy.height_m - canopy.base_height_m, 0.0)
    expected = np.where(active, surface + load * CANOPY_HEAT_CONTENT_KJ_KG, surface)
    np.testing.assert_allclose(p["intensity_per_ros_kj_m2"], expected, rtol=1e-12)
    assert (load[active] > 0).all()


def test_a_parameter_pass_on_several_threads_equals_one_thread(monkeypatch):
    """Chunks of an elementwise pass on threads give the bits of one pass (terrain: every cell differs)."""
    from wildfire_gym.fire import simulation

    land = _mosaic(kind="fractal", relief_m=30.0)
    monkeypatch.setenv("WILDFIRE_GYM_THREADS", "1")
    one = FireSimulation(land).spread_params(0, 0.0)
    monkeypatch.setattr(simulation, "PARALLEL_MIN_CELLS", 1000)
    monkeypatch.setenv("WILDFIRE_GYM_THREADS", "3")
    chunks = []
    real = FireSimulation._parameters

    def counting(self, table, cells, moisture, with_canopy):
        chunks.append(cells["code"].size)
        return real(self, table, cells, moisture, with_canopy)

    monkeypatch.setattr(FireSimulation, "_parameters", counting)
    many = FireSimulation(land).spread_params(0, 0.0)
    assert len(chunks) >= 6 and sum(chunks) == 2 * land.shape[0] * land.shape[1]
    for k in one:
        assert np.asarray(one[k]).tobytes() == np.asarray(many[k]).tobytes(), k


def test_a_uniform_member_keeps_one_cell_of_inputs():
    """A spatially uniform member's parameter inputs are one cell each, not views into copies of
    whole rasters (256 members of 128^2 kept 60 MB alive that way)."""
    land = _land()
    sim = FireSimulation([land, land])
    assert sim._static(0)["uniform"]
    inp = sim._member_inputs(1, 0.0)
    assert inp["uniform"] and inp["n"] == 1
    for key, v in inp["cells"].items():
        held = v if v.base is None else v.base
        assert np.asarray(held).size == 1, key
