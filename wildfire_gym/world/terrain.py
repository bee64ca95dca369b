"""Terrain: exact planes, seeded fractal heightfields, GeoTIFF DEMs; slope, aspect, hillshade.

Raster convention (see :mod:`wildfire_gym.scenario`): ``[iy, ix]`` with row 0 the
southernmost row, so ``+iy`` is ``+y`` (north) and ``+ix`` is ``+x`` (east). Aspects are
compass degrees of the *downslope* direction (0 = the slope faces north, 90 = east).

For ``kind: geotiff`` the terrain's extent is the DEM's extent (whole cells of
``cell_m`` from its south-west corner): the scenario's ``terrain.size_m`` is *replaced*
by it. :func:`terrain_size_m` tells the extent a configuration will give without
building the terrain.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import RasterError
from ..io.geotiff import read_geotiff, resample_to_grid
from ..io.raster_info import dem_grid_counts, elevation_unit_m, read_raster_header
from ..limits import MAX_GRID_CELLS_PER_SIDE, MIN_GRID_CELLS_PER_SIDE

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import TerrainConfig

__all__ = [
    "FLAT_GRADIENT",
    "Terrain",
    "build_terrain",
    "fractal_heightfield",
    "hillshade",
    "plane_elevation",
    "slope_aspect",
    "terrain_size_m",
]

log = logging.getLogger(__name__)

FLAT_GRADIENT = 1e-6
"""|grad z| (m/m) below which a cell counts as flat: its slope and aspect are 0."""

SPECTRAL_EXPONENT_SMOOTH = 5.0
"""Power-spectrum exponent beta (P(f) ~ f^-beta) at roughness 0: steeper than any
fractional Brownian surface (beta = 2H + 2 <= 4 for Hurst exponent H <= 1; Voss 1988,
in Peitgen & Saupe, *The Science of Fractal Images*, ch. 1), so that slopes are
dominated by the large scales: smooth, rolling hills without small-scale texture."""

SPECTRAL_EXPONENT_ROUGH = 2.8
"""beta at roughness 1: H = 0.4, rugged terrain with texture at every scale (measured
topography mostly lies between beta ~ 2 and 4, e.g. Huang & Turcotte 1989)."""

RIDGE_SPECTRAL_OFFSET = 0.0
"""The ridged component is this much smoother (larger beta) than the base field, so that
ridges are long, landscape-scale features rather than speckle."""

OUTER_SCALE_FRACTION = 0.5
INNER_SCALE_M = 100.0
"""Wavelength scale (m) below which the fractal spectrum is tapered away (Gaussian in frequency): hills and
gullies shorter than about this are not modelled, so slope statistics do not depend on the cell size."""
RIDGE_ROUNDING = 0.15
"""Rounding of the ridged noise's crests, in standard deviations of the source field (0 gives kinks)."""
"""Spectral roll-off wavelength as a fraction of the longest side: features larger than
about half the domain are damped (amplitude ~ (f^2 + f0^2)^(-beta/4), f0 = 1/L0)."""

MACRO_WEIGHT = 0.5
"""Amplitude (in standard deviations of the fractal field) of one broad ridge/valley
undulation across the domain, the 'large-scale structure'."""

MACRO_WAVELENGTH_RANGE = (0.7, 1.3)
"""Wavelength of that undulation, in units of the longest side (drawn uniformly)."""

PAD_FRACTION = 0.25
"""The FFT field is synthesised on a grid this much larger, then cropped, so that the
terrain does not wrap around (opposite edges of a periodic field would match)."""

QUANTUM = 2.0**-24
"""The normalised fractal (0..1) is rounded to multiples of this before scaling, so that
last-bit differences between FFT builds do not change the float32 elevations."""



@dataclass(frozen=True)
class Terrain:
    """A heightfield on the package grid.

    ``elevation_m`` float32 ``[ny, nx]``, row 0 south; ``cell_m`` square cell size (m);
    ``origin_xy`` CRS coordinates of the south-west corner ((0, 0) for procedural
    terrain; CRS units for a DEM); ``crs_wkt`` the DEM's CRS, None for procedural terrain.
    """

    elevation_m: np.ndarray
    cell_m: float
    origin_xy: tuple[float, float] = (0.0, 0.0)
    crs_wkt: str | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.elevation_m.shape[0]), int(self.elevation_m.shape[1]))

    @property
    def size_m(self) -> tuple[float, float]:
        """(east, north) extent in metres."""
        ny, nx = self.shape
        return (nx * self.cell_m, ny * self.cell_m)


# --------------------------------------------------------------------------- plane

def plane_elevation(shape: tuple[int, int], cell_m: float, slope_deg: float, aspect_deg: float,
                    centre_elevation_m: float) -> np.ndarray:
    """An exact plane sampled at cell centres, float64 ``[ny, nx]`` (row 0 south).

    The plane descends at ``slope_deg`` towards compass direction ``aspect_deg``:
    z(x, y) = z_c - tan(slope) * ((x - x_c) sin(aspect) + (y - y_c) cos(aspect)),
    with (x_c, y_c) the centre of the domain, where z = ``centre_elevation_m``.
    """
    ny, nx = shape
    grad = math.tan(math.radians(slope_deg))
    az = math.radians(aspect_deg)
    x = (np.arange(nx) + 0.5) * cell_m - nx * cell_m / 2.0
    y = (np.arange(ny) + 0.5) * cell_m - ny * cell_m / 2.0
    return centre_elevation_m - grad * (x[None, :] * math.sin(az) + y[:, None] * math.cos(az))


# --------------------------------------------------------------------------- fractal

def spectral_exponent(roughness: float) -> float:
    """beta of the power spectrum P(f) ~ f^-beta for a roughness in [0, 1] (linear map)."""
    return SPECTRAL_EXPONENT_SMOOTH + roughness * (SPECTRAL_EXPONENT_ROUGH - SPECTRAL_EXPONENT_SMOOTH)


def _spectral_field(rng: np.random.Generator, shape: tuple[int, int], cell_m: float, beta: float,
                    outer_scale_m: float) -> np.ndarray:
    """Zero-mean, unit-std Gaussian field with power spectrum ~ (f^2 + f0^2)^(-beta/2).

    Spectral synthesis (Voss 1988): white noise filtered in the Fourier domain by
    amplitude (f^2 + f0^2)^(-beta/4), frequencies f in cycles per metre.
    """
    ny, nx = shape
    noise = rng.standard_normal((ny, nx))
    spec = np.fft.rfft2(noise)
    fy = np.fft.fftfreq(ny, d=cell_m)
    fx = np.fft.rfftfreq(nx, d=cell_m)
    f2 = fy[:, None] ** 2 + fx[None, :] ** 2
    f0 = 1.0 / outer_scale_m
    amp = (f2 + f0 * f0) ** (-beta / 4.0)
    # Inner scale: landforms shorter than INNER_SCALE_M are smoothed away, so slopes follow
    # from relief and extent and do not grow as the cell gets finer.
    amp *= np.exp(-f2 * INNER_SCALE_M**2)
    amp[0, 0] = 0.0
    field = np.fft.irfft2(spec * amp, s=(ny, nx))
    field -= field.mean()
    std = field.std()
    return field / std if std > 0 else field


def fractal_heightfield(shape: tuple[int, int], cell_m: float, relief_m: float, roughness: float,
                        ridges: float, base_elevation_m: float, seed: int) -> np.ndarray:
    """A seeded fractal heightfield, float32 ``[ny, nx]`` (row 0 south).

    * a spectral fractional-Brownian field whose spectral exponent falls from
      :data:`SPECTRAL_EXPONENT_SMOOTH` (roughness 0) to :data:`SPECTRAL_EXPONENT_ROUGH` (1);
    * blended with ridged noise 1 - |n| of a smoother field n in proportion ``ridges``
      (sharp V-shaped crests along the zero lines of n, rounded valleys between);
    * plus one broad undulation (:data:`MACRO_WEIGHT`) for large-scale ridge/valley structure;
    * scaled so that min = ``base_elevation_m`` and max - min = ``relief_m`` (up to float32).

    Only ``np.random.default_rng(seed)`` is used: same arguments, identical bytes.
    """
    ny, nx = shape
    rng = np.random.default_rng(seed)
    pad_y = ny + int(math.ceil(PAD_FRACTION * ny)) + 2
    pad_x = nx + int(math.ceil(PAD_FRACTION * nx)) + 2
    longest_m = max(ny, nx) * cell_m
    outer = OUTER_SCALE_FRACTION * longest_m
    beta = spectral_exponent(roughness)
    # Draw every random input in a fixed order, whatever the parameters, so that e.g.
    # changing `ridges` blends the same two fields.
    base = _spectral_field(rng, (pad_y, pad_x), cell_m, beta, outer)
    ridge_src = _spectral_field(rng, (pad_y, pad_x), cell_m, beta + RIDGE_SPECTRAL_OFFSET, outer)
    macro_dir = rng.uniform(0.0, 2.0 * math.pi)
    macro_wavelength = rng.uniform(*MACRO_WAVELENGTH_RANGE) * longest_m
    macro_phase = rng.uniform(0.0, 2.0 * math.pi)
    oy, ox = (pad_y - ny) // 2, (pad_x - nx) // 2
    base = base[oy:oy + ny, ox:ox + nx]
    ridge_src = ridge_src[oy:oy + ny, ox:ox + nx]

    # 1 - |n| up to a constant, with |n| rounded over RIDGE_ROUNDING so crests are sharp but not kinks
    ridged = -np.sqrt(ridge_src * ridge_src + RIDGE_ROUNDING**2)
    ridged = (ridged - ridged.mean()) / max(float(ridged.std()), 1e-12)
    h = (1.0 - ridges) * base + ridges * ridged
    x = (np.arange(nx) + 0.5) * cell_m
    y = (np.arange(ny) + 0.5) * cell_m
    along = x[None, :] * math.sin(macro_dir) + y[:, None] * math.cos(macro_dir)
    h = h + MACRO_WEIGHT * math.sqrt(2.0) * np.cos(2.0 * math.pi * along / macro_wavelength + macro_phase)

    lo, hi = float(h.min()), float(h.max())
    u = (h - lo) / (hi - lo) if hi > lo else np.zeros_like(h)
    u = np.round(u / QUANTUM) * QUANTUM
    return (base_elevation_m + relief_m * u).astype(np.float32)


# --------------------------------------------------------------------------- GeoTIFF

def _dem_grid_counts(width_m: float, height_m: float, cell_m: float, path: str) -> tuple[int, int]:
    ny, nx = dem_grid_counts((width_m, height_m), cell_m)
    if min(nx, ny) < MIN_GRID_CELLS_PER_SIDE:
        raise RasterError(f"{path}: terrain.cell_m {cell_m:g} m gives {nx} x {ny} cells over the DEM's extent "
                          f"{width_m:g} x {height_m:g} m; expected at least {MIN_GRID_CELLS_PER_SIDE} per side")
    if max(nx, ny) > MAX_GRID_CELLS_PER_SIDE:
        raise RasterError(f"{path}: the DEM's extent {width_m:g} x {height_m:g} m gives {nx} x {ny} cells "
                          f"at cell_m={cell_m:g}; expected at most {MAX_GRID_CELLS_PER_SIDE} per side "
                          "(use a larger terrain.cell_m or crop the DEM)")
    return ny, nx


def terrain_size_m(cfg: TerrainConfig) -> tuple[float, float]:
    """The (east, north) extent in metres that :func:`build_terrain` will give for ``cfg``.

    ``cfg.size_m`` snapped to whole cells for procedural terrain; for a GeoTIFF the DEM's
    own extent in whole cells (only the file's header is read).
    """
    if cfg.kind != "geotiff":
        ny, nx = cfg.shape
        return (nx * cfg.cell_m, ny * cfg.cell_m)
    path = str(cfg.path)
    ny, nx = _dem_grid_counts(*read_raster_header(path).extent_m, cfg.cell_m, path)
    return (nx * cfg.cell_m, ny * cfg.cell_m)


def dem_terrain(path: str, cell_m: float) -> Terrain:
    """Read a DEM GeoTIFF and resample it bilinearly to ``cell_m`` over its whole extent.

    Elevations in feet (band unit label) are converted to metres; nodata holes are filled
    (see :func:`wildfire_gym.io.geotiff.resample_to_grid`).
    """
    raster = read_geotiff(path)
    _dem_grid_counts(*raster.extent_m, cell_m, path)
    z_unit = elevation_unit_m(raster.units, path)
    elev, origin, crs_wkt = resample_to_grid(raster, cell_m, method="bilinear")
    if z_unit != 1.0:
        elev = (elev.astype(np.float64) * z_unit).astype(np.float32)
    log.info("terrain from %s: %d x %d cells of %g m (extent replaces terrain.size_m)",
             path, elev.shape[1], elev.shape[0], cell_m)
    return Terrain(elev, float(cell_m), origin, crs_wkt)


def build_terrain(cfg: TerrainConfig, seed: int) -> Terrain:
    """Build the terrain a :class:`~wildfire_gym.scenario.TerrainConfig` describes.

    * ``plane``: exact plane, slope ``cfg.slope_deg`` facing ``cfg.aspect_deg`` (downslope),
      ``cfg.base_elevation_m`` at the centre of the domain;
    * ``fractal``: :func:`fractal_heightfield` (``relief_m``, ``roughness``, ``ridges``,
      minimum ``base_elevation_m``), deterministic in ``seed``;
    * ``geotiff``: the DEM at ``cfg.path`` resampled to ``cfg.cell_m``; its extent
      replaces ``cfg.size_m``.
    """
    if cfg.kind == "plane":
        z = plane_elevation(cfg.shape, cfg.cell_m, cfg.slope_deg, cfg.aspect_deg, cfg.base_elevation_m)
        return Terrain(z.astype(np.float32), float(cfg.cell_m))
    if cfg.kind == "fractal":
        z = fractal_heightfield(cfg.shape, cfg.cell_m, cfg.relief_m, cfg.roughness, cfg.ridges,
                                cfg.base_elevation_m, seed)
        return Terrain(z, float(cfg.cell_m))
    if cfg.kind == "geotiff":
        if not cfg.path:
            raise RasterError("terrain.path: expected a GeoTIFF file path when kind is 'geotiff'")
        return dem_terrain(cfg.path, cfg.cell_m)
    raise ValueError(f"terrain.kind: expected plane, fractal or geotiff (got {cfg.kind!r})")


# --------------------------------------------------------------------------- derivatives

def horn_gradient(elevation_m: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(dz/dx east, dz/dy north), m/m, by Horn's (1981) 3x3 weighted differences.

    Horn, B. K. P. (1981) Hill shading and the reflectance map. Proc. IEEE 69(1), 14-47:
    dz/dx = ((z_NE + 2 z_E + z_SE) - (z_NW + 2 z_W + z_SW)) / (8 dx), and likewise for
    dz/dy with north minus south. Edges replicate the border cells. Row 0 is south, so
    the northern neighbour of row iy is row iy + 1.
    """
    z = np.pad(np.asarray(elevation_m, dtype=np.float64), 1, mode="edge")
    south, mid, north = z[:-2], z[1:-1], z[2:]
    west, centre, east = slice(0, -2), slice(1, -1), slice(2, None)
    dzdx = ((north[:, east] + 2.0 * mid[:, east] + south[:, east])
            - (north[:, west] + 2.0 * mid[:, west] + south[:, west])) / (8.0 * cell_m)
    dzdy = ((north[:, west] + 2.0 * north[:, centre] + north[:, east])
            - (south[:, west] + 2.0 * south[:, centre] + south[:, east])) / (8.0 * cell_m)
    return dzdx, dzdy


def slope_aspect(elevation_m: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Slope (degrees from horizontal) and aspect (compass degrees of downslope), float32.

    Horn's (1981) gradient (:func:`horn_gradient`); slope = atan(|grad z|); aspect is the
    compass bearing of -grad z (0 = faces north, 90 = faces east), in [0, 360); both are
    0 where |grad z| < :data:`FLAT_GRADIENT`.
    """
    if np.asarray(elevation_m).ndim != 2:
        raise ValueError(f"elevation_m: expected a 2-D array (got shape {np.shape(elevation_m)})")
    if not cell_m > 0:
        raise ValueError(f"cell_m: expected a positive length in metres (got {cell_m})")
    dzdx, dzdy = horn_gradient(elevation_m, cell_m)
    grad = np.hypot(dzdx, dzdy)
    slope = np.degrees(np.arctan(grad))
    aspect = np.degrees(np.arctan2(-dzdx, -dzdy)) % 360.0
    flat = grad < FLAT_GRADIENT
    slope[flat] = 0.0
    aspect[flat] = 0.0
    slope32 = slope.astype(np.float32)
    aspect32 = aspect.astype(np.float32)
    aspect32[aspect32 >= np.float32(360.0)] = 0.0  # 359.99999999 rounds up in float32
    return slope32, aspect32


def hillshade(elevation_m: np.ndarray, cell_m: float, sun_azimuth_deg: float = 315.0,
              sun_altitude_deg: float = 45.0) -> np.ndarray:
    """Lambertian hillshade in [0, 1], float32, for previews.

    Cosine of the angle between the surface normal (-dz/dx, -dz/dy, 1)/|.| (Horn 1981
    gradient) and the unit vector towards the sun (compass azimuth, altitude above the
    horizon); faces turned away from the sun are 0.
    """
    dzdx, dzdy = horn_gradient(elevation_m, cell_m)
    az = math.radians(sun_azimuth_deg)
    alt = math.radians(sun_altitude_deg)
    sx, sy, sz = math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt)
    shade = (-dzdx * sx - dzdy * sy + sz) / np.sqrt(1.0 + dzdx**2 + dzdy**2)
    return np.clip(shade, 0.0, 1.0).astype(np.float32)
