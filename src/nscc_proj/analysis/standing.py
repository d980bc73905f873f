"""Where every target stands as of a year, on the observations alone.

A reader in late 2026 asks three things of each target, none of which depends
on a scenario:

- *What the data say so far*: the latest observation in or before the as-of
  year (and before the milestone), with its grade.
- *Progress to date*, two ways. China's mid-term evaluations (规划中期评估)
  compare completion (完成进度, the share of the distance from the base to the
  target covered) with time progress (时序进度, the share of the period
  elapsed): ``ahead`` when completion keeps pace with time. And Open SDG's
  progress measure (``sdg_progress``), run as its authors designed it.
- *What the target needs from now*, in the indicator's own motion: % a year
  for levels and counts, points a year for shares and rates, places a year for
  ranks, and for a growth-rate target the rate the remaining years of its
  period must average.

Growth-rate targets (an average annual rate over a plan period) are read off
the level they measure where one is named (``level_of``: a scenario's
``rate_of`` link), else off their own yearly observations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nscc_proj.analysis.sdg_progress import sdg_progress_status
from nscc_proj.core.assess import required_rate, within_target
from nscc_proj.inputs.catalog import Catalog, Indicator, Kind
from nscc_proj.inputs.observed import Observations

EVIDENCE = ("observed", "estimated", "projected")
SCHEDULES = ("achieved", "ahead", "behind")


def need_unit(kind: Kind) -> str:
    """``rate``: compound growth a year (a fraction); ``points``/``places``: change a year
    in the indicator's own unit; ``rate_remaining``: the average annual rate (a fraction)
    the years left in a growth-rate target's period must reach."""
    if kind is Kind.GROWTH_RATE:
        return "rate_remaining"
    if kind is Kind.RANK:
        return "places"
    if kind.is_percent_bounded:
        return "points"
    return "rate"


@dataclass(frozen=True)
class Standing:
    """I x M readings of every target as of ``as_of`` (NaN or None where undefined)."""

    as_of: int
    passed: np.ndarray  # (M,) milestone at or before the as-of year
    observed_at_milestone: np.ndarray  # (I, M) the milestone's value is an observation
    latest_year: np.ndarray  # (I, M) year of the latest reading used (the base if none)
    latest_value: np.ndarray  # (I, M) in the row's unit (a growth-rate row: % a year so far)
    latest_grade: tuple[tuple[str | None, ...], ...]  # I x M; None for the table's base
    since_base: np.ndarray  # (I, M) an observation after the base year exists
    met_on_data: np.ndarray  # (I, M) the latest reading meets the target
    completion: np.ndarray  # (I, M) 完成进度
    time_progress: np.ndarray  # (I, M) 时序进度
    schedule: tuple[tuple[str | None, ...], ...]  # I x M: SCHEDULES or None
    need: np.ndarray  # (I, M) per year from the latest reading, in ``need_unit``
    need_unit: tuple[str, ...]  # (I,)
    progress_status: tuple[tuple[str, ...], ...]  # I x M: sdg-build's status names

    def evidence(self) -> np.ndarray:
        """(I, M) indices into EVIDENCE: observed, estimated (passed, no data) or projected."""
        passed = np.broadcast_to(self.passed[None, :], self.observed_at_milestone.shape)
        return np.where(self.observed_at_milestone, 0, np.where(passed, 1, 2))


@dataclass(frozen=True)
class _Reading:
    """One target's view of the data: where it starts and the latest value since."""

    start_year: int
    start_value: float  # NaN where unknown
    year: int
    value: float  # NaN where unknown
    grade: str | None
    observed: bool  # ``year``/``value`` come from an observation after the start


def current_year() -> int:
    """The calendar year now (one place, so tests can pin it)."""
    import datetime

    return datetime.date.today().year


def default_as_of(catalog: Catalog, this_year: int) -> int:
    """The last complete calendar year, within the catalog's years."""
    return int(min(max(this_year - 1, int(catalog.years[0])), int(catalog.years[-1])))


def stand(
    catalog: Catalog,
    observed: Observations | None,
    as_of: int,
    level_of: Mapping[str, str] | None = None,
) -> Standing:
    """Every target's standing as of ``as_of``, from the table and the observations.

    Observations after ``as_of`` are ignored: the readings are what was known then.
    """
    known = None if observed is None else observed.until(as_of)
    links = dict(level_of or {})
    shape = (len(catalog), len(catalog.milestones))
    arrays = {
        name: np.full(shape, np.nan)
        for name in ("latest_year", "latest_value", "completion", "time", "need")
    }
    observed_at = np.zeros(shape, bool)
    since_base = np.zeros(shape, bool)
    met_on_data = np.zeros(shape, bool)
    grades: list[list[str | None]] = []
    schedules: list[list[str | None]] = []
    statuses: list[list[str]] = []
    for i, indicator in enumerate(catalog.indicators):
        grades.append([])
        schedules.append([])
        statuses.append([])
        for m, milestone in enumerate(catalog.milestones):
            reading = _reading(catalog, known, links, i, m, as_of)
            target = float(catalog.target_value[i, m])
            low, high = catalog.acceptable_low[i, m], catalog.acceptable_high[i, m]
            arrays["latest_year"][i, m] = reading.year
            arrays["latest_value"][i, m] = reading.value
            grades[i].append(reading.grade)
            since_base[i, m] = reading.observed
            observed_at[i, m] = reading.observed and reading.year == milestone
            met = bool(within_target(np.array(reading.value), low, high, np.array(target)))
            met_on_data[i, m] = met and not math.isnan(target)
            completion, elapsed = _progress(indicator, reading, milestone, target)
            arrays["completion"][i, m] = completion
            arrays["time"][i, m] = elapsed
            schedules[i].append(_schedule(reading, met_on_data[i, m], completion, elapsed))
            arrays["need"][i, m] = _need(indicator, reading, milestone, low, high, target)
            statuses[i].append(_sdg_status(catalog, known, i, m, min(as_of, milestone)))
    return Standing(
        as_of=as_of,
        passed=np.array(catalog.milestones) <= as_of,
        observed_at_milestone=observed_at,
        latest_year=arrays["latest_year"],
        latest_value=arrays["latest_value"],
        latest_grade=tuple(tuple(row) for row in grades),
        since_base=since_base,
        met_on_data=met_on_data,
        completion=arrays["completion"],
        time_progress=arrays["time"],
        schedule=tuple(tuple(row) for row in schedules),
        need=arrays["need"],
        need_unit=tuple(need_unit(indicator.kind) for indicator in catalog.indicators),
        progress_status=tuple(tuple(row) for row in statuses),
    )


def period_start(catalog: Catalog, i: int, m: int) -> int:
    """Where a target's span starts: the base year, or for a growth-rate target its
    plan period's start (the previous milestone)."""
    indicator = catalog.indicators[i]
    if indicator.kind is not Kind.GROWTH_RATE or m == 0:
        return indicator.base_year
    return max(indicator.base_year, catalog.milestones[m - 1])


def _reading(
    catalog: Catalog,
    known: Observations | None,
    links: Mapping[str, str],
    i: int,
    m: int,
    as_of: int,
) -> _Reading:
    indicator, milestone = catalog.indicators[i], catalog.milestones[m]
    until = min(as_of, milestone)
    if indicator.kind is Kind.GROWTH_RATE:
        return _rate_reading(catalog, known, links.get(indicator.key), i, m, until)
    start_year, start_value = indicator.base_year, catalog.base_value[i]
    start_grade = None
    mine = () if known is None else known.of(indicator.key)
    if math.isnan(start_value) and mine:  # no base in the table: the first observation
        start_year, start_value, start_grade = mine[0].year, mine[0].value, mine[0].grade
    latest = known.latest(indicator.key, until) if known is not None else None
    if latest is None or latest.year <= start_year:
        return _Reading(start_year, start_value, start_year, start_value, start_grade, False)
    return _Reading(start_year, start_value, latest.year, latest.value, latest.grade, True)


def _rate_reading(
    catalog: Catalog,
    known: Observations | None,
    level_key: str | None,
    i: int,
    m: int,
    until: int,
) -> _Reading:
    """A growth-rate target's average rate so far in its period, in %.

    From the named level's observations (or the table's value of it) at the
    period's start and latest since; else from the row's own yearly rates,
    when every year from the period's start on is observed.
    """
    indicator = catalog.indicators[i]
    start = period_start(catalog, i, m)
    nothing = _Reading(start, math.nan, start, math.nan, None, False)
    if known is None:
        return nothing
    if level_key is not None and level_key in catalog.index:
        level = catalog[level_key]
        at_start = known.at(level_key, start)
        start_value = (
            at_start.value
            if at_start is not None
            else (level.base_value if level.base_year == start else None)
        )
        latest = known.latest(level_key, until)
        if start_value is not None and latest is not None and latest.year > start:
            years = latest.year - start
            rate = 100.0 * ((latest.value / start_value) ** (1.0 / years) - 1.0)
            return _Reading(start, math.nan, latest.year, rate, latest.grade, True)
    own = {r.year: r for r in known.of(indicator.key) if start < r.year <= until}
    years = 0
    while start + years + 1 in own:
        years += 1
    if years == 0:
        return nothing
    rates = [own[start + k + 1] for k in range(years)]
    mean = math.prod(1 + r.value / 100.0 for r in rates) ** (1.0 / years) - 1.0
    worst = max((r.grade for r in rates), key=_grade_rank)
    return _Reading(start, math.nan, start + years, 100.0 * mean, worst, True)


def _grade_rank(grade: str) -> int:
    return ("A", "B", "B-derived", "C").index(grade) if grade in ("A", "B", "B-derived") else 3


def _progress(
    indicator: Indicator, reading: _Reading, milestone: int, target: float
) -> tuple[float, float]:
    """完成进度 and 时序进度 of one target; NaN without an observation since its start."""
    span = milestone - reading.start_year
    if not reading.observed or span <= 0 or math.isnan(target):
        return math.nan, math.nan
    elapsed = (reading.year - reading.start_year) / span
    if indicator.kind is Kind.GROWTH_RATE:
        # The distance is the cumulative growth the target rate implies over the period.
        wanted = (1 + target / 100.0) ** span - 1.0
        done = (1 + reading.value / 100.0) ** (reading.year - reading.start_year) - 1.0
        return (done / wanted if wanted != 0 else math.nan), elapsed
    distance = target - reading.start_value
    if distance == 0 or math.isnan(distance):
        return math.nan, elapsed
    return (reading.value - reading.start_value) / distance, elapsed


def _schedule(reading: _Reading, met: bool, completion: float, elapsed: float) -> str | None:
    if not reading.observed:
        return None
    if met:
        return "achieved"
    if math.isnan(completion) or math.isnan(elapsed):
        return None
    return "ahead" if completion >= elapsed else "behind"


def _need(
    indicator: Indicator,
    reading: _Reading,
    milestone: int,
    low: float,
    high: float,
    target: float,
) -> float:
    """What the target needs a year from the latest reading, in the indicator's own motion.

    Measured to the edge of the acceptable interval that binds (the lowest
    acceptable value of an up indicator, the highest of a down one). A target
    already met gives the largest yearly move the wrong way that still meets it.
    """
    years = milestone - reading.year
    if years <= 0 or math.isnan(target):
        return math.nan
    if indicator.kind is Kind.GROWTH_RATE:
        return _rate_needed(reading, milestone, target)
    edge = low if indicator.direction.sign > 0 else high
    if not math.isfinite(edge) or math.isnan(reading.value):
        return math.nan
    if need_unit(indicator.kind) == "rate":
        return float(required_rate(np.array(reading.value), np.array(edge), np.array(years)))
    return (edge - reading.value) / years


def _rate_needed(reading: _Reading, milestone: int, target: float) -> float:
    """The average rate the years left in the period need for the period to average ``target``."""
    if not reading.observed:
        return target / 100.0
    done = reading.year - reading.start_year
    achieved = (1 + reading.value / 100.0) ** done
    return remaining_rate(target, milestone - reading.start_year, done, achieved)


def remaining_rate(target: float, span: int, done: int, achieved: float) -> float:
    """The average rate (a fraction) the ``span - done`` years left must take for a period of
    ``span`` years to average ``target`` (in %), ``done`` years having grown by ``achieved``
    (a factor): ``((1 + target)^span / achieved)^(1 / (span - done)) - 1``."""
    wanted = (1 + target / 100.0) ** span
    return float((wanted / achieved) ** (1.0 / (span - done)) - 1.0)


def _sdg_status(catalog: Catalog, known: Observations | None, i: int, m: int, until: int) -> str:
    """Open SDG's progress status of one target: the table's base and the observations
    up to ``until``, measured as sdg-build measures any series (growth-rate rows too)."""
    indicator = catalog.indicators[i]
    series: list[tuple[int, float]] = []
    if not math.isnan(catalog.base_value[i]):
        series.append((indicator.base_year, float(catalog.base_value[i])))
    if known is not None:
        series += [(r.year, r.value) for r in known.of(indicator.key) if r.year <= until]
    status = sdg_progress_status(
        series,
        increasing=indicator.direction.sign > 0,
        target=float(catalog.target_value[i, m]),
        target_year=catalog.milestones[m],
        base_year=indicator.base_year,
    )
    return status or "not_assessable"
