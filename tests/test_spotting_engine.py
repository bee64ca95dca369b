"""Spotting in the engine follows fire/spotting.py, and what it adds to a sparse stand is plausible.

The engine's embers are drawn by :func:`wildfire_gym.fire.spotting.spot_landing_offsets`'s model
(lognormal distance whose 99th percentile is Albini's maximum, clipped there; uniform lateral
spread about downwind). A statistical test compares the cells the engine's embers reach with the
cell-hit probabilities that model predicts (Monte Carlo with numpy's generator, not the kernel's).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from wildfire_gym.fire.engine import FireSim
from wildfire_gym.fire.simulation import FireSimulation
from wildfire_gym.fire.spotting import (
    spot_distance_lognormal_params,
    spot_landing_offsets,
    uniform_draws,
)
from wildfire_gym.fire.state import TreeState
from wildfire_gym.scenario import scenario_from_dict
from wildfire_gym.world import build_world

N, CELL = 200, 2.0
TREE = (101.0, 101.0)
DMAX, SPREAD, EMBERS = 150.0, 10.0, 2000
WIND_FROM = 225.0  # embers fly towards 45 degrees


def test_engine_embers_follow_the_spotting_model() -> None:
    mu, sigma = (float(v) for v in spot_distance_lognormal_params(DMAX))
    mean = math.exp(mu + 0.5 * sigma**2)
    sd = mean * math.sqrt(math.expm1(sigma**2))
    sim = FireSim((N, N), CELL, batch=1, n_trees=1)
    sim.set_spread_params(0.01, 0.0, 1.0, 1.0e5, 30.0)  # 1000 kW/m: the tree torches
    sim.set_trees(0, [TREE[0]], [TREE[1]], [2.0], [100.0])
    sim.set_spotting(0, EMBERS, mean, sd, (WIND_FROM + 180.0) % 360.0, SPREAD, 5.0, seed=9, ignition_prob=1.0,
                     max_distance_m=DMAX)
    sim.ignite(0, *TREE, 0.0)
    sim.advance(10.0)
    assert sim.snapshot(0).tree_state[0] == TreeState.TORCHING
    ign = sim.ignition.to_numpy()[0]
    hit = np.isfinite(ign)
    hit[int(TREE[1] // CELL), int(TREE[0] // CELL)] = False
    # the model's cell probabilities from numpy draws
    rng = np.random.default_rng(0)
    m = 400_000
    dx, dy = spot_landing_offsets(DMAX, WIND_FROM, *uniform_draws(rng, m), lateral_spread_deg=SPREAD)
    jx = np.floor((TREE[0] + dx) / CELL).astype(int)
    jy = np.floor((TREE[1] + dy) / CELL).astype(int)
    inside = (jx >= 0) & (jx < N) & (jy >= 0) & (jy < N)
    p = np.bincount(jy[inside] * N + jx[inside], minlength=N * N).reshape(N, N) / m
    p[int(TREE[1] // CELL), int(TREE[0] // CELL)] = 0.0
    expect = 1.0 - (1.0 - p) ** EMBERS  # chance a cell is reached by at least one of the embers
    # nothing lands where the model puts no ember (beyond D_max, outside the lateral spread)
    assert not (hit & (p == 0)).any() or (hit & (p == 0)).sum() <= 0.01 * hit.sum()
    # hit cells per distance band: observed against expected, within 4 standard deviations
    yy, xx = np.mgrid[0:N, 0:N]
    r = np.hypot((xx + 0.5) * CELL - TREE[0], (yy + 0.5) * CELL - TREE[1])
    edges = np.array([0.0, 10.0, 20.0, 30.0, 45.0, 70.0, 100.0, DMAX + 2 * CELL])
    band = np.digitize(r, edges) - 1
    for k in range(len(edges) - 1):
        sel = band == k
        e = expect[sel].sum()
        var = (expect[sel] * (1 - expect[sel])).sum()
        o = hit[sel].sum()
        assert abs(o - e) <= 4.0 * math.sqrt(var) + 2.0, (k, o, e)
    assert abs(hit.sum() - expect.sum()) <= 0.05 * expect.sum()
    # bearings within the uniform lateral spread about 45 degrees (plus a cell's width)
    iy, ix = np.nonzero(hit)
    bearing = np.degrees(np.arctan2((ix + 0.5) * CELL - TREE[0], (iy + 0.5) * CELL - TREE[1]))
    far = r[iy, ix] > 30.0
    assert np.all(np.abs(bearing[far] - 45.0) <= SPREAD + np.degrees(CELL / 30.0))


def _sparse(spotting_trees: float, seed: int = 4):
    return build_world(scenario_from_dict({
        "name": "sparse", "seed": seed, "duration_s": 2400,
        "terrain": {"size_m": [1500, 600], "cell_m": 10, "kind": "plane"},
        "fuel": {"model": "TU5"}, "vegetation": {"trees_per_ha": spotting_trees, "species": {"pine": 1.0}},
        "weather": {"wind_speed_mps": 9.0, "wind_from_deg": 270},
        "ignitions": [{"x_m": 100, "y_m": 300}],
    }))


def test_what_spotting_adds_in_a_sparse_stand_is_bounded_by_its_spot_fires() -> None:
    """20 trees/ha: few crowns torch, each throws EMBERS_PER_TORCHING_TREE embers that ignite with
    Schroeder's probability. Spotting adds area, but no more than its spot fires could burn: each
    spot fire is at most an ellipse grown at the stand's head rate from its landing time."""
    land = _sparse(20.0)
    on = FireSimulation(land, arch="cpu", spotting=True)
    off = FireSimulation(land, arch="cpu", spotting=False)
    on.run()
    off.run()
    a_on, a_off = (np.isfinite(s.snapshot(0).arrival_time_s) for s in (on, off))
    snap = on.snapshot(0)
    torched = int((snap.tree_state >= TreeState.TORCHING).sum())
    assert torched > 0
    added = int(a_on.sum() - a_off.sum())
    assert added > 0  # in this stand (seeded) 5 crowns torch and 9 spot fires add ~70 % to a 266-cell fire
    # spot ignitions: cells ignited on their own (arrival equal to a landing time), not by the front
    ign = on.engine.ignition.to_numpy()[0]
    spots = np.isfinite(ign) & (ign > 0.0)
    n_spots = int(spots.sum())
    from wildfire_gym.constants import EMBERS_PER_TORCHING_TREE

    assert n_spots <= torched * EMBERS_PER_TORCHING_TREE
    params = on.spread_params(0, 0.0)
    v = float(np.max(params["ros_head_m_s"]))
    lb = float(np.max(params["lb"]))
    t_end = land.scenario.duration_s
    # the largest ellipse a spot fire could grow to: head distance v t, area pi/4 * L * L/lb
    bound_cells = sum(math.pi / 4.0 * (v * (t_end - t)) ** 2 / lb / 100.0 for t in ign[spots]) + n_spots
    assert added <= bound_cells


def test_spotting_settings_come_from_the_scenario() -> None:
    """``spotting`` in the scenario: off, the constant ignition model at 0, and the 'maximum' distance
    model (every ember at Albini's maximum spot distance) all act on the engine's embers."""
    from wildfire_gym.fire.run import Member, Run
    from wildfire_gym.scenario import SpottingConfig

    land = _sparse(20.0)
    base = Run.from_scenario(land.scenario)
    assert base.spotting == SpottingConfig()  # documented defaults
    variants = {
        "default": base,
        "off": base.replace(spotting=SpottingConfig(enabled=False)),
        "never": base.replace(spotting=SpottingConfig(ignition_model="constant", ignition_probability=0.0)),
        "far": base.replace(spotting=SpottingConfig(distance_model="maximum", ignition_model="constant",
                                                    ignition_probability=1.0)),
    }
    sim = FireSimulation([Member(land, r) for r in variants.values()], arch="cpu")
    sim.run()
    ign = sim.engine.ignition.to_numpy()
    spots = {k: np.isfinite(ign[b]) & (ign[b] > 0.0) for b, k in enumerate(variants)}
    assert spots["default"].any()
    assert not spots["off"].any() and not spots["never"].any()
    # 'maximum': every spot fire lies at Albini's distance from a torching tree
    snap = sim.snapshot(3)
    torch = snap.tree_state >= TreeState.TORCHING
    tx, ty = land.trees.x_m[torch], land.trees.y_m[torch]
    iy, ix = np.nonzero(spots["far"])
    assert len(iy) > 0
    d = np.hypot((ix[:, None] + 0.5) * 10.0 - tx[None, :], (iy[:, None] + 0.5) * 10.0 - ty[None, :])
    eng = sim.engine.export(3)
    mu, sigma = float(eng["spot_par"][1]), float(eng["spot_par"][2])
    dmax = float(eng["spot_par"][6])
    assert sigma == 0.0 and math.exp(mu) == pytest.approx(dmax, rel=1e-5)
    # each spot cell holds a landing point at dmax from some torching tree (half a cell diagonal off)
    assert np.all(np.abs(d - dmax).min(axis=1) <= 10.0 * math.sqrt(2) / 2 + 0.01)
