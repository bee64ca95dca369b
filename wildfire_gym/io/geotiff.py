"""GeoTIFF rasters in and out, and resampling onto the package's square grid.

Orientation: a GeoTIFF is stored north-up (row 0 = the northern edge), while every
array of this package is south-up (``[iy, ix]``, row 0 = the southern edge, see
:mod:`wildfire_gym.scenario`). :class:`GeoRaster` keeps the file's north-up order;
:func:`write_geotiff` takes a south-up array and flips it; :func:`resample_to_grid`
returns a south-up array.

Units: horizontal coordinates follow the raster's CRS, which must be projected with
linear units (metres, feet, US survey feet... the CRS's unit factor converts them);
geographic CRSs (degrees) are refused because cell sizes and slopes need lengths.
A raster without any CRS is taken to be in metres (that is what :func:`write_geotiff`
writes when it is given no CRS: no CRS at all, rather than an invented local one).
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import CRSError, NotGeoreferencedWarning, RasterioError

from ..errors import RasterError, shorten
from ..limits import MAX_RASTER_PIXELS
from .atomic import atomic_path

__all__ = [
    "MAX_NODATA_FRACTION",
    "GeoRaster",
    "crs_linear_unit_m",
    "read_geotiff",
    "resample_to_grid",
    "write_geotiff",
]

log = logging.getLogger(__name__)

MAX_NODATA_FRACTION = 0.5
"""Largest fraction of nodata cells (within the area used) that resampling will fill."""

INPAINT_MAX_COMPONENT_CELLS = 250_000
"""Nodata holes up to this many cells are filled by harmonic inpainting; larger ones by
nearest valid neighbour (a sparse solve over a bigger hole costs too much memory)."""

_COORD_TOL = 1e-6
"""Relative tolerance when comparing extents (floating-point slack), dimensionless."""

_DEGREE_LIKE_PIXEL = 1e-2
"""A raster with no CRS, pixels smaller than this and bounds inside +-180/+-90 is taken
to be in degrees (a geographic DEM that lost its CRS) and refused."""

WRITE_DTYPES = ("uint8", "int16", "uint16", "int32", "float32", "float64")
"""Pixel types :func:`write_geotiff` writes."""

Method = Literal["bilinear", "nearest"]

def crs_linear_unit_m(crs_wkt: str | None, what: str = "raster") -> float:
    """Metres per horizontal unit of a projected CRS (1.0 for no CRS).

    Raises:
        RasterError: the CRS is geographic (degrees) or has no linear unit.
    """
    if crs_wkt is None:
        return 1.0
    try:
        crs = CRS.from_wkt(crs_wkt)
    except CRSError as exc:
        raise RasterError(f"{what}: the CRS cannot be parsed ({exc})") from None
    if crs.is_geographic:
        raise RasterError(f"{what}: the CRS is geographic (degrees: {crs.to_string() or 'unnamed'}); "
                          "expected a projected CRS with metre (or other linear) units, "
                          "e.g. reproject with `gdalwarp -t_srs EPSG:326xx`")
    try:
        _, factor = crs.linear_units_factor
    except CRSError:
        raise RasterError(f"{what}: the CRS has no linear unit; expected a projected CRS "
                          "with metre (or other linear) units") from None
    if not (factor > 0 and math.isfinite(factor)):
        raise RasterError(f"{what}: the CRS linear unit factor {factor} is not a positive length")
    return float(factor)


@dataclass(frozen=True)
class GeoRaster:
    """One band of a georeferenced raster, as stored: row 0 is the NORTHERN edge.

    ``transform`` maps (col, row) of pixel corners to CRS coordinates; it is always
    north-up with positive pixel sizes (``a > 0``, ``e < 0``, no rotation) because
    :func:`read_geotiff` normalises flipped files. ``valid`` marks usable cells (False
    for nodata, masked or non-finite cells); ``units`` is the band's unit label (for a
    DEM, the unit of the elevations, e.g. ``"metre"`` or ``"ft"``), when the file has one.
    """

    data: np.ndarray
    transform: Affine
    crs_wkt: str | None
    nodata: float | int | None
    path: str
    valid: np.ndarray | None = None
    units: str | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.data.shape[0]), int(self.data.shape[1]))

    @property
    def pixel_size(self) -> tuple[float, float]:
        """(width, height) of a pixel in CRS units (both positive)."""
        return (abs(self.transform.a), abs(self.transform.e))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        h, w = self.shape
        left, top = self.transform.c, self.transform.f
        return (left, top + self.transform.e * h, left + self.transform.a * w, top)

    @property
    def linear_unit_m(self) -> float:
        """Metres per CRS unit (1.0 without a CRS)."""
        return crs_linear_unit_m(self.crs_wkt, self.path)

    @property
    def extent_m(self) -> tuple[float, float]:
        """(east-west, north-south) extent in metres."""
        h, w = self.shape
        pw, ph = self.pixel_size
        unit = self.linear_unit_m
        return (w * pw * unit, h * ph * unit)

    def valid_mask(self) -> np.ndarray:
        """Boolean array, True where the cell holds a usable value."""
        if self.valid is not None:
            return self.valid
        ok = np.ones(self.shape, bool)
        if np.issubdtype(self.data.dtype, np.floating):
            ok &= np.isfinite(self.data)
        if self.nodata is not None and not (isinstance(self.nodata, float) and math.isnan(self.nodata)):
            ok &= self.data != self.nodata
        return ok


def _check_transform(transform: Affine, path: str) -> None:
    if transform.b != 0 or transform.d != 0:
        raise RasterError(f"{path}: the geotransform is rotated or sheared ({tuple(transform)[:6]}); "
                          "expected a north-up raster (warp it first, e.g. `gdalwarp` without rotation)")
    if transform.a == 0 or transform.e == 0:
        raise RasterError(f"{path}: the geotransform has a zero pixel size; expected a georeferenced raster")


def read_geotiff(path: str | os.PathLike[str], band: int = 1, require_projected: bool = True) -> GeoRaster:
    """Read one band of a GeoTIFF (or any raster GDAL reads) as a :class:`GeoRaster`.

    Rows are returned north-up; a file stored south-up or east-to-west is flipped and its
    transform adjusted. ``require_projected`` (default) refuses a geographic CRS, since
    lengths are needed for cell sizes and slopes.

    Raises:
        RasterError: naming the file, when it is not a file, not a readable raster, has
            no band ``band``, is not georeferenced, is rotated/sheared, or is in degrees.
    """
    p = str(path)
    if not Path(p).is_file():
        raise RasterError(f"{p}: not a file; expected an existing GeoTIFF")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(p) as src:
                if src.count < 1:
                    raise RasterError(f"{p}: the raster has no bands; expected at least one")
                if not 1 <= band <= src.count:
                    raise RasterError(f"{p}: band {band} requested; expected 1..{src.count}")
                transform = src.transform
                crs = src.crs
                if crs is None and transform.is_identity and not src.gcps[0]:
                    raise RasterError(f"{p}: the raster is not georeferenced (no geotransform); "
                                      "expected a GeoTIFF with a geotransform and a projected CRS")
                if src.width * src.height > MAX_RASTER_PIXELS:  # the header is checked before reading
                    raise RasterError(f"{shorten(p, 120)}: the raster is {src.width:,} x {src.height:,} pixels; "
                                      f"expected at most {MAX_RASTER_PIXELS:,} pixels")
                data = src.read(band)
                mask = src.read_masks(band) > 0
                nodata = src.nodatavals[band - 1]
                units = (src.units[band - 1] or None) if src.units else None
                crs_wkt = crs.to_wkt() if crs is not None else None
    except RasterError:
        raise
    except (RasterioError, OSError) as exc:
        raise RasterError(f"{p}: not a readable raster ({exc})") from None

    _check_transform(transform, p)
    if transform.e > 0:  # stored south-up: make row 0 the northern edge
        data = data[::-1]
        mask = mask[::-1]
        transform = Affine(transform.a, 0.0, transform.c, 0.0, -transform.e,
                           transform.f + transform.e * data.shape[0])
    if transform.a < 0:  # stored east-to-west
        data = data[:, ::-1]
        mask = mask[:, ::-1]
        transform = Affine(-transform.a, 0.0, transform.c + transform.a * data.shape[1], 0.0,
                           transform.e, transform.f)
    if np.issubdtype(data.dtype, np.floating):
        mask &= np.isfinite(data)
    raster = GeoRaster(np.ascontiguousarray(data), transform, crs_wkt, nodata, p,
                       np.ascontiguousarray(mask), units)
    if require_projected:
        crs_linear_unit_m(crs_wkt, p)  # raises for a geographic CRS
        if crs_wkt is None:
            left, bottom, right, top = raster.bounds
            pw, ph = raster.pixel_size
            if max(pw, ph) < _DEGREE_LIKE_PIXEL and -180 <= left < right <= 180 and -90 <= bottom < top <= 90:
                raise RasterError(f"{p}: the raster has no CRS and {pw:g}-unit pixels inside +-180/+-90, "
                                  "which looks like degrees; expected a projected CRS with metre units")
    log.debug("read %s band %d: %s %s", p, band, raster.shape, data.dtype)
    return raster


def _write_dtype(array: np.ndarray, dtype: str | np.dtype | None) -> np.dtype:
    if dtype is not None:
        dt = np.dtype(dtype)
    elif array.dtype == bool:
        dt = np.dtype("uint8")
    elif np.issubdtype(array.dtype, np.floating):
        dt = np.dtype("float32") if array.dtype.itemsize <= 4 else np.dtype("float64")
    else:
        dt = array.dtype
    if dt.name not in WRITE_DTYPES:
        raise RasterError(f"dtype: expected one of {', '.join(WRITE_DTYPES)} (got {dt.name})")
    return dt


def write_geotiff(path: str | os.PathLike[str], array_south_up: np.ndarray, cell_m: float,
                  origin_xy: tuple[float, float] = (0.0, 0.0), crs_wkt: str | None = None,
                  nodata: float | int | None = None, dtype: str | np.dtype | None = None,
                  units: str | None = None) -> Path:
    """Write a south-up ``[iy, ix]`` array as a north-up, deflate-compressed GeoTIFF, atomically.

    Args:
        path: output file (replaced atomically).
        array_south_up: 2-D array, row 0 = southern edge (the package convention).
        cell_m: square cell size in metres; converted to CRS units when the CRS's
            linear unit is not the metre (e.g. US survey feet).
        origin_xy: CRS coordinates of the south-west corner (CRS units).
        crs_wkt: the CRS as WKT; ``None`` writes no CRS (readers then take the
            coordinates to be metres, as :func:`read_geotiff` does).
        nodata: the nodata value to record (must be representable in ``dtype``).
        dtype: uint8, int16, uint16, int32, float32 or float64; default: the array's
            type (bool -> uint8, float16 -> float32). Integer values outside the range of
            an integer ``dtype`` are refused rather than wrapped.
        units: optional band unit label (e.g. ``"metre"`` for elevations).

    Returns:
        The path written.
    """
    arr = np.asarray(array_south_up)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise RasterError(f"{path}: expected a non-empty 2-D array (got shape {arr.shape})")
    if not (cell_m > 0 and math.isfinite(cell_m)):
        raise RasterError(f"{path}: cell_m expected a positive length in metres (got {cell_m})")
    dt = _write_dtype(arr, dtype)
    if np.issubdtype(dt, np.integer):
        info = np.iinfo(dt)
        if arr.size and np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
            raise RasterError(f"{path}: non-finite values cannot be written as {dt.name}")
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise RasterError(f"{path}: values {arr.min()}..{arr.max()} do not fit {dt.name}")
        if nodata is not None and not (info.min <= nodata <= info.max and float(nodata).is_integer()):
            raise RasterError(f"{path}: nodata {nodata} is not representable as {dt.name}")
    unit = crs_linear_unit_m(crs_wkt, str(path))
    pixel = cell_m / unit
    ny, nx = arr.shape
    transform = Affine(pixel, 0.0, float(origin_xy[0]), 0.0, -pixel, float(origin_xy[1]) + ny * pixel)
    north_up = np.ascontiguousarray(arr[::-1].astype(dt, copy=False))
    profile: dict[str, object] = {
        "driver": "GTiff", "height": ny, "width": nx, "count": 1, "dtype": dt.name,
        "crs": CRS.from_wkt(crs_wkt) if crs_wkt else None, "transform": transform, "nodata": nodata,
        "compress": "deflate", "predictor": 3 if np.issubdtype(dt, np.floating) else 2,
    }
    if nx >= 512 and ny >= 512:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    target = Path(path)
    try:
        with rasterio.Env(GDAL_PAM_ENABLED="NO"), atomic_path(target) as tmp:
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(north_up, 1)
                if units:
                    dst.set_band_unit(1, units)
    except RasterioError as exc:
        raise RasterError(f"{target}: cannot write GeoTIFF ({exc})") from None
    log.debug("wrote %s %s %s", target, arr.shape, dt.name)
    return target


def _grid_counts(raster: GeoRaster, cell_m: float, size_m: tuple[float, float] | None) -> tuple[int, int]:
    """Target (ny, nx) for ``cell_m`` cells over the raster's extent or ``size_m`` from its SW corner."""
    width_m, height_m = raster.extent_m
    if size_m is None:
        nx = int(math.floor(width_m / cell_m + _COORD_TOL))
        ny = int(math.floor(height_m / cell_m + _COORD_TOL))
    else:
        nx = max(1, round(size_m[0] / cell_m))
        ny = max(1, round(size_m[1] / cell_m))
        for name, n, avail in (("east", nx, width_m), ("north", ny, height_m)):
            if n * cell_m > avail * (1 + _COORD_TOL) + _COORD_TOL:
                raise RasterError(f"{raster.path}: size_m {n * cell_m:g} m ({name}) is larger than the "
                                  f"raster's extent {avail:g} m; expected at most the raster's extent")
    if nx < 1 or ny < 1:
        raise RasterError(f"{raster.path}: cell_m {cell_m:g} m is larger than the raster's extent "
                          f"{width_m:g} x {height_m:g} m")
    return ny, nx


def _linear_taps(coord: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices and weight of linear interpolation at fractional pixel-centre ``coord``.

    Outside the outermost pixel centres (at most half a pixel) the nearest pair is
    extrapolated linearly, so a plane is reproduced exactly up to the raster's edge.
    """
    if n == 1:
        zero = np.zeros(coord.shape, np.intp)
        return zero, zero, np.zeros(coord.shape)
    i0 = np.clip(np.floor(coord).astype(np.intp), 0, n - 2)
    return i0, i0 + 1, coord - i0


def _separable_linear(src: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                      absolute: bool = False) -> np.ndarray:
    """Bilinear samples of ``src`` at the outer product of fractional ``rows`` x ``cols``.

    ``absolute`` uses the weights' magnitudes (to find which samples a result touched).
    """
    c0, c1, t = _linear_taps(cols, src.shape[1])
    r0, r1, s = _linear_taps(rows, src.shape[0])
    wc0, wc1, wr0, wr1 = 1.0 - t, t, 1.0 - s, s
    if absolute:
        wc0, wc1, wr0, wr1 = np.abs(wc0), np.abs(wc1), np.abs(wr0), np.abs(wr1)
    across = src[:, c0] * wc0 + src[:, c1] * wc1
    return across[r0] * wr0[:, None] + across[r1] * wr1[:, None]


def _nearest_fill(values: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Each invalid cell takes the value of its nearest valid cell (Euclidean in pixels)."""
    from scipy import ndimage

    if not invalid.any():
        return values
    idx = ndimage.distance_transform_edt(invalid, return_distances=False, return_indices=True)
    return values[tuple(idx)]


def _harmonic_fill(values: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Fill holes by solving Laplace's equation with the surrounding valid cells as boundary.

    A harmonic fill is smooth, stays within the range of the hole's rim, and reproduces a
    plane exactly. Holes larger than :data:`INPAINT_MAX_COMPONENT_CELLS` fall back to the
    nearest valid neighbour. Borders of the raster act as zero-flux (Neumann) edges.
    """
    from scipy import ndimage, sparse
    from scipy.sparse.linalg import spsolve

    if not invalid.any():
        return values
    labels, n_comp = ndimage.label(invalid)
    sizes = np.bincount(labels.ravel(), minlength=n_comp + 1)
    big = (sizes > INPAINT_MAX_COMPONENT_CELLS)
    big[0] = False
    out = values.astype(np.float64, copy=True)
    if big.any():
        big_cells = big[labels]
        nearest = _nearest_fill(out, invalid)
        out[big_cells] = nearest[big_cells]
        log.warning("%d nodata hole(s) larger than %d cells filled by nearest neighbour",
                    int(big.sum()), INPAINT_MAX_COMPONENT_CELLS)
        unknown = invalid & ~big_cells
    else:
        unknown = invalid
    if not unknown.any():
        return out
    h, w = unknown.shape
    index = np.full(unknown.shape, -1, np.int64)
    iy, ix = np.nonzero(unknown)
    n = iy.size
    index[iy, ix] = np.arange(n)
    diag = np.zeros(n)
    rhs = np.zeros(n)
    rows_l: list[np.ndarray] = []
    cols_l: list[np.ndarray] = []
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        jy, jx = iy + dy, ix + dx
        inside = (jy >= 0) & (jy < h) & (jx >= 0) & (jx < w)
        diag += inside
        src_rows = np.nonzero(inside)[0]
        ny_, nx_ = jy[inside], jx[inside]
        neighbour = index[ny_, nx_]
        is_unknown = neighbour >= 0
        rows_l.append(src_rows[is_unknown])
        cols_l.append(neighbour[is_unknown])
        np.add.at(rhs, src_rows[~is_unknown], out[ny_[~is_unknown], nx_[~is_unknown]])
    r = np.concatenate(rows_l + [np.arange(n)])
    c = np.concatenate(cols_l + [np.arange(n)])
    v = np.concatenate([-np.ones(sum(a.size for a in rows_l)), diag])
    a_mat = sparse.csr_matrix((v, (r, c)), shape=(n, n))
    out[iy, ix] = spsolve(a_mat.tocsc(), rhs)
    return out


def resample_to_grid(raster: GeoRaster, cell_m: float, size_m: tuple[float, float] | None = None,
                     method: Method = "bilinear", fill_nodata: bool = True
                     ) -> tuple[np.ndarray, tuple[float, float], str | None]:
    """Resample a raster in a projected CRS onto square ``cell_m`` cells, south-up.

    The grid starts at the raster's south-west corner and covers its whole extent
    (whole cells only: the last partial cell is dropped), or ``size_m = (east, north)``
    metres when given (an error when larger than the raster). Pixels may be non-square
    and in any linear unit of the CRS (feet, US survey feet: converted by the CRS's unit
    factor). Each output cell takes the value at its centre:

    * ``"bilinear"`` for continuous fields (elevation): exact for a plane, up to the
      raster's edge (linear extrapolation over the outer half pixel); output float32.
      Nodata holes are inpainted harmonically first (nearest neighbour for huge holes).
    * ``"nearest"`` for categorical codes (fuel models): the pixel containing the cell
      centre; output keeps the raster's dtype. Nodata is filled by the nearest valid pixel.

    Point sampling does not average: resampling a fine DEM to a much coarser cell keeps
    the fine DEM's noise (no anti-aliasing).

    Args:
        raster: from :func:`read_geotiff`.
        cell_m: output cell size, metres.
        size_m: optional output extent (east, north), metres, from the SW corner.
        method: ``"bilinear"`` or ``"nearest"``.
        fill_nodata: fill nodata (default); when False, cells touching nodata are NaN
            (bilinear) or the raster's nodata value (nearest).

    Returns:
        ``(array_south_up, origin_xy, crs_wkt)``: the ``[ny, nx]`` array (row 0 south),
        the CRS coordinates (CRS units) of its south-west corner, and the raster's CRS.

    Raises:
        RasterError: naming the file, for a geographic CRS, a cell larger than the raster,
            ``size_m`` beyond the raster, or more than :data:`MAX_NODATA_FRACTION` nodata.
    """
    if method not in ("bilinear", "nearest"):
        raise RasterError(f"{raster.path}: method expected 'bilinear' or 'nearest' (got {method!r})")
    if not (cell_m > 0 and math.isfinite(cell_m)):
        raise RasterError(f"{raster.path}: cell_m expected a positive length in metres (got {cell_m})")
    _check_transform(raster.transform, raster.path)
    unit = raster.linear_unit_m
    ny, nx = _grid_counts(raster, cell_m, size_m)
    height, width = raster.shape
    pw, ph = raster.pixel_size
    cell_u = cell_m / unit
    xc = (np.arange(nx) + 0.5) * cell_u  # from the west edge, CRS units
    yc = (np.arange(ny) + 0.5) * cell_u  # from the south edge, CRS units, iy = 0 south
    left, bottom, _, _ = raster.bounds

    if method == "nearest":
        cols = np.clip(np.floor(xc / pw).astype(np.intp), 0, width - 1)
        rows = np.clip(np.floor(height - yc / ph).astype(np.intp), 0, height - 1)
    else:
        colf = xc / pw - 0.5
        rowf = height - yc / ph - 0.5
        cols = np.clip(np.floor(colf).astype(np.intp), 0, width - 1)
        rows = np.clip(np.floor(rowf).astype(np.intp), 0, height - 1)
    # Source window used (one pixel margin for the bilinear taps).
    r_lo, r_hi = max(0, int(rows.min()) - 1), min(height, int(rows.max()) + 3)
    c_lo, c_hi = max(0, int(cols.min()) - 1), min(width, int(cols.max()) + 3)
    window = raster.data[r_lo:r_hi, c_lo:c_hi]
    valid = raster.valid_mask()[r_lo:r_hi, c_lo:c_hi]
    invalid = ~valid
    frac = float(invalid.mean())
    if frac > MAX_NODATA_FRACTION:
        raise RasterError(f"{raster.path}: {frac:.0%} of the cells used are nodata; expected at most "
                          f"{MAX_NODATA_FRACTION:.0%}")
    if frac > 0:
        log.info("%s: %.2f %% nodata %s", raster.path, 100 * frac,
                 "filled" if fill_nodata else "kept")

    if method == "nearest":
        filled = _nearest_fill(window, invalid) if fill_nodata else window
        out = filled[np.ix_(rows - r_lo, cols - c_lo)]
        if not fill_nodata and raster.nodata is not None:
            out = np.where(invalid[np.ix_(rows - r_lo, cols - c_lo)], raster.nodata, out).astype(window.dtype)
    else:
        src = window.astype(np.float64)
        if fill_nodata:
            src = _harmonic_fill(src, invalid)
        else:
            src = np.where(invalid, 0.0, src)
        rowf_w, colf_w = rowf - r_lo, colf - c_lo
        out = _separable_linear(src, rowf_w, colf_w)
        if not fill_nodata and invalid.any():
            touched = _separable_linear(invalid.astype(np.float64), rowf_w, colf_w, absolute=True)
            out = np.where(touched > 0, np.nan, out)
        out = out.astype(np.float32)
    return np.ascontiguousarray(out), (float(left), float(bottom)), raster.crs_wkt
