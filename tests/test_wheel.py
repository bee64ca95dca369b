"""Issue 9: the package works installed from its wheel, outside the repository.

The wheel is built from the checkout (``pip wheel --no-deps --no-build-isolation``, offline) and
must carry every file of ``assets/`` (the repository's ``wildfire_gym/assets`` is a link to it).
It is then installed, without its dependencies, into a new virtual environment that borrows the
dependencies of the running one through a ``.pth`` line (which puts them on the path but does not
run their ``.pth`` files, so the editable install of the checkout stays out), and a Gymnasium
environment and a built-in scenario are used from a folder outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT_S = 300  # about 3 s here; the bound only stops a hung build


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    work = tmp_path_factory.mktemp("wheel-build")
    # a copy of what the wheel is built from (setuptools writes build/ and egg-info where it builds)
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "assets", src / "assets", ignore=ignore)
    shutil.copytree(ROOT / "wildfire_gym", src / "wildfire_gym", symlinks=True, ignore=ignore)
    env = {**os.environ, "TMPDIR": str(work)}
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "--no-index", str(src), "-w", str(out)], capture_output=True, text=True,
                       timeout=BUILD_TIMEOUT_S, env=env, cwd=work)
    assert r.returncode == 0, r.stderr[-3000:]
    wheels = list(out.glob("wildfire_gym-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_the_wheel_carries_every_asset(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = [p.relative_to(ROOT / "assets").as_posix() for p in (ROOT / "assets").rglob("*") if p.is_file()
              and "__pycache__" not in p.parts]
    assert len(assets) > 10
    missing = [a for a in assets if f"wildfire_gym/assets/{a}" not in names]
    assert not missing, missing
    assert "wildfire_gym/py.typed" in names and "wildfire_gym/envs/fireline.py" in names


def test_installed_wheel_runs_an_environment_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    py = target / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                        "--no-index", str(wheel)], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert r.returncode == 0, r.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import wildfire_gym, gymnasium\n"
        "from wildfire_gym._assets import assets_dir\n"
        "from wildfire_gym.scenario import load_scenario\n"
        "from wildfire_gym.envs import EpisodeConfig\n"
        "print('@pkg', wildfire_gym.__file__)\n"
        "print('@assets', assets_dir())\n"
        "print('@name', load_scenario('default').name)\n"
        "env = gymnasium.make('WildfireGym/Fireline-v0', episode=EpisodeConfig(grid_cells=32, n_landscapes=1))\n"
        "obs, _ = env.reset(seed=0)\n"
        "obs, r, term, trunc, info = env.step(env.action_space.sample())\n"
        "print('@ok', env.observation_space.contains(obs), float(r) == float(r))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WILDFIRE_GYM_ASSETS")}
    env["TI_SKIP_VERSION_CHECK"] = "ON"
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=elsewhere, env=env,
                       timeout=BUILD_TIMEOUT_S)
    assert r.returncode == 0, r.stderr[-3000:]
    got = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in r.stdout.splitlines() if line.startswith("@")}
    pkg, assets, name, ok = got["@pkg"], got["@assets"], got["@name"], got["@ok"]
    assert Path(pkg).is_relative_to(target) and not Path(pkg).is_relative_to(ROOT)
    assert Path(assets).is_relative_to(target) and (Path(assets) / "scenarios").is_dir()
    assert name == "default"
    assert ok == "True True"
