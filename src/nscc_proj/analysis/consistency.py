"""Ratios the targets imply, beside their base and latest observed values.

Targets are set one by one; read together they imply ratios (revenue/GDP,
GDP per resident, finance/GDP) that may run against what was observed. The
ratios are data (``ratios.csv`` beside the indicator table), so another
city's table brings its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog, unknown_name_message
from nscc_proj.inputs.csv_source import read_csv
from nscc_proj.inputs.observed import Observations
from nscc_proj.table import Table, plain

RATIOS_FILE = "ratios.csv"
RATIO_COLUMNS = (
    "key",
    "name_zh",
    "name_en",
    "numerator",
    "operator",
    "denominator",
    "scale",
    "unit",
    "note",
)
# A ratio moving less than this a year (relative) has no direction worth flagging.
STEADY = 0.001


@dataclass(frozen=True)
class Ratio:
    key: str
    name_zh: str
    name_en: str
    numerator: str
    operator: str  # "/" or "*"
    denominator: str
    scale: float
    unit: str
    note: str

    def of(self, numerator: float, denominator: float) -> float:
        if (
            math.isnan(numerator)
            or math.isnan(denominator)
            or (self.operator == "/" and denominator == 0)
        ):
            return math.nan
        value = numerator / denominator if self.operator == "/" else numerator * denominator
        return value * self.scale


def load_ratios(path: str | Path, catalog: Catalog) -> tuple[Ratio, ...]:
    source = str(path)
    _, rows = read_csv(path, source, "ratios file", RATIO_COLUMNS)
    ratios: list[Ratio] = []
    for line, row in rows:
        cells = {name: (row.get(name) or "").strip() for name in RATIO_COLUMNS}
        if any(ratio.key == cells["key"] for ratio in ratios):
            raise InputError(
                f"duplicate key {cells['key']!r}", source=source, line=line, field="key"
            )
        for field in ("numerator", "denominator"):
            if cells[field] not in catalog.index:
                message = unknown_name_message("indicator", cells[field], catalog.series_keys)
                raise InputError(message, source=source, line=line, field=field)
        if cells["operator"] not in ("/", "*"):
            raise InputError(
                f"operator must be / or *, got {cells['operator']!r}",
                source=source,
                line=line,
                field="operator",
            )
        try:
            scale = float(cells["scale"] or 1)
        except ValueError:
            raise InputError(
                f"expected a number, got {cells['scale']!r}",
                source=source,
                line=line,
                field="scale",
            ) from None
        ratios.append(Ratio(**{**cells, "scale": scale}))  # type: ignore[arg-type]
    return tuple(ratios)


def companion_ratios_path(catalog: Catalog) -> Path | None:
    path = None if catalog.folder is None else catalog.folder / RATIOS_FILE
    return path if path is not None and path.is_file() else None


def consistency_table(
    catalog: Catalog, ratios: tuple[Ratio, ...], observed: Observations | None
) -> Table:
    """One row per ratio: base, latest observed, each milestone's implied value, and a flag.

    The flag compares the ratio's observed trend (base year to latest
    observation, a compound rate) with the change the next target implies
    from the latest observation; opposite directions are flagged.
    """
    milestones = catalog.milestones
    columns = (
        "ratio",
        "name_zh",
        "name_en",
        "unit",
        "base_year",
        "base_value",
        "latest_year",
        "latest_value",
        "latest_grade",
        *(f"implied_{m}" for m in milestones),
        "observed_trend",
        "implied_change",
        "flag",
        "trend_note",
    )
    rows = []
    for ratio in ratios:
        top, bottom = catalog[ratio.numerator], catalog[ratio.denominator]
        base_year = max(top.base_year, bottom.base_year)
        base = ratio.of(
            _base(catalog, ratio.numerator, base_year), _base(catalog, ratio.denominator, base_year)
        )
        implied = [ratio.of(_target(top, m), _target(bottom, m)) for m in milestones]
        latest_year, latest, grade = _latest(ratio, observed, catalog)
        trend = _rate(base, latest, (latest_year or 0) - base_year)
        note = None
        if observed is not None and latest_year:
            trend, note = _chained_trend(ratio, observed, catalog, base_year, latest_year, trend)
        upcoming = [
            (m, v)
            for m, v in zip(milestones, implied, strict=True)
            if latest_year and m > latest_year
        ]
        reference_year, reference = (latest_year, latest) if latest_year else (base_year, base)
        next_year, next_value = upcoming[0] if upcoming else (None, math.nan)
        if next_year is None and not latest_year:
            next_year, next_value = milestones[0], implied[0]
        change = _rate(reference, next_value, (next_year or 0) - (reference_year or 0))
        flag = _flag(ratio, trend, change, latest_year, latest, next_year, next_value, base_year)
        rows.append(
            (
                ratio.key,
                ratio.name_zh,
                ratio.name_en,
                ratio.unit,
                base_year,
                plain(base),
                latest_year,
                plain(latest),
                grade,
                *(plain(v) for v in implied),
                plain(trend),
                plain(change),
                flag,
                note,
            )
        )
    return Table(columns, tuple(rows))


def _chained_trend(
    ratio: Ratio, observed: Observations, catalog: Catalog, start: int, end: int, trend: float
) -> tuple[float, str | None]:
    """The ratio's trend with no rate computed across a statistical break.

    A term with a level revision (``break``) in ``start < year <= end`` is
    chained instead: its change up to the year before the break, times the
    growth observed in the break year (nominal where stated, else real), times
    its change after. Where the year before the break was not observed the
    trend cannot be chained and is left empty.
    """
    factors: list[float | None] = []
    notes: list[str] = []
    for key in (ratio.numerator, ratio.denominator):
        breaks = [year for year in observed.breaks(key) if start < year <= end]
        if not breaks:
            factors.append(None)
            continue
        factor, note = _chained_factor(observed, catalog, key, start, end, breaks)
        if factor is None:
            return math.nan, note
        factors.append(factor)
        notes.append(note)
    if not notes:
        return trend, None
    top, bottom = (
        f if f is not None else _plain_factor(observed, catalog, k, start, end)
        for f, k in zip(factors, (ratio.numerator, ratio.denominator), strict=True)
    )
    combined = top / bottom if ratio.operator == "/" else top * bottom
    return float(combined ** (1 / (end - start)) - 1), "; ".join(n for n in notes if n)


def _level(observed: Observations, catalog: Catalog, key: str, year: int) -> float | None:
    """A stated level: observed, or the table's base value in its base year."""
    record = observed.at(key, year)
    if record is not None:
        return record.value
    base = _base(catalog, key, year)
    return None if math.isnan(base) else base


def _plain_factor(
    observed: Observations, catalog: Catalog, key: str, start: int, end: int
) -> float:
    """A term's change from ``start`` to ``end``, from its levels."""
    first, last = _level(observed, catalog, key, start), _level(observed, catalog, key, end)
    return math.nan if first is None or last is None else last / first


def _chained_factor(
    observed: Observations, catalog: Catalog, key: str, start: int, end: int, breaks: list[int]
) -> tuple[float | None, str]:
    factor, parts = 1.0, []
    start_level = _level(observed, catalog, key, start)
    for cut in breaks:
        before = _level(observed, catalog, key, cut - 1)
        after = _level(observed, catalog, key, cut)
        growth = next(
            (r for r in observed.growth_of(key, "growth_nominal") if r.year == cut), None
        ) or next((r for r in observed.growth_of(key, "growth_real") if r.year == cut), None)
        if start_level is None or before is None or after is None or growth is None:
            return None, f"{key}: cannot chain across its {cut} revision (no level or growth)"
        factor *= before / start_level * (1 + growth.value / 100.0)
        kind = "real" if growth.measure == "growth_real" else "nominal"
        parts.append(
            f"{key} chained across its {cut} level revision with {growth.value:g} % "
            f"{kind} growth ({growth.grade})"
        )
        start_level = after
    last = _level(observed, catalog, key, end)
    if last is None or start_level is None:
        return None, f"{key}: no level in {end}"
    return factor * last / start_level, "; ".join(parts)


def _base(catalog: Catalog, key: str, year: int) -> float:
    series = catalog[key]
    return math.nan if series.base_value is None or series.base_year != year else series.base_value


def _target(series: object, milestone: int) -> float:
    targets = getattr(series, "targets", {})
    value = targets[milestone].value if milestone in targets else None
    return math.nan if value is None else float(value)


def _latest(
    ratio: Ratio, observed: Observations | None, catalog: Catalog
) -> tuple[int | None, float, str | None]:
    """The latest year both terms were observed in, the ratio then, and the weaker grade."""
    if observed is None:
        return None, math.nan, None
    top = {r.year: r for r in observed.records if r.key == ratio.numerator}
    bottom = {r.year: r for r in observed.records if r.key == ratio.denominator}
    common = sorted(top.keys() & bottom.keys())
    if not common:
        return None, math.nan, None
    year = common[-1]
    grade = max(top[year].grade, bottom[year].grade)  # "A" < "B" < "B-derived" < "C"
    return year, ratio.of(top[year].value, bottom[year].value), grade


def _rate(start: float, end: float, years: int) -> float:
    if years <= 0 or not start > 0 or not end > 0:
        return math.nan
    return float((end / start) ** (1 / years) - 1)


def _flag(
    ratio: Ratio,
    trend: float,
    change: float,
    latest_year: int | None,
    latest: float,
    next_year: int | None,
    next_value: float,
    base_year: int,
) -> str | None:
    if math.isnan(trend) or math.isnan(change) or abs(trend) < STEADY or abs(change) < STEADY:
        return None
    if (trend > 0) == (change > 0):
        return None
    moved = "rose" if trend > 0 else "fell"
    needs = "rise" if change > 0 else "fall"
    return (
        f"runs against the observed trend: {ratio.name_en} {moved} {abs(trend):.2%} a year "
        f"{base_year}-{latest_year}, the {next_year} targets need it to {needs} "
        f"{abs(change):.2%} a year from {latest:,.4g} to {next_value:,.4g} {ratio.unit}"
    )
