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
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from rich.cells import cell_len

from nscc_proj.core.assess import OUTCOMES
from nscc_proj.inputs.catalog import Indicator, Kind, Op
from nscc_proj.present.fonts import MISSING_FONT_WARNING, chart_style, cjk_font, strip_cjk
from nscc_proj.present.labels import (
    STATUS_COLOURS,
    Lang,
    label,
    scenario_label,
    source_text,
    status_label,
)
from nscc_proj.present.wording import target_text, unit_text, wrap_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.typing import RcKeyType

    from nscc_proj.analysis.projection import Projection
    from nscc_proj.table import Table

DPI = 100
# PNGs are drawn at twice their size on the page, sharp on a high-density screen and on paper.
PNG_SCALE = 2
INDICATOR_SIZE = (640, 400)
OVERVIEW_WIDTH = 960
# A scenario keeps its colour from chart to chart and run to run, whatever the order of
# --scenario: the shipped ones have theirs (Okabe-Ito, colour-blind safe); any other name
# takes the next free colour of OTHER_COLOURS in the order of the names.
BASE = "base"
SCENARIO_COLOURS = {BASE: "#0072B2", "high": "#009E73", "low": "#E69F00", "shock": "#CC79A7"}
OTHER_COLOURS = ("#56B4E9", "#D55E00", "#7F3C8D", "#8C6D31", "#000000", "#999999")
TARGET_COLOUR = "#C0392B"
PROJECTED_SHADE = "#EEF1F4"
FOOTER_COLOUR = "#5F6B7A"
FOOTER_HEIGHT = 16  # pixels at 1x
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
    """Pixel height of the growth chart and heatmap: they grow with the number of
    indicators, each row room for a name on two lines."""
    return 140 + 26 * rows


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """Each scenario's colour, by its name alone (see ``SCENARIO_COLOURS``)."""
    colours = {name: SCENARIO_COLOURS[name] for name in names if name in SCENARIO_COLOURS}
    others = sorted(name for name in names if name not in SCENARIO_COLOURS)
    for k, name in enumerate(others):
        colours[name] = OTHER_COLOURS[k % len(OTHER_COLOURS)]
    return colours


def drawing_order(names: Sequence[str]) -> list[int]:
    """Scenario positions in the order to draw them: base last, on top of the others
    (a path that equals base's must not hide it)."""
    return sorted(range(len(names)), key=lambda s: names[s] == BASE)


def lead_scenario(names: Sequence[str]) -> str:
    """The one scenario whose inner band is filled: base if drawn, else the first."""
    return BASE if BASE in names else names[0]


def chart_footer(projection: Projection, lang: Lang, date: str | None) -> str:
    """The line under every chart: where the numbers come from, as of when, and the date
    of the run (given by the caller, so a rerun with the same date draws the same chart)."""
    observed = projection.observed
    source = label("chart_source", lang).format(
        table=source_text(os.path.basename(projection.catalog.source), lang),
        observed=label("none", lang)
        if observed is None
        else source_text(os.path.basename(observed.source), lang),
    )
    footer = label("chart_footer", lang).format(
        source=source, as_of=projection.as_of, date=date or ""
    )
    return footer if date else footer.rsplit(" · ", 1)[0]


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
    projection: Projection,
    lang: Lang,
    bands: Bands | None = None,
    *,
    date: str | None = None,
    progress: Callable[[], None] | None = None,
    workers: int = 1,
) -> tuple[list[Chart], list[str]]:
    """Every chart of the report, and the warnings to show (at most one line).

    ``bands`` maps (scenario, indicator key) to simulated percentiles; where
    present, the indicator's chart draws them as a fan around the path.
    ``date`` goes into each chart's footer; ``progress`` is called once per chart drawn.
    ``workers`` is how many processes draw (``chart_workers`` says how many pay); the
    charts are the same bytes however many draw them. More than one spawns helpers,
    which import the caller's main module: a script needs its ``if __name__ ==
    "__main__"`` guard, so one (drawing here) is the default.
    """
    font = cjk_font()
    notes = [] if font is not None else [MISSING_FONT_WARNING]
    text_lang: Lang = lang if font is not None else "en"
    clean = chart_text if font is not None else _latin_text
    drawing = _Drawing(
        projection,
        bands or {},
        None if projection.observed is None else projection.observed.array(projection.catalog),
        _Style(
            text_lang,
            clean,
            scenario_colours(projection.scenario_names),
            clean(chart_footer(projection, text_lang, date)),
        ),
        chart_style(lang, font),
        font,
    )
    count = chart_count(projection)
    helpers = workers - 1
    with matplotlib.rc_context(drawing.rc):
        if helpers > 0:
            drawn = _draw_shared(drawing, count, helpers, progress)
        else:
            drawn = []
            for number in range(count):
                drawn.append(drawing.chart(number))
                if progress is not None:
                    progress()
    missing: set[int] = set()
    for message, category, filename, lineno in (w for _, caught in drawn for w in caught):
        found = _GLYPH_MISSING.search(message)
        if found is None:
            warnings.warn_explicit(message, category, filename, lineno)
        else:
            missing.add(int(found.group(1)))
    # Without a CJK font that is said once already; else one line, not one per glyph.
    if missing and font is not None:
        chars = ", ".join(f"U+{code:04X}" for code in sorted(missing)[:5])
        chars += ", …" if len(missing) > 5 else ""
        notes.append(label("glyph_note", lang).format(count=len(missing), chars=chars))
    return [chart for chart, _ in drawn], notes


# A chart takes about a third of a second to draw; a helper process takes about as long as
# two to start (Python, NumPy, matplotlib, the fonts), so it pays only with this many charts.
CHARTS_PER_HELPER = 8


def chart_workers(count: int) -> int:
    """Processes to draw ``count`` charts: one per core this process may run on, as long as
    each has ``CHARTS_PER_HELPER`` charts to draw; one (no helper) on one core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, count // CHARTS_PER_HELPER))


# A warning caught while drawing: message, category, file and line, as a process can pass them.
_Caught = tuple[str, type[Warning], str, int]


def _latin_text(text: str) -> str:
    """``chart_text`` for charts drawn without a CJK font: without CJK characters."""
    return strip_cjk(chart_text(text))


@dataclass(frozen=True)
class _Style:
    """What every chart of one report shares: its language, how user text is cleaned,
    the scenario colours and the footer line."""

    lang: Lang
    clean: Callable[[str], str]
    colours: Mapping[str, str]
    footer: str

    def scenario(self, name: str) -> str:
        """A scenario's name as the legend shows it."""
        return legend_text(self.clean(scenario_label(name, self.lang)))


@dataclass(frozen=True)
class _Drawing:
    """Everything needed to draw any chart of one report by its number (0 the growth chart,
    1 the heatmap, then the indicators): it pickles, so a helper process can draw some."""

    projection: Projection
    bands: Bands
    observed: np.ndarray | None
    style: _Style
    rc: dict[RcKeyType, Any]
    font: str | None

    def chart(self, number: int) -> tuple[Chart, list[_Caught]]:
        """Chart ``number`` (drawn with ``rc`` in force) and the warnings drawing it gave."""
        projection, style = self.projection, self.style
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if number == 0:
                chart = _growth_chart(projection, style)
            elif number == 1:
                chart = _heatmap_chart(projection, style)
            else:
                i = number - 2
                indicator = projection.catalog.indicators[i]
                chart = _indicator_chart(projection, i, indicator, self.observed, style, self.bands)
        return chart, [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def _draw_shared(
    drawing: _Drawing, count: int, helpers: int, progress: Callable[[], None] | None
) -> list[tuple[Chart, list[_Caught]]]:
    """Charts 0 to ``count`` - 1, drawn here and in ``helpers`` processes at once. This
    process draws from the front (the two overview charts, the costliest, first) while each
    helper is kept two charts ahead from the back, so all finish at about the same time
    however long the helpers take to start. Helpers are spawned, not forked: a fork copies
    the threads' locks of a process that has run the Monte Carlo engine."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    queue = deque(range(count))
    drawn: dict[int, tuple[Chart, list[_Caught]]] = {}
    running: dict[Future[tuple[Chart, list[_Caught]]], int] = {}
    pool = ProcessPoolExecutor(helpers, mp_context=multiprocessing.get_context("spawn"))
    try:
        while queue or running:
            while queue and len(running) < 2 * helpers:
                number = queue.pop()
                running[pool.submit(_draw_in_helper, drawing, number)] = number
            before = len(drawn)
            if queue:
                number = queue.popleft()
                drawn[number] = drawing.chart(number)
                finished = [future for future in running if future.done()]
            else:
                finished = list(wait(running, return_when=FIRST_COMPLETED).done)
            for future in finished:
                drawn[running.pop(future)] = future.result()
            if progress is not None:
                for _ in range(len(drawn) - before):
                    progress()
    finally:
        pool.shutdown(cancel_futures=True)
    return [drawn[number] for number in range(count)]


def _draw_in_helper(drawing: _Drawing, number: int) -> tuple[Chart, list[_Caught]]:
    """Chart ``number``, in a helper process: it draws nothing else, so ``rc`` stays set."""
    if drawing.font is not None:
        cjk_font()  # registers the font, as in the parent, when matplotlib's cache lacks it
    matplotlib.rcParams.update(drawing.rc)
    return drawing.chart(number)


def chart_count(projection: Projection) -> int:
    """How many charts ``render_charts`` draws (for a progress bar)."""
    return 2 + len(projection.catalog.indicators)


def _figure(
    width: int, height: int, style: _Style, columns: int = 1
) -> tuple[Figure, SubFigure, list[Axes]]:
    """A figure of ``width`` x ``height`` pixels: the chart's body (axes, title, legend,
    laid out together) over a strip holding the footer line, so nothing covers it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # White, as by default, but whatever a matplotlibrc says: the PNG keeps no alpha channel.
    figure = Figure(
        figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained", facecolor="white"
    )
    FigureCanvasAgg(figure)
    parts = figure.subfigures(2, 1, height_ratios=[height - FOOTER_HEIGHT, FOOTER_HEIGHT])
    body, strip = np.asarray(parts).ravel()
    strip.text(0.008, 0.5, style.footer, va="center", fontsize=6.5, color=FOOTER_COLOUR)
    axes = body.subplots(1, columns, sharey=columns > 1, squeeze=False)
    return figure, body, list(axes[0])


def _legend(body: SubFigure, handles: Sequence[Any], names: Sequence[str], ncols: int) -> None:
    """The legend under the plot, above the footer: never on the data."""
    body.legend(
        handles, names, loc="outside lower center", ncols=ncols, frameon=False, fontsize=7.5
    )


def _encode(figure: Figure, name: str, title: str, key: str | None = None) -> Chart:
    """The chart's PNG (at ``PNG_SCALE``) and SVG bytes. ``savefig`` would draw the figure
    twice for the PNG (once to settle the layout, once to paint); one ``draw`` at the PNG's
    resolution does both, and the PNG is encoded from the canvas's pixels. The SVG then
    reuses the settled layout: solving it again would place nothing differently."""
    from PIL import Image

    png, svg = io.BytesIO(), io.BytesIO()
    figure.set_dpi(PNG_SCALE * DPI)
    figure.canvas.draw()
    # The figure is opaque, so RGB, not RGBA (matplotlib's own writer always keeps alpha): a
    # tenth fewer bytes. zlib's level 3 takes two thirds of the time of its default 6 and
    # still gives a smaller file than RGBA at 6. No software version or date in the file.
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3]  # type: ignore[attr-defined]
    Image.fromarray(pixels).save(
        png, format="png", dpi=(PNG_SCALE * DPI, PNG_SCALE * DPI), compress_level=3
    )
    figure.set_dpi(DPI)
    figure.set_layout_engine("none")
    # Element ids come from a salt, random unless fixed: fixed, so reruns are byte-identical.
    # Set inside ``render_charts``'s rc context, which restores it; a context per chart
    # would copy every rc setting each time.
    matplotlib.rcParams["svg.hashsalt"] = f"nscc-{name}"
    figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    width, height = (round(size * DPI) for size in figure.get_size_inches())
    return Chart(name, title, png.getvalue(), svg.getvalue(), width, height, key)


def chart_name(indicator: Indicator) -> str:
    return f"indicator_{indicator.id:02d}_{indicator.key}"


def _lines(clean: Callable[[str], str], text: str) -> str:
    """``clean`` applied line by line: it turns line breaks into spaces."""
    return "\n".join(clean(line) for line in text.split("\n"))


def row_label(indicator: Indicator, lang: Lang, width: int = 34) -> str:
    """'4 Average annual growth of urban / and rural disposable income': the id and the
    name on at most two lines of ``width`` cells, cut with … only after the second, so
    two names that begin alike still read apart; the id always starts the first line. A
    Chinese name keeps to one line (cut with … after ``width`` cells)."""
    name = indicator.name_zh if lang == "zh" else indicator.name_en
    prefix = f"{indicator.id} "
    if lang == "zh":
        # Chinese glyphs are taller than Latin ones: two lines of them would touch the next
        # row, so a Chinese name keeps one line, cut with … where it is too long.
        text = prefix + name
        if cell_len(text) > width:
            while cell_len(text) > width - 2:
                text = text[:-1]
            text += "…"
        return text
    lines = wrap_name(prefix + name, width).split("\n")
    if len(lines) > 1 and lines[0] == str(indicator.id):
        # The name is one run that fits a line but not beside its id: break it between
        # characters, as evenly as two lines allow, so the id starts it.
        head = name[: max(1, -(-len(name) // 2))]
        while cell_len(prefix + head) > width:
            head = head[:-1]
        lines = [prefix + head, *wrap_name(name[len(head) :], width).split("\n")]
    if len(lines) > 2:
        second = " ".join(lines[1:])
        while cell_len(second) > width - 1:
            second = second[:-1]
        lines = [lines[0], second.rstrip() + "…"]
    return "\n".join(lines)


def _indicator_chart(
    projection: Projection,
    i: int,
    indicator: Indicator,
    observed: np.ndarray | None,
    style: _Style,
    bands: Bands,
) -> Chart:
    """Each scenario's path (base on top), observations as points, targets as stars (or
    the averaged rate as a dashed segment), simulated bands where given, the projected
    years shaded; every label in the legend under the plot, none on the data."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    lang, clean, names = style.lang, style.clean, projection.scenario_names
    years = projection.years.astype(float)
    figure, body, (axes,) = _figure(*INDICATOR_SIZE, style)
    lead = lead_scenario(names)
    drawn: dict[int, Any] = {}
    for s in drawing_order(names):
        scenario, colour = names[s], style.colours[names[s]]
        band = bands.get((scenario, indicator.key))
        if band is not None:
            _draw_band(axes, band, colour, filled=scenario == lead)
        path = projection.paths[s, i]
        if np.isfinite(path).any():
            on_top = scenario == BASE
            (drawn[s],) = axes.plot(
                years,
                path,
                color=colour,
                lw=2.4 if on_top else 1.6,
                zorder=4 if on_top else 3,
                label=style.scenario(scenario),
            )
    handles = [drawn[s] for s in sorted(drawn)]  # the legend in the order of --scenario
    if observed is not None and np.isfinite(observed[i]).any():
        mask = np.isfinite(observed[i])
        handles.append(
            axes.scatter(
                years[mask],
                observed[i][mask],
                s=22,
                color="black",
                zorder=5,
                label=label("observed", lang),
            )
        )
    handles += _draw_targets(axes, projection, i, indicator, lang)
    if any(band is not None for band in (bands.get((n, indicator.key)) for n in names)):
        handles += _band_handles(style.colours, lead, lang, clean)
    if drawn:
        handles.append(_mark_data_end(axes, data_end(projection, indicator), years[-1] + 0.9, lang))
    else:
        axes.text(
            0.5, 0.5, label("no_path", lang), transform=axes.transAxes, ha="center", color="grey"
        )
    name = indicator.name_zh if lang == "zh" else indicator.name_en
    title = clean(f"{indicator.id} {name} ({unit_text(indicator, lang)})")
    axes.set_title(wrap_name(title, 84), loc="left", fontsize=10)
    axes.set_xlim(years[0] - 0.5, years[-1] + 0.9)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(_tick))
    axes.margins(y=0.08)
    axes.grid(alpha=0.3)
    if indicator.kind is Kind.RANK:
        axes.invert_yaxis()
        axes.set_ylabel(label("lower_is_better", lang), fontsize=8)
    else:
        axes.set_ylabel(clean(unit_text(indicator, lang)), fontsize=8)
    if handles:
        _legend(body, handles, [str(h.get_label()) for h in handles], min(4, len(handles)))
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


def _mark_data_end(axes: Axes, year: int, right: float, lang: Lang) -> Any:
    """A dotted line where the data end and a light shade over the projected years;
    returns the shade, whose legend entry says so (no text on the plot)."""
    shade = axes.axvspan(
        year,
        right,
        color=PROJECTED_SHADE,
        lw=0,
        zorder=0,
        label=label("data_to", lang).format(year=year),
    )
    axes.axvline(year, color="#7F8C99", lw=0.9, ls=":", zorder=1)
    return shade


def _tick(value: float, _position: object) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def _draw_band(axes: Axes, band: BandArrays, colour: str, filled: bool) -> None:
    """The 5–95 % band as a dashed outline, so bands of several scenarios all stay visible;
    the 25–75 % band filled lightly for one scenario only (``lead_scenario``)."""
    years, p5, p25, _, p75, p95 = (np.asarray(part, dtype=float) for part in band)
    for edge in (p5, p95):
        axes.plot(years, edge, color=colour, lw=0.9, ls=(0, (4, 2)), alpha=0.9, zorder=2)
    if filled:
        axes.fill_between(years, p25, p75, color=colour, alpha=0.18, lw=0, zorder=1)


def _band_handles(
    colours: Mapping[str, str], lead: str, lang: Lang, clean: Callable[[str], str]
) -> list[Any]:
    """Legend entries of the bands, in grey: a dashed line (5–95 %), a patch (25–75 %)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    shown = clean(scenario_label(lead, lang))
    return [
        Line2D([], [], color="#555555", lw=0.9, ls=(0, (4, 2)), label="5–95%"),
        Patch(
            color=colours[lead], alpha=0.18, label=label("band_inner", lang).format(scenario=shown)
        ),
    ]


def _draw_targets(
    axes: Axes, projection: Projection, i: int, indicator: Indicator, lang: Lang
) -> list[Any]:
    """Stars at the milestones; a growth-rate target is an average over its period, so
    it is drawn as a dashed level across that period. Their values go into the legend
    entry ("Target 2025 ≥ 10,000 · 2035 ≥ 20,000"), not onto the plot."""
    from matplotlib.lines import Line2D

    milestones = projection.catalog.milestones
    given = []
    for m, milestone in enumerate(milestones):
        target = indicator.targets[milestone]
        if target.value is None:
            continue
        given.append(f"{milestone} {target_text(indicator, milestone)}")
        if indicator.kind is Kind.GROWTH_RATE:
            start = max(indicator.base_year, milestones[m - 1] if m else indicator.base_year)
            axes.hlines(target.value, start + 1, milestone, colors=TARGET_COLOUR, linestyles="--")
        else:
            axes.scatter(milestone, target.value, marker="*", s=120, color=TARGET_COLOUR, zorder=6)
        if target.op is Op.ABOUT and indicator.tolerance:
            axes.errorbar(
                milestone, target.value, yerr=indicator.tolerance, color=TARGET_COLOUR, capsize=3
            )
    if not given:
        return []
    growth = indicator.kind is Kind.GROWTH_RATE
    entry = f"{label('target', lang)} {' · '.join(given)}"
    return [
        Line2D(
            [],
            [],
            color=TARGET_COLOUR,
            ls="--" if growth else "",
            marker="" if growth else "*",
            markersize=10,
            label=entry,
        )
    ]


def _assessable_rows(projection: Projection) -> list[int]:
    required = projection.assessment.required_cagr
    return [i for i in range(required.shape[1]) if np.isfinite(required[:, i, :]).any()]


def _growth_chart(projection: Projection, style: _Style) -> Chart:
    """Per milestone, the rate each target needs (a bar) beside each scenario's rate (dots,
    base on top)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    lang, clean = style.lang, style.clean
    catalog, result = projection.catalog, projection.assessment
    scenarios = projection.scenario_names
    rows = _assessable_rows(projection)
    positions = np.arange(len(rows))
    milestones = catalog.milestones
    figure, body, panels = _figure(
        OVERVIEW_WIDTH, overview_height(len(rows)), style, len(milestones)
    )
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
        for s in drawing_order(scenarios):
            axes.scatter(
                rates[s],
                positions,
                s=30 if scenarios[s] == BASE else 22,
                color=style.colours[scenarios[s]],
                zorder=6 if scenarios[s] == BASE else 5,
                label=style.scenario(scenarios[s]),
            )
        axes.axvline(0, color="grey", lw=0.8)
        axes.set_title(label("milestone_targets", lang).format(milestone=milestone), fontsize=10)
        # Steps of 1, 2 or 5 (never 2.5), each tick with the decimals it needs.
        axes.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value + 0.0:.6g}%"))
        axes.set_xlabel(label("growth_from_base", lang), fontsize=8)
        axes.grid(axis="x", alpha=0.3)
    panels[0].set_yticks(
        positions,
        [
            _lines(clean, row_label(catalog.indicators[i], lang, 42 if lang == "zh" else 40))
            for i in rows
        ],
        fontsize=8,
        linespacing=0.95,
    )
    panels[0].set_ylim(len(rows) - 0.5, -0.5)
    handles, names = panels[0].get_legend_handles_labels()
    drawn = drawing_order(scenarios)  # the legend in the order of --scenario
    order = [0, *(1 + drawn.index(s) for s in range(len(scenarios)))]
    _legend(body, [handles[k] for k in order], [names[k] for k in order], len(names))
    title = label("growth_title", lang)
    body.suptitle(title, fontsize=11)
    return _encode(figure, "growth_required_vs_scenario", title)


def _heatmap_chart(projection: Projection, style: _Style) -> Chart:
    """Indicators down, scenario x milestone across; colour is the status, text the gap."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    lang, clean = style.lang, style.clean
    catalog, result = projection.catalog, projection.assessment
    scenarios, milestones = projection.scenario_names, catalog.milestones
    statuses = result.outcome.transpose(1, 0, 2).reshape(len(catalog), -1)
    gaps = result.gap_rel.transpose(1, 0, 2).reshape(len(catalog), -1)
    figure, body, (axes,) = _figure(OVERVIEW_WIDTH, overview_height(len(catalog)), style)
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
        # Inside its cell, so it cannot move the layout: left out of it, it is not measured.
        axes.text(
            column, row, text, ha="center", va="center", fontsize=7, color=colour, in_layout=False
        )
    domains = [indicator.domain_en for indicator in catalog.indicators]
    for row in range(1, len(domains)):
        if domains[row] != domains[row - 1]:
            axes.axhline(row - 0.5, color="white", lw=2.5)
    axes.set_yticks(
        range(len(catalog)),
        [_lines(clean, row_label(ind, lang, 44)) for ind in catalog.indicators],
        linespacing=0.95,
        fontsize=8,
    )
    axes.set_xticks(
        range(statuses.shape[1]),
        [f"{clean(scenario_label(s, lang))}\n{m}" for s in scenarios for m in milestones],
        fontsize=8,
    )
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    handles = [
        Patch(color=STATUS_COLOURS[name], label=status_label(name, lang)) for name in OUTCOMES
    ]
    _legend(body, handles, [str(h.get_label()) for h in handles], len(handles))
    title = label("heatmap_title", lang)
    body.suptitle(title, fontsize=11)
    return _encode(figure, "status_heatmap", title)
