"""DroneSurveillance pixel observations: spaces, API checks, determinism, and the thermal image
seeing the fire where the camera model says it is."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from scipy import ndimage

import wildfire_gym  # noqa: F401
from wildfire_gym.envs import DroneSurveillanceEnv, DroneSurveillanceVectorEnv, EpisodeConfig
from wildfire_gym.envs.drone import DroneBatch
from wildfire_gym.envs.sb3 import WildfireSB3VecEnv
from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.state import BurnState
from wildfire_gym.render import LABEL_NAMES

SMALL = EpisodeConfig(grid_cells=32, n_landscapes=2, ignition_distance_m=(300.0, 450.0), n_houses=4)


@pytest.mark.render
def test_each_pixel_mode_has_the_documented_entries_shapes_and_dtypes():
    want = {"thermal": {"thermal": np.float32}, "rgb": {"rgb": np.uint8}, "labels": {"labels": np.uint8},
            "rgbd": {"rgb": np.uint8, "depth": np.float32}}
    for mode, keys in want.items():
        env = DroneSurveillanceEnv(episode=SMALL, obs_mode=mode, n_drones=2, resolution=(40, 32))
        obs, _ = env.reset(seed=3)
        obs, *_ = env.step(np.array([3, 5]))
        assert set(obs) == {"pose", *keys}
        assert obs["pose"].shape == (10,) and obs["pose"].dtype == np.float32
        for k, dt in keys.items():
            assert obs[k].dtype == dt
            assert obs[k].shape == (32, 40, 3 * 2 if k == "rgb" else 2)
        assert env.observation_space.contains(obs)
        if mode == "labels":
            assert set(np.unique(obs["labels"])) <= set(LABEL_NAMES)
        if mode == "thermal":  # brightness temperature of sunlit ground on a 30 C day, K
            assert 280.0 < float(np.median(obs["thermal"])) < 340.0
        if mode == "rgbd":  # nadir from 300 m over 60 m of relief: depth is the height above ground
            assert 200.0 < float(np.median(obs["depth"])) < 400.0
        # pose: x, y (m), z (m above sea level), yaw (rad, the heading flown: 90 deg east), pitch (nadir)
        x, y, z, yaw, pitch = obs["pose"][:5]
        core = env.core
        assert (x, y) == pytest.approx(tuple(core.pos[0, 0]), abs=1e-3)
        assert yaw == pytest.approx(np.pi / 2) and pitch == pytest.approx(np.pi / 2)
        assert z == pytest.approx(core.drone_camera(0, 0).position_m[2], abs=1e-2)
        env.close()


@pytest.mark.render
def test_pixel_observations_pass_the_gymnasium_and_sb3_checkers():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check

    env = gym.make("WildfireGym/DroneSurveillance-v0", episode=SMALL, obs_mode="rgbd", resolution=48)
    check_env(env.unwrapped, skip_render_check=True)
    env.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SB3 warns that float32 / 0..7 images are not uint8 0..255 images
        for mode in ("thermal", "labels"):
            e = DroneSurveillanceEnv(episode=SMALL, obs_mode=mode, n_drones=2, resolution=40)
            sb3_check(e, warn=True)
            e.close()


@pytest.mark.render
def test_sb3_multi_input_policy_trains_on_the_batched_pixel_env():
    from stable_baselines3 import PPO

    venv = DroneSurveillanceVectorEnv(num_envs=2, episode=SMALL, obs_mode="rgb", resolution=36)
    env = WildfireSB3VecEnv(venv)
    model = PPO("MultiInputPolicy", env, n_steps=4, batch_size=8, n_epochs=1, seed=0, device="cpu")
    model.learn(8)
    obs = env.reset()
    assert obs["rgb"].shape == (2, 36, 36, 3)
    action, _ = model.predict(obs)
    assert action.shape == (2, 1)
    env.close()


@pytest.mark.render
def test_seeding_reproduces_pixel_observations_and_vector_slots_equal_single_envs():
    acts = [np.array([[3], [1]]), np.array([[2], [0]]), np.array([[4], [7]])]
    venv = DroneSurveillanceVectorEnv(num_envs=2, episode=SMALL, obs_mode="thermal", resolution=32)
    vobs, _ = venv.reset(seed=[11, 12])
    steps = [venv.step(a)[0] for a in acts]
    core = venv.core
    # one renderer per landscape used, all in one GL context, kept across steps (never rebuilt)
    used = {e.landscape_index for e in core.episodes}
    assert set(core._renderers) == used
    ctxs = {id(r._ctx) for r in core._renderers.values()}
    assert len(ctxs) == 1
    before = dict(core._renderers)
    venv.step(acts[0])
    assert all(core._renderers[k] is before[k] for k in before)
    for i, seed in enumerate((11, 12)):
        env = DroneSurveillanceEnv(episode=SMALL, obs_mode="thermal", resolution=32)
        for _ in range(2):  # a seeded reset after other episodes gives the same images again
            o, _ = env.reset(seed=seed)
            assert o["thermal"].tobytes() == vobs["thermal"][i].tobytes()
            for a, vo in zip(acts, steps):
                o, *_ = env.step(a[i])
                assert o["thermal"].tobytes() == vo["thermal"][i].tobytes()
                assert o["pose"].tobytes() == vo["pose"][i].tobytes()
            env.reset()
        env.close()
    # the sensor noise differs between frames (seeded per episode, step and drone)
    assert steps[1]["thermal"][0].tobytes() != steps[2]["thermal"][0].tobytes()
    venv.close()


@pytest.mark.render
def test_thermal_image_is_hot_where_the_camera_model_puts_the_burning_cells():
    windy = EpisodeConfig(grid_cells=32, n_landscapes=1, ignition_distance_m=(300.0, 450.0), n_houses=4,
                          wind_speed_range_mps=(4.0, 6.0))
    core = DroneBatch(num_envs=1, episode=windy, obs_mode="thermal", altitude_m=600.0, resolution=64)
    core.reset_slot(0, 1)
    ep = core.episodes[0]
    core.base[0] = ep.ignition_xy_m  # hover at the fire: keep the return-to-home rule out of the way
    for _ in range(10):
        core.step(np.array([[0]]), autoreset=False)
    burn = core.burn[0]
    # the fire: cells reached in the last 10 minutes (60-s steps: flaming cells are seldom caught
    # burning at a step's end, but the front's flames and the fresh burn are hot)
    arrival = core.sim.snapshot(0).arrival_time_s
    fire = np.isfinite(arrival) & (arrival >= core.sim.times_s[0] - 600.0)
    iy, ix = np.nonzero(fire)
    assert iy.size >= 3
    cell = core.cell_m
    cx, cy = (ix.mean() + 0.5) * cell, (iy.mean() + 0.5) * cell
    # the fire off-centre (left and up in a north-up nadir image): a flipped or transposed image fails
    core.pos[0, 0] = (cx + 90.0, cy - 90.0)
    core.heading_deg[0, 0] = 0.0
    img = core._observe(np.array([0]))["thermal"][0, :, :, 0]
    cam = core.drone_camera(0, 0)
    land = core.pool[ep.landscape_index]
    ny, nx = core.shape
    yy, xx = np.mgrid[0:ny, 0:nx]
    pts = np.column_stack([(xx.ravel() + 0.5) * cell, (yy.ravel() + 0.5) * cell, land.elevation_m.ravel()])
    u, v, _ = cam.project(pts)
    u, v = np.rint(u).astype(int), np.rint(v).astype(int)
    inside = (u >= 0) & (u < 64) & (v >= 0) & (v < 64)
    state = burn.ravel()
    hot = inside & fire.ravel()
    far = ~ndimage.binary_dilation(burn != BurnState.UNBURNED, iterations=2).ravel()
    cold = inside & far & (state == BurnState.UNBURNED)
    assert hot.sum() >= 3 and cold.sum() >= 3
    t_hot = np.median(img[v[hot], u[hot]])
    t_cold = np.median(img[v[cold], u[cold]])
    assert t_hot > t_cold + 100.0, (t_hot, t_cold)
    row, col = np.unravel_index(np.argmax(img), img.shape)
    assert row < 32 and col < 32  # the hottest pixel in the fire's quadrant (north-west of the UAV)
    core.close()


def test_bad_pixel_arguments_are_named():
    for kw, name in ((dict(resolution=8), "resolution"), (dict(resolution=(64, 64, 3)), "resolution"),
                     (dict(camera_pitch_deg=120.0), "camera_pitch_deg"), (dict(render_config="fast"), "render_config"),
                     (dict(obs_mode="depth"), "obs_mode")):
        with pytest.raises(ScenarioError, match=name):
            DroneSurveillanceEnv(episode=SMALL, obs_mode=kw.pop("obs_mode", "rgb"), **kw)


@pytest.mark.render
def test_autoreset_carries_dict_final_observations_to_sb3():
    venv = DroneSurveillanceVectorEnv(num_envs=2, episode=SMALL, obs_mode="labels", resolution=16, max_episode_steps=2)
    env = WildfireSB3VecEnv(venv)
    env.seed(5)
    env.reset()
    east = np.full((2, 1), 3, np.int64)
    env.step(east)
    flown = venv.core.pos[:, 0].copy()
    obs, _, done, infos = env.step(east)
    assert done.all()
    for i in range(2):
        term = infos[i]["terminal_observation"]
        assert set(term) == {"labels", "pose"} and infos[i]["TimeLimit.truncated"]
        assert term["labels"].shape == (16, 16, 1) and term["pose"].shape == (5,)
        assert term["pose"][0] > flown[i, 0] - 1e-3  # still flying east at the end of the episode
        assert term["pose"][0] > obs["pose"][i, 0] + 100.0  # the new episode starts at the base
    assert np.allclose(obs["pose"][:, :2], venv.core.base, atol=1e-3)
    env.close()
