"""Charts of a projection: one per indicator, required vs. scenario growth, a status heatmap.

Each chart type has a fixed layout: this module places every line, marker and word
itself, from measured text (``plotting``), on a ``scene.Scene``, which writes the SVG
(text as glyph outlines) and paints the PNG at twice the size from the same shapes. No
matplotlib figure, so no layout engine and no artists: about 25 ms a chart (half of it
compressing the PNG, on a second thread), where a figure took a third of a second.
Sizes are pixels at 1x; the HTML lays each chart out at that size, and a test checks
it. The report writes files only once everything has rendered, so a failure leaves
nothing behind. matplotlib's font layer loads inside the functions: the CLI must start
fast.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.cells import cell_len

from nscc_proj.analysis.standing import period_start
from nscc_proj.core.assess import OUTCOMES
from nscc_proj.inputs.catalog import Indicator, Kind, Op
from nscc_proj.present.fonts import MISSING_FONT_WARNING, chart_families, cjk_font, strip_cjk
from nscc_proj.present.labels import (
    STATUS_COLOURS,
    Lang,
    label,
    scenario_label,
    source_text,
    status_label,
)
from nscc_proj.present.plotting import (
    ASCENT,
    MIDDLE,
    TICK_LENGTH,
    Axes,
    Key,
    Legend,
    block_height,
    fit,
    fit_lines,
    nice_ticks,
    padded,
    star,
    text_block,
)
from nscc_proj.present.scene import Box, Face, Raster, Scene, face
from nscc_proj.present.wording import (
    indicator_name,
    motion_from,
    rate_left,
    target_text,
    unit_text,
    wrap_name,
)

if TYPE_CHECKING:
    from nscc_proj.analysis.projection import Projection
    from nscc_proj.table import Table

# PNGs are drawn at twice their size on the page, sharp on a high-density screen and on paper.
PNG_SCALE = 2
INDICATOR_SIZE = (640, 400)
# The least height of an indicator chart's plot, in pixels: a chart with a taller legend
# is drawn taller.
MIN_PLOT_HEIGHT = 160.0
OVERVIEW_WIDTH = 960
# A scenario keeps its colour from chart to chart and run to run, whatever the order of
# --scenario: the shipped ones have theirs (Okabe-Ito, colour-blind safe); any other name
# takes the next free colour of OTHER_COLOURS in the order of the names.
BASE = "base"
SCENARIO_COLOURS = {BASE: "#0072B2", "high": "#009E73", "low": "#E69F00", "shock": "#CC79A7"}
OTHER_COLOURS = ("#56B4E9", "#D55E00", "#7F3C8D", "#8C6D31", "#000000", "#999999")
TARGET_COLOUR = "#C0392B"
PROJECTED_SHADE = "#EEF1F4"
DATA_END_COLOUR = "#7F8C99"
RANGE_COLOUR = "#BBBBBB"
ZERO_COLOUR = "#808080"
NOTE_COLOUR = "#808080"
FOOTER_COLOUR = "#5F6B7A"
BAND_KEY_COLOUR = "#555555"
_DARK_STATUSES = ("met", "moving_away")
# The layout, in pixels at 1x: the outer margin, the strip at the bottom holding the footer,
# and the text sizes (pixels per em).
MARGIN = 10.0
FOOTER_HEIGHT = 16.0
TITLE_SIZE = 14.0
SUPTITLE_SIZE = 15.0
PANEL_TITLE_SIZE = 13.0
TICK_SIZE = 12.0
LABEL_SIZE = 11.0
ROW_SIZE = 11.0
LEGEND_SIZE = 10.5
CELL_SIZE = 9.5
FOOTER_SIZE = 9.0
SMALLEST_SIZE = 7.0
# Line widths and marker sizes, in pixels at 1x.
PATH_WIDTH, BASE_PATH_WIDTH = 2.2, 3.3
BAND_WIDTH, BAND_DASH, BAND_OPACITY, BAND_FILL = 1.25, (5.0, 2.5), 0.9, 0.18
TARGET_WIDTH, TARGET_DASH, STAR_RADIUS, CAP_HALF = 2.1, (7.7, 3.3), 7.6, 4.2
DOT_RADIUS, BASE_DOT_RADIUS, OBSERVED_RADIUS = 3.25, 3.8, 3.3
REQUIRED_WIDTH, REQUIRED_HALF = 2.8, 8.0

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


def growth_height(rows: int, units: int) -> int:
    """Pixel height of the growth chart: as the heatmap's, but at least room for each row
    (a name on two lines) and for each unit's panel (its tick labels, a gap)."""
    return max(overview_height(rows), 150 + 30 * units + 22 * rows)


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
    for; a line break included) become spaces. Text is drawn as it is written: a "$" is a
    dollar sign, never the start of TeX math."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


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
    ``workers`` is how many threads work: one draws, any others compress the PNGs
    meanwhile (``chart_workers`` says how many pay); the charts are the same bytes
    however many work.
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
        chart_families(lang, font),
    )
    drawn = _draw(drawing, chart_count(projection), workers - 1, progress)
    missing = sorted(set().union(*(chars for _, chars in drawn)))
    # Without a CJK font that is said once already; else one line, not one per glyph.
    if missing and font is not None:
        chars = ", ".join(f"U+{ord(char):04X}" for char in missing[:5])
        chars += ", …" if len(missing) > 5 else ""
        notes.append(label("glyph_note", lang).format(count=len(missing), chars=chars))
    return [chart for chart, _ in drawn], notes


def chart_workers(count: int) -> int:
    """Threads to make ``count`` charts: one draws (drawing holds Python's GIL) and, on a
    second core, one compresses each PNG while the next chart is drawn (zlib lets go of
    the GIL); a chart takes about as long to compress as to draw, so one is enough."""
    from nscc_proj.machine import usable_cores

    return 2 if usable_cores() > 1 and count > 1 else 1


def _draw(
    drawing: _Drawing, count: int, encoders: int, progress: Callable[[], None] | None
) -> list[tuple[Chart, frozenset[str]]]:
    """Charts 0 to ``count`` - 1, drawn here, each PNG compressed here (``encoders`` 0) or
    on that many threads while the next charts are drawn."""
    from concurrent.futures import Future, ThreadPoolExecutor

    if encoders < 1:
        made = []
        for number in range(count):
            drawn = drawing.chart(number)
            made.append((drawn.chart(drawn.png()), drawn.missing))
            if progress is not None:
                progress()
        return made
    pending: list[tuple[_Drawn, Future[bytes]]] = []
    with ThreadPoolExecutor(encoders) as encoder:
        for number in range(count):
            drawn = drawing.chart(number)
            # Only the encoder's task holds the raster: it is let go once its PNG is made
            # (kept with the chart, every raster stayed in memory to the end: 150 MB).
            pending.append((replace(drawn, raster=None), encoder.submit(drawn.png)))
            del drawn
            if progress is not None:
                progress()
        return [(drawn.chart(png.result()), drawn.missing) for drawn, png in pending]


def chart_count(projection: Projection) -> int:
    """How many charts ``render_charts`` draws (for a progress bar)."""
    return 2 + len(projection.catalog.indicators)


def _latin_text(text: str) -> str:
    """``chart_text`` for charts drawn without a CJK font: without CJK characters."""
    return strip_cjk(chart_text(text))


@dataclass(frozen=True)
class _Drawn:
    """A chart drawn, its PNG not yet compressed, and the characters of its text that no
    font of the chart has."""

    name: str
    title: str
    raster: Raster | None  # None once handed to the encoder
    svg: bytes
    width: int
    height: int
    key: str | None
    missing: frozenset[str]

    def png(self) -> bytes:
        if self.raster is None:
            raise ValueError(f"{self.name}: its raster was let go")
        return self.raster.png()

    def chart(self, png: bytes) -> Chart:
        return Chart(self.name, self.title, png, self.svg, self.width, self.height, self.key)


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
        return self.clean(scenario_label(name, self.lang))


@dataclass(frozen=True)
class _Drawing:
    """Everything needed to draw any chart of one report by its number (0 the growth chart,
    1 the heatmap, then the indicators)."""

    projection: Projection
    bands: Bands
    observed: np.ndarray | None
    style: _Style
    families: tuple[str, ...]

    def chart(self, number: int) -> _Drawn:
        projection, style, typeface = self.projection, self.style, face(self.families)
        if number == 0:
            return _growth_chart(projection, style, typeface)
        if number == 1:
            return _heatmap_chart(projection, style, typeface)
        i = number - 2
        indicator = projection.catalog.indicators[i]
        return _indicator_chart(
            projection, i, indicator, self.observed, style, self.bands, typeface
        )


def _finish(scene: Scene, style: _Style, name: str, title: str, key: str | None = None) -> _Drawn:
    """The footer in its strip at the bottom (smaller, or cut, where it is too long for
    the width: a file name can be any length), then the chart's PNG and SVG."""
    footer, size = fit(scene.face, style.footer, FOOTER_SIZE, scene.width - 2 * MARGIN, 6.5)
    baseline = scene.height - 6  # its descenders 3 pixels above the edge
    scene.text(MARGIN, baseline, footer, size, colour=FOOTER_COLOUR)
    raster, svg = scene.paint(PNG_SCALE), scene.svg(name)
    return _Drawn(
        name, title, raster, svg, scene.width, scene.height, key, frozenset(scene.missing)
    )


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
            text = _within_cells(text, width - 2) + "…"
        return text
    lines = wrap_name(prefix + name, width).split("\n")
    if len(lines) > 1 and lines[0] == str(indicator.id):
        # The name is one run that fits a line but not beside its id: break it between
        # characters, as evenly as two lines allow, so the id starts it.
        head = _within_cells(name[: max(1, -(-len(name) // 2))], width - cell_len(prefix))
        lines = [prefix + head, *wrap_name(name[len(head) :], width).split("\n")]
    if len(lines) > 2:
        second = _within_cells(" ".join(lines[1:]), width - 1)
        lines = [lines[0], second.rstrip() + "…"]
    return "\n".join(lines)


def _within_cells(text: str, cells: int) -> str:
    """The longest start of ``text`` at most ``cells`` terminal cells wide, in one pass (a
    name can be thousands of characters)."""
    taken = 0
    for i, char in enumerate(text):
        taken += cell_len(char)
        if taken > cells:
            return text[:i]
    return text


@dataclass(frozen=True)
class _Target:
    """A target as drawn: a star at (milestone, value), or for a growth-rate target a
    dashed level from ``start`` to the milestone; ``tolerance`` for a "~" target."""

    milestone: int
    start: int
    value: float
    tolerance: float | None


def _targets(projection: Projection, indicator: Indicator) -> list[_Target]:
    milestones = projection.catalog.milestones
    found = []
    for m, milestone in enumerate(milestones):
        target = indicator.targets[milestone]
        if target.value is None:
            continue
        start = max(indicator.base_year, milestones[m - 1] if m else indicator.base_year) + 1
        tolerance = indicator.tolerance if target.op is Op.ABOUT and indicator.tolerance else None
        found.append(_Target(milestone, start, target.value, tolerance))
    return found


def _indicator_chart(
    projection: Projection,
    i: int,
    indicator: Indicator,
    observed: np.ndarray | None,
    style: _Style,
    bands: Bands,
    typeface: Face,
) -> _Drawn:
    """Each scenario's path (base on top), observations as points, targets as stars (or
    the averaged rate as a dashed segment), simulated bands where given, the projected
    years shaded; every label in the legend under the plot, none on the data."""
    lang, names = style.lang, projection.scenario_names
    width, height = INDICATOR_SIZE
    years = projection.years.astype(float)
    lead = lead_scenario(names)
    order = drawing_order(names)
    paths = {s: projection.paths[s, i] for s in order if np.isfinite(projection.paths[s, i]).any()}
    fans = {
        s: tuple(np.asarray(part, dtype=float) for part in band)
        for s in order
        if (band := bands.get((names[s], indicator.key))) is not None
    }
    seen = None if observed is None or not np.isfinite(observed[i]).any() else observed[i]
    targets = _targets(projection, indicator)
    growth = indicator.kind is Kind.GROWTH_RATE

    under_base = _under_base(names, paths)
    entries = [
        (
            Key("line", style.colours[names[s]], _path_width(names[s])),
            label("same_as_base", lang).format(
                scenario=style.scenario(names[s]), base=style.scenario(BASE)
            )
            if s in under_base
            else style.scenario(names[s]),
        )
        for s in sorted(paths)  # the legend in the order of --scenario
    ]
    if seen is not None:
        entries.append((Key("dot", "#000000", OBSERVED_RADIUS), label("observed", lang)))
    if targets:
        given = " · ".join(f"{t.milestone} {target_text(indicator, t.milestone)}" for t in targets)
        key = (
            Key("line", TARGET_COLOUR, TARGET_WIDTH, TARGET_DASH)
            if growth
            else Key("star", TARGET_COLOUR, 7.0)
        )
        entries.append((key, f"{label('target', lang)} {given}"))
    # A band's keys only where it draws something: an all-NaN band draws nothing.
    if any(np.isfinite(edge).any() for fan in fans.values() for edge in (fan[1], fan[5])):
        entries.append((Key("line", BAND_KEY_COLOUR, BAND_WIDTH, BAND_DASH), "5–95%"))
    if any(
        names[s] == lead and (np.isfinite(fan[2]) & np.isfinite(fan[4])).any()
        for s, fan in fans.items()
    ):
        shown = style.clean(scenario_label(lead, lang))
        inner = label("band_inner", lang).format(scenario=shown)
        entries.append((Key("patch", style.colours[lead], opacity=BAND_FILL), inner))
    end = data_end(projection, indicator)
    if paths:
        entries.append((Key("patch", PROJECTED_SHADE), label("data_to", lang).format(year=end)))

    values = [*paths.values()]
    values += [part for fan in fans.values() for part in fan[1:]]
    values += [] if seen is None else [seen]
    values += [
        np.array([t.value - (t.tolerance or 0), t.value + (t.tolerance or 0)]) for t in targets
    ]
    finite = np.concatenate([np.ravel(v) for v in values]) if values else np.array([])
    finite = finite[np.isfinite(finite)]
    low, high = (
        padded(float(finite.min()), float(finite.max()), 0.08) if finite.size else (0.0, 1.0)
    )
    ylim = (high, low) if indicator.kind is Kind.RANK else (low, high)
    xlim = (years[0] - 0.5, years[-1] + 0.9)

    # Top down: title, plot, x tick labels, legend, footer. The plot's left edge leaves room
    # for the y tick labels, whose number depends on the plot's height, which depends on
    # the lines the title wraps to at the width left of the plot's left edge: settled in a
    # few rounds, the left edge only ever moving right.
    legend = Legend.lay_out(typeface, entries, LEGEND_SIZE, width - 2 * MARGIN, 4)
    # The plot keeps MIN_PLOT_HEIGHT whatever the legend takes (many scenarios): the chart
    # grows taller, measured against the tallest title (three lines).
    below = FOOTER_HEIGHT + 4 + legend.height + 8 + TICK_LENGTH + 3 + block_height(1, TICK_SIZE)
    above = MARGIN + block_height(3, TITLE_SIZE) + 8 + block_height(1, LABEL_SIZE) + 5
    height = max(height, math.ceil(above + MIN_PLOT_HEIGHT + below))
    legend_top = height - FOOTER_HEIGHT - 4 - legend.height
    bottom = legend_top - 8 - (TICK_LENGTH + 3 + block_height(1, TICK_SIZE))
    # The y axis's unit reads across, over the tick labels at the plot's top left: a unit of
    # one Chinese character (个, 家) turned on its side reads as an arrow.
    axis_label = (
        label("rank_axis", lang) if indicator.kind is Kind.RANK else unit_text(indicator, lang)
    )
    unit_line, unit_size = fit(
        typeface, style.clean(axis_label), LABEL_SIZE, width - 2 * MARGIN, SMALLEST_SIZE
    )
    unit_height = block_height(1, LABEL_SIZE) + 5
    title = style.clean(f"{indicator.id} {indicator_name(indicator, lang)}")
    left = MARGIN
    for _ in range(4):
        lines, title_size = fit_lines(typeface, title, TITLE_SIZE, width - left - MARGIN, 3, 11.0)
        unit_top = MARGIN + block_height(len(lines), title_size) + 8
        top = unit_top + unit_height
        yticks = nice_ticks(low, high, max(3, int((bottom - top) // 28)))
        widest = max((typeface.width(_tick(t), TICK_SIZE) for t in yticks), default=0.0)
        needed = MARGIN + widest + TICK_LENGTH + 3
        if needed <= left:
            break
        left = needed
    else:  # still moving after four rounds (it never has): the title fits the last edge
        lines, title_size = fit_lines(typeface, title, TITLE_SIZE, width - left - MARGIN, 3, 11.0)
        unit_top = MARGIN + block_height(len(lines), title_size) + 8
        top = unit_top + unit_height
    box = Box(left, top, width - left - MARGIN - 4, bottom - top)
    axes = Axes(box, xlim, ylim)
    xticks = nice_ticks(
        math.ceil(xlim[0]), math.floor(xlim[1]), max(2, int(box.w // 62)), integer=True
    )

    scene = Scene(width, height, typeface)
    text_block(scene, box.x, MARGIN, lines, title_size)
    with scene.clipped(box):
        end_x = float(axes.x(end))
        if paths:
            scene.rect(Box(end_x, box.y, box.right - end_x, box.h), PROJECTED_SHADE)
        axes.grid(scene, xticks, yticks)
        if paths:
            scene.line(
                [(end_x, box.y), (end_x, box.bottom)], DATA_END_COLOUR, 1.25, dash=(1.25, 2.1)
            )
        for fan_years, _, p25, _, p75, _ in (fans[s] for s in fans if names[s] == lead):
            inner = np.isfinite(p25) & np.isfinite(p75)
            outline = np.vstack(
                [
                    axes.points(fan_years[inner], p25[inner]),
                    axes.points(fan_years[inner], p75[inner])[::-1],
                ]
            )
            scene.polygon(outline, style.colours[lead], opacity=BAND_FILL)
        for s, (fan_years, p5, _, _, _, p95) in fans.items():
            for edge in (p5, p95):
                scene.line(
                    axes.points(fan_years, edge),
                    style.colours[names[s]],
                    BAND_WIDTH,
                    dash=BAND_DASH,
                    opacity=BAND_OPACITY,
                )
        for s, path in paths.items():
            scene.line(axes.points(years, path), style.colours[names[s]], _path_width(names[s]))
        if seen is not None:
            mask = np.isfinite(seen)
            for x, y in axes.points(years[mask], seen[mask]):
                scene.circle(x, y, OBSERVED_RADIUS, "#000000")
        for target in targets:
            x, y = (float(v) for v in axes.points([target.milestone], [target.value])[0])
            if growth:
                level = axes.points([target.start, target.milestone], [target.value] * 2)
                scene.line(level, TARGET_COLOUR, TARGET_WIDTH, dash=TARGET_DASH)
            else:
                scene.polygon(star(x, y, STAR_RADIUS), TARGET_COLOUR)
            if target.tolerance is not None:
                ends = axes.y([target.value - target.tolerance, target.value + target.tolerance])
                scene.line([(x, ends[0]), (x, ends[1])], TARGET_COLOUR, TARGET_WIDTH)
                for y_end in ends:
                    scene.line([(x - CAP_HALF, y_end), (x + CAP_HALF, y_end)], TARGET_COLOUR, 1.4)
    axes.frame(scene, [(t, f"{t:.0f}") for t in xticks], [(t, _tick(t)) for t in yticks], TICK_SIZE)
    text_block(scene, MARGIN, unit_top, [unit_line], unit_size)
    if not paths:
        # On white, over the grid lines: the one text on the plot.
        _note(
            scene,
            label("no_path", lang),
            (box.x + box.w / 2, box.y + box.h / 2),
            box.w - 24,
            (TICK_SIZE, SMALLEST_SIZE),
            backed=True,
        )
    legend.draw(scene, width / 2, legend_top)
    return _finish(scene, style, chart_name(indicator), title, indicator.key)


def _under_base(names: Sequence[str], paths: Mapping[int, np.ndarray]) -> set[int]:
    """The scenarios whose path is base's in every year (to rounding): drawn under base's,
    they cannot be seen, and the legend says why."""
    if BASE not in names or names.index(BASE) not in paths:
        return set()
    base = paths[names.index(BASE)]
    return {
        s
        for s, path in paths.items()
        if names[s] != BASE and np.allclose(path, base, rtol=1e-9, atol=0.0, equal_nan=True)
    }


def _path_width(scenario: str) -> float:
    """Base's path is drawn thicker, on top of the others."""
    return BASE_PATH_WIDTH if scenario == BASE else PATH_WIDTH


def _tick(value: float) -> str:
    """A y tick label: thousands separated, whole numbers from 100 up."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value + 0.0:,.4g}"


def _note(
    scene: Scene,
    words: str,
    centre: tuple[float, float],
    room: float,
    sizes: tuple[float, float],
    *,
    backed: bool = False,
) -> None:
    """Grey words centred on ``centre`` within ``room`` pixels, at the first of ``sizes``
    or shrunk as far as the second: the notes on a plot ("no path", "observed");
    ``backed`` on a white box, over the grid lines."""
    shown, size = fit(scene.face, words, sizes[0], room, sizes[1])
    x, middle = centre
    if backed:
        wide = scene.face.width(shown, size) + 16
        scene.rect(Box(x - wide / 2, middle - size, wide, 2 * size), "#ffffff")
    scene.text(x, middle + MIDDLE * size, shown, size, colour=NOTE_COLOUR, anchor="middle")


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


# Need units drawn on one axis: a growth-rate target's rate for the years left is a % a
# year as a level's growth is; points and places each have their own axis.
GROWTH_GROUPS = {"rate": "rate", "rate_remaining": "rate", "points": "points", "places": "places"}
GROUP_GAP = 10.0  # between the panels of two units, under the first's tick labels
NEED_MET_COLOUR = "#8C8C8C"
SETTLED_SIZE = 8.5


@dataclass(frozen=True)
class GrowthRow:
    """One indicator of the growth chart: per milestone the need a year from the latest
    value and each scenario's own motion from the same value (the report's table "Need/yr
    from now"), in the unit of the need and counted in the good direction: an indicator
    where lower is better is mirrored (``sign`` -1), so right of the need is on track on
    every row. A rate is a fraction (the chart shows it in %)."""

    index: int  # the indicator's position in the catalog
    group: str  # "rate" (% a year), "points" or "places": the axis it is drawn on
    sign: int  # +1, or -1 for an indicator where lower is better (drawn mirrored)
    need: np.ndarray  # (M,) NaN where the target needs nothing from now (or has no target)
    need_met: np.ndarray  # (M,) bool: met on the data; the need is the most it may lose
    paces: np.ndarray  # (S, M)
    settled: np.ndarray  # (M,) bool: the milestone's value is observed: nothing left to need


def growth_rows(projection: Projection) -> list[GrowthRow]:
    """The growth chart's rows: every indicator with a need from now at some milestone, the
    rates first, then points, then places (each unit its own axis), in the table's order."""
    catalog, standing = projection.catalog, projection.standing
    projected = projection.assessment.projected  # (S, I, M)
    found = []
    for i, indicator in enumerate(catalog.indicators):
        need = standing.need[i]
        if not np.isfinite(need).any():
            continue
        unit = standing.need_unit[i]
        paces = np.full((len(projection.scenario_names), len(catalog.milestones)), np.nan)
        for m, milestone in enumerate(catalog.milestones):
            if math.isnan(need[m]):
                continue
            latest = float(standing.latest_value[i, m])
            year = int(standing.latest_year[i, m])
            for s in range(paces.shape[0]):
                value = float(projected[s, i, m])
                if unit == "rate_remaining":
                    start = period_start(catalog, i, m)
                    paces[s, m] = rate_left(value, milestone - start, year - start, latest)
                else:
                    paces[s, m] = motion_from(unit, latest, value, milestone - year)
        sign = indicator.direction.sign
        found.append(
            GrowthRow(
                i,
                GROWTH_GROUPS[unit],
                sign,
                sign * need,
                standing.met_on_data[i] & np.isfinite(need),
                sign * paces,
                standing.observed_at_milestone[i].copy(),
            )
        )
    order = list(dict.fromkeys(GROWTH_GROUPS.values()))
    return sorted(found, key=lambda row: order.index(row.group))


def _growth_scale(group: str) -> float:
    """A rate is drawn in %, points and places as they are."""
    return 100.0 if group == "rate" else 1.0


def _growth_tick(group: str, value: float) -> str:
    text = f"{value + 0.0:.6g}"
    return f"{text}%" if group == "rate" else text


def _row_labels(
    typeface: Face, labels: Sequence[str], size: float, widest: float
) -> tuple[list[list[str]], float]:
    """Row labels as lines, and the width they take: each line within ``widest`` (smaller,
    or cut, if one is not)."""
    rows = [
        [fit(typeface, line, size, widest, SMALLEST_SIZE)[0] for line in text.split("\n")]
        for text in labels
    ]
    taken = max((typeface.width(line, size) for row in rows for line in row), default=0.0)
    return rows, min(taken, widest)


def _draw_row_label(
    scene: Scene, x: float, centre: float, lines: Sequence[str], size: float
) -> None:
    """A row's label right-aligned at ``x``, its lines centred on the row (set closer than
    text in a paragraph: a row is 26 pixels high and holds two)."""
    spacing = 1.05 * size
    first = centre - spacing * (len(lines) - 1) / 2 + MIDDLE * size
    for k, line in enumerate(lines):
        shown, shrunk = fit(scene.face, line, size, x - MARGIN, SMALLEST_SIZE)
        scene.text(x, first + k * spacing, shown, shrunk, anchor="end")


def _growth_chart(projection: Projection, style: _Style, typeface: Face) -> _Drawn:
    """The table "Need/yr from now" drawn: per milestone, what each target needs a year
    from its latest value (a bar) beside each scenario's own motion from the same value
    (dots, base on top), in the good direction (so right of the bar is on track on every
    row), on one axis per unit (% a year, points, places): the table and the chart read
    the same numbers."""
    lang, clean = style.lang, style.clean
    catalog = projection.catalog
    scenarios = projection.scenario_names
    rows = growth_rows(projection)
    groups = list(dict.fromkeys(row.group for row in rows))
    milestones = catalog.milestones
    width, height = OVERVIEW_WIDTH, growth_height(len(rows), len(groups))
    scene = Scene(width, height, typeface)
    entries = [(Key("bar", "#000000", REQUIRED_WIDTH), label("required_marker", lang))]
    if any(row.need_met.any() for row in rows):
        entries.append(
            (Key("bar", NEED_MET_COLOUR, REQUIRED_WIDTH), label("need_met_marker", lang))
        )
    entries += [
        (Key("dot", style.colours[name], _dot_radius(name)), style.scenario(name))
        for name in scenarios
    ]
    legend = Legend.lay_out(typeface, entries, LEGEND_SIZE, width - 2 * MARGIN, len(entries))
    title = label("growth_chart_title", lang).format(as_of=projection.as_of)
    shown_title, title_size = fit(typeface, title, SUPTITLE_SIZE, width - 2 * MARGIN, 11.0)
    panel_top = text_block(scene, width / 2, MARGIN, [shown_title], title_size, anchor="middle") + 8
    top = panel_top + block_height(1, PANEL_TITLE_SIZE) + 6
    legend_top = height - FOOTER_HEIGHT - 4 - legend.height
    note_top = legend_top - 8 - block_height(2, LABEL_SIZE)
    ticks_height = TICK_LENGTH + 3 + block_height(1, TICK_SIZE)
    bottom = note_top - 6
    # Each unit's panel is as high as its rows, its tick labels under it, then a gap.
    taken = len(groups) * ticks_height + GROUP_GAP * max(0, len(groups) - 1)
    pitch = (bottom - top - taken) / max(1, len(rows))
    names = [
        row_label(catalog.indicators[row.index], lang, 42 if lang == "zh" else 40)
        + (" ↓" if row.sign < 0 else "")
        for row in rows
    ]
    most_lines = max((len(name.split("\n")) for name in names), default=1)
    row_size = min(ROW_SIZE, pitch / (1.05 * (most_lines - 1) + 1.1))
    labels, label_width = _row_labels(
        typeface, [_lines(clean, name) for name in names], row_size, 0.4 * width
    )
    left = MARGIN + label_width + 6 + TICK_LENGTH
    gap, right = 30.0, 24.0  # room for the tick labels at the panels' edges
    panel_width = (width - left - right - gap * (len(milestones) - 1)) / len(milestones)
    # The panels of each unit, top down: (group, first row, number of rows, top edge).
    bands = []
    y = top
    for group in groups:
        mine = [r for r, row in enumerate(rows) if row.group == group]
        bands.append((group, mine[0], len(mine), y))
        y += len(mine) * pitch + ticks_height + GROUP_GAP
    first_tick: dict[str, float] = {}  # per unit: where the first panel's tick labels start
    for m, milestone in enumerate(milestones):
        x0 = left + m * (panel_width + gap)
        for group, first, count, band_top in bands:
            start = _growth_panel(
                scene,
                style,
                Box(x0, band_top, panel_width, count * pitch),
                rows[first : first + count],
                scenarios,
                m,
                group,
                show_names=m == 0,
            )
            first_tick.setdefault(group, start)
        heading, size = fit(
            typeface,
            label("milestone_targets", lang).format(milestone=milestone),
            PANEL_TITLE_SIZE,
            panel_width,
            SMALLEST_SIZE,
        )
        text_block(scene, x0 + panel_width / 2, panel_top, [heading], size, anchor="middle")
    for group, first, count, band_top in bands:
        for r in range(count):
            centre = band_top + (r + 0.5) * pitch
            _draw_row_label(scene, left - TICK_LENGTH - 4, centre, labels[first + r], row_size)
        # The unit of the panel's ticks, on their line, left of the first.
        end = min(left - TICK_LENGTH - 4, first_tick[group] - 8)
        unit, size = fit(
            typeface, label(f"growth_group.{group}", lang), LABEL_SIZE, end - MARGIN, SMALLEST_SIZE
        )
        baseline = band_top + count * pitch + TICK_LENGTH + 3 + ASCENT * TICK_SIZE
        scene.text(end, baseline, unit, size, anchor="end")
    notes = [
        label("growth_chart_basis", lang).format(table=label("growth_title", lang)),
        label("growth_chart_direction", lang),
    ]
    size = min(
        fit(typeface, note, LABEL_SIZE, width - 2 * MARGIN, SMALLEST_SIZE)[1] for note in notes
    )
    shown = [fit(typeface, note, size, width - 2 * MARGIN, size)[0] for note in notes]
    text_block(scene, width / 2, note_top, shown, size, anchor="middle")
    legend.draw(scene, width / 2, legend_top)
    return _finish(scene, style, "growth_required_vs_scenario", title)


def _growth_panel(
    scene: Scene,
    style: _Style,
    box: Box,
    rows: Sequence[GrowthRow],
    scenarios: Sequence[str],
    m: int,
    group: str,
    *,
    show_names: bool,
) -> float:
    """One milestone's panel of one unit: per row the range the need and the paces span, the
    need (a bar, grey where it is met on the data) and each scenario's dot; ticks under it.
    Returns where its tick labels start, on the left."""
    scale = _growth_scale(group)
    need = scale * np.array([row.need[m] for row in rows])
    paces = scale * np.array([row.paces[:, m] for row in rows]).T  # (S, R)
    every = np.concatenate([need, paces.ravel(), [0.0]])
    every = every[np.isfinite(every)]
    xlim = padded(float(every.min()), float(every.max()), 0.05)
    axes = Axes(box, xlim, (len(rows), 0))
    xticks = nice_ticks(*xlim, min(7, max(3, int(box.w // 55))))
    axes.grid(scene, xticks, [])
    zero = float(axes.x(0.0))
    scene.line([(zero, box.y), (zero, box.bottom)], ZERO_COLOUR, 1.1)
    with np.errstate(all="ignore"):
        low = np.fmin(np.nanmin(paces, axis=0, initial=np.inf), need)
        high = np.fmax(np.nanmax(paces, axis=0, initial=-np.inf), need)
    order = drawing_order(scenarios)
    for r, row in enumerate(rows):
        y = float(axes.y(r + 0.5))
        if np.isfinite(low[r]) and np.isfinite(high[r]):
            scene.line(axes.points([low[r], high[r]], [r + 0.5] * 2), RANGE_COLOUR, 1.4)
        if np.isfinite(need[r]):
            x = float(axes.x(need[r]))
            colour = NEED_MET_COLOUR if row.need_met[m] else "#000000"
            scene.line([(x, y - REQUIRED_HALF), (x, y + REQUIRED_HALF)], colour, REQUIRED_WIDTH)
        elif row.settled[m]:  # observed at the milestone: the data have settled it
            _note(
                scene,
                label("settled_marker", style.lang),
                (box.x + box.w / 2, y),
                box.w - 8,
                (SETTLED_SIZE, 6.0),
            )
        for s in order:
            if np.isfinite(paces[s, r]):
                name = scenarios[s]
                scene.circle(float(axes.x(paces[s, r])), y, _dot_radius(name), style.colours[name])
    ticks = [(t, _growth_tick(group, t)) for t in xticks]
    axes.frame(scene, ticks, [(r + 0.5, "") for r in range(len(rows)) if show_names], TICK_SIZE)
    return min(
        (float(axes.x(t)) - scene.face.width(text, TICK_SIZE) / 2 for t, text in ticks),
        default=box.x,
    )


def _dot_radius(scenario: str) -> float:
    return BASE_DOT_RADIUS if scenario == BASE else DOT_RADIUS


# A gap this small is a path that lands on its target, up to floating-point rounding.
NIL_GAP = 1e-9


def _gap_text(gap: float) -> str:
    """A cell's relative gap in whole percent; to a tenth where whole percent would read
    "+0%" or "-0%" for a gap that is not nil (a rank of 14.96 against 15: -0.3%), and
    "≈0%" below that; "0%" for a gap of nought up to floating-point rounding."""
    if abs(gap) < NIL_GAP:
        return "0%"
    for text in (f"{gap:+.0%}", f"{gap:+.1%}"):
        if text.strip("+-0.%"):
            return text
    return "≈0%"


def _points_text(gap: float, lang: Lang) -> str:
    """A growth-rate target's gap, in percentage points ("-1.5 pt", "-1.5个百分点"): to a
    tenth, to a hundredth where a tenth would read "+0.0", "≈0" below that."""
    unit = label("need_unit.points", lang)
    if abs(gap) < NIL_GAP:
        return f"0{unit}"
    for text in (f"{gap:+.1f}", f"{gap:+.2f}"):
        if text.strip("+-0."):
            return text + unit
    return f"≈0{unit}"


def heatmap_cell_text(gap: float, gap_rel: float, growth_rate: bool, lang: Lang) -> str:
    """The words in a heatmap cell: the gap as % of the target, or for a growth-rate target
    (whose gap is a difference of rates) in points; "–" only where there is no gap (not
    assessable)."""
    if growth_rate:
        return "–" if math.isnan(gap) else _points_text(gap, lang)
    if not math.isnan(gap_rel):
        return _gap_text(gap_rel)
    # A target of 0 has no relative gap: the gap in the indicator's unit.
    return "–" if math.isnan(gap) else f"{gap + 0.0:+.3g}"


def _column_years(
    typeface: Face, milestones: Sequence[int], room: float
) -> tuple[list[str], float]:
    """The milestones' years as column heads within ``room`` each, all at one size (down to
    ``SMALLEST_SIZE``): in full, else as '35, else none."""
    for years in ([str(m) for m in milestones], [f"’{m % 100:02d}" for m in milestones]):
        widest = max((typeface.width(year, LABEL_SIZE) for year in years), default=0.0)
        size = LABEL_SIZE if widest <= room else LABEL_SIZE * room / widest
        if size >= SMALLEST_SIZE:
            return years, size
    return ["" for _ in milestones], LABEL_SIZE


def _heatmap_chart(projection: Projection, style: _Style, typeface: Face) -> _Drawn:
    """Indicators down, scenario x milestone across; colour is the status, text the gap."""
    lang, clean = style.lang, style.clean
    catalog, result = projection.catalog, projection.assessment
    scenarios, milestones = projection.scenario_names, catalog.milestones
    statuses = result.outcome.transpose(1, 0, 2).reshape(len(catalog), -1)
    gaps = result.gap.transpose(1, 0, 2).reshape(len(catalog), -1)
    relative = result.gap_rel.transpose(1, 0, 2).reshape(len(catalog), -1)
    rates = [indicator.kind is Kind.GROWTH_RATE for indicator in catalog.indicators]
    width, height = OVERVIEW_WIDTH, overview_height(len(catalog))
    scene = Scene(width, height, typeface)
    entries = [(Key("patch", STATUS_COLOURS[name]), status_label(name, lang)) for name in OUTCOMES]
    legend = Legend.lay_out(typeface, entries, LEGEND_SIZE, width - 2 * MARGIN, len(entries))
    title = label("heatmap_title", lang)
    columns_top = text_block(scene, width / 2, MARGIN, [title], SUPTITLE_SIZE, anchor="middle") + 8
    top = columns_top + block_height(2, LABEL_SIZE) + 6
    legend_top = height - FOOTER_HEIGHT - 4 - legend.height
    bottom = legend_top - 10
    labels, taken = _row_labels(
        typeface,
        [_lines(clean, row_label(ind, lang, 44)) for ind in catalog.indicators],
        ROW_SIZE,
        0.42 * width,
    )
    left = MARGIN + taken + 8
    box = Box(left, top, width - left - MARGIN, bottom - top)
    cell_width = box.w / max(1, statuses.shape[1])
    cell_height = box.h / max(1, len(catalog))
    for (row, column), status in np.ndenumerate(statuses):
        name = OUTCOMES[status]
        x, y = box.x + column * cell_width, box.y + row * cell_height
        scene.rect(Box(x, y, cell_width, cell_height), STATUS_COLOURS[name])
        words = heatmap_cell_text(
            float(gaps[row, column]), float(relative[row, column]), rates[row], lang
        )
        words = "–" if name == "not_assessable" else words
        shown, size = fit(typeface, words, CELL_SIZE, cell_width - 4, 5.0)
        if shown != words:  # a value cut ("-2…") reads as another number: left out
            continue
        colour = "#ffffff" if name in _DARK_STATUSES else "#000000"
        scene.text(
            x + cell_width / 2,
            y + cell_height / 2 + MIDDLE * size,
            shown,
            size,
            colour=colour,
            anchor="middle",
        )
    domains = [indicator.domain_en for indicator in catalog.indicators]
    for row in range(1, len(domains)):
        if domains[row] != domains[row - 1]:
            y = box.y + row * cell_height
            scene.line([(box.x, y), (box.right, y)], "#ffffff", 3.5)
    for s in range(1, len(scenarios)):  # and between scenarios
        x = box.x + s * len(milestones) * cell_width
        scene.line([(x, box.y), (x, box.bottom)], "#ffffff", 3.5)
    scene.rect(box, None, stroke="#222222", width=0.9)
    # Each scenario's name once, over its milestones' columns, all at one size (the
    # largest at which every name fits, else cut with …); each column's year under it.
    group = cell_width * len(milestones)
    names = [clean(scenario_label(scenario, lang)) for scenario in scenarios]
    size = min(
        (fit(typeface, name, LABEL_SIZE, group - 8, SMALLEST_SIZE)[1] for name in names),
        default=LABEL_SIZE,
    )
    # The years at one size that fits a column (many scenarios: narrow columns), else as
    # 'NN, else left out: cut or overlapping ("202035"), they read as other numbers.
    years, year_size = _column_years(typeface, milestones, cell_width - 3)
    for s, name in enumerate(names):
        shown, _ = fit(typeface, name, size, group - 8, size)
        text_block(scene, box.x + (s + 0.5) * group, columns_top, [shown], size, anchor="middle")
        for m, year in enumerate(years):
            centre = box.x + s * group + (m + 0.5) * cell_width
            year_top = columns_top + 1.2 * LABEL_SIZE
            if year:
                text_block(scene, centre, year_top, [year], year_size, anchor="middle")
    for row, lines in enumerate(labels):
        _draw_row_label(scene, box.x - 6, box.y + (row + 0.5) * cell_height, lines, ROW_SIZE)
    legend.draw(scene, width / 2, legend_top)
    return _finish(scene, style, "status_heatmap", title)
