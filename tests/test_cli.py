"""End-to-end tests of the ``nscc`` command through typer's CliRunner.

Every test runs in its own empty working folder (``workdir``), so the
``scenarios/NAME.yaml`` lookup only finds what a test writes there and no
test can write into the repository. There the shipped table, observations and
scenarios are the frozen copies in tests/data: the numbers below are theirs.
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer.main

import nscc_proj
from cli_helpers import assert_input_error, csv_header, csv_rows, find_row, run
from conftest import FROZEN_SCENARIOS
from nscc_proj.analysis.projection import ASSESSMENT_COLUMNS, PATH_COLUMNS
from nscc_proj.analysis.requirements import REQUIRED_COLUMNS
from nscc_proj.cli import app, app_for, leave
from nscc_proj.inputs.catalog import Catalog

WriteFile = Callable[[str, str], Path]

SHIPPED_SCENARIOS = ("base", "high", "low")
N_INDICATORS = 31
MILESTONES = (2025, 2035)
# Keys of the frozen table without a 2020 value (only the growth_rate one still gets a path).
NO_BASE_VALUE = {
    "income_growth",
    "digital_economy_share",
    "high_value_patents_per_10k",
    "digital_culture_parks",
    "culture_parks",
}
NOT_PROJECTABLE = NO_BASE_VALUE - {"income_growth"}

# A scenario for the tiny table of conftest (keys gdp, jobless, rank, rd_growth, share, parks).
TINY_SCENARIO = """\
name: tiny
description: every key of the tiny table
growth:
  gdp: 0.1
  jobless: {change: -0.1}
  rank: {change: -0.5}
  rd_growth: "10%"
  share: {change: 1}
  parks: 0.1
"""


# --- help and version ---------------------------------------------------------------------------

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_the_app_registers_the_documented_commands() -> None:
    assert {"project", "required", "check", "indicators"} <= set(COMMANDS)


def test_app_help_lists_every_command(workdir: Path) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Project the targets of a city's indicator table" in result.stdout
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s+\S", result.stdout, re.MULTILINE), name


def test_no_arguments_shows_help() -> None:
    result = run()
    assert result.exit_code == 2  # click's no_args_is_help is a usage error
    assert "Usage: nscc" in result.stdout + result.stderr


def _options(command: Any) -> list[tuple[str, tuple[str, ...]]]:
    return [(param.name, tuple(getattr(param, "opts", ()))) for param in command.params]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_run_builds_only_the_command_it_names(name: str) -> None:
    """``app_for`` leaves out every other command, and the one it keeps is built as in
    the whole app: the same options, the same subcommands."""
    for args in ([name, "--help"], ["--debug", name]):
        built = typer.main.get_command(app_for(args)).commands  # type: ignore[attr-defined]
        assert list(built) == [name]
        assert _options(built[name]) == _options(COMMANDS[name])
        assert sorted(getattr(built[name], "commands", {})) == sorted(
            getattr(COMMANDS[name], "commands", {})
        )


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["--help", "project"], ["--version", "project"], ["projct"], ["--"]]
)
def test_help_version_and_unknown_names_get_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(workdir: Path, name: str) -> None:
    command = COMMANDS[name]
    assert (command.help or "").strip(), f"command {name!r} has no docstring"
    result = run(name, "--help")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert f"Usage: nscc {name}" in result.stdout
    first_line = (command.help or "").strip().splitlines()[0]
    # The help is wrapped to the terminal: compare the words, not the line breaks.
    assert " ".join(first_line.split()) in " ".join(result.stdout.split())
    for param in command.params:
        if param.name != "help":
            assert getattr(param, "help", None), f"{name} option {param.name} has no help"


def test_version(workdir: Path) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"nscc {nscc_proj.__version__}\n"
    assert nscc_proj.__version__ == metadata.version("nscc-proj")


def test_console_script(workdir: Path) -> None:
    """The installed ``nscc`` script: real streams, real exit codes."""
    script = Path(sys.executable).parent / "nscc"
    if not script.exists():
        pytest.skip("the nscc console script is not installed next to this interpreter")
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert (version.returncode, version.stdout) == (0, f"nscc {nscc_proj.__version__}\n")
    bad = subprocess.run(
        [script, "project", "-s", "bse"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("Error: unknown scenario 'bse'")
    assert len(bad.stderr.splitlines()) == 1


def test_the_console_script_ends_with_its_output_whole_and_its_status(workdir: Path) -> None:
    """``main`` ends the process without Python's teardown: stdout still arrives whole,
    through a pipe too, with the command's exit status; a reader that goes away early
    (``| head``) ends it quietly."""
    script = Path(sys.executable).parent / "nscc"
    if not script.exists():
        pytest.skip("the nscc console script is not installed next to this interpreter")
    piped = subprocess.run([script, "project", "-f", "csv"], capture_output=True, check=False)
    assert piped.returncode == 0
    with (workdir / "out.csv").open("wb") as file:
        subprocess.run([script, "project", "-f", "csv"], stdout=file, check=True)
    assert (workdir / "out.csv").read_bytes() == piped.stdout
    # The shipped data (the script's) and the frozen copy (this process's) share a shape.
    assert len(piped.stdout.splitlines()) == len(run("project", "-f", "csv").stdout.splitlines())
    head = subprocess.run(
        f"'{script}' project -f csv | head -c 10; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        check=False,
    )
    assert (head.returncode, head.stdout, head.stderr) == (0, piped.stdout[:10], b"")


@pytest.mark.parametrize(("code", "status", "said"), [(None, 0, ""), (5, 5, ""), ("no", 1, "no\n")])
def test_leave_flushes_and_ends_with_the_status(code: object, status: int, said: str) -> None:
    """Alone in its process, ``leave`` flushes what is buffered and ends at once."""
    program = (
        "import sys; from nscc_proj.cli import leave; "
        f"sys.stdout.write('x' * 100_000); leave({code!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert (done.returncode, len(done.stdout), done.stderr) == (status, 100_000, said)


def test_leave_runs_the_exit_handlers_and_copes_without_streams() -> None:
    """Handlers registered with atexit (coverage's, a plugin's) still run; a process
    without stdout (``nscc ... >&-``) still ends with its status."""
    program = (
        "import atexit, sys; from nscc_proj.cli import leave; "
        "atexit.register(lambda: sys.stderr.write('handled')); "
        "sys.stdout = None; leave(4)"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (4, "handled")


def test_leave_exits_as_python_does_while_another_thread_runs() -> None:
    """A thread still running (a Dask cluster's, say) is joined by Python's own exit."""
    import threading

    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        with pytest.raises(SystemExit) as stopped:
            leave(3)
    finally:
        release.set()
        waiting.join()
    assert stopped.value.code == 3


# --- project: terminal tables -------------------------------------------------------------------


def _assessment(*scenarios: str) -> list[dict[str, str]]:
    args = [arg for name in scenarios for arg in ("--scenario", name)]
    result = run("project", *args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return csv_rows(result.stdout)


def _expected_caption(rows: Sequence[dict[str, str]], scenario: str) -> str:
    mine = [row for row in rows if row["scenario"] == scenario]
    assessable = [row for row in mine if row["met"] != ""]
    met = sum(row["met"] == "true" for row in assessable)
    return (
        f"{met} of {len(assessable)} assessable targets met; "
        f"{len(mine) - len(assessable)} targets not assessable (no base value)"
    )


def test_project_table_shows_every_indicator_and_the_caption(
    workdir: Path, catalog: Catalog
) -> None:
    rows = _assessment("base")
    result = run("project", "--scenario", "base")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert "Scenario: base · as of 2025" in out
    # Rows that open an indicator start with its id, even when the key wraps.
    ids = re.findall(r"^ (\d+)(?: |$)", out, re.MULTILINE)
    assert sorted(map(int, ids)) == [ind.id for ind in catalog.indicators]
    caption = _expected_caption(rows, "base")
    assert caption == "14 of 54 assessable targets met; 8 targets not assessable (no base value)"
    assert caption in out
    # Formatted numbers, not raw floats: GDP needs 10000 / 9027.1 - 1 = 10.78 % in 2025.
    assert "+10.78%" in out
    assert "0.1077" not in out
    # Keys break at underscores, never inside a word.
    assert "doctors_" in out
    assert "per_1000" in out
    assert all(len(line) <= 100 for line in out.splitlines())


def test_project_table_in_chinese(workdir: Path) -> None:
    result = run("project", "--scenario", "base", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "情景：base · 截至 2025 年" in out
    for name in ("地区生产总值", "常住人口", "货运量"):
        assert name in out
    assert "54 项可评估目标中 14 项达标" in out
    assert "8 项目标无法评估" in out
    assert "速度明显不足" in out  # far_off: the pace, not the size of the gap
    assert "滞后" in out
    assert "Scenario:" not in out
    assert "too slow" not in out


def test_project_table_with_several_scenarios(workdir: Path) -> None:
    rows = _assessment(*SHIPPED_SCENARIOS)
    result = run("project", "-s", "base", "-s", "high", "-s", "low")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    positions = [out.index(f"Scenario: {name}") for name in SHIPPED_SCENARIOS]
    assert positions == sorted(positions)
    for position, name in zip(positions, SHIPPED_SCENARIOS, strict=True):
        caption = _expected_caption(rows, name)
        # Each scenario's caption follows its own title.
        assert out.index(caption, position) > position
    assert _expected_caption(rows, "high") != _expected_caption(rows, "low")


def test_project_default_scenario_is_base(workdir: Path) -> None:
    result = run("project", "--format", "csv")
    assert result.exit_code == 0
    assert {row["scenario"] for row in csv_rows(result.stdout)} == {"base"}


# --- project: csv, json and files ---------------------------------------------------------------

RATE_COLUMNS = ("gap_rel", "required_cagr_from_base", "scenario_cagr")
NUMBER_COLUMNS = (
    "indicator_id",
    "milestone",
    "base_year",
    "base_value",
    "target_value",
    "projected_value",
    "gap",
    *RATE_COLUMNS,
    "first_year_met",
)


def test_project_csv_three_scenarios(workdir: Path, catalog: Catalog) -> None:
    result = run("project", "-s", "base", "-s", "high", "-s", "low", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert tuple(csv_header(text)) == ASSESSMENT_COLUMNS
    rows = csv_rows(text)
    assert len(rows) == len(SHIPPED_SCENARIOS) * N_INDICATORS * len(MILESTONES) == 186
    expected_keys = [
        (scenario, key, str(milestone))
        for scenario in SHIPPED_SCENARIOS
        for key in catalog.keys
        for milestone in MILESTONES
    ]
    assert [(r["scenario"], r["indicator_key"], r["milestone"]) for r in rows] == expected_keys
    for row in rows:
        assert row["met"] in ("true", "false", "")
        assert (row["met"] == "") == (row["outcome"] == "not_assessable")
        for name in NUMBER_COLUMNS:
            if row[name] != "":
                assert math.isfinite(float(row[name])), (name, row[name])
        for name in RATE_COLUMNS:
            if row[name] != "":
                assert abs(float(row[name])) < 1.0, (name, row)  # fractions, never percent
    for row in rows:
        if row["indicator_key"] in NOT_PROJECTABLE:
            assert row["met"] == ""
            assert row["projected_value"] == ""
    gdp = find_row(rows, scenario="base", indicator_key="gdp", milestone="2025")
    assert float(gdp["required_cagr_from_base"]) == pytest.approx(0.0875914, rel=1e-6)
    assert gdp["target_op"] == ">="
    assert float(gdp["target_value"]) == 10000
    rd = find_row(rows, scenario="base", indicator_key="rd_spending_growth", milestone="2025")
    assert float(rd["required_cagr_from_base"]) == pytest.approx(
        0.10
    )  # a growth-rate target as a fraction
    # pandas reads the numeric columns as numbers.
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == list(ASSESSMENT_COLUMNS)
    for name in NUMBER_COLUMNS:
        assert pd.api.types.is_numeric_dtype(frame[name]), name


def test_project_json(workdir: Path) -> None:
    result = run("project", "-s", "base", "-s", "high", "-s", "low", "--format", "json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 186
    for record in records:
        assert tuple(record) == ASSESSMENT_COLUMNS
        assert record["met"] in (True, False, None)
        for name in RATE_COLUMNS:
            value = record[name]
            assert value is None or (isinstance(value, float) and abs(value) < 1.0)
    gdp = next(
        r
        for r in records
        if (r["scenario"], r["indicator_key"], r["milestone"]) == ("base", "gdp", 2025)
    )
    assert gdp["required_cagr_from_base"] == pytest.approx(0.0875914, rel=1e-6)
    assert gdp["met"] is False
    assert isinstance(gdp["indicator_id"], int)
    assert isinstance(gdp["base_value"], float)
    # The same numbers as the CSV, to the last digit.
    csv_gdp = find_row(_assessment("base"), indicator_key="gdp", milestone="2025")
    assert repr(gdp["projected_value"]) == csv_gdp["projected_value"]


@pytest.mark.parametrize(
    ("name", "parse"),
    [("out.csv", csv_rows), ("OUT.JSON", json.loads), ("nested/out.json", json.loads)],
)
def test_project_output_format_from_suffix(
    workdir: Path, name: str, parse: Callable[[str], list[object]]
) -> None:
    (workdir / "nested").mkdir()
    result = run("project", "--output", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"Wrote 62 rows to {name}\n"
    assert len(parse((workdir / name).read_text(encoding="utf-8"))) == 62
    assert sorted(p.name for p in (workdir / Path(name).parent).iterdir() if p.is_file()) == [
        Path(name).name
    ]


def test_explicit_format_wins_over_suffix(workdir: Path) -> None:
    result = run("project", "--format", "json", "--output", "out.csv")
    assert result.exit_code == 0
    assert len(json.loads((workdir / "out.csv").read_text(encoding="utf-8"))) == 62


def test_output_replaces_an_existing_file(workdir: Path) -> None:
    (workdir / "out.csv").write_text("old\n", encoding="utf-8")
    result = run("project", "-o", "out.csv")
    assert result.exit_code == 0
    assert (workdir / "out.csv").read_text(encoding="utf-8").startswith("scenario,")


@pytest.mark.parametrize("args", [("-o", "x.txt"), ("-o", "x"), ("-f", "table", "-o", "x.csv")])
def test_output_needs_a_file_format(workdir: Path, args: tuple[str, ...]) -> None:
    result = run("project", *args)
    assert_input_error(result, f"--output: {args[-1]}: a file takes the csv or json format")
    assert list(workdir.iterdir()) == []


def test_project_paths(workdir: Path, catalog: Catalog) -> None:
    result = run("project", "-s", "base", "-s", "low", "--paths", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert tuple(csv_header(result.stdout)) == PATH_COLUMNS
    rows = csv_rows(result.stdout)
    assert all(row["value"] != "" for row in rows)
    assert all(math.isfinite(float(row["value"])) for row in rows)
    triples = [(row["scenario"], row["indicator_key"], int(row["year"])) for row in rows]
    assert len(set(triples)) == len(triples)
    years = {
        key: sorted(year for s, k, year in triples if s == "base" and k == key)
        for key in catalog.keys
    }
    for key in catalog.keys:
        if key in NOT_PROJECTABLE:
            assert years[key] == []
        elif key == "income_growth":  # a rate with no 2020 value: a path from the first step
            assert years[key] == list(range(2021, 2036))
        else:
            assert years[key] == list(range(2020, 2036)), key
    context = [row for row in rows if row["indicator_key"] in ("urban_income", "rural_income")]
    assert len(context) == 2 * 2 * 16
    # 26 indicators projected from 2020, income growth from 2021, two context series.
    assert len(rows) == 2 * (26 * 16 + 15 + 2 * 16)
    gdp = {
        int(r["year"]): float(r["value"])
        for r in rows
        if (r["scenario"], r["indicator_key"]) == ("base", "gdp")
    }
    assert gdp[2020] == 6571.6
    # The path reaches the value the assessment reports for 2025.
    assessed = find_row(_assessment("base"), indicator_key="gdp", milestone="2025")
    assert gdp[2025] == float(assessed["projected_value"])


def test_project_paths_default_to_csv_and_json_works(workdir: Path) -> None:
    plain = run("project", "--paths")
    assert plain.exit_code == 0
    assert tuple(csv_header(plain.stdout)) == PATH_COLUMNS
    as_json = run("project", "--paths", "-f", "json")
    assert as_json.exit_code == 0
    records = json.loads(as_json.stdout)
    assert len(records) == len(csv_rows(plain.stdout))
    assert all(tuple(r) == PATH_COLUMNS for r in records)


# --- required -----------------------------------------------------------------------------------


def _required_rows(*args: str) -> list[dict[str, str]]:
    result = run("required", "--from", "base", "--format", "csv", *args)
    assert result.exit_code == 0, result.stderr
    assert tuple(csv_header(result.stdout)) == REQUIRED_COLUMNS
    return csv_rows(result.stdout)


@pytest.mark.parametrize(
    ("key", "from_year", "to_year", "rate"),
    [
        ("gdp", "2020", "2025", "0.08759"),
        ("gdp", "2020", "2035", "0.07702"),
        ("gdp", "2025", "2035", "0.07177"),
        ("airport_passengers", "2020", "2025", "0.21569"),
    ],
)
def test_required_golden_rates(
    workdir: Path, key: str, from_year: str, to_year: str, rate: str
) -> None:
    row = find_row(_required_rows(), indicator_key=key, from_year=from_year, to_year=to_year)
    assert f"{float(row['required_cagr']):.5f}" == rate


def test_required_without_a_base_value(workdir: Path) -> None:
    rows = _required_rows()
    assert len(rows) == N_INDICATORS * 3 - 2  # growth-rate rows: no 2020 -> 2035 span
    first = find_row(rows, indicator_key="digital_economy_share", from_year="2020", to_year="2025")
    assert first["from_value"] == ""
    assert first["required_cagr"] == ""
    assert first["required_change_per_year"] == ""
    later = find_row(rows, indicator_key="digital_economy_share", from_year="2025", to_year="2035")
    assert float(later["from_value"]) == 10.0
    assert float(later["required_cagr"]) == pytest.approx(2 ** (1 / 10) - 1, rel=1e-12)
    assert float(later["required_cagr"]) == pytest.approx(0.0717734625, rel=1e-9)
    assert float(later["required_change_per_year"]) == pytest.approx(1.0)


def test_required_table_and_json(workdir: Path) -> None:
    table = run("required", "--from", "base")
    assert table.exit_code == 0
    assert "Required growth" in table.stdout
    assert "8.76%" in table.stdout
    assert "21.57%" in table.stdout
    zh = run("required", "--from", "base", "--lang", "zh")
    assert zh.exit_code == 0
    assert "目标所需增速" in zh.stdout
    assert "地区生产总值" in zh.stdout
    as_json = run("required", "--from", "base", "-f", "json")
    records = json.loads(as_json.stdout)
    assert len(records) == 31 * 3 - 2  # no 2020 -> 2035 span for the two growth-rate rows
    assert tuple(records[0]) == REQUIRED_COLUMNS


# --- indicators ---------------------------------------------------------------------------------


def test_indicators_table(workdir: Path, catalog: Catalog) -> None:
    result = run("indicators")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "31 indicators (indicators_2020.csv (shipped))" in out
    ids = re.findall(r"^ {1,3}(\d+) ", out, re.MULTILINE)
    assert sorted(map(int, ids)) == [ind.id for ind in catalog.indicators]
    for key in ("gdp", "budget_revenue", "population", "fdi", "road_density"):
        assert re.search(rf"^ +\d+ +{key} ", out, re.MULTILINE), key
    assert "Gross" in out
    # The base year heads its column (under "Base" where 100 columns are tight).
    header = next(n for n, line in enumerate(out.splitlines()) if re.match(r" +# +Key ", line))
    head = "\n".join(out.splitlines()[header - 1 : header + 1])
    assert "Base 2020" in head or ("Base" in head and " 2020 " in head)
    assert re.search(r"^ +1 +gdp .* 6,571.6 ", out, re.MULTILINE)
    zh = run("indicators", "--lang", "zh")
    assert zh.exit_code == 0
    assert "地区生产总值" in zh.stdout


def test_indicators_table_shows_every_key_whole(workdir: Path, catalog: Catalog) -> None:
    result = run("indicators")
    assert result.exit_code == 0
    for key in catalog.keys:
        assert re.search(rf"^ +\d+ +{key} ", result.stdout, re.MULTILINE), key


def test_indicators_csv(workdir: Path, catalog: Catalog) -> None:
    result = run("indicators", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert len(rows) == N_INDICATORS
    assert [row["key"] for row in rows] == list(catalog.keys)
    header = csv_header(result.stdout)
    assert header[:3] == ["id", "key", "domain_zh"]
    assert {"target_2025", "op_2025", "target_2035", "op_2035"} <= set(header)
    gdp = rows[0]
    assert (gdp["kind"], gdp["direction"], float(gdp["base_value"])) == ("level", "up", 6571.6)
    assert find_row(rows, key="digital_economy_share")["base_value"] == ""


# --- --data with the tiny table -----------------------------------------------------------------


def test_project_with_a_custom_table(
    workdir: Path, tiny_table: Path, write_file: WriteFile
) -> None:
    write_file("tiny.yaml", TINY_SCENARIO)
    result = run("project", "--data", tiny_table, "--scenario", "tiny.yaml", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert len(rows) == 6 * 2
    assert [row["indicator_key"] for row in rows[::2]] == [
        "gdp",
        "jobless",
        "rank",
        "rd_growth",
        "share",
        "parks",
    ]
    gdp = find_row(rows, indicator_key="gdp", milestone="2025")
    assert float(gdp["projected_value"]) == pytest.approx(100 * 1.1**5)
    assert gdp["met"] == "true"
    rank = find_row(rows, indicator_key="rank", milestone="2035")
    assert float(rank["projected_value"]) == 15  # 22 - 0.5 x 15 = 14.5: whole place 15
    share = find_row(rows, indicator_key="share", milestone="2035")
    assert float(share["projected_value"]) == pytest.approx(25.0)
    parks = find_row(rows, indicator_key="parks", milestone="2025")
    assert (parks["met"], parks["outcome"]) == ("", "not_assessable")
    table = run("project", "--data", tiny_table, "-s", "tiny.yaml")
    assert table.exit_code == 0
    assert "Scenario: tiny" in table.stdout
    assert "10 of 10 assessable targets met; 2 targets not assessable" in table.stdout


def test_required_with_a_custom_table(workdir: Path, tiny_table: Path) -> None:
    rows = _required_rows("--data", str(tiny_table))
    assert len(rows) == 6 * 3 - 1  # no base -> 2035 span for the growth-rate row
    gdp = find_row(rows, indicator_key="gdp", from_year="2020", to_year="2025")
    assert float(gdp["required_cagr"]) == pytest.approx(1.5 ** (1 / 5) - 1, rel=1e-12)
    parks = find_row(rows, indicator_key="parks", from_year="2025", to_year="2035")
    assert float(parks["required_cagr"]) == pytest.approx(3 ** (1 / 10) - 1, rel=1e-12)
    assert find_row(rows, indicator_key="rd_growth", from_year="2020", to_year="2025")[
        "required_cagr"
    ] == repr(0.1)


def test_indicators_with_a_custom_table(workdir: Path, tiny_table: Path) -> None:
    result = run("indicators", "--data", tiny_table)
    assert result.exit_code == 0
    assert "6 indicators" in result.stdout


# --- check --------------------------------------------------------------------------------------


def test_check_round_trip(workdir: Path) -> None:
    written = run("check", "--scenario", "base", "--write-expect", "expected.yaml")
    assert written.exit_code == 0, written.stderr
    assert "Wrote the feasibility of 62 targets to expected.yaml" in written.stderr
    text = (workdir / "expected.yaml").read_text(encoding="utf-8")
    assert '  "base":\n    gdp:' in text
    assert sorted(p.name for p in workdir.iterdir()) == ["expected.yaml"]
    checked = run("check", "--scenario", "base", "--expect", "expected.yaml")
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout == "OK: all 62 targets match expected.yaml\n"


def test_check_without_scenario_runs_the_ones_in_the_file(workdir: Path) -> None:
    assert run("check", "-s", "high", "-s", "low", "--write-expect", "e.yaml").exit_code == 0
    result = run("check", "--expect", "e.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "OK: all 124 targets match e.yaml\n"
    # Asking for a scenario the file does not know is a difference, not a crash.
    other = run("check", "-s", "base", "--expect", "e.yaml")
    assert other.exit_code == 1
    assert "base gdp 2025: expected absent, now missed" in other.stdout
    assert "high gdp 2025: expected missed, now absent" in other.stdout


def test_check_reloads_scenarios_given_by_path(workdir: Path, write_file: WriteFile) -> None:
    write_file("mine.yaml", "name: mine\ngrowth:\n  gdp: 0.09\n")
    assert (
        run("check", "-s", "./mine.yaml", "-s", "base", "--write-expect", "e.yaml").exit_code == 0
    )
    text = (workdir / "e.yaml").read_text(encoding="utf-8")
    assert "sources:" in text
    assert '"mine": "./mine.yaml"' in text
    result = run("check", "--expect", "e.yaml")
    assert result.exit_code == 0, result.stderr
    assert "OK: all 124 targets match e.yaml" in result.stdout


def test_check_warns_when_the_table_differs(workdir: Path, tiny_table: Path) -> None:
    write = run("check", "-s", "base", "--write-expect", "e.yaml")
    assert write.exit_code == 0
    text = (workdir / "e.yaml").read_text(encoding="utf-8")
    (workdir / "e.yaml").write_text(text.replace("(shipped)", "(an older copy)"), encoding="utf-8")
    result = run("check", "--expect", "e.yaml")
    assert result.exit_code == 0
    assert (
        "Warning: e.yaml was written against the table indicators_2020.csv (an older copy)"
        in result.stderr
    )


def test_check_detects_an_edited_expectation(workdir: Path) -> None:
    assert run("check", "-s", "base", "--write-expect", "e.yaml").exit_code == 0
    path = workdir / "e.yaml"
    text = path.read_text(encoding="utf-8")
    gdp_block = "    gdp:"
    start = text.index(gdp_block)
    old = "      2035: missed\n"
    position = text.index(old, start)
    path.write_text(
        text[:position] + "      2035: met\n" + text[position + len(old) :], encoding="utf-8"
    )
    result = run("check", "--expect", "e.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "1 of 62 targets differ from e.yaml:",
        "  base gdp 2035: expected met, now missed",
    ]


def test_check_detects_a_scenario_that_flips_a_target(workdir: Path, write_file: WriteFile) -> None:
    assert run("check", "-s", "base", "--write-expect", "e.yaml").exit_code == 0
    # scenarios/base.yaml in the working folder shadows the (frozen) shipped base scenario.
    base = (FROZEN_SCENARIOS / "base.yaml").read_text("utf-8")
    faster, count = re.subn(r"(?m)^  gdp:\n(?:    .*\n)+", "  gdp: 0.12\n", base)
    assert count == 1
    write_file("scenarios/base.yaml", faster)
    result = run("check", "--expect", "e.yaml")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    # Indicators linked to GDP in base (revenue, finance) may flip with it.
    assert re.fullmatch(r"\d+ of 62 targets differ from e\.yaml:", lines[0])
    assert int(lines[0].split()[0]) == len(lines) - 1
    assert "  base gdp 2025: expected missed, now met" in lines
    assert "  base gdp 2035: expected missed, now met" in lines


@pytest.mark.parametrize(
    "args",
    [
        ("-s", "base"),
        ("-s", "base", "--expect", "e.yaml", "--write-expect", "f.yaml"),
    ],
)
def test_check_needs_exactly_one_of_expect_and_write_expect(
    workdir: Path, write_file: WriteFile, args: tuple[str, ...]
) -> None:
    write_file("e.yaml", 'scenarios: {"base": {gdp: {2025: missed}}}\n')
    result = run("check", *args)
    assert_input_error(result, "give exactly one of --expect FILE or --write-expect FILE")
    assert not (workdir / "f.yaml").exists()


def test_check_write_expect_needs_a_scenario(workdir: Path) -> None:
    assert_input_error(run("check", "--write-expect", "e.yaml"), "no scenario to check")
    assert not (workdir / "e.yaml").exists()


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "scenarios:\n  base:\n    gdp:\n      2025: maybe\n",
            ("e.yaml:4: ", "scenarios.base.gdp.2025", "'maybe'", "'met', 'missed'"),
        ),
        (
            "scenarios:\n  base:\n    gdp: {2025: met}\ncomment: hi\n",
            ("e.yaml:4: comment: unknown key",),
        ),
        ("scenarios: {}\n", ("e.yaml: no scenario to check",)),
        ("- base\n", ("e.yaml: an expectations file must be a mapping",)),
        ("scenarios:\n  base: [\n", ("e.yaml:", "YAML syntax error")),
    ],
)
def test_check_malformed_expectations(
    workdir: Path, write_file: WriteFile, text: str, fragments: tuple[str, ...]
) -> None:
    write_file("e.yaml", text)
    assert_input_error(run("check", "--expect", "e.yaml"), *fragments)


def test_check_missing_expectations_file(workdir: Path) -> None:
    assert_input_error(run("check", "--expect", "nope.yaml"), "nope.yaml: file not found")


# --- bad input: one line on stderr, exit 2, no file ---------------------------------------------

_TINY_HEADER = (
    "id,key,domain_zh,domain_en,name_zh,name_en,unit,kind,direction,base_year,base_value,"
    "target_2025,op_2025,target_2035,op_2035,tolerance,note"
)
_TINY_GDP = "1,gdp,发展,Development,地区生产总值,GDP,亿元,level,up,2020,100,150,>=,300,>=,,"
_TINY_RANK = "3,rank,金融,Finance,排名,Rank,rank,rank,down,2020,22,20,<=,15,<=,,"


def _table(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# (files to write, arguments after the command, fragments of the message)
BAD_SCENARIOS: dict[str, tuple[dict[str, str], list[str], tuple[str, ...]]] = {
    "unknown scenario": (
        {},
        ["-s", "bse"],
        ("unknown scenario 'bse'", "did you mean 'base'?", "(available: base, high, low, shock)"),
    ),
    "unknown scenario, local ones listed": (
        {"scenarios/mine.yaml": "name: mine\n"},
        ["-s", "zzz"],
        ("unknown scenario 'zzz'", "(available: mine, base, high, low, shock)"),
    ),
    "missing scenario file": (
        {},
        ["-s", "nope.yaml"],
        ("scenario file not found: nope.yaml",),
    ),
    "yaml syntax": (
        {"s.yaml": "name: x\ngrowth:\n  gdp: 0.05\n bad: 1\n"},
        ["-s", "s.yaml"],
        ("s.yaml:4: YAML syntax error",),
    ),
    "duplicate yaml key": (
        {"s.yaml": "name: x\ngrowth:\n  gdp: 0.05\n  gdp: 0.06\n"},
        ["-s", "s.yaml"],
        ("s.yaml:4: YAML syntax error", "duplicate key 'gdp'"),
    ),
    "not a mapping": (
        {"s.yaml": "- 1\n"},
        ["-s", "s.yaml"],
        ("s.yaml: a scenario file must be a mapping",),
    ),
    "wrong type": (
        {"s.yaml": "name: x\ngrowth: {gdp: fast}\n"},
        ["-s", "s.yaml"],
        ("s.yaml:2: growth.gdp: expected a number, got 'fast'",),
    ),
    "unknown indicator": (
        {"s.yaml": "name: x\ngrowth:\n  gpd: 0.05\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.gpd: unknown indicator 'gpd'", "did you mean 'gdp'"),
    ),
    "unknown top-level key": (
        {"s.yaml": "name: x\ngrowthh:\n  gdp: 0.05\n"},
        ["-s", "s.yaml"],
        ("s.yaml:2: growthh: unknown key",),
    ),
    "bare percent": (
        {"s.yaml": "name: x\ngrowth:\n  gdp: 6\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.gdp:", "0.06", '"6%"'),
    ),
    "bare percent in a period": (
        {"s.yaml": "name: x\ngrowth:\n  gdp:\n    2021-2025: 0.05\n    2026-2035: 5\n"},
        ["-s", "s.yaml"],
        ("s.yaml:5: growth.gdp.2026-2035:", "0.05", '"5%"'),
    ),
    "growth below -100 %": (
        {"s.yaml": "name: x\ngrowth:\n  gdp: -1.5\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.gdp:", "-100 % or less"),
    ),
    "growth of -100 %": (
        {"s.yaml": 'name: x\ngrowth:\n  gdp: "-100%"\n'},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.gdp:", "-100 % or less"),
    ),
    "default below -100 %": (
        {"s.yaml": "name: x\ndefault: -1\n"},
        ["-s", "s.yaml"],
        ("s.yaml:2: default:", "-100 % or less"),
    ),
    "overlapping periods": (
        {"s.yaml": "name: x\ngrowth:\n  gdp:\n    2021-2025: 0.05\n    2024-2030: 0.04\n"},
        ["-s", "s.yaml"],
        ("s.yaml:5: growth.gdp.2024-2030: period 2024-2030 overlaps period 2021-2025",),
    ),
    "period before the base year": (
        {"s.yaml": "name: x\ngrowth:\n  gdp:\n    2019-2021: 0.05\n"},
        ["-s", "s.yaml"],
        ("s.yaml:4: growth.gdp.2019-2021: period 2019-2021 lies outside 2021-2035",),
    ),
    "period after the last milestone": (
        {"s.yaml": "name: x\ngrowth:\n  gdp:\n    2030-2040: 0.05\n"},
        ["-s", "s.yaml"],
        ("s.yaml:4: growth.gdp.2030-2040:", "lies outside 2021-2035"),
    ),
    "period ending before it starts": (
        {"s.yaml": "name: x\ngrowth:\n  gdp:\n    2025-2021: 0.05\n"},
        ["-s", "s.yaml"],
        ("s.yaml:4: growth.gdp.2025-2021:", "ends before it starts"),
    ),
    "change on a growth rate": (
        {"s.yaml": "name: x\ngrowth:\n  rd_spending_growth: {change: 0.5}\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.rd_spending_growth", "is a growth_rate indicator"),
    ),
    "rate on the rank": (
        {"s.yaml": "name: x\ngrowth:\n  financial_center_rank: 0.05\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.financial_center_rank:", "is a rank", "{change: -0.5}"),
    ),
    "percent change": (
        {"s.yaml": "name: x\ngrowth:\n  green_coverage: {change: 3%}\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.green_coverage.change:", "write 3 rather than '3%'"),
    ),
    "duplicate scenario names": (
        {},
        ["-s", "base", "-s", "base"],
        ("scenario name 'base' is used twice",),
    ),
    "duplicate scenario names in two files": (
        {"other.yaml": "name: base\n"},
        ["-s", "base", "-s", "other.yaml"],
        ("scenario name 'base' is used twice",),
    ),
    "missing --data file": (
        {},
        ["--data", "nope.csv"],
        ("indicator table not found: nope.csv",),
    ),
    "table: missing column": (
        {"t.csv": _table(_TINY_HEADER.replace(",unit", ""), _TINY_GDP.replace(",亿元", ""))},
        ["--data", "t.csv"],
        ("t.csv:1: missing column(s): unit",),
    ),
    "table: no milestone": (
        {"t.csv": _table(_TINY_HEADER.replace("target_", "goal_"), _TINY_GDP)},
        ["--data", "t.csv"],
        ("t.csv:1: no target_YYYY column",),
    ),
    "table: duplicate key": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP, _TINY_RANK, _TINY_GDP.replace("1,", "7,", 1))},
        ["--data", "t.csv"],
        ("t.csv:4: key: duplicate key 'gdp' (first on line 2)",),
    ),
    "table: duplicate id": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP, _TINY_RANK.replace("3,", "1,", 1))},
        ["--data", "t.csv"],
        ("t.csv:3: id: duplicate id 1 (first on line 2)",),
    ),
    "table: non-numeric base_value": (
        {"t.csv": _table(_TINY_HEADER, _TINY_RANK, _TINY_GDP.replace(",100,", ",lots,"))},
        ["--data", "t.csv"],
        ("t.csv:3: base_value:", "'lots'"),
    ),
    "table: unknown kind": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP.replace(",level,", ",levle,"))},
        ["--data", "t.csv"],
        ("t.csv:2: kind:", "'levle'"),
    ),
    "table: unknown op": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP.replace(",150,>=,", ",150,=>,"))},
        ["--data", "t.csv"],
        ("t.csv:2: op_2025:", "'=>'"),
    ),
    "table: zero base value": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP.replace(",100,", ",0,"))},
        ["--data", "t.csv"],
        ("t.csv:2: base_value: must be positive",),
    ),
    "table: negative base value": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP.replace(",100,", ",-5,"))},
        ["--data", "t.csv"],
        ("t.csv:2: base_value: must be positive",),
    ),
    "table: target without op": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP.replace(",150,>=,", ",150,,"))},
        ["--data", "t.csv"],
        ("t.csv:2: op_2025: target_2025 and op_2025 must both be set",),
    ),
    "table: extra cell": (
        {"t.csv": _table(_TINY_HEADER, _TINY_GDP + ",surplus")},
        ["--data", "t.csv"],
        ("t.csv:2: more cells than header columns",),
    ),
    "table: no rows": (
        {"t.csv": _table(_TINY_HEADER)},
        ["--data", "t.csv"],
        ("t.csv: the indicator table has no rows",),
    ),
    "scenario name with a space": (
        {"s.yaml": "name: two words\n"},
        ["-s", "s.yaml"],
        ("s.yaml:1: name:", "'two words'"),
    ),
    "infinite change": (
        {"s.yaml": "name: x\ngrowth:\n  gdp: {change: .inf}\n"},
        ["-s", "s.yaml"],
        ("s.yaml:3: growth.gdp", "expected a finite number"),
    ),
    "scenario not UTF-8": (
        {},
        ["-s", "latin1.yaml"],
        ("latin1.yaml: cannot read the file",),
    ),
    "table not UTF-8": (
        {},
        ["--data", "latin1.csv"],
        ("latin1.csv: cannot read the indicator table",),
    ),
    "table is a folder": (
        {},
        ["--data", "."],
        (".: cannot read the indicator table",),
    ),
    "output folder missing": (
        {},
        ["-o", "missing/out.csv"],
        ("missing/out.csv: output folder does not exist: missing",),
    ),
}


@pytest.mark.parametrize("case", list(BAD_SCENARIOS))
def test_project_bad_input(workdir: Path, write_file: WriteFile, case: str) -> None:
    files, args, fragments = BAD_SCENARIOS[case]
    for name, text in files.items():
        write_file(name, text)
    (workdir / "latin1.yaml").write_bytes("name: café\n".encode("latin-1"))
    (workdir / "latin1.csv").write_bytes(_table(_TINY_HEADER, _TINY_GDP).encode("gb18030"))
    before = sorted(p.relative_to(workdir) for p in workdir.rglob("*"))
    output = [] if "-o" in args else ["-o", "out.csv"]
    result = run("project", *args, *output)
    message = assert_input_error(result, *fragments)
    if re.search(r"\.(yaml|csv):", message):
        assert re.match(r"Error: [^ :]+(:\d+)?: ", message), message
    # No output file, no temporary file, nothing else left behind.
    assert sorted(p.relative_to(workdir) for p in workdir.rglob("*")) == before


def test_empty_growth_section_means_no_growth(workdir: Path, write_file: WriteFile) -> None:
    write_file("s.yaml", "name: flat\ngrowth:\ndefault: 0.0\n")
    result = run("project", "-s", "s.yaml", "-f", "csv", "--no-observed")
    assert result.exit_code == 0, result.stderr
    gdp = find_row(csv_rows(result.stdout), indicator_key="gdp", milestone="2025")
    assert float(gdp["projected_value"]) == 6571.6


def test_duplicate_scenario_name_points_at_the_repeating_file(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("other.yaml", "name: base\n")
    message = assert_input_error(run("project", "-s", "base", "-s", "other.yaml"))
    assert message.startswith("Error: other.yaml:1: name: ")


def test_overflowing_scenario_is_bad_input_not_an_internal_error(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("huge.yaml", "name: huge\ngrowth:\n  gdp: {change: 1e308}\n")
    result = run("project", "-s", "huge.yaml", "--format", "json", "-o", "out.json")
    assert "Internal error" not in result.stderr
    assert result.exit_code in (0, 2)


@pytest.mark.parametrize("command", ["required", "indicators"])
def test_other_commands_report_bad_tables(
    workdir: Path, write_file: WriteFile, command: str
) -> None:
    write_file("t.csv", _table(_TINY_HEADER, _TINY_GDP.replace(",level,", ",levle,")))
    assert_input_error(run(command, "--data", "t.csv", "-o", "out.csv"), "t.csv:2: kind:")
    assert not (workdir / "out.csv").exists()


@pytest.mark.parametrize("command", ["project", "required", "indicators"])
def test_output_folder_missing_for_every_command(workdir: Path, command: str) -> None:
    result = run(command, "-o", "missing/out.json")
    assert_input_error(result, "output folder does not exist")
    assert not (workdir / "missing").exists()


def test_output_path_is_a_folder(workdir: Path) -> None:
    (workdir / "folder").mkdir()
    assert_input_error(run("project", "-f", "csv", "-o", "folder"), "output path is a folder")
    assert list((workdir / "folder").iterdir()) == []


@pytest.mark.parametrize("command", ["project", "required", "indicators"])
def test_unknown_format_is_a_usage_error(workdir: Path, command: str) -> None:
    result = run(command, "--format", "xml", "-o", "out.xml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--format'" in result.stderr
    assert "'xml'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workdir / "out.xml").exists()


def test_unknown_language_is_a_usage_error(workdir: Path) -> None:
    result = run("project", "--lang", "fr")
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.stderr


# --- internal errors ----------------------------------------------------------------------------


@pytest.fixture
def broken_assessment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI imports ``project`` from nscc_proj.analysis.projection at call time, and
    projection.project calls its module-level ``assess``: patching it breaks every projection."""

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("nscc_proj.analysis.projection.assess", boom)


@pytest.mark.usefixtures("broken_assessment")
def test_internal_error_exit_3_with_a_short_message(workdir: Path) -> None:
    result = run("project", "-s", "base", "-o", "out.csv")
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Internal error: RuntimeError: boom.")
    assert "please report it" in lines[0]
    assert "--debug" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (workdir / "out.csv").exists()


@pytest.mark.usefixtures("broken_assessment")
def test_internal_error_in_check_exits_3(workdir: Path) -> None:
    result = run("check", "-s", "base", "--write-expect", "e.yaml")
    assert result.exit_code == 3
    assert "Internal error: RuntimeError: boom" in result.stderr
    assert not (workdir / "e.yaml").exists()


@pytest.mark.usefixtures("broken_assessment")
def test_debug_prints_the_traceback(workdir: Path) -> None:
    result = run("--debug", "project", "-s", "base")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: boom" in result.stderr
    assert "in boom" in result.stderr
    # --debug lasts one invocation only.
    again = run("project", "-s", "base")
    assert again.exit_code == 3
    assert "Traceback" not in again.stderr


def test_debug_does_not_change_input_errors(workdir: Path) -> None:
    assert_input_error(run("--debug", "project", "-s", "bse"), "unknown scenario 'bse'")


def test_dashboard_at_100_columns_has_no_colour_in_a_pipe(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run("project")
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout  # CliRunner is not a terminal, like a pipe
    assert "Need/yr now" in result.stdout
    assert "obs" in result.stdout


@pytest.mark.parametrize("width", ["60", "80", "120"])
def test_dashboard_keeps_outcome_and_evidence_when_narrow(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    lines = run("project").stdout.splitlines()
    assert all(len(line) <= int(width) for line in lines)
    assert any("✗ too slow" in line for line in lines)
    assert any("794.2 obs" in line for line in lines)  # budget revenue 2025, observed
