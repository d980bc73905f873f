"""Monte Carlo: exact probabilities agree with simulation, results do not depend on chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscc_proj.analysis import montecarlo, probability
from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.analysis.simulation import simulate
from nscc_proj.analysis.uncertainty import compile_volatility
from nscc_proj.errors import InputError
from nscc_proj.inputs.scenario import scenario_from_dict

PATHS = 4096


def tiny_scenario(gdp_rate, gdp_sigma, parks_rate=0.1, parks_sigma=0.05, rho=0.0, **extra):
    return scenario_from_dict(
        {
            "name": "mc",
            "growth": {"gdp": gdp_rate, "parks": parks_rate},
            "uncertainty": {
                "sigma": {"gdp": gdp_sigma, "parks": parks_sigma},
                "groups": [{"members": ["gdp", "parks"], "rho": rho}] if rho else [],
                **extra,
            },
        }
    )


# Statistical tests draw their parameters the same way every run, so CI cannot flake on a
# rare seed.
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rate=st.floats(0.0, 0.15),
    sigma=st.floats(0.005, 0.08),
    seed=st.integers(0, 2**16),
)
def test_exact_and_simulated_probabilities_agree(tiny_catalog, rate, sigma, seed):
    # The tiny table's gdp (100 -> 150 by 2025, 300 by 2035) is an unbounded level.
    scenario = tiny_scenario(rate, sigma)
    result = simulate(tiny_catalog, [scenario], None, paths=PATHS, seed=seed)
    i = tiny_catalog.index["gdp"]
    simulated, exact = result.probability[0, i], result.analytic[0, i]
    error = np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / PATHS)
    # Near 0 or 1 the count of misses is Poisson, not normal: allow three paths of slack.
    assert np.all(np.abs(simulated - exact) <= 4 * error + 3 / PATHS), (simulated, exact)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(
    rates=st.tuples(st.floats(0.04, 0.12), st.floats(0.04, 0.12), st.floats(0.0, 0.1)),
    sigmas=st.tuples(st.floats(0.01, 0.06), st.floats(0.01, 0.06), st.floats(0.01, 0.06)),
    rho=st.floats(-0.45, 0.95),  # three members: above -1/2 keeps the matrix positive definite
    seed=st.integers(0, 2**16),
)
def test_exact_and_simulated_joint_probabilities_agree(catalog, rates, sigmas, rho, seed):
    # The hub domain holds four unbounded levels and counts: a closed form exists for it.
    keys = ["airport_passengers", "intl_air_routes", "china_europe_trains", "freight_volume"]
    scenario = scenario_from_dict(
        {
            "name": "hub",
            "growth": {
                "airport_passengers": rates[0] + 0.12,
                "intl_air_routes": rates[1],
                "china_europe_trains": rates[0] + 0.15,
                "freight_volume": rates[2] + 0.05,
            },
            "uncertainty": {
                "sigma": dict(zip(keys, (*sigmas, sigmas[0]), strict=True)),
                "groups": [{"members": keys[:3], "rho": rho}],
            },
        }
    )
    result = simulate(catalog, [scenario], None, paths=PATHS, seed=seed)
    domain = list(dict.fromkeys(ind.domain_en for ind in catalog.indicators)).index(
        "Integrated hub capacity"
    )
    for m in range(3):
        simulated = result.joint_probability[0, domain, m]
        exact = probability.joint(result.setup)[0, domain, m]
        error = math.sqrt(max(exact * (1 - exact), 1e-12) / PATHS)
        assert abs(simulated - exact) <= 4 * error + 2e-4, (m, simulated, exact)


def test_results_do_not_depend_on_chunking_or_threads(catalog):
    scenario = scenario_from_dict({"name": "s", "growth": {"gdp": 0.07}, "uncertainty": {"df": 4}})
    setup, _ = montecarlo.prepare(catalog, [scenario], None, bands=True)
    paths = 9 * montecarlo.BLOCK - 100  # a short last block; more chunks than threads in flight
    one = montecarlo.run(setup, paths, seed=7, chunk_blocks=1, threads=1)
    runs = [
        montecarlo.run(setup, paths, seed=7, chunk_blocks=8, threads=1),
        montecarlo.run(setup, paths, seed=7, chunk_blocks=1, threads=2),
        montecarlo.run(setup, paths, seed=7, threads=3),
    ]
    fields = ("met", "assessable", "joint", "joint_assessable", "histogram", "low", "high")
    for other in runs:
        assert other.paths == one.paths == paths
        for name in (*fields, "band_histogram", "band_low", "band_high"):
            assert np.array_equal(getattr(one, name), getattr(other, name), equal_nan=True), name
    other_seed = montecarlo.run(setup, paths, seed=8)
    assert not np.array_equal(one.histogram, other_seed.histogram)


def test_a_scenarios_numbers_do_not_depend_on_its_companions(catalog):
    fat = scenario_from_dict({"name": "fat", "growth": {"gdp": 0.07}, "uncertainty": {"df": 5}})
    other = scenario_from_dict({"name": "other", "growth": {"gdp": 0.05}, "uncertainty": {"df": 3}})
    alone = simulate(catalog, [fat], None, paths=2048, seed=1)
    together = simulate(catalog, [other, fat], None, paths=2048, seed=1)
    assert np.array_equal(alone.tally.histogram[0], together.tally.histogram[1])


def test_percentiles_of_a_lognormal_level(tiny_catalog):
    result = simulate(tiny_catalog, [tiny_scenario(0.05, 0.03)], None, paths=20_000, seed=3)
    i = tiny_catalog.index["gdp"]
    p5, p25, p50, p75, p95 = result.percentiles[0, i, 1]  # 2035: 15 shocked years
    spread = 0.03 * math.sqrt(15)
    median = 100 * 1.05**15
    assert p50 == pytest.approx(median, rel=0.01)
    assert p5 == pytest.approx(median * math.exp(-1.6449 * spread), rel=0.015)
    assert p95 == pytest.approx(median * math.exp(1.6449 * spread), rel=0.015)
    assert p5 < p25 < p50 < p75 < p95


def test_fat_tails_widen_the_outer_percentiles(tiny_catalog):
    gaussian = simulate(tiny_catalog, [tiny_scenario(0.05, 0.03)], None, paths=20_000, seed=5)
    fat = simulate(tiny_catalog, [tiny_scenario(0.05, 0.03, df=3)], None, paths=20_000, seed=5)
    i = tiny_catalog.index["gdp"]
    # Same variance per year: a Student-t with 3 degrees of freedom has thinner shoulders
    # but a longer reach; the p25-p75 range narrows while nothing becomes NaN.
    g, f = gaussian.percentiles[0, i, 0], fat.percentiles[0, i, 0]
    assert f[3] - f[1] < g[3] - g[1]
    assert np.isnan(fat.analytic[0, i]).all()  # no closed form with fat tails


@pytest.mark.parametrize("observed", [False, True])
def test_unshocked_variants_are_the_deterministic_projection(catalog, observed):
    # The Monte Carlo path (increments, one scenario shared by all variants) and the
    # deterministic engine agree on every (frozen) shipped scenario: links, shocks and anchors.
    from conftest import frozen_scenario
    from nscc_proj.core.engine import increments
    from nscc_proj.inputs.observed import companion_observed_path, load_observed

    observations = None
    if observed:
        path = companion_observed_path(catalog)
        assert path is not None
        observations = load_observed(path, catalog)
    scenarios = [frozen_scenario(name) for name in ("base", "high", "low", "shock")]
    setup, deterministic = montecarlo.prepare(catalog, scenarios, observations)
    for s in range(len(scenarios)):
        steps = increments(setup.arrays.growth[s], setup.arrays.mode[s])
        variants = montecarlo.project_variants(setup, s, np.repeat(steps[None], 3, axis=0))
        for paths in variants:
            np.testing.assert_allclose(paths, deterministic.paths[s], rtol=1e-12, atol=1e-12)


def test_linked_indicators_inherit_their_drivers_shocks(catalog):
    scenario = scenario_from_dict(
        {
            "name": "linked",
            "growth": {"gdp": 0.06, "budget_revenue": {"ratio_to": "gdp"}},
            "uncertainty": {"sigma": {"default": 0.0, "gdp": 0.03}},
        }
    )
    result = simulate(catalog, [scenario], None, paths=4096, seed=2)
    gdp, revenue = catalog.index["gdp"], catalog.index["budget_revenue"]
    ratio = 736.1 / 6571.6
    np.testing.assert_allclose(
        result.percentiles[0, revenue], result.percentiles[0, gdp] * ratio, rtol=2e-3
    )
    assert result.percentiles[0, revenue, 1, 0] < result.percentiles[0, revenue, 1, 4]
    population = catalog.index["population"]
    assert result.percentiles[0, population, 1, 0] == result.percentiles[0, population, 1, 4]


def test_observed_years_carry_no_uncertainty(catalog):
    from nscc_proj.inputs.observed import Observation, Observations

    observed = Observations((Observation("gdp", 2024, 9027.1, "s", "C", ""),), "t")
    scenario = scenario_from_dict({"name": "s", "growth": {"gdp": 0.05}})
    result = simulate(catalog, [scenario], observed, paths=2048, seed=1, bands=True)
    bands = [row for row in result.bands_table() if row["indicator_key"] == "gdp"]
    at_2024 = next(row for row in bands if row["year"] == 2024)
    assert at_2024["p5"] == at_2024["p95"] == 9027.1
    at_2025 = next(row for row in bands if row["year"] == 2025)
    assert at_2025["p5"] < 9027.1 * 1.05 < at_2025["p95"]


@pytest.mark.parametrize(
    ("uncertainty", "message"),
    [
        ({"sigma": {"gpd": 0.02}}, "did you mean 'gdp'"),
        ({"sigma": {"gdp": -0.02}}, "zero or more"),
        ({"sigma": {"gdp": 3}}, "looks like a percentage"),
        (
            {
                "groups": [
                    {"members": ["gdp", "population"], "rho": 0.9},
                    {"members": ["gdp", "fdi"], "rho": 0.9},
                    {"members": ["population", "fdi"], "rho": -0.9},
                ]
            },
            "not positive semi-definite",
        ),
        ({"matrix": {"keys": ["gdp", "fdi"], "values": [[1, 0.5], [0.4, 1]]}}, "symmetric"),
    ],
)
def test_bad_uncertainty_is_explained(catalog, uncertainty, message):
    scenario = scenario_from_dict({"name": "s", "uncertainty": uncertainty})
    arrays = compile_scenarios(catalog, [scenario])
    with pytest.raises(InputError, match=message):
        compile_volatility(catalog, scenario, arrays.mode[0], arrays.link[0])


def test_paths_and_seed_are_checked(catalog):
    scenario = scenario_from_dict({"name": "s"})
    with pytest.raises(InputError, match="at least 1"):
        simulate(catalog, [scenario], None, paths=0, seed=1)
    with pytest.raises(InputError, match="zero or more"):
        simulate(catalog, [scenario], None, paths=10, seed=-1)
