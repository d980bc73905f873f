"""Goal seek: the solved rate meets its target, through links and observations."""

from __future__ import annotations

import pytest

from nscc_proj.analysis.projection import project
from nscc_proj.analysis.solve import solve
from nscc_proj.errors import InputError, NoSolution
from nscc_proj.inputs.observed import Observation, Observations
from nscc_proj.inputs.quantities import Period
from nscc_proj.inputs.scenario import scenario_from_dict


def linked():
    return scenario_from_dict(
        {"name": "linked", "growth": {"gdp": 0.05, "budget_revenue": {"ratio_to": "gdp"}}}
    )


@pytest.mark.parametrize(
    "observed",
    [None, Observations((Observation("gdp", 2024, 9027.1, "s", "C", ""),), "test")],
)
def test_solved_rate_meets_the_target_to_1e9(catalog, observed):
    result = solve(
        catalog, linked(), ("budget_revenue", 2035), ("gdp", Period(2026, 2035)), observed
    )
    assert result.met
    check = scenario_from_dict(
        {"name": "check", "growth": {"gdp": {"2026-2035": result.solution}}}, linked()
    )
    projection = project(catalog, [check], observed)
    value = projection.assessment.projected[0, catalog.index["budget_revenue"], 1]
    assert value == pytest.approx(2000, rel=1e-9)
    assert projection.assessment.met[0, catalog.index["budget_revenue"], 1] == 1.0


def test_closed_form_agrees_without_links(catalog):
    # Without links or observations, GDP 2035 needs 6571.6 * 1.05^5 * (1 + r)^10 = 20000.
    result = solve(catalog, linked(), ("gdp", 2035), ("gdp", Period(2026, 2035)))
    assert result.solution == pytest.approx((20000 / (6571.6 * 1.05**5)) ** 0.1 - 1, rel=1e-12)
    assert result.scenario_value == pytest.approx(0.05)


def test_rank_targets_solve_for_places_a_year(catalog):
    scenario = scenario_from_dict(
        {"name": "s", "growth": {"financial_center_rank": {"change": -0.2}}}
    )
    result = solve(
        catalog,
        scenario,
        ("financial_center_rank", 2035),
        ("financial_center_rank", Period(2026, 2035)),
    )
    assert result.form == "change"
    assert 22 - 0.2 * 5 + 10 * result.solution == pytest.approx(15, abs=1e-9)


def test_unrelated_assumption_is_reported(catalog):
    with pytest.raises(InputError, match="does not depend on population"):
        solve(catalog, linked(), ("budget_revenue", 2035), ("population", Period(2026, 2035)))


def test_target_out_of_reach_is_reported(catalog):
    # 1318.1 * 0.5^4 * (1 + x) >= 3500 needs x > 41: beyond any plausible yearly rate.
    scenario = scenario_from_dict({"name": "s", "growth": {"airport_passengers": -0.5}})
    with pytest.raises(NoSolution, match="misses its target for every rate"):
        solve(
            catalog,
            scenario,
            ("airport_passengers", 2025),
            ("airport_passengers", Period(2025, 2025)),
        )
