"""Issue 11: what-if variants branched from a running fire, and suppression responses at the
environments' production rates."""

from __future__ import annotations

import numpy as np
import pytest

from wildfire_gym.envs.suppression import M_PER_CHAIN, S_PER_HOUR
from wildfire_gym.errors import ScenarioError
from wildfire_gym.fire.state import BurnState
from wildfire_gym.whatif import run_members, run_whatif, whatif_from_dict
from wildfire_gym.whatif.ensemble import MemberJob
from wildfire_gym.whatif.schema import check_against_grid
from wildfire_gym.whatif.suppression import STEP_S

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

BRANCH_AT_S = 900.0


@pytest.fixture(scope="module")
def grass_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("wib") / "grass.yaml"
    p.write_text(GRASS)
    return p


def _wi(base, variants, **kw):
    data = {"name": "t", "base": str(base), "ignitions": {"points": [{"x_m": 30, "y_m": 100}]},
            "ensemble": {"members": 4, "seed": 3, "wind_from_sd_deg": 20, "wind_speed_sd_mps": 1.0, "moisture_sd": 0.1},
            "variants": variants}
    data.update(kw)
    return whatif_from_dict(data)


def _final(jobs):
    out = {}
    run_members(jobs, lambda i, land, snap: out.__setitem__(i, snap), arch="cpu", batch=4)
    return [out[i] for i in range(len(jobs))]


# ------------------------------------------------------------------------------ branching
@pytest.fixture(scope="module")
def branched(grass_file):
    wi = _wi(grass_file, [
        {"name": "none"},
        {"name": "shift", "branch": {"at_s": BRANCH_AT_S},
         "weather": {"wind_from_deg": 200, "moisture": {"d1h": 0.09}, "shifts": [{"t_s": 1500, "wind_from_deg": 300}]}},
        {"name": "break", "branch": {"at_s": BRANCH_AT_S, "from_variant": "none"},
         "fuel_breaks": [{"points_m": [[300, 0], [300, 200]], "width_m": 20}],
         "interventions": [{"kind": "fireline", "t_s": 1200, "points_m": [[200, 0], [200, 60]], "width_m": 1}]},
    ])
    return wi, run_whatif(wi, arch="cpu", batch=4)


def test_branched_members_equal_their_runs_from_ignition(branched):
    """Each member of a branched variant (the trunk's state loaded at ``at_s``, then its own weather,
    moisture, fuel break and fireline) equals the same member burned from ignition with the trunk's
    inputs before ``at_s`` and its own after, compared bytewise: the engine is deterministic and the
    loaded state carries every engine and coupler array, so any difference is a bug (a lost field, a
    refresh at another time), not float noise."""
    _, res = branched
    for name in ("shift", "break"):
        jobs = res.by_name(name).extra["jobs"]
        assert all(j.state is not None for j in jobs)
        loaded = _final(jobs)
        fresh = _final([MemberJob(j.landscape, j.run) for j in jobs])
        for a, b in zip(loaded, fresh, strict=True):
            for f in ("arrival_time_s", "burn_state", "flame_length_m", "fireline_intensity_kw_m", "ros_m_per_s"):
                assert getattr(a, f).tobytes() == getattr(b, f).tobytes(), (name, f)
            assert a.fuel_code.tobytes() == b.fuel_code.tobytes()


def test_branch_shares_the_past_and_varies_the_future(branched):
    _, res = branched
    jobs = res.by_name("shift").extra["jobs"]
    snaps = _final(jobs)
    early = [np.where(s.arrival_time_s < BRANCH_AT_S, s.arrival_time_s, np.inf) for s in snaps]
    assert np.isfinite(early[0]).sum() > 10
    for e in early[1:]:
        assert e.tobytes() == early[0].tobytes()  # one trunk: the same fire before the branch
    late = [s.arrival_time_s[np.isfinite(s.arrival_time_s)].tobytes() for s in snaps]
    assert len(set(late)) == len(snaps)  # each member's own weather after it
    # the un-perturbed trunk ignites where the file says, not jittered: the branch's runs start there
    assert all((j.run.ignitions[0].x_m, j.run.ignitions[0].y_m) == (30.0, 100.0) for j in jobs)
    # the fuel break laid at the branch stops the fire that the unbranched variant lets through
    east = (slice(None), slice(32, None))
    assert res.by_name("none").acc.burn_count[east].sum() > 0
    assert res.by_name("break").acc.burn_count[east].sum() == 0


@pytest.mark.parametrize("variant, field", [
    ({"name": "b", "branch": {"at_s": 2700}}, "variants[1].branch.at_s"),
    ({"name": "b", "branch": {"at_s": 0}}, "variants[1].branch.at_s"),
    ({"name": "b", "branch": {"at_s": 600}, "interventions": [{"kind": "fireline", "t_s": 300,
                                                               "points_m": [[1, 1], [5, 5]]}]},
     "variants[1].interventions[0].t_s"),
    ({"name": "b", "interventions": [{"kind": "fireline", "points_m": [[1, 1], [900, 5]]}]},
     "variants[1].interventions[0].points_m[1][0]"),
])
def test_branch_times_checked_against_the_grid(grass_file, variant, field):
    wi = _wi(grass_file, [{"name": "a"}, variant])
    with pytest.raises(ScenarioError) as exc:
        check_against_grid(wi, (500.0, 200.0), 2700.0)
    assert exc.value.field == field and str(exc.value).startswith(f"{field}: expected "), str(exc.value)


@pytest.mark.parametrize("variant, field", [
    ({"name": "b", "branch": {"at_s": "soon"}}, "variants[1].branch.at_s"),
    ({"name": "b", "branch": {"at_s": 600, "from_variant": "nope"}}, "variants[1].branch.from_variant"),
    ({"name": "b", "branch": {"at_s": 600, "from_variant": "b"}}, "variants[1].branch.from_variant"),
    ({"name": "b", "branch": {"at_s": 600}, "thinning": {"percent": 20}}, "variants[1].thinning"),
    ({"name": "b", "branch": {"at_s": 600}, "ignitions": {"points": [{"x_m": 5, "y_m": 5}]}}, "variants[1].ignitions"),
    ({"name": "b", "branch": {"at_s": 600}, "weather": {"moisture": {"live_herb": 0.5}}},
     "variants[1].weather.moisture.live_herb"),
    ({"name": "b", "branch": {"at_s": 600, "when": 3}}, "variants[1].branch.when"),
    ({"name": "b", "suppression": {"resources": [{"kind": "smokejumper"}]}}, "variants[1].suppression.resources[0].kind"),
    ({"name": "b", "suppression": {"resources": [{"kind": "dozer", "count": 0}]}},
     "variants[1].suppression.resources[0].count"),
    ({"name": "b", "suppression": {"resources": [{"kind": "seat", "arrival_s": -5}]}},
     "variants[1].suppression.resources[0].arrival_s"),
    ({"name": "b", "suppression": {"resources": []}}, "variants[1].suppression.resources"),
    ({"name": "b", "suppression": {"resources": [{"kind": "type1_crew"}], "standoff_m": "far"}},
     "variants[1].suppression.standoff_m"),
])
def test_bad_branch_and_suppression_fields_are_named(grass_file, variant, field):
    with pytest.raises(ScenarioError) as exc:
        _wi(grass_file, [{"name": "a"}, variant])
    assert exc.value.field == field, str(exc.value)
    assert str(exc.value).startswith(f"{field}: expected ")


def test_branch_from_a_branched_variant_is_refused(grass_file):
    with pytest.raises(ScenarioError) as exc:
        _wi(grass_file, [{"name": "a", "branch": {"at_s": 300}}, {"name": "b", "branch": {"at_s": 600,
                                                                                          "from_variant": "a"}}])
    assert exc.value.field == "variants[1].branch.from_variant" and "not itself branched" in str(exc.value)


# ---------------------------------------------------------------------------- suppression
CREWS = {"resources": [{"kind": "type1_crew", "count": 2, "arrival_s": 300}, {"kind": "seat", "arrival_s": 600}]}


def test_a_response_that_arrives_reduces_the_burned_area(grass_file):
    wi = _wi(grass_file, [{"name": "none"}, {"name": "crews", "suppression": CREWS}])
    res = run_whatif(wi, arch="cpu", batch=4)
    none, crews = res.by_name("none").acc, res.by_name("crews").acc
    a0, a1 = none.members["burned_area_ha"], crews.members["burned_area_ha"]
    assert a1.mean() < 0.8 * a0.mean()
    assert (a1 <= a0).all()  # the same seeds: the fires are paired member by member
    assert (crews.members["line_built_m"] > 0).all() and (none.members["line_built_m"] == 0).all()
    assert (crews.members["dropped_kl"] > 0).all()
    assert (crews.burn_count <= none.burn_count).all() and (crews.burn_count < none.burn_count).any()


def test_a_response_after_the_fire_is_out_changes_nothing(tmp_path):
    """A grass fire on a small grid reaches its edges and burns out early; crews and a tanker that
    arrive afterwards must leave every product bitwise as without them (the members still go in
    steps from the arrival: stepping must not change the fire)."""
    base = tmp_path / "patch.yaml"
    base.write_text(GRASS.replace("duration_s: 2700", "duration_s: 7200").replace("size_m: [500, 200]", "size_m: [200, 200]")
                    .replace("[[420, 100], [420, 40]]", "[[150, 100]]"))
    late = {"resources": [{"kind": "type2_crew", "count": 2, "arrival_s": 6000}, {"kind": "large_airtanker",
                                                                                  "arrival_s": 6100}]}
    wi = _wi(base, [{"name": "none"}, {"name": "late", "suppression": late}])
    finals = {}
    res = run_whatif(wi, arch="cpu", batch=4,
                     on_member=lambda r, k, land, snap: finals.__setitem__((r.variant.name, k), snap))
    for k in range(4):
        s = finals[("none", k)]
        assert not (s.burn_state == BurnState.BURNING).any()
        assert np.nanmax(np.where(np.isfinite(s.arrival_time_s), s.arrival_time_s, np.nan)) < 6000 - 2 * STEP_S
    a, b = res.by_name("none").acc, res.by_name("late").acc
    for name in ("burn_count", "flame_sum", "arrival_sum", "flp_count", "house_arrival_s", "house_p_ignition"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    for c, v in a.members.items():
        assert v.tobytes() == b.members[c].tobytes(), c


def test_line_built_per_hour_matches_the_table(tmp_path):
    """A crew cutting for one hour in FM1 builds its pocket-guide rate (type 1: 30 chains/h, 603.5 m;
    type 2: 18 chains/h); the unit moves in half-cell pieces, so within a cell of the rate."""
    base = tmp_path / "fm1.yaml"
    base.write_text("""\
seed: 1
duration_s: 4000
terrain: {size_m: [1000, 300], cell_m: 10, kind: plane}
fuel: {model: FM1, moisture: {d1h: 0.09}}
vegetation: {trees_per_ha: 0}
structures: {houses: 0}
weather: {wind_speed_mps: 1.0, wind_from_deg: 270}
""")
    arrive = 300.0
    duration = arrive + S_PER_HOUR + STEP_S  # the last step's work is not counted: the run ends with it
    wi = whatif_from_dict({"name": "rate", "base": str(base), "duration_s": duration, "ensemble": {"members": 1},
                           "ignitions": {"points": [{"x_m": 250, "y_m": 150}]},
                           "variants": [{"name": kind, "suppression": {"resources": [
                               {"kind": kind, "arrival_s": arrive}]}} for kind in ("type1_crew", "type2_crew")]})
    res = run_whatif(wi, arch="cpu")
    for kind, chains in (("type1_crew", 30.0), ("type2_crew", 18.0)):
        built = float(res.by_name(kind).acc.members["line_built_m"][0])
        assert built == pytest.approx(chains * M_PER_CHAIN, abs=10.0), kind
    assert 30 * M_PER_CHAIN == pytest.approx(603.5, abs=0.1)

