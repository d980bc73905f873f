"""Rich tables for the terminal. Numbers are formatted here and nowhere else."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from nscc_proj.analysis.expectations import Difference
from nscc_proj.inputs.catalog import Catalog, Indicator, Kind, Op
from nscc_proj.table import Cell, Table

Lang = Literal["en", "zh"]
_Row = dict[str, Cell]

_LABELS: dict[str, tuple[str, str]] = {
    "id": ("#", "#"),
    "indicator": ("Indicator", "指标"),
    "milestone": ("Year", "年份"),
    "target": ("Target", "目标"),
    "projected": ("Projected", "预测值"),
    "value": ("Value", "数值"),
    "outcome": ("Path", "情景结果"),
    "schedule": ("To date", "进度"),
    "sdg": ("Open SDG", "Open SDG 进展"),
    "need": ("Need/yr now", "当前所需年均"),
    "evidence": ("Data", "数据"),
    "met": ("Met", "达标"),
    "gap": ("Gap", "差距"),
    "gap_rel": ("Gap %", "差距%"),
    "gap_bar": ("", ""),
    "required": ("Need/yr", "所需年均"),
    "scenario_rate": ("Path/yr", "情景年均"),
    "status": ("Status", "状态"),
    "first_met": ("Met in", "达标年"),
    "from": ("From", "起始年"),
    "to": ("To", "目标年"),
    "from_value": ("From value", "起始值"),
    "change": ("Change /yr", "年均增量"),
    "key": ("Key", "代码"),
    "unit": ("Unit", "单位"),
    "kind": ("Kind", "类型"),
    "direction": ("Dir.", "方向"),
    "base": ("Base", "基期"),
    "scenario": ("Scenario", "情景"),
    "catalog_title": ("{count} indicators ({source})", "{count} 项指标({source})"),
    "required_title": ("Required growth", "目标所需增速"),
    "required_latest_title": (
        "Required growth from the latest observation",
        "自最新观测值起的目标所需增速",
    ),
    "from_base": ("From base/yr", "自基期"),
    "harder_by": ("Harder by", "难度增加"),
    "grade": ("Grade", "来源等级"),
    "targets_met": (
        "{met} of {assessable} assessable targets met",
        "{assessable} 项可评估目标中 {met} 项达标",
    ),
    "as_of_title": ("Scenario: {scenario} · as of {as_of}", "情景:{scenario} · 截至 {as_of} 年"),
    "rest_on_nothing": (
        "{count} of {met} met targets rest on no observation since the base year (†)",
        "{met} 项达标目标中 {count} 项自基期以来无观测值(†)",
    ),
    "dashboard_key": (
        "obs = observed, est = estimated (a passed milestone without data: the scenario's "
        "value). To date: completion / time elapsed (ahead or behind schedule). Need/yr now: "
        "from the latest value, % a year for levels, pt for shares, places for ranks, the "
        "rate the rest of the period needs for growth-rate targets.",
        "obs = 观测值,est = 估计值(已过期但无数据:情景值)。进度:完成进度/时序进度(超前或滞后)。"
        "当前所需年均:自最新值起,水平值为年均增速,比重为年均百分点,排名为年均位次,"
        "增速目标为剩余年份所需平均增速。",
    ),
    "not_assessable_note": (
        "{count} targets not assessable (no base value)",
        "{count} 项目标无法评估(缺少基期值)",
    ),
    # Column headers of the report's workbook and tables (``nscc report``).
    "as_of": ("As of", "截至年份"),
    "evidence_long": ("Evidence", "依据"),
    "latest_year": ("Latest year", "最新数据年份"),
    "latest_value": ("Latest value", "最新值"),
    "latest_grade": ("Latest grade", "最新数据等级"),
    "progress_status": ("Progress (Open SDG)", "进展(Open SDG 方法)"),
    "completion_progress": ("Completion", "完成进度"),
    "time_progress": ("Time elapsed", "时序进度"),
    "schedule_long": ("Schedule", "进度判断"),
    "need_per_year": ("Need a year", "每年所需"),
    "need_unit": ("Need unit", "所需单位"),
    "already_met": ("Met on the data", "已按数据达标"),
    "outcome_long": ("Scenario outcome", "情景结果"),
    "base_year": ("Base year", "基期年份"),
    "base_value": ("Base value", "基期值"),
    "target_op": ("Op", "比较"),
    "growth_basis": ("Growth basis", "增长设定"),
    "year": ("Year", "年份"),
    "observed": ("Observed", "观测值"),
    "source": ("Source", "来源"),
    "note": ("Note", "备注"),
    "domain": ("Domain", "领域"),
    "name_zh": ("Name (Chinese)", "中文名称"),
    "name_en": ("Name (English)", "英文名称"),
    "domain_zh": ("Domain (Chinese)", "领域(中文)"),
    "domain_en": ("Domain (English)", "领域(英文)"),
    "tolerance": ("Tolerance", "容差"),
    "targets": ("Targets", "目标数"),
    "missed": ("Missed", "未达标"),
    "not_assessable": ("Not assessable", "无法评估"),
    "met_share": ("Share met", "达标比例"),
    "field": ("Field", "项目"),
    "description": ("Description", "说明"),
    "file": ("File", "文件"),
    "code": ("Column", "列代码"),
    "english": ("English", "英文"),
    "chinese": ("Chinese", "中文"),
    "grade_share": ("Values", "观测值个数"),
    # Headings and chart labels of the report.
    "report_title": ("Scenario projections of the plan's targets", "规划目标情景预测报告"),
    "summary_title": ("Executive summary", "摘要"),
    "met_by_scenario": ("Targets met", "目标达成情况"),
    "met_by_domain": ("Targets met per domain", "各领域目标达成情况"),
    "largest_gaps": ("Five largest gaps", "差距最大的五项目标"),
    "growth_title": ("Required vs. scenario growth", "所需增速与情景增速"),
    "heatmap_title": ("Status of every target", "各目标状态"),
    "domains_title": ("Domains", "分领域结果"),
    "methodology": ("Methodology", "方法说明"),
    "sources_title": ("Data sources and grades", "数据来源与等级"),
    "scenarios_title": ("Scenarios", "情景"),
    "all_domains": ("All domains", "全部领域"),
    "no_path": ("no base value: not projected", "无基期值,无法预测"),
    "milestone_targets": ("{milestone} targets", "{milestone}年目标"),
    "annual_growth": ("Average annual growth", "年均增速"),
    "required_marker": ("required", "所需"),
    "lower_is_better": ("lower is better", "越低越好"),
    "met_missed_cell": ("{met} of {assessable}", "{met}/{assessable}"),
    "inputs_line": (
        "As of {as_of}: milestones up to {as_of} are judged on the data (observed) or, without "
        "data, on the scenario (estimated). Scenarios: {scenarios}. Indicator table: {table}. "
        "Observed values: {observed}.",
        "截至 {as_of} 年:{as_of} 年及以前的目标按数据判定(观测),无数据的按情景值估计(估计)。"
        "情景:{scenarios}。指标表:{table}。观测值:{observed}。",
    ),
    "none": ("none", "无"),
    "observed_count": ("{source}, {count} values", "{source},{count} 个"),
}
# Short labels keep the table within 100 columns; CSV and JSON carry the full codes.
_STATUS_STYLE = {
    "met": ("met", "达标", "green"),
    "missed": ("missed", "未达标", "yellow"),
    "far_off": ("far off", "差距较大", "dark_orange"),
    "moving_away": ("moving away", "背离目标", "red"),
    "not_assessable": ("n/a", "无法评估", "dim"),
}
_EVIDENCE_MARK = {"observed": ("obs", "观测"), "estimated": ("est", "估计"), "projected": ("", "")}
_SCHEDULE_STYLE = {
    "achieved": ("achieved", "已实现", "green"),
    "ahead": ("ahead", "超前", "green"),
    "behind": ("behind", "滞后", "red"),
}
# Open SDG's progress names, shown only for milestones still ahead.
_SDG_STYLE = {
    "target_achieved": ("achieved", "已实现", "green"),
    "on_track": ("on track", "按期可达", "green"),
    "progress_needs_acceleration": ("accelerate", "需加速", "yellow"),
    "limited_progress": ("limited", "进展有限", "dark_orange"),
    "deterioration": ("worsening", "恶化", "red"),
}
_NEED_UNIT = {
    "rate": ("%", "%"),
    "rate_remaining": ("% left", "%(余下)"),
    "points": (" pt", "个百分点"),
    "places": (" pl", "位"),
}
_OP_SYMBOL = {Op.AT_LEAST: "≥", Op.AT_MOST: "≤", Op.ABOUT: "≈"}


def label(name: str, lang: Lang) -> str:
    english, chinese = _LABELS[name]
    return chinese if lang == "zh" else english


def percent(rate: Cell, signed: bool = False) -> str:
    """A fraction as a percentage with two decimals: 0.08759 -> '8.76%'."""
    if not isinstance(rate, int | float) or isinstance(rate, bool) or math.isnan(rate):
        return "–"
    return f"{100 * rate:+.2f}%" if signed else f"{100 * rate:.2f}%"


def number(value: Cell, signed: bool = False) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        return "–"
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def compact_number(value: Cell) -> str:
    """Digits a reader needs: 9,433 and 794.2 and 4.34 (terminal only; files keep all)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        return "–"
    size = abs(value)
    return f"{value:,.0f}" if size >= 1000 else f"{value:,.1f}" if size >= 100 else f"{value:,.2f}"


def target_text(indicator: Indicator, milestone: int) -> str:
    target = indicator.targets[milestone]
    if target.value is None or target.op is None:
        return "–"
    text = f"{_OP_SYMBOL[target.op]} {target.value:,g}"
    if target.op is Op.ABOUT:
        text += f" ±{indicator.tolerance:g}"
    return text


def short_name(indicator: Indicator, lang: Lang) -> str:
    """The key in English tables (compact, as scenario files write it); the name in Chinese."""
    return f"{indicator.name_zh if lang == 'zh' else indicator.key} ({indicator.unit})"


def indicator_name(indicator: Indicator, lang: Lang) -> str:
    name = indicator.name_zh if lang == "zh" else indicator.name_en
    return f"{name} ({indicator.unit})"


def domain_name(indicator: Indicator, lang: Lang) -> str:
    return indicator.domain_zh if lang == "zh" else indicator.domain_en


def status_text(status: Cell, lang: Lang) -> Text:
    english, chinese, style = _STATUS_STYLE[str(status)]
    return Text(chinese if lang == "zh" else english, style=style)


def value_text(row: _Row, lang: Lang) -> Text:
    """The milestone's value, marked ``obs`` or ``est`` where it is not a projection."""
    english, chinese = _EVIDENCE_MARK[str(row["evidence"])]
    mark = chinese if lang == "zh" else english
    value = row["projected_value"]
    whole = row["_whole"] and isinstance(value, float)
    shown = f"{value:,.0f}" if whole else compact_number(value)
    text = Text(shown if row["met"] is not None else "–")
    if mark and value is not None:
        text.append(" " + mark, style="bold" if row["evidence"] == "observed" else "italic")
    return text


def gap_text(row: _Row) -> str:
    """Gap as % of the target; for a growth-rate target in points (negative: short)."""
    if row["need_unit"] == "rate_remaining" or (
        row["gap_rel"] is None and isinstance(row["gap"], float)
    ):
        return _points_value(row["gap"])
    return percent(row["gap_rel"], signed=True)


def schedule_text(row: _Row, lang: Lang) -> Text:
    """ahead/behind with completion / time progress in %, or achieved; † without data."""
    schedule = row["schedule"]
    if schedule is None:
        return Text("†" if row["latest_grade"] is None else "–", style="dim")
    english, chinese, style = _SCHEDULE_STYLE[str(schedule)]
    text = Text(chinese if lang == "zh" else english, style=style)
    done, elapsed = row["completion_progress"], row["time_progress"]
    if schedule != "achieved" and isinstance(done, float) and isinstance(elapsed, float):
        text.append(f" {100 * done:.0f}/{100 * elapsed:.0f}")
    return text


def sdg_text(row: _Row, lang: Lang) -> Text:
    """Open SDG's progress to date, for a milestone still ahead (a passed one has its verdict)."""
    status = str(row["progress_status"])
    if row["evidence"] != "projected" or status not in _SDG_STYLE:
        return Text("–", style="dim")
    english, chinese, style = _SDG_STYLE[status]
    return Text(chinese if lang == "zh" else english, style=style)


def need_text(row: _Row, lang: Lang) -> Text:
    """What the target needs a year from the latest value, in the indicator's own unit."""
    need, unit = row["need_per_year"], row["need_unit"]
    if not isinstance(need, float) or unit is None:
        return Text("–", style="dim")
    suffix = _NEED_UNIT[str(unit)][1 if lang == "zh" else 0]
    amount = (
        f"{100 * need:+.2f}{suffix}" if str(unit).startswith("rate") else f"{need:+.2f}{suffix}"
    )
    if row["already_met"]:
        return Text(("met " if lang == "en" else "已达 ") + amount, style="green")
    return Text(amount)


def evidence_text(row: _Row) -> str:
    """Grade and year of the latest value behind the row; † where none since the base year."""
    if row["latest_grade"] is None:
        return "†"
    return f"{row['latest_grade']} {row['latest_year']}"


def _points_value(value: Cell) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        return "–"
    return f"{value:+.2f} pt"


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
    "gap": lambda row, lang: gap_text(row),
    "gap_bar": lambda row, lang: gap_bar(row["gap_rel"], row["met"]),
    "schedule": schedule_text,
    "sdg": sdg_text,
    "need": need_text,
    "evidence": lambda row, lang: evidence_text(row),
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
    """The widest table that fits ``width``, dropping optional columns one by one."""
    columns = list(_ASSESSMENT_CELLS)
    view = _scenario_table_with(catalog, scenario, rows, lang, columns)
    for name in _DROPPABLE:
        if _minimum_width(view) <= width:
            break
        columns.remove(name)
        view = _scenario_table_with(catalog, scenario, rows, lang, columns)
    # Names get what the other columns leave, broken at word and underscore boundaries
    # (down to 8 cells on the narrowest terminals).
    spare = width - _minimum_width(view)
    name_width = max(8, min(_NAME_WIDTH[1], _NAME_WIDTH[0] + spare))
    return _scenario_table_with(catalog, scenario, rows, lang, columns, name_width)


_NAME_WIDTH = (13, 22)  # narrowest and widest indicator column of the dashboard


def wrap_name(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` cells at spaces, after underscores and
    between Chinese characters, so a key (``doctors_per_1000``) is never cut inside a word."""
    pieces: list[str] = []
    for piece in re.split(r"(?<=[ _])", text):
        # A word too wide for the column breaks between Chinese characters.
        wide = cell_len(piece.rstrip()) > width
        pieces += re.split(r"(?<=[^\x00-\xff])(?=[^\x00-\xff])", piece) if wide else [piece]
    lines, line = [], ""
    for piece in filter(None, pieces):
        if line.strip() and cell_len((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
        while cell_len(line) > width:  # one word wider than the column: cut it
            lines.append(line[:width])
            line = line[width:]
    lines.append(line.rstrip())
    return "\n".join(part for part in lines if part)


def _minimum_width(view: RichTable) -> int:
    """Width the table needs with its indicator column folded to 13 cells.

    Counted from the cells' text rather than measured by rich (which renders every cell
    and made the dashboard take twice as long as the CSV): each column is as wide as its
    widest line, and the table adds 3 cells a column less one (padding and the box's
    dividers; the same as rich's own measure for this box and padding).
    """
    widths = [
        max([_text_width(column.header)] + [_text_width(cell) for cell in column.cells])
        for column in view.columns
    ]
    widths[0] = min(widths[0], _NAME_WIDTH[0])
    return sum(widths) + 3 * len(widths) - 1


def _text_width(renderable: object) -> int:
    text = renderable.plain if isinstance(renderable, Text) else str(renderable)
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _scenario_table_with(
    catalog: Catalog,
    scenario: str,
    rows: list[_Row],
    lang: Lang,
    columns: list[str],
    name_width: int | None = None,
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
    view = _table(label("as_of_title", lang).format(scenario=scenario, as_of=as_of), caption)
    view.add_column(
        label("indicator", lang),
        min_width=min(_NAME_WIDTH[0], name_width or _NAME_WIDTH[0]),
        max_width=_NAME_WIDTH[1],
        overflow="fold",
    )
    for name in columns:
        view.add_column(
            label(name, lang),
            justify="left" if name in ("outcome", "gap_bar", "schedule", "sdg") else "right",
            no_wrap=True,
        )
    previous_key, domain = None, None
    for row in rows:
        indicator = catalog[str(row["indicator_key"])]
        first_row = indicator.key != previous_key
        domain = _domain_heading(view, domain_name(indicator, lang), domain)
        previous_key = indicator.key
        row = {
            **row,
            "_target": target_text(indicator, int(str(row["milestone"]))),
            "_whole": indicator.kind in (Kind.COUNT, Kind.RANK),
        }
        name = f"{indicator.id} {short_name(indicator, lang)}" if first_row else ""
        if name_width is not None:
            name = wrap_name(name, name_width)
        view.add_row(name, *(_ASSESSMENT_CELLS[column](row, lang) for column in columns))
    return view


def _table(title: str, caption: str | None = None) -> RichTable:
    return RichTable(
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        caption_justify="left",
    )


def _domain_heading(view: RichTable, domain: str, previous: str | None) -> str:
    """A bold heading row (after a rule) when the domain changes; returns the domain."""
    if domain != previous:
        if previous is not None:
            view.add_section()
        view.add_row(Text(domain, style="bold cyan"))
    return domain


def required_view(catalog: Catalog, table: Table, lang: Lang) -> RichTable:
    """Requirements per span; or, from the latest observation, each target's need now.

    The latest-observation table shows the need in the indicator's own unit
    (``need_text``) beside the rate from the base year and the grade of the
    value it starts from; an observed milestone shows its verdict instead.
    """
    from_latest = "need_per_year" in table.columns
    view = _table(label("required_latest_title" if from_latest else "required_title", lang))
    view.add_column(label("indicator", lang), min_width=14, overflow="fold")
    names = ["from", "to", "from_value", "target"]
    names += ["need", "from_base", "grade"] if from_latest else ["required", "change"]
    for name in names:
        view.add_column(label(name, lang), justify="right", no_wrap=True)
    previous_key, domain = None, None
    for row in table:
        indicator = catalog[str(row["indicator_key"])]
        first_row = indicator.key != previous_key
        domain = _domain_heading(view, domain_name(indicator, lang), domain)
        previous_key = indicator.key
        cells: list[RenderableType] = [
            f"{indicator.id} {short_name(indicator, lang)}" if first_row else "",
            str(row["from_year"] if row["from_year"] is not None else "–"),
            str(row["to_year"]),
            number(row["from_value"]),
            target_text(indicator, int(str(row["to_year"]))),
        ]
        if from_latest:
            verdict = row["need_per_year"] is None and str(row["note"]).startswith("observed")
            cells += [
                Text(str(row["note"]).rsplit(": ", 1)[-1]) if verdict else need_text(row, lang),
                percent(row["required_cagr_from_base"]),
                str(row["grade"] or "†"),
            ]
        else:
            cells += [
                percent(row["required_cagr"]),
                number(row["required_change_per_year"], signed=True),
            ]
        view.add_row(*cells)
    return view


def _points(rate: Cell) -> str:
    """A difference of rates in percentage points: 0.0123 -> '+1.23 pt'."""
    if not isinstance(rate, int | float) or isinstance(rate, bool) or math.isnan(rate):
        return "–"
    return f"{100 * rate:+.2f} pt"


def catalog_view(catalog: Catalog, lang: Lang) -> RichTable:
    """The catalog; keys stay whole (error messages send users here for them)."""
    view = _table(label("catalog_title", lang).format(count=len(catalog), source=catalog.source))
    view.add_column(label("id", lang), justify="right", no_wrap=True)
    view.add_column(label("key", lang), no_wrap=True)
    view.add_column(label("indicator", lang), min_width=12, overflow="fold")
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
            view.add_row("", "", Text(domain, style="bold cyan"))
        base = "–" if indicator.base_value is None else f"{indicator.base_value:,g}"
        if common_year is None and indicator.base_value is not None:
            base += f" ({indicator.base_year})"
        arrow = "↑" if indicator.direction.sign > 0 else "↓"
        view.add_row(
            str(indicator.id),
            indicator.key,
            indicator_name(indicator, lang),
            f"{indicator.kind.value} {arrow}",
            base,
            *(target_text(indicator, milestone) for milestone in catalog.milestones),
        )
    view.caption = (
        "↑ higher is better, ↓ lower is better" if lang == "en" else "↑ 越高越好, ↓ 越低越好"
    )
    return view


def differences_text(differences: Sequence[Difference], total: int, source: str) -> str:
    lines = [f"{len(differences)} of {total} targets differ from {source}:"]
    lines.extend(f"  {difference}" for difference in differences)
    return "\n".join(lines)
