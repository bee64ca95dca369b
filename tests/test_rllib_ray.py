"""Issue 9: examples/train_rllib.py trains PPO with RLlib env runners on a local Ray cluster
started inside a private network namespace (loopback only)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from netns import in_private_netns, private_netns_works

ROOT = Path(__file__).resolve().parent.parent
RAY_TIMEOUT_S = 500  # about 50 s here; the bound only stops a hung run


@pytest.mark.skipif(importlib.util.find_spec("ray") is None or importlib.util.find_spec("ray.rllib") is None,
                    reason="the optional rllib extra is not installed")
@pytest.mark.skipif(not private_netns_works(), reason="no private network namespace (unshare -n) here")
def test_rllib_trains_on_env_runners_in_a_private_network_namespace(tmp_path: Path) -> None:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "TI_SKIP_VERSION_CHECK": "ON"}
    cmd = " ".join([sys.executable, str(ROOT / "examples" / "train_rllib.py"), "--iterations", "2", "--env-runners",
                    "1", "--envs-per-runner", "1", "--grid", "32", "--batch", "128", "--out", str(tmp_path / "out")])
    r = subprocess.run(in_private_netns(cmd), env=env, capture_output=True,
                       text=True, timeout=RAY_TIMEOUT_S, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    its = [x for x in lines if "iteration" in x and "done" not in x]
    assert [x["iteration"] for x in its] == [1, 2]
    assert its[-1]["env_steps"] >= 2 * 128 and its[-1]["env_steps"] > its[0]["env_steps"]
    done = lines[-1]
    assert done["done"] is True and Path(done["checkpoint"]).is_dir()


def test_bad_flags_name_the_flag() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "train_rllib.py"), "--iterations", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--iterations: expected an integer >= 1" in r.stderr
    assert "Traceback" not in r.stderr
