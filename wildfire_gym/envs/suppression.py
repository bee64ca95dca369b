"""Suppression resources at published production rates, in SI.

Hand crews (NWCG Incident Response Pocket Guide) and Type 3 dozers (NWCG dozer construction
rates by slope class) build fireline at a rate set by the fuel model they cut through and, for
dozers, by the slope and whether they work up- or downslope. Air tankers lay retardant at a
coverage level set by the fuel model (USFS airtanker drop guides). The tables live in
``assets/suppression/`` with their sources; this module converts chains per hour and gallons per
100 ft² to m/s and L/m² through named constants.

Scott & Burgan models are mapped to the Anderson row of the tables by their fuel type
(:data:`SCOTT_BURGAN_TO_ANDERSON`, our mapping).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._assets import assets_dir
from ..errors import ScenarioError

M_PER_CHAIN = 20.1168
"""m per (Gunter's) chain, 66 ft."""

S_PER_HOUR = 3600.0

M2_PER_FT2 = 0.09290304
"""m^2 per square foot."""

L_PER_US_GAL = 3.785411784
"""litres per US gallon."""

L_PER_M2_PER_COVERAGE_LEVEL = L_PER_US_GAL / (100.0 * M2_PER_FT2)
"""L/m^2 of one coverage level (1 US gal per 100 ft^2), about 0.4074."""

CREW_HIKE_SPEED_M_S = 0.45
"""m/s; cross-country travel of a hand crew not cutting line, about 1 mi/h (a modelling choice)."""

DOZER_WALK_SPEED_M_S = 0.9
"""m/s; a dozer travelling with its blade up, about 2 mi/h (a modelling choice)."""

DOZER_SLOPE_CLASS_UPPER_PCT = (25.0, 40.0, 55.0, 74.0)
"""Upper bounds of the NWCG dozer slope classes 1-4, percent; steeper: no line."""

RESOURCES = ("type1_crew", "type2_crew", "dozer")

SCOTT_BURGAN_TO_ANDERSON = {
    **{c: 1 for c in (101, 102)},            # GR1-2 short grass
    **{c: 3 for c in range(103, 110)},       # GR3-9 tall grass
    121: 2, 122: 2, 123: 6, 124: 6,          # GS1-2 grass-shrub like FM2; GS3-4 like dormant brush
    141: 6, 142: 6, 143: 5, 144: 5, 145: 4, 146: 5, 147: 4, 148: 4, 149: 4,  # SH
    161: 2, 162: 10, 163: 10, 164: 10, 165: 10,  # TU
    181: 8, 182: 8, 183: 8, 184: 8, 185: 8, 186: 9, 187: 10, 188: 9, 189: 10,  # TL
    201: 11, 202: 12, 203: 12, 204: 13,      # SB slash
}
"""Scott & Burgan fuel number -> Anderson model row of the production tables (our mapping, by fuel type)."""


def chains_per_hour_to_m_per_s(rate_ch_h: np.ndarray | float) -> np.ndarray:
    """Line production in chains per hour -> m/s."""
    return np.asarray(rate_ch_h, np.float64) * M_PER_CHAIN / S_PER_HOUR


def coverage_level_to_l_per_m2(level: np.ndarray | float) -> np.ndarray:
    """Coverage level (US gal per 100 ft^2) -> L/m^2."""
    return np.asarray(level, np.float64) * L_PER_M2_PER_COVERAGE_LEVEL


def _read(name: str) -> list[dict[str, str]]:
    with open(assets_dir() / "suppression" / name, newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class ProductionTables:
    """Rates by Anderson model (index 1..13; index 0 unused) in SI.

    ``crew_m_s[resource]`` [14]; ``dozer_m_s[direction]`` [14, 4] by slope class (direction 0 up,
    1 down); ``coverage_l_m2`` [14].
    """

    crew_m_s: dict[str, np.ndarray]
    dozer_m_s: np.ndarray
    coverage_l_m2: np.ndarray


@lru_cache(maxsize=1)
def production_tables() -> ProductionTables:
    """The tables of ``assets/suppression`` in SI (read once)."""
    crew = {"type1_crew": np.zeros(14), "type2_crew": np.zeros(14)}
    for row in _read("crew_production.csv"):
        fm = int(row["fuel_model"])
        crew["type1_crew"][fm] = float(chains_per_hour_to_m_per_s(float(row["type1_crew_ch_per_h"])))
        crew["type2_crew"][fm] = float(chains_per_hour_to_m_per_s(float(row["type2_crew_ch_per_h"])))
    dozer = np.zeros((2, 14, 4))
    for row in _read("dozer_production.csv"):
        d = 0 if row["direction"] == "up" else 1
        rates = [float(row[f"slope_class_{k}_ch_per_h"]) for k in range(1, 5)]
        for fm in row["fuel_models"].split(";"):
            dozer[d, int(fm)] = chains_per_hour_to_m_per_s(rates)
    cov = np.zeros(14)
    for row in _read("retardant_coverage.csv"):
        cov[int(row["fuel_model"])] = float(coverage_level_to_l_per_m2(float(row["coverage_level_gal_per_100ft2"])))
    return ProductionTables(crew, dozer, cov)


def anderson_row(fuel_code: np.ndarray | int) -> np.ndarray:
    """The Anderson model (1..13) whose table row applies to each fuel code; 0 for non-burnable
    and unknown codes (no line needs cutting there)."""
    code = np.asarray(fuel_code, np.int64)
    lut = np.zeros(256, np.int64)
    lut[1:14] = np.arange(1, 14)
    for sb, fm in SCOTT_BURGAN_TO_ANDERSON.items():
        lut[sb] = fm
    return lut[np.clip(code, 0, 255)]


def line_rate_m_s(resource: str, fuel_code: np.ndarray | int, slope_pct: np.ndarray | float = 0.0,
                  uphill: np.ndarray | bool = False) -> np.ndarray:
    """Fireline production (m/s) of ``resource`` in cells of ``fuel_code``.

    Crews: the pocket guide's sustained rate (no slope term). Dozers: the rate of the slope class
    of ``slope_pct`` (the grade along the direction of work, percent) up- or downslope; 0 beyond
    the last class. Non-burnable cells: nan (nothing to cut).
    """
    if resource not in RESOURCES:
        raise ScenarioError("resource", f"one of {RESOURCES}", resource)
    tables = production_tables()
    row = anderson_row(fuel_code)
    if resource == "dozer":
        slope = np.abs(np.asarray(slope_pct, np.float64))
        cls = np.searchsorted(np.asarray(DOZER_SLOPE_CLASS_UPPER_PCT), slope, side="left")
        direction = np.where(np.asarray(uphill, bool), 0, 1)
        rate = np.where(cls < 4, tables.dozer_m_s[direction, row, np.minimum(cls, 3)], 0.0)
    else:
        rate = tables.crew_m_s[resource][row]
    return np.where(row > 0, rate, np.nan)


def travel_speed_m_s(resource: str) -> float:
    """Speed (m/s) of a resource moving without building line."""
    if resource not in RESOURCES:
        raise ScenarioError("resource", f"one of {RESOURCES}", resource)
    return DOZER_WALK_SPEED_M_S if resource == "dozer" else CREW_HIKE_SPEED_M_S


def retardant_line_length_m(volume_l: float, fuel_code: int, swath_width_m: float) -> float:
    """Length (m) of line a drop of ``volume_l`` litres covers at the fuel's coverage level over a
    swath ``swath_width_m`` wide: ``L = V / (c w)`` (the drop guides' rule, in SI)."""
    row = int(anderson_row(fuel_code))
    if row == 0:
        return 0.0
    return float(volume_l / (production_tables().coverage_l_m2[row] * swath_width_m))
