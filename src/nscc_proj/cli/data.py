"""``nscc data``: the city's own figures in one step (template, then import)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nscc_proj.cli.common import (
    AsOfOption,
    DataOption,
    LangOption,
    Language,
    ObservedOption,
    app,
    command_group,
    deliver,
    emit,
    load_inputs,
    reports_errors,
    run_time,
)

if TYPE_CHECKING:
    from nscc_proj.inputs.catalog import Catalog
    from nscc_proj.inputs.observed import Observations
    from nscc_proj.inputs.scenario import Scenario

data_app = command_group(
    "data", "Put the city's own figures in: a workbook to fill in, then its checked import."
)


@data_app.command("template")
@reports_errors
def template(
    out: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).")],
    lang: LangOption = Language.EN,
    data: DataOption = None,
    observed: ObservedOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Write a workbook with every series and year to the as-of year, prefilled.

    Example: nscc data template -o observed.xlsx --lang zh
    """
    from nscc_proj.analysis.projection import resolve_as_of
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.data_exchange import template_workbook
    from nscc_proj.present.export import write_atomic

    if out.suffix.lower() != ".xlsx":
        raise InputError("the template is an Excel workbook: give a name ending in .xlsx")
    catalog, observations = load_inputs(data, observed, False)
    year = resolve_as_of(catalog, as_of)
    workbook = template_workbook(catalog, observations, year, lang.value, stamp=run_time())
    write_atomic(out, workbook)
    typer.echo(f"Wrote {out}: fill in the values, then `nscc data import {out}`", err=True)


@data_app.command("import")
@reports_errors
def import_(
    file: Annotated[Path, typer.Argument(help="A filled-in workbook (.xlsx) or a CSV.")],
    out: Annotated[Path, typer.Option("--output", "-o", help="The observed-values CSV to write.")],
    data: DataOption = None,
    observed: ObservedOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (unusual jumps) as errors.")
    ] = False,
) -> None:
    """Check a filled-in workbook or CSV, show what changed, and write the observed values.

    Example: nscc data import observed.xlsx -o data/observed.csv
    """
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.data_exchange import differences, import_rows, observed_csv
    from nscc_proj.present.export import write_atomic

    catalog, current = load_inputs(data, observed, False)
    imported = import_rows(file, catalog)
    for warning in imported.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if strict and imported.warnings:
        raise InputError(f"{len(imported.warnings)} warning(s) with --strict", source=str(file))
    changes = differences(current, imported.observations)
    for line in changes or ["no change against the current observed values"]:
        typer.echo(line)
    write_atomic(out, observed_csv(imported.observations, catalog))
    count = len(imported.observations.records) + len(imported.observations.growth)
    typer.echo(f"Wrote {count} observed values to {out}", err=True)


@app.command()
@reports_errors
def calibrate(
    scenario: Annotated[
        str,
        typer.Option("--scenario", "-s", metavar="NAME|PATH", help="The scenario to calibrate."),
    ] = "base",
    out: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the calibrated scenario here [default: stdout]."
        ),
    ] = None,
    stock: Annotated[
        list[str],
        typer.Option(
            "--stock",
            metavar="KEY",
            help="A slow stock (years of schooling, physicians per 1,000): the stock prior "
            "instead of its data. Repeat for several.",
        ),
    ] = [],  # noqa: B006 - typer reads the default from here
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Instead of writing the scenario, hold each series' last observation out and "
            "say whether it falls in the 90% band the earlier ones give (CSV), with the coverage.",
        ),
    ] = False,
    data: DataOption = None,
    observed: ObservedOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Estimate volatilities and correlations from the observed values.

    Writes a scenario that extends the one calibrated with an uncertainty block;
    with --check, tests the estimates on each series' last observation instead.

    Example: nscc calibrate -s base --stock education_years -o scenarios/base-calibrated.yaml
    """

    from nscc_proj.analysis.calibration import calibrate as run_calibration
    from nscc_proj.analysis.calibration import calibration_yaml
    from nscc_proj.analysis.projection import resolve_as_of
    from nscc_proj.analysis.rates import compile_scenarios
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.catalog import INDICATOR_HINT, unknown_name_message
    from nscc_proj.inputs.scenario import load_scenario

    catalog, observations = load_inputs(data, observed, False)
    if observations is None:
        raise InputError("calibration needs observed values: give --observed FILE")
    for key in stock:
        if key not in catalog.index:
            raise InputError(
                unknown_name_message("indicator", key, catalog.series_keys, INDICATOR_HINT),
                field="--stock",
            )
    loaded = load_scenario(scenario)
    year = resolve_as_of(catalog, as_of)
    if check:
        _check_calibration(catalog, loaded, observations.until(year), stock, out)
        return
    result = run_calibration(
        catalog,
        compile_scenarios(catalog, [loaded]),
        observations.until(year),
        stocks=stock,
    )
    text = calibration_yaml(result, loaded.name, observations.source, year)
    deliver(text, out, f"Wrote {out}: nscc simulate -s {out}")


def _check_calibration(
    catalog: Catalog,
    loaded: Scenario,
    observations: Observations,
    stock: list[str],
    out: Path | None,
) -> None:
    """The leave-last-out table as CSV (to ``out`` or stdout) and its coverage on stderr."""
    from nscc_proj.analysis.calibration import coverage, holdout_check
    from nscc_proj.analysis.rates import compile_scenarios
    from nscc_proj.present.export import Format

    table = holdout_check(catalog, compile_scenarios(catalog, [loaded]), observations, stocks=stock)
    emit(table, Format.CSV, out)
    inside, checked = coverage(table)
    share = f" ({inside / checked:.0%})" if checked else ""
    typer.echo(
        f"Coverage: {inside} of {checked} held-out values inside their 90% band{share}",
        err=True,
    )
