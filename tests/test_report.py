"""``nscc report``: the four artefacts on the frozen data (tests/data), in English and Chinese.

The report is built once per language (module fixtures) and every test reads it; tests of
failure paths and fallbacks use the tiny table. The summary's numbers are checked against
arithmetic on the frozen table done here, not against an earlier output of the report.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import struct
import subprocess
import sys
import warnings
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

import nscc_proj.cli.report  # noqa: F401 - registers `nscc report` on the app
from conftest import FROZEN_DATA, FROZEN_TABLE, REPORT_TIME, frozen_data, frozen_scenario
from nscc_proj.analysis.projection import Projection, project
from nscc_proj.analysis.requirements import required_growth
from nscc_proj.cli import app
from nscc_proj.cli.common import load_inputs
from nscc_proj.core.assess import FAR_OFF_RATIO
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.scenario import Scenario, scenario_from_dict
from nscc_proj.present.charts import (
    INDICATOR_SIZE,
    OVERVIEW_WIDTH,
    PNG_SCALE,
    bands_from_table,
    overview_height,
    render_charts,
)
from nscc_proj.present.export import table_to_csv, write_atomic
from nscc_proj.present.fonts import MISSING_FONT_WARNING, cjk_font, strip_cjk
from nscc_proj.present.labels import label
from nscc_proj.present.pdf import HEADLESS_FLAGS
from nscc_proj.present.report import ChartJob, build_report, chart_date, write_report
from nscc_proj.present.workbook import header, sheets_for, workbook_bytes
from nscc_proj.table import Table

SHEETS = [
    "Summary",
    "Assessment",
    "Required growth",
    "Paths",
    "Observed",
    "Indicators",
    "Metadata",
]
TINY_GROWTH = {
    "gdp": 0.1,
    "jobless": {"change": -0.1},
    "rank": {"change": -0.5},
    "rd_growth": "10%",
    "share": {"change": 1},
    "parks": 0.1,
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    *HEADLESS_FLAGS,
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def frozen() -> tuple[Projection, list[Scenario]]:
    """base and high on the frozen data, through the library."""
    with frozen_data():
        catalog, observed = load_inputs(None, None, False)
    scenarios = [frozen_scenario("base"), frozen_scenario("high")]
    return project(catalog, scenarios, observed), scenarios


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLI's report of base and high on the frozen data, from an empty folder."""
    folder = tmp_path_factory.mktemp("en")
    with frozen_data(), pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # no local scenarios/ shadows the frozen ones
        args = ("report", "-s", "base", "-s", "high", "--out", "report")
        patch.setattr(sys, "argv", ["nscc", *args])  # the command line the metadata states
        result = invoke(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Warning" not in result.stderr or cjk_font() is None
    return folder / "report"


@pytest.fixture(scope="module")
def chinese(
    tmp_path_factory: pytest.TempPathFactory, frozen: tuple[Projection, list[Scenario]]
) -> tuple[Path, list[str]]:
    """The Chinese report through the library, with every warning raised while rendering."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build_report(*frozen, "zh", run_time=REPORT_TIME)
    folder = tmp_path_factory.mktemp("zh") / "report"
    write_report(report, folder)
    # Missing glyphs come back as one note of the report, not as warnings.
    return folder, [str(warning.message) for warning in caught] + list(report.warnings)


def test_report_writes_the_four_artefacts(english: Path) -> None:
    folder = english
    for name in ("report.html", "report.xlsx", "summary.md"):
        assert (folder / name).stat().st_size > 1000
    names = {path.name for path in (folder / "charts").iterdir()}
    assert {"status_heatmap.svg", "growth_required_vs_scenario.png"} <= names
    assert "indicator_01_gdp.png" in names
    assert len(names) == 2 * (2 + 31)
    assert not [path for path in folder.rglob("*") if path.name.endswith(".tmp")]


def test_a_rerun_writes_the_same_bytes(english: Path, tmp_path: Path) -> None:
    # Same inputs, same command line, same SOURCE_DATE_EPOCH (conftest): every file of the
    # report, the workbook's dates and the charts included, is the same byte for byte.
    with frozen_data(), pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        args = ("report", "-s", "base", "-s", "high", "--out", "report")
        patch.setattr(sys, "argv", ["nscc", *args])
        result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    first = {p.relative_to(english): p.read_bytes() for p in english.rglob("*") if p.is_file()}
    again = tmp_path / "report"
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_charts_are_non_empty_images_of_the_expected_size(english: Path) -> None:
    from PIL import Image

    charts = english / "charts"
    rows = 27  # indicators with a required rate on the frozen table
    expected = {
        "growth_required_vs_scenario": (OVERVIEW_WIDTH, overview_height(rows)),
        "status_heatmap": (OVERVIEW_WIDTH, overview_height(31)),
    }
    for png in sorted(charts.glob("*.png")):
        data = png.read_bytes()
        width, height = expected.get(png.stem, INDICATOR_SIZE)
        assert _png_size(data) == (PNG_SCALE * width, PNG_SCALE * height), png.name
        with Image.open(io.BytesIO(data)) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 20, f"{png.name} looks blank"
        svg = png.with_suffix(".svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml")
        assert "<svg" in svg
        assert "<path" in svg


def test_html_is_self_contained(english: Path) -> None:
    page = (english / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == 2 + 31
    assert all(source.startswith("data:image/png;base64,") for source in sources)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "the page loads from a network"
    # The one script is the what-if panel's, allowed by its hash (tests/test_report_whatif.py).
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts == [' type="application/json" id="whatif-data"', ""]
    for heading in (
        "Executive summary",
        "Every target at a glance",
        "Methodology",
        "Urban livability",
    ):
        assert heading in page


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_html_opens_in_headless_chromium(english: Path, tmp_path: Path) -> None:
    """No console message at all, every chart decoded; a screenshot of the top of the page."""
    report = english / "report.html"
    probe = tmp_path / "probe.html"  # the report with a probe first in <head>, before its CSP
    probe.write_text(
        report.read_text(encoding="utf-8").replace("<head>", "<head>" + _PROBE, 1),
        encoding="utf-8",
    )
    dom = _chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="nscc-probe">(.*?)</pre>', dom.stdout)
    assert found, dom.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result == {"errors": [], "images": 33, "loaded": 33}
    assert not [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]

    shot = tmp_path / "screenshot.png"
    _chromium(tmp_path, "--window-size=1280,2000", f"--screenshot={shot}", report.as_uri())
    assert _png_size(shot.read_bytes()) == (1280, 2000)


_PROBE = """<script>
window.nsccErrors = [];
window.addEventListener("error", (e) => nsccErrors.push(String(e.message || "load error")), true);
document.addEventListener("securitypolicyviolation", (e) => nsccErrors.push("CSP " + e.blockedURI));
window.addEventListener("load", () => {
  const images = [...document.images];
  const loaded = images.filter((image) => image.complete && image.naturalWidth > 0).length;
  const probe = document.createElement("pre");
  probe.id = "nscc-probe";
  probe.textContent = JSON.stringify({errors: nsccErrors, images: images.length, loaded});
  document.body.appendChild(probe);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


def _csv_rows(table: Table) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(table_to_csv(table))))


def _sheet_rows(path: Path, sheet: str, codes: tuple[str, ...]) -> list[dict[str, object]]:
    """Rows of a sheet keyed by CSV column code, found through the English headers."""
    book = load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    position = {name: k for k, name in enumerate(rows[0])}
    return [{code: row[position[header(code, "en")]] for code in codes} for row in rows[1:]]


def _same(cell: str, value: object) -> bool:
    """A CSV cell and the XLSX value it should equal; booleans as true/false.

    openpyxl writes floats with 16 significant digits (``%.16g``) where the
    CSV keeps 17, so a number may differ in its last bit: more precision than
    Excel's 15 digits, and far below anything a reader sees.
    """
    if cell == "":
        return value is None
    if isinstance(value, bool):
        return cell == str(value).lower()
    if isinstance(value, int | float):
        return math.isclose(float(cell), value, rel_tol=1e-15, abs_tol=0.0)
    return cell == value


@pytest.mark.parametrize(
    ("sheet", "table"),
    [
        ("Assessment", lambda p: p.assessment_table),
        ("Paths", lambda p: p.path_table),
        ("Required growth", lambda p: required_growth(p.catalog)),
    ],
)
def test_xlsx_gives_the_numbers_of_the_csv_export(
    english: Path,
    frozen: tuple[Projection, list[Scenario]],
    sheet: str,
    table: Callable[[Projection], Table],
) -> None:
    expected = table(frozen[0])
    numeric = [code for code in expected.columns if code not in ("outcome", "target_op")]
    observed = _sheet_rows(english / "report.xlsx", sheet, tuple(numeric))
    csv_rows = _csv_rows(expected)
    assert len(observed) == len(csv_rows)
    for row, exp in zip(observed, csv_rows, strict=True):
        wrong = [code for code in numeric if not _same(exp[code], row[code])]
        assert not wrong, (exp, row)


def test_xlsx_is_formatted_for_people(english: Path) -> None:
    book = load_workbook(english / "report.xlsx")
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref, name
        assert all(cell.font.b for cell in sheet[1])
    assessment = book["Assessment"]
    columns = {cell.value: cell.column_letter for cell in assessment[1]}
    assert assessment[f"{columns['Gap %']}2"].number_format == "0.00%"
    assert assessment[f"{columns['Projected']}2"].number_format == "#,##0.00"
    assert assessment.column_dimensions[columns["Indicator"]].width >= 20
    ranges = {str(rule.sqref) for rule in assessment.conditional_formatting}
    assert f"{columns['Met']}2:{columns['Met']}{assessment.max_row}" in ranges
    metadata = {row[0]: row[1] for row in book["Metadata"].iter_rows(values_only=True)}
    assert metadata["nscc version / 版本"] == "0.1.0"
    assert metadata["seed / 随机种子"] is None
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", str(metadata["run time (UTC) / 运行时间"])
    )
    assert str(metadata["scenario file / 情景文件: base"]).endswith("base.yaml")
    assert metadata["column gap_rel"] == "Gap % / 差距%"


def test_xlsx_text_is_text_never_a_formula_and_shows_exactly(
    write_file: Callable[[str, str], Path], tiny_table: Path
) -> None:
    """A text cell that a spreadsheet would run (=, +, -, @) is stored as a string with
    Excel's quote-prefix style, not prefixed with an apostrophe: "+3.5% real" reads
    "+3.5% real". Numbers stay numbers."""
    text = tiny_table.read_text(encoding="utf-8").replace(",GDP,", ",=1+2,")
    text = text.replace(",Unemployment,", ",+3.5% real,")
    catalog = load_catalog(write_file("evil.csv", text))
    scenario = scenario_from_dict({"name": "@SUM(A1)", "growth": TINY_GROWTH})
    projection = project(catalog, [scenario])
    sheets = sheets_for(projection, "en", {})
    book = load_workbook(io.BytesIO(workbook_bytes(sheets, "en", REPORT_TIME)))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    texts = {cell.value: cell for cell in cells if cell.data_type == "s"}
    assert {"=1+2", "@SUM(A1)", "+3.5% real"} <= set(texts)
    assert all(texts[name].quotePrefix for name in ("=1+2", "@SUM(A1)", "+3.5% real"))
    assert not [value for value in texts if str(value).startswith("'")]
    assert not texts["base"].quotePrefix if "base" in texts else True
    rows = list(book["Assessment"].iter_rows(values_only=True))
    gaps = [row[rows[0].index("Gap")] for row in rows[1:]]
    assert any(isinstance(gap, float) and gap < 0 for gap in gaps)  # a negative number, not text
    assert rows[0][3:6] == ("Indicator", "Domain", "Unit")
    assert rows[1][3:6] == ("=1+2", "Development", "亿元")


def test_xlsx_keeps_what_xml_cannot_hold_in_excel_escapes() -> None:
    from nscc_proj.present.workbook import excel_text

    assert excel_text("a\x01b\rc") == "a_x0001_b_x000D_c"
    assert excel_text("_x0041_ stays") == "_x005F_x0041_ stays"
    assert excel_text("plain_text x_1") == "plain_text x_1"


@pytest.fixture
def tiny(tiny_catalog: Catalog) -> Projection:
    return project(tiny_catalog, [scenario_from_dict({"name": "tiny", "growth": TINY_GROWTH})])


def test_charts_drawn_by_a_process_of_their_own_are_the_same(tiny: Projection) -> None:
    """A ChartJob draws in a spawned process what render_charts draws here, and passes its
    progress on: once per chart."""
    here, notes = render_charts(tiny, "zh", date=chart_date(REPORT_TIME))
    ticks: list[int] = []
    with ChartJob() as job:
        job.start(tiny, "zh", None, REPORT_TIME)
        there, their_notes = job.result(lambda: ticks.append(1))
    assert [(c.name, c.png, c.svg) for c in there] == [(c.name, c.png, c.svg) for c in here]
    assert their_notes == notes
    assert len(ticks) == len(here)


def test_charts_are_drawn_here_when_their_process_has_died(tiny: Projection) -> None:
    """Killed (out of memory, say), the chart process is replaced by drawing here."""
    here, notes = render_charts(tiny, "en", date=chart_date(REPORT_TIME))
    with ChartJob() as job:
        job._process.kill()
        job._process.join()
        job.start(tiny, "en", None, REPORT_TIME)
        there, their_notes = job.result()
    assert [(c.name, c.png) for c in there] == [(c.name, c.png) for c in here]
    assert their_notes == notes


def test_an_error_in_the_chart_process_is_raised_in_the_report(tiny: Projection) -> None:
    broken = {("tiny", "gdp"): ("not", "a", "band")}  # six arrays of numbers expected
    with pytest.raises(ValueError, match="convert") as here:
        render_charts(tiny, "en", broken)  # type: ignore[arg-type]
    with ChartJob() as job:
        job.start(tiny, "en", broken, REPORT_TIME)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="convert") as there:
            job.result()
    assert str(there.value) == str(here.value)


def test_a_report_that_fails_does_not_wait_for_its_charts(tiny: Projection) -> None:
    """The chart process ends with the failure, its charts not awaited."""
    job = ChartJob()

    def fail() -> None:
        with job:
            job.start(tiny, "en", None, REPORT_TIME)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail()
    assert not job._process.is_alive()
    with ChartJob() as idle:  # never given a job: it ends when the report closes its pipe
        pass
    assert idle._process.exitcode == 0


def test_the_report_is_the_same_whether_its_charts_are_drawn_apart_or_not(
    monkeypatch: pytest.MonkeyPatch, tiny_table: Path, write_file: Callable[[str, str], Path]
) -> None:
    """On two cores the CLI draws the charts in a process of their own: the same files."""
    monkeypatch.chdir(tiny_table.parent)
    scenario = write_file("tiny.yaml", "name: tiny\ngrowth: {gdp: 0.1, rd_growth: '10%'}\n")
    written = {}
    for cores in (1, 2):
        monkeypatch.setattr("nscc_proj.machine.usable_cores", lambda cores=cores: cores)
        out = tiny_table.parent / f"out{cores}"
        result = invoke(
            "report", "--data", tiny_table, "-s", scenario, "--out", "out", "--simulate", "200"
        )
        assert result.exit_code == 0, result.stderr
        (tiny_table.parent / "out").rename(out)
        written[cores] = {
            p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
        }
    assert written[1] == written[2]
    assert len(written[1]) > 4


def test_fan_bands_are_drawn_where_given(tiny: Projection) -> None:
    """Bands come as the Monte Carlo band table: one row per scenario x series x year."""
    columns = ("scenario", "indicator_key", "year", "p5", "p25", "p50", "p75", "p95")
    rows = tuple(
        ("tiny", "gdp", int(year), 0.8 * value, 0.9 * value, value, 1.1 * value, 1.2 * value)
        for year, value in zip(tiny.years, tiny.paths[0, 0], strict=True)
    )
    bands = bands_from_table(Table(columns, rows))
    assert set(bands) == {("tiny", "gdp")}
    plain, _ = render_charts(tiny, "en")
    fanned, _ = render_charts(tiny, "en", bands)
    by_name = {chart.name: chart.png for chart in plain}
    changed = {chart.name for chart in fanned if chart.png != by_name[chart.name]}
    assert changed == {"indicator_01_gdp"}


def test_strip_cjk_keeps_what_a_latin_font_can_draw() -> None:
    assert strip_cjk("Road network density (公里/平方公里)") == "Road network density"
    assert strip_cjk("公里/平方公里") == ""
    assert strip_cjk("Share (%)") == "Share (%)"


def test_without_a_cjk_font_the_report_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tiny_table: Path, write_file: Callable[[str, str], Path]
) -> None:
    monkeypatch.setattr("nscc_proj.present.charts.cjk_font", lambda: None)
    monkeypatch.setattr("nscc_proj.machine.usable_cores", lambda: 1)  # drawn here, patched
    monkeypatch.chdir(tiny_table.parent)
    scenario = write_file("tiny.yaml", "name: tiny\ngrowth: {gdp: 0.1, rd_growth: '10%'}\n")
    result = invoke("report", "--data", tiny_table, "-s", scenario, "--lang", "zh", "--out", "out")
    assert result.exit_code == 0, result.stderr
    warnings_shown = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert warnings_shown == [f"Warning: {MISSING_FONT_WARNING}"]
    assert "失业率" in (tiny_table.parent / "out" / "report.html").read_text(encoding="utf-8")


def test_chinese_report_has_no_missing_glyphs(chinese: tuple[Path, list[str]]) -> None:
    if cjk_font() is None:
        pytest.skip("no CJK font installed (apt install fonts-noto-cjk)")
    folder, caught = chinese
    assert not [message for message in caught if "missing from font" in message]
    assert not [message for message in caught if "没有字形" in message]
    assert '<html lang="zh">' in (folder / "report.html").read_text(encoding="utf-8")
    assert "## 目标达成情况" in (folder / "summary.md").read_text(encoding="utf-8")
    book = load_workbook(folder / "report.xlsx", read_only=True)
    assert book.sheetnames[:2] == ["摘要", "评估"]  # sheet names in Chinese too
    headers = next(book["评估"].iter_rows(max_row=1, values_only=True))
    book.close()
    assert "预测值" in headers
    assert "指标" in headers


# --- summary.md: its structure, and numbers recomputed from the frozen table ---------------------


def _summary_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Heading (without #) -> the rows of the Markdown table under it, keyed by its header."""
    tables: dict[str, list[dict[str, str]]] = {}
    heading, header = "", list[str]()
    for line in text.splitlines():
        if line.startswith("#"):
            heading, header = line.lstrip("#").strip(), []
        elif line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not header:
                header = cells
            elif not set("".join(cells)) <= set("-:"):
                tables.setdefault(heading, []).append(dict(zip(header, cells, strict=True)))
    return tables


def _frozen_table() -> list[dict[str, str]]:
    with FROZEN_TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _assessable(indicator: dict[str, str]) -> bool:
    """A target can be judged: the indicator has a base value or is itself a growth rate."""
    return indicator["base_value"] != "" or indicator["kind"] == "growth_rate"


def _number(cell: str) -> float:
    """A number as the summary prints it: '≥ 90,000', '30,205.40', '-67.67%' or '7.50% ✗'."""
    return float(re.sub(r"[^\d.\-]", "", cell.replace("−", "-")))


@pytest.fixture(scope="module")
def summary(english: Path) -> str:
    return (english / "summary.md").read_text(encoding="utf-8")


def test_summary_has_its_sections_in_order(summary: str) -> None:
    headings = [line for line in summary.splitlines() if line.startswith("#")]
    assert headings == [
        "# Shenyang, National Central City plan: the targets as of 2025",
        "## The verdict",
        "### Every target at a glance",
        "## Targets met",
        "## Targets met per domain",
        "## Required vs. scenario growth",
    ]
    with (FROZEN_DATA / "observed.csv").open(encoding="utf-8", newline="") as handle:
        observations = len(list(csv.DictReader(handle)))
    assert "As of 2025: milestones up to 2025 are judged on the data" in summary
    assert "Scenarios: base, high." in summary
    assert f"Observed values: observed.csv (shipped), {observations} values." in summary


def _observed() -> list[dict[str, str]]:
    with (FROZEN_DATA / "observed.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_summary_headline_counts_from_the_table_and_the_observations(summary: str) -> None:
    """The verdict's numbers, recounted here: a 2025 target is judged on the data when
    observed.csv holds its 2025 value; the others of the 27 assessable are estimated."""
    table = {row["key"]: row for row in _frozen_table()}
    assessable = [key for key, row in table.items() if _assessable(row)]
    observed_2025 = {
        row["indicator_key"]: float(row["value"])
        for row in _observed()
        if row["year"] == "2025" and row["indicator_key"] in assessable
    }
    met = sum(
        (value >= float(table[key]["target_2025"]))
        if table[key]["op_2025"] == ">="
        else (value <= float(table[key]["target_2025"]))
        for key, value in observed_2025.items()
    )
    counts = {
        (row["Scenario"], row["Year"]): int(row["Met"])
        for row in _summary_tables(summary)["Targets met"]
    }
    verdict = [line[2:] for line in summary.splitlines() if line.startswith("- ")]
    assert verdict[0].startswith(
        f"2025 targets (passed): {met} met and {len(observed_2025) - met} missed on the data "
        f"(observed); {len(assessable) - len(observed_2025)} without a 2025 figure yet are "
        "estimated from the scenarios "
    )
    assert verdict[1] == (
        f"2035 targets on each path: base meets {counts['base', '2035']} of {len(assessable)}, "
        f"high meets {counts['high', '2035']} of {len(assessable)}."
    )
    # The largest shortfalls of the base path: each missed in the verdict table, its gap the
    # distance of the value printed there to the target, in % of the target, largest first.
    rows = {
        row["Indicator"].rsplit(" (", 1)[0]: row
        for row in _summary_tables(summary)["Every target at a glance"]
    }
    assert verdict[2].startswith("Largest shortfalls on the base path: ")
    named = [part.rsplit(" ", 2) for part in verdict[2].split(": ", 1)[1].rstrip(".").split(", ")]
    assert len(named) == 3
    for name, year, gap in named:
        cell = rows[name]["2025 verdict" if year == "2025" else "base 2035"].split(" · ")
        assert cell[1] != "met"
        value, target = _number(cell[0].split()[0]), _number(rows[name][f"{year} target"])
        slack = 100 * 0.005 / target + 0.005 + 1e-9  # both printed to 2 decimals
        assert _number(gap) == pytest.approx(100 * (value - target) / target, abs=slack)
    gaps = [abs(_number(gap)) for _, _, gap in named]
    assert gaps == sorted(gaps, reverse=True)
    assert verdict[3].startswith("From now they need: ")
    assert verdict[4].endswith(
        "targets the base path meets rest on no observation since the base year (†)."
    )


def test_summary_counts_targets_the_way_the_table_allows(
    summary: str, frozen: tuple[Projection, list[Scenario]]
) -> None:
    table = _frozen_table()
    not_assessable = sum(not _assessable(indicator) for indicator in table)
    met_counts = _summary_tables(summary)["Targets met"]
    assert [(row["Scenario"], row["Year"]) for row in met_counts] == [
        (name, year) for name in ("base", "high") for year in ("2025", "2035")
    ]
    assessment = frozen[0].assessment_table
    for row in met_counts:
        met, missed = int(row["Met"]), int(row["Missed"])
        assert int(row["Not assessable"]) == not_assessable
        assert met + missed + not_assessable == len(table)
        assert row["Share met"] == f"{met / (met + missed):.2%}"
        # The same verdicts as the assessment the library returns for the same run.
        verdicts = [
            record["met"]
            for record in assessment
            if (record["scenario"], str(record["milestone"])) == (row["Scenario"], row["Year"])
        ]
        assert (verdicts.count(True), verdicts.count(False)) == (met, missed)
    # Per domain: "k of n" with n the assessable targets of the domain in the table.
    domains = _summary_tables(summary)["Targets met per domain"]
    expected_n = {
        name: sum(_assessable(i) for i in table if i["domain_en"] == name)
        for name in dict.fromkeys(indicator["domain_en"] for indicator in table)
    }
    assert [row["Domain"] for row in domains] == [*expected_n, "All domains"]
    for column in ("base 2025", "base 2035", "high 2025", "high 2035"):
        counts = [row[column].split(" of ") for row in domains]
        assert [int(n) for _, n in counts] == [*expected_n.values(), sum(expected_n.values())]
        assert sum(int(k) for k, _ in counts[:-1]) == int(counts[-1][0])
        scenario, year = column.split()
        total = next(r for r in met_counts if (r["Scenario"], r["Year"]) == (scenario, year))
        assert int(counts[-1][0]) == int(total["Met"])


# Golden values of the verdict table, worked out by hand from tests/data (not by nscc): for every
# indicator of the frozen table, (base 2035, high 2035), each path continued from the indicator's
# latest observation in observed.csv at or before the as-of year 2025 (else from its 2020 base
# value) with the rates of tests/data/scenarios/base.yaml and high.yaml for the years after it;
# None where the table has no 2020 value and nothing is observed (the cell shows "–"). Counts and
# ranks are whole at a milestone (halves up); growth-rate rows are the geometric average of the
# path's yearly rates over 2026-2035, in % as the table prints them. Whether each target is met
# is derived below from these values and the table's targets, not written here.
#
# GDP (base and high) and the rows linked to it. Latest GDP: 9,027.1 (2024, C).
# base: 4.5 % nominal in 2025, 5.5 % a year in 2026-2030, 4.5 % a year in 2031-2035.
_GDP_BASE_2026_2035 = 1.055**5 * 1.045**5
_GDP_BASE_2035 = 9027.1 * 1.045 * _GDP_BASE_2026_2035
# high: nominal = (1 + real)(1 + deflator): real 5.5 % x deflator 0.5 % in 2025, real 6 % x
# deflator 1.5 % a year in 2026-2030, real 5 % x deflator 1.5 % a year in 2031-2035.
_GDP_HIGH_2026_2035 = (1.06 * 1.015) ** 5 * (1.05 * 1.015) ** 5
_GDP_HIGH_2035 = 9027.1 * 1.055 * 1.005 * _GDP_HIGH_2026_2035
# Finance's share of GDP in 2020 (no finance observation): 516 / 6,571.6, in %.
_FINANCE_SHARE_2020 = 100 * 516 / 6571.6


def _whole(value: float) -> int:
    """A count or a rank at a milestone, as the methods read it: the nearest whole, halves up."""
    return math.floor(value + 0.5)


GOLDEN_2035: dict[str, tuple[float | None, float | None]] = {
    # --- City development level
    # GDP: from 9,027.1 (2024) at the rates above; target >= 20,000.
    "1 Gross domestic product": (_GDP_BASE_2035, _GDP_HIGH_2035),
    # Revenue = ratio x GDP, the ratio anchored at the latest observation, 794.2 (2025), over the
    # path's own 2025 GDP; then base moves the ratio -1 % a year in 2026-2035 and high holds it:
    # 794.2 x GDP growth 2026-2035 (x 0.99^10 in base); target >= 2,000.
    "2 General public budget revenue": (
        794.2 * _GDP_BASE_2026_2035 * 0.99**10,
        794.2 * _GDP_HIGH_2026_2035,
    ),
    # Population: 924.3 (2024) x 1.0045^11 in base (0.45 % a year 2025-2035), x 1.008 (2025)
    # x 1.012^10 (2026-2035) in high; target >= 1,200.
    "3 Resident population": (924.3 * 1.0045**11, 924.3 * 1.008 * 1.012**10),
    # Income growth (growth_rate, no 2020 value: assessable from the rates): rate_of urban income,
    # whose yearly growth after its 2024 observation (56,117) is 4.5 % a year 2025-2035 in base,
    # 6.5 % a year 2026-2030 and 6 % a year 2031-2035 in high; the 2035 target (>= 6 %) is the
    # geometric average over 2026-2035, in %.
    "4 Average annual growth of urban and rural disposable income": (
        100 * 0.045,
        100 * ((1.065**5 * 1.06**5) ** (1 / 10) - 1),
    ),
    # --- Integrated hub capacity
    # Airport: 2,056.4 (2023, B) x 1.08^2 (2024-2025) x 1.05^10 (2026-2035) in base,
    # x 1.10^2 x 1.08^10 in high; target >= 6,500.
    "5 Airport passenger throughput": (
        2056.4 * 1.08**2 * 1.05**10,
        2056.4 * 1.10**2 * 1.08**10,
    ),
    # Air routes (count, whole): no observation, 31 (2020) x 1.02^5 x 1.04^10 in base,
    # x 1.05^5 x 1.07^10 in high; target >= 75.
    "6 International air routes": (
        _whole(31 * 1.02**5 * 1.04**10),
        _whole(31 * 1.05**5 * 1.07**10),
    ),
    # China-Europe trains (count): 381 (2020) x 1.10^5 x 1.06^10 in base, x 1.18^5 x 1.10^10
    # in high; target >= 3,000.
    "7 China-Europe freight train departures": (
        _whole(381 * 1.10**5 * 1.06**10),
        _whole(381 * 1.18**5 * 1.10**10),
    ),
    # Freight: no observation, 19,387.7 (2020) x 1.03^15 in base, x 1.06^15 in high; 90,000.
    "8 Freight volume": (19387.7 * 1.03**15, 19387.7 * 1.06**15),
    # --- Industrial competitiveness
    # Industrial output: 5,360 (2020) x 1.055^5 x 1.05^10 in base, x 1.07^15 in high; 20,000.
    "9 Gross output of industry above designated size": (
        5360 * 1.055**5 * 1.05**10,
        5360 * 1.07**15,
    ),
    # High-end equipment share: 26 (2020) + 1.0 or 1.8 points a year for 15 years; target 50.
    "10 High-end equipment share of equipment manufacturing revenue": (
        26 + 1.0 * 15,
        26 + 1.8 * 15,
    ),
    # Digital economy share: no 2020 value, no observation: not projected.
    "11 Digital economy core industries share of GDP": (None, None),
    # Strategic emerging share: 9.7 (2020) + 0.6 or 1.0 points a year for 15 years; target 25.
    "12 Strategic emerging industries share of GDP": (9.7 + 0.6 * 15, 9.7 + 1.0 * 15),
    # --- Science and technology innovation
    # R&D growth (growth_rate, the yearly rate itself, no observation): 8 % every year in base,
    # 10 % a year 2026-2035 in high, so the 2026-2035 average is that rate; target >= 10 %.
    "13 Average annual growth of total R&D spending": (100 * 0.08, 100 * 0.10),
    # Patents per 10,000 residents: no 2020 value, no observation: not projected.
    "14 High-value invention patents per 10000 residents": (None, None),
    # High-tech firms (count): 4,200 (2022, B) x 1.12^3 (2023-2025) x 1.05^10 in base,
    # x 1.18^3 x 1.08^10 in high; target >= 10,000.
    "15 High-tech enterprises": (
        _whole(4200 * 1.12**3 * 1.05**10),
        _whole(4200 * 1.18**3 * 1.08**10),
    ),
    # Innovation platforms (count): 906 (2020) x 1.03^15 in base, x 1.05^15 in high; 1,500.
    "16 Provincial-level and above innovation platforms": (
        _whole(906 * 1.03**15),
        _whole(906 * 1.05**15),
    ),
    # --- Financial services
    # Finance value added = share of GDP x GDP, the share from 2020 (no observation): base holds
    # it; high adds 0.05 point a year in 2021-2025 and 0.15 in 2026-2035; target >= 2,000.
    "17 Value added of the financial sector": (
        _FINANCE_SHARE_2020 / 100 * _GDP_BASE_2035,
        (_FINANCE_SHARE_2020 + 0.05 * 5 + 0.15 * 10) / 100 * _GDP_HIGH_2035,
    ),
    # Listed companies (count): 31 (2020) x 1.03^15 in base, x 1.05^5 x 1.08^10 in high; 100.
    "18 Listed companies": (
        _whole(31 * 1.03**15),
        _whole(31 * 1.05**5 * 1.08**10),
    ),
    # CFCI rank (rank, down, whole places): 22 (2020) - 0.2 a year for 15 years in base,
    # - 0.3 a year in 2021-2025 and - 0.6 in 2026-2035 in high (14.5, halves up: 15); <= 15.
    "19 China Financial Centers Index rank": (
        _whole(22 - 0.2 * 15),
        _whole(22 - 0.3 * 5 - 0.6 * 10),
    ),
    # --- Cultural influence
    # Culture share: 2.7 (2020) + 0.15 or 0.35 points a year for 15 years; target 10.
    "20 Culture and related industries share of GDP": (2.7 + 0.15 * 15, 2.7 + 0.35 * 15),
    # Digital culture parks and culture parks: no 2020 value, no observation: not projected.
    "21 Digital culture industry parks (bases)": (None, None),
    "22 Culture industry parks (bases and blocks)": (None, None),
    # --- Openness
    # Trade: 1,445 (2022, A) x 1.045 (2023) x 1.03^2 (2024-2025) x 1.03^10 in base,
    # x 1.045 x 1.06^2 x 1.05^10 in high; target >= 2,570.
    "23 Total imports and exports": (
        1445 * 1.045 * 1.03**2 * 1.03**10,
        1445 * 1.045 * 1.06**2 * 1.05**10,
    ),
    # FDI: 12.1 (2023, A) x 0.95^2 (2024-2025) x 1.04^10 in base, x 1.05^2 x 1.12^10 in high;
    # target >= 50.
    "24 Foreign direct investment actually used": (
        12.1 * 0.95**2 * 1.04**10,
        12.1 * 1.05**2 * 1.12**10,
    ),
    # International events (count): 20 (2020) x 1.03^5 x 1.05^10 in base, x 1.08^5 x 1.12^10
    # in high; target >= 100.
    "25 Major international events and competitions held per year": (
        _whole(20 * 1.03**5 * 1.05**10),
        _whole(20 * 1.08**5 * 1.12**10),
    ),
    # --- Urban livability
    # Physicians per 1,000 (level): 3.83 (2020) x 1.01^15 in base, x 1.015^15 in high; 4.
    "26 Licensed (assistant) physicians per 1000 residents": (
        3.83 * 1.01**15,
        3.83 * 1.015**15,
    ),
    # Unemployment (rate, down; about 5 +-0.2, met within the band or below it): 5.3 (2020)
    # - 0.04 point a year 2021-2025 - 0.02 a year 2026-2035 in base, - 0.08 and - 0.03 in high.
    "27 Surveyed urban unemployment rate": (
        5.3 - 0.04 * 5 - 0.02 * 10,
        5.3 - 0.08 * 5 - 0.03 * 10,
    ),
    # Schooling years (level): 12.1 (2020) x 1.007^15 in base, x 1.01^15 in high; target 15.
    "28 Average years of schooling of the working-age population": (
        12.1 * 1.007**15,
        12.1 * 1.01**15,
    ),
    # Road density: 8 (2020) x 1.01^15 or x 1.015^15; target 8.
    "29 Road network density": (8 * 1.01**15, 8 * 1.015**15),
    # Green coverage (share): 40.82 (2020) + 0.2 or 0.3 points a year for 15 years; target 43.
    "30 Green coverage of the built-up area": (40.82 + 0.2 * 15, 40.82 + 0.3 * 15),
    # Good-air days (rate): 87.7 (2022, C) + 0 points a year 2023-2025 and + 0.1 a year
    # 2026-2035 in base, + 0.5 a year 2023-2025 and + 0.4 a year 2026-2035 in high; 80.
    "31 Share of days with good or excellent air quality": (
        87.7 + 0.0 * 3 + 0.1 * 10,
        87.7 + 0.5 * 3 + 0.4 * 10,
    ),
}


def _meets_2035(value: float, indicator: dict[str, str]) -> bool:
    """Whether a 2035 value meets the table's target, as the methods define "met": >= X or
    <= X, and "about X" (~) within X +- tolerance or anywhere beyond the band on the good side
    (below it for a ``down`` indicator); equal up to a relative 1e-9 meets."""
    target, op = float(indicator["target_2035"]), indicator["op_2035"]
    if op == "~":
        band = float(indicator["tolerance"])
        target = target + band if indicator["direction"] == "down" else target - band
        op = "<=" if indicator["direction"] == "down" else ">="
    slack = 1e-9 * abs(target)
    return value >= target - slack if op == ">=" else value <= target + slack


def _golden_met_2035() -> dict[str, int]:
    """The 2035 targets each path meets, counted from GOLDEN_2035 and the table's targets."""
    table = {f"{i['id']} {i['name_en']}": i for i in _frozen_table()}
    counts = {"base": 0, "high": 0}
    for name, values in GOLDEN_2035.items():
        for scenario, value in zip(counts, values, strict=True):
            counts[scenario] += value is not None and _meets_2035(value, table[name])
    return counts


def test_summary_verdict_table_golden(summary: str) -> None:
    """The verdict table of summary.md against values worked out here from the frozen data:
    one row per indicator under its domain, 2025 judged on the data where observed (obs)
    and estimated otherwise (est), 2035 per path, and the headline's counts equal to it."""
    table = _frozen_table()
    lines = _summary_tables(summary)["Every target at a glance"]
    domains = [row["Indicator"] for row in lines if row["Indicator"].startswith("**")]
    assert domains == [f"**{d}**" for d in dict.fromkeys(i["domain_en"] for i in table)]
    rows = {
        row["Indicator"].rsplit(" (", 1)[0]: row
        for row in lines
        if not row["Indicator"].startswith("**")
    }
    assert list(rows) == [f"{i['id']} {i['name_en']}" for i in table]
    # 2025: observed values are the verdict; the others are the base path's estimate.
    observed_2025 = {
        row["indicator_key"]: float(row["value"]) for row in _observed() if row["year"] == "2025"
    }
    met_on_data = 0
    for indicator in table:
        cell = rows[f"{indicator['id']} {indicator['name_en']}"]["2025 verdict"]
        if not _assessable(indicator):
            assert cell == "–"
        elif indicator["key"] in observed_2025:
            value = observed_2025[indicator["key"]]
            met = value >= float(indicator["target_2025"])
            met_on_data += met
            assert cell.startswith(f"{value:,.2f} obs · ")
            assert cell.endswith(" · met") == met
        else:
            assert " est · " in cell
    assert met_on_data == 0  # revenue 794.2 against 1,000: the one 2025 figure, missed
    # 2035: every row golden, to the cent (counts and ranks whole, growth rates in %), and its
    # verdict derived from the table's target; "–" where the table has no 2020 value.
    assert list(GOLDEN_2035) == list(rows)
    for indicator in table:
        name = f"{indicator['id']} {indicator['name_en']}"
        target, op = float(indicator["target_2035"]), indicator["op_2035"]
        shown = rows[name]["2035 target"]
        if op == "~":
            assert shown == f"≈ {target:g} ±{float(indicator['tolerance']):g}", name
        else:
            assert shown.startswith({">=": "≥ ", "<=": "≤ "}[op]), name
            assert _number(shown) == target, name
        for scenario, expected in zip(("base", "high"), GOLDEN_2035[name], strict=True):
            cell = rows[name][f"{scenario} 2035"]
            assert (expected is None) == (not _assessable(indicator)), name
            if expected is None:
                assert cell == "–", (name, scenario)
                continue
            value, outcome = cell.split(" · ")[:2]
            assert _number(value) == pytest.approx(expected, abs=0.006), (name, scenario)
            assert (outcome == "met") == _meets_2035(expected, indicator), (name, scenario)
    # The counts: the table's "met" cells, the counts derived from the golden rows and the
    # headline sentence agree.
    met_2035 = _golden_met_2035()
    assessable = sum(_assessable(indicator) for indicator in table)
    for scenario, count in met_2035.items():
        cells = [row[f"{scenario} 2035"].split(" · ") for row in rows.values()]
        assert sum(cell[1:2] == ["met"] for cell in cells) == count, scenario
    sentences = [line[2:] for line in summary.splitlines() if line.startswith("- ")]
    assert sentences[0].startswith(
        f"2025 targets (passed): {met_on_data} met and {len(observed_2025) - met_on_data} "
        f"missed on the data (observed); {assessable - len(observed_2025)} without a 2025 "
        "figure yet are estimated from the scenarios "
    )
    assert sentences[1] == (
        f"2035 targets on each path: base meets {met_2035['base']} of {assessable}, "
        f"high meets {met_2035['high']} of {assessable}."
    )
    # The first column: the base path's 2035 outcome.
    for row in rows.values():
        outcome = row["base 2035"].split(" · ")[1] if row["base 2035"] != "–" else None
        icon = {"met": "✓", None: "–", "moving away": "↘"}.get(outcome, "✗")
        assert row[""] == icon, row


def _expected_need(indicator: dict[str, str], year: int) -> tuple[int, float, str] | None:
    """(from year, need a year, unit suffix) of a target, from the latest observation up to
    2025 (the as-of year) after the base year, else the base; None once the milestone is
    observed. Growth-rate rows are checked by hand below."""
    target, kind = float(indicator[f"target_{year}"]), indicator["kind"]
    mine = sorted(
        (int(row["year"]), float(row["value"]))
        for row in _observed()
        if row["indicator_key"] == indicator["key"] and int(row["year"]) <= min(2025, year)
    )
    start, value = int(indicator["base_year"]), float(indicator["base_value"])
    latest_year, latest = mine[-1] if mine and mine[-1][0] > start else (start, value)
    if latest_year >= year:
        return None
    up = indicator["direction"] == "up"
    tolerance = float(indicator["tolerance"] or 0) if indicator[f"op_{year}"] == "~" else 0.0
    edge = target - tolerance if up else target + tolerance
    years = year - latest_year
    if kind in ("level", "count"):
        return latest_year, (edge / latest) ** (1 / years) - 1, "%"
    return latest_year, (edge - latest) / years, " pl" if kind == "rank" else " pt"


def test_summary_needs_are_from_the_latest_value_in_the_indicators_unit(summary: str) -> None:
    """Need/yr from now: % a year for levels and counts, points for shares and rates,
    places for ranks, from the latest observation (as of 2025) or the base without one."""
    rows = {
        (row["Indicator"], row["Year"]): row
        for row in _summary_tables(summary)["Required vs. scenario growth"]
    }
    checked = 0
    for indicator in _frozen_table():
        if not _assessable(indicator) or indicator["kind"] == "growth_rate":
            continue
        name = f"{indicator['id']} {indicator['name_en']} ({indicator['unit_en']})"
        for year in (2025, 2035):
            expected = _expected_need(indicator, year)
            if expected is None:
                assert (name, str(year)) not in rows
                continue
            start, need, unit = expected
            row = rows[(name, str(year))]
            amount = need * 100 if unit == "%" else need
            shown = row["Need/yr from now"].removeprefix("met ")
            assert shown == f"{amount:+.2f}{unit}", (name, year, row)
            assert (
                row["Latest (year, grade)"] == "†" or f"({start}, " in row["Latest (year, grade)"]
            )
            checked += 1
    assert checked > 40


def test_summary_needs_by_hand(summary: str) -> None:
    """GDP needs 7.50 % a year from 2024 (9,027.1) to 20,000 in 2035; revenue 9.68 % a year
    from 794.2 in 2025 to 2,000; income growth 2025 needs 13.07 % in 2025 after 4.30 % a
    year in 2021-2024 (averaging 6 % over 2021-2025). The base path's own pace from the
    same value: GDP 4.5 % in 2025 (tests/data/scenarios/base.yaml), then 5.5 % a year in
    2026-2030 and 4.5 % in 2031-2035."""
    rows = _summary_tables(summary)["Required vs. scenario growth"]
    by_id = {(row["Indicator"].split()[0], row["Year"]): row for row in rows}
    assert by_id["1", "2035"]["Need/yr from now"] == f"{(20000 / 9027.1) ** (1 / 11) - 1:+.2%}"
    assert by_id["1", "2035"]["Need/yr from now"] == "+7.50%"
    assert by_id["2", "2035"]["Need/yr from now"] == "+9.68%"
    assert ("2", "2025") not in by_id  # observed in 2025: judged, nothing left to need
    assert by_id["4", "2025"]["Need/yr from now"] == "+13.07% left"
    gdp_2035 = 9027.1 * 1.045 * 1.055**5 * 1.045**5
    assert by_id["1", "2025"]["base/yr"] == "+4.50% ✗"
    assert by_id["1", "2035"]["base/yr"] == f"{(gdp_2035 / 9027.1) ** (1 / 11) - 1:+.2%} ✗"


def test_a_failed_run_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tiny_table: Path, write_file: Callable[[str, str], Path]
) -> None:
    """Everything renders in memory before the first file is written."""

    def broken(*args: object) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr("nscc_proj.present.report.workbook_bytes", broken)
    scenario = write_file("tiny.yaml", "name: tiny\ngrowth: {gdp: 0.1}\n")
    out = tiny_table.parent / "out"
    result = invoke("report", "--data", tiny_table, "-s", scenario, "--out", out)
    assert result.exit_code == 3, result.stderr
    assert "RuntimeError: boom" in result.stderr
    assert not out.exists()


def test_an_output_path_that_is_a_file_fails_before_rendering(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    result = invoke("report", "--out", tmp_path / "taken")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("taken: the output path exists and is not a folder")
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"


def test_an_interrupted_write_leaves_no_temporary_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("nscc_proj.present.export.os.replace", refuse)
    with pytest.raises(Exception, match="No space left"):
        write_atomic(tmp_path / "chart.png", b"data")
    assert list(tmp_path.iterdir()) == []


# --- The as-of readings in the HTML, the workbook and the charts ---------------------------------


def test_html_tells_the_as_of_story(english: Path, chinese: tuple[Path, list[str]]) -> None:
    page = (english / "report.html").read_text(encoding="utf-8")
    assert "<title>Shenyang, National Central City plan: the targets as of 2025</title>" in page
    assert re.search(r'<ul class="headline">\s*<li>2025 targets \(passed\): ', page)
    # Revenue's 2025 value is an observation (794.2, grade C); GDP's is the scenario's estimate.
    assert '794.20 <span class="ev obs">obs</span>' in page
    assert re.search(r'9,433\.32 <span class="ev est">est</span>', page)
    assert "<th>Need/yr from now</th>" in page
    assert "<td>behind 72/80</td>" in page  # GDP 2025: completion 72 % against 80 % of the time
    zh = (chinese[0] / "report.html").read_text(encoding="utf-8")
    assert "截至 2025 年" in zh
    assert '794.20 <span class="ev obs">观测</span>' in zh
    for english_word in ("Need/yr", "Latest (year", "The verdict", "obs:", "passed"):
        assert english_word not in zh


def test_workbook_carries_the_readings(english: Path) -> None:
    book = load_workbook(english / "report.xlsx", read_only=True)
    header = next(book["Assessment"].iter_rows(max_row=1, values_only=True))
    assert header[3:6] == ("Indicator", "Domain", "Unit")
    for column in ("Evidence", "Latest year", "Latest grade", "Schedule", "Need a year"):
        assert column in header
    metadata = {row[0]: row[1] for row in book["Metadata"].iter_rows(values_only=True)}
    book.close()
    assert metadata["as of (data cut-off) / 截至年份"] == 2025
    assert str(metadata["command line / 命令行"]).startswith("nscc ")
    thresholds = str(metadata["outcome thresholds / 情景结果阈值"])
    assert f"too slow (far_off): 0 <= R < {FAR_OFF_RATIO}" in thresholds
    assert (
        metadata["title / 标题"] == "Shenyang, National Central City plan: the targets as of 2025"
    )


def test_charts_mark_where_the_data_end(frozen: tuple[Projection, list[Scenario]]) -> None:
    from nscc_proj.present.charts import data_end

    projection = frozen[0]
    catalog = projection.catalog
    assert data_end(projection, catalog["gdp"]) == 2024
    assert data_end(projection, catalog["budget_revenue"]) == 2025
    assert data_end(projection, catalog["income_growth"]) == 2024  # read off urban income
    assert data_end(projection, catalog["intl_air_routes"]) == 2020  # the base only


def _fake_probabilities(projection: Projection) -> Table:
    """A Monte Carlo table of the simulation's shape, with made-up numbers."""
    from nscc_proj.analysis.simulation import SIMULATION_COLUMNS

    rows = []
    for row in projection.assessment_table.records():
        milestone = int(str(row["milestone"]))
        indicator = projection.catalog[str(row["indicator_key"])]
        p = 1.0 if row["evidence"] == "observed" else 0.25 + 0.001 * indicator.id
        cells = dict.fromkeys(SIMULATION_COLUMNS)
        cells |= {
            "scenario": row["scenario"],
            "scope": "target",
            "domain": indicator.domain_en,
            "indicator_id": indicator.id,
            "indicator_key": indicator.key,
            "milestone": milestone,
            "as_of": row["as_of"],
            "evidence": row["evidence"],
            "probability": p,
        }
        rows.append(tuple(cells.values()))
    for domain in dict.fromkeys(ind.domain_en for ind in projection.catalog.indicators):
        cells = dict.fromkeys(SIMULATION_COLUMNS)
        cells |= {"scenario": "tiny", "scope": "domain", "domain": domain, "probability": 0.125}
        rows.append(tuple(cells.values()))
    return Table(SIMULATION_COLUMNS, tuple(rows))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_simulated_probabilities_per_target_and_per_domain(tiny: Projection, lang: str) -> None:
    probabilities = _fake_probabilities(tiny)
    scenarios = [scenario_from_dict({"name": "tiny", "growth": TINY_GROWTH})]
    report = build_report(
        tiny, scenarios, lang, probabilities=probabilities, paths=1000, run_time=REPORT_TIME
    )  # type: ignore[arg-type]
    page = report.files["report.html"].decode()
    heading = "tiny: P(met)" if lang == "en" else "tiny：达标概率"
    assert f"<th>{heading}</th>" in page
    assert '<td class="num">25.1%' in page  # GDP (id 1) in every milestone
    assert ("share of 1,000 simulated paths" if lang == "en" else "1,000 条模拟路径") in page
    domain = "Development" if lang == "en" else "发展"
    assert f"<tr><td>{domain}</td>" in page  # the joint table names domains in the language
    summary = report.files["summary.md"].decode()
    # Each target's probability in the verdict table: beside each path's value of a milestone
    # ahead, and for a passed milestone every path's in one column.
    verdict = _summary_tables(summary)[
        "Every target at a glance" if lang == "en" else "各项指标一览"
    ]
    gdp = next(row for row in verdict if row[label("indicator", lang)].startswith("1 "))  # type: ignore[arg-type]
    assert gdp["tiny 2035" if lang == "en" else "tiny 2035 年"].endswith(
        "P 25.1%" if lang == "en" else "概率 25.1%"
    )
    assert gdp["P(met) 2025: tiny" if lang == "en" else "2025 年达标概率：tiny"].startswith("25.1%")
    book = load_workbook(io.BytesIO(report.files["report.xlsx"]))
    names = ["target_probabilities", "domain_probabilities", "metadata"]
    sheets = [label(f"sheet.{name}", lang) for name in names]  # type: ignore[arg-type]
    assert book.sheetnames[-3:] == sheets
    target_sheet = list(book[sheets[0]].iter_rows(values_only=True))
    probability_column = target_sheet[0].index(header("probability", lang))  # type: ignore[arg-type]
    assert book[sheets[0]].cell(2, probability_column + 1).number_format == "0.00%"
    domains = [row[2] for row in book[sheets[1]].iter_rows(min_row=2, values_only=True)]
    assert domain in domains


# English words a Chinese report must not show: the domains and the shipped scenarios'
# descriptions as the frozen files write them, and words of the report's own making.
ENGLISH_WORDS = (
    "City development level",
    "Cultural influence",
    "Financial services",
    "Industrial competitiveness",
    "Integrated hub capacity",
    "Openness",
    "Science and technology innovation",
    "Urban livability",
    "Recent trends continue",
    "Most of the plan's ambition",
    "(shipped)",
    "(rank)",
    "Scenario",
    "Indicator",
    "Target",
    "observed values",
)
# Scenario names, as words (file paths in the methodology name their files).
ENGLISH_SCENARIO_NAMES = re.compile(r"\b(?:base|high)\b")


class _Text(HTMLParser):
    """The text a reader sees: text nodes (not scripts or styles) and image descriptions."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.texts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")
        self.texts += [value or "" for name, value in attrs if name in ("alt", "title")]

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")


def _visible_text(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return [text for text in parser.texts if text.strip()]


def test_the_chinese_report_shows_no_english_domain_or_scenario_word(
    chinese: tuple[Path, list[str]],
) -> None:
    page = (chinese[0] / "report.html").read_text(encoding="utf-8")
    texts = _visible_text(page)
    found = [(word, text) for text in texts for word in ENGLISH_WORDS if word in text]
    assert not found
    # The what-if panel names the scenario its download extends as the file must (base).
    outside_whatif = re.sub(r'<section id="whatif".*?</section>', "", page, flags=re.S)
    named = [
        text
        for text in _visible_text(outside_whatif)
        if ENGLISH_SCENARIO_NAMES.search(text) and not text.endswith((".yaml", ".yml"))
    ]
    assert not named
    shown = " ".join(texts)
    assert "基准" in shown
    assert "高增长" in shown
    summary = (chinese[0] / "summary.md").read_text(encoding="utf-8")
    assert not [word for word in ENGLISH_WORDS if word in summary]


def test_the_english_report_gives_units_in_english(english: Path) -> None:
    """Units in the tables come from the table's unit_en column (the frozen table's words)."""
    page = (english / "report.html").read_text(encoding="utf-8")
    before_sources = page.split('id="methodology"')[0]
    for unit in ("亿元", "万人", "万吨", "亿美元", "公里"):
        assert unit not in before_sources, unit
    assert "1 Gross domestic product (CNY 100 million)" in page
    assert "3 Resident population (10,000 people)" in page


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_the_page_does_not_scroll_sideways_on_a_phone(
    english: Path, chinese: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """At 400 CSS pixels (in a frame: a headless window is at least 500 wide), the page is
    no wider than the screen; wide tables scroll inside their own box."""
    for lang, report in (("en", english / "report.html"), ("zh", chinese[0] / "report.html")):
        probe = tmp_path / f"phone-{lang}.html"
        probe.write_text(
            report.read_text(encoding="utf-8").replace("<head>", "<head>" + _WIDTH_PROBE, 1),
            encoding="utf-8",
        )
        frame = tmp_path / f"frame-{lang}.html"
        frame.write_text(_FRAME.format(src=probe.name), encoding="utf-8")
        dom = _chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", frame.as_uri())
        found = re.search(r'<pre id="nscc-probe">(.*?)</pre>', dom.stdout)
        assert found, dom.stderr[-2000:]
        widths = json.loads(found.group(1).replace("&quot;", '"'))
        assert widths["client"] == 400, lang
        assert widths["scroll"] <= widths["client"], (lang, widths)


_WIDTH_PROBE = """<script>
window.addEventListener("load", () => {
  const root = document.documentElement;
  parent.postMessage(JSON.stringify({scroll: root.scrollWidth, client: root.clientWidth}), "*");
});
</script>"""
_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:400px;height:900px;border:0"></iframe>
<script>addEventListener("message", (e) => {{
  const probe = document.createElement("pre");
  probe.id = "nscc-probe";
  probe.textContent = e.data;
  document.body.appendChild(probe);
}});</script></body></html>"""


def test_a_shipped_scenario_is_named_by_its_file_not_its_place_in_the_package(
    tmp_path: Path,
) -> None:
    from nscc_proj.inputs.scenario import shipped_scenario_dir
    from nscc_proj.present.report_html import _scenario_file

    shipped = str(shipped_scenario_dir() / "base.yaml")
    assert _scenario_file(shipped, "en") == "base.yaml (shipped)"
    assert _scenario_file(shipped, "zh") == "base.yaml（随附）"
    own = str(tmp_path / "scenarios" / "base.yaml")
    assert _scenario_file(own, "zh") == own
    assert _scenario_file(None, "en") == ""


def test_the_verdict_gives_the_same_latest_value_as_the_other_tables(summary: str) -> None:
    """A growth-rate target's 2035 period has no reading yet; its latest value is still the
    average so far that the 2025 target reads (4.30 % over 2021-2024 for urban income)."""
    verdict = _summary_tables(summary)["Every target at a glance"]
    growth = _summary_tables(summary)["Required vs. scenario growth"]
    for row in growth:
        name = row["Indicator"]
        mine = [r for r in verdict if r["Indicator"] == name]
        if mine and row["Latest (year, grade)"] != "†":
            assert mine[0]["Latest (year, grade)"] == row["Latest (year, grade)"], name
