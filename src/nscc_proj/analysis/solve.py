"""Goal seek: the growth of one assumption that makes a target land exactly.

Where the required rate has no closed form (a linked indicator, a shocked
path, observed anchors), it is found numerically: SciPy's Brent method on the
gap between the projected value and the target's threshold, projecting the
whole scenario at each trial so every link, shock and anchor is honoured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nscc_proj.analysis.projection import project
from nscc_proj.core.engine import Mode
from nscc_proj.errors import InputError, NoSolution
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.quantities import Period, parse_period
from nscc_proj.inputs.scenario import (
    ChangeSpec,
    PerLinkSpec,
    RateOfSpec,
    RatioLinkSpec,
    RealSpec,
    Scenario,
    scenario_from_dict,
)
from nscc_proj.table import Table, plain_row

# Search brackets: rates as fractions a year; changes in multiples of the base value.
RATE_BRACKET = (-0.9, 1.0)
CHANGE_SPAN = 10.0


@dataclass(frozen=True)
class GoalSeek:
    scenario: str
    target_key: str
    milestone: int
    target_op: str
    target_value: float
    vary_key: str
    period: Period
    form: str  # "rate", "change", "real", "ratio", "count"
    solution: float
    projected: float
    met: bool
    scenario_value: float  # the scenario's own average over the period (geometric for rates)
    scenario_projected: float


def parse_target(text: str, catalog: Catalog) -> tuple[str, int]:
    """``budget_revenue:2035`` into a key and a milestone."""
    key, colon, year = text.partition(":")
    if not colon:
        raise InputError(
            f"give the target as KEY:YEAR, e.g. gdp:2035, got {text!r}", field="target"
        )
    if key not in catalog.index or key not in catalog.keys:
        catalog[key]  # raises with a suggestion
        raise InputError(f"'{key}' is a context series and has no targets", field="target")
    if not year.isdigit() or int(year) not in catalog.milestones:
        milestones = ", ".join(map(str, catalog.milestones))
        raise InputError(
            f"give the target as KEY:YEAR with a milestone ({milestones}), got {text!r}",
            field="target",
        )
    return key, int(year)


def parse_vary(text: str, catalog: Catalog) -> tuple[str, Period]:
    """``gdp:2026-2035`` into a key and a period."""
    key, colon, span = text.partition(":")
    if not colon:
        raise InputError(
            f"give the assumption as KEY:PERIOD, e.g. gdp:2026-2035, got {text!r}", field="vary"
        )
    catalog[key]
    try:
        period = parse_period(span)
    except ValueError as exc:
        raise InputError(
            f"give the assumption as KEY:PERIOD, e.g. gdp:2026-2035 ({exc})", field="vary"
        ) from None
    series = catalog[key]
    if period.start <= series.base_year or period.end > catalog.years[-1]:
        raise InputError(
            f"period {period} lies outside {series.base_year + 1}-{catalog.years[-1]}",
            field="vary",
        )
    return key, period


def solve(
    catalog: Catalog,
    scenario: Scenario,
    target: tuple[str, int],
    vary: tuple[str, Period],
    observed: Observations | None = None,
) -> GoalSeek:
    """The value of ``vary``'s yearly growth over its period that meets ``target`` exactly."""
    from scipy.optimize import brentq

    key, milestone = target
    vary_key, period = vary
    index, m = catalog.index[key], catalog.milestones.index(milestone)
    form, wrap = _variation(catalog, scenario, vary_key, period)
    threshold = _threshold(catalog, index, m)

    def projected(x: float) -> float:
        variant = scenario_from_dict(
            {"name": scenario.name, "growth": {vary_key: wrap(x)}}, scenario
        )
        result = project(catalog, [variant], observed)
        if catalog.indicators[index].kind is Kind.GROWTH_RATE:
            return float(result.assessment.projected[0, index, m])
        # The path itself, not its whole-number reading: a count or rank lands exactly on
        # the threshold (which rounds to itself) instead of anywhere in its rounding step.
        return float(result.paths[0, index, milestone - int(catalog.years[0])])

    def gap(x: float) -> float:
        return projected(x) - threshold

    latest = None if observed is None else observed.latest(vary_key)
    if latest is not None and period.end <= latest.year:
        raise InputError(
            f"the observations fix {vary_key} up to {latest.year}: vary a later period "
            "(or run without observations)",
            field="vary",
        )
    low, high = _bracket(catalog, vary_key, form)
    at_low, at_high = gap(low), gap(high)
    if math.isnan(at_low) or math.isnan(at_high):
        raise InputError(f"{key} {milestone} cannot be projected under scenario {scenario.name}")
    if abs(at_low - at_high) <= 1e-9 * max(abs(at_low), abs(threshold), 1.0):
        raise InputError(
            f"{key} {milestone} does not depend on {vary_key} in scenario {scenario.name}: "
            f"link it (e.g. {{ratio_to: {vary_key}}}) or vary {key} itself"
        )
    if (at_low > 0) == (at_high > 0):
        where = "meets" if _meets(catalog, index, m, projected(low)) else "misses"
        raise NoSolution(
            f"{key} {milestone} {where} its target for every {form} of {vary_key} "
            f"from {low:g} to {high:g} a year in {period}"
        )
    solution = brentq(gap, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    reached = projected(solution)
    base_run = project(catalog, [scenario], observed)
    return GoalSeek(
        scenario=scenario.name,
        target_key=key,
        milestone=milestone,
        target_op=str(catalog.target_op[index, m]),
        target_value=float(catalog.target_value[index, m]),
        vary_key=vary_key,
        period=period,
        form=form,
        solution=float(solution),
        projected=reached,
        met=_meets(catalog, index, m, reached),
        scenario_value=_scenario_mean_step(catalog, scenario, vary_key, period, form),
        scenario_projected=float(base_run.assessment.projected[0, index, m]),
    )


def _threshold(catalog: Catalog, index: int, m: int) -> float:
    """The edge of the acceptable interval: the value a path must reach."""
    low, high = catalog.acceptable_low[index, m], catalog.acceptable_high[index, m]
    return float(low if math.isfinite(low) else high)


def _meets(catalog: Catalog, index: int, m: int, value: float) -> bool:
    from nscc_proj.core.assess import within_target

    return bool(
        within_target(
            np.array(value),
            catalog.acceptable_low[index, m],
            catalog.acceptable_high[index, m],
            catalog.target_value[index, m],
        )
    )


def _variation(catalog: Catalog, scenario: Scenario, key: str, period: Period) -> tuple[str, Any]:
    """How to override ``key`` over ``period`` in the form the scenario already uses."""
    spec = next(
        (layer.growth[key] for layer in reversed(scenario.chain()) if key in layer.growth), None
    )
    periods = str(period)
    if isinstance(spec, RateOfSpec):
        raise InputError(
            f"'{key}' is read off {spec.rate_of}: vary {spec.rate_of} instead", field="vary"
        )
    if isinstance(spec, RealSpec):
        return "real", lambda x: {"real": {periods: x}}
    if isinstance(spec, RatioLinkSpec | PerLinkSpec):
        inner_name = "ratio" if isinstance(spec, RatioLinkSpec) else "count"
        inner = spec.ratio if isinstance(spec, RatioLinkSpec) else spec.count
        link = spec.model_dump(include={"ratio_to", "share_of", "per"}, exclude_none=True)
        if isinstance(inner, ChangeSpec):
            return f"{inner_name} change", lambda x: {**link, inner_name: {"change": {periods: x}}}
        return inner_name, lambda x: {**link, inner_name: {periods: x}}
    if isinstance(spec, ChangeSpec) or (spec is None and catalog[key].kind is Kind.RANK):
        return "change", lambda x: {"change": {periods: x}}
    return "rate", lambda x: {periods: x}


def _bracket(catalog: Catalog, key: str, form: str) -> tuple[float, float]:
    if "change" in form:
        scale = max(abs(catalog[key].base_value or 1.0), 1.0)
        return -CHANGE_SPAN * scale, CHANGE_SPAN * scale
    return RATE_BRACKET


def _scenario_mean_step(
    catalog: Catalog, scenario: Scenario, key: str, period: Period, form: str
) -> float:
    """The scenario's own average over the period, in the terms the solution is given in."""
    from nscc_proj.analysis.rates import compile_scenarios, deflator_steps

    arrays = compile_scenarios(catalog, [scenario])
    first = int(catalog.years[0])
    span = slice(period.start - first - 1, period.end - first)
    steps = arrays.growth[0, catalog.index[key], span]
    if form == "real":  # compiled steps are nominal: take the deflator back out
        steps = (1.0 + steps) / (1.0 + deflator_steps(catalog, scenario)[span]) - 1.0
    if catalog[key].kind is Kind.GROWTH_RATE:
        steps = steps / 100.0
    if arrays.mode[0, catalog.index[key]] == Mode.ADDITIVE:
        return float(np.mean(steps))
    return float(np.prod(1.0 + steps) ** (1.0 / len(steps)) - 1.0)


GOAL_SEEK_COLUMNS = (
    "scenario",
    "target_key",
    "milestone",
    "target_op",
    "target_value",
    "vary_key",
    "period",
    "form",
    "solution",
    "projected_value",
    "met",
    "scenario_value",
    "scenario_projected_value",
)


def goal_seek_table(result: GoalSeek) -> Table:
    """The result as a one-row table (rates as fractions, like every export)."""
    row = (
        result.scenario,
        result.target_key,
        result.milestone,
        result.target_op,
        result.target_value,
        result.vary_key,
        str(result.period),
        result.form,
        result.solution,
        result.projected,
        result.met,
        result.scenario_value,
        result.scenario_projected,
    )
    return Table(GOAL_SEEK_COLUMNS, (plain_row(row),))
