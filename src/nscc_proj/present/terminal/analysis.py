"""Rich views of the analysis commands: consistency of the targets and goal seek."""

from __future__ import annotations

import math

from rich.console import Group, RenderableType
from rich.text import Text

from nscc_proj.analysis.solve import GoalSeek
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.present.labels import Lang, label
from nscc_proj.present.terminal.render import Name, Pair, _table, fit, user_text
from nscc_proj.present.wording import percent
from nscc_proj.table import Cell, Table


def consistency_view(
    table: Table, milestones: tuple[int, ...], lang: Lang, width: int = 100
) -> RenderableType:
    """Ratios with their base, latest observed and implied values; flags below the table."""
    view = _table(label("ratios_title", lang))
    view.add_column(label("ratio", lang), min_width=14)
    view.add_column(label("base", lang), justify="right", no_wrap=True)
    view.add_column(label("latest_observed", lang), justify="right")
    for milestone in milestones:
        view.add_column(str(milestone), justify="right", no_wrap=True)
    view.add_column(label("trend_year", lang), justify="right", no_wrap=True)
    view.add_column(label("implied_year", lang), justify="right", no_wrap=True)
    flags = []
    for row in table:
        name = str(row["name_zh"] if lang == "zh" else row["ratio"])
        latest: RenderableType = (
            "–"
            if row["latest_year"] is None
            else Pair(_short(row["latest_value"]), f"({row['latest_year']}, {row['latest_grade']})")
        )
        mark = Text("⚠", style="bold yellow") if row["flag"] else None
        view.add_row(
            Name(f"{name} ({row['unit']})", mark=mark),
            _short(row["base_value"]),
            latest,
            *(_short(row[f"implied_{m}"]) for m in milestones),
            percent(row["observed_trend"], signed=True),
            percent(row["implied_change"], signed=True),
        )
        if row["flag"]:
            flags.append(user_text(f"⚠ {row['ratio']}: {row['flag']}", style="yellow"))
    fit(view, width)
    return Group(view, *flags)


def _short(value: Cell) -> str:
    """Four significant figures with thousands separators: ratios span 1e-1 to 1e5."""
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        return "–"
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def solve_text(result: GoalSeek, catalog: Catalog) -> str:
    """One paragraph: what growth meets the target, against what the scenario assumes."""
    target = catalog[result.target_key]
    varied = catalog[result.vary_key]
    unit = "a year"
    if "change" in result.form:  # in the varied series' own units
        own = (
            "points"
            if varied.kind.is_percent_bounded
            else "places"
            if varied.kind is Kind.RANK
            else varied.unit
        )
        unit = f"{own} a year"
    solution = (
        f"{result.solution:.4%}" if "change" not in result.form else f"{result.solution:+,.4g}"
    )
    assumed = (
        f"{result.scenario_value:.2%}"
        if "change" not in result.form
        else f"{result.scenario_value:+,.4g}"
    )
    return (
        f"{result.vary_key} {result.form} of {solution} {unit} in {result.period} meets "
        f"{result.target_key} {result.milestone} ({result.target_op} {result.target_value:,g} "
        f"{target.unit}) in scenario {result.scenario}: projected {result.projected:,.6g}.\n"
        f"The scenario assumes {assumed} {unit} there, "
        f"which reaches {result.scenario_projected:,.6g}."
    )
