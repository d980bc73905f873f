"""Volatilities and correlations estimated from the observations, for ``nscc simulate``.

Each series' yearly shock is measured the way the scenario grows it: the log
growth factor for compound series, the yearly change in its own units
(points for shares and rates, places for ranks) for additive ones, the rate
itself for growth-rate indicators, and the ratio (or count) a linked series
moves. The observed levels (with the years stated growth pins down, and the
table's base value) give the changes between consecutive observations; a
change over ``g`` years counts as ``g`` yearly shocks of a random walk with
drift, so its variance per year is its squared deviation from the drift over
``g``. No change is measured across a level revision (``break``).

Few observations make a poor estimate, so each volatility is shrunk toward a
prior of its kind with the weight of ``PRIOR_WEIGHT`` observations, on a log
scale: ``log sigma = (n log s + k log prior) / (n + k)``; with fewer than two
changes the prior stands. Series named as slow stocks
(``stocks``) take the stock prior, whatever their data: a stock such as
average years of schooling accumulates and does not swing. Correlation: the
series in the table's money unit move with the nominal economy; their
correlation is the average of the pairwise correlations of yearly changes
observed in the same years, shrunk toward ``PRIOR_RHO``, one constant
correlation for the group (positive-definite for any value in (-1/(m-1), 1)).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nscc_proj.analysis.rates import ScenarioArrays
from nscc_proj.core.engine import Link, Mode
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.table import Table, plain_row

PRIOR_WEIGHT = 3.0  # pseudo-observations behind each prior
PRIOR_RHO = 0.5  # the nominal economy's series move together, about half their variance
# Priors by what a shock moves (per year). Reasoning: a Chinese city's nominal aggregates
# (GDP, revenue, output) vary by 2-4 points of growth from year to year; counts of firms,
# routes or events swing more; shares and rates drift by tenths of a point; a ranking moves
# a place; a growth rate by one to two points. Slow stocks barely move.
PRIORS = {
    "compound": 0.03,
    "compound_count": 0.06,
    "points": 0.4,
    "places": 1.0,
    "growth_rate": 1.5,
    "stock": 0.003,
}


@dataclass(frozen=True)
class Estimate:
    """One series' calibrated volatility and what it rests on."""

    key: str
    sigma: float  # a fraction for compound shocks, else the series' units a year
    compound: bool
    changes: int  # yearly changes observed (intervals between observations)
    sample: float  # the sample's volatility (NaN with fewer than two changes)
    prior: float
    basis: str  # what was measured: the level, the ratio to a driver, the rate, a stock


@dataclass(frozen=True)
class Calibration:
    estimates: tuple[Estimate, ...]
    group: tuple[str, ...]  # the correlated group (the nominal economy)
    rho: float
    rho_pairs: int  # yearly changes observed together, behind ``rho``


def calibrate(
    catalog: Catalog,
    arrays: ScenarioArrays,
    observed: Observations,
    *,
    scenario: int = 0,
    stocks: Sequence[str] = (),
) -> Calibration:
    """Estimate every series' volatility (and the money group's correlation) for one scenario."""
    levels = _levels(catalog, observed)
    breaks = {s.key: set(observed.breaks(s.key)) for s in catalog.series}
    first_year = int(catalog.years[0])
    estimates = []
    per_year: dict[str, dict[int, float]] = {}
    for n, series in enumerate(catalog.series):
        link, mode = Link(arrays.link[scenario, n]), Mode(arrays.mode[scenario, n])
        if link == Link.RATE_OF:
            continue  # read off its driver: no shock of its own
        values, basis = _measured(catalog, arrays, scenario, n, levels)
        compound = mode == Mode.COMPOUND
        if series.kind is Kind.GROWTH_RATE:
            changes = [(1, v) for v in values[~np.isnan(values)]]
            drift_free = True
        else:
            changes = _changes(values, first_year, compound, breaks[series.key])
            drift_free = False
        prior = _prior(series.kind, compound, series.key in stocks)
        sample = _volatility(changes, drift_free)
        if series.key in stocks:
            sigma, basis = prior, "a slow stock"
        elif math.isnan(sample) or sample <= 0:
            sigma = prior
        else:
            sigma = _shrunk(sample, len(changes), prior)
        estimates.append(Estimate(series.key, sigma, compound, len(changes), sample, prior, basis))
        if compound and link == Link.NONE:
            per_year[series.key] = {
                year: change for change, year in _yearly(values, first_year, breaks[series.key])
            }
    money = _money_unit(catalog)
    group = tuple(
        s.key
        for s in catalog.series
        if s.unit == money and s.key in per_year and s.kind in (Kind.LEVEL, Kind.COUNT)
    )
    rho, pairs = _group_rho(group, per_year)
    return Calibration(tuple(estimates), group if len(group) > 1 else (), rho, pairs)


def _measured(
    catalog: Catalog, arrays: ScenarioArrays, scenario: int, n: int, levels: np.ndarray
) -> tuple[np.ndarray, str]:
    """What the scenario moves for series ``n`` (Y,): its level, or its ratio or count."""
    link = Link(arrays.link[scenario, n])
    driver = int(arrays.driver[scenario, n])
    if link == Link.RATIO:
        return 100.0 * levels[n] / levels[driver], f"ratio to {catalog.series[driver].key}"
    if link == Link.PER:
        return levels[n] * levels[driver], f"count per {catalog.series[driver].key}"
    return levels[n], "level"


def _levels(catalog: Catalog, observed: Observations) -> np.ndarray:
    """(N, Y) observed and pinned levels, with the table's base values."""
    values = observed.array(catalog)
    first_year = int(catalog.years[0])
    for n, series in enumerate(catalog.series):
        t = series.base_year - first_year
        if series.base_value is not None and 0 <= t < values.shape[1] and np.isnan(values[n, t]):
            values[n, t] = series.base_value
    return values


def _changes(
    values: np.ndarray, first_year: int, compound: bool, breaks: set[int]
) -> list[tuple[int, float]]:
    """(years, change) between consecutive observations, none across a break."""
    known = np.flatnonzero(~np.isnan(values))
    out = []
    for a, b in itertools.pairwise(known):
        if any(first_year + a < year <= first_year + b for year in breaks):
            continue
        if compound:
            if values[a] <= 0 or values[b] <= 0:
                continue
            out.append((int(b - a), math.log(values[b] / values[a])))
        else:
            out.append((int(b - a), float(values[b] - values[a])))
    return out


def _yearly(values: np.ndarray, first_year: int, breaks: set[int]) -> list[tuple[float, int]]:
    """Single-year log changes, with the year they end in."""
    return [
        (math.log(values[t] / values[t - 1]), first_year + t)
        for t in range(1, values.size)
        if values[t - 1] > 0
        and values[t] > 0
        and not math.isnan(values[t - 1] + values[t])
        and first_year + t not in breaks
    ]


def _volatility(changes: list[tuple[int, float]], drift_free: bool) -> float:
    """The per-year volatility of a random walk with drift (or of values about their mean)."""
    if len(changes) < 2:
        return math.nan
    gaps = np.array([g for g, _ in changes], dtype=float)
    total = np.array([c for _, c in changes])
    drift = total.sum() / gaps.sum()
    if drift_free:
        drift = float(total.mean())
    variance = float(((total - drift * gaps) ** 2 / gaps).sum() / (len(changes) - 1))
    return math.sqrt(variance)


def _shrunk(sample: float, changes: int, prior: float) -> float:
    """The sample volatility shrunk toward the prior on a log scale (a weighted geometric mean).

    Volatilities are scale parameters: a series observed to move 0.1 % a year is not pulled to
    1.5 % by a 3 % prior, as averaging variances would do, but to about 0.5 %.
    """
    weight = changes / (changes + PRIOR_WEIGHT)
    return math.exp(weight * math.log(sample) + (1 - weight) * math.log(prior))


def _prior(kind: Kind, compound: bool, stock: bool) -> float:
    if stock:
        return PRIORS["stock"] if compound else PRIORS["stock"] * 10
    if kind is Kind.GROWTH_RATE:
        return PRIORS["growth_rate"]
    if kind is Kind.RANK:
        return PRIORS["places"]
    if compound:
        return PRIORS["compound_count"] if kind is Kind.COUNT else PRIORS["compound"]
    return PRIORS["points"]


def _money_unit(catalog: Catalog) -> str | None:
    """The unit most level indicators are measured in (the table's currency)."""
    units = [s.unit for s in catalog.indicators if s.kind is Kind.LEVEL]
    return max(set(units), key=units.count) if units else None


def _group_rho(group: Sequence[str], per_year: dict[str, dict[int, float]]) -> tuple[float, int]:
    """The group's correlation: pairwise correlations over common years, shrunk to PRIOR_RHO."""
    total, pairs = 0.0, 0
    for i, a in enumerate(group):
        for b in group[i + 1 :]:
            years = sorted(per_year[a].keys() & per_year[b].keys())
            if len(years) < 3:
                continue
            x = np.array([per_year[a][y] for y in years])
            y = np.array([per_year[b][y] for y in years])
            if x.std() == 0 or y.std() == 0:
                continue
            total += float(np.corrcoef(x, y)[0, 1]) * (len(years) - 2)
            pairs += len(years) - 2
    rho = (total + PRIOR_WEIGHT * PRIOR_RHO) / (pairs + PRIOR_WEIGHT)
    bound = -1.0 / (len(group) - 1) if len(group) > 1 else -1.0
    return float(min(max(rho, bound + 1e-6), 0.999)), pairs


def calibration_yaml(calibration: Calibration, scenario_name: str, source: str, as_of: int) -> str:
    """A scenario that extends ``scenario_name`` with the calibrated ``uncertainty:`` block.

    ``calibrated:`` records what the estimate rests on, so ``simulate`` can say
    where its volatilities come from (a JSON string is a valid YAML scalar,
    whatever the file name holds).
    """
    import json

    basis = f"nscc calibrate from {source}, observations up to {as_of}"
    lines = [
        f"# Volatilities calibrated by `nscc calibrate` from {json.dumps(source)}.",
        "# Each line says what the estimate rests on: the yearly changes observed, the",
        "# sample's volatility, and the prior it is shrunk toward.",
        f"name: {scenario_name}-calibrated",
        f"extends: {scenario_name}",
        "description: >-",
        f"  {scenario_name}, with volatilities estimated from the observed values.",
        "uncertainty:",
        f"  calibrated: {json.dumps(basis, ensure_ascii=False)}",
        "  sigma:",
    ]
    for e in calibration.estimates:
        value = f'"{100 * e.sigma:.3g}%"' if e.compound else f"{e.sigma:.4g}"
        sample = (
            "–"
            if math.isnan(e.sample)
            else (f"{100 * e.sample:.3g}%" if e.compound else f"{e.sample:.3g}")
        )
        prior = f"{100 * e.prior:.3g}%" if e.compound else f"{e.prior:.3g}"
        lines.append(
            f"    {e.key}: {value}  # {e.basis}: {e.changes} change(s), sample {sample}, "
            f"prior {prior}"
        )
    if calibration.group:
        lines += [
            "  groups:",
            "    - name: nominal economy",
            f"      members: [{', '.join(calibration.group)}]",
            f"      rho: {calibration.rho:.3f}  # {calibration.rho_pairs} yearly co-movement(s) "
            f"observed, shrunk toward {PRIOR_RHO}",
        ]
    return "\n".join(lines) + "\n"


CHECK_COLUMNS = (
    "series",
    "basis",
    "changes",
    "held_out_year",
    "observed",
    "predicted",
    "p5",
    "p95",
    "inside",
)
MIN_CHECK_CHANGES = 3  # changes left after holding one out, before a series is checked
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a central 90 % band


def holdout_check(
    catalog: Catalog,
    arrays: ScenarioArrays,
    observed: Observations,
    *,
    scenario: int = 0,
    stocks: Sequence[str] = (),
) -> Table:
    """Leave the last observation out: does it fall in the 90 % band the earlier ones give?

    For every series with at least ``MIN_CHECK_CHANGES`` changes before its
    last observation, calibrate as ``calibrate`` does on the earlier values
    only, continue their drift (the trend a scenario carries on) from the
    previous observation to the held-out year, and band it by the calibrated
    volatility: ``x_prev + mu g +- 1.645 sigma sqrt(g)`` (in logs for compound
    series). A held-out value across a level revision is not checked. The
    share of values inside, against the nominal 90 %, says whether the
    volatilities are about right (few series: read it as a rough check).
    """
    levels = _levels(catalog, observed)
    first_year = int(catalog.years[0])
    rows = []
    for n, series in enumerate(catalog.series):
        link, mode = Link(arrays.link[scenario, n]), Mode(arrays.mode[scenario, n])
        if link == Link.RATE_OF or series.kind is Kind.GROWTH_RATE:
            continue  # a rate's yearly values carry no drift to continue
        values, basis = _measured(catalog, arrays, scenario, n, levels)
        known = np.flatnonzero(~np.isnan(values))
        if known.size < MIN_CHECK_CHANGES + 2:
            continue
        last, previous = int(known[-1]), int(known[-2])
        breaks = set(observed.breaks(series.key))
        if any(first_year + previous < year <= first_year + last for year in breaks):
            continue
        compound = mode == Mode.COMPOUND
        earlier = values.copy()
        earlier[last] = np.nan
        changes = _changes(earlier, first_year, compound, breaks)
        if len(changes) < MIN_CHECK_CHANGES or (compound and values[last] <= 0):
            continue
        prior = _prior(series.kind, compound, series.key in stocks)
        sample = _volatility(changes, drift_free=False)
        sigma = (
            prior
            if series.key in stocks or math.isnan(sample) or sample <= 0
            else _shrunk(sample, len(changes), prior)
        )
        drift = sum(c for _, c in changes) / sum(g for g, _ in changes)
        gap = last - previous
        centre = drift * gap
        half = Z90 * sigma * math.sqrt(gap)
        start = float(values[previous])
        if compound:
            predicted, low, high = (start * math.exp(centre + k * half) for k in (0, -1, 1))
        else:
            predicted, low, high = (start + centre + k * half for k in (0, -1, 1))
        actual = float(values[last])
        rows.append(
            plain_row(
                (
                    series.key,
                    f"{basis} (log)" if compound else basis,
                    len(changes),
                    first_year + last,
                    actual,
                    predicted,
                    low,
                    high,
                    bool(low <= actual <= high),
                )
            )
        )
    return Table(CHECK_COLUMNS, tuple(rows))


def coverage(check: Table) -> tuple[int, int]:
    """How many held-out values fell inside their band, of how many checked."""
    inside = [bool(value) for value in check.column("inside")]
    return sum(inside), len(inside)
