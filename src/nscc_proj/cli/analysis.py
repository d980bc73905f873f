"""Analysis commands: consistency of the targets, goal seek, and scenario validation.

Registered on the ``nscc`` app by ``cli``; like it, parse, call, render.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nscc_proj.cli.common import (
    DataOption,
    FormatOption,
    LangOption,
    Language,
    NoObservedOption,
    ObservedOption,
    OutputOption,
    app,
    emit,
    load_inputs,
    present,
    reports_errors,
    resolve_format,
)


@app.command()
@reports_errors
def consistency(
    ratios: Annotated[
        Path | None,
        typer.Option(
            "--ratios", help="Ratio definitions (CSV) [default: ratios.csv beside the table]."
        ),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Language.EN,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
) -> None:
    """List the ratios the targets imply, beside their base and latest observed values.

    Flags the ratios whose implied change runs against the observed trend.

    Example: nscc consistency
    """
    from nscc_proj.analysis.consistency import companion_ratios_path, consistency_table, load_ratios
    from nscc_proj.errors import InputError
    from nscc_proj.present.terminal.analysis import consistency_view

    out_format = resolve_format(fmt, output)
    catalog, observations = load_inputs(data, observed, no_observed)
    path = ratios or companion_ratios_path(catalog)
    if path is None:
        raise InputError("no ratio definitions: give --ratios FILE (see the README)")
    table = consistency_table(catalog, load_ratios(path, catalog), observations)
    present(
        table,
        out_format,
        output,
        lambda width: consistency_view(table, catalog.milestones, lang.value, width),
    )


@app.command()
@reports_errors
def solve(
    target: Annotated[
        str,
        typer.Option(
            "--target", help="The target to meet, KEY:MILESTONE, e.g. budget_revenue:2035."
        ),
    ],
    vary: Annotated[
        str,
        typer.Option("--vary", help="The assumption to solve for, KEY:PERIOD, e.g. gdp:2026-2035."),
    ],
    scenario: Annotated[
        str,
        typer.Option("--scenario", "-s", metavar="NAME|PATH", help="The scenario to start from."),
    ] = "base",
    fmt: FormatOption = None,
    output: OutputOption = None,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
) -> None:
    """Find the growth of one assumption over a period that meets a target exactly.

    Everything else in the scenario stays as it is: links, shocks and observed
    anchors included.

    Example: nscc solve --scenario base --target budget_revenue:2035 --vary gdp:2026-2035
    """
    from nscc_proj.analysis.solve import goal_seek_table, parse_target, parse_vary
    from nscc_proj.analysis.solve import solve as run_solve
    from nscc_proj.inputs.scenario import load_scenario
    from nscc_proj.present.export import Format
    from nscc_proj.present.terminal.analysis import solve_text

    out_format = resolve_format(fmt, output)
    catalog, observations = load_inputs(data, observed, no_observed)
    result = run_solve(
        catalog,
        load_scenario(scenario),
        parse_target(target, catalog),
        parse_vary(vary, catalog),
        observations,
    )
    if out_format is Format.TABLE:
        typer.echo(solve_text(result, catalog))
    else:
        emit(goal_seek_table(result), out_format, output)


@app.command()
@reports_errors
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(help="Scenario files to check.", show_default=False, metavar="FILE"),
    ],
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
) -> None:
    """Check scenario files without running them: errors exit 2, warnings are printed.

    Errors read file:line: field: message; warnings file:line: field: warning: message.

    Example: nscc validate scenarios/*.yaml
    """
    from nscc_proj.analysis.validate import validate_files

    catalog, observations = load_inputs(data, observed, no_observed)
    findings = validate_files(list(files), catalog, observations)
    for finding in findings:
        typer.echo(str(finding), err=finding.error)
    errors = sum(finding.error for finding in findings)
    warnings = len(findings) - errors
    typer.echo(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s)", err=bool(errors))
    if errors:
        raise typer.Exit(2)
