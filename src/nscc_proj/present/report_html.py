"""report.html: one self-contained page (charts as base64 PNG, styles inline, no network)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from importlib import resources
from string import Template

from nscc_proj.analysis.projection import Projection
from nscc_proj.core.assess import FAR_OFF_RATIO, OUTCOMES
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.present.charts import Chart, light_colour, status_label
from nscc_proj.present.render import (
    Lang,
    domain_name,
    indicator_name,
    label,
    number,
    percent,
    target_text,
)
from nscc_proj.present.report_facts import (
    by_target,
    gap_cells,
    gap_header,
    inputs_line,
    met_rows,
)
from nscc_proj.present.workbook import (
    domain_counts,
    largest_gaps,
)
from nscc_proj.table import Cell, Table

_Row = dict[str, Cell]


def report_html(
    projection: Projection,
    scenarios: Sequence[Scenario],
    rows: Sequence[_Row],
    charts: Sequence[Chart],
    lang: Lang,
    stamp: str,
    probabilities: Table | None = None,
) -> str:
    """One self-contained page: charts as base64 PNG, styles inline, no network."""
    by_name = {chart.name: chart for chart in charts}
    title = label("report_title", lang)
    sections = [
        ("summary", label("summary_title", lang)),
        ("domains", label("domains_title", lang)),
        ("methodology", label("methodology", lang)),
    ]
    body = [
        '<header class="top">',
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(inputs_line(projection, lang))}<br>{_e(stamp)}</p>',
        "<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in sections) + "</nav>",
        "</header>",
        f'<section id="summary"><h2>{_e(sections[0][1])}</h2>',
        f"<h3>{_e(label('met_by_scenario', lang))}</h3>",
        _summary_html(projection, lang),
        f"<h3>{_e(label('largest_gaps', lang))}</h3>",
    ]
    for scenario in projection.scenario_names:
        gaps = [gap_cells(projection, row, lang) for row in largest_gaps(rows, scenario)]
        body += [f"<h4>{_e(scenario)}</h4>", _html_table(gap_header(lang), gaps, numeric=(3, 4))]
    if probabilities is not None:
        body += _probability_html(probabilities, lang)
    body += [
        f"<h3>{_e(label('growth_title', lang))}</h3>",
        _figure(by_name["growth_required_vs_scenario"]),
        f"<h3>{_e(label('heatmap_title', lang))}</h3>",
        _figure(by_name["status_heatmap"]),
        "</section>",
        f'<section id="domains"><h2>{_e(sections[1][1])}</h2>',
        *_domain_sections(projection, rows, by_name, lang),
        "</section>",
        f'<section id="methodology"><h2>{_e(sections[2][1])}</h2>',
        _methodology_html(projection, scenarios, lang),
        "</section>",
    ]
    template = Template(_template("report.html"))
    from nscc_proj import __version__

    return template.substitute(
        lang=lang, title=_e(title), body="\n".join(body), version=__version__
    )


def _probability_html(probabilities: Table, lang: Lang) -> list[str]:
    """The joint probability of meeting every target of each domain, per scenario."""
    rows = [row for row in probabilities if row["scope"] != "target"]
    milestones = sorted(
        {int(str(row["milestone"])) for row in rows if row["milestone"] is not None}
    )
    header = [
        "领域" if lang == "zh" else "Domain",
        *map(str, milestones),
        "全部" if lang == "zh" else "all",
    ]
    title = (
        "目标同时达标的概率(蒙特卡洛)"
        if lang == "zh"
        else "Probability of meeting every target (Monte Carlo)"
    )
    out = [f"<h3>{_e(title)}</h3>"]
    for scenario in dict.fromkeys(str(row["scenario"]) for row in rows):
        cells: dict[str, dict[object, str]] = {}
        for row in rows:
            if row["scenario"] == scenario:
                name = str(row["domain"] or ("全部目标" if lang == "zh" else "All targets"))
                value = row["probability"]
                shown = "–" if not isinstance(value, float) else f"{100 * value:.1f}%"
                cells.setdefault(name, {})[row["milestone"]] = shown
        table = [
            [name, *(values.get(m, "–") for m in [*milestones, None])]
            for name, values in cells.items()
        ]
        out += [
            f"<h4>{_e(scenario)}</h4>",
            _html_table(header, table, numeric=tuple(range(1, len(header)))),
        ]
    return out


def _e(text: object) -> str:
    return html.escape(str(text))


def _template(name: str) -> str:
    return resources.files("nscc_proj").joinpath("templates", name).read_text(encoding="utf-8")


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" width="{chart.width}" '
        f'height="{chart.height}" alt="{_e(chart.title)}">'
        f"<figcaption>charts/{_e(chart.name)}.png · .svg</figcaption></figure>"
    )


def _html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    styles: Mapping[tuple[int, int], str] | None = None,
    css: str = "",
) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            attributes = ' class="num"' if c in numeric else ""
            style = (styles or {}).get((r, c))
            attributes += f' style="background:{style}"' if style else ""
            cells.append(f"<td{attributes}>{_e(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    opening = f'<table class="{css}">' if css else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _summary_html(projection: Projection, lang: Lang) -> str:
    columns, cells = domain_counts(projection, lang)
    by_domain = [[domain, *counts] for domain, counts in cells.items()]
    return (
        _html_table(*met_rows(projection, lang), numeric=(2, 3, 4, 5))
        + f"<h3>{_e(label('met_by_domain', lang))}</h3>"
        + _html_table([label("domain", lang), *columns], by_domain, numeric=range(1, 99))
    )


def _domain_sections(
    projection: Projection, rows: Sequence[_Row], charts: Mapping[str, Chart], lang: Lang
) -> list[str]:
    """Per domain: every target with each scenario's value and status, then the charts."""
    catalog, names = projection.catalog, projection.scenario_names
    header = [label(n, lang) for n in ("indicator", "milestone", "target", "required")]
    for scenario in names:
        header += [
            f"{scenario}: {label('projected', lang)}",
            f"{scenario}: {label('outcome', lang)}",
        ]
    grouped = by_target(rows)
    html_parts: list[str] = []
    domains = list(dict.fromkeys(domain_name(indicator, lang) for indicator in catalog.indicators))
    for number_, domain in enumerate(domains, start=1):
        members = [ind for ind in catalog.indicators if domain_name(ind, lang) == domain]
        table_rows: list[list[str]] = []
        styles: dict[tuple[int, int], str] = {}
        for indicator in members:
            for milestone in catalog.milestones:
                group = grouped[(indicator.key, milestone)]
                cells = [f"{indicator.id} {indicator_name(indicator, lang)}", str(milestone)]
                cells += [
                    target_text(indicator, milestone),
                    percent(group[0]["required_cagr_from_base"]),
                ]
                for s, row in enumerate(group):
                    cells += [
                        number(row["projected_value"]),
                        status_label(str(row["outcome"]), lang),
                    ]
                    styles[(len(table_rows), 5 + 2 * s)] = light_colour(str(row["outcome"]))
                table_rows.append(cells)
        numeric = (2, 3, *range(4, 4 + 2 * len(names), 2))
        html_parts += [
            f'<section id="domain-{number_}"><h3>{_e(domain)}</h3>',
            _html_table(header, table_rows, numeric=numeric, styles=styles),
            '<div class="charts">',
            *(_figure(charts[f"indicator_{ind.id:02d}_{ind.key}"]) for ind in members),
            "</div></section>",
        ]
    return html_parts


def _methodology_html(projection: Projection, scenarios: Sequence[Scenario], lang: Lang) -> str:
    rules = {
        "met": label("met", lang),
        "missed": f"R ≥ {FAR_OFF_RATIO}",
        "far_off": f"0 ≤ R < {FAR_OFF_RATIO}",
        "moving_away": "R < 0",
        "not_assessable": "–",
    }
    statuses = [[status_label(name, lang), rules[name]] for name in OUTCOMES]
    colours = {(r, 0): light_colour(name) for r, name in enumerate(OUTCOMES)}
    scenario_rows = [[s.name, s.description.strip(), s.source or ""] for s in scenarios]
    observed = projection.observed
    source_rows = [
        [_series_name(projection, o.key, lang), str(o.year), f"{o.value:,g}", o.grade, o.source]
        for o in (() if observed is None else observed.records)
    ]
    source_header = [label(n, lang) for n in ("indicator", "year", "value", "grade", "source")]
    return "\n".join(
        [
            _template(f"methodology_{lang}.html"),
            _html_table([label("outcome", lang), "R"], statuses, styles=colours),
            f"<h3>{_e(label('scenarios_title', lang))}</h3>",
            _html_table(
                [label(n, lang) for n in ("scenario", "description", "file")], scenario_rows
            ),
            f"<h3>{_e(label('sources_title', lang))}</h3>",
            _template(f"grades_{lang}.html"),
            _html_table(source_header, source_rows, numeric=(1, 2), css="sources"),
        ]
    )


def _series_name(projection: Projection, key: str, lang: Lang) -> str:
    series = projection.catalog[key]
    return f"{series.id} {series.name_zh if lang == 'zh' else series.name_en}"
