"""Issue 8: platform cameras, flame curtain, plume, char and ash, far ground.

Uses the small hand-built world of tests/test_render.py (40 x 40 cells of 10 m, flat at
100 m, wind from the west at 5 m/s in the snapshots).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_render import CELL, NAME_TO_ID, Z0, N, no_fire, small_landscape, with_fire

from wildfire_gym.errors import ScenarioError
from wildfire_gym.render import camera as cm
from wildfire_gym.render import platforms as pf
from wildfire_gym.render import thermal as th


# ------------------------------------------------------------------ cameras (no GL)
@pytest.fixture(scope="module")
def land():
    return small_landscape(30)


def test_uav_preset_looks_at_the_fire_head(land) -> None:
    snap = with_fire(land)
    cam = pf.camera_for(land, pf.CameraSpec("uav"), snap)
    head = pf.fire_aim_point(land, snap)
    # with_fire: flaming ring r 60..80 m around (160, 200), wind from the west -> head at x ~ 235
    assert head[0] == pytest.approx(160.0 + 75.0, abs=CELL) and head[1] == pytest.approx(200.0, abs=CELL)
    u, v, z = cam.project(np.array([[head[0], head[1], Z0]]))
    assert u[0] == pytest.approx((cam.width - 1) / 2.0, abs=1e-6) and v[0] == pytest.approx((cam.height - 1) / 2.0, abs=1e-6)
    assert z[0] == pytest.approx(math.hypot(pf.UAV_STANDOFF_M, pf.UAV_ALTITUDE_AGL_M), rel=1e-9)
    assert cam.position_m[2] - Z0 == pytest.approx(pf.UAV_ALTITUDE_AGL_M)
    # 84 deg across the diagonal
    half_diag = math.hypot(cam.width, cam.height) / 2.0
    assert math.degrees(2 * math.atan(half_diag / cam.K[1, 1])) == pytest.approx(pf.UAV_RGB_DIAGONAL_FOV_DEG, abs=1e-6)


def test_uav_thermal_preset_is_640x512_with_its_field_of_view(land) -> None:
    cam = pf.camera_for(land, pf.CameraSpec("uav_thermal", altitude_agl_m=100.0), with_fire(land))
    assert (cam.width, cam.height) == (640, 512)
    half_diag = math.hypot(640, 512) / 2.0
    assert math.degrees(2 * math.atan(half_diag / cam.K[0, 0])) == pytest.approx(40.6, abs=1e-6)
    assert cam.position_m[2] == pytest.approx(Z0 + 100.0)


def test_tower_preset_outside_the_terrain_puts_the_fire_low_in_the_image(land) -> None:
    tgt = (200.0, 200.0)
    spec = pf.CameraSpec("tower", target_xy_m=tgt, distance_m=10000.0, bearing_deg=180.0)
    cam = pf.camera_for(land, spec)
    pos = cam.position_m
    np.testing.assert_allclose(pos, [200.0, 200.0 - 10000.0, Z0 + pf.TOWER_RIDGE_RELIEF_M + pf.TOWER_MAST_M], atol=1e-6)
    u, v, z = cam.project(np.array([[tgt[0], tgt[1], Z0]]))
    assert u[0] == pytest.approx((cam.width - 1) / 2.0, abs=1e-6)
    assert v[0] == pytest.approx((cam.height - 1) / 2.0 + (pf.TOWER_FIRE_ROW_FRACTION - 0.5) * cam.height, abs=1e-6)
    # depth = range x cos(angle off the axis)
    rng = math.hypot(10000.0, pf.TOWER_RIDGE_RELIEF_M + pf.TOWER_MAST_M)
    off = math.atan((pf.TOWER_FIRE_ROW_FRACTION - 0.5) * cam.height / cam.K[1, 1])
    assert z[0] == pytest.approx(rng * math.cos(off), rel=1e-9)
    hfov = math.degrees(2 * math.atan(cam.width / 2.0 / cam.K[0, 0]))
    assert hfov == pytest.approx(pf.TOWER_HORIZONTAL_FOV_DEG, abs=1e-6)
    # a point 1 km above the fire is well above the horizon row, inside the image
    _, v_up, _ = cam.project(np.array([[tgt[0], tgt[1], Z0 + 1000.0]]))
    assert 0 < v_up[0] < v[0] - 40


def test_nadir_preset_at_a_stated_gsd(land) -> None:
    cam = pf.camera_for(land, pf.CameraSpec("nadir", gsd_m=0.5, width=256, height=256, target_xy_m=(200.0, 200.0)))
    u, v, z = cam.project(np.array([[210.0, 195.0, Z0]]))
    assert u[0] == pytest.approx(127.5 + 10.0 / 0.5, abs=1e-6)  # east -> right
    assert v[0] == pytest.approx(127.5 + 5.0 / 0.5, abs=1e-6)  # south -> down
    assert z[0] == pytest.approx(cam.position_m[2] - Z0, rel=1e-9)
    assert cam.K[0, 0] == pytest.approx(2.0)  # pixels per metre


def test_explicit_pose_overrides_the_preset(land) -> None:
    cam = pf.camera_for(land, pf.CameraSpec("uav", x_m=50.0, y_m=60.0, altitude_agl_m=40.0, yaw_deg=90.0,
                                            pitch_deg=90.0, fov_y_deg=50.0, aim="none", width=64, height=48))
    np.testing.assert_allclose(cam.position_m, [50.0, 60.0, Z0 + 40.0], atol=1e-9)
    u, v, z = cam.project(np.array([[50.0, 60.0, Z0]]))  # straight below
    assert (u[0], v[0], z[0]) == pytest.approx((31.5, 23.5, 40.0))
    assert cam.K[1, 1] == pytest.approx(24.0 / math.tan(math.radians(25.0)))


@pytest.mark.parametrize(("kwargs", "flag"), [
    ({"camera": "drone"}, "--camera"), ({"camera": "uav", "altitude_agl_m": 500.0}, "--altitude-agl"),
    ({"camera": "tower", "distance_m": 100.0}, "--distance"), ({"camera": "uav", "resolution": "64by48"}, "--resolution"),
    ({"camera": "uav", "position": "12"}, "--position"), ({"camera": "uav", "fov_y_deg": 0.0}, "--fov"),
    ({"camera": "uav", "aim": "none"}, "--aim"), ({"camera": "nadir", "gsd_m": -1.0}, "--gsd"),
])
def test_camera_options_name_the_bad_flag(kwargs, flag) -> None:
    with pytest.raises(ScenarioError) as exc:
        pf.spec_from_options(**kwargs)
    assert exc.value.field == flag


def test_camera_options_and_times_parse() -> None:
    spec = pf.spec_from_options("uav_thermal", resolution="320x256", position="10,20", altitude_agl_m=50.0)
    assert spec.resolution() == (320, 256) and (spec.x_m, spec.y_m) == (10.0, 20.0)
    assert pf.spec_from_options("uav", size=200).resolution() == (200, 200)
    assert pf.parse_times_s("60, 120,600", 600.0, 3) == [60.0, 120.0, 600.0]
    assert pf.parse_times_s(None, 600.0, 3) == [200.0, 400.0, 600.0]
    for bad in ("", "700", "100,50", "a,b"):
        with pytest.raises(ScenarioError, match="--times"):
            pf.parse_times_s(bad, 600.0, 3)


# ------------------------------------------------------------------ GL
@pytest.fixture(scope="module")
def world():
    pytest.importorskip("OpenGL")
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(30)
    try:
        r = Renderer(land, RenderConfig(max_plumes=0))
    except RuntimeError as exc:  # no headless GL on this machine
        pytest.skip(f"no offscreen OpenGL: {exc}")
    yield land, r
    r.close()


@pytest.mark.render
def test_tower_outside_the_terrain_sees_ground_to_the_horizon(world) -> None:
    land, r = world
    tgt = (200.0, 200.0)
    cam = pf.camera_for(land, pf.CameraSpec("tower", target_xy_m=tgt, width=128, height=96, distance_m=6000.0,
                                            bearing_deg=200.0))
    f = r.render(no_fire(land), cam, seed=0)
    u, v, z = cam.project(np.array([[tgt[0], tgt[1], Z0]]))
    row, col = int(round(v[0])), int(round(u[0]))
    assert f.semantic[row, col] in (NAME_TO_ID["terrain_unburnt"], NAME_TO_ID["vegetation_live"])
    # depth below the fire: the pixel rays hit the flat ground (terrain, then skirt) at z = Z0
    R, c = cam.T_world_to_cam[:3, :3], cam.position_m
    for rr in range(row + 1, cam.height, 7):
        ray_cam = np.linalg.solve(cam.K, [col, rr, 1.0])
        ray = R.T @ ray_cam
        s = (Z0 - c[2]) / ray[2]
        assert f.depth_m[rr, col] == pytest.approx(s * ray_cam[2], rel=0.01), rr
    # everything below the fire is ground (the far-ground skirt), the top rows are sky
    below = f.semantic[row + 2:]
    assert np.all(below == NAME_TO_ID["terrain_unburnt"])
    assert np.all(np.isfinite(f.depth_m[row + 2:]))
    assert np.all(f.semantic[:10] == NAME_TO_ID["sky"])
    # haze grows with distance: the far ground just below the horizon is closer to the sky colour
    near_rgb = f.rgb[-3:].reshape(-1, 3).astype(float).mean(0)
    horizon_row = int(np.max(np.nonzero(f.semantic[:, 5] == NAME_TO_ID["sky"])[0])) + 1
    far_rgb = f.rgb[horizon_row + 1].astype(float).mean(0)
    sky_rgb = f.rgb[horizon_row - 2].astype(float).mean(0)
    assert np.abs(far_rgb - sky_rgb).sum() < np.abs(near_rgb - sky_rgb).sum()
    assert N * CELL < 6000.0  # the camera is outside the 400 m terrain


# ------------------------------------------------------------------ ground after fire (no GL)
def test_char_grades_to_ash_with_consumption() -> None:
    import dataclasses

    from wildfire_gym.fire.state import BurnState
    from wildfire_gym.render import scene as sc
    from wildfire_gym.render.randomize import Appearance
    from wildfire_gym.world.fuels import fuel_models_for

    base = small_landscape(0)
    fuel = np.full(base.shape, 185, np.int16)  # TL5: heavy timber litter, white ash when consumed
    land = dataclasses.replace(base, fuel_code=fuel, fuel_models=fuel_models_for(fuel))
    ts = sc.terrain_static(land, seed=0)
    t_now = 4000.0
    ages = np.array([0.0, 300.0, 1200.0, 3600.0])  # time since the front arrived, s
    arrival = np.full(land.shape, np.inf, np.float32)
    bs = np.zeros(land.shape, np.uint8)
    for k, a in enumerate(ages):
        arrival[10:30, 5 + 8 * k:11 + 8 * k] = t_now - a
        bs[10:30, 5 + 8 * k:11 + 8 * k] = BurnState.BURNED
    snap = dataclasses.replace(no_fire(land, t_now), arrival_time_s=arrival, burn_state=bs)
    light = sc.lighting_for(12.0, 200, 38.0, 298.0, Appearance())
    table = th.band_table((8.0, 14.0))
    rgba, _, _ = sc.terrain_textures(land, snap, ts, light, Appearance(), table, 1.0)
    alb = (rgba[..., :3].astype(np.float32) / 255.0) ** 2  # the texture stores sqrt(albedo)
    burnout = sc.BURNOUT_TIME_S_BY_GROUP["timber-litter"]
    means = []
    for k, a in enumerate(ages):
        m = np.s_[10:30, 5 + 8 * k:11 + 8 * k]
        ash = ts.ash[m] * (1.0 - np.exp(-a / burnout))
        want = sc.CHAR_RGB[None, None] * (1 - ash[..., None]) + sc.ASH_RGB[None, None] * ash[..., None]
        np.testing.assert_allclose(alb[m], want, atol=0.012)
        means.append(float(alb[m].mean()))
    assert means[0] == pytest.approx(float(sc.CHAR_RGB.mean()), abs=0.01)  # fresh: black char
    assert means[0] < means[1] < means[2] < means[3]  # greyer and whiter as the fuel is consumed
    assert means[3] > 4 * means[0]
    # fine grass leaves much less ash than timber litter
    grass = sc.terrain_static(base, seed=0)
    assert grass.ash.mean() < 0.5 * ts.ash.mean()


# ------------------------------------------------------------------ flame curtain (no GL)
def _radial_fire(land, t_s: float, v_mps: float = 0.5, centre=(200.0, 200.0), fl_m: float = 2.0):
    import dataclasses

    from wildfire_gym.fire.state import BurnState

    x, y = land.cell_centres()
    X, Y = np.meshgrid(x, y)
    T = np.hypot(X - centre[0], Y - centre[1]) / v_mps
    reached = T <= t_s
    arr = np.where(reached, T, np.inf).astype(np.float32)
    bs = np.where(reached, np.where(t_s - T < 30.0, BurnState.BURNING, BurnState.BURNED), 0).astype(np.uint8)
    f = np.where(reached, 1.0, 0.0).astype(np.float32)
    return dataclasses.replace(no_fire(land, t_s), arrival_time_s=arr, burn_state=bs, ros_m_per_s=f * v_mps,
                               fireline_intensity_kw_m=f * 800.0, flame_length_m=f * fl_m)


@pytest.mark.parametrize("t_s", [45.0, 100.0, 150.0])
def test_flame_curtain_follows_the_arrival_time_isochrone(land, t_s: float) -> None:
    from wildfire_gym.render import flames as fm

    v = 0.5
    snap = _radial_fire(land, t_s, v)
    residence = np.full(land.shape, 20.0, np.float32)
    front = fm.flame_front(land, snap, residence)
    assert front.count > 10
    for p in (front.p0, front.p1):
        r = np.hypot(p[:, 0] - 200.0, p[:, 1] - 200.0)
        assert np.abs(r - v * t_s).max() <= CELL  # within one cell of the true front
    # continuous: a closed curve, every end point shared by exactly two segments
    ends = np.round(np.concatenate([front.p0, front.p1]), 6)
    _, counts = np.unique(ends, axis=0, return_counts=True)
    assert np.all(counts == 2)
    w = np.linspace(0.0, 1.0, 11)[:, None, None]
    along = (front.p0[None] * (1 - w) + front.p1[None] * w).reshape(-1, 2)  # points along every segment
    ang = np.degrees(np.arctan2(along[:, 1] - 200.0, along[:, 0] - 200.0))
    assert np.unique(((ang + 180.0) // 10).astype(int) % 36).size == 36  # all the way round
    # spread direction points outwards; zone depth = ROS x residence
    radial = (front.p0 - 200.0) / np.linalg.norm(front.p0 - 200.0, axis=1, keepdims=True)
    assert np.min(np.sum(radial * front.normal0, axis=1)) > 0.9
    np.testing.assert_allclose(front.depth0, v * 20.0, rtol=0.05)
    # the wedge: base on the front, tips at the flame length (x flicker), tilted downwind (east)
    verts = fm.curtain_vertices(front, land.elevation_m, CELL, 5.0, 270.0, np.ones(front.count), 1.0, t_s)
    h = verts[:, 3]
    base, tip = verts[h == 0], verts[h == 1]
    assert np.all(np.abs(base[:, 2] - Z0) < 0.1)
    tilt = float(th.flame_tilt_rad(5.0, 2.0))
    rise = tip[:, 2] - Z0
    lo, hi = 2.0 * (1 - fm.FLICKER_AMPLITUDE), 2.0 * (1 + fm.FLICKER_AMPLITUDE)
    assert rise.min() >= lo * math.cos(math.radians(80)) and rise.max() <= hi
    assert 0.5 * 2.0 * math.cos(tilt) < np.median(rise) < 1.5 * 2.0 * math.cos(tilt)


def test_burnt_out_front_has_no_curtain_and_marching_squares_saddles(land) -> None:
    import dataclasses

    from wildfire_gym.render import flames as fm

    snap = _radial_fire(land, 100.0)
    # the same burn, long after: every cell burned out, no cell ahead predicted before t
    old = dataclasses.replace(snap, time_s=5000.0, burn_state=np.where(snap.burn_state > 0, 2, 0).astype(np.uint8))
    assert fm.flame_front(land, old, np.full(land.shape, 20.0, np.float32)).count == 0
    # a saddle: two diagonal corners below the level
    a, b, sq = fm.isochrone_segments(np.array([[0.0, 2.0], [2.0, 0.0]]), 1.0)
    assert a.shape == (2, 2) and np.all(sq == 0)
    pts = np.concatenate([a, b])
    assert np.all(np.isclose(pts, 0.5) | np.isclose(pts, 0.0) | np.isclose(pts, 1.0))


# ------------------------------------------------------------------ smoke (GL)
@pytest.fixture(scope="module")
def smoky():
    pytest.importorskip("OpenGL")
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(30)
    try:
        r = Renderer(land, RenderConfig(smoke_noise=0.0, smoke_downsample=1))
    except RuntimeError as exc:
        pytest.skip(f"no offscreen OpenGL: {exc}")
    yield land, r
    r.close()


def _strong_fire(land, t_s: float = 150.0):
    import dataclasses

    snap = _radial_fire(land, t_s, 0.5, fl_m=4.0)
    return dataclasses.replace(snap, fireline_intensity_kw_m=np.where(np.isfinite(snap.arrival_time_s), 8000.0, 0.0)
                               .astype(np.float32))


def _luminance(rgb: np.ndarray) -> np.ndarray:
    lin = (rgb.astype(np.float64) / 255.0) ** 2  # the frames' display gamma is 2
    return lin @ np.array([0.2126, 0.7152, 0.0722])


@pytest.mark.render
def test_rendered_smoke_opacity_matches_the_plume_model(smoky) -> None:
    from wildfire_gym.render import smoke as sm

    land, r = smoky
    snap = _strong_fire(land)
    # from the south, 1.5 km off, looking north across the plume (it drifts east)
    cam = pf.camera_for(land, pf.CameraSpec("tower", target_xy_m=(600.0, 200.0), distance_m=1500.0, bearing_deg=180.0,
                                            width=96, height=96, pitch_deg=-8.0, fov_y_deg=40.0))
    f = r.render(snap, cam, seed=0)
    plumes = [sm.Plume(**{**d, "source_m": tuple(d["source_m"]), "downwind": tuple(d["downwind"]),
                          "albedo_rgb": tuple(d["albedo_rgb"])}) for d in f.metadata["plumes"]]
    assert len(plumes) == 1 and plumes[0].downwind == pytest.approx((1.0, 0.0), abs=1e-9)
    sky = ~np.isfinite(f.depth_m)
    rows, cols = np.nonzero(sky & (f.smoke_alpha > 0.05))
    assert rows.size > 50
    R, c = cam.T_world_to_cam[:3, :3], cam.position_m
    pick = np.linspace(0, rows.size - 1, 25).astype(int)
    for rr, cc in zip(rows[pick], cols[pick]):
        d = R.T @ np.linalg.solve(cam.K, [cc, rr, 1.0])
        tau = sum(sm.plume_optical_depth(p, c, d, 20000.0, 6000) for p in plumes)
        assert f.smoke_alpha[rr, cc] == pytest.approx(1.0 - math.exp(-tau), abs=0.04 + 0.1 * (1.0 - math.exp(-tau)))


@pytest.mark.render
def test_smoke_is_labelled_where_visible_and_visible_where_labelled(smoky, world) -> None:
    land, r = smoky
    _, clear_r = world  # same landscape, no plumes
    snap = _strong_fire(land)
    cam = pf.camera_for(land, pf.CameraSpec("uav", target_xy_m=(300.0, 200.0), altitude_agl_m=120.0, distance_m=250.0,
                                            bearing_deg=200.0, width=96, height=96))
    f = r.render(snap, cam, seed=0)
    g = clear_r.render(snap, cam, seed=0)
    smoke = f.semantic == NAME_TO_ID["smoke"]
    assert smoke.sum() > 100
    y1, y0 = _luminance(f.rgb), _luminance(g.rgb)
    contrast = np.abs(y1 - y0) / np.maximum(y0, 0.02)
    assert np.all(contrast[smoke] >= 0.05 - 0.01) and np.all(f.smoke_alpha[smoke] >= 0.1)
    unlabelled = ~smoke & (f.semantic != NAME_TO_ID["flame"]) & (g.semantic != NAME_TO_ID["flame"])
    # where the smoke is more than a veil (min_alpha) and changes the image, it is labelled --
    # except specks (connected regions under 16 px)
    from scipy import ndimage

    visible = unlabelled & (f.smoke_alpha >= 0.1) & (contrast >= 0.05 + 0.01)
    lab, n = ndimage.label(visible, structure=np.ones((3, 3), bool))
    assert n == 0 or np.bincount(lab.ravel())[1:].max() < 16
    assert (unlabelled & (f.smoke_alpha > 0.0)).any()  # faint smoke exists and is not labelled
    assert f.metadata["smoke_label_rule"] == {"min_alpha": 0.1, "luminance_contrast": 0.05}


@pytest.mark.render
def test_tower_sees_the_column_above_the_horizon(smoky) -> None:
    land, r = smoky
    snap = _strong_fire(land)
    cam = pf.camera_for(land, pf.CameraSpec("tower", width=160, height=120, bearing_deg=180.0), snap)
    f = r.render(snap, cam, seed=0)
    smoke = f.semantic == NAME_TO_ID["smoke"]
    # rows whose rays point above the horizontal
    R = cam.T_world_to_cam[:3, :3]
    ray_z = np.array([(R.T @ np.linalg.solve(cam.K, [80.0, v, 1.0]))[2] for v in range(120)])
    above = ray_z > 0.0
    assert smoke[above].sum() > 20


@pytest.mark.render
def test_smoke_texture_moves_with_its_plume() -> None:
    """The billowing noise lives in the plume's own frame: the same fire moved 160 m east,
    seen by a camera moved with it, gives the same smoke opacity (in world coordinates, a noise
    scale that grows downwind sheared the texture into streaks far from the origin)."""
    import dataclasses

    pytest.importorskip("OpenGL")
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(0)
    alphas = []
    with Renderer(land, RenderConfig(smoke_downsample=1)) as r:
        assert r.config.smoke_noise > 0
        for dx in (0.0, 160.0):
            snap = _radial_fire(land, 150.0, 0.5, centre=(120.0 + dx, 200.0), fl_m=4.0)
            snap = dataclasses.replace(snap, fireline_intensity_kw_m=np.where(np.isfinite(snap.arrival_time_s), 8000.0,
                                                                              0.0).astype(np.float32))
            cam = pf.camera_for(land, pf.CameraSpec("nadir", x_m=700.0 + dx, y_m=200.0, gsd_m=5.0, width=96, height=96))
            alphas.append(r.render(snap, cam, seed=0).smoke_alpha)
    a, b = alphas
    smoky_px = (a > 0.05) | (b > 0.05)
    assert smoky_px.sum() > 2000
    assert np.std(a[smoky_px]) > 0.05  # textured, not a smooth Gaussian
    np.testing.assert_allclose(a, b, atol=0.01)


# ------------------------------------------------------------------ thermal sky and ground
def test_clear_sky_window_emissivity_and_brightness() -> None:
    table = th.band_table((8.0, 14.0))
    # Idso (1981) at 25 C: vapour pressure from the Magnus form
    assert th.saturation_vapour_pressure_hpa(298.15) == pytest.approx(31.67, abs=0.1)  # tables: 31.67 hPa
    e0 = 0.2 * th.saturation_vapour_pressure_hpa(298.15)
    eps_dry = th.window_sky_emissivity_zenith(298.15, 0.2)
    assert eps_dry == pytest.approx(0.24 + 2.98e-8 * e0**2 * math.exp(3000.0 / 298.15), rel=1e-12)
    eps_wet = th.window_sky_emissivity_zenith(298.15, 0.8)
    assert 0.24 < eps_dry < eps_wet < 1.0
    t_zen = float(table.brightness_temperature(np.float32(eps_dry * table.radiance(298.15))))
    t_zen_wet = float(table.brightness_temperature(np.float32(eps_wet * table.radiance(298.15))))
    assert 190.0 < t_zen < 250.0 and t_zen < t_zen_wet < 290.0  # far colder than the air at the zenith
    # slant paths: opaque (air temperature) at the horizon, zenith value overhead
    eps = th.window_sky_emissivity(eps_dry, np.array([1.0, 0.5, 0.02]))
    assert eps[0] == pytest.approx(eps_dry) and eps[1] == pytest.approx(1 - (1 - eps_dry) ** 2)
    assert eps[2] > 0.99
    l_down = th.window_sky_downwelling_radiance(eps_dry, 298.15, table)
    assert eps_dry * table.radiance(298.15) < l_down < table.radiance(298.15)


def test_window_sky_emissivity_matches_idso_1981_in_its_published_units() -> None:
    # Idso (1981, Water Resour. Res. 17:295), 8-14 um: eps = 0.24 + 2.98e-6 e0^2 exp(3000 / T0) with
    # e0 in kPa (as Kimball et al. 1982 use it; 2.98e-12 with e0 in Pa). Evaluated by hand:
    # e0 = 1.5 kPa, T0 = 293.15 K -> 0.4266; e0 = 1.0 kPa, T0 = 283.15 K -> 0.3590.
    for t0, e0_kpa, published in ((293.15, 1.5, 0.4266), (283.15, 1.0, 0.3590)):
        rh = 10.0 * e0_kpa / th.saturation_vapour_pressure_hpa(t0)  # the relative humidity giving e0
        assert th.window_sky_emissivity_zenith(t0, rh) == pytest.approx(published, abs=1e-4)
    # a coefficient in the wrong unit (2.98e-6 with hPa) would saturate the window: eps would be 1
    assert th.window_sky_emissivity_zenith(298.15, 0.5) < 0.6


@pytest.mark.render
def test_rendered_thermal_sky_cold_overhead_and_ground_near_air(world) -> None:
    land, r = world
    cam = pf.camera_for(land, pf.CameraSpec("uav", x_m=200.0, y_m=200.0, altitude_agl_m=40.0, yaw_deg=0.0,
                                            pitch_deg=-50.0, aim="none", fov_y_deg=80.0, width=64, height=64))
    f = r.render(no_fire(land), cam, seed=0)
    air = f.metadata["air_temperature_k"]
    sky = f.semantic == NAME_TO_ID["sky"]
    assert sky[:5].all()
    top = float(np.median(f.thermal_k[:3][sky[:3]]))  # ~90 deg elevation
    assert top < 260.0 and top == pytest.approx(f.metadata["sky_zenith_brightness_temperature_k"], abs=8.0)
    down = pf.camera_for(land, pf.CameraSpec("uav", x_m=200.0, y_m=100.0, altitude_agl_m=40.0, yaw_deg=0.0,
                                             pitch_deg=60.0, aim="none", width=64, height=64))
    g = r.render(no_fire(land), down, seed=0)
    ground = g.semantic == NAME_TO_ID["terrain_unburnt"]
    t_ground = float(np.median(g.thermal_k[ground]))
    assert air - 5.0 < t_ground < air + 25.0  # sun-warmed ground, emissivity < 1 reflecting a cold sky


# ------------------------------------------------------------------ instancing
@pytest.mark.render
def test_instanced_trees_render_the_same_labels_as_merged_meshes() -> None:
    pytest.importorskip("OpenGL")
    from wildfire_gym.render import RenderConfig, Renderer

    n = 200
    land = small_landscape(n)
    snap = with_fire(land)  # live, scorched, torching and burnt trees
    cam = pf.camera_for(land, pf.CameraSpec("uav", x_m=200.0, y_m=60.0, altitude_agl_m=30.0, yaw_deg=0.0,
                                            pitch_deg=18.0, fov_y_deg=70.0, aim="none", width=192, height=192))
    frames = {}
    for inst in (True, False):
        with Renderer(land, RenderConfig(tree_lod=0, tree_instancing=inst, max_plumes=0)) as r:
            frames[inst] = r.render(snap, cam, seed=0)
    a, b = frames[True], frames[False]
    tree_px = (b.instance >= 1) & (b.instance <= n)
    assert tree_px.sum() > 3000
    assert np.mean(a.semantic == b.semantic) > 0.995
    assert np.mean(a.instance == b.instance) > 0.995
    ca = np.bincount(a.instance.ravel(), minlength=n + 2)[1:n + 1]
    cb = np.bincount(b.instance.ravel(), minlength=n + 2)[1:n + 1]
    seen = cb > 30
    assert seen.sum() >= 10
    np.testing.assert_allclose(ca[seen], cb[seen], rtol=0.1)
    for cls in ("vegetation_live", "vegetation_burnt", "flame"):
        na, nb = (a.semantic == NAME_TO_ID[cls]).sum(), (b.semantic == NAME_TO_ID[cls]).sum()
        assert na == pytest.approx(nb, rel=0.05, abs=5), cls


def test_closed_outward_meshes_are_told_apart() -> None:
    import trimesh

    from wildfire_gym.render.instancing import closed_outward

    box = trimesh.creation.box()
    assert closed_outward(box.vertices, box.faces)
    assert not closed_outward(box.vertices, box.faces[:, ::-1])  # wound inward
    assert not closed_outward(box.vertices, box.faces[:-1])  # one face missing: open
    flipped = box.faces.copy()
    flipped[0] = flipped[0, ::-1]
    assert not closed_outward(box.vertices, flipped)  # inconsistent winding


@pytest.mark.render
@pytest.mark.parametrize("species", ["oak", "pine"])
def test_front_faces_only_for_closed_crowns_changes_no_label(species: str) -> None:
    """Closed crowns are drawn with back faces culled; from above, from the side and from
    below the crowns the frame's labels and colours equal drawing every face."""
    import dataclasses

    pytest.importorskip("OpenGL")
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(200)
    land = dataclasses.replace(land, trees=dataclasses.replace(land.trees, species_names=(species,)))
    snap = with_fire(land)
    cams = [pf.camera_for(land, pf.CameraSpec("uav", x_m=200.0, y_m=60.0, altitude_agl_m=30.0, yaw_deg=0.0,
                                              pitch_deg=18.0, fov_y_deg=70.0, aim="none", width=128, height=128)),
            cm.uav_camera(land, 150.0, 150.0, 3.0, 45.0, -30.0, width=128, height=128)]  # looking up into crowns
    with Renderer(land, RenderConfig(tree_lod=0, max_plumes=0)) as r:
        inst = r._gpu.instances  # noqa: SLF001 (the templates drawn)
        closed = {k: t.crown_closed for k, t in inst.templates.items()}
        if species == "oak":
            assert all(closed.values())
        culled = [r.render(snap, c, seed=0) for c in cams]
        for k, t in list(inst.templates.items()):
            inst.templates[k] = dataclasses.replace(t, crown_closed=False)
        both = [r.render(snap, c, seed=0) for c in cams]
    for a, b in zip(culled, both):
        assert ((b.semantic == NAME_TO_ID["vegetation_live"]) | (b.semantic == NAME_TO_ID["vegetation_burnt"])).sum() > 500
        np.testing.assert_array_equal(a.semantic, b.semantic)
        np.testing.assert_array_equal(a.instance, b.instance)
        assert np.abs(a.rgb.astype(np.int16) - b.rgb).max() <= 1


# ------------------------------------------------------------------ sensor effects
def test_lens_distortion_model_round_trip_and_vignetting() -> None:
    from wildfire_gym.render import sensor as se

    d = se.LensDistortion(k1=-0.1, k2=0.01, p1=0.001, p2=-0.0005)
    x = np.linspace(-0.6, 0.6, 7)
    X, Y = np.meshgrid(x, x)
    xd, yd = se.distort_normalised(X, Y, d)
    r2 = X**2 + Y**2
    # OpenCV's radial + tangential model, written out
    want_x = X * (1 - 0.1 * r2 + 0.01 * r2**2) + 2 * 0.001 * X * Y - 0.0005 * (r2 + 2 * X**2)
    np.testing.assert_allclose(xd, want_x, atol=1e-12)
    xu, yu = se.undistort_normalised(xd, yd, d)
    np.testing.assert_allclose(xu, X, atol=1e-4) and np.testing.assert_allclose(yu, Y, atol=1e-4)
    K = np.array([[100.0, 0, 49.5], [0, 100.0, 39.5], [0, 0, 1]])
    g = se.vignetting_gain(K, 100, 80, 1.0)
    assert g[40, 50] == pytest.approx(1.0, abs=1e-3)
    corner = (1 / (1 + (49.5 / 100) ** 2 + (39.5 / 100) ** 2)) ** 2  # cos^4 at the corner
    assert g[0, 0] == pytest.approx(corner, rel=1e-6)
    img = np.full((20, 20, 3), 100, np.uint8)
    assert se.motion_blur(img, 5.0, 30.0).mean() == pytest.approx(100.0, abs=0.5)  # blur keeps the mean


@pytest.mark.render
def test_distorted_frame_keeps_labels_on_the_pixels_of_the_model(world) -> None:
    from wildfire_gym.render import sensor as se
    from wildfire_gym.render.randomize import Appearance

    land, r = world
    cam = pf.camera_for(land, pf.CameraSpec("uav", target_xy_m=(320.0, 80.0), altitude_agl_m=60.0, distance_m=90.0,
                                            bearing_deg=200.0, width=96, height=96))
    app = Appearance(lens_distortion=(-0.12, 0.0, 0.0, 0.0, 0.0), vignetting=0.4, jpeg_quality=80)
    f = r.render(no_fire(land), cam, appearance=app, seed=0)
    lens = f.metadata["lens"]
    assert lens["distortion_opencv"] == [-0.12, 0.0, 0.0, 0.0, 0.0]
    K = np.array(lens["K"])
    assert K[0, 0] >= cam.K[0, 0]  # zoomed in so the barrel corners stay inside the render
    np.testing.assert_allclose(f.K, K)
    assert np.all(np.isfinite(f.depth_m[-1, [0, -1]]))  # the bottom corners (ground) are not left empty
    # the house centre projects (pinhole, then OpenCV distortion with the frame's K) onto house pixels
    h = land.structures
    p_cam = cam.T_world_to_cam[:3, :3] @ np.array([h.x_m[0], h.y_m[0], h.z_m[0] + 3.0]) + cam.T_world_to_cam[:3, 3]
    xd, yd = se.distort_normalised(np.array(p_cam[0] / p_cam[2]), np.array(p_cam[1] / p_cam[2]),
                                   se.LensDistortion(-0.12))
    u, v = K[0, 0] * xd + K[0, 2], K[1, 1] * yd + K[1, 2]
    rr, cc = int(round(float(v))), int(round(float(u)))
    assert f.semantic[rr, cc] == NAME_TO_ID["structure"]
    assert f.metadata["appearance"]["jpeg_quality"] == 80


@pytest.mark.render
def test_clouds_grey_the_sky_and_warm_its_thermal_image(world) -> None:
    from wildfire_gym.render.randomize import Appearance

    land, r = world
    cam = pf.camera_for(land, pf.CameraSpec("uav", x_m=200.0, y_m=200.0, altitude_agl_m=40.0, yaw_deg=0.0,
                                            pitch_deg=-60.0, aim="none", fov_y_deg=60.0, width=64, height=64))
    clear = r.render(no_fire(land), cam, seed=0)
    cloudy = r.render(no_fire(land), cam, appearance=Appearance(cloud_cover=0.9), seed=0)
    sky = (clear.semantic == NAME_TO_ID["sky"]) & (cloudy.semantic == NAME_TO_ID["sky"])
    assert sky.mean() > 0.9
    blue = lambda f: float(np.mean(f.rgb[sky][:, 2].astype(float) - f.rgb[sky][:, 0]))  # noqa: E731
    assert blue(cloudy) < 0.7 * blue(clear)  # grey-white cloud instead of blue sky
    t_cloud = th.cloud_base_temperature_k(clear.metadata["air_temperature_k"], 1800.0)
    assert t_cloud == pytest.approx(clear.metadata["air_temperature_k"] - 11.7)
    assert float(np.median(cloudy.thermal_k[sky])) > float(np.median(clear.thermal_k[sky])) + 20.0
    assert float(np.max(cloudy.thermal_k[sky])) < t_cloud + 2.0


@pytest.mark.render
def test_sun_casts_a_tree_shadow_of_the_right_length_and_direction() -> None:
    pytest.importorskip("OpenGL")
    from test_render_issue4 import one_tree_landscape

    from wildfire_gym.render import RenderConfig, Renderer
    from wildfire_gym.render.randomize import Appearance

    land = one_tree_landscape()  # one 14 m pine at (200, 200), crown from 4 m, radius 3.5 m
    cam = pf.camera_for(land, pf.CameraSpec("nadir", gsd_m=0.5, width=160, height=160, target_xy_m=(200.0, 200.0)))
    with Renderer(land, RenderConfig(max_plumes=0)) as r:
        f = r.render(no_fire(land), cam, appearance=Appearance(hour_offset_h=4.0), seed=0)
    el, az = math.radians(f.metadata["solar_elevation_deg"]), math.radians(f.metadata["solar_azimuth_deg"])
    away = -np.array([math.sin(az), math.cos(az)])  # shadows point away from the sun
    lum = f.rgb.astype(float).sum(2)

    def at(dist_m: float, direction: np.ndarray) -> float:
        x, y = np.array([200.0, 200.0]) + dist_m * direction
        u, v, _ = cam.project(np.array([[x, y, Z0]]))
        return float(lum[int(round(v[0])), int(round(u[0]))])

    mid = 0.5 * (4.0 + 14.0) / math.tan(el)  # where the middle of the crown's shadow falls
    beyond = 14.0 / math.tan(el) + 6.0
    assert at(mid, away) < 0.7 * at(mid, -away)  # shaded behind the tree, sunlit in front
    assert at(beyond, away) == pytest.approx(at(beyond, -away), rel=0.08)  # the shadow ends after h / tan(el)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_extend_fills_the_ring_around_a_region_from_its_nearest_cells(seed: int) -> None:
    """Cells within EXTEND_RING_CELLS of the region take the value of a nearest region cell
    (ties: any of them), whether the region is the small side or its complement is."""
    from scipy import ndimage

    from wildfire_gym.render.scene import EXTEND_RING_CELLS, _extend

    rng = np.random.default_rng(seed)
    n = 60
    yy, xx = np.mgrid[0:n, 0:n]
    blob = np.hypot(yy - rng.uniform(15, 45), xx - rng.uniform(15, 45)) < rng.uniform(4, 12)
    blob |= rng.random((n, n)) < 0.002  # stray cells
    ids = np.arange(n * n, dtype=np.int64).reshape(n, n)  # a value naming its cell
    for have in (blob, ~blob):
        out = _extend(ids, have)
        dist = ndimage.distance_transform_edt(~have)
        ring = ~have & (dist <= EXTEND_RING_CELLS)
        assert ring.sum() > 20
        src_y, src_x = np.divmod(out[ring], n)
        assert have[src_y, src_x].all()
        d = np.hypot(src_y - yy[ring], src_x - xx[ring])
        np.testing.assert_allclose(d, dist[ring], atol=1e-9)
        np.testing.assert_array_equal(out[have], ids[have])  # the region itself is untouched


def test_block_culling_selects_the_same_trees_as_testing_every_tree() -> None:
    """Blocks wholly outside, inside or too far decide for their trees; the buckets equal a
    per-tree test (one block holding every tree) for views from above, the side and afar."""
    from wildfire_gym.render import instancing as ri
    from wildfire_gym.render.passes import IMPOSTOR_SWITCH_PX, LOD_REFERENCE_SIZE_M, LOD_SWITCH_PX

    land = small_landscape(3000)
    inst = ri.tree_instances(land.trees, 1, 0)
    t = land.trees
    centres = np.column_stack([t.x_m, t.y_m, t.z_m + t.crown_base_m + 0.5 * (t.height_m - t.crown_base_m)])
    blocks = ri.tree_blocks(inst, centres, 40.0)
    one = ri.tree_blocks(inst, centres, 1e9)
    assert blocks.start.size - 1 >= 50 and one.start.size == 2
    cams = [cm.uav_camera(land, 200.0, 200.0, 60.0, 30.0, 35.0, width=256, height=256),
            cm.uav_camera(land, 20.0, 200.0, 5.0, 90.0, 2.0, width=256, height=256),
            cm.uav_camera(land, 390.0, 10.0, 400.0, 300.0, 60.0, fov_y_deg=20.0, width=128, height=96),
            cm.nadir_camera(land, width=128, height=128)]
    n_drawn = []
    for cam in cams:
        VP = cam.projection_matrix_gl() @ cam.view_matrix_gl()
        args = (inst, centres, cam, VP, LOD_SWITCH_PX, IMPOSTOR_SWITCH_PX, LOD_REFERENCE_SIZE_M)
        a, b = ri.select_instances(*args, blocks), ri.select_instances(*args, one)
        assert [k for k, _ in a] == [k for k, _ in b]
        for (_, ia), (_, ib) in zip(a, b):
            np.testing.assert_array_equal(np.sort(ia), np.sort(ib))
        n_drawn.append(sum(x.size for _, x in a))
    assert 0 < min(n_drawn[:3]) and max(n_drawn[:3]) < 3000  # views that cull some trees and keep others
