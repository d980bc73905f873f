"""The CLI's inputs and its terminal: every bad option told in one line, warnings that
become errors with --strict, views that keep every value at any width, help that reads as
written, scenarios of one's own, and user text shown as data."""

from __future__ import annotations

import csv
import errno
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from cli_helpers import assert_input_error, csv_rows, run
from conftest import FROZEN_DATA
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.scenario import shipped_scenario_dir
from nscc_proj.present.terminal.render import printable
from nscc_proj.present.wording import wrap_name

WriteFile = Callable[[str, str], Path]


def test_scenario_new_copies_a_shipped_scenario(workdir: Path) -> None:
    result = run("scenario", "new", "mine", "--from", "high")
    assert result.exit_code == 0, result.stderr
    text = (workdir / "scenarios" / "mine.yaml").read_text(encoding="utf-8")
    assert text.startswith("# mine: started from the shipped scenario 'high'")
    assert "\nname: mine\n" in text
    projected = run("project", "-s", "mine", "-f", "csv")
    assert projected.exit_code == 0, projected.stderr
    assert {line.split(",")[0] for line in projected.stdout.splitlines()[1:]} == {"mine"}
    assert_input_error(run("scenario", "new", "mine"), "exists already")
    assert run("scenario", "new", "mine", "--force").exit_code == 0
    assert_input_error(run("scenario", "new", "two words"), "one word")
    assert_input_error(run("scenario", "new", "x", "--from", "bse"), "did you mean 'base'")


def test_a_local_scenario_shadowing_a_shipped_one_is_announced(workdir: Path) -> None:
    assert run("scenario", "new", "base").exit_code == 0
    result = run("project", "-s", "base", "-f", "csv")
    assert result.exit_code == 0
    assert "Note: using scenarios/base.yaml here, not the shipped base" in result.stderr


# --- every bad option: exit 2, one line naming the option and its range -------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ("sensitivity", "--target", "gdp:2035", "--paths", "-5", "--sobol", "0"),
            ("--paths must be 0 (off) or 100 to 10,000,000 paths, got -5",),
        ),
        (("sensitivity", "--target", "gdp:2035", "--delta", "5"), ("--delta", "0.0001 to 0.2")),
        (("sensitivity", "--target", "gdp:2035", "--delta", "1"), ("--delta", "a year, got 1")),
        (("sensitivity", "--target", "gdp:2035", "--delta", "0"), ("--delta", "got 0")),
        (("sensitivity", "--target", "gdp:2035", "--sobol", "10"), ("--sobol", "64 to 65,536")),
        (("sensitivity", "--target", "gdp:2035", "--sobol", "131072"), ("--sobol", "65,536")),
        (("sensitivity", "--target", "gdp:2035", "--sobol", "100"), ("--sobol", "power of two")),
        (("sensitivity", "--target", "gdp:2036"), ("--target", "milestone (2025, 2035)")),
        (("sensitivity", "--target", "gdp:99999999999"), ("--target", "milestone")),
        (("report", "--simulate", "-1"), ("--simulate must be 0 (off) or 1 to 10,000,000 paths",)),
        (("report", "--seed", "-1"), ("--seed must be 0 to 9,223,372,036,854,775,807, got -1",)),
        (("simulate", "--paths", "1000000000000"), ("--paths must be 1 to 1,000,000,000 paths",)),
        (("simulate", "--paths", "0"), ("--paths", "got 0")),
        (("simulate", "--workers", "0"), ("--workers must be 1 to 256, got 0",)),
        (("simulate", "--workers", "100000"), ("--workers", "got 100,000")),
        (
            ("simulate", "--seed", str(2**63)),
            ("--seed must be 0 to 9,223,372,036,854,775,807, got 9,223,372,036,854,775,808",),
        ),
        (("project", "--as-of", "99999"), ("as-of year", "2020-2035")),
        (("solve", "--target", "gdp:2036", "--vary", "gdp:2026-2035"), ("milestone",)),
    ],
)
def test_a_bad_option_is_one_line_naming_it(
    workdir: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    assert_input_error(run(*args), *fragments)
    assert list(workdir.iterdir()) == []  # no output file, no report folder, nothing


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("simulate", "--paths", "abc"), ("Invalid value for '--paths'", "nscc simulate --help")),
        (("project", "--bogus"), ("No such option: --bogus",)),
        (("bogus",), ("No such command 'bogus'", "nscc --help")),
        (("sensitivity",), ("Missing option '--target'",)),
        (("project", "--format", "xml"), ("'--format'", "xml")),
        (("validate",), ("Missing argument 'FILE'",)),
    ],
)
def test_a_usage_error_is_one_line_too(
    workdir: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    message = assert_input_error(run(*args), *fragments)
    assert "Usage:" not in message


def test_a_bad_option_leaves_no_output_file(workdir: Path) -> None:
    assert_input_error(
        run("sensitivity", "--target", "gdp:2035", "--delta", "5", "-o", "t.csv"), "--delta"
    )
    assert_input_error(run("report", "--simulate", "-1", "--out", "r"), "--simulate")
    assert not (workdir / "t.csv").exists()
    assert not (workdir / "r").exists()


def test_the_ranges_are_in_the_help(workdir: Path) -> None:
    sensitivity = " ".join(run("sensitivity", "--help").stdout.split())
    assert "from 0.0001 to 0.2" in sensitivity
    assert "a power of two from 64 to" in sensitivity
    assert "100 to 10,000,000" in sensitivity
    assert "1 to 1,000,000,000" in " ".join(run("simulate", "--help").stdout.split())
    assert "1 to 10,000,000" in " ".join(run("report", "--help").stdout.split())


# --- --data with a table that lost its companions ------------------------------------------------


def test_a_table_copied_alone_names_the_missing_context_file(workdir: Path) -> None:
    shutil.copy(FROZEN_DATA / "indicators_2020.csv", workdir / "t.csv")
    result = run("project", "--data", "t.csv", "--no-observed")
    assert_input_error(result, "unknown indicator 'urban_income'", "no context.csv beside t.csv")


def test_without_observed_csv_beside_the_table_project_says_so(workdir: Path) -> None:
    for name in ("indicators_2020.csv", "context.csv"):
        shutil.copy(FROZEN_DATA / name, workdir / name)
    result = run("project", "--data", "indicators_2020.csv", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Note: no observed.csv beside indicators_2020.csv: running without observations "
        "(give --observed FILE, or --no-observed to silence this)"
    ]
    quiet = run("project", "--data", "indicators_2020.csv", "--no-observed", "-f", "csv")
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert quiet.stdout == result.stdout


# --- implausible rates warn where they run; --strict stops ---------------------------------------

PERCENT_AS_FRACTION = "name: pct\nextends: base\ngrowth:\n  population: 0.6\n"


@pytest.mark.parametrize(
    "args",
    [
        ("project", "-f", "csv"),
        ("simulate", "--paths", "100", "-f", "csv"),
        ("check", "--write-expect", "e.yaml"),
        ("report", "--out", "r"),
    ],
)
def test_strict_makes_an_implausible_rate_an_error(
    workdir: Path, write_file: WriteFile, args: tuple[str, ...]
) -> None:
    write_file("pct.yaml", PERCENT_AS_FRACTION)
    assert_input_error(
        run(*args, "-s", "pct.yaml", "--strict"),
        "pct.yaml:4: growth.population:",
        "+60% a year",
        "did you mean",
        "--strict",
    )
    assert sorted(path.name for path in workdir.iterdir()) == ["pct.yaml"]


def test_an_implausible_rate_warns_in_project(workdir: Path, write_file: WriteFile) -> None:
    write_file("pct.yaml", PERCENT_AS_FRACTION)
    result = run("project", "-s", "pct.yaml", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("Warning: pct.yaml:4: growth.population: a level growing +60%")
    assert 'did you mean "0.6%"?' in warning
    assert run("project", "-f", "csv", "--strict").exit_code == 0  # the shipped ones are plausible


# --- the terminal: every value kept at 80 columns and piped, keys whole -------------------------


def _column(lines: list[str], header: str, after: str, row_start: str) -> list[list[str]]:
    """The cells of the column under ``header`` (up to the column under ``after``), one list
    of lines per table row; a row starts where ``row_start`` matches the line up to ``after``."""
    title = next(n for n, line in enumerate(lines) if re.search(rf"(^| ){header}( |$)", line))
    start = cell_len(lines[title][: lines[title].index(header)])
    end = cell_len(lines[title][: lines[title].index(after)])
    rows: list[list[str]] = []
    current: list[str] | None = None
    for line in lines[title + 2 :]:
        if line and not line.startswith(" "):
            break  # the caption, under the table
        cell = _cells(line, start, end).strip()
        if not line.strip():
            current = None  # a new section: a domain heading comes first
        elif re.match(row_start, _cells(line, 0, end)):
            current = [cell]
            rows.append(current)
        elif current is not None and cell:
            current.append(cell)
    return rows


def _cells(line: str, start: int, end: int) -> str:
    """The characters of ``line`` between terminal columns ``start`` and ``end`` (a Chinese
    character takes two)."""
    found, column = [], 0
    for character in line:
        if start <= column < end:
            found.append(character)
        column += cell_len(character)
    return "".join(found)


@pytest.mark.parametrize("width", ["80", "100"])
def test_indicators_keep_every_id_target_and_key(
    workdir: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    out = run("indicators").stdout
    assert "…" not in out
    assert all(line == line.rstrip() for line in out.splitlines())
    ids = re.findall(r"^ {1,3}(\d+) ", out, re.MULTILINE)
    assert sorted(map(int, ids)) == [indicator.id for indicator in catalog.indicators]
    for indicator in catalog.indicators:
        for milestone in catalog.milestones:
            target = indicator.targets[milestone]
            if target.value is not None:
                assert f"{target.value:,g}" in out, (indicator.key, milestone)
    cells = _column(out.splitlines(), "Key", "Indicator", r" +\d+ +[a-z]")
    assert ["".join(key) for key in cells] == [indicator.key for indicator in catalog.indicators]
    for key in cells:
        assert all(piece.endswith("_") for piece in key[:-1]), key  # broken after a "_" only


@pytest.mark.parametrize("width", ["60", "80", "100"])
def test_the_dashboard_breaks_keys_only_after_an_underscore(
    workdir: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    out = run("project").stdout
    assert "…" not in out
    lines = out.splitlines()
    assert all(len(line) <= int(width) and line == line.rstrip() for line in lines)
    title = next(n for n, line in enumerate(lines) if line.startswith(" Indicator "))
    end = cell_len(lines[title][: lines[title].index("Year")])
    column = " ".join(_cells(line, 0, end).strip() for line in lines[title + 2 :])
    column = re.sub(r"([_/-]) ", r"\1", " ".join(column.split()))
    for one in catalog.indicators:
        written = f"{one.id} {one.key} ({one.unit})"
        if int(width) >= 80:  # on the narrowest terminals a long word may have to be cut
            assert written in column, written
        else:
            assert f"{one.id} " in column


def test_consistency_keeps_every_implied_value_at_80_columns(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run("consistency").stdout
    table = csv_rows(run("consistency", "-f", "csv").stdout)
    assert "…" not in out
    assert all(len(line) <= 80 and line == line.rstrip() for line in out.splitlines())
    for row in table:
        if row["implied_change"]:
            assert f"{100 * float(row['implied_change']):+.2f}%" in out, row["ratio"]
        if row["latest_year"]:
            assert f"({row['latest_year']}, {row['latest_grade']})" in out, row["ratio"]


@pytest.mark.parametrize(
    "args",
    [
        ("required",),
        ("required", "--from", "base"),
        ("project", "--lang", "zh"),
        ("indicators", "--lang", "zh"),
        ("consistency", "--lang", "zh"),
        ("sensitivity", "--target", "gdp:2035", "--sobol", "64"),
    ],
)
@pytest.mark.parametrize("width", ["60", "80"])
def test_no_view_cuts_a_value(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_wrap_name_examples() -> None:
    assert wrap_name("high_end_equipment_share (%)", 13) == "high_end_\nequipment_\nshare (%)"
    assert wrap_name("industrial_output_to_gdp (%)", 13) == "industrial_\noutput_to_gdp\n(%)"
    assert wrap_name("freight_per_gdp (万吨 per 亿元)", 13) == "freight_per_\ngdp (万吨 per\n亿元)"
    assert wrap_name("城市发展能级", 5) == "城市\n发展\n能级"
    assert wrap_name("abcdefghij", 4) == "abcd\nefgh\nij"  # only a word wider than the column


@given(
    words=st.lists(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True), min_size=1, max_size=6),
    width=st.integers(min_value=13, max_value=40),  # a word and its "_" fit
)
def test_wrap_name_never_cuts_a_key_that_fits(words: list[str], width: int) -> None:
    key = "_".join(words)
    lines = wrap_name(key, width).split("\n")
    assert "".join(lines) == key
    assert all(len(line) <= width for line in lines)
    assert all(line.endswith("_") for line in lines[:-1])


# --- help reads as written -----------------------------------------------------------------------


@pytest.mark.parametrize("width", ["80", "200"])
def test_command_summaries_are_whole(monkeypatch: pytest.MonkeyPatch, width: str) -> None:
    monkeypatch.setenv("COLUMNS", width)
    for args in ((), ("data",), ("scenario",)):
        text = run(*args, "--help").stdout
        commands = text.split("Commands:")[1]
        assert "..." not in commands, text
    top = run("--help").stdout
    assert "Project every indicator under the scenarios and assess each target." in " ".join(
        top.split()
    )


def test_help_shows_arguments_plainly_and_no_stray_paths_note() -> None:
    validate = run("validate", "--help").stdout
    assert "Usage: nscc validate [OPTIONS] FILE..." in validate
    assert "{" not in validate
    assert "<list[Path]>" not in validate
    for command in ("project", "required", "check", "indicators", "consistency", "simulate"):
        assert "(csv for --paths)" not in run(command, "--help").stdout


def test_a_bad_scenario_name_reads_in_plain_words(workdir: Path, write_file: WriteFile) -> None:
    write_file("y.yaml", 'name: "two words"\n')
    message = assert_input_error(run("project", "-s", "y.yaml"), "a name is one word")
    assert "^[" not in message
    assert "pattern" not in message


# --- shadowing, and shipped files that name only what ships --------------------------------------


def test_a_scenario_extending_a_shadowed_one_is_announced_once(
    workdir: Path, write_file: WriteFile
) -> None:
    assert run("scenario", "new", "base").exit_code == 0
    write_file("mine.yaml", "name: mine\nextends: base\ngrowth:\n  gdp: 0.05\n")
    result = run("project", "-s", "scenarios/base.yaml", "-s", "mine.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Note: using scenarios/base.yaml here, not the shipped base"
    ]


def test_a_copy_identical_to_the_shipped_one_is_no_news(workdir: Path) -> None:
    (workdir / "scenarios").mkdir()
    shutil.copy(FROZEN_DATA / "scenarios" / "base.yaml", workdir / "scenarios" / "base.yaml")
    result = run("project", "-s", "base", "-f", "csv")
    assert (result.exit_code, result.stderr) == (0, "")


def test_shipped_scenarios_name_only_what_ships() -> None:
    for path in sorted(shipped_scenario_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for stray in ("/work/", "seed/", "shenyang_observed_sources", "docs/", "data/"):
            assert stray not in text, (path.name, stray)


# --- user text is data: never rich markup, never terminal control codes --------------------------

HOSTILE_PIECES = [
    "[/x]",
    "[red]",
    "[/bold]",
    "[link=http://e.example]",
    "[bold red on white]",
    ":smile:",
    "\x1b[31m",
    "\x07",
    "\x9b",
    "<script>",
    "%s",
    "{0}",
    "\\",
    '"',
    "'",
    ",",
    "城市",
    "é",
    "…",
    "a_b",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(st.characters(codec="utf-8"), max_size=4)),
    min_size=1,
    max_size=4,
).map("".join)
# What a name may be: no line breaks (a cell is one line), not blank after the CSV's strip.
# A name is one line and not blank; a scenario's name is one word (no spaces, no commas).
hostile_name = hostile_text.map(
    lambda text: "".join(" " if part.isspace() else part for part in text)
).filter(lambda text: text.strip() != "")
hostile_word = hostile_name.map(lambda text: re.sub(r"[\s,]", "", text)).filter(bool)


def _quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: control characters escaped, all else as is."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return (
        '"'
        + re.sub(
            r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]",
            lambda match: f"\\u{ord(match.group()):04x}",
            escaped,
        )
        + '"'
    )


def _hostile_table(folder: Path, name: str) -> None:
    """The frozen data, with one indicator's and one ratio's names, unit and domain hostile."""
    folder.mkdir(exist_ok=True)
    for file in ("context.csv", "observed.csv"):
        shutil.copy(FROZEN_DATA / file, folder / file)
    for file, fields in (
        ("indicators_2020.csv", ("name_en", "name_zh", "unit", "domain_en", "domain_zh")),
        ("ratios.csv", ("name_en", "name_zh", "unit")),
    ):
        with (FROZEN_DATA / file).open(encoding="utf-8", newline="") as source:
            rows = list(csv.DictReader(source))
        for field in fields:
            rows[0][field] = name
        with (folder / file).open("w", encoding="utf-8", newline="") as target:
            writer = csv.DictWriter(target, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


HOSTILE_COMMANDS = [
    ("project",),
    ("required",),
    ("indicators",),
    ("indicators", "--lang", "zh"),
    ("consistency", "--lang", "zh"),
    ("simulate", "--paths", "100"),
    ("sensitivity", "--target", "gdp:2035", "--sobol", "0"),
]


@settings(max_examples=5, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_name, word=hostile_word)
def test_hostile_text_reaches_the_terminal_as_data(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, word: str
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # wide: every name on one line, to find it whole
    _hostile_table(workdir / "t", name)
    (workdir / "s.yaml").write_text(f"name: {_quoted(word)}\nextends: base\n", "utf-8")
    shown = printable(name.strip())
    for args in HOSTILE_COMMANDS:
        command = [*args, "--data", "t/indicators_2020.csv"]
        if args[0] in ("project", "simulate"):
            command += ["-s", "s.yaml"]
        if args[0] == "sensitivity":
            command += ["-s", "s.yaml"]
        result = run(*command)
        assert result.exit_code == 0, (args, result.stderr)
        out = result.stdout
        assert not set(out) & {"\x1b", "\x07", "\x9b"}, args  # no control code reaches it
        assert all(line == line.rstrip() for line in out.splitlines()), args
        if args[0] in ("project", "simulate"):
            assert printable(word) in out, args
        if args[0] not in ("project", "sensitivity"):  # the dashboard wraps names at 22 cells
            assert " ".join(shown.split()) in " ".join(out.split()), args


def test_markup_in_a_scenario_name_is_printed_as_written(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("x.yaml", 'name: "[/x][red]y[link=http://e]z:smile:"\nextends: base\n')
    for args in (
        ("project",),
        ("simulate", "--paths", "100"),
        ("sensitivity", "--target", "gdp:2035", "--sobol", "0"),
    ):
        result = run(*args, "-s", "x.yaml")
        assert result.exit_code == 0, result.stderr
        if args[0] != "sensitivity":
            assert "[/x][red]y[link=http://e]z:smile:" in result.stdout


# --- the machine failing is not a bug ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (errno.ENOSPC, "No space left on device"),
        (errno.EFBIG, "File too large"),
        (errno.EACCES, "Permission denied"),
        (errno.EROFS, "Read-only file system"),
    ],
)
def test_a_failing_machine_is_one_line_and_exit_2(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, error: int, fragment: str
) -> None:
    def refuse(path: Path, text: object) -> None:
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr("nscc_proj.present.export.write_atomic", refuse)
    message = assert_input_error(run("project", "-o", "out.csv"), fragment, "out.csv")
    assert "Internal error" not in message


# --- start-up: the CSV form loads no terminal machinery -----------------------------------------


def test_the_csv_form_imports_no_rich_and_no_pandas(tmp_path: Path) -> None:
    probe = (
        "import contextlib, io, sys\n"
        "from nscc_proj.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        app(['project', '-f', 'csv'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'pandas', 'scipy', "
        "'matplotlib', 'openpyxl', 'SALib'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
