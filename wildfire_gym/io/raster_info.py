"""What a raster file says about itself, checked before (and instead of) reading it whole.

Scenario validation uses these to refuse a bad DEM or fuel raster naming the field that points
to it: :func:`read_raster_header` (size, pixel type, geotransform, CRS, nodata, band unit; no
pixel read), :func:`sample_raster` (a decimated read: readability and nodata share at a bounded
cost) and :func:`raster_codes` (the distinct codes where the terrain lies, in bounded chunks).
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning, RasterioError

from ..errors import RasterError, shorten
from ..limits import MAX_RASTER_PIXELS
from ..units import M_PER_FT
from .geotiff import _COORD_TOL, _check_transform, crs_linear_unit_m

__all__ = [
    "ELEVATION_UNITS_M",
    "RasterHeader",
    "dem_grid_counts",
    "dem_grid_shape",
    "elevation_unit_m",
    "raster_codes",
    "read_raster_header",
    "sample_raster",
]

SAMPLE_MAX_SIDE = 1024
"""Largest side (pixels) of the decimated read :func:`sample_raster` makes to check a raster."""

CODE_SCAN_PIXELS = 2**22
"""Pixels read at a time when :func:`raster_codes` lists the codes of a raster."""

ELEVATION_UNITS_M = {
    "m": 1.0, "metre": 1.0, "metres": 1.0, "meter": 1.0, "meters": 1.0,
    "ft": M_PER_FT, "foot": M_PER_FT, "feet": M_PER_FT, "international foot": M_PER_FT,
    "us-ft": 1200.0 / 3937.0, "ftus": 1200.0 / 3937.0, "us survey foot": 1200.0 / 3937.0,
    "us_survey_foot": 1200.0 / 3937.0, "foot_us": 1200.0 / 3937.0,
}
"""Band unit labels of DEMs -> metres per unit (US survey foot = 1200/3937 m)."""


def elevation_unit_m(units: str | None, what: str) -> float:
    """Metres per unit of a DEM band's unit label (1.0 when it has none)."""
    if not units:
        return 1.0
    key = units.strip().lower()
    if key not in ELEVATION_UNITS_M:
        raise RasterError(f"{what}: the elevation band's unit {shorten(repr(units), 60)} is not understood; "
                          "expected metres or feet (m, metre, ft, foot, US survey foot)")
    return ELEVATION_UNITS_M[key]


@dataclass(frozen=True)
class RasterHeader:
    """What a raster file says about itself, read without any pixel (see :func:`read_raster_header`)."""

    path: str
    width: int
    height: int
    count: int
    dtype: str
    transform: Affine
    crs_wkt: str | None
    nodata: float | int | None
    units: str | None

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def linear_unit_m(self) -> float:
        return crs_linear_unit_m(self.crs_wkt, self.path)

    @property
    def extent_m(self) -> tuple[float, float]:
        """(east-west, north-south) extent in metres."""
        unit = self.linear_unit_m
        return (self.width * abs(self.transform.a) * unit, self.height * abs(self.transform.e) * unit)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units, whatever the file's row and column order."""
        t = self.transform
        xs = (t.c, t.c + t.a * self.width)
        ys = (t.f, t.f + t.e * self.height)
        return (min(xs), min(ys), max(xs), max(ys))


def read_raster_header(path: str | os.PathLike[str], band: int = 1, require_projected: bool = True) -> RasterHeader:
    """The header of a raster: size, pixel type, geotransform, CRS, nodata, band unit; no pixel is read.

    Raises:
        RasterError: naming the file, when it is not a readable raster, has no band ``band``,
            is not georeferenced, is rotated/sheared, is in degrees (``require_projected``),
            or has more than :data:`~wildfire_gym.limits.MAX_RASTER_PIXELS` pixels.
    """
    p = str(path)
    name = shorten(p, 120)
    if not Path(p).is_file():
        raise RasterError(f"{name}: not a file; expected an existing GeoTIFF")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(p) as src:
                if src.count < 1:
                    raise RasterError(f"{name}: the raster has no bands; expected at least one")
                if not 1 <= band <= src.count:
                    raise RasterError(f"{name}: band {band} requested; expected 1..{src.count}")
                if src.crs is None and src.transform.is_identity and not src.gcps[0]:
                    raise RasterError(f"{name}: the raster is not georeferenced (no geotransform); "
                                      "expected a GeoTIFF with a geotransform and a projected CRS")
                header = RasterHeader(p, int(src.width), int(src.height), int(src.count), str(src.dtypes[band - 1]),
                                      src.transform, src.crs.to_wkt() if src.crs is not None else None,
                                      src.nodatavals[band - 1], (src.units[band - 1] or None) if src.units else None)
    except RasterError:
        raise
    except (RasterioError, OSError) as exc:
        raise RasterError(f"{name}: not a readable raster ({shorten(str(exc), 200)})") from None
    _check_transform(header.transform, name)
    if header.pixels > MAX_RASTER_PIXELS:
        raise RasterError(f"{name}: the raster is {header.width:,} x {header.height:,} pixels; expected at most "
                          f"{MAX_RASTER_PIXELS:,} pixels (crop or coarsen it, e.g. with gdalwarp -tr)")
    if require_projected:
        crs_linear_unit_m(header.crs_wkt, name)  # raises for a geographic CRS
    return header


def dem_grid_counts(extent_m: tuple[float, float], cell_m: float) -> tuple[int, int]:
    """``(ny, nx)``: whole ``cell_m`` cells over a raster's (east, north) extent in metres."""
    def count(length_m: float) -> int:
        ratio = length_m / cell_m + _COORD_TOL
        return int(math.floor(ratio)) if ratio < 1e15 else 10**15  # a tiny cell: "too many", not an overflow

    return count(extent_m[1]), count(extent_m[0])


def dem_grid_shape(path: str | os.PathLike[str], cell_m: float) -> tuple[int, int]:
    """``(ny, nx)`` of the grid a DEM gives at ``cell_m`` (only the header is read)."""
    return dem_grid_counts(read_raster_header(path).extent_m, cell_m)


def sample_raster(path: str | os.PathLike[str], band: int = 1,
                  max_side: int = SAMPLE_MAX_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """A decimated read (at most ``max_side`` pixels a side) of one band: ``(data, valid)``, north-up.

    Reads pixels from all over the file, so a truncated or corrupt file fails here, at a cost
    bounded by ``max_side`` whatever the raster's size.
    """
    p = str(path)
    name = shorten(p, 120)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(p) as src:
                step = max(1, math.ceil(max(src.width, src.height) / max_side))
                shape = (max(1, src.height // step), max(1, src.width // step))
                data = src.read(band, out_shape=shape)
                valid = src.read_masks(band, out_shape=shape) > 0
    except (RasterioError, OSError) as exc:
        raise RasterError(f"{name}: not a readable raster ({shorten(str(exc), 200)})") from None
    if np.issubdtype(data.dtype, np.floating):
        valid &= np.isfinite(data)
    return data, valid


def raster_codes(path: str | os.PathLike[str], bounds: tuple[float, float, float, float] | None = None,
                 band: int = 1) -> tuple[np.ndarray, int, int]:
    """The distinct values of the valid pixels of a band (within CRS ``bounds`` when given).

    Returns ``(codes, valid_pixels, pixels)``. Reads :data:`CODE_SCAN_PIXELS` pixels at a time,
    so memory stays bounded whatever the raster's size. Non-integer values of a floating
    band are returned as they are (the caller decides).
    """
    from rasterio.windows import Window, from_bounds

    p = str(path)
    name = shorten(p, 120)
    found: list[np.ndarray] = []
    n_valid = n_all = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(p) as src:
                full = Window(0, 0, src.width, src.height)
                win = full
                if bounds is not None:
                    win = from_bounds(*bounds, transform=src.transform).round_offsets(op="floor")
                    win = win.round_lengths(op="ceil").intersection(full)
                c0, r0, w, h = int(win.col_off), int(win.row_off), int(win.width), int(win.height)
                cols = min(w, CODE_SCAN_PIXELS)
                rows = max(1, CODE_SCAN_PIXELS // max(cols, 1))
                parts = [Window(c, r, min(cols, c0 + w - c), min(rows, r0 + h - r))
                         for r in range(r0, r0 + h, rows) for c in range(c0, c0 + w, cols)]
                for part in parts:
                    data = src.read(band, window=part)
                    valid = src.read_masks(band, window=part) > 0
                    if np.issubdtype(data.dtype, np.floating):
                        valid &= np.isfinite(data)
                    n_all += data.size
                    n_valid += int(valid.sum())
                    if valid.any():
                        found.append(np.unique(data[valid]))
    except (RasterioError, OSError, ValueError) as exc:
        raise RasterError(f"{name}: not a readable raster ({shorten(str(exc), 200)})") from None
    codes = np.unique(np.concatenate(found)) if found else np.zeros(0)
    return codes, n_valid, n_all
