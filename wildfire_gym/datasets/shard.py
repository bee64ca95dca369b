"""The unit of work: ``run_shard(index, num_shards, job)`` makes every frame of its scenes.

Scene ``s`` belongs to shard ``s % num_shards``; its frames are ``s * frames_per_scene + k``.
A shard builds each of its scenes once (world, fire, renderer) and renders all the scene's
(time, camera, look) samples from it. Its manifest ``shards/shard-IIIII-of-NNNNN.json`` is
rewritten after each scene; a rerun removes the temporary files a killed run left in its
scene folders, skips the frames whose metadata exists and remakes the rest with the same
bytes (the fire is advanced through the same times either way). Timings go to a separate
``.timing.json`` so that the manifest itself is the same bytes on every run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ScenarioError
from ..io.atomic import TEMP_SUFFIX, atomic_write_text
from .config import DatasetConfig
from .frames import CAMERA_CONVENTION, frame_record, frame_stem, write_dataset_frame
from .sampling import FrameSample, appearance_for, sample_frame, sample_scene

log = logging.getLogger(__name__)

MANIFEST_FORMAT = "wildfire_gym.dataset.shard/1"
WRITE_THREADS = 2
"""Threads encoding and writing frame files while the next frame renders (PNG/zlib and fsync
release the GIL); each frame's metadata is still written after its other files."""
MAX_PENDING_WRITES = 4
"""Frames rendered but not yet written, at most (bounds the memory held)."""


@dataclass(frozen=True)
class DatasetJob:
    """A dataset to make: the config, how many frames, where."""

    config: DatasetConfig
    frames: int
    out: str

    def __post_init__(self) -> None:
        if int(self.frames) != self.frames or self.frames < 1:
            raise ScenarioError("--frames", "a whole number of frames >= 1", self.frames)

    @property
    def n_scenes(self) -> int:
        return math.ceil(self.frames / self.config.frames_per_scene)

    def frames_in_scene(self, scene: int) -> int:
        fps = self.config.frames_per_scene
        return min(fps, self.frames - scene * fps)


def shard_scenes(index: int, num_shards: int, n_scenes: int) -> list[int]:
    return list(range(index, n_scenes, num_shards))


def manifest_path(out: Path, index: int, num_shards: int) -> Path:
    return out / "shards" / f"shard-{index:05d}-of-{num_shards:05d}.json"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=1, allow_nan=False) + "\n"


def _burn(land, times_s: list[float]) -> tuple[Any, Iterator[tuple[float, Any]]]:
    """The engine, in one place: the landscape as the fire sees it, and ``(t, snapshot)`` at
    each of the increasing ``times_s``."""
    from ..fire.simulation import FireSimulation

    sim = FireSimulation([land])

    def states() -> Iterator[tuple[float, Any]]:
        for t in times_s:
            if t > sim.time_s:
                sim.advance(t)
            yield t, sim.snapshot(0)

    return sim.landscapes[0], states()


def _build_scene(scenario_dict: dict):
    """Scenario and landscape of a scene; houses that do not fit the sampled terrain are dropped."""
    from ..scenario import scenario_from_dict
    from ..world import build_world

    sc = scenario_from_dict(scenario_dict)
    try:
        return sc, build_world(sc), True
    except ScenarioError as exc:
        if not exc.field.startswith("structures"):
            raise
        log.warning("%s: %s; building it without houses", sc.name, exc)
        sc = sc.replace(structures={**dataclasses.asdict(sc.structures), "houses": 0})  # explicit ones stay
        return sc, build_world(sc), False


def _camera(land, snap, sample: FrameSample, width: int, height: int):
    """The frame's camera: its platform preset posed by the sample, aimed at the fire."""
    import numpy as np

    from ..render.platforms import CameraSpec, camera_for

    heading = (float(snap.wind_from_deg) + 180.0) % 360.0
    p = sample.pose
    if sample.platform in ("uav", "uav_thermal"):
        spec = CameraSpec(sample.platform, width, height, altitude_agl_m=p["altitude_agl_m"], distance_m=p["distance_m"],
                          bearing_deg=(heading + p["bearing_offset_deg"]) % 360.0)
    elif sample.platform == "tower":
        spec = CameraSpec("tower", width, height, distance_m=p["distance_m"],
                          bearing_deg=(heading + p["bearing_offset_deg"]) % 360.0)
    else:
        spec = CameraSpec("nadir", width, height, gsd_m=p["gsd_m"])
    cam = camera_for(land, spec, snap)
    if p.get("tilt_above_fire") and cam.projection == "perspective":
        # tilt up until the aim point sits below the bottom edge: only what rises above it shows
        from ..render.platforms import fire_aim_point

        tx, ty = fire_aim_point(land, snap)
        from ..render.camera import ground_elevation_m

        _, v, _ = cam.project(np.array([[tx, ty, ground_elevation_m(land, tx, ty)]]))
        fy, cy = cam.K[1, 1], cam.K[1, 2]
        below = math.degrees(math.atan((float(v[0]) - cy) / fy))
        half = math.degrees(math.atan((height / 2.0) / fy))
        fwd = cam.forward
        yaw = math.degrees(math.atan2(fwd[0], fwd[1])) % 360.0
        pitch = math.degrees(math.atan2(-fwd[2], math.hypot(fwd[0], fwd[1])))
        pitch = max(-89.0, pitch - (half + 1.0 - below))
        cam = camera_for(land, dataclasses.replace(spec, yaw_deg=yaw, pitch_deg=pitch), snap)
    return cam


def _detached(frame):
    """The frame with its own copies of the images (the writer thread outlives the render call)."""
    return dataclasses.replace(frame, rgb=frame.rgb.copy(), depth_m=frame.depth_m.copy(), semantic=frame.semantic.copy(),
                               instance=frame.instance.copy(), thermal_k=frame.thermal_k.copy(),
                               smoke_alpha=frame.smoke_alpha.copy())


def _write_timed(*args: Any) -> tuple[dict, float]:
    t0 = time.perf_counter()
    meta = write_dataset_frame(*args)
    return meta, time.perf_counter() - t0


def _settle(pending: list[tuple[int, Future]], keep: int, records: dict[int, dict], timing: dict,
            progress: Callable[[int], None] | None) -> None:
    """Wait for all but the newest ``keep`` frame writes and record them."""
    while len(pending) > keep:
        fid, fut = pending.pop(0)
        meta, dt = fut.result()
        timing["write_s"] += dt
        records[fid] = frame_record(meta)
        if progress:
            progress(1)


def _read_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _remove_temps(folder: Path) -> int:
    n = 0
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX):
                p.unlink(missing_ok=True)
                n += 1
    return n


def _manifest(job: DatasetJob, index: int, num_shards: int, scenes: list[int], done_scenes: list[int],
              records: dict[int, dict], scene_info: dict[int, dict]) -> dict:
    return {
        "format": MANIFEST_FORMAT, "status": "complete" if len(done_scenes) == len(scenes) else "running",
        "shard": index, "num_shards": num_shards, "frames_total": job.frames, "n_scenes": job.n_scenes,
        "scenes": scenes, "scenes_done": sorted(done_scenes), "seed": job.config.seed,
        "package": {"name": "wildfire_gym", "version": __version__}, "camera_convention": CAMERA_CONVENTION,
        "config": job.config.to_dict(),
        "scene_info": {str(s): scene_info[s] for s in sorted(scene_info)},
        "frames": [records[f] for f in sorted(records)],
    }


def run_shard(index: int, num_shards: int, job: DatasetJob,
              progress: Callable[[int], None] | None = None) -> dict:
    """Make (or finish) shard ``index`` of ``num_shards``; returns its manifest.

    Deterministic: the files depend only on ``job`` and the scene, never on the shard count,
    the worker or an earlier interrupted run. ``progress(n)`` is called with each frame done.
    """
    if int(num_shards) != num_shards or num_shards < 1:
        raise ScenarioError("--shards", "a number of shards >= 1", num_shards)
    if int(index) != index or not 0 <= index < num_shards:
        raise ScenarioError("shard index", f"an integer in [0, {num_shards})", index)
    out = Path(job.out)
    mpath = manifest_path(out, index, num_shards)
    scenes = shard_scenes(index, num_shards, job.n_scenes)
    # first the temporary files a killed run of this shard left (even when it had finished)
    for name in (mpath.name, mpath.with_suffix(".timing.json").name):
        for p in mpath.parent.glob(f".{name}.*{TEMP_SUFFIX}"):
            p.unlink(missing_ok=True)
    for s in scenes:
        removed = _remove_temps(out / Path(frame_stem(s, 0)).parent)
        if removed:
            log.info("scene %d: removed %d temporary files of an interrupted run", s, removed)
    old = _read_meta(mpath)
    if old is not None and old.get("status") == "complete" and old.get("config") == job.config.to_dict() \
            and old.get("frames_total") == job.frames:
        return old
    cfg = job.config
    mpath.parent.mkdir(parents=True, exist_ok=True)
    records: dict[int, dict] = {}
    scene_info: dict[int, dict] = {}
    done: list[int] = []
    timing = {"build_s": 0.0, "fire_s": 0.0, "render_s": 0.0, "write_s": 0.0, "frames_made": 0, "frames_skipped": 0}
    t_all = time.perf_counter()
    for s in scenes:
        n = job.frames_in_scene(s)
        samples = [sample_frame(cfg, s, k) for k in range(n)]
        metas = {fs.frame_id: _read_meta(out / f"{frame_stem(s, fs.frame_id)}_meta.json") for fs in samples}
        ss = sample_scene(cfg, s)
        delay = cfg.ignition.delay_s
        if all(m is not None for m in metas.values()):
            for m in metas.values():
                records[m["frame_id"]] = frame_record(m)  # type: ignore[index]
            scene_info[s] = next(iter(metas.values()))["scene_info"]  # type: ignore[index]
            done.append(s)
            timing["frames_skipped"] += n
            if progress:
                progress(n)
            continue
        t0 = time.perf_counter()
        sc, land0, houses_ok = _build_scene(ss.scenario)
        order = sorted(samples, key=lambda fs: (delay + fs.time_since_ignition_s, fs.k))
        times = [delay + fs.time_since_ignition_s for fs in order]
        land, states = _burn(land0, times)
        from ..render import RenderConfig, Renderer

        info = {"scenario": sc.to_dict(), "near_houses": ss.near_houses and houses_ok, "houses": len(land.structures.x_m)
                if getattr(land, "structures", None) is not None else 0, "trees": len(land.trees)}
        scene_info[s] = info
        timing["build_s"] += time.perf_counter() - t0
        renderer = None
        pending: list[tuple[int, Future]] = []
        writer = ThreadPoolExecutor(max_workers=WRITE_THREADS)
        try:
            for fs in order:
                t1 = time.perf_counter()
                t, snap = next(states)
                timing["fire_s"] += time.perf_counter() - t1
                if metas[fs.frame_id] is not None:
                    records[fs.frame_id] = frame_record(metas[fs.frame_id])  # type: ignore[arg-type]
                    timing["frames_skipped"] += 1
                    if progress:
                        progress(1)
                    continue
                if renderer is None:
                    t2 = time.perf_counter()
                    renderer = Renderer(land, RenderConfig(seed=cfg.seed, tree_lod=cfg.tree_lod))
                    timing["build_s"] += time.perf_counter() - t2
                t2 = time.perf_counter()
                cam = _camera(land, snap, fs, cfg.image.width, cfg.image.height)
                frame = renderer.render(snap, cam, appearance=appearance_for(fs, t, sc.weather.start_hour), seed=fs.frame_id)
                frame = _detached(frame)
                timing["render_s"] += time.perf_counter() - t2
                fire_state = {"time_s": t, "time_since_ignition_s": t - delay}
                pending.append((fs.frame_id, writer.submit(_write_timed, frame, out, fs.to_dict(), info, fire_state,
                                                           cfg.image.jpeg_quality, cfg.min_box_pixels)))
                timing["frames_made"] += 1
                _settle(pending, MAX_PENDING_WRITES, records, timing, progress)
            _settle(pending, 0, records, timing, progress)
        finally:
            writer.shutdown(wait=True)
            if renderer is not None:
                renderer.close()
        done.append(s)
        atomic_write_text(mpath, _dumps(_manifest(job, index, num_shards, scenes, done, records, scene_info)))
    manifest = _manifest(job, index, num_shards, scenes, done, records, scene_info)
    atomic_write_text(mpath, _dumps(manifest))
    timing["wall_s"] = time.perf_counter() - t_all
    atomic_write_text(mpath.with_suffix(".timing.json"), _dumps(timing))
    return manifest
