"""Facts the report states in both summary.md and report.html, computed once."""

from __future__ import annotations

from collections.abc import Sequence

from nscc_proj.analysis.projection import Projection
from nscc_proj.present.charts import status_label
from nscc_proj.present.render import Lang, indicator_name, label, number, percent, target_text
from nscc_proj.present.workbook import (
    summary_table,
)
from nscc_proj.table import Cell

_Row = dict[str, Cell]


def inputs_line(projection: Projection, lang: Lang) -> str:
    observed = projection.observed
    return label("inputs_line", lang).format(
        as_of=projection.as_of,
        scenarios=", ".join(projection.scenario_names),
        table=projection.catalog.source,
        observed=label("none", lang)
        if observed is None
        else label("observed_count", lang).format(
            source=observed.source, count=len(observed.records) + len(observed.growth)
        ),
    )


def by_target(rows: Sequence[_Row]) -> dict[tuple[Cell, Cell], list[_Row]]:
    """Assessment rows grouped by (indicator key, milestone), one row per scenario."""
    groups: dict[tuple[Cell, Cell], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row["indicator_key"], row["milestone"]), []).append(row)
    return groups


def met_rows(projection: Projection, lang: Lang) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the targets met per scenario and milestone, all domains together."""
    names = ["scenario", "milestone", "met", "missed", "not_assessable", "met_share"]
    rows = [
        [percent(row[name]) if name == "met_share" else str(row[name]) for name in names]
        for row in summary_table(projection, lang)
        if row["domain"] == label("all_domains", lang)
    ]
    return [label(name, lang) for name in names], rows


def growth_rows(projection: Projection, rows: Sequence[_Row], lang: Lang) -> list[list[str]]:
    """Indicator, year, required rate, then each scenario's rate with ✓ or ✗."""
    lines = []
    for (key, milestone), group in by_target(rows).items():
        if group[0]["required_cagr_from_base"] is None:
            continue
        indicator = projection.catalog[str(key)]
        cells = [f"{indicator.id} {indicator_name(indicator, lang)}", str(milestone)]
        cells.append(percent(group[0]["required_cagr_from_base"]))
        cells += [f"{percent(row['scenario_cagr'])} {mark(row['met'])}" for row in group]
        lines.append(cells)
    return lines


def mark(met: Cell) -> str:
    return "–" if met is None else ("✓" if met else "✗")


def gap_cells(projection: Projection, row: _Row, lang: Lang) -> list[str]:
    indicator = projection.catalog[str(row["indicator_key"])]
    return [
        f"{indicator.id} {indicator_name(indicator, lang)}",
        str(row["milestone"]),
        target_text(indicator, int(str(row["milestone"]))),
        number(row["projected_value"]),
        percent(row["gap_rel"], signed=True),
        status_label(str(row["outcome"]), lang),
    ]


def gap_header(lang: Lang) -> list[str]:
    names = ("indicator", "milestone", "target", "projected", "gap_rel", "outcome")
    return [label(name, lang) for name in names]
