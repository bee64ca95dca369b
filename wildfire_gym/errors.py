"""Errors raised at the public boundary.

Every error about user input names the field (a dotted path such as
``terrain.cell_m`` or ``ignitions[0].x_m``) and what was expected, so that a
scenario file, a raster, a CLI flag or an action can be fixed without reading
a traceback.
"""

from __future__ import annotations


class WildfireGymError(Exception):
    """Base class of every error this package raises on purpose."""


class ScenarioError(WildfireGymError, ValueError):
    """A scenario (or any configuration) field is missing, mistyped or out of range.

    Attributes:
        field: dotted path of the offending field, e.g. ``"weather.wind_speed_mps"``.
        expected: what the field must be, in words.
        got: the value that was given (``None`` when the field is missing).
        source: the file the value came from, when there is one.
    """

    def __init__(self, field: str, expected: str, got: object = None, source: str | None = None):
        self.field = field or "<root>"
        self.expected = expected
        self.got = got
        self.source = source
        where = f"{source}: " if source else ""
        got_txt = "" if got is _MISSING else f" (got {_short_repr(got)})"
        super().__init__(f"{where}{self.field}: expected {expected}{got_txt}")

    def with_source(self, source: str) -> ScenarioError:
        return ScenarioError(self.field, self.expected, self.got, source)


class RasterError(WildfireGymError, ValueError):
    """A raster file cannot be read, or holds values that cannot be used."""


class ActionError(WildfireGymError, ValueError):
    """An action passed to an environment or a simulator is malformed."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
MISSING = _MISSING


def _short_repr(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
