"""The verdict table: every target on one screen, the report's first table.

One row per indicator, grouped by domain: an icon for the lead scenario's outcome at
the last milestone; the latest observation with its year and grade; per passed
milestone its target and verdict (on the data where observed, else the lead
scenario's estimate); per milestone ahead its target, each scenario's projected value
and outcome, the need a year from now in the indicator's own unit beside the lead
scenario's own pace from the same value; and with a simulation each scenario's
probability of each target. ``report.html`` and ``summary.md`` draw the same table.

The lead scenario is ``base`` where it runs, else the first ``--scenario``
(``charts.lead_scenario``): the verdict sentences and this table speak for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nscc_proj.analysis.projection import Projection
from nscc_proj.core.assess import FAR_OFF_RATIO
from nscc_proj.inputs.catalog import Indicator
from nscc_proj.present.charts import lead_scenario
from nscc_proj.present.labels import Lang, label, scenario_label, status_label
from nscc_proj.present.report_facts import (
    Probabilities,
    by_target,
    motion_text,
    need_cell,
    pace_from_now,
    probability_cell,
    value_parts,
)
from nscc_proj.present.wording import domain_name, indicator_name, latest_words, target_text
from nscc_proj.table import Cell

_Row = dict[str, Cell]

# The icon of an outcome: a shape as well as a colour, so it reads in black and white.
STATUS_ICONS = {
    "met": "✓",
    "missed": "✗",
    "far_off": "✗",
    "moving_away": "↘",
    "not_assessable": "–",
}


@dataclass(frozen=True)
class VerdictCell:
    """One cell: a number (or name), an evidence mark (obs/est) after it, an outcome word,
    and the outcome that colours it in the page."""

    text: str
    mark: str = ""
    word: str = ""
    status: str | None = None
    numeric: bool = True
    chance: str = ""  # 'P 43.4%': the probability of the scenario's target, simulated

    def plain(self) -> str:
        """The cell as one line of text (summary.md): '15,364.14 · missed · P 0.2%'."""
        shown = " ".join(part for part in (self.text, self.mark) if part)
        return " · ".join(part for part in (shown, self.word, self.chance) if part)

    @property
    def below(self) -> str:
        """What goes under the number in the page: the outcome word and the probability."""
        return " · ".join(part for part in (self.word, self.chance) if part)


@dataclass(frozen=True)
class VerdictTable:
    """The header, the rows grouped by domain (in the table's order), and the legend
    that explains every mark and word of the table, said under it."""

    lead: str
    header: list[str]
    groups: list[tuple[str, list[list[VerdictCell]]]]
    legend: list[str]


def verdict_table(
    projection: Projection,
    rows: Sequence[_Row],
    lang: Lang,
    chances: Probabilities,
    paths: int | None = None,
) -> VerdictTable:
    """The verdict table of the projection as of its as-of year (see the module)."""
    catalog = projection.catalog
    lead = lead_scenario(projection.scenario_names)
    # The lead scenario's columns first, the others in the order of --scenario.
    names = [lead, *(name for name in projection.scenario_names if name != lead)]
    shown = {name: scenario_label(name, lang) for name in names}
    milestones = catalog.milestones
    passed = [m for m in milestones if m <= projection.as_of]
    last = milestones[-1]
    header = ["", label("indicator", lang), label("latest", lang)]
    for milestone in milestones:
        header.append(label("target_in", lang).format(milestone=milestone))
        if milestone in passed:
            header.append(label("verdict_in", lang).format(milestone=milestone))
        else:
            header += [
                label("projected_in", lang).format(scenario=shown[name], milestone=milestone)
                for name in names
            ]
            header.append(label("need_to", lang).format(milestone=milestone))
            header.append(label("pace_to", lang).format(scenario=shown[lead], milestone=milestone))
        if chances and milestone in passed:
            header.append(
                label("probability_in", lang).format(
                    scenarios=" / ".join(shown[name] for name in names), milestone=milestone
                )
            )
    grouped = {
        target: {str(row["scenario"]): row for row in group}
        for target, group in by_target(rows).items()
    }
    groups: dict[str, list[list[VerdictCell]]] = {}
    for indicator in catalog.indicators:
        mine = {m: grouped[(indicator.key, m)] for m in milestones}
        icon = str(mine[last][lead]["outcome"])
        cells = [
            VerdictCell(STATUS_ICONS[icon], status=icon, numeric=False),
            VerdictCell(f"{indicator.id} {indicator_name(indicator, lang)}", numeric=False),
            VerdictCell(_latest(indicator, [mine[m][lead] for m in milestones], lang)),
        ]
        for milestone in milestones:
            cells.append(VerdictCell(target_text(indicator, milestone)))
            by_scenario = mine[milestone]
            if milestone in passed:
                cells.append(_outcome_cell(projection, by_scenario[lead], lang))
            else:  # each scenario's probability beside its value
                cells += [
                    _outcome_cell(
                        projection,
                        by_scenario[n],
                        lang,
                        chances.get((n, indicator.key, milestone)) if chances else None,
                    )
                    for n in names
                ]
                row = by_scenario[lead]
                pace = (
                    motion_text(pace_from_now(projection, row), row["need_unit"], lang)
                    if isinstance(row["need_per_year"], float)
                    else "–"
                )
                cells += [VerdictCell(need_cell(row, lang)), VerdictCell(pace)]
            if chances and milestone in passed:
                found = [chances.get((n, indicator.key, milestone)) for n in names]
                cells.append(VerdictCell(_chances_text(found, lang)))
        groups.setdefault(domain_name(indicator, lang), []).append(cells)
    legend = [
        label("icon_note", lang).format(
            scenario=shown[lead],
            milestone=last,
            met=status_label("met", lang),
            missed=status_label("missed", lang),
            far_off=status_label("far_off", lang),
            moving_away=status_label("moving_away", lang),
            not_assessable=status_label("not_assessable", lang),
        )
    ]
    if passed:
        legend.append(
            label("verdict_note", lang).format(
                milestones=label("list_sep", lang).join(map(str, passed)), scenario=shown[lead]
            )
        )
    if len(passed) < len(milestones):
        legend.append(label("pace_note", lang).format(scenario=shown[lead]))
    legend.append(label("key_note", lang).format(far_off=FAR_OFF_RATIO))
    if chances:
        legend.append(
            label("verdict_probability_note", lang).format(paths=f"{paths:,}" if paths else "–")
        )
    return VerdictTable(lead, header, list(groups.items()), legend)


def _latest(indicator: Indicator, rows: Sequence[_Row], lang: Lang) -> str:
    """The latest value behind any of the indicator's targets, its year and grade in the
    reader's language. A growth-rate target reads its own period: the 2035 one has no
    reading yet where the 2025 one has the average so far, which is the latest there is."""
    observed = [row for row in rows if row["latest_grade"] is not None]
    row = max(observed, key=lambda r: int(str(r["latest_year"]))) if observed else rows[-1]
    return latest_words(
        indicator, row["latest_value"], row["latest_year"], row["latest_grade"], lang
    )


def _outcome_cell(
    projection: Projection,
    row: _Row,
    lang: Lang,
    chance: tuple[float | None, str | None] | None = None,
) -> VerdictCell:
    """The milestone's value with its evidence mark, the outcome in words and, from a
    simulation, the probability of meeting the target."""
    outcome = str(row["outcome"])
    if row["met"] is None:  # nothing to judge: a dash, greyed
        return VerdictCell("–", status=outcome)
    value, mark = value_parts(projection, row, lang)
    shown = "" if chance is None else probability_cell(chance, lang)
    chance_text = label("chance_in_cell", lang).format(p=shown) if shown not in ("", "–") else ""
    return VerdictCell(value, mark, status_label(outcome, lang), outcome, chance=chance_text)


def _chances_text(found: Sequence[tuple[float | None, str | None] | None], lang: Lang) -> str:
    """Each scenario's probability of a passed milestone's target, one cell: '7.9% / 14.8%
    now'. The evidence (obs or now) is the data's, the same on every path: said once."""
    shown = [probability_cell(entry, lang) for entry in found]
    if all(text == "–" for text in shown):
        return "–"
    marks = {text.split(" ", 1)[1] for text in shown if " " in text}
    numbers = " / ".join(text.split(" ", 1)[0] for text in shown)
    return f"{numbers} {marks.pop()}" if len(marks) == 1 else " / ".join(shown)
