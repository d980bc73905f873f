"""What growth each target requires: from the base year, between milestones,
and from the latest observation (how much harder a target became).

Also writes the yardstick scenario that meets every target exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nscc_proj.assess import required_rate
from nscc_proj.catalog import Catalog, Indicator, Kind
from nscc_proj.observed import Observations
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
    *REQUIRED_COLUMNS,
    "base_year",
    "required_cagr_from_base",
    "harder_by",
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


def required_from_latest(catalog: Catalog, observed: Observations) -> Table:
    """The growth each remaining target needs from the latest observation.

    A target is remaining when its milestone lies after the latest observed
    year. Beside it: the rate needed from the base year and the difference.
    Indicators without observations are measured from the base year.
    """
    rows = []
    for i, indicator in enumerate(catalog.indicators):
        latest = observed.latest(indicator.key)
        from_year = indicator.base_year if latest is None else latest.year
        from_value = catalog.base_value[i] if latest is None else latest.value
        for m, milestone in enumerate(catalog.milestones):
            if milestone < from_year or math.isnan(catalog.target_value[i, m]):
                continue
            target, op = catalog.target_value[i, m], catalog.target_op[i, m]
            if milestone == from_year and latest is not None:
                rows.append(_observed_at_milestone(catalog, i, m, latest.value, latest.grade))
                continue
            if milestone == from_year:
                continue
            now = _remaining(catalog, observed, i, m, from_year, from_value)
            from_base = requirement(
                indicator, indicator.base_year, catalog.base_value[i], milestone, target, op
            )
            harder = now.cagr - from_base.cagr
            note = _note(now, from_base, latest is not None)
            grade = None if latest is None else latest.grade
            rows.append(
                (
                    *_row(now),
                    indicator.base_year,
                    plain(from_base.cagr),
                    plain(harder),
                    grade,
                    note,
                )
            )
    return Table(LATEST_COLUMNS, tuple(rows))  # type: ignore[arg-type]


def _observed_at_milestone(
    catalog: Catalog, i: int, m: int, value: float, grade: str
) -> tuple[object, ...]:
    """A target whose milestone is observed: no growth is needed any more, only the verdict."""
    from nscc_proj.assess import within_target

    indicator, milestone = catalog.indicators[i], catalog.milestones[m]
    met = bool(
        within_target(
            np.array(value),
            catalog.acceptable_low[i, m],
            catalog.acceptable_high[i, m],
            catalog.target_value[i, m],
        )
    )
    verdict = "met" if met else "missed"
    return (
        indicator.id,
        indicator.key,
        milestone,
        milestone,
        plain(value),
        catalog.target_op[i, m] or None,
        plain(catalog.target_value[i, m]),
        None,
        None,
        indicator.base_year,
        None,
        None,
        grade,
        f"observed {value:,g} in {milestone}: {verdict}",
    )


def _remaining(
    catalog: Catalog, observed: Observations, i: int, m: int, from_year: int, from_value: float
) -> Requirement:
    """For a growth-rate target: the rate the rest of its period must average so the
    whole period averages the target, given the rates observed so far."""
    indicator, milestone = catalog.indicators[i], catalog.milestones[m]
    target, op = catalog.target_value[i, m], catalog.target_op[i, m]
    if indicator.kind is not Kind.GROWTH_RATE:
        return requirement(indicator, from_year, from_value, milestone, target, op)
    period_start = (
        indicator.base_year if m == 0 else max(indicator.base_year, catalog.milestones[m - 1])
    )
    seen = [
        r for r in observed.records if r.key == indicator.key and period_start < r.year <= milestone
    ]
    left = milestone - period_start - len(seen)
    if not seen or left <= 0:
        return requirement(indicator, from_year, from_value, milestone, target, op)
    achieved = math.prod(1 + r.value / 100.0 for r in seen)
    needed = ((1 + target / 100.0) ** (milestone - period_start) / achieved) ** (1 / left) - 1
    return Requirement(indicator, from_year, milestone, from_value, op, target, needed, math.nan)


def _note(now: Requirement, from_base: Requirement, observed: bool) -> str:
    if not observed:
        return "no observation: measured from the base year"
    if math.isnan(now.cagr):
        return f"latest observation {now.from_year}; no rate can be computed"
    if now.indicator.kind is Kind.GROWTH_RATE:
        return (
            f"needs {now.cagr:.2%} a year over the rest of the period "
            f"for an average of {from_base.cagr:.2%}"
        )
    against = (
        ""
        if math.isnan(from_base.cagr)
        else f", against {from_base.cagr:.2%} from {from_base.from_year}"
    )
    return f"needs {now.cagr:.2%} a year from {now.from_year}{against}"


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
    start = indicator.base_year if m == 0 else max(indicator.base_year, catalog.milestones[m - 1])
    seen = (
        set() if observed is None else {r.year for r in observed.records if r.key == indicator.key}
    )
    free = [year for year in range(start + 1, milestone + 1) if year not in seen]
    if not free:
        return []
    needed = _remaining(catalog, observed, i, m, start, math.nan) if observed is not None else None
    rate = needed.cagr if needed is not None else catalog.target_value[i, m] / 100.0
    spans: list[tuple[int, int]] = []
    for year in free:
        if spans and spans[-1][1] == year - 1:
            spans[-1] = (spans[-1][0], year)
        else:
            spans.append((year, year))
    return [f"{a}-{b}: {float(rate)!r}" if a != b else f"{a}: {float(rate)!r}" for a, b in spans]
