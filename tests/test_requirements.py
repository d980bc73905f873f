"""Requirements from the latest observation, and the yardstick scenario."""

from __future__ import annotations

import pytest

from nscc_proj.observed import Observation, Observations
from nscc_proj.projection import project
from nscc_proj.requirements import required_from_latest, yardstick_scenario


def observations(*rows):
    return Observations(tuple(Observation(k, y, v, "test", "A", "") for k, y, v in rows), "test")


def row(table, key, to_year):
    return next(r for r in table if r["indicator_key"] == key and r["to_year"] == to_year)


def test_needs_from_the_latest_observation(catalog):
    table = required_from_latest(
        catalog, observations(("gdp", 2024, 9027.1), ("budget_revenue", 2025, 794.2))
    )
    gdp = row(table, "gdp", 2025)
    assert gdp["from_year"] == 2024
    assert gdp["required_cagr"] == pytest.approx(10000 / 9027.1 - 1, rel=1e-12)
    assert gdp["required_cagr_from_base"] == pytest.approx((10000 / 6571.6) ** 0.2 - 1, rel=1e-12)
    assert gdp["harder_by"] == pytest.approx(gdp["required_cagr"] - gdp["required_cagr_from_base"])
    assert gdp["note"] == "needs 10.78% a year from 2024, against 8.76% from 2020"
    # The 2025 revenue target is past at its 2025 observation: only 2035 remains.
    revenue = [r for r in table if r["indicator_key"] == "budget_revenue"]
    assert [r["to_year"] for r in revenue] == [2025, 2035]
    assert revenue[0]["note"] == "observed 794.2 in 2025: missed"
    assert row(table, "fdi", 2025)["note"] == "no observation: measured from the base year"


def test_growth_rate_needs_the_rest_of_its_period(catalog):
    table = required_from_latest(
        catalog, observations(("rd_spending_growth", 2021, 12.0), ("rd_spending_growth", 2022, 6.0))
    )
    need = row(table, "rd_spending_growth", 2025)["required_cagr"]
    # Five years averaging 10 %: 1.12 * 1.06 * (1 + x)^3 = 1.1^5.
    assert 1.12 * 1.06 * (1 + need) ** 3 == pytest.approx(1.1**5, rel=1e-12)


@pytest.mark.parametrize("from_latest", [False, True])
def test_the_yardstick_meets_every_target(catalog, write_file, from_latest):
    observed = (
        observations(("gdp", 2024, 9027.1), ("population", 2023, 920.4), ("fdi", 2022, 39.2))
        if from_latest
        else None
    )
    from nscc_proj.scenario import load_scenario

    path = write_file("required.yaml", yardstick_scenario(catalog, observed))
    result = project(catalog, [load_scenario(path)], observed)
    for record in result.assessment_table:
        if record["met"] is not None:
            assert record["met"] is True, record
    assert sum(r["met"] is True for r in result.assessment_table) >= 50
