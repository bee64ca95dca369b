"""Fireline task: production rates, Gymnasium and SB3 API checks, seeding, bad input, the vector env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import wildfire_gym  # noqa: F401  (registers the environments)
from wildfire_gym.envs import EpisodeConfig, FirelineEnv, FirelineVectorEnv
from wildfire_gym.envs.fireline import FirelineBatch
from wildfire_gym.envs.suppression import (
    L_PER_M2_PER_COVERAGE_LEVEL,
    line_rate_m_s,
    retardant_line_length_m,
    travel_speed_m_s,
)
from wildfire_gym.errors import ActionError, ScenarioError
from wildfire_gym.world.edits import BARE_GROUND_CODE

SMALL = EpisodeConfig(grid_cells=32, n_landscapes=1, ignition_distance_m=(300.0, 450.0), n_houses=4)
FLAT_FM1 = EpisodeConfig(grid_cells=32, n_landscapes=1, fuels=(("FM1", 1.0),), relief_m=0.0,
                         ignition_distance_m=(400.0, 450.0), n_houses=4, wind_speed_range_mps=(1.0, 1.0))
CHAIN_M = 20.1168


# ---------------------------------------------------------------- production tables
def test_crew_rates_are_the_pocket_guide_figures_in_si():
    # NWCG IRPG: Type 1 crew 30 ch/h in FM1, 7 in FM8, 5 in FM4; Type 2 crew 18 in FM1
    got = line_rate_m_s("type1_crew", np.array([1, 8, 4]))
    assert got == pytest.approx(np.array([30, 7, 5]) * CHAIN_M / 3600.0, rel=1e-12)
    assert float(line_rate_m_s("type2_crew", 1)) == pytest.approx(18 * CHAIN_M / 3600.0, rel=1e-12)
    # Scott & Burgan GR2 uses the FM1 row; non-burnable cells have nothing to cut
    assert float(line_rate_m_s("type1_crew", 102)) == pytest.approx(30 * CHAIN_M / 3600.0, rel=1e-12)
    assert np.isnan(line_rate_m_s("type1_crew", 91))


def test_dozer_rates_follow_slope_class_and_direction():
    rate = lambda pct, up: float(line_rate_m_s("dozer", 1, pct, up))  # noqa: E731
    assert rate(10.0, True) == pytest.approx(72.5 * CHAIN_M / 3600.0, rel=1e-12)   # class 1 up, 55-90
    assert rate(10.0, False) == pytest.approx(100.0 * CHAIN_M / 3600.0, rel=1e-12)  # class 1 down, 90-110
    assert rate(30.0, True) == pytest.approx(42.5 * CHAIN_M / 3600.0, rel=1e-12)   # class 2 up, 30-55
    assert rate(50.0, True) == pytest.approx(19.0 * CHAIN_M / 3600.0, rel=1e-12)   # class 3 up, 8-30
    assert rate(80.0, True) == 0.0                                                 # beyond class 4
    assert float(line_rate_m_s("dozer", 10, 10.0, True)) == pytest.approx(11.5 * CHAIN_M / 3600.0, rel=1e-12)
    with pytest.raises(ScenarioError, match="resource"):
        line_rate_m_s("helicopter", 1)


def test_retardant_coverage_converts_and_sets_line_length():
    assert L_PER_M2_PER_COVERAGE_LEVEL == pytest.approx(0.40746, rel=1e-4)
    # 800 gal at coverage level 2 (FM8) over a 50-ft swath: 100 * 800 / (2 * 50) = 800 ft
    length = retardant_line_length_m(800 * 3.785411784, 8, 50 * 0.3048)
    assert length == pytest.approx(800 * 0.3048, rel=1e-9)
    assert retardant_line_length_m(1000.0, 1, 10.0) == pytest.approx(2 * retardant_line_length_m(1000.0, 8, 10.0))


# --------------------------------------------------------------------- API checks
def test_gymnasium_check_env_passes():
    from gymnasium.utils.env_checker import check_env

    env = gym.make("WildfireGym/Fireline-v0", episode=SMALL)
    check_env(env.unwrapped, skip_render_check=True)


def test_sb3_check_env_passes():
    from stable_baselines3.common.env_checker import check_env

    check_env(FirelineEnv(episode=SMALL, obs_mode="map", map_cells=8), warn=True)
    check_env(FirelineEnv(episode=SMALL), warn=True)


def _rollout(env: gym.Env, seed: int, n: int, action_seed: int = 0):
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(action_seed)
    out = [obs.copy()]
    rewards, infos = [], []
    for _ in range(n):
        a = rng.integers(0, env.action_space.nvec)
        obs, r, term, trunc, info = env.step(a)
        out.append(obs.copy())
        rewards.append(r)
        infos.append(info)
        if term or trunc:
            break
    return np.stack(out), np.array(rewards), infos


def test_seeding_reproduces_an_episode_exactly():
    a = _rollout(FirelineEnv(episode=SMALL), seed=11, n=10)
    b = _rollout(FirelineEnv(episode=SMALL), seed=11, n=10)
    c = _rollout(FirelineEnv(episode=SMALL), seed=12, n=10)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()
    assert a[2] == b[2]
    assert a[0].tobytes() != c[0].tobytes()


def test_episodes_draw_every_landscape_of_a_pool_of_stands():
    """A slot may reset onto any landscape of the pool: the batch's tree capacity is the pool's
    largest stand, not the first draw's (which crashed a reset onto a denser landscape)."""
    cfg = EpisodeConfig(grid_cells=32, n_landscapes=4, ignition_distance_m=(300.0, 450.0), n_houses=4,
                        trees_per_ha=40.0)
    env = FirelineEnv(episode=cfg, max_episode_steps=2)
    counts = [len(land.trees) for land in env.core.pool]
    assert len(set(counts)) > 1 and min(counts) > 0  # stands of different sizes
    drawn = set()
    for seed in range(16):
        env.reset(seed=seed)
        drawn.add(env.core.episodes[0].landscape_index)
    assert drawn == {0, 1, 2, 3}  # the first draw is not the largest stand
    assert env.core.sim.n_tree_slots == max(counts)


def test_invalid_actions_and_arguments_raise_named_errors():
    env = FirelineEnv(episode=SMALL, resources=("type1_crew",))
    env.reset(seed=0)
    with pytest.raises(ActionError, match=r"action\[0\]\[0\].*\[0, 8\].*got 9"):
        env.step(np.array([9, 0]))
    with pytest.raises(ActionError, match=r"action.*shape"):
        env.step(np.array([1, 0, 1]))
    with pytest.raises(ActionError, match=r"action.*finite"):
        env.step(np.array([np.nan, 0.0]))
    with pytest.raises(ActionError, match=r"action.*integers"):
        env.step(np.array([1.5, 0.0]))
    with pytest.raises(ScenarioError, match="resources"):
        FirelineEnv(episode=SMALL, resources=("airtanker",))
    with pytest.raises(ScenarioError, match="step_s"):
        FirelineEnv(episode=SMALL, step_s=-1.0)
    with pytest.raises(ScenarioError, match="obs_mode"):
        FirelineEnv(episode=SMALL, obs_mode="rgb")
    with pytest.raises(ScenarioError, match="wind_speed_range_mps"):
        EpisodeConfig(wind_speed_range_mps=(5.0, 1.0))
    with pytest.raises(ActionError, match="reset"):
        FirelineEnv(episode=SMALL).step(np.array([0, 0, 0, 0]))


# ------------------------------------------------------------------ the task itself
def test_crew_advances_at_its_production_rate_and_the_line_reaches_the_engine():
    core = FirelineBatch(num_envs=1, episode=FLAT_FM1, resources=("type1_crew",))
    core.reset_slot(0, 3)
    core.pos[0, 0] = (100.0, 100.0)  # far from the fire: the line waits
    core.step(np.array([[3, 1]]), autoreset=False)  # east, cutting FM1
    assert core.pos[0, 0, 0] - 100.0 == pytest.approx(30 * CHAIN_M / 3600.0 * 300.0, rel=1e-9)
    assert core.pos[0, 0, 1] == pytest.approx(100.0, abs=1e-9)
    assert core.line_total_m[0] == pytest.approx(30 * CHAIN_M / 3600.0 * 300.0, rel=1e-9)
    core.step(np.array([[1, 0]]), autoreset=False)  # north, travelling
    assert core.pos[0, 0, 1] - 100.0 == pytest.approx(travel_speed_m_s("type1_crew") * 300.0, rel=1e-9)
    # cut cells are in the task's line mask; once flushed they are bare ground in the engine
    assert core.lines[0, 3, 3:5].all()
    core.vmax[0] = np.inf
    core._flush_lines()
    assert (core.sim.fuel_codes(0)[core.lines[0]] == BARE_GROUND_CODE).all()
    assert not core.pending[0]


def test_dozer_on_flat_ground_cuts_at_its_class_one_rate():
    core = FirelineBatch(num_envs=1, episode=FLAT_FM1, resources=("dozer",))
    core.reset_slot(0, 3)
    core.pos[0, 0] = (100.0, 100.0)
    core.step(np.array([[3, 1]]), autoreset=False)
    assert core.pos[0, 0, 0] - 100.0 == pytest.approx(72.5 * CHAIN_M / 3600.0 * 300.0, rel=1e-9)


def test_deferred_lines_burn_like_lines_applied_at_once():
    """Lines handed to the engine only when the fire could reach them give the same fire."""
    def run(always: bool) -> tuple[np.ndarray, float]:
        core = FirelineBatch(num_envs=1, episode=SMALL, resources=("type1_crew", "dozer"))
        core.reset_slot(0, 5)
        rng = np.random.default_rng(1)
        for _ in range(20):
            if always:
                core.vmax[0] = np.inf
            core.step(np.stack([rng.integers(0, core.single_action_space.nvec)]), autoreset=False)
        return core.burn[0].copy(), float(core.reached_cells[0])

    a, b = run(False), run(True)
    assert a[1] == b[1]
    assert np.array_equal(a[0], b[0])


def test_reward_terms_add_up_to_the_episode_totals():
    env = FirelineEnv(episode=SMALL, resources=("type1_crew", "type2_crew"), max_episode_steps=24)
    obs, info0 = env.reset(seed=4)
    rng = np.random.default_rng(2)
    sums = {"houses": 0.0, "area": 0.0, "effort": 0.0}
    total = 0.0
    for _ in range(24):
        obs, r, term, trunc, info = env.step(rng.integers(0, env.action_space.nvec))
        for k in sums:
            sums[k] += info[f"reward/{k}"]
        total += r
        assert env.observation_space.contains(obs)
        if term:
            break
    assert total == pytest.approx(sum(sums.values()), rel=1e-12, abs=1e-12)
    assert sums["houses"] == pytest.approx(-1.0 * info["houses_lost"], rel=1e-12, abs=1e-12)
    assert sums["area"] == pytest.approx(-0.01 * (info["area_burned_ha"] - info0["area_burned_ha"]), rel=1e-9)
    assert sums["effort"] == pytest.approx(-0.05 * info["line_built_m"] / 1000.0, rel=1e-9, abs=1e-12)
    assert info["houses_lost"] + info["houses_saved"] == 4
    assert info["area_burned_ha"] > info0["area_burned_ha"]


def test_map_observation_shows_houses_crews_and_fire():
    env = FirelineEnv(episode=SMALL, obs_mode="map", map_cells=16)
    obs, _ = env.reset(seed=1)
    assert obs.shape == (5, 16, 16) and env.observation_space.contains(obs)
    assert obs[0].sum() > 0  # the ignition
    assert 1 <= np.count_nonzero(obs[3]) <= 4
    assert 1 <= np.count_nonzero(obs[4]) <= 2  # a crew and a dozer (they may share a block)


# ------------------------------------------------------------------------ vector env
def test_make_vec_returns_the_native_vector_env_and_slots_match_single_envs():
    venv = gym.make_vec("WildfireGym/Fireline-v0", num_envs=3, episode=SMALL, max_episode_steps=4)
    assert isinstance(venv, FirelineVectorEnv)
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    seeds = [7, 8, 9]
    obs, _ = venv.reset(seed=seeds)
    rng = np.random.default_rng(0)
    acts = [rng.integers(0, venv.single_action_space.nvec, size=(3, 4)) for _ in range(6)]
    vec_obs, vec_rew, finals = [obs.copy()], [], []
    for a in acts:
        obs, r, term, trunc, info = venv.step(a)
        vec_obs.append(obs.copy())
        vec_rew.append(r.copy())
        finals.append((term | trunc, info.get("final_obs"), term.copy(), trunc.copy()))
    for i, s in enumerate(seeds):
        env = gym.make("WildfireGym/Fireline-v0", episode=SMALL, max_episode_steps=4)
        o, _ = env.reset(seed=s)
        assert o.tobytes() == vec_obs[0][i].tobytes()
        for k, a in enumerate(acts):
            o, r, term, trunc, _ = env.step(a[i])
            assert r == vec_rew[k][i]
            done, final_obs, vterm, vtrunc = finals[k]
            assert bool(done[i]) == (term or trunc) and bool(vterm[i]) == term
            if done[i]:
                assert o.tobytes() == final_obs[i].tobytes()
                o, _ = env.reset()  # the slot's next episode comes from its own generator
            assert o.tobytes() == vec_obs[k + 1][i].tobytes()
    assert any(f[0].any() for f in finals)  # the time limit of 4 steps was hit


def test_sb3_adapter_trains_and_reports_terminal_observations():
    from stable_baselines3 import PPO

    from wildfire_gym.envs.sb3 import WildfireSB3VecEnv

    venv = WildfireSB3VecEnv(FirelineVectorEnv(num_envs=2, episode=SMALL, max_episode_steps=3))
    venv.seed(5)
    obs = venv.reset()
    assert obs.shape == (2, venv.observation_space.shape[0])
    seen = []
    for _ in range(3):
        venv.step_async(np.stack([venv.action_space.sample() for _ in range(2)]))  # type1 crew and dozer
        obs, rew, done, infos = venv.step_wait()
        seen.append(done.copy())
        assert rew.dtype == np.float32 and all("reward/area" in i for i in infos)
    assert seen[-1].all()
    assert all(infos[i]["TimeLimit.truncated"] for i in range(2))
    assert infos[0]["terminal_observation"].shape == obs.shape[1:]
    model = PPO("MlpPolicy", venv, n_steps=8, batch_size=8, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=16)
    assert model.num_timesteps >= 16


def test_heuristic_and_evaluation_table():
    from wildfire_gym.envs.policies import FirelineHeuristic, evaluate, random_policy, summarise

    def make():
        return gym.make("WildfireGym/Fireline-v0", episode=SMALL, max_episode_steps=12)

    rows = evaluate(make, FirelineHeuristic(), [0, 1])
    assert [r["seed"] for r in rows] == [0, 1] and all(r["steps"] <= 12 for r in rows)
    assert all(r["reward/effort"] < 0 for r in rows)  # the heuristic cuts line
    for r in rows:
        terms = sum(v for k, v in r.items() if k.startswith("reward/"))
        assert r["return"] == pytest.approx(terms, rel=1e-12, abs=1e-12)
    table = summarise(rows)
    assert table["return"]["mean"] == pytest.approx(np.mean([r["return"] for r in rows]), rel=1e-12)
    assert table["houses_saved"]["std"] == pytest.approx(np.std([r["houses_saved"] for r in rows]), abs=1e-12)
    again = evaluate(make, random_policy(3), [0])
    assert again == evaluate(make, random_policy(3), [0])  # seeded policy and env: the same episode


def test_import_registers_every_task_without_loading_the_engine():
    import subprocess
    import sys

    code = ("import sys, gymnasium as gym, wildfire_gym; gym.register_envs(wildfire_gym); "
            "print(sorted(i for i in gym.registry if i.startswith('WildfireGym/')), 'taichi' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ("['WildfireGym/AerialAttack-v0', 'WildfireGym/DroneSurveillance-v0', "
                                  "'WildfireGym/Fireline-v0'] False")


def test_a_slot_of_a_large_batch_moves_its_crews_as_a_single_env_does():
    """The crews of all slots move together (array arithmetic over every crew): a slot's episode
    must not depend on how many others share the step, down to the last bit."""
    n = 48
    venv = gym.make_vec("WildfireGym/Fireline-v0", num_envs=n, episode=SMALL, max_episode_steps=12)
    seeds = list(range(500, 500 + n))
    venv.reset(seed=seeds)
    rng = np.random.default_rng(4)
    acts = [rng.integers(0, venv.single_action_space.nvec, size=(n, 4)) for _ in range(8)]
    acts = [np.where(np.arange(4) % 2 == 1, 1, a) for a in acts]  # always cutting: line rates matter
    vec = [venv.step(a)[0].copy() for a in acts]
    assert venv.core.line_total_m.min() > 0  # every slot's crews and dozers built line
    for i in (0, 31, n - 1):
        env = gym.make("WildfireGym/Fireline-v0", episode=SMALL, max_episode_steps=12)
        env.reset(seed=seeds[i])
        for k, a in enumerate(acts):
            o = env.step(a[i])[0]
            assert o.tobytes() == vec[k][i].tobytes(), (i, k)
