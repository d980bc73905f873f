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


def read_yaml(path: str | Path) -> YamlDocument:
    """Parse a YAML file; syntax errors and duplicate keys become one-line errors.

    PyYAML composes the document into nodes that carry their positions
    (with libyaml's C parser where available, for a quick start); the data is
    built from the nodes so every key keeps its line.
    """
    import yaml

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=source) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    lines: dict[Location, int] = {}
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, lines, source)
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
    finally:
        loader.dispose()
    return YamlDocument(data=data, source=source, lines=lines)


# Aliases can expand a small file into a huge tree; no scenario needs this many nodes.
_MAX_NODES = 100_000
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Plain data from PyYAML nodes, recording each key's line on the way."""

    def __init__(self, loader: Any, lines: dict[Location, int], source: str) -> None:
        self.loader, self.lines, self.source = loader, lines, source
        self.budget = _MAX_NODES

    def build(self, node: Any, location: Location) -> Any:
        import yaml

        self.budget -= 1
        if self.budget < 0:
            raise InputError(
                "the document expands to too many values (aliases?)", source=self.source
            )
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, location)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                here = (*location, str(index))
                self.lines[here] = child.start_mark.line + 1
                items.append(self.build(child, here))
            return items
        if node.tag.startswith("!"):
            raise InputError(
                f"YAML tags such as {node.tag} are not supported", source=self.source, line=line
            )
        return _scalar(self.loader.construct_object(node, deep=True))

    def _mapping(self, node: Any, location: Location) -> dict[Any, Any]:
        explicit = [(k, v) for k, v in node.value if k.tag != _MERGE]
        merged = [(k, v) for k, v in node.value if k.tag == _MERGE]
        result: dict[Any, Any] = {}
        # Keys merged in with `<<: *anchor` come first; keys written here override them.
        for _, source_node in merged:
            for mapping in (
                getattr(source_node, "value", []) if source_node.id == "sequence" else [source_node]
            ):
                for key_node, value_node in getattr(mapping, "value", []):
                    key = _scalar(self.loader.construct_object(key_node, deep=True))
                    here = (*location, str(key))
                    self.lines.setdefault(here, node.start_mark.line + 1)
                    result[key] = self.build(value_node, here)
        first_line: dict[Any, int] = {}
        for key_node, value_node in explicit:
            key = _scalar(self.loader.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise InputError("a key must be a plain value", source=self.source, line=line)
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
    elif error["type"].startswith("value_error"):
        message = message.removeprefix("Value error, ")
    elif "input" in error and error["type"] != "missing":
        message = f"{message[0].lower()}{message[1:]}, got {error['input']!r}"
    return document.error(location, message)
