"""Scenarios compiled against a catalog into the engine's arrays.

This is the only module that knows the shapes a scenario file may take; the
engine downstream sees nothing but numbers, a mode and a link per series.

Layering: a scenario that ``extends`` another is compiled root first. An
indicator's entry in a child replaces the parent's when its form differs (a
rate against a change, a different link); otherwise the child's periods are
laid over the parent's, year by year. Within one entry, a period nested in a
wider one wins over it (``{2021-2025: 0.06, 2022: -0.02}``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nscc_proj.core.engine import Link, Mode
from nscc_proj.inputs.catalog import INDICATOR_HINT, Catalog, Indicator, Kind, unknown_name_message
from nscc_proj.inputs.quantities import Period, parse_change, parse_rate
from nscc_proj.inputs.scenario import (
    ChangeSpec,
    PerLinkSpec,
    RateOfSpec,
    RatioLinkSpec,
    RealSpec,
    Scenario,
)
from nscc_proj.inputs.scenario_blocks import Shock

Location = tuple[object, ...]
# (period or None for every year, value) in the order they are laid down.
Assignments = list[tuple[Period | None, float]]


@dataclass(frozen=True)
class ScenarioArrays:
    """S scenarios over N series (indicators, then context series).

    ``growth`` (S, N, T): step ``t`` moves a series from ``years[t]`` to
    ``years[t + 1]``; compound steps are fractions, additive steps are in the
    series' units, direct steps (growth-rate indicators) are that year's rate
    in percent. For a linked series the steps move its ratio (in %) or its
    count. ``shift`` (S, N, Y) holds shock factors (compound) or offsets
    (additive). ``basis`` names how each series was specified.
    """

    names: tuple[str, ...]
    growth: np.ndarray
    mode: np.ndarray
    link: np.ndarray
    driver: np.ndarray
    shift: np.ndarray
    basis: tuple[tuple[str, ...], ...]


@dataclass
class _Entry:
    """One series' specification after layering."""

    form: tuple[str, ...]  # ("rate",), ("change",), ("real",), ("ratio_to", "gdp", "rate"), ...
    steps: np.ndarray  # (T,); real rates for ("real",), NaN where no period covers
    scenario: Scenario  # the layer that set it, for error locations
    location: Location


def compile_scenarios(catalog: Catalog, scenarios: Sequence[Scenario]) -> ScenarioArrays:
    """Every scenario's steps, modes, links and shocks on the catalog's series and years.

    All validation that needs the catalog happens here (unknown keys, periods
    outside a row's years, forms a kind does not take), located in the file
    that wrote the offending entry.
    """
    names = [scenario.name for scenario in scenarios]
    for position, scenario in enumerate(scenarios):
        if scenario.name in names[:position]:
            raise scenario.error(
                ("name",), f"scenario name {scenario.name!r} is used twice in this run"
            )
    compiled = [_compile_one(catalog, scenario) for scenario in scenarios]
    return ScenarioArrays(
        names=tuple(names),
        growth=np.stack([c[0] for c in compiled]),
        mode=np.stack([c[1] for c in compiled]),
        link=np.stack([c[2] for c in compiled]),
        driver=np.stack([c[3] for c in compiled]),
        shift=np.stack([c[4] for c in compiled]),
        basis=tuple(c[5] for c in compiled),
    )


def _compile_one(
    catalog: Catalog, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    chain = scenario.chain()
    for layer in chain:
        for key in layer.growth:
            _series_index(catalog, layer, ("growth", key), key)
    deflator = deflator_steps(catalog, scenario)
    n_series, n_steps = len(catalog.series), len(catalog.years) - 1
    growth = np.zeros((n_series, n_steps))
    mode = np.zeros(n_series, dtype=np.int8)
    link = np.zeros(n_series, dtype=np.int8)
    driver = np.full(n_series, -1, dtype=np.int64)
    basis: list[str] = []
    for n, series in enumerate(catalog.series):
        entry = _layered_entry(catalog, chain, series)
        growth[n], mode[n], link[n], driver[n] = _to_arrays(
            catalog, scenario, series, entry, deflator
        )
        basis.append(_basis(entry.form))
    _check_cycles(catalog, chain, link, driver)
    shift = _shock_shift(catalog, scenario, mode, link)
    return growth, mode, link, driver, shift, tuple(basis)


def _series_index(catalog: Catalog, scenario: Scenario, location: Location, key: str) -> int:
    if key not in catalog.index:
        message = unknown_name_message("indicator", key, catalog.series_keys, INDICATOR_HINT)
        if not catalog.context and catalog.folder is not None:
            # The usual cause: a table copied without the context.csv of its context series.
            message += f"; no context.csv beside {catalog.source}, where context series live"
        raise scenario.error(location, message)
    return catalog.index[key]


def _layered_entry(catalog: Catalog, chain: list[Scenario], series: Indicator) -> _Entry:
    root = chain[-1]
    default = root.inherited("default")
    n_steps = len(catalog.years) - 1
    form: tuple[str, ...] = ("change",) if series.kind is Kind.RANK else ("rate",)
    initial = 0.0 if series.kind is Kind.RANK else default
    entry = _Entry(form, np.full(n_steps, initial), root, ("default",))
    inherited = False
    for layer in chain:
        spec = layer.growth.get(series.key)
        if spec is None:
            continue
        location: Location = ("growth", series.key)
        form, assignments, location = _read_spec(spec, location)
        if form != entry.form:
            partial = any(period is not None for period, _ in assignments)
            if inherited and partial:
                # Periods in another form would silently drop the parent's other years.
                raise layer.error(
                    location,
                    f"the parent gives '{series.key}' as {_basis(entry.form)}: override some "
                    f"years in the same form ({_example(entry.form)}), or give one value for "
                    "every year to replace it",
                )
            entry = _Entry(form, np.full(n_steps, _uncovered(form, default)), layer, location)
        inherited = True
        entry.scenario, entry.location = layer, location
        _lay_down(catalog, layer, location, series.base_year, series.key, assignments, entry.steps)
    return entry


def _example(form: tuple[str, ...]) -> str:
    return {
        "real": "{real: {2027: 0.02}}",
        "change": "{change: {2027: 0.5}}",
        "rate": "{2027: 0.02}",
    }.get(form[0], f"{{{form[0]}: {form[1] if len(form) > 1 else ''}, ...}}")


def _uncovered(form: tuple[str, ...], default: float) -> float:
    """The step of a year no period covers: the default rate for a plain rate;
    nothing for a change or a link's ratio or count (they hold); NaN for real
    growth, which takes the default as nominal growth later."""
    return {"rate": default, "real": np.nan}.get(form[0], 0.0)


def _read_spec(spec: Any, location: Location) -> tuple[tuple[str, ...], Assignments, Location]:
    """The form of one growth entry and the (period, value) pairs it sets."""
    if isinstance(spec, RealSpec):
        return ("real",), _assignments(spec.real), (*location, "real")
    if isinstance(spec, RatioLinkSpec):
        key = "ratio_to" if spec.ratio_to is not None else "share_of"
        inner, assignments, _ = _read_spec(spec.ratio, (*location, "ratio"))
        return (key, spec.driver, inner[0]), assignments, location
    if isinstance(spec, PerLinkSpec):
        inner, assignments, _ = _read_spec(spec.count, (*location, "count"))
        return ("per", spec.driver, inner[0]), assignments, location
    if isinstance(spec, RateOfSpec):
        return ("rate_of", spec.driver), [], location
    if isinstance(spec, ChangeSpec):
        return ("change",), _assignments(spec.change), (*location, "change")
    return ("rate",), _assignments(spec), location


def _assignments(values: float | dict[Period, float]) -> Assignments:
    if isinstance(values, dict):
        # Wider periods first, so a period nested inside another overrides it.
        ordered = sorted(values.items(), key=lambda item: -item[0].years)
        return [(period, value) for period, value in ordered]
    return [(None, float(values))]


def _lay_down(
    catalog: Catalog,
    scenario: Scenario,
    location: Location,
    base_year: int,
    key: str,
    assignments: Assignments,
    steps: np.ndarray,
) -> None:
    """Write each (period, value) into ``steps`` after checking the periods."""
    first_year, last_year = int(catalog.years[0]), int(catalog.years[-1])
    periods = [period for period, _ in assignments if period is not None]
    for checked in periods:
        if checked.start <= base_year or checked.end > last_year:
            raise scenario.error(
                (*location, str(checked)),
                f"period {checked} lies outside {base_year + 1}-{last_year} (after "
                f"'{key}' base year {base_year}, up to the last milestone)",
            )
    for earlier, later in itertools.combinations(sorted(periods), 2):
        if earlier.overlaps(later) and not (earlier.contains(later) or later.contains(earlier)):
            raise scenario.error(
                (*location, str(later)),
                f"period {later} overlaps period {earlier} without lying inside it",
            )
    for period, value in assignments:
        if period is None:
            steps[:] = value
        else:
            steps[period.start - first_year - 1 : period.end - first_year] = value


def _to_arrays(
    catalog: Catalog, scenario: Scenario, series: Indicator, entry: _Entry, deflator: np.ndarray
) -> tuple[np.ndarray, Mode, Link, int]:
    _check_form(series, entry)
    form = entry.form
    if form[0] == "rate":
        direct = series.kind is Kind.GROWTH_RATE
        return (
            (entry.steps * 100.0, Mode.DIRECT, Link.NONE, -1)
            if direct
            else (entry.steps, Mode.COMPOUND, Link.NONE, -1)
        )
    if form[0] == "change":
        return entry.steps, Mode.ADDITIVE, Link.NONE, -1
    if form[0] == "real":
        return _nominal(entry, scenario, deflator), Mode.COMPOUND, Link.NONE, -1
    driver = _series_index(catalog, entry.scenario, (*entry.location, form[0]), form[1])
    _check_driver(series, entry, catalog.series[driver])
    if form[0] == "rate_of":
        return np.zeros_like(entry.steps), Mode.DIRECT, Link.RATE_OF, driver
    link = Link.PER if form[0] == "per" else Link.RATIO
    mode = Mode.ADDITIVE if form[2] == "change" else Mode.COMPOUND
    return entry.steps, mode, link, driver


def _check_form(series: Indicator, entry: _Entry) -> None:
    """Each kind of indicator accepts only the forms that make sense for it."""
    kind, form = series.kind, entry.form[0]
    message = None
    if kind is Kind.RANK and form != "change":
        message = (
            f"'{series.key}' is a rank, which moves by places, not by a growth rate: "
            "write {change: -0.5} for half a place better a year"
        )
    elif kind is Kind.GROWTH_RATE and form not in ("rate", "rate_of"):
        message = (
            f"'{series.key}' is a growth_rate indicator: give the yearly rate itself "
            "(0.06 or '6%') or {rate_of: LEVEL}, not a change, real growth or a ratio"
        )
    elif form == "rate_of" and kind is not Kind.GROWTH_RATE:
        message = f"rate_of defines a growth_rate indicator; '{series.key}' is a {kind}"
    elif form == "real" and kind not in (Kind.LEVEL, Kind.COUNT):
        message = f"real growth applies to money levels; '{series.key}' is a {kind}"
    if message is not None:
        raise entry.scenario.error(entry.location, message)


def _check_driver(series: Indicator, entry: _Entry, driving: Indicator) -> None:
    if driving.key == series.key:
        message = f"'{series.key}' cannot be linked to itself"
    elif entry.form[0] == "rate_of" and driving.kind not in (Kind.LEVEL, Kind.COUNT):
        message = f"rate_of reads the growth of a level; '{driving.key}' is a {driving.kind}"
    elif driving.kind in (Kind.GROWTH_RATE, Kind.RANK):
        message = f"'{driving.key}' is a {driving.kind}; link to a level instead"
    else:
        return
    raise entry.scenario.error((*entry.location, entry.form[0]), message)


def _nominal(entry: _Entry, scenario: Scenario, deflator: np.ndarray) -> np.ndarray:
    """Nominal = (1 + real)(1 + deflator) - 1 where real growth is given; else the default."""
    real = entry.steps
    given = ~np.isnan(real)
    missing = given & np.isnan(deflator)
    if missing.any():
        raise entry.scenario.error(
            entry.location, "real growth needs a deflator for every year it covers: add `deflator:`"
        )
    default = scenario.inherited("default")
    with np.errstate(invalid="ignore"):
        return np.where(given, (1.0 + real) * (1.0 + deflator) - 1.0, default)


def deflator_steps(catalog: Catalog, scenario: Scenario) -> np.ndarray:
    """(T,) the scenario's yearly deflator, NaN where it sets none."""
    steps = np.full(len(catalog.years) - 1, np.nan)
    owner = next(
        (node for node in reversed(scenario.chain()) if "deflator" in node.model_fields_set), None
    )
    if owner is None or owner.deflator is None:
        return steps
    first_year = int(catalog.years[0])
    assignments = _assignments(owner.deflator)
    _lay_down(catalog, owner, ("deflator",), first_year, "deflator", assignments, steps)
    return steps


def _basis(form: tuple[str, ...]) -> str:
    if form[0] in ("ratio_to", "share_of", "per", "rate_of"):
        return f"{form[0]}:{form[1]}"
    return {"real": "real+deflator"}.get(form[0], form[0])


def _check_cycles(
    catalog: Catalog, chain: list[Scenario], link: np.ndarray, driver: np.ndarray
) -> None:
    for start in np.flatnonzero(link != Link.NONE):
        seen = [int(start)]
        node = int(driver[start])
        while node >= 0 and link[node] != Link.NONE:
            if node in seen:
                loop = " → ".join(catalog.series[i].key for i in [*seen[seen.index(node) :], node])
                key = catalog.series[node].key
                owner = next((s for s in reversed(chain) if key in s.growth), chain[-1])
                raise owner.error(("growth", key), f"links run in a circle: {loop}")
            seen.append(node)
            node = int(driver[node])


def _shock_shift(
    catalog: Catalog, scenario: Scenario, mode: np.ndarray, link: np.ndarray
) -> np.ndarray:
    """(N, Y) factors (compound series) or offsets (additive series) of every shock."""
    additive = mode == Mode.ADDITIVE
    shift = np.where(additive[:, None], 0.0, np.ones((len(mode), len(catalog.years))))
    owner = next(
        (node for node in reversed(scenario.chain()) if "shocks" in node.model_fields_set), scenario
    )
    for number, shock in enumerate(owner.shocks or []):
        weight = _shock_weight(catalog, owner, number, shock)
        for key, size in shock.change.items():
            location: Location = ("shocks", number, "change", key)
            n = _series_index(catalog, owner, location, key)
            series = catalog.series[n]
            if shock.year <= series.base_year:
                raise owner.error(
                    ("shocks", number, "year"), f"year {shock.year} is not after '{key}' base year"
                )
            if mode[n] == Mode.DIRECT or link[n] == Link.RATE_OF:
                raise owner.error(
                    location, f"'{key}' is a growth rate: shock the level it is read off instead"
                )
            try:
                amount = parse_change(size) if additive[n] else parse_rate(size)
            except ValueError as exc:
                raise owner.error(location, str(exc)) from None
            if additive[n]:
                shift[n] += amount * weight
            else:
                shift[n] *= (1.0 + amount) ** weight
    return shift


def _shock_weight(catalog: Catalog, owner: Scenario, number: int, shock: Shock) -> np.ndarray:
    """1 from the shock year on, falling linearly to 0 over ``recover_years`` if given.

    With recovery the path is back on its pre-shock trajectory exactly
    ``recover_years`` after the shock (billionaiRe's dip and recover).
    """
    years = catalog.years
    if not years[0] < shock.year <= years[-1]:
        raise owner.error(
            ("shocks", number, "year"), f"year {shock.year} lies outside {years[0] + 1}-{years[-1]}"
        )
    elapsed = (years - shock.year).astype(float)
    weight = np.where(elapsed >= 0, 1.0, 0.0)
    if shock.recover_years is not None:
        weight = np.where(elapsed >= 0, np.clip(1.0 - elapsed / shock.recover_years, 0.0, 1.0), 0.0)
    return weight
