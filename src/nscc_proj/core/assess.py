"""Assessment of projected paths against targets: pure NumPy, no I/O.

Every target is an interval of acceptable values (``>= X`` is [X, inf),
``<= X`` is (-inf, X], ``~ X`` is the band plus everything beyond it on the
good side), so met/missed is one comparison for every kind of target.
The scenario outcome grades a miss by the path's pace against the pace the
target needs, R = direction x scenario CAGR / |required CAGR|, but never
reads as success for a target the path misses. (Progress to date by the
published Open SDG / Eurostat method, on observations only, is in
``progress``.) Counts and ranks are judged as whole numbers: see
``whole_number``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# What the scenario's path does at a milestone. Every value but ``met`` is a miss.
OUTCOMES = ("met", "missed", "far_off", "moving_away", "not_assessable")
MET, MISSED, FAR_OFF, MOVING_AWAY, NOT_ASSESSABLE = range(5)
# A missed target whose path grows at less than this share of the pace it needs is far off.
FAR_OFF_RATIO = 0.60
# A path that lands on its target up to floating-point rounding meets it.
MET_RELATIVE_SLACK = 1e-9


@dataclass(frozen=True)
class Targets:
    """What the assessment needs to know of the table, as I or I x M arrays."""

    years: np.ndarray  # (Y,) the year axis of the paths
    milestones: np.ndarray  # (M,)
    base_value: np.ndarray  # (I,) NaN where unknown
    base_year: np.ndarray  # (I,)
    direction: np.ndarray  # (I,) +1 up, -1 down
    is_growth_rate: np.ndarray  # (I,) targets on an average annual rate
    value: np.ndarray  # (I, M) NaN where no target
    low: np.ndarray  # (I, M) lowest acceptable value
    high: np.ndarray  # (I, M) highest acceptable value
    whole: np.ndarray | None = None  # (I,) counts and ranks: judged as whole numbers

    @property
    def span_start(self) -> np.ndarray:
        """(I, M) first year of each target's span.

        Levels are measured from the base year. A growth-rate target is an
        average over its own plan period, which starts at the previous
        milestone (or the base year for the first one).
        """
        previous = np.concatenate([[np.iinfo(int).min], self.milestones[:-1]])
        period_start = np.maximum(self.base_year[:, None], previous[None, :])
        return np.where(self.is_growth_rate[:, None], period_start, self.base_year[:, None])


@dataclass(frozen=True)
class Assessment:
    """S x I x M arrays; NaN marks what cannot be assessed."""

    projected: np.ndarray
    met: np.ndarray  # 1.0 met, 0.0 missed, NaN not assessable
    gap: np.ndarray
    gap_rel: np.ndarray
    required_cagr: np.ndarray
    scenario_cagr: np.ndarray
    first_year_met: np.ndarray  # NaN where never met within the horizon
    outcome: np.ndarray  # int codes into OUTCOMES


def required_rate(start_value: np.ndarray, end_value: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Constant annual rate from ``start_value`` to ``end_value`` (NBS 水平法).

    ``(end / start) ** (1 / years) - 1``; NaN where the start is unknown or
    not positive, or the span is empty.

    >>> float(required_rate(np.array(6571.6), np.array(10000.0), np.array(5)).round(5))
    0.08759
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.asarray(end_value, dtype=float) / np.asarray(start_value, dtype=float)
        # An end of 0 is a rate of -100 %; a start of 0 or below has no rate.
        valid = (ratio >= 0) & (np.asarray(years) > 0) & (np.asarray(start_value) > 0)
        rate = np.power(np.where(valid, ratio, np.nan), 1.0 / np.where(valid, years, 1)) - 1.0
    return np.where(valid, rate, np.nan)


def whole_number(value: np.ndarray) -> np.ndarray:
    """Round to the nearest whole number, halves up (39.5 companies -> 40, rank 20.5 -> 21).

    Counts and ranks are whole things: a path at 39.56 listed companies is read
    as 40 (met against >= 40), a rank of 20.5 as 21 (missed against <= 20).
    Halves go up, which for a rank is the worse place. A value more than half a
    unit inside its target stays inside after rounding.
    """
    return np.floor(np.asarray(value, dtype=float) + 0.5)


def within_target(
    value: np.ndarray, low: np.ndarray, high: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """True where ``value`` lies in the acceptable interval (False for NaN)."""
    slack = MET_RELATIVE_SLACK * np.maximum(np.abs(np.nan_to_num(target)), 1.0)
    with np.errstate(invalid="ignore"):
        inside: np.ndarray = (value >= low - slack) & (value <= high + slack)
    return inside


def assess(paths: np.ndarray, targets: Targets) -> Assessment:
    """Assess S x I x Y paths against every target of ``targets``."""
    first_year = int(targets.years[0])
    milestone_index = targets.milestones - first_year  # (M,)
    span_start = targets.span_start  # (I, M)
    span_years = targets.milestones[None, :] - span_start  # (I, M)
    start_index = span_start - first_year
    rows = np.arange(paths.shape[1])[:, None]
    is_rate = targets.is_growth_rate[None, :, None]

    projected, rate_end = projected_values(paths, targets)
    level_end = paths[:, :, milestone_index]  # (S, I, M)
    level_start = paths[:, rows, start_index]  # (S, I, M)
    scenario_cagr = np.where(is_rate, rate_end, required_rate(level_start, level_end, span_years))
    required = np.where(
        targets.is_growth_rate[:, None],
        targets.value / 100.0,
        required_rate(targets.base_value[:, None], targets.value, span_years),
    )
    required_cagr = np.broadcast_to(required, projected.shape)

    assessable = ~np.isnan(projected) & ~np.isnan(targets.value)[None]
    met_now = within_target(projected, targets.low, targets.high, targets.value)
    met = np.where(assessable, met_now.astype(float), np.nan)
    # One sign rule for up and down targets: negative is short of the target.
    gap = targets.direction[None, :, None] * (projected - targets.value)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A growth-rate row's gap is in points already; a share of a rate would read as a level.
        gap_rel = np.where((targets.value != 0) & ~is_rate, gap / np.abs(targets.value), np.nan)

    running_rate = _running_average_rate(paths, start_index)  # (S, I, M, Y) fractions
    levels = paths if targets.whole is None else _rounded(paths, targets.whole)
    series = np.where(is_rate[..., None], 100.0 * running_rate, levels[:, :, None, :])
    met_series = within_target(
        series, targets.low[..., None], targets.high[..., None], targets.value[..., None]
    )
    ever_met = met_series.any(axis=-1) & ~np.isnan(targets.value)[None]
    first_year_met = np.where(ever_met, targets.years[np.argmax(met_series, axis=-1)], np.nan)

    outcome = _outcome(met, scenario_cagr, required_cagr, targets.direction[None, :, None])
    return Assessment(
        projected=projected,
        met=met,
        gap=gap,
        gap_rel=gap_rel,
        required_cagr=required_cagr,
        scenario_cagr=scenario_cagr,
        first_year_met=first_year_met,
        outcome=outcome,
    )


def projected_values(paths: np.ndarray, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """(S, I, M) value at each milestone, and the average rates of growth-rate rows.

    A level's value is its path's; a growth-rate target's is the geometric
    average of its yearly rates over its period, in %. Only growth-rate rows
    pay for the average (a Monte Carlo run calls this for every block).
    """
    first_year = int(targets.years[0])
    milestone_index = targets.milestones - first_year
    projected = paths[:, :, milestone_index]
    projected = projected.copy() if targets.whole is None else _rounded(projected, targets.whole)
    rate_end = np.full(projected.shape, np.nan)
    rate_rows = np.flatnonzero(targets.is_growth_rate)
    if rate_rows.size:
        start = targets.span_start[rate_rows] - first_year  # (R, M)
        with np.errstate(invalid="ignore", divide="ignore"):
            logs = np.log1p(paths[:, rate_rows] / 100.0)  # (S, R, Y)
            unknown = np.cumsum(np.isnan(logs), axis=-1)
            total = np.cumsum(np.nan_to_num(logs), axis=-1)
            picks = np.arange(rate_rows.size)[:, None]
            ends, starts = milestone_index[None, :], start
            span = ends - starts
            mean_log = (total[:, picks, ends] - total[:, picks, starts]) / np.where(
                span > 0, span, 1
            )
            gaps = unknown[:, picks, ends] - unknown[:, picks, starts] > 0
            rate = np.where((span > 0) & ~gaps, np.expm1(mean_log), np.nan)
        rate_end[:, rate_rows] = rate
        projected[:, rate_rows] = 100.0 * rate
    return projected, rate_end


def met_at_milestones(paths: np.ndarray, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """(S, I, M) projected values and met (1, 0, NaN): the lean assessment of Monte Carlo runs."""
    projected, _ = projected_values(paths, targets)
    assessable = ~np.isnan(projected) & ~np.isnan(targets.value)[None]
    met = np.where(
        assessable, within_target(projected, targets.low, targets.high, targets.value), np.nan
    )
    return projected, met


def _rounded(values: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``values`` (S, I, ...) with the rows of whole-number indicators rounded."""
    out = values.copy()
    out[:, whole] = whole_number(values[:, whole])
    return out


def _running_average_rate(paths: np.ndarray, start_index: np.ndarray) -> np.ndarray:
    """(S, I, M, Y) geometric mean of yearly rates (in %) after each span start.

    Entry y averages the rates of the years ``start + 1 .. y``; it is NaN for
    y <= start. Only meaningful for growth-rate indicators, whose path holds
    each year's rate.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        log_growth = np.log1p(paths / 100.0)
        unknown = np.isnan(log_growth)
        cumulative = np.cumsum(np.where(unknown, 0.0, log_growth), axis=-1)
        unknown_count = np.cumsum(unknown, axis=-1)
        year_index = np.arange(paths.shape[-1])
        rows = np.arange(paths.shape[1])[:, None]
        at_start = cumulative[:, rows, start_index][..., None]  # (S, I, M, 1)
        unknown_at_start = unknown_count[:, rows, start_index][..., None]
        elapsed = year_index[None, None, None, :] - start_index[None, :, :, None]
        mean_log = (cumulative[:, :, None, :] - at_start) / np.where(elapsed > 0, elapsed, 1)
        gaps_in_span = unknown_count[:, :, None, :] - unknown_at_start > 0
        return np.where((elapsed > 0) & ~gaps_in_span, np.expm1(mean_log), np.nan)


def _outcome(
    met: np.ndarray, scenario_cagr: np.ndarray, required_cagr: np.ndarray, direction: np.ndarray
) -> np.ndarray:
    """Outcome codes: met, or how badly a miss misses (by the path's pace against the need)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = direction * scenario_cagr / np.abs(required_cagr)
    return np.select(
        [
            np.isnan(met),
            met == 1.0,
            required_cagr == 0,  # missed although no growth was needed: it fell back
            np.isnan(ratio) | (ratio >= FAR_OFF_RATIO),
            ratio >= 0,
        ],
        [NOT_ASSESSABLE, MET, MOVING_AWAY, MISSED, FAR_OFF],
        default=MOVING_AWAY,
    )
