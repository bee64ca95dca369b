"""Environment throughput: aggregate env steps/s of the native vector env; prints one JSON object.

Usage::

    .venv/bin/python benchmarks/envs.py [--batches 1,16,64,256,1024] [--grid 128] [--cell 30]
        [--steps 12] [--task Fireline] [--step-s 300] [--policies random,hold]
    .venv/bin/python benchmarks/envs.py --task DroneSurveillance --obs-mode thermal \
        --resolutions 64,96 --batches 1,4,16 [--drones 1]

``WildfireGym/<task>-v0`` through ``gymnasium.make_vec`` on ``--grid``^2 cells of ``--cell`` m
(state observations, the task's default resources, six houses, ``--step-s`` decision steps). Each batch size runs in its own
process after a small warm-up that pays Taichi's kernel compilation (Taichi caches compiled
kernels, so later processes compile less). Reported per batch size and policy:

* ``make_s`` (landscape pool and engine set-up), ``reset_s`` (every slot), ``first_step_s``;
  ``time_to_first_step_s`` their sum;
* ``env_steps_per_s``: ``B * steps / wall`` of the stepping loop (random actions: ``random``;
  every resource holding, so no line is cut: ``hold``, the engine-and-observation floor);
* peak RSS (MiB) and the load average.

Pixel observations (``--obs-mode`` thermal, rgb, labels or rgbd of DroneSurveillance): one child
per batch size and camera resolution (``--resolutions``); beside the steps/s each reports
``render``: the frames rendered in the stepping loop, their share of its wall time and the
render cost per camera frame (ms, the slot's fire-state upload included: every slot has its own
fire) and per env step, and of it the fire state's share (textures from the slot's snapshot and
their upload, once per slot and step); and ``renderer_alone``: the renderer's own frames/s at that resolution
with the env's render settings (one UAV camera over the first slot's fire, the fire state
already uploaded, so it is the drawing and read-back floor).

Never asserts. Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

from _common import machine_note, peak_rss_mib  # noqa: E402


def _one(batch: int, grid: int, cell: float, steps: int, task: str, policies: list[str],
         step_s: float, obs_mode: str = "state", resolution: int = 64, drones: int = 1) -> dict[str, Any]:
    import gymnasium as gym
    import numpy as np

    import wildfire_gym  # noqa: F401
    from wildfire_gym.envs import EpisodeConfig

    cfg = EpisodeConfig(grid_cells=grid, cell_m=cell, n_landscapes=2)
    t0 = time.perf_counter()
    kw: dict[str, Any] = {}
    if obs_mode != "state":
        kw = {"obs_mode": obs_mode, "resolution": resolution, "n_drones": drones}
    venv = gym.make_vec(f"WildfireGym/{task}-v0", num_envs=batch, episode=cfg, step_s=step_s, **kw)
    make_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    venv.reset(seed=0)
    reset_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    space = venv.single_action_space
    t0 = time.perf_counter()
    venv.step(rng.integers(0, space.nvec, size=(batch, len(space.nvec))))
    first = time.perf_counter() - t0
    out: dict[str, Any] = {"batch": batch, "make_s": make_s, "reset_s": reset_s, "first_step_s": first,
                           "time_to_first_step_s": make_s + reset_s + first}
    for policy in policies:
        venv.reset(seed=1)
        acts = [rng.integers(0, space.nvec, size=(batch, len(space.nvec))) for _ in range(steps)]
        if policy == "hold":
            acts = [np.zeros_like(a) for a in acts]
        stats0 = dict(getattr(venv.core, "render_stats", {}))
        t0 = time.perf_counter()
        for a in acts:
            venv.step(a)
        wall = time.perf_counter() - t0
        out[policy] = {"env_steps_per_s": batch * steps / wall, "wall_s": wall, "steps": steps}
        if stats0:
            frames = venv.core.render_stats["frames"] - stats0["frames"]
            render_s = venv.core.render_stats["render_s"] - stats0["render_s"]
            state_s = venv.core.render_stats["fire_state_s"] - stats0["fire_state_s"]
            out[policy]["render"] = {"frames": frames, "share_of_wall": render_s / wall,
                                     "ms_per_camera_frame": 1e3 * render_s / max(frames, 1),
                                     "ms_per_env_step": 1e3 * render_s / (batch * steps),
                                     "fire_state_ms_per_env_step": 1e3 * state_s / (batch * steps)}
    if obs_mode != "state":
        out["obs_mode"], out["resolution"], out["drones"] = obs_mode, resolution, drones
        core = venv.core
        snap = core.sim.snapshot(0)
        r = core.renderer(core.episodes[0].landscape_index)
        cam = core.drone_camera(0, 0)
        r.render(snap, cam, seed=0)  # fire state uploaded; the loop measures drawing and read-back
        n = 20
        t0 = time.perf_counter()
        for k in range(n):
            r.render(snap, cam, seed=k + 1)
        dt = time.perf_counter() - t0
        out["renderer_alone"] = {"frames_per_s": n / dt, "ms_per_frame": 1e3 * dt / n, "gl_renderer": r.gl_renderer}
    venv.close()
    out["peak_rss_mib"] = peak_rss_mib()
    out["load_avg"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,16,64,256,1024")
    ap.add_argument("--grid", type=int, default=128)
    ap.add_argument("--cell", type=float, default=30.0)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--task", default="Fireline")
    ap.add_argument("--step-s", type=float, default=300.0, help="decision interval (the engine benchmark uses 60 s)")
    ap.add_argument("--policies", default="random,hold")
    ap.add_argument("--obs-mode", default="state", help="state, or a DroneSurveillance pixel mode (thermal, rgb, labels, rgbd)")
    ap.add_argument("--resolutions", default="64", help="camera resolutions (square, pixels) of pixel observations")
    ap.add_argument("--drones", type=int, default=1, help="UAVs per env (DroneSurveillance)")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-resolution", type=int, default=64, help=argparse.SUPPRESS)
    args = ap.parse_args()
    policies = args.policies.split(",")
    pixels = args.obs_mode != "state"
    if pixels and args.task != "DroneSurveillance":
        ap.error(f"--obs-mode: pixel observations are offered by DroneSurveillance, not {args.task}")
    if args.child is not None:
        print(json.dumps(_one(args.child, args.grid, args.cell, args.steps, args.task, policies, args.step_s,
                              args.obs_mode, args.child_resolution, args.drones)))
        return
    resolutions = [int(x) for x in args.resolutions.split(",")] if pixels else [64]
    t0 = time.perf_counter()
    warm = _run_child(args, 2, steps=2, resolution=resolutions[0])
    results = {"warmup": {"wall_s": time.perf_counter() - t0, "ok": warm is not None}, "batches": []}
    for res in resolutions:
        for b in [int(x) for x in args.batches.split(",")]:
            row = _run_child(args, b, args.steps, res) or {"batch": b, "error": "child failed"}
            results["batches"].append(row)
    results.update({"task": args.task, "grid": args.grid, "cell_m": args.cell, "obs_mode": args.obs_mode,
                    "step_s": args.step_s, "machine": machine_note()})
    if pixels:
        results["resolutions"] = resolutions
    else:
        results["goal"] = ">= 20000 env steps/s at B=256 on 128^2 with state observations"
    print(json.dumps(results, indent=1))


def _run_child(args: argparse.Namespace, batch: int, steps: int, resolution: int = 64) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--child", str(batch), "--grid", str(args.grid), "--cell", str(args.cell),
           "--steps", str(steps), "--task", args.task, "--policies", args.policies, "--step-s", str(args.step_s),
           "--obs-mode", args.obs_mode, "--child-resolution", str(resolution), "--drones", str(args.drones)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-2000:])
        return None
    return json.loads(lines[-1])


if __name__ == "__main__":
    main()
