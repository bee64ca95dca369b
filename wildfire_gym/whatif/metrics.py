"""Risk products of an ensemble, accumulated member by member (no member's fields are kept).

* burn probability (BP): the fraction of members in which a cell burned;
* conditional flame length (CFL): the mean flame length of the members in which it burned;
* flame-length probabilities FLP1..FLP6: the fractions of those members whose flame length falls
  in FSim's six classes, < 2, 2-4, 4-6, 6-8, 8-12 and > 12 ft (Finney et al. 2011, FSim; the
  classes IFTDSS and Wildfire Risk to Communities publish), converted to metres here;
* mean arrival time of the members in which it burned;

and per member the scalars of the comparison table, per house exposure and ignition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fire.houses import HouseExposure
from ..fire.state import FireSnapshot, TreeState
from ..units import ft_to_m
from ..world.landscape import Landscape

FLP_EDGES_FT = (2.0, 4.0, 6.0, 8.0, 12.0)
"""ft; upper edges of FSim's flame-length classes 1-5 (class 6 is > 12 ft)."""
FLP_EDGES_M = tuple(float(ft_to_m(e)) for e in FLP_EDGES_FT)
"""m; the same edges in metres."""
FLP_NAMES = ("flp1_lt2ft", "flp2_2to4ft", "flp3_4to6ft", "flp4_6to8ft", "flp5_8to12ft", "flp6_gt12ft")
"""Band names of the six flame-length probabilities."""

M2_PER_HA = 1.0e4
"""square metres per hectare."""
KG_PER_T = 1000.0
"""kilograms per tonne."""
L_PER_KL = 1000.0
"""litres per kilolitre."""

MEMBER_COLUMNS = ("burned_area_ha", "houses_exposed", "houses_reached", "houses_ignited",
                  "first_house_arrival_s", "max_intensity_kw_m", "max_flame_length_m",
                  "trees_burnt", "canopy_fuel_consumed_t", "line_built_m", "dropped_kl")
"""Per-member scalars of the comparison table (houses_ignited is the expected number)."""


def flame_length_class(flame_length_m: np.ndarray) -> np.ndarray:
    """FSim flame-length class index 0..5 of each flame length (m); a length on an edge goes up."""
    return np.searchsorted(np.asarray(FLP_EDGES_M), np.asarray(flame_length_m, np.float64), side="right")


def canopy_fuel_consumed_kg(land: Landscape, snap: FireSnapshot) -> float:
    """Foliage and fine branches burnt (kg): each tree's crown fuel times its consumed fraction."""
    t = land.trees
    if not len(t):
        return 0.0
    consumed = 1.0 - np.clip(snap.tree_foliage_frac.astype(np.float64), 0.0, 1.0)
    return float(((t.foliage_kg.astype(np.float64) + t.branch_kg) * consumed).sum())


@dataclass
class EnsembleAccumulator:
    """Running sums of one variant's ensemble on a ``shape`` grid with ``n_houses`` houses."""

    shape: tuple[int, int]
    n_members: int
    n_houses: int

    def __post_init__(self) -> None:
        self.burn_count = np.zeros(self.shape, np.int64)
        self.flame_sum = np.zeros(self.shape, np.float64)
        self.arrival_sum = np.zeros(self.shape, np.float64)
        self.flp_count = np.zeros((6, *self.shape), np.int64)
        self.members = {c: np.full(self.n_members, np.nan) for c in MEMBER_COLUMNS}
        self.house_arrival_s = np.full((self.n_members, self.n_houses), np.inf)
        self.house_exposed = np.zeros((self.n_members, self.n_houses), bool)
        self.house_p_ignition = np.zeros((self.n_members, self.n_houses))
        self.done = np.zeros(self.n_members, bool)

    def add(self, k: int, land: Landscape, snap: FireSnapshot, houses: HouseExposure, line_built_m: float = 0.0,
            dropped_l: float = 0.0) -> None:
        """Add member ``k`` (its index in the ensemble; any order), with the fireline its suppression
        built (m) and the retardant or water it dropped (L)."""
        if self.done[k]:
            raise ValueError(f"member {k} added twice")
        burned = np.isfinite(snap.arrival_time_s) & (snap.arrival_time_s <= snap.time_s)
        fl = np.where(burned, snap.flame_length_m.astype(np.float64), 0.0)
        self.burn_count += burned
        self.flame_sum += fl
        self.arrival_sum += np.where(burned, snap.arrival_time_s.astype(np.float64), 0.0)
        cls = flame_length_class(fl)
        for c in range(6):
            self.flp_count[c] += burned & (cls == c)
        row = self.members
        row["burned_area_ha"][k] = burned.sum() * land.cell_m**2 / M2_PER_HA
        row["houses_exposed"][k] = int(houses.exposed.sum())
        row["houses_reached"][k] = int(houses.reached.sum())
        row["houses_ignited"][k] = float(houses.p_ignition.sum())
        row["first_house_arrival_s"][k] = float(houses.arrival_time_s.min(initial=np.inf))
        row["max_intensity_kw_m"][k] = float(np.where(burned, snap.fireline_intensity_kw_m, 0.0).max(initial=0.0))
        row["max_flame_length_m"][k] = float(fl.max(initial=0.0))
        row["trees_burnt"][k] = int(np.count_nonzero(snap.tree_state == TreeState.BURNT))
        row["canopy_fuel_consumed_t"][k] = canopy_fuel_consumed_kg(land, snap) / KG_PER_T
        row["line_built_m"][k] = float(line_built_m)
        row["dropped_kl"][k] = float(dropped_l) / L_PER_KL
        self.house_arrival_s[k] = houses.arrival_time_s
        self.house_exposed[k] = houses.exposed
        self.house_p_ignition[k] = houses.p_ignition
        self.done[k] = True

    # ------------------------------------------------------------------ products
    def _check_done(self) -> None:
        if not self.done.all():
            missing = np.flatnonzero(~self.done)
            raise ValueError(f"{missing.size} members not added (first {int(missing[0])})")

    def burn_probability(self) -> np.ndarray:
        self._check_done()
        return self.burn_count / float(self.n_members)

    def conditional_flame_length_m(self) -> np.ndarray:
        """Mean flame length where it burned (NaN where no member burned), m."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.burn_count > 0, self.flame_sum / self.burn_count, np.nan)

    def flame_length_probabilities(self) -> np.ndarray:
        """``[6, ny, nx]``: FLP1..FLP6 where some member burned (sum 1), NaN elsewhere."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.burn_count > 0, self.flp_count / np.maximum(self.burn_count, 1), np.nan)

    def mean_arrival_s(self) -> np.ndarray:
        """Mean arrival time of the members that burned the cell (NaN elsewhere), s."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.burn_count > 0, self.arrival_sum / self.burn_count, np.nan)

    def house_table(self) -> dict[str, np.ndarray]:
        """Per house: P(exposure), P(ignition), P(reached), earliest and median arrival (s; inf never)."""
        self._check_done()
        arr = self.house_arrival_s
        reached = np.isfinite(arr)
        median = np.full(self.n_houses, np.inf)
        for h in range(self.n_houses):
            if reached[:, h].any():
                median[h] = float(np.median(arr[reached[:, h], h]))
        return {"p_exposure": self.house_exposed.mean(axis=0), "p_ignition": self.house_p_ignition.mean(axis=0),
                "p_reached": reached.mean(axis=0), "earliest_arrival_s": arr.min(axis=0, initial=np.inf),
                "median_arrival_s": median}

    def summary(self) -> dict[str, float]:
        """Mean and standard deviation (ddof 0) of every member column; arrival over members reached."""
        self._check_done()
        out: dict[str, float] = {"members": float(self.n_members)}
        for c in MEMBER_COLUMNS:
            v = self.members[c]
            v = v[np.isfinite(v)]
            out[f"{c}_mean"] = float(v.mean()) if v.size else float("nan")
            out[f"{c}_sd"] = float(v.std()) if v.size else float("nan")
        return out
