"""Physical and empirical constants of the fire physics, each with its unit and source.

Empirical fire equations are published in US customary units (feet, pounds, BTU,
minutes); constants of those equations keep the published unit, named in a comment
and, where it matters, in the name (``_ft``, ``_btu_lb`` ...). Conversion to SI happens
inside the functions that use them (see :mod:`wildfire_gym.units`).
"""

from __future__ import annotations

from .units import J_PER_BTU, M_PER_FT

# ---------------------------------------------------------------- fuel particles
PARTICLE_DENSITY_LB_FT3: float = 32.0
"""lb/ft^3; oven-dry particle density of all standard fuel models (Albini 1976, p. 91)."""
TOTAL_SILICA_CONTENT: float = 0.0555
"""fraction of oven-dry mass; total mineral content S_T (Rothermel 1972, Table 1; Albini 1976)."""
EFFECTIVE_SILICA_CONTENT: float = 0.01
"""fraction of oven-dry mass; effective (silica-free) mineral content S_e (Rothermel 1972, Table 1)."""
SAV_10H_PER_FT: float = 109.0
"""1/ft; surface-area-to-volume ratio of 10-h dead fuel used by BehavePlus (Anderson 1982; Andrews 2018)."""
SAV_100H_PER_FT: float = 30.0
"""1/ft; surface-area-to-volume ratio of 100-h dead fuel used by BehavePlus (Anderson 1982; Andrews 2018)."""

# ----------------------------------------------------------- Albini size classes
SIZE_CLASS_SAV_BOUNDS_PER_FT: tuple[float, ...] = (1200.0, 192.0, 96.0, 48.0, 16.0)
"""1/ft; lower bounds of the SAV classes used to weight net loads (Albini 1976, p. 15; BehavePlus)."""

# ------------------------------------------------------------- dynamic curing
CURING_INTERCEPT: float = 1.333
"""-; herbaceous cured fraction = 1.333 - 1.11 M_herb (Scott & Burgan 2005, p. 11; BehavePlus)."""
CURING_SLOPE: float = 1.11
"""1/fraction; see CURING_INTERCEPT (Scott & Burgan 2005)."""
HERB_FULLY_CURED_MOISTURE: float = 0.30
"""fraction; live herbaceous moisture at or below which the herb load is all dead (Scott & Burgan 2005)."""
HERB_FULLY_GREEN_MOISTURE: float = 1.20
"""fraction; live herbaceous moisture above which no herb load is transferred (Scott & Burgan 2005)."""

# ------------------------------------------------------- Rothermel (1972) model
FINE_DEAD_WEIGHT_EXP_FT: float = 138.0
"""1/ft; exponent of the dead fine-fuel weighting exp(-138/sigma) (Albini 1976, p. 89)."""
FINE_LIVE_WEIGHT_EXP_FT: float = 500.0
"""1/ft; exponent of the live fine-fuel weighting exp(-500/sigma) (Albini 1976, p. 89)."""
LIVE_MX_COEFF: float = 2.9
"""-; live moisture of extinction Mx_live = 2.9 W (1 - Mf/Mx_dead) - 0.226 (Albini 1976, p. 16)."""
LIVE_MX_OFFSET: float = 0.226
"""fraction; see LIVE_MX_COEFF (Albini 1976)."""
PREIGNITION_HEAT_DRY_BTU_LB: float = 250.0
"""BTU/lb; heat of pre-ignition of dry fuel, Q_ig = 250 + 1116 M (Rothermel 1972, eq. 12)."""
PREIGNITION_HEAT_WATER_BTU_LB: float = 1116.0
"""BTU/lb per unit moisture fraction; see PREIGNITION_HEAT_DRY_BTU_LB (Rothermel 1972, eq. 12)."""
RESIDENCE_TIME_COEFF_MIN_FT: float = 384.0
"""min/ft; flame residence time t_r = 384/sigma (Anderson 1969; Albini 1976)."""
WIND_LIMIT_FACTOR: float = 0.9
"""(ft/min)/(BTU/ft^2/min); effective wind limit U_max = 0.9 I_R as applied by BehavePlus (Rothermel 1972, eq. 87)."""
WIND_LIMIT_REVISED_COEFF: float = 96.8
"""ft/min per (BTU/ft^2/min)^(1/3); revised limit U_max = 96.8 I_R^(1/3) (Andrews, Cruz & Rothermel 2013)."""

# ------------------------------------------------------------- flame / intensity
BYRAM_FLAME_COEFF_SI: float = 0.0775
"""m per (kW/m)^0.46; flame length L = 0.0775 I^0.46 (Byram 1959, SI form)."""
BYRAM_FLAME_COEFF_US: float = 0.45
"""ft per (BTU/ft/s)^0.46; flame length L = 0.45 I^0.46 (Byram 1959, as in BehavePlus)."""
BYRAM_FLAME_EXPONENT: float = 0.46
"""-; exponent of Byram's flame length (Byram 1959)."""
THOMAS_FLAME_COEFF_SI: float = 0.2 * M_PER_FT / (J_PER_BTU / M_PER_FT / 1000.0) ** (2.0 / 3.0)
"""m per (kW/m)^(2/3) (= 0.02664); crown flame length L = 0.2 I^(2/3) ft with I in BTU/ft/s (Thomas 1963, as in the
BehavePlus crown module), converted exactly (1 ft = 0.3048 m, 1 BTU/ft/s = 3.4614 kW/m)."""
THOMAS_FLAME_EXPONENT: float = 2.0 / 3.0
"""-; exponent of Thomas's flame length (Thomas 1963)."""

# --------------------------------------------------------------- fire shape
LB_MAX: float = 8.0
"""-; cap on the length-to-breadth ratio used by BehavePlus (Anderson 1983; Andrews 2018)."""
LB_A: float = 0.936
LB_B_PER_MPH: float = 0.1147
LB_C: float = 0.461
LB_D_PER_MPH: float = 0.0692
LB_E: float = 0.397
"""Coefficients of LB = 0.936 e^(0.1147 U) + 0.461 e^(-0.0692 U) - 0.397, U in mi/h (Anderson 1983)."""

# ------------------------------------------------------------ wind adjustment
WAF_UNSHELTERED_COEFF: float = 1.83
"""-; unsheltered WAF = 1.83 / ln((20 + 0.36 H)/(0.13 H)), H fuel depth ft (Albini & Baughman 1979; Andrews 2012)."""
WAF_SHELTERED_COEFF: float = 0.555
"""-; sheltered WAF = 0.555 / (sqrt(f H) ln((20 + 0.36 H)/(0.13 H))), H canopy height ft (Albini & Baughman 1979)."""
WAF_REFERENCE_HEIGHT_FT: float = 20.0
"""ft; reference height of the wind in the WAF equations (Albini & Baughman 1979)."""
WAF_HEIGHT_COEFF: float = 0.36
"""-; see WAF_UNSHELTERED_COEFF (Albini & Baughman 1979)."""
WAF_ROUGHNESS_COEFF: float = 0.13
"""-; roughness length / height, see WAF_UNSHELTERED_COEFF (Albini & Baughman 1979)."""
SHELTERED_CROWN_FILL_MIN: float = 0.05
"""fraction; crown fill portion f = cc * cr / 3 below which the fuel counts as unsheltered (Andrews 2012, BehavePlus)."""
SHELTERED_CANOPY_HEIGHT_MIN_FT: float = 6.0
"""ft; canopies lower than this do not shelter (BehavePlus wind adjustment rules)."""
WIND_10M_TO_20FT_DIVISOR: float = 1.15
"""-; U(20 ft) = U(10 m) / 1.15 (Turner & Lawson 1978; Lawson & Armitage 2008)."""

# ------------------------------------------------------------------- crown fire
VAN_WAGNER_C: float = 0.010
"""-; I0 = (0.010 CBH h)^1.5 kW/m, empirical (Van Wagner 1977, eq. 4)."""
VAN_WAGNER_HEAT_DRY_KJ_KG: float = 460.0
"""kJ/kg; heat of ignition h = 460 + 26 FMC (Van Wagner 1977)."""
VAN_WAGNER_HEAT_WATER_KJ_KG_PCT: float = 26.0
"""kJ/kg per % foliar moisture (Van Wagner 1977)."""
VAN_WAGNER_EXPONENT: float = 1.5
"""-; see VAN_WAGNER_C (Van Wagner 1977)."""
ACTIVE_CROWN_MASS_FLOW_KG_M2_MIN: float = 3.0
"""kg/m^2/min; critical crown mass flow rate S0, R0 = 3/CBD m/min (Van Wagner 1977)."""
CRUZ_A_M_MIN: float = 11.02
CRUZ_WIND_EXP: float = 0.90
CRUZ_CBD_EXP: float = 0.19
CRUZ_MOISTURE_COEFF_PER_PCT: float = 0.17
"""CROS = 11.02 U10^0.90 CBD^0.19 exp(-0.17 EFFM), m/min with U10 km/h, CBD kg/m^3, EFFM % (Cruz et al. 2005)."""
ROTHERMEL_1991_CROWN_MULTIPLIER: float = 3.34
"""-; crown ROS = 3.34 x surface ROS of fuel model 10 (Rothermel 1991)."""
ROTHERMEL_1991_WAF: float = 0.4
"""-; midflame wind = 0.4 x 20-ft wind for the crown ROS (Rothermel 1991)."""
ROTHERMEL_1991_CROWN_LB_PER_MPH: float = 0.125
"""1/mph; crown fire length-to-breadth L/B = 1 + 0.125 U20 with the 20-ft wind in mi/h (Rothermel 1991,
eq. 10; BehavePlus and FARSITE shape crown fires with it)."""
CANOPY_HEAT_CONTENT_KJ_KG: float = 18000.0
"""kJ/kg; low heat of combustion of canopy fuel (Scott & Reinhardt 2001)."""
CFB_FRACTION_AT_ACTIVE: float = 0.9
"""-; Scott & Reinhardt (2001) scale CFB so that it reaches 0.9 at 90 % of the way to R'_SA: a_c = -ln(0.1)/(0.9 (R'_SA - R'_init))."""
FOLIAR_MOISTURE_DEFAULT_PCT: float = 100.0
"""%; default foliar moisture content (Van Wagner 1977; Scott & Reinhardt 2001)."""

# ---------------------------------------------------------------------- spotting
SPOT_DISTANCE_COEFF_MI: float = 0.000718
"""mi per (mi/h ft^0.5); flat-terrain maximum spot distance (Albini 1979; Chase 1981; BehavePlus)."""
SPOT_DISTANCE_OFFSET: float = 0.362
"""-; see SPOT_DISTANCE_COEFF_MI (Albini 1979)."""
SPOT_CRITICAL_COVER_A_FT: float = 2.2
SPOT_CRITICAL_COVER_B: float = 0.337
SPOT_CRITICAL_COVER_C_FT: float = 4.0
"""Minimum cover height used, 2.2 z^0.337 - 4 ft, z firebrand height ft (Albini 1979; BehavePlus)."""
TORCHING_TREES_FLAME_EXP: float = 0.4
"""-; steady flame height scales with (number of trees)^0.4 (Albini 1979)."""
TORCHING_TREES_DURATION_EXP: float = -0.2
"""-; flame duration scales with (number of trees)^-0.2 (Albini 1979)."""
EMBERS_PER_TORCHING_TREE: int = 4
"""-; firebrands launched per torching tree that can reach receptive fuel (a modelling choice of
wildfire_gym: Albini's 1979 model gives the maximum distance, not the count)."""
SPOT_LATERAL_SPREAD_DEG: float = 10.0
"""deg; half-width of the uniform spread of ember bearings about downwind (modelling choice)."""
SPOT_IGNITION_DELAY_S: float = 120.0
"""s; time from an ember's landing to a spreading spot fire (flight plus ignition; modelling choice)."""
SPOT_LOGNORMAL_SIGMA: float = 0.6
"""-; log-standard deviation of ember landing distances (modelling choice of wildfire_gym, see spotting.py)."""
SPOT_MAX_QUANTILE_Z: float = 2.326
"""-; standard-normal quantile (99th percentile) at which the lognormal equals Albini's maximum distance."""

# ---------------------------------------------------------- ignition probability
SCHROEDER_QIG_CONST_CAL_G: float = 144.512
"""cal/g; heat of ignition Q_ig regression (Schroeder 1969; Rothermel 1983, p. 63)."""
