"""Running a what-if study: every variant's ensemble, batched through the fire engine.

:func:`run_members` is the only function that touches the engine: it takes (landscape, scenario)
members, runs them in batches of :class:`~wildfire_gym.fire.simulation.FireSimulation` and hands
each member's final snapshot to a callback. Members of one variant (and of variants that edit the
world alike) share one landscape's arrays; only the scenario (weather, moisture, ignitions, seed)
differs. :func:`run_whatif` builds the worlds, draws the members and accumulates the metrics.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import MISSING
from ..fire.houses import house_exposure, residence_time_grid_s
from ..fire.run import Run, WeatherTable
from ..fire.simulation import FireSimulation, MemberState
from ..fire.state import FireSnapshot
from ..scenario import Intervention, Scenario, WeatherChange
from ..world.landscape import Landscape
from .metrics import EnsembleAccumulator
from .schema import Ensemble, IgnitionSet, Suppression, Variant, WhatIf, check_against_grid
from .suppression import ResponseState
from .variants import HIZ_ZONE0_M, MemberRun, member_runs, member_scenario, variant_world

log = logging.getLogger(__name__)

DEFAULT_BATCH = 32
"""Members advanced together by one engine (memory grows with it: ~20 float32 fields per member)."""

MemberCallback = Callable[[int, Landscape, FireSnapshot], None]


@dataclass
class MemberJob:
    """One member to burn: a landscape and its run; with ``state``, a branch: the member loads
    the state (a fire running at its time) and continues under ``run`` (see
    :meth:`FireSimulation.continue_with`); with ``suppression``, a response acts on it in steps.
    ``response`` holds the response's record (line built, retardant) once burned."""

    landscape: Landscape
    run: Run
    state: MemberState | None = None
    suppression: Suppression | None = None
    not_before_s: float = 0.0
    response: ResponseState | None = None


def _as_job(m: MemberJob | tuple[Landscape, Scenario]) -> MemberJob:
    if isinstance(m, MemberJob):
        return m
    land, sc = m
    return MemberJob(land, Run.from_scenario(sc))


def _advance_with_responses(sim: FireSimulation, jobs: Sequence[MemberJob]) -> None:
    """Advance every member to its duration; members with a response go in steps of
    :data:`~wildfire_gym.whatif.suppression.STEP_S` from its first arrival, the units acting after each."""
    from .suppression import STEP_S, ResponseState, act

    end = np.array([j.run.duration_s for j in jobs], np.float64)
    end = np.maximum(end, sim.times_s)
    for j in jobs:
        j.response = ResponseState.start(j.suppression, j.not_before_s) if j.suppression is not None else None
    stepped = [b for b, j in enumerate(jobs) if j.response is not None]
    if not stepped:
        sim.advance(end)
        return
    target = end.copy()
    for b in stepped:
        resp = jobs[b].response
        assert resp is not None
        target[b] = min(max(resp.first_arrival_s, sim.times_s[b]), end[b])
    sim.advance(target)
    while True:
        now = sim.times_s
        active = [b for b in stepped if now[b] < end[b]]
        if not active:
            break
        target = now.copy()
        for b in active:
            resp = jobs[b].response
            assert resp is not None
            act(resp, sim, b, float(now[b]), STEP_S)
            target[b] = min(now[b] + STEP_S, end[b])
        sim.advance(target)


def run_members(members: Sequence[MemberJob | tuple[Landscape, Scenario]], on_member: MemberCallback, *,
                arch: str | None = None, batch: int = DEFAULT_BATCH, spotting: bool = True,
                crown_fire: bool = True, progress: Callable[[int], None] | None = None) -> None:
    """Burn every member for its run's ``duration_s`` and call ``on_member(i, land, snap)``.

    Members are :class:`MemberJob` or (landscape, scenario) pairs, grouped in order into batches of
    at most ``batch`` on one grid (and, where some member branches from a state, one tree count, the
    state's tree capacity). Members share their landscape (never copied), and each runs on its own
    clock to its own duration. One engine serves every batch of the same size and grid: the next
    batch's members are put in place with ``reset_many`` (work proportional to the members) instead
    of building a new engine; a branched member then loads its state. Members
    with a suppression response are advanced in steps while it works. ``progress(n)`` is called
    after each batch with the number of members finished.
    """
    from ..fire.run import Member

    jobs = [_as_job(m) for m in members]
    branched = any(j.state is not None for j in jobs)

    def key(j: MemberJob) -> tuple:
        land = j.landscape
        return (land.shape, land.cell_m, len(land.trees)) if branched else (land.shape, land.cell_m)

    sim: FireSimulation | None = None
    i = 0
    n = len(jobs)
    while i < n:
        k0 = key(jobs[i])
        j = i
        while j < n and j - i < batch and key(jobs[j]) == k0:
            j += 1
        chunk = jobs[i:j]
        shape, cell = chunk[0].landscape.shape, chunk[0].landscape.cell_m
        reusable = (sim is not None and sim.batch == len(chunk) and sim.shape == shape and sim.cell_m == cell
                    and all(len(m.landscape.trees) <= sim.n_tree_slots for m in chunk)
                    and (not branched or max(1, sim.n_tree_slots) == max(1, len(chunk[0].landscape.trees))))
        if reusable:
            assert sim is not None
            sim.reset_many([(b, m.run, m.landscape) for b, m in enumerate(chunk)])
        else:
            sim = FireSimulation([Member(m.landscape, m.run) for m in chunk], arch=arch, spotting=spotting,
                                 crown_fire=crown_fire)
        for b, m in enumerate(chunk):
            if m.state is not None:
                sim.load(b, m.state)
                sim.continue_with(b, m.run)
        _advance_with_responses(sim, chunk)
        for b in range(len(chunk)):
            on_member(i + b, sim.landscape(b), sim.snapshot(b))
        i = j
        if progress is not None:
            progress(i)


def _remote_chunk(jobs: list[MemberJob], arch: str | None, batch: int, spotting: bool,
                  crown_fire: bool) -> list[tuple[FireSnapshot, Any, float, float]]:
    """A Ray task: burn ``jobs`` (one engine) and return per member (snapshot, trees, line m, drop L)."""
    import os

    os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")
    out: list[tuple[FireSnapshot, Any, float, float]] = []

    def keep(i: int, land: Landscape, snap: FireSnapshot) -> None:
        resp = jobs[i].response
        trees = None if land.trees is jobs[i].landscape.trees else land.trees
        out.append((snap, trees, resp.line_built_m if resp else 0.0, resp.retardant_l if resp else 0.0))

    run_members(jobs, keep, arch=arch, batch=batch, spotting=spotting, crown_fire=crown_fire)
    return out


def run_members_ray(address: str, members: Sequence[MemberJob], on_member: MemberCallback, *,
                    arch: str | None = None, batch: int = DEFAULT_BATCH, spotting: bool = True,
                    crown_fire: bool = True, progress: Callable[[int], None] | None = None) -> None:
    """:func:`run_members` with the batches spread over the Ray cluster at ``address`` (``local``
    starts one here). Each task burns one batch of ``batch`` members; results are handed to
    ``on_member`` in member order, so the products equal the serial run's (members are deterministic
    from their runs and seeds)."""
    from .._ray import connect_ray

    ray = connect_ray(address)
    remote = ray.remote(num_cpus=1)(_remote_chunk)
    starts = list(range(0, len(members), batch))
    refs = [remote.remote(list(members[i:i + batch]), arch, batch, spotting, crown_fire) for i in starts]
    done = 0
    for i, ref in zip(starts, refs, strict=True):  # in order: the accumulation is the serial one's
        for k, (snap, trees, line_m, drop_l) in enumerate(ray.get(ref)):
            job = members[i + k]
            job.response = ResponseState(job.suppression, [], line_built_m=line_m, retardant_l=drop_l) \
                if job.suppression is not None else None
            land = job.landscape if trees is None else dataclasses.replace(job.landscape, trees=trees)
            on_member(i + k, land, snap)
        done = min(i + batch, len(members))
        if progress is not None:
            progress(done)


@dataclass
class VariantResult:
    """A variant's world, its members' runs and the accumulated metrics."""

    variant: Variant
    landscape: Landscape
    runs: list
    acc: EnsembleAccumulator
    zone0: bool = False
    extra: dict = field(default_factory=dict)


@dataclass
class StudyResult:
    """Every variant's result, in the file's order, and the base world."""

    whatif: WhatIf
    base: Landscape
    variants: list[VariantResult]
    wall_s: float
    members_total: int

    def by_name(self, name: str) -> VariantResult:
        for r in self.variants:
            if r.variant.name == name:
                return r
        raise KeyError(name)


def base_landscape(wi: WhatIf, batch: int = 1) -> Landscape:
    """The world the study starts from: a scenario's (built) or a real place's (imported)."""
    if wi.place is not None:
        from ..world.place import load_place

        land = load_place(wi.place)
    else:
        from ..limits import check_resources
        from ..scenario import load_scenario
        from ..world import build_world

        sc = load_scenario(wi.base or "default")
        # the ensemble's engine batch must fit too, before the world is built
        check_resources(sc, batch=max(1, batch))
        land = build_world(sc)
    if wi.duration_s is not None:
        land = dataclasses.replace(land, scenario=dataclasses.replace(land.scenario, duration_s=float(wi.duration_s)))
    return land


def _check_ignition_cells(wi: WhatIf, vi: int, land: Landscape) -> None:
    """Areas and random ignitions need burnable cells to start on (in the variant's own world)."""
    from ..errors import ScenarioError
    from ..world.edits import polygon_mask
    from .variants import burnable_cells

    v = wi.variants[vi]
    ig = wi.variant_ignitions(v)
    where = f"variants[{vi}].ignitions" if v.ignitions is not None else "ignitions"
    burnable = burnable_cells(land)
    for k, a in enumerate(ig.areas):
        if not (polygon_mask(a.area_m, land.shape, land.cell_m) & burnable).any():
            raise ScenarioError(f"{where}.areas[{k}].area_m", f"a polygon holding burnable cells (in variant "
                                f"{v.name!r})", a.area_m)
    if ig.random is not None and not burnable.any():
        raise ScenarioError(f"{where}.random", f"burnable cells somewhere (variant {v.name!r} has none)", MISSING)


def _trunk(wi: WhatIf, land0: Landscape, source: Variant | None, world_of: Callable[[Variant], Landscape],
           at_s: float, arch: str | None = None) -> tuple[Landscape, Run, MemberState]:
    """The fire a branch starts from: the source's world, weather, ignitions (unperturbed; area and
    random ignitions drawn as its member 0) and interventions before ``at_s``, burned once to
    ``at_s`` (no suppression). Returns its landscape, its run and its exported state."""
    sc0 = land0.scenario
    land = land0 if source is None else world_of(source)
    ens = wi.ensemble if source is None else wi.variant_ensemble(source)
    ign = wi.ignitions if source is None else wi.variant_ignitions(source)
    r = member_runs(sc0, land, None if source is None else source.weather, ign, Ensemble(members=1, seed=ens.seed))[0]
    ivs = [] if source is None else [iv for iv in source.interventions if iv.t_s < at_s]
    run = Run.from_scenario(member_scenario(sc0, r)).replace(interventions=ivs)
    from ..fire.run import Member

    sim = FireSimulation(Member(land, run), arch=arch, spotting=wi.spotting, crown_fire=wi.crown_fire)
    sim.advance(at_s)
    return land, run, sim.export(0)


def branch_run(trunk: Run, base: Scenario, member: MemberRun, v: Variant, duration_s: float) -> Run:
    """The run of a branched member, from ignition: the trunk's weather before ``branch.at_s``, at
    ``at_s`` a change to the member's weather then in force (wind and dead moistures), then the
    member's later changes; the trunk's moisture, spotting, seed and interventions before ``at_s``,
    then the variant's (its fuel breaks laid at ``at_s``). Burning it from the start is what the
    branch burns from the loaded state."""
    assert v.branch is not None
    at = float(v.branch.at_s)
    own = Run.from_scenario(member_scenario(base, member))
    table = WeatherTable.from_run(own)
    speed, direction, d1, d10, d100 = (float(x) for x in table.values[int(np.searchsorted(table.t_s, at, "right"))])
    change = WeatherChange(t_s=at, wind_speed_mps=speed, wind_from_deg=direction % 360.0, d1h=d1, d10h=d10,
                           d100h=d100)
    schedule = ([ch for ch in trunk.weather.schedule if ch.t_s < at] + [change]
                + [ch for ch in own.weather.schedule if ch.t_s > at])
    breaks = [Intervention(kind="fuel_break", t_s=at, points_m=list(fb.points_m), width_m=fb.width_m,
                           fuel_model=fb.fuel_model) for fb in v.fuel_breaks]
    ivs = [iv for iv in trunk.interventions if iv.t_s < at] + breaks + list(v.interventions)
    return trunk.replace(weather=dataclasses.replace(trunk.weather, schedule=schedule), interventions=ivs,
                         duration_s=float(duration_s))


def run_whatif(wi: WhatIf, *, base: Landscape | None = None, arch: str | None = None, batch: int = DEFAULT_BATCH,
               progress: Callable[[int, int], None] | None = None,
               on_member: Callable[[VariantResult, int, Landscape, FireSnapshot], None] | None = None,
               ray_address: str | None = None) -> StudyResult:
    """Run every variant of ``wi``; ``progress(done, total)`` after each engine batch;
    ``on_member(variant_result, member, landscape, snapshot)`` sees every member's final state;
    with ``ray_address`` the batches run on that Ray cluster (``local``: one started here)."""
    from ..errors import ScenarioError

    t_start = time.perf_counter()
    land0 = base if base is not None else base_landscape(wi, batch)
    sc0 = land0.scenario
    custom = {m.code: m.number for m in sc0.fuel.custom_models}
    try:
        check_against_grid(wi, land0.size_m, sc0.duration_s, custom)
    except ScenarioError as exc:
        raise (exc.with_source(wi.source) if wi.source else exc) from None
    worlds: dict[str, Landscape] = {}
    results: list[VariantResult] = []
    members: list[MemberJob] = []
    owners: list[tuple[int, int]] = []
    trunks: dict[tuple[str, float], tuple[Landscape, Run, MemberState]] = {}
    by_name = {v.name: v for v in wi.variants}

    def world_of(v: Variant) -> Landscape:
        key = v.world_key()
        if key not in worlds:
            worlds[key] = variant_world(land0, v, seed=wi.ensemble.seed) if v.edits_world else land0
        return worlds[key]

    for vi, v in enumerate(wi.variants):
        ens = wi.variant_ensemble(v)
        if v.branch is None:
            land = world_of(v)
            try:
                _check_ignition_cells(wi, vi, land)
            except ScenarioError as exc:
                raise (exc.with_source(wi.source) if wi.source else exc) from None
            runs = member_runs(sc0, land, v.weather, wi.variant_ignitions(v), ens)
            jobs = [MemberJob(land, Run.from_scenario(member_scenario(sc0, r)).replace(
                interventions=list(v.interventions)), suppression=v.suppression) for r in runs]
        else:
            tk = (v.branch.from_variant, float(v.branch.at_s))
            if tk not in trunks:
                trunks[tk] = _trunk(wi, land0, by_name.get(v.branch.from_variant), world_of, v.branch.at_s,
                                    arch=arch)
            land, trunk_run, state = trunks[tk]
            runs = member_runs(sc0, land, v.weather, IgnitionSet(), ens)
            jobs = [MemberJob(land, branch_run(trunk_run, sc0, r, v, sc0.duration_s), state=state,
                              suppression=v.suppression, not_before_s=v.branch.at_s) for r in runs]
        acc = EnsembleAccumulator(land.shape, ens.members, len(land.structures))
        zone0 = bool(v.defensible_space is not None and v.defensible_space.zone0)
        res = VariantResult(v, land, runs, acc, zone0=zone0)
        res.extra["jobs"] = jobs
        results.append(res)
        for r, job in zip(runs, jobs, strict=True):
            members.append(job)
            owners.append((vi, r.member))
    total = len(members)
    log.info("what-if %s: %d variants, %d members, %d distinct worlds", wi.name, len(results), total, len(worlds))
    t_var = np.zeros(len(results))
    residence: dict[int, np.ndarray] = {}

    def accumulate(i: int, land: Landscape, snap: FireSnapshot) -> None:
        vi, k = owners[i]
        res = results[vi]
        t0 = time.perf_counter()
        key = id(res.landscape)
        if key not in residence:
            residence[key] = residence_time_grid_s(res.landscape.fuel_code, res.landscape.fuel_models)
        hx = house_exposure(land.structures, land.cell_m, snap.arrival_time_s, snap.flame_length_m,
                            land.trees.x_m, land.trees.y_m, snap.tree_state, res.zone0, residence[key],
                            clearance_m=HIZ_ZONE0_M if res.zone0 else 0.0, time_s=snap.time_s)
        resp = members[i].response
        res.acc.add(k, land, snap, hx, line_built_m=resp.line_built_m if resp else 0.0,
                    dropped_l=resp.retardant_l if resp else 0.0)
        if on_member is not None:
            on_member(res, k, land, snap)
        t_var[vi] += time.perf_counter() - t0

    runner = run_members if ray_address is None else functools.partial(run_members_ray, ray_address)
    runner(members, accumulate, arch=arch, batch=batch, spotting=wi.spotting, crown_fire=wi.crown_fire,
           progress=(lambda done: progress(done, total)) if progress else None)
    wall = time.perf_counter() - t_start
    for vi, r in enumerate(results):
        r.extra["metrics_s"] = float(t_var[vi])
    return StudyResult(wi, land0, results, wall, total)


__all__ = ["DEFAULT_BATCH", "HIZ_ZONE0_M", "MemberJob", "StudyResult", "VariantResult", "base_landscape", "branch_run",
           "run_members", "run_members_ray", "run_whatif"]
