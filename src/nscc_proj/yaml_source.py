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
    """Parse a YAML file; syntax errors and duplicate keys become one-line errors."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=source) from None
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = max(1, len(text.splitlines()))
        line = min(mark.line + 1, last_line) if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"YAML syntax error: {problem}", source=source, line=line) from None
    except YAMLError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid YAML"
        raise InputError(f"YAML syntax error: {first_line}", source=source) from None
    lines: dict[Location, int] = {}
    budget = [_MAX_NODES]
    return YamlDocument(data=_plain(tree, (), lines, 1, budget, source), source=source, lines=lines)


# Aliases can expand a small file into a huge tree; no scenario needs this many nodes.
_MAX_NODES = 100_000


def _plain(
    node: Any,
    location: Location,
    lines: dict[Location, int],
    line: int,
    budget: list[int],
    source: str,
) -> Any:
    """Builtin containers and scalars, recording each key's line on the way."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

    budget[0] -= 1
    if budget[0] < 0:
        raise InputError("the document expands to too many values (aliases?)", source=source)
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            here = (*location, str(_scalar(key)))
            # Keys merged in with `<<: *anchor` have no position of their own.
            lines[here] = _line_of(node.lc.key, key, line)
            result[_scalar(key)] = _plain(value, here, lines, lines[here], budget, source)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            here = (*location, str(index))
            lines[here] = _line_of(node.lc.item, index, line)
            items.append(_plain(value, here, lines, lines[here], budget, source))
        return items
    if isinstance(node, TaggedScalar):
        raise InputError(
            f"YAML tags such as {node.tag} are not supported", source=source, line=line
        )
    return _scalar(node)


def _line_of(position_of: Any, key: Any, fallback: int) -> int:
    """A key's line; keys merged in with ``<<: *anchor`` have none, so use the parent's."""
    try:
        position = position_of(key)
    except (KeyError, IndexError):
        return fallback
    return int(position[0]) + 1 if position is not None else fallback


def _scalar(value: Any) -> Any:
    """ruamel's scalar subclasses turned into the builtin types pydantic expects.

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
