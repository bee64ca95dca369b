"""Aerial attack: air tankers and helicopters drop retardant or water lines at the coverage level of the fuel."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import gymnasium as gym
import numpy as np

from .._assets import assets_dir
from ..errors import ScenarioError
from ..scenario import Intervention
from ..world.edits import polyline_mask
from .base import WildfireBatch, WildfireEnv, WildfireVectorEnv
from .suppression import L_PER_US_GAL, anderson_row, production_tables

HEADINGS_DEG = (0.0, 45.0, 90.0, 135.0)
"""Compass bearing of a drop line for each heading action (a line runs both ways)."""

AGENT_EFFECT = {"retardant": (0.6, 4 * 3600.0), "water": (0.3, 1200.0)}
"""Agent -> (moisture added at the full coverage level, fraction; half-life, s). Long-term retardant
keeps working after its water has gone (it acts on the fuel's chemistry), which the engine can only
express as a long-lived moisture; water evaporates within tens of minutes (modelling choices)."""


@dataclass(frozen=True)
class Aircraft:
    """One aircraft type (SI): load per drop, agent, cruise speed, reload time, swath width."""

    name: str
    capacity_l: float
    agent: str
    cruise_speed_m_s: float
    reload_s: float
    swath_width_m: float


@lru_cache(maxsize=1)
def aircraft_types() -> dict[str, Aircraft]:
    """The aircraft of ``assets/suppression/aircraft.csv`` (capacity converted to litres)."""
    out = {}
    with open(assets_dir() / "suppression" / "aircraft.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["aircraft"]] = Aircraft(row["aircraft"], float(row["capacity_us_gal"]) * L_PER_US_GAL,
                                            row["agent"], float(row["cruise_speed_m_s"]), float(row["reload_s"]),
                                            float(row["swath_width_m"]))
    return out


class AerialBatch(WildfireBatch):
    """Batch core of the AerialAttack task (see :class:`AerialAttackEnv` for the documentation)."""

    def __init__(self, num_envs: int = 1, aircraft: tuple[str, ...] = ("seat", "type1_helicopter"),
                 base_distance_m: float = 15000.0, dip_distance_m: float = 2000.0, target_cells: int = 16,
                 drop_cost_per_kl: float = 0.005, **kwargs: Any) -> None:
        types = aircraft_types()
        aircraft = tuple(aircraft)
        if not aircraft or any(a not in types for a in aircraft):
            raise ScenarioError("aircraft", f"a non-empty tuple of {tuple(types)}", aircraft)
        for name, v in (("base_distance_m", base_distance_m), ("dip_distance_m", dip_distance_m)):
            if not (np.isfinite(v) and 0 <= v <= 500e3):
                raise ScenarioError(name, "a distance in [0, 500000] m", v)
        if not (np.isfinite(drop_cost_per_kl) and drop_cost_per_kl >= 0):
            raise ScenarioError("drop_cost_per_kl", "a finite cost >= 0", drop_cost_per_kl)
        self.aircraft = [types[a] for a in aircraft]
        self.n_aircraft = len(aircraft)
        self.base_distance_m = float(base_distance_m)
        self.dip_distance_m = float(dip_distance_m)
        self.drop_cost_per_kl = float(drop_cost_per_kl)
        super().__init__(num_envs=num_envs, **kwargs)
        ny = self.shape[0]
        if not (2 <= int(target_cells) <= ny and ny % int(target_cells) == 0):
            raise ScenarioError("target_cells", f"a divisor of the grid {ny} that is at least 2", target_cells)
        self.target_cells = int(target_cells)
        n, g = self.n_aircraft, self.target_cells
        self.single_action_space = gym.spaces.MultiDiscrete(np.array([1 + g * g, len(HEADINGS_DEG)] * n, np.int64))
        size = 6 + 2 * n + 3 * self.n_houses + 2 * self.COARSE**2
        self.single_observation_space = gym.spaces.Box(-1.0, 1.0, (size,), np.float32)
        B = self.num_envs
        self.ready_at = np.zeros((B, n))
        self.treated = {agent: np.zeros((B, self.COARSE**2)) for agent in AGENT_EFFECT}
        self.dropped_l = np.zeros(B)
        self.step_dropped_l = np.zeros(B)
        self.n_drops = np.zeros(B, np.int64)

    def turnaround_s(self, a: Aircraft) -> float:
        """Time from one drop to the next over the fire: out and back to the base (the dip site for
        water) at cruise speed, plus the reload time."""
        dist = self.dip_distance_m if a.agent == "water" else self.base_distance_m
        return 2.0 * dist / a.cruise_speed_m_s + a.reload_s

    def _start_slot(self, b: int, rng: np.random.Generator) -> None:
        for i, a in enumerate(self.aircraft):  # dispatched at t = 0: first arrival after one leg
            dist = self.dip_distance_m if a.agent == "water" else self.base_distance_m
            self.ready_at[b, i] = dist / a.cruise_speed_m_s + (a.reload_s if a.agent == "water" else 0.0)
        for arr in self.treated.values():
            arr[b] = 0.0
        self.dropped_l[b] = 0.0
        self.n_drops[b] = 0

    def _apply_actions(self, actions: np.ndarray) -> None:
        B, n, g = self.num_envs, self.n_aircraft, self.target_cells
        a = actions.reshape(B, n, 2)
        self.step_dropped_l[:] = 0.0
        block_m = self.cfg.size_m / g
        tables = production_tables()
        for agent, (_, half) in AGENT_EFFECT.items():
            self.treated[agent] *= 0.5 ** (self.step_s / half)
        now = self.sim.times_s
        for b, i in zip(*np.nonzero(a[:, :, 0] > 0), strict=True):
            if now[b] < self.ready_at[b, i]:
                continue  # still on its way: the request is ignored
            ac = self.aircraft[i]
            k = int(a[b, i, 0]) - 1
            cx, cy = (k % g + 0.5) * block_m, (k // g + 0.5) * block_m
            land = self.land(b).land
            row = int(anderson_row(land.fuel_code[int(cy // self.cell_m), int(cx // self.cell_m)]))
            self.ready_at[b, i] = now[b] + self.turnaround_s(ac)
            self.dropped_l[b] += ac.capacity_l
            self.step_dropped_l[b] += ac.capacity_l
            self.n_drops[b] += 1
            if row == 0:
                continue  # dropped on non-burnable ground: no line to hold
            coverage = tables.coverage_l_m2[row]
            length = ac.capacity_l / (coverage * ac.swath_width_m)
            th = math.radians(HEADINGS_DEG[int(a[b, i, 1])])
            dx, dy = 0.5 * length * math.sin(th), 0.5 * length * math.cos(th)
            pts = [(cx - dx, cy - dy), (cx + dx, cy + dy)]
            mask = polyline_mask(pts, ac.swath_width_m, self.shape, self.cell_m)
            need = tables.coverage_l_m2[anderson_row(land.fuel_code[mask])]
            quality = float(min(1.0, coverage / need.max())) if need.size and need.max() > 0 else 1.0
            add, half = AGENT_EFFECT[ac.agent]
            kind = "retardant" if ac.agent == "retardant" else "wetline"
            self.sim.apply_intervention(int(b), Intervention(kind=kind, points_m=pts, width_m=ac.swath_width_m,
                                                             moisture_add=add * quality, half_life_s=half))
            self.treated[ac.agent][b] += self._coarse(mask[None])[0] * add * quality

    def _observe(self, slots: np.ndarray) -> np.ndarray:
        slots = np.asarray(slots, np.int64)
        head, houses, coarse, _ = self._state_parts(slots)
        wait = np.maximum(self.ready_at[slots] - self.sim.times_s[slots, None], 0.0)
        planes = np.concatenate([(wait == 0)[:, :, None], np.minimum(1.0, wait / 3600.0)[:, :, None]], axis=2)
        treated = np.minimum(1.0, sum(self.treated.values())[slots])
        return np.concatenate([head, planes.reshape(len(slots), -1), houses, coarse, treated], axis=1).astype(np.float32)

    RETARDANT_RGB = np.array([0.85, 0.2, 0.35])

    def _paint_cells(self, b: int, rgb: np.ndarray) -> None:
        wet = self.sim.added_moisture(b)
        if wet.any():  # drops tinted by the moisture they still add (full colour at 0.2 and above)
            a = np.minimum(1.0, wet / 0.2)[..., None]
            rgb[:] = (1.0 - a) * rgb + a * self.RETARDANT_RGB

    def _reward_terms(self, new_cells: np.ndarray, new_lost: np.ndarray) -> dict[str, np.ndarray]:
        terms = super()._reward_terms(new_cells, new_lost)
        terms["cost"] = -self.drop_cost_per_kl * self.step_dropped_l / 1000.0
        return terms

    def _info(self, terms: dict[str, np.ndarray]) -> dict[str, Any]:
        info = super()._info(terms)
        info["dropped_l"] = self.dropped_l.copy()
        info["drops"] = self.n_drops.copy()
        return info


_DOC = """Aerial attack: air tankers and helicopters lay retardant and water lines ahead of a fire.

    ## Description
    The fire, landscape and houses are drawn as in ``WildfireGym/Fireline-v0``. Each aircraft
    (``seat`` 800 gal retardant, ``large_airtanker`` 3,000 gal retardant, ``type1_helicopter``
    700 gal water; ``assets/suppression/aircraft.csv``) drops its whole load as a line. The line's
    length is the drop guides' rule ``L = V / (c w)`` with ``c`` the coverage level (gal/100 ft²,
    ``assets/suppression/retardant_coverage.csv``) the fuel under the drop point needs and ``w``
    the swath width; so a SEAT lays about 300 m in grass (level 1) and 50 m in chaparral (level 6).
    Where the line crosses fuel needing a higher level, the delivered share ``c / c_needed`` scales
    how much moisture the line adds (how well it holds). Retardant adds moisture that decays with a
    4-h half-life, water with 20 min (``Intervention(kind="retardant" | "wetline")`` in the engine).
    After a drop an aircraft is back after its turnaround: out and back to the base
    (``base_distance_m``; ``dip_distance_m`` for water) at cruise speed plus its reload time.

    ## Action Space
    ``MultiDiscrete([1 + target_cells², 4] * n_aircraft)``: per aircraft a target (0 no drop, else
    the centre of block ``k - 1`` of a ``target_cells`` x ``target_cells`` grid, row-major from the
    south-west) and a heading of the line (N-S, NE-SW, E-W, SE-NW). A drop asked of an aircraft not
    yet back is ignored.

    ## Observation Space
    ``Box(-1, 1, (6 + 2 n_aircraft + 3 n_houses + 128,), float32)``: the common head (time, wind,
    reached and burning fractions); per aircraft ready and time until ready / 1 h (clipped); per
    house x, y, lost; 8 x 8 maps of the fraction reached and of the moisture the drops still add
    (clipped at 1).

    ## Rewards
    ``houses`` (-house_weight per house lost), ``area`` (-area_weight_per_ha per hectare reached),
    ``cost`` (-drop_cost_per_kl per 1000 L dropped); each in ``info["reward/<name>"]``.

    ## Starting State
    As Fireline; every aircraft is dispatched at t = 0 and arrives after one leg (plus a dip).

    ## Episode End
    Terminated when nothing has burned nor been reached for ``quiet_s``; truncated after
    ``max_episode_steps`` (registration: 48 steps of 300 s).

    ## Arguments
    ``aircraft``, ``base_distance_m``, ``dip_distance_m``, ``target_cells``, ``drop_cost_per_kl``
    and the common ``episode``, ``step_s``, ``max_episode_steps``, ``house_weight``,
    ``area_weight_per_ha``, ``quiet_s``, ``arch``,
    ``render_mode`` (``"rgb_array"``: ``render()`` returns a top-down map frame, see
    :mod:`wildfire_gym.envs.frames`).

    ## Version History
    * v0: initial version.
    """


class AerialAttackEnv(WildfireEnv):
    batch_cls = AerialBatch


class AerialAttackVectorEnv(WildfireVectorEnv):
    batch_cls = AerialBatch


AerialAttackEnv.__doc__ = _DOC
AerialAttackVectorEnv.__doc__ = _DOC.replace("Aerial attack:", "Aerial attack (native vector env):", 1)
