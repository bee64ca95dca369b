"""Train PPO with RLlib on Ray: the same wildfire environments, stepped by RLlib env runners.

Usage::

    .venv/bin/python examples/train_rllib.py [--task Fireline] [--iterations 5] [--env-runners 2]
        [--envs-per-runner 2] [--grid 64] [--ray local | --ray ADDRESS] [--out out/examples/rllib]

Needs the ``rllib`` extra (``pip install -e ".[rllib]"``: Ray's RLlib and its dependencies, torch
on the CPU). ``--ray local`` starts a cluster on this machine; an address joins a running one
(``ray start --head`` on the head node, workers joined to it). Each env runner is a Ray actor that
builds its own environments (``WildfireGym/<task>-v0`` with a small episode config), so nothing
but weights and samples cross the network. Prints one JSON line per iteration (mean episode
return, env steps so far, seconds) and writes the checkpoint to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

TASKS = ("Fireline", "AerialAttack", "DroneSurveillance")


def make_env(config: dict):
    """An environment for an RLlib env runner (runs inside the Ray worker)."""
    os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
    import gymnasium as gym

    import wildfire_gym  # noqa: F401 - registers the tasks
    from wildfire_gym.envs import EpisodeConfig

    cfg = EpisodeConfig(grid_cells=int(config["grid"]), n_landscapes=int(config.get("n_landscapes", 2)))
    return gym.make(f"WildfireGym/{config['task']}-v0", episode=cfg)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="Fireline", choices=TASKS)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--env-runners", type=int, default=2)
    ap.add_argument("--envs-per-runner", type=int, default=2)
    ap.add_argument("--grid", type=int, default=64)
    ap.add_argument("--batch", type=int, default=512, help="env steps per training iteration")
    ap.add_argument("--ray", default="local", help="'local' or the address of a running Ray cluster")
    ap.add_argument("--out", default="out/examples/rllib")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for name in ("iterations", "env_runners", "envs_per_runner", "batch"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')}: expected an integer >= 1, got {getattr(args, name)}")
    if not 16 <= args.grid <= 512:
        ap.error(f"--grid: expected an integer in [16, 512], got {args.grid}")
    if not args.ray.strip():
        ap.error("--ray: expected 'local' or a cluster address, got an empty string")
    try:
        import ray
        from ray.rllib.algorithms.ppo import PPOConfig
        from ray.tune.registry import register_env
    except ImportError as exc:
        print(f"train_rllib: RLlib is not installed ({exc}); install the extra: pip install -e '.[rllib]'",
              file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(1)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    env_vars = {"TI_SKIP_VERSION_CHECK": "ON", "OMP_NUM_THREADS": "1", "WILDFIRE_GYM_THREADS": "1"}
    runtime_env = {"env_vars": env_vars}
    if args.ray == "local":
        ray.init(num_cpus=max(2, args.env_runners + 1), include_dashboard=False, log_to_driver=False,
                 runtime_env=runtime_env)
    else:
        ray.init(address=args.ray, log_to_driver=False, runtime_env=runtime_env)
    try:
        register_env("wildfire", make_env)
        config = (
            PPOConfig()
            .environment("wildfire", env_config={"task": args.task, "grid": args.grid})
            .framework("torch")
            .env_runners(num_env_runners=args.env_runners, num_envs_per_env_runner=args.envs_per_runner,
                         num_cpus_per_env_runner=1)
            .training(train_batch_size_per_learner=args.batch, minibatch_size=min(128, args.batch),
                      num_epochs=2, lr=3e-4, gamma=0.99)
            .debugging(seed=args.seed)
        )
        algo = config.build_algo() if hasattr(config, "build_algo") else config.build()
        t0 = time.perf_counter()
        last = {}
        for it in range(1, args.iterations + 1):
            res = algo.train()
            runners = res.get("env_runners", {})
            ret = runners.get("episode_return_mean", float("nan"))
            steps = res.get("num_env_steps_sampled_lifetime", runners.get("num_env_steps_sampled_lifetime", 0))
            last = {"iteration": it, "episode_return_mean": None if ret is None or not math.isfinite(ret) else
                    round(float(ret), 4), "env_steps": int(steps), "seconds": round(time.perf_counter() - t0, 1)}
            print(json.dumps(last), flush=True)
        out = Path(args.out).resolve()
        out.mkdir(parents=True, exist_ok=True)
        algo.save_to_path(str(out / "checkpoint")) if hasattr(algo, "save_to_path") else algo.save(str(out))
        print(json.dumps({"done": True, "task": args.task, "checkpoint": str(out / "checkpoint"), **last}))
        algo.stop()
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
