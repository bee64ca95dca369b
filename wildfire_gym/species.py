"""Tree species: size distributions, crown shapes and biomass allometries.

The table lives in ``assets/vegetation/species.yaml`` (units and sources documented
there) and is read once by :func:`species_table`. Each equation is a small pure numpy
function below, named after the quantity it returns; :class:`Species` binds a
species' coefficients to them and samples per-tree sizes from a
``np.random.Generator``. NumPy only (no SciPy).

Sources:

* Jenkins, J.C., Chojnacky, D.C., Heath, L.S., Birdsey, R.A. (2003). National-scale
  biomass estimators for United States tree species. *Forest Science* 49(1): 12-35
  (total aboveground biomass, their Table 4; component ratios, their Table 6).
* Brown, J.K. (1978). Weight and density of crowns of Rocky Mountain conifers. USDA
  Forest Service Research Paper INT-197 (fine branchwood relative to foliage).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from ._assets import assets_dir
from .errors import ScenarioError

BREAST_HEIGHT_M: float = 1.37
"""Height at which stem diameter (DBH) is measured, m (4.5 ft, US convention)."""

MIN_DBH_CM: float = 1.0
"""Smallest stem diameter the allometries are evaluated at, cm (keeps tiny trees finite)."""

CrownShape = Literal["cone", "paraboloid", "ellipsoid", "hemisphere"]
CROWN_SHAPES: tuple[str, ...] = ("cone", "paraboloid", "ellipsoid", "hemisphere")


# --------------------------------------------------------------------------- equations
def crown_radius_m(height_m: np.ndarray, coef_m: float, exponent: float) -> np.ndarray:
    """Widest crown radius from total height, power-law crown allometry ``R = a * H**b``.

    height_m :: m -- total tree height; coef_m :: m -- ``a`` (radius of a 1 m tree);
    exponent :: 1 -- ``b``. Returns m.
    """
    return coef_m * np.power(np.maximum(np.asarray(height_m, np.float64), 0.0), exponent)


def dbh_from_height_cm(height_m: np.ndarray, coef: float, exponent: float) -> np.ndarray:
    """Stem diameter at breast height from total height, inverting ``H - 1.37 = a * DBH**b``.

    height_m :: m; coef :: m / cm**b -- ``a``; exponent :: 1 -- ``b``. Returns cm, at
    least :data:`MIN_DBH_CM` (trees shorter than breast height get that minimum).
    """
    above = np.maximum(np.asarray(height_m, np.float64) - BREAST_HEIGHT_M, 0.0)
    return np.maximum(np.power(above / coef, 1.0 / exponent), MIN_DBH_CM)


def aboveground_biomass_kg(dbh_cm: np.ndarray, b0: float, b1: float) -> np.ndarray:
    """Total aboveground dry biomass ``bm = exp(b0 + b1 ln DBH)`` (Jenkins et al. 2003, eq. 1, Table 4).

    dbh_cm :: cm -- diameter at breast height; b0, b1 :: 1 -- species-group
    coefficients. Returns kg (oven-dry).
    """
    return np.exp(b0 + b1 * np.log(np.asarray(dbh_cm, np.float64)))


def component_ratio(dbh_cm: np.ndarray, f0: float, f1: float) -> np.ndarray:
    """Fraction of aboveground biomass in one component, ``exp(f0 + f1 / DBH)``
    (Jenkins et al. 2003, eq. 6, Table 6 -- foliage for hardwoods or softwoods).

    dbh_cm :: cm; f0, f1 :: 1. Returns a fraction in (0, 1).
    """
    return np.minimum(np.exp(f0 + f1 / np.asarray(dbh_cm, np.float64)), 1.0)


def foliage_biomass_kg(dbh_cm: np.ndarray, b0: float, b1: float, f0: float, f1: float) -> np.ndarray:
    """Foliage dry mass = aboveground biomass x foliage ratio (Jenkins et al. 2003). Returns kg."""
    return aboveground_biomass_kg(dbh_cm, b0, b1) * component_ratio(dbh_cm, f0, f1)


def fine_branch_biomass_kg(foliage_kg: np.ndarray, branch_to_foliage: float) -> np.ndarray:
    """Live fine branchwood (< 6 mm) dry mass as a multiple of foliage mass (after Brown 1978).

    foliage_kg :: kg; branch_to_foliage :: kg/kg. Returns kg.
    """
    return np.asarray(foliage_kg, np.float64) * branch_to_foliage


def crown_profile(shape: str, z_frac: np.ndarray) -> np.ndarray:
    """Crown radius relative to the widest radius at a relative height within the crown.

    shape :: one of :data:`CROWN_SHAPES`; z_frac :: 1 -- 0 at the crown base, 1 at the
    top. Returns r / R in [0, 1]: cone ``1 - z``; paraboloid ``sqrt(1 - z)``; ellipsoid
    ``sqrt(1 - (2z - 1)^2)``; hemisphere (a dome widest at its base) ``sqrt(1 - z^2)``.
    """
    z = np.clip(np.asarray(z_frac, np.float64), 0.0, 1.0)
    if shape == "cone":
        return 1.0 - z
    if shape == "paraboloid":
        return np.sqrt(1.0 - z)
    if shape == "ellipsoid":
        return np.sqrt(np.maximum(1.0 - (2.0 * z - 1.0) ** 2, 0.0))
    if shape == "hemisphere":
        return np.sqrt(np.maximum(1.0 - z**2, 0.0))
    raise ValueError(f"crown shape: expected one of {CROWN_SHAPES}, got {shape!r}")


# --------------------------------------------------------------------------- species
@dataclass(frozen=True)
class Species:
    """One species' parameters (see ``assets/vegetation/species.yaml`` for sources).

    Heights in m, DBH coefficients in the ``H - 1.37 = a * DBH_cm**b`` form, biomass
    coefficients of Jenkins et al. (2003), colours in 0-255 sRGB.
    """

    name: str
    description: str
    group: str
    height_median_m: float
    height_sigma: float
    height_min_m: float
    height_max_m: float
    crown_ratio_mean: float
    crown_ratio_sd: float
    crown_ratio_min: float
    crown_ratio_max: float
    crown_shape: str
    crown_radius_coef_m: float
    crown_radius_exp: float
    crown_radius_jitter_sigma: float
    dbh_coef: float
    dbh_exp: float
    jenkins_group: str
    b0: float
    b1: float
    f0: float
    f1: float
    fine_branch_to_foliage: float
    foliage_rgb: tuple[int, int, int]
    bark_rgb: tuple[int, int, int]

    def sample_height_m(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` total heights, lognormal ``median * exp(sigma Z)`` clipped to [min, max], m."""
        h = self.height_median_m * np.exp(self.height_sigma * rng.standard_normal(n))
        return np.clip(h, self.height_min_m, self.height_max_m)

    def sample_crown_ratio(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` crown ratios (crown length / height), clipped normal, fraction."""
        cr = self.crown_ratio_mean + self.crown_ratio_sd * rng.standard_normal(n)
        return np.clip(cr, self.crown_ratio_min, self.crown_ratio_max)

    def crown_radius_m(self, height_m: np.ndarray) -> np.ndarray:
        """Widest crown radius of a tree of this height (no jitter), m."""
        return crown_radius_m(height_m, self.crown_radius_coef_m, self.crown_radius_exp)

    def dbh_cm(self, height_m: np.ndarray) -> np.ndarray:
        """Stem diameter at breast height of a tree of this height, cm."""
        return dbh_from_height_cm(height_m, self.dbh_coef, self.dbh_exp)

    def foliage_kg(self, height_m: np.ndarray) -> np.ndarray:
        """Foliage dry mass of a tree of this height, kg."""
        return foliage_biomass_kg(self.dbh_cm(height_m), self.b0, self.b1, self.f0, self.f1)

    def fine_branch_kg(self, height_m: np.ndarray) -> np.ndarray:
        """Live fine (< 6 mm) branch dry mass of a tree of this height, kg."""
        return fine_branch_biomass_kg(self.foliage_kg(height_m), self.fine_branch_to_foliage)


def _get(d: Mapping[str, Any], key: str, path: str) -> Any:
    if not isinstance(d, Mapping) or key not in d:
        raise ScenarioError(f"{path}.{key}", "a value in the species table", None)
    return d[key]


def _num(d: Mapping[str, Any], key: str, path: str, lo: float | None = None, hi: float | None = None) -> float:
    v = _get(d, key, path)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScenarioError(f"{path}.{key}", "a number", v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ScenarioError(f"{path}.{key}", f"a number in [{lo}, {hi}]", v)
    return float(v)


def _rgb(d: Mapping[str, Any], key: str, path: str) -> tuple[int, int, int]:
    v = _get(d, key, path)
    if not (isinstance(v, (list, tuple)) and len(v) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in v)):
        raise ScenarioError(f"{path}.{key}", "three integers 0-255", v)
    return (int(v[0]), int(v[1]), int(v[2]))


def parse_species(name: str, d: Mapping[str, Any], path: str = "species") -> Species:
    """Validate one species entry of the table into a :class:`Species`."""
    p = f"{path}.{name}"
    h, cr = _get(d, "height", p), _get(d, "crown_ratio", p)
    rad, dbh, bio = _get(d, "crown_radius", p), _get(d, "dbh", p), _get(d, "biomass", p)
    shape = _get(d, "crown_shape", p)
    if shape not in CROWN_SHAPES:
        raise ScenarioError(f"{p}.crown_shape", "one of " + ", ".join(CROWN_SHAPES), shape)
    sp = Species(
        name=name,
        description=str(d.get("description", "")),
        group=str(_get(d, "group", p)),
        height_median_m=_num(h, "median_m", f"{p}.height", 0.1, 150),
        height_sigma=_num(h, "sigma", f"{p}.height", 0, 2),
        height_min_m=_num(h, "min_m", f"{p}.height", 0.1, 150),
        height_max_m=_num(h, "max_m", f"{p}.height", 0.1, 150),
        crown_ratio_mean=_num(cr, "mean", f"{p}.crown_ratio", 0.01, 1),
        crown_ratio_sd=_num(cr, "sd", f"{p}.crown_ratio", 0, 1),
        crown_ratio_min=_num(cr, "min", f"{p}.crown_ratio", 0.01, 1),
        crown_ratio_max=_num(cr, "max", f"{p}.crown_ratio", 0.01, 1),
        crown_shape=str(shape),
        crown_radius_coef_m=_num(rad, "coef_m", f"{p}.crown_radius", 0.01, 10),
        crown_radius_exp=_num(rad, "exp", f"{p}.crown_radius", 0.1, 2),
        crown_radius_jitter_sigma=_num(rad, "jitter_sigma", f"{p}.crown_radius", 0, 1),
        dbh_coef=_num(dbh, "coef", f"{p}.dbh", 1e-3, 100),
        dbh_exp=_num(dbh, "exp", f"{p}.dbh", 0.1, 2),
        jenkins_group=str(_get(bio, "jenkins_group", f"{p}.biomass")),
        b0=_num(bio, "b0", f"{p}.biomass"),
        b1=_num(bio, "b1", f"{p}.biomass"),
        f0=_num(bio, "f0", f"{p}.biomass"),
        f1=_num(bio, "f1", f"{p}.biomass"),
        fine_branch_to_foliage=_num(bio, "fine_branch_to_foliage", f"{p}.biomass", 0, 10),
        foliage_rgb=_rgb(d, "foliage_rgb", p),
        bark_rgb=_rgb(d, "bark_rgb", p),
    )
    if sp.height_min_m > sp.height_max_m:
        raise ScenarioError(f"{p}.height.min_m", f"at most max_m ({sp.height_max_m})", sp.height_min_m)
    if sp.crown_ratio_min > sp.crown_ratio_max:
        raise ScenarioError(f"{p}.crown_ratio.min", f"at most max ({sp.crown_ratio_max})", sp.crown_ratio_min)
    return sp


def load_species_table(path: str) -> dict[str, Species]:
    """Read and validate a species YAML file (format of ``assets/vegetation/species.yaml``)."""
    from ._config import load_yaml_file  # bounded size, depth and alias expansion

    data = load_yaml_file(path)
    entries = data.get("species") if isinstance(data, Mapping) else None
    if not isinstance(entries, Mapping) or not entries:
        raise ScenarioError("species", "a mapping of species names to parameters", entries, source=str(path))
    try:
        return {str(name): parse_species(str(name), d) for name, d in entries.items()}
    except ScenarioError as exc:
        raise exc.with_source(str(path)) from None


@lru_cache(maxsize=1)
def _cached_table() -> tuple[tuple[str, Species], ...]:
    table = load_species_table(str(assets_dir() / "vegetation" / "species.yaml"))
    return tuple(table.items())


def species_table() -> dict[str, Species]:
    """The built-in species, name -> :class:`Species` (read once, then cached; a fresh dict each call)."""
    return dict(_cached_table())
