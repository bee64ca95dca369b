"""Typed, validated configuration: plain data (from YAML) -> frozen dataclasses.

``parse(cls, data, path)`` walks a dataclass's type hints and builds it from a
mapping, checking every field. Range and choice checks come from field
metadata (``ge``, ``gt``, ``le``, ``lt``, ``doc``). Each failure raises a
:class:`~wildfire_gym.errors.ScenarioError` naming the dotted field path and
what was expected, never a bare ``KeyError`` or ``TypeError``.

Every configuration file the package reads goes through :func:`load_yaml_file` (from
:mod:`wildfire_gym._yaml`, re-exported here; or
:func:`safe_load_yaml` for text): the YAML safe loader with limits on the document size,
the nesting depth and the number of values after alias expansion, so that a hostile file
("billion laughs", a document nested thousands of levels deep) gives one
:class:`~wildfire_gym.errors.ScenarioError` instead of exhausting the machine.
:func:`preview` and :func:`shorten` (from :mod:`wildfire_gym.errors`) bound what a message
shows of a value or a text.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from ._yaml import DEFAULT_YAML_LIMITS, YamlLimits, load_yaml_file, safe_load_yaml
from .errors import MISSING, ScenarioError, preview, shorten

__all__ = [
    "DEFAULT_YAML_LIMITS",
    "YamlLimits",
    "convert",
    "load_yaml_file",
    "parse",
    "preview",
    "safe_load_yaml",
    "shorten",
    "spec",
    "to_plain",
]

T = TypeVar("T")


def spec(
    default: Any = dataclasses.MISSING,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    doc: str = "",
    factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with range metadata used by :func:`parse`."""
    meta = {"ge": ge, "gt": gt, "le": le, "lt": lt, "doc": doc}
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is float:
        return "a number"
    if tp is int:
        return "an integer"
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_type_name(args[0])}"
        return f"a list of {len(args)} values [{', '.join(_type_name(a) for a in args)}]"
    if origin in (list, typing.List):  # noqa: UP006
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin in (dict, Mapping):
        return f"a mapping of {_type_name(get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return f"a mapping with keys {', '.join(f.name for f in dataclasses.fields(tp))}"
    return getattr(tp, "__name__", str(tp))


def _check_range(value: float, meta: Mapping[str, Any], path: str) -> None:
    ge, gt, le, lt = meta.get("ge"), meta.get("gt"), meta.get("le"), meta.get("lt")
    ok = True
    if ge is not None and not value >= ge:
        ok = False
    if gt is not None and not value > gt:
        ok = False
    if le is not None and not value <= le:
        ok = False
    if lt is not None and not value < lt:
        ok = False
    if not ok:
        parts = []
        if ge is not None:
            parts.append(f">= {ge}")
        if gt is not None:
            parts.append(f"> {gt}")
        if le is not None:
            parts.append(f"<= {le}")
        if lt is not None:
            parts.append(f"< {lt}")
        raise ScenarioError(path, "a value " + " and ".join(parts), value)


def _looks_like_exponent(text: str) -> bool:
    """True for text such as ``1e3`` that Python reads as a number but YAML 1.1 keeps as a string."""
    try:
        float(text)
    except ValueError:
        return False
    return "e" in text.lower()


def convert(tp: Any, value: Any, path: str, meta: Mapping[str, Any] | None = None) -> Any:
    """Convert plain data ``value`` into type ``tp`` or raise ScenarioError at ``path``."""
    meta = meta or {}
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors: list[ScenarioError] = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return convert(arg, value, path, meta)
            except ScenarioError as exc:
                errors.append(exc)
        # Prefer the deepest error (the one that went furthest into the value).
        best = max(errors, key=lambda e: len(e.field))
        if best.field != path:
            raise best
        raise ScenarioError(path, _type_name(tp), value)
    if origin is Literal:
        if value not in get_args(tp) or isinstance(value, bool) != any(
            isinstance(a, bool) for a in get_args(tp) if a == value
        ):
            raise ScenarioError(path, _type_name(tp), value)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ScenarioError(path, "true or false", value)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and math.isfinite(value):
                value = int(value)
            else:
                raise ScenarioError(path, "an integer", value)
        _check_range(value, meta, path)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, str) and _looks_like_exponent(value):
                raise ScenarioError(path, "a number (YAML 1.1 reads an exponent without a dot and a sign, "
                                    "such as 1e3 or 1.0e3, as text: write 1.0e+3 or 1000)", value)
            raise ScenarioError(path, "a number", value)
        try:
            value = float(value)
        except OverflowError:  # an integer beyond the float range (YAML integers are unbounded)
            raise ScenarioError(path, "a finite number", value) from None
        if not math.isfinite(value):
            raise ScenarioError(path, "a finite number", value)
        _check_range(value, meta, path)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ScenarioError(path, "a string", value)
        return value
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise ScenarioError(path, _type_name(tp), value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(convert(args[0], v, _join(path, i), meta) for i, v in enumerate(value))
        if len(value) != len(args):
            raise ScenarioError(path, _type_name(tp), value)
        return tuple(convert(a, v, _join(path, i), meta) for i, (a, v) in enumerate(zip(args, value)))
    if origin is list:
        (arg,) = get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise ScenarioError(path, _type_name(tp), value)
        return [convert(arg, v, _join(path, i)) for i, v in enumerate(value)]
    if origin in (dict, Mapping):
        kt, vt = get_args(tp)
        if not isinstance(value, Mapping):
            raise ScenarioError(path, _type_name(tp), value)
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ScenarioError(_join(path, str(k)), "a string key", k)
            out[k] = convert(vt, v, _join(path, k), meta)
        return out
    if dataclasses.is_dataclass(tp):
        return parse(tp, value, path)
    raise TypeError(f"unsupported config type {tp!r} at {path}")  # programming error


@functools.cache
def _fields_of(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """Type hints and init fields of a dataclass, resolved once per class (not once per object:
    a list of 100,000 ignitions would otherwise evaluate the annotations 100,000 times)."""
    return get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls) if f.init}


def parse(cls: type[T], data: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from mapping ``data``; unknown keys are errors."""
    if isinstance(data, cls):
        return data
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ScenarioError(path, _type_name(cls), data)
    hints, fields = _fields_of(cls)
    unknown = [k for k in data if k not in fields]
    if unknown:
        key = unknown[0]
        raise ScenarioError(
            _join(path, str(key)), "no such key; allowed keys are " + ", ".join(fields), MISSING
        )
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        fpath = _join(path, name)
        if name in data:
            kwargs[name] = convert(hints[name], data[name], fpath, f.metadata)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ScenarioError(fpath, "a value (this key is required)", MISSING)
    try:
        obj = cls(**kwargs)
    except ScenarioError as exc:
        # __post_init__ checks report paths relative to the object: prefix them.
        if path and not exc.field.startswith(path):
            raise ScenarioError(_join(path, exc.field), exc.expected, exc.got) from None
        raise
    return obj


def to_plain(obj: Any) -> Any:
    """Dataclass tree -> plain python data (YAML/JSON-ready), the inverse of :func:`parse`."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: to_plain(v) for k, v in obj.items()}
    return obj
