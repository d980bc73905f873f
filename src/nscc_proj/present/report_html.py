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
from nscc_proj.present.charts import Chart
from nscc_proj.present.labels import (
    Lang,
    grade_label,
    label,
    light_colour,
    scenario_label,
    source_text,
    status_label,
)
from nscc_proj.present.report_facts import (
    Probabilities,
    by_target,
    growth_header,
    growth_rows,
    headline,
    inputs_line,
    latest_cell,
    met_rows,
    need_cell,
    plan_title,
    probability_cell,
    probability_lookup,
    schedule_cell,
    short_indicator,
    value_parts,
)
from nscc_proj.present.verdict import VerdictTable, verdict_table
from nscc_proj.present.whatif import whatif_panel
from nscc_proj.present.wording import domain_name, indicator_name, target_text
from nscc_proj.present.workbook import (
    domain_counts,
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
    *,
    title: str | None = None,
    paths: int | None = None,
) -> str:
    """One self-contained page: charts as base64 PNG, styles inline, no network.

    Every piece of user text (names, units, scenario names and descriptions, sources)
    reaches the page through ``_e``, in text and in attributes alike.
    """
    by_name = {chart.name: chart for chart in charts}
    title = title or plan_title(projection, lang)
    whatif = whatif_panel(projection, scenarios, rows, lang)  # the live what-if section
    sections = [
        ("verdict", label("headline_title", lang)),
        ("summary", label("summary_title", lang)),
        ("domains", label("domains_title", lang)),
        (whatif.anchor, whatif.title),
        ("methodology", label("methodology", lang)),
    ]
    if probabilities is not None:
        sections.insert(2, ("probabilities", label("probabilities_title", lang)))
    headings = dict(sections)
    chances = probability_lookup(probabilities)
    body = [
        '<header class="top">',
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(inputs_line(projection, lang))}<br>{_e(stamp)}</p>',
        "<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in sections) + "</nav>",
        "</header>",
        f'<section id="verdict"><h2>{_e(headings["verdict"])}</h2>',
        '<ul class="headline">',
        *(f"<li>{_e(sentence)}</li>" for sentence in headline(projection, rows, lang)),
        "</ul>",
        *_verdict_html(verdict_table(projection, rows, lang, chances, paths), lang),
        "</section>",
        f'<section id="summary"><h2>{_e(headings["summary"])}</h2>',
        f"<h3>{_e(label('met_by_scenario', lang))}</h3>",
        _summary_html(projection, lang),
    ]
    growth = growth_rows(projection, rows, lang)
    body += [
        f"<h3>{_e(label('growth_title', lang))}</h3>",
        _html_table(
            growth_header(projection, lang), growth, numeric=tuple(range(2, 4 + len(scenarios)))
        ),
        _figure(by_name["growth_required_vs_scenario"]),
        f"<h3>{_e(label('heatmap_title', lang))}</h3>",
        _figure(by_name["status_heatmap"]),
        "</section>",
    ]
    if probabilities is not None:
        body += [
            f'<section id="probabilities"><h2>{_e(headings["probabilities"])}</h2>',
            *_probability_html(projection, probabilities, lang),
            "</section>",
        ]
    body += [
        f'<section id="domains"><h2>{_e(headings["domains"])}</h2>',
        *(
            [_note(label("probability_note", lang).format(paths=f"{paths:,}" if paths else "–"))]
            if chances
            else []
        ),
        *_domain_sections(projection, rows, by_name, lang, chances),
        "</section>",
        whatif.html,
        f'<section id="methodology"><h2>{_e(headings["methodology"])}</h2>',
        _methodology_html(projection, scenarios, lang),
        "</section>",
    ]
    template = Template(_template("report.html"))
    from nscc_proj import __version__

    return template.substitute(
        lang=lang,
        title=_e(title),
        body="\n".join(body),
        version=__version__,
        script_src=f"; script-src {whatif.script_source}",
    )


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


class _Markup(str):
    """A table cell already written as HTML (its user text escaped): not escaped again."""

    __slots__ = ()


def _valued(number: str, mark: str) -> str:
    """A value with its evidence mark as a badge (``obs`` bold, ``est`` italic)."""
    if not mark:
        return number
    css = "obs" if mark == "obs" or mark == "观测" else "est"
    return _Markup(f'{_e(number)} <span class="ev {css}">{_e(mark)}</span>')


def _verdict_html(table: VerdictTable, lang: Lang) -> list[str]:
    """The verdict table: a row per indicator under a row per domain, outcome cells in
    their status colour, evidence marks as badges; in a box that scrolls sideways on a
    phone; its legend under it."""
    head = "".join(f'<th scope="col">{_e(cell)}</th>' for cell in table.header)
    body = []
    for domain, rows in table.groups:
        body.append(
            f'<tr class="group"><th scope="colgroup" colspan="{len(table.header)}">'
            f"{_e(domain)}</th></tr>"
        )
        for row in rows:
            cells = []
            for k, cell in enumerate(row):
                css = ["icon"] if k == 0 else ["num"] if cell.numeric else []
                style = f' style="background:{light_colour(cell.status)}"' if cell.status else ""
                text = _valued(cell.text, cell.mark)
                shown = text if isinstance(text, _Markup) else _e(text)
                if cell.below:  # each part unbroken, the line broken between them
                    parts = (p for p in (cell.word, cell.chance) if p)
                    below = " · ".join(f"<span>{_e(part)}</span>" for part in parts)
                    shown += f'<span class="word">{below}</span>'
                attributes = f' class="{" ".join(css)}"' if css else ""
                cells.append(f"<td{attributes}{style}>{shown}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
    return [
        f"<h3>{_e(label('verdict_table_title', lang))}</h3>",
        f'<div class="scroll tall"><table class="verdict"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>",
        '<div class="legend">',
        *(_note(line) for line in table.legend),
        "</div>",
    ]


def _probability_html(projection: Projection, probabilities: Table, lang: Lang) -> list[str]:
    """The joint probability of meeting every target of each domain, per scenario."""
    rows = [row for row in probabilities if row["scope"] != "target"]
    domains = {ind.domain_en: domain_name(ind, lang) for ind in projection.catalog.indicators}
    milestones = sorted(
        {int(str(row["milestone"])) for row in rows if row["milestone"] is not None}
    )
    header = [
        label("domain", lang),
        *map(str, milestones),
        label("all_milestones", lang),
    ]
    out = []
    for scenario in dict.fromkeys(str(row["scenario"]) for row in rows):
        cells: dict[str, dict[object, str]] = {}
        for row in rows:
            if row["scenario"] == scenario:
                domain = row["domain"]
                name = (
                    domains.get(str(domain), str(domain))
                    if domain is not None
                    else label("all_targets", lang)
                )
                value = row["probability"]
                shown = "–" if not isinstance(value, float) else f"{100 * value:.1f}%"
                cells.setdefault(name, {})[row["milestone"]] = shown
        table = [
            [name, *(values.get(m, "–") for m in [*milestones, None])]
            for name, values in cells.items()
        ]
        out += [
            f"<h3>{_e(scenario_label(scenario, lang))}</h3>",
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
    """A table in a box that scrolls sideways on a narrow screen (the page itself does not)."""
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            attributes = ' class="num"' if c in numeric else ""
            style = (styles or {}).get((r, c))
            attributes += f' style="background:{style}"' if style else ""
            text = cell if isinstance(cell, _Markup) else _e(cell)
            cells.append(f"<td{attributes}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    opening = f'<table class="{css}">' if css else "<table>"
    return (
        f'<div class="scroll">{opening}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _summary_html(projection: Projection, lang: Lang) -> str:
    columns, cells = domain_counts(projection, lang)
    by_domain = [[domain, *counts] for domain, counts in cells.items()]
    return (
        _html_table(*met_rows(projection, lang), numeric=(2, 3, 4, 5))
        + f"<h3>{_e(label('met_by_domain', lang))}</h3>"
        + _html_table([label("domain", lang), *columns], by_domain, numeric=range(1, 99))
    )


def _domain_sections(
    projection: Projection,
    rows: Sequence[_Row],
    charts: Mapping[str, Chart],
    lang: Lang,
    chances: Probabilities,
) -> list[str]:
    """Per domain: every target with its readings as of the as-of year (the latest value,
    progress to date, the need from now), each scenario's value (marked ``obs``/``est``
    for a passed milestone) and outcome, its probability with a simulation; then charts."""
    catalog, names = projection.catalog, projection.scenario_names
    header = [
        label(n, lang)
        for n in ("indicator", "milestone", "target", "latest", "schedule", "need_now")
    ]
    per_scenario = ["value_at", "outcome_at"] + (["probability_at"] if chances else [])
    for scenario in names:
        shown = scenario_label(scenario, lang)
        header += [label(n, lang).format(scenario=shown) for n in per_scenario]
    grouped = by_target(rows)
    width = len(per_scenario)
    html_parts: list[str] = []
    domains = list(dict.fromkeys(domain_name(indicator, lang) for indicator in catalog.indicators))
    for number_, domain in enumerate(domains, start=1):
        members = [ind for ind in catalog.indicators if domain_name(ind, lang) == domain]
        table_rows: list[list[str]] = []
        styles: dict[tuple[int, int], str] = {}
        for indicator in members:
            for milestone in catalog.milestones:
                group = grouped[(indicator.key, milestone)]
                first = group[0]
                cells = [
                    f"{indicator.id} {indicator_name(indicator, lang)}",
                    str(milestone),
                    target_text(indicator, milestone),
                    latest_cell(projection, first, lang),
                    schedule_cell(first, lang),
                    need_cell(first, lang),
                ]
                for s, row in enumerate(group):
                    cells += [
                        _valued(*value_parts(projection, row, lang)),
                        status_label(str(row["outcome"]), lang),
                    ]
                    if chances:
                        found = chances.get((names[s], indicator.key, milestone))
                        cells.append(probability_cell(found, lang))
                    styles[(len(table_rows), 7 + width * s)] = light_colour(str(row["outcome"]))
                table_rows.append(cells)
        numeric = (
            2,
            3,
            5,
            *(6 + width * s for s in range(len(names))),
            *((8 + width * s for s in range(len(names))) if chances else ()),
        )
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
    scenario_rows = [
        [
            scenario_label(s.name, lang),
            ((s.description_zh if lang == "zh" else "") or s.description).strip(),
            _scenario_file(s.source, lang),
        ]
        for s in scenarios
    ]
    observed = projection.observed
    source_rows = [
        [
            _series_name(projection, o.key, lang),
            str(o.year),
            f"{o.value:,g}",
            grade_label(o.grade, lang),
            o.source,
        ]
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
    return short_indicator(series, lang)


def _scenario_file(source: str | None, lang: Lang) -> str:
    """Where a scenario was read from: a shipped one by its file name, "(shipped)" (its
    place inside the installed package says nothing to a reader), another as given."""
    from pathlib import Path

    from nscc_proj.inputs.scenario import shipped_scenario_dir

    if source is None:
        return ""
    path = Path(source)
    if path.parent.resolve() == shipped_scenario_dir().resolve():
        return source_text(f"{path.name} (shipped)", lang)
    return source
