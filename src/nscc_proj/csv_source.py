"""Reading the project's CSV inputs with the line each record starts on."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nscc_proj.errors import InputError

Row = dict[str, Any]


def read_csv(
    path: str | Path, source: str, what: str, required: Sequence[str] = ()
) -> tuple[list[str], list[tuple[int, Row]]]:
    """Header and (first line, row) pairs; a missing, repeated or absent column is an error.

    A quoted cell may span lines, so each record is numbered by the line it
    starts on, the one an editor should jump to.
    """
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = []
            while True:
                first_line = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                # Blank lines are skipped by the reader: count from where the record ends.
                first_line = max(first_line, reader.line_num - _extra_lines(row))
                rows.append((first_line, row))
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the {what}: {exc}", source=source) from None
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise InputError(f"column {repeated[0]!r} appears twice", source=source, line=1)
    missing = [column for column in required if column not in header]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", source=source, line=1)
    return header, rows


def _extra_lines(row: Row) -> int:
    """Line breaks inside the record's quoted cells."""
    return sum(value.count("\n") for value in row.values() if isinstance(value, str))
