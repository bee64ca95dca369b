"""What a what-if study leaves on disk: tables, GeoTIFFs, per-house files, maps, an HTML report.

Every file is written atomically. The first variant is the reference that differences are taken
against (``variant - reference``). GeoTIFFs are multi-band, north-up, in the world's CRS (none for
a procedural world: coordinates are then metres from its south-west corner).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RasterError
from ..io.atomic import atomic_path, atomic_write, atomic_write_text
from .ensemble import StudyResult, VariantResult
from .metrics import FLP_NAMES, MEMBER_COLUMNS

log = logging.getLogger(__name__)

NODATA = -9999.0
"""Nodata value of the float32 GeoTIFF bands (cells no member burned, for CFL, FLP and arrival)."""

S_PER_MIN = 60.0
"""seconds per minute."""

TABLE_COLUMNS = (
    ("burned_area_ha", "burned ha", 1.0),
    ("houses_exposed", "exposed", 1.0),
    ("houses_reached", "reached", 1.0),
    ("houses_ignited", "ignited", 1.0),
    ("first_house_arrival_s", "1st house min", 1.0 / S_PER_MIN),
    ("max_intensity_kw_m", "max kW/m", 1.0),
    ("trees_burnt", "trees burnt", 1.0),
    ("canopy_fuel_consumed_t", "canopy t", 1.0),
    ("line_built_m", "line built m", 1.0),
    ("dropped_kl", "dropped kL", 1.0),
)
"""(member column, terminal header, factor) of the formatted comparison table."""


def slug(name: str) -> str:
    """A file-name-safe form of a variant name."""
    s = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return s or "variant"


def comparison_rows(study: StudyResult) -> list[dict[str, Any]]:
    """One row per variant: members, then mean and sd of every member column."""
    rows = []
    for r in study.variants:
        row: dict[str, Any] = {"variant": r.variant.name}
        row.update(r.acc.summary())
        row["members"] = int(row["members"])
        row["houses_total"] = len(r.landscape.structures)
        row["trees_standing"] = len(r.landscape.trees)
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a fixed-width text table (mean +- sd)."""
    name_w = max(8, *(len(r["variant"]) for r in rows))
    heads = [f"{'variant':{name_w}s}", f"{'n':>5s}"] + [f"{h:>17s}" for _, h, _ in TABLE_COLUMNS]
    lines = [" ".join(heads), "-" * len(" ".join(heads))]
    for r in rows:
        cells = [f"{r['variant']:{name_w}s}", f"{r['members']:5d}"]
        for key, _, f in TABLE_COLUMNS:
            m, s = r[f"{key}_mean"], r[f"{key}_sd"]
            cells.append(f"{'-':>17s}" if not math.isfinite(m) else f"{m * f:9.1f} ± {s * f:<6.1f}")
        lines.append(" ".join(cells))
    return "\n".join(lines)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()})
    return path


def write_multiband_geotiff(path: Path, bands: dict[str, np.ndarray], cell_m: float,
                            origin_xy: tuple[float, float], crs_wkt: str | None) -> Path:
    """South-up float bands -> one north-up float32 GeoTIFF (band descriptions = names), atomically."""
    import rasterio
    from affine import Affine
    from rasterio.crs import CRS
    from rasterio.errors import RasterioError

    from ..io.geotiff import crs_linear_unit_m

    names = list(bands)
    first = np.asarray(bands[names[0]])
    ny, nx = first.shape
    pixel = cell_m / crs_linear_unit_m(crs_wkt, str(path))
    transform = Affine(pixel, 0.0, float(origin_xy[0]), 0.0, -pixel, float(origin_xy[1]) + ny * pixel)
    profile = {"driver": "GTiff", "height": ny, "width": nx, "count": len(names), "dtype": "float32",
               "crs": CRS.from_wkt(crs_wkt) if crs_wkt else None, "transform": transform, "nodata": NODATA,
               "compress": "deflate", "predictor": 3}
    try:
        with rasterio.Env(GDAL_PAM_ENABLED="NO"), atomic_path(path) as tmp:
            with rasterio.open(tmp, "w", **profile) as dst:
                for i, n in enumerate(names, start=1):
                    a = np.asarray(bands[n], np.float64)[::-1]
                    dst.write(np.where(np.isfinite(a), a, NODATA).astype(np.float32), i)
                    dst.set_band_description(i, n)
    except RasterioError as exc:
        raise RasterError(f"{path}: cannot write GeoTIFF ({exc})") from None
    return path


def variant_bands(r: VariantResult) -> dict[str, np.ndarray]:
    """Burn probability, conditional flame length (m), FLP1..6, mean arrival (min)."""
    acc = r.acc
    bands = {"burn_probability": acc.burn_probability(), "conditional_flame_length_m": acc.conditional_flame_length_m()}
    flp = acc.flame_length_probabilities()
    for i, n in enumerate(FLP_NAMES):
        bands[n] = flp[i]
    bands["mean_arrival_min"] = acc.mean_arrival_s() / S_PER_MIN
    return bands


def difference_bands(r: VariantResult, ref: VariantResult) -> dict[str, np.ndarray]:
    """``variant - reference``: BP everywhere; CFL and mean arrival where both burned."""
    a, b = variant_bands(r), variant_bands(ref)
    return {"d_burn_probability": a["burn_probability"] - b["burn_probability"],
            "d_conditional_flame_length_m": a["conditional_flame_length_m"] - b["conditional_flame_length_m"],
            "d_mean_arrival_min": a["mean_arrival_min"] - b["mean_arrival_min"]}


def footprint_ring(x: float, y: float, length: float, width: float, yaw_deg: float) -> list[list[float]]:
    """Closed counter-clockwise ring of a rectangular footprint (long axis along compass ``yaw_deg``)."""
    yaw = math.radians(yaw_deg)
    ax, ay = math.sin(yaw), math.cos(yaw)  # along the long axis (east, north)
    cx, cy = -ay, ax  # across, 90 degrees counter-clockwise
    pts = [(x + sa * 0.5 * length * ax + sc * 0.5 * width * cx, y + sa * 0.5 * length * ay + sc * 0.5 * width * cy)
           for sa, sc in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    area2 = sum(pts[i][0] * pts[(i + 1) % 4][1] - pts[(i + 1) % 4][0] * pts[i][1] for i in range(4))
    if area2 < 0:
        pts.reverse()
    return [[round(px, 3), round(py, 3)] for px, py in pts + pts[:1]]


def house_rows(r: VariantResult) -> list[dict[str, Any]]:
    st = r.landscape.structures
    t = r.acc.house_table()
    ox, oy = r.landscape.origin_xy
    rows = []
    for h in range(len(st)):
        rows.append({"variant": r.variant.name, "house": int(st.id[h]), "x": float(st.x_m[h]) + ox,
                     "y": float(st.y_m[h]) + oy, "p_exposure": float(t["p_exposure"][h]),
                     "p_reached": float(t["p_reached"][h]), "p_ignition": float(t["p_ignition"][h]),
                     "earliest_arrival_s": float(t["earliest_arrival_s"][h]),
                     "median_arrival_s": float(t["median_arrival_s"][h])})
    return rows


def houses_geojson(r: VariantResult) -> dict[str, Any]:
    st = r.landscape.structures
    ox, oy = r.landscape.origin_xy
    feats = []
    for h, row in enumerate(house_rows(r)):
        props = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        ring = footprint_ring(float(st.x_m[h]) + ox, float(st.y_m[h]) + oy, float(st.length_m[h]),
                              float(st.width_m[h]), float(st.yaw_deg[h]))
        feats.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    crs = r.landscape.crs_wkt
    fc["crs_note"] = ("coordinates in metres: x east, y north from the terrain's south-west corner"
                      if crs is None else "coordinates in the world's projected CRS (crs_wkt)")
    if crs:
        fc["crs_wkt"] = crs
    return fc


# ----------------------------------------------------------------------------- figures
def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def _map_panels(study: StudyResult, fields: list[np.ndarray], titles: list[str], label: str, cmap: str,
                vmin: float | None = None, vmax: float | None = None) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..world.terrain import hillshade

    land = study.base
    w, h = land.size_m
    n = len(fields)
    fig, axes = plt.subplots(1, n, figsize=(3.0 * n + 1.2, 3.3), layout="constrained", squeeze=False)
    shade = hillshade(land.elevation_m, land.cell_m)
    im = None
    for ax, f, t in zip(axes[0], fields, titles):
        ax.imshow(shade, origin="lower", cmap="gray", extent=(0, w, 0, h))
        im = ax.imshow(np.ma.masked_invalid(f), origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, alpha=0.85,
                       extent=(0, w, 0, h))
        st = land.structures
        ax.scatter(st.x_m, st.y_m, s=10, marker="s", c="#1e90ff", edgecolors="white", linewidths=0.4)
        ax.set_title(t, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if im is not None:
        fig.colorbar(im, ax=axes[0].tolist(), shrink=0.85, label=label)
    return _png(fig)


def _bars(rows: list[dict[str, Any]], keys: list[tuple[str, str]]) -> bytes:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3.0), layout="constrained", squeeze=False)
    names = [r["variant"] for r in rows]
    for ax, (k, label) in zip(axes[0], keys):
        m = [r[f"{k}_mean"] if math.isfinite(r[f"{k}_mean"]) else 0.0 for r in rows]
        s = [r[f"{k}_sd"] if math.isfinite(r[f"{k}_sd"]) else 0.0 for r in rows]
        ax.bar(range(len(rows)), m, yerr=s, color="#d35400", capsize=3)
        ax.set_xticks(range(len(rows)), names, rotation=30, ha="right", fontsize=7)
        ax.set_title(label, fontsize=9)
    return _png(fig)


def _distribution_plot(study: StudyResult) -> bytes:
    """Box plots of the members' burned area and expected houses ignited, per variant."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.0), layout="constrained")
    names = [r.variant.name for r in study.variants]
    for ax, (key, label) in zip(axes, (("burned_area_ha", "burned area per fire (ha)"),
                                       ("houses_ignited", "houses ignited per fire (expected)"))):
        ax.boxplot([r.acc.members[key] for r in study.variants])
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30, ha="right", fontsize=7)
        ax.set_title(label, fontsize=9)
    return _png(fig)


def _house_plot(study: StudyResult) -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.0), layout="constrained")
    n = len(study.variants)
    width = 0.8 / max(n, 1)
    for i, r in enumerate(study.variants):
        p = r.acc.house_table()["p_ignition"]
        ax.bar(np.arange(p.size) + i * width, p, width, label=r.variant.name)
    ax.set_xlabel("house")
    ax.set_ylabel("P(ignition)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    return _png(fig)


def figures(study: StudyResult, rows: list[dict[str, Any]]) -> dict[str, bytes]:
    """PNG bytes of the maps and plots, by file name."""
    vs = study.variants
    names = [r.variant.name for r in vs]
    out = {
        "map_burn_probability.png": _map_panels(study, [r.acc.burn_probability() for r in vs], names,
                                                "burn probability", "YlOrRd", 0.0, 1.0),
        "map_conditional_flame_length.png": _map_panels(study, [r.acc.conditional_flame_length_m() for r in vs],
                                                        names, "conditional flame length (m)", "magma_r", 0.0),
        "map_mean_arrival.png": _map_panels(study, [r.acc.mean_arrival_s() / S_PER_MIN for r in vs], names,
                                            "mean arrival (min)", "viridis", 0.0),
        "plot_comparison.png": _bars(rows, [("burned_area_ha", "burned area (ha)"),
                                            ("houses_ignited", "houses ignited"),
                                            ("canopy_fuel_consumed_t", "canopy fuel consumed (t)")]),
    }
    out["plot_member_distributions.png"] = _distribution_plot(study)
    if len(vs) > 1:
        d = [r.acc.burn_probability() - vs[0].acc.burn_probability() for r in vs[1:]]
        out["map_difference_burn_probability.png"] = _map_panels(
            study, d, [f"{n} - {names[0]}" for n in names[1:]], "difference in burn probability", "RdBu_r", -1.0, 1.0)
    if len(study.base.structures):
        out["plot_houses.png"] = _house_plot(study)
    return out


# -------------------------------------------------------------------------------- html
def _html_table(rows: list[dict[str, Any]], keys: list[str]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "–" if not math.isfinite(v) else f"{v:.3g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(k, ''))}</td>" for k in keys) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def html_report(study: StudyResult, rows: list[dict[str, Any]], figs: dict[str, bytes], inputs: dict[str, str]) -> str:
    """A self-contained HTML page: tables, embedded PNGs, the inputs that produced it."""
    wi = study.whatif
    keys = ["variant", "members"] + [f"{c}_{s}" for c in MEMBER_COLUMNS for s in ("mean", "sd")]
    parts = [f"<h1>What-if: {html.escape(wi.name)}</h1>",
             f"<p>{len(study.variants)} variants, {study.members_total} fires of "
             f"{study.base.scenario.duration_s / S_PER_MIN:.0f} min on a {study.base.shape[1]} x "
             f"{study.base.shape[0]} grid of {study.base.cell_m:g} m cells, in {study.wall_s:.1f} s. "
             "Means and standard deviations over each variant's members; houses ignited is the expected number.</p>",
             "<h2>Comparison</h2>", _html_table(rows, keys)]
    for name, data in figs.items():
        b64 = base64.b64encode(data).decode("ascii")
        parts.append(f"<h3>{html.escape(name)}</h3><img alt='{html.escape(name)}' src='data:image/png;base64,{b64}'>")
    hrows = [row for r in study.variants for row in house_rows(r)]
    if hrows:
        parts += ["<h2>Houses</h2>", _html_table(hrows, list(hrows[0]))]
    parts.append("<h2>Inputs</h2>")
    for name, text in inputs.items():
        parts.append(f"<h3>{html.escape(name)}</h3><pre>{html.escape(text)}</pre>")
    style = ("body{font-family:sans-serif;max-width:1200px;margin:auto}table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:100%}"
             "pre{background:#f4f4f4;padding:8px;font-size:11px}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(wi.name)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")


def _inputs(study: StudyResult) -> dict[str, str]:
    import yaml

    from .._config import to_plain

    wi = study.whatif
    out = {}
    if wi.source and Path(wi.source).is_file():
        out[f"what-if file ({wi.source})"] = Path(wi.source).read_text(encoding="utf-8")
    else:
        plain = to_plain(wi)
        plain.pop("source", None)
        out["what-if (validated)"] = yaml.safe_dump(plain, sort_keys=False)
    if wi.place and Path(wi.place).is_file():
        out[f"place file ({wi.place})"] = Path(wi.place).read_text(encoding="utf-8")
    out["base scenario (validated)"] = yaml.safe_dump(study.base.scenario.to_dict(), sort_keys=False)
    return out


def write_report(study: StudyResult, out_dir: str | Path, *, images: bool = True) -> dict[str, Path]:
    """Write every product of the study into ``out_dir``; returns the paths by role."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    rows = comparison_rows(study)
    paths["comparison_csv"] = write_csv(out / "comparison.csv", rows)
    atomic_write_text(out / "comparison.txt", format_table(rows) + "\n")
    paths["comparison_txt"] = out / "comparison.txt"
    land = study.base
    ref = study.variants[0]
    all_houses: list[dict[str, Any]] = []
    for r in study.variants:
        s = slug(r.variant.name)
        paths[f"tif_{s}"] = write_multiband_geotiff(out / f"risk_{s}.tif", variant_bands(r), land.cell_m,
                                                    land.origin_xy, land.crs_wkt)
        if r is not ref:
            paths[f"diff_{s}"] = write_multiband_geotiff(out / f"diff_{s}_vs_{slug(ref.variant.name)}.tif",
                                                         difference_bands(r, ref), land.cell_m, land.origin_xy,
                                                         land.crs_wkt)
        if len(r.landscape.structures):
            paths[f"houses_{s}"] = out / f"houses_{s}.geojson"
            atomic_write_text(paths[f"houses_{s}"], json.dumps(houses_geojson(r)) + "\n")
            all_houses += house_rows(r)
    if all_houses:
        paths["houses_csv"] = write_csv(out / "houses.csv", all_houses)
    figs = figures(study, rows) if images else {}
    for name, data in figs.items():
        with atomic_write(out / name, "wb") as fh:
            fh.write(data)
        paths[name] = out / name
    paths["report"] = out / "report.html"
    atomic_write_text(paths["report"], html_report(study, rows, figs, _inputs(study)))
    summary = {"name": study.whatif.name, "wall_s": study.wall_s, "members_total": study.members_total,
               "variants": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                            for r in rows]}
    paths["summary"] = out / "summary.json"
    atomic_write_text(paths["summary"], json.dumps(summary, indent=2) + "\n")
    log.info("what-if %s: %d files in %s", study.whatif.name, len(paths), out)
    return paths
