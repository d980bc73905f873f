"""The report's live what-if panel: move a growth assumption, watch the targets respond.

One section of ``report.html``: for each series of the panel's scenario (the report's
first) a number input and a slider set its yearly growth, in the unit the scenario
gives it (% a year, real % a year, points or places a year, a ratio's or a count's
growth), from the year after its latest observation; the 2025/2035 values, met or
missed, and each target's pace from the latest value beside its need update at once.
A reset button restores the scenario; a link downloads the settings as a scenario file
(``extends:`` the panel's scenario) that ``nscc project --scenario FILE`` runs.

The computation is ``templates/whatif.js``, a hand-written transcription of the engine
for one scenario (no library, no network), embedded in the page and allowed by a CSP
``script-src 'sha256-…'`` hash of its exact text. The data it needs go in as a JSON
block (``<`` ``>`` ``&`` escaped, so no text can close it). Every piece of user text is
escaped here and reaches the page as text; the script writes numbers and catalogue words
with ``textContent`` only. A browser test holds the page's numbers to the Python engine.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from nscc_proj.analysis.projection import Projection
from nscc_proj.analysis.rates import compile_scenarios, deflator_steps
from nscc_proj.analysis.standing import period_start
from nscc_proj.core.assess import OUTCOMES
from nscc_proj.core.engine import Link, Links, Mode, link_depth
from nscc_proj.inputs.catalog import Indicator, Kind
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.present.labels import Lang, label, light_colour, scenario_label, status_label
from nscc_proj.present.wording import (
    domain_name,
    indicator_name,
    need_words,
    target_text,
    unit_text,
)
from nscc_proj.table import Cell

_Row = dict[str, Cell]
SCRIPT = "whatif.js"
ANCHOR = "whatif"


@dataclass(frozen=True)
class WhatIf:
    """The panel: its section of HTML (data and script included), and the CSP source
    expression (``'sha256-…'``) that allows its script and nothing else."""

    html: str
    script_source: str
    title: str
    anchor: str = ANCHOR


def script_text() -> str:
    """The panel's script, exactly as it goes into the page (its hash is of this text)."""
    text = resources.files("nscc_proj").joinpath("templates", SCRIPT).read_text(encoding="utf-8")
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"{SCRIPT} must not contain '</script' or '<!--'")
    return text


def script_hash(text: str) -> str:
    """The CSP source expression of an inline script: sha256 of its UTF-8 text, base64."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def json_block(data: object) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped,
    so no text inside can end the block or open a comment."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def whatif_panel(
    projection: Projection, scenarios: Sequence[Scenario], rows: Sequence[_Row], lang: Lang
) -> WhatIf:
    """The panel for the report's first scenario (``rows``: the assessment's records)."""
    scenario = scenarios[0]
    script = script_text()
    data, edits = panel_data(projection, scenario, rows, lang)
    title = _word("title", lang)
    section = [
        f'<section id="{ANCHOR}" class="whatif"><h2>{_e(title)}</h2>',
        _p(
            _word("intro", lang).format(
                scenario=scenario_label(scenario.name, lang), as_of=projection.as_of
            )
        ),
        f"<noscript>{_p(_word('noscript', lang))}</noscript>",
        '<div class="wi-bar">',
        f'<button type="button" id="wi-reset">{_e(_word("reset", lang))}</button>',
        f'<a id="wi-download" href="#">{_e(_word("download", lang))}</a>',
        '<span id="wi-summary" aria-live="polite"></span>',
        "</div>",
        *_rows_html(projection, data, edits, rows, lang),
        f'<script type="application/json" id="whatif-data">{json_block(data)}</script>',
        f"<script>{script}</script>",
        "</section>",
    ]
    return WhatIf("\n".join(section), script_hash(script), title)


# --- The data the script computes from ------------------------------------------------------


def _plain(value: float) -> float | None:
    return None if not math.isfinite(value) else float(value)


def _list(values: np.ndarray) -> list[float | None]:
    return [_plain(float(v)) for v in values]


def panel_data(
    projection: Projection, scenario: Scenario, rows: Sequence[_Row], lang: Lang
) -> tuple[dict[str, Any], dict[int, dict[str, Any] | str]]:
    """The JSON the script reads, and per shown series its setting (or why it is fixed)."""
    catalog = projection.catalog
    arrays = compile_scenarios(catalog, [scenario])
    years = catalog.years
    first_year, n_steps = int(years[0]), len(years) - 1
    observed = None if projection.observed is None else projection.observed.array(catalog)
    deflator = deflator_steps(catalog, scenario)
    mode, link, driver = arrays.mode[0], arrays.link[0], arrays.driver[0]
    depth = link_depth(Links(arrays.link, arrays.driver))[0]
    drivers = {int(d) for d in driver[driver >= 0]}
    shown = [n for n in range(len(catalog.series)) if n < len(catalog) or n in drivers]
    edits: dict[int, dict[str, Any] | str] = {}
    series = []
    for n, item in enumerate(catalog.series):
        seen = np.full(len(years), np.nan) if observed is None else observed[n]
        has_seen = bool((~np.isnan(seen)).any())
        latest = int(np.flatnonzero(~np.isnan(seen))[-1]) if has_seen else -1
        start = int(projection.base_year[n]) - first_year
        from_step = max(latest, start)
        shift = arrays.shift[0, n]
        identity = 0.0 if mode[n] == Mode.ADDITIVE else 1.0
        edit = _edit(
            item,
            arrays.basis[0][n],
            Mode(int(mode[n])),
            Link(int(link[n])),
            arrays.growth[0, n],
            deflator,
            from_step,
            float(projection.base_value[n]),
            first_year,
            catalog.series[int(driver[n])] if driver[n] >= 0 else None,
            lang,
        )
        if n in shown:
            edits[n] = edit
        series.append(
            {
                "key": item.key,
                "mode": int(mode[n]),
                "link": int(link[n]),
                "driver": int(driver[n]),
                "base": _plain(float(projection.base_value[n])),
                "start": start,
                "lower": _plain(float(catalog.lower_bound[n])),
                "upper": _plain(float(catalog.upper_bound[n])),
                "steps": _list(arrays.growth[0, n]),
                "shift": None if bool((shift == identity).all()) else _list(shift),
                "observed": _list(seen) if has_seen else None,
                "edit": edit if isinstance(edit, dict) and n in shown else None,
            }
        )
    assert n_steps == arrays.growth.shape[-1]
    order = sorted(range(len(catalog.series)), key=lambda n: (int(depth[n]), n))
    words = {f"status.{name}": status_label(name, lang) for name in OUTCOMES}
    words |= {f"unit.{unit}": label(f"need_unit.{unit}", lang) for unit in _NEED_UNITS}
    words |= {name: _word(name, lang) for name in ("summary", "now_met", "now_missed")}
    source = scenario.source
    parent = scenario.name
    if source is not None:
        stem = source.replace("\\", "/").rsplit("/", 1)[-1]
        parent = stem.rsplit(".", 1)[0] if stem.endswith((".yaml", ".yml")) else parent
    data = {
        "lang": lang,
        "asOf": projection.as_of,
        "years": [int(y) for y in years],
        "milestones": list(catalog.milestones),
        "scenario": scenario.name,
        "extends": parent,
        "description": f"A what-if on {scenario.name} set in a report's what-if panel "
        f"(as of {projection.as_of}).",
        "fileName": "whatif-"
        + "".join(c if c.isalnum() or c in "_-." else "_" for c in parent)
        + ".yaml",
        "labels": words,
        "colours": {name: light_colour(name) for name in OUTCOMES},
        "order": order,
        "series": series,
        "targets": _targets(projection, rows),
    }
    return data, edits


_NEED_UNITS = ("rate", "rate_remaining", "points", "places")


def _edit(
    item: Indicator,
    basis: str,
    mode: Mode,
    link: Link,
    steps: np.ndarray,
    deflator: np.ndarray,
    from_step: int,
    base: float,
    first_year: int,
    driver: Indicator | None,
    lang: Lang,
) -> dict[str, Any] | str:
    """How a series is set in the panel, or why it cannot be (a sentence)."""
    driver_name = "" if driver is None else _short(driver, lang)
    if link == Link.RATE_OF:
        return _word("fixed.rate_of", lang).format(driver=driver_name)
    if math.isnan(base):
        return _word("fixed.no_base", lang)
    if from_step >= len(steps):
        return _word("fixed.observed", lang)
    form = basis.split(":", 1)[0]
    change = mode == Mode.ADDITIVE
    shown = np.array(steps[from_step:], dtype=float)
    if form == "real+deflator":
        form = "real"
        defl = deflator[from_step:]
        if np.isnan(defl).any():
            missing = first_year + from_step + 1 + np.flatnonzero(np.isnan(defl))
            span = f"{missing[0]}" if missing.size == 1 else f"{missing[0]}-{missing[-1]}"
            return _word("fixed.deflator", lang).format(years=span)
        shown = ((1.0 + shown) / (1.0 + defl) - 1.0) * 100.0
    elif not change and mode != Mode.DIRECT:
        shown = shown * 100.0
    values = [float(f"{v:.10g}") for v in shown]
    unit_words = _unit_words(item, form, change, mode, driver_name, lang)
    runs: list[tuple[int, int, float]] = []
    for k, value in enumerate(values):
        year = first_year + from_step + 1 + k
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], year, value)
        else:
            runs.append((year, year, value))
    hint = ""
    if len(runs) > 1:
        hint = _word("scenario_steps", lang).format(
            steps=" · ".join(f"{a}{'' if a == b else f'–{b}'}: {v:g}" for a, b, v in runs)
        )
    initial = values[0]
    if change:
        reach = 3.0 if item.kind is Kind.RANK else 2.0
        low, high, step = min(initial, 0.0) - reach, max(initial, 0.0) + reach, 0.05
    else:
        low, high, step = max(-50.0, min(initial, 0.0) - 10.0), max(initial, 0.0) + 10.0, 0.1
    return {
        "from": from_step,
        "form": form,
        "unit": "change" if change else "percent",
        "driver": None if driver is None else driver.key,
        "deflator": _list(deflator) if form == "real" else None,
        "initial": initial,
        "min": math.floor(low * 10) / 10,
        "max": math.ceil(high * 10) / 10,
        "step": step,
        "words": unit_words,
        "fromYear": first_year + from_step + 1,
        "hint": hint,
    }


def _unit_words(
    item: Indicator, form: str, change: bool, mode: Mode, driver: str, lang: Lang
) -> str:
    unit = unit_text(item, lang)
    if form in ("ratio_to", "share_of"):
        name = "ratio_change" if change else "ratio_rate"
    elif form == "per":
        name = "per_change" if change else "per_rate"
    elif form == "real":
        name = "real"
    elif mode == Mode.DIRECT:
        name = "growth_rate"
    elif change:
        name = (
            "places"
            if item.kind is Kind.RANK
            else "points"
            if item.kind.is_percent_bounded
            else "change"
        )
    else:
        name = "rate"
    return _word(f"unit.{name}", lang).format(driver=driver, unit=unit)


def _short(item: Indicator, lang: Lang) -> str:
    return item.name_zh if lang == "zh" else item.key


def _targets(projection: Projection, rows: Sequence[_Row]) -> list[dict[str, Any]]:
    """Per indicator: what the script needs to judge its targets as ``assess`` does."""
    catalog = projection.catalog
    first_year = int(catalog.years[0])
    standing = projection.standing
    required = projection.assessment.required_cagr[0]
    out = []
    for i, indicator in enumerate(catalog.indicators):
        growth_rate = indicator.kind is Kind.GROWTH_RATE
        base_year = int(projection.base_year[i])
        milestones = []
        for m, milestone in enumerate(catalog.milestones):
            previous = catalog.milestones[m - 1] if m > 0 else None
            span_start = (
                max(base_year, previous) if growth_rate and previous is not None else base_year
            )
            need = float(standing.need[i, m])
            latest_year = float(standing.latest_year[i, m])
            milestones.append(
                {
                    "milestone": milestone,
                    "index": milestone - first_year,
                    "spanStart": span_start - first_year,
                    "value": _plain(float(catalog.target_value[i, m])),
                    "low": _plain(float(catalog.acceptable_low[i, m])),
                    "high": _plain(float(catalog.acceptable_high[i, m])),
                    "required": _plain(float(required[i, m])),
                    "needUnit": None if math.isnan(need) else standing.need_unit[i],
                    "latestYear": None if math.isnan(latest_year) else int(latest_year),
                    "latestValue": _plain(float(standing.latest_value[i, m])),
                    "periodStart": period_start(catalog, i, m),
                }
            )
        out.append(
            {
                "series": i,
                "key": indicator.key,
                "growthRate": growth_rate,
                "whole": indicator.kind in (Kind.COUNT, Kind.RANK),
                "direction": int(indicator.direction.sign),
                "milestones": milestones,
            }
        )
    return out


# --- The HTML ---------------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text))


def _p(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _rows_html(
    projection: Projection,
    data: dict[str, Any],
    edits: dict[int, dict[str, Any] | str],
    rows: Sequence[_Row],
    lang: Lang,
) -> list[str]:
    catalog = projection.catalog
    need_by = {
        (str(row["indicator_key"]), int(str(row["milestone"]))): need_words(row, lang)
        for row in rows
        if row["scenario"] == projection.scenario_names[0]
    }
    out: list[str] = []
    domain = None
    for n, edit in edits.items():
        item = catalog.series[n]
        heading = domain_name(item, lang) if n < len(catalog) else _word("context", lang)
        if heading != domain:
            out.append(f"<h3>{_e(heading)}</h3>")
            domain = heading
        out.append(f'<div class="wi-row" data-n="{n}">')
        out.append(f'<div class="wi-name">{_e(f"{item.id} {indicator_name(item, lang)}")}</div>')
        out.append('<div class="wi-set">')
        if isinstance(edit, dict):
            label_id = f"wi-in-{n}"
            out += [
                f'<label for="{label_id}">{_e(edit["words"])} · '
                f"{_e(_word('from', lang).format(year=edit['fromYear']))}</label>",
                f'<input class="wi-in" id="{label_id}" type="number" step="any" '
                f'value="{edit["initial"]:.10g}" inputmode="decimal">',
                f'<input class="wi-slide" type="range" min="{edit["min"]!r}" '
                f'max="{edit["max"]!r}" step="{edit["step"]!r}" value="{edit["initial"]:.10g}" '
                f'aria-label="{_e(edit["words"])}">',
            ]
            if edit["hint"]:
                out.append(f'<div class="wi-hint">{_e(edit["hint"])}</div>')
        else:
            out.append(f'<div class="wi-fixed">{_e(edit)}</div>')
        out.append("</div>")
        if n < len(catalog):
            out.append(_results_html(catalog.indicators[n], n, catalog.milestones, need_by, lang))
        out.append("</div>")
    return out


def _results_html(
    indicator: Indicator,
    i: int,
    milestones: Sequence[int],
    need_by: dict[tuple[str, int], str],
    lang: Lang,
) -> str:
    names = ("year", "target", "value", "outcome", "need", "pace")
    head = "".join(f"<th>{_e(_word(name, lang))}</th>" for name in names)
    body = []
    for m, milestone in enumerate(milestones):
        body.append(
            f'<tr data-t="{i}" data-m="{m}"><td>{milestone}</td>'
            f'<td class="num">{_e(target_text(indicator, milestone))}</td>'
            '<td class="num wi-v"></td><td class="wi-s"></td>'
            f'<td class="num">{_e(need_by.get((indicator.key, milestone), "–"))}</td>'
            '<td class="num wi-p"></td></tr>'
        )
    return (
        '<div class="wi-out"><table><thead><tr>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _word(name: str, lang: Lang) -> str:
    """The panel's word ``name`` (``whatif.<name>`` in the label catalogue)."""
    return label(f"whatif.{name}", lang)
