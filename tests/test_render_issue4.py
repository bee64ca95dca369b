"""Issue 4, point by point: the look of fire states, cameras, instances, metadata, randomisation.

Complements tests/test_render.py (which holds the small hand-built world used here).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_render import CELL, NAME_TO_ID, Z0, N, no_fire, small_landscape, with_fire

from wildfire_gym.fire.state import BurnState, FireSnapshot, TreeState
from wildfire_gym.render import camera as cm
from wildfire_gym.render import thermal as th
from wildfire_gym.world.fuels import fuel_models_for
from wildfire_gym.world.landscape import Trees

pytest.importorskip("OpenGL")
pytestmark = pytest.mark.render

HOUSE_ID = 30 + 1  # small_landscape(30): instance 1 + n_trees + house 0


@pytest.fixture(scope="module")
def world():
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(30)
    try:
        r = Renderer(land, RenderConfig(max_plumes=0))  # no smoke hiding what is tested
    except RuntimeError as exc:  # no headless GL on this machine
        pytest.skip(f"no offscreen OpenGL: {exc}")
    yield land, r
    r.close()


def _snap(land, bs: np.ndarray, ros: np.ndarray | float = 0.2, inten: np.ndarray | float = 1500.0,
          fl: np.ndarray | float = 2.5, t_s: float = 600.0, tree_state=None, frac=None) -> FireSnapshot:
    reached = (bs == BurnState.BURNING) | (bs == BurnState.BURNED)
    n = len(land.trees)
    st = np.zeros(n, np.uint8) if tree_state is None else np.asarray(tree_state, np.uint8)
    fr = np.ones(n, np.float32) if frac is None else np.asarray(frac, np.float32)

    def field(v):
        return np.where(reached, v, 0.0).astype(np.float32)

    return FireSnapshot(t_s, np.where(reached, 0.5 * t_s, np.inf).astype(np.float32), bs, field(ros), field(inten),
                        field(fl), st, np.where(st > 0, t_s - 60.0, np.inf).astype(np.float32), fr, 5.0, 270.0, 0.06)


def _disc(land, cx: float, cy: float, r_out: float, r_in: float = 0.0) -> np.ndarray:
    x, y = land.cell_centres()
    X, Y = np.meshgrid(x, y)
    r = np.hypot(X - cx, Y - cy)
    bs = np.zeros(land.shape, np.uint8)
    bs[r < r_out] = BurnState.BURNED
    bs[(r < r_out) & (r >= r_in)] = BurnState.BURNING
    return bs


# ------------------------------------------------------------------ scene built once
def test_scene_built_once_and_updated_per_frame(world, monkeypatch) -> None:
    import wildfire_gym.render.renderer as rr

    land, r = world
    calls = []
    monkeypatch.setattr(rr, "build_static_geometry", lambda *a, **k: calls.append(a))
    vbo = r._gpu.static.vbo
    cam = cm.nadir_camera(land, width=48, height=48)
    a = r.render(no_fire(land), cam)
    b = r.render(with_fire(land), cam)
    assert not calls and r._gpu.static.vbo == vbo  # static geometry untouched
    assert (a.semantic == NAME_TO_ID["terrain_burnt"]).sum() == 0
    assert (b.semantic == NAME_TO_ID["flame"]).sum() > 5  # the fire state arrived per frame
    assert (b.semantic != a.semantic).sum() > 200 and float(b.thermal_k.max()) > 600.0


# ------------------------------------------------------------------ terrain
def test_terrain_coloured_by_fuel_and_burn_scar() -> None:
    from wildfire_gym.render import RenderConfig, Renderer

    land = small_landscape(0)
    fuel = land.fuel_code.copy()
    fuel[:, N // 2:] = 165  # TU5 (timber-understory) on the east half, GR2 on the west
    land = dataclasses.replace(land, fuel_code=fuel, fuel_models=fuel_models_for(fuel))
    cam = cm.nadir_camera(land, width=64, height=64)
    with Renderer(land, RenderConfig()) as r:
        f = r.render(no_fire(land), cam)
        g = r.render(_snap(land, _disc(land, 100.0, 200.0, 70.0, 1e9), t_s=7200.0), cam)  # burnt out, cold
    west = f.rgb[8:56, 4:28].reshape(-1, 3).astype(float).mean(0)
    east = f.rgb[8:56, 36:60].reshape(-1, 3).astype(float).mean(0)
    assert np.abs(west - east).max() > 8.0  # different fuel -> different colour
    burnt = g.semantic == NAME_TO_ID["terrain_burnt"]
    unburnt = g.semantic == NAME_TO_ID["terrain_unburnt"]
    assert burnt.sum() > 200
    # char is dark (seen from 10 km up: the path radiance of the haze lifts it)
    assert g.rgb[burnt].mean() < 0.6 * g.rgb[unburnt & (np.arange(64)[None, :] < 32)].mean()


# ------------------------------------------------------------------ trees: looks, crown loss
def one_tree_landscape():
    land = small_landscape(0)
    one = Trees(np.array([0], np.int32), np.array([200.0], np.float32), np.array([200.0], np.float32),
                np.array([Z0], np.float32), np.array([14.0], np.float32), np.array([4.0], np.float32),
                np.array([3.5], np.float32), np.array([30.0], np.float32), np.array([5.0], np.float32),
                np.zeros(1, np.int16), np.array([7], np.uint32), ("pine",))
    return dataclasses.replace(land, trees=one)


def test_tree_states_look_and_crown_loss() -> None:
    from wildfire_gym.render import RenderConfig, Renderer

    land = one_tree_landscape()
    cam = cm.tower_camera(land, 200.0, 160.0, (200.0, 200.0), tower_height_m=9.0, fov_y_deg=40.0, width=96, height=96)
    bs = np.zeros(land.shape, np.uint8)
    frames = {}
    with Renderer(land, RenderConfig(max_plumes=0)) as r:
        for name, st, frac in (("live", TreeState.UNBURNT, 1.0), ("scorched", TreeState.SCORCHED, 1.0),
                               ("charred", TreeState.BURNT, 1.0), ("consumed", TreeState.BURNT, 0.15),
                               ("torching", TreeState.TORCHING, 0.6)):
            frames[name] = r.render(_snap(land, bs, tree_state=[st], frac=[frac]), cam, seed=1)
    px = {k: f.instance == 1 for k, f in frames.items()}
    rgb = {k: frames[k].rgb[px[k]].astype(float).mean(0) for k in ("live", "scorched", "charred")}
    assert px["live"].sum() > 300
    assert rgb["live"][1] > rgb["live"][0]  # green foliage
    assert rgb["scorched"][0] > 1.2 * rgb["scorched"][2] and rgb["scorched"][0] > rgb["live"][0]  # browned
    assert rgb["live"][1] > 1.3 * rgb["live"][[0, 2]].max()  # green
    assert rgb["charred"].max() < 1.15 * rgb["charred"].min()  # grey-black, not green
    assert rgb["charred"].sum() < 0.6 * rgb["scorched"].sum() and rgb["charred"].sum() < rgb["live"].sum()
    assert px["consumed"].sum() < 0.8 * px["live"].sum()  # crown loss shrinks the crown
    for k in ("live", "scorched", "charred"):
        want = "vegetation_live" if k == "live" else "vegetation_burnt"
        assert np.all(frames[k].semantic[px[k]] == NAME_TO_ID[want]), k
    tor = frames["torching"]
    flame = tor.semantic == NAME_TO_ID["flame"]
    assert flame.sum() > 100  # a burning crown carries flames
    assert tor.instance_source[int(np.bincount(tor.instance[flame]).argmax())][0] == "fire_region"
    assert float(np.median(tor.thermal_k[flame])) > 600.0
    assert float(np.median(frames["live"].thermal_k[px["live"]])) < 320.0


# ------------------------------------------------------------------ flames and smoke sized by the fire
def test_flames_sized_by_flame_length_and_smoke_by_intensity(world) -> None:
    from wildfire_gym.render import RenderConfig, Renderer

    land, r = world
    cam = cm.tower_camera(land, 200.0, 150.0, (200.0, 200.0), tower_height_m=4.0, fov_y_deg=60.0, width=96, height=96)
    bs = _disc(land, 200.0, 200.0, 25.0, 15.0)
    short = r.render(_snap(land, bs, fl=1.0), cam, seed=2)
    tall = r.render(_snap(land, bs, fl=6.0), cam, seed=2)
    n_short = (short.semantic == NAME_TO_ID["flame"]).sum()
    n_tall = (tall.semantic == NAME_TO_ID["flame"]).sum()
    assert n_short > 20 and n_tall > 2.5 * n_short
    hs = max(b.xyxy[3] - b.xyxy[1] for b in short.boxes if b.label == "flame")
    ht = max(b.xyxy[3] - b.xyxy[1] for b in tall.boxes if b.label == "flame")
    assert ht > 1.5 * hs
    assert np.all(short.smoke_alpha == 0.0)  # this renderer has smoke switched off
    with Renderer(land, RenderConfig()) as smoky:
        far = cm.tower_camera(land, 200.0, 10.0, (200.0, 200.0), tower_height_m=30.0, width=64, height=64)
        weak = smoky.render(_snap(land, bs, inten=500.0), far, seed=2)
        strong = smoky.render(_snap(land, bs, inten=5000.0), far, seed=2)
    assert strong.smoke_alpha.sum() > 1.5 * weak.smoke_alpha.sum() > 0.0


# ------------------------------------------------------------------ sun and sky
def test_sun_and_sky_follow_time_of_day(world) -> None:
    from wildfire_gym.render import Appearance

    land, r = world
    cam = cm.tower_camera(land, 10.0, 10.0, (300.0, 300.0), tower_height_m=10.0, width=64, height=64)
    day = r.render(no_fire(land), cam, appearance=Appearance(), seed=0)
    night = r.render(no_fire(land), cam, appearance=Appearance(hour_offset_h=10.0), seed=0)
    assert day.metadata["solar_elevation_deg"] > 40.0 > 0.0 > night.metadata["solar_elevation_deg"]
    sky = day.semantic == NAME_TO_ID["sky"]
    assert sky.sum() > 100 and np.array_equal(sky, night.semantic == NAME_TO_ID["sky"])
    assert night.rgb[sky].mean() < 0.3 * day.rgb[sky].mean()
    assert night.rgb[~sky].mean() < 0.3 * day.rgb[~sky].mean()
    dusk = r.render(no_fire(land), cam, appearance=Appearance(hour_offset_h=5.5), seed=0)
    assert 0.0 < dusk.metadata["solar_elevation_deg"] < 20.0
    sd = dusk.rgb[sky].astype(float).mean(0)
    assert sd[0] / sd[2] > day.rgb[sky].astype(float).mean(0)[0] / day.rgb[sky].astype(float).mean(0)[2]  # redder
    # ground warmed by the sun in thermal: cooler at night
    assert float(np.median(night.thermal_k[~sky])) < float(np.median(day.thermal_k[~sky])) - 5.0


# ------------------------------------------------------------------ cameras: K and extrinsics
def test_k_and_extrinsics_project_house_centre_onto_its_pixels(world) -> None:
    land, r = world
    h = land.structures
    centre = np.array([h.x_m[0], h.y_m[0], h.z_m[0] + 0.5 * h.height_m[0]], np.float64)
    eye = np.array([250.0, 10.0, Z0 + 60.0])
    yaw, pitch = cm.look_at_angles(eye, centre)
    cams = {
        "uav": cm.uav_camera(land, 250.0, 10.0, 60.0, yaw + 7.0, pitch - 5.0, 50.0, 120, 90),  # off-centre
        "tower": cm.tower_camera(land, 400.0, 160.0, (320.0, 80.0), tower_height_m=20.0, width=80, height=100),
        "nadir": cm.nadir_camera(land, (330.0, 70.0), 100.0, 128, 128),
    }
    for name, cam in cams.items():
        f = r.render(no_fire(land), cam, seed=0)
        assert f.semantic.shape == (cam.height, cam.width)  # resolution as asked
        u, v, z = cam.project(centre[None])
        c = (f.T_world_to_cam @ np.r_[centre, 1.0])[:3]
        pix = f.K @ c
        uv = pix[:2] / (pix[2] if cam.projection == "perspective" else 1.0)
        if cam.projection == "orthographic":
            uv = f.K[:2, :2] @ c[:2] + f.K[:2, 2]
        np.testing.assert_allclose(uv, [u[0], v[0]], atol=1e-9)
        col, row = int(round(uv[0])), int(round(uv[1]))
        assert 0 <= col < cam.width and 0 <= row < cam.height, name
        assert f.instance[row, col] == HOUSE_ID, name
        assert f.instance_class[HOUSE_ID] == NAME_TO_ID["structure"]
        assert f.instance_source[HOUSE_ID] == ("house", 0)
        if cam.projection == "perspective":  # the visible wall/roof is in front of the centre, within the house
            assert z[0] - 12.0 < f.depth_m[row, col] < z[0]


def test_nadir_orthographic_scale(world) -> None:
    land, r = world
    cam = cm.nadir_camera(land, (320.0, 80.0), 100.0, 128, 128)
    assert cam.K[0, 0] == pytest.approx(1.28) and cam.K[1, 1] == pytest.approx(1.28)  # px per m
    f = r.render(no_fire(land), cam, seed=0)
    np.testing.assert_allclose(f.T_world_to_cam[2, :3], [0.0, 0.0, -1.0], atol=1e-12)  # looks straight down
    # the house's image extent is its world footprint times the scale
    lo, hi = r.geometry.house_bounds_m[0]
    rows, cols = np.nonzero(f.instance == HOUSE_ID)
    assert (cols.max() - cols.min() + 1) == pytest.approx((hi[0] - lo[0]) * 1.28, abs=2.0)
    assert (rows.max() - rows.min() + 1) == pytest.approx((hi[1] - lo[1]) * 1.28, abs=2.0)
    # north up, east right: the house (y = 80) is centred, terrain south of y = 30 m is off the bottom
    assert rows.mean() == pytest.approx(63.5, abs=3.0) and cols.mean() == pytest.approx(63.5, abs=3.0)
    # depth of flat ground = altitude of the image plane above it
    ground = f.semantic == NAME_TO_ID["terrain_unburnt"]
    np.testing.assert_allclose(f.depth_m[ground], 10000.0 - Z0, rtol=1e-4)


# ------------------------------------------------------------------ instances of separate fire regions
def test_separate_fire_regions_get_distinct_instances(world) -> None:
    land, r = world
    bs = np.maximum(_disc(land, 90.0, 90.0, 35.0, 20.0), _disc(land, 300.0, 300.0, 35.0, 20.0))
    snap = _snap(land, bs)
    f = r.render(snap, cm.nadir_camera(land, width=96, height=96), seed=0)
    flame = f.semantic == NAME_TO_ID["flame"]
    half = np.zeros_like(flame)
    half[48:, :48] = True  # south-west quadrant (rows grow southwards)
    ids_sw = set(np.unique(f.instance[flame & half]).tolist())
    ne = np.zeros_like(flame)
    ne[:48, 48:] = True
    ids_ne = set(np.unique(f.instance[flame & ne]).tolist())
    assert len(ids_sw) == 1 and len(ids_ne) == 1 and ids_sw != ids_ne
    assert f.metadata["n_fire_regions"] == 2
    srcs = sorted(f.instance_source[i][1] for i in ids_sw | ids_ne)
    assert srcs == [0, 1] and all(f.instance_source[i][0] == "fire_region" for i in ids_sw | ids_ne)
    assert all(i > 30 + 1 for i in ids_sw | ids_ne)  # after every tree and house id
    fire_boxes = [b for b in f.boxes if b.label == "flame"]
    assert sorted(b.instance_id for b in fire_boxes) == sorted(ids_sw | ids_ne)


# ------------------------------------------------------------------ metadata
def test_metadata_equals_values_from_snapshot(world) -> None:
    land, r = world
    bs = _disc(land, 200.0, 200.0, 90.0, 70.0)
    x, y = land.cell_centres()
    X, _ = np.meshgrid(x, y)
    ros = 0.05 + X / 1000.0  # faster towards the east
    inten = 100.0 + 10.0 * X
    fl = 0.0775 * inten**0.46
    snap = _snap(land, bs, ros, inten, fl, t_s=900.0)
    hot_burnout = bs == BurnState.BURNED
    snap.ros_m_per_s[hot_burnout] = 9.0  # burned-out cells are not the head
    f = r.render(snap, cm.nadir_camera(land, width=32, height=32), seed=0)
    m = f.metadata
    burning = bs == BurnState.BURNING
    assert m["time_s"] == 900.0 and m["time_since_ignition_s"] == pytest.approx(900.0)  # ignition at t = 0
    assert m["burned_area_m2"] == pytest.approx(float((bs > 0).sum()) * CELL**2)
    assert m["burning_area_m2"] == pytest.approx(float(burning.sum()) * CELL**2)
    assert m["head_ros_m_per_s"] == pytest.approx(float(ros[burning].max()), rel=1e-6)
    assert m["max_fireline_intensity_w_per_m"] == pytest.approx(float(inten[burning].max()) * 1e3, rel=1e-6)
    assert m["max_flame_length_m"] == pytest.approx(float(fl[burning].max()), rel=1e-5)
    assert m["wind_speed_20ft_mps"] == 5.0 and m["wind_from_deg"] == 270.0 and m["moisture_d1h"] == 0.06
    assert m["air_temperature_k"] == pytest.approx(298.15)
    cold = r.render(no_fire(land), cm.nadir_camera(land, width=32, height=32), seed=0).metadata
    assert cold["burned_area_m2"] == 0.0 and cold["head_ros_m_per_s"] == 0.0 and cold["n_fire_regions"] == 0


# ------------------------------------------------------------------ thermal sensor model
def test_thermal_emissivity_and_saturation() -> None:
    table = th.band_table((8.0, 14.0))
    t = np.array([300.0, 800.0], np.float32)
    l_down = 20.0
    np.testing.assert_allclose(th.surface_radiance(t, 1.0, l_down, table), table.radiance(t), rtol=1e-6)
    np.testing.assert_allclose(th.surface_radiance(t, 0.0, l_down, table), l_down, rtol=1e-6)
    grey = th.surface_radiance(t, 0.9, l_down, table)
    np.testing.assert_allclose(grey, 0.9 * table.radiance(t) + 0.1 * l_down, rtol=1e-5)
    # a grey body's brightness temperature is below its kinetic temperature
    assert np.all(table.brightness_temperature(grey) < t)
    # atmosphere (Beer-Lambert) and smoke both blend towards the air's radiance, multiplicatively
    sensor = th.ThermalSensor(netd_k=0.0, adc_bits=24)
    hot = np.full((2, 2), table.radiance(700.0), np.float32)
    path = np.full((2, 2), 5000.0, np.float32)
    tau = np.full((2, 2), 3.0, np.float32)
    t_total = th.atmospheric_transmittance(path) * np.exp(-th.SMOKE_LWIR_TO_VISIBLE_EXTINCTION * tau)
    l_air = table.radiance(290.0)
    want = table.brightness_temperature(hot * t_total + (1.0 - t_total) * l_air)
    got = th.sensor_brightness_temperature(hot, path, tau, 290.0, sensor, None)
    np.testing.assert_allclose(got, want, atol=0.05)
    assert np.all((got > 290.0) & (got < 690.0))


def test_thermal_saturates_in_rendered_frame() -> None:
    from wildfire_gym.render import RenderConfig, Renderer, ThermalSensor

    land = small_landscape(0)
    sensor = ThermalSensor(saturation_k=500.0, netd_k=0.0)
    with Renderer(land, RenderConfig(thermal=sensor)) as r:
        f = r.render(with_fire(land), cm.nadir_camera(land, width=48, height=48), seed=0)
    assert float(f.thermal_k.max()) == pytest.approx(500.0, abs=0.5)
    assert np.all(f.thermal_k <= 500.0 + 0.5)


# ------------------------------------------------------------------ domain randomisation
def test_randomisation_seeded() -> None:
    from wildfire_gym.render import RandomizationRanges, RenderConfig, Renderer

    land = small_landscape(10)
    ranges = RandomizationRanges()
    cam = cm.uav_camera(land, 60.0, 60.0, 120.0, 45.0, 30.0, 60.0, 64, 64)
    snap = with_fire(land)
    with Renderer(land, RenderConfig(randomization=ranges)) as r:
        a = r.render(snap, cam, seed=5)
        b = r.render(snap, cam, seed=5)
        c = r.render(snap, cam, seed=6)
    assert a.metadata["appearance"] == b.metadata["appearance"]
    for name in ("rgb", "thermal_k", "smoke_alpha", "semantic", "depth_m"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    app_a, app_c = a.metadata["appearance"], c.metadata["appearance"]
    differing = [k for k in app_a if app_a[k] != app_c[k]]
    assert len(differing) >= 10  # every sampled parameter moves
    assert a.rgb.tobytes() != c.rgb.tobytes()
    for k in ("exposure", "blur_sigma_px", "noise_sigma", "smoke_density_scale", "hour_offset_h", "haze_per_m"):
        lo, hi = getattr(ranges, k)
        assert lo <= app_a[k] <= hi, k
    # geometry depends on the look only through the sampled lens, which keeps the principal point:
    # the central pixel sees the same point
    assert a.metadata["lens"]["pinhole_render_K"] == c.metadata["lens"]["pinhole_render_K"]
    assert a.metadata["lens"]["distortion_opencv"] != c.metadata["lens"]["distortion_opencv"]
    assert a.depth_m[31:33, 31:33].mean() == pytest.approx(c.depth_m[31:33, 31:33].mean(), rel=0.02)


# ------------------------------------------------------------------ headless platforms
def test_platform_selection_egl_default_osmesa_option() -> None:
    import subprocess
    import sys

    from wildfire_gym.render._gl import select_platform

    assert select_platform(None) == "egl"  # this process: EGL (conftest default)
    with pytest.raises(ValueError, match="osmesa"):
        select_platform("osmesa")  # PyOpenGL is already bound to EGL here
    # In a fresh process OSMesa is selectable: it renders, or fails with a clear error
    # naming the platform when Mesa's libOSMesa is not installed.
    code = ("import os; os.environ['PYOPENGL_PLATFORM'] = 'osmesa'\n"
            "from wildfire_gym.render._gl import GLContext\n"
            "try:\n    c = GLContext(16, 16, 'osmesa'); print('ok', c.renderer_name); c.close()\n"
            "except RuntimeError as e:\n    print('err', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok") or "platform 'osmesa'" in out.stdout, out.stdout
