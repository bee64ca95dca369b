"""Map frames (``render_mode="rgb_array"``), the drone heuristic and paired evaluation statistics."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import wildfire_gym  # noqa: F401
from wildfire_gym.envs import EpisodeConfig
from wildfire_gym.envs.frames import (
    BURNED_RGB,
    BURNING_RGB,
    HOUSE_LOST_RGB,
    HOUSE_RGB,
    write_episode_gif,
)
from wildfire_gym.envs.policies import DroneHeuristic, evaluate, paired
from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.state import BurnState

SMALL = EpisodeConfig(grid_cells=32, n_landscapes=1, ignition_distance_m=(300.0, 450.0), n_houses=4)


def _cell_px(img: np.ndarray, k: int, i: int, j: int, ny: int) -> np.ndarray:
    """The pixels of cell (row i from the south, column j) in a north-up frame of k px per cell."""
    r = (ny - 1 - i) * k
    return img[r:r + k, j * k:j * k + k]


def test_frame_shows_the_fire_state_the_line_and_the_crews_where_they_are():
    env = gym.make("WildfireGym/Fireline-v0", episode=SMALL, render_mode="rgb_array")
    env.reset(seed=2)
    for _ in range(6):
        env.step(np.array([3, 1, 7, 1]))  # both resources cut line, east and west
    img = env.render()
    core = env.unwrapped.core
    ny, nx = core.shape
    k = img.shape[0] // ny
    assert img.shape == (ny * k, nx * k, 3) and img.dtype == np.uint8 and k * ny >= 256
    burn = core.burn[0]
    assert (burn == BurnState.BURNED).any() and core.lines[0].any()
    if not (burn == BurnState.BURNING).any():  # a grass front can fall between two cells' arrivals
        burn[tuple(np.argwhere((burn == BurnState.UNBURNED) & ~core.lines[0])[0])] = BurnState.BURNING
        img = env.render()
    for (i, j) in np.argwhere(burn == BurnState.BURNING)[:5]:
        assert (_cell_px(img, k, i, j, ny) == BURNING_RGB).all()
    burned_clean = (burn == BurnState.BURNED) & ~core.lines[0]
    for (i, j) in np.argwhere(burned_clean)[:5]:
        assert (_cell_px(img, k, i, j, ny) == BURNED_RGB).all()
    cells = np.argwhere(core.lines[0] & (burn != BurnState.BURNING))
    marks = np.concatenate([core.pos[0], core.land(0).house_xy]) / core.cell_m  # dots drawn on top
    far = [(i, j) for i, j in cells if np.hypot(marks[:, 0] - j - 0.5, marks[:, 1] - i - 0.5).min() > 3]
    i, j = far[0]
    assert (_cell_px(img, k, i, j, ny) == (np.array(core.LINE_RGB) * 255).astype(np.uint8)).all()
    x, y = core.pos[0, 0]
    col, row = int(x / core.cell_m * k), int(img.shape[0] - 1 - y / core.cell_m * k)
    assert tuple(img[row, col]) == core.CREW_RGB[core.resources[0]]
    hx, hy = core.land(0).house_xy[0]
    colour = HOUSE_LOST_RGB if core.house_lost[0, 0] else HOUSE_RGB
    assert tuple(img[int(img.shape[0] - 1 - hy / core.cell_m * k), int(hx / core.cell_m * k)]) == colour


def test_render_modes_are_checked_and_every_task_renders():
    for task in ("Fireline", "DroneSurveillance", "AerialAttack"):
        env = gym.make(f"WildfireGym/{task}-v0", episode=SMALL, render_mode="rgb_array", max_episode_steps=4)
        check_env(env.unwrapped, skip_render_check=False)
        env.reset(seed=0)
        assert env.render().shape[2] == 3
        plain = gym.make(f"WildfireGym/{task}-v0", episode=SMALL)
        plain.reset(seed=0)
        assert plain.render() is None  # no render_mode: nothing
    with pytest.raises(ScenarioError, match="render_mode"):
        gym.make("WildfireGym/Fireline-v0", episode=SMALL, render_mode="ansi")
    venv = gym.make_vec("WildfireGym/Fireline-v0", num_envs=3, episode=SMALL, render_mode="rgb_array")
    venv.reset(seed=5)
    frames = venv.render()
    assert len(frames) == 3 and all(f.shape == frames[0].shape for f in frames)
    single = gym.make("WildfireGym/Fireline-v0", episode=SMALL, render_mode="rgb_array")
    single.reset(seed=6)
    assert single.render().tobytes() == frames[1].tobytes()  # slot 1 was seeded 5 + 1
    with pytest.raises(ScenarioError, match="px_per_cell"):
        venv.core.frame(0, px_per_cell=0)


def test_episode_gif_has_one_frame_per_step(tmp_path):
    from PIL import Image

    env = gym.make("WildfireGym/Fireline-v0", episode=SMALL, render_mode="rgb_array", max_episode_steps=5)
    path = write_episode_gif(env, lambda obs, e: np.zeros(4, np.int64), seed=1, path=tmp_path / "ep.gif")
    with Image.open(path) as im:
        assert im.n_frames == 6  # the reset frame and one per step
    assert not list(tmp_path.glob("*.tmp*"))


def test_drone_heuristic_maps_the_front_far_better_than_hovering():
    def make():
        return gym.make("WildfireGym/DroneSurveillance-v0", episode=SMALL, max_episode_steps=40)

    seeds = [0, 1, 2]
    heur = evaluate(make, DroneHeuristic(), seeds)
    hold = evaluate(make, lambda obs, env: np.zeros(1, np.int64), seeds)
    for h, s in zip(heur, hold, strict=True):
        assert h["reward/front"] > s["reward/front"] and h["reward/map_error"] > s["reward/map_error"]
    d = paired(heur, hold)["return"]
    assert d["higher"] == 3 and d["mean"] > 0


def test_paired_differences_and_their_standard_error():
    a = [{"seed": s, "return": r, "houses_saved": 3.0} for s, r in enumerate([1.0, 2.0, 4.0, 1.0])]
    b = [{"seed": s, "return": r, "houses_saved": 3.0} for s, r in enumerate([0.0, 2.5, 1.0, 1.0])]
    out = paired(a, b)
    d = np.array([1.0, -0.5, 3.0, 0.0])
    assert out["return"]["mean"] == pytest.approx(d.mean())
    assert out["return"]["se"] == pytest.approx(d.std(ddof=1) / math.sqrt(4))
    assert (out["return"]["higher"], out["return"]["lower"], out["return"]["equal"]) == (2, 1, 1)
    assert out["houses_saved"]["equal"] == 4 and "area_burned_ha" not in out
    with pytest.raises(ValueError, match="same seeds"):
        paired(a, b[::-1])
