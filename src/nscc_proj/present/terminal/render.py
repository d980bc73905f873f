"""Rich tables for the terminal. Numbers are formatted here and nowhere else."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column
from rich.table import Table as RichTable
from rich.text import Text

from nscc_proj.inputs.catalog import Catalog, Indicator, Kind
from nscc_proj.present.labels import Lang, label
from nscc_proj.present.wording import (
    compact_number,
    domain_name,
    evidence_words,
    gap_words,
    indicator_name,
    narrowest,
    need_words,
    number,
    percent,
    schedule_words,
    short_name,
    target_text,
    wrap_name,
)
from nscc_proj.table import Cell, Table

if TYPE_CHECKING:
    from nscc_proj.analysis.expectations import Difference

_Row = dict[str, Cell]

# Styles of the words (``labels``) in the terminal.
_STATUS_STYLE = {
    "met": "green",
    "missed": "yellow",
    "far_off": "dark_orange",
    "moving_away": "red",
    "not_assessable": "dim",
}
_SCHEDULE_STYLE = {"achieved": "green", "ahead": "green", "behind": "red"}
_SDG_STYLE = {
    "target_achieved": "green",
    "on_track": "green",
    "progress_needs_acceleration": "yellow",
    "limited_progress": "dark_orange",
    "deterioration": "red",
}


def status_text(status: Cell, lang: Lang) -> Text:
    return Text(label(f"status.{status}", lang), style=_STATUS_STYLE[str(status)])


def value_text(row: _Row, lang: Lang) -> Text:
    """The milestone's value, marked ``obs`` or ``est`` where it is not a projection."""
    mark = {"observed": "obs", "estimated": "est"}.get(str(row["evidence"]))
    value = row["projected_value"]
    whole = row["_whole"] and isinstance(value, float)
    shown = f"{value:,.0f}" if whole else compact_number(value)
    text = Text(shown if row["met"] is not None else "–")
    if mark and value is not None:
        text.append(
            " " + label(mark, lang), style="bold" if row["evidence"] == "observed" else "italic"
        )
    return text


def schedule_text(row: _Row, lang: Lang) -> Text:
    """``schedule_words``, coloured by the schedule; dim without one."""
    schedule = row["schedule"]
    style = "dim" if schedule is None else _SCHEDULE_STYLE[str(schedule)]
    return Text(schedule_words(row, lang), style=style)


def sdg_text(row: _Row, lang: Lang) -> Text:
    """Open SDG's progress to date, for a milestone still ahead (a passed one has its verdict)."""
    status = str(row["progress_status"])
    if row["evidence"] != "projected" or status not in _SDG_STYLE:
        return Text("–", style="dim")
    return Text(label(f"sdg.{status}", lang), style=_SDG_STYLE[status])


def need_text(row: _Row, lang: Lang) -> Text:
    """``need_words``: green where the target is already met, dim where there is no need."""
    words = need_words(row, lang)
    style = "dim" if words == "–" else "green" if row["already_met"] else ""
    return Text(words, style=style)


def met_mark(met: Cell) -> Text:
    if met is None:
        return Text("–", style="dim")
    return Text("✓", style="bold green") if met else Text("✗", style="bold red")


def assessment_view(catalog: Catalog, table: Table, lang: Lang, width: int = 100) -> RenderableType:
    """One rich table per scenario, grouped by domain, one row per target."""
    views: list[RenderableType] = []
    rows = list(table)
    for scenario in dict.fromkeys(str(row["scenario"]) for row in rows):
        mine = [row for row in rows if row["scenario"] == scenario]
        views.append(_scenario_table(catalog, scenario, mine, lang, width))
    return Group(*views)


# Assessment columns after the indicator, with how each renders a row. The
# optional ones are dropped, first first, when the terminal is too narrow.
_ASSESSMENT_CELLS: dict[str, Callable[[_Row, Lang], RenderableType]] = {
    "milestone": lambda row, lang: str(row["milestone"]),
    "target": lambda row, lang: str(row["_target"]),
    "value": value_text,
    "outcome": lambda row, lang: met_mark(row["met"]) + " " + status_text(row["outcome"], lang),
    "gap": lambda row, lang: gap_words(row),
    "gap_bar": lambda row, lang: gap_bar(row["gap_rel"], row["met"]),
    "schedule": schedule_text,
    "sdg": sdg_text,
    "need": need_text,
    "evidence": lambda row, lang: evidence_words(row),
    "scenario_rate": lambda row, lang: percent(row["scenario_cagr"]),
    "first_met": lambda row, lang: (
        "–" if row["first_year_met"] is None else str(row["first_year_met"])
    ),
}
_DROPPABLE = (
    "first_met",
    "scenario_rate",
    "gap_bar",
    "sdg",
    "gap",
    "target",
    "evidence",
    "schedule",
)
GAP_BAR_CELLS = 8


def gap_bar(gap_rel: Cell, met: Cell) -> Text:
    """A small bar: one cell per 10 % of the target missed (or passed), up to 8."""
    if not isinstance(gap_rel, float) or math.isnan(gap_rel):
        return Text("")
    cells = min(GAP_BAR_CELLS, max(1, math.ceil(abs(gap_rel) * 10))) if gap_rel else 0
    style = "green" if met else "red"
    return Text("▇" * cells, style=style)


def _scenario_table(
    catalog: Catalog, scenario: str, rows: list[_Row], lang: Lang, width: int
) -> RichTable:
    """The widest table that fits ``width``, dropping optional columns one by one.

    Names then get what the other columns leave, broken at spaces and after underscores
    (on the narrowest terminals down to 8 cells, where a long word has to be cut).
    """
    columns = list(_ASSESSMENT_CELLS)
    view = _scenario_table_with(catalog, scenario, rows, lang, columns)
    extents = dict(zip(["indicator", *columns], map(_extent, view.columns), strict=True))

    def comfortable(kept: list[str]) -> int:
        return _frame_width(view, len(kept) + 1) + sum(
            extents[name].widest if extents[name].fixed else extents[name].comfortable
            for name in ["indicator", *kept]
        )

    kept = list(columns)
    for name in _DROPPABLE:
        if comfortable(kept) <= width:
            break
        kept.remove(name)
    if kept != columns:
        view = _scenario_table_with(catalog, scenario, rows, lang, kept)
    fit(view, width, floor=8)
    return view


_NAME_WIDTH = (13, 22)  # narrowest and widest indicator column of the dashboard


# C0 and C1 control characters but a newline: shown escaped, never sent raw.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """User text as it may reach a terminal: a tab as a space, other control characters
    escaped (``\\x1b``), so none reaches the terminal raw."""
    return _CONTROL.sub(
        lambda match: " " if match.group() == "\t" else f"\\x{ord(match.group()):02x}",
        str(text),
    )


def user_text(text: object, style: str = "") -> Text:
    """User text (a name, a key, a file name) as rich ``Text``: shown as written, never read
    as markup (``[red]``, ``[/x]``) or as terminal control codes."""
    return Text(printable(text), style=style)


class Name:
    """A name or key in a table cell, wrapped to the cell's width by ``wrap_name``: it breaks
    at spaces, after underscores, hyphens and slashes, and between Chinese characters, never
    inside a word that fits. Its text is data: never markup, never control codes."""

    def __init__(
        self, text: object, style: str = "", mark: Text | None = None, *, heading: bool = False
    ) -> None:
        self.text = printable(text)
        self.style = style
        self.mark = mark  # appended after a space (``⚠``), in its own style
        whole = self.text + (" " + mark.plain if mark is not None else "")
        self.widest = max((cell_len(line) for line in whole.split("\n")), default=0)
        self.narrowest = narrowest(whole)
        if heading:  # a heading over the rows (a domain) never widens its column
            self.narrowest = 0

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.narrowest, self.widest).with_maximum(options.max_width)

    def lines(self, width: int) -> list[Text]:
        """Its lines in a column ``width`` cells wide."""
        if self.mark is None:
            return list(Text(wrap_name(self.text, width), style=self.style).split("\n"))
        mark = self.mark.plain
        wrapped = wrap_name(f"{self.text} {mark}", width)
        text = Text(wrapped, style=self.style)
        if wrapped.endswith(mark):
            text.stylize(self.mark.style, len(wrapped) - len(mark))
        return list(text.split("\n"))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n").join(self.lines(options.max_width))


class Pair(Name):
    """Two short texts in one cell (a value and its year): on one line where the column
    allows, else one above the other; neither is ever broken."""

    def __init__(self, first: object, second: object) -> None:
        super().__init__(f"{first} {second}")
        self.first, self.second = printable(first), printable(second)
        self.narrowest = max(cell_len(self.first), cell_len(self.second))

    def lines(self, width: int) -> list[Text]:
        joined = self.widest <= width
        return (
            [Text(self.text, style=self.style)]
            if joined
            else [
                Text(self.first, style=self.style),
                Text(self.second, style=self.style),
            ]
        )


@dataclass(frozen=True)
class Layout:
    """Content widths of a table's columns, and the width the whole table then takes."""

    widths: tuple[int, ...]
    width: int
    # The width with every header whole and names at their comfortable width (min_width).
    comfortable: int


@dataclass
class _Extent:
    fixed: bool  # a column that does not wrap keeps its widest cell
    widest: int  # the natural width: its widest cell, the header included
    cells: int  # its widest cell, the header left out
    header: int  # the header's widest word (a header may break at its spaces)
    narrowest: int  # wrapping columns: the widest piece no break can split
    comfortable: int  # wrapping columns: where they stop giving way before headers break


def layout(table: RichTable, width: int, *, floor: int | None = None) -> Layout:
    """Content widths that fit ``table`` within ``width`` cells without cutting a value.

    Columns that do not wrap (numbers, statuses) keep their widest cell; the others
    (names, keys) give way first, down to their ``min_width``; then long headers break at
    their spaces; then names go down to their widest word. With ``floor``, names may go
    down to ``floor`` cells, cutting words, rather than widen the table. The width taken
    exceeds ``width`` only when even that does not fit: a wider table beats a cut number.
    """
    extents = [_extent(column) for column in table.columns]
    spare = width - _frame_width(table)
    widths = [extent.widest for extent in extents]
    comfortable = _frame_width(table) + sum(
        extent.widest if extent.fixed else extent.comfortable for extent in extents
    )
    wrapping = [n for n, extent in enumerate(extents) if not extent.fixed]

    def give_way(columns: list[int], lowest: list[int]) -> None:
        excess = sum(widths) - spare
        while excess > 0:
            wider = [n for n in columns if widths[n] > lowest[n]]
            if not wider:
                return
            widest = max(wider, key=lambda n: widths[n])
            widths[widest] -= 1
            excess -= 1

    give_way(wrapping, [extent.comfortable for extent in extents])
    # Headers wider than their column's cells break at spaces, the widest saving first.
    fixed = [n for n, extent in enumerate(extents) if extent.fixed]
    for n in sorted(fixed, key=lambda n: max(extents[n].cells, extents[n].header) - widths[n]):
        if sum(widths) <= spare:
            break
        widths[n] = max(extents[n].cells, extents[n].header)
    give_way(wrapping, [extent.narrowest for extent in extents])
    if floor is not None:
        give_way(wrapping, [min(extent.narrowest, floor) for extent in extents])
    return Layout(tuple(widths), _frame_width(table) + sum(widths), comfortable)


def fit(table: RichTable, width: int, *, floor: int | None = None) -> int:
    """Fix every column of ``table`` at its ``layout`` width (headers broken where they
    must) and return the width the table takes; see ``layout``."""
    found = layout(table, width, floor=floor)
    for column, size in zip(table.columns, found.widths, strict=True):
        column.width = size
        column.min_width = column.max_width = None
        header = column.header
        if isinstance(header, str) and cell_len(header) > size:
            column.header = wrap_name(header, size)
    return found.width


def needed_width(renderable: RenderableType) -> int:
    """The fewest cells ``renderable`` takes without cutting a value (fitted tables take
    their fitted width; text, its widest word)."""
    console = _measuring_console()
    return Measurement.get(console, console.options, renderable).minimum


def _frame_width(table: RichTable, count: int | None = None) -> int:
    """Cells a table spends outside its columns' content: edges, dividers and padding
    (with ``count`` columns, by default those it has)."""
    count = len(table.columns) if count is None else count
    frame = (2 if table.box and table.show_edge else 0) + (count - 1 if table.box else 0)
    _, right, _, left = table.padding
    for n in range(count):
        pad_left, pad_right = (0, abs(left - right)) if table.collapse_padding else (left, right)
        if not table.pad_edge:
            pad_left = 0 if n == 0 else pad_left
            pad_right = 0 if n == count - 1 else pad_right
        frame += pad_left + pad_right
    return frame


def _extent(column: Column) -> _Extent:
    widest, narrowest = 0, 0
    for cell in column.cells:
        low, high = _cell_extent(cell)
        widest, narrowest = max(widest, high), max(narrowest, low)
    header_low, header_high = _cell_extent(column.header)
    fixed = column.no_wrap or column.width is not None
    if fixed:
        return _Extent(True, max(widest, header_high), widest, header_low, widest, widest)
    narrowest = max(narrowest, header_low)
    natural = max(widest, header_high)
    if column.max_width is not None:
        natural = max(narrowest, min(natural, column.max_width))
    comfortable = min(natural, max(narrowest, column.min_width or 0))
    return _Extent(False, natural, widest, header_low, narrowest, comfortable)


def _cell_extent(cell: RenderableType) -> tuple[int, int]:
    """(widest unbreakable word, widest line) of a cell, in terminal cells."""
    if isinstance(cell, Name):
        return cell.narrowest, cell.widest
    if isinstance(cell, str | Text):
        lines = (cell if isinstance(cell, str) else cell.plain).split("\n")
        widest = max(cell_len(line) for line in lines)
        return max((cell_len(word) for line in lines for word in line.split()), default=0), widest
    console = _measuring_console()
    measured = Measurement.get(console, console.options, cell)
    return measured.minimum, measured.maximum


def view_lines(renderable: RenderableType, width: int) -> list[Text] | None:
    """The lines of a view made of fitted tables and text, each within its width, laid out
    the way rich lays them out; None for anything else (rich prints that itself).

    Drawing fitted tables here takes a fraction of rich's time (every width is known), and
    it is the one place that decides the printed text: no cell is cut, no line is padded.
    """
    if isinstance(renderable, Group):
        found: list[Text] = []
        for part in renderable.renderables:
            lines = view_lines(part, width)
            if lines is None:
                return None
            found += lines
        return found
    if isinstance(renderable, Text):
        return _wrapped(renderable, width)
    if isinstance(renderable, RichTable):
        return _table_lines(renderable)
    return None


def _table_lines(table: RichTable) -> list[Text] | None:
    columns = table.columns
    simple = table.box is box.SIMPLE_HEAD and table.show_edge and table.show_header
    if not simple or not columns or any(column.width is None for column in columns):
        return None
    if table.padding[0] or table.padding[2] or table.show_footer or table.show_lines:
        return None
    if table.collapse_padding or table.leading:
        return None
    widths = [int(column.width or 0) for column in columns]
    total = _frame_width(table) + sum(widths)
    _, right, _, left = table.padding
    pads = [
        (
            0 if n == 0 and not table.pad_edge else left,
            0 if n == len(columns) - 1 and not table.pad_edge else right,
        )
        for n in range(len(columns))
    ]

    def row(cells: list[RenderableType], style: str = "", *, header: bool = False) -> list[Text]:
        blocks = [
            _cell_lines(cell, column, size, style)
            for cell, column, size in zip(cells, columns, widths, strict=True)
        ]
        height = max(len(block) for block in blocks)
        if header:  # headers sit on the rule below them
            blocks = [
                [Text(" " * widths[n])] * (height - len(block)) + list(block)
                for n, block in enumerate(blocks)
            ]
        lines = []
        for line_number in range(height):
            line = Text(" ")
            for n, block in enumerate(blocks):
                line.append(" " * pads[n][0])
                line.append_text(
                    block[line_number] if line_number < len(block) else Text(" " * widths[n])
                )
                line.append(" " * pads[n][1] + " ")
            lines.append(line)
        return lines

    lines: list[Text] = []
    if table.title:
        for title in _wrapped(_as_text(table.title, table.title_style or "table.title"), total):
            title.align("center", total)
            lines.append(title)
    lines.append(Text(""))  # the box's top edge, blank in SIMPLE_HEAD
    lines += row([column.header for column in columns], str(table.header_style or ""), header=True)
    lines.append(Text(" " + "─" * (total - 2) + " "))
    cells = [list(column.cells) for column in columns]
    for index, meta in enumerate(table.rows):
        lines += row([column_cells[index] for column_cells in cells])
        if meta.end_section and index < len(table.rows) - 1:
            lines.append(Text(""))
    lines.append(Text(""))  # the bottom edge
    if table.caption:
        caption = _as_text(table.caption, table.caption_style or "table.caption")
        lines += _wrapped(caption, total)
    return lines


def _cell_lines(cell: RenderableType, column: Column, width: int, style: str) -> list[Text]:
    if isinstance(cell, Name):
        lines = cell.lines(width)
    else:
        text = _as_text(cell, "")
        lines = list(text.split("\n")) if column.no_wrap else _wrapped(text, width)
    for line in lines:
        if style:
            line.stylize(style, 0)
        line.align(
            column.justify if column.justify in ("left", "center", "right") else "left", width
        )
    return lines or [Text(" " * width)]


def _as_text(cell: RenderableType, style: object) -> Text:
    if isinstance(cell, Text):
        return cell.copy()
    return Text(str(cell), style=style if isinstance(style, str) else "")


def _wrapped(text: Text, width: int) -> list[Text]:
    """``text`` broken into lines of ``width`` cells at spaces, as rich wraps it."""
    console = _measuring_console()
    return list(text.wrap(console, max(1, width)))  # a list, not rich's Lines


def _measuring_console() -> Console:
    global _CONSOLE
    if _CONSOLE is None:
        _CONSOLE = Console(width=10_000, markup=False, emoji=False, highlight=False)
    return _CONSOLE


_CONSOLE: Console | None = None


def _scenario_table_with(
    catalog: Catalog,
    scenario: str,
    rows: list[_Row],
    lang: Lang,
    columns: list[str],
) -> RichTable:
    assessable = [row for row in rows if row["met"] is not None]
    met = sum(1 for row in assessable if row["met"])
    caption = label("targets_met", lang).format(met=met, assessable=len(assessable))
    unassessable = len(rows) - len(assessable)
    if unassessable:
        caption += "; " + label("not_assessable_note", lang).format(count=unassessable)
    blind = sum(1 for row in assessable if row["met"] and row["latest_grade"] is None)
    if met:
        caption += ".\n" + label("rest_on_nothing", lang).format(count=blind, met=met)
    caption += ".\n" + label("dashboard_key", lang)
    as_of = rows[0]["as_of"] if rows else ""
    view = _table(label("as_of_title", lang).format(scenario=printable(scenario), as_of=as_of))
    view.caption = Text(caption, style="table.caption")
    view.add_column(
        label("indicator", lang),
        min_width=_NAME_WIDTH[0],
        max_width=_NAME_WIDTH[1],
    )
    for name in columns:
        view.add_column(
            label(name, lang),
            justify="left" if name in ("outcome", "gap_bar", "schedule", "sdg") else "right",
            no_wrap=True,
        )
    for row, indicator, first_row in _by_domain(view, catalog, rows, lang):
        row = {
            **row,
            "_target": target_text(indicator, int(str(row["milestone"]))),
            "_whole": indicator.kind in (Kind.COUNT, Kind.RANK),
        }
        name = f"{indicator.id} {short_name(indicator, lang)}" if first_row else ""
        view.add_row(Name(name), *(_ASSESSMENT_CELLS[column](row, lang) for column in columns))
    return view


def _table(title: str, caption: str | None = None) -> RichTable:
    """A table in the house style; its title and caption are data, never markup."""
    return RichTable(
        title=Text(printable(title), style="table.title"),
        caption=None if caption is None else Text(printable(caption), style="table.caption"),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        caption_justify="left",
    )


def _by_domain(
    view: RichTable, catalog: Catalog, rows: Iterable[_Row], lang: Lang
) -> Iterator[tuple[_Row, Indicator, bool]]:
    """Each row with its indicator and whether it is the indicator's first row; a bold
    heading row (after a rule) goes into ``view`` where the domain changes."""
    previous: Indicator | None = None
    for row in rows:
        indicator = catalog[str(row["indicator_key"])]
        domain = domain_name(indicator, lang)
        if previous is None or domain != domain_name(previous, lang):
            if previous is not None:
                view.add_section()
            view.add_row(Name(domain, style="bold cyan", heading=True))
        yield row, indicator, previous is None or indicator.key != previous.key
        previous = indicator


def required_view(catalog: Catalog, table: Table, lang: Lang, width: int = 100) -> RichTable:
    """Requirements per span; or, from the latest observation, each target's need now.

    The latest-observation table shows the need in the indicator's own unit
    (``need_text``) beside the rate from the base year and the grade of the
    value it starts from; an observed milestone shows its verdict instead.
    """
    from_latest = "need_per_year" in table.columns
    view = _table(label("required_latest_title" if from_latest else "required_title", lang))
    view.add_column(label("indicator", lang), min_width=14)
    names = ["from", "to", "from_value", "target"]
    names += ["need", "from_base", "grade"] if from_latest else ["required", "change"]
    for name in names:
        view.add_column(label(name, lang), justify="right", no_wrap=True)
    for row, indicator, first_row in _by_domain(view, catalog, table, lang):
        cells: list[RenderableType] = [
            Name(f"{indicator.id} {short_name(indicator, lang)}" if first_row else ""),
            str(row["from_year"] if row["from_year"] is not None else "–"),
            str(row["to_year"]),
            number(row["from_value"]),
            target_text(indicator, int(str(row["to_year"]))),
        ]
        if from_latest:
            verdict = row["need_per_year"] is None and str(row["note"]).startswith("observed")
            cells += [
                user_text(str(row["note"]).rsplit(": ", 1)[-1])
                if verdict
                else need_text(row, lang),
                percent(row["required_cagr_from_base"]),
                str(row["grade"] or "†"),
            ]
        else:
            cells += [
                percent(row["required_cagr"]),
                number(row["required_change_per_year"], signed=True),
            ]
        view.add_row(*cells)
    fit(view, width)
    return view


def catalog_view(catalog: Catalog, lang: Lang, width: int = 100) -> RichTable:
    """The catalog; keys break only after an underscore (error messages send users here)."""
    view = _table(label("catalog_title", lang).format(count=len(catalog), source=catalog.source))
    view.add_column(label("id", lang), justify="right", no_wrap=True)
    # Keys stay whole while the names can give way (error messages send users here).
    widest_key = max(cell_len(printable(indicator.key)) for indicator in catalog.indicators)
    view.add_column(label("key", lang), min_width=widest_key)
    view.add_column(label("indicator", lang), min_width=12)
    view.add_column(label("kind", lang), no_wrap=True)
    base_years = {indicator.base_year for indicator in catalog.indicators}
    common_year = base_years.pop() if len(base_years) == 1 else None
    base_header = label("base", lang) + (f" {common_year}" if common_year else "")
    view.add_column(base_header, justify="right", no_wrap=True)
    for milestone in catalog.milestones:
        view.add_column(str(milestone), justify="right", no_wrap=True)
    domain = None
    for indicator in catalog.indicators:
        if domain_name(indicator, lang) != domain:
            domain = domain_name(indicator, lang)
            view.add_section()
            view.add_row("", "", Name(domain, style="bold cyan", heading=True))
        base = "–" if indicator.base_value is None else f"{indicator.base_value:,g}"
        if common_year is None and indicator.base_value is not None:
            base += f" ({indicator.base_year})"
        arrow = "↑" if indicator.direction.sign > 0 else "↓"
        view.add_row(
            str(indicator.id),
            Name(indicator.key),
            Name(indicator_name(indicator, lang)),
            f"{indicator.kind.value} {arrow}",
            base,
            *(target_text(indicator, milestone) for milestone in catalog.milestones),
        )
    view.caption = Text(
        label("direction_key", lang),
        style="table.caption",
    )
    fit(view, width)
    return view


def differences_text(differences: Sequence[Difference], total: int, source: str) -> str:
    lines = [f"{len(differences)} of {total} targets differ from {source}:"]
    lines.extend(f"  {difference}" for difference in differences)
    return "\n".join(lines)
