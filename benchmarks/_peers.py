"""Peer fire-spread engines, run beside ours in their own virtual environments.

pyretechnics (the Cython level-set port of ELMFIRE) pins numpy 1.26 and scipy 1.12, which
cannot share ``.venv`` with the project, so it lives in ``benchmarks/.peers/pyretechnics``
(ignored by git), created here on first use. One case is run by starting
``_pyretechnics_case.py`` with that environment's interpreter, the case written as JSON on its
stdin and one JSON object read back from its stdout.

A case (all SI, frames of reference as in :mod:`wildfire_gym.scenario`: row 0 is the
southernmost row, compass degrees clockwise from north, a wind blows *from* its direction)::

    {
      "name": "a_fm1_256",              # free text, echoed back
      "rows": 256, "cols": 256,         # cells
      "cell_m": 30.0,                   # square cell side, m
      "fuel_model": "FM1",              # "FM1".."FM13" (Anderson 1982) or a Scott & Burgan code ("GR2")
      "wind_speed_10m_mps": 4.47,       # 10-m open wind, m/s
      "wind_from_deg": 270.0,           # where the wind blows from, compass degrees
      "slope_frac": 0.0,                # rise / run
      "aspect_deg": 0.0,                # compass direction the slope faces (downslope)
      "moisture": {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08,
                   "live_herb": 0.60, "live_woody": 0.90},   # fractions of oven-dry mass
      "foliar_moisture": 1.0,           # fraction; unused without canopy, required by the peer
      "duration_s": 10800.0,            # simulated time, s
      "ignition_cell": [128, 128],      # [iy, ix]; optional, default the centre cell
      "repeats": 3,                     # timed runs after one untimed warm-up run
      "arrival_npy": "/tmp/a.npy"       # optional: arrival time (s, float32, +inf unburned) saved here
    }

The shape measures (:func:`length_to_breadth_from_cells`, :func:`head_distance_m`) are pure
numpy functions so that our own engine's burned cells are measured by exactly the same code.
This module imports only the standard library and numpy: it is also imported by the case
script inside the peer's environment.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "PUBLISHED_PYRETECHNICS",
    "benchmark_cases",
    "PYRETECHNICS_REQUIREMENTS",
    "PeerError",
    "burned_mask_from_arrival",
    "default_peers_root",
    "edge_arrival_s",
    "ensure_pyretechnics_venv",
    "head_distance_m",
    "length_to_breadth_from_cells",
    "run_pyretechnics_case",
    "write_npy_atomic",
]

LOG = logging.getLogger(__name__)

#: What the peer environment gets from the package registry. numpy and scipy are pinned to the
#: releases pyretechnics 2026.10.20 declares (numpy~=1.26.2, scipy~=1.12.0) so the peer's
#: numbers do not drift with whatever patch release pip would resolve on another day.
PYRETECHNICS_REQUIREMENTS: tuple[str, ...] = (
    "pyretechnics==2026.10.20",
    "numpy==1.26.4",
    "scipy==1.12.0",
)

#: Name of the stamp file written into the peer's environment once its install succeeded.
_STAMP_NAME = ".wildfire_gym_peer_installed"

#: Seconds allowed for creating the environment and installing the peer (the wheel is compiled
#: Cython, so no build step; the registry may be slow).
_INSTALL_TIMEOUT_S = 1800.0

#: Seconds allowed for one case (warm-up plus repeats); the 1024x1024, 24-h case takes ~5 s a run.
_CASE_TIMEOUT_S = 1800.0

#: Permission bits of files written here (mkstemp would leave them owner-only).
_FILE_MODE = 0o644

#: The case script, run by the peer environment's interpreter.
_CASE_SCRIPT = Path(__file__).with_name("_pyretechnics_case.py")


class PeerError(RuntimeError):
    """A peer could not be installed or a peer run failed; the message says which and why."""


def default_peers_root() -> Path:
    """Folder that holds the peers' virtual environments: ``benchmarks/.peers`` (git-ignored)."""
    return Path(__file__).resolve().parent / ".peers"


def _venv_python(venv_dir: Path) -> Path:
    """Interpreter path inside a virtual environment (POSIX or Windows layout)."""
    posix = venv_dir / "bin" / "python"
    return posix if os.name != "nt" else venv_dir / "Scripts" / "python.exe"


def _run_checked(cmd: list[str], what: str, timeout_s: float) -> None:
    """Run ``cmd``; raise :class:`PeerError` naming ``what`` with the tail of its output on failure."""
    LOG.info("%s: %s", what, " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"{what} did not finish within {timeout_s:.0f} s: {' '.join(cmd)}") from exc
    except OSError as exc:
        raise PeerError(f"{what} could not start: {' '.join(cmd)}: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise PeerError(f"{what} failed with exit status {proc.returncode}: {' '.join(cmd)}\n{tail}")


def ensure_pyretechnics_venv(root: Path | str | None = None) -> Path:
    """Return the interpreter of the pyretechnics environment, creating it on first use.

    The environment is ``<root>/pyretechnics`` (``root`` defaults to ``benchmarks/.peers``),
    made with ``python -m venv`` from the running interpreter's base Python and filled with
    :data:`PYRETECHNICS_REQUIREMENTS` by pip from the package registry. A stamp file recording
    the requirements is written last, so an interrupted install is redone, and a finished one is
    reused without touching the network (idempotent).

    Raises:
        PeerError: creating the environment or the pip install failed (the message carries the
            command and the tail of its output), or pyretechnics does not import afterwards.
    """
    root_dir = Path(root) if root is not None else default_peers_root()
    venv_dir = root_dir / "pyretechnics"
    python = _venv_python(venv_dir)
    stamp = venv_dir / _STAMP_NAME
    wanted = "\n".join(PYRETECHNICS_REQUIREMENTS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python

    root_dir.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        _run_checked(
            [sys.executable, "-m", "venv", str(venv_dir)],
            "creating the pyretechnics virtual environment",
            _INSTALL_TIMEOUT_S,
        )
    _run_checked(
        [str(python), "-m", "pip", "install", "--quiet", *PYRETECHNICS_REQUIREMENTS],
        "pip install of pyretechnics (needs Python 3.11 and the package registry)",
        _INSTALL_TIMEOUT_S,
    )
    _run_checked(
        [str(python), "-c", "import pyretechnics.eulerian_level_set"],
        "importing pyretechnics in its environment",
        _INSTALL_TIMEOUT_S,
    )
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(wanted)
    os.replace(tmp, stamp)
    return python


def run_pyretechnics_case(case: Mapping[str, Any], root: Path | str | None = None) -> dict[str, Any]:
    """Run one spread case in pyretechnics and return its figures.

    ``case`` is described in this module's docstring. The returned dictionary holds the peer's
    version and its Python, numpy and scipy versions; ``cells_burned``; ``burned_area_ha``;
    ``wall_s`` and ``cpu_s`` (``min``/``median``/``max`` and every repeat, the spread call only,
    after one untimed warm-up run that pays for imports and first-touch costs);
    ``cells_per_s`` (cells burned over the median wall time); ``burned_ha_per_cpu_hour``
    (burned hectares over the median process CPU time, the unit pyretechnics reports);
    ``length_to_breadth`` (:func:`length_to_breadth_from_cells`); ``head_distance_m`` and
    ``back_distance_m`` (:func:`head_distance_m`); the stop time and condition; and, when the
    case names ``arrival_npy``, that path, where the arrival-time grid now lies.

    Raises:
        PeerError: the environment could not be made, or the case script failed or printed
            something other than one JSON object.
    """
    python = ensure_pyretechnics_venv(root)
    payload = json.dumps(dict(case))
    cmd = [str(python), str(_CASE_SCRIPT)]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # keep the project's packages out of the peer's interpreter
    env["PYTHONHASHSEED"] = "0"
    LOG.info("pyretechnics case %s", case.get("name", "?"))
    try:
        proc = subprocess.run(
            cmd,
            input=payload,
            capture_output=True,
            text=True,
            timeout=_CASE_TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerError(
            f"pyretechnics case {case.get('name', '?')!r} ran past {_CASE_TIMEOUT_S:.0f} s"
        ) from exc
    if proc.returncode != 0:
        raise PeerError(
            f"pyretechnics case {case.get('name', '?')!r} failed with exit status "
            f"{proc.returncode}:\n{proc.stderr[-4000:]}"
        )
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise PeerError(
            f"pyretechnics case {case.get('name', '?')!r} printed no JSON object: "
            f"{proc.stdout[-2000:]!r}"
        ) from exc
    if not isinstance(result, dict):
        raise PeerError(f"pyretechnics case printed {type(result).__name__}, expected an object")
    return result


# ----------------------------------------------------------------------------------------------
# The BENCHMARKS.md cases (the same dictionaries drive our engine's side in fire.py).
# ----------------------------------------------------------------------------------------------

#: 10-m open wind of the cases: 16.09 km/h (10 mi/h), in m/s.
BENCH_WIND_10M_MPS = 16.09 / 3.6
#: Wind from the west (compass degrees), blowing towards the east.
BENCH_WIND_FROM_DEG = 270.0
#: Cell side of the cases, m.
BENCH_CELL_M = 30.0
#: Fuel moistures of the cases (fractions): 6/7/8 % dead, 60 % herbaceous, 90 % woody.
BENCH_MOISTURE: dict[str, float] = {
    "d1h": 0.06,
    "d10h": 0.07,
    "d100h": 0.08,
    "live_herb": 0.60,
    "live_woody": 0.90,
}

#: pyretechnics 2026.10.20 figures published in design/BENCHMARKS.md (2 cores, Python 3.11),
#: counted as pyretechnics does (cells with ``fire_type > 0``, which leaves out the ignition
#: cell), for comparison with a fresh run.
PUBLISHED_PYRETECHNICS: dict[str, dict[str, float]] = {
    "a_fm1_256_180min": {"cells_burned_by_fire_type": 5427, "wall_s": 0.074, "length_to_breadth": 1.31},
    "b_fm1_1024_1440min": {"cells_burned_by_fire_type": 308366, "wall_s": 4.62},
    "c_gr2_1024_1440min": {"cells_burned_by_fire_type": 77515, "wall_s": 1.13},
}


def benchmark_cases(repeats: int = 3, arrival_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """The three BENCHMARKS.md spread cases, as case dictionaries (see the module docstring).

    (a) 256 x 256 cells of 30 m, FM1, 180 min; (b) 1024 x 1024, FM1, 1440 min (the head reaches
    the east edge after ~19.6 h); (c) 1024 x 1024, GR2, 1440 min. All flat, 16.09 km/h 10-m
    wind from the west, moistures :data:`BENCH_MOISTURE`, ignition in the centre cell
    ``(rows // 2, cols // 2)``, no canopy.

    Args:
        repeats: timed runs per case after the warm-up (>= 1).
        arrival_dir: if given, each case saves its arrival-time grid as ``<name>.npy`` there.

    Raises:
        ValueError: ``repeats`` < 1.
    """
    if repeats < 1:
        raise ValueError(f"repeats: expected >= 1, got {repeats}")
    specs = (
        ("a_fm1_256_180min", 256, "FM1", 180.0),
        ("b_fm1_1024_1440min", 1024, "FM1", 1440.0),
        ("c_gr2_1024_1440min", 1024, "GR2", 1440.0),
    )
    cases = []
    for name, n, fuel, minutes in specs:
        case: dict[str, Any] = {
            "name": name,
            "rows": n,
            "cols": n,
            "cell_m": BENCH_CELL_M,
            "fuel_model": fuel,
            "wind_speed_10m_mps": BENCH_WIND_10M_MPS,
            "wind_from_deg": BENCH_WIND_FROM_DEG,
            "slope_frac": 0.0,
            "aspect_deg": 0.0,
            "moisture": dict(BENCH_MOISTURE),
            "foliar_moisture": 1.0,
            "duration_s": minutes * 60.0,
            "ignition_cell": [n // 2, n // 2],
            "repeats": repeats,
        }
        if arrival_dir is not None:
            case["arrival_npy"] = str(Path(arrival_dir) / f"{name}.npy")
        cases.append(case)
    return cases


# ----------------------------------------------------------------------------------------------
# Shape measures shared by the peer's side and ours (pure numpy, numpy 1.26 and 2.x alike).
# ----------------------------------------------------------------------------------------------


def burned_mask_from_arrival(arrival: np.ndarray) -> np.ndarray:
    """Cells the fire reached: finite arrival time (+inf or NaN mark unburned cells)."""
    return np.isfinite(np.asarray(arrival))


def _cell_centres_m(mask: np.ndarray, cell_m: float) -> np.ndarray:
    """(n, 2) array of the [x east, y north] centres, m, of the cells where ``mask`` is true."""
    iy, ix = np.nonzero(mask)
    return np.column_stack(((ix + 0.5) * cell_m, (iy + 0.5) * cell_m))


def length_to_breadth_from_cells(mask: np.ndarray) -> float:
    """Length-to-breadth ratio of a burned patch from the spread of its cell centres.

    For a uniformly filled ellipse of semi-axes ``a >= b`` the covariance of the points has
    eigenvalues ``a**2/4`` and ``b**2/4``, so ``sqrt(lambda_max / lambda_min) = a / b`` is the
    ellipse's length-to-breadth ratio whatever its orientation (second moments of an ellipse).
    Grid squares bias it by ``O(cell / b)``.

    Args:
        mask: 2-D boolean array, true where burned; rows and columns of equal size.

    Returns:
        The ratio (>= 1, dimensionless); ``nan`` with fewer than three burned cells.

    Raises:
        ValueError: ``mask`` is not two-dimensional.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask: expected a 2-D array, got shape {mask.shape}")
    if int(mask.sum()) < 3:
        return float("nan")
    pts = _cell_centres_m(mask, 1.0)
    cov = np.cov(pts, rowvar=False)
    lam = np.linalg.eigvalsh(cov)  # ascending
    if lam[0] <= 0.0:
        return float("inf")
    return float(np.sqrt(lam[-1] / lam[0]))


def head_distance_m(
    mask: np.ndarray,
    ignition_cell: tuple[int, int],
    cell_m: float,
    wind_from_deg: float,
) -> tuple[float, float]:
    """Head and back run of a burned patch along the wind, m.

    The head distance is the largest projection, onto the downwind unit vector, of the vector
    from the ignition cell's centre to a burned cell's centre; the back distance the largest
    projection onto the upwind vector. Rows run south to north and columns west to east
    (:mod:`wildfire_gym.scenario`); the wind blows *from* ``wind_from_deg`` (compass degrees).

    Args:
        mask: 2-D boolean array, true where burned.
        ignition_cell: ``(iy, ix)`` of the ignition.
        cell_m: cell side, m.
        wind_from_deg: direction the wind blows from, degrees clockwise from north.

    Returns:
        ``(head_m, back_m)``; both 0 when only the ignition cell burned.

    Raises:
        ValueError: ``mask`` is not two-dimensional or has no burned cell.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask: expected a 2-D array, got shape {mask.shape}")
    if not mask.any():
        raise ValueError("mask: expected at least one burned cell, got none")
    pts = _cell_centres_m(mask, cell_m)
    origin = np.array([(ignition_cell[1] + 0.5) * cell_m, (ignition_cell[0] + 0.5) * cell_m])
    to_rad = np.deg2rad(wind_from_deg + 180.0)  # compass direction the wind blows towards
    downwind = np.array([np.sin(to_rad), np.cos(to_rad)])  # [east, north]
    proj = (pts - origin) @ downwind
    return float(max(proj.max(), 0.0)), float(max(-proj.min(), 0.0))


def edge_arrival_s(arrival_s: np.ndarray, margin_cells: int = 2) -> float:
    """Earliest arrival time, s, in the outer ``margin_cells`` rings of the grid (+inf if none).

    Once the fire reaches the grid's edge its shape is clipped, so shape measures (L/W) are
    taken on the cells burned before this time. pyretechnics never burns the outermost ring of
    cells (its narrow band stops short of it), hence a margin of two cells by default.

    Raises:
        ValueError: ``arrival_s`` is not two-dimensional, or the margin is not in
            ``[1, min(rows, cols) // 2]``.
    """
    arrival_s = np.asarray(arrival_s, dtype=np.float64)
    if arrival_s.ndim != 2:
        raise ValueError(f"arrival_s: expected a 2-D array, got shape {arrival_s.shape}")
    if not 1 <= margin_cells <= min(arrival_s.shape) // 2:
        raise ValueError(
            f"margin_cells: expected 1..{min(arrival_s.shape) // 2}, got {margin_cells}"
        )
    ring = np.ones(arrival_s.shape, dtype=bool)
    ring[margin_cells:-margin_cells, margin_cells:-margin_cells] = False
    times = arrival_s[ring & np.isfinite(arrival_s)]
    return float(times.min()) if times.size else float("inf")


def write_npy_atomic(path: Path | str, array: np.ndarray) -> None:
    """Save ``array`` as ``.npy`` at ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
