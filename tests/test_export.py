"""CSV/JSON writers, atomic writes and the golden output of ``nscc required``."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import REL, assert_same_csv, assert_same_rows, run
from conftest import FROZEN_TABLE
from nscc_proj.analysis.requirements import REQUIRED_COLUMNS
from nscc_proj.errors import InputError
from nscc_proj.present.export import (
    Format,
    format_for_output,
    neutralise_formula,
    render_text,
    table_to_csv,
    table_to_json,
    write_atomic,
)
from nscc_proj.table import Cell, Table

GOLDEN = Path(__file__).parent / "golden"

SMALL = Table(
    ("name", "value", "met", "count"),
    (
        ("gdp", 0.08759142758431104, True, 3),
        ("=SUM(A1)", -1.5, False, -2),
        ("plain text", None, None, None),
        ("+1", 1e-300, True, 0),
        ("-x", 1 / 3, False, 10**20),
        ("@cmd", 6571.6, None, 7),
        ("\tTab", -0.0, True, 1),
        ('逗号, "quote"\nline', 2.5e16, False, 1),
    ),
)


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_of_a_small_table() -> None:
    assert table_to_csv(SMALL) == (
        "name,value,met,count\n"
        "gdp,0.08759142758431104,true,3\n"
        "'=SUM(A1),-1.5,false,-2\n"
        "plain text,,,\n"
        "'+1,1e-300,true,0\n"
        "'-x,0.3333333333333333,false,100000000000000000000\n"
        "'@cmd,6571.6,,7\n"
        "'\tTab,-0.0,true,1\n"
        '"逗号, ""quote""\nline",2.5e+16,false,1\n'
    )


def test_csv_cells_read_back() -> None:
    rows = read_csv(table_to_csv(SMALL))
    assert rows[0] == list(SMALL.columns)
    assert len(rows) == len(SMALL) + 1
    for written, row in zip(SMALL.rows, rows[1:], strict=True):
        name, value, met, count = row
        assert name.removeprefix("'") == written[0]
        assert (float(value) if value else None) == written[1]
        assert met == {True: "true", False: "false", None: ""}[written[2]]
        assert (int(count) if count else None) == written[3]


def test_csv_floats_round_trip_exactly() -> None:
    values = (0.1, 1 / 3, math.pi, 1e-300, 5e-324, 1.7976931348623157e308, -2.5, 9433.209993388393)
    table = Table(("x",), tuple((value,) for value in values))
    cells = [row[0] for row in read_csv(table_to_csv(table))[1:]]
    assert cells == [repr(value) for value in values]
    assert [float(cell) for cell in cells] == list(values)


@pytest.mark.parametrize("number", [-1, -1.5, -0.0, -1e-9, -(10**30)])
def test_negative_numbers_are_never_neutralised(number: int | float) -> None:
    cell = read_csv(table_to_csv(Table(("x",), ((number,),))))[1][0]
    assert not cell.startswith("'")
    assert cell.startswith("-")
    assert type(number)(cell) == number


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-1", "@A1", "\tx", "=1+1", "-"])
def test_formula_like_text_is_neutralised(text: str) -> None:
    assert neutralise_formula(text) == "'" + text
    assert read_csv(table_to_csv(Table(("x",), ((text,),))))[1][0] == "'" + text


@pytest.mark.parametrize("text", ["gdp", ">=", "<=", "~", "", "a=b", " =x", "'=x"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise_formula(text) == text


def test_csv_booleans_are_not_numbers() -> None:
    assert table_to_csv(Table(("a", "b", "c"), ((True, 1, 1.0),))) == "a,b,c\ntrue,1,1.0\n"


def test_csv_quotes_a_bare_carriage_return() -> None:
    table = Table(("note", "n"), (("line one\rline two", 1),))
    assert read_csv(table_to_csv(table)) == [["note", "n"], ["line one\rline two", "1"]]


# --- JSON ---------------------------------------------------------------------------------------


def test_json_of_a_small_table() -> None:
    text = table_to_json(SMALL)
    assert text.endswith("]\n")
    records = json.loads(text)
    assert records == SMALL.records()
    assert [list(record) for record in records] == [list(SMALL.columns)] * len(SMALL)
    assert '"met": true' in text
    assert '"met": false' in text
    assert '"met": null' in text
    assert '"value": null' in text
    assert '"value": 0.08759142758431104' in text
    # Not a spreadsheet format: text is kept exactly as it is.
    assert records[1]["name"] == "=SUM(A1)"
    assert "逗号" in text  # UTF-8, not \\u escapes
    for record, row in zip(records, SMALL.rows, strict=True):
        for cell, written in zip(record.values(), row, strict=True):
            assert type(cell) is type(written)


def test_json_refuses_non_finite_numbers() -> None:
    with pytest.raises(ValueError, match="JSON"):
        table_to_json(Table(("x",), ((math.inf,),)))


def test_empty_table() -> None:
    empty = Table(("a", "b"), ())
    assert table_to_csv(empty) == "a,b\n"
    assert table_to_json(empty) == "[]\n"


def test_render_text_dispatch() -> None:
    assert render_text(SMALL, Format.CSV) == table_to_csv(SMALL)
    assert render_text(SMALL, Format.JSON) == table_to_json(SMALL)
    with pytest.raises(ValueError, match="not a file format"):
        render_text(SMALL, Format.TABLE)


# --- round trip of random tables ----------------------------------------------------------------

# A bare "\r" is excluded here: see test_csv_quotes_a_bare_carriage_return.
TEXT = st.text(alphabet=st.characters(exclude_characters="\r"), max_size=12)
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    width = draw(st.integers(min_value=1, max_value=4))
    columns = tuple(f"c{i}" for i in range(width))
    rows = draw(st.lists(st.tuples(*[CELLS] * width), max_size=6))
    return Table(columns, tuple(rows))


def _expected_csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return repr(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t") else value


@settings(max_examples=150, deadline=None, database=None)
@given(tables())
def test_csv_round_trip(table: Table) -> None:
    rows = read_csv(table_to_csv(table))
    assert rows[0] == list(table.columns)
    assert len(rows) == len(table) + 1
    for written, read in zip(table.rows, rows[1:], strict=True):
        assert read == [_expected_csv_cell(value) for value in written]
        for value, cell in zip(written, read, strict=True):
            if isinstance(value, float):
                assert float(cell) == value
                assert not cell.startswith("'")


@settings(max_examples=150, deadline=None, database=None)
@given(tables())
def test_json_round_trip(table: Table) -> None:
    records = json.loads(table_to_json(table))
    assert len(records) == len(table)
    for record, written in zip(records, table.rows, strict=True):
        assert list(record) == list(table.columns)
        for cell, value in zip(record.values(), written, strict=True):
            assert type(cell) is type(value)
            assert cell == value


# --- write_atomic -------------------------------------------------------------------------------


def test_write_atomic_creates_the_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_atomic(target, "a,b\n1,é\n")
    assert target.read_bytes() == "a,b\n1,é\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_atomic_keeps_newlines_verbatim(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_atomic(str(target), "x\ny\r\nz")
    assert target.read_bytes() == b"x\ny\r\nz"


def test_write_atomic_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old old old\n", encoding="utf-8")
    write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_atomic_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")

    def refuse(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match="cannot write the file: No space left on device") as info:
        write_atomic(target, "new\n")
    assert info.value.source == str(target)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_atomic_cleans_up_after_other_errors(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "lone surrogate \ud800")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_atomic_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="output folder does not exist"):
        write_atomic(tmp_path / "missing" / "out.csv", "x")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_onto_a_folder(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match="output path is a folder"):
        write_atomic(tmp_path / "folder", "x")
    assert list((tmp_path / "folder").iterdir()) == []


@pytest.fixture
def umask_022() -> object:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_write_atomic_respects_the_umask(tmp_path: Path) -> None:
    existing = tmp_path / "existing.csv"
    existing.write_text("old\n", encoding="utf-8")
    existing.chmod(0o644)
    write_atomic(existing, "new\n")
    write_atomic(tmp_path / "new.csv", "new\n")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"existing.csv": 0o644, "new.csv": 0o644}


# --- format_for_output --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "output", "expected"),
    [
        (None, None, Format.TABLE),
        (None, "a.csv", Format.CSV),
        (None, "a.JSON", Format.JSON),
        (Format.CSV, None, Format.CSV),
        (Format.JSON, "a.csv", Format.JSON),
        (Format.CSV, "a.txt", Format.CSV),
    ],
)
def test_format_for_output(fmt: Format | None, output: str | None, expected: Format) -> None:
    assert format_for_output(fmt, None if output is None else Path(output)) is expected


@pytest.mark.parametrize(("fmt", "output"), [(None, "a.txt"), (None, "a"), (Format.TABLE, "a.csv")])
def test_format_for_output_refuses_a_table_file(fmt: Format | None, output: str) -> None:
    with pytest.raises(InputError, match="a file takes the csv or json format"):
        format_for_output(fmt, Path(output))


# --- golden output ------------------------------------------------------------------------------
# tests/golden/required.csv is what `nscc required --from base --format csv` must print on the
# frozen table (tests/data). Its numbers do not come from nscc: the file is written by
# `write_golden_required` from `_independent_required_rows` (the csv module and the
# compound-growth formula on the frozen table), and key rows are checked against values typed
# by hand from the plan (HAND_CHECKED). After changing the frozen table on purpose, rewrite it
# from the repository's root with
#     python -c 'import sys; sys.path[:0] = ["tests"]
#     import test_export; test_export.write_golden_required()'
# nscc's output is compared with it to a relative 1e-12 (cli_helpers.REL): the last digit of
# x ** (1 / 15) differs between CPUs.


def _golden_rows() -> list[dict[str, str]]:
    with (GOLDEN / "required.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _independent_required_rows() -> list[dict[str, str]]:
    """The required growth of every target, recomputed from the frozen table by hand.

    Base year -> each milestone (a growth-rate target: the first only, as it averages over
    its own period) and milestone -> next milestone; (end / start) ** (1 / years) - 1 and
    (end - start) / years, or the target rate itself for a growth-rate target.
    """
    with FROZEN_TABLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        table = list(reader)
    milestones = sorted(
        int(name[len("target_") :]) for name in header if name.startswith("target_")
    )
    rows = []
    for indicator in table:
        base_year = int(indicator["base_year"])
        growth_rate = indicator["kind"] == "growth_rate"
        from_base = [(base_year, indicator["base_value"], m) for m in milestones if m > base_year]
        spans = from_base[:1] if growth_rate else from_base
        spans += [
            (earlier, indicator[f"target_{earlier}"], later)
            for earlier, later in itertools.pairwise(milestones)
            if earlier >= base_year
        ]
        for from_year, start, to_year in spans:
            end, years = float(indicator[f"target_{to_year}"]), to_year - from_year
            cagr = change = None
            if growth_rate:
                cagr = end / 100
            elif start:
                cagr = (end / float(start)) ** (1 / years) - 1
                change = (end - float(start)) / years
            rows.append(
                {
                    "indicator_id": indicator["id"],
                    "indicator_key": indicator["key"],
                    "from_year": str(from_year),
                    "to_year": str(to_year),
                    "from_value": _number(float(start)) if start else "",
                    "target_op": indicator[f"op_{to_year}"],
                    "target_value": _number(end),
                    "required_cagr": _number(cagr),
                    "required_change_per_year": _number(change),
                }
            )
    return rows


def write_golden_required() -> None:
    """Write tests/golden/required.csv from the independent computation (run by hand)."""
    rows = _independent_required_rows()
    with (GOLDEN / "required.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_golden_required_file_is_the_independent_computation() -> None:
    assert_same_rows(_golden_rows(), _independent_required_rows())


# key: (base value, target 2025, target 2035), typed from the plan's table
HAND_CHECKED = {
    "gdp": (6571.6, 10000.0, 20000.0),
    "budget_revenue": (736.1, 1000.0, 2000.0),
    "population": (907.0, 1000.0, 1200.0),
    "airport_passengers": (1318.1, 3500.0, 6500.0),
}


@pytest.mark.parametrize("key", sorted(HAND_CHECKED))
def test_golden_required_values(key: str) -> None:
    base, t2025, t2035 = HAND_CHECKED[key]
    spans = {
        ("2020", "2025"): (base, t2025, 5),
        ("2020", "2035"): (base, t2035, 15),
        ("2025", "2035"): (t2025, t2035, 10),
    }
    rows = [row for row in _golden_rows() if row["indicator_key"] == key]
    assert [(row["from_year"], row["to_year"]) for row in rows] == list(spans)
    for row in rows:
        start, end, years = spans[(row["from_year"], row["to_year"])]
        assert float(row["from_value"]) == start
        assert float(row["target_value"]) == end
        assert row["target_op"] == ">="
        assert float(row["required_cagr"]) == pytest.approx(
            math.exp(math.log(end / start) / years) - 1, rel=REL
        )
        assert float(row["required_change_per_year"]) == pytest.approx(
            (end - start) / years, rel=REL
        )


def test_golden_required_shape() -> None:
    text = (GOLDEN / "required.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(REQUIRED_COLUMNS)
    rows = _golden_rows()
    assert len(rows) == 31 * 3 - 2
    gdp = rows[0]
    assert f"{float(gdp['required_cagr']):.5f}" == "0.08759"


def test_required_csv_matches_golden(workdir: Path) -> None:
    golden = (GOLDEN / "required.csv").read_text(encoding="utf-8")
    result = run("required", "--from", "base", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert_same_csv(result.stdout, golden)
    written = run("required", "--from", "base", "-o", "required.csv")
    assert written.exit_code == 0, written.stderr
    assert_same_csv((workdir / "required.csv").read_text(encoding="utf-8"), golden)
