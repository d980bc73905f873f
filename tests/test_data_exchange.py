"""``nscc data template`` and ``nscc data import``: the round trip and every bad cell."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cli_helpers import assert_input_error, run
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.data_exchange import SHEET, import_rows, observed_csv, template_workbook
from nscc_proj.inputs.observed import Observation, Observations, load_observed

DATA = Path(__file__).parent / "data"
STAMP = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _frozen() -> tuple[object, Observations]:
    catalog = load_catalog(DATA / "indicators_2020.csv")
    return catalog, load_observed(DATA / "observed.csv", catalog)


def _as_set(observed: Observations) -> set[tuple[object, ...]]:
    return {
        (r.key, r.year, r.measure, r.value, r.source, r.grade, r.vintage, r.revision, r.note)
        for r in (*observed.records, *observed.growth)
    }


def test_template_then_import_reproduces_the_observations(tmp_path: Path) -> None:
    catalog, observed = _frozen()
    path = tmp_path / "t.xlsx"
    path.write_bytes(template_workbook(catalog, observed, 2025, stamp=STAMP))  # type: ignore[arg-type]
    imported = import_rows(path, catalog)  # type: ignore[arg-type]
    assert _as_set(imported.observations) == _as_set(observed)
    again = tmp_path / "o.csv"
    again.write_text(observed_csv(imported.observations, catalog), encoding="utf-8")  # type: ignore[arg-type]
    assert _as_set(load_observed(again, catalog)) == _as_set(observed)  # type: ignore[arg-type]


def test_the_template_lists_every_series_and_year(tmp_path: Path) -> None:
    catalog, observed = _frozen()
    book = load_workbook(io.BytesIO(template_workbook(catalog, observed, 2025, "zh", stamp=STAMP)))  # type: ignore[arg-type]
    sheet = book[SHEET]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["指标代码", "名称", "单位", "年份"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    gdp_years = [r[3] for r in rows if r[0] == "gdp" and r[4] == "level"]
    assert gdp_years == list(range(2021, 2026))  # base 2020 is the table's
    # Every series of the catalog (33: 31 indicators and 2 context series) has rows.
    assert {r[0] for r in rows} == set(catalog.series_keys)  # type: ignore[attr-defined]
    assert book.sheetnames[0] == "instructions"
    grade_rules = [v for v in sheet.data_validations.dataValidation if "A,B" in (v.formula1 or "")]
    assert grade_rules


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.tuples(
            st.sampled_from(["gdp", "population", "fdi", "high_tech_firms"]),
            st.integers(2021, 2025),
            st.decimals(min_value="0.01", max_value="1000000", places=4).map(float),
            st.sampled_from(["A", "B", "C", "B-derived"]),
            st.sampled_from(["estimate", "preliminary", "final"]),
            st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
        ),
        max_size=8,
        unique_by=lambda v: (v[0], v[1]),
    )
)
def test_import_of_the_template_is_the_identity(tmp_path: Path, values: list) -> None:  # type: ignore[type-arg]
    catalog = load_catalog(DATA / "indicators_2020.csv")
    records = tuple(
        Observation(key, year, value, "a source", grade, note.strip(), "level", vintage)
        for key, year, value, grade, vintage, note in values
    )
    observed = Observations(records, "x")
    path = tmp_path / "h.xlsx"
    path.write_bytes(template_workbook(catalog, observed, 2025, stamp=STAMP))
    assert _as_set(import_rows(path, catalog).observations) == _as_set(observed)


def _edited(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    catalog, observed = _frozen()
    book = load_workbook(io.BytesIO(template_workbook(catalog, observed, 2025, stamp=STAMP)))  # type: ignore[arg-type]
    edit(book, book[SHEET])
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def _fill(sheet, row: int, key: str) -> None:  # type: ignore[no-untyped-def]
    """Fill one row completely, with ``key`` as its indicator."""
    for column, value in ((1, key), (6, 1), (7, "x"), (8, "A")):
        sheet.cell(row, column, value)


def _gdp_2021(sheet) -> int:  # type: ignore[no-untyped-def]
    return next(
        r[0].row for r in sheet.iter_rows(min_row=2) if (r[0].value, r[3].value) == ("gdp", 2021)
    )


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        (lambda b, s: s.cell(_gdp_2021(s), 6, "lots"), ("observations!F", "expected a number")),
        (
            lambda b, s: (
                s.cell(_gdp_2021(s), 6, -5),
                s.cell(_gdp_2021(s), 7, "x"),
                s.cell(_gdp_2021(s), 8, "A"),
            ),
            ("positive",),
        ),
        (
            lambda b, s: (
                s.cell(_gdp_2021(s), 6, 7000),
                s.cell(_gdp_2021(s), 7, "x"),
                s.cell(_gdp_2021(s), 8, "Z"),
            ),
            ("observations!H", "grade must be one of"),
        ),
        (
            lambda b, s: (
                s.cell(_gdp_2021(s), 6, 7000),
                s.cell(_gdp_2021(s), 7, "x"),
                s.cell(_gdp_2021(s), 8, "A"),
                s.cell(_gdp_2021(s), 4, 2040),
            ),
            ("observations!D", "outside"),
        ),
        (
            lambda b, s: _fill(s, _gdp_2021(s), key="gpd"),
            ("observations!A", "unknown indicator"),
        ),
        (lambda b, s: setattr(s, "title", "Sheet9"), ("no sheet named 'observations'",)),
        (lambda b, s: s.merge_cells("A2:B2"), ("merged cells A2:B2",)),
        (
            lambda b, s: s.append(["gdp", "", "", 2024, "level", 9027.1, "dup", "C"]),
            ("given twice",),
        ),
    ],
)
def test_bad_cells_name_the_cell_and_write_nothing(
    workdir: Path, tmp_path: Path, edit, fragments
) -> None:  # type: ignore[no-untyped-def]
    path = _edited(tmp_path, edit)
    out = workdir / "observed_new.csv"
    assert_input_error(run("data", "import", path, "-o", out), str(path), *fragments)
    assert not out.exists()


def test_a_gbk_csv_is_refused(workdir: Path, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        "indicator_key,year,value,source,grade,note\ngdp,2024,9027.1,统计公报,C,\n".encode("gbk")
    )
    assert_input_error(run("data", "import", path, "-o", workdir / "o.csv"), "cannot read")


def test_import_shows_what_changed_and_warns_about_jumps(workdir: Path, tmp_path: Path) -> None:
    def edit(book, sheet) -> None:  # type: ignore[no-untyped-def]
        row = next(
            r[0].row
            for r in sheet.iter_rows(min_row=2)
            if (r[0].value, r[3].value) == ("gdp", 2024)
        )
        sheet.cell(row, 6, 19027.1)  # a 134 % jump, against about 6 % a year otherwise
        row = next(
            r[0].row
            for r in sheet.iter_rows(min_row=2)
            if (r[0].value, r[3].value) == ("gdp", 2021)
        )
        sheet.cell(row, 6, 7000)
        sheet.cell(row, 7, "bulletin")
        sheet.cell(row, 8, "A")

    path = _edited(tmp_path, edit)
    out = workdir / "o.csv"
    result = run("data", "import", path, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "gdp: added 2021; changed 2024" in result.stdout
    assert "Warning: observations!F" in result.stderr
    assert "gdp 2024 changes" in result.stderr
    assert out.is_file()
    strict = run("data", "import", path, "-o", workdir / "o2.csv", "--strict")
    assert strict.exit_code == 2
    assert not (workdir / "o2.csv").exists()


def test_template_needs_an_xlsx_name(workdir: Path) -> None:
    assert_input_error(run("data", "template", "-o", workdir / "t.csv"), ".xlsx")


def test_a_workbook_is_the_same_bytes_whenever_it_is_written() -> None:
    from openpyxl import Workbook

    from nscc_proj.inputs.workbook_file import xlsx_bytes

    book = Workbook()
    book.active["A1"] = "沈阳"
    first = xlsx_bytes(book, STAMP)
    assert xlsx_bytes(book, STAMP) == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        core = package.read("docProps/core.xml").decode("utf-8")
        assert {entry.date_time for entry in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert core.count("2026-03-01T08:30:00Z") == 2  # created and modified
    properties = load_workbook(io.BytesIO(first)).properties
    assert properties.modified == datetime(2026, 3, 1, 8, 30)
    assert load_workbook(io.BytesIO(first)).active["A1"].value == "沈阳"
