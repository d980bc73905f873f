"""Monte Carlo: how likely each target is met, and the spread of each value.

Paths run in fixed blocks of ``BLOCK`` paths; block ``k`` draws from its own
stream, ``SeedSequence(seed, spawn_key=(k,))``, and reports only integer
counts (targets met, histograms of values). Summing counts is exact and
order-free, so results are bit-identical whatever the number of chunks,
threads or workers, and memory holds a chunk per thread whatever
``--paths`` is.

Percentiles come from fixed histograms: values at a milestone are binned in
log ratio to the scenario's own (median) value over [-5, 5] in ``BINS``
bins (a relative resolution of 0.05 %), growth rates in points over
[-50, 50]; bands for fan charts use ``BAND_BINS`` bins (0.5 %).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np

from nscc_proj.analysis.projection import Projection, effective_base, project_compiled, targets_of
from nscc_proj.analysis.rates import ScenarioArrays, compile_scenarios
from nscc_proj.analysis.uncertainty import Volatility, compile_volatility, shocked_increments
from nscc_proj.core.assess import Targets, met_at_milestones
from nscc_proj.core.engine import Links, Mode, increments, project_increments
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import Scenario

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

    def __iadd__(self, other: Tally) -> Tally:
        """Add ``other`` into this tally's own arrays (a running total makes no copies)."""
        self.paths += other.paths
        for name in ("met", "assessable", "joint", "joint_assessable", "histogram"):
            np.add(getattr(self, name), getattr(other, name), out=getattr(self, name))
        np.fmin(self.low, other.low, out=self.low)
        np.fmax(self.high, other.high, out=self.high)
        mine, theirs = self.bands(), other.bands()
        if mine is not None and theirs is not None:
            np.add(mine[0], theirs[0], out=mine[0])
            np.fmin(mine[1], theirs[1], out=mine[1])
            np.fmax(mine[2], theirs[2], out=mine[2])
        return self

    def bands(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The band histogram, lows and highs, if the run kept bands."""
        if self.band_histogram is None or self.band_low is None or self.band_high is None:
            return None
        return self.band_histogram, self.band_low, self.band_high


def prepare(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    observed: Observations | None = None,
    *,
    bands: bool = False,
    as_of: int | None = None,
) -> tuple[Setup, Projection]:
    """Compile the scenarios and their volatilities; also their deterministic projection.

    Observations after ``as_of`` are ignored, as in ``project``.
    """
    arrays = compile_scenarios(catalog, scenarios)
    volatility = tuple(
        compile_volatility(catalog, scenario, arrays.mode[s], arrays.link[s])
        for s, scenario in enumerate(scenarios)
    )
    deterministic = project_compiled(catalog, scenarios, arrays, observed, as_of)
    observed = deterministic.observed
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
    """The tally of the given (block index, size) pairs.

    Value-histogram cells are gathered over all the blocks and counted once:
    a histogram has far more cells than one block has values, so counting
    block by block would cost more than simulating the block. Band cells (one
    per path, series and year) are counted block by block instead, so a chunk
    holds one band histogram per scenario rather than every block's cells.
    """
    if not blocks:
        raise ValueError("no blocks to simulate")
    n_scenarios = setup.arrays.growth.shape[0]
    parts: list[list[Outcome]] = [[] for _ in range(n_scenarios)]
    bands: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * n_scenarios
    band_shape = (*setup.path_centre.shape[1:], BAND_BINS + 2)
    for index, size in blocks:
        for s, outcome in enumerate(simulate_block(setup, seed, index, size)):
            if outcome.band is not None:
                band = outcome.band
                counts = _count([band.cells], band_shape)
                seen = bands[s]
                if seen is None:
                    bands[s] = (counts, band.low, band.high)
                else:
                    np.add(seen[0], counts, out=seen[0])
                    np.fmin(seen[1], band.low, out=seen[1])
                    np.fmax(seen[2], band.high, out=seen[2])
                outcome = replace(outcome, band=None)
            parts[s].append(outcome)
    indicators, milestones = setup.centre.shape[1:]
    tallies = []
    for mine, band_total in zip(parts, bands, strict=True):
        tallies.append(
            Tally(
                paths=sum(p.paths for p in mine),
                met=sum_of(p.met for p in mine),
                assessable=sum_of(p.assessable for p in mine),
                joint=sum_of(p.joint for p in mine),
                joint_assessable=sum_of(p.joint_assessable for p in mine),
                histogram=_count([p.cells for p in mine], (indicators, milestones, BINS + 2)),
                low=np.fmin.reduce([p.low for p in mine]),
                high=np.fmax.reduce([p.high for p in mine]),
                band_histogram=None if band_total is None else band_total[0],
                band_low=None if band_total is None else band_total[1],
                band_high=None if band_total is None else band_total[2],
            )
        )
    return _stack(tallies)


@dataclass(frozen=True)
class BandOutcome:
    """One scenario's block of paths, reduced for per-year bands."""

    cells: np.ndarray  # flat cells of the (N, Y, BAND_BINS + 2) band histogram
    low: np.ndarray  # (N, Y)
    high: np.ndarray  # (N, Y)


@dataclass(frozen=True)
class Outcome:
    """One scenario's block of paths, reduced to counts and the histogram cells it hits."""

    paths: int
    met: np.ndarray  # (I, M)
    assessable: np.ndarray  # (I, M)
    joint: np.ndarray  # (D + 1, M + 1)
    joint_assessable: np.ndarray  # (D + 1, M + 1)
    cells: np.ndarray  # flat cells of the (I, M, BINS + 2) value histogram, one per value
    low: np.ndarray  # (I, M)
    high: np.ndarray  # (I, M)
    band: BandOutcome | None


def simulate_block(setup: Setup, seed: int, index: int, size: int) -> list[Outcome]:
    """One block of ``size`` paths for every scenario, from stream ``index`` of ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    arrays = setup.arrays
    n_scenarios, n_series, n_steps = arrays.growth.shape
    # One set of normals per block serves every scenario (common random numbers).
    normals = rng.standard_normal((size, n_series, n_steps))
    outcomes = []
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
        steps = shocked_increments(
            increments(arrays.growth[s], arrays.mode[s]), volatility.sigma, z
        )
        outcomes.append(_outcome(setup, s, project_variants(setup, s, steps)))
    return outcomes


def project_variants(setup: Setup, s: int, steps: np.ndarray) -> np.ndarray:
    """Paths (K, N, Y) of scenario ``s`` under K alternative step arrays (K, N, T).

    The steps are in ``engine.increments`` form.

    Everything but the steps (modes, links, shocks, observations) is the
    scenario's own: the common ground of Monte Carlo and sensitivity runs.
    """
    arrays = setup.arrays
    unshocked = np.where(arrays.mode[s][:, None] == Mode.ADDITIVE, 0.0, 1.0)
    shocked = not np.array_equal(arrays.shift[s], np.broadcast_to(unshocked, arrays.shift[s].shape))
    return project_increments(
        setup.base_value,
        steps,
        arrays.mode[s][None],
        setup.start,
        setup.catalog.lower_bound,
        setup.catalog.upper_bound,
        shift=arrays.shift[s][None] if shocked else None,
        links=Links(arrays.link[s][None], arrays.driver[s][None]),
        observed=setup.observed,
    )


def _outcome(setup: Setup, s: int, paths: np.ndarray) -> Outcome:
    indicators = len(setup.catalog)
    projected, met = met_at_milestones(paths[:, :indicators], setup.targets)  # NaN: not assessable
    assessable = ~np.isnan(met)
    hit = met == 1.0
    joint, joint_assessable = _joint(setup.domain_of, hit, assessable)
    band = None
    if setup.bands:
        band = BandOutcome(
            _cells(paths, setup.path_centre[s], setup.linear[:, None], BAND_BINS),
            np.fmin.reduce(paths, axis=0),
            np.fmax.reduce(paths, axis=0),
        )
    return Outcome(
        paths=paths.shape[0],
        met=hit.sum(axis=0),
        assessable=assessable.sum(axis=0),
        joint=joint,
        joint_assessable=joint_assessable,
        cells=_cells(projected, setup.centre[s], setup.linear[:indicators, None], BINS),
        low=np.fmin.reduce(projected, axis=0),
        high=np.fmax.reduce(projected, axis=0),
        band=band,
    )


def _joint(
    domain_of: np.ndarray, hit: np.ndarray, assessable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Paths meeting every assessable target of each domain and of all, by milestone and overall.

    ``hit`` and ``assessable`` are (P, I, M); both results are (D + 1, M + 1).
    """
    n_domains = int(domain_of.max()) + 1
    # (I, D + 1): each indicator's domain, and the last scope holds every indicator.
    scopes = np.zeros((domain_of.size, n_domains + 1), dtype=np.float32)
    scopes[np.arange(domain_of.size), domain_of] = 1.0
    scopes[:, -1] = 1.0
    # Counts per path, scope and milestone are small integers: exact in float32.
    missed = np.matmul((assessable & ~hit).transpose(0, 2, 1).astype(np.float32), scopes)
    targets = np.matmul(assessable.transpose(0, 2, 1).astype(np.float32), scopes)  # (P, M, D+1)
    missed = np.concatenate([missed, missed.sum(axis=1, keepdims=True)], axis=1)
    targets = np.concatenate([targets, targets.sum(axis=1, keepdims=True)], axis=1)
    has_target = targets > 0  # a target that cannot be assessed does not fail the scope
    joint = (has_target & (missed == 0)).sum(axis=0).T
    counted = has_target.sum(axis=0).T
    return joint.astype(np.int64), counted.astype(np.int64)


def _cells(values: np.ndarray, centre: np.ndarray, linear: np.ndarray, bins: int) -> np.ndarray:
    """Flat histogram cells of ``values`` (P, ...) around ``centre`` (...); NaN is dropped.

    Cell ``c * (bins + 2) + k`` is bin ``k`` of value ``c`` of ``centre``'s shape,
    bin 0 being the underflow and ``bins + 1`` the overflow. ``linear`` (its
    first axis that of ``centre``) marks rows binned in points, not log ratio.
    """
    rows = np.flatnonzero(linear.any(axis=tuple(range(1, linear.ndim))))
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.log(values / centre)
        offset[:, rows] = values[:, rows] - centre[rows]
    valid = np.isfinite(offset)
    span = np.where(linear, POINT_SPAN, LOG_SPAN)
    position = np.floor((offset + span) * (bins / (2 * span)))[valid]
    first = np.arange(centre.size).reshape(centre.shape) * (bins + 2)
    index = np.clip(position, -1, bins).astype(np.int64) + 1  # 0 under, bins + 1 over
    cells: np.ndarray = np.broadcast_to(first, values.shape)[valid] + index
    return cells


def _count(cells: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    counts = np.bincount(np.concatenate(cells), minlength=int(np.prod(shape)))
    return counts.reshape(shape)


def sum_of(parts: Iterable[np.ndarray]) -> np.ndarray:
    total: np.ndarray = np.add.reduce(list(parts))
    return total


def _stack(tallies: list[Tally]) -> Tally:
    """The tallies of every scenario of the same blocks, along the scenario axis."""

    def joined(name: str) -> np.ndarray | None:
        parts = [getattr(t, name) for t in tallies]
        return None if any(p is None for p in parts) else np.stack(parts)

    return Tally(
        paths=tallies[0].paths,
        met=np.stack([t.met for t in tallies]),
        assessable=np.stack([t.assessable for t in tallies]),
        joint=np.stack([t.joint for t in tallies]),
        joint_assessable=np.stack([t.joint_assessable for t in tallies]),
        histogram=np.stack([t.histogram for t in tallies]),
        low=np.stack([t.low for t in tallies]),
        high=np.stack([t.high for t in tallies]),
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
    chunk_blocks: int | None = None,
    threads: int | None = None,
) -> Tally:
    """The tally of ``paths`` paths, in chunks of ``chunk_blocks`` blocks (default: balanced).

    ``map_blocks`` runs chunks elsewhere (Dask) and returns their sum. The
    default runs them here on ``threads`` threads (default: ``default_workers``),
    which NumPy's array work lets run side by side; each finished chunk is
    added to a running total, and no more chunks are in flight than threads,
    so memory grows with the threads but not with ``paths``. Tallies add
    exactly, so neither the chunking nor the threads change a number.
    """
    workers = threads or default_workers()
    blocks = list(enumerate(block_sizes(paths)))
    if chunk_blocks:
        chunks = [blocks[i : i + chunk_blocks] for i in range(0, len(blocks), chunk_blocks)]
    else:
        # Balanced chunks of at most 8 blocks, as many as a multiple of the threads, so
        # the threads finish together rather than one of them running the last chunk alone.
        count = workers * -(-len(blocks) // (8 * workers))
        bounds = [len(blocks) * k // count for k in range(count + 1)]
        chunks = [blocks[a:b] for a, b in pairwise(bounds) if b > a]
    if map_blocks is not None:
        return map_blocks(setup, seed, chunks)
    total: Tally | None = None
    done = 0

    def add(part: Tally) -> None:
        nonlocal total, done
        if total is None:
            total = part
        else:
            total += part
        done += 1
        if progress is not None:
            progress(done, len(chunks))

    if workers == 1 or len(chunks) == 1:
        for chunk in chunks:
            add(simulate_blocks(setup, seed, chunk))
    else:
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            running: set[Future[Tally]] = set()
            for chunk in chunks:
                if len(running) == workers:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        add(future.result())
                running.add(pool.submit(simulate_blocks, setup, seed, chunk))
            for future in as_completed(running):
                add(future.result())
        finally:
            pool.shutdown(cancel_futures=True)
    assert total is not None  # paths >= 1 makes at least one chunk
    return total


MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """Threads (or local Dask workers) when none are asked for: the cores, up to four.

    Each thread holds a chunk's tally (histograms of every scenario), so more
    threads cost memory; past a few, memory bandwidth limits the gain anyway.
    The cores are those this process may run on (its CPU affinity, where the
    system has one).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))
