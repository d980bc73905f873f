"""Exact probabilities where the Monte Carlo model has a closed form.

An unlinked level that grows compoundly, has no upper bound and Gaussian
shocks is log-normal at every milestone: the shocks multiply the scenario's
(median) value by ``exp(sigma * sum(z))`` over the years after its latest
observation. Its probability of meeting a target is then a normal CDF, and
the joint probability of several such targets a multivariate normal CDF,
with covariances ``rho_ij sigma_i sigma_j`` times the years their shocks
share. Everything else (bounds, links, fat tails, growth rates) is left to
simulation and reported as NaN here.

Targets whose shocks are independent (different series in no common
correlated block) factor out: a scope's joint probability is the product,
over its correlated components (a series' targets at several milestones
together with those of the series its shocks correlate with), of each
component's probability. A component of one target is a normal CDF; a
larger one is SciPy's multivariate normal CDF, integrated by randomised
quasi-Monte Carlo at a cost that grows about as the square of its size or
faster (on the development machine about 2 ms for 4 targets, 25 ms for 16,
140 ms for 32). A component of more than ``MAX_JOINT_TARGETS`` targets is not
integrated: its scope's exact probability is left NaN (the simulated one
stands), and ``skipped`` counts such scopes. So the cost is linear in the
number of components, never cubic in a scope's size.

Without a seed SciPy's integration differs in its last digits on each call.
Every call here gets its own generator, derived from the run's seed and the
cell and component it fills (see ``cdf_rng``): the same seed gives the same
bytes, whatever else was computed before.
"""

from __future__ import annotations

import functools

import numpy as np

from nscc_proj.analysis.montecarlo import Setup, last_fixed_year
from nscc_proj.core.engine import Link, Mode
from nscc_proj.inputs.catalog import Kind

DEFAULT_SEED = 0
"""Seed of the exact joint probabilities when the caller gives none (a fixed constant).

Any fixed value makes reruns identical; a caller with a seed (a run's ``--seed``) passes it.
"""

CDF_STREAM = int.from_bytes(b"mvn-cdf", "big")
"""First spawn key of the CDF generators, far above any Monte Carlo block index.

The simulation draws block ``k`` from ``SeedSequence(seed, spawn_key=(k,))``;
the CDF's streams are ``(CDF_STREAM, scenario, domain, milestone, component)``,
so they never coincide with the simulation's draws of the same seed.
"""

MAX_JOINT_TARGETS = 32
"""Largest correlated component (in targets) whose joint probability is integrated.

A scope holding a larger one gets NaN as its exact joint probability.
"""


def eligible(setup: Setup) -> np.ndarray:
    """(S, I) targets with a closed form."""
    catalog = setup.catalog
    indicators = len(catalog)
    level = np.array([ind.kind in (Kind.LEVEL, Kind.COUNT) for ind in catalog.indicators])
    gaussian = np.array([v.df is None for v in setup.volatility])
    arrays = setup.arrays
    closed_form: np.ndarray = (
        level[None]
        & np.isinf(catalog.upper_bound[:indicators])[None]
        & (arrays.mode[:, :indicators] == Mode.COMPOUND)
        & (arrays.link[:, :indicators] == Link.NONE)
        & gaussian[:, None]
    )
    return closed_form


def _moments(setup: Setup) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Log-median (S, I, M), shocked years (I, M), bounds in logs (I, M) x 2."""
    first_year = int(setup.catalog.years[0])
    milestone_index = np.array(setup.catalog.milestones) - first_year
    indicators = len(setup.catalog)
    years = np.maximum(milestone_index[None, :] - last_fixed_year(setup)[:indicators, None], 0)
    low_edge, high_edge = setup.targets.low, setup.targets.high
    if setup.targets.whole is not None:
        # A count or rank is judged rounded (halves up): it rounds into [X, ...) from X - 0.5
        # and into (..., X] below X + 0.5. The median is the unrounded path's value.
        whole = setup.targets.whole[:, None]
        low_edge = np.where(whole, low_edge - 0.5, low_edge)
        high_edge = np.where(whole, high_edge + 0.5, high_edge)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_median = np.log(setup.path_centre[:, :indicators, milestone_index])
        low = np.log(np.where(low_edge > 0, low_edge, 0.0))
        high = np.log(high_edge)
    return log_median, years, low, high


def anchor_error(setup: Setup) -> np.ndarray:
    """(I, M) the standard deviation of each milestone's log value from its anchor's error.

    The anchor's measurement error (``measurement``) multiplies every value
    from the anchor on by ``exp(e)``: for the closed-form series a normal
    term in the log, independent of the shocks and of other series.
    """
    indicators = len(setup.catalog)
    shape = (indicators, len(setup.catalog.milestones))
    if setup.measurement is None:
        return np.zeros(shape)
    milestone_index = np.array(setup.catalog.milestones) - int(setup.catalog.years[0])
    error: np.ndarray = setup.measurement.at(milestone_index)[:indicators]
    return error


def _spread(sigma: np.ndarray, years: np.ndarray, error: np.ndarray) -> np.ndarray:
    """The standard deviation of a log value: the shocks' and the anchor's error together."""
    spread: np.ndarray = np.sqrt(sigma**2 * years + error**2)
    return spread


def marginal(setup: Setup) -> np.ndarray:
    """(S, I, M) exact probability of meeting each target, NaN where there is no closed form."""
    from scipy.stats import norm

    log_median, years, low, high = _moments(setup)
    sigma = np.stack([v.sigma[: len(setup.catalog)] for v in setup.volatility])  # (S, I)
    spread = _spread(sigma[:, :, None], years[None], anchor_error(setup)[None])
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = (high[None] - log_median) / spread
        lower = (low[None] - log_median) / spread
        probability = norm.cdf(upper) - norm.cdf(lower)
    certain = np.where((log_median >= low[None]) & (log_median <= high[None]), 1.0, 0.0)
    probability = np.where(spread > 0, probability, certain)
    ok = eligible(setup)[..., None] & np.isfinite(log_median) & ~np.isnan(setup.targets.value)[None]
    return np.where(ok, probability, np.nan)


def cdf_rng(seed: int, *cell: int) -> np.random.Generator:
    """The generator SciPy's quasi-Monte Carlo CDF uses for one cell of the output."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(CDF_STREAM, *cell)))


def _mvn_cdf(
    mean: np.ndarray,
    covariance: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    rng: np.random.Generator,
) -> float:
    """P(lower <= X <= upper) for X ~ N(mean, covariance), integrated with ``rng``.

    SciPy 1.15 and later take the generator as ``cdf(..., rng=)``; older
    versions only as the frozen distribution's ``seed``.
    """
    from scipy.stats import multivariate_normal

    if _cdf_takes_rng():
        distribution = multivariate_normal(mean=mean, cov=covariance, allow_singular=True)
        return float(distribution.cdf(upper, lower_limit=lower, rng=rng))
    seeded = multivariate_normal(mean=mean, cov=covariance, allow_singular=True, seed=rng)
    return float(seeded.cdf(upper, lower_limit=lower))


@functools.cache
def _cdf_takes_rng() -> bool:
    import inspect

    from scipy.stats import multivariate_normal

    frozen = multivariate_normal(mean=[0.0], cov=[[1.0]])
    return "rng" in inspect.signature(frozen.cdf).parameters


def joint(setup: Setup, seed: int = DEFAULT_SEED) -> np.ndarray:
    """(S, D + 1, M + 1) exact joint probabilities, as ``montecarlo.Tally.joint`` orders them.

    NaN where a scope has a target without a closed form, or a correlated
    component of more than ``MAX_JOINT_TARGETS`` targets. ``seed`` (the run's
    ``--seed``) seeds SciPy's randomised CDF, one stream per cell and
    component, so the same seed always gives the same numbers.
    """
    return _joint(setup, seed)[0]


def skipped(setup: Setup) -> np.ndarray:
    """(S, D + 1, M + 1) scopes whose exact joint probability is left NaN for their size."""
    return _joint(setup, DEFAULT_SEED, integrate=False)[1]


def _joint(setup: Setup, seed: int, *, integrate: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Exact joint probabilities, and the scopes skipped for the size of a component."""
    from scipy.stats import norm

    log_median, years, low, high = _moments(setup)
    error = anchor_error(setup)
    fixed = last_fixed_year(setup)
    milestone_index = np.array(setup.catalog.milestones) - int(setup.catalog.years[0])
    indicators = len(setup.catalog)
    n_domains = int(setup.domain_of.max()) + 1
    milestones = len(setup.catalog.milestones)
    ok = eligible(setup)
    assessable = ~np.isnan(setup.centre) & ~np.isnan(setup.targets.value)[None]
    shape = (len(setup.volatility), n_domains + 1, milestones + 1)
    out, too_large = np.full(shape, np.nan), np.zeros(shape, bool)
    for s, volatility in enumerate(setup.volatility):
        # Each indicator's component: its correlated block, or itself alone.
        component = -1 - np.arange(indicators)
        for number, block in enumerate(volatility.blocks):
            component[block.members[block.members < indicators]] = number
        sigma = volatility.sigma[:indicators]
        spreads = _spread(sigma[:, None], years, error)  # (I, M)
        random = spreads > 0
        with np.errstate(invalid="ignore"):
            inside = (low <= log_median[s]) & (log_median[s] <= high)
        for d in range(n_domains + 1):
            rows = setup.domain_of == d if d < n_domains else np.ones(indicators, bool)
            for m in range(milestones + 1):
                member = assessable[s] & rows[:, None]
                if m < milestones:
                    member[:, np.arange(milestones) != m] = False
                if not member.any() or not ok[s][member.any(axis=1)].all():
                    continue
                shocked = member & random
                if not inside[member & ~shocked].all() or not shocked.any():
                    out[s, d, m] = float(inside[member & ~shocked].all())
                    continue
                i, c = np.nonzero(shocked)
                spread = spreads[i, c]
                keys, sizes = np.unique(component[i], return_counts=True)
                if sizes.max() > MAX_JOINT_TARGETS:
                    too_large[s, d, m] = True
                    continue
                if not integrate:
                    continue
                # Components of one target: a normal CDF each, all at once.
                alone = np.isin(component[i], keys[sizes == 1])
                with np.errstate(divide="ignore", invalid="ignore"):
                    upper = (high[i, c] - log_median[s, i, c]) / spread
                    lower = (low[i, c] - log_median[s, i, c]) / spread
                probability = float(np.prod((norm.cdf(upper) - norm.cdf(lower))[alone]))
                # The other components, each its targets side by side (in order of key).
                order = np.argsort(component[i], kind="stable")
                groups = np.split(order, np.cumsum(sizes)[:-1])
                for number, mine in enumerate(g for g in groups if g.size > 1):
                    key = int(component[i[mine[0]]])
                    series = i[mine]
                    if key >= 0:  # a correlated block: its own matrix, at the members' places
                        block = volatility.blocks[key]
                        place = np.searchsorted(block.members, series)
                        correlation = block.correlation[np.ix_(place, place)]
                    else:  # one series at several milestones
                        correlation = np.ones((series.size, series.size))
                    probability *= _component(
                        series,
                        correlation,
                        volatility.sigma[series],
                        fixed[series],
                        milestone_index[c[mine]],
                        error[series, c[mine]],
                        log_median[s, series, c[mine]],
                        low[series, c[mine]],
                        high[series, c[mine]],
                        cdf_rng(seed, s, d, m, number),
                    )
                out[s, d, m] = probability
    return out, too_large


def _component(
    series: np.ndarray,
    correlation: np.ndarray,
    sigma: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    error: np.ndarray,
    mean: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    rng: np.random.Generator,
) -> float:
    """P(every target of one correlated component is met), by SciPy's MVN CDF.

    ``correlation`` is that of the targets' yearly shocks; two targets share
    the shocks of the years both have after their fixed values. ``error`` is
    each target's anchor error (a log ratio): shared by the targets of one
    series (the same anchor), independent between series.
    """
    shared = np.maximum(
        np.minimum(end[:, None], end[None, :]) - np.maximum(start[:, None], start[None, :]),
        0,
    )
    covariance = correlation * np.outer(sigma, sigma) * shared
    covariance += np.outer(error, error) * (series[:, None] == series[None, :])
    return _mvn_cdf(mean, covariance, high, low, rng)
