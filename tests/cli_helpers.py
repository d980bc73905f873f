"""Helpers shared by the CLI tests: run a command in-process, read its CSV, compare numbers,
check errors."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

from typer.testing import CliRunner, Result

from nscc_proj.cli import app_for


def run(*args: str | Path) -> Result:
    """Run ``nscc ARGS`` in-process, built as the console script builds it (``app_for``)."""
    argv = [str(arg) for arg in args]
    # Recent typer keeps stderr apart from stdout in CliRunner (no mix_stderr argument).
    return CliRunner().invoke(app_for(argv), argv)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline="")))


# Computed floats may differ in their last digits from one CPU or libm to another
# (``x ** (1 / 15)`` is not correctly rounded everywhere): compare them to this relative
# tolerance. Tests about bit-identity on one machine (reruns, chunks, threads, Dask) compare
# exactly instead.
REL = 1e-12


def same_cell(actual: str, expected: str, rel: float = REL) -> bool:
    """Two CSV cells: numbers within ``rel`` of each other (relative), other text exactly."""
    try:
        got, want = float(actual), float(expected)
    except ValueError:
        return actual == expected
    if math.isnan(want):
        return math.isnan(got)
    return math.isclose(got, want, rel_tol=rel, abs_tol=0.0)


def assert_same_rows(
    actual: Sequence[dict[str, str]], expected: Sequence[dict[str, str]], rel: float = REL
) -> None:
    """The same rows with the same columns; numbers to ``rel``, text exactly."""
    assert len(actual) == len(expected), (len(actual), len(expected))
    for number, (got, want) in enumerate(zip(actual, expected, strict=True), start=1):
        assert list(got) == list(want), f"row {number}: columns differ"
        wrong = {
            name: (got[name], value)
            for name, value in want.items()
            if not same_cell(got[name], value, rel)
        }
        assert not wrong, f"row {number} {want}: {wrong}"


def assert_same_csv(actual: str, expected: str, rel: float = REL) -> None:
    """Two CSV texts: the same header exactly, then ``assert_same_rows``."""
    assert csv_header(actual) == csv_header(expected)
    assert_same_rows(csv_rows(actual), csv_rows(expected), rel)


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
