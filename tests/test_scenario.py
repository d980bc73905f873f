"""Scenario files: schema, rate parsing, resolution and located error messages."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.core.engine import Mode
from nscc_proj.errors import InputError
from nscc_proj.inputs.quantities import Period, parse_period, parse_rate
from nscc_proj.inputs.scenario import (
    available_scenarios,
    load_scenario,
    resolve_scenario_path,
    shipped_scenario_dir,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (0.06, 0.06),
        ("6%", 0.06),
        (" 6.5 % ", 0.065),
        ("-2%", -0.02),
        (0, 0.0),
        ("0.03", 0.03),
        (1, 1.0),
    ],
)
def test_rates_are_fractions_or_percent_strings(given, expected):
    assert parse_rate(given) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (6, "looks like a percentage written without '%': write 0.06 or \"6%\""),
        (-1.0, "-100 % or less"),
        ("-150%", "-100 % or less"),
        ("fast", "expected a number"),
        (True, "expected a growth rate"),
        (float("nan"), "finite"),
    ],
)
def test_bad_rates_are_explained(given, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_rate(given)


def test_periods_parse_spans_and_single_years():
    assert parse_period("2021-2025") == Period(2021, 2025)
    assert parse_period(2022) == Period(2022, 2022)
    assert str(Period(2026, 2035)) == "2026-2035"
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("2025-2021")


def test_every_shipped_scenario_loads_and_compiles(shipped_catalog):
    """A smoke test of the shipped scenarios on the shipped table."""
    names = [path.stem for path in sorted(shipped_scenario_dir().glob("*.yaml"))]
    assert {"base", "high", "low"} <= set(names)
    scenarios = [load_scenario(name) for name in names]
    assert [s.name for s in scenarios] == names
    arrays = compile_scenarios(shipped_catalog, scenarios)
    assert arrays.growth.shape == (len(names), len(shipped_catalog.series), 15)
    assert np.isfinite(arrays.growth).all()


def test_compiled_steps_follow_periods_and_default(catalog, write_file):
    path = write_file(
        "s.yaml",
        """\
        name: s
        growth:
          gdp: {2021-2025: 0.06, 2026-2030: "5%"}
          population: 0.01
          financial_center_rank: {change: -0.5}
          rd_spending_growth: 0.1
          unemployment_rate: {change: {2021-2025: 0.1}}
        default: 0.02
        """,
    )
    arrays = compile_scenarios(catalog, [load_scenario(path)])
    i = catalog.index
    assert arrays.growth[0, i["gdp"]].tolist() == pytest.approx(
        [0.06] * 5 + [0.05] * 5 + [0.02] * 5
    )
    assert arrays.growth[0, i["population"]].tolist() == pytest.approx([0.01] * 15)
    assert arrays.growth[0, i["fdi"]].tolist() == pytest.approx([0.02] * 15)
    assert arrays.mode[0, i["financial_center_rank"]] == Mode.ADDITIVE
    # A growth-rate indicator holds the rate itself, in the table's percent.
    assert arrays.mode[0, i["rd_spending_growth"]] == Mode.DIRECT
    assert arrays.growth[0, i["rd_spending_growth"]].tolist() == pytest.approx([10.0] * 15)
    # Change-form indicators take no change in years no period covers.
    assert arrays.growth[0, i["unemployment_rate"]].tolist() == pytest.approx(
        [0.1] * 5 + [0.0] * 10
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("name: x\ngrowth:\n  gdp: 6\n", "s.yaml:3: growth.gdp: 6 looks like a percentage"),
        ("name: x\ngrowth:\n  gdp: fast\n", "s.yaml:3: growth.gdp: expected a number"),
        (
            "name: x\ngrowth:\n  gdp: {2021-2025: -1.5}\n",
            "s.yaml:3: growth.gdp.2021-2025: growth of -150.00%",
        ),
        ("name: x\nspeed: 3\n", "s.yaml:2: speed: unknown key"),
        (
            "name: x\ngrowth:\n  gdp: {chnage: 0.1}\n",
            "s.yaml:3: growth.gdp.chnage: period 'chnage'",
        ),
        ("name: x\ngrowth:\n  gdp: {change: '1%'}\n", "s.yaml:3: growth.gdp.change: change is in"),
        ("name: x\ngrowth: [1, 2]\n", "s.yaml:2: growth:"),
        ("growth: {}\n", "s.yaml: name: Field required"),
        ("name: x\ngrowth:\n  gdp: 0.1\n  gdp: 0.2\n", "s.yaml:4: YAML syntax error"),
        ("name: x\ngrowth: {gdp: 0.1\n", "YAML syntax error"),
        ("- a list\n", "s.yaml: a scenario file must be a mapping"),
    ],
)
def test_schema_errors_name_file_line_and_field(write_file, body, expected):
    path = write_file("s.yaml", body)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("growth", "expected"),
    [
        ("  gpd: 0.05\n", "s.yaml:3: growth.gpd: unknown indicator 'gpd' — did you mean 'gdp'?"),
        (
            "  gdp: {2021-2026: 0.05, 2025-2035: 0.04}\n",
            "growth.gdp.2025-2035: period 2025-2035 overlaps",
        ),
        (
            "  gdp: {2019-2021: 0.05}\n",
            "growth.gdp.2019-2021: period 2019-2021 lies outside 2021-2035",
        ),
        ("  gdp: {2030-2040: 0.05}\n", "lies outside 2021-2035"),
        (
            "  financial_center_rank: 0.02\n",
            "growth.financial_center_rank: 'financial_center_rank' is a rank",
        ),
        (
            "  income_growth: {change: 0.5}\n",
            "growth.income_growth.change: 'income_growth' is a growth_rate",
        ),
    ],
)
def test_catalog_errors_are_located_too(catalog, write_file, growth, expected):
    path = write_file("s.yaml", "name: x\ngrowth:\n" + growth)
    with pytest.raises(InputError) as caught:
        compile_scenarios(catalog, [load_scenario(path)])
    assert expected in str(caught.value)


def test_duplicate_scenario_names_are_rejected(catalog, write_file):
    first = load_scenario(write_file("a.yaml", "name: same\n"))
    second = load_scenario(write_file("b.yaml", "name: same\n"))
    with pytest.raises(InputError, match="used twice"):
        compile_scenarios(catalog, [first, second])


def test_names_resolve_locally_before_shipped(tmp_path, write_file):
    local = write_file("scenarios/base.yaml", "name: base\n")
    assert resolve_scenario_path("base", search_dir=tmp_path) == local
    assert (
        resolve_scenario_path("high", search_dir=tmp_path) == shipped_scenario_dir() / "high.yaml"
    )
    assert available_scenarios(tmp_path)[0] == "base"
    assert resolve_scenario_path(str(local)) == local


def test_unknown_scenario_lists_what_is_available(tmp_path):
    with pytest.raises(InputError) as caught:
        resolve_scenario_path("bse", search_dir=tmp_path)
    message = str(caught.value)
    assert "did you mean 'base'?" in message
    assert "available: base, high, low" in message
    with pytest.raises(InputError, match="scenario file not found"):
        resolve_scenario_path(tmp_path / "missing.yaml")
