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


def run_world(scenario: str, out: Path, meshes: bool = True) -> dict[str, Path]:
    from .scenario import load_scenario
    from .world import build_world
    from .world.export import write_world

    sc = load_scenario(scenario)
    t0 = time.perf_counter()
    land = build_world(sc)
    log.info("built world %s in %.2f s", sc.name, time.perf_counter() - t0)
    return write_world(land, out, meshes=meshes)


@app.command()
@_friendly
def world(
    scenario: ScenarioArg,
    out: OutOpt = Path("out/world"),
    meshes: Annotated[bool, typer.Option(help="write GLB meshes of terrain, trees and houses")] = True,
) -> None:
    """Build a scenario's world: meshes (GLB), rasters (npz, GeoTIFF), preview PNG, world.json."""
    paths = run_world(scenario, out, meshes=meshes)
    summary = json.loads(paths["summary"].read_text())
    typer.echo(f"world {summary['name']}: {summary['shape'][1]}x{summary['shape'][0]} cells, "
               f"{summary['trees']:,} trees, {summary['houses']} houses -> {out}")
    for name in sorted(p.name for p in paths.values()):
        typer.echo(f"  {out / name}")


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
    typer.echo(f"demo done in {time.perf_counter() - t0:.1f} s; open {out}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
