"""report.xlsx read back: sheets, headers, cell types, number formats and metadata.

Four reports through the CLI on the frozen data (tests/data): en and zh, with and
without ``--simulate``. The charts are drawn once, by the first, and reused by the
others: the workbook does not read them, and drawing them is most of a report's time.
Expected formats are derived here from the inputs (each row's need unit, the compiled
scenario's growth mode and links, the indicator's kind), not from the workbook's tables.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import nscc_proj.cli.report  # noqa: F401 - registers `nscc report` on the app
import nscc_proj.present.report as report_module
from conftest import FROZEN_DATA, frozen_data, frozen_scenario
from nscc_proj.analysis.projection import ASSESSMENT_COLUMNS
from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.analysis.simulation import SIMULATION_COLUMNS, simulate
from nscc_proj.cli import app
from nscc_proj.cli.common import load_inputs
from nscc_proj.core.engine import Link, Mode
from nscc_proj.inputs.catalog import Kind
from nscc_proj.present.charts import render_charts
from nscc_proj.present.labels import Lang, label
from nscc_proj.present.workbook import header

PERCENT, NUMBER, COUNT, YEAR, POINTS = "0.00%", "#,##0.00", "#,##0", "0", "0.00"
SCENARIOS = ("base", "high")
PATHS, SEED, AS_OF = 200, 7, 2025  # the frozen calendar stands in 2026: data as of 2025
RUNS = [(lang, simulated) for lang in ("en", "zh") for simulated in (False, True)]
PROBABILITIES = ("probability", "probability_se", "probability_analytic")

# Columns of each sheet by CSV code, in order, as the workbook shows them.
ASSESSMENT = (*ASSESSMENT_COLUMNS[:3], "indicator", "domain", "unit", *ASSESSMENT_COLUMNS[3:])
ASSESSMENT_SIMULATED = (
    *ASSESSMENT[: ASSESSMENT.index("outcome") + 1],
    *PROBABILITIES,
    *ASSESSMENT[ASSESSMENT.index("outcome") + 1 :],
)
_TARGET_CODES = [code for code in SIMULATION_COLUMNS if code not in ("scope", "domain")]
TARGET_PROBABILITIES = (*_TARGET_CODES[:3], "indicator", "domain", "unit", *_TARGET_CODES[3:])
DOMAIN_PROBABILITIES = ("scenario", "scope", "domain", "milestone", "as_of", *PROBABILITIES)
SUMMARY = ("scenario", "milestone", "domain", "targets", "met", "missed", "not_assessable")
COLUMNS = {
    "summary": (*SUMMARY, "met_share"),
    "assessment": ASSESSMENT,
    "target_probabilities": TARGET_PROBABILITIES,
    "domain_probabilities": DOMAIN_PROBABILITIES,
    "metadata": ("field", "value"),
}
# Columns whose every filled cell is a number in one format, by sheet.
FORMATTED = {
    "summary": {
        **dict.fromkeys(("targets", "met", "missed", "not_assessable"), COUNT),
        "met_share": PERCENT,
        "milestone": YEAR,
    },
    "assessment": {
        **dict.fromkeys(("indicator_id", "milestone", "as_of", "base_year", "latest_year"), YEAR),
        **dict.fromkeys(("base_value", "target_value", "projected_value", "gap"), NUMBER),
        "latest_value": NUMBER,
        **dict.fromkeys(("gap_rel", "scenario_cagr", "required_cagr_from_base"), PERCENT),
        **dict.fromkeys(("completion_progress", "time_progress"), PERCENT),
    },
    "target_probabilities": {
        **dict.fromkeys(("target_value", "deterministic", "p5", "p25", "p50", "p75"), NUMBER),
        "p95": NUMBER,
        **dict.fromkeys(PROBABILITIES, PERCENT),
    },
    "domain_probabilities": dict.fromkeys(PROBABILITIES, PERCENT),
    "indicators": {
        **dict.fromkeys(("base_value", "target_2025", "target_2035", "tolerance"), NUMBER),
        "base_year": YEAR,
    },
}
NEED_FORMAT = {"rate": PERCENT, "rate_remaining": PERCENT, "points": POINTS, "places": POINTS}


def _sheet_names(lang: Lang, simulated: bool) -> list[str]:
    names = ["summary", "assessment", "required", "paths", "observed", "indicators"]
    names += ["target_probabilities", "domain_probabilities"] if simulated else []
    return [label(f"sheet.{name}", lang) for name in [*names, "metadata"]]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Path]:
    """report.xlsx of each run in RUNS, written by ``nscc report`` from an empty folder."""
    out = {}
    drawn: list[Any] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        if not drawn:
            drawn.append(render_charts(*args, **kwargs))
        return drawn[0]

    for lang, simulated in RUNS:
        folder = tmp_path_factory.mktemp(f"{lang}-{'sim' if simulated else 'det'}")
        args = ["report", "-s", SCENARIOS[0], "-s", SCENARIOS[1], "--lang", lang, "--out", "r"]
        args += ["--simulate", str(PATHS), "--seed", str(SEED)] if simulated else []
        with frozen_data(), pytest.MonkeyPatch.context() as patch:
            patch.chdir(folder)
            patch.setattr(sys, "argv", ["nscc", *args])  # the command line the metadata states
            patch.setattr(report_module, "render_charts", once)
            result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        out[lang, simulated] = folder / "r" / "report.xlsx"
    return out


def _read(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows of (value, number format) cells."""
    book = load_workbook(path)
    sheets = {
        sheet.title: [tuple((cell.value, cell.number_format) for cell in row) for row in sheet]
        for sheet in book
    }
    book.close()
    return sheets


def _by_code(rows: list[tuple[Any, ...]], lang: Lang, codes: Any) -> dict[str, list[Any]]:
    """A sheet's (value, number format) cells of each column, by CSV code, found through
    its header in ``lang``."""
    position = {value: k for k, (value, _) in enumerate(rows[0])}
    return {code: [row[position[header(code, lang)]] for row in rows[1:]] for code in codes}


@pytest.fixture(scope="module")
def read(books: dict[tuple[str, bool], Path]) -> dict[tuple[str, bool], dict[str, Any]]:
    return {run: _read(path) for run, path in books.items()}


@pytest.mark.parametrize(("lang", "simulated"), RUNS)
def test_sheets_and_their_columns(
    read: dict[tuple[str, bool], dict[str, Any]], lang: Lang, simulated: bool
) -> None:
    sheets = read[lang, simulated]
    assert list(sheets) == _sheet_names(lang, simulated)
    for role, codes in COLUMNS.items():
        name = label(f"sheet.{role}", lang)
        if name not in sheets:
            assert role.endswith("probabilities")
            assert not simulated
            continue
        if role == "assessment" and simulated:
            codes = ASSESSMENT_SIMULATED
        headers = [value for value, _ in sheets[name][0]]
        assert headers == [header(code, lang) for code in codes], name
    for name, rows in sheets.items():
        headers = [value for value, _ in rows[0]]
        assert len(set(headers)) == len(headers), name
        # Every header is a word of the catalogue, never a bare column code.
        assert not [h for h in headers if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", str(h))], name
        if lang == "zh":
            assert not [h for h in headers if re.fullmatch(r"[A-Za-z ().,/]+", str(h))], name


@pytest.mark.parametrize(("lang", "simulated"), RUNS)
def test_numbers_are_numbers_in_their_formats(
    read: dict[tuple[str, bool], dict[str, Any]], lang: Lang, simulated: bool
) -> None:
    sheets = read[lang, simulated]
    for role, formats in FORMATTED.items():
        name = label(f"sheet.{role}", lang)
        if name not in sheets:
            continue
        if role == "assessment" and simulated:
            formats = {**formats, **dict.fromkeys(PROBABILITIES, PERCENT)}
        for code, cells in _by_code(sheets[name], lang, formats).items():
            filled = [(value, shown) for value, shown in cells if value is not None]
            assert filled, (name, code)
            wrong = [
                (value, shown)
                for value, shown in filled
                if isinstance(value, bool)
                or not isinstance(value, int | float)
                or shown != formats[code]
            ]
            assert not wrong, (name, code, wrong[:3])
    # Text stays text: no number was written as a string anywhere.
    for name, rows in sheets.items():
        if name == label("sheet.metadata", lang):
            continue
        for row in rows[1:]:
            texts = [value for value, _ in row if isinstance(value, str)]
            assert not [text for text in texts if re.fullmatch(r"-?[\d,]+(\.\d+)?%?", text)], name


@pytest.mark.parametrize(("lang", "simulated"), RUNS)
def test_a_need_a_year_reads_in_its_own_unit(
    read: dict[tuple[str, bool], dict[str, Any]], lang: Lang, simulated: bool
) -> None:
    """0.1078 of a rate need reads 10.78 %; a need in points or places is a plain number."""
    rows = read[lang, simulated][label("sheet.assessment", lang)]
    cells = _by_code(rows, lang, ("need_per_year", "need_unit"))
    units = set()
    for (value, shown), (unit, _) in zip(cells["need_per_year"], cells["need_unit"], strict=True):
        if value is None:
            assert unit is None
            continue
        units.add(unit)
        assert isinstance(value, float | int)
        assert shown == NEED_FORMAT[unit], (value, unit, shown)
    assert units == set(NEED_FORMAT)  # the frozen data have a need of every unit


@pytest.fixture(scope="module")
def simulation() -> Any:
    """The report's simulation run again through the library (its metadata and modes)."""
    with frozen_data():
        catalog, observed = load_inputs(None, None, False)
    scenarios = [frozen_scenario(name) for name in SCENARIOS]
    return simulate(catalog, scenarios, observed, paths=PATHS, seed=SEED, as_of=AS_OF)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_simulation_columns_are_formatted_by_the_series(
    read: dict[tuple[str, bool], dict[str, Any]], simulation: Any, lang: Lang
) -> None:
    """Volatility is a log-growth fraction (percent) where the scenario compounds the series
    (or a linked series' ratio or count), else in its units; the anchor error is relative
    for levels and counts."""
    catalog = simulation.catalog
    arrays = compile_scenarios(catalog, [frozen_scenario(name) for name in SCENARIOS])
    rows = read[lang, True][label("sheet.target_probabilities", lang)]
    codes = ("scenario", "indicator_key", "volatility", "anchor_error")
    cells = _by_code(rows, lang, codes)
    seen = set()
    for (scenario, _), (key, _), (volatility, shown), (anchor, anchor_shown) in zip(
        *cells.values(), strict=True
    ):
        s, n = SCENARIOS.index(scenario), catalog.index[key]
        own = arrays.link[s][n] != Link.RATE_OF
        compound = arrays.mode[s][n] == Mode.COMPOUND
        expected = PERCENT if own and compound else NUMBER
        seen.add(expected)
        assert isinstance(volatility, float | int)
        assert shown == expected, (scenario, key)
        relative = catalog[key].kind in (Kind.LEVEL, Kind.COUNT)
        assert isinstance(anchor, float | int)
        assert anchor_shown == (PERCENT if relative else NUMBER), key
    assert seen == {PERCENT, NUMBER}


def _metadata(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {row[0][0]: row[1][0] for row in rows[1:]}


def _frozen_observations() -> list[dict[str, str]]:
    with (FROZEN_DATA / "observed.csv").open(encoding="utf-8") as file:
        return [row for row in csv.DictReader(file) if int(row["year"]) <= AS_OF]


@pytest.mark.parametrize(("lang", "simulated"), RUNS)
def test_metadata_rows(
    read: dict[tuple[str, bool], dict[str, Any]],
    simulation: Any,
    lang: Lang,
    simulated: bool,
) -> None:
    metadata = _metadata(read[lang, simulated][label("sheet.metadata", lang)])
    assert metadata["language / 语言"] == lang
    assert metadata["as of (data cut-off) / 截至年份"] == AS_OF
    assert metadata["seed / 随机种子"] == (SEED if simulated else None)
    assert metadata["simulated paths / 模拟路径数"] == (PATHS if simulated else None)
    command = str(metadata["command line / 命令行"])
    assert command.startswith("nscc report -s base -s high")
    assert ("--simulate" in command) is simulated
    assert "too slow (far_off)" in str(metadata["outcome thresholds / 情景结果阈值"])
    # The observations the run stands on: every source once, counts by grade and vintage.
    observed = _frozen_observations()
    sources = {value for field, value in metadata.items() if field.startswith("data source ")}
    assert sources == {row["source"] for row in observed}
    assert len([field for field in metadata if field.startswith("data source ")]) == len(sources)
    for grade in ("A", "B", "B-derived", "C"):
        count = metadata[f"observations of grade {grade} / {grade} 级观测值个数"]
        assert count == sum(row["grade"] == grade for row in observed), grade
    vintages = {
        "estimate": "预计数",
        "preliminary": "初步数",
        "final": "最终数",
    }
    for vintage, chinese in vintages.items():
        count = metadata[f"observations, {vintage} / 观测值个数（{chinese}）"]
        assert count == sum((row.get("vintage") or "final") == vintage for row in observed)
    # With --simulate, where each scenario's volatilities come from, as `nscc simulate` says.
    notes = {field: value for field, value in metadata.items() if "波动率来源" in field}
    expected = {
        f"volatility sources: {name} / 波动率来源：{name}": line.removeprefix(f"{name}: ")
        for name, line in zip(SCENARIOS, simulation.volatility_notes(), strict=True)
    }
    assert notes == (expected if simulated else {})
    # The glossary names every column of every sheet, the simulation's too.
    for code in (
        "need_per_year",
        "gap_rel",
        *(("volatility", "anchor_error") if simulated else ()),
    ):
        assert metadata[f"column {code}"] == f"{header(code, 'en')} / {header(code, 'zh')}"
    assert ("column probability" in metadata) is simulated
