"""Charts that stand alone, and the report's options: colours fixed by scenario name, base
on top, a footer with source and date, names that fit, nothing cut at the edge, the same
bytes however drawn; the growth chart drawing the table's needs in the good direction, one
axis per unit; heatmap words; --title, --pdf, SOURCE_DATE_EPOCH."""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from rich.cells import cell_len

import nscc_proj.cli.report  # noqa: F401 - registers `nscc report` on the app
from cli_helpers import assert_input_error, run
from conftest import frozen_data, frozen_scenario
from nscc_proj.analysis.projection import Projection, project
from nscc_proj.cli.common import load_inputs
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.scenario import scenario_from_dict
from nscc_proj.present.charts import (
    INDICATOR_SIZE,
    OVERVIEW_WIDTH,
    PNG_SCALE,
    SCENARIO_COLOURS,
    Chart,
    _gap_text,
    _under_base,
    chart_count,
    chart_footer,
    chart_workers,
    drawing_order,
    growth_height,
    growth_rows,
    heatmap_cell_text,
    overview_height,
    render_charts,
    row_label,
    scenario_colours,
)
from nscc_proj.present.fonts import MISSING_FONT_WARNING, cjk_font
from nscc_proj.present.labels import Lang
from nscc_proj.present.report_facts import pace_from_now

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TINY = "name: tiny\ngrowth:\n  gdp: 0.1\n  share: {change: 1}\n"


def test_a_scenario_keeps_its_colour_whatever_the_order_of_the_others() -> None:
    first = scenario_colours(["low", "base", "mine", "yours"])
    second = scenario_colours(["yours", "mine", "base", "low"])
    assert first == second
    assert first["base"] == SCENARIO_COLOURS["base"] == scenario_colours(["base"])["base"]
    assert len(set(first.values())) == 4


def test_base_is_drawn_last_on_top_of_the_others() -> None:
    assert drawing_order(["base", "high", "shock"]) == [1, 2, 0]
    assert drawing_order(["low", "high"]) == [0, 1]


def test_names_that_begin_alike_still_read_apart(catalog: Catalog) -> None:
    """Rows 4 and 13 both begin "Average annual growth of": cut to one line they were equal."""
    income, spending = (
        row_label(catalog[key], "en", 34) for key in ("income_growth", "rd_spending_growth")
    )
    assert income.split("\n")[0] == "4 Average annual growth of urban"
    assert spending.split("\n")[0] == "13 Average annual growth of total"
    for text in (income, spending, row_label(catalog["high_end_equipment_share"], "zh", 34)):
        lines = text.split("\n")
        assert len(lines) <= 2
        assert all(cell_len(line) <= 34 for line in lines), lines


@pytest.fixture
def tiny(tiny_catalog: Catalog) -> Projection:
    return project(tiny_catalog, [scenario_from_dict({"name": "tiny", "growth": {"gdp": 0.1}})])


def test_every_chart_says_its_source_as_of_and_date(tiny: Projection) -> None:
    footer = chart_footer(tiny, "en", "2026-11-15")
    assert footer.startswith("Source: tiny.csv; observed values: none")
    assert footer.endswith(" · as of 2025 · 2026-11-15")
    assert chart_footer(tiny, "en", None).endswith(" · as of 2025")
    assert "截至 2025 年" in chart_footer(tiny, "zh", "2026-11-15")
    dated, _ = render_charts(tiny, "en", date="2026-11-15")
    undated, _ = render_charts(tiny, "en")
    again, _ = render_charts(tiny, "en", date="2026-11-15")
    assert [c.png for c in dated] == [c.png for c in again]  # the date is an input
    assert all(a.png != b.png for a, b in zip(dated, undated, strict=True))


@pytest.fixture
def inputs(workdir: Path, tiny_table: Path, write_file: Callable[[str, str], Path]) -> Path:
    write_file("tiny.yaml", TINY)
    return tiny_table


def test_charts_compressed_on_a_second_thread_are_the_same_bytes(tiny: Projection) -> None:
    """Drawn with their PNGs compressed on another thread, the charts, their order and the
    notes are those one thread makes; the progress still ticks once a chart."""
    ticks: list[None] = []
    alone = render_charts(tiny, "zh", date="2026-11-15")
    shared = render_charts(
        tiny, "zh", date="2026-11-15", workers=2, progress=lambda: ticks.append(None)
    )
    assert shared == alone
    assert len(ticks) == chart_count(tiny)


def test_a_second_thread_works_only_on_a_second_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert chart_workers(33) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False)
    assert chart_workers(33) == 2  # one draws, one compresses: more would wait
    assert chart_workers(1) == 1


LONG_NAME = (
    "Gross domestic product of the whole metropolitan area including the surrounding "
    "counties and the new districts of the city"
)


@pytest.fixture
def crowded(tiny_catalog: Catalog) -> Projection:
    """Long names everywhere: an indicator's, its unit, four scenarios' (a legend of many
    entries, columns of the heatmap too narrow for a name)."""
    first = tiny_catalog.indicators[0].model_copy(
        update={"name_en": LONG_NAME, "name_zh": "地区生产总值" * 8, "unit": "亿元 (当年价格)"}
    )
    catalog = Catalog((first, *tiny_catalog.indicators[1:]), tiny_catalog.milestones, "t.csv")
    names = ("a_very_long_scenario_name_for_testing", "another_long_one", "base", "third")
    scenarios = [scenario_from_dict({"name": n, "growth": {"gdp": 0.1}}) for n in names]
    return project(catalog, scenarios)


def _sizes(projection: Projection) -> dict[str, tuple[int, int]]:
    rows = growth_rows(projection)
    units = len({row.group for row in rows})
    return {
        "growth_required_vs_scenario": (OVERVIEW_WIDTH, growth_height(len(rows), units)),
        "status_heatmap": (OVERVIEW_WIDTH, overview_height(len(projection.catalog))),
    }


def _check(chart: Chart, size: tuple[int, int]) -> None:
    """At its size (the PNG at twice it), an SVG of glyphs with at most one clip area (a
    plot's), nothing drawn at the figure's edge (no text cut there)."""
    from PIL import Image

    assert (chart.width, chart.height) == size, chart.name
    assert struct.unpack(">II", chart.png[16:24]) == (PNG_SCALE * size[0], PNG_SCALE * size[1])
    root = ElementTree.fromstring(chart.svg)
    assert (root.get("width"), root.get("height")) == (str(size[0]), str(size[1]))
    assert chart.svg.count(b"clip-path=") <= 1, chart.name
    # Every word reads across: a y axis's unit (个, 家) turned on its side reads as an arrow.
    assert b"rotate(" not in chart.svg, chart.name
    defined = {e.get("id") for e in root.iter("{http://www.w3.org/2000/svg}path") if e.get("id")}
    uses = root.iter("{http://www.w3.org/2000/svg}use")
    assert {e.get("{http://www.w3.org/1999/xlink}href", "")[1:] for e in uses} <= defined
    with Image.open(io.BytesIO(chart.png)) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        edge = 3 * PNG_SCALE
        for box in ((0, 0, width, edge), (0, height - edge, width, height)):
            assert rgb.crop(box).getcolors() == [(width * edge, (255, 255, 255))], chart.name
        for box in ((0, 0, edge, height), (width - edge, 0, width, height)):
            assert rgb.crop(box).getcolors() == [(height * edge, (255, 255, 255))], chart.name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_type_is_drawn_to_its_size_within_its_edges(
    tiny: Projection, crowded: Projection, lang: Lang
) -> None:
    for projection in (tiny, crowded):
        charts, notes = render_charts(projection, lang, date="2026-11-15")
        assert [chart.name for chart in charts[:2]] == [
            "growth_required_vs_scenario",
            "status_heatmap",
        ]
        assert len(charts) == chart_count(projection)
        sizes = _sizes(projection)
        for chart in charts:
            _check(chart, sizes.get(chart.name, INDICATOR_SIZE))
        assert notes == ([] if cjk_font() is not None else [MISSING_FONT_WARNING])


def test_title_names_the_report(workdir: Path, inputs: Path) -> None:
    result = run("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--title", "A & B <plan>")
    assert result.exit_code == 0, result.stderr
    page = (workdir / "report" / "report.html").read_text(encoding="utf-8")
    assert "<h1>A &amp; B &lt;plan&gt;</h1>" in page
    assert "<title>A &amp; B &lt;plan&gt;</title>" in page
    summary = (workdir / "report" / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# A & B \\<plan\\>\n")


def test_a_blank_title_is_refused(workdir: Path, inputs: Path) -> None:
    result = run("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--title", " ")
    assert_input_error(result, "--title")


def test_a_bad_source_date_epoch_is_refused(
    workdir: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = run("report", "--data", inputs, "-s", workdir / "tiny.yaml")
    assert_input_error(result, "SOURCE_DATE_EPOCH")


def test_without_chromium_the_report_has_no_pdf_and_says_so(
    workdir: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nscc_proj.present.pdf.find_chromium", lambda: None)
    result = run("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--pdf")
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert notes == [
        "Warning: report.pdf not written: no Chromium found (install chromium to print one)"
    ]
    assert not (workdir / "report" / "report.pdf").exists()
    assert (workdir / "report" / "report.html").is_file()


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_pdf_is_printed_beside_the_html(workdir: Path, inputs: Path) -> None:
    result = run("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--pdf", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    assert "report.pdf" in result.stderr
    pdf = (workdir / "report" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    rerun = run("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--out", "report")
    assert rerun.exit_code == 0, rerun.stderr  # a folder with a PDF is still a report folder


def test_row_labels_keep_the_id_with_the_name(catalog: Catalog) -> None:
    """A Chinese name keeps one line, cut with … (two lines of CJK glyphs touch the next row
    of the growth chart); an English name wraps onto two lines; the id always starts it."""
    from nscc_proj.present.charts import row_label

    for indicator in catalog.indicators:
        chinese = row_label(indicator, "zh", 42)
        assert "\n" not in chinese
        assert cell_len(chinese) <= 42
        assert chinese.startswith(f"{indicator.id} {indicator.name_zh[:5]}")
        english = row_label(indicator, "en", 40).split("\n")
        assert len(english) <= 2
        assert english[0].startswith(f"{indicator.id} ")
        assert english[0] != str(indicator.id)
    long_one = next(i for i in catalog.indicators if i.key == "high_end_equipment_share")
    assert row_label(long_one, "zh", 42).endswith("…")


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (0.0, "0%"),
        (-0.003, "-0.3%"),
        (0.0049, "+0.5%"),
        (0.0004, "≈0%"),
        (0.12, "+12%"),
        (-0.6, "-60%"),
    ],
)
def test_a_heatmap_gap_never_reads_plus_or_minus_nought(gap: float, text: str) -> None:
    """A rank of 14.96 against 15 missed by -0.3 %, not "-0%"."""
    assert _gap_text(gap) == text


# --- The growth chart: the table "Need/yr from now", drawn -------------------------------------


@pytest.fixture(scope="module")
def frozen_four() -> Projection:
    """The four frozen scenarios on the frozen data and its observations, as of 2025."""
    with frozen_data():
        catalog, observed = load_inputs(None, None, False)
    names = ("base", "high", "low", "shock")
    return project(catalog, [frozen_scenario(name) for name in names], observed)


def test_a_lower_is_better_row_is_drawn_mirrored(tiny_catalog: Catalog) -> None:
    """The rank (22 in 2020, <= 15 by 2035) needs to climb 7 places in 15 years: -0.47 places
    a year, drawn +0.47 so that right of the need is on track; the path climbing 0.2 places
    a year (-0.2) is drawn at +0.2, left of it: missed."""
    growth = {"gdp": 0.1, "rank": {"change": -0.2}}
    projection = project(tiny_catalog, [scenario_from_dict({"name": "t", "growth": growth})])
    rows = {tiny_catalog.indicators[row.index].key: row for row in growth_rows(projection)}
    rank = rows["rank"]
    assert (rank.group, rank.sign) == ("places", -1)
    assert rank.need[1] == pytest.approx(7 / 15)
    assert rank.paces[0, 1] == pytest.approx(0.2)
    assert rank.need[0] == pytest.approx(2 / 5)  # <= 20 by 2025: 2 places in 5 years
    # Unemployment (5 %, down) may rise to 5.7 (~5.5 ±0.2) by 2025: met on the data, its
    # need (+0.14 points a year the wrong way) drawn at -0.14, left of a path that stays.
    jobless = rows["jobless"]
    assert (jobless.group, jobless.sign) == ("points", -1)
    assert jobless.need[0] == pytest.approx(-0.14)
    assert bool(jobless.need_met[0])
    assert jobless.paces[0, 0] == pytest.approx(0.0)
    # An up row keeps its sign: GDP 100 -> 150 by 2025 needs 8.45 % a year, the path does 10.
    assert rows["gdp"].sign == 1
    assert rows["gdp"].need[0] == pytest.approx(1.5 ** (1 / 5) - 1)
    assert rows["gdp"].paces[0, 0] == pytest.approx(0.1)


def test_each_unit_of_a_need_has_its_own_axis(tiny_catalog: Catalog) -> None:
    """% a year (a level's growth, and a growth-rate target's rate for the years left)
    first, then points (shares and rates), then places (ranks): never one axis for all."""
    projection = project(tiny_catalog, [scenario_from_dict({"name": "t", "growth": {}})])
    rows = growth_rows(projection)
    keys = [(tiny_catalog.indicators[row.index].key, row.group) for row in rows]
    assert keys == [
        ("gdp", "rate"),
        ("rd_growth", "rate"),
        ("jobless", "points"),
        ("share", "points"),
        ("rank", "places"),
    ]  # parks: no base value, nothing needed from it (as in the table)
    assert growth_height(5, 3) > overview_height(5)  # room for the three axes
    assert growth_height(27, 3) == overview_height(27)


def test_the_growth_chart_draws_the_numbers_of_the_table(frozen_four: Projection) -> None:
    """Every target of the table "Need/yr from now" is on the chart with the same need and the
    same pace of each scenario (in the good direction), and on every row a dot right of the
    need is a path that meets its target."""
    catalog, names = frozen_four.catalog, frozen_four.scenario_names
    drawn = {row.index: row for row in growth_rows(frozen_four)}
    checked = 0
    for row in frozen_four.assessment_table:
        need = row["need_per_year"]
        if not isinstance(need, float):
            continue
        i = catalog.index[str(row["indicator_key"])]
        m = catalog.milestones.index(int(str(row["milestone"])))
        s = names.index(str(row["scenario"]))
        mine = drawn[i]
        assert mine.sign * mine.need[m] == pytest.approx(need)
        pace = pace_from_now(frozen_four, row)
        assert mine.sign * mine.paces[s, m] == pytest.approx(pace, nan_ok=True)
        if math.isfinite(pace):
            on_track = mine.paces[s, m] >= mine.need[m] - 1e-9
            assert on_track == row["met"], (row["indicator_key"], row["milestone"], names[s])
            checked += 1
    assert checked > 150


@pytest.mark.parametrize(
    ("gap", "gap_rel", "growth_rate", "lang", "text"),
    [
        (-1.5, math.nan, True, "en", "-1.5 pt"),
        (-1.5, math.nan, True, "zh", "-1.5个百分点"),
        (0.04, math.nan, True, "en", "+0.04 pt"),
        (-1.8e-15, math.nan, True, "en", "0 pt"),  # on the target, up to rounding
        (math.nan, math.nan, True, "en", "–"),  # not assessable
        (-230.0, -0.23, False, "zh", "-23%"),
        (math.nan, math.nan, False, "en", "–"),
    ],
)
def test_a_heatmap_cell_says_a_growth_rate_gap_in_points(
    gap: float, gap_rel: float, growth_rate: bool, lang: Lang, text: str
) -> None:
    """A growth-rate target's gap is a difference of rates: in points, never "–", which marks
    a target that cannot be assessed."""
    assert heatmap_cell_text(gap, gap_rel, growth_rate, lang) == text


def test_a_path_drawn_under_base_is_named_in_the_legend(tiny_catalog: Catalog) -> None:
    """A scenario whose path is base's in every year is hidden under it: the legend says so
    ("shock (= base)"); one that parts from base in any year is not marked."""
    import numpy as np

    growth = {"gdp": 0.1}
    scenarios = [
        scenario_from_dict({"name": name, "growth": growth}) for name in ("base", "same", "low")
    ]
    scenarios[2] = scenario_from_dict({"name": "low", "growth": {"gdp": 0.05}})
    projection = project(tiny_catalog, scenarios)
    names = projection.scenario_names
    paths = {s: projection.paths[s, 0] for s in range(len(names))}
    assert _under_base(names, paths) == {1}
    assert _under_base(("same", "low"), {0: paths[1], 1: paths[2]}) == set()  # no base drawn
    parted = dict(paths)
    parted[1] = np.where(projection.years == 2030, paths[0] + 1, paths[0])
    assert _under_base(names, parted) == set()


def test_a_band_with_a_gap_every_other_year_is_drawn(tiny: Projection) -> None:
    """A band known only in alternate years has no run of two points: its edges draw
    nothing (no crash, no empty path)."""
    import numpy as np

    years = tiny.years.astype(float)
    path = tiny.paths[0, 0]
    gappy = np.where(np.arange(len(years)) % 2 == 0, path, np.nan)
    charts, _ = render_charts(tiny, "en", {("tiny", "gdp"): (years, *(gappy,) * 5)})
    assert all(b'd=""' not in chart.svg for chart in charts)


def test_a_band_that_draws_nothing_has_no_legend_key(
    tiny: Projection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An all-NaN band draws nothing, so the chart is the one without it; a band with only
    its outer edges keeps "5–95%" but not the 25–75% key."""
    import numpy as np

    from nscc_proj.present import charts

    years = tiny.years.astype(float)
    nan = np.full(len(years), np.nan)
    plain, _ = render_charts(tiny, "en")
    blank, _ = render_charts(tiny, "en", {("tiny", "gdp"): (years, *(nan,) * 5)})
    assert [chart.svg for chart in blank] == [chart.svg for chart in plain]

    shown: list[list[str]] = []
    lay_out = charts.Legend.lay_out

    def spy(*args: Any) -> Any:
        shown.append([text for _, text in args[1]])
        return lay_out(*args)

    monkeypatch.setattr(charts.Legend, "lay_out", spy)
    path = tiny.paths[0, 0]
    render_charts(tiny, "en", {("tiny", "gdp"): (years, path, nan, path, nan, path)})
    texts = [text for entries in shown for text in entries]
    assert "5–95%" in texts
    assert not any("25–75%" in text for text in texts)


def test_a_long_scenario_name_leaves_the_plot_its_height(tiny_catalog: Catalog) -> None:
    """With a 3000-character scenario name, and with a dozen scenarios, the plot (its clip
    area) keeps at least MIN_PLOT_HEIGHT under the title: the chart grows if it must."""
    from nscc_proj.present.charts import MIN_PLOT_HEIGHT

    growth = {"gdp": 0.1}
    for names in (["base", "long_" * 600], [f"s{n}" for n in range(14)]):
        scenarios = [scenario_from_dict({"name": name, "growth": growth}) for name in names]
        charts, _ = render_charts(project(tiny_catalog, scenarios), "en")
        for chart in charts[2:]:
            root = ElementTree.fromstring(chart.svg)
            clip = next(root.iter("{http://www.w3.org/2000/svg}clipPath"))[0]
            assert float(clip.get("height", 0)) >= MIN_PLOT_HEIGHT
            assert float(clip.get("y", 0)) > 40  # under the title
            assert float(clip.get("y", 0)) + float(clip.get("height", 0)) < chart.height
            assert chart.height == int(root.get("height", 0))


def test_a_raster_is_let_go_once_its_png_is_made(
    tiny: Projection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the PNGs compressed by an encoder, a chart's raster is freed once its PNG is
    made: when the next chart is painted, no earlier raster is left (each stayed to the
    end, 150 MB for a report's 33 charts). The encoder here compresses at once, on this
    thread, so nothing depends on when a second thread gets to it."""
    import concurrent.futures
    import gc
    import weakref

    from nscc_proj.present.scene import Scene

    class AtOnce:
        def __init__(self, _workers: int) -> None:
            pass

        def __enter__(self) -> AtOnce:
            return self

        def __exit__(self, *_: object) -> None:
            pass

        def submit(self, task: Any) -> concurrent.futures.Future[Any]:
            done: concurrent.futures.Future[Any] = concurrent.futures.Future()
            done.set_result(task())
            return done

    painted: list[weakref.ref[object]] = []
    left: list[int] = []
    paint = Scene.paint

    def watched(scene: Scene, scale: int) -> Any:
        gc.collect()
        left.append(sum(ref() is not None for ref in painted))
        raster = paint(scene, scale)
        painted.append(weakref.ref(raster))
        return raster

    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", AtOnce)
    monkeypatch.setattr(Scene, "paint", watched)
    charts, _ = render_charts(tiny, "en", workers=2)
    assert len(charts) == chart_count(tiny) >= 3
    assert left == [0] * len(charts)


def test_a_heatmap_of_many_scenarios_keeps_its_years_apart_and_cuts_no_value(
    tiny_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With many scenarios the columns are narrow: the years shrink (or shorten) to fit
    their columns instead of running together ("202035"), and a value too wide for its
    cell is left out rather than cut ("-2…" reads as another number)."""
    import itertools
    import re

    from nscc_proj.present import charts

    drawn: list[tuple[int, float, float, str, float, str]] = []
    finished: dict[int, str] = {}
    text, finish = charts.Scene.text, charts._finish

    def spy_text(scene: Any, x: float, y: float, words: str, size: float, **kw: Any) -> None:
        drawn.append((id(scene), x, y, words, size, kw.get("anchor", "start")))
        text(scene, x, y, words, size, **kw)

    def spy_finish(scene: Any, *args: Any, **kw: Any) -> Any:
        finished[id(scene)] = args[1]
        return finish(scene, *args, **kw)

    monkeypatch.setattr(charts.Scene, "text", spy_text)
    monkeypatch.setattr(charts, "_finish", spy_finish)
    growth = {"gdp": -0.2, "share": {"change": -3}}
    names = ["base", *(f"s{n}" for n in range(17))]
    scenarios = [scenario_from_dict({"name": name, "growth": growth}) for name in names]
    render_charts(project(tiny_catalog, scenarios), "en")
    heatmap = next(scene for scene, name in finished.items() if name == "status_heatmap")
    typeface = charts.face(charts.chart_families("en", cjk_font()))
    placed = [d for d in drawn if d[0] == heatmap and d[5] == "middle"]
    years = [d for d in placed if re.fullmatch(r"(20|\u2019)\d\d", d[3])]
    assert years  # the years are there, fitted
    by_line: dict[float, list[tuple[float, float]]] = {}
    for _, x, y, words, size, _ in placed:
        half = typeface.width(words, size) / 2
        by_line.setdefault(round(y, 1), []).append((x - half, x + half))
    for spans in by_line.values():
        spans.sort()
        assert all(a[1] <= b[0] + 0.01 for a, b in itertools.pairwise(spans))
    assert not any(re.fullmatch(r"[-+]?\d.*…", d[3]) for d in placed)


def test_two_charts_inlined_in_one_page_share_no_id(tiny: Projection) -> None:
    """Each chart's SVG ids (glyphs, clip areas) begin with its name: two SVGs in one HTML
    page do not take each other's glyphs."""
    charts, _ = render_charts(tiny, "en")
    seen: set[str] = set()
    for chart in charts:
        root = ElementTree.fromstring(chart.svg)
        ids = {element.get("id", "") for element in root.iter() if element.get("id")}
        assert ids
        assert all(i.startswith(chart.name + "-") for i in ids)
        assert not ids & seen
        seen |= ids
        refs = re.findall(rb'(?:href="#|url\(#)([^")]+)', chart.svg)
        assert {ref.decode() for ref in refs} <= ids


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_very_long_name_is_cut_to_its_row_in_one_pass(
    catalog: Catalog, lang: Lang, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 5000-character name is cut in one pass over it, not measured again after each
    character taken off (25 million cells for one Chinese row label)."""
    from nscc_proj.present import charts

    measured: list[int] = []

    def counted(text: str) -> int:
        measured.append(len(text))
        return cell_len(text)

    monkeypatch.setattr(charts, "cell_len", counted)
    indicator = catalog.indicators[0]
    long = indicator.model_copy(update={"name_zh": "很长的名字" * 1000, "name_en": "long " * 1000})
    text = row_label(long, lang, 34)
    assert text.endswith("…")
    assert all(cell_len(line) <= 34 for line in text.split("\n"))
    assert sum(measured) < 50_000
