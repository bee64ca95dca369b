"""Issue 10: labelled datasets (config, shards, resume, COCO, YOLO, PyTorch, mix).

One tiny dataset (tests/data/dataset_tiny.yaml: 300 m worlds, 64 x 64 frames, 2 scenes of
3 frames) is made once through the CLI in this process; the other runs are compared to it
byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from wildfire_gym.cli import app
from wildfire_gym.datasets import (
    DatasetJob,
    dataset_config_from_dict,
    load_dataset_config,
    make_dataset,
)
from wildfire_gym.datasets.frames import read_tiff_f32, thermal_index
from wildfire_gym.datasets.rle import decode_mask, encode_mask
from wildfire_gym.datasets.sampling import sample_frame, sample_scene, scene_split
from wildfire_gym.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "data" / "dataset_tiny.yaml"
FRAMES = 6
UNREPRODUCIBLE = ("run.json",)  # execution details: workers, wall time


def dataset_bytes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not (rel in UNREPRODUCIBLE or rel.endswith(".timing.json") or "/run-" in rel):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a") / "ds"
    res = CliRunner().invoke(app, ["dataset", str(CONFIG), "--frames", str(FRAMES), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


# ------------------------------------------------------------------ config (no GL)
@pytest.mark.parametrize("data, field", [
    ({"bogus": 1}, "bogus"),
    ({"camera": {"uav": {"altitude_agl_m": [120, 30]}}}, "camera.uav.altitude_agl_m"),
    ({"camera": {"platforms": {"satellite": 1.0}}}, "camera.platforms.satellite"),
    ({"long_tail": {"night": 0.6, "negative": 0.6}}, "long_tail.negative"),
    ({"landscape": {"fuels": {"XX9": 1.0}}}, "landscape.fuels.XX9"),
    ({"forest": {"species": {"baobab": 1.0}}}, "forest.species.baobab"),
    ({"split": {"train": 0.9, "val": 0.2, "test": 0.0}}, "split.test"),
    ({"image": {"width": 4}}, "image.width"),
    ({"sensor": {"noise_sigma": "lots"}}, "sensor.noise_sigma"),
    ({"time_since_ignition_s": [5, 1]}, "time_since_ignition_s"),
])
def test_bad_config_fields_are_named(data, field) -> None:
    with pytest.raises(ScenarioError) as exc:
        dataset_config_from_dict(data)
    assert exc.value.field == field


def test_default_config_loads_and_draws_are_seeded() -> None:
    cfg = load_dataset_config("default")
    assert cfg.frames_per_scene == 24 and cfg.image.width == 512
    a, b = sample_frame(cfg, 3, 5), sample_frame(cfg, 3, 5)
    assert a == b and a.frame_id == 3 * 24 + 5
    assert sample_scene(cfg, 2) == sample_scene(cfg, 2) and sample_scene(cfg, 2) != sample_scene(cfg, 3)
    # long-tail kinds come at about the configured shares
    kinds = [sample_frame(cfg, s, k).kind for s in range(40) for k in range(24)]
    for kind in ("night", "negative", "small_early_fire"):
        assert kinds.count(kind) / len(kinds) == pytest.approx(getattr(cfg.long_tail, kind), abs=0.03)
    negs = [sample_frame(cfg, s, k) for s in range(10) for k in range(24)]
    assert all(f.time_since_ignition_s < 0 for f in negs if f.kind == "negative")
    split = scene_split(cfg, 100)
    assert split.count("train") == 80 and split.count("val") == 10 and split.count("test") == 10
    assert sorted(scene_split(cfg, 4)) == ["test", "train", "train", "val"]


def test_camera_record_takes_a_lens_when_the_renderer_records_one() -> None:
    from wildfire_gym.datasets.frames import camera_record

    T = np.eye(4).tolist()
    pin = {"K": [[50.0, 0, 31.5], [0, 50.0, 31.5], [0, 0, 1]], "T_world_to_cam": T,
           "metadata": {"camera": {"projection": "perspective", "near_m": 0.5, "far_m": 6e4}}}
    rec = camera_record(pin, "uav")
    assert rec["K"] == pin["K"] and rec["distortion"]["k1"] == 0.0 and rec["near_m"] == 0.5
    lensed = {**pin, "metadata": {**pin["metadata"], "lens": {"K": [[55.0, 0, 31.5], [0, 55.0, 31.5], [0, 0, 1]],
                                                               "distortion_opencv": [-0.1, 0.02, 0.0, 0.0, 0.001]}}}
    rec = camera_record(lensed, "uav")
    assert rec["K"][0][0] == 55.0 and (rec["distortion"]["k1"], rec["distortion"]["k3"]) == (-0.1, 0.001)

def test_rle_matches_pycocotools() -> None:
    from pycocotools import mask as cmask

    rng = np.random.default_rng(1)
    for _ in range(50):
        h, w = (int(v) for v in rng.integers(1, 50, 2))
        m = rng.uniform(size=(h, w)) < rng.uniform()
        ref = cmask.encode(np.asfortranarray(m.astype(np.uint8)))
        rle = encode_mask(m)
        assert rle["counts"] == ref["counts"].decode() and rle["size"] == [h, w]
        assert np.array_equal(decode_mask(rle), m)


# ------------------------------------------------------------------ the generated dataset
def test_frame_files_and_metadata(made: Path) -> None:
    from PIL import Image

    metas = sorted(made.glob("frames/*/*_meta.json"))
    assert len(metas) == FRAMES
    m = json.loads(metas[0].read_text())
    stem = made / m["files"]["rgb"].replace("_rgb.png", "")
    rgb = np.asarray(Image.open(f"{stem}_rgb.png"))
    assert rgb.shape == (64, 64, 3)
    assert Image.open(f"{stem}_rgb.jpg").format == "JPEG"
    depth = read_tiff_f32(f"{stem}_depth.tif")
    sem = np.asarray(Image.open(f"{stem}_semantic.png"))
    assert depth.dtype == np.float32 and np.array_equal(np.isinf(depth), sem == 0)  # sky <-> inf depth
    thermal = read_tiff_f32(f"{stem}_thermal.tif")
    assert thermal.dtype == np.float32 and 150.0 < thermal.min() and thermal.max() < 2000.0
    pal = Image.open(f"{stem}_thermal.png")
    assert pal.mode == "P" and np.array_equal(np.asarray(pal), thermal_index(thermal))
    inst = np.asarray(Image.open(f"{stem}_instance.png"))
    assert set(np.unique(inst[inst > 0]).astype(str)) <= set(m["instance_map"])
    for a in m["annotations"]:  # each annotation is exactly its instance's pixels
        assert np.array_equal(decode_mask(a["segmentation"]), inst == a["instance"])
        assert a["area"] == int((inst == a["instance"]).sum())
    cam = m["camera"]
    assert np.shape(cam["K"]) == (3, 3) and np.shape(cam["T_world_to_cam"]) == (4, 4)
    # the lens is randomised within the config's range and recorded (OpenCV k1; the others zero)
    lo, hi = load_dataset_config(CONFIG).sensor.lens_k1
    assert lo <= cam["distortion"]["k1"] <= hi and cam["distortion"]["k2"] == 0.0 and "opencv" in cam["convention"]
    fs = m["fire_state"]
    for k in ("time_since_ignition_s", "burned_area_m2", "head_ros_m_per_s", "max_fireline_intensity_w_per_m",
              "wind_speed_20ft_mps", "moisture_d1h"):
        assert k in fs
    man = json.loads(next(made.glob("shards/shard-*.json")).read_text())
    assert man["status"] == "complete" and man["seed"] == 13 and man["package"]["version"]
    assert "opencv" in man["camera_convention"] and man["config"]["name"] == "tiny"


def test_long_tail_frames_are_what_they_claim_and_the_card_counts(made: Path) -> None:
    metas = [json.loads(p.read_text()) for p in sorted(made.glob("frames/*/*_meta.json"))]
    kinds = {m["sample"]["kind"] for m in metas}
    assert {"negative", "night", "common"} <= kinds  # the tiny config's seed draws all three
    for m in metas:
        cats = {a["category_id"] for a in m["annotations"]}
        if m["sample"]["kind"] == "negative":  # before the ignition: nothing burns, nothing to label
            assert m["fire_state"]["time_since_ignition_s"] < 0 and m["fire_state"]["burned_area_m2"] == 0.0
            assert not cats & {1, 2}
        if m["sample"]["kind"] == "night":
            assert m["render"]["solar_elevation_deg"] < 0.0
        if m["scene_info"]["near_houses"]:
            assert m["scene_info"]["houses"] >= 3
    card = (made / "README.md").read_text()
    assert f"Command: `wildfire-gym dataset {CONFIG.name} --frames {FRAMES} --out ds`" in card
    assert "wildfire_gym 0.1.0" in card and "seed 13" in card
    for split in ("train", "val", "test"):
        anns = json.loads((made / "coco" / f"{split}.json").read_text())["annotations"]
        n = [sum(a["category_id"] == c for a in anns) for c in (1, 2, 3)]
        scenes = json.loads((made / "dataset.json").read_text())["splits"][split]
        frames = sum(1 for m in metas if m["scene"] in scenes)
        assert f"| {split} | {len(scenes)} | {frames} | {n[0]} | {n[1]} | {n[2]} |" in card

def test_coco_loads_and_ground_truth_scores_ap_1(made: Path) -> None:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    n_images, scenes_seen = 0, {}
    for split in ("train", "val", "test"):
        with contextlib.redirect_stdout(io.StringIO()):
            gt = COCO(str(made / "coco" / f"{split}.json"))
        assert [c["id"] for c in gt.loadCats(gt.getCatIds())] == [1, 2, 3]
        n_images += len(gt.getImgIds())
        for im in gt.loadImgs(gt.getImgIds()):
            assert scenes_seen.setdefault(im["scene"], split) == split  # split by scene, never by frame
        if not gt.getAnnIds():
            continue
        dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
                 "segmentation": a["segmentation"], "score": 1.0} for a in gt.loadAnns(gt.getAnnIds())]
        for iou in ("bbox", "segm"):
            with contextlib.redirect_stdout(io.StringIO()):
                dt = gt.loadRes(dets)
                ev = COCOeval(gt, dt, iou)
                ev.params.areaRng = [[0, 1e10]]
                ev.params.areaRngLbl = ["all"]
                ev.evaluate()
                ev.accumulate()
            prec = ev.eval["precision"][:, :, :, 0, -1]  # all areas, maxDets 100
            assert prec[prec > -1].size and np.all(prec[prec > -1] == 1.0), (split, iou)
    assert n_images == FRAMES
    cats = [a["category_id"] for s in ("train", "val") for a in json.loads((made / "coco" / f"{s}.json").read_text())["annotations"]]
    assert {1, 2, 3} <= set(cats)  # fire, smoke and houses all annotated somewhere


def test_yolo_boxes_equal_coco_boxes(made: Path) -> None:
    data = yaml.safe_load((made / "yolo" / "data.yaml").read_text())
    assert data["names"] == ["smoke", "fire"] and data["nc"] == 2 and data["train"] == "train/images"
    n = 0
    for split in ("train", "val", "test"):
        doc = json.loads((made / "coco" / f"{split}.json").read_text())
        for im in doc["images"]:
            img = made / "yolo" / split / "images" / f"{im['id']:08d}.jpg"
            assert img.is_file()
            lines = (made / "yolo" / split / "labels" / f"{im['id']:08d}.txt").read_text().splitlines()
            coco = sorted(({1: 1, 2: 0}[a["category_id"]], *a["bbox"]) for a in doc["annotations"]
                          if a["image_id"] == im["id"] and a["category_id"] in (1, 2))
            yolo = []
            for line in lines:
                c, cx, cy, w, h = line.split()
                W, H = im["width"], im["height"]
                box = ((float(cx) - float(w) / 2) * W, (float(cy) - float(h) / 2) * H, float(w) * W, float(h) * H)
                yolo.append((int(c), *(round(v, 2) for v in box)))
            assert len(yolo) == len(coco)
            for y, c in zip(sorted(yolo), coco):
                assert y[0] == c[0]
                np.testing.assert_allclose(y[1:], c[1:], atol=1e-3)
            n += len(coco)
    assert n > 0


def test_torch_dataset_with_a_dataloader(made: Path) -> None:
    import torch

    from wildfire_gym.datasets.torch_data import FireImageryDataset, collate

    ds = FireImageryDataset(made, "train")
    doc = json.loads((made / "coco" / "train.json").read_text())
    assert len(ds) == len(doc["images"]) > 0
    loader = torch.utils.data.DataLoader(ds, batch_size=2, shuffle=False, collate_fn=collate)
    seen = 0
    for images, targets in loader:
        assert images.dtype == torch.float32 and images.shape[1:] == (3, 64, 64)
        assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
        for t in targets:
            anns = [a for a in doc["annotations"] if a["image_id"] == t["image_id"]]
            assert t["boxes"].shape == (len(anns), 4) and t["masks"].shape == (len(anns), 64, 64)
            for b, m, a in zip(t["boxes"], t["masks"], anns):
                x0, y0, x1, y1 = (int(v) for v in b)
                ys, xs = np.nonzero(m.numpy())
                assert (x0, y0, x1, y1) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
                assert x1 - x0 == a["bbox"][2]
            assert t["thermal_k"].shape == (1, 64, 64) and float(t["thermal_k"].min()) > 150.0
            seen += 1
    assert seen == len(ds)


# ------------------------------------------------------------------ scale: workers, pods, resume
def test_two_workers_give_identical_bytes(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    r = subprocess.run([sys.executable, "-m", "wildfire_gym.cli", "dataset", str(CONFIG), "--frames", str(FRAMES),
                        "--out", str(out), "--workers", "2"], env=cli_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((out / "run.json").read_text())["workers"] == 2
    assert dataset_bytes(out) == dataset_bytes(made)


def test_one_shard_per_pod_then_complete(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    cfg = load_dataset_config(CONFIG)
    job = DatasetJob(cfg, FRAMES, str(out))
    cmd = f"wildfire-gym dataset {CONFIG.name} --frames {FRAMES} --out ds"
    first = make_dataset(job, num_shards=2, shard_index=1, command=cmd)
    assert first["status"] == "shard done" and not (out / "coco").exists()
    second = make_dataset(job, num_shards=2, shard_index=0, command=cmd)
    assert second["status"] == "complete"
    assert dataset_bytes(out) == dataset_bytes(made)


def test_kill_9_mid_run_then_rerun_completes_the_same_bytes(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "wildfire_gym.cli", "dataset", str(CONFIG), "--frames", str(FRAMES), "--out", str(out)]
    p = subprocess.Popen(cmd, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 240 and p.poll() is None and not list(out.glob("frames/*/*_meta.json")):
        time.sleep(0.05)
    killed = p.poll() is None
    if killed:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert killed, "the run finished before it could be killed"
    done = len(list(out.glob("frames/*/*_meta.json")))
    assert 1 <= done < FRAMES and not (out / "dataset.json").exists(), done
    # a temporary file as a write cut short by the kill leaves it
    scene0 = next(out.glob("frames/s*"))
    (scene0 / ".00000000_rgb.png.abc123.tmp").write_bytes(b"half")
    r = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert not list(out.rglob("*.tmp")), list(out.rglob("*.tmp"))
    have, want = dataset_bytes(out), dataset_bytes(made)
    assert have == want, sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))



def test_rerun_after_a_kill_between_shards_removes_what_the_kill_left(made: Path, tmp_path: Path) -> None:
    """The kill landed after shard 0 had finished (while its timing file was being written)."""
    out = tmp_path / "ds"
    job = DatasetJob(load_dataset_config(CONFIG), FRAMES, str(out))
    assert make_dataset(job, num_shards=2, shard_index=0)["status"] == "shard done"
    left = [out / "frames" / "s000000" / ".00000001_depth.tif.k9x2z1.tmp",
            out / "shards" / ".shard-00000-of-00002.timing.json.q1w2e3.json.tmp",
            out / "shards" / ".shard-00001-of-00002.json.a1b2c3.json.tmp"]
    for p in left:
        p.write_bytes(b"cut short")
    res = CliRunner().invoke(app, ["dataset", str(CONFIG), "--frames", str(FRAMES), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert not list(out.rglob("*.tmp")), list(out.rglob("*.tmp"))
    assert dataset_bytes(out) == dataset_bytes(made)

# ------------------------------------------------------------------ CLI errors
def test_cli_bad_input_is_one_line_exit_2(made: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text("camera: {platforms: {uav: -1}}\n")
    cases = [
        (["dataset", str(bad), "--frames", "3", "--out", str(tmp_path / "x")], {}, "camera.platforms.uav"),
        (["dataset", str(CONFIG), "--frames", "0", "--out", str(tmp_path / "x")], {}, "--frames"),
        (["dataset", str(CONFIG), "--frames", "3", "--out", str(tmp_path / "x"), "--shards", "2"],
         {"JOB_COMPLETION_INDEX": "7"}, "JOB_COMPLETION_INDEX"),
        (["dataset", str(CONFIG), "--frames", "9", "--out", str(made)], {}, "--out"),  # another dataset there
        (["dataset", str(CONFIG), "--frames", "3", "--out", str(tmp_path / "x"), "--workers", "0"], {}, "--workers"),
        (["dataset", "mix", str(made), str(tmp_path / "nothing"), "--out", str(tmp_path / "m")], {}, "REAL"),
        (["dataset", "mix", str(made), str(made), "--out", str(tmp_path / "m"), "--classes", "flame"], {}, "--classes"),
    ]
    for args, env, field in cases:
        res = runner.invoke(app, args, env=env)
        assert res.exit_code == 2, (args, res.output)
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0], res.output
        assert "Traceback" not in res.output


# ------------------------------------------------------------------ mixing with real data
def _real_images(root: Path, n: int) -> list[tuple[str, int, int]]:
    from PIL import Image

    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        w, h = 80 + 8 * i, 60
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(root / f"real{i}.jpg")
        out.append((f"real{i}.jpg", w, h))
    return out


def test_mix_keeps_every_real_coco_image_and_its_labels(made: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "images").mkdir(parents=True)
    ims = _real_images(real / "images", 2)
    doc = {"images": [{"id": 10 + i, "file_name": f"images/{n}", "width": w, "height": h} for i, (n, w, h) in enumerate(ims)],
           "annotations": [{"id": 1, "image_id": 10, "category_id": 7, "bbox": [5, 6, 20, 10], "area": 200, "iscrowd": 0},
                           {"id": 2, "image_id": 11, "category_id": 8, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0},
                           {"id": 3, "image_id": 11, "category_id": 9, "bbox": [0, 0, 9, 9], "area": 81, "iscrowd": 0}],
           "categories": [{"id": 7, "name": "Flame"}, {"id": 8, "name": "smoke"}, {"id": 9, "name": "person"}]}
    (real / "labels.json").write_text(json.dumps(doc))
    out = tmp_path / "mixed"
    res = CliRunner().invoke(app, ["dataset", "mix", str(made), str(real), "--out", str(out), "--real-share", "0.4",
                                   "--classes", "flame=fire,smoke=smoke"])
    assert res.exit_code == 0, res.output
    rep = json.loads((out / "mix.json").read_text())
    assert rep["real_images"] == 2 and rep["synthetic_images"] == 3 and rep["real_boxes_dropped"] == 1
    mixed = json.loads((out / "coco" / "train.json").read_text())
    real_ims = [im for im in mixed["images"] if im["source"] == "real"]
    assert sorted((im["width"], im["height"]) for im in real_ims) == sorted((w, h) for _, w, h in ims)
    boxes = sorted((a["category_id"], tuple(a["bbox"])) for a in mixed["annotations"]
                   if a["image_id"] in {im["id"] for im in real_ims})
    assert boxes == [(1, (5.0, 6.0, 20.0, 10.0)), (2, (1.0, 2.0, 3.0, 4.0))]
    for im in mixed["images"]:
        assert (out / im["file_name"]).is_file()
    # the YOLO view holds the same images and the real boxes
    assert len(list((out / "yolo" / "train" / "images").iterdir())) == len(mixed["images"])
    first = (out / "yolo" / "train" / "labels" / "r0000000.txt").read_text().split()
    assert first[0] == "1" and float(first[1]) == pytest.approx((5 + 10) / 80, abs=1e-6)


def test_mix_reads_yolo_real_images_with_dfire_classes(made: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"  # D-Fire's own layout: train/images, train/labels
    (real / "train" / "images").mkdir(parents=True)
    (real / "train" / "labels").mkdir()
    ims = _real_images(real / "train" / "images", 3)
    (real / "train" / "labels" / "real0.txt").write_text("0 0.5 0.5 0.25 0.5\n1 0.1 0.2 0.1 0.2\n")
    (real / "train" / "labels" / "real2.txt").write_text("1 0.5 0.5 1.0 1.0\n")
    from wildfire_gym.datasets.mix import mix_datasets

    rep = mix_datasets(made, real, tmp_path / "m", real_share=1.0)
    assert rep["real_images"] == 3 and rep["synthetic_images"] == 0 and rep["real_format"] == "yolo"
    mixed = json.loads((tmp_path / "m" / "coco" / "train.json").read_text())
    assert len(mixed["images"]) == 3
    a0 = sorted((a["category_id"], a["bbox"]) for a in mixed["annotations"] if a["image_id"] == 1)
    w = ims[0][1]
    assert a0[0][0] == 1 and a0[0][1] == pytest.approx([0.05 * w, 6.0, 0.1 * w, 12.0])
    assert a0[1][0] == 2 and a0[1][1] == pytest.approx([0.375 * w, 15.0, 0.25 * w, 30.0])


# ------------------------------------------------------------------ a look at the data
def test_stats_report_with_real_images_side_by_side(made: Path, tmp_path: Path) -> None:
    from PIL import Image

    from wildfire_gym.datasets.stats import draw_boxes

    real = tmp_path / "real"
    (real / "images").mkdir(parents=True)
    (real / "labels").mkdir()
    _real_images(real / "images", 2)
    (real / "labels" / "real0.txt").write_text("1 0.5 0.5 0.25 0.5\n")
    ds = tmp_path / "ds"
    shutil.copytree(made, ds)  # the report is written into the dataset: keep the shared one as made
    res = CliRunner().invoke(app, ["dataset", "stats", str(ds), "--real", str(real), "--samples", "6"])
    assert res.exit_code == 0, res.output
    page = (ds / "stats.html").read_text()
    assert page.count("<img src='data:image/png;base64,") == 6  # 4 plot rows, real vs synthetic, contact sheet
    assert "Real: 2 images (yolo), fire/smoke boxes 1/0" in page
    sheet = np.asarray(Image.open(ds / "contact_sheet.png"))
    assert sheet.shape == (164, 6 * 164, 3)
    img = np.zeros((10, 12, 3), np.uint8)
    out = draw_boxes(img, [(1, [2, 3, 5, 4])])
    assert (out[3, 2:7] == [255, 110, 0]).all() and (out[3:7, 6] == [255, 110, 0]).all() and not out[4:6, 3:6].any()


def test_smoke_without_flame_views_put_the_fire_below_the_frame() -> None:
    from test_render import small_landscape, with_fire

    from wildfire_gym.datasets.sampling import FrameSample
    from wildfire_gym.datasets.shard import _camera
    from wildfire_gym.render.camera import ground_elevation_m
    from wildfire_gym.render.platforms import fire_aim_point

    land = small_landscape(30)
    snap = with_fire(land)
    tx, ty = fire_aim_point(land, snap)
    head = np.array([[tx, ty, ground_elevation_m(land, tx, ty)]])
    for platform, pose in (("tower", {"distance_m": 5000.0, "bearing_offset_deg": 90.0}),
                           ("uav", {"altitude_agl_m": 60.0, "distance_m": 120.0, "bearing_offset_deg": 40.0})):
        for tilt in (False, True):
            fs = FrameSample(0, 0, 0, "smoke_without_flame" if tilt else "common", 600.0, platform,
                             {**pose, "tilt_above_fire": tilt})
            cam = _camera(land, snap, fs, 64, 48)
            u, v, z = cam.project(head)
            assert z[0] > 0 and 0 <= u[0] <= 63
            if tilt:  # the fire's head just below the bottom row: only what rises above it shows
                assert 47.5 < v[0] < 47.5 + 0.1 * 48
            else:
                assert 0 <= v[0] <= 47


def test_hostile_dataset_configs_get_named_errors_not_exhaustion(tmp_path) -> None:
    """Dataset configs go through the package's safe YAML loader: a billion-laughs file and a
    deeply nested one are refused in one line naming the file."""
    laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        laughs.append(f"{chr(97 + k)}: &{chr(97 + k)} [" + ", ".join([f"*{chr(96 + k)}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(laughs) + "\n")
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: " + "[" * 900 + "]" * 900 + "\n")
    for path in (bomb, deep):
        with pytest.raises(ScenarioError) as exc:
            load_dataset_config(path)
        assert "\n" not in str(exc.value) and len(str(exc.value)) < 400
