"""YAML documents that remember where each key was written.

Validation happens on plain Python data, but every message must point at a
line of the user's file; this module keeps the two together.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nscc_proj.errors import InputError

Location = tuple[str, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Plain data from a YAML file, with the line of every mapping key."""

    data: Any
    source: str
    lines: Mapping[Location, int] = field(default_factory=dict)

    def line_of(self, location: Sequence[object]) -> int | None:
        """The line of the deepest written key along ``location`` (1-based)."""
        path = tuple(str(part) for part in location)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def error(self, location: Sequence[object], message: str) -> InputError:
        dotted = ".".join(str(part) for part in location) or None
        return InputError(message, source=self.source, line=self.line_of(location), field=dotted)


MAX_YAML_BYTES = 1024 * 1024
"""Largest scenario file: 1 MiB.

The shipped scenarios are a few KiB; one that sets growth, volatility and a
shock for each of ten thousand indicators stays under 1 MiB. Parsing keeps
every node of the document with its position (about a second per MiB), so
the limit also bounds the time and memory spent before a mistaken file is
rejected. Callers reading larger documents (expectations) pass their own.
"""

MAX_YAML_NODES = 100_000
"""Most values (mappings, lists and plain values) a document may build into: 100,000.

Counted after aliases are expanded, so a few lines of nested aliases (a
"billion laughs") cannot build a tree of millions of values. A scenario for
ten thousand indicators has a few tens of thousands.
"""

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists: 64 (a scenario needs about six)."""

_YAML = "tag:yaml.org,2002:"
_MERGE = _YAML + "merge"
# Tags a plain value may carry, written or resolved: YAML's core types and timestamps.
_SCALAR_TAGS = frozenset(_YAML + name for name in ("str", "int", "float", "bool", "null"))
_TIMESTAMP = _YAML + "timestamp"


def read_yaml(
    path: str | Path,
    *,
    max_bytes: int = MAX_YAML_BYTES,
    max_nodes: int = MAX_YAML_NODES,
    kind: str = "a scenario file",
) -> YamlDocument:
    """Parse a YAML file; syntax errors and duplicate keys become one-line errors.

    PyYAML composes the document into nodes that carry their positions
    (with libyaml's C parser where available, for a quick start); the data is
    built from the nodes so every key keeps its line. Only a regular file of
    at most ``max_bytes`` is read (``kind`` names the limit in the message),
    the built document has at most ``max_nodes`` values and
    ``MAX_YAML_DEPTH`` levels, and only YAML's plain types are accepted: a
    tag such as ``!!python/object`` is an error, never ignored.
    """
    import yaml

    from nscc_proj.inputs.csv_source import read_input_bytes

    source = str(path)
    try:
        raw = read_input_bytes(path, limit=max_bytes, source=source, what="file", kind=kind)
        # As ``Path.read_text`` would: universal newlines, so lines count as an editor does.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        del raw
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=source) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    lines: dict[Location, int] = {}
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, lines, source, max_nodes)
        data = None if node is None else builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = max(1, len(text.splitlines()))
        line = min(mark.line + 1, last_line) if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"YAML syntax error: {problem}", source=source, line=line) from None
    except yaml.YAMLError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid YAML"
        raise InputError(f"YAML syntax error: {first_line}", source=source) from None
    except RecursionError:
        # Only PyYAML's pure-Python composer recurses this deep (libyaml stops at 1,000 levels).
        raise InputError(
            f"nested more than {MAX_YAML_DEPTH} levels deep (the limit)", source=source
        ) from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, source=source, lines=lines)


def _tag_text(tag: str) -> str:
    """A tag as it is written: ``!!python/object`` rather than its full URI."""
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


class _Builder:
    """Plain data from PyYAML nodes, recording each key's line on the way.

    Every value built counts against ``max_nodes``, aliases once per use;
    the nodes being built are kept on a stack to refuse an alias to one of
    its own ancestors (a cycle) and nesting beyond ``MAX_YAML_DEPTH``.
    """

    def __init__(
        self, loader: Any, lines: dict[Location, int], source: str, max_nodes: int
    ) -> None:
        self.loader, self.lines, self.source = loader, lines, source
        self.max_nodes = max_nodes
        self.budget = max_nodes
        self.open: list[int] = []

    def error(self, message: str, node: Any, location: Location) -> InputError:
        return InputError(
            message,
            source=self.source,
            line=node.start_mark.line + 1,
            field=".".join(location) or None,
        )

    def build(self, node: Any, location: Location) -> Any:
        import yaml

        self.budget -= 1
        if self.budget < 0:
            raise InputError(
                f"the document has more than {self.max_nodes:,} values once its aliases are "
                "expanded (the limit)",
                source=self.source,
            )
        if id(node) in self.open:
            # The node is the one the alias names: its key's line is where the alias is used.
            raise InputError(
                "an alias refers to a value that contains it",
                source=self.source,
                line=self.lines.get(location, node.start_mark.line + 1),
                field=".".join(location) or None,
            )
        if len(self.open) >= MAX_YAML_DEPTH:
            raise self.error(
                f"nested more than {MAX_YAML_DEPTH} levels deep (the limit)", node, location
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, location)
        self.open.append(id(node))
        try:
            if isinstance(node, yaml.MappingNode) and node.tag == _YAML + "map":
                return self._mapping(node, location)
            if isinstance(node, yaml.SequenceNode) and node.tag == _YAML + "seq":
                items = []
                for index, child in enumerate(node.value):
                    here = (*location, str(index))
                    self.lines[here] = child.start_mark.line + 1
                    items.append(self.build(child, here))
                return items
            raise self._unsupported(node, location)
        finally:
            self.open.pop()

    def _unsupported(self, node: Any, location: Location) -> InputError:
        return self.error(
            f"the YAML tag {_tag_text(node.tag)} is not supported "
            "(only plain values, lists and mappings)",
            node,
            location,
        )

    def _scalar(self, node: Any, location: Location) -> Any:
        if node.tag == _MERGE:
            return "<<"  # a plain ``<<`` that is not a key: the text as written
        if node.tag not in _SCALAR_TAGS and node.tag != _TIMESTAMP:
            raise self._unsupported(node, location)
        return _scalar(self.loader.construct_object(node, deep=True))

    def _key(self, key_node: Any, location: Location) -> Any:
        import yaml

        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError("a key must be a plain value", source=self.source, line=line)
        key = self._scalar(key_node, location)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise InputError("a key must be a plain value", source=self.source, line=line)
        return key

    def _merged(self, key_node: Any, value_node: Any, location: Location) -> dict[Any, Any]:
        """The keys a ``<<`` brings in; of several mappings, the earlier ones win (YAML's rule)."""
        import yaml

        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        if not sources or not all(isinstance(item, yaml.MappingNode) for item in sources):
            raise self.error(
                "a merge key '<<' takes a mapping or a list of mappings "
                "(e.g. <<: *defaults), not a plain value or a list of them",
                key_node,
                location,
            )
        merged: dict[Any, Any] = {}
        # Built last to first, so each key keeps the value (and line) of the mapping that wins.
        for mapping in reversed(sources):
            merged.update(self.build(mapping, location))
        return merged

    def _mapping(self, node: Any, location: Location) -> dict[Any, Any]:
        explicit = [(k, v) for k, v in node.value if k.tag != _MERGE]
        result: dict[Any, Any] = {}
        # Keys merged in with `<<: *anchor` come first; keys written here override them.
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                result.update(self._merged(key_node, value_node, location))
        first_line: dict[Any, int] = {}
        for key_node, value_node in explicit:
            key = self._key(key_node, location)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise InputError(
                    f"YAML syntax error: duplicate key {key!r} (first on line {first_line[key]})",
                    source=self.source,
                    line=line,
                )
            first_line[key] = line
            here = (*location, str(key))
            self.lines[here] = line
            result[key] = self.build(value_node, here)
        return result


def _scalar(value: Any) -> Any:
    """A YAML scalar as the builtin type pydantic expects.

    Dates become their ISO text, so a period written 2021-01-01 is reported
    as written rather than as a Python object.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def validation_error(
    document: YamlDocument, exc: Any, tags: frozenset[str] = frozenset()
) -> InputError:
    """The first pydantic error of ``exc`` as a located one-line error.

    ``tags`` are discriminator names pydantic inserts into error locations;
    they are not keys of the file and are dropped, as are its labels of
    union members and dict keys (``function-before[...]``, ``[key]``).
    """
    error = exc.errors()[0]
    location = [
        part
        for part in error["loc"]
        if part not in tags and not (isinstance(part, str) and "[" in part)
    ]
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling)"
    elif error["type"] == "string_pattern_mismatch" and location[-1:] == ["name"]:
        message = f"a name is one word, without spaces or commas, got {error['input']!r}"
    elif error["type"].startswith("value_error"):
        message = message.removeprefix("Value error, ")
    elif "input" in error and error["type"] != "missing":
        message = f"{message[0].lower()}{message[1:]}, got {error['input']!r}"
    return document.error(location, message)
