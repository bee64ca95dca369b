"""YAML in, safely: the safe loader with limits on size, nesting depth and alias expansion.

Every configuration file the package reads (scenarios, species tables; what-if and dataset
configurations should too) goes through :func:`load_yaml_file` or :func:`safe_load_yaml`, so
that a hostile document ("billion laughs", thousands of nested lists, a gigabyte of text, an
integer of a million digits) gives one :class:`~wildfire_gym.errors.ScenarioError` naming the
file instead of exhausting the machine or ending in a RecursionError. Re-exported by
:mod:`wildfire_gym._config`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import yaml

from .errors import MISSING, ScenarioError, shorten

__all__ = ["DEFAULT_YAML_LIMITS", "YamlLimits", "load_yaml_file", "safe_load_yaml"]


@dataclasses.dataclass(frozen=True)
class YamlLimits:
    """Bounds a YAML document must respect before it is turned into Python objects.

    ``max_bytes``: size of the document (UTF-8 bytes); ``max_depth``: nesting of lists and
    mappings; ``max_values``: scalars plus collections once every alias is expanded (what a
    consumer walking the data would visit); ``max_int_digits``: digits of one integer.
    """

    max_bytes: int = 32 * 1024 * 1024
    max_depth: int = 64
    max_values: int = 4_000_000
    max_int_digits: int = 1000


DEFAULT_YAML_LIMITS = YamlLimits()
"""Large enough for 100,000 ignitions or schedule entries, far below what exhausts memory."""

_YAML_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (about 10x faster), else the pure-Python one."""


class _LimitedLoader(_YAML_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, refusing integers too long to convert in reasonable time."""

    max_int_digits = DEFAULT_YAML_LIMITS.max_int_digits

    def construct_yaml_int(self, node: Any) -> int:
        if len(node.value) > self.max_int_digits:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of more than {self.max_int_digits} digits", node.start_mark)
        return super().construct_yaml_int(node)


_LimitedLoader.add_constructor("tag:yaml.org,2002:int", _LimitedLoader.construct_yaml_int)


def _yaml_error(exc: yaml.YAMLError, source: str | None, field: str) -> ScenarioError:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    if isinstance(exc, yaml.reader.ReaderError):
        where = f" at character {exc.position + 1}"
        problem = f"{exc.reason} (character #x{exc.character:04x})" if isinstance(exc.character, int) else exc.reason
    else:
        problem = getattr(exc, "problem", None) or str(exc)
    return ScenarioError(field, f"valid YAML{where}: {shorten(problem, 200)}", MISSING, source=source)


_STR_TAG = "tag:yaml.org,2002:str"
_IMPLICIT_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
"""First character -> [(tag, regexp)]: the YAML 1.1 implicit types, exactly as PyYAML resolves them."""
_FAST_SCALARS = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp", _STR_TAG})


class _NeedsFullLoader(Exception):
    """The document uses explicit tags or merge keys: build it with PyYAML's own constructor."""


def _walk_events(text: str, limits: YamlLimits, source: str | None, field: str, build: bool) -> tuple[bool, Any]:
    """One pass over the parser's events: enforce ``limits`` and, when ``build``, make the data.

    Depth, values after alias expansion and recursive aliases are checked on the events,
    before any object exists. The expanded size of an anchored node is remembered when the
    node ends, so an alias adds its node's whole size in constant time: the count is exact
    and linear in the document, whatever the aliases expand to. Plain lists, mappings and
    scalars are built here, scalars resolved by PyYAML's own YAML 1.1 rules (about 5x faster
    than composing nodes first); an explicit tag or a merge key stops building (the caller
    then uses the full loader) but not checking. Returns ``(built, data)``.
    """
    anchors: dict[str, int] = {}
    objects: dict[str, Any] = {}
    open_anchors: set[str] = set()
    # per open collection: [anchor, values counted before it, container, pending key, has key]
    stack: list[list[Any]] = []
    total = 0
    documents = 0
    root: Any = None
    ctor = _LimitedLoader("") if build else None
    if ctor is not None:
        ctor.max_int_digits = limits.max_int_digits

    def fail(what: str, event: Any) -> ScenarioError:
        mark = event.start_mark
        return ScenarioError(field, f"{what} (line {mark.line + 1})", MISSING, source=source)

    def scalar(event: Any) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _STR_TAG
            if event.implicit[0]:
                value = event.value
                for t, regexp in _IMPLICIT_RESOLVERS.get(value[:1] if value else "", []) + \
                        _IMPLICIT_RESOLVERS.get(None, []):
                    if regexp.match(value):
                        tag = t
                        break
        if tag == _STR_TAG:
            return event.value
        if tag not in _FAST_SCALARS:
            raise _NeedsFullLoader
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        return ctor.yaml_constructors[tag](ctor, node)  # (not construct_object: it keeps every node)

    def add(value: Any, event: Any) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        container = top[2]
        if isinstance(container, list):
            container.append(value)
        elif top[4]:
            try:
                container[top[3]] = value
            except TypeError:
                raise fail("valid YAML: a mapping key that is a plain value, not a list or a mapping",
                           event) from None
            top[4] = False
        else:
            if isinstance(value, (list, dict)):
                raise fail("valid YAML: a mapping key that is a plain value, not a list or a mapping", event)
            top[3], top[4] = value, True

    for event in yaml.parse(text, Loader=_YAML_BASE_LOADER):
        kind = type(event)
        if kind is yaml.AliasEvent:
            name = event.anchor
            if name in open_anchors:
                raise fail(f"no alias *{shorten(name, 40)} inside the value it names (a recursive structure)",
                           event)
            if name not in anchors:
                raise fail(f"valid YAML: alias *{shorten(name, 40)} names no anchor", event)
            total += anchors[name]
            if build:
                add(objects[name], event)
        elif kind is yaml.ScalarEvent:
            total += 1
            if event.anchor is not None:
                anchors[event.anchor] = 1
            if build:
                try:
                    value = scalar(event)
                except _NeedsFullLoader:
                    build = False
                else:
                    if event.anchor is not None:
                        objects[event.anchor] = value
                    add(value, event)
        elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            if len(stack) >= limits.max_depth:
                raise fail(f"lists and mappings nested at most {limits.max_depth} levels deep", event)
            if build and event.tag not in (None, "!"):
                build = False
            stack.append([event.anchor, total, [] if kind is yaml.SequenceStartEvent else {}, None, False])
            total += 1
            if event.anchor is not None:
                open_anchors.add(event.anchor)
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            anchor, before, container, _, _ = stack.pop()
            if anchor is not None:
                anchors[anchor] = total - before
                open_anchors.discard(anchor)
                objects[anchor] = container
            if build:
                if kind is yaml.MappingEndEvent and "<<" in container:
                    build = False  # a merge key: PyYAML's constructor merges it
                else:
                    add(container, event)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise fail("valid YAML: a single document (found a second '---')", event)
            continue
        else:
            continue
        if total > limits.max_values:
            raise fail(f"at most {limits.max_values:,} values once aliases are expanded", event)
    return build, root


def safe_load_yaml(text: str | bytes, *, source: str | None = None, field: str = "<file>",
                   limits: YamlLimits = DEFAULT_YAML_LIMITS) -> Any:
    """Parse YAML ``text`` with the safe loader within ``limits``; plain Python data.

    Raises :class:`~wildfire_gym.errors.ScenarioError` naming ``field`` (and ``source``,
    the file, when given) for a document that is too large, too deep, expands to too many
    values, is recursive, is not valid YAML, or is not UTF-8.
    """
    if isinstance(text, bytes):
        if len(text) > limits.max_bytes:
            raise ScenarioError(field, f"a YAML document of at most {limits.max_bytes:,} bytes",
                                f"{len(text):,} bytes", source=source)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(field, f"UTF-8 text ({exc.reason} at byte {exc.start})", MISSING,
                                source=source) from None
    if len(text) > limits.max_bytes:  # characters <= bytes: checked before encoding anything
        raise ScenarioError(field, f"a YAML document of at most {limits.max_bytes:,} bytes",
                            f"{len(text):,} characters", source=source)
    try:
        built, data = _walk_events(text, limits, source, field, build=True)
        if built:
            return data
        loader = _LimitedLoader(text)
        loader.max_int_digits = limits.max_int_digits
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, field) from None
    except RecursionError:  # only reachable with a max_depth far above the default
        raise ScenarioError(field, "a less deeply nested YAML document", MISSING, source=source) from None


def load_yaml_file(path: str | os.PathLike[str], *, field: str = "<file>",
                   limits: YamlLimits = DEFAULT_YAML_LIMITS) -> Any:
    """Read and parse a YAML file with :func:`safe_load_yaml`; the size is checked before reading.

    Errors are :class:`~wildfire_gym.errors.ScenarioError` naming ``field`` with the file as source.
    """
    source = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_bytes:
                raise ScenarioError(field, f"a YAML file of at most {limits.max_bytes:,} bytes",
                                    f"{size:,} bytes", source=source)
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise ScenarioError(field, f"a readable file ({exc.strerror or type(exc).__name__})", MISSING,
                            source=source) from None
    return safe_load_yaml(data, source=source, field=field, limits=limits)
