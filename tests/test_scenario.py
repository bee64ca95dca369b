"""Scenario loading: good files load, every class of bad field names its path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wildfire_gym.errors import ScenarioError
from wildfire_gym.scenario import builtin_scenarios, load_scenario, scenario_from_dict

GOOD = {
    "name": "pine-ridge",
    "seed": 7,
    "duration_s": 7200,
    "terrain": {"size_m": [3000, 3000], "cell_m": 10, "kind": "fractal", "relief_m": 150},
    "fuel": {
        "model": "GR2",
        "moisture": {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6, "live_woody": 0.9, "foliar": 1.0},
    },
    "vegetation": {"trees_per_ha": 150, "species": {"pine": 0.7, "oak": 0.3}},
    "structures": {"houses": 12},
    "weather": {"wind_speed_mps": 5.0, "wind_height": "20ft", "wind_from_deg": 270, "schedule": []},
    "ignitions": [{"x_m": 1500, "y_m": 1500, "t_s": 0}],
    "interventions": [],
}


def _bad(path: str, value: object) -> dict:
    data = copy.deepcopy(GOOD)
    node = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = keys[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


def test_issue_example_loads_with_units_and_frames():
    sc = scenario_from_dict(GOOD)
    assert sc.terrain.shape == (300, 300)
    assert sc.fuel.moisture.live_woody == pytest.approx(0.9)
    assert sc.weather.wind_from_deg == 270
    assert sc.ignitions[0].x_m == 1500


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtin_scenarios_load(name):
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.source and sc.source.endswith(f"{name}.yaml")


def test_default_scenario_exists():
    assert "default" in builtin_scenarios()


def test_round_trip_through_plain_data_is_identity():
    sc = scenario_from_dict(GOOD)
    again = scenario_from_dict(yaml.safe_load(yaml.safe_dump(sc.to_dict())))
    assert again == sc


@pytest.mark.parametrize(
    ("path", "value", "field", "expected_words"),
    [
        ("terrain.size_m", [-3000, 3000], "terrain.size_m[0]", "> 0"),
        ("terrain.cell_m", 5000, "terrain.cell_m", "no larger than the extent"),
        ("terrain.cell_m", "ten", "terrain.cell_m", "a number"),
        ("terrain.kind", "volcano", "terrain.kind", "'plane', 'fractal', 'geotiff'"),
        ("terrain.size_m", [3000], "terrain.size_m", "2 values"),
        ("fuel.moisture.d1h", 3.5, "fuel.moisture.d1h", "<= 3.0"),
        ("fuel.moisture.live_herb", -0.1, "fuel.moisture.live_herb", ">= 0.0"),
        ("fuel.model", "GR99", "fuel.model", "FM1..FM13"),
        ("vegetation.species", {"baobab": 1.0}, "vegetation.species.baobab", "a species among"),
        ("vegetation.trees_per_ha", -1, "vegetation.trees_per_ha", ">= 0"),
        ("ignitions.0.x_m", 3500, "ignitions[0].x_m", "inside the terrain"),
        ("ignitions.0.y_m", -1, "ignitions[0].y_m", "inside the terrain"),
        ("ignitions", [{"y_m": 10}], "ignitions[0].x_m", "required"),
        ("weather.wind_height", "30ft", "weather.wind_height", "'20ft', '10m', 'midflame'"),
        ("weather.wind_speed_mps", True, "weather.wind_speed_mps", "a number"),
        ("weather.schedule", [{"t_s": 100}, {"t_s": 50}], "weather.schedule", "increasing t_s"),
        ("seed", 1.5, "seed", "an integer"),
        ("duration_s", 0, "duration_s", "> 0"),
        ("structures.houses", -2, "structures.houses", ">= 0"),
        ("interventions", [{"kind": "fireline", "points_m": [[0, 0]]}], "interventions[0].points_m", "at least 2"),
        ("interventions", [{"kind": "nuke"}], "interventions[0].kind", "'fireline'"),
        ("fuel.raster", "no/such/file.tif", "fuel.raster", "an existing file"),
    ],
)
def test_bad_fields_name_their_path(path, value, field, expected_words):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_bad(path, value), base_dir=".")
    err = info.value
    assert err.field == field, str(err)
    assert expected_words in err.expected, str(err)
    assert str(err).startswith(field)


@pytest.mark.parametrize(("where", "key"), [("", "colour"), ("terrain", "sise_m"), ("fuel.moisture", "d1000h")])
def test_unknown_keys_are_errors_listing_allowed_keys(where, key):
    data = copy.deepcopy(GOOD)
    node = data
    for k in filter(None, where.split(".")):
        node = node[k]
    node[key] = 1
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.field == (f"{where}.{key}" if where else key)
    assert "allowed keys" in info.value.expected


def test_missing_geotiff_path_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_bad("terrain", {"kind": "geotiff"}))
    assert info.value.field == "terrain.path"
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_bad("terrain", {"kind": "geotiff", "path": "dem.tif"}), base_dir=tmp_path)
    assert info.value.field == "terrain.path" and "existing file" in info.value.expected


def test_file_errors_name_the_file(tmp_path: Path):
    p = tmp_path / "broken.yaml"
    p.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert "valid YAML" in str(info.value) and str(p) in str(info.value)
    p.write_text("- just\n- a list\n")
    with pytest.raises(ScenarioError, match="a mapping"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="built-in name"):
        load_scenario(tmp_path / "absent.yaml")
    p.write_text(yaml.safe_dump(_bad("terrain.cell_m", -1)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert str(p) in str(info.value) and "terrain.cell_m" in str(info.value)


def test_relative_paths_resolve_against_the_scenario_file(tmp_path: Path):
    (tmp_path / "fuels.csv").write_text("x")
    data = copy.deepcopy(GOOD)
    data["fuel"]["custom_csv"] = "fuels.csv"
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:  # the file exists but is not a valid fuel CSV
        load_scenario(p)
    assert info.value.field.startswith("fuel.custom_csv")


# ---- fuzz: whatever the file says, loading either works or raises ScenarioError -------------

_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.sampled_from(["GR2", "FM1", "pine", "fractal", "20ft", "fireline", "NB9"]),
)
_value = st.recursive(_leaf, lambda c: st.one_of(st.lists(c, max_size=3),
                                                 st.dictionaries(st.text(max_size=6), c, max_size=3)),
                      max_leaves=8)
_paths = st.sampled_from([
    "name", "seed", "duration_s", "terrain", "terrain.size_m", "terrain.cell_m", "terrain.kind", "fuel",
    "fuel.model", "fuel.moisture", "fuel.moisture.d1h", "fuel.patches", "vegetation", "vegetation.species",
    "structures.houses", "weather", "weather.schedule", "ignitions", "ignitions.0", "ignitions.0.x_m",
    "interventions", "fuel.custom_models", "structures.positions_m",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(_paths, _value), min_size=1, max_size=4))
def test_fuzz_never_a_traceback(edits):
    data = copy.deepcopy(GOOD)
    for path, value in edits:
        try:
            data = _bad(path, value)
        except (KeyError, IndexError, TypeError):
            continue  # the edit's parent was replaced by an earlier edit
    try:
        scenario_from_dict(data)
    except ScenarioError as exc:
        assert exc.field and exc.expected


@settings(max_examples=100, deadline=None)
@given(doc=_value)
def test_fuzz_whole_document(doc):
    try:
        scenario_from_dict(doc)  # type: ignore[arg-type]
    except ScenarioError:
        pass


def test_ignition_on_the_far_edge_is_outside_the_grid():
    data = copy.deepcopy(GOOD)
    data["ignitions"] = [{"x_m": 3000, "y_m": 10}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.field == "ignitions[0].x_m" and "[0, 3000.0)" in info.value.expected
    # an extent that is not a whole number of cells is checked against the grid it rounds to
    data["terrain"] = {**GOOD["terrain"], "size_m": [1005, 1000]}
    data["ignitions"] = [{"x_m": 1004, "y_m": 10}]
    with pytest.raises(ScenarioError, match="ignitions\\[0\\].x_m"):
        scenario_from_dict(data)
