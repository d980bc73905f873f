"""CSV and JSON writers: full precision, formula-safe, and atomic.

A file is written under a temporary name beside its destination and renamed
only when complete, so a failed run never leaves a partial file behind.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from enum import StrEnum
from pathlib import Path

from nscc_proj.errors import InputError
from nscc_proj.table import Cell, Table

# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A field with one of these, or space at either end, is quoted.
_CSV_SPECIAL = re.compile(r'[,"\r\n]|^\s|\s$')


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    IAMC = "iamc"  # CSV in the IAMC layout (``present/iamc.py``)


def neutralise_formula(text: str) -> str:
    """Prefix a text cell a spreadsheet would run as a formula with an apostrophe.

    This is OWASP's advice against CSV injection: a CSV has no cell types, so Excel,
    LibreOffice and Google Sheets run any field that starts with ``=``, ``+``, ``-``,
    ``@`` (or a tab or CR before one) when the file is opened, and the only defence the
    file itself can carry is to make that field start with something else. The price is
    that such a text reads back with the apostrophe (``'+3.5% real``); numbers are never
    touched (they are written as numbers, not text). The workbook has cell types and
    needs no apostrophe: it stores such text as a string with the quote-prefix style
    (``workbook._as_text``), so the cell shows exactly the text.
    """
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(float(value))  # shortest round-tripping text, also for NumPy floats
    if isinstance(value, int):
        return str(value)
    return neutralise_formula(value)


def _csv_field(text: str) -> str:
    """RFC 4180 quoting; unlike the csv module with a "\\n" terminator, a bare CR is quoted too."""
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(fields: list[str]) -> str:
    # A lone empty field is quoted, or the row would read back as a blank line.
    return '""' if fields == [""] else ",".join(_csv_field(field) for field in fields)


def table_to_csv(table: Table) -> str:
    """CSV text: empty cells for missing values, true/false, floats at full precision."""
    lines = [_csv_line(list(table.columns))]
    lines.extend(_csv_line([_csv_cell(value) for value in row]) for row in table.rows)
    return "\n".join(lines) + "\n"


def table_to_json(table: Table) -> str:
    """A JSON array of row objects; missing values are null, rates are fractions."""
    import json  # here: the CSV forms, which start most often, do without it

    return json.dumps(table.records(), ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def render_text(table: Table, fmt: Format) -> str:
    if fmt in (Format.CSV, Format.IAMC):
        return table_to_csv(table)
    if fmt is Format.JSON:
        return table_to_json(table)
    raise ValueError(f"{fmt} is not a file format")


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file and a rename.

    A symlink is followed (its target is replaced, not the link), and a
    destination that is not a regular file (``/dev/stdout``, a pipe) is
    written in place, since it cannot be renamed over.
    """
    destination = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    if destination.exists() and not destination.is_file() and not destination.is_dir():
        try:
            with destination.open("wb") as stream:
                stream.write(data)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", source=str(path)) from None
        return
    if destination.is_symlink():
        destination = destination.resolve()
    folder = destination.parent
    if not folder.is_dir():
        raise InputError(f"output folder does not exist: {folder}", source=str(destination))
    if destination.is_dir():
        raise InputError("output path is a folder; give a file name", source=str(destination))
    temporary: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "wb",
            dir=folder,
            prefix=f".{destination.name}.",
            suffix=".tmp",
            delete=False,
        ) as handle:
            temporary = Path(handle.name)
            handle.write(data)
        # A temporary file is private (0600); give the result the mode a plain open() would.
        temporary.chmod(existing_mode(destination, 0o666))
        os.replace(temporary, destination)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise InputError(
            f"cannot write the file: {exc.strerror or exc}", source=str(destination)
        ) from None
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise


def existing_mode(path: Path, fresh: int) -> int:
    """The mode of ``path`` where it exists, else ``fresh`` less the process umask (what
    ``open``, 0666, or ``mkdir``, 0777, would give): a replaced file or folder keeps its
    permissions, a new one gets the usual ones."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return fresh & ~umask


def format_for_output(fmt: Format | None, output: Path | None) -> Format:
    """The format asked for, else the one the output file's suffix names, else a table."""
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = Format(suffix) if suffix in (Format.CSV, Format.JSON) else Format.TABLE
    if fmt is Format.TABLE and output is not None:
        raise InputError(
            f"{output}: a file takes the csv or json format (or a name ending in .csv or .json)",
            field="output",
        )
    return fmt
