"""The ``wildfire-gym`` command line: the only place (with examples/) that wires every layer.

Before any work a command validates its flags and the environment variables
(:mod:`wildfire_gym._env`), checks that its output folder can be written (and removes the
temporary files a killed earlier run left there), and the scenario's memory needs
(:mod:`wildfire_gym.limits`, ``--allow-large`` to skip). Bad input is one line on stderr,
at most :data:`MAX_ERROR_CHARS` long, and exit status 2. Long runs show a progress bar on
stderr when it is a terminal (``--progress`` / ``--no-progress`` to choose).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .errors import ScenarioError, WildfireGymError, shorten

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

MAX_ERROR_CHARS = 400
"""Longest error line printed (a longer one is shortened in the middle)."""
PROGRESS_DELAY_S = 1.5
"""A progress bar appears only once a run has lasted this long (short runs print nothing)."""
PROGRESS_INTERVAL_S = 0.2
"""Shortest interval between two redraws of a progress bar."""
SIMULATE_PROGRESS_STEPS = 50
"""The fire is advanced in this many equal steps of simulated time (the progress bar's ticks);
the same steps whether or not a bar is shown, so the output never depends on the terminal."""

app = typer.Typer(
    name="wildfire-gym",
    help="Wildfire simulation, robot training and synthetic fire imagery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("wildfire_gym")
F = TypeVar("F", bound=Callable[..., Any])

ScenarioArg = Annotated[str, typer.Argument(help="a scenario YAML file, or a built-in name (see `wildfire-gym scenarios`)")]
OutOpt = Annotated[str, typer.Option("--out", "-o", help="output folder (created if missing)")]
AllowLargeOpt = Annotated[bool, typer.Option(
    "--allow-large", help="run even when the scenario needs more memory than is available "
    "(same as WILDFIRE_GYM_ALLOW_LARGE=1)")]
ProgressOpt = Annotated[bool | None, typer.Option(
    "--progress/--no-progress", help="progress bar on stderr (default: when stderr is a terminal)")]

_RENDERING_COMMANDS = ("render", "demo")


def _error_line(exc: BaseException | str) -> str:
    return shorten(" ".join(f"error: {exc}".splitlines()), MAX_ERROR_CHARS)


def _friendly(fn: F) -> F:
    """Check the environment, then turn the package's own errors into one clear line and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ._env import ALLOW_LARGE_ENV_VAR, check_environment

        saved = os.environ.get(ALLOW_LARGE_ENV_VAR)  # --allow-large holds for this command only
        try:
            check_environment(rendering=fn.__name__ in _RENDERING_COMMANDS)
            return fn(*args, **kwargs)
        except WildfireGymError as exc:
            typer.echo(_error_line(exc), err=True)
            raise typer.Exit(2) from None
        except BrokenPipeError:  # stdout closed early (`| head`): not an error of the output folder
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(141) from None
        except OSError as exc:  # what remains after the checks: a full disk, a folder removed meanwhile...
            where = f" {shorten(exc.filename, 160)}:" if getattr(exc, "filename", None) else ""
            typer.echo(_error_line(f"--out:{where} {exc.strerror or exc}"), err=True)
            raise typer.Exit(2) from None
        finally:
            if saved is None:
                os.environ.pop(ALLOW_LARGE_ENV_VAR, None)
            else:
                os.environ[ALLOW_LARGE_ENV_VAR] = saved

    return wrapper  # type: ignore[return-value]


def prepare_out_dir(out: str | os.PathLike[str], flag: str = "--out") -> Path:
    """Check an output folder before any work: a non-empty path, not a file, creatable and writable.

    Nothing is created (a command refused later, e.g. for a bad scenario, leaves no folder
    behind): the folder, or its nearest existing parent, must be a folder this process can
    write into. The temporary files an interrupted earlier run left in it are removed
    (:func:`wildfire_gym.io.atomic.remove_stale_temp_files`). Errors name ``flag``.
    """
    from .io.atomic import remove_stale_temp_files

    text = os.fspath(out)
    if not text.strip():
        raise ScenarioError(flag, "a folder path (got an empty one; use . for the current folder)", text)
    path = Path(text)
    try:
        probe = path
        while not probe.exists():  # a name too long for the file system raises here
            if probe.parent == probe:
                break
            probe = probe.parent
        if probe.exists() and not probe.is_dir():
            what = "a folder, not an existing file" if probe == path else f"a folder path ({probe} is a file)"
            raise ScenarioError(flag, what, text)
        if not os.access(probe, os.W_OK | os.X_OK):
            raise ScenarioError(flag, f"a folder this process can write into ({probe} is not writable)", text)
    except OSError as exc:
        raise ScenarioError(flag, f"a folder that can be created and written ({exc.strerror or exc})",
                            text) from None
    removed = remove_stale_temp_files(path) if path.is_dir() else []
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run in %s", len(removed), path)
    return path


def _allow_large(flag: bool) -> None:
    """``--allow-large`` holds for every scenario the command loads (as the environment variable does)."""
    if flag:
        from ._env import ALLOW_LARGE_ENV_VAR

        os.environ[ALLOW_LARGE_ENV_VAR] = "1"


def check_arch(arch: str | None) -> str | None:
    """Validate ``--arch`` (and ``$WILDFIRE_GYM_ARCH``) before any work; CUDA must be present when asked for."""
    from ._env import ARCH_ENV_VAR, arch_name, env_arch

    name = arch_name(arch, "--arch") if arch is not None else env_arch()
    if name == "cuda":
        from ._taichi import cuda_available

        if not cuda_available():
            raise ScenarioError("--arch" if arch is not None else ARCH_ENV_VAR,
                                "cpu, or cuda on a machine with a CUDA device (cuda requested but no "
                                "CUDA device was found)", "cuda")
    return name


class Progress:
    """A one-line progress bar on stderr: done/total, simulated time, ETA.

    Shown only when ``enabled`` (default: stderr is a terminal) and once the run has lasted
    :data:`PROGRESS_DELAY_S`; redrawn at most every :data:`PROGRESS_INTERVAL_S` with a
    carriage return, and ended with a newline only if it was drawn: logs get nothing.
    """

    WIDTH = 24

    def __init__(self, label: str, total: float, describe: Callable[[float], str],
                 enabled: bool | None = None, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.label, self.total, self.describe = label, max(float(total), 1e-12), describe
        self.t0 = time.perf_counter()
        self._last = -math.inf
        self.shown = False

    def update(self, done: float, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.t0
        if not final and (elapsed < PROGRESS_DELAY_S or now - self._last < PROGRESS_INTERVAL_S):
            return
        if final and not self.shown:
            return
        self._last = now
        frac = min(max(done / self.total, 0.0), 1.0)
        filled = int(round(frac * self.WIDTH))
        eta = elapsed * (1 - frac) / frac if frac > 0 else math.inf
        eta_txt = "--:--" if not math.isfinite(eta) else f"{int(eta // 60):02d}:{int(eta % 60):02d}"
        line = (f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {100 * frac:3.0f}% "
                f"{self.describe(done)}  elapsed {int(elapsed // 60):02d}:{int(elapsed % 60):02d}  ETA {eta_txt}")
        self.stream.write("\r" + line + " " * 4)
        self.stream.flush()
        self.shown = True

    def close(self, done: float) -> None:
        self.update(done, final=True)
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log progress")] = False) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # GDAL's warnings about a damaged raster precede the one-line error that names the field.
    logging.getLogger("rasterio").setLevel(logging.INFO if verbose else logging.ERROR)


class _StderrHandler(logging.StreamHandler):
    """Log records to whatever ``sys.stderr`` is when they are emitted (not the stream of the first
    command: in-process runners replace stderr for each command)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


@app.command()
@_friendly
def scenarios() -> None:
    """List the built-in scenarios."""
    from .scenario import builtin_scenarios

    for name, path in builtin_scenarios().items():
        first = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        typer.echo(f"{name:20s} {first}")


@app.command()
@_friendly
def validate(scenario: ScenarioArg, allow_large: AllowLargeOpt = False) -> None:
    """Check a scenario file (fields, rasters, memory needs); prints the validated scenario as JSON."""
    from .scenario import load_scenario

    _allow_large(allow_large)
    sc = load_scenario(scenario)
    typer.echo(json.dumps(sc.to_dict(), indent=2))


def run_world(scenario: str, out: Path, meshes: bool = True, tree_lod: int = 0) -> dict[str, Path]:
    from .scenario import load_scenario
    from .world import build_world
    from .world.export import write_world

    sc = load_scenario(scenario)
    if meshes:  # tree meshes cost more than the trees themselves
        from .limits import check_resources

        check_resources(sc, meshes=True)
    t0 = time.perf_counter()
    land = build_world(sc)
    log.info("built world %s in %.2f s", shorten(sc.name, 80), time.perf_counter() - t0)
    return write_world(land, out, meshes=meshes, tree_lod=tree_lod)


@app.command()
@_friendly
def world(
    scenario: ScenarioArg,
    out: OutOpt = "out/world",
    meshes: Annotated[bool, typer.Option(help="write GLB meshes of terrain, trees and houses")] = True,
    tree_lod: Annotated[int, typer.Option(min=0, max=2, help="tree mesh detail in trees.glb: 0 coarse .. 2 fine")] = 0,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Build a scenario's world: meshes (GLB), rasters (npz, GeoTIFF), preview PNG, world.json."""
    _allow_large(allow_large)
    out_dir = prepare_out_dir(out)
    paths = run_world(scenario, out_dir, meshes=meshes, tree_lod=tree_lod)
    summary = json.loads(paths["summary"].read_text())
    typer.echo(f"world {shorten(summary['name'], 80)}: {summary['shape'][1]}x{summary['shape'][0]} cells, "
               f"{summary['trees']:,} trees, {summary['houses']} houses -> {out_dir}")
    for name in sorted(p.name for p in paths.values()):
        typer.echo(f"  {out_dir / name}")


def run_simulate(scenario: str, out: Path, arch: str | None = None, animation: bool = True,
                 progress: bool | None = None) -> dict[str, Path]:
    """Build the world, burn it for ``duration_s`` in :data:`SIMULATE_PROGRESS_STEPS` steps, write the outputs.

    The summary's ``arch`` is the backend that ran (asking for CUDA without a device is an error).
    """
    import numpy as np

    from .fire.outputs import write_fire_outputs
    from .fire.simulation import FireSimulation
    from .scenario import load_scenario
    from .world import build_world

    sc = load_scenario(scenario)
    if not sc.ignitions:
        raise ScenarioError("ignitions", "at least one ignition to simulate a fire", [], source=sc.source)
    land = build_world(sc)
    t0 = time.perf_counter()
    sim = FireSimulation(land, arch=arch)
    bar = Progress("simulate", sc.duration_s, lambda t: f"t = {t / 60:.1f}/{sc.duration_s / 60:.1f} min",
                   enabled=progress)
    for t in np.linspace(sc.duration_s / SIMULATE_PROGRESS_STEPS, sc.duration_s, SIMULATE_PROGRESS_STEPS):
        sim.advance(float(t))
        bar.update(sim.time_s)
    bar.close(sim.time_s)
    wall = time.perf_counter() - t0
    return write_fire_outputs(sim.landscapes[0], sim.snapshot(0), out, wall, animation=animation,
                              extra_summary={"arch": sim.engine.arch})


@app.command()
@_friendly
def simulate(
    scenario: ScenarioArg,
    out: OutOpt = "out/simulate",
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda (default: cuda if present)")] = None,
    animation: Annotated[bool, typer.Option(help="write fire.gif")] = True,
    allow_large: AllowLargeOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Burn a scenario: summary.json, fields.npz, GeoTIFFs, perimeter.geojson, fire.gif."""
    arch = check_arch(arch)
    _allow_large(allow_large)
    out_dir = prepare_out_dir(out)
    paths = run_simulate(scenario, out_dir, arch=arch, animation=animation, progress=progress)
    s = json.loads(paths["summary"].read_text())
    typer.echo(f"fire {shorten(s['scenario'], 80)}: {s['burned_area_ha']:.1f} ha burned in {s['time_s'] / 60:.0f} min, "
               f"head {s['head_ros_m_per_s']:.2f} m/s, max {s['max_fireline_intensity_kw_m']:.0f} kW/m, "
               f"{s['trees_burnt']} trees burnt, {s['houses_reached']}/{s['houses_total']} houses reached "
               f"(wall {s['wall_time_s']:.1f} s) -> {out_dir}")


CAMERAS = ("uav", "uav_thermal", "tower", "nadir")

DEMO_DATASET_FRAMES = 8
"""Frames of the demo's small labelled dataset (two scenes)."""

DEMO_DATASET_SIZE = 256
"""Width and height of the demo dataset's frames, pixels."""

DEMO_WHATIF_MEMBERS = 8
"""Ensemble size of each variant in the demo's what-if comparison (a quick look, not a study)."""


def check_render_resources(scenario: str, frames: int, size: int) -> None:
    """Refuse, before any work, a render whose world, fire and ``frames`` frames of ``size``^2 exceed memory."""
    from .limits import check_resources
    from .scenario import load_scenario

    check_resources(load_scenario(scenario), frames=frames, frame_size_px=size)


def run_render(scenario: str, out: Path, camera: str = "uav", frames: int = 12, size: int = 512,
               arch: str | None = None, randomize: bool = False, spec: Any = None, times: str | None = None,
               night: bool = False, progress: bool | None = None) -> dict[str, Any]:
    """Burn a scenario and render labelled frames at ``times`` (default: ``frames`` spread over its
    duration) from the camera ``spec`` (a :class:`~wildfire_gym.render.platforms.CameraSpec`;
    default: the ``camera`` preset at ``size`` pixels, aimed at the fire); returns paths and timings."""
    import numpy as np

    from .fire.simulation import FireSimulation
    from .io.atomic import atomic_write
    from .render import RenderConfig, Renderer, side_by_side, write_frame
    from .render.platforms import camera_for, parse_times_s, spec_from_options
    from .render.randomize import night_appearance, sample_appearance
    from .scenario import load_scenario
    from .world import build_world

    if spec is None:
        spec = spec_from_options(camera, size=size)
    sc = load_scenario(scenario)
    times_s = parse_times_s(times, sc.duration_s, frames)
    land = build_world(sc)
    sim = FireSimulation(land, arch=arch)
    land = sim.landscapes[0]
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(sc.seed)
    strips = []
    t_render = 0.0
    n_frames = len(times_s)
    bar = Progress("render", n_frames, lambda n: f"frame {int(n)}/{n_frames}", enabled=progress)
    with Renderer(land, RenderConfig(seed=sc.seed)) as renderer:
        for i, t in enumerate(times_s):
            sim.advance(float(t))
            snap = sim.snapshot(0)
            cam = camera_for(land, spec, snap)
            t0 = time.perf_counter()
            appearance = sample_appearance(rng) if randomize else None
            if night:
                appearance = night_appearance(sc.weather.start_hour, float(t), appearance)
            frame = renderer.render(snap, cam, appearance=appearance, seed=sc.seed + i)
            t_render += time.perf_counter() - t0
            write_frame(frame, out, i)
            strips.append(side_by_side(frame))
            bar.update(i + 1)
    bar.close(n_frames)
    from PIL import Image

    anim = out / "frames.gif"
    ims = [Image.fromarray(s).convert("P", palette=Image.ADAPTIVE, colors=200) for s in strips]
    with atomic_write(anim, "wb") as fh:
        ims[0].save(fh, format="GIF", save_all=True, append_images=ims[1:], duration=250, loop=0)
    return {"animation": anim, "frames": len(times_s), "render_s": t_render, "out": out}


@app.command()
@_friendly
def render(
    scenario: ScenarioArg,
    out: OutOpt = "out/render",
    camera: Annotated[str, typer.Option(help="uav | uav_thermal | tower | nadir (platform presets)")] = "uav",
    frames: Annotated[int, typer.Option(min=1, max=10000, help="frames over the scenario's duration")] = 12,
    times: Annotated[str | None, typer.Option(help="comma-separated frame times, s (instead of --frames)")] = None,
    size: Annotated[int, typer.Option(min=16, max=4096, help="image width and height, pixels")] = 512,
    resolution: Annotated[str | None, typer.Option(help="WIDTHxHEIGHT, pixels (overrides --size; uav_thermal: 640x512)")] = None,
    position: Annotated[str | None, typer.Option(help="camera X,Y in m (default: stand off from the aim point)")] = None,
    altitude_agl: Annotated[float | None, typer.Option(help="camera height above ground, m (uav 30-150; tower: above the fire's ground)")] = None,
    distance: Annotated[float | None, typer.Option(help="horizontal stand-off from the aim point, m")] = None,
    bearing: Annotated[float | None, typer.Option(help="compass bearing from the aim point to the camera, deg")] = None,
    yaw: Annotated[float | None, typer.Option(help="compass heading of the view, deg (overrides the aim)")] = None,
    pitch: Annotated[float | None, typer.Option(help="view angle below the horizon, deg (overrides the aim)")] = None,
    fov: Annotated[float | None, typer.Option(help="vertical field of view, deg")] = None,
    gsd: Annotated[float | None, typer.Option(help="nadir ground sampling distance, m per pixel")] = None,
    aim: Annotated[str, typer.Option(help="fire | centre | none (none: use --yaw and --pitch)")] = "fire",
    randomize: Annotated[bool, typer.Option(help="seeded domain randomisation of each frame")] = False,
    night: Annotated[bool, typer.Option(help="render at night (22:30 solar time, night exposure)")] = False,
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda")] = None,
    allow_large: AllowLargeOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Burn a scenario and write labelled frames (rgb, depth, labels, thermal, smoke, boxes) + frames.gif."""
    from .render.platforms import spec_from_options

    arch = check_arch(arch)
    _allow_large(allow_large)
    spec = spec_from_options(camera, resolution, size, position, altitude_agl, distance, bearing, yaw, pitch, fov,
                             gsd, aim)
    out_dir = prepare_out_dir(out)
    n_frames = frames if times is None else len([t for t in times.split(",") if t.strip()])
    check_render_resources(scenario, n_frames, max(spec.width or size, spec.height or size))
    r = run_render(scenario, out_dir, camera, frames, size, arch, randomize, spec=spec, times=times, night=night,
                   progress=progress)
    typer.echo(f"{r['frames']} frames from the {camera} camera ({r['frames'] / max(r['render_s'], 1e-9):.1f} "
               f"frames/s) -> {out_dir}; animation: {r['animation']}")


@app.command()
@_friendly
def demo(
    out: OutOpt = "out/demo",
    scenario: Annotated[str, typer.Option(help="scenario to show")] = "default",
    allow_large: AllowLargeOpt = False,
) -> None:
    """The whole toolkit on the built-in default scenario: world, fire, frames, a what-if comparison."""
    t0 = time.perf_counter()
    _allow_large(allow_large)
    out = prepare_out_dir(out)  # type: ignore[assignment]
    for part in ("world", "fire", "frames", "whatif", "dataset"):
        prepare_out_dir(out / part)  # type: ignore[operator]
    typer.echo(f"[1] world    -> {out / 'world'}")
    paths = run_world(scenario, out / "world")
    typer.echo(f"    preview: {paths['preview']}")
    typer.echo(f"[2] fire     -> {out / 'fire'}")
    fpaths = run_simulate(scenario, out / "fire")
    s = json.loads(fpaths["summary"].read_text())
    typer.echo(f"    {s['burned_area_ha']:.1f} ha burned, head {s['head_ros_m_per_s']:.2f} m/s, "
               f"{s['houses_reached']}/{s['houses_total']} houses reached; animation: {fpaths['animation']}")
    typer.echo(f"[3] frames   -> {out / 'frames'}")
    for sub, cam, n, night, what in (("uav", "uav", 6, False, "UAV close-up of the head"),
                                     ("tower", "tower", 3, False, "lookout 8 km away: the plume"),
                                     ("night", "uav", 2, True, "UAV at night")):
        r = run_render(scenario, out / "frames" / sub, cam, frames=n, size=384, night=night)
        typer.echo(f"    {what}: {r['frames']} labelled frames (rgb | thermal | labels): {r['animation']}")
    if scenario == "default":  # the built-in study is drawn on the default scenario's map
        typer.echo(f"[4] what-if  -> {out / 'whatif'}")
        from ._assets import assets_dir

        w = run_whatif_cli(str(assets_dir() / "whatif" / "fuel-break.yaml"), out / "whatif", members=DEMO_WHATIF_MEMBERS)
        typer.echo("\n".join("    " + line for line in w["table"].splitlines()))
        typer.echo(f"    {w['members']} fires in {w['wall_s']:.1f} s; report: {w['paths']['report']}")
    typer.echo(f"[5] dataset  -> {out / 'dataset'}")
    import dataclasses

    from .datasets import DatasetJob, load_dataset_config, make_dataset
    from .datasets.stats import write_stats_report

    base = load_dataset_config("default")
    cfg = dataclasses.replace(base, frames_per_scene=DEMO_DATASET_FRAMES // 2,
                              image=dataclasses.replace(base.image, width=DEMO_DATASET_SIZE, height=DEMO_DATASET_SIZE))
    make_dataset(DatasetJob(cfg, DEMO_DATASET_FRAMES, str(out / "dataset")), command="wildfire-gym demo")
    st = json.loads((out / "dataset" / "stats.json").read_text())
    report = write_stats_report(out / "dataset", samples=DEMO_DATASET_FRAMES)
    typer.echo(f"    {st['frames']} labelled frames from {st['scenes']} scenes (COCO, YOLO, card); stats: {report}")
    typer.echo(f"demo done in {time.perf_counter() - t0:.1f} s; open {out}")



def run_whatif_cli(file: str, out: Path, arch: str | None = None, batch: int = 32, images: bool = True,
                   members: int | None = None, progress: bool | None = None,
                   ray_address: str | None = None) -> dict[str, Any]:
    """Run a what-if file and write its report; returns the paths, the table text and the wall time."""
    import dataclasses

    from .whatif import load_whatif, run_whatif
    from .whatif.report import comparison_rows, format_table, write_report

    wi = load_whatif(file)
    if members is not None:  # override every variant's ensemble size (quick looks)
        wi = dataclasses.replace(
            wi, ensemble=dataclasses.replace(wi.ensemble, members=members),
            variants=[dataclasses.replace(v, ensemble=None if v.ensemble is None
                                          else dataclasses.replace(v.ensemble, members=members))
                      for v in wi.variants])
    bars: dict[str, Progress] = {}

    def bar(done: int, total: int) -> None:
        if "members" not in bars:
            bars["members"] = Progress("members", total, lambda n: f"{int(n)}/{total} fires", enabled=progress)
        bars["members"].update(done)

    study = run_whatif(wi, arch=arch, batch=batch, progress=bar, ray_address=ray_address)
    if "members" in bars:
        bars["members"].close(study.members_total)
    paths = write_report(study, out, images=images)
    return {"paths": paths, "table": format_table(comparison_rows(study)), "wall_s": study.wall_s,
            "members": study.members_total}


@app.command()
@_friendly
def whatif(
    file: Annotated[str, typer.Argument(help="a what-if YAML file (see assets/whatif/)")],
    out: OutOpt = "out/whatif",
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda (default: cuda if present)")] = None,
    batch: Annotated[int, typer.Option(min=1, max=4096, help="members advanced together by one engine")] = 32,
    members: Annotated[int | None, typer.Option(min=1, max=100000, help="override every variant's ensemble size")] = None,
    images: Annotated[bool, typer.Option(help="write PNG maps and plots (and embed them in report.html)")] = True,
    progress: ProgressOpt = None,
    ray: Annotated[str | None, typer.Option("--ray", help="spread the member batches over the Ray cluster at "
                                            "ADDRESS ('local' starts one here)")] = None,
) -> None:
    """Compare variants of a world as seeded fire ensembles: table, risk GeoTIFFs, houses, maps, HTML report."""
    arch = check_arch(arch)
    if ray is not None and not ray.strip():
        raise ScenarioError("--ray", "a Ray cluster address (host:port, 'auto' or 'local')", ray)
    out_dir = prepare_out_dir(out)
    r = run_whatif_cli(file, out_dir, arch=arch, batch=batch, images=images, members=members, progress=progress,
                       ray_address=ray)
    typer.echo(r["table"])
    typer.echo(f"{r['members']} fires in {r['wall_s']:.1f} s -> {out_dir} (report: {r['paths']['report']})")


# ----------------------------------------------------------------------------- dataset
class _DatasetGroup(typer.core.TyperGroup):
    """``dataset CONFIG ...`` runs ``dataset make CONFIG ...``; ``mix`` and ``stats`` are subcommands."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["make", *args]
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["make", *args]
        return super().parse_args(ctx, args)


dataset_app = typer.Typer(cls=_DatasetGroup, no_args_is_help=True, add_completion=False,
                          help="Labelled fire-imagery datasets: `dataset CONFIG --frames N --out DIR`, `dataset mix`, `dataset stats`.")
app.add_typer(dataset_app, name="dataset")


class _Progress:
    """Frames done, frames/s and ETA on one stderr line."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.t0 = total, 0, time.perf_counter()

    def __call__(self, n: int) -> None:
        self.done += n
        dt = max(time.perf_counter() - self.t0, 1e-9)
        rate = self.done / dt
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        typer.echo(f"\r  {self.done}/{self.total} frames  {rate:.2f} frames/s  ETA {eta:.0f} s   ", err=True, nl=False)


@dataset_app.command("make")
@_friendly
def dataset_make(
    config: Annotated[str, typer.Argument(help="a dataset config YAML, or `default`")],
    frames: Annotated[int, typer.Option(help="frames in the dataset")] = 100,
    out: OutOpt = "out/dataset",
    workers: Annotated[int, typer.Option(help="local worker processes")] = 1,
    shards: Annotated[int | None, typer.Option(help="shards (default: one per scene)")] = None,
    ray: Annotated[str | None, typer.Option(help="run the shards on the Ray cluster at this address")] = None,
) -> None:
    """Make (or resume) a labelled dataset: frames, COCO, YOLO, manifests, dataset card.

    In a Kubernetes indexed Job each pod runs the shard JOB_COMPLETION_INDEX (give --shards)."""
    from .datasets import DatasetJob, load_dataset_config, make_dataset, shard_index_from_env

    if frames < 1:
        from .errors import ScenarioError

        raise ScenarioError("--frames", "a number of frames >= 1", frames)
    out = prepare_out_dir(out)  # type: ignore[assignment]
    cfg = load_dataset_config(config)
    job = DatasetJob(cfg, frames, str(out))
    n_shards = shards if shards is not None else job.n_scenes
    index = shard_index_from_env(n_shards)
    if index is not None and shards is None:
        from .errors import ScenarioError

        raise ScenarioError("--shards", "the number of shards (the Job's completions) when JOB_COMPLETION_INDEX is set", None)
    command = f"wildfire-gym dataset {Path(config).name} --frames {frames} --out {out.name}"
    t0 = time.perf_counter()
    total = job.frames if index is None else sum(job.frames_in_scene(s) for s in range(index, job.n_scenes, n_shards))
    res = make_dataset(job, workers=workers, num_shards=shards, ray_address=ray, shard_index=index,
                       command=command, progress=_Progress(total))
    wall = time.perf_counter() - t0
    typer.echo("", err=True)
    if res.get("status") != "complete":
        typer.echo(f"shard {index} of {n_shards} done in {wall:.1f} s; the dataset is written when every shard is")
        return
    st = json.loads((out / "stats.json").read_text())
    sp = st["splits"]
    typer.echo(f"dataset {cfg.name}: {st['frames']} frames from {st['scenes']} scenes in {wall:.1f} s "
               f"({st['frames'] / max(wall, 1e-9):.2f} frames/s); train/val/test frames "
               f"{sp['train']['frames']}/{sp['val']['frames']}/{sp['test']['frames']}; boxes fire "
               f"{sum(s['boxes']['fire'] for s in sp.values())}, smoke {sum(s['boxes']['smoke'] for s in sp.values())} -> {out}")
    typer.echo(f"  {out / 'README.md'}  {out / 'coco'}  {out / 'yolo' / 'data.yaml'}")


@dataset_app.command("mix")
@_friendly
def dataset_mix(
    synthetic: Annotated[Path, typer.Argument(help="a dataset made by `wildfire-gym dataset`")],
    real: Annotated[Path, typer.Argument(help="a folder of real images labelled in COCO or YOLO")],
    out: OutOpt = "out/mixed",
    real_share: Annotated[float, typer.Option(help="share of real images in the mixed training set")] = 0.25,
    classes: Annotated[str | None, typer.Option(help="real class names to ours, e.g. flame=fire,smoke=smoke")] = None,
    seed: Annotated[int, typer.Option(help="seed of the synthetic frames drawn")] = 0,
) -> None:
    """Merge real labelled images with a synthetic dataset into one COCO/YOLO training set."""
    from .datasets.mix import mix_datasets, parse_class_map

    out = prepare_out_dir(out)  # type: ignore[assignment]
    rep = mix_datasets(synthetic, real, out, real_share, parse_class_map(classes), seed)
    typer.echo(f"mixed {rep['real_images']} real ({rep['real_format']}) + {rep['synthetic_images']} synthetic images "
               f"(real share {rep['real_share']:.3f}; {rep['real_boxes_dropped']} real boxes of unmapped classes dropped) -> {out}")


@dataset_app.command("stats")
@_friendly
def dataset_stats(
    directory: Annotated[Path, typer.Argument(help="a dataset made by `wildfire-gym dataset`")],
    real: Annotated[Path | None, typer.Option(help="a folder of real COCO/YOLO-labelled images to compare with")] = None,
    samples: Annotated[int, typer.Option(min=1, max=200, help="frames on the contact sheet")] = 24,
) -> None:
    """Write DIR/stats.html: class balance, boxes, thermal, smoke, time of day, platforms, long tail, samples."""
    from .datasets.stats import write_stats_report

    p = write_stats_report(directory, real, samples=samples)
    typer.echo(f"stats report -> {p} (contact sheet {p.with_name('contact_sheet.png')})")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
