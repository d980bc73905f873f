"""Measurement error of the observations a simulation stands on.

A path passes through its series' latest observation (its *anchor*), and
everything after grows from it. An anchor copied from a secondary source
(grade C) or published as an estimate (预计) may be off, so the simulation
draws its true value around the one stated: ``value x exp(e)`` for levels
and counts, ``value + e`` in points for shares, rates and growth rates, in
places for ranks, with ``e ~ N(0, error^2)``. Grade A ``final`` values are
exact. The error of a level the engine derives from a stated level and
stated growth after it (``Observations.array``) adds the errors of each, in
quadrature. Everything after the anchor moves with it; a growth-rate series
errs in the anchor year only (a rate does not carry over). Values observed
before the anchor are kept exact: only the anchor is drawn, so a passed
milestone that is not a series' latest observation is judged on its value.

The data bound the error too. Independent errors of size ``e`` on two
consecutive years add ``2 e^2`` to the variance of their difference, so a
series whose observed yearly changes scatter by ``s`` (sample standard
deviation, at least ``MIN_CHANGES`` one-year changes, none across a level
revision) cannot carry errors larger than ``s / sqrt(2)``: its error is
capped there. Population, copied from secondary sources (grade C) but
moving smoothly, so gets a small error; revenue, whose copies jump, keeps
its grade's.

The sizes are judgements, stated so a reader can disagree with them (see
the Measurement error section of the methods documentation): a grade A
figure may still be revised from preliminary to final (0.5 %); a media copy
of an official figure (B) risks rounding and transcription (1 %), a figure
derived from such copies a little more (1.5 %); an unverified secondary
figure (C) may belong to another definition or year (3 %). An estimate made
before the year closed (预计) typically moves 1-2 % when the final figure
comes (1.5 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nscc_proj.inputs.catalog import Catalog, Indicator, Kind
from nscc_proj.inputs.observed import Observation, Observations

# One standard deviation of the error, by what a value measures. Grade and vintage errors
# are independent: they add in quadrature.
GRADE_ERROR = {
    "relative": {"A": 0.0, "B": 0.01, "B-derived": 0.015, "C": 0.03},
    "points": {"A": 0.0, "B": 0.1, "B-derived": 0.15, "C": 0.3},
    "places": {"A": 0.0, "B": 0.5, "B-derived": 0.5, "C": 1.0},
}
VINTAGE_ERROR = {
    "relative": {"final": 0.0, "preliminary": 0.005, "estimate": 0.015},
    "points": {"final": 0.0, "preliminary": 0.05, "estimate": 0.15},
    "places": {"final": 0.0, "preliminary": 0.0, "estimate": 0.5},
}


MIN_CHANGES = 3  # one-year changes needed before their scatter bounds the error


@dataclass(frozen=True)
class MeasurementError:
    """(N,) each series' anchor error: its size, unit, and the year index it enters."""

    sigma: np.ndarray  # standard deviation: a log ratio (relative) or the series' units
    additive: np.ndarray  # bool: added in the series' units, else a factor exp(e)
    anchor: np.ndarray  # year index of the anchor (the series' last fixed value)
    once: np.ndarray  # bool: the error stays in the anchor year (growth rates)

    @property
    def drawn(self) -> np.ndarray:
        """Indices of the series with an error to draw, ascending."""
        found: np.ndarray = np.flatnonzero(self.sigma > 0)
        return found

    def at(self, years: np.ndarray) -> np.ndarray:
        """(N, len(years)) the error's standard deviation in each of ``years`` (indices)."""
        after = years[None, :] >= self.anchor[:, None]
        inside = np.where(self.once[:, None], years[None, :] == self.anchor[:, None], after)
        spread: np.ndarray = np.where(inside, self.sigma[:, None], 0.0)
        return spread


def unit_of(kind: Kind) -> str:
    """How an error of a value of this kind is measured."""
    if kind is Kind.RANK:
        return "places"
    if kind.is_percent_bounded or kind is Kind.GROWTH_RATE:
        return "points"
    return "relative"


def record_error(record: Observation, unit: str) -> float:
    """One observation's error (grade and vintage in quadrature)."""
    grade = GRADE_ERROR[unit].get(record.grade, GRADE_ERROR[unit]["C"])
    vintage = VINTAGE_ERROR[unit].get(record.vintage, 0.0)
    return math.hypot(grade, vintage)


def measurement_error(
    catalog: Catalog, observed: Observations | None, pinned: np.ndarray | None, anchor: np.ndarray
) -> MeasurementError:
    """The error of each series' anchor (``anchor``: (N,) year indices).

    ``pinned`` is ``observed.array(catalog)``: a series whose anchor it does
    not pin stands on the table's base value, the plan's own figure, which
    is not a measurement and has no error.
    """
    n_series = len(catalog.series)
    sigma = np.zeros(n_series)
    first_year = int(catalog.years[0])
    units = [unit_of(series.kind) for series in catalog.series]
    if observed is not None and pinned is not None:
        for n, series in enumerate(catalog.series):
            if not np.isfinite(pinned[n, anchor[n]]):
                continue
            year = first_year + int(anchor[n])
            level = observed.latest(series.key, until=year)
            after = level.year if level is not None else series.base_year
            stated = observed.growth_of(series.key, "growth_nominal")
            growth = [r for r in stated if after < r.year <= year]
            parts = ([] if level is None else [level]) + growth
            error = math.sqrt(sum(record_error(r, units[n]) ** 2 for r in parts))
            sigma[n] = min(error, scatter_bound(observed, series, year, units[n]))
    return MeasurementError(
        sigma=sigma,
        additive=np.array([unit != "relative" for unit in units], dtype=bool),
        anchor=anchor.astype(int),
        once=np.array([s.kind is Kind.GROWTH_RATE for s in catalog.series], dtype=bool),
    )


def scatter_bound(observed: Observations, series: Indicator, until: int, unit: str) -> float:
    """The largest error the series' observed one-year changes up to ``until`` allow.

    ``inf`` with fewer than ``MIN_CHANGES`` such changes: too few to bound anything.
    """
    levels = {r.year: r.value for r in observed.of(series.key) if r.year <= until}
    if series.base_value is not None:
        levels.setdefault(series.base_year, series.base_value)
    revised = set(observed.breaks(series.key))
    changes = []
    for year in sorted(levels):
        before = levels.get(year - 1)
        if before is None or year in revised:
            continue
        if unit == "relative":
            if before <= 0 or levels[year] <= 0:
                continue
            changes.append(math.log(levels[year] / before))
        else:
            changes.append(levels[year] - before)
    if len(changes) < MIN_CHANGES:
        return math.inf
    return float(np.std(changes, ddof=1)) / math.sqrt(2)
