"""Seeded mutation fuzzing of scenario files through the CLI: never a traceback, bounded memory and time.

A small valid scenario is mutated (hostile leaves, missing and unknown keys, deep nesting, alias
bombs, huge grids, long lists, broken rasters and CSVs, damaged YAML text); every file goes
through ``validate``, and the accepted ones through ``world`` and ``simulate``. Everything runs
in one child process under an address-space limit (RLIMIT_AS), so that the memory check at
validation must refuse what does not fit, and the child's peak resident memory is bounded.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RLIMIT_AS_BYTES = int(2.6 * 2**30)
"""Address space of the child: Taichi's JIT takes about 1.8 GiB of it, the rest is for data."""
MAX_RSS_BYTES = int(1.5 * 2**30)
"""Peak resident memory the whole child may reach, Taichi included: about 0.5 GiB for the runs and
up to about 1.1 GiB while Taichi's JIT compiles the engine's kernels on a cold cache (seen in a
full-suite run after the kernels moved to new files)."""
MAX_COMMAND_S = 60.0
"""Wall time one command may take."""

BASE = {
    "name": "fuzz",
    "seed": 11,
    "duration_s": 240.0,
    "terrain": {"size_m": [200.0, 160.0], "cell_m": 10.0, "kind": "fractal", "relief_m": 30.0},
    "fuel": {"model": "GR2", "moisture": {"d1h": 0.06, "d10h": 0.07, "d100h": 0.08, "live_herb": 0.6,
                                          "live_woody": 0.9, "foliar": 1.0}},
    "vegetation": {"trees_per_ha": 10.0, "species": {"pine": 0.6, "oak": 0.4}},
    "structures": {"houses": 1, "min_spacing_m": 10.0},
    "weather": {"wind_speed_mps": 4.0, "wind_from_deg": 250.0,
                "schedule": [{"t_s": 60.0, "wind_speed_mps": 6.0}, {"t_s": 120.0, "wind_from_deg": 200.0}]},
    "ignitions": [{"x_m": 50.0, "y_m": 80.0}, {"x_m": 100.0, "y_m": 40.0, "t_s": 30.0}],
    "interventions": [{"kind": "fireline", "t_s": 60.0, "points_m": [[150.0, 10.0], [150.0, 150.0]]}],
}

HOSTILE = [-1, 0, 1, 1e300, -1e300, 1e-300, "nan", ".inf", "1e3", 10**400, "x" * 100_000, "a $\\frac{ b $x^",
           "", None, True, [], {}, [1, 2, 3], {"k": 1}, "GR2", "geotiff", "fractal", 3.5, 2**63, "20ft",
           [[0, 0], [1e9, 1e9]], "absent.tif", "\u202e\u0000", 16384.0, 0.5, 5000.0]


# --------------------------------------------------------------------------- the schema the errors may name

def _schema():
    from wildfire_gym.fuel_models import CustomFuelModel
    from wildfire_gym.scenario import Scenario

    return Scenario, CustomFuelModel


def _unwrap(tp: typing.Any) -> typing.Any:
    """Optional[X] -> X; list[X] / tuple[X, ...] -> X; other types unchanged."""
    origin = typing.get_origin(tp)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        return _unwrap(args[0])
    if origin in (list, tuple) and args:
        return args[0]
    return tp


PSEUDO_FIELDS = {"<file>", "<root>", "<scenario>"}
FLAGS = {"--out", "--arch", "--frames", "--camera", "--size"}


def field_exists(field: str, message: str) -> bool:
    """Whether an error's field is a flag, an environment variable or a path through the scenario schema."""
    from wildfire_gym import _env

    if field in PSEUDO_FIELDS or field in FLAGS:
        return True
    if field in {getattr(_env, n) for n in dir(_env) if n.endswith("_ENV_VAR")}:
        return True
    scenario_cls, custom_cls = _schema()
    parts = re.split(r"\.(?![^\[]*\])", field)
    tp: typing.Any = scenario_cls
    for i, part in enumerate(parts):
        name = re.sub(r"(\[[^\]]*\])+$", "", part)
        if typing.get_origin(tp) in (dict, typing.Mapping) or tp is dict:
            return True  # free keys (species names, fuel codes)
        if not dataclasses.is_dataclass(tp):
            return False
        names = {f.name for f in dataclasses.fields(tp)}
        if name not in names:
            last = i == len(parts) - 1
            return last and ("no such key" in message or "column among" in message) or "..." in field
        hint = typing.get_type_hints(tp)[name]
        tp = custom_cls if name == "custom_csv" else _unwrap(hint)
        if part != name and typing.get_origin(tp) is tuple:
            tp = _unwrap(tp)
    return True


# --------------------------------------------------------------------------- mutations

def _leaf_paths(node: typing.Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaf_paths(v, prefix + (k,)) or [prefix + (k,)]
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaf_paths(v, prefix + (i,)) or [prefix + (i,)]
    return out


def _set(doc: dict, path: tuple, value: typing.Any) -> None:
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def _files(folder: Path) -> dict[str, Path]:
    """Rasters and CSVs the mutations point fields to: good, broken and hostile."""
    import numpy as np
    import rasterio
    from affine import Affine
    from rasterio.crs import CRS

    from wildfire_gym.io.geotiff import write_geotiff

    utm = CRS.from_epsg(32610)
    files = {}
    files["dem.tif"] = write_geotiff(folder / "dem.tif", np.linspace(300, 340, 24 * 30, dtype=np.float32).reshape(24, 30),
                                     10.0, origin_xy=(500000.0, 4100000.0), crs_wkt=utm.to_wkt())
    files["fuel.tif"] = write_geotiff(folder / "fuel.tif", np.full((16, 20), 102, np.int16), 10.0)
    files["floatfuel.tif"] = write_geotiff(folder / "floatfuel.tif", np.full((16, 20), 3.25, np.float32), 10.0)
    files["badcode.tif"] = write_geotiff(folder / "badcode.tif", np.full((16, 20), 77, np.int16), 10.0)
    files["nodata.tif"] = write_geotiff(folder / "nodata.tif", np.full((16, 20), -9999, np.float32), 10.0,
                                        nodata=-9999.0)
    huge = folder / "huge.tif"
    with rasterio.open(huge, "w", driver="GTiff", width=60000, height=60000, count=1, dtype="float32", crs=utm,
                       transform=Affine(1, 0, 0, 0, -1, 60000), tiled=True, blockxsize=512, blockysize=512,
                       compress="deflate", sparse_ok=True):
        pass
    files["huge.tif"] = huge
    trunc = write_geotiff(folder / "trunc.tif", np.full((64, 64), 5, np.float32), 10.0)
    trunc.write_bytes(trunc.read_bytes()[: trunc.stat().st_size // 2])
    files["trunc.tif"] = trunc
    (folder / "text.tif").write_text("not a raster")
    files["text.tif"] = folder / "text.tif"
    (folder / "models.csv").write_text("code,number,load_1h_kg_m2\nMINE,150,0.3\n")
    files["models.csv"] = folder / "models.csv"
    (folder / "bad.csv").write_text("code,number,load_1h_kg_m2,colour\nX,1e999,abc,red\n\"unclosed\n")
    files["bad.csv"] = folder / "bad.csv"
    return files


def _laughs_text(levels: int) -> str:
    items = ["[" + ", ".join(["lol"] * 9) + "]"]
    lines = ["ignitions:", f"  - &l0 {items[0]}"]
    for i in range(1, levels):
        lines.append(f"  - &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


SIMULATED_SCHEDULE_MAX = 200
"""Longer weather schedules are validated but not simulated: the engine refreshes every parameter at
each entry (about 10 ms per entry on this grid, see the note on FireSimulation's per-event cost)."""


def make_case(rng: random.Random, files: dict[str, Path]) -> tuple[str, bool]:
    """One mutated scenario, as YAML text, and whether it is cheap enough to simulate if accepted."""
    text = _make_text(rng, files)
    runnable = text.count("t_s:") <= SIMULATED_SCHEDULE_MAX + 10
    return text, runnable


def _make_text(rng: random.Random, files: dict[str, Path]) -> str:
    doc = copy.deepcopy(BASE)
    kind = rng.choice(["leaf", "leaf", "leaf", "key", "deep", "laughs", "grid", "list", "file", "text", "name"])
    if kind == "leaf":
        for _ in range(rng.randint(1, 3)):
            _set(doc, rng.choice(_leaf_paths(doc)), rng.choice(HOSTILE))
    elif kind == "key":
        path = rng.choice(_leaf_paths(doc))
        node = doc
        for k in path[:-2]:
            node = node[k]
        target = node[path[-2]] if len(path) > 1 else doc
        if isinstance(target, dict) and rng.random() < 0.5:
            target.pop(rng.choice(list(target)), None)
        elif isinstance(target, dict):
            target[rng.choice(["bogus", "Name", "x" * 300, "size_m "])] = 1
        else:
            doc.pop(rng.choice(list(doc)), None)
    elif kind == "deep":
        value: typing.Any = rng.choice(HOSTILE[:8])
        for _ in range(rng.choice([30, 70, 200])):
            value = [value] if rng.random() < 0.5 else {"k": value}
        _set(doc, rng.choice(_leaf_paths(doc)), value)
    elif kind == "laughs":
        body = {k: v for k, v in doc.items() if k != "ignitions"}
        return __import__("yaml").safe_dump(body) + _laughs_text(rng.choice([3, 5, 8, 10]))
    elif kind == "grid":
        doc["terrain"]["size_m"] = rng.choice([[16384.0, 16384.0], [1e6, 1e6], [10.0, 1500.0], [1e300, 1e300],
                                               [200.0, 160.0], [5000.0, 5000.0]])
        doc["terrain"]["cell_m"] = rng.choice([1.0, 0.001, 1e297, 10.0, 2.0, 100.0])
        doc["vegetation"]["trees_per_ha"] = rng.choice([10.0, 5000.0, 0.0])
    elif kind == "list":
        n = rng.choice([2000, 20000])
        if rng.random() < 0.5:
            doc["ignitions"] = [{"x_m": 5.0 + (i * 7) % 190, "y_m": 5.0 + (i * 13) % 150} for i in range(n)]
        else:  # schedules long enough to test validation, short enough for the engine's per-event cost
            m = rng.choice([40, n])
            doc["weather"]["schedule"] = [{"t_s": 200.0 * (i + 1) / m, "wind_speed_mps": 3.0 + i % 4}
                                          for i in range(m)]
    elif kind == "file":
        name = rng.choice(sorted(files))
        where = rng.choice(["dem", "fuel", "csv"])
        if where == "dem":
            doc["terrain"] = {"kind": "geotiff", "path": str(files[name]), "cell_m": rng.choice([10.0, 0.01, 5.0])}
            doc["ignitions"] = [{"x_m": 20.0, "y_m": 20.0}]
            doc["interventions"] = []
        elif where == "fuel":
            doc["fuel"]["raster"] = str(files[name])
        else:
            doc["fuel"]["custom_csv"] = str(files[name])
    elif kind == "name":
        doc["name"] = rng.choice(["a $\\frac{ b $x^", "n" * 1_000_000, "$$", "\\", "日本語 ☃"])
    text = __import__("yaml").safe_dump(doc, allow_unicode=True)
    if kind == "text":
        cut = rng.randrange(len(text))
        how = rng.choice(["truncate", "flip", "tab", "dup", "anchor"])
        if how == "truncate":
            text = text[:cut]
        elif how == "flip":
            text = text[:cut] + chr(rng.randrange(1, 0x2FF)) + text[cut + 1:]
        elif how == "tab":
            text = text[:cut] + "\t" + text[cut:]
        elif how == "dup":
            lines = text.splitlines(keepends=True)
            i = rng.randrange(len(lines))
            text = "".join(lines[:i] + [lines[i]] * 2 + lines[i:])
        else:
            text = text.replace("name: fuzz", "name: *nowhere")
    return text


# --------------------------------------------------------------------------- the child process

def drive(seed: int, n_cases: int, max_runs: int, folder: str) -> None:
    """Run in the child: every case through validate, accepted ones through world and simulate; print JSON."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (RLIMIT_AS_BYTES, resource.RLIM_INFINITY))
    from typer.testing import CliRunner

    from wildfire_gym._taichi import init_taichi
    from wildfire_gym.cli import app

    init_taichi("cpu")  # Taichi's own address space first: validation then sees what is left
    work = Path(folder)
    files = _files(work)
    rng = random.Random(seed)
    runner = CliRunner()
    results = []
    runs = 0
    for i in range(n_cases):
        text, runnable = make_case(rng, files)
        path = work / f"case{i}.yaml"
        path.write_text(text, encoding="utf-8")
        commands = [["validate", str(path)]]
        for args in commands:
            t0 = time.perf_counter()
            r = runner.invoke(app, args)
            wall = time.perf_counter() - t0
            exc = r.exception
            results.append({
                "case": i, "command": args[0], "exit": r.exit_code, "wall_s": wall, "path": str(path),
                "stderr": r.stderr[-2000:], "stdout_has_traceback": "Traceback" in r.stdout,
                "exception": None if exc is None or isinstance(exc, SystemExit) else repr(exc)[:500],
            })
            if args[0] == "validate" and r.exit_code == 0 and runnable and runs < max_runs:
                runs += 1
                out = work / f"out{i}"
                commands.append(["world", str(path), "--out", str(out / "world"), "--no-meshes"])
                commands.append(["simulate", str(path), "--out", str(out / "fire"), "--arch", "cpu"])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"results": results, "max_rss_bytes": rss}))


def _run_fuzz(tmp_path: Path, seed: int, n_cases: int, max_runs: int, timeout_s: float) -> None:
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_fuzz_inputs as t; "
            f"t.drive({seed}, {n_cases}, {max_runs}, {str(tmp_path)!r})")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TI_SKIP_VERSION_CHECK="ON", MPLBACKEND="Agg")
    env.pop("WILDFIRE_GYM_ALLOW_LARGE", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    from wildfire_gym.cli import MAX_ERROR_CHARS

    accepted = ran = 0
    for r in report["results"]:
        what = f"case {r['case']} {r['command']}: {r['stderr'][:300]!r}"
        assert r["exception"] is None, what + " " + str(r["exception"])
        assert not r["stdout_has_traceback"] and "Traceback" not in r["stderr"], what
        assert r["exit"] in (0, 2), what
        assert r["wall_s"] < MAX_COMMAND_S, what
        if r["command"] == "validate" and r["exit"] == 0:
            accepted += 1
        if r["command"] == "simulate" and r["exit"] == 0:
            ran += 1
        if r["exit"] == 2:
            lines = [ln for ln in r["stderr"].splitlines() if ln.strip()]
            assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) <= MAX_ERROR_CHARS, what
            line = lines[0][len("error: "):]
            if line.startswith(r["path"] + ": "):
                line = line[len(r["path"]) + 2:]
            assert ": expected " in line, what
            field = line.split(": expected ", 1)[0]
            assert field_exists(field, line), f"{what}: field {field!r} is not in the schema"
    assert report["max_rss_bytes"] < MAX_RSS_BYTES, report["max_rss_bytes"]
    n_validate = sum(r["command"] == "validate" for r in report["results"])
    assert n_validate == n_cases  # every case was validated
    assert 0 < accepted < n_validate and ran >= 1  # the mutations both pass and fail, and fires were run


def test_field_exists_knows_the_schema() -> None:
    assert field_exists("terrain.size_m[0]", "") and field_exists("ignitions[3].x_m", "")
    assert field_exists("vegetation.species.spruce", "") and field_exists("fuel.custom_csv[row 2].number", "")
    assert field_exists("interventions[0].points_m[1][0]", "") and field_exists("--out", "")
    assert field_exists("WILDFIRE_GYM_ARCH", "") and field_exists("colour", "no such key")
    assert not field_exists("terrain.size", "") and not field_exists("elevation_m", "")
    assert not field_exists("fuel.moisture.d1h.x", "")


def test_fuzzed_scenarios_never_crash_or_exhaust_the_machine(tmp_path: Path) -> None:
    _run_fuzz(tmp_path, seed=12, n_cases=45, max_runs=4, timeout_s=300)


@pytest.mark.slow
def test_fuzzed_scenarios_long_run(tmp_path: Path) -> None:
    _run_fuzz(tmp_path, seed=1212, n_cases=400, max_runs=30, timeout_s=1800)
