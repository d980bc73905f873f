"""Commands about the targets: project, required, check, indicators."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nscc_proj.cli.common import (
    EXIT_CHECK_FAILED,
    AsOfOption,
    DataOption,
    FormatOption,
    LangOption,
    Language,
    NoObservedOption,
    ObservedOption,
    OutputOption,
    RegionOption,
    ScenarioOption,
    SeriesFormatOption,
    StrictOption,
    app,
    check_region,
    emit,
    iamc_labels,
    load_inputs,
    load_scenarios,
    load_table,
    present,
    reports_errors,
    resolve_format,
)

if TYPE_CHECKING:
    from rich.console import RenderableType


@app.command()
@reports_errors
def project(
    scenario: ScenarioOption = ["base"],  # noqa: B006 - typer reads the default from here
    fmt: SeriesFormatOption = None,
    output: OutputOption = None,
    paths: Annotated[
        bool,
        typer.Option(
            "--paths", help="Output the yearly paths instead of the assessment (as CSV by default)."
        ),
    ] = False,
    lang: LangOption = Language.EN,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
    as_of: AsOfOption = None,
    strict: StrictOption = False,
    region: RegionOption = None,
) -> None:
    """Project every indicator under the scenarios and assess each target.

    With --format iamc, the yearly paths in the IAMC layout (pyam.IamDataFrame reads it).

    Example: nscc project --scenario base --scenario high --format csv -o assessment.csv
    """
    from nscc_proj.analysis.projection import project as run_projection
    from nscc_proj.analysis.projection import resolve_as_of
    from nscc_proj.present.export import Format

    out_format = resolve_format(fmt, output)
    check_region(region, out_format)
    catalog, observations = load_inputs(data, observed, no_observed)
    year = resolve_as_of(catalog, as_of)  # checked before the scenarios are read
    result = run_projection(
        catalog, load_scenarios(scenario, catalog, observations, strict), observations, year
    )
    if out_format is Format.IAMC:
        from nscc_proj.present.iamc import paths_iamc

        emit(
            paths_iamc(catalog, result.path_table, **iamc_labels(catalog, region)),
            out_format,
            output,
        )
        return
    if paths:
        present(result.path_table, out_format, output, None)
        return

    def view(width: int) -> RenderableType:
        from nscc_proj.present.terminal.render import assessment_view  # rich only for the terminal

        return assessment_view(catalog, result.assessment_table, lang.value, width)

    present(result.assessment_table, out_format, output, view)


class Origin(StrEnum):
    BASE = "base"
    LATEST = "latest"


@app.command()
@reports_errors
def required(
    origin: Annotated[
        Origin | None,
        typer.Option(
            "--from",
            help="base: from the base year and between milestones; latest: from the latest "
            "observation, in each indicator's own unit [default: latest when observed values "
            "are loaded, else base].",
            show_default=False,
        ),
    ] = None,
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario",
            "-s",
            metavar="NAME|PATH",
            help="Scenario naming the level each growth-rate target is read off (rate_of).",
        ),
    ] = "base",
    write_scenario: Annotated[
        Path | None,
        typer.Option(
            "--write-scenario",
            help="Also write a scenario that meets every target exactly (from --from's origin).",
        ),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Language.EN,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Show what each target needs a year, from the latest observation or the base.

    Example: nscc required --from latest --format csv
    """
    from nscc_proj.analysis.projection import rate_sources, resolve_as_of
    from nscc_proj.analysis.rates import compile_scenarios
    from nscc_proj.analysis.requirements import (
        required_from_latest,
        required_growth,
        yardstick_scenario,
    )
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.scenario import load_scenario
    from nscc_proj.present.export import write_atomic
    from nscc_proj.present.terminal.render import required_view

    out_format = resolve_format(fmt, output)
    # Asking for --from latest without observations is an error, not a note.
    catalog, observations = load_inputs(
        data, observed, no_observed, note=origin is not Origin.LATEST
    )
    if origin is Origin.LATEST and observations is None:
        raise InputError("--from latest needs observed values: give --observed FILE")
    year = resolve_as_of(catalog, as_of)
    if origin is None:
        origin = Origin.BASE if observations is None else Origin.LATEST
    latest = None if origin is Origin.BASE or observations is None else observations.until(year)
    if latest is None:
        table = required_growth(catalog)
    else:
        links = rate_sources(catalog, compile_scenarios(catalog, [load_scenario(scenario)]))
        table = required_from_latest(catalog, latest, year, links)
    if write_scenario is not None:
        write_atomic(write_scenario, yardstick_scenario(catalog, latest))
        typer.echo(f"Wrote a scenario meeting every target to {write_scenario}", err=True)
    present(
        table, out_format, output, lambda width: required_view(catalog, table, lang.value, width)
    )


@app.command()
@reports_errors
def check(
    scenario: ScenarioOption = [],  # noqa: B006 - typer reads the default from here
    expect: Annotated[
        Path | None,
        typer.Option(
            "--expect", help="Expectations file to compare with (exit 1 on any difference)."
        ),
    ] = None,
    write_expect: Annotated[
        Path | None,
        typer.Option("--write-expect", help="Record the current met/missed statuses in this file."),
    ] = None,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
    as_of: AsOfOption = None,
    strict: StrictOption = False,
) -> None:
    """Fail (exit 1) when a target's met/missed differs from an expectations file.

    Without --scenario, the scenarios named in the expectations file are run.

    Example: nscc check -s base --write-expect expected.yaml; nscc check --expect expected.yaml
    """
    from nscc_proj.analysis.expectations import (
        check_feasibility,
        expectations_yaml,
        read_expectations,
    )
    from nscc_proj.analysis.projection import project as run_projection
    from nscc_proj.errors import InputError
    from nscc_proj.present.export import write_atomic
    from nscc_proj.present.terminal.render import differences_text

    if (expect is None) == (write_expect is None):
        raise InputError("give exactly one of --expect FILE or --write-expect FILE")
    if write_expect is not None:
        if not scenario:
            raise InputError("no scenario to check: give --scenario NAME", source=str(write_expect))
        catalog, observations = load_inputs(data, observed, no_observed)
        scenarios = load_scenarios(scenario, catalog, observations, strict)
        result = run_projection(catalog, scenarios, observations, as_of)
        named = {loaded.name: ref for loaded, ref in zip(scenarios, scenario, strict=True)}
        write_atomic(write_expect, expectations_yaml(result, named))
        typer.echo(
            f"Wrote the feasibility of {result.assessment.met.size} targets to {write_expect}",
            err=True,
        )
        return
    assert expect is not None
    expected = read_expectations(expect)
    catalog, observations = load_inputs(data, observed, no_observed)
    scenarios = (
        load_scenarios(scenario, catalog, observations, strict)
        if scenario
        else expected.load_scenarios()
    )
    if not scenarios:
        raise InputError("no scenario to check: give --scenario NAME", source=str(expect))
    outcome = check_feasibility(expected, run_projection(catalog, scenarios, observations, as_of))
    for warning in outcome.warnings:
        typer.echo(f"Warning: {expect} was {warning}", err=True)
    if outcome.differences:
        typer.echo(differences_text(outcome.differences, outcome.compared, str(expect)))
        raise typer.Exit(EXIT_CHECK_FAILED)
    typer.echo(f"OK: all {outcome.compared} targets match {expect}")


@app.command()
@reports_errors
def indicators(
    fmt: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Language.EN,
    data: DataOption = None,
) -> None:
    """List the indicator catalog: keys, kinds, base values and targets.

    Example: nscc indicators --lang zh
    """
    from nscc_proj.inputs.catalog_io import catalog_table
    from nscc_proj.present.terminal.render import catalog_view

    out_format = resolve_format(fmt, output)
    catalog = load_table(data)
    present(
        catalog_table(catalog),
        out_format,
        output,
        lambda width: catalog_view(catalog, lang.value, width),
    )
