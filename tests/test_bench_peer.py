"""Pure helpers of the peer benchmark (benchmarks/_peers.py); no peer is installed here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    """Import a module of benchmarks/ (a folder of scripts, not a package) by its file path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


peers = _load("_peers")
case_script = _load("_pyretechnics_case")


def _ellipse_mask(n: int, a: float, b: float, theta_deg: float) -> np.ndarray:
    """Cells whose centres lie in an ellipse (semi-axes a, b cells, major axis at theta from +x)."""
    iy, ix = np.mgrid[0:n, 0:n]
    x = ix + 0.5 - n / 2
    y = iy + 0.5 - n / 2
    t = np.deg2rad(theta_deg)
    u = x * np.cos(t) + y * np.sin(t)
    v = -x * np.sin(t) + y * np.cos(t)
    return (u / a) ** 2 + (v / b) ** 2 <= 1.0


@pytest.mark.parametrize("theta_deg", [0.0, 30.0, 90.0, 135.0])
def test_length_to_breadth_of_rasterised_ellipse(theta_deg: float) -> None:
    mask = _ellipse_mask(256, 90.0, 60.0, theta_deg)
    assert peers.length_to_breadth_from_cells(mask) == pytest.approx(1.5, rel=0.01)


def test_length_to_breadth_of_circle_is_one() -> None:
    mask = _ellipse_mask(128, 40.0, 40.0, 0.0)
    assert peers.length_to_breadth_from_cells(mask) == pytest.approx(1.0, abs=0.01)


def test_length_to_breadth_edge_cases() -> None:
    assert np.isnan(peers.length_to_breadth_from_cells(np.zeros((4, 4), dtype=bool)))
    line = np.zeros((5, 5), dtype=bool)
    line[2, :] = True  # zero breadth
    assert peers.length_to_breadth_from_cells(line) == float("inf")
    with pytest.raises(ValueError, match="mask"):
        peers.length_to_breadth_from_cells(np.ones(9, dtype=bool))


def test_head_and_back_distance_along_the_wind() -> None:
    mask = np.zeros((40, 50), dtype=bool)
    mask[5:16, 10:31] = True  # rows 5..15 (south to north), columns 10..30 (west to east)
    ignition = (12, 15)
    # Wind from the west blows east: head at column 30, back at column 10.
    head, back = peers.head_distance_m(mask, ignition, 30.0, 270.0)
    assert (head, back) == pytest.approx((15 * 30.0, 5 * 30.0), abs=1e-9)
    # Wind from the north blows south (towards row 5): head 7 rows, back 3 rows.
    head, back = peers.head_distance_m(mask, ignition, 30.0, 0.0)
    assert (head, back) == pytest.approx((7 * 30.0, 3 * 30.0), abs=1e-9)
    # Wind from the south-west: the far corner (row 15, column 30) leads.
    head, _ = peers.head_distance_m(mask, ignition, 10.0, 225.0)
    assert head == pytest.approx((3 * 10.0 + 15 * 10.0) / np.sqrt(2.0), rel=1e-12)
    with pytest.raises(ValueError, match="burned"):
        peers.head_distance_m(np.zeros((3, 3), dtype=bool), (1, 1), 1.0, 0.0)


def test_burned_mask_and_edge_arrival() -> None:
    n = 64
    iy, ix = np.mgrid[0:n, 0:n]
    arrival = np.hypot(ix - 40.0, iy - 32.0).astype(np.float32)  # 1 s per cell from (32, 40)
    arrival[arrival > 30.0] = np.inf
    assert peers.burned_mask_from_arrival(arrival).sum() == int(np.isfinite(arrival).sum())
    # Nearest cell of the 2-cell ring: column 62, row 32, 22 cells away.
    assert peers.edge_arrival_s(arrival, 2) == pytest.approx(22.0, abs=1e-5)
    assert peers.edge_arrival_s(np.full((8, 8), np.inf), 2) == float("inf")
    with pytest.raises(ValueError, match="margin_cells"):
        peers.edge_arrival_s(arrival, 0)


def test_fuel_model_numbers() -> None:
    assert case_script.fuel_model_number("FM1") == 1
    assert case_script.fuel_model_number("fm13") == 13
    assert case_script.fuel_model_number("GR2") == 102
    assert case_script.fuel_model_number("TL3") == 183
    assert case_script.fuel_model_number("SB4") == 204
    for bad in ("FM14", "XX1", "GR"):
        with pytest.raises(ValueError, match="fuel_model"):
            case_script.fuel_model_number(bad)


def test_benchmark_cases_match_benchmarks_md(tmp_path: Path) -> None:
    cases = peers.benchmark_cases(repeats=2, arrival_dir=tmp_path)
    assert [c["name"] for c in cases] == list(peers.PUBLISHED_PYRETECHNICS)
    a, b, c = cases
    assert (a["rows"], b["rows"], c["rows"]) == (256, 1024, 1024)
    assert (a["fuel_model"], b["fuel_model"], c["fuel_model"]) == ("FM1", "FM1", "GR2")
    assert a["duration_s"] == pytest.approx(180 * 60.0)
    assert a["wind_speed_10m_mps"] * 3.6 == pytest.approx(16.09, rel=1e-12)
    assert a["ignition_cell"] == [128, 128]
    assert a["arrival_npy"] == str(tmp_path / "a_fm1_256_180min.npy")
    with pytest.raises(ValueError, match="repeats"):
        peers.benchmark_cases(repeats=0)


def test_write_npy_atomic_round_trip(tmp_path: Path) -> None:
    data = np.array([[0.0, np.inf], [1.5, 2.5]], dtype=np.float32)
    target = tmp_path / "sub" / "arrival.npy"
    peers.write_npy_atomic(target, data)
    np.testing.assert_array_equal(np.load(target), data)
    assert [p.name for p in target.parent.iterdir()] == ["arrival.npy"]


def test_ensure_venv_reuses_a_stamped_environment(tmp_path: Path) -> None:
    venv = tmp_path / "pyretechnics"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / ".wildfire_gym_peer_installed").write_text(
        "\n".join(peers.PYRETECHNICS_REQUIREMENTS) + "\n"
    )
    assert peers.ensure_pyretechnics_venv(tmp_path) == venv / "bin" / "python"


def test_ensure_venv_failure_names_the_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An interpreter that always fails: creating the environment must raise PeerError naming it.
    monkeypatch.setattr(peers.sys, "executable", "/bin/false")
    with pytest.raises(peers.PeerError, match="creating the pyretechnics virtual environment"):
        peers.ensure_pyretechnics_venv(tmp_path)
    monkeypatch.setattr(peers.sys, "executable", str(tmp_path / "no-such-python"))
    with pytest.raises(peers.PeerError, match="could not start"):
        peers.ensure_pyretechnics_venv(tmp_path)
    assert not (tmp_path / "pyretechnics" / ".wildfire_gym_peer_installed").exists()
