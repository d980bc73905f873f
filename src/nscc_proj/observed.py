"""Observed values: what happened after the base year, with where it comes from.

A long CSV (``indicator_key, year, value, source, grade, note``) beside the
indicator table. Projections pass through every observation and grow on from
the latest one; requirements can be measured from it. Every value carries its
source and grade so a reader can judge it (A official page, B faithful copy
or mainstream media, B-derived arithmetic on B, C secondary copy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from nscc_proj.catalog import INDICATOR_HINT, Catalog, Kind, unknown_name_message
from nscc_proj.csv_source import read_csv
from nscc_proj.errors import InputError

OBSERVED_FILE = "observed.csv"
OBSERVED_COLUMNS = ("indicator_key", "year", "value", "source", "grade", "note")
GRADES = ("A", "B", "B-derived", "C")


@dataclass(frozen=True)
class Observation:
    key: str
    year: int
    value: float
    source: str
    grade: str
    note: str


@dataclass(frozen=True)
class Observations:
    """Validated observations, in file order, for one catalog."""

    records: tuple[Observation, ...]
    source: str

    def array(self, catalog: Catalog) -> np.ndarray:
        """(N, Y) observed values on the catalog's series and year axes, NaN where none."""
        values = np.full((len(catalog.series), len(catalog.years)), np.nan)
        first_year = int(catalog.years[0])
        for record in self.records:
            values[catalog.index[record.key], record.year - first_year] = record.value
        return values

    @cached_property
    def _by_key(self) -> dict[str, tuple[Observation, ...]]:
        """Each series' observations in year order, indexed once (not scanned per series)."""
        index: dict[str, list[Observation]] = {}
        for record in sorted(self.records, key=lambda record: record.year):
            index.setdefault(record.key, []).append(record)
        return {key: tuple(records) for key, records in index.items()}

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
        return Observations(tuple(r for r in self.records if r.year <= year), self.source)


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
    seen: dict[tuple[str, int], int] = {}
    for line, row in rows:
        if None in row:
            raise InputError("more cells than header columns", source=source, line=line)
        record = _parse(row, line, source, catalog)
        if (record.key, record.year) in seen:
            first_line = seen[record.key, record.year]
            raise InputError(
                f"{record.key} {record.year} is observed twice (first on line {first_line})",
                source=source,
                line=line,
                field="year",
            )
        seen[record.key, record.year] = line
        records.append(record)
    return Observations(tuple(records), source)


def _parse(row: dict[str, str | None], line: int, source: str, catalog: Catalog) -> Observation:
    def fail(field: str, message: str) -> InputError:
        return InputError(message, source=source, line=line, field=field)

    cells = {name: (row.get(name) or "").strip() for name in OBSERVED_COLUMNS}
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
    if not math.isfinite(value):
        raise fail("value", f"expected a finite number, got {cells['value']!r}")
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
    return Observation(key, year, value, cells["source"], cells["grade"], cells["note"])
