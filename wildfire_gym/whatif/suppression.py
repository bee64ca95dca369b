"""Suppression in a what-if: resources at the environments' production rates, a fixed tactic.

A variant's ``suppression:`` sends resources (:class:`~wildfire_gym.whatif.schema.Resource`), each
``count`` units arriving ``arrival_s`` after ignition. The members are advanced in steps of
:data:`STEP_S`; after each step every resource at work acts on its member's fire through
:meth:`FireSimulation.apply_intervention`. The tactic is simple and deterministic (no randomness;
everything follows from the member's fire):

* **Line builders** (hand crews type 1/2, dozers). On arrival the fire's axis is fixed: through the
  centroid of the cells it has reached, along the direction the wind then blows to. The units anchor
  ``standoff_m`` behind the heel (the rearmost reached cell along the axis), alternately on the left
  and right flank (unit 0 left, 1 right, ...). Each unit first cuts outward, across the axis, until
  it is ``standoff_m`` outside its flank's widest reach, then along the axis toward the head, moving
  out again whenever the flank has widened. It cuts at ``line_rate_m_s`` (NWCG pocket-guide crew
  rates by fuel model; dozers by slope class and up-/downslope) of the fuel under it, walks at
  ``travel_speed_m_s`` over non-burnable ground, and stops at the edge of the terrain. Each step's
  cut is one ``fireline`` of the resource's width (``envs.fireline.LINE_WIDTH_M``).
* **Aircraft** (SEAT, large air tanker, type 1 helicopter; ``assets/suppression/aircraft.csv``). The
  first drop is at arrival, then one per turnaround (out and back over ``base_distance_m`` at cruise
  speed plus the reload time, as the AerialAttack environment has it). A drop is a line across the
  axis, centred ahead of the head by the distance the head runs in ``drop_lead_s`` (at least
  ``standoff_m``), as long as the load covers at the fuel's coverage level (USFS drop guides); the
  units of one resource drop side by side. Retardant and water add moisture that decays with the
  environment's half-lives (``envs.aerial.AGENT_EFFECT``).

A fire is out when no cell burns and its front goes nowhere (no computed arrival after now): no
resource acts on it. A branched variant's resources start
work at ``max(arrival_s, branch.at_s)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..fire.state import BurnState, FireSnapshot
from ..scenario import Intervention
from ..world.edits import polyline_mask
from .schema import AIR_RESOURCES, Suppression

STEP_S = 60.0
"""s; the members' step while a response is at work (crews cut, aircraft drop, between steps)."""

SUBSTEP_CELLS = 0.5
"""A unit's move within a step is taken in pieces of at most this many cells, reading the fuel of each."""


@dataclass
class _Unit:
    kind: str
    start_s: float
    side: float = 1.0  # +1 left flank, -1 right (line builders); lateral slot (aircraft)
    pos: tuple[float, float] | None = None  # (along, across) in the axis frame
    done: bool = False
    next_drop_s: float = 0.0


@dataclass
class ResponseState:
    """One member's response: its units, its fire axis once fixed, the line built so far (m)."""

    plan: Suppression
    units: list[_Unit]
    axis: tuple[float, float, float, float] | None = None  # (cx, cy, ux, uy): origin and downwind unit vector
    line_built_m: float = 0.0
    retardant_l: float = 0.0
    lines: list[Intervention] = field(default_factory=list)
    cut: np.ndarray | None = None  # cells the response's firelines cover

    @staticmethod
    def start(plan: Suppression, not_before_s: float = 0.0) -> ResponseState:
        units = []
        for r in plan.resources:
            for k in range(r.count):
                side = (1.0 if k % 2 == 0 else -1.0) if r.kind not in AIR_RESOURCES else k - 0.5 * (r.count - 1)
                t0 = max(r.arrival_s, not_before_s)
                units.append(_Unit(r.kind, t0, side, next_drop_s=t0))
        return ResponseState(plan, units)

    @property
    def first_arrival_s(self) -> float:
        return min(u.start_s for u in self.units)


def _resource(plan: Suppression, kind: str):
    return next(r for r in plan.resources if r.kind == kind)


def _frame(snap: FireSnapshot, cell_m: float, axis: tuple[float, float, float, float] | None):
    """Reached cells' (along, across) coordinates in the axis frame, and the axis."""
    iy, ix = np.nonzero(snap.burned_any)
    x, y = (ix + 0.5) * cell_m, (iy + 0.5) * cell_m
    if axis is None:
        to = math.radians((snap.wind_from_deg + 180.0) % 360.0)
        axis = (float(x.mean()), float(y.mean()), math.sin(to), math.cos(to))
    cx, cy, ux, uy = axis
    along = (x - cx) * ux + (y - cy) * uy
    across = -(x - cx) * uy + (y - cy) * ux  # + to the left of the downwind axis
    return along, across, axis


def _to_xy(axis: tuple[float, float, float, float], a: float, c: float) -> tuple[float, float]:
    cx, cy, ux, uy = axis
    return cx + a * ux - c * uy, cy + a * uy + c * ux


def act(state: ResponseState, sim, b: int, now_s: float, dt_s: float) -> None:
    """Let every unit at work in member ``b`` act over the step that ended at ``now_s`` (``dt_s`` long)."""
    from ..envs.aerial import AGENT_EFFECT, aircraft_types
    from ..envs.fireline import LINE_WIDTH_M
    from ..envs.suppression import anderson_row, line_rate_m_s, production_tables, travel_speed_m_s

    working = [u for u in state.units if not u.done and u.start_s < now_s]
    if not working:
        return
    snap = sim.snapshot(b)
    if not (snap.burn_state == BurnState.BURNING).any() and not sim.engine.spreading(b):
        return  # the fire is out: nothing burns and the front goes nowhere
    land = sim.landscape(b)
    cell = sim.cell_m
    ny, nx = sim.shape
    w_m, h_m = nx * cell, ny * cell
    along, across, state.axis = _frame(snap, cell, state.axis)
    axis = state.axis
    plan = state.plan
    codes = snap.fuel_code if snap.fuel_code is not None else land.fuel_code
    if state.cut is not None:  # the response's own lines: the fuel they cut through, not bare ground
        codes = np.where(state.cut, land.fuel_code, codes)
    slope = np.tan(np.deg2rad(land.slope_deg.astype(np.float64)))
    tables = production_tables()
    new: list[Intervention] = []
    for u in working:
        if u.kind in AIR_RESOURCES:
            ac = aircraft_types()[u.kind]
            res = _resource(plan, u.kind)
            while u.next_drop_s <= now_s:
                head = float(along.max())
                ros = float(np.nanmax(np.where(snap.burning, snap.ros_m_per_s, 0.0), initial=0.0))
                lead = max(ros * plan.drop_lead_s, plan.standoff_m)
                x, y = _to_xy(axis, head + lead, 0.0)
                i, j = min(max(int(y // cell), 0), ny - 1), min(max(int(x // cell), 0), nx - 1)
                row = int(anderson_row(codes[i, j]))
                u.next_drop_s += 2.0 * res.base_distance_m / ac.cruise_speed_m_s + ac.reload_s
                state.retardant_l += ac.capacity_l
                if row == 0:
                    continue  # the drop lands on non-burnable ground: nothing to hold
                length = ac.capacity_l / (tables.coverage_l_m2[row] * ac.swath_width_m)
                c0 = u.side * length
                pts = [_to_xy(axis, head + lead, c0 - 0.5 * length), _to_xy(axis, head + lead, c0 + 0.5 * length)]
                add, half = AGENT_EFFECT[ac.agent]
                kind = "retardant" if ac.agent == "retardant" else "wetline"
                new.append(Intervention(kind=kind, points_m=pts, width_m=ac.swath_width_m, moisture_add=add,
                                        half_life_s=half))
            continue
        # a line builder
        if u.pos is None:
            u.pos = (float(along.min()) - plan.standoff_m, 0.0)
        wide = across[across > 0].max(initial=0.0) if u.side > 0 else -across[across < 0].min(initial=0.0)
        target_c = u.side * (float(wide) + plan.standoff_m)
        left = min(dt_s, now_s - u.start_s)
        a, c = u.pos
        start = _to_xy(axis, a, c)
        pts = [start]
        cut = 0.0
        while left > 1e-9:
            outward = abs(c) < abs(target_c) - 1e-9
            da, dc = (0.0, u.side) if outward else (1.0, 0.0)
            x, y = _to_xy(axis, a, c)
            i, j = int(y // cell), int(x // cell)
            if not (0 <= i < ny and 0 <= j < nx):
                u.done = True
                break
            if u.kind == "dozer":  # the grade along the direction of work, + upslope
                cx_, cy_, ux, uy = axis
                mx, my = (ux, uy) if da else (-uy * u.side, ux * u.side)
                up = math.radians(float(land.aspect_deg[i, j]) + 180.0)
                grade = float(slope[i, j]) * (mx * math.sin(up) + my * math.cos(up))
                rate = float(line_rate_m_s(u.kind, codes[i, j], 100.0 * grade, grade >= 0))
            else:
                rate = float(line_rate_m_s(u.kind, codes[i, j]))
            cutting = math.isfinite(rate) and rate > 0
            speed = rate if cutting else travel_speed_m_s(u.kind)
            ds = min(SUBSTEP_CELLS * cell, speed * left, abs(abs(target_c) - abs(c)) if outward else math.inf)
            nx_, ny_ = _to_xy(axis, a + da * ds, c + dc * ds)
            if not (0.0 <= nx_ <= w_m and 0.0 <= ny_ <= h_m):
                u.done = True
                break
            a, c = a + da * ds, c + dc * ds
            left -= ds / speed
            if cutting:
                cut += ds
            if pts[-1] != (nx_, ny_):
                pts.append((nx_, ny_))
        u.pos = (a, c)
        if cut > 0 and len(pts) >= 2:
            iv = Intervention(kind="fireline", points_m=pts, width_m=LINE_WIDTH_M[u.kind])
            new.append(iv)
            mask = polyline_mask(pts, iv.width_m, sim.shape, cell)
            state.cut = mask if state.cut is None else state.cut | mask
            state.lines.append(iv)
        state.line_built_m += cut
    sim.apply_interventions([(b, iv) for iv in new])  # the step's lines and drops together
    state.lines += new
