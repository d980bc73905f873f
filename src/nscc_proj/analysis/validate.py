"""Checking scenario files without running them: errors, and warnings for the implausible.

An error is anything ``nscc project`` would reject. A warning is a value
that parses but is probably not what was meant: a share growing 30 % a year,
a rate of 0.6 (60 %) where "0.6%" was likely intended.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nscc_proj.analysis.rates import compile_scenarios
from nscc_proj.analysis.uncertainty import compile_volatility
from nscc_proj.core.engine import Mode
from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import (
    ChangeSpec,
    PerLinkSpec,
    RatioLinkSpec,
    RealSpec,
    Scenario,
    load_scenario,
)

# Thresholds of plausibility, per year.
FAST_GROWTH = 0.30  # any compound rate beyond +30 % or below -30 % a year


@dataclass(frozen=True)
class Finding:
    source: str
    line: int | None
    field: str
    message: str
    error: bool

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        field = f"{self.field}: " if self.field else ""
        # Errors read file:line: field: message; warnings say that they are one.
        return f"{where}: {field}{'' if self.error else 'warning: '}{self.message}"


def validate_files(
    paths: list[str | Path], catalog: Catalog, observed: Observations | None = None
) -> list[Finding]:
    """Every file's first error, or its warnings; files are independent of each other."""
    findings: list[Finding] = []
    for path in paths:
        try:
            scenario = load_scenario(path)
            arrays = compile_scenarios(catalog, [scenario])
            compile_volatility(catalog, scenario, arrays.mode[0], arrays.link[0])
        except InputError as exc:
            findings.append(
                Finding(exc.source or str(path), exc.line, exc.field or "", exc.message, True)
            )
            continue
        findings.extend(warnings(scenario, catalog, observed))
    return findings


def warnings(
    scenario: Scenario, catalog: Catalog, observed: Observations | None = None
) -> list[Finding]:
    """Implausible values in the scenario's own file (not in the scenarios it extends)."""
    found: list[Finding] = []
    horizon = int(catalog.years[-1] - catalog.years[0])

    def warn(location: tuple[object, ...], message: str) -> None:
        error = scenario.error(location, message)
        found.append(
            Finding(error.source or scenario.name, error.line, error.field or "", message, False)
        )

    for key, spec in scenario.growth.items():
        kind = catalog[key].kind
        for location, value, additive, years in _values(("growth", key), spec, horizon):
            if additive:
                start = catalog[key].base_value
                end = (50.0 if start is None else start) + value * years
                if kind.is_percent_bounded and not 0 <= end <= 100:
                    warn(
                        location,
                        f"a {kind} moving {value:+g} points a year for {years} years "
                        "would leave [0, 100]",
                    )
                continue
            if abs(value) >= FAST_GROWTH:
                bare = not str(scenario.written(location)).strip().endswith("%")
                hint = f'; did you mean "{value:g}%"?' if bare and 0 < value < 1 else ""
                subject = f"a {kind}" if kind is not Kind.LEVEL else "a level"
                warn(location, f"{subject} growing {value:+.0%} a year{hint}")
        if isinstance(spec, RealSpec) and isinstance(spec.real, dict):
            covered = sum(period.years for period in spec.real)
            after_base = int(catalog.years[-1]) - catalog[key].base_year
            if covered < after_base:
                warn(
                    ("growth", key, "real"),
                    f"real growth covers {covered} of {after_base} years; the others take "
                    f"`default` ({scenario.inherited('default'):g}) as nominal growth",
                )
    if scenario.deflator is not None:
        for location, value, _, _ in _values(("deflator",), scenario.deflator, horizon):
            if abs(value) > FAST_GROWTH / 3:
                warn(location, f"a deflator of {value:+.0%} a year")
    additive = compile_scenarios(catalog, [scenario]).mode[0] == Mode.ADDITIVE
    for number, shock in enumerate(scenario.shocks or []):
        for key, size in shock.change.items():
            amount = _number(size)
            # Sizes of additive series are in their own units, not fractions.
            if (
                amount is not None
                and abs(amount) > FAST_GROWTH
                and not additive[catalog.index[key]]
            ):
                warn(("shocks", number, "change", key), f"a one-off change of {amount:+.0%}")
            latest = None if observed is None else observed.latest(key)
            if latest is not None and shock.year <= latest.year:
                warn(
                    ("shocks", number, "year"),
                    f"'{key}' is observed up to {latest.year}: the observations override a "
                    f"{shock.year} shock (run without observations to see it)",
                )
    return found


def _number(size: float | str) -> float | None:
    """A shock size as a fraction, where it reads as one."""
    text = str(size).strip()
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None


def _values(
    location: tuple[object, ...], spec: object, horizon: int
) -> list[tuple[tuple[object, ...], float, bool, int]]:
    """(location, value, additive, years it applies) for every number an entry sets."""
    if isinstance(spec, RealSpec):
        return _values((*location, "real"), spec.real, horizon)
    if isinstance(spec, RatioLinkSpec):
        return _values((*location, "ratio"), spec.ratio, horizon)
    if isinstance(spec, PerLinkSpec):
        return _values((*location, "count"), spec.count, horizon)
    if isinstance(spec, ChangeSpec):
        inner = _values((*location, "change"), spec.change, horizon)
        return [(loc, value, True, years) for loc, value, _, years in inner]
    if isinstance(spec, dict):
        return [
            ((*location, str(period)), float(value), False, period.years)
            for period, value in spec.items()
        ]
    if isinstance(spec, int | float):
        return [(location, float(spec), False, horizon)]
    return []
