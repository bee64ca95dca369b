"""The ``wildfire-gym`` command line: the only place (with examples/) that wires every layer."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .errors import WildfireGymError

os.environ.setdefault("TI_SKIP_VERSION_CHECK", "ON")

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
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="output folder (created if missing)")]


def _friendly(fn: F) -> F:
    """Turn the package's own errors into one clear line and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except WildfireGymError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:  # an output folder that is a file, a full disk, no permission...
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            typer.echo(f"error: --out:{where}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log progress")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


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
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file; prints the validated scenario as JSON."""
    from .scenario import load_scenario

    sc = load_scenario(scenario)
    typer.echo(json.dumps(sc.to_dict(), indent=2))


def run_world(scenario: str, out: Path, meshes: bool = True, tree_lod: int = 0) -> dict[str, Path]:
    from .scenario import load_scenario
    from .world import build_world
    from .world.export import write_world

    sc = load_scenario(scenario)
    t0 = time.perf_counter()
    land = build_world(sc)
    log.info("built world %s in %.2f s", sc.name, time.perf_counter() - t0)
    return write_world(land, out, meshes=meshes, tree_lod=tree_lod)


@app.command()
@_friendly
def world(
    scenario: ScenarioArg,
    out: OutOpt = Path("out/world"),
    meshes: Annotated[bool, typer.Option(help="write GLB meshes of terrain, trees and houses")] = True,
    tree_lod: Annotated[int, typer.Option(min=0, max=2, help="tree mesh detail in trees.glb: 0 coarse .. 2 fine")] = 0,
) -> None:
    """Build a scenario's world: meshes (GLB), rasters (npz, GeoTIFF), preview PNG, world.json."""
    paths = run_world(scenario, out, meshes=meshes, tree_lod=tree_lod)
    summary = json.loads(paths["summary"].read_text())
    typer.echo(f"world {summary['name']}: {summary['shape'][1]}x{summary['shape'][0]} cells, "
               f"{summary['trees']:,} trees, {summary['houses']} houses -> {out}")
    for name in sorted(p.name for p in paths.values()):
        typer.echo(f"  {out / name}")


def run_simulate(scenario: str, out: Path, arch: str | None = None, animation: bool = True) -> dict[str, Path]:
    from .fire.outputs import write_fire_outputs
    from .fire.simulation import simulate_scenario
    from .scenario import load_scenario
    from .world import build_world

    sc = load_scenario(scenario)
    land = build_world(sc)
    t0 = time.perf_counter()
    land, sim = simulate_scenario(sc, arch=arch, landscape=land)
    wall = time.perf_counter() - t0
    return write_fire_outputs(land, sim.snapshot(0), out, wall, animation=animation,
                              extra_summary={"arch": sim.engine.arch})


@app.command()
@_friendly
def simulate(
    scenario: ScenarioArg,
    out: OutOpt = Path("out/simulate"),
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda (default: cuda if present)")] = None,
    animation: Annotated[bool, typer.Option(help="write fire.gif")] = True,
) -> None:
    """Burn a scenario: summary.json, fields.npz, GeoTIFFs, perimeter.geojson, fire.gif."""
    if arch is not None and arch not in ("cpu", "cuda"):
        from .errors import ScenarioError

        raise ScenarioError("--arch", "cpu or cuda", arch)
    paths = run_simulate(scenario, out, arch=arch, animation=animation)
    s = json.loads(paths["summary"].read_text())
    typer.echo(f"fire {s['scenario']}: {s['burned_area_ha']:.1f} ha burned in {s['time_s'] / 60:.0f} min, "
               f"head {s['head_ros_m_per_s']:.2f} m/s, max {s['max_fireline_intensity_kw_m']:.0f} kW/m, "
               f"{s['trees_burnt']} trees burnt, {s['houses_reached']}/{s['houses_total']} houses reached "
               f"(wall {s['wall_time_s']:.1f} s) -> {out}")


CAMERAS = ("uav", "uav_thermal", "tower", "nadir")


def run_render(scenario: str, out: Path, camera: str = "uav", frames: int = 12, size: int = 512,
               arch: str | None = None, randomize: bool = False, spec: Any = None, times: str | None = None,
               hour_offset_h: float = 0.0) -> dict[str, Any]:
    """Burn a scenario and render labelled frames at ``times`` (default: ``frames`` spread over its
    duration) from the camera ``spec`` (a :class:`~wildfire_gym.render.platforms.CameraSpec`;
    default: the ``camera`` preset at ``size`` pixels, aimed at the fire); returns paths and timings."""
    import dataclasses

    import numpy as np

    from .fire.simulation import FireSimulation
    from .io.atomic import atomic_write
    from .render import RenderConfig, Renderer, side_by_side, write_frame
    from .render.platforms import camera_for, parse_times_s, spec_from_options
    from .render.randomize import Appearance, sample_appearance
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
    with Renderer(land, RenderConfig(seed=sc.seed)) as renderer:
        for i, t in enumerate(times_s):
            sim.advance(float(t))
            snap = sim.snapshot(0)
            cam = camera_for(land, spec, snap)
            t0 = time.perf_counter()
            appearance = sample_appearance(rng) if randomize else None
            if hour_offset_h:
                appearance = dataclasses.replace(appearance or Appearance(), hour_offset_h=hour_offset_h)
            frame = renderer.render(snap, cam, appearance=appearance, seed=sc.seed + i)
            t_render += time.perf_counter() - t0
            write_frame(frame, out, i)
            strips.append(side_by_side(frame))
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
    out: OutOpt = Path("out/render"),
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
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda")] = None,
) -> None:
    """Burn a scenario and write labelled frames (rgb, depth, labels, thermal, smoke, boxes) + frames.gif."""
    from .render.platforms import spec_from_options

    spec = spec_from_options(camera, resolution, size, position, altitude_agl, distance, bearing, yaw, pitch, fov,
                             gsd, aim)
    r = run_render(scenario, out, camera, frames, size, arch, randomize, spec=spec, times=times)
    typer.echo(f"{r['frames']} frames from the {camera} camera ({r['frames'] / max(r['render_s'], 1e-9):.1f} "
               f"frames/s) -> {out}; animation: {r['animation']}")


@app.command()
@_friendly
def demo(
    out: OutOpt = Path("out/demo"),
    scenario: Annotated[str, typer.Option(help="scenario to show")] = "default",
) -> None:
    """The whole toolkit on the built-in default scenario: world, fire, frames."""
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    typer.echo(f"[1] world    -> {out / 'world'}")
    paths = run_world(scenario, out / "world")
    typer.echo(f"    preview: {paths['preview']}")
    typer.echo(f"[2] fire     -> {out / 'fire'}")
    fpaths = run_simulate(scenario, out / "fire")
    s = json.loads(fpaths["summary"].read_text())
    typer.echo(f"    {s['burned_area_ha']:.1f} ha burned, head {s['head_ros_m_per_s']:.2f} m/s, "
               f"{s['houses_reached']}/{s['houses_total']} houses reached; animation: {fpaths['animation']}")
    typer.echo(f"[3] frames   -> {out / 'frames'}")
    r = run_render(scenario, out / "frames", "uav", frames=8, size=384)
    typer.echo(f"    {r['frames']} labelled frames (rgb | thermal | labels): {r['animation']}")
    typer.echo(f"demo done in {time.perf_counter() - t0:.1f} s; open {out}")


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
    out: OutOpt = Path("out/dataset"),
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
    out: OutOpt = Path("out/mixed"),
    real_share: Annotated[float, typer.Option(help="share of real images in the mixed training set")] = 0.25,
    classes: Annotated[str | None, typer.Option(help="real class names to ours, e.g. flame=fire,smoke=smoke")] = None,
    seed: Annotated[int, typer.Option(help="seed of the synthetic frames drawn")] = 0,
) -> None:
    """Merge real labelled images with a synthetic dataset into one COCO/YOLO training set."""
    from .datasets.mix import mix_datasets, parse_class_map

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
