"""Evaluate a policy on the held-out seeds of a task and print the table (JSON).

Usage::

    .venv/bin/python examples/evaluate.py --policy out/examples/ppo/fireline_ppo.zip   # a PPO checkpoint
    .venv/bin/python examples/evaluate.py --policy heuristic                           # the scripted baseline
    .venv/bin/python examples/evaluate.py --policy random
    .venv/bin/python examples/evaluate.py --task DroneSurveillance \
        --policy sampled:out/examples/ppo/dronesurveillance_ppo.zip --policy heuristic

Seeds: training uses seeds from 100000 up (one stream per vector slot, see train_ppo.py); the
held-out test seeds are 0 .. --episodes - 1, each a single-environment episode. Landscapes come
from the same pool (``EpisodeConfig.world_seed`` 0) in both; episodes differ in landscape pick,
ignition, wind, starting positions and spotting seed. Per policy: mean and standard deviation
of the return, houses saved and lost, area burned (ha) and each reward term; and each policy's
paired difference from the heuristic on the same seeds (mean, its standard error, seeds won).
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
SAMPLED = "sampled:"
"""Prefix of a checkpoint whose actions are drawn from the policy (``sampled:PATH``); a bare
path takes the most likely action (deterministic)."""


def make_env(task: str, **kwargs):
    import gymnasium as gym

    import wildfire_gym  # noqa: F401

    return lambda: gym.make(f"WildfireGym/{task}-v0", **kwargs)


def load_policy(name: str, seed: int = 0, task: str = "Fireline"):
    from wildfire_gym.envs.policies import DroneHeuristic, FirelineHeuristic, random_policy

    if name == "heuristic":
        if task == "DroneSurveillance":
            return DroneHeuristic()
        if task != "Fireline":
            raise SystemExit(f"--policy heuristic: no scripted heuristic for {task} (Fireline, DroneSurveillance)")
        return FirelineHeuristic()
    if name == "random":
        return random_policy(seed)
    if name == "hold":
        return lambda obs, env: 0 * env.action_space.nvec
    import torch
    from stable_baselines3 import PPO

    sampled = name.startswith(SAMPLED)
    model = PPO.load(name[len(SAMPLED):] if sampled else name, device="cpu")
    if sampled:  # actions drawn from the policy's distribution, from a seeded stream
        torch.manual_seed(seed)
    return lambda obs, env: model.predict(obs, deterministic=not sampled)[0]


def table(task: str, policies: list[str], episodes: int, against: str | None = "heuristic") -> dict:
    """Per policy the summary over the held-out seeds; with ``against`` (one of ``policies``) also
    each other policy's paired difference from it, seed by seed (see ``policies.paired``)."""
    from wildfire_gym.envs.policies import evaluate, paired, summarise

    seeds = list(range(TEST_SEEDS_FROM, TEST_SEEDS_FROM + episodes))
    rows = {p: evaluate(make_env(task), load_policy(p, task=task), seeds) for p in policies}
    out: dict = {p: summarise(r) for p, r in rows.items()}
    if against in rows:
        out["paired_vs_" + against] = {p: paired(r, rows[against]) for p, r in rows.items() if p != against}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="Fireline", choices=["Fireline", "DroneSurveillance", "AerialAttack"])
    ap.add_argument("--policy", action="append",
                    help="heuristic | random | hold | PATH of an SB3 PPO .zip (most likely action) | sampled:PATH")
    ap.add_argument("--episodes", type=int, default=100)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    print(json.dumps({"task": args.task, "test_seeds": [TEST_SEEDS_FROM, TEST_SEEDS_FROM + args.episodes - 1],
                      "policies": table(args.task, args.policy or ["heuristic", "random"], args.episodes)}, indent=1))


if __name__ == "__main__":
    main()
