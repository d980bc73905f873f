"""Monte Carlo: exact probabilities agree with simulation, results do not depend on chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import frozen_scenario
from nscc_proj.analysis import montecarlo, probability
from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.analysis.simulation import simulate
from nscc_proj.analysis.uncertainty import compile_volatility
from nscc_proj.core.engine import Link, Mode
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


def test_a_milestone_judged_on_an_uncertain_value_gets_a_probability(catalog):
    # GDP 2025 observed at 9,800 (grade C: 3 % error) against a target of 10,000: met only if
    # the true value is 2 % higher, P = Phi(ln(0.98) / 0.03) = Phi(-0.67342) = 0.25034 (tables).
    from nscc_proj.inputs.observed import Observation, Observations

    observed = Observations((Observation("gdp", 2025, 9800.0, "s", "C", ""),), "t")
    scenario = scenario_from_dict(
        {"name": "s", "growth": {"gdp": 0.05}, "uncertainty": {"sigma": {"gdp": 0.02}}}
    )
    result = simulate(catalog, [scenario], observed, paths=20_000, seed=3, as_of=2025)
    i, m = catalog.index["gdp"], catalog.milestones.index(2025)
    exact = 0.5 * math.erfc(-math.log(0.98) / 0.03 / math.sqrt(2))
    assert exact == pytest.approx(0.25034, abs=1e-5)
    assert result.analytic[0, i, m] == pytest.approx(exact, rel=1e-9)
    error = math.sqrt(exact * (1 - exact) / 20_000)
    assert abs(result.probability[0, i, m] - exact) <= 4 * error
    # 2035 carries the anchor's error and ten years of shocks: sqrt(0.03^2 + 10 x 0.02^2).
    spread = math.sqrt(0.03**2 + 10 * 0.02**2)
    target = catalog.target_value[i, catalog.milestones.index(2035)]
    median = 9800.0 * 1.05**10
    expected = 0.5 * math.erfc(-math.log(median / target) / spread / math.sqrt(2))
    assert result.analytic[0, i, -1] == pytest.approx(expected, rel=1e-9)


def test_exact_and_simulated_joint_probabilities_agree_with_anchor_errors(catalog):
    from nscc_proj.inputs.observed import Observation, Observations

    keys = ["airport_passengers", "intl_air_routes", "china_europe_trains", "freight_volume"]
    observed = Observations(
        (
            Observation("airport_passengers", 2024, 2400.0, "s", "C", ""),
            Observation("freight_volume", 2025, 3.1, "s", "B", "", vintage="estimate"),
        ),
        "t",
    )
    scenario = scenario_from_dict(
        {
            "name": "hub",
            "growth": dict(zip(keys, (0.16, 0.08, 0.2, 0.08), strict=True)),
            "uncertainty": {
                "sigma": dict.fromkeys(keys, 0.03),
                "groups": [{"members": keys[:3], "rho": 0.6}],
            },
        }
    )
    result = simulate(catalog, [scenario], observed, paths=PATHS, seed=5, as_of=2025)
    domain = list(dict.fromkeys(ind.domain_en for ind in catalog.indicators)).index(
        "Integrated hub capacity"
    )
    exact_all = probability.joint(result.setup)[0, domain]
    for m in range(3):
        simulated, exact = result.joint_probability[0, domain, m], exact_all[m]
        error = math.sqrt(max(exact * (1 - exact), 1e-12) / PATHS)
        assert abs(simulated - exact) <= 4 * error + 2e-4, (m, simulated, exact)
    marginal_error = np.sqrt(np.maximum(result.analytic * (1 - result.analytic), 1e-12) / PATHS)
    close = np.abs(result.probability - result.analytic) <= 4 * marginal_error + 2e-4
    assert close[~np.isnan(result.analytic)].all()


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


def _gdp_bands(catalog, grade: str, vintage: str = "final") -> dict[int, dict]:
    from nscc_proj.inputs.observed import Observation, Observations

    record = Observation("gdp", 2024, 9027.1, "s", grade, "", vintage=vintage)
    scenario = scenario_from_dict({"name": "s", "growth": {"gdp": 0.05}})
    result = simulate(
        catalog, [scenario], Observations((record,), "t"), paths=4096, seed=1, bands=True
    )
    return {int(row["year"]): row for row in result.bands_table() if row["indicator_key"] == "gdp"}


def test_an_exact_observation_carries_no_uncertainty(catalog):
    bands = _gdp_bands(catalog, "A")
    assert bands[2024]["p5"] == bands[2024]["p95"] == 9027.1
    assert bands[2023]["p5"] == bands[2023]["p95"]
    assert bands[2025]["p5"] < 9027.1 * 1.05 < bands[2025]["p95"]


@pytest.mark.parametrize(
    ("grade", "vintage", "error"),
    [("C", "final", 0.03), ("B", "final", 0.01), ("A", "estimate", 0.015)],
)
def test_an_uncertain_observation_is_drawn_around_its_value(catalog, grade, vintage, error):
    # The anchor's error alone moves 2024 (no shock before 2025): log-normal around the value,
    # its p5 and p95 at exp(-+1.645 error) (hand-computed), to the histogram's resolution.
    bands = _gdp_bands(catalog, grade, vintage)
    z = 1.6448536269514722
    assert bands[2024]["p5"] == pytest.approx(9027.1 * math.exp(-z * error), rel=0.15 * error)
    assert bands[2024]["p95"] == pytest.approx(9027.1 * math.exp(z * error), rel=0.15 * error)
    # Years before the anchor stay as stated; the error carries into the years after it.
    assert bands[2023]["p5"] == bands[2023]["p95"]
    assert bands[2025]["p95"] / bands[2025]["p5"] > bands[2024]["p95"] / bands[2024]["p5"]


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


# --- Correlations by group, draws and the lean assessment -----------------------------------


def _dense_reference(catalog, groups, matrix=None):
    """The correlation matrix as it was built before blocks: N x N, groups then the matrix."""
    dense = np.eye(len(catalog.series))
    for members, rho in groups:
        index = [catalog.index[key] for key in members]
        for a in index:
            for b in index:
                if a != b:
                    dense[a, b] = rho
    if matrix is not None:
        keys, values = matrix
        index = [catalog.index[key] for key in keys]
        dense[np.ix_(index, index)] = values
    return dense


def test_grouped_correlation_equals_the_dense_matrix(catalog):
    groups = [
        (["gdp", "population", "fdi"], 0.3),
        (["trade_total", "fdi"], 0.3),  # chained to the first through fdi: one block
        (["doctors_per_1000", "road_density"], -0.4),
    ]
    matrix = (
        ["airport_passengers", "freight_volume", "gdp"],
        [[1, 0.6, 0], [0.6, 1, 0], [0, 0, 1]],
    )
    scenario = scenario_from_dict(
        {
            "name": "s",
            "uncertainty": {
                "groups": [{"members": members, "rho": rho} for members, rho in groups],
                "matrix": {"keys": matrix[0], "values": matrix[1]},
            },
        }
    )
    arrays = compile_scenarios(catalog, [scenario])
    volatility = compile_volatility(catalog, scenario, arrays.mode[0], arrays.link[0])
    dense = _dense_reference(catalog, groups, matrix)
    np.testing.assert_array_equal(volatility.dense_correlation(), dense)
    # Blocks are the connected series only, each with a square root of its own matrix.
    assert sorted(block.members.size for block in volatility.blocks) == [2, 2, 4]
    for block in volatility.blocks:
        np.testing.assert_allclose(block.factor @ block.factor.T, block.correlation, atol=1e-12)
        assert block.correlation.shape == (block.members.size, block.members.size)
    # Any selection, repeats included (a series at two milestones correlates 1 with itself).
    picks = np.array([0, 2, 2, 23, 4, 30])
    np.testing.assert_array_equal(volatility.correlation(picks), dense[np.ix_(picks, picks)])


def test_correlated_shocks_have_the_stated_correlation(catalog):
    keys = ["gdp", "industrial_output", "trade_total"]
    scenario = scenario_from_dict(
        {
            "name": "s",
            "uncertainty": {
                "sigma": {"default": 0.02},
                "groups": [{"members": keys, "rho": 0.6}],
            },
        }
    )
    setup, _ = montecarlo.prepare(catalog, [scenario], None)
    plan = montecarlo.plan_scenario(setup, 0)
    from nscc_proj.core.engine import increments

    steps = increments(setup.arrays.growth[0], setup.arrays.mode[0])
    draws = []
    for index in range(4):
        rng = np.random.default_rng(np.random.SeedSequence(1, spawn_key=(index,)))
        space = montecarlo.Workspace([plan], steps.shape[1])
        for batch_plan in plan.batches:
            series = batch_plan.batch.series
            shocked = montecarlo._shocked_steps(batch_plan, steps[series], None, rng, 1024, space)
            if catalog.index["gdp"] in series:  # the group's batch
                rows = [int(np.flatnonzero(series == catalog.index[key])[0]) for key in keys]
                z = (shocked[:, rows] - steps[series[rows]].T[:, :, None]) / 0.02
                draws.append(z.transpose(1, 0, 2).reshape(3, -1))
    z = np.concatenate(draws, axis=1)
    correlation = np.corrcoef(z)
    assert np.abs(correlation[np.triu_indices(3, 1)] - 0.6).max() < 0.03
    assert np.abs(z.std(axis=1) - 1).max() < 0.03


def test_only_the_shocks_that_can_matter_are_drawn(catalog):
    from nscc_proj.inputs.observed import companion_observed_path, load_observed

    observed = load_observed(companion_observed_path(catalog), catalog)
    scenario = frozen_scenario("base")
    setup, _ = montecarlo.prepare(catalog, [scenario], observed)
    plan = montecarlo.plan_scenario(setup, 0)
    n_steps = setup.arrays.growth.shape[-1]
    sigma = setup.volatility[0].sigma
    fixed = montecarlo.last_fixed_year(setup)
    expected = 0
    for n in range(len(catalog.series)):
        reads_its_own = setup.arrays.link[0, n] != Link.RATE_OF
        has_value = np.isfinite(setup.base_value[n]) or setup.arrays.mode[0, n] == Mode.DIRECT
        if sigma[n] > 0 and reads_its_own and has_value:
            expected += max(n_steps - fixed[n], 0)
    drawn = sum(batch.draws_per_path for batch in plan.batches)
    assert drawn == expected < len(catalog.series) * n_steps


def test_milestone_assessment_equals_assess(catalog):
    # The Monte Carlo engine reads targets off a batch's year-major paths; it agrees with
    # ``assess.met_at_milestones`` on the same paths (NaNs, counts, growth rates included).
    from nscc_proj.core.assess import met_at_milestones

    setup, _ = montecarlo.prepare(catalog, [frozen_scenario("base")], None)
    plan = montecarlo.plan_scenario(setup, 0)
    rng = np.random.default_rng(5)
    milestone_index = setup.targets.milestones - int(setup.targets.years[0])
    n_years = setup.path_centre.shape[-1]
    for batch_plan in plan.batches:
        size = batch_plan.batch.size
        paths = setup.path_centre[0, batch_plan.batch.series].T[..., None] * rng.lognormal(
            0, 0.2, (n_years, size, 64)
        )
        paths[rng.random(paths.shape) < 0.02] = np.nan
        values, met = montecarlo._assess_batch(paths, batch_plan, milestone_index)
        if not batch_plan.indicators.size:
            continue
        own = paths[:, batch_plan.indicators].transpose(2, 1, 0)
        expected_values, expected_met = met_at_milestones(own, batch_plan.targets)
        np.testing.assert_allclose(values, expected_values.transpose(1, 2, 0), rtol=1e-12)
        np.testing.assert_array_equal(met, expected_met.transpose(1, 2, 0))


def test_bands_do_not_change_the_numbers(catalog):
    # With bands every year is computed; without, compound series only at the years read:
    # the same draws and the same counts either way.
    scenario = frozen_scenario("base")
    plain = simulate(catalog, [scenario], None, paths=3000, seed=4)
    banded = simulate(catalog, [scenario], None, paths=3000, seed=4, bands=True)
    for name in ("met", "assessable", "joint", "joint_assessable", "histogram", "low", "high"):
        assert np.array_equal(
            getattr(plain.tally, name), getattr(banded.tally, name), equal_nan=True
        ), name


def test_histograms_are_small_and_percentiles_fine(tiny_catalog):
    # A value's histogram spans its pilot range, not a fixed +-5 in logs: BINS cells of 4
    # bytes, each a small fraction of the spread.
    result = simulate(tiny_catalog, [tiny_scenario(0.05, 0.03)], None, paths=4096, seed=3)
    assert result.tally.histogram.dtype == np.int32
    assert result.tally.histogram.shape[-1] == montecarlo.BINS + 2
    i = tiny_catalog.index["gdp"]
    grid = result.tally.grid
    width = (grid.high[0, i, 1] - grid.low[0, i, 1]) / montecarlo.BINS
    assert width < 0.03 * math.sqrt(15) / 50  # a bin is under a fiftieth of a standard deviation
