"""Radiometric thermal imaging: kinetic temperatures -> band radiance -> sensor -> brightness temperature.

The thermal channel is computed, not painted: every surface gets a kinetic temperature
(from the fire state, the sun and the air) and an emissivity; the renderer carries band
radiance ``eps * L(T) + (1 - eps) * L_down`` per pixel (textures are mip-mapped in
radiance, so a sub-pixel fire raises a pixel's radiance by its fill fraction, as a real
detector integrates it); then the atmosphere, smoke and the sensor (NETD noise, ADC
quantisation, saturation) act on radiance, and the result is inverted to brightness
temperature through Planck's law integrated over the band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..units import M_PER_FT

PLANCK_H_J_S = 6.62607015e-34
"""Planck constant, J s (SI 2019 exact)."""
SPEED_OF_LIGHT_M_S = 2.99792458e8
"""Speed of light in vacuum, m/s (exact)."""
BOLTZMANN_J_K = 1.380649e-23
"""Boltzmann constant, J/K (SI 2019 exact)."""
GRAVITY_M_S2 = 9.80665
"""Standard gravity, m/s^2."""

FLAME_TEMPERATURE_K = 1100.0
"""K; time-averaged flame temperature of wildland flames, ~1000-1200 K in field
measurements (reviewed by Sullivan, Ellis & Knight 2003, Int. J. Wildland Fire 12:101)."""
FLAME_EXTINCTION_PER_M = 0.6
"""1/m; grey-gas absorption coefficient of wildland flames (same review: 0.4-1.0 1/m);
flame emissivity eps = 1 - exp(-k D) for flame depth D."""
SMOULDERING_BED_TEMPERATURE_K = 900.0
"""K; glowing fuel bed under a flaming front (assumption within the 800-1000 K range)."""
BURNOUT_TEMPERATURE_K = 650.0
"""K; surface temperature of embers when flaming ends (assumption)."""
DRAPER_POINT_K = 798.0
"""K; temperature at which a hot solid starts to glow visibly (dull red; Draper 1847).
Cooler embers emit almost nothing in the visible band, so they do not glow in the RGB."""
COOLING_TIME_CONSTANT_S = 900.0
"""s; e-folding time of Newton cooling of a burned cell (assumption: embers and ash cool
over tens of minutes)."""
CROWN_FLAME_HEIGHT_FACTOR = 2.0
"""-; flame tip of a burning crown at about twice the tree height (rule of thumb for
crown fires, Alexander & Cruz)."""
SUN_GROUND_WARMING_K = 15.0
"""K; surface-minus-air temperature of dry ground under a normal-incidence noon sun
(typical magnitude for dry grass and soil)."""
SUN_CANOPY_WARMING_K = 3.0
"""K; canopy-minus-air temperature of sunlit, transpiring foliage (typical magnitude)."""
EMISSIVITY = {"soil": 0.95, "vegetation": 0.98, "char": 0.96, "roof": 0.90, "water": 0.99}
"""8-14 um emissivities by material (typical values of the ASTER/ECOSTRESS spectral libraries)."""
SMOKE_LWIR_TO_VISIBLE_EXTINCTION = 0.08
"""-; ratio of smoke extinction at 8-14 um to that at 550 nm: sub-micron smoke particles
scatter long-wave radiation weakly (Mie regime), so LWIR sees through most plumes."""
LWIR_ATMOSPHERIC_EXTINCTION_PER_M = 3.0e-5
"""1/m; clear-air 8-14 um extinction near the ground (mid-latitude summer water-vapour
continuum order of magnitude)."""
IDSO_WINDOW_A = 0.24
IDSO_WINDOW_B = 2.98e-8
IDSO_WINDOW_T_K = 3000.0
"""Coefficients of Idso's (1981) 8-14 um clear-sky emissivity (see :func:`window_sky_emissivity_zenith`)
with the vapour pressure in hPa: the published form is ``0.24 + 2.98e-6 e0^2 exp(3000 / T0)`` with
``e0`` in kPa (used so by Kimball et al. 1982, J. Appl. Meteorol. 21; 2.98e-12 with ``e0`` in Pa);
1 kPa = 10 hPa, so the hPa coefficient is 2.98e-6 / 10^2."""
MIN_COS_ZENITH = 0.02
"""cos of the zenith angle below which a slant sky path is taken as this (the horizon is opaque)."""
SWINBANK_SKY_EMISSIVITY_COEFF = 9.365e-6
"""1/K^2; clear-sky emissivity eps = 9.365e-6 T_air^2 (Swinbank 1963)."""


@dataclass(frozen=True)
class ThermalSensor:
    """A long-wave infrared camera: band, noise, range.

    ``netd_k`` noise-equivalent temperature difference at ``netd_reference_k``;
    ``saturation_k`` brightness temperature where the detector saturates;
    ``floor_k`` the coldest temperature the ADC represents; ``adc_bits`` quantisation.
    """

    band_um: tuple[float, float] = (8.0, 14.0)
    netd_k: float = 0.05
    netd_reference_k: float = 300.0
    saturation_k: float = 1500.0
    floor_k: float = 200.0
    adc_bits: int = 14

    def __post_init__(self) -> None:
        lo, hi = self.band_um
        if not 0.5 <= lo < hi <= 30.0:
            raise ValueError(f"band_um: expected 0.5 <= lo < hi <= 30 um, got {self.band_um}")
        if self.netd_k < 0:
            raise ValueError(f"netd_k: expected >= 0 K, got {self.netd_k}")
        if not 50.0 <= self.floor_k < self.saturation_k <= 5000.0:
            raise ValueError(f"floor_k/saturation_k: expected 50 <= floor < saturation <= 5000 K, "
                             f"got {self.floor_k}, {self.saturation_k}")
        if not 4 <= self.adc_bits <= 24:
            raise ValueError(f"adc_bits: expected 4..24, got {self.adc_bits}")


def planck_spectral_radiance(wavelength_m: np.ndarray, temperature_k: np.ndarray) -> np.ndarray:
    """Black-body spectral radiance ``B_lambda`` in W m^-2 sr^-1 m^-1 (Planck 1901).

    ``wavelength_m`` m; ``temperature_k`` K. ``B = 2 h c^2 / lambda^5 / (exp(h c / (lambda k T)) - 1)``.
    """
    lam = np.asarray(wavelength_m, np.float64)
    t = np.asarray(temperature_k, np.float64)
    x = PLANCK_H_J_S * SPEED_OF_LIGHT_M_S / (lam * BOLTZMANN_J_K * t)
    return 2.0 * PLANCK_H_J_S * SPEED_OF_LIGHT_M_S**2 / lam**5 / np.expm1(x)


def band_radiance(temperature_k: np.ndarray, band_um: tuple[float, float], n_wavelengths: int = 121) -> np.ndarray:
    """Black-body radiance integrated over ``band_um`` (W m^-2 sr^-1), trapezoid rule.

    ``temperature_k`` K (any shape). Used to build :class:`BandTable`; call the table for speed.
    """
    lam = np.linspace(band_um[0], band_um[1], n_wavelengths) * 1e-6
    t = np.asarray(temperature_k, np.float64)[..., None]
    return np.trapezoid(planck_spectral_radiance(lam, t), lam, axis=-1)


class BandTable:
    """Monotone lookup of band radiance vs temperature and its inverse (brightness temperature)."""

    def __init__(self, band_um: tuple[float, float], t_min_k: float = 100.0, t_max_k: float = 4000.0,
                 n: int = 8192) -> None:
        # Denser at low temperatures where radiance changes by orders of magnitude.
        self.t_k = np.geomspace(t_min_k, t_max_k, n)
        self.l = band_radiance(self.t_k, band_um)
        self.band_um = band_um

    def radiance(self, temperature_k: np.ndarray) -> np.ndarray:
        """Band radiance (W m^-2 sr^-1) of a black body at ``temperature_k`` (K), float32."""
        return np.interp(temperature_k, self.t_k, self.l).astype(np.float32)

    def brightness_temperature(self, radiance: np.ndarray) -> np.ndarray:
        """Temperature (K) of the black body with band radiance ``radiance``, float32."""
        return np.interp(radiance, self.l, self.t_k).astype(np.float32)

    def d_radiance_d_t(self, temperature_k: float) -> float:
        """dL/dT at ``temperature_k`` (W m^-2 sr^-1 K^-1), central difference."""
        h = 0.01
        return float((band_radiance(temperature_k + h, self.band_um) - band_radiance(temperature_k - h, self.band_um)) / (2 * h))


@lru_cache(maxsize=8)
def band_table(band_um: tuple[float, float]) -> BandTable:
    return BandTable(band_um)


def flame_emissivity(flame_depth_m: np.ndarray, extinction_per_m: float = FLAME_EXTINCTION_PER_M) -> np.ndarray:
    """Grey flame emissivity ``1 - exp(-k D)`` (Beer-Lambert); ``flame_depth_m`` m, ``k`` 1/m."""
    return -np.expm1(-extinction_per_m * np.maximum(np.asarray(flame_depth_m, np.float64), 0.0))


def flame_tilt_rad(wind_speed_mps: np.ndarray, flame_length_m: np.ndarray) -> np.ndarray:
    """Flame tilt from vertical, ``tan(theta) = U / sqrt(g L)`` (Froude scaling, Thomas 1963; Albini 1981).

    ``wind_speed_mps`` m/s; ``flame_length_m`` m; returns radians in [0, 80 deg].
    """
    u = np.asarray(wind_speed_mps, np.float64)
    lf = np.maximum(np.asarray(flame_length_m, np.float64), 0.1)
    return np.minimum(np.arctan(u / np.sqrt(GRAVITY_M_S2 * lf)), math.radians(80.0))


def flame_residence_time_s(sav_per_m: np.ndarray) -> np.ndarray:
    """Flame residence time ``t_r = 384 / sigma`` min with sigma in 1/ft (Anderson 1969), in s.

    ``sav_per_m`` characteristic surface-area-to-volume ratio, 1/m.
    """
    from ..constants import RESIDENCE_TIME_COEFF_MIN_FT

    sigma_per_ft = np.maximum(np.asarray(sav_per_m, np.float64), 1.0) * M_PER_FT
    return RESIDENCE_TIME_COEFF_MIN_FT / sigma_per_ft * 60.0


def cooling_temperature_k(time_since_burnout_s: np.ndarray, ambient_k: np.ndarray,
                          burnout_k: float = BURNOUT_TEMPERATURE_K,
                          tau_s: float = COOLING_TIME_CONSTANT_S) -> np.ndarray:
    """Newton cooling ``T = T_amb + (T_0 - T_amb) exp(-t / tau)`` of a burned-out surface (K).

    ``time_since_burnout_s`` s (negative treated as 0); ``ambient_k`` K.
    """
    t = np.maximum(np.asarray(time_since_burnout_s, np.float64), 0.0)
    return ambient_k + (burnout_k - ambient_k) * np.exp(-t / tau_s)


def sunlit_temperature_k(air_k: float, cos_incidence: np.ndarray, warming_k: float) -> np.ndarray:
    """Surface temperature warmed by the sun: ``T_air + dT * max(cos i, 0)`` (K)."""
    return air_k + warming_k * np.maximum(np.asarray(cos_incidence, np.float64), 0.0)


def sky_brightness_temperature_k(air_k: float) -> float:
    """Effective broadband clear-sky temperature ``eps^(1/4) T_air`` from Swinbank's (1963) sky
    emissivity (K). Broadband only: the 8-14 um window sees a far colder sky
    (:func:`window_sky_emissivity_zenith`)."""
    eps = min(SWINBANK_SKY_EMISSIVITY_COEFF * air_k**2, 1.0)
    return float(eps**0.25 * air_k)


STANDARD_LAPSE_RATE_K_PER_M = 0.0065
"""K/m; temperature fall with height of the ICAO standard atmosphere (ISO 2533)."""


def cloud_base_temperature_k(air_k: float, base_agl_m: float) -> float:
    """Temperature of a cloud base ``base_agl_m`` above the ground along the standard lapse rate, K
    (an opaque cloud radiates near this at 8-14 um)."""
    return float(air_k) - STANDARD_LAPSE_RATE_K_PER_M * float(base_agl_m)


def saturation_vapour_pressure_hpa(air_k: float) -> float:
    """Saturation vapour pressure over water ``6.1094 exp(17.625 T / (T + 243.04))`` hPa, T in
    deg C (Magnus form, Alduchov & Eskridge 1996, J. Appl. Meteorol. 35:601)."""
    t_c = float(air_k) - 273.15
    return 6.1094 * math.exp(17.625 * t_c / (t_c + 243.04))


def window_sky_emissivity_zenith(air_k: float, relative_humidity: float) -> float:
    """Zenith emissivity of a clear sky in the 8-14 um window, ``0.24 + 2.98e-8 e0^2 exp(3000 / T0)``
    with screen-level vapour pressure ``e0`` (hPa) and air temperature ``T0`` (K) (Idso 1981,
    Water Resour. Res. 17:295), at most 1. Dry air leaves the window nearly transparent: only
    ~0.25-0.5 of the air's band radiance comes down from the zenith."""
    e0 = float(relative_humidity) * saturation_vapour_pressure_hpa(air_k)
    return float(min(IDSO_WINDOW_A + IDSO_WINDOW_B * e0**2 * math.exp(IDSO_WINDOW_T_K / float(air_k)), 1.0))


def window_sky_emissivity(zenith_emissivity: float, cos_zenith: np.ndarray) -> np.ndarray:
    """Emissivity along a slant path ``1 - (1 - eps_z)^(1 / cos theta)``: a plane-parallel
    absorber whose optical path grows as ``1 / cos theta`` (Beer-Lambert)."""
    mu = np.clip(np.asarray(cos_zenith, np.float64), MIN_COS_ZENITH, 1.0)
    return 1.0 - (1.0 - float(zenith_emissivity)) ** (1.0 / mu)


def window_sky_downwelling_radiance(zenith_emissivity: float, air_k: float, table: BandTable) -> float:
    """Band radiance of the clear sky averaged over the upper hemisphere with cosine weight
    (what a horizontal surface reflects), W m^-2 sr^-1."""
    mu = np.linspace(MIN_COS_ZENITH, 1.0, 400)
    eps = window_sky_emissivity(zenith_emissivity, mu)
    mean_eps = float(np.trapezoid(eps * mu, mu) / np.trapezoid(mu, mu))
    return mean_eps * float(table.radiance(air_k))


def surface_radiance(temperature_k: np.ndarray, emissivity: np.ndarray, downwelling: float,
                     table: BandTable) -> np.ndarray:
    """Leaving radiance ``eps L(T) + (1 - eps) L_down`` of an opaque grey surface (W m^-2 sr^-1)."""
    eps = np.asarray(emissivity, np.float32)
    return (eps * table.radiance(temperature_k) + (1.0 - eps) * np.float32(downwelling)).astype(np.float32)


def atmospheric_transmittance(path_m: np.ndarray, extinction_per_m: float = LWIR_ATMOSPHERIC_EXTINCTION_PER_M) -> np.ndarray:
    """Beer-Lambert transmittance ``exp(-k d)`` along ``path_m`` metres (float32)."""
    return np.exp(np.float32(-extinction_per_m) * np.asarray(path_m, np.float32))


def sensor_brightness_temperature(radiance_scene: np.ndarray, path_m: np.ndarray, smoke_tau_visible: np.ndarray | None,
                                  air_k: float, sensor: ThermalSensor, rng: np.random.Generator | None) -> np.ndarray:
    """What the camera reports: atmosphere, smoke, NETD noise, ADC and saturation, then Planck inversion.

    ``radiance_scene`` band radiance leaving the surfaces (W m^-2 sr^-1); ``path_m`` path
    length to them (m; sky pixels are given a zero path since their radiance is already
    the sky's); ``smoke_tau_visible`` visible-band smoke optical depth on the line of sight;
    ``air_k`` air (and smoke) temperature, K. Returns brightness temperature, K, float32.
    """
    table = band_table(tuple(sensor.band_um))
    l_air = np.float32(table.radiance(air_k))
    # Air and smoke both sit at the air temperature, so their transmittances multiply and
    # one blend does both: L = L_s t_atm t_smoke + (1 - t_atm t_smoke) L_air.
    od = np.multiply(np.asarray(path_m, np.float32), np.float32(LWIR_ATMOSPHERIC_EXTINCTION_PER_M), dtype=np.float32)
    if smoke_tau_visible is not None:
        od += np.float32(SMOKE_LWIR_TO_VISIBLE_EXTINCTION) * smoke_tau_visible.astype(np.float32, copy=False)
    np.negative(od, out=od)
    t = np.exp(od, out=od)
    rad = np.subtract(radiance_scene, l_air, dtype=np.float32)
    rad *= t
    rad += l_air
    if rng is not None and sensor.netd_k > 0:
        sigma = sensor.netd_k * table.d_radiance_d_t(sensor.netd_reference_k)
        noise = rng.standard_normal(rad.shape, dtype=np.float32)
        noise *= np.float32(sigma)
        rad += noise
    lo, hi, t_of_count = _adc_table(sensor)
    levels = t_of_count.size - 1
    counts = np.clip(rad, lo, hi, out=rad)
    counts -= np.float32(lo)
    counts *= np.float32(levels / (hi - lo))
    counts += np.float32(0.5)  # round half up (counts are >= 0)
    return t_of_count[counts.astype(np.int32)]


@lru_cache(maxsize=8)
def _adc_table(sensor: ThermalSensor) -> tuple[float, float, np.ndarray]:
    """Radiance range of the ADC and the brightness temperature of every count (linear ADC in radiance)."""
    table = band_table(tuple(sensor.band_um))
    lo, hi = float(table.radiance(sensor.floor_k)), float(table.radiance(sensor.saturation_k))
    levels = 2**sensor.adc_bits - 1
    rad = lo + np.arange(levels + 1, dtype=np.float64) * ((hi - lo) / levels)
    return lo, hi, table.brightness_temperature(rad)
