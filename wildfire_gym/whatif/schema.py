"""The what-if file: a base scenario (or a real place) and the variants to compare.

A what-if file is YAML, validated at load with the scenario parser
(:mod:`wildfire_gym._config`): a bad value gives one
:class:`~wildfire_gym.errors.ScenarioError` naming the field, e.g.
``variants[2].thinning.percent: expected a value >= 0 and <= 100 (got 140)``.

Every variant is the base world plus edits (forest, fuel treatments), a weather and an
ignition set, burned ``ensemble.members`` times with seeded perturbations (ignition
positions, wind speed and direction, fuel moisture). Units are SI; coordinates are
``x`` east and ``y`` north in metres from the terrain's south-west corner (as in scenarios).

A variant may also carry ``interventions`` (the scenario's firelines, wetlines, retardant, fuel
breaks, thinning at their ``t_s``) and a ``suppression`` response (resources arriving after
ignition, acting by the tactic of :mod:`wildfire_gym.whatif.suppression`). With ``branch``
(``{at_s, from_variant}``) it continues a running fire: the source (``base`` or an unbranched
variant), unperturbed, burns once to ``at_s``, and every member loads that state and goes on with its
own wind and dead moisture, its fuel breaks laid at ``at_s``, its interventions and its suppression;
each member then equals the run :func:`wildfire_gym.whatif.ensemble.branch_run` describes burned from
ignition. A branched variant has no ignitions, no pre-fire treatments and no live-moisture changes.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._config import parse, spec
from ..errors import MISSING, ScenarioError
from ..scenario import Ignition, Intervention, WeatherChange

MAX_MEMBERS = 100_000
"""Largest ensemble of one variant (members)."""

BRANCH_FROM_BASE = "base"
"""``branch.from_variant`` value naming the file's base fire (top-level ignitions, base weather)."""

LINE_RESOURCES = ("type1_crew", "type2_crew", "dozer")
"""Suppression resources that build fireline (NWCG production tables, :mod:`wildfire_gym.envs.suppression`)."""

AIR_RESOURCES = ("seat", "large_airtanker", "type1_helicopter")
"""Suppression resources that drop retardant or water (``assets/suppression/aircraft.csv``)."""


@dataclass(frozen=True)
class Thinning:
    """Remove stems inside ``area_m`` (a polygon; everywhere when empty).

    Exactly one amount: ``percent`` of the stems, down to ``trees_per_ha`` (stems per hectare of
    the area), or every tree whose crown base is below ``crown_base_m`` (raising the stand's
    canopy base height to that value). ``from_below`` removes the shortest trees first (the usual
    fuel-reduction prescription); otherwise the removed stems are drawn at random (seeded).
    """

    percent: float | None = spec(None, ge=0, le=100, doc="share of stems removed, %")
    trees_per_ha: float | None = spec(None, ge=0, le=5000, doc="residual stem density, trees/ha")
    crown_base_m: float | None = spec(None, ge=0, le=50, doc="remove trees with a crown base below this, m")
    from_below: bool = spec(True, doc="remove the shortest trees first (else at random)")
    area_m: list[tuple[float, float]] = spec(factory=list, doc="polygon vertices [x, y], m; empty = everywhere")

    def __post_init__(self) -> None:
        given = [n for n in ("percent", "trees_per_ha", "crown_base_m") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ScenarioError("percent", "exactly one of percent, trees_per_ha, crown_base_m",
                                {n: getattr(self, n) for n in given} if given else MISSING)
        if 0 < len(self.area_m) < 3:
            raise ScenarioError("area_m", "a polygon of at least 3 points, or none for everywhere", self.area_m)


@dataclass(frozen=True)
class LadderFuels:
    """Removal of ladder fuels: small trees cut and the crowns of the others pruned."""

    remove_below_m: float = spec(0.0, ge=0, le=50, doc="trees shorter than this are cut, m")
    prune_to_m: float = spec(0.0, ge=0, le=50, doc="crown bases raised to at least this (<= 90 % of height), m")
    area_m: list[tuple[float, float]] = spec(factory=list, doc="polygon vertices [x, y], m; empty = everywhere")

    def __post_init__(self) -> None:
        if 0 < len(self.area_m) < 3:
            raise ScenarioError("area_m", "a polygon of at least 3 points, or none for everywhere", self.area_m)


@dataclass(frozen=True)
class FuelBreak:
    """A strip along a polyline converted to ``fuel_model``; its trees are felled."""

    points_m: list[tuple[float, float]] = spec(doc="polyline vertices [x, y], m")
    width_m: float = spec(20.0, gt=0, le=2000, doc="width of the strip, m")
    fuel_model: str = spec("NB9", doc="fuel model of the strip (NB9 bare ground)")

    def __post_init__(self) -> None:
        if len(self.points_m) < 2:
            raise ScenarioError("points_m", "at least 2 points", self.points_m)


@dataclass(frozen=True)
class PrescribedBurn:
    """An area burned under prescription before the fire season (a modelling of its effects).

    The surface fuel becomes ``fuel_model`` (a low-load litter by default), trees shorter than
    ``kill_below_m`` die (the small trees a low-intensity burn kills) and the crowns left are
    scorched up to ``scorch_to_m`` (their crown bases raised).
    """

    area_m: list[tuple[float, float]] = spec(doc="polygon vertices [x, y], m")
    fuel_model: str = spec("TL1", doc="surface fuel after the burn")
    kill_below_m: float = spec(3.0, ge=0, le=50, doc="trees shorter than this die, m")
    scorch_to_m: float = spec(2.0, ge=0, le=50, doc="crown bases raised to at least this, m")

    def __post_init__(self) -> None:
        if len(self.area_m) < 3:
            raise ScenarioError("area_m", "a polygon of at least 3 points", self.area_m)


@dataclass(frozen=True)
class DefensibleSpace:
    """Home ignition zones around every house (distances from the footprint; NFPA / Firewise zones,
    see :mod:`wildfire_gym.whatif.variants`).

    * zone 0 (0-1.5 m): noncombustible: bare ground, no tree;
    * zone 1 (1.5-9 m): lean, clean and green: surface fuel ``zone1_fuel_model``, trees cut
      when ``zone1_remove_trees`` (else pruned to ``prune_to_m``);
    * zone 2 (9-30 m): reduced fuel: ``zone2_thin_percent`` of the stems removed from below,
      the rest pruned to ``prune_to_m``; surface fuel ``zone2_fuel_model`` when given.
    """

    zone0: bool = spec(True, doc="make zone 0 noncombustible")
    zone1: bool = spec(True, doc="treat zone 1")
    zone2: bool = spec(True, doc="treat zone 2")
    zone1_fuel_model: str = spec("GR1", doc="surface fuel of zone 1 (short, sparse, irrigated grass)")
    zone1_remove_trees: bool = spec(True, doc="cut every tree of zone 1")
    zone2_thin_percent: float = spec(50.0, ge=0, le=100, doc="stems removed from below in zone 2, %")
    zone2_fuel_model: str | None = spec(None, doc="surface fuel of zone 2 (unchanged when omitted)")
    prune_to_m: float = spec(3.0, ge=0, le=50, doc="crown bases raised to at least this in zones 1-2, m")


@dataclass(frozen=True)
class MoistureVariant:
    """Fuel moistures (fractions of oven-dry mass); omitted ones keep the base scenario's."""

    d1h: float | None = spec(None, ge=0.01, le=3.0)
    d10h: float | None = spec(None, ge=0.01, le=3.0)
    d100h: float | None = spec(None, ge=0.01, le=3.0)
    live_herb: float | None = spec(None, ge=0.0, le=3.0)
    live_woody: float | None = spec(None, ge=0.0, le=3.0)
    foliar: float | None = spec(None, ge=0.3, le=3.0)


@dataclass(frozen=True)
class WeatherVariant:
    """The weather of a variant; omitted fields keep the base scenario's."""

    wind_speed_mps: float | None = spec(None, ge=0, le=60, doc="wind speed at the scenario's wind height, m/s")
    wind_from_deg: float | None = spec(None, ge=0, le=360, doc="compass direction the wind blows from")
    moisture: MoistureVariant | None = spec(None, doc="fuel moistures (fractions)")
    shifts: list[WeatherChange] = spec(factory=list, doc="changes at given times (a wind shift), replacing the base's")

    def __post_init__(self) -> None:
        times = [c.t_s for c in self.shifts]
        if times != sorted(times):
            raise ScenarioError("shifts", "entries in increasing t_s", times)


@dataclass(frozen=True)
class IgnitionArea:
    """``count`` ignitions per member drawn uniformly on the burnable cells inside ``area_m``."""

    area_m: list[tuple[float, float]] = spec(doc="polygon vertices [x, y], m")
    count: int = spec(1, ge=1, le=10000, doc="ignitions per member")
    t_s: float = spec(0.0, ge=0)

    def __post_init__(self) -> None:
        if len(self.area_m) < 3:
            raise ScenarioError("area_m", "a polygon of at least 3 points", self.area_m)


@dataclass(frozen=True)
class RandomIgnitions:
    """Ignitions per member scattered over the burnable cells: a Poisson count of mean
    ``per_km2`` x burnable area, or exactly ``count``."""

    per_km2: float | None = spec(None, gt=0, le=1e4, doc="mean ignitions per km^2 of burnable ground")
    count: int | None = spec(None, ge=1, le=10000, doc="exactly this many ignitions per member")
    t_s: float = spec(0.0, ge=0)

    def __post_init__(self) -> None:
        if (self.per_km2 is None) == (self.count is None):
            raise ScenarioError("per_km2", "exactly one of per_km2, count", MISSING)


@dataclass(frozen=True)
class IgnitionSet:
    """Where fires start: fixed points, areas, random by density (all combined)."""

    points: list[Ignition] = spec(factory=list, doc="fixed ignitions (jittered by the ensemble's ignition_sd_m)")
    areas: list[IgnitionArea] = spec(factory=list)
    random: RandomIgnitions | None = None

    @property
    def empty(self) -> bool:
        return not (self.points or self.areas or self.random)


@dataclass(frozen=True)
class Ensemble:
    """Members of a variant and the seeded uncertainty drawn for each."""

    members: int = spec(1, ge=1, le=MAX_MEMBERS, doc="fires in the ensemble")
    seed: int = spec(0, ge=0, le=2**32 - 1, doc="seed of the perturbations")
    ignition_sd_m: float = spec(0.0, ge=0, le=1e5, doc="sd of each fixed ignition's position, per axis, m")
    wind_speed_sd_mps: float = spec(0.0, ge=0, le=30, doc="sd of the wind speed (truncated at 0), m/s")
    wind_from_sd_deg: float = spec(0.0, ge=0, le=180, doc="sd of the wind direction, degrees")
    moisture_sd: float = spec(0.0, ge=0, le=1, doc="relative sd of the dead fuel moistures (0.1 = 10 %)")


@dataclass(frozen=True)
class Branch:
    """Branch a variant from a running fire: the ``from_variant`` fire (``base``, or another variant's
    world, weather and ignitions, unperturbed) burns once to ``at_s``; every member of this variant
    loads that state and continues with its own weather, moisture, interventions and suppression."""

    at_s: float = spec(doc="time of the branch, s since ignition; in (0, duration_s)")
    from_variant: str = spec(BRANCH_FROM_BASE, doc="'base' or the name of an unbranched variant")


@dataclass(frozen=True)
class Resource:
    """``count`` units of one suppression resource, arriving ``arrival_s`` after ignition."""

    kind: str = spec(doc="type1_crew, type2_crew, dozer, seat, large_airtanker or type1_helicopter")
    count: int = spec(1, ge=1, le=100, doc="units")
    arrival_s: float = spec(0.0, ge=0, le=30 * 86400, doc="arrival after ignition, s")
    base_distance_m: float = spec(15000.0, ge=0, le=500e3, doc="aircraft: flight to the reload base (or dip), m")

    def __post_init__(self) -> None:
        if self.kind not in LINE_RESOURCES + AIR_RESOURCES:
            raise ScenarioError("kind", "one of " + ", ".join(LINE_RESOURCES + AIR_RESOURCES), self.kind)


@dataclass(frozen=True)
class Suppression:
    """An initial-attack response (see :mod:`wildfire_gym.whatif.suppression` for the tactic)."""

    resources: list[Resource] = spec(doc="the resources sent")
    standoff_m: float = spec(20.0, ge=0, le=1000, doc="distance kept from the fire's edge, m")
    drop_lead_s: float = spec(600.0, ge=0, le=7200, doc="air drops: head travel time ahead of the head, s")

    def __post_init__(self) -> None:
        if not self.resources:
            raise ScenarioError("resources", "at least one resource", [])


@dataclass(frozen=True)
class Variant:
    """One alternative: edits of the world, weather, ignitions and its ensemble."""

    name: str
    thinning: Thinning | None = None
    ladder_fuels: LadderFuels | None = None
    fuel_breaks: list[FuelBreak] = field(default_factory=list)
    prescribed_burns: list[PrescribedBurn] = field(default_factory=list)
    defensible_space: DefensibleSpace | None = None
    weather: WeatherVariant | None = None
    ignitions: IgnitionSet | None = spec(None, doc="replaces the file's ignitions")
    ensemble: Ensemble | None = spec(None, doc="replaces the file's ensemble")
    interventions: list[Intervention] = spec(factory=list, doc="firelines, wetlines, retardant... at their t_s")
    suppression: Suppression | None = spec(None, doc="suppression resources and their tactic")
    branch: Branch | None = spec(None, doc="continue a running fire from branch.at_s")

    @property
    def edits_world(self) -> bool:
        return bool(self.thinning or self.ladder_fuels or self.fuel_breaks or self.prescribed_burns
                     or self.defensible_space)

    def world_key(self) -> str:
        """Variants with equal keys burn the same landscape (only their runs differ)."""
        import json

        from .._config import to_plain

        return json.dumps(to_plain([self.thinning, self.ladder_fuels, self.fuel_breaks, self.prescribed_burns,
                                    self.defensible_space]), sort_keys=True)


@dataclass(frozen=True)
class WhatIf:
    """A what-if study. Build with :func:`load_whatif` or :func:`whatif_from_dict`."""

    name: str = "what-if"
    base: str | None = spec(None, doc="built-in scenario name or scenario YAML path")
    place: str | None = spec(None, doc="real-place YAML path (see wildfire_gym.world.place)")
    duration_s: float | None = spec(None, gt=0, le=30 * 86400, doc="fire duration, replacing the base's, s")
    spotting: bool = spec(True, doc="firebrands from torching trees")
    crown_fire: bool = True
    ignitions: IgnitionSet = field(default_factory=IgnitionSet)
    ensemble: Ensemble = field(default_factory=Ensemble)
    variants: list[Variant] = field(default_factory=list)
    source: str | None = field(default=None, compare=False, repr=False, metadata={"internal": True})

    def __post_init__(self) -> None:
        if (self.base is None) == (self.place is None):
            raise ScenarioError("base", "exactly one of base (a scenario) or place (a real place)", MISSING)
        if not self.variants:
            raise ScenarioError("variants", "at least one variant", [])
        names = [v.name for v in self.variants]
        for i, n in enumerate(names):
            if not n.strip():
                raise ScenarioError(f"variants[{i}].name", "a non-empty name", n)
            if n in names[:i]:
                raise ScenarioError(f"variants[{i}].name", "a name not used by an earlier variant", n)
        for i, v in enumerate(self.variants):
            if v.branch is not None:
                _check_branch(i, v, self.variants)


    def variant_ensemble(self, v: Variant) -> Ensemble:
        return v.ensemble or self.ensemble

    def variant_ignitions(self, v: Variant) -> IgnitionSet:
        return v.ignitions if v.ignitions is not None else self.ignitions


BRANCH_WORLD_EDITS = ("thinning", "ladder_fuels", "prescribed_burns", "defensible_space")
"""Variant fields a branched variant may not have: treatments done before the fire (a branch's
fuel breaks are laid at ``branch.at_s``; firelines and other lines go in ``interventions``)."""


def _check_branch(i: int, v: Variant, variants: list[Variant]) -> None:
    p = f"variants[{i}]"
    names = [u.name for u in variants]
    src = v.branch.from_variant if v.branch is not None else BRANCH_FROM_BASE
    if src != BRANCH_FROM_BASE:
        if src not in names or src == v.name:
            raise ScenarioError(f"{p}.branch.from_variant", f"'{BRANCH_FROM_BASE}' or the name of another variant "
                                f"({', '.join(n for n in names if n != v.name) or 'none'})", src)
        if variants[names.index(src)].branch is not None:
            raise ScenarioError(f"{p}.branch.from_variant", "a variant that is not itself branched", src)
    for name in BRANCH_WORLD_EDITS:
        if getattr(v, name):
            raise ScenarioError(f"{p}.{name}", "none in a branched variant (a treatment before the fire; "
                                "fuel_breaks and interventions are laid during it)", getattr(v, name))
    if v.ignitions is not None:
        raise ScenarioError(f"{p}.ignitions", "none in a branched variant (its fire is the branch's)", MISSING)
    m = v.weather.moisture if v.weather is not None else None
    if m is not None:
        for name in ("live_herb", "live_woody", "foliar"):
            if getattr(m, name) is not None:
                raise ScenarioError(f"{p}.weather.moisture.{name}", "none in a branched variant (live and "
                                    "foliar moistures are the running fire's; dead moistures may change)",
                                    getattr(m, name))


def _fuel_codes_used(wi: WhatIf) -> list[tuple[str, str]]:
    out = []
    for i, v in enumerate(wi.variants):
        for j, fb in enumerate(v.fuel_breaks):
            out.append((f"variants[{i}].fuel_breaks[{j}].fuel_model", fb.fuel_model))
        for j, pb in enumerate(v.prescribed_burns):
            out.append((f"variants[{i}].prescribed_burns[{j}].fuel_model", pb.fuel_model))
        for j, iv in enumerate(v.interventions):
            if iv.kind == "fuel_break":
                out.append((f"variants[{i}].interventions[{j}].fuel_model", iv.fuel_model))
        if v.defensible_space is not None:
            out.append((f"variants[{i}].defensible_space.zone1_fuel_model", v.defensible_space.zone1_fuel_model))
            if v.defensible_space.zone2_fuel_model is not None:
                out.append((f"variants[{i}].defensible_space.zone2_fuel_model", v.defensible_space.zone2_fuel_model))
    return out


def check_against_grid(wi: WhatIf, size_m: tuple[float, float], duration_s: float,
                       custom_codes: Mapping[str, int] | None = None) -> None:
    """Cross-checks that need the base world: points inside the grid, known fuel codes, times
    within the fire's duration. Raises :class:`ScenarioError` naming the field."""
    from ..fuel_models import known_fuel_codes

    codes = known_fuel_codes()
    codes.update(custom_codes or {})
    for path, code in _fuel_codes_used(wi):
        if code not in codes:
            raise ScenarioError(path, "a fuel model code (FM1..FM13, GR1..SB4, NB1..NB9 or a custom code)", code)
    w, h = size_m

    def inside(path: str, pts: list[tuple[float, float]]) -> None:
        for k, (x, y) in enumerate(pts):
            if not 0 <= x <= w:
                raise ScenarioError(f"{path}[{k}][0]", f"an x inside the terrain [0, {w}] m", x)
            if not 0 <= y <= h:
                raise ScenarioError(f"{path}[{k}][1]", f"a y inside the terrain [0, {h}] m", y)

    def ignitions(path: str, ig: IgnitionSet) -> None:
        for k, p in enumerate(ig.points):
            if not 0 <= p.x_m < w:
                raise ScenarioError(f"{path}.points[{k}].x_m", f"an x inside the terrain [0, {w}) m", p.x_m)
            if not 0 <= p.y_m < h:
                raise ScenarioError(f"{path}.points[{k}].y_m", f"a y inside the terrain [0, {h}) m", p.y_m)
            if p.t_s > duration_s:
                raise ScenarioError(f"{path}.points[{k}].t_s", f"a time within the duration ({duration_s} s)", p.t_s)
        for k, a in enumerate(ig.areas):
            inside(f"{path}.areas[{k}].area_m", a.area_m)

    ignitions("ignitions", wi.ignitions)
    for i, v in enumerate(wi.variants):
        p = f"variants[{i}]"
        if v.thinning is not None:
            inside(f"{p}.thinning.area_m", v.thinning.area_m)
        if v.ladder_fuels is not None:
            inside(f"{p}.ladder_fuels.area_m", v.ladder_fuels.area_m)
        for j, fb in enumerate(v.fuel_breaks):
            inside(f"{p}.fuel_breaks[{j}].points_m", fb.points_m)
        for j, pb in enumerate(v.prescribed_burns):
            inside(f"{p}.prescribed_burns[{j}].area_m", pb.area_m)
        if v.ignitions is not None:
            ignitions(f"{p}.ignitions", v.ignitions)
        if v.branch is not None and v.branch.from_variant == BRANCH_FROM_BASE and wi.ignitions.empty:
            raise ScenarioError("ignitions", f"at least one ignition (the base fire {p} branches from)", MISSING)
        if v.branch is None and wi.variant_ignitions(v).empty:
            raise ScenarioError(f"{p}.ignitions", "at least one ignition (here or at the file's top level)", MISSING)
        at = v.branch.at_s if v.branch is not None else 0.0
        if v.branch is not None and not 0 < at < duration_s:
            raise ScenarioError(f"{p}.branch.at_s", f"a number in (0, duration_s) = (0, {duration_s}) s", at)
        for j, iv in enumerate(v.interventions):
            inside(f"{p}.interventions[{j}].points_m", iv.points_m)
            if not at <= iv.t_s <= duration_s:
                what = "branch.at_s" if v.branch is not None else "0"
                raise ScenarioError(f"{p}.interventions[{j}].t_s", f"a time in [{what} = {at}, duration_s = "
                                    f"{duration_s}] s", iv.t_s)
        if v.weather is not None:
            for j, ch in enumerate(v.weather.shifts):
                if ch.t_s > duration_s:
                    raise ScenarioError(f"{p}.weather.shifts[{j}].t_s",
                                        f"a time within the duration ({duration_s} s)", ch.t_s)


def whatif_from_dict(data: Any, base_dir: str | Path | None = None, source: str | None = None) -> WhatIf:
    """Validate plain data into a :class:`WhatIf`; ``base``/``place`` paths resolve against ``base_dir``."""
    try:
        if data is not None and not isinstance(data, Mapping):
            raise ScenarioError("<root>", "a mapping of what-if keys", data)
        wi = parse(WhatIf, {k: v for k, v in (data or {}).items() if k != "source"})
        wi = _resolve(wi, Path(base_dir) if base_dir is not None else None)
    except ScenarioError as exc:
        raise (exc.with_source(source) if source else exc) from None
    return dataclasses.replace(wi, source=source)


def _resolve(wi: WhatIf, base_dir: Path | None) -> WhatIf:
    from ..scenario import builtin_scenarios

    def resolve(p: str, field_path: str, builtin_ok: bool) -> str:
        if builtin_ok and p in builtin_scenarios() and not Path(p).is_file():
            return p
        path = Path(os.path.expanduser(p))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            extra = " or a built-in scenario name among " + ", ".join(builtin_scenarios()) if builtin_ok else ""
            raise ScenarioError(field_path, "an existing file" + extra, p)
        return str(path)

    if wi.base is not None:
        return dataclasses.replace(wi, base=resolve(wi.base, "base", True))
    return dataclasses.replace(wi, place=resolve(wi.place or "", "place", False))


def load_yaml_mapping(path: str | os.PathLike[str], what: str) -> tuple[Any, Path]:
    """Read a YAML file with the package's safe loader (limits on size, nesting and alias expansion);
    errors name the file (``<file>``) and say what was expected."""
    from .._config import load_yaml_file

    p = Path(path)
    if not p.is_file():
        raise ScenarioError("<file>", f"an existing {what} YAML file", str(p))
    return load_yaml_file(p), p


def load_whatif(path: str | os.PathLike[str]) -> WhatIf:
    """Load and validate a what-if YAML file (errors name the file and the field)."""
    data, p = load_yaml_mapping(path, "what-if")
    return whatif_from_dict(data, base_dir=p.parent, source=str(p))
