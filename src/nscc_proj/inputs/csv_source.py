"""Reading the project's input files: bounded bytes, and CSV records with their lines.

Every input file (tables, observed values, scenarios, expectations) is read
through ``read_input_bytes``: only a regular file is opened, and never more
than a stated number of bytes is read, so a FIFO, a device such as
``/dev/zero``, a folder or a file that keeps growing gives a one-line error
instead of a hang or unbounded memory.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nscc_proj.errors import InputError

Row = dict[str, Any]

MAX_TABLE_BYTES = 16 * 1024 * 1024
"""Largest CSV input (indicator, context and ratio tables, observed values): 16 MiB.

A province's plan has a few hundred indicators and a table row is a few
hundred bytes; ten thousand indicators with twenty observed years each still
fit in about 10 MiB. Parsed rows take roughly ten times their bytes in
memory, so 16 MiB keeps a mistaken file (a log, a dump) from taking gigabytes
before it is rejected.
"""


def limit_text(limit: int) -> str:
    """A byte limit as people write it: ``16 MiB``, ``512 KiB`` or ``100 bytes``."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if limit >= size and limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit:,} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_input_bytes(path: str | Path, *, limit: int, source: str, what: str, kind: str) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``; anything else is an InputError.

    ``stat`` decides before anything is opened, so a FIFO or a device is never
    opened at all; the file is then opened without blocking and checked again
    on its descriptor, in case it was swapped in between. At most
    ``limit + 1`` bytes are read, so a file that grows while it is read is
    bounded too. ``FileNotFoundError`` and other ``OSError`` propagate, for
    the caller to word; ``what`` names the file in messages ("indicator
    table"), ``kind`` the limit ("input tables").
    """
    too_large = InputError(
        f"the {what} is larger than the {limit_text(limit)} limit for {kind}", source=source
    )
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise InputError(f"cannot read the {what}: it is {_kind(mode)}", source=source)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(
                f"cannot read the {what}: it is {_kind(status.st_mode)}", source=source
            )
        if status.st_size > limit:
            raise too_large
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    if remaining <= 0:
        raise too_large
    return b"".join(chunks)


def read_csv(
    path: str | Path,
    source: str,
    what: str,
    required: Sequence[str] = (),
    *,
    limit: int = MAX_TABLE_BYTES,
) -> tuple[list[str], list[tuple[int, Row]]]:
    """Header and (first line, row) pairs; a missing, repeated or absent column is an error.

    A quoted cell may span lines, so each record is numbered by the line it
    starts on, the one an editor should jump to. The file must be a regular
    file of at most ``limit`` bytes (see ``read_input_bytes``).
    """
    try:
        data = read_input_bytes(path, limit=limit, source=source, what=what, kind="input tables")
        handle = io.StringIO(data.decode("utf-8-sig"), newline="")
        del data
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
