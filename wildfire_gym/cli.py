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


CAMERAS = ("uav", "tower", "nadir")


def run_render(scenario: str, out: Path, camera: str = "uav", frames: int = 12, size: int = 512,
               arch: str | None = None, randomize: bool = False) -> dict[str, Any]:
    """Burn a scenario and render ``frames`` labelled frames over its duration; returns paths and timings."""
    import numpy as np

    from .fire.simulation import FireSimulation
    from .io.atomic import atomic_write
    from .render import RenderConfig, Renderer, camera_preset, side_by_side, write_frame
    from .render.randomize import sample_appearance
    from .scenario import load_scenario
    from .world import build_world

    if camera not in CAMERAS:
        from .errors import ScenarioError

        raise ScenarioError("--camera", "one of " + ", ".join(CAMERAS), camera)
    sc = load_scenario(scenario)
    land = build_world(sc)
    sim = FireSimulation(land, arch=arch)
    land = sim.landscapes[0]
    target = None
    if sc.ignitions:
        ig = sc.ignitions[0]
        to = np.deg2rad((sc.weather.wind_from_deg + 180.0) % 360.0)
        sx, sy = land.size_m
        target = (float(np.clip(ig.x_m + 0.2 * sx * np.sin(to), 0, sx)),
                  float(np.clip(ig.y_m + 0.2 * sy * np.cos(to), 0, sy)))
    cam = camera_preset(land, camera, size, size, target)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(sc.seed)
    strips = []
    t_render = 0.0
    with Renderer(land, RenderConfig(seed=sc.seed)) as renderer:
        for i, t in enumerate(np.linspace(sc.duration_s / frames, sc.duration_s, frames)):
            sim.advance(float(t))
            t0 = time.perf_counter()
            appearance = sample_appearance(rng) if randomize else None
            frame = renderer.render(sim.snapshot(0), cam, appearance=appearance, seed=sc.seed + i)
            t_render += time.perf_counter() - t0
            write_frame(frame, out, i)
            strips.append(side_by_side(frame))
    from PIL import Image

    anim = out / "frames.gif"
    ims = [Image.fromarray(s).convert("P", palette=Image.ADAPTIVE, colors=200) for s in strips]
    with atomic_write(anim, "wb") as fh:
        ims[0].save(fh, format="GIF", save_all=True, append_images=ims[1:], duration=250, loop=0)
    return {"animation": anim, "frames": frames, "render_s": t_render, "out": out}


@app.command()
@_friendly
def render(
    scenario: ScenarioArg,
    out: OutOpt = Path("out/render"),
    camera: Annotated[str, typer.Option(help="uav | tower | nadir")] = "uav",
    frames: Annotated[int, typer.Option(min=1, max=10000, help="frames over the scenario's duration")] = 12,
    size: Annotated[int, typer.Option(min=16, max=4096, help="image width and height, pixels")] = 512,
    randomize: Annotated[bool, typer.Option(help="seeded domain randomisation of each frame")] = False,
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda")] = None,
) -> None:
    """Burn a scenario and write labelled frames (rgb, depth, labels, thermal, smoke, boxes) + frames.gif."""
    r = run_render(scenario, out, camera, frames, size, arch, randomize)
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



def run_whatif_cli(file: str, out: Path, arch: str | None = None, batch: int = 32, images: bool = True,
                   members: int | None = None, progress: bool | None = None) -> dict[str, Any]:
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
    show = sys.stderr.isatty() if progress is None else progress

    def bar(done: int, total: int) -> None:
        n = int(30 * done / max(total, 1))
        sys.stderr.write(f"\r  members [{'#' * n}{'.' * (30 - n)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    study = run_whatif(wi, arch=arch, batch=batch, progress=bar if show else None)
    paths = write_report(study, out, images=images)
    return {"paths": paths, "table": format_table(comparison_rows(study)), "wall_s": study.wall_s,
            "members": study.members_total}


@app.command()
@_friendly
def whatif(
    file: Annotated[str, typer.Argument(help="a what-if YAML file (see assets/whatif/)")],
    out: OutOpt = Path("out/whatif"),
    arch: Annotated[str | None, typer.Option(help="taichi arch: cpu or cuda (default: cuda if present)")] = None,
    batch: Annotated[int, typer.Option(min=1, max=4096, help="members advanced together by one engine")] = 32,
    members: Annotated[int | None, typer.Option(min=1, max=100000, help="override every variant's ensemble size")] = None,
    images: Annotated[bool, typer.Option(help="write PNG maps and plots (and embed them in report.html)")] = True,
) -> None:
    """Compare variants of a world as seeded fire ensembles: table, risk GeoTIFFs, houses, maps, HTML report."""
    if arch is not None and arch not in ("cpu", "cuda"):
        from .errors import ScenarioError

        raise ScenarioError("--arch", "cpu or cuda", arch)
    r = run_whatif_cli(file, out, arch=arch, batch=batch, images=images, members=members)
    typer.echo(r["table"])
    typer.echo(f"{r['members']} fires in {r['wall_s']:.1f} s -> {out} (report: {r['paths']['report']})")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
