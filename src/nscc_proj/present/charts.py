"""Charts of a projection: one per indicator, required vs. scenario growth, a status heatmap.

Drawn on matplotlib's Agg canvas (no display, no GUI toolkit, no pyplot
state) at a fixed pixel size, so the HTML lays them out predictably and a
test can check their size. Each chart is rendered to PNG and SVG bytes in
memory; the report writes files only once everything has rendered, so a
failure leaves nothing behind. matplotlib loads inside the functions: the
CLI must start fast.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np

from nscc_proj.core.assess import OUTCOMES
from nscc_proj.inputs.catalog import Indicator, Kind, Op
from nscc_proj.present.fonts import MISSING_FONT_WARNING, chart_style, cjk_font, strip_cjk
from nscc_proj.present.render import _STATUS_STYLE, Lang, label, target_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from nscc_proj.analysis.projection import Projection
    from nscc_proj.table import Table

DPI = 100
INDICATOR_SIZE = (640, 360)
OVERVIEW_WIDTH = 960
# Colour-blind-safe scenario colours (Okabe-Ito), then matplotlib's cycle.
SCENARIO_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
TARGET_COLOUR = "#C0392B"
# Shared by charts, HTML and workbook, so a status reads the same everywhere.
# Only a met target is green: every shade of a miss is warm.
STATUS_COLOURS = {
    "met": "#1A9641",
    "missed": "#FEE08B",
    "far_off": "#FDAE61",
    "moving_away": "#D7191C",
    "not_assessable": "#D9D9D9",
}
_DARK_STATUSES = ("met", "moving_away")

# (years, p5, p25, p50, p75, p95) of one scenario's simulated path of one indicator.
BandArrays = tuple[Any, Any, Any, Any, Any, Any]
Bands = Mapping[tuple[str, str], BandArrays]


def bands_from_table(table: Table) -> dict[tuple[str, str], BandArrays]:
    """Bands from a long table with the columns scenario, indicator_key, year, p5 ... p95
    (the Monte Carlo run's band table), keyed as ``render_charts`` expects."""
    names = ("year", "p5", "p25", "p50", "p75", "p95")
    collected: dict[tuple[str, str], list[list[float]]] = {}
    for row in table:
        key = (str(row["scenario"]), str(row["indicator_key"]))
        columns = collected.setdefault(key, [[] for _ in names])
        for column, name in zip(columns, names, strict=True):
            value = row[name]
            column.append(math.nan if value is None else float(value))
    bands: dict[tuple[str, str], BandArrays] = {}
    for key, columns in collected.items():
        years, p5, p25, p50, p75, p95 = (np.array(column) for column in columns)
        bands[key] = (years, p5, p25, p50, p75, p95)
    return bands


@dataclass(frozen=True)
class Chart:
    """One rendered chart: its file stem, title and PNG/SVG bytes."""

    name: str
    title: str
    png: bytes
    svg: bytes
    width: int
    height: int
    key: str | None = None  # the indicator's key; None for overview charts


def overview_height(rows: int) -> int:
    """Pixel height of the growth chart and heatmap: they grow with the number of indicators."""
    return 120 + 20 * rows


def light_colour(status: str) -> str:
    """The status colour mixed halfway with white, for table cells: dark fills hide text."""
    colour = STATUS_COLOURS[status].lstrip("#")
    channels = (int(colour[k : k + 2], 16) for k in (0, 2, 4))
    return "#" + "".join(f"{(value + 255) // 2:02X}" for value in channels)


def scenario_colour(position: int) -> str:
    return SCENARIO_COLOURS[position % len(SCENARIO_COLOURS)]


def status_label(status: str, lang: Lang) -> str:
    english, chinese, _ = _STATUS_STYLE[status]
    return chinese if lang == "zh" else english


# Labels of the report (HTML, summary.md, charts) in both languages, kept here until they
# join render's ``_LABELS``; ``report_label`` falls back to those.
REPORT_LABELS: dict[str, tuple[str, str]] = {
    "growth_from_base": (
        "Average annual growth from the base year",
        "自基期起年均增速",
    ),
    "data_to": ("data to {year} · projected →", "数据至 {year} 年 · 其后为预测 →"),
    "obs": ("obs", "观测"),
    "est": ("est", "估计"),
    "nowcast": ("now", "估计"),
    "latest": ("Latest (year, grade)", "最新值(年份,等级)"),
    "need_now": ("Need/yr from now", "自今年均所需"),
    "pace_now": ("{scenario}/yr", "{scenario} 年均"),
    "value_at": ("{scenario}: value", "{scenario}:数值"),
    "outcome_at": ("{scenario}: outcome", "{scenario}:情景结果"),
    "probability_at": ("{scenario}: P(met)", "{scenario}:达标概率"),
    "title_shipped": (
        "Shenyang, National Central City plan: the targets as of {as_of}",
        "《沈阳建设国家中心城市行动纲要》指标:截至 {as_of} 年的评估与情景预测",
    ),
    "title_table": (
        "The targets of {table} as of {as_of}",
        "{table} 指标:截至 {as_of} 年的评估与情景预测",
    ),
    "headline_title": ("The verdict", "结论"),
    "passed_sentence": (
        "{milestone} targets (passed): {met} met and {missed} missed on the data (observed); "
        "{estimated} without a {milestone} figure yet are estimated from the scenarios{split}.",
        "{milestone} 年目标(已到期):按实际数据(观测){met} 项达标、{missed} 项未达标;"
        "{estimated} 项尚无 {milestone} 年数据,按情景估计{split}。",
    ),
    "passed_split": (" ({parts} of them met)", "(其中达标:{parts})"),
    "future_sentence": (
        "{milestone} targets on each path: {parts}.",
        "{milestone} 年目标按各情景:{parts}。",
    ),
    "meets_of": ("{scenario} meets {met} of {assessable}", "{scenario} 达标 {met}/{assessable}"),
    "list_sep": (", ", ","),
    "shortfall_sentence": (
        "Largest shortfalls on the {scenario} path: {parts}.",
        "{scenario} 情景下差距最大:{parts}。",
    ),
    "need_sentence": ("From now they need: {parts}.", "自今起年均所需:{parts}。"),
    "blind_sentence": (
        "{count} of the {met} targets the {scenario} path meets rest on no observation since "
        "the base year (†).",
        "{scenario} 情景下达标的 {met} 项目标中,{count} 项自基期以来无观测值(†)。",
    ),
    "no_data_yet": ("none", "无"),
    "key_note": (
        "obs: the milestone's value is an observation, and the verdict is on the data. est: a "
        "passed milestone without data, estimated from the scenario. †: no observation since "
        "the base year. To date: completion against time elapsed (完成进度/时序进度), ahead or "
        "behind schedule. Need/yr from now: from the latest value, % a year for levels and "
        "counts, points (pt) for shares and rates, places (pl) for ranks, and for growth-rate "
        "targets the rate the rest of the period needs. Outcome of a path: met; missed; far off "
        "(its pace under {far_off:.0%} of the pace needed); moving away (the wrong way).",
        "观测:该年数值为实际观测,按数据判定。估计:已到期但无数据,按情景值估计。†:自基期以来无观测值。"
        "进度:完成进度对时序进度,超前或滞后。自今年均所需:自最新值起,水平值与数量为年均增速,"
        "比重与比率为年均百分点,排名为年均位次,增速目标为剩余年份所需平均增速。"
        "情景结果:达标;未达标;差距较大(情景速度不足所需的 {far_off:.0%});背离目标(方向相反)。",
    ),
    "passed_note": (
        "Milestones up to {as_of} have passed: their verdicts are in the tables above.",
        "{as_of} 年及以前的目标已到期:其判定见上表。",
    ),
    "probabilities_title": (
        "Probability of meeting every target of a domain (Monte Carlo)",
        "各领域目标同时达标的概率(蒙特卡洛)",
    ),
    "all_targets": ("All targets", "全部目标"),
    "target_probabilities": ("Probability of each target", "各目标达标概率"),
    "all_milestones": ("all", "全部"),
    "probability_note": (
        "P(met): share of {paths} simulated paths that meet the target; obs: settled by the "
        "observation; now: a passed milestone without data (a nowcast).",
        "达标概率:{paths} 条模拟路径中达标的比例;观测:已由实际数据判定;"
        "估计:已到期但无数据(即时估计)。",
    ),
    "glyph_note": (
        "{count} characters of the names have no glyph in the chart fonts ({chars}): "
        "the charts show them as boxes",
        "名称中有 {count} 个字符在图表字体中没有字形({chars}):图中显示为方框",
    ),
}


def report_label(name: str, lang: Lang) -> str:
    """A label of the report: its own (``REPORT_LABELS``), else render's."""
    if name in REPORT_LABELS:
        english, chinese = REPORT_LABELS[name]
        return chinese if lang == "zh" else english
    return label(name, lang)


def chart_text(text: str) -> str:
    """User text as a chart can draw it: control characters (which no font has a glyph
    for; a line break included) become spaces. TeX math is off (``fonts.chart_style``)."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


def legend_text(text: str) -> str:
    """A legend entry matplotlib will not hide (it drops labels that start with "_")."""
    text = chart_text(text)
    return f" {text}" if text.startswith("_") else text


_GLYPH_MISSING = re.compile(r"Glyph (\d+) .*missing from")


def render_charts(
    projection: Projection, lang: Lang, bands: Bands | None = None
) -> tuple[list[Chart], list[str]]:
    """Every chart of the report, and the warnings to show (at most one line).

    ``bands`` maps (scenario, indicator key) to simulated percentiles; where
    present, the indicator's chart draws them as a fan around the path.
    """
    import matplotlib

    font = cjk_font()
    notes = [] if font is not None else [MISSING_FONT_WARNING]
    text_lang: Lang = lang if font is not None else "en"
    clean: Callable[[str], str] = (
        chart_text if font is not None else (lambda text: strip_cjk(chart_text(text)))
    )
    with (
        matplotlib.rc_context(chart_style(lang, font)),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        observed = (
            None if projection.observed is None else projection.observed.array(projection.catalog)
        )
        charts = [
            _growth_chart(projection, text_lang, clean),
            _heatmap_chart(projection, text_lang, clean),
        ]
        for i, indicator in enumerate(projection.catalog.indicators):
            charts.append(
                _indicator_chart(projection, i, indicator, observed, text_lang, clean, bands or {})
            )
    missing: set[int] = set()
    for warning in caught:
        found = _GLYPH_MISSING.search(str(warning.message))
        if found is None:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        else:
            missing.add(int(found.group(1)))
    # Without a CJK font that is said once already; else one line, not one per glyph.
    if missing and font is not None:
        chars = ", ".join(f"U+{code:04X}" for code in sorted(missing)[:5])
        chars += ", …" if len(missing) > 5 else ""
        notes.append(report_label("glyph_note", lang).format(count=len(missing), chars=chars))
    return charts, notes


def _figure(width: int, height: int, columns: int = 1) -> tuple[Figure, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, columns, sharey=columns > 1, squeeze=False)
    return figure, list(axes[0])


def _encode(figure: Figure, name: str, title: str, key: str | None = None) -> Chart:
    png, svg = io.BytesIO(), io.BytesIO()
    # No software version or date inside the files: a rerun gives the same bytes.
    figure.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    # The layout is settled by the first drawing; solving it again for the SVG costs as
    # much as the drawing itself and would place nothing differently.
    figure.set_layout_engine("none")
    # Element ids come from a salt, random unless fixed: fixed, so reruns are byte-identical.
    with matplotlib.rc_context({"svg.hashsalt": f"nscc-{name}"}):
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    width, height = (round(size * DPI) for size in figure.get_size_inches())
    return Chart(name, title, png.getvalue(), svg.getvalue(), width, height, key)


def chart_name(indicator: Indicator) -> str:
    return f"indicator_{indicator.id:02d}_{indicator.key}"


def row_label(indicator: Indicator, lang: Lang, width: int = 30) -> str:
    """'1 Gross domestic product' shortened to ``width`` characters for an axis."""
    name = indicator.name_zh if lang == "zh" else indicator.name_en
    return textwrap.shorten(f"{indicator.id} {name}", width, placeholder="…")


def _indicator_chart(
    projection: Projection,
    i: int,
    indicator: Indicator,
    observed: np.ndarray | None,
    lang: Lang,
    clean: Callable[[str], str],
    bands: Bands,
) -> Chart:
    """Each scenario's path, observations as points, targets as stars (or the
    averaged rate as a dashed segment), and simulated fans where given."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    years = projection.years.astype(float)
    figure, (axes,) = _figure(*INDICATOR_SIZE)
    drawn = False
    for s, scenario in enumerate(projection.scenario_names):
        band = bands.get((scenario, indicator.key))
        if band is not None:
            _draw_band(axes, band, scenario_colour(s), first=s == 0)
        path = projection.paths[s, i]
        if np.isfinite(path).any():
            shown = legend_text(clean(scenario))
            axes.plot(years, path, color=scenario_colour(s), lw=1.8, label=shown)
            drawn = True
    if observed is not None and np.isfinite(observed[i]).any():
        mask = np.isfinite(observed[i])
        axes.scatter(
            years[mask],
            observed[i][mask],
            s=22,
            color="black",
            zorder=5,
            label=label("observed", lang),
        )
    _draw_targets(axes, projection, i, indicator, lang)
    if drawn:
        _mark_data_end(axes, data_end(projection, indicator), years[-1] + 0.9, lang)
    if not drawn:
        axes.text(
            0.5, 0.5, label("no_path", lang), transform=axes.transAxes, ha="center", color="grey"
        )
    name = indicator.name_zh if lang == "zh" else indicator.name_en
    title = clean(f"{indicator.id} {name} ({indicator.unit})")
    axes.set_title(textwrap.fill(title, 70), loc="left", fontsize=10)
    axes.set_xlim(years[0] - 0.5, years[-1] + 0.9)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(_tick))
    axes.margins(y=0.12)  # room for the target labels above the highest star
    axes.grid(alpha=0.3)
    if indicator.kind is Kind.RANK:
        axes.invert_yaxis()
        axes.set_ylabel(label("lower_is_better", lang), fontsize=8)
    else:
        axes.set_ylabel(clean(indicator.unit), fontsize=8)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8, frameon=False, loc="best")
    return _encode(figure, chart_name(indicator), title, indicator.key)


def data_end(projection: Projection, indicator: Indicator) -> int:
    """The last year with data behind the indicator: its latest observation as of the
    projection's as-of year, or the latest reading of its targets (a growth-rate target
    read off the level it measures), else its base year."""
    observed = projection.observed
    latest = None if observed is None else observed.latest(indicator.key, projection.as_of)
    years = [indicator.base_year] if latest is None else [latest.year]
    i = projection.catalog.index[indicator.key]
    standing = projection.standing
    years += [int(year) for year in standing.latest_year[i][standing.since_base[i]]]
    return max(years)


def _mark_data_end(axes: Axes, year: int, right: float, lang: Lang) -> None:
    """A dotted line where the data end and a light shade over the projected years."""
    axes.axvspan(year, right, color="#EEF1F4", lw=0, zorder=0)
    axes.axvline(year, color="#7F8C99", lw=0.9, ls=":", zorder=1)
    axes.text(
        year + 0.15,
        0.015,
        report_label("data_to", lang).format(year=year),
        transform=axes.get_xaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=7,
        color="#5F6B7A",
    )


def _tick(value: float, _position: object) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def _draw_band(axes: Axes, band: BandArrays, colour: str, first: bool) -> None:
    years, p5, p25, p50, p75, p95 = (np.asarray(part, dtype=float) for part in band)
    axes.fill_between(
        years, p5, p95, color=colour, alpha=0.12, lw=0, label="5–95%" if first else None
    )
    axes.fill_between(
        years, p25, p75, color=colour, alpha=0.25, lw=0, label="25–75%" if first else None
    )
    axes.plot(years, p50, color=colour, lw=1, ls=":")


def _draw_targets(
    axes: Axes, projection: Projection, i: int, indicator: Indicator, lang: Lang
) -> None:
    """Stars at the milestones; a growth-rate target is an average over its
    period, so it is drawn as a dashed level across that period."""
    milestones = projection.catalog.milestones
    labelled = False
    for m, milestone in enumerate(milestones):
        target = indicator.targets[milestone]
        if target.value is None:
            continue
        legend = "_nolegend_" if labelled else label("target", lang)
        labelled = True
        if indicator.kind is Kind.GROWTH_RATE:
            start = max(indicator.base_year, milestones[m - 1] if m else indicator.base_year)
            axes.hlines(
                target.value,
                start + 1,
                milestone,
                colors=TARGET_COLOUR,
                linestyles="--",
                label=legend,
            )
        else:
            axes.scatter(
                milestone,
                target.value,
                marker="*",
                s=120,
                color=TARGET_COLOUR,
                zorder=6,
                label=legend,
            )
        if target.op is Op.ABOUT and indicator.tolerance:
            axes.errorbar(
                milestone, target.value, yerr=indicator.tolerance, color=TARGET_COLOUR, capsize=3
            )
        axes.annotate(
            target_text(indicator, milestone),
            (milestone, target.value),
            xytext=(-6, 7),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=TARGET_COLOUR,
        )


def _assessable_rows(projection: Projection) -> list[int]:
    required = projection.assessment.required_cagr
    return [i for i in range(required.shape[1]) if np.isfinite(required[:, i, :]).any()]


def _growth_chart(projection: Projection, lang: Lang, clean: Callable[[str], str]) -> Chart:
    """Per milestone, the rate each target needs (a bar) beside each scenario's rate (dots)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    catalog, result = projection.catalog, projection.assessment
    rows = _assessable_rows(projection)
    positions = np.arange(len(rows))
    milestones = catalog.milestones
    figure, panels = _figure(OVERVIEW_WIDTH, overview_height(len(rows)), len(milestones))
    for m, (axes, milestone) in enumerate(zip(panels, milestones, strict=True)):
        required = 100 * result.required_cagr[0, rows, m]
        rates = 100 * result.scenario_cagr[:, rows, m]
        low = np.fmin(np.nanmin(rates, axis=0, initial=np.inf), required)
        high = np.fmax(np.nanmax(rates, axis=0, initial=-np.inf), required)
        ends = np.isfinite(low) & np.isfinite(high)
        axes.hlines(positions[ends], low[ends], high[ends], colors="#BBBBBB", lw=1)
        axes.scatter(
            required,
            positions,
            marker="|",
            s=180,
            lw=2,
            color="black",
            zorder=4,
            label=label("required_marker", lang),
        )
        for s, scenario in enumerate(projection.scenario_names):
            axes.scatter(
                rates[s],
                positions,
                s=24,
                color=scenario_colour(s),
                zorder=5,
                label=legend_text(clean(scenario)),
            )
        axes.axvline(0, color="grey", lw=0.8)
        axes.set_title(label("milestone_targets", lang).format(milestone=milestone), fontsize=10)
        # Steps of 1, 2 or 5 (never 2.5), each tick with the decimals it needs.
        axes.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value + 0.0:.6g}%"))
        axes.set_xlabel(report_label("growth_from_base", lang), fontsize=8)
        axes.grid(axis="x", alpha=0.3)
    panels[0].set_yticks(
        positions, [clean(row_label(catalog.indicators[i], lang)) for i in rows], fontsize=8
    )
    panels[0].set_ylim(len(rows) - 0.5, -0.5)
    handles, names = panels[0].get_legend_handles_labels()
    figure.legend(
        handles, names, loc="outside lower center", ncols=len(names), frameon=False, fontsize=8
    )
    title = label("growth_title", lang)
    figure.suptitle(title, fontsize=11)
    return _encode(figure, "growth_required_vs_scenario", title)


def _heatmap_chart(projection: Projection, lang: Lang, clean: Callable[[str], str]) -> Chart:
    """Indicators down, scenario x milestone across; colour is the status, text the gap."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    catalog, result = projection.catalog, projection.assessment
    scenarios, milestones = projection.scenario_names, catalog.milestones
    statuses = result.outcome.transpose(1, 0, 2).reshape(len(catalog), -1)
    gaps = result.gap_rel.transpose(1, 0, 2).reshape(len(catalog), -1)
    figure, (axes,) = _figure(OVERVIEW_WIDTH, overview_height(len(catalog)))
    colours = ListedColormap([STATUS_COLOURS[name] for name in OUTCOMES])
    axes.imshow(
        statuses,
        cmap=colours,
        vmin=-0.5,
        vmax=len(OUTCOMES) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    for (row, column), status in np.ndenumerate(statuses):
        name = OUTCOMES[status]
        gap = gaps[row, column]
        text = "✓" if name == "achieved" else ("–" if math.isnan(gap) else f"{gap:+.0%}")
        colour = "white" if name in _DARK_STATUSES else "black"
        axes.text(column, row, text, ha="center", va="center", fontsize=7, color=colour)
    domains = [indicator.domain_en for indicator in catalog.indicators]
    for row in range(1, len(domains)):
        if domains[row] != domains[row - 1]:
            axes.axhline(row - 0.5, color="white", lw=2.5)
    axes.set_yticks(
        range(len(catalog)),
        [clean(row_label(ind, lang, 40)) for ind in catalog.indicators],
        fontsize=8,
    )
    axes.set_xticks(
        range(statuses.shape[1]),
        [f"{clean(s)}\n{m}" for s in scenarios for m in milestones],
        fontsize=8,
    )
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    handles = [
        Patch(color=STATUS_COLOURS[name], label=status_label(name, lang)) for name in OUTCOMES
    ]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=8
    )
    title = label("heatmap_title", lang)
    figure.suptitle(title, fontsize=11)
    return _encode(figure, "status_heatmap", title)
