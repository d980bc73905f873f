"""The ``nscc`` command: parse options, call the library, render. No arithmetic.

Heavy modules load inside the commands, so ``nscc --help`` starts fast.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from nscc_proj.inputs.catalog import Catalog
    from nscc_proj.inputs.observed import Observations
    from nscc_proj.inputs.scenario import Scenario
    from nscc_proj.present.export import Format
    from nscc_proj.table import Table

# The exit codes (docs/commands.md): library errors are typed by what happened and mapped here.
EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 1, 2, 3
# Failures of the machine rather than of nscc: a full disk, a file-size limit, no permission.
_INFRASTRUCTURE = {errno.ENOSPC, errno.EFBIG, errno.EACCES, errno.EROFS, errno.EDQUOT, errno.EPIPE}

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
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict", help="Treat warnings (implausible rates in a scenario) as errors, for CI."
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
        from nscc_proj.errors import ClusterError, InputError, NoSolution

        try:
            result = command(*args, **kwargs)
            sys.stdout.flush()  # a full disk shows here, not in Python's exit handler
            return result
        except (typer.Exit, typer.Abort):
            raise
        except (InputError, NoSolution, ClusterError) as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except BrokenPipeError:
            # The reader went away (``nscc ... | head``): stop quietly, as Unix tools do.
            _silence_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:
            if exc.errno not in _INFRASTRUCTURE:
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            typer.echo(f"Error: cannot write{where}: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except MemoryError:
            typer.echo(
                "Error: out of memory: use fewer --paths or --workers, or --engine dask", err=True
            )
            raise typer.Exit(EXIT_BAD_INPUT) from None
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


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


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
    from nscc_proj.inputs.catalog_io import load_catalog

    return load_catalog(data)


def load_inputs(
    data: Path | None, observed: Path | None, no_observed: bool, *, note: bool = True
) -> tuple[Catalog, Observations | None]:
    """The catalog, and the observed values: --observed FILE, else observed.csv beside the table."""
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.observed import companion_observed_path, load_observed

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


def load_scenarios(
    names: Sequence[str],
    catalog: Catalog,
    observations: Observations | None,
    strict: bool = False,
) -> list[Scenario]:
    """The scenarios, with their implausible values (``validate``'s warnings) on stderr;
    with ``strict`` the first warning is an error."""
    from nscc_proj.analysis.validate import warnings
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.scenario import load_scenario, shipped_scenario_dir

    for name in dict.fromkeys(names):
        local, shipped = Path("scenarios") / f"{name}.yaml", shipped_scenario_dir() / f"{name}.yaml"
        if "/" in name or not local.is_file() or not shipped.is_file():
            continue
        if local.read_bytes() != shipped.read_bytes():  # a copy of the shipped file is no news
            typer.echo(f"Note: using {local} here, not the shipped {name}", err=True)
    scenarios = [load_scenario(name) for name in names]
    for scenario in scenarios:
        try:
            findings = warnings(scenario, catalog, observations)
        except InputError:
            continue  # a real error: the projection reports it, with its line
        for finding in findings:
            text = str(finding).replace(": warning: ", ": ", 1)
            if strict:
                raise InputError(f"{text} (a warning; --strict makes it an error)")
            typer.echo(f"Warning: {text}", err=True)
    return scenarios


def emit(table: Table, fmt: Format, output: Path | None) -> None:
    from nscc_proj.present.export import render_text, write_atomic

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
    from nscc_proj.present.export import Format

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
    from nscc_proj.present.export import Format, format_for_output

    return format_for_output(None if fmt is None else Format(fmt.value), output)
