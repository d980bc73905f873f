"""The pure engine: paths from base values and steps, checked against plain arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nscc_proj.core.assess import required_rate, within_target
from nscc_proj.core.engine import (
    Link,
    Links,
    Mode,
    anchor,
    bound_year_by_year,
    increments,
    plan_batches,
    project_batch,
    project_increments,
    project_paths,
)
from strategies import positive_levels, rates, shares

INF = np.inf


def _one(base, steps, mode=Mode.COMPOUND, start=0, lower=0.0, upper=INF):
    paths = project_paths(
        np.array([base], dtype=float),
        np.array([[steps]], dtype=float),
        np.array([[mode]]),
        np.array([start]),
        np.array([lower]),
        np.array([upper]),
    )
    return paths[0, 0]


def test_compound_growth_matches_the_formula():
    obs = _one(6571.6, [0.06] * 5)
    exp = 6571.6 * 1.06 ** np.arange(6)
    np.testing.assert_allclose(obs, exp, rtol=1e-12)


def test_additive_change_and_direct_rates():
    np.testing.assert_allclose(
        _one(22, [-0.5] * 4, Mode.ADDITIVE, lower=1), [22, 21.5, 21, 20.5, 20]
    )
    np.testing.assert_allclose(_one(8, [10, 11, 12], Mode.DIRECT, lower=-100), [8, 10, 11, 12])


def test_indicator_without_base_value_is_never_zero():
    assert np.isnan(_one(np.nan, [0.05] * 3)).all()
    assert np.isnan(_one(np.nan, [1.0] * 3, Mode.ADDITIVE)).all()
    # A growth rate needs no value to grow from: only its base-year cell is unknown.
    direct = _one(np.nan, [6.0] * 3, Mode.DIRECT, lower=-100)
    assert np.isnan(direct[0])
    assert direct[1:].tolist() == [6.0, 6.0, 6.0]


def test_steps_before_a_later_base_year_are_ignored():
    obs = _one(100, [0.5, 0.5, 0.1, 0.1], start=2)
    assert np.isnan(obs[:2]).all()
    np.testing.assert_allclose(obs[2:], [100, 110, 121])


def test_bounds_hold_year_by_year():
    np.testing.assert_allclose(_one(90, [0.1] * 3, upper=100), [90, 99, 100, 100])
    np.testing.assert_allclose(_one(2, [-0.6] * 3, Mode.ADDITIVE, lower=1), [2, 1.4, 1, 1])
    # A share pushed to 100 turns down as soon as its steps do (not when its
    # unbounded trajectory comes back below 100).
    np.testing.assert_allclose(
        _one(40, [20, 20, 20, -5, -5], Mode.ADDITIVE, upper=100), [40, 60, 80, 100, 95, 90]
    )
    np.testing.assert_allclose(_one(90, [0.2, -0.1], upper=100), [90, 100, 90])
    # Against both bounds in one path.
    np.testing.assert_allclose(
        _one(50, [80, -150, 30, 100], Mode.ADDITIVE, upper=100), [50, 100, 0, 30, 100]
    )


@given(
    start=st.floats(0, 100),
    steps=st.lists(st.floats(-80, 80), min_size=1, max_size=20),
    lower=st.sampled_from([0.0, 1.0, -np.inf]),
    upper=st.sampled_from([100.0, np.inf]),
)
def test_year_by_year_bounds_equal_a_clipping_loop(start, steps, lower, upper):
    start = min(max(start, lower), upper)
    path = np.concatenate([[start], start + np.cumsum(steps)])
    value, expected = start, [start]
    for step in steps:
        value = min(max(value + step, lower), upper)
        expected.append(value)
    obs = bound_year_by_year(path[None], np.array([[lower]]), np.array([[upper]]))[0]
    np.testing.assert_allclose(obs, expected, rtol=1e-9, atol=1e-9)


def test_scenarios_and_indicators_broadcast_without_loops():
    base = np.array([100.0, 50.0])
    growth = np.stack([np.full((2, 3), 0.1), np.full((2, 3), -0.1)])  # S=2, I=2, T=3
    obs = _levels(base, growth)
    assert obs.shape == (2, 2, 4)
    np.testing.assert_allclose(obs[1, 1, -1], 50 * 0.9**3)


@given(base=positive_levels, steps=st.lists(rates, min_size=1, max_size=20), bump=st.floats(0, 0.3))
def test_more_growth_never_lowers_a_projection(base, steps, bump):
    lower = _one(base, steps)
    higher = _one(base, [step + bump for step in steps])
    assert (higher >= lower * (1 - 1e-12)).all()


@given(base=shares, steps=st.lists(st.floats(-0.9, 3.0), min_size=1, max_size=20))
def test_shares_stay_within_0_and_100(base, steps):
    compound = _one(base, steps, upper=100)
    additive = _one(base, [50 * step for step in steps], Mode.ADDITIVE, upper=100)
    for path in (compound, additive):
        assert ((path >= 0) & (path <= 100)).all()


@given(
    growth=hnp.arrays(float, (3, 4, 6), elements=st.floats(-0.5, 0.5)),
    base=hnp.arrays(float, 4, elements=st.floats(0.1, 1e5)),
    mode=hnp.arrays(int, (3, 4), elements=st.sampled_from(list(Mode))),
    start=hnp.arrays(int, 4, elements=st.integers(0, 3)),
)
def test_engine_equals_a_plain_loop(growth, base, mode, start):
    # Modes differ between scenarios of one series, and series start in different years.
    lower = np.array([0.0, 1.0, -100.0, 0.0])
    upper = np.array([INF, INF, INF, 100.0])
    obs = project_paths(base, growth, mode, start, lower, upper)
    for s in range(3):
        for i in range(4):
            value = min(max(base[i], lower[i]), upper[i])
            expected = [math.nan] * start[i] + [value]
            for step in growth[s, i, start[i] :]:
                if mode[s, i] == Mode.COMPOUND:
                    value = value * (1 + step)
                elif mode[s, i] == Mode.ADDITIVE:
                    value = value + step
                else:
                    value = step
                # Bounds hold every year: next year's step starts from the bounded value.
                value = min(max(value, lower[i]), upper[i])
                expected.append(value)
            np.testing.assert_allclose(obs[s, i], expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", [Mode.COMPOUND, Mode.ADDITIVE])
def test_zero_steps_hold_the_base(mode):
    np.testing.assert_allclose(_one(42.0, [0.0] * 5, mode), [42.0] * 6)


@given(base=positive_levels, target=positive_levels, years=st.integers(1, 15))
def test_a_path_at_exactly_the_required_rate_meets_its_target(base, target, years):
    rate = float(required_rate(np.array(base), np.array(target), np.array(years)))
    path = _one(base, [rate] * years)
    low, high = np.array(target), np.array(np.inf)
    assert bool(within_target(path[-1], low, high, np.array(target)))


def _links(kind, driver):
    return Links(np.array([kind]), np.array([driver]))


def _levels(base, growth, **options):
    """Compound levels from the first year, at or above 0: the common case of these tests."""
    scenarios, series = growth.shape[:2]
    return project_paths(
        base,
        growth,
        np.zeros((scenarios, series), int),
        np.zeros(series, int),
        np.zeros(series),
        np.full(series, INF),
        **options,
    )


def test_ratio_link_is_ratio_times_driver():
    # Series 0 (GDP) grows 10 %; series 1 (revenue) holds 10 % of it, then its ratio grows 5 %.
    base = np.array([1000.0, 100.0])
    growth = np.array([[[0.1, 0.1, 0.1], [0.0, 0.05, 0.05]]])
    paths = _levels(base, growth, links=_links([Link.NONE, Link.RATIO], [-1, 0]))
    gdp = 1000 * 1.1 ** np.arange(4)
    ratio = 0.1 * np.array([1, 1, 1.05, 1.05**2])
    np.testing.assert_allclose(paths[0, 0], gdp)
    np.testing.assert_allclose(paths[0, 1], ratio * gdp)


def test_per_link_divides_a_growing_count_by_the_driver():
    base = np.array([900.0, 4.0])  # population (万人), physicians per 1000
    growth = np.array([[[0.01] * 3, [0.03] * 3]])
    paths = _levels(base, growth, links=_links([Link.NONE, Link.PER], [-1, 0]))
    np.testing.assert_allclose(paths[0, 1], 4.0 * (1.03 / 1.01) ** np.arange(4))


def test_rate_of_link_reads_the_drivers_growth():
    base = np.array([47413.0, np.nan])
    growth = np.array([[[0.05, 0.03, 0.04], [0.0] * 3]])
    mode = np.array([[Mode.COMPOUND, Mode.DIRECT]])
    paths = project_paths(
        base,
        growth,
        mode,
        np.zeros(2, int),
        np.array([0.0, -100.0]),
        np.full(2, INF),
        links=_links([Link.NONE, Link.RATE_OF], [-1, 0]),
    )
    assert np.isnan(paths[0, 1, 0])
    np.testing.assert_allclose(paths[0, 1, 1:], [5.0, 3.0, 4.0])


def test_a_recovering_shock_returns_to_the_trajectory():
    base, growth = np.array([100.0]), np.full((1, 1, 6), 0.05)
    weight = np.array([0, 0, 1, 2 / 3, 1 / 3, 0, 0])
    shift = (1 - 0.04) ** weight
    shocked = project_paths(
        base,
        growth,
        np.zeros((1, 1), int),
        np.zeros(1, int),
        np.zeros(1),
        np.full(1, INF),
        shift=shift[None, None, :],
    )[0, 0]
    clean = 100 * 1.05 ** np.arange(7)
    np.testing.assert_allclose(shocked[2], clean[2] * 0.96)
    np.testing.assert_allclose(shocked[5:], clean[5:], rtol=1e-15)


def test_anchoring_passes_through_observations_and_grows_on():
    model = 100 * 1.1 ** np.arange(6)
    observed = np.array([[np.nan, np.nan, 150.0, np.nan, 160.0, np.nan]])
    paths = anchor(model[None, None, :], observed, np.zeros((1, 1), int))[0, 0]
    np.testing.assert_allclose(paths[[0, 2, 4]], [100, 150, 160])
    np.testing.assert_allclose(paths[1], 100 * 1.5**0.5)  # geometric between anchors
    np.testing.assert_allclose(paths[3], (150 * 160) ** 0.5)
    np.testing.assert_allclose(paths[5], 160 * 1.1)  # the scenario's growth from the latest


def test_a_fall_of_100_percent_or_more_leaves_zero():
    base = np.array([100.0, 0.0])
    growth = np.array([[[0.1, -1.0, 0.2, 0.1], [0.1, -1.5, 0.2, 0.1]]])
    paths = _levels(base, growth)
    np.testing.assert_allclose(paths[0, 0], [100.0, 110.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(paths[0, 1], [0.0] * 5)


def test_a_series_linked_in_one_scenario_and_not_another_anchors_in_both():
    # Series 1 is 10 % of series 0 in scenario 0 and grows on its own in scenario 1;
    # its observation in year 3 anchors both, interpolating from its base.
    base = np.array([1000.0, 100.0])
    growth = np.array([[[0.1] * 4, [0.0] * 4], [[0.1] * 4, [0.05] * 4]])
    observed = np.array([[np.nan] * 5, [np.nan, np.nan, np.nan, 133.1, np.nan]])
    paths = _levels(
        base,
        growth,
        links=Links(
            np.array([[Link.NONE, Link.RATIO], [Link.NONE, Link.NONE]]),
            np.array([[-1, 0], [-1, -1]]),
        ),
        observed=observed,
    )
    for s, after in enumerate((1.1, 1.05)):  # the linked ratio follows GDP; the other its own 5 %
        np.testing.assert_allclose(paths[s, 1, :4], 100 * 1.1 ** np.arange(4))
        np.testing.assert_allclose(paths[s, 1, 4], 133.1 * after)


# --- The year-major batch engine (Monte Carlo and sensitivity variants) ---------------------


def _random_case(seed: int, variants: int = 4, n_series: int = 9, n_steps: int = 7) -> dict:
    """A scenario of every kind of series: modes, links (chains too), late starts, bounds,
    missing bases, observations (linked series too) and scenario shock factors."""
    rng = np.random.default_rng(seed)
    mode = rng.integers(0, 3, n_series)
    kind, driver = np.zeros(n_series, int), np.full(n_series, -1)
    for n in range(1, n_series):
        if rng.random() < 0.4:
            kind[n], driver[n] = rng.integers(1, 4), rng.integers(0, n)
            if kind[n] == Link.RATE_OF:
                mode[n] = Mode.DIRECT
    base = rng.uniform(0.5, 100, n_series)
    base[rng.random(n_series) < 0.1] = np.nan
    start = rng.integers(0, 3, n_series) * (rng.random(n_series) < 0.3)
    lower = rng.choice([0.0, 1.0, -np.inf, -100.0], n_series)
    upper = rng.choice([INF, 100.0], n_series)
    growth = rng.uniform(-0.3, 0.3, (variants, n_series, n_steps))
    growth[:, mode == Mode.ADDITIVE] *= 20
    growth[:, mode == Mode.DIRECT] *= 30
    observed = None
    if rng.random() < 0.7:
        observed = np.full((n_series, n_steps + 1), np.nan)
        for n in np.flatnonzero(rng.random(n_series) < 0.4):
            years = rng.choice(n_steps + 1, rng.integers(1, 3), replace=False)
            observed[n, years] = rng.uniform(1, 90, years.size)
    shift = None
    if rng.random() < 0.3:
        shift = np.where(mode[:, None] == Mode.ADDITIVE, 0.0, 1.0) * np.ones(
            (n_series, n_steps + 1)
        )
        shift[0, 2:] = -3.0 if mode[0] == Mode.ADDITIVE else 0.9
    return {
        "base": base,
        "steps": increments(growth, np.repeat(mode[None], variants, 0)),
        "mode": mode,
        "start": start,
        "lower": lower,
        "upper": upper,
        "links": Links(kind[None], driver[None]),
        "observed": observed,
        "shift": shift,
        "rng": rng,
    }


def _by_batches(case: dict, **options: object) -> np.ndarray:
    """Paths (K, N, Y) from ``plan_batches`` and ``project_batch``, in the engine's layout."""
    steps, shift = case["steps"], case["shift"]
    out = np.full((steps.shape[0], steps.shape[1], steps.shape[2] + 1), np.nan)
    batches = plan_batches(
        case["base"],
        case["mode"],
        case["start"],
        case["lower"],
        case["upper"],
        case["links"],
        case["observed"],
        shifted=shift is not None,
        max_series=3,
        rank=case["rng"].random(case["mode"].size),
        **options,  # type: ignore[arg-type]
    )
    for batch in batches:
        mine = np.ascontiguousarray(steps[:, batch.series].transpose(2, 1, 0))
        moved = None if shift is None else np.ascontiguousarray(shift[batch.series].T)
        out[:, batch.series] = project_batch(batch, mine, moved).transpose(2, 1, 0)
    return out


def _reference(case: dict) -> np.ndarray:
    shift = case["shift"]
    return project_increments(
        case["base"],
        case["steps"],
        case["mode"][None],
        case["start"],
        case["lower"],
        case["upper"],
        shift=None if shift is None else shift[None],
        links=case["links"],
        observed=case["observed"],
    )


@settings(max_examples=300, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1))
def test_batches_equal_the_engine(seed):
    # The year-major batches (series regrouped, drivers in the same batch, only compound
    # series exponentiated, bounds carried as a push) give the engine's paths.
    case = _random_case(seed)
    np.testing.assert_allclose(_by_batches(case), _reference(case), rtol=1e-9, atol=1e-9)


@settings(max_examples=200, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1))
def test_batches_compute_the_years_asked_for(seed):
    # With ``needed``, a compound series is exponentiated only in the years read of it (and
    # those its dependants read): those years are exact, whatever the others hold.
    case = _random_case(seed)
    needed = case["rng"].random((case["mode"].size, case["steps"].shape[2] + 1)) < 0.2
    got = _by_batches(case, needed=needed)
    np.testing.assert_allclose(
        np.where(needed, got, 0.0), np.where(needed, _reference(case), 0.0), rtol=1e-9, atol=1e-9
    )


def test_a_batch_holds_drivers_and_ties_whole():
    # A linked series shares its batch with its driver; tied series (correlated shocks)
    # with each other, even past the batch size.
    mode = np.zeros(6, int)
    links = Links(np.array([[0, 1, 0, 0, 0, 0]]), np.array([[-1, 0, -1, -1, -1, -1]]))
    batches = plan_batches(
        np.ones(6),
        mode,
        np.zeros(6, int),
        np.zeros(6),
        np.full(6, INF),
        links,
        ties=(np.array([2, 5]),),
        max_series=1,
    )
    groups = [sorted(batch.series.tolist()) for batch in batches]
    assert groups == [[0, 1], [2, 5], [3], [4]]
    assert batches[0].series.tolist() == [0, 1]  # the driver first
