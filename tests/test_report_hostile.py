"""User text is data in every writer of the report: HTML, Markdown, XLSX, CSV and charts.

Hostile strings (markup, Markdown and table syntax, formulas, TeX math, rich markup, line
breaks, control characters, Excel's own escapes) go into an indicator's names and unit and
a scenario's name and description; each writer must carry them as text. The table is the
tiny one (six indicators) and charts are drawn only in their own, smaller test, so this
stays fast.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import REPORT_TIME
from nscc_proj.analysis.projection import Projection, project
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.catalog_io import catalog_table
from nscc_proj.inputs.scenario import Scenario, scenario_from_dict
from nscc_proj.present import report as report_module
from nscc_proj.present.charts import Chart, chart_name, render_charts
from nscc_proj.present.export import neutralise_formula, table_to_csv
from nscc_proj.present.labels import Lang, label
from nscc_proj.present.workbook import header

GROWTH = {
    "gdp": 0.1,
    "jobless": {"change": -0.1},
    "rank": {"change": -0.5},
    "rd_growth": "10%",
    "share": {"change": 1},
    "parks": 0.1,
}
PIECES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><b>',
    "a|b",
    "| --- |",
    "$x$",
    r"$\frac{$",
    "=cmd|' /C calc'!A0",
    "+3.5% real",
    "-1",
    "@SUM(A1)",
    "line\nbreak",
    "cr\r\nlf",
    "[/bold]",
    "[red]x[link=http://e]y",
    "`code`",
    "*b* _i_ __u__",
    "[l](http://e)",
    "![i](x.png)",
    "&amp; &lt; &#60;",
    "# heading",
    "back\\slash\\|",
    "_x0041_",
    "\x00\x01\x1f",
    "\t",
    "]]>",
    "{scenarios}",
    "%s %(x)s",
]
hostile = st.builds(
    lambda head, piece, tail: head + piece + tail,
    st.text(max_size=6),
    st.sampled_from(PIECES),
    st.text(max_size=6),
) | st.text(min_size=1, max_size=12)

# A scenario's name is one word (no whitespace, no comma): hostile within that rule.
scenario_names = hostile.map(lambda text: re.sub(r"[\s,]", "", text)).filter(bool)


def _catalog(tiny: Catalog, name_en: str, name_zh: str, unit: str) -> Catalog:
    names = {"name_en": name_en, "name_zh": name_zh, "unit": unit}
    first = tiny.indicators[0].model_copy(update=names)
    return Catalog((first, *tiny.indicators[1:]), tiny.milestones, tiny.source)


def _scenario(name: str, description: str) -> Scenario:
    return scenario_from_dict({"name": name, "description": description, "growth": GROWTH})


def _stub_charts(projection: Projection, lang: Lang, bands: object = None, **_: object) -> Any:
    """Charts with the titles the real ones carry, and no drawing."""
    charts = [
        Chart("growth_required_vs_scenario", "growth", b"", b"", 10, 10),
        Chart("status_heatmap", "heatmap", b"", b"", 10, 10),
    ]
    for indicator in projection.catalog.indicators:
        name = indicator.name_zh if lang == "zh" else indicator.name_en
        title = f"{indicator.id} {name} ({indicator.unit})"
        charts.append(Chart(chart_name(indicator), title, b"", b"", 10, 10, indicator.key))
    return charts, []


class _Tags(HTMLParser):
    """Start tags with their attribute names, and every piece of text, as parsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.texts: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(name for name, _ in attrs)))
        self.attributes += [value or "" for _, value in attrs]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _excel_decoded(value: object) -> object:
    """A cell's text as Excel reads it: ``_xHHHH_`` is the character HHHH."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda found: chr(int(found.group(1), 16)), value)


def _bare_pipes(line: str) -> int:
    """Pipes that separate Markdown table cells (not escaped by a backslash)."""
    return sum(1 for token in re.findall(r"\\.|\|", line) if token == "|")


@pytest.fixture(scope="module")
def benign() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The elements of a report with plain names, per language (built once)."""
    return {}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name_en=hostile,
    name_zh=hostile,
    unit=hostile,
    scenario=scenario_names,
    description=hostile,
    lang=st.sampled_from(["en", "zh"]),
)
def test_hostile_text_stays_text_in_every_writer(
    tiny_catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    benign: dict[str, list[tuple[str, tuple[str, ...]]]],
    name_en: str,
    name_zh: str,
    unit: str,
    scenario: str,
    description: str,
    lang: Lang,
) -> None:
    monkeypatch.setattr(report_module, "render_charts", _stub_charts)

    def build(catalog: Catalog, scenarios: list[Scenario]) -> report_module.Report:
        return report_module.build_report(
            project(catalog, scenarios), scenarios, lang, run_time=REPORT_TIME
        )

    if lang not in benign:
        plain = build(_catalog(tiny_catalog, "Plain", "平常", "unit"), [_scenario("s", "d")])
        benign[lang] = _parse(plain.files["report.html"].decode()).tags
    catalog = _catalog(tiny_catalog, name_en, name_zh, unit)
    scenarios = [_scenario(scenario, description)]
    projection = project(catalog, scenarios)
    report = report_module.build_report(projection, scenarios, lang, run_time=REPORT_TIME)

    # HTML: exactly the elements of a report with plain names; the text comes back whole.
    page = _parse(report.files["report.html"].decode())
    assert page.tags == benign[lang]
    shown = name_zh if lang == "zh" else name_en
    assert any(f"1 {shown} ({unit})" == text for text in page.texts + page.attributes)
    assert scenario in page.texts
    if description.strip():
        assert description.strip() in page.texts

    # Markdown: every table row keeps its column count; no raw HTML, no line broken.
    summary = report.files["summary.md"].decode()
    rows = [line for line in summary.splitlines() if line.startswith("|")]
    assert rows
    block: list[int] = []
    for line in [*summary.splitlines(), ""]:
        if line.startswith("|"):
            block.append(_bare_pipes(line))
        elif block:
            assert len(set(block)) == 1, summary
            block = []
    assert not re.search(r"(?<!\\)<", re.sub(r"\\\\", "", summary))

    # XLSX: no formula anywhere, and the names read back exactly.
    book = load_workbook(io.BytesIO(report.files["report.xlsx"]))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    indicators = list(book[label("sheet.indicators", lang)].iter_rows(values_only=True))
    first = dict(zip(indicators[0], map(_excel_decoded, indicators[1]), strict=True))
    names = [first[header(code, lang)] for code in ("name_en", "name_zh", "unit")]
    assert names == [name_en, name_zh, unit]
    assessment = list(book[label("sheet.assessment", lang)].iter_rows(values_only=True))
    assert _excel_decoded(assessment[1][0]) == scenario
    starts_like_formula = [
        cell for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@"
    ]
    assert all(cell.quotePrefix for cell in starts_like_formula)

    # CSV: the same text, neutralised for spreadsheets by a leading apostrophe only.
    for table in (projection.assessment_table, catalog_table(catalog)):
        text = table_to_csv(table)
        read = list(csv.DictReader(io.StringIO(text, newline="")))
        for row, original in zip(read, table.records(), strict=True):
            for code, value in original.items():
                if isinstance(value, str):
                    assert row[code] == neutralise_formula(value)


@settings(max_examples=3, deadline=None)
@given(name=hostile, unit=hostile, scenario=scenario_names, lang=st.sampled_from(["en", "zh"]))
def test_hostile_text_in_charts_is_drawn_as_text(
    name: str, unit: str, scenario: str, lang: Lang
) -> None:
    """``$`` starts no TeX math (``$\\frac{$`` would fail to parse), and every SVG is valid."""
    from conftest import TINY_TABLE
    from nscc_proj.inputs.catalog_io import load_catalog

    tiny = _tiny_catalog_from(TINY_TABLE, load_catalog)
    catalog = _catalog(tiny, name + r" $\frac{$", name + "$x$", unit)
    projection = project(catalog, [_scenario(scenario, "")])
    charts, _ = render_charts(projection, lang)
    for chart in charts:
        ElementTree.fromstring(chart.svg)
        assert chart.png.startswith(b"\x89PNG")


_TINY: dict[str, Catalog] = {}


def _tiny_catalog_from(text: str, load: Callable[[Any], Catalog]) -> Catalog:
    if "tiny" not in _TINY:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "tiny.csv"
            path.write_text(text, encoding="utf-8")
            _TINY["tiny"] = load(path)
    return _TINY["tiny"]


def test_a_character_no_font_has_is_one_note_not_a_warning_per_glyph() -> None:
    from conftest import TINY_TABLE
    from nscc_proj.inputs.catalog_io import load_catalog
    from nscc_proj.present.fonts import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed: the missing-font note says it all")
    tiny = _tiny_catalog_from(TINY_TABLE, load_catalog)
    catalog = _catalog(tiny, "GDP \ue000\ue001", "地区生产总值 \ue000", "亿元")
    _, notes = render_charts(project(catalog, [_scenario("s", "")]), "en")
    assert notes == [
        "2 characters of the names have no glyph in the chart fonts (U+E000, U+E001): "
        "the charts show them as boxes"
    ]
