"""Environment throughput: aggregate env steps/s of the native vector env; prints one JSON object.

Usage::

    .venv/bin/python benchmarks/envs.py [--batches 1,16,64,256,1024] [--grid 128] [--cell 30]
        [--steps 12] [--task Fireline] [--step-s 300] [--policies random,hold]

``WildfireGym/<task>-v0`` through ``gymnasium.make_vec`` on ``--grid``^2 cells of ``--cell`` m
(state observations, the task's default resources, six houses, ``--step-s`` decision steps). Each batch size runs in its own
process after a small warm-up that pays Taichi's kernel compilation (Taichi caches compiled
kernels, so later processes compile less). Reported per batch size and policy:

* ``make_s`` (landscape pool and engine set-up), ``reset_s`` (every slot), ``first_step_s``;
  ``time_to_first_step_s`` their sum;
* ``env_steps_per_s``: ``B * steps / wall`` of the stepping loop (random actions: ``random``;
  every resource holding, so no line is cut: ``hold``, the engine-and-observation floor);
* peak RSS (MiB) and the load average.

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
         step_s: float) -> dict[str, Any]:
    import gymnasium as gym
    import numpy as np

    import wildfire_gym  # noqa: F401
    from wildfire_gym.envs import EpisodeConfig

    cfg = EpisodeConfig(grid_cells=grid, cell_m=cell, n_landscapes=2)
    t0 = time.perf_counter()
    venv = gym.make_vec(f"WildfireGym/{task}-v0", num_envs=batch, episode=cfg, step_s=step_s)
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
        t0 = time.perf_counter()
        for a in acts:
            venv.step(a)
        wall = time.perf_counter() - t0
        out[policy] = {"env_steps_per_s": batch * steps / wall, "wall_s": wall, "steps": steps}
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
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    policies = args.policies.split(",")
    if args.child is not None:
        print(json.dumps(_one(args.child, args.grid, args.cell, args.steps, args.task, policies, args.step_s)))
        return
    t0 = time.perf_counter()
    warm = _run_child(args, 2, steps=2)
    results = {"warmup": {"wall_s": time.perf_counter() - t0, "ok": warm is not None}, "batches": []}
    for b in [int(x) for x in args.batches.split(",")]:
        results["batches"].append(_run_child(args, b, args.steps) or {"batch": b, "error": "child failed"})
    results.update({"task": args.task, "grid": args.grid, "cell_m": args.cell, "obs_mode": "state",
                    "step_s": args.step_s, "goal": ">= 20000 env steps/s at B=256 on 128^2 with state observations",
                    "machine": machine_note()})
    print(json.dumps(results, indent=1))


def _run_child(args: argparse.Namespace, batch: int, steps: int) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--child", str(batch), "--grid", str(args.grid), "--cell", str(args.cell),
           "--steps", str(steps), "--task", args.task, "--policies", args.policies, "--step-s", str(args.step_s)]
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
