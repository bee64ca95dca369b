"""Evaluate a policy on the held-out seeds of a task and print the table (JSON).

Usage::

    .venv/bin/python examples/evaluate.py --policy out/examples/ppo/fireline_ppo.zip   # a PPO checkpoint
    .venv/bin/python examples/evaluate.py --policy heuristic                           # the scripted baseline
    .venv/bin/python examples/evaluate.py --policy random

Seeds: training uses seeds from 100000 up (one stream per vector slot, see train_ppo.py); the
held-out test seeds are 0 .. --episodes - 1, each a single-environment episode. Landscapes come
from the same pool (``EpisodeConfig.world_seed`` 0) in both; episodes differ in landscape pick,
ignition, wind, starting positions and spotting seed. Per policy: mean and standard deviation
of the return, houses saved and lost, area burned (ha) and each reward term.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

TEST_SEEDS_FROM = 0


def make_env(task: str):
    import gymnasium as gym

    import wildfire_gym  # noqa: F401

    return lambda: gym.make(f"WildfireGym/{task}-v0")


def load_policy(name: str, seed: int = 0):
    from wildfire_gym.envs.policies import FirelineHeuristic, random_policy

    if name == "heuristic":
        return FirelineHeuristic()
    if name == "random":
        return random_policy(seed)
    if name == "hold":
        return lambda obs, env: 0 * env.action_space.nvec
    from stable_baselines3 import PPO

    model = PPO.load(name, device="cpu")
    return lambda obs, env: model.predict(obs, deterministic=True)[0]


def table(task: str, policies: list[str], episodes: int) -> dict:
    from wildfire_gym.envs.policies import evaluate, summarise

    seeds = list(range(TEST_SEEDS_FROM, TEST_SEEDS_FROM + episodes))
    return {p: summarise(evaluate(make_env(task), load_policy(p), seeds)) for p in policies}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="Fireline")
    ap.add_argument("--policy", action="append", help="heuristic | random | hold | path to an SB3 PPO .zip")
    ap.add_argument("--episodes", type=int, default=20)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    print(json.dumps({"task": args.task, "test_seeds": [TEST_SEEDS_FROM, TEST_SEEDS_FROM + args.episodes - 1],
                      "policies": table(args.task, args.policy or ["heuristic", "random"], args.episodes)}, indent=1))


if __name__ == "__main__":
    main()
