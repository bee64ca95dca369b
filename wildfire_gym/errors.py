"""Errors raised at the public boundary.

Every error about user input names the field (a dotted path such as
``terrain.cell_m`` or ``ignitions[0].x_m``) and what was expected, so that a
scenario file, a raster, a CLI flag or an action can be fixed without reading
a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

MAX_FIELD_CHARS = 160
"""Longest field path shown in a message (a longer one is shortened in the middle)."""
MAX_EXPECTED_CHARS = 600
"""Longest 'expected ...' text shown in a message."""
MAX_SOURCE_CHARS = 160
"""Longest file name shown in a message."""
PREVIEW_CHARS = 80
"""Longest preview of an offending value."""
MAX_INT_PREVIEW_DIGITS = 40
"""Integers with more digits are shown by their size, not their digits."""


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
        where = f"{_one_line(shorten(source, MAX_SOURCE_CHARS))}: " if source else ""
        got_txt = "" if got is _MISSING else f" (got {preview(got)})"
        super().__init__(f"{where}{_one_line(shorten(self.field, MAX_FIELD_CHARS))}: expected "
                         f"{' '.join(shorten(expected, MAX_EXPECTED_CHARS).split())}{got_txt}")

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


def shorten(text: object, limit: int = PREVIEW_CHARS) -> str:
    """``text`` (made a string) cut in the middle to at most ``limit`` characters.

    The start and the end are kept (a long path keeps its root and its file name); only the
    kept parts are copied, so a text of millions of characters costs no more than a short one.
    """
    s = text if isinstance(text, str) else str(text)
    if len(s) <= limit:
        return s
    if limit < 8:
        return s[:limit]
    head = (limit - 3) * 2 // 3
    tail = limit - 3 - head
    return s[:head] + "..." + s[len(s) - tail:]


def _one_line(text: str) -> str:
    """``text`` with line breaks escaped, so that a message stays one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class _Budget(Exception):
    """Raised inside :func:`preview` when the output is long enough."""


def preview(value: object, limit: int = PREVIEW_CHARS) -> str:
    """A repr-like text of ``value`` of at most ``limit`` characters, built piece by piece.

    Unlike ``repr(value)[:limit]`` it never renders the whole value: containers are walked
    only until ``limit`` characters are written, so a value that YAML aliases expand to
    billions of items, a cyclic list or a string of millions of characters is previewed in
    time proportional to ``limit``. Integers with more than :data:`MAX_INT_PREVIEW_DIGITS`
    digits are described by their size (Python refuses to print very long ones).
    """
    parts: list[str] = []
    used = [0]
    cap = limit + 1

    def put(text: str) -> None:
        room = cap - used[0]
        parts.append(text[:room])
        used[0] += min(len(text), room)
        if used[0] >= cap:
            raise _Budget

    def walk(v: object, depth: int) -> None:
        if isinstance(v, str):
            # a long text keeps its start and its end (a path keeps its file name)
            put(repr(v) if len(v) <= cap else repr(shorten(v, max(8, limit - 2 - 2 * depth))))
        elif isinstance(v, bool) or v is None:
            put(repr(v))
        elif isinstance(v, int):
            digits = v.bit_length() * math.log10(2)
            put(repr(v) if digits <= MAX_INT_PREVIEW_DIGITS else f"<an integer of about {digits:.0f} digits>")
        elif isinstance(v, float):
            put(repr(v))
        elif isinstance(v, (bytes, bytearray)):
            put(repr(bytes(v[:cap])))
        elif isinstance(v, Mapping):
            if depth > limit:
                put("{...}")
                return
            put("{")
            for i, (k, item) in enumerate(v.items()):
                if i:
                    put(", ")
                walk(k, depth + 1)
                put(": ")
                walk(item, depth + 1)
            put("}")
        elif isinstance(v, (list, tuple, set, frozenset)):
            if depth > limit:
                put("[...]")
                return
            opening, closing = ("(", ")") if isinstance(v, tuple) else ("[", "]")
            put(opening)
            for i, item in enumerate(v):
                if i:
                    put(", ")
                walk(item, depth + 1)
            put(closing)
        else:
            put(shorten(repr(v), cap))

    try:
        walk(value, 0)
    except _Budget:
        pass
    except RecursionError:  # pragma: no cover - depth is bounded by the budget
        pass
    text = "".join(parts)
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."
