"""`wildfire-gym render`: frame files, camera metadata and the side-by-side animation.

Runs the real command (world build, fire engine on the CPU, renderer) on a small scenario
written to ``tmp_path``: 600 m x 600 m of 10 m cells, a few trees and one house.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("OpenGL")
from typer.testing import CliRunner  # noqa: E402

from wildfire_gym.cli import app  # noqa: E402

SIZE = 128
FRAMES = 3
SCENARIO = """\
name: cli-render-test
seed: 4
duration_s: 600
terrain: {size_m: [600, 600], cell_m: 10, kind: plane}
fuel: {model: GR2}
vegetation: {trees_per_ha: 3, species: {pine: 1.0}}
structures: {houses: 1}
weather: {wind_speed_mps: 5.0, wind_from_deg: 270}
ignitions: [{x_m: 200, y_m: 300, t_s: 0}]
"""
FILES = ("_rgb.png", "_semantic.png", "_instance.png", "_arrays.npz", "_meta.json")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("scenario") / "small.yaml"
    p.write_text(SCENARIO, encoding="utf-8")
    return p


def _render(scenario: Path, out: Path, camera: str):
    return CliRunner().invoke(app, ["render", str(scenario), "--camera", camera, "--out", str(out),
                                    "--frames", str(FRAMES), "--size", str(SIZE), "--arch", "cpu"])


def _check_outputs(out: Path, projection: str) -> list[dict]:
    from PIL import Image

    metas = []
    for i in range(FRAMES):
        for suffix in FILES:
            assert (out / f"{i:06d}{suffix}").is_file(), f"{i:06d}{suffix}"
        rgb = np.asarray(Image.open(out / f"{i:06d}_rgb.png"))
        assert rgb.shape == (SIZE, SIZE, 3) and rgb.dtype == np.uint8
        sem = np.asarray(Image.open(out / f"{i:06d}_semantic.png"))
        assert sem.shape == (SIZE, SIZE)
        arrays = np.load(out / f"{i:06d}_arrays.npz")
        assert arrays["depth_m"].shape == (SIZE, SIZE) and arrays["thermal_k"].dtype == np.float32
        meta = json.loads((out / f"{i:06d}_meta.json").read_text())
        K, T = np.array(meta["K"]), np.array(meta["T_world_to_cam"])
        assert K.shape == (3, 3) and T.shape == (4, 4)
        np.testing.assert_allclose(K[2], [0.0, 0.0, 1.0])
        np.testing.assert_allclose([K[0, 2], K[1, 2]], [(SIZE - 1) / 2.0] * 2)
        R = T[:3, :3]
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-9)  # a rotation ...
        assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-9)  # ... proper (OpenCV, right-handed)
        np.testing.assert_allclose(T[3], [0.0, 0.0, 0.0, 1.0])
        cam = meta["metadata"]["camera"]
        assert cam["projection"] == projection and cam["width"] == SIZE and cam["height"] == SIZE
        assert cam["convention"].startswith("opencv")
        assert meta["label_names"]["0"] == "sky" and meta["label_names"]["7"] == "structure"
        metas.append(meta)
    times = [m["metadata"]["time_s"] for m in metas]
    np.testing.assert_allclose(times, [200.0, 400.0, 600.0])  # frames spread over duration_s
    # side-by-side animation: RGB | thermal | labels, one GIF frame per rendered frame
    with Image.open(out / "frames.gif") as gif:
        assert gif.size == (3 * SIZE, SIZE)
        assert gif.n_frames == FRAMES
    return metas


@pytest.mark.render
def test_render_uav_writes_frames_meta_and_animation(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "uav"
    res = _render(scenario_file, out, "uav")
    assert res.exit_code == 0, res.output
    assert "3 frames from the uav camera" in res.output
    metas = _check_outputs(out, "perspective")
    last = metas[-1]["metadata"]
    # the fire grows between frames and the metadata says so
    burned = [m["metadata"]["burned_area_m2"] for m in metas]
    assert burned[0] > 0.0 and burned[0] <= burned[1] <= burned[2]
    assert last["time_since_ignition_s"] == pytest.approx(600.0)
    assert last["wind_from_deg"] == pytest.approx(270.0)


@pytest.mark.render
@pytest.mark.parametrize("camera,projection", [("tower", "perspective"), ("nadir", "orthographic")])
def test_render_tower_and_nadir(scenario_file: Path, tmp_path: Path, camera: str, projection: str) -> None:
    out = tmp_path / camera
    res = _render(scenario_file, out, camera)
    assert res.exit_code == 0, res.output
    metas = _check_outputs(out, projection)
    if camera == "nadir":
        # default nadir view: 1 m ground sampling distance
        assert metas[0]["K"][0][0] == pytest.approx(1.0)


def test_render_bogus_camera_exits_2(scenario_file: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["render", str(scenario_file), "--camera", "bogus", "--out", str(tmp_path / "x"),
                                   "--frames", "1", "--size", "64"])
    assert res.exit_code == 2
    assert "--camera" in res.output and "bogus" in res.output
    assert not (tmp_path / "x").exists()


@pytest.mark.render
def test_render_camera_flags_set_the_pose_and_times(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "posed"
    res = CliRunner().invoke(app, ["render", str(scenario_file), "--camera", "uav_thermal", "--out", str(out),
                                   "--times", "120,300", "--resolution", "96x64", "--position", "100,250",
                                   "--altitude-agl", "45", "--yaw", "90", "--pitch", "30", "--fov", "40",
                                   "--aim", "none", "--arch", "cpu"])
    assert res.exit_code == 0, res.output
    metas = [json.loads((out / f"{i:06d}_meta.json").read_text())["metadata"] for i in range(2)]
    assert [m["time_s"] for m in metas] == pytest.approx([120.0, 300.0])
    cam = metas[0]["camera"]
    assert (cam["width"], cam["height"]) == (96, 64)
    T = np.array(cam["T_world_to_cam"])
    pos = -T[:3, :3].T @ T[:3, 3]
    assert pos[:2] == pytest.approx([100.0, 250.0])
    # 45 m above flat ground, 30 deg down: the optical axis meets the ground 90 m away
    depth = np.load(out / "000000_arrays.npz")["depth_m"]
    assert float(depth[31:33, 47:49].mean()) == pytest.approx(45.0 / np.sin(np.radians(30.0)), rel=0.02)
    assert T[2, :3] == pytest.approx([np.cos(np.radians(30)), 0.0, -np.sin(np.radians(30))], abs=1e-9)  # east, 30 down
    assert np.array(cam["K"])[1, 1] == pytest.approx(32.0 / np.tan(np.radians(20.0)))


@pytest.mark.parametrize(("args", "flag"), [(["--altitude-agl", "500"], "--altitude-agl"),
                                            (["--times", "5000"], "--times"), (["--resolution", "big"], "--resolution")])
def test_render_bad_camera_flag_is_one_line(scenario_file: Path, tmp_path: Path, args: list[str], flag: str) -> None:
    res = CliRunner().invoke(app, ["render", str(scenario_file), "--out", str(tmp_path / "x"), *args])
    assert res.exit_code == 2, res.output
    assert flag in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
