"""Monte Carlo: how likely each target is met, and the spread of each value.

Paths run in fixed blocks of ``BLOCK`` paths. In block ``k`` every scenario
draws from a fresh generator on ``SeedSequence(seed, spawn_key=(k,))``, so
scenarios with the same shocked series and years draw the same numbers
(common random numbers) and a scenario's numbers never depend on which
others run beside it. Only the shocks that can matter are drawn: none for a
series without volatility, without a value to grow from, or read off another
series (``rate_of``), and none for the years up to its last fixed value (base
year or latest observation), which anchoring fixes anyway. A block reports
only integer counts (targets met, histogram cells of values) plus exact
minima and maxima. Summing counts is exact and order-free, so results are
bit-identical whatever the number of chunks, threads or workers, and memory
holds a chunk per thread whatever ``--paths`` is.

Within a block a scenario's series are projected in batches (see
``engine.plan_batches``): a series, its drivers and the series its shocks
correlate with share a batch, and batches hold about ``BATCH_CELLS`` series
x years, so a block's working memory does not grow with the table.

Percentiles come from fixed histograms of ``BINS`` bins per value (target
milestones) and ``BAND_BINS`` per series and year (fan-chart bands), over a
range set before the run by a pilot of ``PILOT_PATHS`` paths from a stream
of their own: the pilot's range of each value around the scenario's own
(median) value, widened by half that range on each side, in log ratio to
the median (points for growth rates). See ``percentiles`` for the error.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise

import numpy as np

from nscc_proj.analysis.measurement import MeasurementError, measurement_error
from nscc_proj.analysis.projection import Projection, effective_base, project_compiled, targets_of
from nscc_proj.analysis.rates import ScenarioArrays, compile_scenarios
from nscc_proj.analysis.uncertainty import Volatility, compile_volatility, correlation_root
from nscc_proj.core.assess import Targets, whole_number, within_target
from nscc_proj.core.engine import (
    Batch,
    Link,
    Links,
    Mode,
    increments,
    plan_batches,
    project_batch,
)
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import Scenario

BLOCK = 1024
BINS = 1_000
BAND_BINS = 200
PILOT_PATHS = 256
PILOT_STREAM = int.from_bytes(b"pilot", "big")  # spawn key of the pilot, far above any block
# Second spawn key of each block's measurement errors: one stream per block, shared by every
# scenario (the data are the same whatever the scenario), apart from the shocks' streams.
MEASUREMENT_STREAM = int.from_bytes(b"measure", "big")
BATCH_CELLS = 512  # series x years per batch: a few MiB per array at BLOCK paths
MAX_PATHS = 10**9  # every count then fits in 32 bits
PERCENTILES = (5, 25, 50, 75, 95)
FALLBACK_SPAN = 5.0  # range half-width (log ratio, or points) of a value the pilot never saw


@dataclass(frozen=True)
class Grid:
    """Histogram ranges, as offsets from the median: log ratio, or points (growth rates)."""

    low: np.ndarray  # (S, I, M)
    high: np.ndarray  # (S, I, M)
    band_low: np.ndarray | None = None  # (S, N, Y)
    band_high: np.ndarray | None = None


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
    grid: Grid | None = None  # set by ``run`` from its pilot (``with_grid``)
    measurement: MeasurementError | None = None  # the anchors' errors (set by ``prepare``)

    @cached_property
    def plans(self) -> tuple[ScenarioPlan, ...]:
        """Each scenario's batches and draws, planned once per setup (threads share them)."""
        return tuple(plan_scenario(self, s) for s in range(self.arrays.growth.shape[0]))


@dataclass
class Tally:
    """Integer counts over some blocks; tallies add exactly."""

    paths: int
    met: np.ndarray  # (S, I, M)
    assessable: np.ndarray  # (S, I, M)
    joint: np.ndarray  # (S, D + 1, M + 1): domains then all; milestones then all
    joint_assessable: np.ndarray  # (S, D + 1, M + 1) paths where the scope had a target
    histogram: np.ndarray  # (S, I, M, BINS + 2): underflow, bins, overflow (int32)
    low: np.ndarray  # (S, I, M) smallest value seen: min and max are exact and order-free,
    high: np.ndarray  # so percentiles of a value that cannot move are exact too
    grid: Grid  # the ranges the histograms cover
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
    domain_index = {name: d for d, name in enumerate(domains)}
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
        domain_of=np.array([domain_index[ind.domain_en] for ind in catalog.indicators]),
        linear=np.array([ind.kind is Kind.GROWTH_RATE for ind in catalog.series]),
        bands=bands,
    )
    measurement = measurement_error(catalog, observed, setup.observed, last_fixed_year(setup))
    return replace(setup, measurement=measurement), deterministic


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


# --- Plans: which series a block projects together, and which shocks it draws ----------------


@dataclass(frozen=True)
class Draw:
    """Shocks drawn together: a correlated block's members, or independent series.

    Members are in series order, so which normal goes to which series and year
    does not depend on how a batch arranges its series. ``rows`` are their
    positions in the batch, written as ``runs`` (member, position, length) of
    adjacent positions; steps ``first`` to the last are drawn, and a member's
    steps before its own ``from_step`` are not used.
    """

    rows: np.ndarray
    first: int
    from_step: np.ndarray
    factor: np.ndarray | None  # (k, k) square root of the members' correlation; None: independent
    runs: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class BatchPlan:
    batch: Batch
    draws: tuple[Draw, ...]
    sigma: np.ndarray  # (n,) in the batch's order
    indicators: np.ndarray  # positions in the batch of the indicators it holds
    indicator_index: np.ndarray  # their indices on the indicator axis
    targets: Targets  # those indicators' targets, in that order
    rates: np.ndarray  # which of them are growth rates (averaged over their spans)
    rate_targets: Targets  # the growth rates' targets
    by_domain: np.ndarray  # the indicators (their order here) sorted by domain
    domain_starts: np.ndarray  # where each domain present starts in that order
    domains: np.ndarray  # the domains present

    @property
    def draws_per_path(self) -> int:
        """Normals this batch draws for each path."""
        steps = self.targets.years.size - 1
        return sum(d.rows.size * (steps - d.first) for d in self.draws)


@dataclass(frozen=True)
class ScenarioPlan:
    batches: tuple[BatchPlan, ...]
    first_step: int  # earliest step any series draws for; the number of steps if none


def shocked(setup: Setup, s: int) -> np.ndarray:
    """(N, T) the steps of scenario ``s`` whose shocks can change a path: the ones drawn."""
    arrays = setup.arrays
    sigma = setup.volatility[s].sigma
    n_steps = arrays.growth.shape[-1]
    has_value = np.isfinite(setup.base_value) | (arrays.mode[s] == Mode.DIRECT)
    active = (sigma > 0) & (arrays.link[s] != Link.RATE_OF) & has_value
    used: np.ndarray = active[:, None] & (
        np.arange(n_steps)[None, :] >= last_fixed_year(setup)[:, None]
    )
    return used


def is_shifted(arrays: ScenarioArrays, s: int) -> bool:
    """Whether scenario ``s`` has shock factors (or offsets) anywhere."""
    identity = np.where(arrays.mode[s][:, None] == Mode.ADDITIVE, 0.0, 1.0)
    return bool((arrays.shift[s] != identity).any())


def batch_series(n_years: int) -> int:
    """Series per batch: about ``BATCH_CELLS`` series x years."""
    return max(1, BATCH_CELLS // max(n_years, 1))


def plan_scenario(setup: Setup, s: int) -> ScenarioPlan:
    """How a block projects scenario ``s``: its batches and the shocks each one draws."""
    arrays, catalog = setup.arrays, setup.catalog
    volatility = setup.volatility[s]
    n_steps = arrays.growth.shape[-1]
    used = shocked(setup, s)
    from_step = np.where(used.any(axis=1), np.argmax(used, axis=1), n_steps)
    block_of = np.full(from_step.size, -1)
    for number, block in enumerate(volatility.blocks):
        block_of[block.members] = number
    # Independent series drawn from the same step sit side by side: one draw, one slab.
    rank = np.where(block_of < 0, from_step, n_steps + 1)
    # Targets read levels at the milestones and growth rates every year; bands read all.
    needed = None
    if not setup.bands:
        indicators = len(catalog)
        needed = np.zeros((from_step.size, n_steps + 1), bool)
        needed[:indicators] = setup.targets.is_growth_rate[:, None]
        needed[:indicators, setup.targets.milestones - int(setup.targets.years[0])] = True
    batches = plan_batches(
        setup.base_value,
        arrays.mode[s],
        setup.start,
        catalog.lower_bound,
        catalog.upper_bound,
        Links(arrays.link[s], arrays.driver[s]),
        setup.observed,
        shifted=is_shifted(arrays, s),
        ties=tuple(block.members for block in volatility.blocks),
        max_series=batch_series(n_steps + 1),
        rank=rank,
        needed=needed,
    )
    indicators = len(catalog)
    plans = []
    for batch in batches:
        position = {int(n): p for p, n in enumerate(batch.series)}
        draws: list[tuple[int, Draw]] = []
        drawn = np.sort(batch.series[from_step[batch.series] < n_steps])  # in series order
        for number in sorted({int(block_of[n]) for n in drawn} - {-1}):
            members = drawn[block_of[drawn] == number]
            if members.size > 1:
                block = volatility.blocks[number]
                inside = np.searchsorted(block.members, members)
                factor = correlation_root(block.correlation[np.ix_(inside, inside)])
                assert factor is not None  # a principal block of a PSD matrix is PSD
                draws.append((int(members.min()), _draw(members, position, from_step, factor)))
        alone = drawn[(block_of[drawn] == -1) | _single(block_of, drawn)]
        for first in np.unique(from_step[alone]):  # independent series, by first step
            members = alone[from_step[alone] == first]
            draws.append((int(members.min()), _draw(members, position, from_step, None)))
        draws.sort(key=lambda item: item[0])
        mine = np.flatnonzero(batch.series < indicators)
        index = batch.series[mine]
        plans.append(
            BatchPlan(
                batch=batch,
                draws=tuple(draw for _, draw in draws),
                sigma=volatility.sigma[batch.series],
                indicators=mine,
                indicator_index=index,
                targets=_targets_of(setup.targets, index),
                rates=np.flatnonzero(setup.targets.is_growth_rate[index]),
                rate_targets=_targets_of(setup.targets, index[setup.targets.is_growth_rate[index]]),
                **_domain_groups(setup.domain_of[index]),
            )
        )
    first_step = int(from_step.min()) if from_step.size else n_steps
    return ScenarioPlan(tuple(plans), first_step)


def _domain_groups(domain_of: np.ndarray) -> dict[str, np.ndarray]:
    """How to reduce a batch's indicators by domain: their order, the starts, the domains."""
    order = np.argsort(domain_of, kind="stable")
    domains, starts = np.unique(domain_of[order], return_index=True)
    return {"by_domain": order, "domain_starts": starts, "domains": domains}


def _single(block_of: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Drawn series whose correlated block has no other drawn member."""
    numbers = block_of[drawn]
    counts = np.bincount(numbers[numbers >= 0], minlength=max(int(block_of.max()), 0) + 1)
    single: np.ndarray = (numbers >= 0) & (counts[np.maximum(numbers, 0)] == 1)
    return single


def _draw(
    members: np.ndarray, position: dict[int, int], from_step: np.ndarray, factor: np.ndarray | None
) -> Draw:
    """A unit of draws for ``members`` (ascending series; ``factor`` in that order)."""
    rows = np.array([position[int(n)] for n in members], dtype=int)
    # Runs where consecutive members sit side by side: each written as one slab.
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [rows.size]])
    runs = tuple((int(a), int(rows[a]), int(b - a)) for a, b in zip(starts, ends, strict=True))
    steps = from_step[members]
    return Draw(rows, int(steps.min()), steps, factor, runs)


def _targets_of(targets: Targets, index: np.ndarray) -> Targets:
    return replace(
        targets,
        base_value=targets.base_value[index],
        base_year=targets.base_year[index],
        direction=targets.direction[index],
        is_growth_rate=targets.is_growth_rate[index],
        value=targets.value[index],
        low=targets.low[index],
        high=targets.high[index],
        whole=None if targets.whole is None else targets.whole[index],
    )


class Workspace:
    """Arrays a thread reuses from batch to batch and block to block.

    Fresh multi-megabyte arrays cost page faults on first touch (about as much
    as the arithmetic on them); one set per chunk, sized for its largest batch.
    """

    def __init__(self, plans: Sequence[ScenarioPlan], n_steps: int) -> None:
        batches = [b for plan in plans for b in plan.batches]
        largest = max((b.batch.size for b in batches), default=1)
        drawn = max((b.draws_per_path for b in batches), default=0)
        self.normals = np.empty(max(drawn, 1) * BLOCK)
        self.steps = np.empty(n_steps * largest * BLOCK)
        self.paths = np.empty((n_steps + 1) * largest * BLOCK)

    @staticmethod
    def view(buffer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """A contiguous array of ``shape`` over the start of ``buffer``."""
        return buffer[: int(np.prod(shape))].reshape(shape)


def _shocked_steps(
    plan: BatchPlan,
    steps: np.ndarray,
    tails: np.ndarray | None,
    rng: np.random.Generator,
    size: int,
    space: Workspace,
) -> np.ndarray:
    """The batch's steps (T, n, K): the scenario's ``steps`` (n, T) plus drawn shocks.

    One call draws every shock of the batch, unit by unit in their fixed
    order, year-major within a unit: (year, member, path).
    """
    n_steps = steps.shape[1]
    out = space.view(space.steps, (n_steps, steps.shape[0], size))
    out[...] = steps.T[:, :, None]
    rows_drawn = plan.draws_per_path
    if rows_drawn == 0:
        return out
    normals = rng.standard_normal(out=space.view(space.normals, (rows_drawn, size)))
    offset = 0
    for draw in plan.draws:
        years, k = n_steps - draw.first, draw.rows.size
        z = normals[offset : offset + years * k].reshape(years, k, size)
        offset += years * k
        if draw.factor is not None:
            z = np.matmul(draw.factor, z)  # correlated within each year
        if tails is not None:
            z *= tails[draw.first :, None, :]
        z *= plan.sigma[draw.rows][None, :, None]
        late = np.flatnonzero(draw.from_step > draw.first)
        for row in late:  # a member whose own shocks start later
            z[: draw.from_step[row] - draw.first, row] = 0.0
        for member, at, length in draw.runs:
            target = out[draw.first :, at : at + length]
            target += z[:, member : member + length]
    return out


# --- Blocks -------------------------------------------------------------------------------


BatchSink = Callable[["BatchPlan", np.ndarray, np.ndarray, np.ndarray], None]
"""Receives each batch: its plan, paths (Y, n, K), values and met (i, M, K) of its targets."""


def sample_scenario(
    setup: Setup,
    plan: ScenarioPlan,
    s: int,
    seed: int,
    index: int,
    size: int,
    sink: BatchSink,
    space: Workspace | None = None,
) -> None:
    """One block of scenario ``s``, handed batch by batch to ``sink``.

    Nothing of the block outlives its batch, so its memory does not grow
    with the number of series.
    """
    arrays = setup.arrays
    n_steps = arrays.growth.shape[-1]
    space = space or Workspace([plan], n_steps)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    volatility = setup.volatility[s]
    tails = None
    if volatility.df is not None and plan.first_step < n_steps:
        # Fat tails from a stream of the scenario's own (keyed by its name), so a
        # scenario's numbers do not depend on which others run beside it.
        name_key = zlib.crc32(arrays.names[s].encode("utf-8"))
        tail_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, name_key)))
        df = volatility.df
        tails = np.ones((n_steps, size))
        chi = tail_rng.chisquare(df, (n_steps - plan.first_step, size))
        tails[plan.first_step :] = np.sqrt((df - 2) / df) / np.sqrt(chi / df)
    steps = increments(arrays.growth[s], arrays.mode[s])
    shift = arrays.shift[s] if is_shifted(arrays, s) else None
    milestone_index = setup.targets.milestones - int(setup.targets.years[0])
    errors = _measurement_draws(setup, seed, index, size)
    for batch_plan in plan.batches:
        batch = batch_plan.batch
        mine = _shocked_steps(batch_plan, steps[batch.series], tails, rng, size, space)
        paths = project_batch(
            batch,
            mine,
            None if shift is None else np.ascontiguousarray(shift[batch.series].T),
            out=space.view(space.paths, (n_steps + 1, batch.size, size)),
        )
        if errors is not None:
            _add_measurement(setup, batch.series, paths, errors)
        values, met = _assess_batch(paths, batch_plan, milestone_index)
        sink(batch_plan, paths, values, met)


def _measurement_draws(setup: Setup, seed: int, index: int, size: int) -> np.ndarray | None:
    """(n, K) standard normals for the anchors with an error, in series order, or None.

    Drawn per block from a stream of their own, in series order, so they do
    not depend on how batches group the series nor on the scenario.
    """
    if setup.measurement is None or setup.measurement.drawn.size == 0:
        return None
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, MEASUREMENT_STREAM)))
    draws: np.ndarray = rng.standard_normal((setup.measurement.drawn.size, size))
    return draws


def _add_measurement(
    setup: Setup, series: np.ndarray, paths: np.ndarray, draws: np.ndarray
) -> None:
    """Move each path of a batch (Y, n, K) from its anchor on by its anchor's drawn error.

    A level is multiplied by ``exp(e)``; a share, rate or rank gets ``e``
    added (kept within its bounds); a growth rate only in its anchor year.
    """
    measurement = setup.measurement
    assert measurement is not None
    drawn = measurement.drawn
    catalog = setup.catalog
    for row in np.flatnonzero(measurement.sigma[series] > 0):
        n = int(series[row])
        error = measurement.sigma[n] * draws[np.searchsorted(drawn, n)]
        anchor = int(measurement.anchor[n])
        years = paths[anchor : anchor + 1 if measurement.once[n] else None, row]
        if measurement.additive[n]:
            years += error
            np.clip(years, catalog.lower_bound[n], catalog.upper_bound[n], out=years)
        else:
            years *= np.exp(error)


def _assess_batch(
    paths: np.ndarray, plan: BatchPlan, milestone_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(i, M, K) values and met (1, 0, NaN) of a batch's targets: ``assess.met_at_milestones``.

    The same reading, without moving every year of every path: a level is
    its value at the milestone (rounded for counts and ranks); a growth rate's
    average over its span comes from ``projected_values`` on those rows alone.
    """
    targets = plan.targets
    values = paths[milestone_index[:, None], plan.indicators[None, :]].transpose(1, 0, 2)
    if targets.whole is not None and targets.whole.any():
        values[targets.whole] = whole_number(values[targets.whole])
    if plan.rates.size:
        rate_targets = plan.rate_targets
        start = rate_targets.span_start - int(rate_targets.years[0])
        values[plan.rates] = _average_rates(
            paths[:, plan.indicators[plan.rates]], start, milestone_index
        )
    target = targets.value[..., None]
    assessable = ~np.isnan(values) & ~np.isnan(target)
    inside = within_target(values, targets.low[..., None], targets.high[..., None], target)
    return values, np.where(assessable, inside, np.nan)


def _average_rates(rates: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(R, M, K) average yearly rate (in %) of ``rates`` (Y, R, K) over years ``start + 1 .. end``.

    ``assess.projected_values`` for growth-rate rows, year-major: the
    geometric mean of the yearly rates over each target's span; NaN where the
    span is empty or holds a year without a rate.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        logs = np.log1p(rates / 100.0)
        unknown = np.isnan(logs)
        logs = np.nan_to_num(logs)
        for year in range(1, logs.shape[0]):  # running sums over years
            logs[year] += logs[year - 1]
        gaps = np.cumsum(unknown, axis=0, dtype=np.int32)
        rows = np.arange(rates.shape[1])[:, None]
        ends = np.broadcast_to(end[None, :], start.shape)
        span = ends - start
        mean_log = (logs[ends, rows] - logs[start, rows]) / np.where(span > 0, span, 1)[..., None]
        holes = gaps[ends, rows] - gaps[start, rows] > 0
        rate = np.where((span > 0)[..., None] & ~holes, np.expm1(mean_log), np.nan)
    averaged: np.ndarray = 100.0 * rate
    return averaged


def plans_of(setup: Setup) -> tuple[ScenarioPlan, ...]:
    return setup.plans


def simulate_blocks(setup: Setup, seed: int, blocks: Sequence[tuple[int, int]]) -> Tally:
    """The tally of the given (block index, size) pairs.

    Every batch of a block is counted into the chunk's tally as soon as it is
    projected, so a chunk holds its tally and one batch, whatever the table's size.
    """
    if not blocks:
        raise ValueError("no blocks to simulate")
    if setup.grid is None:
        setup = with_grid(setup, seed)
    grid = setup.grid
    assert grid is not None
    plans = plans_of(setup)
    space = Workspace(plans, setup.arrays.growth.shape[-1])
    tally = _empty_tally(setup, grid)
    n_domains = int(setup.domain_of.max()) + 1
    milestones = setup.centre.shape[2]
    for index, size in blocks:
        tally.paths += size
        for s, plan in enumerate(plans):
            # Per domain, milestone and path: any target missed, any target assessable.
            missed = np.zeros((n_domains, milestones, size), bool)
            targets = np.zeros((n_domains, milestones, size), bool)
            count = _counter(setup, tally, s, missed, targets)
            sample_scenario(setup, plan, s, seed, index, size, count, space)
            joint, joint_assessable = _joint(missed, targets)
            tally.joint[s] += joint
            tally.joint_assessable[s] += joint_assessable
    return tally


def _counter(
    setup: Setup, tally: Tally, s: int, missed: np.ndarray, targets: np.ndarray
) -> BatchSink:
    """A sink counting scenario ``s``'s batches into ``tally`` (and the block's joint flags)."""
    grid = tally.grid
    bands = tally.bands()

    def count(plan: BatchPlan, paths: np.ndarray, values: np.ndarray, met: np.ndarray) -> None:
        if plan.indicators.size:
            index = plan.indicator_index
            assessable = ~np.isnan(met)
            hit = met == 1.0
            tally.met[s, index] += hit.sum(axis=-1)
            tally.assessable[s, index] += assessable.sum(axis=-1)
            centre = setup.centre[s, index][..., None]
            offsets = _offsets(values, centre, setup.linear[index][:, None, None])
            counts = _counts(offsets, grid.low[s, index], grid.high[s, index], BINS)
            tally.histogram[s, index] += counts.astype(np.int32)
            tally.low[s, index] = np.fmin(tally.low[s, index], np.fmin.reduce(values, axis=-1))
            tally.high[s, index] = np.fmax(tally.high[s, index], np.fmax.reduce(values, axis=-1))
            order, starts, domains = plan.by_domain, plan.domain_starts, plan.domains
            missed[domains] |= np.logical_or.reduceat((assessable & ~hit)[order], starts, axis=0)
            targets[domains] |= np.logical_or.reduceat(assessable[order], starts, axis=0)
        if bands is not None:
            _count_bands(setup, s, plan.batch.series, paths, grid, bands)

    return count


def _count_bands(
    setup: Setup,
    s: int,
    series: np.ndarray,
    paths: np.ndarray,
    grid: Grid,
    bands: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Count a batch's paths (Y, n, K) into the band histograms, lows and highs."""
    if grid.band_low is None or grid.band_high is None:
        raise ValueError("a tally with bands needs band ranges")
    histogram, low, high = bands
    centre = setup.path_centre[s, series]  # (n, Y)
    mine = paths.transpose(1, 0, 2)  # (n, Y, K)
    offsets = _offsets(mine, centre[..., None], setup.linear[series][:, None, None])
    counts = _counts(offsets, grid.band_low[s, series], grid.band_high[s, series], BAND_BINS)
    histogram[s, series] += counts.astype(np.int32)
    low[s, series] = np.fmin(low[s, series], np.fmin.reduce(mine, axis=-1))
    high[s, series] = np.fmax(high[s, series], np.fmax.reduce(mine, axis=-1))


def _empty_tally(setup: Setup, grid: Grid) -> Tally:
    n_scenarios, indicators, milestones = setup.centre.shape
    n_domains = int(setup.domain_of.max()) + 1
    counts = (n_scenarios, indicators, milestones)
    scopes = (n_scenarios, n_domains + 1, milestones + 1)
    tally = Tally(
        paths=0,
        met=np.zeros(counts, np.int64),
        assessable=np.zeros(counts, np.int64),
        joint=np.zeros(scopes, np.int64),
        joint_assessable=np.zeros(scopes, np.int64),
        histogram=np.zeros((*counts, BINS + 2), np.int32),
        low=np.full(counts, np.nan),
        high=np.full(counts, np.nan),
        grid=grid,
    )
    if setup.bands:
        shape = setup.path_centre.shape
        tally.band_histogram = np.zeros((*shape, BAND_BINS + 2), np.int32)
        tally.band_low = np.full(shape, np.nan)
        tally.band_high = np.full(shape, np.nan)
    return tally


def _joint(missed: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paths meeting every assessable target of each domain and of all, by milestone and overall.

    ``missed`` and ``targets`` (D, M, P) flag, per domain, milestone and path,
    a missed target and an assessable one; both results are (D + 1, M + 1). A
    target that cannot be assessed does not fail its scope; a scope with no
    assessable target on a path is not counted for that path.
    """
    missed = np.concatenate([missed, missed.any(axis=0, keepdims=True)])  # then: all
    targets = np.concatenate([targets, targets.any(axis=0, keepdims=True)])
    missed = np.concatenate([missed, missed.any(axis=1, keepdims=True)], axis=1)  # every year
    targets = np.concatenate([targets, targets.any(axis=1, keepdims=True)], axis=1)
    joint = (targets & ~missed).sum(axis=-1)
    counted = targets.sum(axis=-1)
    return joint.astype(np.int64), counted.astype(np.int64)


def _offsets(values: np.ndarray, centre: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """How far ``values`` lie from ``centre``: log ratio, or points where ``linear``.

    ``linear`` (its first axis that of ``values``) marks whole rows; only the
    other rows pay for a logarithm.
    """
    rows = np.flatnonzero(linear.any(axis=tuple(range(1, linear.ndim))))
    with np.errstate(divide="ignore", invalid="ignore"):
        offsets: np.ndarray = values / centre
        np.log(offsets, out=offsets)
        if rows.size:
            offsets[rows] = values[rows] - centre[rows]
    return offsets


def _counts(offsets: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> np.ndarray:
    """Histogram counts (..., bins + 2) of ``offsets`` (..., P) over [low, high] (...).

    Bin 0 is the underflow and ``bins + 1`` the overflow (infinite offsets
    included); NaN is not counted.
    """
    shape = offsets.shape[:-1]
    stride = bins + 3  # a last, dropped cell per value takes the NaNs
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        position = (offsets - low[..., None]) * (bins / (high - low))[..., None]
        np.floor(position, out=position)
        np.clip(position, -1, bins, out=position)
    position += 1.0
    position[np.isnan(position)] = bins + 2
    first = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(*shape, 1) * stride
    cells = position.astype(np.int64)
    cells += first
    counts = np.bincount(cells.reshape(-1), minlength=first.size * stride)
    return counts.reshape(*shape, stride)[..., : bins + 2]


# --- The pilot: histogram ranges -----------------------------------------------------------


def with_grid(setup: Setup, seed: int) -> Setup:
    """``setup`` with the histogram ranges of a pilot run from ``seed``.

    The pilot is ``PILOT_PATHS`` paths from a stream of their own; each
    value's range is the pilot's range around the median (which it always
    holds), widened by half that range on each side. The same seed gives the
    same ranges, so results stay bit-identical whatever the chunking.
    """
    n_scenarios, indicators, milestones = setup.centre.shape
    n_series, n_years = setup.path_centre.shape[1:]
    low = np.full((n_scenarios, indicators, milestones), np.nan)
    high = np.full((n_scenarios, indicators, milestones), np.nan)
    band_low = np.full((n_scenarios, n_series, n_years), np.nan)
    band_high = np.full((n_scenarios, n_series, n_years), np.nan)
    for s in range(n_scenarios):
        sink = _extremes(setup, s, (low, high), (band_low, band_high))
        sample_scenario(setup, plan_scenario(setup, s), s, seed, PILOT_STREAM, PILOT_PATHS, sink)
    low, high = _widened(low, high)
    grid = Grid(low, high)
    if setup.bands:
        wide_low, wide_high = _widened(band_low, band_high)
        grid = replace(grid, band_low=wide_low, band_high=wide_high)
    return replace(setup, grid=grid)


def _extremes(
    setup: Setup,
    s: int,
    values: tuple[np.ndarray, np.ndarray],
    bands: tuple[np.ndarray, np.ndarray],
) -> BatchSink:
    """A sink keeping the pilot's smallest and largest offsets of scenario ``s``."""
    low, high = values
    band_low, band_high = bands

    def keep(plan: BatchPlan, paths: np.ndarray, projected: np.ndarray, _: object) -> None:
        index = plan.indicator_index
        centre = setup.centre[s, index][..., None]
        offsets = _finite(_offsets(projected, centre, setup.linear[index][:, None, None]))
        low[s, index] = np.fmin.reduce(offsets, axis=-1)
        high[s, index] = np.fmax.reduce(offsets, axis=-1)
        if setup.bands:
            series = plan.batch.series
            centre = setup.path_centre[s, series][..., None]  # (n, Y, 1)
            years = paths.transpose(1, 0, 2)  # (n, Y, K)
            offsets = _finite(_offsets(years, centre, setup.linear[series][:, None, None]))
            band_low[s, series] = np.fmin.reduce(offsets, axis=-1)
            band_high[s, series] = np.fmax.reduce(offsets, axis=-1)

    return keep


def _finite(offsets: np.ndarray) -> np.ndarray:
    finite: np.ndarray = np.where(np.isfinite(offsets), offsets, np.nan)
    return finite


def _widened(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranges holding the median (offset 0), widened by half their width on each side.

    Infinite offsets (a level at zero) fall in the under- or overflow bin and
    do not stretch the range.
    """
    never = np.isnan(low) | np.isnan(high)
    low = np.fmin(np.where(never, 0.0, low), 0.0)
    high = np.fmax(np.where(never, 0.0, high), 0.0)
    margin = (high - low) / 2
    # A value that did not move in the pilot gets a narrow range around its median; one the
    # pilot never saw (NaN there) gets the fallback span.
    margin = np.where(margin > 0, margin, 1e-9)
    low, high = low - margin, high + margin
    low = np.where(never, -FALLBACK_SPAN, low)
    high = np.where(never, FALLBACK_SPAN, high)
    return low, high


def percentiles(
    histogram: np.ndarray,
    centre: np.ndarray,
    linear: np.ndarray,
    quantiles: Sequence[float],
    low: np.ndarray,
    high: np.ndarray,
    range_low: np.ndarray,
    range_high: np.ndarray,
) -> np.ndarray:
    """(..., Q) values at ``quantiles`` (fractions) from histograms (..., bins + 2).

    The histogram of each value covers [range_low, range_high] (offsets from
    ``centre``) in equal bins. Linear interpolation within the bin where the
    cumulative count crosses each quantile: the error is at most one bin
    width (a bin is about 1/75 of a standard deviation for a normal-like
    spread at ``BINS``), far below the sampling error of any practical run. A
    quantile in the under- or overflow bin reads as the range's edge. Results
    are clamped to the smallest and largest value seen (``low``, ``high``), so
    a value that cannot move reads exactly.
    """
    bins = histogram.shape[-1] - 2
    total = histogram.sum(axis=-1, keepdims=True, dtype=np.int64)
    cumulative = np.cumsum(histogram, axis=-1, dtype=np.int64)
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
        with np.errstate(invalid="ignore"):
            offset = range_low + position / bins * (range_high - range_low)
        with np.errstate(over="ignore", invalid="ignore"):
            value = np.where(linear, centre + offset, centre * np.exp(offset))
        value = np.clip(value, low, high)  # never beyond what was seen
        out.append(np.where(total[..., 0] > 0, value, np.nan))
    return np.stack(out, axis=-1)


# --- Variants (sensitivity) ----------------------------------------------------------------


def project_variants(setup: Setup, s: int, steps: np.ndarray) -> np.ndarray:
    """Paths (K, N, Y) of scenario ``s`` under K alternative step arrays (K, N, T).

    The steps are in ``engine.increments`` form.

    Everything but the steps (modes, links, shocks, observations) is the
    scenario's own: the common ground of Monte Carlo and sensitivity runs.
    """
    arrays = setup.arrays
    n_variants, n_series, n_steps = steps.shape
    shift = arrays.shift[s] if is_shifted(arrays, s) else None
    batches = plan_batches(
        setup.base_value,
        arrays.mode[s],
        setup.start,
        setup.catalog.lower_bound,
        setup.catalog.upper_bound,
        Links(arrays.link[s], arrays.driver[s]),
        setup.observed,
        shifted=shift is not None,
        max_series=batch_series(n_steps + 1),
    )
    out = np.empty((n_variants, n_series, n_steps + 1))
    for batch in batches:
        mine = np.ascontiguousarray(steps[:, batch.series].transpose(2, 1, 0))
        paths = project_batch(
            batch, mine, None if shift is None else np.ascontiguousarray(shift[batch.series].T)
        )
        out[:, batch.series] = paths.transpose(2, 1, 0)
    return out


# --- Runs ----------------------------------------------------------------------------------


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

    The histogram ranges come first, from the pilot (``with_grid``). ``map_blocks``
    runs chunks elsewhere (Dask) and returns their sum. The default runs them
    here on ``threads`` threads (default: ``default_workers``), which NumPy's
    array work lets run side by side; each finished chunk is added to a
    running total, and no more chunks are in flight than threads, so memory
    grows with the threads but not with ``paths``. Tallies add exactly, so
    neither the chunking nor the threads change a number.
    """
    if not 1 <= paths <= MAX_PATHS:
        raise ValueError(f"paths must lie in 1-{MAX_PATHS:,} (4-byte counts), got {paths:,}")
    if setup.grid is None:
        setup = with_grid(setup, seed)
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


def working_set(setup: Setup, threads: int, *, paths: int, local_chunks: bool = True) -> int:
    """Bytes a run of ``paths`` paths of ``setup`` on ``threads`` threads needs at once.

    Each busy thread holds its chunk's tally (4-byte histogram counts and a
    few numbers per target; per series and year with bands), its workspace
    (one batch of one block: normals, steps and paths) and the temporaries of
    one batch; the running total is one more tally. Past one block per
    thread, ``paths`` does not change the need. With ``local_chunks`` False
    (chunks run on Dask workers), only the running total and one arriving
    tally are held here.
    """
    n_scenarios, indicators, milestones = setup.centre.shape
    n_series, n_years = setup.path_centre.shape[1:]
    tally = int(n_scenarios * indicators * milestones) * (4 * (BINS + 2) + 4 * 8)
    if setup.bands:
        tally += int(n_scenarios * n_series * n_years) * (4 * (BAND_BINS + 2) + 2 * 8)
    if not local_chunks:
        return 2 * tally
    block = min(paths, BLOCK)
    threads = max(1, min(threads, -(-paths // BLOCK)))  # no more threads busy than blocks
    batches = [b for plan in plans_of(setup) for b in plan.batches]
    largest = max((b.batch.size for b in batches), default=1)
    drawn = max((b.draws_per_path for b in batches), default=0)
    batch = largest * int(n_years) * block * 8  # one batch's paths, in bytes
    workspace = drawn * block * 8 + 2 * batch
    temporaries = 8 * batch + (BINS + 3) * 8 * largest * int(milestones)
    return (threads + 1) * tally + threads * (workspace + temporaries)


MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """Threads (or local Dask workers) when none are asked for: the cores, up to four.

    Each thread holds a chunk's tally (histograms of every scenario), so more
    threads cost memory; past a few, memory bandwidth limits the gain anyway.
    The cores are those this process may run on (its CPU affinity, where the
    system has one).
    """
    from nscc_proj.machine import usable_cores

    return max(1, min(usable_cores(), MAX_DEFAULT_WORKERS))
