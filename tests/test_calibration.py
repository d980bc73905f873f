"""Calibration: volatilities from the observations, shrunk toward stated priors.

Golden values are computed here by hand from the figures in the frozen table.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import assert_input_error, csv_rows, find_row, run
from nscc_proj.analysis.calibration import PRIOR_WEIGHT, PRIORS, _group_rho, calibrate
from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.observed import load_observed
from nscc_proj.inputs.scenario import load_scenario

DATA = Path(__file__).parent / "data"
REL = 1e-12


def _estimates(observed_text: str | None = None, tmp_path: Path | None = None, **kwargs):  # type: ignore[no-untyped-def]
    catalog = load_catalog(DATA / "indicators_2020.csv")
    path = DATA / "observed.csv"
    if observed_text is not None and tmp_path is not None:
        path = tmp_path / "o.csv"
        path.write_text(observed_text, encoding="utf-8")
    observed = load_observed(path, catalog)
    arrays = compile_scenarios(catalog, [load_scenario(str(DATA / "scenarios" / "base.yaml"))])
    result = calibrate(catalog, arrays, observed, **kwargs)
    return {e.key: e for e in result.estimates}, result


def test_population_volatility_by_hand() -> None:
    estimates, _ = _estimates()
    levels = [907, 911.8, 914.7, 920.4, 924.3]  # 2020 (census) and 2021-2024
    changes = np.diff(np.log(levels))
    drift = math.log(924.3 / 907) / 4
    sample = math.sqrt(((changes - drift) ** 2).sum() / 3)
    population = estimates["population"]
    assert population.changes == 4
    assert population.sample == pytest.approx(sample, rel=1e-9)
    weight = 4 / (4 + PRIOR_WEIGHT)
    expected = math.exp(weight * math.log(sample) + (1 - weight) * math.log(PRIORS["compound"]))
    assert population.sigma == pytest.approx(expected, rel=1e-9)
    assert population.sigma < 0.01  # a census-anchored series moves well under 1 % a year


def test_no_change_is_measured_across_a_break(tmp_path: Path) -> None:
    text = (
        "indicator_key,year,measure,value,source,grade,vintage,break,note\n"
        "gdp,2022,level,7695.8,s,C,,,\n"
        "gdp,2023,level,8122.1,s,C,,,\n"
        "gdp,2024,level,9027.1,s,C,,true,\n"
    )
    estimates, _ = _estimates(text, tmp_path)
    gdp = estimates["gdp"]
    assert gdp.changes == 2  # 2020 -> 2022 and 2022 -> 2023; not 2023 -> 2024
    x = np.array([math.log(7695.8 / 6571.6), math.log(8122.1 / 7695.8)])
    gaps = np.array([2.0, 1.0])
    drift = x.sum() / gaps.sum()
    assert gdp.sample == pytest.approx(math.sqrt(((x - drift * gaps) ** 2 / gaps).sum()), rel=1e-9)


def test_stocks_and_unobserved_series_take_their_priors() -> None:
    estimates, _ = _estimates(stocks=["education_years"])
    assert estimates["education_years"].sigma == PRIORS["stock"]
    assert estimates["freight_volume"].sigma == PRIORS["compound"]
    assert estimates["intl_air_routes"].sigma == PRIORS["compound_count"]
    assert "income_growth" not in estimates  # read off urban income: no shock of its own


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.dictionaries(st.integers(2021, 2030), st.floats(-0.5, 0.5), min_size=0, max_size=10),
        min_size=2,
    )
)
def test_the_group_correlation_is_always_positive_definite(per_year: dict) -> None:  # type: ignore[type-arg]
    group = sorted(per_year)
    rho, _ = _group_rho(group, per_year)
    size = len(group)
    matrix = np.full((size, size), rho) + (1 - rho) * np.eye(size)
    assert np.linalg.eigvalsh(matrix).min() > 0


def test_calibrate_writes_a_scenario_that_simulates(workdir: Path) -> None:
    result = run(
        "calibrate", "-s", "base", "--stock", "education_years", "-o", "cal.yaml", "--as-of", "2025"
    )
    assert result.exit_code == 0, result.stderr
    text = (workdir / "cal.yaml").read_text(encoding="utf-8")
    assert "extends: base" in text
    assert "population:" in text
    assert "4 change(s)" in text
    simulated = run("simulate", "-s", "cal.yaml", "--paths", "4000", "--as-of", "2025", "-f", "csv")
    assert simulated.exit_code == 0, simulated.stderr
    rows = csv_rows(simulated.stdout)
    education = find_row(rows, scope="target", indicator_key="education_years", milestone="2025")
    assert float(education["p5"]) >= 12.1  # a stock does not fall below its 2020 value
    population = find_row(rows, scope="target", indicator_key="population", milestone="2025")
    median = float(population["p50"])
    assert float(population["p95"]) / median - 1 < 0.015
    assert 1 - float(population["p5"]) / median < 0.015


def test_calibrate_rejects_unknown_stocks(workdir: Path) -> None:
    assert_input_error(run("calibrate", "--stock", "schooling"), "unknown indicator")


def _check_table(observed_text: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from nscc_proj.analysis.calibration import holdout_check

    catalog = load_catalog(DATA / "indicators_2020.csv")
    path = tmp_path / "o.csv"
    path.write_text(observed_text, encoding="utf-8")
    arrays = compile_scenarios(catalog, [load_scenario(str(DATA / "scenarios" / "base.yaml"))])
    return holdout_check(catalog, arrays, load_observed(path, catalog))


def test_leave_last_out_by_hand(tmp_path: Path) -> None:
    # GDP 6571.6 (2020, the table) grows by log changes 0.05, 0.07, 0.03; 2024 is held out.
    # Drift 0.05; sample sd 0.02; shrunk toward 3 % with weight 3/6: sqrt(0.02 x 0.03).
    levels = [6571.6 * math.exp(total) for total in (0.05, 0.12, 0.15)]
    held_out = levels[-1] * math.exp(0.09)
    rows = "".join(
        f"gdp,{year},level,{value!r},s,A,,,\n"
        for year, value in zip(range(2021, 2025), [*levels, held_out], strict=True)
    )
    table = _check_table(
        "indicator_key,year,measure,value,source,grade,vintage,break,note\n" + rows, tmp_path
    )
    row = next(r for r in table if r["series"] == "gdp")
    sigma = math.sqrt(0.02 * 0.03)
    half = 1.6448536269514722 * sigma
    assert row["changes"] == 3
    assert row["held_out_year"] == 2024
    assert row["predicted"] == pytest.approx(levels[-1] * math.exp(0.05), rel=REL)
    assert row["p5"] == pytest.approx(levels[-1] * math.exp(0.05 - half), rel=REL)
    assert row["p95"] == pytest.approx(levels[-1] * math.exp(0.05 + half), rel=REL)
    # 0.09 - 0.05 = 0.04 < 1.645 x 0.0245 = 0.0403: just inside.
    assert row["inside"] is True


def test_leave_last_out_skips_thin_series_and_revisions(tmp_path: Path) -> None:
    text = (
        "indicator_key,year,measure,value,source,grade,vintage,break,note\n"
        "gdp,2022,level,7695.8,s,C,,,\n"
        "gdp,2023,level,8122.1,s,C,,,\n"
        "gdp,2024,level,9027.1,s,C,,true,\n"
        "population,2021,level,911.8,s,C,,,\n"
        "population,2022,level,914.7,s,C,,,\n"
    )
    table = _check_table(text, tmp_path)
    assert [r["series"] for r in table] == []  # gdp across its revision; population too thin


def test_calibrate_check_prints_the_coverage(workdir: Path) -> None:
    result = run("calibrate", "-s", "base", "--check")
    assert result.exit_code == 0, result.stderr
    table = csv_rows(result.stdout)
    inside = sum(r["inside"] == "true" for r in table)
    assert result.stderr.strip().startswith(
        f"Coverage: {inside} of {len(table)} held-out values inside their 90% band"
    )
