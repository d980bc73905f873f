"""The report's tables, and its Excel workbook: the CSV tables formatted for people.

Each sheet is one tidy table with its header in row 1, frozen, under an
autofilter, so it sorts, filters and pivots like the CSV it mirrors. Numbers
stay numbers (rates are fractions shown as percentages, so a formula on them
gives the right answer). User text is data: every text cell is stored as a
string (never a formula, whatever it starts with) holding exactly its text,
see ``_as_text`` and ``excel_text``. openpyxl loads inside ``workbook_bytes``:
the CLI must start fast.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from nscc_proj.analysis.projection import Projection
from nscc_proj.core.assess import OUTCOMES
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.observed import GRADES, VINTAGES, Observations
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.inputs.workbook_file import xlsx_bytes
from nscc_proj.present.labels import Lang, label, light_colour, scenario_label, status_label
from nscc_proj.present.wording import domain_name, unit_text
from nscc_proj.table import Cell, Table

PERCENT, NUMBER, COUNT, YEAR, POINTS = "0.00%", "#,##0.00", "#,##0", "0", "0.00"
# Number format of a need a year, by its unit (``need_unit``): rates are fractions.
NEED_FORMATS = {"rate": PERCENT, "rate_remaining": PERCENT, "points": POINTS, "places": POINTS}
# The Monte Carlo results the Assessment sheet repeats beside each target's outcome.
PROBABILITY_COLUMNS = ("probability", "probability_se", "probability_analytic")
# Number format of a column, by its code in the CSV.
FORMATS = {
    **dict.fromkeys(
        ("gap_rel", "required_cagr", "scenario_cagr", "met_share", "required_cagr_from_base"),
        PERCENT,
    ),
    **dict.fromkeys(("completion_progress", "time_progress"), PERCENT),
    **dict.fromkeys(("probability", "probability_se", "probability_analytic"), PERCENT),
    **dict.fromkeys(("deterministic", "p5", "p25", "p50", "p75", "p95"), NUMBER),
    **dict.fromkeys(
        (
            "base_value",
            "target_value",
            "projected_value",
            "gap",
            "value",
            "from_value",
            "required_change_per_year",
            "tolerance",
            "latest_value",
            "need_per_year",  # its unit varies by row: ``Sheet.formats``
            "volatility",  # likewise
            "anchor_error",  # likewise
        ),
        NUMBER,
    ),
    **dict.fromkeys(("targets", "met", "missed", "not_assessable"), COUNT),
    **dict.fromkeys(
        (
            "milestone",
            "base_year",
            "first_year_met",
            "year",
            "from_year",
            "to_year",
            "as_of",
            "latest_year",
        ),
        YEAR,
    ),
    **dict.fromkeys(("indicator_id", "id"), YEAR),
}
# Header label (a key of render's labels) of a CSV column, where the names differ.
HEADERS = {
    "indicator_id": "id",
    "indicator_key": "key",
    "projected_value": "projected",
    "target_value": "target",
    "required_cagr": "required",
    "scenario_cagr": "scenario_rate",
    "first_year_met": "first_met",
    "from_year": "from",
    "to_year": "to",
    "required_change_per_year": "change",
    "required_cagr_from_base": "from_base",
    "unit": "unit",
    "evidence": "evidence_long",
    "schedule": "schedule_long",
    "outcome": "outcome_long",
}
_MAX_WIDTH = 60
GAPS_SHOWN = 5
_Row = dict[str, Cell]
_HEADER_FILL = "DDE4EE"


@dataclass(frozen=True)
class Sheet:
    """A sheet: its name and table, and the columns coloured by met/missed or status.

    ``formats`` gives, for a column whose unit varies by row, each row's number format
    (None: the column's own, ``column_format``). ``role`` names the sheets that
    ``composed`` reads together (``assessment``, ``target_probabilities``, ``metadata``),
    and ``catalog`` is the table their rows name.
    """

    name: str
    table: Table
    met_columns: tuple[str, ...] = ()
    status_columns: tuple[str, ...] = ()
    share_columns: tuple[str, ...] = field(default=())
    formats: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)
    role: str = ""
    catalog: Catalog | None = None


def column_format(code: str) -> str | None:
    """The number format of a column by its CSV code (a target of the indicator table's
    wide ``target_<year>`` columns is a number), or None: as Excel shows it."""
    name, _, year = code.rpartition("_")
    if name == "target" and year.isdigit():
        return NUMBER
    return FORMATS.get(code)


def need_formats(table: Table) -> dict[str, tuple[str | None, ...]]:
    """Each row's format of the need a year: a percentage where it is a rate."""
    if "need_per_year" not in table.columns:
        return {}
    unit = table.columns.index("need_unit")
    return {"need_per_year": tuple(NEED_FORMATS.get(str(row[unit])) for row in table.rows)}


def volatility_formats(table: Table, catalog: Catalog) -> dict[str, tuple[str | None, ...]]:
    """Each row's formats of the simulation's volatility (a percentage where it is a log
    growth fraction, ``volatility_unit`` log; else a number in its unit) and anchor error
    (percent where relative: levels and counts; else points or places)."""
    from nscc_proj.analysis.measurement import unit_of

    position = {code: k for k, code in enumerate(table.columns)}
    volatility: list[str | None] = []
    anchor: list[str | None] = []
    for row in table.rows:
        kind = catalog[str(row[position["indicator_key"]])].kind
        volatility.append(PERCENT if row[position["volatility_unit"]] == "log" else NUMBER)
        anchor.append(PERCENT if unit_of(kind) == "relative" else NUMBER)
    return {"volatility": tuple(volatility), "anchor_error": tuple(anchor)}


def header(code: str, lang: Lang) -> str:
    """The header shown for a CSV column: its label, or the code when it has none."""
    name, _, year = code.rpartition("_")
    if year.isdigit() and name in ("target", "op"):
        return f"{label('target' if name == 'target' else 'target_op', lang)} {year}"
    try:
        return label(HEADERS.get(code, code), lang)
    except KeyError:
        return code


def with_names(table: Table, catalog: Catalog, lang: Lang) -> Table:
    """``table`` with the indicator's name (in ``lang``) after its key column."""
    at = table.columns.index("indicator_key") + 1
    rows = []
    for row in table.rows:
        key = row[at - 1]
        series = None if key is None else catalog[str(key)]  # joint rows name no indicator
        name = None if series is None else series.name_zh if lang == "zh" else series.name_en
        rows.append((*row[:at], name, *row[at:]))
    return Table((*table.columns[:at], "indicator", *table.columns[at:]), tuple(rows))


def with_domain_and_unit(table: Table, catalog: Catalog, lang: Lang) -> Table:
    """``table`` with the indicator's domain (in ``lang``) and unit after its name column."""
    at = table.columns.index("indicator") + 1
    key = table.columns.index("indicator_key")
    rows = []
    for row in table.rows:
        series = None if row[key] is None else catalog[str(row[key])]
        extra = (
            (None, None) if series is None else (domain_name(series, lang), unit_text(series, lang))
        )
        rows.append((*row[:at], *extra, *row[at:]))
    return Table((*table.columns[:at], "domain", "unit", *table.columns[at:]), tuple(rows))


def probability_sheets(probabilities: Table, catalog: Catalog, lang: Lang) -> list[Sheet]:
    """The Monte Carlo table as two sheets: one row per target, then the joint
    probabilities of each domain and of all targets (names and domains in ``lang``)."""
    domains = {ind.domain_en: domain_name(ind, lang) for ind in catalog.indicators}
    position = {code: k for k, code in enumerate(probabilities.columns)}
    targets = [row for row in probabilities.rows if row[position["scope"]] == "target"]
    joint = [row for row in probabilities.rows if row[position["scope"]] != "target"]
    target_codes = [c for c in probabilities.columns if c not in ("scope", "domain")]
    joint_codes = ["scenario", "scope", "domain", "milestone", "as_of"]
    joint_codes += ["probability", "probability_se", "probability_analytic"]

    def pick(rows: Sequence[tuple[Cell, ...]], codes: Sequence[str]) -> Table:
        picked = []
        for row in rows:
            cells = [row[position[code]] for code in codes]
            if "domain" in codes:
                at = codes.index("domain")
                cells[at] = domains.get(str(cells[at]), cells[at]) if cells[at] else None
            picked.append(tuple(cells))
        return Table(tuple(codes), tuple(picked))

    by_target = with_domain_and_unit(
        with_names(pick(targets, target_codes), catalog, lang), catalog, lang
    )
    return [
        Sheet(
            label("sheet.target_probabilities", lang),
            by_target,
            formats=volatility_formats(by_target, catalog),
            role="target_probabilities",
            catalog=catalog,
        ),
        Sheet(label("sheet.domain_probabilities", lang), pick(joint, joint_codes)),
    ]


def with_probabilities(assessment: Table, by_target: Table) -> Table:
    """The Assessment table with each target's probability, its standard error and the
    exact probability (empty where the simulation has none) after its outcome."""
    position = {code: k for k, code in enumerate(by_target.columns)}
    found = {
        (row[position["scenario"]], row[position["indicator_key"]], row[position["milestone"]]): [
            row[position[code]] for code in PROBABILITY_COLUMNS
        ]
        for row in by_target.rows
    }
    scenario, key, milestone = (
        assessment.columns.index(code) for code in ("scenario", "indicator_key", "milestone")
    )
    at = assessment.columns.index("outcome") + 1
    empty = [None] * len(PROBABILITY_COLUMNS)
    rows = tuple(
        (*row[:at], *found.get((row[scenario], row[key], row[milestone]), empty), *row[at:])
        for row in assessment.rows
    )
    return Table((*assessment.columns[:at], *PROBABILITY_COLUMNS, *assessment.columns[at:]), rows)


def composed(sheets: Sequence[Sheet]) -> list[Sheet]:
    """The sheets as the workbook holds them, with what one sheet takes from another.

    Where the Monte Carlo results are among them (``probability_sheets``), the
    Assessment sheet shows each target's probabilities. The Metadata sheet ends with
    every column's code and headers.
    """
    out = list(sheets)
    by_role = {sheet.role: k for k, sheet in enumerate(out) if sheet.role}
    if "assessment" in by_role and "target_probabilities" in by_role:
        assessment = out[by_role["assessment"]]
        targets = out[by_role["target_probabilities"]]
        out[by_role["assessment"]] = replace(
            assessment, table=with_probabilities(assessment.table, targets.table)
        )
    if "metadata" in by_role:
        metadata = out[by_role["metadata"]]
        codes = [code for sheet in out if sheet.role != "metadata" for code in sheet.table.columns]
        glossary = metadata_table((), list(dict.fromkeys(codes)))
        table = Table(metadata.table.columns, metadata.table.rows + glossary.rows)
        out[by_role["metadata"]] = replace(metadata, table=table)
    return out


def with_status_labels(table: Table, lang: Lang) -> Table:
    """Statuses in words of ``lang``; the CSV keeps the codes."""
    at = table.columns.index("outcome")
    rows = tuple(
        (*row[:at], status_label(str(row[at]), lang), *row[at + 1 :]) for row in table.rows
    )
    return Table(table.columns, rows)


def summary_table(projection: Projection, lang: Lang) -> Table:
    """Targets met, missed and not assessable per scenario x milestone, overall then by domain."""
    result, catalog = projection.assessment, projection.catalog
    domains = list(dict.fromkeys(domain_name(indicator, lang) for indicator in catalog.indicators))
    of_domain = np.array([domain_name(indicator, lang) for indicator in catalog.indicators])
    rows: list[tuple[Cell, ...]] = []
    for s, scenario in enumerate(projection.scenario_names):
        for m, milestone in enumerate(catalog.milestones):
            for domain in [None, *domains]:
                mask = np.ones(len(catalog), bool) if domain is None else of_domain == domain
                met = result.met[s, mask, m]
                assessable = int(np.isfinite(met).sum())
                hits = int(np.nansum(met))
                rows.append(
                    (
                        scenario,
                        milestone,
                        label("all_domains", lang) if domain is None else domain,
                        int(mask.sum()),
                        hits,
                        assessable - hits,
                        int(mask.sum()) - assessable,
                        hits / assessable if assessable else None,
                    )
                )
    columns = ("scenario", "milestone", "domain", "targets", "met", "missed", "not_assessable")
    return Table((*columns, "met_share"), tuple(rows))


def largest_gaps(rows: Sequence[_Row], scenario: str, count: int = GAPS_SHOWN) -> list[_Row]:
    """The missed targets furthest from their target, relative to it (|gap %|)."""
    missed = [
        row
        for row in rows
        if row["scenario"] == scenario and row["met"] is False and row["gap_rel"] is not None
    ]
    missed.sort(key=lambda row: (-abs(float(row["gap_rel"] or 0)), row["indicator_id"] or 0))
    return missed[:count]


def domain_counts(projection: Projection, lang: Lang) -> tuple[list[str], dict[str, list[str]]]:
    """Column names 'scenario milestone' and, per domain, 'met of assessable' in each."""
    summary = summary_table(projection, lang)
    columns = list(
        dict.fromkeys(
            f"{scenario_label(str(row['scenario']), lang)} {row['milestone']}" for row in summary
        )
    )
    cells: dict[str, list[str]] = {}
    for row in summary:
        assessable = int(row["met"] or 0) + int(row["missed"] or 0)
        text = label("met_missed_cell", lang).format(met=row["met"], assessable=assessable)
        cells.setdefault(str(row["domain"]), []).append(text)
    everything = label("all_domains", lang)
    cells[everything] = cells.pop(everything)  # the total last
    return columns, cells


def observed_table(observations: Observations | None, catalog: Catalog, lang: Lang) -> Table:
    columns = ("indicator_id", "indicator_key", "year", "value", "unit", "source", "grade", "note")
    rows = []
    for record in () if observations is None else observations.records:
        series = catalog[record.key]
        rows.append(
            (
                series.id,
                record.key,
                record.year,
                record.value,
                unit_text(series, lang),
                record.source,
                record.grade,
                record.note or None,
            )
        )
    return with_names(Table(columns, tuple(rows)), catalog, lang)


def metadata_table(entries: Sequence[tuple[str, Cell]], codes: Sequence[str]) -> Table:
    """Facts of the run, then every column code with its English and Chinese header."""
    rows: list[tuple[Cell, ...]] = [(name, value) for name, value in entries]
    rows += [(f"column {code}", f"{header(code, 'en')} / {header(code, 'zh')}") for code in codes]
    return Table(("field", "value"), tuple(rows))


def workbook_bytes(sheets: Sequence[Sheet], lang: Lang, stamp: datetime) -> bytes:
    """The workbook as XLSX bytes (written to disk by the caller, atomically): the
    sheets as ``composed`` lays them out, dated ``stamp`` (the run's date) and otherwise
    the same bytes on every rerun."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in composed(sheets):
        ws = book.create_sheet(sheet.name)
        table = sheet.table
        ws.append([header(code, lang) for code in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        formats = [_formats(sheet, code) for code in table.columns]
        # Cell by cell at known positions: ``ws[ws.max_row]`` after each append scans
        # every cell written so far, quadratic in the rows (a second on a simulated run).
        for r, row in enumerate(table.rows):
            for position, value in enumerate(row):
                cell = ws.cell(row=r + 2, column=position + 1, value=_cell(value))
                if isinstance(value, str):
                    _as_text(cell)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    number_format = formats[position][r]
                    if number_format:
                        cell.number_format = number_format
        for position, column_formats in enumerate(formats):
            ws.column_dimensions[get_column_letter(position + 1)].width = _width(
                table, position, column_formats, lang
            )
        ws.freeze_panes = "A2"
        if table.rows:
            ws.auto_filter.ref = ws.dimensions
        _colour(ws, sheet, lang)
    return xlsx_bytes(book, stamp)


def _cell(value: Cell) -> Cell:
    """A text cell as Excel will read it back exactly (``excel_text``); other values as
    they are."""
    return excel_text(value) if isinstance(value, str) else value


# What a spreadsheet would run as a formula if someone typed the text into the cell.
_FORMULA_PREFIXES = ("=", "+", "-", "@")
# Characters an XLSX string cannot hold as they are (XML 1.0 has no place for most
# control characters and none for surrogates; it reads a CR as a LF), and an underscore
# that starts what Excel would take for one of its escapes (``_x0041_`` reads as "A").
_EXCEL_ESCAPED = re.compile(
    r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]"
)


def excel_text(text: str) -> str:
    """``text`` in the escapes of OOXML's string type (ECMA-376 ST_Xstring, ``_xHHHH_``),
    which Excel and LibreOffice decode on reading: every character comes back as it was,
    control characters included, and a literal ``_x0041_`` stays literal."""
    return _EXCEL_ESCAPED.sub(
        lambda found: "_x005F_" if found.group() == "_" else f"_x{ord(found.group()):04X}_",
        text,
    )


def _as_text(cell: Any) -> None:
    """A text cell is text, never a formula, and shows exactly its text.

    openpyxl would store a string that starts with ``=`` as a formula: the cell is typed
    as a string instead, so no spreadsheet evaluates it. Text starting with ``=``, ``+``,
    ``-`` or ``@`` also gets Excel's quote-prefix style, so that editing the cell keeps it
    text; unlike the apostrophe the CSV needs (``export.neutralise_formula``), the style
    is not part of the value, so "+3.5% real" reads "+3.5% real".
    """
    cell.data_type = "s"
    if cell.value.startswith(_FORMULA_PREFIXES):
        cell.quotePrefix = True


def _colour(ws: object, sheet: Sheet, lang: Lang) -> None:
    """Conditional colours, so they follow the values when someone edits or sorts."""
    from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(ws, Worksheet)
    last = len(sheet.table.rows) + 1
    if last < 2:
        return

    def ref(code: str) -> str:
        letter = get_column_letter(sheet.table.columns.index(code) + 1)
        return f"{letter}2:{letter}{last}"

    def equals(formula: str, status: str) -> object:
        colour = light_colour(status).lstrip("#")
        fill = PatternFill("solid", start_color=colour, end_color=colour)
        return CellIsRule(operator="equal", formula=[formula], fill=fill)  # type: ignore[no-untyped-call]

    for code in sheet.met_columns:
        for value, status in (("TRUE", "met"), ("FALSE", "moving_away")):
            ws.conditional_formatting.add(ref(code), equals(value, status))
    for code in sheet.status_columns:
        for status in OUTCOMES:
            text = '"' + status_label(status, lang).replace('"', '""') + '"'
            ws.conditional_formatting.add(ref(code), equals(text, status))
    for code in sheet.share_columns:
        scale = ColorScaleRule(  # type: ignore[no-untyped-call]
            start_type="num",
            start_value=0,
            start_color="F8696B",
            mid_type="num",
            mid_value=0.5,
            mid_color="FFEB84",
            end_type="num",
            end_value=1,
            end_color="63BE7B",
        )
        ws.conditional_formatting.add(ref(code), scale)


def _formats(sheet: Sheet, code: str) -> list[str | None]:
    """Each row's number format in one column: the row's own where the unit varies."""
    own = column_format(code)
    by_row = sheet.formats.get(code)
    if by_row is None:
        return [own] * len(sheet.table.rows)
    return [own if number_format is None else number_format for number_format in by_row]


def _width(table: Table, position: int, formats: Sequence[str | None], lang: Lang) -> float:
    """Wide enough for the header and the widest shown value, within reason."""
    code = table.columns[position]
    shown = [_shown(row[position], fmt) for row, fmt in zip(table.rows, formats, strict=True)]
    texts = [header(code, lang), *shown]
    return min(_MAX_WIDTH, max(_display_width(text) for text in texts) + 2)


def _shown(value: Cell, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, int | float):
        if number_format == PERCENT:
            return f"{value:.2%}"
        if number_format == NUMBER:
            return f"{value:,.2f}"
        if number_format == POINTS:
            return f"{value:.2f}"
        return f"{value:,}" if number_format == COUNT else str(value)
    return str(value)


def _display_width(text: str) -> int:
    """Columns the text takes: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def run_metadata(
    projection: Projection,
    scenarios: Sequence[Scenario],
    lang: Lang,
    seed: int | None,
    when: str,
    paths: int | None = None,
    command: str | None = None,
    volatility: Sequence[tuple[str, str]] = (),
) -> dict[str, Cell]:
    """What a reader needs to reproduce the run: inputs, version, seed, time, as-of year,
    the command line (as the caller ran it: the CLI passes its own; none from a library
    call), the outcome thresholds and, for a simulated run, where each scenario's
    volatilities come from (``Simulation.volatility_sources``)."""
    from nscc_proj import __version__
    from nscc_proj.core.assess import FAR_OFF_RATIO

    observed = projection.observed
    metadata: dict[str, Cell] = {
        "nscc version / 版本": __version__,
        "run time (UTC) / 运行时间": when,
        "seed / 随机种子": seed,
        "simulated paths / 模拟路径数": paths,
        "language / 语言": lang,
        "as of (data cut-off) / 截至年份": projection.as_of,
        "command line / 命令行": command,
        "outcome thresholds / 情景结果阈值": (
            f"met; missed: R >= {FAR_OFF_RATIO}; too slow (far_off): 0 <= R < {FAR_OFF_RATIO}; "
            "moving away: R < 0 (R = d x scenario rate / |required rate|)"
        ),
        "indicator table / 指标表": projection.catalog.source,
        "observed values / 观测值": None if observed is None else observed.source,
    }
    for scenario in scenarios:
        metadata[f"scenario file / 情景文件: {scenario.name}"] = scenario.source or "(in memory)"
    metadata |= observation_metadata(observed)
    for name, sources in volatility:
        metadata[_both("meta.volatility", scenario=name)] = sources
    return metadata


def _both(name: str, **fields: str | tuple[str, str]) -> str:
    """A Metadata field's name in English and Chinese, as its other fields read; a field
    given as a pair is its English and Chinese words."""

    def said(lang: Lang) -> str:
        words = {
            key: value if isinstance(value, str) else value[lang == "zh"]
            for key, value in fields.items()
        }
        return label(name, lang).format(**words)

    return f"{said('en')} / {said('zh')}"


def observation_metadata(observed: Observations | None) -> dict[str, Cell]:
    """The observations the run stands on (those known as of its as-of year, levels and
    growth facts): each source once, in the order of the file, then how many there are
    of each grade and of each vintage (a count for every one, zero included)."""
    records = () if observed is None else (*observed.records, *observed.growth)
    metadata: dict[str, Cell] = {}
    for number, source in enumerate(dict.fromkeys(r.source for r in records), start=1):
        metadata[_both("meta.data_source", number=str(number))] = source
    for grade in GRADES:
        metadata[_both("meta.grade", grade=grade)] = sum(r.grade == grade for r in records)
    for vintage in VINTAGES:
        count = sum(r.vintage == vintage for r in records)
        words = (label(f"vintage.{vintage}", "en"), label(f"vintage.{vintage}", "zh"))
        metadata[_both("meta.vintage", vintage=words)] = count
    return metadata


def sheets_for(projection: Projection, lang: Lang, metadata: Mapping[str, Cell]) -> list[Sheet]:
    """The report's sheets, in the order a reader opens them."""
    from nscc_proj.analysis.requirements import required_growth
    from nscc_proj.inputs.catalog_io import catalog_table

    catalog = projection.catalog
    required = required_growth(catalog)
    named = with_names(projection.assessment_table, catalog, lang)
    assessment = with_status_labels(with_domain_and_unit(named, catalog, lang), lang)
    sheets = [
        Sheet(
            label("sheet.summary", lang),
            summary_table(projection, lang),
            share_columns=("met_share",),
        ),
        Sheet(
            label("sheet.assessment", lang),
            assessment,
            met_columns=("met",),
            status_columns=("outcome",),
            formats=need_formats(assessment),
            role="assessment",
            catalog=catalog,
        ),
        Sheet(label("sheet.required", lang), with_names(required, catalog, lang)),
        Sheet(label("sheet.paths", lang), with_names(projection.path_table, catalog, lang)),
        Sheet(label("sheet.observed", lang), observed_table(projection.observed, catalog, lang)),
        Sheet(label("sheet.indicators", lang), catalog_table(catalog)),
    ]
    # The glossary of every column's headers follows when the workbook is laid out
    # (``composed``), with the columns of any sheet added after this one.
    sheets.append(
        Sheet(
            label("sheet.metadata", lang),
            metadata_table(list(metadata.items()), ()),
            role="metadata",
        )
    )
    return sheets
