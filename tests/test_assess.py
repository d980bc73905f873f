"""Assessment: golden values computed by hand from the plan's table, and invariants.

``catalog`` is the frozen table of tests/data; the last smoke test runs the shipped data.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nscc_proj.analysis.projection import project
from nscc_proj.analysis.requirements import required_growth
from nscc_proj.core.assess import OUTCOMES, required_rate
from nscc_proj.inputs.scenario import Scenario
from strategies import rates


def scenario(name="s", default=0.0, **growth):
    return Scenario.model_validate({"name": name, "growth": growth, "default": default})


def row(projection, key, milestone, scenario_name=None):
    for record in projection.assessment_table:
        if (
            record["indicator_key"] == key
            and record["milestone"] == milestone
            and (scenario_name is None or record["scenario"] == scenario_name)
        ):
            return record
    raise KeyError((key, milestone))


def required_row(table, key, from_year, to_year):
    return next(
        r
        for r in table
        if (r["indicator_key"], r["from_year"], r["to_year"]) == (key, from_year, to_year)
    )


# Golden values: (target / base) ** (1 / years) - 1 from the plan's table, by hand.
GDP_2025 = (10000 / 6571.6) ** (1 / 5) - 1  # 8.759 %
GDP_2035 = (20000 / 6571.6) ** (1 / 15) - 1  # 7.702 %
GDP_2025_2035 = 2 ** (1 / 10) - 1  # 7.177 %
AIRPORT_2025 = (3500 / 1318.1) ** (1 / 5) - 1  # 21.569 %


def test_golden_required_rates(catalog):
    assert round(GDP_2025, 5) == 0.08759
    assert round(GDP_2035, 5) == 0.07702
    assert round(GDP_2025_2035, 5) == 0.07177
    assert round(AIRPORT_2025, 5) == 0.21569
    table = required_growth(catalog)
    assert required_row(table, "gdp", 2020, 2025)["required_cagr"] == pytest.approx(
        GDP_2025, rel=1e-12
    )
    assert required_row(table, "gdp", 2020, 2035)["required_cagr"] == pytest.approx(
        GDP_2035, rel=1e-12
    )
    assert required_row(table, "gdp", 2025, 2035)["required_cagr"] == pytest.approx(
        GDP_2025_2035, rel=1e-12
    )
    airport = required_row(table, "airport_passengers", 2020, 2025)
    assert airport["required_cagr"] == pytest.approx(AIRPORT_2025, rel=1e-12)
    assert airport["required_change_per_year"] == pytest.approx((3500 - 1318.1) / 5)


def test_required_rates_between_milestones_exist_without_a_base(catalog):
    table = required_growth(catalog)
    assert required_row(table, "digital_economy_share", 2020, 2025)["required_cagr"] is None
    assert required_row(table, "digital_economy_share", 2025, 2035)[
        "required_cagr"
    ] == pytest.approx(GDP_2025_2035)
    assert required_row(table, "income_growth", 2020, 2025)["required_cagr"] == pytest.approx(0.06)
    # Growth-rate targets (rows 4, 13) have no 2020 -> 2035 span: they average over 2026-2035.
    assert len(table) == 31 * 3 - 2


def test_a_path_at_exactly_the_required_rate_meets_its_target(catalog):
    result = project(catalog, [scenario(gdp=GDP_2025)])
    record = row(result, "gdp", 2025)
    assert record["projected_value"] == pytest.approx(10000, rel=1e-12)
    assert record["met"] is True
    assert record["outcome"] == "met"
    assert record["first_year_met"] == 2025
    assert record["scenario_cagr"] == pytest.approx(record["required_cagr_from_base"], rel=1e-12)


def test_gap_outcome_and_late_first_year(catalog):
    # 6 % a year: GDP 2025 = 6571.6 * 1.06^5 = 8794.3, missing 10000 by 12.06 %.
    result = project(catalog, [scenario(gdp=0.06)])
    record = row(result, "gdp", 2025)
    expected = 6571.6 * 1.06**5
    assert record["projected_value"] == pytest.approx(expected)
    assert record["gap"] == pytest.approx(expected - 10000)
    assert record["gap_rel"] == pytest.approx((expected - 10000) / 10000)
    assert record["met"] is False
    # R = 0.06 / 0.08759 = 0.685: missed, not far off.
    assert record["outcome"] == "missed"
    # 10000 is first reached in 2028: 6571.6 * 1.06^8 = 10474 > 10000 > 1.06^7 * 6571.6 = 9881.
    assert record["first_year_met"] == 2028


@pytest.mark.parametrize(
    ("rate", "outcome"),
    [
        (0.0876, "met"),
        (0.084, "missed"),
        (0.06, "missed"),
        (0.05, "far_off"),
        (0.0, "far_off"),
        (-0.01, "moving_away"),
    ],
)
def test_outcome_grades_a_miss_by_the_paths_pace(catalog, rate, outcome):
    # R = rate / 0.08759: 0.959 and 0.685 missed, 0.571 and 0 far off, < 0 moving away.
    assert row(project(catalog, [scenario(gdp=rate)]), "gdp", 2025)["outcome"] == outcome


def test_zero_required_growth_missed_is_moving_away(catalog):
    record = row(project(catalog, [scenario(road_density=-0.01)]), "road_density", 2025)
    assert record["required_cagr_from_base"] == 0.0
    assert record["met"] is False
    assert record["outcome"] == "moving_away"
    assert row(project(catalog, [scenario()]), "road_density", 2035)["outcome"] == "met"


def test_about_targets_accept_the_band_and_the_good_side(catalog):
    band = catalog["unemployment_rate"].tolerance

    def jobless(change):
        return row(
            project(catalog, [scenario(unemployment_rate={"change": change})]),
            "unemployment_rate",
            2025,
        )

    # 5.3 + 5 * change against 5.5 ± band; lower is better.
    assert jobless(0.0)["met"] is True  # 5.3: below the band, on the good side
    assert jobless((5.5 + band - 5.3) / 5 - 1e-9)["met"] is True  # at the top of the band
    assert jobless((5.5 + band - 5.3) / 5 + 0.01)["met"] is False
    assert jobless(-0.5)["met"] is True  # 2.8 %: far below, still met


def test_rank_targets_compare_whole_places(catalog):
    # 22 - 0.5 x 5 = 19.5, read as place 20 (halves up): met against <= 20.
    result = project(catalog, [scenario(financial_center_rank={"change": -0.5})])
    assert row(result, "financial_center_rank", 2025)["projected_value"] == 20
    assert row(result, "financial_center_rank", 2025)["met"] is True
    # 22 - 0.5 x 15 = 14.5, read as place 15: met against <= 15.
    assert row(result, "financial_center_rank", 2035)["projected_value"] == 15
    assert row(result, "financial_center_rank", 2035)["met"] is True
    # 22 - 0.3 x 5 = 20.5, read as place 21: missed against <= 20, one place short.
    slow = project(catalog, [scenario(financial_center_rank={"change": -0.3})])
    assert row(slow, "financial_center_rank", 2025)["met"] is False
    assert row(slow, "financial_center_rank", 2025)["gap"] == pytest.approx(-1.0)
    stuck = project(catalog, [scenario()])
    assert row(stuck, "financial_center_rank", 2025)["outcome"] == "far_off"


def test_growth_rate_targets_use_the_average_rate_over_their_period(catalog):
    steps = {"2021-2022": 0.12, "2023-2025": 0.09, "2026-2035": 0.095}
    result = project(catalog, [scenario(rd_spending_growth=steps)])
    average_2025 = (1.12**2 * 1.09**3) ** (1 / 5) - 1  # 10.19 %
    record = row(result, "rd_spending_growth", 2025)
    assert record["projected_value"] == pytest.approx(100 * average_2025)
    assert record["scenario_cagr"] == pytest.approx(average_2025)
    assert record["required_cagr_from_base"] == pytest.approx(0.10)
    assert record["met"] is True
    # 2021 alone averages 12 %: met from the first year of the period.
    assert record["first_year_met"] == 2021
    later = row(result, "rd_spending_growth", 2035)
    assert later["projected_value"] == pytest.approx(9.5)
    assert later["met"] is False
    assert later["outcome"] == "missed"  # R = 0.095 / 0.10: missed, however close


def test_income_growth_is_assessable_without_a_2020_rate(catalog):
    record = row(project(catalog, [scenario(income_growth="6.5%")]), "income_growth", 2025)
    assert record["projected_value"] == pytest.approx(6.5)
    assert record["met"] is True


def test_missing_base_values_are_not_assessable(catalog):
    result = project(catalog, [scenario(default=0.05)])
    for key in ("digital_economy_share", "high_value_patents_per_10k", "digital_culture_parks"):
        record = row(result, key, 2035)
        assert record["projected_value"] is None
        assert record["met"] is None
        assert record["outcome"] == "not_assessable"
        assert record["first_year_met"] is None


def test_every_shipped_scenario_assesses_all_31_indicators(shipped_catalog):
    """A smoke test of the shipped table and scenarios: shapes, not values."""
    from nscc_proj.inputs.scenario import load_scenario

    result = project(shipped_catalog, [load_scenario(name) for name in ("base", "high", "low")])
    table = result.assessment_table
    assert len(table) == 3 * 31 * 2
    assert set(table.column("outcome")) <= set(OUTCOMES)
    assessable = [r for r in table if r["met"] is not None]
    assert len(assessable) >= 3 * 26 * 2


@settings(max_examples=60)
@given(key_rates=st.lists(rates, min_size=15, max_size=15), bump=st.floats(0.001, 0.2))
def test_raising_growth_never_turns_met_into_missed(catalog, key_rates, bump):
    periods = {str(2021 + k): rate for k, rate in enumerate(key_rates)}
    bumped = {str(2021 + k): rate + bump for k, rate in enumerate(key_rates)}
    keys = ("gdp", "strategic_emerging_share", "green_coverage", "rd_spending_growth")
    result = project(
        catalog,
        [
            scenario("low", **dict.fromkeys(keys, periods)),
            scenario("high", **dict.fromkeys(keys, bumped)),
        ],
    )
    met = result.assessment.met
    projected = result.assessment.projected
    rows = [catalog.index[key] for key in keys]
    assert (projected[1, rows] >= projected[0, rows] - 1e-9).all()
    assert not ((met[0, rows] == 1) & (met[1, rows] == 0)).any()


@given(
    base=st.floats(0.1, 1e6),
    target=st.floats(0.1, 1e6),
    years=st.integers(1, 40),
)
def test_required_rate_lands_on_the_target(base, target, years):
    rate = float(required_rate(np.array(base), np.array(target), np.array(years)))
    assert base * (1 + rate) ** years == pytest.approx(target, rel=1e-9)


@pytest.mark.parametrize("milestone", [2025, 2035])
def test_every_target_is_met_by_a_path_at_its_required_rate(catalog, milestone):
    requirements = {
        r["indicator_key"]: r["required_cagr"]
        for r in required_growth(catalog)
        if r["from_year"] == 2020 and r["to_year"] == milestone and r["required_cagr"] is not None
    }
    growth = {
        key: {"change": 0.0} if catalog[key].kind.value == "rank" else rate
        for key, rate in requirements.items()
    }
    # Ranks move by places: the required change per year lands on the target exactly.
    rank = catalog["financial_center_rank"]
    growth["financial_center_rank"] = {
        "change": (rank.targets[milestone].value - rank.base_value) / (milestone - rank.base_year)
    }
    result = project(catalog, [scenario(**growth)])
    for key in requirements:
        record = row(result, key, milestone)
        assert record["met"] is True, (key, record)
