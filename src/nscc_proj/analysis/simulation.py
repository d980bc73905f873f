"""A Monte Carlo run as results: probabilities, their standard errors, percentiles.

Ties ``montecarlo`` (simulation by blocks) and ``probability`` (closed forms)
together and lays the results out as tidy tables for the CLI and exports.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from nscc_proj.analysis import montecarlo, probability
from nscc_proj.analysis.measurement import unit_of
from nscc_proj.analysis.projection import Projection
from nscc_proj.analysis.standing import EVIDENCE
from nscc_proj.core.engine import Link, Mode
from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.table import Table, plain_row

SIMULATION_COLUMNS = (
    "scenario",
    "scope",  # target, domain or all
    "domain",
    "indicator_id",
    "indicator_key",
    "milestone",  # empty: every milestone at once
    "as_of",
    "evidence",  # observed: judged on the data; estimated: a nowcast; projected
    "target_op",
    "target_value",
    "deterministic",
    "probability",
    "probability_se",
    "probability_analytic",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
    "volatility_source",  # calibrated, scenario, default or linked (moves with its drivers)
    "volatility",  # a year's shock, in ``volatility_unit``
    "volatility_unit",  # log (growth factor), points, places or units; empty: none of its own
    "anchor_error",  # the measurement error of the latest observation, where the target feels it
    "anchor_error_unit",  # log (a log ratio: relative), points or places
)
BAND_COLUMNS = (
    "scenario",
    "indicator_id",
    "indicator_key",
    "year",
    "deterministic",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
)
MapBlocks = Callable[[montecarlo.Setup, int, list[list[tuple[int, int]]]], montecarlo.Tally]


@dataclass(frozen=True)
class Simulation:
    setup: montecarlo.Setup
    deterministic: Projection
    tally: montecarlo.Tally
    paths: int
    seed: int

    @property
    def catalog(self) -> Catalog:
        return self.setup.catalog

    @cached_property
    def probability(self) -> np.ndarray:
        """(S, I, M) share of paths meeting each target (NaN where never assessable)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                self.tally.assessable > 0, self.tally.met / self.tally.assessable, np.nan
            )

    @cached_property
    def standard_error(self) -> np.ndarray:
        p = self.probability
        error: np.ndarray = np.sqrt(p * (1 - p) / np.maximum(self.tally.assessable, 1))
        return error

    @cached_property
    def analytic(self) -> np.ndarray:
        return probability.marginal(self.setup)

    @cached_property
    def joint_probability(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            counted = self.tally.joint_assessable
            return np.where(counted > 0, self.tally.joint / counted, np.nan)

    @cached_property
    def percentiles(self) -> np.ndarray:
        """(S, I, M, 5) p5, p25, p50, p75, p95 of each value at each milestone."""
        indicators = len(self.catalog)
        return montecarlo.percentiles(
            self.tally.histogram,
            self.setup.centre,
            self.setup.linear[:indicators, None],
            [q / 100 for q in montecarlo.PERCENTILES],
            self.tally.low,
            self.tally.high,
            self.tally.grid.low,
            self.tally.grid.high,
        )

    def volatility_unit(self, s: int, n: int) -> str | None:
        """What series ``n``'s volatility in scenario ``s`` is measured in: ``log`` (of the
        yearly growth factor: a fraction, shown as %) where the scenario compounds it (a
        linked series: its ratio or count), else ``points`` (shares, rates, growth rates, a
        ratio in %), ``places`` (ranks) or ``units`` (the series' own, or its count's); None
        where it has no shock of its own (read off another series)."""
        arrays, series = self.setup.arrays, self.catalog.series[n]
        link, mode = arrays.link[s, n], arrays.mode[s, n]
        if link == Link.RATE_OF:
            return None
        if mode == Mode.COMPOUND:
            return "log"
        if mode == Mode.DIRECT or link == Link.RATIO or series.kind.is_percent_bounded:
            return "points"
        if link == Link.PER:
            return "units"
        return "places" if series.kind is Kind.RANK else "units"

    def volatility_sources(self) -> tuple[tuple[str, str], ...]:
        """Each scenario's name and where its volatilities come from (``Volatility.summary``)."""
        names, volatilities = self.setup.arrays.names, self.setup.volatility
        return tuple(
            (name, volatility.summary())
            for name, volatility in zip(names, volatilities, strict=True)
        )

    def volatility_notes(self) -> tuple[str, ...]:
        """Where each scenario's volatilities come from, one line per scenario."""
        return tuple(f"{name}: {summary}" for name, summary in self.volatility_sources())

    def defaulted(self) -> dict[str, list[str]]:
        """Per scenario, the series whose volatility is the documented default (no estimate)."""
        keys = self.catalog.series_keys
        found = {
            name: volatility.defaulted(keys)
            for name, volatility in zip(self.setup.arrays.names, self.setup.volatility, strict=True)
        }
        return {name: series for name, series in found.items() if series}

    def measurement_note(self) -> str | None:
        """How many anchors carry a measurement error, or None."""
        measurement = self.setup.measurement
        if measurement is None or measurement.drawn.size == 0:
            return None
        count = int(measurement.drawn.size)
        return (
            f"the latest observation of {count} series is not "
            "grade A final: its true value is drawn around the one stated (measurement error "
            "by grade and vintage; anchor_error column)"
        )

    @cached_property
    def notes(self) -> tuple[str, ...]:
        """Plain-language notes on the results (for the CLI to show beside the table)."""
        skipped = int(probability.skipped(self.setup).sum())
        if not skipped:
            return ()
        return (
            f"probability_analytic is left empty for {skipped} domain or overall "
            f"{'row' if skipped == 1 else 'rows'}: a group of correlated targets there has more "
            f"than {probability.MAX_JOINT_TARGETS} targets, too many to integrate exactly "
            "(the simulated probability stands)",
        )

    def table(self) -> Table:
        """Targets, then the joint probability of each domain and of all, by milestone, overall."""
        catalog, rows = self.catalog, []
        domains = list(dict.fromkeys(ind.domain_en for ind in catalog.indicators))
        joint_analytic = probability.joint(self.setup, seed=self.seed)
        standing = self.deterministic.standing
        evidence = standing.evidence()
        milestone_index = np.array(catalog.milestones) - int(catalog.years[0])
        measurement = self.setup.measurement
        anchor_error = (
            measurement.at(milestone_index)
            if measurement is not None
            else np.zeros((len(catalog.series), len(catalog.milestones)))
        )
        # A relative error is a log ratio, as the volatility of compound series is.
        units = [unit_of(indicator.kind) for indicator in catalog.indicators]
        error_units = ["log" if unit == "relative" else unit for unit in units]
        for s, scenario in enumerate(self.setup.arrays.names):
            volatility = self.setup.volatility[s]
            for i, indicator in enumerate(catalog.indicators):
                for m, milestone in enumerate(catalog.milestones):
                    p = self.probability[s, i, m]
                    rows.append(
                        plain_row(
                            (
                                scenario,
                                "target",
                                indicator.domain_en,
                                indicator.id,
                                indicator.key,
                                milestone,
                                standing.as_of,
                                EVIDENCE[evidence[i, m]],
                                catalog.target_op[i, m] or None,
                                catalog.target_value[i, m],
                                self.setup.centre[s, i, m],
                                p,
                                self.standard_error[s, i, m] if not math.isnan(p) else math.nan,
                                self.analytic[s, i, m],
                                *self.percentiles[s, i, m],
                                volatility.source[i],
                                volatility.sigma[i],
                                self.volatility_unit(s, i),
                                anchor_error[i, m],
                                error_units[i],
                            )
                        )
                    )
            for d in range(len(domains) + 1):
                for m in range(len(catalog.milestones) + 1):
                    p = self.joint_probability[s, d, m]
                    se = math.sqrt(p * (1 - p) / max(int(self.tally.joint_assessable[s, d, m]), 1))
                    rows.append(
                        plain_row(
                            (
                                scenario,
                                "domain" if d < len(domains) else "all",
                                domains[d] if d < len(domains) else None,
                                None,
                                None,
                                catalog.milestones[m] if m < len(catalog.milestones) else None,
                                standing.as_of,
                                None,
                                None,
                                None,
                                None,
                                p,
                                se if not math.isnan(p) else math.nan,
                                joint_analytic[s, d, m],
                                *([None] * 10),
                            )
                        )
                    )
        return Table(SIMULATION_COLUMNS, tuple(rows))

    def bands_table(self) -> Table:
        """Per-year percentile bands of every series, for fan charts."""
        bands = self.tally.bands()
        if bands is None:
            raise InputError("this run kept no bands: simulate with them", field="bands")
        histogram, low, high = bands
        grid = self.tally.grid
        if grid.band_low is None or grid.band_high is None:
            raise InputError("this run kept no bands: simulate with them", field="bands")
        values = montecarlo.percentiles(
            histogram,
            self.setup.path_centre,
            self.setup.linear[:, None],
            [q / 100 for q in montecarlo.PERCENTILES],
            low,
            high,
            grid.band_low,
            grid.band_high,
        )
        rows = []
        for s, scenario in enumerate(self.setup.arrays.names):
            for n, series in enumerate(self.catalog.series):
                for y, year in enumerate(self.catalog.years):
                    centre = self.setup.path_centre[s, n, y]
                    if not math.isnan(centre):
                        row = (scenario, series.id, series.key, year, centre, *values[s, n, y])
                        rows.append(plain_row(row))
        return Table(BAND_COLUMNS, tuple(rows))


def simulate(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    observed: Observations | None,
    *,
    paths: int,
    seed: int,
    bands: bool = False,
    map_blocks: MapBlocks | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
    as_of: int | None = None,
) -> Simulation:
    """Simulate ``paths`` paths of every scenario from ``seed`` (same numbers on any engine).

    ``threads`` run the NumPy engine's chunks (default: every core); ``map_blocks``
    runs them elsewhere instead (Dask).
    """
    if paths < 1:
        raise InputError(f"must be at least 1, got {paths}", field="paths")
    if paths > montecarlo.MAX_PATHS:
        raise InputError(f"must be at most {montecarlo.MAX_PATHS:,}, got {paths:,}", field="paths")
    if seed < 0:
        raise InputError(f"must be zero or more, got {seed}", field="seed")
    setup, deterministic = montecarlo.prepare(
        catalog, scenarios, observed, bands=bands, as_of=as_of
    )
    check_memory(setup, paths, threads, local=map_blocks is None)
    tally = montecarlo.run(
        setup, paths, seed, map_blocks=map_blocks, progress=progress, threads=threads
    )
    return Simulation(setup, deterministic, tally, paths, seed)


def check_memory(setup: montecarlo.Setup, paths: int, threads: int | None, *, local: bool) -> None:
    """Refuse, before any array is allocated, a run that would not fit in available memory.

    The streamed design holds one chunk per thread whatever ``paths`` is, so
    the need is ``montecarlo.working_set``: each thread's chunk (a batch of
    series, a block's values, its tally) and the running total. With
    ``local`` False (Dask) only the tallies are held here.
    """
    workers = threads or montecarlo.default_workers()
    need = montecarlo.working_set(setup, workers, paths=paths, local_chunks=local)
    available = available_memory()
    if available is None or need <= available:
        return
    n_series, n_years = setup.path_centre.shape[1:]
    where = f"on {workers} {'thread' if workers == 1 else 'threads'}" if local else "here"
    raise InputError(
        f"a run of {paths:,} paths x {n_series:,} series x {n_years} years needs about "
        f"{_size(need)} at once {where} but {_size(available)} is available: use fewer paths, "
        "fewer workers, or the Dask engine"
    )


def available_memory() -> int | None:
    """Bytes this process may still allocate, or None if the system does not say.

    The system's MemAvailable (else its available pages), capped by a cgroup
    memory limit and by an address-space limit (``ulimit -v``) where set.
    """
    limits: list[int] = []
    meminfo = _kib_field("/proc/meminfo", "MemAvailable:")
    if meminfo is not None:
        limits.append(meminfo)
    else:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    v1 = "/sys/fs/cgroup/memory/memory."
    for limit_path, usage_path in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
        (v1 + "limit_in_bytes", v1 + "usage_in_bytes"),
    ):
        try:
            with open(limit_path, encoding="ascii") as limit_file:
                limit = limit_file.read().strip()
            with open(usage_path, encoding="ascii") as usage_file:
                usage = int(usage_file.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:  # "max", or v1's huge number: no limit
            limits.append(max(int(limit) - usage, 0))
        break
    try:
        import resource
    except ImportError:  # not on a Unix
        pass
    else:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            used = _kib_field("/proc/self/status", "VmSize:")
            limits.append(max(soft - (used or 0), 0))
    return min(limits) if limits else None


def _kib_field(path: str, name: str) -> int | None:
    """A ``name  123 kB`` line of a /proc file, in bytes."""
    try:
        with open(path, encoding="ascii") as lines:
            for line in lines:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _size(count: int) -> str:
    return f"{count / 2**30:,.1f} GiB" if count >= 2**30 else f"{count / 2**20:,.0f} MiB"
