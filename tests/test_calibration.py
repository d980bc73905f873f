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
