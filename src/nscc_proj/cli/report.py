"""``nscc report``: the report folder (HTML, charts, workbook, summary.md).

Registered on the ``nscc`` app by ``cli``; like it, parse, call, render.
matplotlib and openpyxl load only when the command runs.
"""

from __future__ import annotations

import contextlib
import itertools
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nscc_proj.cli.common import (
    MAX_SEED,
    AsOfOption,
    DataOption,
    Language,
    NoObservedOption,
    ObservedOption,
    ScenarioOption,
    StrictOption,
    app,
    check_range,
    load_inputs,
    load_scenarios,
    progress_bar,
    reports_errors,
    run_time,
)
from nscc_proj.errors import InputError

if TYPE_CHECKING:
    from nscc_proj.present.report import ChartJob


@app.command()
@reports_errors
def report(
    scenario: ScenarioOption = ["base"],  # noqa: B006 - typer reads the default from here
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder to write into (created if missing).", show_default=True
        ),
    ] = Path("report"),
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of the report, its charts included.")
    ] = Language.EN,
    simulate: Annotated[
        int,
        typer.Option(
            "--simulate",
            help="Also simulate N paths (1 to 10,000,000): fan bands and probabilities.",
        ),
    ] = 0,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the simulation, 0 to 2**63 - 1.")
    ] = 42,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
    as_of: AsOfOption = None,
    strict: StrictOption = False,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="Title of the report (default: the plan by name for the shipped table, "
            "else the table's file, with the as-of year).",
        ),
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help="Also print report.pdf (A4) with headless Chromium; skipped with a note "
            "when no Chromium is found.",
        ),
    ] = False,
) -> None:
    """Write report.html, charts (PNG and SVG), report.xlsx and summary.md into a folder.

    report.html is one self-contained file with its charts embedded; it opens
    without a network.

    The date under each chart is today's, or SOURCE_DATE_EPOCH's where set (the
    reproducible-builds convention), so a rerun can give the same files.

    Example: nscc report --scenario base --scenario high --out report/ --lang zh
    """
    from nscc_proj.analysis.projection import project as run_projection
    from nscc_proj.present.charts import chart_count, chart_workers
    from nscc_proj.present.report import build_report, check_folder, write_report

    check_range("--simulate", simulate, 1, 10_000_000, "paths", zero=True)
    check_range("--seed", seed, 0, MAX_SEED)
    if title is not None and not title.strip():
        raise InputError("give a title with some text, or leave --title out", field="title")
    stamp = run_time()
    started = time.perf_counter()
    check_folder(out)
    # On two cores or more, a process of its own draws the charts while this one loads,
    # simulates and writes the rest; it starts now, so its own start overlaps too.
    with _chart_job() as job:
        catalog, observations = load_inputs(data, observed, no_observed)
        scenarios = load_scenarios(scenario, catalog, observations, strict)
        result = run_projection(catalog, scenarios, observations, as_of)
        charts = chart_count(result)
        bands, probabilities, used_seed = None, None, None
        volatility: tuple[tuple[str, str], ...] = ()
        if simulate:
            from nscc_proj.analysis.simulation import simulate as run_simulation
            from nscc_proj.present.charts import bands_from_table

            simulation = run_simulation(
                catalog, scenarios, observations, paths=simulate, seed=seed, bands=True, as_of=as_of
            )
            bands = bands_from_table(simulation.bands_table())
        if job is not None:
            job.start(result, lang.value, bands, stamp, chart_workers(charts))
        if simulate:
            probabilities = simulation.table()
            used_seed, volatility = seed, simulation.volatility_sources()
        with progress_bar("Drawing charts") as update:
            drawn = itertools.count(1)
            rendered = build_report(
                result,
                scenarios,
                lang.value,
                bands=bands,
                seed=used_seed,
                probabilities=probabilities,
                paths=simulate or None,
                run_time=stamp,
                title=title.strip() if title else None,
                pdf=pdf,
                progress=lambda: update(next(drawn), charts),
                workers=chart_workers(charts),
                command=shlex.join(["nscc", *sys.argv[1:]]),
                volatility=volatility,
                charts=job,
            )
    for warning in rendered.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    write_report(rendered, out)
    pages = "report.html, report.pdf" if "report.pdf" in rendered.files else "report.html"
    typer.echo(
        f"Wrote {pages}, report.xlsx, summary.md and {2 * len(rendered.charts)} chart files "
        f"(charts/) to {out} in {time.perf_counter() - started:.1f} s",
        err=True,
    )


def _chart_job() -> contextlib.AbstractContextManager[ChartJob | None]:
    """A process of its own for the charts, on two cores or more, where one can start
    (a system without working process pipes draws them in the report's process)."""
    from nscc_proj.machine import usable_cores
    from nscc_proj.present.report import ChartJob

    if usable_cores() > 1:
        try:
            return ChartJob()
        except OSError:
            pass
    return contextlib.nullcontext()
