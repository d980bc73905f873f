"""Compiling scenarios: layering with extends, nested periods, real growth, links, shocks."""

from __future__ import annotations

import numpy as np
import pytest

from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.core.engine import Link, Mode
from nscc_proj.errors import InputError
from nscc_proj.inputs.scenario import load_scenario, scenario_from_dict

YEARS = 15  # steps 2021..2035


def steps(catalog, scenario, key):
    arrays = compile_scenarios(catalog, [scenario])
    return arrays.growth[0, catalog.index[key]], arrays


def test_nested_period_overrides_its_year_only(catalog):
    scenario = scenario_from_dict(
        {"name": "s", "growth": {"gdp": {"2021-2025": 0.06, "2022": -0.02}}}
    )
    obs, _ = steps(catalog, scenario, "gdp")
    assert obs[:5].tolist() == [0.06, -0.02, 0.06, 0.06, 0.06]
    assert obs[5:].tolist() == [0.0] * 10


def test_partial_overlap_is_an_error(catalog):
    scenario = scenario_from_dict(
        {"name": "s", "growth": {"gdp": {"2021-2025": 0.06, "2024-2027": 0.05}}}
    )
    with pytest.raises(InputError, match="overlaps period 2021-2025 without lying inside it"):
        compile_scenarios(catalog, [scenario])


def test_extends_layers_periods_and_replaces_forms(catalog):
    parent = scenario_from_dict(
        {
            "name": "parent",
            "default": 0.01,
            "growth": {"gdp": {"2021-2025": 0.06, "2026-2035": 0.05}, "population": 0.01},
        }
    )
    child = scenario_from_dict(
        {
            "name": "child",
            "growth": {"gdp": {"2030": 0.02}, "population": {"change": 3}},
        },
        parent,
    )
    gdp, arrays = steps(catalog, child, "gdp")
    assert gdp.tolist() == [0.06] * 5 + [0.05] * 4 + [0.02] + [0.05] * 5
    population = arrays.growth[0, catalog.index["population"]]
    assert population.tolist() == [3.0] * YEARS  # a change replaces the parent's rate
    assert arrays.mode[0, catalog.index["population"]] == Mode.ADDITIVE
    # The parent's default still applies to what neither lists.
    assert arrays.growth[0, catalog.index["fdi"]].tolist() == [0.01] * YEARS
    grandchild = scenario_from_dict(
        {"name": "grandchild", "default": 0.0, "growth": {"gdp": 0.03}}, child
    )
    gdp, arrays = steps(catalog, grandchild, "gdp")
    assert gdp.tolist() == [0.03] * YEARS  # a plain rate replaces every period
    assert arrays.growth[0, catalog.index["fdi"]].tolist() == [0.0] * YEARS


def test_a_partial_override_in_another_form_is_an_error(catalog):
    parent = scenario_from_dict(
        {"name": "parent", "deflator": 0.01, "growth": {"gdp": {"real": 0.05}}}
    )
    child = scenario_from_dict({"name": "child", "growth": {"gdp": {"2027": -0.02}}}, parent)
    with pytest.raises(InputError, match=r"the parent gives 'gdp' as real\+deflator"):
        compile_scenarios(catalog, [child])
    same_form = scenario_from_dict(
        {"name": "child", "growth": {"gdp": {"real": {"2027": -0.02}}}}, parent
    )
    gdp, _ = steps(catalog, same_form, "gdp")
    assert gdp[6] == pytest.approx(0.98 * 1.01 - 1)
    assert gdp[5] == pytest.approx(1.05 * 1.01 - 1)


def test_real_growth_plus_deflator_is_nominal(catalog):
    scenario = scenario_from_dict(
        {
            "name": "s",
            "deflator": {"2021-2030": 0.02, "2031-2035": "1%"},
            "growth": {"gdp": {"real": {"2021-2035": 0.05}}},
        }
    )
    gdp, arrays = steps(catalog, scenario, "gdp")
    np.testing.assert_allclose(gdp[:10], 1.05 * 1.02 - 1)
    np.testing.assert_allclose(gdp[10:], 1.05 * 1.01 - 1)
    assert arrays.basis[0][catalog.index["gdp"]] == "real+deflator"


def test_real_growth_needs_a_deflator(catalog):
    scenario = scenario_from_dict(
        {"name": "s", "deflator": {"2021-2025": 0.02}, "growth": {"gdp": {"real": 0.05}}}
    )
    with pytest.raises(InputError, match="needs a deflator for every year"):
        compile_scenarios(catalog, [scenario])


def test_links_compile_to_a_kind_and_a_driver(catalog):
    scenario = scenario_from_dict(
        {
            "name": "s",
            "growth": {
                "budget_revenue": {"ratio_to": "gdp", "ratio": -0.01},
                "finance_value_added": {"share_of": "gdp", "ratio": {"change": 0.1}},
                "high_value_patents_per_10k": {"per": "population", "count": 0.08},
                "income_growth": {"rate_of": "urban_income"},
            },
        }
    )
    arrays = compile_scenarios(catalog, [scenario])
    i = catalog.index
    assert arrays.link[0, i["budget_revenue"]] == Link.RATIO
    assert arrays.driver[0, i["budget_revenue"]] == i["gdp"]
    assert arrays.growth[0, i["budget_revenue"]].tolist() == [-0.01] * YEARS
    assert arrays.mode[0, i["finance_value_added"]] == Mode.ADDITIVE
    assert arrays.link[0, i["high_value_patents_per_10k"]] == Link.PER
    assert arrays.link[0, i["income_growth"]] == Link.RATE_OF
    assert arrays.driver[0, i["income_growth"]] == i["urban_income"]
    assert arrays.basis[0][i["budget_revenue"]] == "ratio_to:gdp"


@pytest.mark.parametrize(
    ("growth", "message"),
    [
        (
            {"gdp": {"ratio_to": "budget_revenue"}, "budget_revenue": {"ratio_to": "gdp"}},
            "links run in a circle",
        ),
        ({"gdp": {"ratio_to": "gdp"}}, "cannot be linked to itself"),
        ({"gdp": {"rate_of": "population"}}, "rate_of defines a growth_rate indicator"),
        ({"income_growth": {"rate_of": "unemployment_rate"}}, "reads the growth of a level"),
        ({"gdp": {"ratio_to": "financial_center_rank"}}, "link to a level instead"),
        ({"gdp": {"ratio_to": "gpd"}}, "did you mean 'gdp'"),
        ({"unemployment_rate": {"real": 0.01}}, "real growth applies to money levels"),
    ],
)
def test_bad_links_and_forms_are_explained(catalog, growth, message):
    with pytest.raises(InputError, match=message):
        compile_scenarios(catalog, [scenario_from_dict({"name": "s", "growth": growth})])


def test_shock_shift_recovers_linearly(catalog):
    scenario = scenario_from_dict(
        {
            "name": "s",
            "growth": {"unemployment_rate": {"change": 0.0}},
            "shocks": [
                {
                    "year": 2027,
                    "change": {"gdp": "-4%", "unemployment_rate": 1.5},
                    "recover_years": 3,
                },
                {"year": 2030, "change": {"population": -0.01}},
            ],
        }
    )
    arrays = compile_scenarios(catalog, [scenario])
    i, years = catalog.index, catalog.years.tolist()
    gdp = arrays.shift[0, i["gdp"]]
    at = years.index(2027)
    np.testing.assert_allclose(gdp[:at], 1.0)
    np.testing.assert_allclose(gdp[at : at + 4], 0.96 ** np.array([1, 2 / 3, 1 / 3, 0]))
    np.testing.assert_allclose(gdp[at + 4 :], 1.0)
    np.testing.assert_allclose(arrays.shift[0, i["unemployment_rate"], at], 1.5)
    np.testing.assert_allclose(arrays.shift[0, i["population"], years.index(2030) :], 0.99)


@pytest.mark.parametrize(
    ("shock", "message"),
    [
        ({"year": 2027, "change": {"income_growth": -0.01}}, "growth rate: shock the level"),
        ({"year": 2020, "change": {"gdp": -0.01}}, "outside 2021-2035"),
        ({"year": 2027, "change": {"gdp": 4}}, "looks like a percentage"),
        ({"year": 2027, "change": {"gpd": -0.01}}, "did you mean 'gdp'"),
    ],
)
def test_bad_shocks_are_explained(catalog, shock, message):
    with pytest.raises(InputError, match=message):
        compile_scenarios(catalog, [scenario_from_dict({"name": "s", "shocks": [shock]})])


def test_extends_resolves_and_detects_cycles(write_file, tmp_path):
    write_file("a.yaml", "name: a\nextends: b\n")
    write_file("b.yaml", "name: b\nextends: a\n")
    with pytest.raises(InputError, match="extends this scenario in turn"):
        load_scenario(tmp_path / "a.yaml")
    child = write_file("scenarios/base.yaml", "name: mybase\nextends: base\ngrowth: {gdp: 0.07}\n")
    loaded = load_scenario(child)
    assert loaded.parent is not None
    assert loaded.parent.name == "base"
    write_file("c.yaml", "name: c\nextends: nowhere\n")
    with pytest.raises(InputError, match=r"c.yaml:2: extends: unknown scenario 'nowhere'"):
        load_scenario(tmp_path / "c.yaml")
