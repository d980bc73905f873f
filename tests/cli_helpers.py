"""Helpers shared by the CLI tests: run a command in-process, read its CSV, check errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from typer.testing import CliRunner, Result

from nscc_proj.cli import app


def run(*args: str | Path) -> Result:
    # Recent typer keeps stderr apart from stdout in CliRunner (no mix_stderr argument).
    return CliRunner().invoke(app, [str(arg) for arg in args])


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline="")))


def find_row(rows: Sequence[dict[str, str]], **where: str) -> dict[str, str]:
    found = [row for row in rows if all(row[name] == value for name, value in where.items())]
    assert len(found) == 1, f"{len(found)} rows match {where}"
    return found[0]


def assert_input_error(result: Result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, one ``Error: ...`` line on stderr with every fragment."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("Error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message
