"""examples/quickstart.py runs from a fresh interpreter and writes what it promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART_TIMEOUT_S = 120  # it takes about 10 s; the bound only stops a hung run


def test_quickstart_runs_and_writes_world_and_fire(tmp_path: Path) -> None:
    env = {**os.environ, "TI_SKIP_VERSION_CHECK": "ON", "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py"), "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=QUICKSTART_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert "scenario 'default'" in proc.stdout and "houses reached" in proc.stdout

    world = json.loads((tmp_path / "world" / "world.json").read_text())
    assert world["name"] == "default" and world["shape"] == [150, 150]
    assert (tmp_path / "world" / "preview.png").stat().st_size > 10_000
    fire = json.loads((tmp_path / "fire" / "summary.json").read_text())
    assert fire["time_s"] == pytest.approx(5400.0)
    # the printed numbers are the written ones
    assert f"{fire['burned_area_ha']:.1f} ha burned" in proc.stdout
    assert f"houses reached: {fire['houses_reached']}/{fire['houses_total']}" in proc.stdout
    assert 0 < fire["burned_area_ha"] < 225.0  # something burned, less than the whole 1.5 km x 1.5 km
    assert (tmp_path / "fire" / "perimeter.geojson").is_file()


def test_train_ppo_trains_evaluates_pairs_and_animates(tmp_path: Path) -> None:
    """A tiny run of examples/train_ppo.py end to end: checkpoint, table with paired differences
    from the heuristic on the held-out seeds, and the agent's animation."""
    env = {**os.environ, "TI_SKIP_VERSION_CHECK": "ON", "MPLBACKEND": "Agg"}
    cmd = [sys.executable, str(ROOT / "examples" / "train_ppo.py"), "--task", "Fireline", "--timesteps", "256",
           "--num-envs", "4", "--episodes", "2", "--out", str(tmp_path)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "fireline_table.json").read_text())
    assert report["train_timesteps"] >= 256 and report["test_seeds"] == [0, 1]
    pol = report["policies"]
    assert set(pol) == {"ppo", "ppo_sampled", "heuristic", "random", "hold", "paired_vs_heuristic"}
    for name in ("ppo", "ppo_sampled", "random", "hold"):
        d = pol["paired_vs_heuristic"][name]["return"]
        assert d["higher"] + d["lower"] + d["equal"] == 2
    assert {"reward/houses", "reward/area", "reward/effort", "houses_saved"} <= set(pol["ppo"])
    assert (tmp_path / "fireline_ppo.zip").is_file() and (tmp_path / "fireline_ppo.gif").stat().st_size > 1000
    assert "ppo_sampled - heuristic, return:" in proc.stdout
