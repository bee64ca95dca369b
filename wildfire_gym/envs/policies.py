"""Baseline policies and the evaluation loop that compares them on held-out seeds.

:class:`FirelineHeuristic` is the scripted baseline of the Fireline task: each resource walks to
an arc around the houses on the fire's side (radius: the houses' spread plus ``standoff_m``) and
cuts along it from the point facing the ignition outwards, one resource per side, then holds.
It reads the episode's ignition and houses from the environment (what an incident commander
knows), not the observation.

:class:`DroneHeuristic` is the scripted baseline of the DroneSurveillance task: a greedy
revisit of the mapped fire's edge. Each UAV flies to the first report (the ignition) until its own
map holds fire, then to the cell of the mapped perimeter seen longest ago (nearer first among
equally stale cells), a sensor swath apart from the other UAVs' targets. It reads the UAVs' own
map (what they have seen and when), never the true fire.

:func:`evaluate` runs a policy on a list of seeds, one episode per seed in a single environment,
and returns per-episode totals (return, each reward term, houses saved, area burned);
:func:`summarise` their means and spreads; :func:`paired` one policy's difference from another on
the same seeds, with its standard error.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from .drone import DroneBatch
from .fireline import DIRECTIONS_DEG, FirelineBatch
from .suppression import line_rate_m_s, travel_speed_m_s

Policy = Callable[[np.ndarray, gym.Env], np.ndarray]


class FirelineHeuristic:
    """Scripted line around the houses (see the module docstring); ``__call__(obs, env) -> action``."""

    def __init__(self, standoff_m: float = 150.0, arc_deg: float = 100.0, waypoints: int = 8) -> None:
        self.standoff_m = standoff_m
        self.arc_deg = arc_deg
        self.waypoints = waypoints
        self._plan: list[list[np.ndarray]] = []
        self._stage: list[int] = []
        self._episode: object = None

    def _make_plan(self, core: FirelineBatch) -> None:
        ep = core.episodes[0]
        assert ep is not None
        hx, hy = ep.houses_xy_m
        houses = core.land(0).house_xy
        radius = float(np.max(np.hypot(houses[:, 0] - hx, houses[:, 1] - hy))) + self.standoff_m
        to_fire = math.degrees(math.atan2(ep.ignition_xy_m[0] - hx, ep.ignition_xy_m[1] - hy))
        size = core.cfg.size_m
        self._plan, self._stage = [], []
        n = core.n_crews
        for c in range(n):
            side = 1.0 if c % 2 == 0 else -1.0
            share = (c // 2 + 1) / math.ceil(n / 2)
            start = (c // 2) / math.ceil(n / 2)
            angles = to_fire + side * self.arc_deg * np.linspace(start, share, self.waypoints)
            pts = [np.clip(np.array([hx + radius * math.sin(math.radians(a)), hy + radius * math.cos(math.radians(a))]),
                           1.0, size - 1.0) for a in angles]
            self._plan.append(pts)
            self._stage.append(0)

    def __call__(self, obs: np.ndarray, env: gym.Env) -> np.ndarray:
        core = env.unwrapped.core  # type: ignore[attr-defined]
        if not isinstance(core, FirelineBatch):
            raise TypeError("FirelineHeuristic: expected a Fireline environment")
        if core.episodes[0] is not self._episode or core.steps[0] == 0:
            self._episode = core.episodes[0]
            self._make_plan(core)
        action = np.zeros(2 * core.n_crews, np.int64)
        li = core.land(0)
        for c in range(core.n_crews):
            pts = self._plan[c]
            res = core.resources[c]
            x, y = core.pos[0, c]
            i, j = min(int(y // core.cell_m), core.shape[0] - 1), min(int(x // core.cell_m), core.shape[1] - 1)
            rate = travel_speed_m_s(res) if self._stage[c] == 0 else float(np.nan_to_num(
                line_rate_m_s(res, li.land.fuel_code[i, j], 0.0, True), nan=travel_speed_m_s(res)))
            reach = max(0.6 * core.cell_m, 0.5 * rate * core.step_s)  # within half a step's move
            while self._stage[c] < len(pts) and np.hypot(*(pts[self._stage[c]] - core.pos[0, c])) < reach:
                self._stage[c] += 1
            if self._stage[c] >= len(pts):
                continue  # line done: hold
            dx, dy = pts[self._stage[c]] - core.pos[0, c]
            action[2 * c] = _nearest_bearing_action(float(dx), float(dy))
            action[2 * c + 1] = 1 if self._stage[c] > 0 else 0  # travel to the first point, then cut
        return action


def _nearest_bearing_action(dx: float, dy: float) -> int:
    """The move action (1..8) whose compass bearing is nearest the direction ``(dx east, dy north)``."""
    bearing = math.degrees(math.atan2(dx, dy)) % 360.0
    return int(np.argmin(np.abs((DIRECTIONS_DEG[1:] - bearing + 180.0) % 360.0 - 180.0))) + 1


class DroneHeuristic:
    """Greedy revisit of the mapped fire edge (see the module docstring); ``__call__(obs, env) -> action``."""

    def __call__(self, obs: Any, env: gym.Env) -> np.ndarray:
        core = env.unwrapped.core  # type: ignore[attr-defined]
        if not isinstance(core, DroneBatch):
            raise TypeError("DroneHeuristic: expected a DroneSurveillance environment")
        ep = core.episodes[0]
        assert ep is not None
        cell = core.cell_m
        belief = core.belief[0]
        action = np.zeros(core.n_drones, np.int64)
        if belief.any():
            # the mapped perimeter: mapped cells with an unmapped 4-neighbour (or on the map's edge)
            pad = np.pad(belief, 1, constant_values=False)
            inner = pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:]
            iy, ix = np.nonzero(belief & ~inner)
            age = float(core.sim.times_s[0]) - core.seen_s[0][iy, ix].astype(np.float64)
            cx, cy = (ix + 0.5) * cell, (iy + 0.5) * cell
        else:
            cx, cy = np.array([ep.ignition_xy_m[0]]), np.array([ep.ignition_xy_m[1]])
            age = np.zeros(1)
        taken = np.zeros(cx.size, bool)
        step_m = core.speed_m_s * core.step_s
        for i in range(core.n_drones):
            if not core.airborne(0, i):
                continue
            x, y = core.pos[0, i]
            dist = np.hypot(cx - x, cy - y)
            # staleness first (in whole steps' worth of age), then distance
            score = np.where(taken, -np.inf, np.floor(age / core.step_s) - dist / (step_m * 1e3))
            k = int(np.argmax(score))
            taken |= np.hypot(cx - cx[k], cy - cy[k]) < 2.0 * core.half_width_m
            if dist[k] > 0.5 * min(step_m, core.half_width_m):
                action[i] = _nearest_bearing_action(cx[k] - x, cy[k] - y)
        return action


def random_policy(seed: int = 0) -> Policy:
    """Uniform random actions from a generator of its own."""
    rng = np.random.default_rng(seed)

    def act(obs: np.ndarray, env: gym.Env) -> np.ndarray:
        space = env.action_space
        return rng.integers(0, space.nvec) if isinstance(space, gym.spaces.MultiDiscrete) else space.sample()

    return act


def evaluate(make_env: Callable[[], gym.Env], policy: Policy, seeds: Sequence[int]) -> list[dict[str, float]]:
    """One episode per seed; per episode its return, the sum of each reward term, and the final
    houses saved, houses lost and area burned (ha)."""
    out = []
    env = make_env()
    for seed in seeds:
        obs, info = env.reset(seed=int(seed))
        total, terms, steps = 0.0, {}, 0
        done = False
        while not done:
            obs, r, term, trunc, info = env.step(policy(obs, env))
            total += float(r)
            steps += 1
            for k, v in info.items():
                if k.startswith("reward/"):
                    terms[k] = terms.get(k, 0.0) + float(v)
            done = term or trunc
        row = {"seed": int(seed), "return": total, "steps": steps, **terms}
        for k in ("houses_saved", "houses_lost", "area_burned_ha"):
            row[k] = float(info[k])
        out.append(row)
    env.close()
    return out


def summarise(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of every numeric column but the seed."""
    keys = [k for k in rows[0] if k != "seed"]
    res: dict[str, Any] = {}
    for k in keys:
        vals = [float(r[k]) for r in rows]
        res[k] = {"mean": statistics.fmean(vals), "std": statistics.pstdev(vals) if len(vals) > 1 else 0.0}
    return res


PAIRED_KEYS = ("return", "houses_saved", "area_burned_ha")


def paired(rows: list[dict[str, float]], base: list[dict[str, float]],
           keys: Sequence[str] = PAIRED_KEYS) -> dict[str, dict[str, float]]:
    """Per key, ``rows`` minus ``base`` seed by seed (the same seeds, in order): the mean
    difference, its standard error (sample standard deviation over sqrt(n)), and the seeds where
    ``rows`` is higher, lower and equal. Keys a task does not report are skipped."""
    if [r["seed"] for r in rows] != [r["seed"] for r in base]:
        raise ValueError("paired: the two evaluations must cover the same seeds in the same order")
    out: dict[str, dict[str, float]] = {}
    for k in keys:
        if k not in rows[0] or k not in base[0]:
            continue
        d = np.array([float(a[k]) - float(b[k]) for a, b in zip(rows, base, strict=True)])
        se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else math.nan
        out[k] = {"mean": float(d.mean()), "se": se, "higher": int((d > 0).sum()), "lower": int((d < 0).sum()),
                  "equal": int((d == 0).sum())}
    return out
