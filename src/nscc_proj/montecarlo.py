"""Monte Carlo: how likely each target is met, and the spread of each value.

Paths run in fixed blocks of ``BLOCK`` paths; block ``k`` draws from its own
stream, ``SeedSequence(seed, spawn_key=(k,))``, and reports only integer
counts (targets met, histograms of values). Summing counts is exact and
order-free, so results are bit-identical whatever the number of chunks or
workers, and memory holds one block at a time whatever ``--paths`` is.

Percentiles come from fixed histograms: values at a milestone are binned in
log ratio to the scenario's own (median) value over [-5, 5] in ``BINS``
bins (a relative resolution of 0.05 %), growth rates in points over
[-50, 50]; bands for fan charts use ``BAND_BINS`` bins (0.5 %).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nscc_proj.assess import Targets, met_at_milestones
from nscc_proj.catalog import Catalog, Kind
from nscc_proj.engine import Links, Mode, project_paths
from nscc_proj.observed import Observations
from nscc_proj.projection import Projection, effective_base, project, targets_of
from nscc_proj.rates import ScenarioArrays, compile_scenarios
from nscc_proj.scenario import Scenario
from nscc_proj.uncertainty import Volatility, compile_volatility, shocked_steps

BLOCK = 1024
BINS = 20_000
BAND_BINS = 2_000
LOG_SPAN = 5.0  # histogram half-width in log ratio to the median value
POINT_SPAN = 50.0  # half-width in percentage points, growth-rate indicators
PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Setup:
    """Everything a block needs, picklable for distributed workers."""

    catalog: Catalog
    arrays: ScenarioArrays
    volatility: tuple[Volatility, ...]
    base_value: np.ndarray
    start: np.ndarray
    observed: np.ndarray | None
    targets: Targets
    centre: np.ndarray  # (S, I, M) deterministic (median) value at each milestone
    path_centre: np.ndarray  # (S, N, Y) deterministic paths
    domain_of: np.ndarray  # (I,) domain index of each indicator
    linear: np.ndarray  # (N,) series binned in points rather than log ratio
    bands: bool


@dataclass
class Tally:
    """Integer counts over some blocks; tallies add exactly."""

    paths: int
    met: np.ndarray  # (S, I, M)
    assessable: np.ndarray  # (S, I, M)
    joint: np.ndarray  # (S, D + 1, M + 1): domains then all; milestones then all
    joint_assessable: np.ndarray  # (S, D + 1, M + 1) paths where the scope had a target
    histogram: np.ndarray  # (S, I, M, BINS + 2): underflow, bins, overflow
    low: np.ndarray  # (S, I, M) smallest value seen: min and max are exact and order-free,
    high: np.ndarray  # so percentiles of a value that cannot move are exact too
    band_histogram: np.ndarray | None = field(default=None)  # (S, N, Y, BAND_BINS + 2)
    band_low: np.ndarray | None = field(default=None)
    band_high: np.ndarray | None = field(default=None)

    def __add__(self, other: Tally) -> Tally:
        bands = None
        if self.band_histogram is not None and other.band_histogram is not None:
            bands = (
                self.band_histogram + other.band_histogram,
                np.fmin(self.band_low, other.band_low),  # type: ignore[arg-type]
                np.fmax(self.band_high, other.band_high),  # type: ignore[arg-type]
            )
        return Tally(
            self.paths + other.paths,
            self.met + other.met,
            self.assessable + other.assessable,
            self.joint + other.joint,
            self.joint_assessable + other.joint_assessable,
            self.histogram + other.histogram,
            np.fmin(self.low, other.low),
            np.fmax(self.high, other.high),
            *(bands or (None, None, None)),
        )


def prepare(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    observed: Observations | None = None,
    *,
    bands: bool = False,
) -> tuple[Setup, Projection]:
    """Compile the scenarios and their volatilities; also their deterministic projection."""
    arrays = compile_scenarios(catalog, scenarios)
    volatility = tuple(
        compile_volatility(catalog, scenario, arrays.mode[s], arrays.link[s])
        for s, scenario in enumerate(scenarios)
    )
    deterministic = project(catalog, scenarios, observed)
    base_value, base_year = effective_base(catalog, observed)
    indicators = len(catalog)
    domains = list(dict.fromkeys(ind.domain_en for ind in catalog.indicators))
    setup = Setup(
        catalog=catalog,
        arrays=arrays,
        volatility=volatility,
        base_value=base_value,
        start=base_year - int(catalog.years[0]),
        observed=None if observed is None else observed.array(catalog),
        targets=targets_of(catalog, base_value[:indicators], base_year[:indicators]),
        centre=deterministic.assessment.projected,
        path_centre=deterministic.paths,
        domain_of=np.array([domains.index(ind.domain_en) for ind in catalog.indicators]),
        linear=np.array([ind.kind is Kind.GROWTH_RATE for ind in catalog.series]),
        bands=bands,
    )
    return setup, deterministic


def last_fixed_year(setup: Setup) -> np.ndarray:
    """(N,) index of each series' last fixed value: its base year or latest observation.

    Shocks start the year after; nothing before it is uncertain.
    """
    start = setup.start.copy()
    if setup.observed is not None:
        seen = ~np.isnan(setup.observed)
        latest = np.where(seen.any(-1), (seen * np.arange(seen.shape[-1])).max(-1), -1)
        start = np.maximum(start, latest)
    return start


def block_sizes(paths: int) -> list[int]:
    """Fixed blocks: the last one may be short. Block k always holds the same paths."""
    return [min(BLOCK, paths - start) for start in range(0, paths, BLOCK)]


def simulate_blocks(setup: Setup, seed: int, blocks: Sequence[tuple[int, int]]) -> Tally:
    """The tally of the given (block index, size) pairs."""
    total: Tally | None = None
    for index, size in blocks:
        tally = simulate_block(setup, seed, index, size)
        total = tally if total is None else total + tally
    if total is None:
        raise ValueError("no blocks to simulate")
    return total


def simulate_block(setup: Setup, seed: int, index: int, size: int) -> Tally:
    """One block of ``size`` paths for every scenario, from stream ``index`` of ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    arrays = setup.arrays
    n_scenarios, n_series, n_steps = arrays.growth.shape
    # One set of normals per block serves every scenario (common random numbers).
    normals = rng.standard_normal((size, n_series, n_steps))
    tallies = []
    for s in range(n_scenarios):
        volatility = setup.volatility[s]
        identity = np.array_equal(volatility.cholesky, np.eye(n_series))
        # Correlate across series within each year: z[p, :, t] = factor @ normals[p, :, t].
        z = normals if identity else np.einsum("ij,pjt->pit", volatility.cholesky, normals)
        if volatility.df is not None:
            # Fat tails from a stream of the scenario's own (keyed by its name), so a
            # scenario's numbers do not depend on which others run beside it.
            name_key = zlib.crc32(arrays.names[s].encode("utf-8"))
            tails = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, name_key)))
            df = volatility.df
            z = z / np.sqrt(tails.chisquare(df, (size, 1, n_steps)) / df) * np.sqrt((df - 2) / df)
        growth = shocked_steps(arrays.growth[s], arrays.mode[s], volatility.sigma, z)
        tallies.append(_tally(setup, s, project_variants(setup, s, growth)))
    return _stack(tallies, size)


def project_variants(setup: Setup, s: int, growth: np.ndarray) -> np.ndarray:
    """Paths (K, N, Y) of scenario ``s`` under K alternative step arrays (K, N, T).

    Everything but the steps (modes, links, shocks, observations) is the
    scenario's own: the common ground of Monte Carlo and sensitivity runs.
    """
    arrays = setup.arrays
    variants, n_series = growth.shape[0], growth.shape[1]
    unshocked = np.where(arrays.mode[s][:, None] == Mode.ADDITIVE, 0.0, 1.0)
    shocked = not np.array_equal(arrays.shift[s], np.broadcast_to(unshocked, arrays.shift[s].shape))
    return project_paths(
        setup.base_value,
        growth,
        np.broadcast_to(arrays.mode[s], (variants, n_series)),
        setup.start,
        setup.catalog.lower_bound,
        setup.catalog.upper_bound,
        shift=np.broadcast_to(arrays.shift[s], (variants, *arrays.shift.shape[1:]))
        if shocked
        else None,
        links=Links(
            np.broadcast_to(arrays.link[s], (variants, n_series)),
            np.broadcast_to(arrays.driver[s], (variants, n_series)),
        ),
        observed=setup.observed,
    )


def _tally(setup: Setup, s: int, paths: np.ndarray) -> Tally:
    indicators = len(setup.catalog)
    projected, met = met_at_milestones(paths[:, :indicators], setup.targets)  # NaN: not assessable
    assessable = ~np.isnan(met)
    hit = met == 1.0
    histogram = _histogram(projected, setup.centre[s], setup.linear[:indicators, None], BINS)
    joint, joint_assessable = _joint(setup, hit, assessable)
    band = None
    if setup.bands:
        counts = _histogram(paths, setup.path_centre[s], setup.linear[:, None], BAND_BINS)
        band = (
            counts[None],
            np.fmin.reduce(paths, axis=0)[None],
            np.fmax.reduce(paths, axis=0)[None],
        )
    return Tally(
        paths=paths.shape[0],
        met=hit.sum(axis=0)[None],
        assessable=assessable.sum(axis=0)[None],
        joint=joint[None],
        joint_assessable=joint_assessable[None],
        histogram=histogram[None],
        low=np.fmin.reduce(projected, axis=0)[None],
        high=np.fmax.reduce(projected, axis=0)[None],
        band_histogram=None if band is None else band[0],
        band_low=None if band is None else band[1],
        band_high=None if band is None else band[2],
    )


def _joint(setup: Setup, hit: np.ndarray, assessable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paths meeting every assessable target of each domain and of all, by milestone and overall."""
    n_domains = int(setup.domain_of.max()) + 1
    milestones = hit.shape[-1]
    joint = np.zeros((n_domains + 1, milestones + 1), dtype=np.int64)
    counted = np.zeros_like(joint)
    ok = hit | ~assessable  # a target that cannot be assessed does not fail the scope
    for d in range(n_domains + 1):
        rows = setup.domain_of == d if d < n_domains else np.ones_like(setup.domain_of, bool)
        for m in range(milestones + 1):
            cols = slice(m, m + 1) if m < milestones else slice(None)
            scope_ok = ok[:, rows, cols].reshape(ok.shape[0], -1).all(axis=1)
            has_target = assessable[:, rows, cols].reshape(ok.shape[0], -1).any(axis=1)
            joint[d, m] = int((scope_ok & has_target).sum())
            counted[d, m] = int(has_target.sum())
    return joint, counted


def _histogram(values: np.ndarray, centre: np.ndarray, linear: np.ndarray, bins: int) -> np.ndarray:
    """Counts (..., bins + 2) of ``values`` (P, ...) around ``centre`` (...)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(linear, values - centre, np.log(values / centre))
    span = np.where(linear, POINT_SPAN, LOG_SPAN)
    position = np.floor((offset + span) / (2 * span) * bins)
    position = np.where(np.isfinite(position), position, -1)  # NaN is dropped below
    index = np.clip(position, -1, bins).astype(np.int64) + 1  # 0 under, bins + 1 over
    cells = int(np.prod(centre.shape))
    flat = (np.arange(cells).reshape(centre.shape)[None] * (bins + 2) + index).ravel()
    valid = np.isfinite(offset).ravel()
    counts = np.bincount(flat[valid], minlength=cells * (bins + 2))
    return counts.reshape(*centre.shape, bins + 2)


def _stack(tallies: list[Tally], size: int) -> Tally:
    """The tallies of every scenario of one block, along the scenario axis."""
    if len(tallies) == 1:
        return tallies[0]

    def joined(name: str) -> np.ndarray | None:
        parts = [getattr(t, name) for t in tallies]
        return None if any(p is None for p in parts) else np.concatenate(parts)

    return Tally(
        paths=size,
        met=np.concatenate([t.met for t in tallies]),
        assessable=np.concatenate([t.assessable for t in tallies]),
        joint=np.concatenate([t.joint for t in tallies]),
        joint_assessable=np.concatenate([t.joint_assessable for t in tallies]),
        histogram=np.concatenate([t.histogram for t in tallies]),
        low=np.concatenate([t.low for t in tallies]),
        high=np.concatenate([t.high for t in tallies]),
        band_histogram=joined("band_histogram"),
        band_low=joined("band_low"),
        band_high=joined("band_high"),
    )


def percentiles(
    histogram: np.ndarray,
    centre: np.ndarray,
    linear: np.ndarray,
    quantiles: Sequence[float],
    low: np.ndarray,
    high: np.ndarray,
) -> np.ndarray:
    """(..., Q) values at ``quantiles`` (fractions) from histograms (..., bins + 2).

    Linear interpolation within the bin where the cumulative count crosses
    each quantile; a quantile in the under- or overflow bin reads as the edge.
    """
    bins = histogram.shape[-1] - 2
    total = histogram.sum(axis=-1, keepdims=True)
    cumulative = np.cumsum(histogram, axis=-1)
    out = []
    for q in quantiles:
        goal = q * total
        crossing = np.argmax(cumulative >= goal, axis=-1)[..., None]
        before = np.take_along_axis(cumulative, np.maximum(crossing - 1, 0), -1)
        before = np.where(crossing == 0, 0, before)
        inside = np.take_along_axis(histogram, crossing, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(inside > 0, (goal - before) / inside, 0.5)
        position = np.clip(crossing - 1 + fraction, 0, bins)[..., 0]
        span = np.where(linear, POINT_SPAN, LOG_SPAN)
        offset = position / bins * 2 * span - span
        with np.errstate(over="ignore", invalid="ignore"):
            value = np.where(linear, centre + offset, centre * np.exp(offset))
        value = np.clip(value, low, high)  # never beyond what was seen
        out.append(np.where(total[..., 0] > 0, value, np.nan))
    return np.stack(out, axis=-1)


def run(
    setup: Setup,
    paths: int,
    seed: int,
    *,
    map_blocks: Callable[[Setup, int, list[list[tuple[int, int]]]], Tally] | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_blocks: int = 8,
) -> Tally:
    """The tally of ``paths`` paths, in chunks of ``chunk_blocks`` blocks.

    ``map_blocks`` runs chunks elsewhere (Dask) and returns their sum; the
    default runs them here one after the other, adding each chunk's tally to
    a running total so memory does not grow with ``paths``.
    """
    blocks = list(enumerate(block_sizes(paths)))
    chunks = [blocks[i : i + chunk_blocks] for i in range(0, len(blocks), chunk_blocks)]
    if map_blocks is not None:
        return map_blocks(setup, seed, chunks)
    total: Tally | None = None
    for done, chunk in enumerate(chunks, start=1):
        part = simulate_blocks(setup, seed, chunk)
        total = part if total is None else total + part
        if progress is not None:
            progress(done, len(chunks))
    assert total is not None  # paths >= 1 makes at least one chunk
    return total
