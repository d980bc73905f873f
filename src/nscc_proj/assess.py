"""Assessment of projected paths against targets: pure NumPy, no I/O.

Every target is an interval of acceptable values (``>= X`` is [X, inf),
``<= X`` is (-inf, X], ``~ X`` is the band plus everything beyond it on the
good side), so met/missed is one comparison for every kind of target.
Status follows the ratio method of Eurostat's SDG report and Statistics
Canada (Open SDG): R = direction x scenario CAGR / |required CAGR|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STATUSES = (
    "achieved",
    "on_track",
    "acceleration_needed",
    "limited_progress",
    "moving_away",
    "not_assessable",
)
ACHIEVED, ON_TRACK, ACCELERATION_NEEDED, LIMITED_PROGRESS, MOVING_AWAY, NOT_ASSESSABLE = range(6)
ON_TRACK_RATIO = 0.95
ACCELERATION_RATIO = 0.60
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
    status: np.ndarray  # int codes into STATUSES


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
    gap = projected - targets.value
    with np.errstate(divide="ignore", invalid="ignore"):
        gap_rel = np.where(targets.value != 0, gap / np.abs(targets.value), np.nan)

    running_rate = _running_average_rate(paths, start_index)  # (S, I, M, Y) fractions
    series = np.where(is_rate[..., None], 100.0 * running_rate, paths[:, :, None, :])
    met_series = within_target(
        series, targets.low[..., None], targets.high[..., None], targets.value[..., None]
    )
    ever_met = met_series.any(axis=-1) & ~np.isnan(targets.value)[None]
    first_year_met = np.where(ever_met, targets.years[np.argmax(met_series, axis=-1)], np.nan)

    status = _status(met, scenario_cagr, required_cagr, targets.direction[None, :, None])
    return Assessment(
        projected=projected,
        met=met,
        gap=gap,
        gap_rel=gap_rel,
        required_cagr=required_cagr,
        scenario_cagr=scenario_cagr,
        first_year_met=first_year_met,
        status=status,
    )


def projected_values(paths: np.ndarray, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """(S, I, M) value at each milestone, and the average rates of growth-rate rows.

    A level's value is its path's; a growth-rate target's is the geometric
    average of its yearly rates over its period, in %. Only growth-rate rows
    pay for the average (a Monte Carlo run calls this for every block).
    """
    first_year = int(targets.years[0])
    milestone_index = targets.milestones - first_year
    projected = paths[:, :, milestone_index].copy()
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


def _status(
    met: np.ndarray, scenario_cagr: np.ndarray, required_cagr: np.ndarray, direction: np.ndarray
) -> np.ndarray:
    """Status codes by the ratio method; a missed target needing no growth is moving away."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = direction * scenario_cagr / np.abs(required_cagr)
    no_required_growth = required_cagr == 0
    return np.select(
        [
            np.isnan(met),
            met == 1.0,
            no_required_growth,
            np.isnan(ratio),
            ratio >= ON_TRACK_RATIO,
            ratio >= ACCELERATION_RATIO,
            ratio >= 0,
        ],
        [
            NOT_ASSESSABLE,
            ACHIEVED,
            MOVING_AWAY,
            NOT_ASSESSABLE,
            ON_TRACK,
            ACCELERATION_NEEDED,
            LIMITED_PROGRESS,
        ],
        default=MOVING_AWAY,
    )
