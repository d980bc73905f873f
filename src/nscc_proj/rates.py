"""Scenarios compiled against a catalog into the engine's arrays.

This is the only module that knows the shapes a scenario file may take; the
engine downstream sees nothing but numbers and a mode per indicator.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nscc_proj.catalog import INDICATOR_HINT, Catalog, Indicator, Kind, unknown_name_message
from nscc_proj.engine import Mode
from nscc_proj.scenario import ChangeSpec, Period, Scenario


@dataclass(frozen=True)
class ScenarioArrays:
    """Growth for S scenarios: ``growth`` is S x I x T, ``mode`` is S x I.

    Step ``t`` moves an indicator from ``years[t]`` to ``years[t + 1]``.
    Compound steps are fractions, additive steps are in the indicator's
    units, and direct steps (growth_rate indicators) are that year's rate in
    percent, the unit the table states growth-rate targets in.
    """

    names: tuple[str, ...]
    growth: np.ndarray
    mode: np.ndarray


def compile_scenarios(catalog: Catalog, scenarios: Sequence[Scenario]) -> ScenarioArrays:
    names = [scenario.name for scenario in scenarios]
    for position, scenario in enumerate(scenarios):
        if scenario.name in names[:position]:
            raise scenario.error(
                ("name",), f"scenario name {scenario.name!r} is used twice in this run"
            )
    steps = len(catalog.years) - 1
    growth = np.zeros((len(scenarios), len(catalog), steps))
    mode = np.zeros((len(scenarios), len(catalog)), dtype=np.int8)
    for s, scenario in enumerate(scenarios):
        for key in scenario.growth:
            if key not in catalog.index:
                raise scenario.error(
                    ("growth", key),
                    unknown_name_message("indicator", key, catalog.keys, INDICATOR_HINT),
                )
        for i, indicator in enumerate(catalog.indicators):
            growth[s, i], mode[s, i] = _indicator_steps(catalog, scenario, indicator)
    return ScenarioArrays(names=tuple(names), growth=growth, mode=mode)


def _indicator_steps(
    catalog: Catalog, scenario: Scenario, indicator: Indicator
) -> tuple[np.ndarray, int]:
    first_year = int(catalog.years[0])
    step_years = catalog.years[1:]
    spec = scenario.growth.get(indicator.key, scenario.default)
    location: tuple[object, ...] = (
        ("growth", indicator.key) if indicator.key in scenario.growth else ("default",)
    )
    if isinstance(spec, ChangeSpec):
        location = (*location, "change")
        if indicator.kind is Kind.GROWTH_RATE:
            raise scenario.error(
                location,
                f"'{indicator.key}' is a growth_rate indicator: give the yearly rate itself "
                "(0.06 or '6%'), not a change",
            )
        mode = Mode.ADDITIVE
        per_period = spec.change if isinstance(spec.change, dict) else None
        uncovered = 0.0 if per_period is not None else float(spec.change)  # type: ignore[arg-type]
    else:
        if indicator.kind is Kind.RANK:
            if indicator.key not in scenario.growth:
                return np.zeros(len(step_years)), Mode.ADDITIVE
            raise scenario.error(
                location,
                f"'{indicator.key}' is a rank, which moves by places, not by a growth rate: "
                "write {change: -0.5} for half a place better a year",
            )
        mode = Mode.DIRECT if indicator.kind is Kind.GROWTH_RATE else Mode.COMPOUND
        per_period = spec if isinstance(spec, dict) else None
        uncovered = scenario.default if per_period is not None else float(spec)  # type: ignore[arg-type]
    steps = np.full(len(step_years), uncovered, dtype=float)
    if per_period is not None:
        _check_periods(scenario, location, indicator, per_period, int(step_years[-1]))
        for period, value in per_period.items():
            steps[period.start - first_year - 1 : period.end - first_year] = value
    if mode is Mode.DIRECT:
        steps = steps * 100.0
    return steps, mode


def _check_periods(
    scenario: Scenario,
    location: tuple[object, ...],
    indicator: Indicator,
    periods: dict[Period, float],
    last_year: int,
) -> None:
    ordered = sorted(periods)
    for period in ordered:
        if period.start <= indicator.base_year or period.end > last_year:
            raise scenario.error(
                (*location, str(period)),
                f"period {period} lies outside {indicator.base_year + 1}-{last_year} (after "
                f"'{indicator.key}' base year {indicator.base_year}, up to the last milestone)",
            )
    for earlier, later in itertools.pairwise(ordered):
        if earlier.overlaps(later):
            raise scenario.error(
                (*location, str(later)), f"period {later} overlaps period {earlier}"
            )
