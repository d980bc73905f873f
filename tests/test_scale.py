"""Limits at scale: run size against memory, the largest exact joint probability, linear state.

No timings here (they live in benchmarks/bench_scale.py): these tests pin the rules that
keep cost linear in the number of indicators and refuse what cannot fit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import frozen_scenario
from nscc_proj.analysis import montecarlo, probability, simulation
from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.analysis.simulation import simulate
from nscc_proj.analysis.uncertainty import compile_volatility
from nscc_proj.errors import InputError
from nscc_proj.inputs.scenario import scenario_from_dict

HUB = ["airport_passengers", "intl_air_routes", "china_europe_trains", "freight_volume"]


def _never(*_: object, **__: object) -> None:
    raise AssertionError("called after the run should have been refused")


def test_a_run_too_large_for_the_memory_is_refused_before_it_starts(catalog, monkeypatch):
    monkeypatch.setattr(simulation, "available_memory", lambda: 8 * 2**20)  # 8 MiB free
    monkeypatch.setattr(montecarlo, "run", _never)
    with pytest.raises(InputError) as refused:
        simulate(catalog, [frozen_scenario("base")], None, paths=100_000, seed=1, threads=2)
    message = str(refused.value)
    assert "\n" not in message
    assert "100,000 paths x 33 series x 16 years" in message
    assert "8 MiB is available" in message
    assert "fewer paths, fewer workers, or the Dask engine" in message


def test_sensitivity_re_simulation_too_large_is_refused_before_it_starts(catalog, monkeypatch):
    from nscc_proj.analysis.sensitivity import Target, tornado

    monkeypatch.setattr(simulation, "available_memory", lambda: 8 * 2**20)
    monkeypatch.setattr(montecarlo, "run", _never)
    with pytest.raises(InputError, match="100,000 paths x 33 series"):
        tornado(catalog, frozen_scenario("base"), Target("gdp", 2035), paths=100_000)


def test_a_run_that_fits_is_not_refused(catalog, monkeypatch):
    setup, _ = montecarlo.prepare(catalog, [frozen_scenario("base")], None)
    need = montecarlo.working_set(setup, 2, paths=5000)
    monkeypatch.setattr(simulation, "available_memory", lambda: need)
    assert simulate(catalog, [frozen_scenario("base")], None, paths=5000, seed=1, threads=2)
    # Unknown available memory (no /proc, no sysconf): the run goes ahead.
    monkeypatch.setattr(simulation, "available_memory", lambda: None)
    assert simulate(catalog, [frozen_scenario("base")], None, paths=1000, seed=1)


def test_the_need_grows_with_threads_and_tables_not_with_paths(catalog):
    setup, _ = montecarlo.prepare(catalog, [frozen_scenario("base")], None)
    one, two = (montecarlo.working_set(setup, t, paths=10**6) for t in (1, 2))
    assert one < two
    assert montecarlo.working_set(setup, 2, paths=10**9) == montecarlo.working_set(
        setup, 2, paths=10**6
    )
    # Tiny runs need less: a short block on one busy thread.
    assert montecarlo.working_set(setup, 4, paths=10) < one
    # On Dask the chunks run on the workers: here, only the running total and one arrival.
    assert montecarlo.working_set(setup, 4, paths=10**6, local_chunks=False) < one
    banded, _ = montecarlo.prepare(catalog, [frozen_scenario("base")], None, bands=True)
    assert montecarlo.working_set(banded, 1, paths=10**6) > one


def test_a_dask_run_needs_only_its_tallies_here(catalog, monkeypatch):
    setup, _ = montecarlo.prepare(catalog, [frozen_scenario("base")], None)
    tallies = montecarlo.working_set(setup, 2, paths=10**5, local_chunks=False)
    monkeypatch.setattr(simulation, "available_memory", lambda: tallies)
    ran = []

    def remote(setup: montecarlo.Setup, seed: int, chunks: list) -> montecarlo.Tally:
        ran.append(len(chunks))
        return montecarlo.simulate_blocks(setup, seed, [(0, 16)])

    simulate(catalog, [frozen_scenario("base")], None, paths=10**5, seed=1, map_blocks=remote)
    assert ran
    monkeypatch.setattr(simulation, "available_memory", lambda: tallies - 1)
    with pytest.raises(InputError, match="at once here"):
        simulate(catalog, [frozen_scenario("base")], None, paths=10**5, seed=1, map_blocks=remote)


def test_paths_beyond_the_maximum_are_refused_up_front(catalog, monkeypatch):
    monkeypatch.setattr(montecarlo, "prepare", _never)
    maximum = r"paths: must be at most 1,000,000,000, got 1,000,000,000,000"
    with pytest.raises(InputError, match=maximum):
        simulate(catalog, [frozen_scenario("base")], None, paths=10**12, seed=1)


def test_available_memory_is_read_from_the_system():
    available = simulation.available_memory()
    assert available is None or available > 0


def _hub_scenario(rho: float = 0.5):
    return scenario_from_dict(
        {
            "name": "hub",
            "growth": dict.fromkeys(HUB, 0.08),
            "uncertainty": {
                "sigma": dict.fromkeys(HUB, 0.03),
                "groups": [{"members": HUB[:3], "rho": rho}],
            },
        }
    )


def _hub_setup(catalog, rho: float = 0.5) -> montecarlo.Setup:
    return montecarlo.prepare(catalog, [_hub_scenario(rho)], None)[0]


def _hub_domain(catalog) -> int:
    domains = list(dict.fromkeys(ind.domain_en for ind in catalog.indicators))
    return domains.index("Integrated hub capacity")


def test_exact_joint_probabilities_factor_over_independent_groups(catalog):
    # The hub's targets: a correlated group of three and one independent level. Their joint
    # probability is the group's times the other's, each integrated on its own.
    setup = _hub_setup(catalog)
    d = _hub_domain(catalog)
    exact = probability.joint(setup, seed=3)[0, d]
    marginal = probability.marginal(setup)[0]
    alone = catalog.index[HUB[3]]
    assert np.isfinite(exact).all()
    for m in range(2):
        # Never above the least likely target, never below the product bound of the group.
        assert exact[m] <= np.nanmin(marginal[[catalog.index[k] for k in HUB], m]) + 1e-6
        assert exact[m] <= marginal[alone, m] + 1e-6
    assert probability.joint(setup, seed=3).tobytes() == probability.joint(setup, seed=3).tobytes()
    # Uncorrelated: the product of the marginal probabilities.
    independent = _hub_setup(catalog, rho=0.0)
    product = np.prod(probability.marginal(independent)[0, [catalog.index[k] for k in HUB], 0])
    assert probability.joint(independent, seed=3)[0, d, 0] == pytest.approx(product, rel=1e-12)


def test_exact_joint_probabilities_of_large_groups_are_left_to_simulation(catalog, monkeypatch):
    setup = _hub_setup(catalog)
    d = _hub_domain(catalog)
    # The group holds 3 targets at one milestone and 6 over both: with a limit of 4, the
    # single milestones are integrated and the "every milestone" cell is skipped.
    monkeypatch.setattr(probability, "MAX_JOINT_TARGETS", 4)
    exact = probability.joint(setup, seed=3)[0, d]
    assert np.isfinite(exact[:2]).all()
    assert math.isnan(exact[2])
    skipped = probability.skipped(setup)
    assert skipped[0, d].tolist() == [False, False, True]
    assert skipped.sum() == 1
    result = simulate(catalog, [_hub_scenario()], None, paths=1024, seed=1)
    assert result.notes
    assert "1 domain or overall row" in result.notes[0]
    assert str(probability.MAX_JOINT_TARGETS) in result.notes[0]
    rows = [r for r in result.table() if r["domain"] == "Integrated hub capacity"]
    every = next(r for r in rows if r["scope"] == "domain" and r["milestone"] is None)
    assert every["probability_analytic"] is None  # NaN: left to the simulation
    assert every["probability"] is not None


def test_no_state_grows_with_the_square_of_the_table(catalog):
    # Correlations are kept by group, and per-target histograms have a fixed, small size.
    scenario = frozen_scenario("base")
    arrays = compile_scenarios(catalog, [scenario])
    volatility = compile_volatility(catalog, scenario, arrays.mode[0], arrays.link[0])
    for block in volatility.blocks:
        assert block.correlation.shape[0] == block.members.size < len(catalog.series)
    plain = scenario_from_dict({"name": "plain"})
    arrays = compile_scenarios(catalog, [plain])
    assert compile_volatility(catalog, plain, arrays.mode[0], arrays.link[0]).blocks == ()
    result = simulate(catalog, [scenario], None, paths=256, seed=1)
    histogram = result.tally.histogram
    per_indicator = histogram.nbytes / (histogram.shape[0] * histogram.shape[1])
    assert per_indicator <= 2 * (montecarlo.BINS + 2) * 4  # two milestones, 4-byte counts


def test_the_cli_refuses_paths_beyond_the_engine_maximum():
    # The CLI keeps its own copy (its help must not import NumPy): the two must agree.
    from nscc_proj.cli import uncertainty as cli_uncertainty

    assert cli_uncertainty.MAX_PATHS == montecarlo.MAX_PATHS
