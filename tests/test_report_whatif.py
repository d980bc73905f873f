"""The report's live what-if panel: the page computes what the Python engine computes.

The page's script (templates/whatif.js) is an independent transcription of the engine;
the reference here is ``nscc project`` (the library's ``project``) on the scenario file the
page itself offers for download, so neither side's numbers come from the other. Pages are
built on the frozen data (tests/data) with the as-of year fixed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import nscc_proj.cli.report  # noqa: F401 - registers `nscc report` on the app
import nscc_proj.present.report as report_module
from conftest import REPORT_TIME, frozen_data, frozen_scenario
from nscc_proj.analysis.projection import Projection, project
from nscc_proj.cli import app
from nscc_proj.cli.common import load_inputs
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import Scenario, load_scenario, scenario_from_dict
from nscc_proj.present.labels import label
from nscc_proj.present.report import build_report
from nscc_proj.present.report_facts import pace_from_now
from nscc_proj.present.whatif import (
    json_block,
    script_hash,
    script_text,
    whatif_panel,
)

AS_OF = 2025
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SETTINGS_PER_PAGE = 20
# (language, scenarios): the panel works on the first; high gives GDP as real growth with a
# deflator and links with changes, shock gives shocks.
PAGES = {
    "en-base": ("en", ("base", "high")),
    "zh-high": ("zh", ("high", "base")),
    "en-shock": ("en", ("shock", "base")),
}


@pytest.fixture(scope="module")
def inputs() -> tuple[Catalog, Observations | None]:
    with frozen_data():
        return load_inputs(None, None, False)


def _projection(
    inputs: tuple[Catalog, Observations | None], scenarios: list[Scenario]
) -> Projection:
    catalog, observed = inputs
    return project(catalog, scenarios, observed, AS_OF)


@pytest.fixture(scope="module")
def pages(
    inputs: tuple[Catalog, Observations | None], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """report.html of each of PAGES. The charts are drawn once, for the first page, and
    reused by the others (the panel reads no chart; drawing them all again is slow)."""
    folder = tmp_path_factory.mktemp("whatif")
    out: dict[str, Path] = {}
    charts: list[Any] = []
    for name, (lang, names) in PAGES.items():
        scenarios = [frozen_scenario(n) for n in names]
        projection = _projection(inputs, scenarios)
        with pytest.MonkeyPatch.context() as patch:
            if charts:
                patch.setattr(report_module, "render_charts", _drawn(charts))
            report = build_report(projection, scenarios, lang, run_time=REPORT_TIME)  # type: ignore[arg-type]
        charts = list(report.charts)
        out[name] = folder / f"{name}.html"
        out[name].write_bytes(report.files["report.html"])
    return out


def _drawn(charts: list[Any]) -> Any:
    """A stand-in for ``render_charts`` that gives charts drawn before."""
    return lambda *_args, **_kwargs: (charts, [])


# --- Without a browser ----------------------------------------------------------------------


def test_the_page_allows_the_panel_script_by_its_hash_and_nothing_else(
    pages: dict[str, Path],
) -> None:
    page = pages["en-base"].read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy
    expected = f"script-src {script_hash(script_text())}"
    assert policy.group(1) == (
        f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; {expected}"
    )
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    executable = [body for attributes, body in scripts if "application/json" not in attributes]
    assert executable == [script_text()]
    hashed = base64.b64encode(hashlib.sha256(executable[0].encode()).digest()).decode()
    assert f"'sha256-{hashed}'" in policy.group(1)
    assert 'id="whatif"' in page
    assert re.search(r"@media print \{[^}]*\.whatif \{ display: none; \}", page)


def test_hostile_names_stay_data(inputs: tuple[Catalog, Observations | None]) -> None:
    """A scenario name that tries to close the JSON block or the script stays text."""
    hostile = "</script><script>alert(1)</script><!--&amp;"
    scenario = scenario_from_dict(
        {"name": hostile.replace(" ", ""), "description": "<b>x</b>", "growth": {"gdp": 0.05}}
    )
    projection = _projection(inputs, [scenario])
    panel = whatif_panel(projection, [scenario], projection.assessment_table.records(), "en")
    assert "</script><script>alert" not in panel.html
    assert "<!--&amp;" not in panel.html
    block = re.search(
        r'<script type="application/json" id="whatif-data">(.*?)</script>', panel.html, re.S
    )
    assert block
    data = json.loads(block.group(1))
    assert data["scenario"] == hostile.replace(" ", "")
    assert json_block({"a": "</script>&<"}) == '{"a":"\\u003c/script\\u003e\\u0026\\u003c"}'


# --- In the browser ---------------------------------------------------------------------------

_PROBE = """
window.nsccErrors = [];
window.addEventListener("error", (e) => nsccErrors.push(String(e.message || "load error")), true);
document.addEventListener("securitypolicyviolation",
  (e) => nsccErrors.push("CSP " + e.violatedDirective + " " + e.blockedURI));
window.addEventListener("load", () => {
  const settings = SETTINGS;
  const panel = document.getElementById("whatif");
  const read = () => ({
    cells: [...panel.querySelectorAll("tr[data-m]")].map((tr) => ({
      t: Number(tr.dataset.t), m: Number(tr.dataset.m),
      value: tr.querySelector(".wi-v").dataset.value,
      met: tr.querySelector(".wi-s").dataset.met,
      outcome: tr.querySelector(".wi-s").dataset.outcome,
      pace: tr.querySelector(".wi-p").dataset.value,
    })),
    yaml: document.getElementById("wi-download").getAttribute("href"),
    summary: document.getElementById("wi-summary").textContent,
    edited: panel.querySelectorAll(".wi-row.wi-edited").length,
  });
  const results = settings.map((setting) => {
    document.getElementById("wi-reset").click();
    for (const [n, value, bySlider] of setting) {
      const row = panel.querySelector(`.wi-row[data-n="${n}"]`);
      const input = row.querySelector(bySlider ? "input.wi-slide" : "input.wi-in");
      input.value = value;
      input.dispatchEvent(new Event("input", {bubbles: true}));
    }
    return read();
  });
  document.getElementById("wi-reset").click();
  const after = read();
  const rows = [...panel.querySelectorAll(".wi-row")];
  const probe = document.createElement("pre");
  probe.id = "nscc-probe";
  probe.textContent = JSON.stringify({
    errors: nsccErrors,
    resources: performance.getEntriesByType("resource").length,
    lang: document.documentElement.lang,
    title: panel.querySelector("h2").textContent,
    results, after,
    edits: [...panel.querySelectorAll("input.wi-in")].map((i) => ({
      n: Number(i.closest(".wi-row").dataset.n), value: i.value,
      min: Number(i.closest(".wi-row").querySelector(".wi-slide").min),
      max: Number(i.closest(".wi-row").querySelector(".wi-slide").max),
      step: Number(i.closest(".wi-row").querySelector(".wi-slide").step),
    })),
    wide: rows.filter((row) => row.getBoundingClientRect().right > window.innerWidth + 0.5).length,
    panelScroll: panel.scrollWidth - panel.clientWidth,
    width: window.innerWidth,
  });
  if (window.parent !== window) {
    window.parent.postMessage(probe.textContent, "*");
  } else {
    document.body.appendChild(probe);
  }
});
"""
# Headless Chromium's window is at least 500 px wide: a phone's 400 px is a frame that wide.
_HOST = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="PAGE" width="400" height="900" style="border:0"></iframe>
<script>
window.addEventListener("message", (e) => {
  const probe = document.createElement("pre");
  probe.id = "nscc-probe";
  probe.textContent = e.data;
  document.body.appendChild(probe);
});
</script></body></html>"""


def _chromium(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium as tests/test_report.py runs it, with a fresh profile."""
    profile = folder / f"profile-{len(list(folder.glob('profile-*')))}"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    flags += ["--disable-component-update", "--disable-sync", "--no-first-run"]
    flags += ["--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
    command = [str(CHROMIUM), *flags, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def _run_probe(
    page: Path, folder: Path, settings: list[Any], *, phone: bool = False
) -> dict[str, Any]:
    """The page with a probe before its script (allowed by its own hash in a copy's CSP);
    with ``phone``, in a frame 400 px wide."""
    probe = _PROBE.replace("SETTINGS", json.dumps(settings))
    text = page.read_text(encoding="utf-8")
    text = text.replace("script-src ", f"script-src {script_hash(probe)} ", 1)
    text = text.replace("<head>", f"<head><script>{probe}</script>", 1)
    copy = folder / f"probe-{page.name}"
    copy.write_text(text, encoding="utf-8")
    opened = copy
    if phone:
        opened = folder / f"host-{page.name}"
        opened.write_text(_HOST.replace("PAGE", copy.name), encoding="utf-8")
    dom = _chromium(folder, "--virtual-time-budget=20000", "--dump-dom", opened.as_uri())
    found = re.search(r'<pre id="nscc-probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    result: dict[str, Any] = json.loads(
        found.group(1)
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    result["console"] = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    return result


def _random_settings(edits: list[dict[str, Any]], rng: random.Random) -> list[list[Any]]:
    """Settings for a random subset of the inputs: typed numbers of a few decimals, full
    doubles, and now and then a slider moved instead."""
    chosen = rng.sample(edits, rng.randint(1, len(edits)))
    out = []
    for edit in chosen:
        low, high = edit["min"], edit["max"]
        if rng.random() < 0.15:
            steps = round((high - low) / edit["step"])
            out.append([edit["n"], repr(round(low + edit["step"] * rng.randint(0, steps), 6)), 1])
            continue
        value = rng.uniform(low, high)
        text = repr(value) if rng.random() < 0.3 else f"{value:.{rng.randint(0, 4)}f}"
        if float(text) == float(edit["value"]):
            text = repr(float(text) + 0.5)
        out.append([edit["n"], text, 0])
    return out


def _number(text: str) -> float:
    return math.nan if text == "" else float(text)


def _close(page: float, python: float, *, absolute: float = 0.0) -> bool:
    if math.isnan(python) or math.isnan(page):
        return math.isnan(python) and math.isnan(page)
    return math.isclose(page, python, rel_tol=1e-9, abs_tol=absolute)


def _compare(found: dict[str, Any], projection: Projection, scenario: str) -> int:
    """Every number the page shows for its panel against the Python projection."""
    catalog = projection.catalog
    s = projection.scenario_names.index(scenario)
    rows = {
        (str(row["indicator_key"]), int(str(row["milestone"]))): row
        for row in projection.assessment_table.records()
        if row["scenario"] == scenario
    }
    compared = 0
    for cell in found["cells"]:
        i, m = cell["t"], cell["m"]
        where = (catalog.indicators[i].key, catalog.milestones[m])
        projected = float(projection.assessment.projected[s, i, m])
        assert _close(_number(cell["value"]), projected), (where, cell, projected)
        met = projection.assessment.met[s, i, m]
        assert cell["met"] == ("" if math.isnan(met) else str(int(met))), (where, cell, met)
        row = rows[where]
        assert cell["outcome"] == row["outcome"], (where, cell, row["outcome"])
        pace = pace_from_now(projection, row)
        # A pace of zero (a value equal to the latest) is zero on one side and 1e-17 on the other.
        assert _close(_number(cell["pace"]), pace, absolute=1e-12), (where, cell, pace)
        compared += 1
    return compared


@pytest.fixture
def scenario_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where downloaded scenarios are saved: an empty working folder on the frozen data, so
    ``extends: base`` finds the frozen base."""
    with frozen_data():
        monkeypatch.chdir(tmp_path)
        yield tmp_path


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
@pytest.mark.parametrize("page_name", list(PAGES))
def test_the_page_computes_what_nscc_project_computes(
    page_name: str,
    pages: dict[str, Path],
    inputs: tuple[Catalog, Observations | None],
    scenario_folder: Path,
) -> None:
    lang, names = PAGES[page_name]
    page = pages[page_name]
    first = _run_probe(page, scenario_folder, [])
    edits = first["edits"]
    assert len(edits) >= 20
    rng = random.Random(f"whatif-{page_name}")  # seeded: the same settings every run
    settings: list[list[Any]] = [[]] + [
        _random_settings(edits, rng) for _ in range(SETTINGS_PER_PAGE)
    ]
    found = _run_probe(page, scenario_folder, settings)

    assert found["errors"] == []
    assert found["console"] == []
    assert found["resources"] == 0  # nothing fetched: the CSP allows no network
    assert found["lang"] == lang
    assert found["title"] == label("whatif.title", lang)

    report_scenarios = [frozen_scenario(n) for n in names]
    reference = _projection(inputs, report_scenarios)
    assert _compare(found["results"][0], reference, names[0]) == 2 * 31
    assert found["after"]["cells"] == found["results"][0]["cells"]  # reset restores it

    for k, (setting, result) in enumerate(zip(settings, found["results"], strict=True)):
        prefix = "data:text/yaml;charset=utf-8,"
        assert result["yaml"].startswith(prefix)
        text = urllib.parse.unquote(result["yaml"][len(prefix) :])
        path = scenario_folder / f"whatif-{k}.yaml"
        path.write_text(text, encoding="utf-8")
        scenario = load_scenario(path)
        assert scenario.extends == names[0]
        assert len(scenario.growth) == result["edited"] >= (1 if setting else 0), text
        projection = _projection(inputs, [scenario])
        assert _compare(result, projection, scenario.name) == 2 * 31, text

    # The same file through the command line, as a reader would run it.
    command = ["project", "--scenario", str(path), "--as-of", str(AS_OF), "-f", "csv"]
    run = CliRunner().invoke(app, command)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.count("\n") == 1 + 2 * 31


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt install chromium)")
def test_the_panel_fits_a_phone(pages: dict[str, Path], tmp_path: Path) -> None:
    for name in ("en-base", "zh-high"):
        found = _run_probe(pages[name], tmp_path, [], phone=True)
        assert found["errors"] == []
        assert found["width"] == 400
        assert found["wide"] == 0
        assert found["panelScroll"] <= 0
