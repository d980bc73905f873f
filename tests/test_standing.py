"""Readings from today: evidence, progress to date, needs from now, whole numbers.

Every golden value here is computed by hand from the table written below (a
frozen extract of the plan's numbers), never by the code under test, so a
change of the shipped data cannot break these tests.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import assert_input_error, csv_rows, find_row, run
from nscc_proj.analysis.projection import project
from nscc_proj.analysis.standing import stand
from nscc_proj.core.assess import MET, OUTCOMES, Targets, assess, whole_number
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.observed import load_observed
from nscc_proj.inputs.scenario import load_scenario

TABLE = """\
id,key,domain_zh,domain_en,name_zh,name_en,unit,kind,direction,base_year,base_value,target_2025,op_2025,target_2035,op_2035,tolerance,note
1,gdp,发展,Development,地区生产总值,GDP,亿元,level,up,2020,6571.6,10000,>=,20000,>=,,
2,budget_revenue,发展,Development,一般公共预算收入,Revenue,亿元,level,up,2020,736.1,1000,>=,2000,>=,,
4,income_growth,发展,Development,收入增长,Income growth,%,growth_rate,up,2020,,6,>=,6,>=,,
18,listed_companies,金融,Finance,上市公司,Listed companies,家,count,up,2020,31,40,>=,100,>=,,
19,financial_center_rank,金融,Finance,排名,Rank,rank,rank,down,2020,22,20,<=,15,<=,,
20,culture_share,文化,Culture,文化占比,Culture share,%,share,up,2020,2.7,5,>=,10,>=,,
24,fdi,开放,Openness,外资,FDI,亿美元,level,up,2020,7.14,7.9,>=,50,>=,,
27,unemployment,宜居,Livability,失业率,Unemployment,%,rate,down,2020,5.3,5.5,~,5,~,0.2,
"""
CONTEXT = """\
id,key,domain_zh,domain_en,name_zh,name_en,unit,kind,direction,base_year,base_value,tolerance,note
101,urban_income,发展,Development,城镇收入,Urban income,元,level,up,2020,47413,,
"""
OBSERVED = """\
indicator_key,year,value,source,grade,note
gdp,2024,9027.1,bulletin,C,
budget_revenue,2025,794.2,bulletin,C,
urban_income,2024,56117,bulletin,C,
fdi,2023,12.1,report,A,
culture_share,2023,3.5,report,B,
financial_center_rank,2024,21,index,B,
gdp,2027,11000,a later bulletin,A,
"""
SCENARIO = """\
name: flat
description: every series grows a little
growth:
  gdp: 0.05
  budget_revenue: 0.03
  income_growth: {rate_of: urban_income}
  urban_income: 0.045
  listed_companies: 0.05
  financial_center_rank: {change: -0.5}
  culture_share: {change: 0.3}
  fdi: 0.02
  unemployment: {change: -0.02}
"""
TOL = 1e-12


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in (
        ("indicators.csv", TABLE),
        ("context.csv", CONTEXT),
        ("observed.csv", OBSERVED),
        ("flat.yaml", SCENARIO),
    ):
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _readings(folder: Path, as_of: int = 2025):  # type: ignore[no-untyped-def]
    catalog = load_catalog(folder / "indicators.csv")
    observed = load_observed(folder / "observed.csv", catalog)
    result = project(catalog, [load_scenario(str(folder / "flat.yaml"))], observed, as_of)
    rows = {(r["indicator_key"], r["milestone"]): r for r in result.assessment_table}
    return catalog, result, rows


def test_gdp_2025_is_behind_schedule_by_hand(folder: Path) -> None:
    _, _, rows = _readings(folder)
    row = rows["gdp", 2025]
    # 完成进度 (9027.1 - 6571.6) / (10000 - 6571.6); 时序进度 (2024 - 2020) / (2025 - 2020)
    assert row["completion_progress"] == pytest.approx(2455.5 / 3428.4, rel=TOL)
    assert row["completion_progress"] == pytest.approx(0.716, abs=5e-4)
    assert row["time_progress"] == pytest.approx(0.8, rel=TOL)
    assert row["schedule"] == "behind"
    assert row["evidence"] == "estimated"  # passed, no 2025 observation
    assert (row["latest_year"], row["latest_value"], row["latest_grade"]) == (2024, 9027.1, "C")
    # From 2024 to 10000 in one year.
    assert row["need_per_year"] == pytest.approx(10000 / 9027.1 - 1, rel=TOL)
    assert row["need_unit"] == "rate"


def test_observations_after_the_as_of_year_are_ignored(folder: Path) -> None:
    _, result, rows = _readings(folder, as_of=2025)
    assert rows["gdp", 2035]["latest_year"] == 2024
    assert result.observed is not None
    assert all(r.year <= 2025 for r in result.observed.records)
    _, _, later = _readings(folder, as_of=2027)
    assert later["gdp", 2035]["latest_year"] == 2027
    # 2035 from 11000 in 2027: (20000 / 11000) ** (1 / 8) - 1
    assert later["gdp", 2035]["need_per_year"] == pytest.approx(
        (20000 / 11000) ** (1 / 8) - 1, rel=TOL
    )


def test_revenue_2025_is_observed_and_missed(folder: Path) -> None:
    _, _, rows = _readings(folder)
    row = rows["budget_revenue", 2025]
    assert row["evidence"] == "observed"
    assert row["projected_value"] == pytest.approx(794.2, rel=TOL)
    assert row["met"] is False
    assert row["outcome"] != "met"
    assert row["need_per_year"] is None  # nothing left to need: the verdict is in
    # 2035 needs (2000 / 794.2) ** (1 / 10) - 1 from the 2025 observation.
    assert rows["budget_revenue", 2035]["need_per_year"] == pytest.approx(
        (2000 / 794.2) ** 0.1 - 1, rel=TOL
    )
    assert rows["budget_revenue", 2035]["need_per_year"] == pytest.approx(0.0968, abs=5e-5)


def test_income_growth_needs_13_07_percent_in_2025(folder: Path) -> None:
    _, _, rows = _readings(folder)
    row = rows["income_growth", 2025]
    so_far = (56117 / 47413) ** (1 / 4) - 1  # 2021-2024 from the urban income levels
    assert row["latest_value"] == pytest.approx(100 * so_far, rel=TOL)
    assert row["need_per_year"] == pytest.approx(1.06**5 / (56117 / 47413) - 1, rel=TOL)
    assert row["need_per_year"] == pytest.approx(0.1307, abs=5e-5)
    assert row["need_unit"] == "rate_remaining"
    # The 2026-2035 period has not started: it needs the target rate itself.
    assert rows["income_growth", 2035]["need_per_year"] == pytest.approx(0.06, rel=TOL)


def test_a_target_already_met_says_what_fall_it_can_afford(folder: Path) -> None:
    _, _, rows = _readings(folder)
    row = rows["fdi", 2025]
    assert row["already_met"] is True
    assert row["schedule"] == "achieved"
    assert row["need_per_year"] == pytest.approx((7.9 / 12.1) ** 0.5 - 1, rel=TOL)
    result = run(
        "required", "--data", folder / "indicators.csv", "-s", folder / "flat.yaml",
        "--as-of", "2025", "-f", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    line = find_row(csv_rows(result.stdout), indicator_key="fdi", to_year="2025")
    assert line["note"].startswith("already met in 2023: may fall by up to 19.20 % a year")


def test_needs_follow_the_indicator_kind(folder: Path) -> None:
    _, _, rows = _readings(folder)
    share = rows["culture_share", 2035]  # points a year from 3.5 in 2023
    assert share["need_unit"] == "points"
    assert share["need_per_year"] == pytest.approx((10 - 3.5) / 12, rel=TOL)
    rank = rows["financial_center_rank", 2035]  # places a year from 21 in 2024
    assert rank["need_unit"] == "places"
    assert rank["need_per_year"] == pytest.approx((15 - 21) / 11, rel=TOL)
    jobless = rows["unemployment", 2025]  # a ceiling: 5.3 may rise to 5.7 (5.5 + 0.2)
    assert jobless["need_unit"] == "points"
    assert jobless["already_met"] is True
    assert jobless["need_per_year"] == pytest.approx((5.7 - 5.3) / 5, rel=TOL)


def test_gap_sign_is_negative_when_short_for_up_and_down(folder: Path) -> None:
    _, _, rows = _readings(folder)
    checked = 0
    for row in rows.values():
        if row["met"] is None or row["target_op"] not in (">=", "<="):
            continue
        assert isinstance(row["gap"], float)
        assert (row["gap"] >= 0) is row["met"], row
        checked += 1
    assert checked >= 8
    rank = rows["financial_center_rank", 2025]  # 21 against <= 20: one place short
    assert rank["projected_value"] == 21.0  # whole places
    assert rank["gap"] == pytest.approx(-1.0, abs=TOL)
    # A growth-rate row's gap is in points and has no relative gap.
    income = rows["income_growth", 2025]
    assert income["gap_rel"] is None
    assert income["gap"] == pytest.approx(income["projected_value"] - 6, rel=TOL)


def test_no_row_reads_as_success_when_missed(folder: Path) -> None:
    _, _, rows = _readings(folder)
    for row in rows.values():
        if row["met"] is False:
            assert row["outcome"] in ("missed", "far_off", "moving_away")
        if row["met"] is True:
            assert row["outcome"] == "met"


def test_progress_and_evidence_columns_reach_the_csv(folder: Path) -> None:
    result = run(
        "project", "--data", folder / "indicators.csv", "-s", folder / "flat.yaml",
        "--as-of", "2025", "-f", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    row = find_row(csv_rows(result.stdout), indicator_key="gdp", milestone="2025")
    for column in (
        "as_of", "evidence", "latest_year", "latest_value", "latest_grade",
        "progress_status", "completion_progress", "time_progress", "schedule",
        "need_per_year", "need_unit", "required_cagr_from_base",
    ):  # fmt: skip
        assert column in row
    assert row["as_of"] == "2025"
    assert row["schedule"] == "behind"


@pytest.mark.parametrize("year", ["1999", "2036"])
def test_as_of_outside_the_years_is_bad_input(folder: Path, year: str) -> None:
    result = run("project", "--data", folder / "indicators.csv", "--as-of", year)
    assert_input_error(result, "as-of year must lie in 2020-2035", year)


def test_the_terminal_dashboard_marks_evidence_and_counts_unsupported_verdicts(
    folder: Path,
) -> None:
    result = run(
        "project", "--data", folder / "indicators.csv", "-s", folder / "flat.yaml",
        "--as-of", "2025",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "as of 2025" in result.stdout
    assert "obs" in result.stdout
    assert "est" in result.stdout
    assert "rest on no observation since the base year" in result.stdout


# --- whole numbers ----------------------------------------------------------------------------


def test_counts_and_ranks_are_judged_whole() -> None:
    assert whole_number(np.array([39.56, 39.5, 39.49, 20.5, 20.49])).tolist() == [
        40, 40, 39, 21, 20,
    ]  # fmt: skip


def _one_target(value: float, target: float, direction: int, whole: bool) -> float:
    op_low = target if direction > 0 else -math.inf
    op_high = math.inf if direction > 0 else target
    targets = Targets(
        years=np.array([2020, 2021]),
        milestones=np.array([2021]),
        base_value=np.array([value]),
        base_year=np.array([2020]),
        direction=np.array([direction]),
        is_growth_rate=np.array([False]),
        value=np.array([[target]]),
        low=np.array([[op_low]]),
        high=np.array([[op_high]]),
        whole=np.array([whole]),
    )
    paths = np.array([[[value, value]]])
    return float(assess(paths, targets).met[0, 0, 0])


@settings(max_examples=200, deadline=None)
@given(
    target=st.integers(1, 10_000),
    margin=st.floats(0.5, 1e4, allow_nan=False, allow_infinity=False),
    direction=st.sampled_from([1, -1]),
)
def test_rounding_never_flips_a_comfortably_met_target(
    target: int, margin: float, direction: int
) -> None:
    """A whole-number target met by half a unit or more is met after rounding too."""
    value = target + direction * margin
    if value < 0.5:
        return
    assert _one_target(value, float(target), direction, whole=False) == 1.0
    assert _one_target(value, float(target), direction, whole=True) == 1.0


# --- schedule and the "met on the data" invariant -----------------------------------------------

OBSERVED_ONE = "indicator_key,year,value,source,grade,note\ngdp,{year},{value!r},s,A,\n"


@settings(max_examples=60, deadline=None)
@given(
    year=st.integers(2021, 2030),
    value=st.floats(100, 400, allow_nan=False, allow_infinity=False),
)
def test_schedule_flips_exactly_where_completion_crosses_time(
    tmp_path_factory: pytest.TempPathFactory, year: int, value: float
) -> None:
    folder = tmp_path_factory.mktemp("schedule")
    (folder / "t.csv").write_text(
        TABLE.splitlines()[0]
        + "\n1,gdp,发展,Dev,总值,GDP,亿元,level,up,2020,100,150,>=,300,>=,,\n",
        encoding="utf-8",
    )
    (folder / "o.csv").write_text(OBSERVED_ONE.format(year=year, value=value), encoding="utf-8")
    catalog = load_catalog(folder / "t.csv")
    observed = load_observed(folder / "o.csv", catalog)
    standing = stand(catalog, observed, 2035)
    for m, milestone in enumerate(catalog.milestones):
        if year > milestone:
            continue
        target = catalog.target_value[0, m]
        completion = (value - 100) / (target - 100)
        elapsed = (year - 2020) / (milestone - 2020)
        expected = "achieved" if value >= target else "ahead" if completion >= elapsed else "behind"
        assert standing.schedule[0][m] == expected
        assert standing.completion[0, m] == pytest.approx(completion, rel=TOL)


@settings(max_examples=40, deadline=None)
@given(value=st.floats(100, 400, allow_nan=False, allow_infinity=False))
def test_a_target_met_on_the_data_is_never_reported_missed(
    tmp_path_factory: pytest.TempPathFactory, value: float
) -> None:
    folder = tmp_path_factory.mktemp("met")
    (folder / "t.csv").write_text(
        TABLE.splitlines()[0]
        + "\n1,gdp,发展,Dev,总值,GDP,亿元,level,up,2020,100,150,>=,300,>=,,\n",
        encoding="utf-8",
    )
    (folder / "o.csv").write_text(OBSERVED_ONE.format(year=2025, value=value), encoding="utf-8")
    (folder / "s.yaml").write_text("name: s\ngrowth:\n  gdp: -0.5\n", encoding="utf-8")
    catalog = load_catalog(folder / "t.csv")
    observed = load_observed(folder / "o.csv", catalog)
    result = project(catalog, [load_scenario(str(folder / "s.yaml"))], observed, 2026)
    row = next(r for r in result.assessment_table if r["milestone"] == 2025)
    assert row["evidence"] == "observed"
    assert row["met"] is (value >= 150)
    assert (row["outcome"] == OUTCOMES[MET]) is (value >= 150)
    assert row["schedule"] == ("achieved" if value >= 150 else "behind")
