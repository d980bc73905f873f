"""Checking scenario files without running them: errors, and warnings for the implausible.

An error is anything ``nscc project`` would reject. A warning is a value
that parses but is probably not what was meant: a share growing 30 % a year,
a rate of 0.6 (60 %) where "0.6%" was likely intended.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nscc_proj.catalog import Catalog, Kind
from nscc_proj.errors import InputError
from nscc_proj.rates import compile_scenarios
from nscc_proj.scenario import (
    ChangeSpec,
    PerLinkSpec,
    RatioLinkSpec,
    RealSpec,
    Scenario,
    load_scenario,
)

# Thresholds of plausibility, per year.
FAST_GROWTH = 0.30  # any compound rate beyond +30 % or below -30 % a year
FAST_SHARE_CHANGE = 5.0  # percentage points a year for shares and rates


@dataclass(frozen=True)
class Finding:
    source: str
    line: int | None
    field: str
    message: str
    error: bool

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        kind = "error" if self.error else "warning"
        return f"{where}: {self.field + ': ' if self.field else ''}{kind}: {self.message}"


def validate_files(paths: list[str | Path], catalog: Catalog) -> list[Finding]:
    """Every file's first error, or its warnings; files are independent of each other."""
    findings: list[Finding] = []
    for path in paths:
        try:
            scenario = load_scenario(path)
            compile_scenarios(catalog, [scenario])
        except InputError as exc:
            findings.append(
                Finding(exc.source or str(path), exc.line, exc.field or "", exc.message, True)
            )
            continue
        findings.extend(warnings(scenario, catalog))
    return findings


def warnings(scenario: Scenario, catalog: Catalog) -> list[Finding]:
    """Implausible values in the scenario's own file (not in the scenarios it extends)."""
    found: list[Finding] = []

    def warn(location: tuple[object, ...], message: str) -> None:
        error = scenario.error(location, message)
        found.append(
            Finding(error.source or scenario.name, error.line, error.field or "", message, False)
        )

    for key, spec in scenario.growth.items():
        kind = catalog[key].kind
        for location, value, additive in _values(("growth", key), spec):
            if additive:
                if kind.is_percent_bounded and abs(value) > FAST_SHARE_CHANGE:
                    warn(
                        location,
                        f"a {kind} moving {value:+g} points a year leaves [0, 100] "
                        f"within {100 / abs(value):.0f} years",
                    )
                continue
            if abs(value) > FAST_GROWTH:
                hint = f'; did you mean "{value:g}%"?' if 0 < value < 1 else ""
                subject = f"a {kind}" if kind is not Kind.LEVEL else "a level"
                warn(location, f"{subject} growing {value:+.0%} a year{hint}")
    if scenario.deflator is not None:
        for location, value, _ in _values(("deflator",), scenario.deflator):
            if abs(value) > FAST_GROWTH / 3:
                warn(location, f"a deflator of {value:+.0%} a year")
    return found


def _values(
    location: tuple[object, ...], spec: object
) -> list[tuple[tuple[object, ...], float, bool]]:
    """(location, value, additive) for every number an entry sets."""
    if isinstance(spec, RealSpec):
        return _values((*location, "real"), spec.real)
    if isinstance(spec, RatioLinkSpec):
        return _values((*location, "ratio"), spec.ratio)
    if isinstance(spec, PerLinkSpec):
        return _values((*location, "count"), spec.count)
    if isinstance(spec, ChangeSpec):
        return [(loc, value, True) for loc, value, _ in _values((*location, "change"), spec.change)]
    if isinstance(spec, dict):
        return [((*location, str(period)), float(value), False) for period, value in spec.items()]
    if isinstance(spec, int | float):
        return [(location, float(spec), False)]
    return []
