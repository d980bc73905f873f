"""Facts the report states in both summary.md and report.html, computed once.

Every reading comes from the projection's standing as of its as-of year (the
assessment table's ``evidence``, ``latest_*``, ``schedule``, ``need_*`` columns),
so the report tells the same story as ``nscc project``: a passed milestone is
judged on the data where there are data (``obs``) and estimated from the
scenario where not (``est``); needs are measured from the latest value in the
indicator's own unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from nscc_proj.analysis.projection import Projection
from nscc_proj.analysis.standing import period_start
from nscc_proj.core.assess import FAR_OFF_RATIO
from nscc_proj.inputs.catalog import Indicator, Kind
from nscc_proj.inputs.catalog_io import SHIPPED_SOURCE
from nscc_proj.present.charts import lead_scenario
from nscc_proj.present.labels import Lang, label, scenario_label, source_text
from nscc_proj.present.wording import (
    gap_words,
    indicator_name,
    latest_words,
    need_words,
    number,
    percent,
    schedule_words,
)
from nscc_proj.present.workbook import largest_gaps, summary_table
from nscc_proj.table import Cell, Table

_Row = dict[str, Cell]
# (scenario, indicator key, milestone) -> (probability, evidence) of the Monte Carlo run.
Probabilities = Mapping[tuple[str, str, int], tuple[float | None, str | None]]
HEADLINE_SHORTFALLS = 3


def key_note(lang: Lang) -> str:
    """What the marks and words of the tables mean, said once above them."""
    return label("key_note", lang).format(far_off=FAR_OFF_RATIO)


def plan_title(projection: Projection, lang: Lang) -> str:
    """The title: the plan by name for the shipped table, else the table's file, as of when."""
    source = projection.catalog.source
    if source == SHIPPED_SOURCE:
        return label("title_shipped", lang).format(as_of=projection.as_of)
    return label("title_table", lang).format(
        table=source_text(source, lang), as_of=projection.as_of
    )


def scenario_names(projection: Projection, lang: Lang) -> list[str]:
    """The projection's scenarios as a reader sees them (``labels.scenario_label``)."""
    return [scenario_label(name, lang) for name in projection.scenario_names]


def inputs_line(projection: Projection, lang: Lang) -> str:
    observed = projection.observed
    return label("inputs_line", lang).format(
        as_of=projection.as_of,
        scenarios=label("list_sep", lang).join(scenario_names(projection, lang)),
        table=source_text(projection.catalog.source, lang),
        observed=label("none", lang)
        if observed is None
        else label("observed_count", lang).format(
            source=source_text(observed.source, lang),
            count=len(observed.records) + len(observed.growth),
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
        [
            percent(row[name])
            if name == "met_share"
            else scenario_label(str(row[name]), lang)
            if name == "scenario"
            else str(row[name])
            for name in names
        ]
        for row in summary_table(projection, lang)
        if row["domain"] == label("all_domains", lang)
    ]
    return [label(name, lang) for name in names], rows


# --- One target's cells ---------------------------------------------------------------------------


def amount(indicator: Indicator, value: Cell) -> str:
    """A value of the indicator: whole for counts and ranks, else two decimals."""
    if indicator.kind in (Kind.COUNT, Kind.RANK) and isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:,.0f}"
    return number(value)


def evidence_mark(row: _Row, lang: Lang) -> str:
    """``obs`` for a milestone value that is an observation, ``est`` for a passed milestone
    without one (the scenario's value), nothing for a milestone still ahead."""
    evidence = row["evidence"]
    if evidence == "observed":
        return label("obs", lang)
    if evidence == "estimated":
        return label("est", lang)
    return ""


def value_parts(projection: Projection, row: _Row, lang: Lang) -> tuple[str, str]:
    """The milestone's value and its evidence mark (``obs``, ``est`` or "")."""
    indicator = projection.catalog[str(row["indicator_key"])]
    if row["met"] is None:
        return "–", ""
    return amount(indicator, row["projected_value"]), evidence_mark(row, lang)


def latest_cell(projection: Projection, row: _Row, lang: Lang) -> str:
    """The latest value behind the row with its year and grade (``latest_words``)."""
    indicator = projection.catalog[str(row["indicator_key"])]
    return latest_words(
        indicator, row["latest_value"], row["latest_year"], row["latest_grade"], lang
    )


def schedule_cell(row: _Row, lang: Lang) -> str:
    return schedule_words(row, lang)


def need_cell(row: _Row, lang: Lang) -> str:
    return need_words(row, lang)


def pace_from_now(projection: Projection, row: _Row) -> float:
    """The scenario's own motion from the latest value to the milestone, in the unit of the
    row's need (``need_unit``), so the two compare: % a year, points or places a year, or
    for a growth-rate target the average rate of the years left in its period."""
    unit, value, year = row["need_unit"], row["projected_value"], row["latest_year"]
    milestone = int(str(row["milestone"]))
    if unit is None or not isinstance(value, int | float) or not isinstance(year, int):
        return math.nan
    if unit == "rate_remaining":
        catalog = projection.catalog
        i = catalog.index[str(row["indicator_key"])]
        start = period_start(catalog, i, catalog.milestones.index(milestone))
        span, done = milestone - start, year - start
        so_far = row["latest_value"]
        if done <= 0 or not isinstance(so_far, int | float):
            return float(value) / 100.0
        wanted = (1 + float(value) / 100.0) ** span
        achieved = (1 + float(so_far) / 100.0) ** done
        return float((wanted / achieved) ** (1.0 / (span - done)) - 1.0)
    latest = row["latest_value"]
    years = milestone - year
    if years <= 0 or not isinstance(latest, int | float):
        return math.nan
    if unit == "rate":
        if latest <= 0 or value < 0:
            return math.nan
        return float((float(value) / float(latest)) ** (1.0 / years) - 1.0)
    return (float(value) - float(latest)) / years


def motion_text(rate: float, unit: Cell, lang: Lang) -> str:
    """A yearly motion in the unit of a need: '+7.50%', '+1.60 pt', '-0.40 pl'."""
    if math.isnan(rate) or unit is None:
        return "–"
    suffix = label(f"need_unit.{unit}", lang)
    if str(unit).startswith("rate"):
        return f"{100 * rate:+.2f}{suffix}"
    return f"{rate:+.2f}{suffix}"


def mark(met: Cell) -> str:
    return "–" if met is None else ("✓" if met else "✗")


def short_indicator(indicator: Indicator, lang: Lang) -> str:
    return f"{indicator.id} {indicator.name_zh if lang == 'zh' else indicator.name_en}"


# --- Tables ---------------------------------------------------------------------------------------


def growth_header(projection: Projection, lang: Lang) -> list[str]:
    names = [label(name, lang) for name in ("indicator", "milestone", "latest", "need_now")]
    paces = [label("pace_now", lang).format(scenario=s) for s in scenario_names(projection, lang)]
    return [*names, *paces]


def growth_rows(projection: Projection, rows: Sequence[_Row], lang: Lang) -> list[list[str]]:
    """Per target with a need: the latest value, the need a year from it in the indicator's
    own unit, then each scenario's motion from the same value in the same unit, ✓ or ✗ for
    whether its path meets the target."""
    lines = []
    for (key, milestone), group in by_target(rows).items():
        first = group[0]
        if not isinstance(first["need_per_year"], float):
            continue
        indicator = projection.catalog[str(key)]
        cells = [
            f"{indicator.id} {indicator_name(indicator, lang)}",
            str(milestone),
            latest_cell(projection, first, lang),
            need_cell(first, lang),
        ]
        for row in group:
            pace = motion_text(pace_from_now(projection, row), row["need_unit"], lang)
            cells.append(f"{pace} {mark(row['met'])}")
        lines.append(cells)
    return lines


def probability_lookup(probabilities: Table | None) -> Probabilities:
    """The per-target rows of a Monte Carlo table, by (scenario, indicator key, milestone)."""
    found: dict[tuple[str, str, int], tuple[float | None, str | None]] = {}  # Probabilities
    for row in () if probabilities is None else probabilities:
        if row["scope"] != "target":
            continue
        value = row["probability"]
        key = (str(row["scenario"]), str(row["indicator_key"]), int(str(row["milestone"])))
        evidence = row["evidence"]
        found[key] = (
            float(value) if isinstance(value, int | float) else None,
            None if evidence is None else str(evidence),
        )
    return found


def probability_cell(entry: tuple[float | None, str | None] | None, lang: Lang) -> str:
    """'43.4%', with 'obs' where the data settle it (0 or 100 %) and 'now' for a nowcast."""
    value, evidence = entry if entry is not None else (None, None)
    if value is None or math.isnan(value):
        return "–"
    text = f"{100 * value:.1f}%"
    if evidence == "observed":
        text += " " + label("obs", lang)
    elif evidence == "estimated":
        text += " " + label("nowcast", lang)
    return text


# --- The verdict in a few sentences ---------------------------------------------------------------


def headline(projection: Projection, rows: Sequence[_Row], lang: Lang) -> list[str]:
    """Three to five sentences a reader needs first, generated from the readings.

    Passed milestones: met and missed on the data, and how many are only estimated (with
    what each scenario makes of them); milestones ahead: how many targets each path
    meets; the largest shortfalls of the lead scenario (base where it runs, else the
    first) and what they need from now; how many of its met targets rest on no
    observation since the base year.
    """
    catalog, names = projection.catalog, projection.scenario_names
    lead = lead_scenario(names)  # base where it runs, else the first
    shown = dict(zip(names, scenario_names(projection, lang), strict=True))
    sep = label("list_sep", lang)
    sentences = []
    for milestone in catalog.milestones:
        mine = [row for row in rows if row["milestone"] == milestone and row["met"] is not None]
        if milestone <= projection.as_of:
            first = [row for row in mine if row["scenario"] == lead]
            observed = [row for row in first if row["evidence"] == "observed"]
            estimated = {row["indicator_key"] for row in first if row["evidence"] == "estimated"}
            split = ""
            if estimated:
                met = {
                    scenario: sum(
                        1
                        for row in mine
                        if row["scenario"] == scenario
                        and row["indicator_key"] in estimated
                        and row["met"]
                    )
                    for scenario in names
                }
                parts = sep.join(f"{shown[scenario]} {count}" for scenario, count in met.items())
                split = label("passed_split", lang).format(parts=parts)
            sentences.append(
                label("passed_sentence", lang).format(
                    milestone=milestone,
                    met=sum(1 for row in observed if row["met"]),
                    missed=sum(1 for row in observed if not row["met"]),
                    estimated=len(estimated),
                    split=split,
                )
            )
        else:
            parts = sep.join(
                label("meets_of", lang).format(
                    scenario=shown[scenario],
                    met=sum(1 for row in mine if row["scenario"] == scenario and row["met"]),
                    assessable=sum(1 for row in mine if row["scenario"] == scenario),
                )
                for scenario in names
            )
            sentences.append(
                label("future_sentence", lang).format(milestone=milestone, parts=parts)
            )
    gaps = largest_gaps(rows, lead, HEADLINE_SHORTFALLS)
    if gaps:
        shortfalls = sep.join(
            f"{short_indicator(catalog[str(row['indicator_key'])], lang)} "
            f"{row['milestone']} {gap_words(row)}"
            for row in gaps
        )
        sentences.append(
            label("shortfall_sentence", lang).format(scenario=shown[lead], parts=shortfalls)
        )
        needs = [
            f"{short_indicator(catalog[str(row['indicator_key'])], lang)} {need_cell(row, lang)}"
            for row in gaps
            if isinstance(row["need_per_year"], float)
        ]
        if needs:
            sentences.append(label("need_sentence", lang).format(parts=sep.join(needs)))
    first = [row for row in rows if row["scenario"] == lead and row["met"]]
    blind = sum(1 for row in first if row["latest_grade"] is None)
    if blind:
        sentences.append(
            label("blind_sentence", lang).format(count=blind, met=len(first), scenario=shown[lead])
        )
    return sentences
