"""Sensors (wildfire_gym.render): cameras, labels, depth, thermal, smoke, boxes, golden images.

GL tests (``@pytest.mark.render``) share one small renderer per module. Golden images live
in ``tests/golden``; regenerate them with ``WILDFIRE_GYM_REGEN_GOLDEN=1``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from wildfire_gym.fire.state import BurnState, FireSnapshot, TreeState
from wildfire_gym.render import camera as cm
from wildfire_gym.render import thermal as th
from wildfire_gym.render.scene import LABEL_NAMES, solar_position_deg
from wildfire_gym.scenario import scenario_from_dict
from wildfire_gym.world.fuels import fuel_models_for
from wildfire_gym.world.landscape import CanopyRasters, Landscape, Structures, Trees

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("WILDFIRE_GYM_REGEN_GOLDEN") == "1"
N = 40  # cells per side
CELL = 10.0
Z0 = 100.0
NAME_TO_ID = {v: k for k, v in LABEL_NAMES.items()}


# ------------------------------------------------------------------ a small world, built by hand
def small_landscape(n_trees: int = 30, flat: bool = True) -> Landscape:
    sc = scenario_from_dict({"name": "render-test", "seed": 1,
                             "terrain": {"size_m": [N * CELL, N * CELL], "cell_m": CELL, "kind": "plane"},
                             "fuel": {"model": "GR2"}, "vegetation": {"trees_per_ha": 0},
                             "weather": {"start_hour": 13.0, "air_temperature_c": 25.0},
                             "ignitions": [{"x_m": 200.0, "y_m": 200.0, "t_s": 0.0}]})
    x, y = np.meshgrid((np.arange(N) + 0.5) * CELL, (np.arange(N) + 0.5) * CELL)
    elev = np.full((N, N), Z0, np.float32) if flat else (Z0 + 0.05 * x + 5 * np.sin(y / 60.0)).astype(np.float32)
    fuel = np.full((N, N), 102, np.int16)  # GR2
    rng = np.random.default_rng(5)
    tx = rng.uniform(20, N * CELL - 20, n_trees).astype(np.float32)
    ty = rng.uniform(20, N * CELL - 20, n_trees).astype(np.float32)
    ix, iy = (tx / CELL).astype(int), (ty / CELL).astype(int)
    h = rng.uniform(8, 16, n_trees).astype(np.float32)
    trees = Trees(np.arange(n_trees, dtype=np.int32), tx, ty, elev[iy, ix].astype(np.float32), h,
                  (0.3 * h).astype(np.float32), (0.25 * h).astype(np.float32), np.full(n_trees, 20.0, np.float32),
                  np.full(n_trees, 5.0, np.float32), np.zeros(n_trees, np.int16),
                  rng.integers(0, 2**31, n_trees).astype(np.uint32), ("pine",))
    houses = Structures(np.array([0], np.int32), np.array([320.0], np.float32), np.array([80.0], np.float32),
                        np.array([elev[8, 32]], np.float32), np.array([14.0], np.float32), np.array([10.0], np.float32),
                        np.array([6.0], np.float32), np.array([30.0], np.float32))
    z = np.zeros((N, N), np.float32)
    return Landscape(scenario=sc, cell_m=CELL, elevation_m=elev, slope_deg=z, aspect_deg=z, fuel_code=fuel,
                     fuel_models=fuel_models_for(fuel), canopy=CanopyRasters(z, z, z, z), trees=trees,
                     structures=houses)


def no_fire(land: Landscape, t_s: float = 600.0) -> FireSnapshot:
    shape = land.shape
    n = len(land.trees)
    z = np.zeros(shape, np.float32)
    return FireSnapshot(t_s, np.full(shape, np.inf, np.float32), np.zeros(shape, np.uint8), z, z, z,
                        np.zeros(n, np.uint8), np.full(n, np.inf, np.float32), np.ones(n, np.float32), 5.0, 270.0, 0.06)


def with_fire(land: Landscape, t_s: float = 600.0) -> FireSnapshot:
    """A burnt disc of radius 80 m around (160, 200) with a flaming ring 60..80 m and a torching tree."""
    x, y = land.cell_centres()
    X, Y = np.meshgrid(x, y)
    r = np.hypot(X - 160.0, Y - 200.0)
    reached = r < 80.0
    bs = np.zeros(land.shape, np.uint8)
    bs[reached] = BurnState.BURNED
    bs[reached & (r >= 60.0)] = BurnState.BURNING
    arr = np.where(reached, r / 80.0 * t_s, np.inf).astype(np.float32)
    ros = np.where(reached, 0.2, 0.0).astype(np.float32)
    inten = np.where(reached, 1500.0, 0.0).astype(np.float32)
    fl = np.where(reached, 2.5, 0.0).astype(np.float32)
    tr = land.trees
    rt = np.hypot(tr.x_m - 160.0, tr.y_m - 200.0)
    st = np.zeros(len(tr), np.uint8)
    st[rt < 80.0] = TreeState.BURNT
    st[(rt >= 60.0) & (rt < 80.0)] = TreeState.TORCHING
    st[(rt >= 80.0) & (rt < 100.0)] = TreeState.SCORCHED
    frac = np.where(st == TreeState.BURNT, 0.0, np.where(st == TreeState.TORCHING, 0.6, 1.0)).astype(np.float32)
    return FireSnapshot(t_s, arr, bs, ros, inten, fl, st, np.where(st > 0, t_s - 100, np.inf).astype(np.float32),
                        frac, 5.0, 270.0, 0.06)


# ------------------------------------------------------------------ no GL
def test_projection_matrix_reproduces_k() -> None:
    land = small_landscape(0)
    cam = cm.uav_camera(land, 100.0, 50.0, 150.0, yaw_deg=30.0, pitch_deg=40.0, fov_y_deg=50.0, width=96, height=64)
    pts = np.array([[200.0, 200.0, 100.0], [150.0, 260.0, 120.0], [300.0, 100.0, 90.0]])
    u, v, z = cam.project(pts)
    clip = np.c_[pts, np.ones(3)] @ (cam.projection_matrix_gl() @ cam.view_matrix_gl()).T
    ndc = clip[:, :3] / clip[:, 3:]
    # GL window coordinates (edges at integers) minus 0.5 = OpenCV pixel-centre coordinates
    u_gl = (ndc[:, 0] + 1) / 2 * cam.width - 0.5
    v_gl = cam.height - (ndc[:, 1] + 1) / 2 * cam.height - 0.5
    np.testing.assert_allclose(u_gl, u, atol=1e-6)
    np.testing.assert_allclose(v_gl, v, atol=1e-6)
    assert np.all(z > 0)
    # depth buffer value -> z round trip
    d01 = (ndc[:, 2] + 1) / 2
    np.testing.assert_allclose(cam.depth_from_buffer(d01.astype(np.float64)), z, rtol=1e-5)


def test_camera_axes_and_validation() -> None:
    R = cm.rotation_world_to_cam(90.0, 0.0)  # looking east, level
    np.testing.assert_allclose(R[2], [1, 0, 0], atol=1e-12)  # forward = east
    np.testing.assert_allclose(R[1], [0, 0, -1], atol=1e-12)  # image down = world down
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)
    land = small_landscape(0)
    cam = cm.uav_camera(land, 200.0, 200.0, altitude_agl_m=120.0, pitch_deg=90.0)
    np.testing.assert_allclose(cam.position_m, [200.0, 200.0, Z0 + 120.0], atol=1e-9)
    np.testing.assert_allclose(cam.forward, [0, 0, -1], atol=1e-12)
    with pytest.raises(ValueError, match="fov_y_deg"):
        cm.uav_camera(land, 1.0, 1.0, fov_y_deg=0.0)
    with pytest.raises(ValueError, match="altitude_agl_m"):
        cm.uav_camera(land, 1.0, 1.0, altitude_agl_m=-5.0)
    with pytest.raises(ValueError, match="width/height"):
        cm.nadir_camera(land, width=4, height=4)


def test_planck_wien_and_inversion() -> None:
    lam = np.linspace(1e-6, 30e-6, 30001)
    b = th.planck_spectral_radiance(lam, 1000.0)
    assert lam[np.argmax(b)] * 1000.0 == pytest.approx(2.897771955e-3, rel=1e-3)  # Wien
    # Stefan-Boltzmann: integral over (almost) all wavelengths = sigma T^4 / pi
    wide = th.band_radiance(np.array([600.0]), (0.5, 1000.0), n_wavelengths=200001)[0]
    assert wide == pytest.approx(5.670374419e-8 * 600.0**4 / math.pi, rel=5e-3)
    table = th.band_table((8.0, 14.0))
    t = np.array([250.0, 300.0, 700.0, 1200.0])
    np.testing.assert_allclose(table.brightness_temperature(table.radiance(t)), t, rtol=1e-5)
    # 8-14 um at 300 K: black-body fractions F(2400 um K) = 0.1403 and F(4200 um K) = 0.5160
    # (standard tables) -> (0.5160 - 0.1403) sigma T^4 / pi = 54.9 W m^-2 sr^-1
    assert float(table.radiance(300.0)) == pytest.approx(0.3757 * 5.670374419e-8 * 300.0**4 / math.pi, rel=3e-3)


def test_sensor_noise_and_saturation() -> None:
    sensor = th.ThermalSensor(netd_k=0.1, saturation_k=900.0)
    table = th.band_table(sensor.band_um)
    rad = np.full((200, 200), table.radiance(300.0), np.float32)
    bt = th.sensor_brightness_temperature(rad, np.zeros_like(rad), None, 300.0, sensor, np.random.default_rng(0))
    assert float(bt.mean()) == pytest.approx(300.0, abs=0.02)
    assert float(bt.std()) == pytest.approx(0.1, rel=0.15)
    hot = np.full((4, 4), table.radiance(2000.0), np.float32)
    np.testing.assert_allclose(th.sensor_brightness_temperature(hot, np.zeros_like(hot), None, 300.0, sensor, None),
                               900.0, rtol=1e-4)
    # smoke between a hot surface and the camera pulls the brightness towards the air
    warm = np.full((4, 4), table.radiance(600.0), np.float32)
    clear = th.sensor_brightness_temperature(warm, np.zeros_like(warm), None, 300.0, sensor, None)
    smoky = th.sensor_brightness_temperature(warm, np.zeros_like(warm), np.full((4, 4), 10.0, np.float32), 300.0, sensor, None)
    assert np.all(smoky < clear - 5.0) and np.all(smoky > 300.0)


def test_small_physics_functions() -> None:
    assert float(th.flame_emissivity(np.array(1.0 / th.FLAME_EXTINCTION_PER_M))) == pytest.approx(1 - math.exp(-1))
    assert float(th.cooling_temperature_k(th.COOLING_TIME_CONSTANT_S, 300.0)) == pytest.approx(
        300.0 + (th.BURNOUT_TEMPERATURE_K - 300.0) / math.e)
    # Anderson (1969): t_r = 384 / sigma min; sigma = 2000 1/ft -> 11.52 s
    assert float(th.flame_residence_time_s(2000.0 / 0.3048)) == pytest.approx(11.52, rel=1e-6)
    el, az = solar_position_deg(12.0, 172, 40.0)  # June solstice noon at 40 N: 90 - 40 + 23.45
    assert el == pytest.approx(73.45, abs=0.1) and az == pytest.approx(180.0, abs=1e-6)
    el_m, az_m = solar_position_deg(9.0, 80, 0.0)  # equinox morning at the equator: sun in the east
    assert 30.0 < el_m < 50.0 and 60.0 < az_m < 120.0


def test_plume_model() -> None:
    from wildfire_gym.render import smoke as sm
    from wildfire_gym.render._gl import select_platform

    assert float(sm.plume_rise_m(100.0, 1000.0, 5.0)) == pytest.approx(1.6 * 100 ** (1 / 3) * 1000 ** (2 / 3) / 5)
    # Briggs (1975) distance to final rise, both branches
    assert sm.final_rise_distance_m(100.0) == pytest.approx(3.5 * 34.0 * 100.0 ** 0.4)
    assert sm.final_rise_distance_m(10.0) == pytest.approx(3.5 * 14.0 * 10.0 ** 0.625)
    # Briggs (1973) open-country neutral dispersion at 1 km
    assert float(sm.dispersion_sigma_y_m(1000.0)) == pytest.approx(76.28, abs=0.01)
    assert float(sm.dispersion_sigma_z_m(1000.0)) == pytest.approx(37.95, abs=0.01)
    assert sm.wind_at_height_mps(5.0, 300.0) == pytest.approx(5.0 * (300.0 / 6.096) ** (1 / 7))
    # F = g Q / (pi rho cp T)
    assert float(sm.buoyancy_flux_m4_s3(1e8, 300.0)) == pytest.approx(9.80665e8 / (math.pi * 1.2 * 1005.0 * 300.0))
    # Byram: burning rate Q / H; EF of it is smoke
    assert float(sm.smoke_mass_rate_kg_s(1.8e7)) == pytest.approx(0.012)
    # colour by phase: white for a weak surface fire, grey-brown for a strong one, black for crowns
    white, brown, black = sm.smoke_albedo_rgb(100.0, 0.0), sm.smoke_albedo_rgb(5000.0, 0.0), sm.smoke_albedo_rgb(3000.0, 1.0)
    assert white.mean() > brown.mean() > black.mean() and brown[0] > brown[2]
    with pytest.raises(ValueError, match="platform"):
        select_platform("vulkan")


def test_plume_density_follows_the_briggs_rise_and_drifts_downwind() -> None:
    from wildfire_gym.render import smoke as sm

    q = 2.0e8  # W
    f = float(sm.buoyancy_flux_m4_s3(q, 300.0))
    p = sm.Plume(source_m=(0.0, 0.0, 100.0), downwind=(1.0, 0.0), wind_mps=8.0, buoyancy_flux_m4_s3=f,
                 mass_rate_kg_s=float(sm.smoke_mass_rate_kg_s(q)), front_width_m=200.0, heat_release_w=q,
                 albedo_rgb=(0.8, 0.8, 0.8))
    z = np.linspace(100.0, 2000.0, 3801)
    for x in (200.0, 600.0, 3000.0):
        c = sm.plume_density_kg_m3(p, np.column_stack([np.full_like(z, x), np.zeros_like(z), z]))
        want = min(1.6 * f ** (1 / 3) * min(x, sm.final_rise_distance_m(f)) ** (2 / 3) / 8.0, sm.BOUNDARY_LAYER_TOP_M)
        assert z[np.argmax(c)] - 100.0 == pytest.approx(want, abs=1.0), x
    # smoke goes downwind: nothing 200 m upwind, plenty 200 m downwind at the same height
    zc = 100.0 + float(p.centreline_rise_m(200.0))
    up, down = sm.plume_density_kg_m3(p, np.array([[-200.0, 0.0, zc], [200.0, 0.0, zc]]))
    assert up < 1e-6 * down and down > 0
    # mass flux through a cross-section equals the emission rate (Gaussian plume)
    y, zz = np.meshgrid(np.linspace(-1500, 1500, 301), np.linspace(-600, 2600, 321))
    x = 1000.0
    c = sm.plume_density_kg_m3(p, np.column_stack([np.full(y.size, x), y.ravel(), 100.0 + zz.ravel()]))
    flux = c.sum() * (3000.0 / 300) * (3200.0 / 320) * p.wind_mps
    assert flux == pytest.approx(p.mass_rate_kg_s, rel=0.02)


# ------------------------------------------------------------------ GL
@pytest.fixture(scope="module")
def world():
    pytest.importorskip("OpenGL")
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(30)
    try:
        r = Renderer(land, RenderConfig(object_boxes=True, smoke_downsample=2))
    except RuntimeError as exc:  # no headless GL on this machine
        pytest.skip(f"no offscreen OpenGL: {exc}")
    yield land, r
    r.close()


def _fire_cam(land: Landscape, size: int = 128) -> cm.Camera:
    eye = np.array([40.0, 60.0, Z0 + 140.0])
    yaw, pitch = cm.look_at_angles(eye, np.array([170.0, 200.0, Z0]))
    return cm.uav_camera(land, 40.0, 60.0, 140.0, yaw, pitch, 60.0, size, size)


@pytest.mark.render
def test_depth_on_flat_plane_matches_geometry(world) -> None:
    land, r = world
    cam = cm.uav_camera(land, 200.0, 120.0, 90.0, yaw_deg=10.0, pitch_deg=35.0, fov_y_deg=55.0, width=96, height=80)
    empty = small_landscape(0)
    from wildfire_gym.render import RenderConfig, Renderer

    with Renderer(empty, RenderConfig()) as r0:
        f = r0.render(no_fire(empty), cam)
    vv, uu = np.mgrid[0:cam.height, 0:cam.width].astype(np.float64)
    rays = np.stack([(uu - cam.K[0, 2]) / cam.K[0, 0], (vv - cam.K[1, 2]) / cam.K[1, 1], np.ones_like(uu)], -1)
    R = cam.T_world_to_cam[:3, :3]
    d = rays @ R  # world directions (rows of R^T)
    c = cam.position_m
    t = (Z0 - c[2]) / d[..., 2]  # z_cam of the hit, since rays have z_cam = 1
    hit = c + t[..., None] * d
    inside = (t > 0) & (hit[..., 0] > 0.5 * CELL + 1) & (hit[..., 0] < (N - 0.5) * CELL - 1) \
        & (hit[..., 1] > 0.5 * CELL + 1) & (hit[..., 1] < (N - 0.5) * CELL - 1)
    assert inside.sum() > 1000
    np.testing.assert_allclose(f.depth_m[inside], t[inside], rtol=2e-3)
    assert np.all(np.isinf(f.depth_m[f.semantic == NAME_TO_ID["sky"]]))
    assert np.all(f.semantic[inside] == NAME_TO_ID["terrain_unburnt"])


@pytest.mark.render
def test_labels_agree_with_scene(world) -> None:
    land, r = world
    f = r.render(with_fire(land), _fire_cam(land))
    sem, inst = f.semantic, f.instance
    assert set(np.unique(sem)) <= set(LABEL_NAMES)
    assert (sem == NAME_TO_ID["flame"]).sum() > 50
    # instance -> class map is consistent with every labelled pixel
    ids = np.unique(inst[inst > 0])
    assert ids.size > 3
    for i in ids:
        assert np.all(sem[inst == i] == f.instance_class[int(i)]), f"instance {i}"
    assert np.all(inst[sem == NAME_TO_ID["flame"]] > 0)
    assert np.all(inst[(sem == NAME_TO_ID["sky"]) | (sem == NAME_TO_ID["terrain_unburnt"])] == 0)
    # every box is non-empty, encloses its instance's pixels and only names its class
    assert any(b.label == "flame" for b in f.boxes)
    for b in f.boxes:
        x0, y0, x1, y1 = b.xyxy
        assert x1 > x0 and y1 > y0 and b.visible_pixels > 0
        rows, cols = np.nonzero(inst == b.instance_id)
        assert rows.min() == y0 and rows.max() == y1 - 1 and cols.min() == x0 and cols.max() == x1 - 1
        assert rows.size == b.visible_pixels
        assert np.all(sem[rows, cols] == b.class_id) and LABEL_NAMES[b.class_id] == b.label
        fx0, fy0, fx1, fy1 = b.full_xyxy
        assert fx0 <= x0 and fy0 <= y0 and fx1 >= x1 and fy1 >= y1
    # every flame and smoke pixel lies in a box of its class
    for name in ("flame", "smoke"):
        mask = sem == NAME_TO_ID[name]
        covered = np.zeros_like(mask)
        for b in f.boxes:
            if b.label == name:
                covered[b.xyxy[1]:b.xyxy[3], b.xyxy[0]:b.xyxy[2]] = True
        assert np.all(covered[mask])
    # the burning crown's tree is labelled burnt, an unburnt tree live
    st = with_fire(land).tree_state
    for i in ids:
        src = f.instance_source[int(i)]
        if src[0] == "tree":
            want = "vegetation_live" if st[src[1]] == TreeState.UNBURNT else "vegetation_burnt"
            assert LABEL_NAMES[f.instance_class[int(i)]] == want


@pytest.mark.render
def test_occluded_flames_are_flagged(world) -> None:
    """A low camera behind the house: flames partly hidden, their full box larger than the visible one."""
    land, r = world
    # on the line from the fire centre (160, 200) through the house (320, 80), 30 m past the house
    f = r.render(with_fire(land), cm.tower_camera(land, 344.0, 62.0, (160.0, 200.0), tower_height_m=3.0,
                                                    width=128, height=96))
    assert (f.semantic == NAME_TO_ID["structure"]).sum() > 500
    flames = [b for b in f.boxes if b.label == "flame"]
    assert flames
    for b in flames:
        assert b.full_pixels is not None and b.full_pixels >= b.visible_pixels
        assert b.occluded == (b.visible_fraction < 0.98)
    assert any(b.occluded for b in flames)  # the house hides part of the ring


@pytest.mark.render
def test_thermal_hotter_where_burning_and_smoke_only_with_fire(world) -> None:
    land, r = world
    cam = cm.nadir_camera(land, width=80, height=80)
    cold = r.render(no_fire(land), cam)
    assert np.all(cold.smoke_alpha == 0.0)
    assert not np.any(cold.semantic == NAME_TO_ID["smoke"]) and not np.any(cold.semantic == NAME_TO_ID["flame"])
    assert not any(b.label in ("flame", "smoke") for b in cold.boxes)
    assert 295.0 < float(np.median(cold.thermal_k)) < 325.0  # sun-warmed ground at 25 C air
    hot = r.render(with_fire(land), cam)
    # pixels over flaming cells are far hotter than the unburnt ground
    x = (np.arange(80) + 0.5) / 80 * N * CELL
    X, Y = np.meshgrid(x, x[::-1])
    r_m = np.hypot(X - 160.0, Y - 200.0)
    ring = (r_m > 63) & (r_m < 77)
    far = r_m > 150
    assert float(np.median(hot.thermal_k[ring])) > 600.0
    assert abs(float(np.median(hot.thermal_k[far])) - float(np.median(cold.thermal_k[far]))) < 2.0
    inner = r_m < 40  # burned out, cooling: warmer than unburnt, colder than flames
    assert float(np.median(cold.thermal_k[far])) + 5 < float(np.median(hot.thermal_k[inner])) < 600.0
    assert hot.smoke_alpha.max() > 0.0 and np.all((hot.smoke_alpha >= 0) & (hot.smoke_alpha <= 1))


@pytest.mark.render
def test_metadata_and_files(world, tmp_path) -> None:
    from PIL import Image

    from wildfire_gym.render import side_by_side, write_frame

    land, r = world
    snap = with_fire(land)
    f = r.render(snap, _fire_cam(land, 64))
    m = f.metadata
    burned = float(snap.burned_any.sum()) * CELL**2
    assert m["burned_area_m2"] == pytest.approx(burned)
    assert m["time_since_ignition_s"] == pytest.approx(600.0)
    assert m["head_ros_m_per_s"] == pytest.approx(0.2, rel=1e-6)
    assert m["max_fireline_intensity_w_per_m"] == pytest.approx(1.5e6, rel=1e-6)
    assert m["wind_speed_20ft_mps"] == 5.0 and m["wind_from_deg"] == 270.0 and m["moisture_d1h"] == 0.06
    paths = write_frame(f, tmp_path, 3)
    assert all(p.exists() for p in paths) and not list(tmp_path.glob(".*tmp"))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "000003_rgb.png")), f.rgb)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "000003_semantic.png")), f.semantic)
    from wildfire_gym.render.frame import encode_instance_rgb, read_instance_png

    np.testing.assert_array_equal(read_instance_png(tmp_path / "000003_instance.png"), f.instance)
    big = np.array([[0, 1, 65535], [65536, 70000, (1 << 24) - 1]], np.int64)  # one format past 16 bits
    rgb = encode_instance_rgb(big)
    r8 = rgb.astype(np.int64)
    np.testing.assert_array_equal(r8[..., 0] + 256 * r8[..., 1] + 65536 * r8[..., 2], big)
    with pytest.raises(ValueError, match="instance"):
        encode_instance_rgb(np.array([[1 << 24]]))
    th8 = Image.open(tmp_path / "000003_thermal8.png")
    assert th8.mode == "P" and th8.size == (64, 64)
    lo, hi = m["thermal8_range_k"]
    idx = np.asarray(th8).astype(float)
    t_back = np.exp(np.log(lo) + idx / 255.0 * (np.log(hi) - np.log(lo)))
    inside = (f.thermal_k > lo) & (f.thermal_k < hi)
    np.testing.assert_allclose(t_back[inside], f.thermal_k[inside], rtol=np.log(hi / lo) / 255.0)
    arrays = np.load(tmp_path / "000003_arrays.npz")
    np.testing.assert_array_equal(arrays["thermal_k"], f.thermal_k)
    np.testing.assert_array_equal(arrays["depth_m"], f.depth_m)
    meta = json.loads((tmp_path / "000003_meta.json").read_text())
    np.testing.assert_allclose(meta["K"], f.K)
    assert len(meta["boxes"]) == len(f.boxes) and meta["label_names"]["5"] == "flame"
    # image-space components: every flame pixel in exactly one component box of its class
    comps = [c for c in meta["component_boxes"] if c["label"] == "flame"]
    assert sum(c["pixels"] for c in comps) == int((f.semantic == NAME_TO_ID["flame"]).sum()) > 0
    for c in comps:
        x0, y0, x1, y1 = c["xyxy"]
        assert (f.semantic[y0:y1, x0:x1] == NAME_TO_ID["flame"]).sum() >= c["pixels"]
    sbs = side_by_side(f)
    assert sbs.shape == (64, 192, 3) and sbs.dtype == np.uint8


@pytest.mark.render
def test_determinism_and_randomisation(world) -> None:
    from wildfire_gym.render import RandomizationRanges, sample_appearance

    land, r = world
    snap = with_fire(land)
    cam = _fire_cam(land, 64)
    app = sample_appearance(np.random.default_rng(3), RandomizationRanges())
    a = r.render(snap, cam, appearance=app, seed=11)
    b = r.render(snap, cam, appearance=app, seed=11)
    for name in ("rgb", "depth_m", "semantic", "instance", "thermal_k", "smoke_alpha"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert [x.to_dict() for x in a.boxes] == [x.to_dict() for x in b.boxes]
    c = r.render(snap, cam, appearance=app, seed=12)  # new noise, same scene
    np.testing.assert_array_equal(c.semantic, a.semantic)
    assert c.thermal_k.tobytes() != a.thermal_k.tobytes()
    assert sample_appearance(np.random.default_rng(3)) == app
    plain = r.render(snap, cam, seed=11)
    assert plain.rgb.tobytes() != a.rgb.tobytes()


@pytest.mark.render
def test_golden_images(world) -> None:
    """64x64 frames of a fixed scene against stored references (tolerances cover driver rounding)."""
    land, r = world
    frames = {"uav": r.render(with_fire(land), _fire_cam(land, 64), seed=1),
              "nadir": r.render(with_fire(land), cm.nadir_camera(land, width=64, height=64), seed=1)}
    for name, f in frames.items():
        path = GOLDEN / f"render_{name}_64.npz"
        if REGEN or not path.exists():
            if not REGEN:
                pytest.fail(f"missing golden {path}; run with WILDFIRE_GYM_REGEN_GOLDEN=1")
            GOLDEN.mkdir(exist_ok=True)
            np.savez_compressed(path, rgb=f.rgb, semantic=f.semantic, thermal_k=f.thermal_k, depth_m=f.depth_m)
            continue
        ref = np.load(path)
        assert np.mean(np.abs(f.rgb.astype(np.int16) - ref["rgb"])) < 2.0, name
        assert np.mean(f.semantic == ref["semantic"]) > 0.98, name
        assert float(np.median(np.abs(f.thermal_k - ref["thermal_k"]))) < 0.5, name
        finite = np.isfinite(ref["depth_m"])
        np.testing.assert_array_equal(np.isfinite(f.depth_m), finite)
        np.testing.assert_allclose(f.depth_m[finite], ref["depth_m"][finite], rtol=1e-3)


def test_numpy2_shim_gives_pyrender_its_infty() -> None:
    import trimesh

    from wildfire_gym.render import _gl  # noqa: F401 (the shim runs on import)

    assert np.infty == np.inf  # noqa: NPY201
    import pyrender

    mesh = pyrender.Mesh.from_trimesh(trimesh.creation.box(extents=(2.0, 4.0, 6.0)))
    assert np.allclose(mesh.bounds, [[-1.0, -2.0, -3.0], [1.0, 2.0, 3.0]])  # pyrender uses np.infty here
