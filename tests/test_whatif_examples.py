"""The what-if examples run from a fresh interpreter (one member per variant) and print their result."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 300  # each takes seconds; the bound only stops a hung run


@pytest.mark.parametrize("script, expect", [
    ("whatif_dense_vs_thinned.py", "Expected houses ignited per fire: dense"),
    ("whatif_fuel_break.py", "Beyond the break line the mean burn probability"),
    ("whatif_wind_shift.py", "Expected houses reached per fire:"),
])
def test_whatif_example(script, expect, tmp_path):
    env = {**os.environ, "TI_SKIP_VERSION_CHECK": "ON", "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / script), "--members", "1", "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expect in proc.stdout and "Traceback" not in proc.stderr
    assert list(tmp_path.rglob("report.html"))
