"""What growth each target requires: from the base year, between milestones,
and from the latest observation (how much harder a target became).

Also writes the yardstick scenario that meets every target exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nscc_proj.analysis.standing import Standing, period_start, remaining_rate, stand
from nscc_proj.core.assess import required_rate
from nscc_proj.inputs.catalog import Catalog, Indicator, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.table import Table, plain

REQUIRED_COLUMNS = (
    "indicator_id",
    "indicator_key",
    "from_year",
    "to_year",
    "from_value",
    "target_op",
    "target_value",
    "required_cagr",
    "required_change_per_year",
)
LATEST_COLUMNS = (
    "indicator_id",
    "indicator_key",
    "as_of",
    "from_year",
    "to_year",
    "from_value",
    "target_op",
    "target_value",
    "need_per_year",
    "need_unit",
    "already_met",
    "required_cagr_from_base",
    "grade",
    "note",
)


@dataclass(frozen=True)
class Requirement:
    """The constant growth that takes one indicator from a value to a target."""

    indicator: Indicator
    from_year: int
    to_year: int
    from_value: float  # NaN where unknown
    target_op: str
    target_value: float
    cagr: float  # fraction a year; the target rate itself for growth-rate targets
    change: float  # units a year (places for ranks, points for shares)


def requirement(
    indicator: Indicator,
    from_year: int,
    from_value: float,
    to_year: int,
    target_value: float,
    op: str,
) -> Requirement:
    years = to_year - from_year
    if indicator.kind is Kind.GROWTH_RATE:
        cagr, change = target_value / 100.0, math.nan
    else:
        cagr = float(required_rate(np.array(from_value), np.array(target_value), np.array(years)))
        change = (target_value - from_value) / years if years > 0 else math.nan
    return Requirement(indicator, from_year, to_year, from_value, op, target_value, cagr, change)


def _base_and_milestone_spans(catalog: Catalog, i: int) -> list[Requirement]:
    """Base year -> each later milestone, and each milestone -> the next.

    A growth-rate target averages over its own plan period, so from the base
    year only the first milestone's requirement applies.
    """
    indicator, milestones = catalog.indicators[i], catalog.milestones
    later = [m for m, milestone in enumerate(milestones) if milestone > indicator.base_year]
    from_base = later[:1] if indicator.kind is Kind.GROWTH_RATE else later
    spans = [
        requirement(
            indicator,
            indicator.base_year,
            catalog.base_value[i],
            milestones[m],
            catalog.target_value[i, m],
            catalog.target_op[i, m],
        )
        for m in from_base
    ]
    spans += [
        requirement(
            indicator,
            milestones[m - 1],
            catalog.target_value[i, m - 1],
            milestones[m],
            catalog.target_value[i, m],
            catalog.target_op[i, m],
        )
        for m in later
        if m > 0 and milestones[m - 1] >= indicator.base_year
    ]
    return sorted(spans, key=lambda r: (r.from_year, r.to_year))


def _row(r: Requirement) -> tuple[object, ...]:
    return (
        r.indicator.id,
        r.indicator.key,
        r.from_year,
        r.to_year,
        plain(r.from_value),
        r.target_op or None,
        plain(r.target_value),
        plain(r.cagr),
        plain(r.change),
    )


def required_growth(catalog: Catalog) -> Table:
    """The growth each target requires, base -> each milestone and milestone -> the next.

    Requirements between milestones start from the earlier target, so an
    indicator with no base value still gets its later requirement. For a
    growth-rate target the requirement is the target rate itself.
    """
    rows = [_row(r) for i in range(len(catalog)) for r in _base_and_milestone_spans(catalog, i)]
    return Table(REQUIRED_COLUMNS, tuple(rows))  # type: ignore[arg-type]


def required_from_latest(
    catalog: Catalog,
    observed: Observations,
    as_of: int,
    level_of: Mapping[str, str] | None = None,
) -> Table:
    """What each target needs a year from its latest observation, in its own motion.

    The same readings as the dashboard's (``standing.stand``): % a year for
    levels and counts, points for shares and rates, places for ranks, the
    rate the rest of the period needs for growth-rate targets; a target
    already met gives the largest yearly move the wrong way it can afford. A
    milestone observed in or before ``as_of`` gets its verdict instead.
    Beside it, the rate needed from the base year.
    """
    standing = stand(catalog, observed, as_of, level_of)
    rows = []
    for i, indicator in enumerate(catalog.indicators):
        for m, milestone in enumerate(catalog.milestones):
            target = catalog.target_value[i, m]
            if math.isnan(target):
                continue
            from_year, value = standing.latest_year[i, m], standing.latest_value[i, m]
            need, unit = standing.need[i, m], standing.need_unit[i]
            grade = standing.latest_grade[i][m]
            met = bool(standing.met_on_data[i, m])
            if standing.observed_at_milestone[i, m]:
                note = f"observed {value:,g} in {milestone}: {'met' if met else 'missed'}"
            elif math.isnan(need):
                note = "no value to measure from"
            else:
                note = _need_note(indicator, standing, i, m, milestone, met)
            from_base = requirement(
                indicator,
                indicator.base_year,
                catalog.base_value[i],
                milestone,
                target,
                catalog.target_op[i, m],
            )
            rows.append(
                (
                    indicator.id,
                    indicator.key,
                    as_of,
                    None if math.isnan(from_year) else int(from_year),
                    milestone,
                    plain(value),
                    catalog.target_op[i, m] or None,
                    plain(target),
                    plain(need),
                    None if math.isnan(need) else unit,
                    None if math.isnan(need) else met,
                    plain(from_base.cagr),
                    grade,
                    note,
                )
            )
    return Table(LATEST_COLUMNS, tuple(rows))


def need_amount(need: float, unit: str) -> str:
    """A need in words: 0.0968 (rate) -> '9.68 % a year', 0.4 (points) -> '0.40 points a year'."""
    if unit in ("rate", "rate_remaining"):
        return f"{100 * need:.2f} % a year"
    return f"{need:.2f} {'places' if unit == 'places' else 'points'} a year"


def _need_note(
    indicator: Indicator, standing: Standing, i: int, m: int, milestone: int, met: bool
) -> str:
    unit = standing.need_unit[i]
    need, year = float(standing.need[i, m]), int(standing.latest_year[i, m])
    source = "the base year" if standing.latest_grade[i][m] is None else "the latest observation"
    if met:
        verb = "rise" if indicator.direction.sign < 0 else "fall"
        return f"already met in {year}: may {verb} by up to {need_amount(abs(need), unit)}"
    if unit == "rate_remaining":
        if not standing.since_base[i, m]:
            return f"nothing observed in the period yet: needs {need_amount(need, unit)}"
        so_far = standing.latest_value[i, m]
        return (
            f"needs {need_amount(need, unit)} to {milestone} after "
            f"{so_far:.2f} % a year so far (to {year})"
        )
    return f"needs {need_amount(abs(need), unit)} from {year} ({source})"


def _remaining(catalog: Catalog, observed: Observations, i: int, m: int) -> float:
    """For a growth-rate target: the rate the rest of its period must average so the
    whole period averages the target, given its own rates observed so far (in any years:
    the yardstick keeps each observed year's rate and sets the others)."""
    indicator, milestone = catalog.indicators[i], catalog.milestones[m]
    target = float(catalog.target_value[i, m])
    start = period_start(catalog, i, m)
    seen = [r for r in observed.of(indicator.key) if start < r.year <= milestone]
    if not seen or milestone - start - len(seen) <= 0:
        return target / 100.0
    achieved = math.prod(1 + r.value / 100.0 for r in seen)
    return remaining_rate(target, milestone - start, len(seen), achieved)


def yardstick_scenario(catalog: Catalog, observed: Observations | None = None) -> str:
    """A scenario (YAML text) whose path lands exactly on every target.

    From the base year, or, with ``observed``, from each indicator's latest
    observation; then from each milestone's target to the next. A yardstick
    for "what would it take", and a test that the engine and the assessment
    agree.
    """
    lines = [
        "# Meets every target exactly: written by `nscc required --write-scenario`.",
        "name: required",
        "description: >-",
        "  Grows every indicator at the constant rate that lands exactly on each target, "
        + ("from its latest observation." if observed is not None else "from the base year."),
        "growth:",
    ]
    for i, indicator in enumerate(catalog.indicators):
        latest = observed.latest(indicator.key) if observed is not None else None
        year = indicator.base_year if latest is None else latest.year
        value = catalog.base_value[i] if latest is None else latest.value
        periods = []
        for m, milestone in enumerate(catalog.milestones):
            target = catalog.target_value[i, m]
            if milestone <= year or math.isnan(target):
                continue
            if indicator.kind is Kind.GROWTH_RATE:
                periods += _growth_rate_periods(catalog, observed, i, m)
            elif not math.isnan(value):
                r = requirement(indicator, year, value, milestone, target, "")
                step = r.change if indicator.kind is Kind.RANK else r.cagr
                periods.append(f"{year + 1}-{milestone}: {float(step)!r}")
            year, value = milestone, target
        if periods:
            body = "{" + ", ".join(periods) + "}"
            lines.append(
                f"  {indicator.key}: "
                + ("{change: " + body + "}" if indicator.kind is Kind.RANK else body)
            )
    lines.append("default: 0.0")
    return "\n".join(lines) + "\n"


def _growth_rate_periods(
    catalog: Catalog, observed: Observations | None, i: int, m: int
) -> list[str]:
    """The rate each unobserved year of a growth-rate target's period must take.

    Observed years keep their rates; the others share the rate that brings
    the period's average to the target, written as spans of unobserved years.
    """
    indicator, milestone = catalog.indicators[i], catalog.milestones[m]
    start = period_start(catalog, i, m)
    seen = set() if observed is None else {r.year for r in observed.of(indicator.key)}
    free = [year for year in range(start + 1, milestone + 1) if year not in seen]
    if not free:
        return []
    rate = (
        _remaining(catalog, observed, i, m)
        if observed is not None
        else catalog.target_value[i, m] / 100.0
    )
    spans: list[tuple[int, int]] = []
    for year in free:
        if spans and spans[-1][1] == year - 1:
            spans[-1] = (spans[-1][0], year)
        else:
            spans.append((year, year))
    return [f"{a}-{b}: {float(rate)!r}" if a != b else f"{a}: {float(rate)!r}" for a, b in spans]
