"""Train PPO (Stable-Baselines3) on the Fireline task and compare it with the heuristic and random.

Usage::

    .venv/bin/python examples/train_ppo.py [--timesteps 20000] [--num-envs 8] [--episodes 20]
        [--out out/examples/ppo]

Trains on the native vector env through the SB3 adapter (``WildfireSB3VecEnv``), slot ``i``
seeded with ``100000 + i`` (each slot then continues its own stream), so training episodes and the
held-out test seeds 0 .. --episodes - 1 of examples/evaluate.py are disjoint. Writes the checkpoint
``fireline_ppo.zip`` and ``table.json`` (mean +- std of return, houses saved, area burned and each
reward term for PPO, the heuristic and random, plus training steps and minutes); prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

TRAIN_SEEDS_FROM = 100000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timesteps", type=int, default=20000)
    ap.add_argument("--num-envs", type=int, default=8)
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--out", default="out/examples/ppo")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import gymnasium as gym
    import torch
    from evaluate import table
    from stable_baselines3 import PPO

    import wildfire_gym  # noqa: F401
    from wildfire_gym.envs.sb3 import WildfireSB3VecEnv

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    venv = WildfireSB3VecEnv(gym.make_vec("WildfireGym/Fireline-v0", num_envs=args.num_envs))
    venv.seed(TRAIN_SEEDS_FROM)
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=128, n_epochs=4, learning_rate=3e-4, gamma=0.99,
                seed=args.seed, device="cpu", verbose=0)
    t0 = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    train_min = (time.perf_counter() - t0) / 60.0
    ckpt = out / "fireline_ppo.zip"
    model.save(ckpt)
    t0 = time.perf_counter()
    res = table("Fireline", [str(ckpt), "heuristic", "random"], args.episodes)
    res = {("ppo" if k == str(ckpt) else k): v for k, v in res.items()}
    report = {"task": "Fireline", "train_timesteps": int(model.num_timesteps), "train_minutes": train_min,
              "num_envs": args.num_envs, "train_seeds_from": TRAIN_SEEDS_FROM,
              "test_seeds": [0, args.episodes - 1], "eval_minutes": (time.perf_counter() - t0) / 60.0,
              "policies": res}
    (out / "table.json").write_text(json.dumps(report, indent=1))
    for name, rows in res.items():
        cells = ", ".join(f"{k} {v['mean']:.3f} +- {v['std']:.3f}" for k, v in rows.items()
                          if k in ("return", "houses_saved", "area_burned_ha"))
        print(f"{name:9s} {cells}")
    print(f"PPO trained {model.num_timesteps} steps in {train_min:.1f} min; table in {out / 'table.json'}")


if __name__ == "__main__":
    main()
