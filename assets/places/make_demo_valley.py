"""Make the demo-valley place: a small, invented landscape in real formats, as agencies ship them.

* ``dem.tif``: elevations, float32 metres, UTM zone 11N (EPSG:32611), 30 m pixels;
* ``fuel.tif``: fuel-model numbers as LANDFIRE's FBFM40 numbers them (GR2 102, SH5 145, TU5 165,
  TL8 188, NB8 98 open water), int16, CONUS Albers (EPSG:5070), 30 m pixels (another CRS and grid);
* ``trees.csv``: a tree list (x, y in EPSG:32611; species, height, crown base, crown diameter);
* ``houses.geojson``: house footprints as WGS 84 longitude/latitude polygons (RFC 7946);
* ``place.yaml``: the place file that reprojects all of it onto a 10 m UTM grid.

Nothing here is a real place; the values are drawn from seeded smooth fields. Rerun to recreate
(deterministic): ``.venv/bin/python assets/places/make_demo_valley.py``.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.warp import transform, transform_bounds

OUT = Path(__file__).resolve().parent / "demo-valley"
UTM = "EPSG:32611"
ALBERS = "EPSG:5070"
WEST, SOUTH = 262_000.0, 4_152_000.0  # UTM 11N, in the Sierra Nevada foothills (an invented valley)
WIDTH_M, HEIGHT_M = 2_100.0, 1_500.0
PIXEL_M = 30.0
SEED = 11


def smooth(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    f = gaussian_filter(rng.standard_normal(shape), scale_px, mode="wrap")
    return (f - f.mean()) / (f.std() + 1e-12)


def write(path: Path, data: np.ndarray, crs: str, tf: Affine, nodata: float | int, unit: str | None = None) -> None:
    profile = {"driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
               "dtype": data.dtype.name, "crs": crs, "transform": tf, "nodata": nodata, "compress": "deflate"}
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if unit:
            dst.set_band_unit(1, unit)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    # DEM, north-up: a valley running east-west with a creek, hills on both sides.
    nx, ny = int(WIDTH_M / PIXEL_M), int(HEIGHT_M / PIXEL_M)
    xs = WEST + (np.arange(nx) + 0.5) * PIXEL_M
    ys = SOUTH + HEIGHT_M - (np.arange(ny) + 0.5) * PIXEL_M
    gx, gy = np.meshgrid(xs, ys)
    v = (gy - (SOUTH + 0.45 * HEIGHT_M)) / HEIGHT_M
    dem = 620.0 + 260.0 * v**2 + 35.0 * smooth(rng, (ny, nx), 4.0) + 0.02 * (gx - WEST)
    write(OUT / "dem.tif", dem.astype(np.float32), UTM, Affine(PIXEL_M, 0, WEST, 0, -PIXEL_M, SOUTH + HEIGHT_M),
          -9999.0, "metre")

    # Fuel in CONUS Albers, covering the DEM with a margin.
    w, s, e, n = transform_bounds(UTM, ALBERS, WEST - 200, SOUTH - 200, WEST + WIDTH_M + 200, SOUTH + HEIGHT_M + 200)
    fx0, fy1 = math.floor(w / PIXEL_M) * PIXEL_M, math.ceil(n / PIXEL_M) * PIXEL_M
    fnx, fny = int(math.ceil((e - fx0) / PIXEL_M)), int(math.ceil((fy1 - s) / PIXEL_M))
    fxs = fx0 + (np.arange(fnx) + 0.5) * PIXEL_M
    fys = fy1 - (np.arange(fny) + 0.5) * PIXEL_M
    fgx, fgy = np.meshgrid(fxs, fys)
    ux, uy = transform(ALBERS, UTM, fgx.ravel().tolist(), fgy.ravel().tolist())
    ux, uy = np.asarray(ux).reshape(fgx.shape), np.asarray(uy).reshape(fgx.shape)
    vv = (uy - (SOUTH + 0.45 * HEIGHT_M)) / HEIGHT_M
    noise = smooth(rng, (fny, fnx), 5.0)
    fuel = np.full((fny, fnx), 102, np.int16)  # GR2 in the valley floor
    fuel[(np.abs(vv) > 0.12) & (noise > -0.3)] = 145  # SH5 on the lower slopes
    fuel[(np.abs(vv) > 0.25) & (noise > -0.6)] = 165  # TU5 timber understory higher up
    fuel[(np.abs(vv) > 0.38)] = 188  # TL8 long-needle litter on the ridges
    fuel[np.abs(vv + 0.02 * np.sin((ux - WEST) / 150.0)) < 0.012] = 98  # the creek (open water)
    write(OUT / "fuel.tif", fuel, ALBERS, Affine(PIXEL_M, 0, fx0, 0, -PIXEL_M, fy1), -9999)

    # Trees where the fuel is timber (TU5, TL8), in UTM coordinates.
    n_try = 6000
    tx = WEST + rng.random(n_try) * WIDTH_M
    ty = SOUTH + rng.random(n_try) * HEIGHT_M
    ax, ay = transform(UTM, ALBERS, tx.tolist(), ty.tolist())
    col = np.clip(((np.asarray(ax) - fx0) // PIXEL_M).astype(int), 0, fnx - 1)
    row = np.clip(((fy1 - np.asarray(ay)) // PIXEL_M).astype(int), 0, fny - 1)
    keep = np.isin(fuel[row, col], (165, 188))
    with (OUT / "trees.csv").open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["x", "y", "species", "height_m", "crown_base_m", "crown_diameter_m"])
        for x, y in zip(tx[keep], ty[keep]):
            sp = "pine" if rng.random() < 0.75 else "oak"
            h = float(np.clip(rng.normal(17.0 if sp == "pine" else 11.0, 4.0), 4.0, 35.0))
            cb = h * float(np.clip(rng.normal(0.35, 0.1), 0.05, 0.8))
            cd = max(1.5, 0.28 * h * float(rng.uniform(0.8, 1.2)))
            wr.writerow([f"{x:.2f}", f"{y:.2f}", sp, f"{h:.2f}", f"{cb:.2f}", f"{cd:.2f}"])

    # Houses on the valley floor, north side of the creek: rotated rectangles in lon/lat.
    feats = []
    for i in range(10):
        cx = WEST + 900.0 + 45.0 * (i % 5) + rng.normal(0, 6)
        cy = SOUTH + 0.45 * HEIGHT_M + 60.0 + 50.0 * (i // 5) + rng.normal(0, 6)
        L, W, yaw = rng.uniform(12, 18), rng.uniform(8, 11), math.radians(rng.uniform(60, 120))
        a = np.array([math.sin(yaw), math.cos(yaw)])
        b = np.array([-a[1], a[0]])
        corners = [np.array([cx, cy]) + sa * 0.5 * L * a + sb * 0.5 * W * b
                   for sa, sb in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        lon, lat = transform(UTM, "EPSG:4326", [c[0] for c in corners], [c[1] for c in corners])
        ring = [[round(x, 7), round(y, 7)] for x, y in zip(lon, lat)]
        feats.append({"type": "Feature", "properties": {"id": i},
                      "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}})
    (OUT / "houses.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}) + "\n")
    print(f"wrote {OUT}: dem {nx}x{ny}, fuel {fnx}x{fny}, {int(keep.sum())} trees, {len(feats)} houses")


if __name__ == "__main__":
    main()
