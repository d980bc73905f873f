"""The ``nscc`` command: parse options, call the library, render. No arithmetic.

Heavy modules load inside the commands, so ``nscc --help`` starts fast.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from nscc_proj.catalog import Catalog
    from nscc_proj.export import Format
    from nscc_proj.observed import Observations
    from nscc_proj.table import Table

# 2 (bad input) comes with each error, from ``errors``.
EXIT_CHECK_FAILED, EXIT_INTERNAL = 1, 3

app = typer.Typer(
    name="nscc",
    help="Project the targets of a city's indicator table under growth scenarios.\n\n"
    "Which 2025 and 2035 targets does a growth path reach, by how much does it miss "
    "the others, and what growth would each target need?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Indicator table (CSV) to use instead of the shipped one.",
        show_default=False,
    ),
]
ScenarioOption = Annotated[
    list[str],
    typer.Option(
        "--scenario",
        "-s",
        metavar="NAME|PATH",
        help="Scenario name (scenarios/NAME.yaml here, else a shipped one) or a YAML path. "
        "Repeat for several.",
    ),
]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table, csv or json [default: the --output suffix, else table].",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write csv/json to this file instead of standard output."),
]
ObservedOption = Annotated[
    Path | None,
    typer.Option(
        "--observed",
        help="Observed values (CSV) to anchor on [default: observed.csv beside the table].",
        show_default=False,
    ),
]
NoObservedOption = Annotated[
    bool,
    typer.Option("--no-observed", help="Project from the base year only, ignoring observations."),
]
AsOfOption = Annotated[
    int | None,
    typer.Option(
        "--as-of",
        metavar="YEAR",
        help="The year you stand in: milestones up to it are passed and judged on the data, "
        "later observations are ignored [default: last calendar year].",
        show_default=False,
    ),
]
LangOption = Annotated[
    Language, typer.Option("--lang", help="Language of names and headings in tables.")
]

F = TypeVar("F", bound=Callable[..., Any])
# Options of the top-level callback that commands need (set on every invocation).
_session = {"debug": False}


def reports_errors(command: F) -> F:
    """Turn library errors into one line on stderr and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from nscc_proj.errors import NsccError

        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except NsccError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if _debug_enabled():
                traceback.print_exc()
            else:
                typer.echo(
                    f"Internal error: {type(exc).__name__}: {exc}. This is a bug in nscc: "
                    "please report it with the command you ran (add --debug for the traceback).",
                    err=True,
                )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _debug_enabled() -> bool:
    return _session["debug"]


def _show_version(value: bool) -> None:
    if value:
        from nscc_proj import __version__

        typer.echo(f"nscc {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    _session["debug"] = debug


def load_table(data: Path | None) -> Catalog:
    from nscc_proj.catalog_io import load_catalog

    return load_catalog(data)


def load_inputs(
    data: Path | None, observed: Path | None, no_observed: bool, *, note: bool = True
) -> tuple[Catalog, Observations | None]:
    """The catalog, and the observed values: --observed FILE, else observed.csv beside the table."""
    from nscc_proj.errors import InputError
    from nscc_proj.observed import companion_observed_path, load_observed

    catalog = load_table(data)
    if no_observed:
        if observed is not None:
            raise InputError("give --observed FILE or --no-observed, not both")
        return catalog, None
    path = observed or companion_observed_path(catalog)
    if path is None:
        if data is not None and note:
            typer.echo(
                f"Note: no observed.csv beside {data}: running without observations "
                "(give --observed FILE, or --no-observed to silence this)",
                err=True,
            )
        return catalog, None
    shipped = observed is None and data is None
    return catalog, load_observed(
        path, catalog, display="observed.csv (shipped)" if shipped else None
    )


def check_range(
    option: str, value: float, low: float, high: float, unit: str = "", *, zero: bool = False
) -> None:
    """One line naming the option, its unit and range when ``value`` lies outside it.

    ``zero`` allows 0 as well (an option where 0 switches the step off).
    """
    from nscc_proj.errors import InputError

    if zero and value == 0:
        return
    if not low <= value <= high:
        off = "0 (off) or " if zero else ""
        unit = f" {unit}" if unit else ""
        raise InputError(
            f"{option} must be {off}{_number(low)} to {_number(high)}{unit}, got {_number(value)}"
        )


def _number(value: float) -> str:
    """1000000 -> '1,000,000'; 0.0001 -> '0.0001' (never 1e+06 in a message)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def emit(table: Table, fmt: Format, output: Path | None) -> None:
    from nscc_proj.export import render_text, write_atomic

    text = render_text(table, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        typer.echo(f"Wrote {len(table)} rows to {output}", err=True)


def present(
    table: Table,
    fmt: Format,
    output: Path | None,
    view: Callable[[int], RenderableType] | None,
) -> None:
    """CSV or JSON to the file or standard output; in the terminal, ``view(width)``.

    Without a view (yearly paths, bands) the terminal gets CSV: there is no table worth
    drawing for hundreds of rows.
    """
    from nscc_proj.export import Format

    if fmt is Format.TABLE and view is not None:
        terminal = console()
        show(view(terminal.width), terminal)
        return
    emit(table, Format.CSV if fmt is Format.TABLE else fmt, output)


def show(renderable: RenderableType, terminal: Console | None = None) -> None:
    """Print to the terminal; piped, without rich's padding (no trailing spaces)."""
    terminal = terminal or console()
    if terminal.is_terminal:
        terminal.print(renderable)
        return
    with terminal.capture() as captured:
        terminal.print(renderable)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def console() -> Console:
    from rich.console import Console

    # User text (names, keys, scenario names) is data: never read as rich markup.
    return Console(markup=False)


def resolve_format(fmt: OutputFormat | None, output: Path | None) -> Format:
    from nscc_proj.export import Format, format_for_output

    return format_for_output(None if fmt is None else Format(fmt.value), output)


@app.command()
@reports_errors
def project(
    scenario: ScenarioOption = ["base"],  # noqa: B006 - typer reads the default from here
    fmt: FormatOption = None,
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
) -> None:
    """Project every indicator under the scenarios and assess each target.

    Example: nscc project --scenario base --scenario high --format csv -o assessment.csv
    """
    from nscc_proj.projection import project as run_projection
    from nscc_proj.projection import resolve_as_of
    from nscc_proj.scenario import load_scenario

    out_format = resolve_format(fmt, output)
    catalog, observations = load_inputs(data, observed, no_observed)
    year = resolve_as_of(catalog, as_of)  # checked before the scenarios are read
    result = run_projection(catalog, [load_scenario(name) for name in scenario], observations, year)
    if paths:
        present(result.path_table, out_format, output, None)
        return

    def view(width: int) -> RenderableType:
        from nscc_proj.render import assessment_view  # rich only for the terminal

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
    from nscc_proj.errors import InputError
    from nscc_proj.export import write_atomic
    from nscc_proj.projection import rate_sources, resolve_as_of
    from nscc_proj.rates import compile_scenarios
    from nscc_proj.render import required_view
    from nscc_proj.requirements import required_from_latest, required_growth, yardstick_scenario
    from nscc_proj.scenario import load_scenario

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
    present(table, out_format, output, lambda _: required_view(catalog, table, lang.value))


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
) -> None:
    """Fail (exit 1) when a target's met/missed differs from an expectations file.

    Without --scenario, the scenarios named in the expectations file are run.

    Example: nscc check -s base --write-expect expected.yaml; nscc check --expect expected.yaml
    """
    from nscc_proj.errors import InputError
    from nscc_proj.expectations import check_feasibility, expectations_yaml, read_expectations
    from nscc_proj.export import write_atomic
    from nscc_proj.projection import project as run_projection
    from nscc_proj.render import differences_text
    from nscc_proj.scenario import load_scenario

    if (expect is None) == (write_expect is None):
        raise InputError("give exactly one of --expect FILE or --write-expect FILE")
    if write_expect is not None:
        if not scenario:
            raise InputError("no scenario to check: give --scenario NAME", source=str(write_expect))
        catalog, observations = load_inputs(data, observed, no_observed)
        scenarios = [load_scenario(reference) for reference in scenario]
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
        [load_scenario(name) for name in scenario] if scenario else expected.load_scenarios()
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
    from nscc_proj.catalog_io import catalog_table
    from nscc_proj.render import catalog_view

    out_format = resolve_format(fmt, output)
    catalog = load_table(data)
    present(catalog_table(catalog), out_format, output, lambda _: catalog_view(catalog, lang.value))


def main() -> None:
    """Console-script entry point."""
    app()


# Commands of the analysis and uncertainty layers register themselves on ``app``.
from nscc_proj import cli_analysis, cli_data, cli_report, cli_uncertainty  # noqa: E402, F401
