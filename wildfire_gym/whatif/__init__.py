"""What-if studies: variants of a world (forest and fuel treatments, weather, ignitions), each
burned as a seeded ensemble, compared through burn probability, flame-length probabilities,
arrival times and houses at risk.

``load_whatif(path)`` validates a what-if file; ``run_whatif(wi)`` runs it; ``write_report`` writes
the comparison table, GeoTIFFs, per-house files, maps and an HTML report.
"""

from __future__ import annotations

from .ensemble import StudyResult, VariantResult, run_members, run_whatif
from .report import write_report
from .schema import WhatIf, load_whatif, whatif_from_dict

__all__ = ["StudyResult", "VariantResult", "WhatIf", "load_whatif", "run_members", "run_whatif", "whatif_from_dict",
           "write_report"]
