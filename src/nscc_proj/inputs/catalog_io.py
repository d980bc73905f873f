"""Reading indicator tables (CSV) into a validated ``Catalog``.

A table travels with optional companion files in its folder:
``context.csv`` (series without targets, same columns) and ``observed.csv``
(observed values, see ``observed.py``). The shipped table's companions ship
with it, so a plain install finds all three.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog, Indicator, RowError
from nscc_proj.inputs.csv_source import read_csv
from nscc_proj.table import Table, plain_row

REQUIRED_COLUMNS = (
    "id",
    "key",
    "domain_zh",
    "domain_en",
    "name_zh",
    "name_en",
    "unit",
    "kind",
    "direction",
    "base_year",
    "base_value",
    "tolerance",
    "note",
)
# Columns a table may have; missing, they read as empty.
OPTIONAL_COLUMNS = ("unit_en",)
_TARGET_COLUMN = re.compile(r"^target_(\d{4})$")
CONTEXT_FILE = "context.csv"
SHIPPED_TABLE = "indicators_2020.csv"
SHIPPED_SOURCE = f"{SHIPPED_TABLE} (shipped)"  # the source the shipped table is loaded as


def shipped_data_dir() -> Path:
    """The package's data folder, found after a plain (non-editable) install."""
    return Path(str(resources.files("nscc_proj").joinpath("data")))


def shipped_catalog_path() -> Path:
    return shipped_data_dir() / SHIPPED_TABLE


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate an indicator table; the shipped one when ``path`` is None.

    A ``context.csv`` beside the table adds its series as context.
    """
    csv_path = Path(path) if path is not None else shipped_catalog_path()
    source = str(path) if path is not None else SHIPPED_SOURCE
    header, rows = read_csv(csv_path, source, "indicator table", REQUIRED_COLUMNS)
    milestones = _milestones_from_header(header, source)
    if not rows:
        raise InputError("the indicator table has no rows", source=source)
    indicators = tuple(_parse_row(row, line, milestones, source) for line, row in rows)
    lines = [line for line, _ in rows]
    context: tuple[Indicator, ...] = ()
    context_path = csv_path.parent / CONTEXT_FILE
    if context_path.is_file():
        context_source = str(context_path) if path is not None else f"{CONTEXT_FILE} (shipped)"
        _, context_rows = read_csv(context_path, context_source, "context table", REQUIRED_COLUMNS)
        context = tuple(_parse_row(row, line, (), context_source) for line, row in context_rows)
        _check_unique(context, [line for line, _ in context_rows], context_source)
        clash = sorted(set(Catalog(indicators, milestones).keys) & {c.key for c in context})
        if clash:
            raise InputError(f"key {clash[0]!r} is also an indicator's key", source=context_source)
    _check_unique(indicators, lines, source)
    return Catalog(
        indicators=indicators,
        milestones=milestones,
        source=source,
        context=context,
        folder=csv_path.parent,
    )


def _milestones_from_header(header: list[str], source: str) -> tuple[int, ...]:
    milestones = sorted(int(m.group(1)) for c in header if (m := _TARGET_COLUMN.match(c)))
    if not milestones:
        raise InputError(
            "no target_YYYY column: the table names no milestone", source=source, line=1
        )
    missing_ops = [f"op_{year}" for year in milestones if f"op_{year}" not in header]
    if missing_ops:
        raise InputError(f"missing column(s): {', '.join(missing_ops)}", source=source, line=1)
    return tuple(milestones)


def _parse_row(
    row: Mapping[str, Any], line: int, milestones: tuple[int, ...], source: str
) -> Indicator:
    if None in row:
        raise InputError("more cells than header columns", source=source, line=line)
    if None in row.values():
        raise InputError("fewer cells than header columns", source=source, line=line)
    cells = {
        name: (value.strip() if isinstance(value, str) else value) for name, value in row.items()
    }
    data: dict[str, Any] = {
        name: (cells[name] or None) for name in REQUIRED_COLUMNS if name != "note"
    }
    data["note"] = cells["note"] or ""
    for name in OPTIONAL_COLUMNS:
        if cells.get(name):
            data[name] = cells[name]
    data["targets"] = {
        year: {"value": cells[f"target_{year}"] or None, "op": cells[f"op_{year}"] or None}
        for year in milestones
    }
    try:
        return Indicator.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        column, message = _column_and_message(error)
        raise InputError(message, source=source, line=line, field=column) from None


def _column_and_message(error: Mapping[str, Any]) -> tuple[str | None, str]:
    context = error.get("ctx") or {}
    original = context.get("error")
    if isinstance(original, RowError):
        return original.column, str(original)
    loc = tuple(error["loc"])
    column: str | None
    if loc[:1] == ("targets",) and len(loc) >= 3:
        column = f"{'target' if loc[2] == 'value' else 'op'}_{loc[1]}"
    else:
        column = str(loc[0]) if loc else None
    given = error.get("input")
    message = str(error["msg"])
    if given is None:
        return column, "a value is required here"
    return column, f"{message[0].lower()}{message[1:]}, got {given!r}"


def _check_unique(indicators: tuple[Indicator, ...], lines: list[int], source: str) -> None:
    for attribute in ("id", "key"):
        seen: dict[object, int] = {}
        for indicator, line in zip(indicators, lines, strict=True):
            value = getattr(indicator, attribute)
            if value in seen:
                raise InputError(
                    f"duplicate {attribute} {value!r} (first on line {seen[value]})",
                    source=source,
                    line=line,
                    field=attribute,
                )
            seen[value] = line


def catalog_table(catalog: Catalog) -> Table:
    """The catalog as a flat table, one row per indicator, targets in wide columns."""
    columns = [c for c in REQUIRED_COLUMNS if c not in ("tolerance", "note")]
    for milestone in catalog.milestones:
        columns += [f"target_{milestone}", f"op_{milestone}"]
    columns += ["tolerance", "note"]
    rows = []
    for indicator in catalog.indicators:
        fields = indicator.model_dump(mode="json")
        row = [fields[name] for name in columns[: len(REQUIRED_COLUMNS) - 2]]
        for milestone in catalog.milestones:
            target = indicator.targets[milestone]
            row += [target.value, None if target.op is None else target.op.value]
        row += [indicator.tolerance, indicator.note or None]
        rows.append(plain_row(row))
    return Table(tuple(columns), tuple(rows))
