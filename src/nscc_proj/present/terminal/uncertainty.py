"""Rich views of Monte Carlo and sensitivity results."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from nscc_proj.analysis.simulation import Simulation
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.present.labels import Lang, label
from nscc_proj.present.terminal.render import Name, _table, fit, layout
from nscc_proj.present.wording import domain_name, number, percent, short_name, target_text
from nscc_proj.table import Cell, Table

if TYPE_CHECKING:
    from nscc_proj.analysis.sensitivity import Target


def _probability(value: Cell, error: Cell = None) -> str:
    if not isinstance(value, float) or math.isnan(value):
        return "–"
    text = f"{100 * value:.1f}%"
    if isinstance(error, float) and not math.isnan(error):
        text += f" ±{100 * error:.2f}"
    return text


# A passed milestone's probability is either settled by its observation or a nowcast.
def _evidence_note(evidence: str, lang: Lang) -> str:
    """' obs' where the data settle the target, ' now' for a nowcast, else nothing."""
    name = {"observed": "sim_obs", "estimated": "sim_now"}.get(evidence)
    return "" if name is None else " " + label(name, lang)


def simulation_view(
    catalog: Catalog, result: Simulation, lang: Lang, width: int = 100
) -> RenderableType:
    """Per scenario: each target's probability (simulated ± SE, exact where known), its
    p5-p50-p95, then the joint probability of each domain and of all targets.

    Where p5 and p95 do not fit ``width`` beside the names, they give way to them.
    """
    views: list[RenderableType] = []
    rows = list(result.table())
    for scenario in result.setup.arrays.names:
        targets = _targets_table(catalog, result, rows, scenario, lang, wide=True)
        if layout(targets, width).width > width:
            targets = _targets_table(catalog, result, rows, scenario, lang, wide=False)
        fit(targets, width)
        joint = _joint_table(catalog, rows, scenario, lang)
        fit(joint, width)
        views += [targets, joint]
    return Group(*views)


def _targets_table(
    catalog: Catalog,
    result: Simulation,
    rows: list[dict[str, Cell]],
    scenario: str,
    lang: Lang,
    *,
    wide: bool,
) -> RichTable:
    targets = _table(
        label("simulation_title", lang).format(
            scenario=scenario,
            paths=f"{result.paths:,}",
            seed=result.seed,
            as_of=result.deterministic.as_of,
        ),
        label("simulation_key", lang),
    )
    targets.add_column(label("indicator", lang), min_width=14)
    for header in ("milestone", "target", "p_met"):
        targets.add_column(label(header, lang), justify="right", no_wrap=True)
    percentiles = ("p5", "p50", "p95") if wide else ("p50",)
    for header in (label("exact", lang), *percentiles):
        targets.add_column(header, justify="right", no_wrap=True)
    previous = None
    for row in rows:
        if row["scenario"] != scenario or row["scope"] != "target":
            continue
        indicator = catalog[str(row["indicator_key"])]
        targets.add_row(
            Name(
                f"{indicator.id} {short_name(indicator, lang)}" if indicator.key != previous else ""
            ),
            str(row["milestone"]),
            target_text(indicator, int(str(row["milestone"]))),
            _probability(row["probability"], row["probability_se"])
            + _evidence_note(str(row["evidence"]), lang),
            _probability(row["probability_analytic"]),
            *(number(row[p]) for p in percentiles),
        )
        previous = indicator.key
    return targets


def _joint_table(
    catalog: Catalog, rows: list[dict[str, Cell]], scenario: str, lang: Lang
) -> RichTable:
    joint = _table(label("joint_title", lang))
    joint.add_column(label("domain", lang))
    milestones = [*map(str, catalog.milestones), label("all_milestones", lang)]
    for milestone in milestones:
        joint.add_column(milestone, justify="right", no_wrap=True)
    everything = label("all_targets", lang)
    domains = {ind.domain_en: domain_name(ind, lang) for ind in catalog.indicators}
    scopes: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["scenario"] == scenario and row["scope"] != "target":
            name = everything if row["domain"] is None else domains.get(str(row["domain"]), "")
            name = name or str(row["domain"])
            column = str(row["milestone"]) if row["milestone"] is not None else milestones[-1]
            scopes.setdefault(name, {})[column] = _probability(row["probability"])
    for name, values in scopes.items():
        joint.add_row(
            Name(name, style="bold" if name == everything else ""),
            *(values.get(m, "–") for m in milestones),
        )
    return joint


def sensitivity_view(
    tornado: Table,
    sobol: tuple[Table, dict[Target, float]] | None,
    targets: list[str],
    width: int = 100,
) -> RenderableType:
    """For each target: the tornado with a bar per swing of the gap, then its Sobol indices."""
    views: list[RenderableType] = []
    for name in targets:
        rows = [row for row in tornado if row["target"] == name]
        views.append(_tornado_view(rows, name.replace(":", " "), width))
        if sobol is not None:
            table, shares = sobol
            share = next(value for target, value in shares.items() if target.label == name)
            views.append(_sobol_view([row for row in table if row["target"] == name], share, width))
    return Group(*views)


def _tornado_view(rows: list[dict[str, Cell]], target: str, width: int) -> RenderableType:
    spread = _table(f"One at a time: {target}")
    simulated = any(row["probability_low"] is not None for row in rows)
    headers = ["Assumption", "Step", "Gap (−)", "Gap (+)", "Swing"]
    headers += ["P(met) −/+"] if simulated else []
    for header in headers:
        spread.add_column(
            header,
            justify="left" if header in ("Assumption", "Step", "Swing") else "right",
            no_wrap=header != "Assumption",
        )
    widest = max((float(row["swing"] or 0) for row in rows), default=0.0) or 1.0
    for row in rows:
        bar = "█" * max(1, round(10 * float(row["swing"] or 0) / widest))
        size = percent(row["delta"]) if row["step"] != "change" else str(row["delta"])
        cells: list[RenderableType] = [
            Name(row["assumption"]),
            f"{row['step']} ±{size}",
            number(row["gap_low"], signed=True),
            number(row["gap_high"], signed=True),
            Text(bar, style="cyan"),
        ]
        if simulated:
            cells.append(
                f"{_probability(row['probability_low'])} / {_probability(row['probability_high'])}"
            )
        spread.add_row(*cells)
    fit(spread, width)
    return spread


def _sobol_view(rows: list[dict[str, Cell]], share: float, width: int) -> RenderableType:
    if not rows:
        return Text("Sobol: the gap does not vary over the sampled assumptions.")
    indices = _table(f"Sobol indices of the gap (target met in {share:.1%} of samples)")
    for header in ("Assumption", "Range ±", "S1", "ST"):
        indices.add_column(
            header,
            justify="left" if header == "Assumption" else "right",
            no_wrap=header != "Assumption",
        )
    for row in rows:
        indices.add_row(
            Name(row["assumption"]),
            number(row["range"]),
            f"{float(row['S1'] or 0):.3f} ±{float(row['S1_conf'] or 0):.3f}",
            f"{float(row['ST'] or 0):.3f} ±{float(row['ST_conf'] or 0):.3f}",
        )
    fit(indices, width)
    return indices
