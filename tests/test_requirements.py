"""Requirements from the latest observation, and the yardstick scenario."""

from __future__ import annotations

import pytest

from nscc_proj.analysis.projection import project
from nscc_proj.analysis.requirements import required_from_latest, yardstick_scenario
from nscc_proj.inputs.observed import Observation, Observations


def observations(*rows):
    return Observations(tuple(Observation(k, y, v, "test", "A", "") for k, y, v in rows), "test")


def row(table, key, to_year):
    return next(r for r in table if r["indicator_key"] == key and r["to_year"] == to_year)


def test_needs_from_the_latest_observation(catalog):
    table = required_from_latest(
        catalog, observations(("gdp", 2024, 9027.1), ("budget_revenue", 2025, 794.2)), 2025
    )
    gdp = row(table, "gdp", 2025)
    assert (gdp["as_of"], gdp["from_year"], gdp["need_unit"]) == (2025, 2024, "rate")
    assert gdp["need_per_year"] == pytest.approx(10000 / 9027.1 - 1, rel=1e-12)
    assert gdp["required_cagr_from_base"] == pytest.approx((10000 / 6571.6) ** 0.2 - 1, rel=1e-12)
    assert gdp["note"] == "needs 10.78 % a year from 2024 (the latest observation)"
    # The 2025 revenue target is past at its 2025 observation: a verdict, no need.
    revenue = [r for r in table if r["indicator_key"] == "budget_revenue"]
    assert [r["to_year"] for r in revenue] == [2025, 2035]
    assert revenue[0]["note"] == "observed 794.2 in 2025: missed"
    assert revenue[0]["need_per_year"] is None
    assert revenue[1]["need_per_year"] == pytest.approx((2000 / 794.2) ** 0.1 - 1, rel=1e-12)
    # FDI (7.14 in 2020, no observation here) against 7.9 by 2025: from the base year.
    fdi = row(table, "fdi", 2025)
    assert fdi["from_year"] == 2020
    assert fdi["grade"] is None
    assert fdi["need_per_year"] == pytest.approx((7.9 / 7.14) ** 0.2 - 1, rel=1e-12)
    assert fdi["note"].endswith("(the base year)")


def test_needs_come_in_the_indicators_own_unit(catalog):
    table = required_from_latest(
        catalog,
        observations(("culture_industry_share", 2023, 3.5), ("financial_center_rank", 2024, 21)),
        2025,
    )
    share = row(table, "culture_industry_share", 2035)  # (10 - 3.5) points over 12 years
    assert (share["need_unit"], share["need_per_year"]) == ("points", pytest.approx(6.5 / 12))
    rank = row(table, "financial_center_rank", 2035)  # from 21 to 15 in 11 years
    assert (rank["need_unit"], rank["need_per_year"]) == ("places", pytest.approx(-6 / 11))
    jobless = row(table, "unemployment_rate", 2025)  # 5.3 may rise to 5.5 + 0.2 in 5 years
    assert jobless["already_met"] is True
    assert jobless["need_per_year"] == pytest.approx(0.4 / 5)
    assert jobless["note"] == "already met in 2020: may rise by up to 0.08 points a year"


def test_growth_rate_needs_the_rest_of_its_period(catalog):
    table = required_from_latest(
        catalog,
        observations(("rd_spending_growth", 2021, 12.0), ("rd_spending_growth", 2022, 6.0)),
        2025,
    )
    record = row(table, "rd_spending_growth", 2025)
    assert record["need_unit"] == "rate_remaining"
    need = record["need_per_year"]
    # Five years averaging 10 %: 1.12 * 1.06 * (1 + x)^3 = 1.1^5.
    assert 1.12 * 1.06 * (1 + need) ** 3 == pytest.approx(1.1**5, rel=1e-12)


@pytest.mark.parametrize("from_latest", [False, True])
def test_the_yardstick_meets_every_target(catalog, write_file, from_latest):
    observed = (
        observations(("gdp", 2024, 9027.1), ("population", 2023, 920.4), ("fdi", 2022, 39.2))
        if from_latest
        else None
    )
    from nscc_proj.inputs.scenario import load_scenario

    path = write_file("required.yaml", yardstick_scenario(catalog, observed))
    result = project(catalog, [load_scenario(path)], observed)
    for record in result.assessment_table:
        if record["met"] is not None:
            assert record["met"] is True, record
    assert sum(r["met"] is True for r in result.assessment_table) >= 50
