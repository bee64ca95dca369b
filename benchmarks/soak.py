"""A long soak of a native vector env with random actions; prints one JSON object.

Usage::

    .venv/bin/python benchmarks/soak.py [--task Fireline] [--steps 1000000] [--batch 128]
        [--grid 64] [--cell 30] [--step-s 300] [--samples 20] [--progress]

``--steps`` counts aggregate env steps (batch x vector steps). Episodes end and reset in place
(the vector env's autoreset), so the soak exercises resets of the engine's members as much as
their stepping. Reported: wall time and steps/s; resident memory after a warm-up (the first 5 %
of the steps, at least two episodes per slot) and at the end, their ratio (issue 9: no growth beyond 5 %) and the largest value
sampled along the way; NaN or inf seen in observations or rewards; observations outside the
observation space; episodes ended. ``--progress`` prints a JSON line per sample on stderr (steps,
wall time, ETA, memory), for runs of an hour or more. Never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

from _common import machine_note  # noqa: E402

WARMUP_FRACTION = 0.05
GOAL_GROWTH = 0.05


def rss_mib() -> float:
    """Current resident set size (MiB), from /proc (not the peak)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="Fireline", choices=["Fireline", "AerialAttack", "DroneSurveillance"])
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--grid", type=int, default=64)
    ap.add_argument("--cell", type=float, default=30.0)
    ap.add_argument("--step-s", type=float, default=300.0)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--progress", action="store_true", help="one JSON line per sample on stderr")
    args = ap.parse_args()
    if args.steps < args.batch or args.batch < 1 or args.samples < 1:
        ap.error("--steps must be at least --batch, and --batch and --samples at least 1")

    import gymnasium as gym
    import numpy as np

    import wildfire_gym  # noqa: F401
    from wildfire_gym.envs import EpisodeConfig

    cfg = EpisodeConfig(grid_cells=args.grid, cell_m=args.cell, n_landscapes=4)
    venv = gym.make_vec(f"WildfireGym/{args.task}-v0", num_envs=args.batch, episode=cfg, step_s=args.step_s)
    space = venv.single_observation_space
    obs, _ = venv.reset(seed=args.seed)
    rng = np.random.default_rng(args.seed)
    n_vec = -(-args.steps // args.batch)  # at least --steps
    # warm-up: 5 % of the steps and at least two episodes per slot (caches, compiled kernels and
    # the allocator settle over the first episodes and resets)
    max_steps = int(venv.core.max_episode_steps) if hasattr(venv, "core") else 48
    warm = min(n_vec, max(1, int(WARMUP_FRACTION * n_vec), 2 * max_steps))
    every = max(1, n_vec // args.samples)
    bad_values = 0
    outside = 0
    ended = 0
    rss_warm = None
    samples: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    t_warm = t0
    for k in range(1, n_vec + 1):
        nvec = venv.single_action_space.nvec
        obs, r, term, trunc, _ = venv.step(rng.integers(0, nvec, size=(args.batch, len(nvec))))
        bad_values += int((~np.isfinite(obs)).sum() + (~np.isfinite(r)).sum())
        ended += int((term | trunc).sum())
        if k % every == 0 or k == warm:
            outside += sum(not space.contains(o) for o in obs)
            samples.append((k * args.batch, round(rss_mib(), 1)))
            if args.progress:
                el = time.perf_counter() - t0
                print(json.dumps({"progress_env_steps": k * args.batch, "wall_s": round(el, 1),
                                  "eta_s": round(el * (n_vec - k) / k, 1), "rss_mib": samples[-1][1],
                                  "non_finite_values": bad_values, "episodes_ended": ended}),
                      file=sys.stderr, flush=True)
        if k == warm:
            rss_warm = rss_mib()
            t_warm = time.perf_counter()
    wall = time.perf_counter() - t0
    rss_end = rss_mib()
    assert rss_warm is not None
    after = [m for s, m in samples if s >= warm * args.batch]
    out = {
        "benchmark": "soak", "task": args.task, "batch": args.batch, "grid": args.grid, "cell_m": args.cell,
        "step_s": args.step_s, "env_steps": n_vec * args.batch, "wall_s": round(wall, 1),
        "env_steps_per_s": round(n_vec * args.batch / wall, 1),
        "env_steps_per_s_after_warmup": round((n_vec - warm) * args.batch / max(time.perf_counter() - t_warm, 1e-9), 1),
        "rss_after_warmup_mib": round(rss_warm, 1), "rss_end_mib": round(rss_end, 1),
        "rss_max_sampled_after_warmup_mib": round(max(after), 1) if after else None,
        "growth_after_warmup": round(rss_end / rss_warm - 1.0, 4), "goal_growth": GOAL_GROWTH,
        "rss_samples_mib": samples, "non_finite_values": bad_values, "observations_outside_space": outside,
        "episodes_ended": ended, "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "machine": machine_note(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
