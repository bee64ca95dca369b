"""Fuel model tables: published values, an independent oracle (Behave via pyrothermel), SI
conversion, lookups, custom models and their CSV."""

from __future__ import annotations

import dataclasses

import pytest

from wildfire_gym import units
from wildfire_gym.errors import ScenarioError
from wildfire_gym.fuel_models import (
    SAV_10H_PER_FT,
    SAV_100H_PER_FT,
    STANDARD_TABLE_FILES,
    FuelModel,
    assets_table_path,
    from_custom,
    fuel_model,
    known_fuel_codes,
    read_custom_fuel_csv,
    read_standard_table,
    standard_fuel_models,
)
from wildfire_gym.scenario import CustomFuelModel

LOAD_FIELDS = ("load_1h", "load_10h", "load_100h", "load_live_herb", "load_live_woody")
NONBURNABLE = {"NB1": 91, "NB2": 92, "NB3": 93, "NB8": 98, "NB9": 99}


def us_rows() -> dict[str, dict[str, str]]:
    """Every standard row as transcribed (published US units), by code."""
    out: dict[str, dict[str, str]] = {}
    for name in STANDARD_TABLE_FILES:
        for row in read_standard_table(assets_table_path(name)):
            out[row["code"]] = row
    return out


def to_us(m: FuelModel) -> dict[str, float]:
    """A model's SI fields back in published US units."""
    per_tac = float(units.tons_per_acre_to_kg_per_m2(1.0))
    return {
        **{f"{k}_tac": getattr(m, f"{k}_kg_m2") / per_tac for k in LOAD_FIELDS},
        "sav_1h_per_ft": float(units.per_m_to_per_ft(m.sav_1h_per_m)),
        "sav_10h_per_ft": float(units.per_m_to_per_ft(m.sav_10h_per_m)),
        "sav_100h_per_ft": float(units.per_m_to_per_ft(m.sav_100h_per_m)),
        "sav_live_herb_per_ft": float(units.per_m_to_per_ft(m.sav_live_herb_per_m)),
        "sav_live_woody_per_ft": float(units.per_m_to_per_ft(m.sav_live_woody_per_m)),
        "depth_ft": float(units.m_to_ft(m.depth_m)),
        "mx_dead_pct": m.extinction_moisture_dead * 100.0,
        "heat_dead_btu_lb": float(units.j_per_kg_to_btu_per_lb(m.heat_content_dead_j_kg)),
        "heat_live_btu_lb": float(units.j_per_kg_to_btu_per_lb(m.heat_content_live_j_kg)),
    }


# --- published values (Anderson 1982 Table 1; Scott & Burgan 2005 fuel model pages) -----------------

# code: (1h, 10h, 100h, herb, woody t/ac), (SAV 1h, herb, woody 1/ft) where the class has load,
#       depth ft, Mx %, heat BTU/lb, dynamic
PUBLISHED = {
    "FM1": ((0.74, 0, 0, 0, 0), (3500, None, None), 1.0, 12, 8000, False),
    "FM2": ((2.00, 1.00, 0.50, 0.50, 0), (3000, 1500, None), 1.0, 15, 8000, False),
    "FM4": ((5.01, 4.01, 2.00, 0, 5.01), (2000, None, 1500), 6.0, 20, 8000, False),
    "FM9": ((2.92, 0.41, 0.15, 0, 0), (2500, None, None), 0.2, 25, 8000, False),
    "FM13": ((7.01, 23.04, 28.05, 0, 0), (1500, None, None), 3.0, 25, 8000, False),
    "GR2": ((0.10, 0, 0, 1.00, 0), (2000, 1800, None), 1.0, 15, 8000, True),
    "GR6": ((0.10, 0, 0, 3.40, 0), (2200, 2000, None), 1.5, 40, 9000, True),
    "GS2": ((0.50, 0.50, 0, 0.60, 1.00), (2000, 1800, 1800), 1.5, 15, 8000, True),
    "SH5": ((3.60, 2.10, 0, 0, 2.90), (750, None, 1600), 6.0, 15, 8000, False),
    "SH9": ((4.50, 2.45, 0, 1.55, 7.00), (750, 1800, 1500), 4.4, 40, 8000, True),
    "TU5": ((4.00, 4.00, 3.00, 0, 3.00), (1500, None, 750), 1.0, 25, 8000, False),
    "TL3": ((0.50, 2.20, 2.80, 0, 0), (2000, None, None), 0.3, 20, 8000, False),
    "TL8": ((5.80, 1.40, 1.10, 0, 0), (1800, None, None), 0.3, 35, 8000, False),
    "SB4": ((5.25, 3.50, 5.25, 0, 0), (2000, None, None), 2.7, 25, 8000, False),
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_values(code: str) -> None:
    loads, savs, depth, mx, heat, dynamic = PUBLISHED[code]
    m = standard_fuel_models()[code]
    us = to_us(m)
    for k, want in zip(LOAD_FIELDS, loads, strict=True):
        assert us[f"{k}_tac"] == pytest.approx(want, abs=1e-9), k
    for k, want in zip(("sav_1h_per_ft", "sav_live_herb_per_ft", "sav_live_woody_per_ft"), savs, strict=True):
        if want is not None:
            assert us[k] == pytest.approx(want, rel=1e-12), k
    assert us["depth_ft"] == pytest.approx(depth, rel=1e-12)
    assert us["mx_dead_pct"] == pytest.approx(mx, rel=1e-12)
    assert us["heat_dead_btu_lb"] == pytest.approx(heat, rel=1e-12)
    assert us["heat_live_btu_lb"] == pytest.approx(heat, rel=1e-12)
    assert m.dynamic is dynamic
    assert m.burnable is True


def test_si_values_by_hand() -> None:
    """FM1 and GR2 in SI, converted by hand with the exact unit definitions."""
    tac = 2000 * 0.45359237 / 4046.8564224  # kg/m^2 per t/ac
    fm1 = fuel_model("FM1")
    assert fm1.load_1h_kg_m2 == pytest.approx(0.74 * tac, rel=1e-12)
    assert fm1.load_1h_kg_m2 == pytest.approx(0.16589, abs=1e-5)
    assert fm1.sav_1h_per_m == pytest.approx(3500 / 0.3048, rel=1e-12)
    assert fm1.depth_m == pytest.approx(0.3048, rel=1e-12)
    assert fm1.extinction_moisture_dead == pytest.approx(0.12, rel=1e-12)
    assert fm1.heat_content_dead_j_kg == pytest.approx(18_608_000.0, rel=1e-6)  # 8000 BTU/lb
    gr2 = fuel_model("GR2")
    assert gr2.load_live_herb_kg_m2 == pytest.approx(0.22417, abs=1e-5)
    assert gr2.load_total_kg_m2 == pytest.approx(1.1 * tac, rel=1e-12)
    assert gr2.load_dead_kg_m2 == pytest.approx(0.1 * tac, rel=1e-12)
    assert gr2.load_live_kg_m2 == pytest.approx(1.0 * tac, rel=1e-12)


def test_10h_100h_sav_constants() -> None:
    assert SAV_10H_PER_FT == 109.0 and SAV_100H_PER_FT == 30.0
    for m in standard_fuel_models().values():
        assert m.sav_10h_per_m == pytest.approx(109 / 0.3048, rel=1e-12)
        assert m.sav_100h_per_m == pytest.approx(30 / 0.3048, rel=1e-12)


def test_si_round_trip_to_transcribed_us_values() -> None:
    rows = us_rows()
    models = standard_fuel_models()
    assert set(rows) == set(models)
    for code, row in rows.items():
        back = to_us(models[code])
        for key, value in back.items():
            if key in row:
                assert value == pytest.approx(float(row[key]), rel=1e-12, abs=1e-12), (code, key)
        assert models[code].number == int(row["number"])
        assert models[code].dynamic is (row["dynamic"] == "1")


def test_table_structure_and_invariants() -> None:
    models = standard_fuel_models()
    assert len(models) == 13 + 40 + 5
    codes = known_fuel_codes()
    assert [codes[f"FM{i}"] for i in range(1, 14)] == list(range(1, 14))
    sb_numbers = {"GR": range(101, 110), "GS": range(121, 125), "SH": range(141, 150),
                  "TU": range(161, 166), "TL": range(181, 190), "SB": range(201, 205)}
    for prefix, numbers in sb_numbers.items():
        for i, n in enumerate(numbers, start=1):
            assert codes[f"{prefix}{i}"] == n
    for code, n in NONBURNABLE.items():
        assert codes[code] == n
        m = models[code]
        assert m.burnable is False and m.load_total_kg_m2 == 0.0 and m.dynamic is False
    for code, m in models.items():
        if code in NONBURNABLE:
            continue
        assert m.burnable and m.load_total_kg_m2 > 0 and m.depth_m > 0
        assert 0 < m.extinction_moisture_dead < 1
        if code.startswith("FM"):
            assert m.dynamic is False
        else:  # Scott & Burgan: dynamic exactly when there is a live herbaceous load
            assert m.dynamic is (m.load_live_herb_kg_m2 > 0), code


def test_known_fuel_codes_returns_a_new_dict() -> None:
    a = known_fuel_codes()
    a["ZZ1"] = 250
    del a["GR2"]
    b = known_fuel_codes()
    assert "ZZ1" not in b and b["GR2"] == 102
    assert standard_fuel_models() is not standard_fuel_models()  # callers may mutate theirs too


# --- independent oracle: the Behave fuel-model tables compiled into pyrothermel -----------------------


def test_every_field_matches_behave_tables() -> None:
    """Every model and field against Behave (the engine of BehavePlus), via pyrothermel 0.1.4.

    Behave stores Anderson loads as the original lb/ft^2 values (FM1: 0.034 lb/ft^2 =
    0.7405 t/ac), so the published two-decimal t/ac values differ by < 0.005 t/ac; Scott &
    Burgan values are identical. SAV ratios are compared only for classes with a load (a
    SAV without load has no effect; Behave's TL5 placeholder is 160 for 1600).
    """
    pyro = pytest.importorskip("pyrothermel")
    bc, u = pyro.behave_core, pyro.units
    fms = bc.FuelModels()
    tac = u.LoadingUnits.LoadingUnitsEnum.TonsPerAcre
    per_ft = u.SurfaceAreaToVolumeUnits.SurfaceAreaToVolumeUnitsEnum.SquareFeetOverCubicFeet
    ft = u.LengthUnits.LengthUnitsEnum.Feet
    btu = u.HeatOfCombustionUnits.HeatOfCombustionUnitsEnum.BtusPerPound
    pct = u.FractionUnits.FractionUnitsEnum.Percent

    behave_numbers = {n for n in range(256) if fms.isFuelModelDefined(n)}
    ours = {m.number: m for m in standard_fuel_models().values()}
    # Behave also defines NB4 and NB5 ("future standard non-burnable"), which we leave out.
    assert set(ours) == behave_numbers - {94, 95}

    checked = 0
    for n, m in ours.items():
        assert fms.getFuelCode(n) == m.code
        us = to_us(m)
        load_tol = 0.005 if m.code.startswith("FM") else 1e-6
        getters = (fms.getFuelLoadOneHour, fms.getFuelLoadTenHour, fms.getFuelLoadHundredHour,
                   fms.getFuelLoadLiveHerbaceous, fms.getFuelLoadLiveWoody)
        for k, get in zip(LOAD_FIELDS, getters, strict=True):
            assert us[f"{k}_tac"] == pytest.approx(get(n, tac), abs=load_tol), (m.code, k)
            checked += 1
        for k, load_k, get in (("sav_1h_per_ft", "load_1h", fms.getSavrOneHour),
                               ("sav_live_herb_per_ft", "load_live_herb", fms.getSavrLiveHerbaceous),
                               ("sav_live_woody_per_ft", "load_live_woody", fms.getSavrLiveWoody)):
            if getattr(m, f"{load_k}_kg_m2") > 0:
                assert us[k] == pytest.approx(get(n, per_ft), rel=1e-9), (m.code, k)
                checked += 1
        if m.burnable:  # NB placeholders are never used
            assert us["depth_ft"] == pytest.approx(fms.getFuelbedDepth(n, ft), rel=1e-9), m.code
            assert us["mx_dead_pct"] == pytest.approx(fms.getMoistureOfExtinctionDead(n, pct), rel=1e-9)
            assert us["heat_dead_btu_lb"] == pytest.approx(fms.getHeatOfCombustionDead(n, btu), rel=1e-9)
            assert us["heat_live_btu_lb"] == pytest.approx(fms.getHeatOfCombustionLive(n, btu), rel=1e-9)
            checked += 4
            # Behave flags every S&B model dynamic and marks the published type in the name.
            published_dynamic = fms.getFuelName(n).rstrip().endswith("(D)")
            assert m.dynamic is (published_dynamic if n > 100 else fms.getIsDynamic(n)), m.code
    assert checked > 400


def test_si_conversion_matches_behave_metric_units() -> None:
    """Our SI values against Behave's own metric conversion of its tables (S&B: same data).

    SAV is left out: pyrothermel 0.1.4 converts 1/ft to 1/m by multiplying by 0.3048
    (GR1: 670.56 1/m for 2200 1/ft); the hand check in ``test_si_values_by_hand`` covers it.
    """
    pyro = pytest.importorskip("pyrothermel")
    bc, u = pyro.behave_core, pyro.units
    fms = bc.FuelModels()
    kg_m2 = u.LoadingUnits.LoadingUnitsEnum.KilogramsPerSquareMeter
    metre = u.LengthUnits.LengthUnitsEnum.Meters
    kj_kg = u.HeatOfCombustionUnits.HeatOfCombustionUnitsEnum.KilojoulesPerKilogram
    for m in standard_fuel_models().values():
        if m.number < 100:
            continue
        n = m.number
        assert m.load_1h_kg_m2 == pytest.approx(fms.getFuelLoadOneHour(n, kg_m2), rel=1e-4)
        assert m.load_live_herb_kg_m2 == pytest.approx(fms.getFuelLoadLiveHerbaceous(n, kg_m2), rel=1e-4)
        assert m.load_live_woody_kg_m2 == pytest.approx(fms.getFuelLoadLiveWoody(n, kg_m2), rel=1e-4)
        assert m.depth_m == pytest.approx(fms.getFuelbedDepth(n, metre), rel=1e-6)
        assert m.heat_content_dead_j_kg == pytest.approx(1000 * fms.getHeatOfCombustionDead(n, kj_kg), rel=1e-3)


# --- lookups ------------------------------------------------------------------------------------------

def test_fuel_model_lookup_by_code_number_and_custom() -> None:
    assert fuel_model("GR2") == fuel_model(102) == fuel_model("102")
    assert fuel_model("NB8").burnable is False
    cm = CustomFuelModel(code="MYGRASS", number=150, load_1h_kg_m2=0.2)
    assert fuel_model("MYGRASS", custom=[cm]).number == 150
    assert fuel_model(150, custom=[cm]).code == "MYGRASS"


@pytest.mark.parametrize("bad", ["XX9", "fm1", 0, 94, 300, "", 1.5, True])
def test_unknown_fuel_model_raises_named_error(bad: object) -> None:
    with pytest.raises(ScenarioError) as err:
        fuel_model(bad)  # type: ignore[arg-type]
    assert err.value.field == "fuel_model"
    assert err.value.got == bad


def test_from_custom() -> None:
    cm = CustomFuelModel(code="C1", number=20, name="my shrub", load_1h_kg_m2=0.3, load_10h_kg_m2=0.1,
                         load_live_woody_kg_m2=0.5, sav_1h_per_m=7000.0, sav_live_woody_per_m=5000.0,
                         depth_m=0.9, extinction_moisture_dead=0.2, heat_content_dead_j_kg=19e6,
                         heat_content_live_j_kg=20e6, dynamic=True)
    m = from_custom(cm)
    assert (m.number, m.code, m.name, m.dynamic, m.burnable) == (20, "C1", "my shrub", True, True)
    assert (m.load_1h_kg_m2, m.load_10h_kg_m2, m.load_100h_kg_m2) == (0.3, 0.1, 0.0)
    assert (m.load_live_herb_kg_m2, m.load_live_woody_kg_m2) == (0.0, 0.5)
    assert (m.sav_1h_per_m, m.sav_live_woody_per_m, m.depth_m) == (7000.0, 5000.0, 0.9)
    assert (m.extinction_moisture_dead, m.heat_content_dead_j_kg, m.heat_content_live_j_kg) == (0.2, 19e6, 20e6)
    assert m.sav_10h_per_m == pytest.approx(357.6115, rel=1e-6)
    assert m.sav_100h_per_m == pytest.approx(98.42520, rel=1e-6)
    assert from_custom(dataclasses.replace(cm, name="")).name == "C1"


# --- custom fuel CSV --------------------------------------------------------------------------------

GOOD_CSV = """# my custom fuels, SI units
code,number,name,load_1h_kg_m2,load_live_herb_kg_m2,sav_1h_per_m,depth_m,extinction_moisture_dead,dynamic
TALLGRASS,150,"tall grass, cured",0.25,0.4,6000,0.8,0.25,true
LITTER,151,,0.9,,,0.1,0.3,0
"""


def test_custom_csv_good(tmp_path) -> None:
    p = tmp_path / "fuels.csv"
    p.write_text(GOOD_CSV, encoding="utf-8")
    models = read_custom_fuel_csv(p, "fuel.custom_csv")
    assert [m.code for m in models] == ["TALLGRASS", "LITTER"]
    a, b = models
    assert (a.number, a.name, a.load_1h_kg_m2, a.load_live_herb_kg_m2, a.dynamic) == (150, "tall grass, cured",
                                                                                       0.25, 0.4, True)
    assert (a.sav_1h_per_m, a.depth_m, a.extinction_moisture_dead) == (6000.0, 0.8, 0.25)
    defaults = CustomFuelModel(code="x", number=14, load_1h_kg_m2=1.0)
    assert b.load_live_herb_kg_m2 == 0.0 and b.sav_1h_per_m == defaults.sav_1h_per_m and b.dynamic is False
    assert fuel_model("LITTER", custom=models).depth_m == 0.1


@pytest.mark.parametrize(
    ("text", "field", "expected_words"),
    [
        ("code,number,load_1h_kg_m2\nA,150,abc\n", "fuel.custom_csv[row 1].load_1h_kg_m2", "a number"),
        ("code,number,load_1h_kg_m2\nA,150,0.1\nB,15x,0.1\n", "fuel.custom_csv[row 2].number", "an integer"),
        ("code,number,load_1h_kg_m2\nA,150,0.1\nB,151,-1\n", "fuel.custom_csv[row 2].load_1h_kg_m2", ">= 0"),
        ("code,number,load_1h_kg_m2\nA,12,0.1\n", "fuel.custom_csv[row 1].number", ">= 14"),
        ("code,number,load_1h_kg_m2\nA,150,0\n", "fuel.custom_csv[row 1].load_1h_kg_m2", "positive fuel load"),
        ("code,number,load_1h_kg_m2,dynamic\nA,150,0.1,maybe\n", "fuel.custom_csv[row 1].dynamic", "true or false"),
        ("code,number,load_1h_kg_m2\nA,150\n", "fuel.custom_csv[row 1]", "3 cells"),
        ("code,number,load_1h_kg_m2\n,150,0.1\n", "fuel.custom_csv[row 1].code", "required"),
        ("code,number,bogus\nA,150,1\n", "fuel.custom_csv[header].bogus", "a column among"),
        ("code,load_1h_kg_m2\nA,0.1\n", "fuel.custom_csv[header]", "'number' column"),
        ("code,number,load_1h_kg_m2\n", "fuel.custom_csv", "at least one fuel model row"),
        ("# only a comment\n", "fuel.custom_csv", "header row"),
    ],
)
def test_custom_csv_bad_rows(tmp_path, text: str, field: str, expected_words: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        read_custom_fuel_csv(p, "fuel.custom_csv")
    assert err.value.field == field
    assert expected_words in err.value.expected


def test_custom_csv_missing_file(tmp_path) -> None:
    with pytest.raises(ScenarioError) as err:
        read_custom_fuel_csv(tmp_path / "nope.csv", "fuel.custom_csv")
    assert err.value.field == "fuel.custom_csv" and "readable" in err.value.expected


def test_custom_csv_through_scenario(tmp_path) -> None:
    from wildfire_gym.scenario import scenario_from_dict

    (tmp_path / "fuels.csv").write_text(GOOD_CSV, encoding="utf-8")
    sc = scenario_from_dict({"fuel": {"model": "TALLGRASS", "custom_csv": "fuels.csv"}}, base_dir=tmp_path)
    assert [c.code for c in sc.fuel.custom_models] == ["TALLGRASS", "LITTER"]
    (tmp_path / "bad.csv").write_text("code,number,load_1h_kg_m2\nA,150,0.1\nB,151,x\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"fuel": {"model": "A", "custom_csv": "bad.csv"}}, base_dir=tmp_path)
    assert err.value.field == "fuel.custom_csv[row 2].load_1h_kg_m2"
    # a custom number that a standard model already uses is refused by the scenario
    (tmp_path / "dup.csv").write_text("code,number,load_1h_kg_m2\nA,101,0.1\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        scenario_from_dict({"fuel": {"model": "A", "custom_csv": "dup.csv"}}, base_dir=tmp_path)
