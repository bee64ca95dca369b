"""Running the shards: serially, in a local process pool, on Ray, or one per Kubernetes pod.

:func:`make_dataset` plans the shards (default: one per scene, so the shard manifests do not
depend on the number of workers), runs the ones not yet complete and, once all are, writes
the dataset-level files (:func:`~.writers.finalize`). ``job.json`` pins the folder to one
config and frame count: rerunning with either changed is refused rather than mixed.
Execution details (workers, shards, wall time) go to ``run.json``, outside the dataset's
reproducible bytes.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from ..errors import ScenarioError
from ..io.atomic import TEMP_SUFFIX, atomic_write_text
from .shard import DatasetJob, manifest_path, run_shard
from .writers import finalize

log = logging.getLogger(__name__)

JOB_INDEX_ENV = "JOB_COMPLETION_INDEX"
"""Set by a Kubernetes indexed Job in each pod: that pod runs this shard only."""
WORKER_THREADS_ENV = {"WILDFIRE_GYM_THREADS": "1", "LP_NUM_THREADS": "1"}
"""Each pool worker keeps to one thread (Taichi, Mesa llvmpipe): the pool is the parallelism."""


def shard_index_from_env(num_shards: int, environ: dict | None = None) -> int | None:
    """The shard of this pod from ``JOB_COMPLETION_INDEX`` (``None`` when unset)."""
    env = os.environ if environ is None else environ
    text = env.get(JOB_INDEX_ENV)
    if text is None or text == "":
        return None
    try:
        i = int(text.strip())
    except ValueError:
        i = -1
    if not 0 <= i < num_shards:
        raise ScenarioError(JOB_INDEX_ENV, f"an integer shard index in [0, {num_shards}) (--shards {num_shards})", text)
    return i


def _check_job_file(out: Path, job: DatasetJob) -> None:
    p = out / "job.json"
    want = {"config": job.config.to_dict(), "frames": job.frames}
    if p.is_file():
        try:
            have = json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            have = None
        if have != want:
            raise ScenarioError("--out", "an empty folder or one holding this same dataset (config and --frames)",
                                str(out))
        return
    if out.is_dir() and any(not (p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX)) for p in out.iterdir()):
        raise ScenarioError("--out", "an empty folder or one holding this same dataset (no job.json found)", str(out))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(p, json.dumps(want, sort_keys=True, indent=1) + "\n")


def _pool_init() -> None:
    os.environ.update(WORKER_THREADS_ENV)


def _pool_shard(index: int, num_shards: int, job: DatasetJob) -> tuple[int, int]:
    m = run_shard(index, num_shards, job)
    return index, len(m["frames"])


def _ray_shards(address: str, indices: list[int], num_shards: int, job: DatasetJob,
                done: Callable[[int], None]) -> None:
    from .._ray import connect_ray

    ray = connect_ray(address)
    remote = ray.remote(num_cpus=1)(_pool_shard)
    pending = [remote.remote(i, num_shards, job) for i in indices]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        for ref in ready:
            _, n = ray.get(ref)
            done(n)


def complete_manifests(out: Path, num_shards: int, job: DatasetJob) -> list[dict] | None:
    """All shard manifests when every one is complete for this job, else ``None``."""
    ms = []
    for i in range(num_shards):
        try:
            m = json.loads(manifest_path(out, i, num_shards).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if m.get("status") != "complete" or m.get("config") != job.config.to_dict() or m.get("frames_total") != job.frames:
            return None
        ms.append(m)
    return ms


def make_dataset(job: DatasetJob, workers: int = 1, num_shards: int | None = None, ray_address: str | None = None,
                 shard_index: int | None = None, command: str | None = None,
                 progress: Callable[[int], None] | None = None) -> dict:
    """Make (or finish) the dataset ``job`` describes; returns ``dataset.json``'s content, or a
    ``{"status": "shard done", ...}`` note when this call ran one shard and others remain."""
    if int(workers) != workers or workers < 1:
        raise ScenarioError("--workers", "a number of worker processes >= 1", workers)
    n_shards = job.n_scenes if num_shards is None else num_shards
    if int(n_shards) != n_shards or n_shards < 1:
        raise ScenarioError("--shards", "a number of shards >= 1", n_shards)
    if n_shards > job.n_scenes:
        raise ScenarioError("--shards", f"at most one shard per scene ({job.n_scenes} scenes)", n_shards)
    out = Path(job.out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", "a folder (this is a file)", str(out))
    _check_job_file(out, job)
    if shard_index is not None:  # a pod's own run record, if a kill cut its write short
        for p in (out / "shards").glob(f".run-{shard_index:05d}.json.*{TEMP_SUFFIX}"):
            p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    tick = progress or (lambda n: None)
    if shard_index is not None:
        indices = [shard_index]
    else:
        indices = [i for i in range(n_shards)]
    if shard_index is not None or (workers == 1 and ray_address is None):
        for i in indices:
            run_shard(i, n_shards, job, progress=tick)
    elif ray_address is not None:
        _ray_shards(ray_address, indices, n_shards, job, tick)
    else:
        ctx = multiprocessing.get_context("spawn")  # no fork: Taichi and GL contexts do not survive it
        with ProcessPoolExecutor(max_workers=min(workers, len(indices)), mp_context=ctx, initializer=_pool_init) as ex:
            futs = [ex.submit(_pool_shard, i, n_shards, job) for i in indices]
            for f in as_completed(futs):
                _, n = f.result()
                tick(n)
    wall = time.perf_counter() - t0
    manifests = complete_manifests(out, n_shards, job)
    run = {"workers": workers, "shards": n_shards, "ray": ray_address, "shard_index": shard_index, "wall_s": wall}
    atomic_write_text(out / ("run.json" if shard_index is None else f"shards/run-{shard_index:05d}.json"),
                      json.dumps(run, sort_keys=True, indent=1) + "\n")
    if manifests is None:
        return {"status": "shard done", "shard": shard_index, "shards": n_shards}
    index = finalize(out, manifests, job.config, job.frames, command)
    log.info("dataset %s: %d frames in %.1f s", out, job.frames, wall)
    return index
