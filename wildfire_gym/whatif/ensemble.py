"""Running a what-if study: every variant's ensemble, batched through the fire engine.

:func:`run_members` is the only function that touches the engine: it takes (landscape, scenario)
members, runs them in batches of :class:`~wildfire_gym.fire.simulation.FireSimulation` and hands
each member's final snapshot to a callback. Members of one variant (and of variants that edit the
world alike) share one landscape's arrays; only the scenario (weather, moisture, ignitions, seed)
differs. :func:`run_whatif` builds the worlds, draws the members and accumulates the metrics.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import MISSING
from ..fire.houses import house_exposure, residence_time_grid_s
from ..fire.state import FireSnapshot
from ..scenario import Scenario
from ..world.landscape import Landscape
from .metrics import EnsembleAccumulator
from .schema import Variant, WhatIf, check_against_grid
from .variants import HIZ_ZONE0_M, member_runs, member_scenario, variant_world

log = logging.getLogger(__name__)

DEFAULT_BATCH = 32
"""Members advanced together by one engine (memory grows with it: ~20 float32 fields per member)."""

MemberCallback = Callable[[int, Landscape, FireSnapshot], None]


def run_members(members: Sequence[tuple[Landscape, Scenario]], on_member: MemberCallback, *,
                arch: str | None = None, batch: int = DEFAULT_BATCH, spotting: bool = True,
                crown_fire: bool = True, progress: Callable[[int], None] | None = None) -> None:
    """Burn every member for its scenario's ``duration_s`` and call ``on_member(i, land, snap)``.

    Members are grouped in order into batches of at most ``batch`` on one grid. Each member is a
    (landscape, run) pair: members share their landscape (never copied), and each runs on its own
    clock to its own duration. One engine serves every batch of the same size and grid: the next
    batch's members are put in place with ``reset(b, run, landscape)`` (work proportional to the
    member) instead of building a new engine. ``progress(n)`` is called after each batch with the
    number of members finished.
    """
    from ..fire.run import Member, Run
    from ..fire.simulation import FireSimulation

    sim: FireSimulation | None = None
    i = 0
    n = len(members)
    while i < n:
        shape, cell = members[i][0].shape, members[i][0].cell_m
        j = i
        while j < n and j - i < batch and members[j][0].shape == shape and members[j][0].cell_m == cell:
            j += 1
        chunk = [Member(land, Run.from_scenario(sc)) for land, sc in members[i:j]]
        reusable = (sim is not None and sim.batch == len(chunk) and sim.shape == shape and sim.cell_m == cell
                    and all(len(m.landscape.trees) <= sim.n_tree_slots for m in chunk))
        if reusable:
            assert sim is not None
            sim.reset_many([(b, m.run, m.landscape) for b, m in enumerate(chunk)])
        else:
            sim = FireSimulation(chunk, arch=arch, spotting=spotting, crown_fire=crown_fire)
        sim.run()
        for b in range(len(chunk)):
            on_member(i + b, sim.landscape(b), sim.snapshot(b))
        i = j
        if progress is not None:
            progress(i)


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


def run_whatif(wi: WhatIf, *, base: Landscape | None = None, arch: str | None = None, batch: int = DEFAULT_BATCH,
               progress: Callable[[int, int], None] | None = None,
               on_member: Callable[[VariantResult, int, Landscape, FireSnapshot], None] | None = None) -> StudyResult:
    """Run every variant of ``wi``; ``progress(done, total)`` after each engine batch;
    ``on_member(variant_result, member, landscape, snapshot)`` sees every member's final state."""
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
    members: list[tuple[Landscape, Scenario]] = []
    owners: list[tuple[int, int]] = []
    for vi, v in enumerate(wi.variants):
        key = v.world_key()
        if key not in worlds:
            worlds[key] = variant_world(land0, v, seed=wi.ensemble.seed) if v.edits_world else land0
        land = worlds[key]
        try:
            _check_ignition_cells(wi, vi, land)
        except ScenarioError as exc:
            raise (exc.with_source(wi.source) if wi.source else exc) from None
        ens = wi.variant_ensemble(v)
        runs = member_runs(sc0, land, v.weather, wi.variant_ignitions(v), ens)
        acc = EnsembleAccumulator(land.shape, ens.members, len(land.structures))
        zone0 = bool(v.defensible_space is not None and v.defensible_space.zone0)
        results.append(VariantResult(v, land, runs, acc, zone0=zone0))
        for r in runs:
            members.append((land, member_scenario(sc0, r)))
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
        res.acc.add(k, land, snap, hx)
        if on_member is not None:
            on_member(res, k, land, snap)
        t_var[vi] += time.perf_counter() - t0

    run_members(members, accumulate, arch=arch, batch=batch, spotting=wi.spotting, crown_fire=wi.crown_fire,
                progress=(lambda done: progress(done, total)) if progress else None)
    wall = time.perf_counter() - t_start
    for vi, r in enumerate(results):
        r.extra["metrics_s"] = float(t_var[vi])
    return StudyResult(wi, land0, results, wall, total)


__all__ = ["DEFAULT_BATCH", "HIZ_ZONE0_M", "StudyResult", "VariantResult", "base_landscape", "run_members",
           "run_whatif"]
