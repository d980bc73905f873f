"""Exact probabilities where the Monte Carlo model has a closed form.

An unlinked level that grows compoundly, has no upper bound and Gaussian
shocks is log-normal at every milestone: the shocks multiply the scenario's
(median) value by ``exp(sigma * sum(z))`` over the years after its latest
observation. Its probability of meeting a target is then a normal CDF, and
the joint probability of several such targets a multivariate normal CDF
(SciPy), with covariances ``rho_ij sigma_i sigma_j`` times the years their
shocks share. Everything else (bounds, links, fat tails, growth rates) is
left to simulation and reported as NaN here.

SciPy integrates the multivariate normal CDF by randomised quasi-Monte
Carlo, so without a seed each call differs in its last digits. Every call
here gets its own generator, derived from the run's seed and the cell it
fills (see ``cdf_rng``): the same seed gives the same bytes, whatever else
was computed before.
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
the CDF's streams are ``(CDF_STREAM, scenario, domain, milestone)``, so they
never coincide with the simulation's draws of the same seed.
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


def marginal(setup: Setup) -> np.ndarray:
    """(S, I, M) exact probability of meeting each target, NaN where there is no closed form."""
    from scipy.stats import norm

    log_median, years, low, high = _moments(setup)
    sigma = np.stack([v.sigma[: len(setup.catalog)] for v in setup.volatility])  # (S, I)
    spread = sigma[:, :, None] * np.sqrt(years)[None]
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

    ``seed`` (the run's ``--seed``) seeds SciPy's randomised CDF, one stream
    per cell, so the same seed always gives the same numbers.
    """
    log_median, years, low, high = _moments(setup)
    fixed = last_fixed_year(setup)
    milestone_index = np.array(setup.catalog.milestones) - int(setup.catalog.years[0])
    n_domains = int(setup.domain_of.max()) + 1
    milestones = len(setup.catalog.milestones)
    ok = eligible(setup)
    assessable = ~np.isnan(setup.centre) & ~np.isnan(setup.targets.value)[None]
    out = np.full((len(setup.volatility), n_domains + 1, milestones + 1), np.nan)
    for s, volatility in enumerate(setup.volatility):
        correlation = volatility.cholesky @ volatility.cholesky.T
        for d in range(n_domains + 1):
            rows = setup.domain_of == d if d < n_domains else np.ones_like(setup.domain_of, bool)
            for m in range(milestones + 1):
                cols = [m] if m < milestones else list(range(milestones))
                members = [
                    (i, c) for i in np.flatnonzero(rows) for c in cols if assessable[s, i, c]
                ]
                if not members or not all(ok[s, i] for i, _ in members):
                    continue
                random = [(i, c) for i, c in members if volatility.sigma[i] > 0 and years[i, c] > 0]
                fixed_ok = all(
                    low[i, c] <= log_median[s, i, c] <= high[i, c]
                    for i, c in members
                    if (i, c) not in random
                )
                if not fixed_ok or not random:
                    out[s, d, m] = float(fixed_ok)
                    continue
                series = np.array([i for i, _ in random])
                start = fixed[series]
                end = milestone_index[[c for _, c in random]]
                # Two targets share the shocks of the years both have after their fixed values.
                shared = np.maximum(
                    np.minimum(end[:, None], end[None, :])
                    - np.maximum(start[:, None], start[None, :]),
                    0,
                )
                sigma = volatility.sigma[series]
                covariance = correlation[np.ix_(series, series)] * np.outer(sigma, sigma) * shared
                out[s, d, m] = _mvn_cdf(
                    np.array([log_median[s, i, c] for i, c in random]),
                    covariance,
                    np.array([high[i, c] for i, c in random]),
                    np.array([low[i, c] for i, c in random]),
                    cdf_rng(seed, s, d, m),
                )
    return out
