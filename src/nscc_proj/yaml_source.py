"""YAML documents that remember where each key was written.

Validation happens on plain Python data, but every message must point at a
line of the user's file; this module keeps the two together.
"""

from __future__ import annotations

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
    return YamlDocument(data=_plain(tree, (), lines), source=source, lines=lines)


def _plain(node: Any, location: Location, lines: dict[Location, int]) -> Any:
    """Builtin containers and scalars, recording each key's line on the way."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            here = (*location, str(key))
            lines[here] = node.lc.key(key)[0] + 1
            result[_scalar(key)] = _plain(value, here, lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            here = (*location, str(index))
            lines[here] = node.lc.item(index)[0] + 1
            items.append(_plain(value, here, lines))
        return items
    return _scalar(node)


def _scalar(value: Any) -> Any:
    """ruamel's scalar subclasses turned into the builtin types pydantic expects."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
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
