"""The observation model: levels and growth facts, vintages, and level revisions.

Values are computed by hand from the figures written below (the plan's 2020
values and the city's reported figures), not by the code under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import assert_input_error, csv_rows, find_row, run
from nscc_proj.analysis.projection import project
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.observed import load_observed, pinned_levels
from nscc_proj.inputs.scenario import load_scenario

DATA = Path(__file__).parent / "data"
HEADER = "indicator_key,year,measure,value,source,grade,vintage,break,note\n"
OBSERVED = (
    HEADER
    + "gdp,2023,level,8122.1,s,C,final,,\n"
    + "gdp,2024,level,9027.1,s,C,final,true,census revision\n"
    + "gdp,2024,growth_real,5.2,plan report,A,estimate,,\n"
    + "budget_revenue,2024,level,825.6,s,C,final,,\n"
    + "trade_total,2022,level,1445,plan report,A,estimate,,\n"
    + "trade_total,2022,growth_nominal,2,plan report,A,estimate,,\n"
    + "trade_total,2023,growth_nominal,4.5,plan report,A,estimate,,\n"
    + "fdi,2022,level,39.2,plan report,A,estimate,,\n"
    + "fdi,2022,growth_nominal,375.3,plan report,A,estimate,,\n"
    + "urban_income,2024,level,56117,s,C,,,\n"
    + "urban_income,2022,growth_nominal,2.2,plan report,A,estimate,,\n"
)
REL = 1e-12


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("indicators_2020.csv", "context.csv", "ratios.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "observed.csv").write_text(OBSERVED, encoding="utf-8")
    return tmp_path


def _paths(folder: Path) -> dict[str, np.ndarray]:
    catalog = load_catalog(folder / "indicators_2020.csv")
    observed = load_observed(folder / "observed.csv", catalog)
    scenario = load_scenario(str(DATA / "scenarios" / "base.yaml"))
    result = project(catalog, [scenario], observed, 2025)
    return {s.key: result.paths[0, n] for n, s in enumerate(catalog.series)}


def test_growth_facts_pin_the_years_between_levels(folder: Path) -> None:
    paths = _paths(folder)  # years 2020 ... 2035: index = year - 2020
    assert paths["trade_total"][1] == pytest.approx(1445 / 1.02, rel=1e-3)  # 2021
    assert paths["trade_total"][1] == pytest.approx(1445 / 1.02, rel=REL)
    assert paths["trade_total"][3] == pytest.approx(1445 * 1.045, rel=REL)  # 2023, on from 2022
    assert paths["fdi"][1] == pytest.approx(39.2 / 4.753, rel=REL)  # 2021, not 16.7
    income = paths["urban_income"]
    assert income[2] / income[1] - 1 == pytest.approx(0.022, rel=REL)  # 2022 growth is 2.2 %
    # The other three years share the rest: (56117 / 47413 / 1.022) ** (1 / 3) - 1.
    rest = (56117 / 47413 / 1.022) ** (1 / 3) - 1
    assert income[1] / 47413 - 1 == pytest.approx(rest, rel=1e-9)
    assert income[4] == pytest.approx(56117, rel=REL)


def test_pinned_levels_leave_unpinned_stretches_alone() -> None:
    levels = np.array([100.0, np.nan, np.nan, 121.0, np.nan])
    assert np.isnan(pinned_levels(levels, 2020, {})[1])
    pinned = pinned_levels(levels, 2020, {2022: 10.0})
    # 2022 grows 10 %; 2021 and 2023 share (121 / 100 / 1.1): 1.1 ** 0.5 each.
    assert pinned[1] == pytest.approx(100 * 1.1**0.5, rel=REL)
    assert pinned[2] == pytest.approx(100 * 1.1**1.5, rel=REL)
    assert np.isnan(pinned[4])


def test_consistency_chains_the_trend_across_a_level_revision(folder: Path) -> None:
    result = run("consistency", "--data", folder / "indicators_2020.csv", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    row = find_row(csv_rows(result.stdout), ratio="revenue_to_gdp")
    gdp = 8122.1 / 6571.6 * 1.052  # to 2023 on the old basis, then +5.2 % real in 2024
    revenue = 825.6 / 736.1
    assert float(row["observed_trend"]) == pytest.approx((revenue / gdp) ** 0.25 - 1, rel=REL)
    assert "chained across its 2024 level revision" in row["trend_note"]
    assert "5.2 % real growth (A)" in row["trend_note"]


def test_vintage_and_break_are_read(folder: Path) -> None:
    catalog = load_catalog(folder / "indicators_2020.csv")
    observed = load_observed(folder / "observed.csv", catalog)
    assert observed.breaks("gdp") == (2024,)
    assert observed.at("gdp", 2024) is not None
    assert observed.at("urban_income", 2024).vintage == "final"  # type: ignore[union-attr]
    assert [r.year for r in observed.growth_of("trade_total")] == [2022, 2023]
    # Growth facts are not levels: the latest level of trade is still 2022.
    assert observed.latest("trade_total").year == 2022  # type: ignore[union-attr]
    assert [r.year for r in observed.until(2022).growth_of("trade_total")] == [2022]


def test_an_old_six_column_file_still_loads(tmp_path: Path) -> None:
    catalog = load_catalog(DATA / "indicators_2020.csv")
    path = tmp_path / "o.csv"
    path.write_text(
        "indicator_key,year,value,source,grade,note\ngdp,2024,9027.1,s,C,\n", encoding="utf-8"
    )
    record = load_observed(path, catalog).at("gdp", 2024)
    assert record is not None
    assert (record.measure, record.vintage, record.revision) == ("level", "final", False)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("gdp,2024,volume,1,s,A,final,,", "measure must be one of"),
        ("gdp,2024,level,1,s,A,guess,,", "vintage must be one of"),
        ("gdp,2024,level,1,s,A,final,maybe,", "break must be true or false"),
        ("culture_industry_share,2024,growth_nominal,1,s,A,final,,", "needs a level or count"),
        ("gdp,2024,growth_nominal,-100,s,A,final,,", "must exceed -100"),
        ("gdp,2024,growth_real,5,s,A,final,true,", "a break marks a level"),
        ("gdp,2024,level,1e300,s,A,final,,", "within ±1e15"),
    ],
)
def test_bad_observation_rows_are_bad_input(
    workdir: Path, line: str, fragment: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + line + "\n", encoding="utf-8")
    assert_input_error(run("project", "--observed", path), fragment)


def test_the_same_year_may_hold_a_level_and_a_growth_fact_but_not_two_levels(
    workdir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        HEADER + "gdp,2024,level,1,s,A,,,\ngdp,2024,growth_real,5,s,A,,,\n", encoding="utf-8"
    )
    assert run("project", "--observed", path, "-f", "csv").exit_code == 0
    path.write_text(HEADER + "gdp,2024,level,1,s,A,,,\ngdp,2024,level,2,s,A,,,\n")
    assert_input_error(run("project", "--observed", path), "observed twice")
