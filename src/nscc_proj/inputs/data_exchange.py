"""The city's own figures in one step: a workbook to fill in, and its checked import.

``template_workbook`` writes an Excel workbook an analyst fills in: every
series of the catalog (indicators, then context series) x every year from its
base to the as-of year, prefilled with the observations already loaded, with
lists to pick the measure, grade, vintage and break from. ``import_rows`` reads
it back (or a CSV in the observed-values format), checks every cell with the
same rules as ``observed.load_observed``, naming the sheet and cell of a bad
one, and ``observed_csv`` writes the observed-values file. ``differences``
says what changed against the current file, per indicator.

openpyxl loads inside the functions that need it: the CLI must start fast.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.csv_source import MAX_TABLE_BYTES, read_csv, read_input_bytes
from nscc_proj.inputs.observed import (
    GRADES,
    MEASURES,
    OBSERVED_COLUMNS,
    VINTAGES,
    Observation,
    Observations,
    parse_row,
)
from nscc_proj.inputs.workbook_file import xlsx_bytes

# A row of cells by column code, with where a field of it sits (for error messages).
_Cells = tuple[Callable[[str | None], str], dict[str, str | None]]
SHEET = "observations"
INSTRUCTIONS = "instructions"
# Columns of the data sheet: the file's columns, with the name and unit to read by.
COLUMNS = (
    "indicator_key",
    "name",
    "unit",
    "year",
    "measure",
    "value",
    "source",
    "grade",
    "vintage",
    "break",
    "note",
)
FILE_COLUMNS = tuple(c for c in COLUMNS if c not in ("name", "unit"))  # what the file keeps
# A yearly change this many robust standard deviations from the series' usual change is
# worth a second look (a warning, never an error): the median absolute deviation of the
# other yearly log changes, scaled to a standard deviation, and at least 2 % a year.
JUMP_SIGMAS = 4.0
JUMP_FLOOR = 0.02

_HEADERS = {
    "indicator_key": ("indicator_key", "指标代码"),
    "name": ("name", "名称"),
    "unit": ("unit", "单位"),
    "year": ("year", "年份"),
    "measure": ("measure", "口径"),
    "value": ("value", "数值"),
    "source": ("source", "来源"),
    "grade": ("grade", "等级"),
    "vintage": ("vintage", "版本"),
    "break": ("break", "口径调整"),
    "note": ("note", "备注"),
}
_INSTRUCTIONS = (
    (
        "How to fill in this workbook",
        "如何填写本工作簿",
    ),
    (
        "One row per series and year. Fill in 'value' where you have an official figure, in the "
        "unit shown; leave it empty where you have none (empty rows are ignored).",
        "每个指标每年一行。有官方数据的,在“数值”列按所示单位填写;没有数据的留空(空行不导入)。",
    ),
    (
        "measure: 'level' for the indicator's own value; 'growth_nominal' or 'growth_real' for "
        "that year's growth in % (add a row for it). Growth facts apply to levels and counts.",
        "口径:level 为指标本身的数值;growth_nominal(名义)或 growth_real(实际)为当年增速(%),"
        "请另起一行填写。增速只适用于总量和数量指标。",
    ),
    (
        "source: where the figure comes from (title and web address). grade: A official page, "
        "B faithful copy or mainstream media, B-derived arithmetic on B, C secondary copy.",
        "来源:数据出处(标题和网址)。等级:A 官方网页,B 忠实转载或主流媒体,B-derived 基于 B 的推算,"
        "C 二手转载。",
    ),
    (
        "vintage: estimate (a January 预计), preliminary or final. break: true where the figure "
        "starts a new statistical basis (a census revision).",
        "版本:estimate(预计数)、preliminary(初步核实)或 final(最终核实)。口径调整:"
        "数据采用新统计口径(如经济普查修订)时填 true。",
    ),
    (
        "Then: nscc data import THIS_FILE -o observed.csv (checks every cell and shows what "
        "changed).",
        "然后运行:nscc data import 本文件 -o observed.csv(逐格检查并列出变化)。",
    ),
)


@dataclass(frozen=True)
class Imported:
    """Observations read from a workbook or CSV, with warnings worth a second look."""

    observations: Observations
    warnings: tuple[str, ...]


def template_workbook(
    catalog: Catalog,
    observed: Observations | None,
    as_of: int,
    lang: str = "en",
    *,
    stamp: datetime,
) -> bytes:
    """The workbook to fill in (bytes of an .xlsx file), dated ``stamp``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang == "zh"
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = INSTRUCTIONS
    for r, (english, chinese) in enumerate(_INSTRUCTIONS, start=1):
        notes.cell(r, 1, chinese if zh else english).font = Font(bold=r == 1)
        notes.cell(r, 2, english if zh else chinese)
    notes.column_dimensions["A"].width = 100
    notes.column_dimensions["B"].width = 100
    sheet = book.create_sheet(SHEET)
    sheet.append([_HEADERS[c][1 if zh else 0] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
    for row in _template_rows(catalog, observed, as_of, zh):
        sheet.append(list(row))
        for c in (COLUMNS.index("source"), COLUMNS.index("note"), COLUMNS.index("name")):
            sheet.cell(sheet.max_row, c + 1).data_type = "s"  # text, never a formula
    last = max(sheet.max_row, 2) + 500  # room for growth rows
    for name, choices in (
        ("measure", MEASURES),
        ("grade", GRADES),
        ("vintage", VINTAGES),
        ("break", ("true", "false")),
    ):
        letter = chr(ord("A") + COLUMNS.index(name))
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        rule.error = f"{name}: " + ", ".join(choices)
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "A2"
    widths = {"indicator_key": 26, "name": 40, "unit": 12, "source": 60, "note": 40}
    for i, column in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = widths.get(column, 12)
    return xlsx_bytes(book, stamp)


def _template_rows(
    catalog: Catalog, observed: Observations | None, as_of: int, zh: bool
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for series in catalog.series:
        name = series.name_zh if zh else series.name_en
        first = series.base_year + (1 if series.base_value is not None else 0)
        first = max(first, int(catalog.years[0]))
        known = {} if observed is None else {r.year: r for r in observed.of(series.key)}
        for year in range(first, min(as_of, int(catalog.years[-1])) + 1):
            record = known.get(year)
            rows.append(_row(series.key, name, series.unit, year, record))
        for record in () if observed is None else observed.growth_of(series.key):
            rows.append(_row(series.key, name, "%", record.year, record))
    return rows


def _row(
    key: str, name: str, unit: str, year: int, record: Observation | None
) -> tuple[object, ...]:
    if record is None:
        return (key, name, unit, year, "level", None, None, None, None, None, None)
    return (
        key,
        name,
        unit,
        year,
        record.measure,
        record.value,
        record.source,
        record.grade,
        record.vintage,
        "true" if record.revision else None,
        record.note or None,
    )


def import_rows(path: str | Path, catalog: Catalog) -> Imported:
    """Read a filled-in workbook (.xlsx) or an observed-values CSV, every cell checked.

    A workbook holds numbers as Excel does, to 15 significant digits.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        cells = _workbook_rows(path)
    elif suffix == ".csv":
        cells = _csv_rows(path)
    else:
        raise InputError("give an .xlsx workbook or a .csv file", source=str(path))
    records: list[Observation] = []
    seen: dict[tuple[str, int, str], str] = {}
    value_places: dict[tuple[str, int, str], str] = {}
    for place, row in cells:
        if all(not (row.get(name) or "").strip() for name in ("value", "source", "grade")):
            continue  # a template row nobody filled in
        try:
            record = parse_row(row, 0, str(path), catalog)
        except InputError as exc:
            column = place(exc.field)
            raise InputError(exc.message, source=f"{path} [{column}]") from None
        key = (record.key, record.year, record.measure)
        if key in seen:
            raise InputError(
                f"{record.key} {record.year} ({record.measure}) is given twice "
                f"(first at {seen[key]})",
                source=f"{path} [{place('year')}]",
            )
        seen[key] = place("year")
        value_places[key] = place("value")
        records.append(record)
    levels = tuple(r for r in records if r.measure == "level")
    observations = Observations(
        levels, str(path), tuple(r for r in records if r.measure != "level")
    )
    return Imported(observations, tuple(_jumps(catalog, observations, value_places)))


def _workbook_rows(path: str | Path) -> list[_Cells]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    data = read_input_bytes(
        path, limit=MAX_TABLE_BYTES, source=str(path), what="workbook", kind="input tables"
    )
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not an Excel workbook: {exc}", source=str(path)) from None
    if SHEET not in book.sheetnames:
        raise InputError(
            f"no sheet named {SHEET!r} (sheets: {', '.join(book.sheetnames)}): "
            "start from `nscc data template`",
            source=str(path),
        )
    sheet = book[SHEET]
    if sheet.merged_cells.ranges:
        merged = sorted(str(r) for r in sheet.merged_cells.ranges)[0]
        raise InputError(f"merged cells {merged}: unmerge them", source=f"{path} [{SHEET}]")
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, ())]
    names = {zh: code for code, (_, zh) in _HEADERS.items()} | {c: c for c in _HEADERS}
    columns = [names.get(h) for h in header]
    missing = [c for c in FILE_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", source=f"{path} [{SHEET}]")
    out: list[_Cells] = []
    for number, values in enumerate(rows, start=2):
        row = {
            code: _text(value)
            for code, value in zip(columns, values, strict=False)
            if code is not None
        }

        def place(field: str | None, number: int = number) -> str:
            column = columns.index(field) if field in columns else 0
            return f"{SHEET}!{chr(ord('A') + column)}{number}"

        out.append((place, row))
    return out


def _text(value: object) -> str | None:
    """A cell as the text a CSV would hold: numbers in full precision, no float noise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _csv_rows(path: str | Path) -> list[_Cells]:
    source = str(path)
    _, rows = read_csv(path, source, "observed-values file", OBSERVED_COLUMNS)
    out: list[_Cells] = []
    for line, row in rows:
        if None in row:
            raise InputError("more cells than header columns", source=source, line=line)

        def place(field: str | None, line: int = line) -> str:
            return f"line {line}" + (f", {field}" if field else "")

        out.append((place, row))
    return out


def _jumps(
    catalog: Catalog, observed: Observations, places: dict[tuple[str, int, str], str]
) -> list[str]:
    """Yearly changes of a level far from the series' usual change (a robust z-score)."""
    warnings = []
    for series in catalog.series:
        if series.kind not in (Kind.LEVEL, Kind.COUNT):
            continue
        points = {r.year: r.value for r in observed.of(series.key)}
        if series.base_value is not None:
            points.setdefault(series.base_year, series.base_value)
        years = sorted(points)
        changes = {
            b: math.log(points[b] / points[a]) / (b - a)
            for a, b in itertools.pairwise(years)
            if points[a] > 0 and points[b] > 0
        }
        if len(changes) < 3:
            continue
        for year, change in changes.items():
            others = [c for y, c in changes.items() if y != year]
            centre = _median(others)
            spread = max(1.4826 * _median([abs(c - centre) for c in others]), JUMP_FLOOR)
            if abs(change - centre) > JUMP_SIGMAS * spread:
                where = places.get((series.key, year, "level"), str(year))
                warnings.append(
                    f"{where}: {series.key} {year} changes {math.expm1(change):+.1%} a year, "
                    f"against a usual {math.expm1(centre):+.1%}: check the figure"
                )
    return warnings


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def observed_csv(observed: Observations, catalog: Catalog) -> str:
    """The observed-values file: levels and growth facts, in the catalog's order, by year."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FILE_COLUMNS)
    records = sorted(
        (*observed.records, *observed.growth),
        key=lambda r: (catalog.index[r.key], r.year, MEASURES.index(r.measure)),
    )
    for r in records:
        writer.writerow(
            [
                r.key,
                r.year,
                r.measure,
                repr(r.value) if not float(r.value).is_integer() else f"{r.value:g}",
                r.source,
                r.grade,
                r.vintage,
                "true" if r.revision else "",
                r.note,
            ]
        )
    return buffer.getvalue()


def differences(old: Observations | None, new: Observations) -> list[str]:
    """What the import adds, changes and removes, one line per indicator."""

    def index(observations: Observations | None) -> dict[tuple[str, int, str], Observation]:
        if observations is None:
            return {}
        return {
            (r.key, r.year, r.measure): r for r in (*observations.records, *observations.growth)
        }

    before, after = index(old), index(new)
    keys = sorted({k[0] for k in (*before, *after)})
    lines = []
    for key in keys:
        mine = {k for k in (*before, *after) if k[0] == key}
        added = sorted(k[1] for k in mine if k not in before)
        removed = sorted(k[1] for k in mine if k not in after)
        changed = sorted(k[1] for k in mine if k in before and k in after and before[k] != after[k])
        parts = [
            f"{label} {', '.join(map(str, years))}"
            for label, years in (("added", added), ("changed", changed), ("removed", removed))
            if years
        ]
        if parts:
            lines.append(f"{key}: " + "; ".join(parts))
    return lines
