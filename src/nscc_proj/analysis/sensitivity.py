"""Which assumptions drive targets: one at a time (a tornado) and globally (Sobol).

An assumption is one series' yearly growth over the whole horizon (each
indicator's, and each context series'). One at a time, every assumption
moves by +-1 percentage point a year (+-1 unit a year for series that move
by ``change``) and the target's gap is recomputed, all variants in one
vectorised projection; with ``paths`` the probability of meeting it is
re-simulated too, for the assumptions that move the gap most, on common
random numbers. Globally, SALib's Sobol indices split the variance of each
target's gap among the assumptions that move it, shifted uniformly within
a range matched to their volatility (see ``sobol``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from nscc_proj.analysis import montecarlo
from nscc_proj.analysis.simulation import check_memory
from nscc_proj.core.assess import met_at_milestones
from nscc_proj.core.engine import Link, Mode, increments
from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.table import Cell, Table, plain_row

TORNADO_COLUMNS = (
    "target",
    "assumption",
    "step",
    "delta",
    "projected_low",
    "projected_high",
    "gap_low",
    "gap_high",
    "swing",
    "probability_low",
    "probability_high",
)
SOBOL_COLUMNS = ("target", "assumption", "range", "S1", "S1_conf", "ST", "ST_conf")


@dataclass(frozen=True)
class Target:
    key: str
    milestone: int

    @property
    def label(self) -> str:
        """``key:milestone``, as ``--target`` takes it."""
        return f"{self.key}:{self.milestone}"


def _setup(catalog: Catalog, scenario: Scenario, observed: Observations | None) -> montecarlo.Setup:
    return montecarlo.prepare(catalog, [scenario], observed)[0]


def _movable(setup: montecarlo.Setup) -> np.ndarray:
    """Series whose own steps exist (a rate_of link has none)."""
    movable: np.ndarray = setup.arrays.link[0] != Link.RATE_OF
    return movable


def _deltas(setup: montecarlo.Setup, delta: float) -> np.ndarray:
    """(N,) one step's shift in each series' units: a rate in points, a change by one unit."""
    mode = setup.arrays.mode[0]
    return np.select([mode == Mode.ADDITIVE, mode == Mode.DIRECT], [1.0, 100.0 * delta], delta)


# Variants projected at once: (CHUNK, series, years) floats, built and dropped chunk by
# chunk, so memory stays bounded whatever the number of series or of Sobol samples.
CHUNK = 2048
Variants = Callable[[int, int], np.ndarray]


def _evaluate(
    setup: montecarlo.Setup, count: int, variants: Variants, target: Target
) -> tuple[np.ndarray, np.ndarray]:
    """Projected value and met (0/1/NaN) of the target under ``count`` growth arrays.

    ``variants(start, stop)`` builds the growth arrays of variants start..stop-1.
    """
    catalog = setup.catalog
    i, m = catalog.index[target.key], catalog.milestones.index(target.milestone)
    values, met = [], []
    for start in range(0, count, CHUNK):
        growth = variants(start, min(start + CHUNK, count))
        steps = increments(growth, setup.arrays.mode[0])
        paths = montecarlo.project_variants(setup, 0, steps)
        projected, hit = met_at_milestones(paths[:, : len(catalog)], setup.targets)
        values.append(projected[:, i, m])
        met.append(hit[:, i, m])
    return np.concatenate(values), np.concatenate(met)


def tornado(
    catalog: Catalog,
    scenario: Scenario,
    target: Target,
    observed: Observations | None = None,
    *,
    delta: float = 0.01,
    paths: int = 0,
    seed: int = 0,
    top: int = 5,
) -> Table:
    """Every assumption moved down and up by ``delta``; those that move the target, by swing."""
    setup = _setup(catalog, scenario, observed)
    return _tornado(setup, target, delta=delta, paths=paths, seed=seed, top=top)


def _tornado(
    setup: montecarlo.Setup,
    target: Target,
    *,
    delta: float = 0.01,
    paths: int = 0,
    seed: int = 0,
    top: int = 5,
) -> Table:
    catalog = setup.catalog
    base_growth = setup.arrays.growth[0]
    n_series = base_growth.shape[0]
    step = _deltas(setup, delta)

    def variants(start: int, stop: int) -> np.ndarray:
        """Variant 2n moves series n down by its step, variant 2n + 1 up."""
        k = np.arange(start, stop)
        out = np.repeat(base_growth[None], k.size, axis=0)
        out[np.arange(k.size), k // 2] += np.where(k % 2, 1.0, -1.0)[:, None] * step[k // 2, None]
        return out

    values, _ = _evaluate(setup, 2 * n_series, variants, target)
    i, m = catalog.index[target.key], catalog.milestones.index(target.milestone)
    target_value = catalog.target_value[i, m]
    low, high = values[0::2], values[1::2]
    swing = np.abs(high - low)
    movable = _movable(setup)
    order = [n for n in np.argsort(-np.nan_to_num(swing)) if swing[n] > 0 and movable[n]]
    probabilities = _probabilities(setup, variants, order[:top], paths, seed, i, m) if paths else {}
    rows = []
    for n in order:
        mode = setup.arrays.mode[0, n]
        label = "change" if mode == Mode.ADDITIVE else "rate"
        if setup.arrays.link[0, n] != Link.NONE:  # a link moves its own ratio or count
            label = "count" if setup.arrays.link[0, n] == Link.PER else "ratio"
        p_low, p_high = probabilities.get(n, (np.nan, np.nan))
        rows.append(
            plain_row(
                (
                    target.label,
                    catalog.series[n].key,
                    label,
                    step[n] if mode != Mode.DIRECT else step[n] / 100.0,
                    low[n],
                    high[n],
                    low[n] - target_value,
                    high[n] - target_value,
                    swing[n],
                    p_low,
                    p_high,
                )
            )
        )
    return Table(TORNADO_COLUMNS, tuple(rows))


def _probabilities(
    setup: montecarlo.Setup,
    variants: Variants,
    chosen: list[int],
    paths: int,
    seed: int,
    i: int,
    m: int,
) -> dict[int, tuple[float, float]]:
    """P(met) with each chosen assumption moved, on the same random numbers as the base run."""
    check_memory(setup, paths, None, local=True)
    out = {}
    for n in chosen:
        pair = []
        for k in (2 * n, 2 * n + 1):
            arrays = replace(setup.arrays, growth=variants(k, k + 1))
            tally = montecarlo.run(replace(setup, arrays=arrays), paths, seed)
            pair.append(float(tally.met[0, i, m] / max(tally.assessable[0, i, m], 1)))
        out[n] = (pair[0], pair[1])
    return out


def sobol(
    catalog: Catalog,
    scenario: Scenario,
    targets: Sequence[Target],
    observed: Observations | None = None,
    *,
    samples: int = 1024,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Table, dict[Target, float]]:
    """Sobol indices of each target's gap over the assumptions that move it; the shares met.

    Each assumption shifts its yearly growth by a constant drawn uniformly
    within +-2 sigma / sqrt(n), n being the years between its last fixed
    value (base or latest observation) and the milestone: a constant shift
    that wide moves the milestone value as much as two standard deviations
    of the Monte Carlo shocks would. The gap (rather than met/missed, which
    may never vary) carries the variance, so the indices say which
    assumptions decide how close the target comes, and so its probability.
    Each target has a sample of its own, so its indices are the same whatever
    other targets are analysed beside it. ``progress(done, total)`` hears of
    each target analysed.
    """
    setup = _setup(catalog, scenario, observed)
    sigma = setup.volatility[0].sigma
    rows: list[tuple[Cell, ...]] = []
    shares: dict[Target, float] = {}
    chosen = list(dict.fromkeys(targets))
    for done, target in enumerate(chosen, 1):
        probe = _tornado(setup, target)
        names = [
            str(name) for name in probe.column("assumption") if sigma[catalog.index[str(name)]] > 0
        ]
        if not names:
            raise InputError(f"no uncertain assumption moves {target.key} {target.milestone}")
        found, shares[target] = _sobol_one(setup, scenario, target, names, samples, seed)
        rows += found
        if progress is not None:
            progress(done, len(chosen))
    return Table(SOBOL_COLUMNS, tuple(rows)), shares


def _sobol_one(
    setup: montecarlo.Setup,
    scenario: Scenario,
    target: Target,
    names: list[str],
    samples: int,
    seed: int,
) -> tuple[list[tuple[Cell, ...]], float]:
    """Rows of Sobol indices of one target's gap over ``names``, and the share met."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    catalog = setup.catalog
    sigma = setup.volatility[0].sigma
    index = np.array([catalog.index[name] for name in names])
    milestone_index = target.milestone - int(catalog.years[0])
    years = np.maximum(milestone_index - montecarlo.last_fixed_year(setup)[index], 1)
    scale = np.where(setup.arrays.mode[0, index] == Mode.DIRECT, 100.0, 1.0)
    ranges = 2 * sigma[index] * scale / np.sqrt(years)
    problem = {"num_vars": len(names), "names": names, "bounds": [[-r, r] for r in ranges]}
    sample = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    base_growth = setup.arrays.growth[0]

    def variants(start: int, stop: int) -> np.ndarray:
        out = np.repeat(base_growth[None], stop - start, axis=0)
        out[:, index, :] += sample[start:stop, :, None]
        return out

    values, met = _evaluate(setup, sample.shape[0], variants, target)
    if np.isnan(values).any():
        raise InputError(
            f"{target.key} {target.milestone} cannot be assessed under {scenario.name}"
        )
    i, m = catalog.index[target.key], catalog.milestones.index(target.milestone)
    gap = values - catalog.target_value[i, m]
    share = float(met.mean())
    if np.ptp(gap) == 0:
        return [], share
    analysis = sobol_analyze.analyze(problem, gap, calc_second_order=False, seed=seed)
    rows = [
        plain_row(
            (
                target.label,
                name,
                ranges[k],
                analysis["S1"][k],
                analysis["S1_conf"][k],
                analysis["ST"][k],
                analysis["ST_conf"][k],
            )
        )
        for k, name in enumerate(names)
    ]
    rows.sort(key=lambda row: -float(row[5] or 0))
    return rows, share
