"""What-if studies: schema errors, variant worlds, ensembles, risk products, houses."""

from __future__ import annotations

import dataclasses
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.houses import (
    EXPOSURE_RADIUS_M,
    FLAME_TEMPERATURE_K,
    PILOTED_IGNITION_FLUX_KW_M2,
    anderson_residence_time_s,
    blackbody_emissive_power_kw_m2,
    ember_ignition_probability,
    flame_panel_view_factor,
    house_exposure,
    radiant_flux_kw_m2,
    time_to_piloted_ignition_s,
)
from wildfire_gym.scenario import scenario_from_dict
from wildfire_gym.whatif import load_whatif, run_members, run_whatif, whatif_from_dict
from wildfire_gym.whatif.metrics import FLP_EDGES_M, flame_length_class
from wildfire_gym.whatif.schema import DefensibleSpace, Ensemble, Thinning, Variant
from wildfire_gym.whatif.variants import (
    HIZ_ZONE0_M,
    HIZ_ZONE1_M,
    apply_defensible_space,
    apply_thinning,
    footprint_distance_grid,
    member_runs,
    member_scenario,
    tree_footprint_distance,
)
from wildfire_gym.world import build_world
from wildfire_gym.world.landscape import Structures

GRASS = """\
name: wi-grass
seed: 2
duration_s: 2700
terrain: {size_m: [500, 200], cell_m: 10, kind: plane}
fuel: {model: GR2}
vegetation: {trees_per_ha: 0}
structures: {positions_m: [[420, 100], [420, 40]], footprint_m: [14, 10], min_spacing_m: 0}
weather: {wind_speed_mps: 6, wind_from_deg: 270}
"""

SPOT = """\
name: wi-spot
seed: 3
duration_s: 1800
terrain: {size_m: [800, 300], cell_m: 10, kind: plane}
fuel: {model: SH5, moisture: {d1h: 0.04, d10h: 0.05, d100h: 0.06, live_herb: 0.5, live_woody: 0.7, foliar: 0.9}}
vegetation: {trees_per_ha: 150, species: {pine: 1.0}, clustering: 0.0}
structures: {houses: 0}
weather: {wind_speed_mps: 10, wind_from_deg: 270}
"""


@pytest.fixture(scope="module")
def grass_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("wi") / "grass.yaml"
    p.write_text(GRASS)
    return p


@pytest.fixture(scope="module")
def spot_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("wi") / "spot.yaml"
    p.write_text(SPOT)
    return p


def _wi(base_file: Path, **kw) -> dict:
    data = {"name": "t", "base": str(base_file), "ignitions": {"points": [{"x_m": 30, "y_m": 100}]}}
    data.update(kw)
    return data


# --------------------------------------------------------------------------- schema
@pytest.mark.parametrize("change, field", [
    ({"variants": [{"name": "a", "thinning": {"percent": 140}}]}, "variants[0].thinning.percent"),
    ({"variants": [{"name": "a"}, {"name": "b", "thinning": {"percent": 10, "trees_per_ha": 50}}]},
     "variants[1].thinning.percent"),
    ({"variants": [{"name": "a"}, {"name": "a"}]}, "variants[1].name"),
    ({"variants": [{"name": "a", "colour": 3}]}, "variants[0].colour"),
    ({"variants": []}, "variants"),
    ({"ensemble": {"members": 0}, "variants": [{"name": "a"}]}, "ensemble.members"),
    ({"variants": [{"name": "a", "fuel_breaks": [{"points_m": [[1, 1]]}]}]}, "variants[0].fuel_breaks[0].points_m"),
    ({"variants": [{"name": "a", "ignitions": {"random": {"per_km2": 1, "count": 2}}}]},
     "variants[0].ignitions.random.per_km2"),
    ({"variants": [{"name": "a", "weather": {"wind_speed_mps": "fast"}}]}, "variants[0].weather.wind_speed_mps"),
    ({"variants": [{"name": "a", "defensible_space": {"zone2_thin_percent": -5}}]},
     "variants[0].defensible_space.zone2_thin_percent"),
    ({"base": "no-such-scenario", "variants": [{"name": "a"}]}, "base"),
    ({"place": "x.yaml", "variants": [{"name": "a"}]}, "base"),
])
def test_bad_whatif_names_the_field(grass_file, change, field):
    with pytest.raises(ScenarioError) as exc:
        whatif_from_dict(_wi(grass_file, **change))
    assert exc.value.field == field, str(exc.value)
    assert str(exc.value).startswith(f"{field}: expected ")


@pytest.mark.parametrize("variant, field", [
    ({"name": "a", "fuel_breaks": [{"points_m": [[100, 0], [900, 100]]}]}, "variants[0].fuel_breaks[0].points_m[1][0]"),
    ({"name": "a", "fuel_breaks": [{"points_m": [[100, 0], [100, 200]], "fuel_model": "XX9"}]},
     "variants[0].fuel_breaks[0].fuel_model"),
    ({"name": "a", "ignitions": {"points": [{"x_m": 30, "y_m": 250}]}}, "variants[0].ignitions.points[0].y_m"),
    ({"name": "a", "weather": {"shifts": [{"t_s": 9000, "wind_from_deg": 180}]}}, "variants[0].weather.shifts[0].t_s"),
    ({"name": "a", "fuel_breaks": [{"points_m": [[100, 0], [100, 200]], "width_m": 100}],
      "ignitions": {"areas": [{"area_m": [[60, 10], [140, 10], [140, 190], [60, 190]]}]}},
     "variants[0].ignitions.areas[0].area_m"),
])
def test_whatif_checked_against_the_grid(grass_file, variant, field, tmp_path):
    p = tmp_path / "bad.yaml"
    import yaml

    p.write_text(yaml.safe_dump(_wi(grass_file, variants=[variant])))
    wi = load_whatif(p)
    with pytest.raises(ScenarioError) as exc:
        run_whatif(wi, arch="cpu")
    assert exc.value.field == field
    assert str(exc.value).startswith(f"{p}: {field}: expected ")


def test_bad_yaml_names_the_file(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError) as exc:
        load_whatif(p)
    assert exc.value.field == "<file>" and "line" in str(exc.value)


def test_shipped_whatif_files_validate():
    from wildfire_gym._assets import assets_dir

    files = sorted((assets_dir() / "whatif").glob("*.yaml"))
    assert len(files) >= 2
    for f in files:
        wi = load_whatif(f)
        assert wi.variants


# ---------------------------------------------------------------------- variant worlds
@pytest.fixture(scope="module")
def forest():
    sc = scenario_from_dict({"seed": 5, "terrain": {"size_m": [400, 400], "cell_m": 10, "kind": "plane"},
                             "fuel": {"model": "TU5"}, "vegetation": {"trees_per_ha": 300},
                             "structures": {"positions_m": [[200, 200]], "min_spacing_m": 0}})
    return build_world(sc)


def test_thinning_amounts(forest):
    n = len(forest.trees)
    by_pct = apply_thinning(forest, Thinning(percent=40))
    assert len(by_pct.trees) == n - round(0.4 * n)
    # From below: every tree removed is no taller than every tree kept.
    removed_max = np.sort(forest.trees.height_m)[round(0.4 * n) - 1]
    assert by_pct.trees.height_m.min() >= removed_max
    area_ha = 400 * 400 / 1e4
    to_density = apply_thinning(forest, Thinning(trees_per_ha=100))
    assert len(to_density.trees) == pytest.approx(100 * area_ha, abs=0.5)
    to_cbh = apply_thinning(forest, Thinning(crown_base_m=4.0))
    assert to_cbh.trees.crown_base_m.min() >= 4.0
    assert len(to_cbh.trees) == int((forest.trees.crown_base_m >= 4.0).sum())
    assert to_cbh.canopy.bulk_density_kg_m3.sum() < forest.canopy.bulk_density_kg_m3.sum()


def test_defensible_space_zones(forest):
    land = apply_defensible_space(forest, DefensibleSpace(zone1_fuel_model="GR1", zone2_thin_percent=100))
    d = footprint_distance_grid(forest, 30.0)
    assert (land.fuel_code[d <= HIZ_ZONE0_M] == 99).all()
    z1 = (d > HIZ_ZONE0_M) & (d <= HIZ_ZONE1_M)
    assert z1.any() and (land.fuel_code[z1] == 101).all()
    assert (land.fuel_code[np.isinf(d)] == forest.fuel_code[np.isinf(d)]).all()
    dt = tree_footprint_distance(land, 30.0)
    assert np.isinf(dt).all()  # zones 0-2 emptied (zone 2 thinned 100 %)
    outside = np.isinf(tree_footprint_distance(forest, 30.0))
    assert len(land.trees) == int(outside.sum())


def test_member_runs_are_seeded_and_paired(grass_file):
    from wildfire_gym.scenario import load_scenario

    sc = load_scenario(grass_file)
    land = build_world(sc)
    ig = whatif_from_dict(_wi(grass_file, variants=[{"name": "a"}])).ignitions
    ens = Ensemble(members=5, seed=9, ignition_sd_m=20, wind_speed_sd_mps=1, wind_from_sd_deg=10, moisture_sd=0.1)
    a = member_runs(sc, land, None, ig, ens)
    b = member_runs(sc, land, None, ig, ens, members=[3, 1])
    assert a[3] == b[0] and a[1] == b[1]
    assert len({r.wind_from_deg for r in a}) == 5
    fixed = member_runs(sc, land, None, ig, dataclasses.replace(ens, ignition_sd_m=0, wind_speed_sd_mps=0,
                                                                  wind_from_sd_deg=0, moisture_sd=0))
    for r in fixed:
        assert (r.wind_speed_mps, r.wind_from_deg, r.moisture) == (6.0, 270.0, sc.fuel.moisture)
        assert (r.ignitions[0].x_m, r.ignitions[0].y_m) == (30.0, 100.0)
    speeds = np.array([r.wind_speed_mps for r in member_runs(sc, land, None, ig, dataclasses.replace(ens, members=400))])
    assert speeds.mean() == pytest.approx(6.0, abs=0.2) and speeds.std() == pytest.approx(1.0, rel=0.15)


# -------------------------------------------------------------------------- ensembles
@pytest.fixture(scope="module")
def grass_study(grass_file):
    wi = whatif_from_dict(_wi(grass_file, ensemble={"members": 6, "seed": 4, "ignition_sd_m": 15,
                                                     "wind_from_sd_deg": 15, "wind_speed_sd_mps": 1.0},
                              variants=[{"name": "baseline"},
                                        {"name": "cleared", "fuel_breaks": [{"points_m": [[230, 0], [230, 200]],
                                                                             "width_m": 200}]},
                                        {"name": "defensible space", "defensible_space": {}}]))
    return wi, run_whatif(wi, arch="cpu", batch=4)


def test_removing_fuel_saves_the_houses(grass_study):
    _, res = grass_study
    base, cleared = res.by_name("baseline"), res.by_name("cleared")
    hb, hc = base.acc.house_table(), cleared.acc.house_table()
    assert (hb["p_ignition"] >= 0.5).all() and (hb["p_reached"] >= 0.5).all()
    assert (hc["p_ignition"] == 0.0).all() and (hc["p_exposure"] == 0.0).all()
    assert np.isinf(hc["earliest_arrival_s"]).all()
    assert np.isfinite(hb["earliest_arrival_s"]).all()
    assert (hb["earliest_arrival_s"] <= hb["median_arrival_s"]).all()
    s = cleared.acc.summary()
    assert s["houses_ignited_mean"] == 0.0 and base.acc.summary()["houses_ignited_mean"] >= 1.0


def test_defensible_space_keeps_a_grass_fire_off_the_walls(grass_study):
    _, res = grass_study
    base, ds = res.by_name("baseline"), res.by_name("defensible space")
    hb, hd = base.acc.house_table(), ds.acc.house_table()
    assert (hd["p_reached"] == hb["p_reached"]).all() and (hb["p_reached"] > 0).all()  # the fire still comes
    assert (hd["p_ignition"] == 0.0).all()  # no tree, no embers; short flames beyond 1.5 m of bare ground
    assert ds.landscape is not res.base and base.landscape is res.base


def test_ensemble_equals_its_members_one_by_one(grass_study):
    wi, res = grass_study
    again = run_whatif(wi, arch="cpu", batch=1)  # every member its own engine
    for r1, r2 in zip(res.variants, again.variants):
        np.testing.assert_array_equal(r1.acc.burn_count, r2.acc.burn_count)
        np.testing.assert_array_equal(r1.acc.flp_count, r2.acc.flp_count)
        np.testing.assert_allclose(r1.acc.flame_sum, r2.acc.flame_sum, rtol=1e-12)
        for c, v in r1.acc.members.items():
            np.testing.assert_array_equal(v, r2.acc.members[c], err_msg=c)
        np.testing.assert_array_equal(r1.acc.house_arrival_s, r2.acc.house_arrival_s)


def test_burn_probability_is_the_member_mean(grass_study):
    _, res = grass_study
    r = res.by_name("baseline")
    sc0 = res.base.scenario
    masks = {}

    def keep(i, land, snap):
        masks[i] = np.isfinite(snap.arrival_time_s)

    run_members([(r.landscape, member_scenario(sc0, run)) for run in r.runs], keep, arch="cpu", batch=3)
    bp = r.acc.burn_probability()
    assert bp.min() >= 0.0 and bp.max() <= 1.0
    assert 0.0 < bp.mean() < 1.0
    np.testing.assert_allclose(bp, np.mean([masks[i] for i in range(len(r.runs))], axis=0), atol=1e-12)
    assert len(np.unique(bp)) > 2  # the perturbations matter


def test_flame_length_probabilities_sum_to_one_where_burned(grass_study):
    _, res = grass_study
    acc = res.by_name("baseline").acc
    flp = acc.flame_length_probabilities()
    burned = acc.burn_count > 0
    np.testing.assert_allclose(flp[:, burned].sum(axis=0), 1.0, atol=1e-12)
    assert np.isnan(flp[:, ~burned]).all()
    cfl = acc.conditional_flame_length_m()
    assert np.isnan(cfl[~burned]).all() and (cfl[burned] > 0).all()
    ma = acc.mean_arrival_s()
    assert (ma[burned] >= 0).all() and (ma[burned] <= 2700).all()


def test_flame_length_classes_in_feet():
    ft = 0.3048
    lengths = np.array([0.0, 1.99, 2.0, 3.9, 4.0, 7.9, 8.0, 11.99, 12.0, 40.0]) * ft
    np.testing.assert_array_equal(flame_length_class(lengths), [0, 0, 1, 1, 2, 3, 4, 4, 5, 5])
    assert FLP_EDGES_M[-1] == pytest.approx(3.6576, abs=1e-9)


def test_fuel_break_and_spotting(spot_file):
    brk = [{"points_m": [[300, 0], [300, 300]], "width_m": 30}]
    common = {"ignitions": {"points": [{"x_m": 50, "y_m": 150}]}, "ensemble": {"members": 4, "wind_from_sd_deg": 5},
              "variants": [{"name": "break", "fuel_breaks": brk}]}
    off = run_whatif(whatif_from_dict({"base": str(spot_file), "spotting": False, **common}), arch="cpu")
    acc = off.variants[0].acc
    assert np.nanmax(acc.conditional_flame_length_m()) < 30.0  # the break is wider than the flame
    assert acc.burn_count[:, :29].sum() > 0
    assert acc.burn_count[:, 32:].sum() == 0  # stopped: nothing east of the break burned
    wi_on = whatif_from_dict({"base": str(spot_file), "spotting": True, **common})
    seen = []
    on = run_whatif(wi_on, arch="cpu", batch=3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 4), (4, 4)]
    crossed = on.variants[0].acc.burn_count[:, 32:].max()
    assert crossed >= 1  # firebrands carry the fire over a break narrower than their distance
    # Embers are seeded per member: the batched ensemble equals its members burned one by one.
    alone = run_whatif(wi_on, arch="cpu", batch=1)
    np.testing.assert_array_equal(on.variants[0].acc.burn_count, alone.variants[0].acc.burn_count)
    np.testing.assert_array_equal(on.variants[0].acc.members["trees_burnt"], alone.variants[0].acc.members["trees_burnt"])


# ----------------------------------------------------------------------------- houses
def test_radiant_panel_reference_values():
    e = blackbody_emissive_power_kw_m2(FLAME_TEMPERATURE_K)
    assert e == pytest.approx(5.670374419e-11 * 1200.0**4, rel=1e-12)
    assert flame_panel_view_factor(0.0, 5.0) == pytest.approx(0.5, rel=1e-12)
    assert flame_panel_view_factor(1000.0, 2.0) == pytest.approx(2.0 / 2000.0, rel=1e-5)
    assert radiant_flux_kw_m2(10.0, 10.0) == pytest.approx(e / (2 * math.sqrt(2)), rel=1e-12)
    assert radiant_flux_kw_m2(10.0, 0.0) == 0.0
    assert ember_ignition_probability(np.array([0, 1, 10]), 0.1) == pytest.approx([0.0, 0.1, 1 - 0.9**10], rel=1e-12)


def test_time_to_ignition_and_residence():
    # (pi/4) k rho c ((623 - 293) / q)^2 with k rho c = 0.25: 8.55 s at 50 kW/m^2, never at 12 kW/m^2.
    assert time_to_piloted_ignition_s(50.0) == pytest.approx(math.pi / 4 * 0.25 * (330 / 50) ** 2, rel=1e-12)
    assert np.isinf(time_to_piloted_ignition_s(12.0))
    assert time_to_piloted_ignition_s(100.0) == pytest.approx(time_to_piloted_ignition_s(50.0) / 4, rel=1e-12)
    # Anderson (1969): 384 / sigma min; FM1's 3500 1/ft gives 6.58 s.
    assert anderson_residence_time_s(3500 / 0.3048) == pytest.approx(384 / 3500 * 60, rel=1e-9)


def test_short_flames_do_not_ignite_by_radiation():
    arr = np.full((21, 21), np.inf, np.float32)
    fl = np.zeros((21, 21), np.float32)
    arr[:, 12] = 100.0
    fl[:, 12] = 9.0  # 10 m away: about 39 kW/m^2, ignition after ~13 s
    hx_long = house_exposure(_one_house(), 10.0, arr, fl, residence_s=np.full((21, 21), 60.0))
    hx_short = house_exposure(_one_house(), 10.0, arr, fl, residence_s=np.full((21, 21), 5.0))
    assert hx_long.p_ignition[0] == 1.0 and hx_short.p_ignition[0] == 0.0
    assert hx_long.max_flux_kw_m2[0] == pytest.approx(hx_short.max_flux_kw_m2[0], rel=1e-12)
    # A fuel-free clearance keeps a flame from touching the wall.
    fl[:, 12] = 0.0
    fl[:, 11] = 2.0
    arr[:, 11] = 50.0
    assert house_exposure(_one_house(), 10.0, arr, fl).flame_contact[0]
    assert not house_exposure(_one_house(), 10.0, arr, fl, clearance_m=2.5).flame_contact[0]


def _one_house(x=105.0, y=105.0):
    f = np.float32
    return Structures(np.array([0], np.int32), np.array([x], f), np.array([y], f), np.zeros(1, f),
                      np.array([10], f), np.array([10], f), np.array([5], f), np.zeros(1, f))


@pytest.mark.parametrize("burn_col, flame, contact, p", [
    (10, 1.0, True, 1.0),     # the house's own cell burns: flame contact
    (12, 9.0, False, 1.0),    # 10 m away, a 9 m flame: no contact, radiant flux above the piloted-ignition flux
    (12, 10.0, True, 1.0),    # 10 m away, a 10 m flame reaches the wall
    (12, 0.5, False, 0.0),    # 10 m away, a 0.5 m flame: exposed, not ignited
    (17, 30.0, False, 0.0),   # beyond the 40 m exposure radius
])
def test_house_exposure_modes(burn_col, flame, contact, p):
    arr = np.full((21, 21), np.inf, np.float32)
    fl = np.zeros((21, 21), np.float32)
    arr[:, burn_col] = 100.0
    fl[:, burn_col] = flame
    hx = house_exposure(_one_house(), 10.0, arr, fl)
    assert bool(hx.flame_contact[0]) is contact
    assert hx.p_ignition[0] == p
    d_edge = max((burn_col + 0.5) * 10 - 110.0 - 5.0, 0.0)
    assert hx.exposed[0] == (d_edge <= EXPOSURE_RADIUS_M)
    if 0 < d_edge <= EXPOSURE_RADIUS_M:
        assert hx.max_flux_kw_m2[0] == pytest.approx(float(radiant_flux_kw_m2(d_edge, flame)), rel=1e-9)
        assert (hx.max_flux_kw_m2[0] >= PILOTED_IGNITION_FLUX_KW_M2) == (p == 1.0)


def test_embers_from_torching_trees():
    arr = np.full((21, 21), np.inf, np.float32)
    fl = np.zeros((21, 21), np.float32)
    x = np.array([105.0, 150.0, 190.0, 500.0], np.float32)
    y = np.full(4, 105.0, np.float32)
    state = np.array([2, 3, 1, 4], np.uint8)  # torching, crowning, scorched, burnt far away
    hx = house_exposure(_one_house(), 10.0, arr, fl, x, y, state)
    assert hx.n_torching[0] == 2
    assert hx.p_ignition[0] == pytest.approx(1 - 0.99**2, rel=1e-12)
    hz = house_exposure(_one_house(), 10.0, arr, fl, x, y, state, zone0_noncombustible=True)
    assert hz.p_ignition[0] == pytest.approx(0.3 * (1 - 0.99**2), rel=1e-12)


def test_variant_defaults_from_file(grass_file):
    wi = whatif_from_dict(_wi(grass_file, ensemble={"members": 3},
                              variants=[{"name": "a"}, {"name": "b", "ensemble": {"members": 2}}]))
    assert wi.variant_ensemble(wi.variants[0]).members == 3
    assert wi.variant_ensemble(wi.variants[1]).members == 2
    assert isinstance(wi.variants[0], Variant)
    assert wi.variants[0].world_key() == wi.variants[1].world_key()


def test_readme_style_yaml(tmp_path, grass_file):
    p = tmp_path / "w.yaml"
    p.write_text(textwrap.dedent(f"""\
        name: demo
        base: {grass_file}
        ignitions: {{points: [{{x_m: 30, y_m: 100}}]}}
        variants:
          - name: thinned
            thinning: {{percent: 30, from_below: true}}
            ladder_fuels: {{remove_below_m: 4, prune_to_m: 3}}
          - name: rx
            prescribed_burns: [{{area_m: [[100, 0], [200, 0], [200, 200], [100, 200]]}}]
            defensible_space: {{}}
            weather: {{wind_speed_mps: 3, moisture: {{d1h: 0.08}}, shifts: [{{t_s: 600, wind_from_deg: 180}}]}}
        """))
    wi = load_whatif(p)
    assert wi.variants[1].weather.moisture.d1h == 0.08 and wi.variants[1].weather.moisture.d10h is None
    assert wi.variants[0].thinning.percent == 30


def test_hostile_whatif_files_get_named_errors_not_exhaustion(tmp_path) -> None:
    """What-if files go through the same safe loader as scenarios: a billion-laughs file and a
    deeply nested one are refused with one line naming the file."""
    from wildfire_gym.errors import ScenarioError
    from wildfire_gym.whatif.schema import load_whatif

    laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        laughs.append(f"{chr(97 + k)}: &{chr(97 + k)} [" + ", ".join([f"*{chr(96 + k)}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(laughs) + "\nname: x\n")
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: " + "[" * 900 + "]" * 900 + "\n")
    for path in (bomb, deep):
        with pytest.raises(ScenarioError) as exc:
            load_whatif(path)
        msg = str(exc.value)
        assert "\n" not in msg and len(msg) < 400
