"""Issue 10: two shards on a local Ray cluster, started inside a private network namespace
(loopback only), give the same bytes as the serial run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from netns import in_private_netns, private_netns_works
from test_dataset import CONFIG, FRAMES, cli_env, dataset_bytes, made  # noqa: F401 - the fixture

RAY_TIMEOUT_S = 400  # about 30 s here; the bound only stops a hung run


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the optional ray extra is not installed")
@pytest.mark.skipif(not private_netns_works(), reason="no private network namespace (unshare -n) here")
def test_ray_two_shards_in_a_private_network_namespace(made: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "ds"
    env = cli_env()
    env.update({"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"})
    cli = " ".join([sys.executable, "-m", "wildfire_gym.cli", "dataset", str(CONFIG), "--frames", str(FRAMES),
                    "--out", str(out), "--ray", "local"])
    r = subprocess.run(in_private_netns(cli), env=env, capture_output=True,
                       text=True, timeout=RAY_TIMEOUT_S)
    assert r.returncode == 0, r.stderr[-3000:]
    run = (out / "run.json").read_text()
    assert '"ray": "local"' in run and '"shards": 2' in run
    assert dataset_bytes(out) == dataset_bytes(made)
