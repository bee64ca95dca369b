"""Surface fuel models: the Anderson (1982) 13, the Scott & Burgan (2005) 40, and custom models.

The standard tables live in ``assets/fuels/*.csv`` in their published US units (see
``assets/fuels/README.md``); this module reads them once and converts every value to SI
with :mod:`wildfire_gym.units`. A :class:`FuelModel` is what the spread model consumes.

Numeric codes (the values stored in fuel rasters) follow LANDFIRE: FM1..FM13 are 1..13,
the non-burnable NB1, NB2, NB3, NB8, NB9 are 91, 92, 93, 98, 99 and the Scott & Burgan
models keep their standard numbers (GR1 = 101 ... SB4 = 204). Custom models use a free
number in 14..89 or 150..255 not already taken.

:class:`CustomFuelModel` (a scenario's own model) is defined here, below
:mod:`wildfire_gym.scenario`, which imports it: this module never imports the scenario.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import units
from ._assets import assets_dir
from ._config import parse, spec
from .errors import MISSING, ScenarioError, shorten

__all__ = [
    "CustomFuelModel",
    "FuelModel",
    "SAV_10H_PER_FT",
    "SAV_100H_PER_FT",
    "assets_table_path",
    "custom_models_by_number",
    "fuel_model",
    "from_custom",
    "known_fuel_codes",
    "read_custom_fuel_csv",
    "read_standard_table",
    "standard_fuel_models",
]

log = logging.getLogger(__name__)

SAV_10H_PER_FT: float = 109.0
"""Surface-area-to-volume ratio of 10-h dead fuel, 1/ft, the same for every standard model
(Albini 1976; Anderson 1982; Scott & Burgan 2005, p. 5)."""
SAV_100H_PER_FT: float = 30.0
"""Surface-area-to-volume ratio of 100-h dead fuel, 1/ft, the same for every standard model
(Albini 1976; Anderson 1982; Scott & Burgan 2005, p. 5)."""

STANDARD_TABLE_FILES: tuple[str, ...] = ("anderson13.csv", "scott_burgan40.csv")
"""Files of ``assets/fuels`` holding the standard tables, in published US units."""

_TABLE_COLUMNS: tuple[str, ...] = (
    "number", "code", "name",
    "load_1h_tac", "load_10h_tac", "load_100h_tac", "load_live_herb_tac", "load_live_woody_tac",
    "sav_1h_per_ft", "sav_live_herb_per_ft", "sav_live_woody_per_ft",
    "depth_ft", "mx_dead_pct", "heat_dead_btu_lb", "heat_live_btu_lb", "dynamic",
)

MAX_CUSTOM_CSV_BYTES = 4 * 2**20
"""Largest custom fuel-model CSV read (a few thousand models at most fit in the 14..255 numbers)."""

PERCENT: float = 100.0
"""Percent per unit fraction."""

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t"})
_FALSE_WORDS = frozenset({"0", "false", "no", "n", "f"})


@dataclass(frozen=True)
class FuelModel:
    """One surface fuel model, every field in SI units.

    Loads are oven-dry masses per unit ground area (kg/m^2); ``sav_*`` are
    surface-area-to-volume ratios (1/m); ``depth_m`` the fuel bed depth;
    ``extinction_moisture_dead`` the dead fuel moisture of extinction as a fraction of
    oven-dry mass; heat contents are low heat of combustion (J/kg). ``dynamic`` models
    transfer live herbaceous load to dead with curing (Scott & Burgan 2005).
    ``burnable`` is false for the non-burnable models NB1..NB9 (no fuel at all).
    """

    number: int
    code: str
    name: str
    load_1h_kg_m2: float
    load_10h_kg_m2: float
    load_100h_kg_m2: float
    load_live_herb_kg_m2: float
    load_live_woody_kg_m2: float
    sav_1h_per_m: float
    sav_10h_per_m: float
    sav_100h_per_m: float
    sav_live_herb_per_m: float
    sav_live_woody_per_m: float
    depth_m: float
    extinction_moisture_dead: float
    heat_content_dead_j_kg: float
    heat_content_live_j_kg: float
    dynamic: bool
    burnable: bool

    @property
    def load_dead_kg_m2(self) -> float:
        """Total dead load (1-h + 10-h + 100-h), kg/m^2."""
        return self.load_1h_kg_m2 + self.load_10h_kg_m2 + self.load_100h_kg_m2

    @property
    def load_live_kg_m2(self) -> float:
        """Total live load (herbaceous + woody), kg/m^2."""
        return self.load_live_herb_kg_m2 + self.load_live_woody_kg_m2

    @property
    def load_total_kg_m2(self) -> float:
        """Total surface fuel load, kg/m^2."""
        return self.load_dead_kg_m2 + self.load_live_kg_m2


@dataclass(frozen=True)
class CustomFuelModel:
    """A user fuel model, as BehavePlus and FARSITE allow (SI units)."""

    code: str
    number: int = spec(ge=14, le=255, doc="raster code; 14-89 and 150-255 are free for custom models")
    name: str = ""
    load_1h_kg_m2: float = spec(0.0, ge=0, le=20)
    load_10h_kg_m2: float = spec(0.0, ge=0, le=20)
    load_100h_kg_m2: float = spec(0.0, ge=0, le=20)
    load_live_herb_kg_m2: float = spec(0.0, ge=0, le=20)
    load_live_woody_kg_m2: float = spec(0.0, ge=0, le=20)
    sav_1h_per_m: float = spec(6562.0, gt=0, le=20000, doc="1-h surface-area-to-volume ratio, 1/m")
    sav_live_herb_per_m: float = spec(4921.0, gt=0, le=20000)
    sav_live_woody_per_m: float = spec(4921.0, gt=0, le=20000)
    depth_m: float = spec(0.3, gt=0, le=10, doc="fuel bed depth, m")
    extinction_moisture_dead: float = spec(0.25, gt=0, le=1.0, doc="dead fuel moisture of extinction, fraction")
    heat_content_dead_j_kg: float = spec(18608.0e3, gt=0, le=40e6)
    heat_content_live_j_kg: float = spec(18608.0e3, gt=0, le=40e6)
    dynamic: bool = False

    def __post_init__(self) -> None:
        total = (self.load_1h_kg_m2 + self.load_10h_kg_m2 + self.load_100h_kg_m2
                 + self.load_live_herb_kg_m2 + self.load_live_woody_kg_m2)
        if total <= 0:
            raise ScenarioError("load_1h_kg_m2", "a positive fuel load in at least one size class", 0.0)


def _parse_bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def _model_from_us_row(row: Mapping[str, str], where: str) -> FuelModel:
    """One row of a standard table (published US units) -> :class:`FuelModel` in SI."""
    try:
        num = {k: float(row[k]) for k in _TABLE_COLUMNS if k not in ("number", "code", "name", "dynamic")}
        number = int(row["number"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RuntimeError(f"corrupt fuel table {where}: {exc}") from exc  # packaging error, not user input
    dynamic = _parse_bool(row["dynamic"])
    if dynamic is None:
        raise RuntimeError(f"corrupt fuel table {where}: dynamic must be 0 or 1, got {row['dynamic']!r}")
    loads = [float(units.tons_per_acre_to_kg_per_m2(num[k])) for k in (
        "load_1h_tac", "load_10h_tac", "load_100h_tac", "load_live_herb_tac", "load_live_woody_tac")]
    return FuelModel(
        number=number,
        code=row["code"].strip(),
        name=row["name"].strip(),
        load_1h_kg_m2=loads[0],
        load_10h_kg_m2=loads[1],
        load_100h_kg_m2=loads[2],
        load_live_herb_kg_m2=loads[3],
        load_live_woody_kg_m2=loads[4],
        sav_1h_per_m=float(units.per_ft_to_per_m(num["sav_1h_per_ft"])),
        sav_10h_per_m=float(units.per_ft_to_per_m(SAV_10H_PER_FT)),
        sav_100h_per_m=float(units.per_ft_to_per_m(SAV_100H_PER_FT)),
        sav_live_herb_per_m=float(units.per_ft_to_per_m(num["sav_live_herb_per_ft"])),
        sav_live_woody_per_m=float(units.per_ft_to_per_m(num["sav_live_woody_per_ft"])),
        depth_m=float(units.ft_to_m(num["depth_ft"])),
        extinction_moisture_dead=num["mx_dead_pct"] / PERCENT,
        heat_content_dead_j_kg=float(units.btu_per_lb_to_j_per_kg(num["heat_dead_btu_lb"])),
        heat_content_live_j_kg=float(units.btu_per_lb_to_j_per_kg(num["heat_live_btu_lb"])),
        dynamic=dynamic,
        burnable=bool(sum(loads) > 0),
    )


def read_standard_table(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Rows of one standard table file as strings (``#`` lines are comments), US units."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != _TABLE_COLUMNS:
        raise RuntimeError(f"fuel table {path}: columns {reader.fieldnames} differ from {_TABLE_COLUMNS}")
    return [dict(r) for r in reader]


@lru_cache(maxsize=1)
def _standard_models() -> tuple[FuelModel, ...]:
    models: list[FuelModel] = []
    for name in STANDARD_TABLE_FILES:
        path = assets_table_path(name)
        for i, row in enumerate(read_standard_table(path)):
            models.append(_model_from_us_row(row, f"{path} row {i + 1}"))
    codes = [m.code for m in models]
    numbers = [m.number for m in models]
    if len(set(codes)) != len(codes) or len(set(numbers)) != len(numbers):
        raise RuntimeError("standard fuel tables repeat a code or a number")
    return tuple(sorted(models, key=lambda m: m.number))


def standard_fuel_models() -> dict[str, FuelModel]:
    """Every standard model (Anderson 13, Scott & Burgan 40, NB1/2/3/8/9) by code, in SI.

    The tables are read once and cached; the returned dict is a new one each call.
    """
    return {m.code: m for m in _standard_models()}


def known_fuel_codes() -> dict[str, int]:
    """A new dict ``code -> number`` of every standard model (callers may mutate it)."""
    return {m.code: m.number for m in _standard_models()}


def from_custom(c: CustomFuelModel) -> FuelModel:
    """A :class:`FuelModel` from a scenario's custom model (already SI).

    The 10-h and 100-h SAV ratios are the standard constants (109 and 30 1/ft).
    """
    return FuelModel(
        number=int(c.number),
        code=c.code,
        name=c.name or c.code,
        load_1h_kg_m2=float(c.load_1h_kg_m2),
        load_10h_kg_m2=float(c.load_10h_kg_m2),
        load_100h_kg_m2=float(c.load_100h_kg_m2),
        load_live_herb_kg_m2=float(c.load_live_herb_kg_m2),
        load_live_woody_kg_m2=float(c.load_live_woody_kg_m2),
        sav_1h_per_m=float(c.sav_1h_per_m),
        sav_10h_per_m=float(units.per_ft_to_per_m(SAV_10H_PER_FT)),
        sav_100h_per_m=float(units.per_ft_to_per_m(SAV_100H_PER_FT)),
        sav_live_herb_per_m=float(c.sav_live_herb_per_m),
        sav_live_woody_per_m=float(c.sav_live_woody_per_m),
        depth_m=float(c.depth_m),
        extinction_moisture_dead=float(c.extinction_moisture_dead),
        heat_content_dead_j_kg=float(c.heat_content_dead_j_kg),
        heat_content_live_j_kg=float(c.heat_content_live_j_kg),
        dynamic=bool(c.dynamic),
        burnable=True,
    )


def _as_fuel_model(m: Any) -> FuelModel:
    return m if isinstance(m, FuelModel) else from_custom(m)


def fuel_model(code_or_number: str | int, custom: Iterable[Any] = ()) -> FuelModel:
    """The model with this code (``"GR2"``) or raster number (``102``).

    ``custom`` holds :class:`~wildfire_gym.scenario.CustomFuelModel` (or
    :class:`FuelModel`) entries searched after the standard tables. Raises
    :class:`~wildfire_gym.errors.ScenarioError` on an unknown code or number.
    """
    models = list(_standard_models()) + [_as_fuel_model(c) for c in custom]
    key: str | int = code_or_number
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key.strip())
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise ScenarioError("fuel_model", "a fuel code string or a raster number", code_or_number)
    for m in models:
        if (isinstance(key, int) and m.number == key) or (isinstance(key, str) and m.code == key):
            return m
    extra = [m.code for m in models if m.number not in _standard_numbers()]
    allowed = "FM1..FM13, GR1..SB4, NB1/NB2/NB3/NB8/NB9" + "".join(", " + c for c in extra)
    raise ScenarioError("fuel_model", f"a known fuel model code or number: {allowed}", code_or_number)


@lru_cache(maxsize=1)
def _standard_numbers() -> frozenset[int]:
    return frozenset(m.number for m in _standard_models())


def _convert_cell(tp: Any, text: str, path: str) -> Any:
    """A CSV cell -> the Python value of a CustomFuelModel field of type ``tp``."""
    if tp is bool:
        value = _parse_bool(text)
        if value is None:
            raise ScenarioError(path, "true or false (1/0, yes/no)", text)
        return value
    if tp is int:
        try:
            as_float = float(text)
        except ValueError:
            raise ScenarioError(path, "an integer", text) from None
        if not as_float.is_integer():
            raise ScenarioError(path, "an integer", text)
        return int(as_float)
    if tp is float:
        try:
            return float(text)
        except ValueError:
            raise ScenarioError(path, "a number", text) from None
    return text


def read_custom_fuel_csv(path: str | os.PathLike[str], field_path: str = "custom_csv") -> list[CustomFuelModel]:
    """Custom fuel models from a CSV file, one model a row, SI units.

    The header names :class:`~wildfire_gym.scenario.CustomFuelModel` fields (``code`` and
    ``number`` required; the others optional, an empty cell takes the default). Lines
    starting with ``#`` are comments. Data rows are numbered from 1 after the header;
    a bad cell raises :class:`~wildfire_gym.errors.ScenarioError` naming
    ``f"{field_path}[row N].column"`` and what was expected.
    """
    try:
        size = os.path.getsize(path)
        if size > MAX_CUSTOM_CSV_BYTES:
            raise ScenarioError(field_path, f"a CSV of at most {MAX_CUSTOM_CSV_BYTES:,} bytes", f"{size:,} bytes")
        with open(path, encoding="utf-8", newline="") as fh:
            lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(field_path, f"a readable UTF-8 CSV file ({shorten(str(exc), 200)})", str(path)) from None
    if not lines:
        raise ScenarioError(field_path, "a CSV with a header row and at least one fuel model", str(path))
    try:
        rows = list(csv.reader(lines))
    except csv.Error as exc:
        raise ScenarioError(field_path, f"valid CSV ({exc})", str(path)) from None
    header = [h.strip() for h in rows[0]]
    hints = typing.get_type_hints(CustomFuelModel)
    fields = [f.name for f in dataclasses.fields(CustomFuelModel)]
    for col in header:
        if col not in fields:
            raise ScenarioError(f"{field_path}[header].{col or '<empty>'}",
                                "a column among " + ", ".join(fields), MISSING)
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise ScenarioError(f"{field_path}[header].{dup}", "each column once", MISSING)
    for required in ("code", "number"):
        if required not in header:
            raise ScenarioError(f"{field_path}[header]", f"a '{required}' column", header)
    if len(rows) < 2:
        raise ScenarioError(field_path, "at least one fuel model row after the header", str(path))

    out: list[CustomFuelModel] = []
    for n, cells in enumerate(rows[1:], start=1):
        row_path = f"{field_path}[row {n}]"
        if len(cells) != len(header):
            raise ScenarioError(row_path, f"{len(header)} cells like the header", len(cells))
        data: dict[str, Any] = {}
        for col, cell in zip(header, cells, strict=True):
            text = cell.strip()
            if text == "":
                if col in ("code", "number"):
                    raise ScenarioError(f"{row_path}.{col}", "a value (this column is required)", MISSING)
                continue
            tp = hints[col]
            data[col] = _convert_cell(tp, text, f"{row_path}.{col}")
        out.append(parse(CustomFuelModel, data, row_path))
    log.debug("read %d custom fuel models from %s", len(out), path)
    return out


def custom_models_by_number(custom: Iterable[Any]) -> dict[int, FuelModel]:
    """Custom entries (CustomFuelModel or FuelModel) as ``number -> FuelModel``."""
    return {m.number: m for m in (_as_fuel_model(c) for c in custom)}


def assets_table_path(name: str) -> Path:
    """Path of one standard table file in ``assets/fuels``."""
    return assets_dir() / "fuels" / name
