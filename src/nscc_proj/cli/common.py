"""The ``nscc`` command: parse options, call the library, render. No arithmetic.

Heavy modules load inside the commands, so ``nscc --help`` starts fast.
"""

from __future__ import annotations

import errno
import functools
import inspect
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperArgument, TyperGroup

try:  # typer >= 0.20 carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer, on click itself
    from click.exceptions import (  # type: ignore[assignment]
        ClickException,
        NoArgsIsHelpError,
        UsageError,
    )

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


class _PlainArgument(TyperArgument):
    """An argument shown as its metavar (``FILE...``), not ``{FILE}...`` and ``<list[Path]>``."""

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        return self._rich_display_name() if self.required else f"[{self._rich_display_name()}]"

    def _rich_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        return f"{name}..." if self.nargs != 1 else name


class _UsageError(ClickException):
    """A mistake on the command line, told in one line (``Error: ...``) like every other."""

    exit_code = EXIT_BAD_INPUT


class Commands(TyperGroup):
    """nscc's command group: summaries shown whole, arguments by their metavar, and a
    mistake on the command line (an unknown option, a value that is not a number) told in
    one ``Error:`` line naming the help to read, never the usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tidy(self)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)


def _tidy(group: Any) -> None:
    """Every command below ``group``: its whole first paragraph as the summary (click cuts
    it to fit with "..."), its arguments shown plainly."""
    for command in group.commands.values():
        if command.help and not command.short_help:
            first = inspect.cleandoc(command.help).split("\n\n")[0]
            command.short_help = " ".join(first.split())
        for param in command.params:
            if type(param) is TyperArgument:
                param.__class__ = _PlainArgument
        if hasattr(command, "commands"):
            _tidy(command)


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except UsageError as error:
        if isinstance(error, NoArgsIsHelpError):
            raise
        message = error.format_message().rstrip(".")
        if error.ctx is not None:
            message += f" (see '{error.ctx.command_path} --help')"
        raise _UsageError(message) from None


app = typer.Typer(
    name="nscc",
    cls=Commands,
    context_settings={"max_content_width": 100},
    help="Project the targets of a city's indicator table under growth scenarios.\n\n"
    "Which 2025 and 2035 targets does a growth path reach, by how much does it miss "
    "the others, and what growth would each target need?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# Options of ``app`` itself that may stand before the command's name (flags, no values).
_APP_FLAGS = frozenset({"--debug"})


def app_for(args: Sequence[str]) -> typer.Typer:
    """``app`` as it must be built to run ``args``: with only the command (or group) they
    name, when they name one after nothing but ``app``'s own flags; else ``app`` whole.

    Typer turns every registered command into a click command on each run, reading
    each function's signature and type hints and building a pydantic adapter per
    option: about 20 ms of a ``project`` run that needs one command. Help of ``app``
    (``nscc --help``, ``nscc`` alone), ``--version`` and an unknown name get ``app``
    whole, so they list and suggest every command.
    """
    from copy import copy

    from typer.main import get_command_name

    name = next((arg for arg in args if arg not in _APP_FLAGS), None)
    if name is None:
        return app
    commands = [
        info
        for info in app.registered_commands
        if name == (info.name or get_command_name(getattr(info.callback, "__name__", "")))
    ]
    groups = [
        info
        for info in app.registered_groups
        if info.typer_instance is not None and name == info.typer_instance.info.name
    ]
    if len(commands) + len(groups) != 1:
        return app
    narrowed = copy(app)
    narrowed.registered_commands, narrowed.registered_groups = commands, groups
    return narrowed


def command_group(name: str, help: str) -> typer.Typer:
    """A group of subcommands (``nscc data ...``) with the top level's behaviour: the same
    one-line usage errors, whole summaries and help width; registered on ``app``."""
    group = typer.Typer(
        name=name,
        cls=Commands,
        context_settings={"max_content_width": 100},
        help=help,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.add_typer(group)
    return group


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class SeriesFormat(StrEnum):
    """Formats of a command that also gives yearly series: the IAMC layout besides."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    IAMC = "iamc"


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
SeriesFormatOption = Annotated[
    SeriesFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table, csv, json, or iamc (the yearly series in the IAMC layout pyam reads) "
        "[default: the --output suffix, else table].",
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="The region column of --format iamc [default: the shipped table's city, else the "
        "table's file name].",
        show_default=False,
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
# --debug of this invocation: set by the top-level callback, reset when the invocation closes
# (a context variable, so nothing leaks between runs in one process, as in the tests).
_DEBUG: ContextVar[bool] = ContextVar("nscc_debug", default=False)


def reports_errors(command: F) -> F:
    """Turn library errors into one line on stderr and the documented exit code."""

    flags: dict[str, str] | None = None

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from nscc_proj.errors import ClusterError, InputError, NoSolution

        nonlocal flags
        try:
            result = command(*args, **kwargs)
            sys.stdout.flush()  # a full disk shows here, not in Python's exit handler
            return result
        except (typer.Exit, typer.Abort):
            raise
        except InputError as exc:
            if flags is None:
                flags = option_flags(command)
            flag = flags.get(exc.field or "") if exc.source is None else None
            typer.echo(f"Error: {flag}: {exc.message}" if flag else f"Error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (NoSolution, ClusterError) as exc:
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


def option_flags(command: Callable[..., Any]) -> dict[str, str]:
    """Each parameter of a command and the flag a user types for it (``fmt`` -> ``--format``).

    The library names the argument at fault by its own name (``InputError.field``);
    the CLI shows the user the flag they typed instead.
    """
    import typing

    flags: dict[str, str] = {}
    for name, hint in typing.get_type_hints(command, include_extras=True).items():
        for extra in getattr(hint, "__metadata__", ()):
            # Inside Annotated, typer takes the first declaration as the "default" slot.
            names = (getattr(extra, "default", None), *(getattr(extra, "param_decls", None) or ()))
            declared = [n for n in names if isinstance(n, str) and n.startswith("--")]
            if declared:
                flags[name] = declared[0]
    return flags


# The latest date SOURCE_DATE_EPOCH may name: 9999-12-31 23:59:59 UTC.
MAX_EPOCH = 253_402_300_799


def run_time() -> datetime:
    """The run's date for what it writes: now, or SOURCE_DATE_EPOCH (seconds since 1970,
    UTC) where set, the reproducible-builds convention for making reruns byte-identical.

    Read here, at the edge, and passed down: the library never reads the clock.
    """
    from datetime import UTC

    from nscc_proj.errors import InputError

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.now(UTC)
    if not epoch.strip().isdigit() or int(epoch) > MAX_EPOCH:
        raise InputError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {epoch!r}",
            source="environment",
        )
    return datetime.fromtimestamp(int(epoch), UTC)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _debug_enabled() -> bool:
    return _DEBUG.get()


def _show_version(value: bool) -> None:
    if value:
        from nscc_proj import __version__

        typer.echo(f"nscc {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    token = _DEBUG.set(debug)
    ctx.call_on_close(lambda: _DEBUG.reset(token))


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
    if isinstance(value, int):
        return f"{value:,}"  # exactly, however large (2**63 - 1 is not a float)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


# The largest seed: the random streams take a 64-bit signed integer.
MAX_SEED = 2**63 - 1


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
    from nscc_proj.inputs.scenario import load_scenario

    scenarios = [load_scenario(name) for name in names]
    announce_shadowing(scenarios)
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


def announce_shadowing(scenarios: Sequence[Scenario]) -> None:
    """Once per file: a local ``scenarios/NAME.yaml`` read instead of the shipped NAME, named
    on the command line or extended (a copy identical to the shipped file is no news)."""
    from nscc_proj.inputs.scenario import shadowing

    for local, name in dict.fromkeys(pair for one in scenarios for pair in shadowing(one)):
        typer.echo(f"Note: using {local} here, not the shipped {name}", err=True)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, ``update(done, total)``, that appears only when the work
    will last more than about a second, and only on a terminal, so piped output and logs
    stay clean (elsewhere rich would still leave an empty line)."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    started = time.perf_counter()
    bar = Progress(
        label,
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        elapsed = time.perf_counter() - started
        if task is None and done < total and elapsed * total / done > 1.0:
            bar.start()
            task = bar.add_task(label, total=total)
        if task is not None:
            bar.update(task, completed=done)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()


def emit(table: Table, fmt: Format, output: Path | None) -> None:
    from nscc_proj.present.export import render_text

    deliver(render_text(table, fmt), output, f"Wrote {len(table)} rows to {output}")


def deliver(text: str, output: Path | None, wrote: str) -> None:
    """``text`` to standard output, or atomically to ``output`` and then ``wrote`` on stderr."""
    from nscc_proj.present.export import write_atomic

    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        typer.echo(wrote, err=True)


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
    """Print a view: the one place terminal output is written.

    A view laid out for the terminal's width fits it; one that cannot fit without cutting
    a value is printed wider rather than cut (the terminal then wraps its lines). Piped,
    it is plain text without rich's padding: no line ends in spaces.
    """
    from nscc_proj.present.terminal.render import needed_width, view_lines

    terminal = terminal or console()
    terminal.width = max(terminal.width, needed_width(renderable))
    lines = view_lines(renderable, terminal.width)
    if terminal.is_terminal:
        if lines is None:
            terminal.print(renderable)
        for line in lines or ():
            terminal.print(line, no_wrap=True, crop=False)
        return
    if lines is None:
        with terminal.capture() as captured:
            terminal.print(renderable)
        text = captured.get()
    else:
        text = "\n".join(line.plain for line in lines)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in text.splitlines()))


def console() -> Console:
    from rich.console import Console

    # User text (names, keys, scenario names) is data: never read as rich markup or emoji
    # codes (the views also hand it to rich as Text).
    return Console(markup=False, emoji=False)


def check_region(region: str | None, fmt: Format) -> None:
    """--region names the IAMC layout's region: an error with any other format, or empty."""
    from nscc_proj.errors import InputError
    from nscc_proj.present.export import Format

    if region is None:
        return
    if fmt is not Format.IAMC:
        raise InputError("--region is the region column of --format iamc: add --format iamc")
    if not region.strip() or any(ch in region for ch in "\r\n"):
        raise InputError(f"--region must be one line of text, got {region!r}")


def iamc_labels(catalog: Catalog, region: str | None) -> dict[str, str]:
    """The IAMC layout's model (nscc and its version) and region columns."""
    from nscc_proj import __version__
    from nscc_proj.present.iamc import default_region

    return {"model": f"nscc {__version__}", "region": region or default_region(catalog)}


def resolve_format(fmt: OutputFormat | SeriesFormat | None, output: Path | None) -> Format:
    from nscc_proj.present.export import Format, format_for_output

    return format_for_output(None if fmt is None else Format(fmt.value), output)
