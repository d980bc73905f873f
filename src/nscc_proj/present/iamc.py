"""Projections in the IAMC layout, where scenario analysts take them next.

The Integrated Assessment Modeling Consortium's timeseries layout is one row
per model, scenario, region, variable and unit, with a column per year. It
is what ``pyam.IamDataFrame`` reads as it is, so nscc's paths and bands join
the scenario-analysis ecosystem (comparisons, plots, validation) unchanged.

Variables are ``<domain>|<key>`` for indicators and ``Context|<key>`` for
context series: the key is nscc's own stable name, the domain gives the
hierarchy IAMC tools aggregate by. Bands add the statistic:
``<domain>|<key>|p5`` ... ``|p95`` and ``|median path`` (the scenario's own
path). Units are the table's English unit where it gives one. Observed
years carry the observations (the paths pass through them); the CSV of
``--paths`` says which years are observed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from nscc_proj.inputs.catalog import Catalog, Indicator
from nscc_proj.inputs.catalog_io import SHIPPED_SOURCE
from nscc_proj.table import Cell, Table

IAMC_COLUMNS = ("model", "scenario", "region", "variable", "unit")
SHIPPED_REGION = "Shenyang"  # the city of the shipped table; another table names its own
BAND_STATISTICS = (
    ("deterministic", "median path"),
    *((f"p{q}", f"p{q}") for q in (5, 25, 50, 75, 95)),
)


def default_region(catalog: Catalog) -> str:
    """The shipped table's city, else the table's file name without its suffix."""
    if catalog.source == SHIPPED_SOURCE:
        return SHIPPED_REGION
    name = catalog.source.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] or name


def variable(catalog: Catalog, series: Indicator) -> str:
    """``<domain>|<key>``, or ``Context|<key>`` for a context series."""
    if series.key in {ind.key for ind in catalog.context}:
        return f"Context|{series.key}"
    return f"{series.domain_en}|{series.key}"


def unit(series: Indicator) -> str:
    return series.unit_en or series.unit


def paths_iamc(catalog: Catalog, paths: Table, *, model: str, region: str) -> Table:
    """The yearly paths (``PATH_COLUMNS`` rows) as IAMC rows: one per scenario and series."""
    return _wide(
        catalog,
        ((row["scenario"], row["indicator_key"], None, row["year"], row["value"]) for row in paths),
        model=model,
        region=region,
    )


def bands_iamc(catalog: Catalog, bands: Table, *, model: str, region: str) -> Table:
    """Percentile bands (``BAND_COLUMNS`` rows) as IAMC rows: one per scenario, series and
    statistic."""
    return _wide(
        catalog,
        (
            (row["scenario"], row["indicator_key"], name, row["year"], row[column])
            for row in bands
            for column, name in BAND_STATISTICS
        ),
        model=model,
        region=region,
    )


def _wide(
    catalog: Catalog,
    cells: Iterable[tuple[Cell, Cell, str | None, Cell, Cell]],
    *,
    model: str,
    region: str,
) -> Table:
    """Rows of (scenario, key, statistic, year, value) pivoted to a column per year.

    Years with no value in any row stay empty; series with no value at all are left out.
    """
    years = [int(year) for year in catalog.years]
    values: dict[tuple[str, str, str | None], dict[int, float]] = {}
    for scenario, key, statistic, year, value in cells:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        row = values.setdefault((str(scenario), str(key), statistic), {})
        row[int(str(year))] = float(str(value)) if not isinstance(value, float) else value
    rows = []
    for (scenario, key, statistic), by_year in values.items():
        series = catalog[key]
        name = variable(catalog, series) + (f"|{statistic}" if statistic else "")
        rows.append(
            (model, scenario, region, name, unit(series), *(by_year.get(year) for year in years))
        )
    return Table((*IAMC_COLUMNS, *(str(year) for year in years)), tuple(rows))
