"""Numbers and readings as plain words: the text every view shares.

The terminal, the charts, the workbook, the what-if panel and the report
each show the same numbers (a percentage, a target, a need per year); they
take the words from here, so they never read differently, and none of them
has to import another to borrow its formatting. Plain strings only: a view
adds its own styling (rich colours, HTML classes) around them.
"""

from __future__ import annotations

import math
import re

from rich.cells import cell_len

from nscc_proj.inputs.catalog import Indicator, Kind, Op
from nscc_proj.present.labels import Lang, grade_label, label
from nscc_proj.table import Cell

Row = dict[str, Cell]

OP_SYMBOL = {Op.AT_LEAST: "≥", Op.AT_MOST: "≤", Op.ABOUT: "≈"}


def _finite(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def percent(rate: Cell, signed: bool = False) -> str:
    """A fraction as a percentage with two decimals: 0.08759 -> '8.76%'."""
    if not _finite(rate):
        return "–"
    assert isinstance(rate, int | float)
    return f"{100 * rate:+.2f}%" if signed else f"{100 * rate:.2f}%"


def number(value: Cell, signed: bool = False) -> str:
    if not _finite(value):
        return "–"
    assert isinstance(value, int | float)
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def compact_number(value: Cell) -> str:
    """Digits a reader needs: 9,433 and 794.2 and 4.34 (views only; files keep all)."""
    if not _finite(value):
        return "–"
    assert isinstance(value, int | float)
    size = abs(value)
    return f"{value:,.0f}" if size >= 1000 else f"{value:,.1f}" if size >= 100 else f"{value:,.2f}"


def points(value: Cell) -> str:
    """A gap in percentage points: -1.20 pt."""
    if not _finite(value):
        return "–"
    assert isinstance(value, int | float)
    return f"{value:+.2f} pt"


def target_text(indicator: Indicator, milestone: int) -> str:
    target = indicator.targets[milestone]
    if target.value is None or target.op is None:
        return "–"
    text = f"{OP_SYMBOL[target.op]} {target.value:,g}"
    if target.op is Op.ABOUT:
        text += f" ±{indicator.tolerance:g}"
    return text


def short_name(indicator: Indicator, lang: Lang) -> str:
    """The key in English tables (compact, as scenario files write it); the name in Chinese."""
    return f"{indicator.name_zh if lang == 'zh' else indicator.key} ({indicator.unit})"


def indicator_name(indicator: Indicator, lang: Lang) -> str:
    """'GDP (100 million yuan)'; in Chinese with full-width brackets: '地区生产总值（亿元）'."""
    if lang == "zh":
        return f"{indicator.name_zh}（{unit_text(indicator, lang)}）"
    return f"{indicator.name_en} ({unit_text(indicator, lang)})"


def unit_text(indicator: Indicator, lang: Lang) -> str:
    """The unit in ``lang``: the table's ``unit_en`` in English where it gives one (亿元
    reads "100 million yuan"), else its ``unit``; a rank's unit in Chinese reads 位次."""
    if lang == "en":
        return indicator.unit_en or indicator.unit
    if indicator.kind is Kind.RANK and indicator.unit == label("rank_unit", "en"):
        return label("rank_unit", "zh")
    return indicator.unit


def domain_name(indicator: Indicator, lang: Lang) -> str:
    return indicator.domain_zh if lang == "zh" else indicator.domain_en


def gap_words(row: Row) -> str:
    """Gap as % of the target; for a growth-rate target in points (negative: short)."""
    if row["need_unit"] == "rate_remaining" or (
        row["gap_rel"] is None and isinstance(row["gap"], float)
    ):
        return points(row["gap"])
    return percent(row["gap_rel"], signed=True)


def schedule_words(row: Row, lang: Lang) -> str:
    """ahead/behind with completion / time progress in %, or achieved; † without data."""
    schedule = row["schedule"]
    if schedule is None:
        return "†" if row["latest_grade"] is None else "–"
    text = label(f"schedule.{schedule}", lang)
    done, elapsed = row["completion_progress"], row["time_progress"]
    if schedule != "achieved" and isinstance(done, float) and isinstance(elapsed, float):
        text += f" {100 * done:.0f}/{100 * elapsed:.0f}"
    return text


def need_words(row: Row, lang: Lang) -> str:
    """What the target needs a year from the latest value, in the indicator's own unit."""
    need, unit = row["need_per_year"], row["need_unit"]
    if not isinstance(need, float) or unit is None:
        return "–"
    suffix = label(f"need_unit.{unit}", lang)
    amount = (
        f"{100 * need:+.2f}{suffix}" if str(unit).startswith("rate") else f"{need:+.2f}{suffix}"
    )
    return f"{label('met_prefix', lang)} {amount}" if row["already_met"] else amount


def evidence_words(row: Row, lang: Lang = "en") -> str:
    """Grade and year of the latest value behind the row; † where none since the base year."""
    if row["latest_grade"] is None:
        return "†"
    return f"{grade_label(str(row['latest_grade']), lang)} {row['latest_year']}"


def latest_words(indicator: Indicator, value: Cell, year: Cell, grade: Cell, lang: Lang) -> str:
    """The latest value behind a target with its year and grade, '9,027.10 (2024, C)' (in
    Chinese '9,027.10（2024，B推算）'); a growth-rate target's is its average rate so far,
    in %; † where there is none since the base year."""
    if grade is None:
        return "†"
    if indicator.kind is Kind.GROWTH_RATE:
        shown = f"{number(value)}%"
    elif indicator.kind in (Kind.COUNT, Kind.RANK) and _finite(value):
        assert isinstance(value, int | float)
        shown = f"{value:,.0f}"
    else:
        shown = number(value)
    grade_text = grade_label(str(grade), lang)
    return f"{shown}（{year}，{grade_text}）" if lang == "zh" else f"{shown} ({year}, {grade_text})"


def motion_from(unit: str, latest: float, projected: float, years: int) -> float:
    """A path's own yearly motion from the latest value to its value at the milestone,
    ``years`` later, in the unit of a need (``standing.need_unit``), so the two compare:
    compound growth a year (a fraction) for ``rate``, the change a year for ``points`` and
    ``places``. NaN where there is none (no years left, a rate from nothing)."""
    if years <= 0 or math.isnan(latest) or math.isnan(projected):
        return math.nan
    if unit == "rate":
        if latest <= 0 or projected < 0:
            return math.nan
        return float((projected / latest) ** (1.0 / years) - 1.0)
    return (projected - latest) / years


def rate_left(average: float, span: int, done: int, so_far: float) -> float:
    """For a growth-rate target: the average rate (a fraction) the ``span - done`` years left
    of its period take for the whole period to average ``average`` (in %), the first
    ``done`` years having averaged ``so_far`` (in %); ``average`` itself where nothing is
    done yet (or nothing known of it); NaN where no year is left."""
    if done >= span:
        return math.nan
    if done <= 0 or math.isnan(so_far):
        return average / 100.0
    wanted = (1 + average / 100.0) ** span
    achieved = (1 + so_far / 100.0) ** done
    return float((wanted / achieved) ** (1.0 / (span - done)) - 1.0)


def wrap_name(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` cells at spaces, after underscores,
    hyphens and slashes, and between Chinese characters, so a key (``doctors_per_1000``) is
    never cut inside a word; only a word wider than ``width`` itself is cut."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        pieces: list[str] = []
        for piece in _BREAKS.split(paragraph):
            # A word too wide for the column breaks between Chinese characters.
            wide = cell_len(piece.rstrip()) > width
            pieces += _CJK_GAPS.split(piece) if wide else [piece]
        line = ""
        for piece in filter(None, pieces):
            if line.strip() and cell_len((line + piece).rstrip()) > width:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
            while cell_len(line.rstrip()) > width:  # one word wider than the column: cut it
                head = _head(line, width)
                lines.append(head)
                line = line[len(head) :]
        lines.append(line.rstrip())
    return "\n".join(part for part in lines if part)


def _head(text: str, width: int) -> str:
    """The longest start of ``text`` within ``width`` cells (one character at least)."""
    cells = 0
    for end, character in enumerate(text):
        cells += cell_len(character)
        if cells > width:
            return text[: max(1, end)]
    return text


_BREAKS = re.compile(r"(?<=[ _/-])")
_CJK_GAPS = re.compile(r"(?<=[^\x00-\xff])(?=[^\x00-\xff])")


def narrowest(text: str) -> int:
    """The cells of the widest piece ``wrap_name`` never breaks: the narrowest a column
    holding ``text`` can be without cutting a word."""
    return max(
        (
            cell_len(part)
            for line in text.split("\n")
            for piece in _BREAKS.split(line)
            for part in _CJK_GAPS.split(piece.rstrip())
        ),
        default=0,
    )
