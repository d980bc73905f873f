"""Observed values: what happened after the base year, with where it comes from.

A long CSV beside the indicator table: ``indicator_key, year, value, source,
grade, note`` and, optionally, ``measure``, ``vintage`` and ``break``. A row
holds a *level* (``measure`` empty or ``level``: the indicator's own value) or
a *growth fact* (``growth_nominal`` or ``growth_real``: that year's growth on
the year before, in %), for levels and counts. Projections pass through every
level, and the years between two levels follow the stated nominal growth where
there is one (only what nothing pins down is interpolated); real growth pins
no nominal level but lets trends bridge a statistical break. ``vintage`` says
how final a figure is (``estimate`` for a January 预计, ``preliminary``,
``final``, the default); ``break`` marks a level revision: from that year the
series is on a new statistical basis, and no trend is computed across it.
Every value carries its source and grade so a reader can judge it (A official
page, B faithful copy or mainstream media, B-derived arithmetic on B, C
secondary copy).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import INDICATOR_HINT, Catalog, Kind, unknown_name_message
from nscc_proj.inputs.csv_source import read_csv

OBSERVED_FILE = "observed.csv"
OBSERVED_COLUMNS = ("indicator_key", "year", "value", "source", "grade", "note")
OPTIONAL_COLUMNS = ("measure", "vintage", "break")
GRADES = ("A", "B", "B-derived", "C")
# Beyond any real statistic, and far from float overflow in a projection.
MAX_VALUE = 1e15
MEASURES = ("level", "growth_nominal", "growth_real")
VINTAGES = ("estimate", "preliminary", "final")


@dataclass(frozen=True)
class Observation:
    key: str
    year: int
    value: float  # the level; for a growth fact, the growth in %
    source: str
    grade: str
    note: str
    measure: str = "level"
    vintage: str = "final"
    revision: bool = False  # a level on a new statistical basis from this year (``break``)


@dataclass(frozen=True)
class Observations:
    """Validated observations for one catalog: levels (``records``) and growth facts."""

    records: tuple[Observation, ...]
    source: str
    growth: tuple[Observation, ...] = ()

    def array(self, catalog: Catalog) -> np.ndarray:
        """(N, Y) levels the paths pass through, NaN where nothing pins the year down.

        The stated levels, and between and beside them the levels that stated
        nominal growth implies (``pinned_levels``).
        """
        values = self.stated(catalog)
        first_year = int(catalog.years[0])
        for n, series in enumerate(catalog.series):
            facts = {r.year: r.value for r in self.growth_of(series.key, "growth_nominal")}
            if not facts:
                continue
            row = values[n].copy()
            base = series.base_year - first_year
            if series.base_value is not None and 0 <= base < row.size:
                row[base] = series.base_value  # the table's base anchors the first stretch
            pinned = pinned_levels(row, first_year, facts)
            if series.base_value is not None and 0 <= base < row.size:
                pinned[base] = values[n, base]
            values[n] = pinned
        return values

    def stated(self, catalog: Catalog) -> np.ndarray:
        """(N, Y) the levels as stated in the file, NaN elsewhere."""
        values = np.full((len(catalog.series), len(catalog.years)), np.nan)
        first_year = int(catalog.years[0])
        for record in self.records:
            values[catalog.index[record.key], record.year - first_year] = record.value
        return values

    @cached_property
    def _growth_by_key(self) -> dict[str, tuple[Observation, ...]]:
        return _by_series(self.growth)

    def growth_of(self, key: str, measure: str | None = None) -> tuple[Observation, ...]:
        """The growth facts of one series (of one measure), earliest first."""
        mine = self._growth_by_key.get(key, ())
        return mine if measure is None else tuple(r for r in mine if r.measure == measure)

    def breaks(self, key: str) -> tuple[int, ...]:
        """Years from which a series' levels are on a new statistical basis."""
        return tuple(r.year for r in self.of(key) if r.revision)

    @cached_property
    def _by_key(self) -> dict[str, tuple[Observation, ...]]:
        return _by_series(self.records)

    def of(self, key: str) -> tuple[Observation, ...]:
        """The observations of one series, earliest first."""
        return self._by_key.get(key, ())

    def latest(self, key: str, until: int | None = None) -> Observation | None:
        """The latest observation of ``key`` (in or before ``until``)."""
        mine = [r for r in self.of(key) if until is None or r.year <= until]
        return mine[-1] if mine else None

    def first(self, key: str) -> Observation | None:
        mine = self.of(key)
        return mine[0] if mine else None

    def at(self, key: str, year: int) -> Observation | None:
        return next((r for r in self.of(key) if r.year == year), None)

    def until(self, year: int) -> Observations:
        """The observations of ``year`` and before: what was known as of that year."""
        return Observations(
            tuple(r for r in self.records if r.year <= year),
            self.source,
            tuple(r for r in self.growth if r.year <= year),
        )


def _by_series(records: tuple[Observation, ...]) -> dict[str, tuple[Observation, ...]]:
    """Each series' records in year order: indexed once, not scanned or sorted per call."""
    index: dict[str, list[Observation]] = {}
    for record in sorted(records, key=lambda record: record.year):
        index.setdefault(record.key, []).append(record)
    return {key: tuple(found) for key, found in index.items()}


def pinned_levels(levels: np.ndarray, first_year: int, growth: dict[int, float]) -> np.ndarray:
    """One series' levels (Y,) with the years stated nominal growth (in %, by year) pins down.

    Between two stated levels, the years with a stated growth take it and the
    others share what is left of the change equally (geometrically); a growth
    fact next to a level with no level beyond extends it (back from the first
    level, on from the last). A stretch with no growth fact is left to the
    engine's own interpolation.
    """
    out = levels.copy()
    known = np.flatnonzero(~np.isnan(out))
    if known.size == 0:
        return out
    for a, b in itertools.pairwise(known):
        years = range(a + 1, b + 1)  # the growth steps from a to b
        fixed = {t: growth[first_year + t] / 100.0 for t in years if first_year + t in growth}
        if not fixed or b - a < 2:
            continue
        free = [t for t in years if t not in fixed]
        stated = float(np.prod([1 + g for g in fixed.values()]))
        rate = (out[b] / out[a] / stated) ** (1.0 / len(free)) - 1.0 if free else math.nan
        level = out[a]
        for t in range(a + 1, b):
            level *= 1 + fixed.get(t, rate)
            out[t] = level
    t = int(known[0])
    while t > 0 and first_year + t in growth:  # back from the first level
        out[t - 1] = out[t] / (1 + growth[first_year + t] / 100.0)
        t -= 1
    t = int(known[-1])
    while t + 1 < out.size and first_year + t + 1 in growth:  # on from the last
        out[t + 1] = out[t] * (1 + growth[first_year + t + 1] / 100.0)
        t += 1
    return out


def companion_observed_path(catalog: Catalog) -> Path | None:
    """``observed.csv`` in the table's folder, if there is one."""
    if catalog.folder is None:
        return None
    path = catalog.folder / OBSERVED_FILE
    return path if path.is_file() else None


def load_observed(
    path: str | Path, catalog: Catalog, *, display: str | None = None
) -> Observations:
    source = display or str(path)
    _, rows = read_csv(path, source, "observed-values file", OBSERVED_COLUMNS)
    records: list[Observation] = []
    seen: dict[tuple[str, int, str], int] = {}
    for line, row in rows:
        if None in row:
            raise InputError("more cells than header columns", source=source, line=line)
        record = parse_row(row, line, source, catalog)
        if (record.key, record.year, record.measure) in seen:
            first_line = seen[record.key, record.year, record.measure]
            what = "" if record.measure == "level" else f" ({record.measure})"
            raise InputError(
                f"{record.key} {record.year}{what} is observed twice (first on line {first_line})",
                source=source,
                line=line,
                field="year",
            )
        seen[record.key, record.year, record.measure] = line
        records.append(record)
    levels = tuple(r for r in records if r.measure == "level")
    return Observations(levels, source, tuple(r for r in records if r.measure != "level"))


def parse_row(row: dict[str, str | None], line: int, source: str, catalog: Catalog) -> Observation:
    def fail(field: str, message: str) -> InputError:
        return InputError(message, source=source, line=line, field=field)

    cells = {name: (row.get(name) or "").strip() for name in OBSERVED_COLUMNS + OPTIONAL_COLUMNS}
    measure = cells["measure"] or "level"
    if measure not in MEASURES:
        raise fail("measure", f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    vintage = cells["vintage"] or "final"
    if vintage not in VINTAGES:
        raise fail("vintage", f"vintage must be one of {', '.join(VINTAGES)}, got {vintage!r}")
    if cells["break"].lower() not in ("", "true", "false", "yes", "no", "1", "0"):
        raise fail("break", f"break must be true or false (or empty), got {cells['break']!r}")
    revision = cells["break"].lower() in ("true", "yes", "1")
    key = cells["indicator_key"]
    if key not in catalog.index:
        raise fail(
            "indicator_key",
            unknown_name_message("indicator", key, catalog.series_keys, INDICATOR_HINT),
        )
    series = catalog[key]
    try:
        year = int(cells["year"])
    except ValueError:
        raise fail("year", f"expected a year, got {cells['year']!r}") from None
    first, last = int(catalog.years[0]), int(catalog.years[-1])
    earliest = series.base_year + (1 if series.base_value is not None else 0)
    if not max(first, earliest) <= year <= last:
        raise fail(
            "year",
            f"{year} lies outside {max(first, earliest)}-{last} for '{key}' "
            f"(its base is {series.base_year})",
        )
    try:
        value = float(cells["value"])
    except ValueError:
        raise fail("value", f"expected a number, got {cells['value']!r}") from None
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise fail("value", f"expected a finite number within ±1e15, got {cells['value']!r}")
    if measure != "level":
        if series.kind not in (Kind.LEVEL, Kind.COUNT):
            raise fail(
                "measure", f"a growth fact needs a level or count; '{key}' is a {series.kind}"
            )
        if value <= -100:
            raise fail("value", f"a growth of {value:g} % leaves nothing: it must exceed -100")
        if revision:
            raise fail("break", "a break marks a level on a new basis, not a growth fact")
        if not cells["source"]:
            raise fail("source", "every observed value needs its source, so readers can judge it")
        if cells["grade"] not in GRADES:
            raise fail("grade", f"grade must be one of {', '.join(GRADES)}, got {cells['grade']!r}")
        return Observation(
            key, year, value, cells["source"], cells["grade"], cells["note"], measure, vintage
        )
    if series.kind.is_percent_bounded and not 0 <= value <= 100:
        raise fail("value", f"a {series.kind} lies in [0, 100], got {value:g}")
    if series.kind in (Kind.LEVEL, Kind.COUNT) and value <= 0:
        raise fail("value", f"a {series.kind} is positive, got {value:g}")
    if series.kind is Kind.RANK and value < 1:
        raise fail("value", f"a rank is at least 1, got {value:g}")
    if series.kind is Kind.GROWTH_RATE and value <= -100:
        raise fail("value", f"a growth rate of {value:g} % leaves nothing: it must exceed -100")
    if not cells["source"]:
        raise fail("source", "every observed value needs its source, so readers can judge it")
    if cells["grade"] not in GRADES:
        raise fail("grade", f"grade must be one of {', '.join(GRADES)}, got {cells['grade']!r}")
    return Observation(
        key, year, value, cells["source"], cells["grade"], cells["note"], measure, vintage, revision
    )
